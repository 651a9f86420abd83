/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzzes the <cpu> edit ConfigureDomain makes to a libvirt domain
 * definition, with its promises as invariants: when the edit is made, the
 * result parses, has the mode asked for, editing it again changes nothing,
 * and outside the first <cpu> of <domain> (compared in canonical form,
 * comments kept, without the indentation in front of <cpu>) nothing
 * changed. The first input byte picks the mode; the rest is the XML.
 */
#include <libxml/c14n.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "nv-domain-xml.h"

#include "fuzz.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)

static void ignore_xml_error(void *ctx, const char *msg, ...)
{
}

static xmlNode *first_cpu(xmlNode *root)
{
        for (xmlNode *n = root ? root->children : NULL; n; n = n->next)
                if (n->type == XML_ELEMENT_NODE && !n->ns && xmlStrEqual(n->name, (const xmlChar *)"cpu"))
                        return n;
        return NULL;
}

/* @xml canonical, without its first <cpu> (and, with @strip_indent, the
 * blank text in front of it); NULL when libxml2 cannot canonicalize it
 * (then there is nothing to compare). */
static char *canonical_without_cpu(const char *xml, gboolean strip_indent)
{
        g_autoptr(xmlDoc) doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL, XML_PARSE_NONET);
        xmlNode *cpu;
        xmlChar *out = NULL;
        char *ret;
        int len;

        g_assert(doc != NULL);
        cpu = first_cpu(xmlDocGetRootElement(doc));
        if (cpu) {
                if (strip_indent && cpu->prev && cpu->prev->type == XML_TEXT_NODE &&
                    xmlIsBlankNode(cpu->prev)) {
                        xmlNode *text = cpu->prev;

                        xmlUnlinkNode(text);
                        xmlFreeNode(text);
                }
                xmlUnlinkNode(cpu);
                xmlFreeNode(cpu);
        }
        len = xmlC14NDocDumpMemory(doc, NULL, XML_C14N_1_0, NULL, 1, &out);
        if (len < 0)
                return NULL;
        ret = g_strndup((const char *)out, (gsize)len);
        xmlFree(out);
        return ret;
}

static gboolean equal(const char *a, const char *b)
{
        return a && b && strcmp(a, b) == 0;
}

/* Outside <cpu>, @out is @in, except for the indentation in front of a
 * <cpu> (added with a new one, or kept when a <cpu> was appended after
 * existing blank text). Where libxml2 cannot canonicalize, nothing to say. */
static void assert_same_outside_cpu(const char *in, const char *out)
{
        g_autofree char *in_plain = canonical_without_cpu(in, FALSE);
        g_autofree char *in_stripped = canonical_without_cpu(in, TRUE);
        g_autofree char *out_plain = canonical_without_cpu(out, FALSE);
        g_autofree char *out_stripped = canonical_without_cpu(out, TRUE);

        if (!in_plain || !in_stripped || !out_plain || !out_stripped)
                return;
        g_assert(equal(in_plain, out_plain) || equal(in_plain, out_stripped) ||
                 equal(in_stripped, out_stripped));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        g_autofree char *xml = NULL;
        g_autofree char *out = NULL;
        g_autofree char *again = NULL;
        g_autofree char *mode_read = NULL;
        gboolean changed = TRUE;
        NvCpuMode mode;

        fuzz_setup();
        xmlSetGenericErrorFunc(NULL, ignore_xml_error);
        /* libvirt hands over C strings: an input with a NUL is not one. */
        if (size < 1 || memchr(data, '\0', size))
                return 0;
        mode = (data[0] & 1) ? NV_CPU_MODE_HOST_PASSTHROUGH : NV_CPU_MODE_HOST_MODEL;
        xml = fuzz_strndup(data + 1, size - 1);

        out = nv_domain_xml_set_cpu_mode(xml, mode, &changed, NULL);
        if (!out)
                return 0; /* refused: not a domain definition */
        if (!changed)
                g_assert(strcmp(out, xml) == 0);

        mode_read = nv_domain_xml_get_cpu_mode(out, NULL);
        g_assert(mode_read != NULL);
        g_assert(strcmp(mode_read, nv_cpu_mode_to_string(mode)) == 0);

        again = nv_domain_xml_set_cpu_mode(out, mode, &changed, NULL);
        g_assert(again != NULL);
        g_assert(!changed);
        g_assert(strcmp(again, out) == 0);

        assert_same_outside_cpu(xml, out);
        return 0;
}
