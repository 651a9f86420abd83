/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzzes the <cpu> edit ConfigureDomain makes to a libvirt domain
 * definition, with its promises as invariants: when the edit is made, the
 * result parses, has the mode asked for, editing it again changes nothing,
 * and outside the first <cpu> of <domain> (compared in canonical form,
 * comments kept, without the indentation in front of <cpu>) nothing
 * changed. The first input byte picks the mode; the rest is the XML.
 *
 * The same text also goes through the nesting parsers, as a domain
 * definition, as domain capabilities and as a bare <cpu>: whatever parses
 * is judged, and every verdict comes with a reason.
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

static NvNested model_has_feature(const char *model, const char *feature, gpointer user_data)
{
        /* Any answer will do, as long as it depends on the input. */
        return (NvNested)((strlen(model) + strlen(feature)) % 3);
}

static void assert_judged(const NvCpuDef *cpu, const NvNestingHost *host)
{
        g_autofree char *reason = NULL;
        NvNested nested = nv_cpu_def_judge_nesting(cpu, host, &reason);

        g_assert_nonnull(nv_nested_to_string(nested));
        g_assert_nonnull(reason);
        g_assert_true(g_utf8_validate(reason, -1, NULL));
}

/* Every host the judgement distinguishes, with @host_model or without. */
static void judge_on_hosts(const NvCpuDef *cpu, const NvCpuDef *host_model)
{
        static const char *const flags[] = { "vmx", "svm", NULL };
        static const NvNested verdicts[] = { NV_NESTED_YES, NV_NESTED_NO, NV_NESTED_UNKNOWN };

        for (gsize i = 0; i < G_N_ELEMENTS(flags); i++)
                for (gsize j = 0; j < G_N_ELEMENTS(verdicts); j++) {
                        const NvNestingHost host = {
                                .flag = flags[i],
                                .host = verdicts[j],
                                .host_reason = j == 0 ? NULL : "the host cannot",
                                .host_model = host_model,
                                .host_model_supported = j != 2,
                                .host_model_error = host_model ? NULL : "no domain capabilities",
                                .model_has_feature = j == 2 ? NULL : model_has_feature,
                        };

                        assert_judged(cpu, &host);
                }
}

static void fuzz_nesting(const char *xml)
{
        g_auto(NvCpuDef) cpu = { 0 };
        g_auto(NvCpuDef) host_model = { 0 };
        g_auto(NvCpuDef) baseline = { 0 };
        g_auto(NvDomainGuest) guest = { 0 };
        g_autofree char *mode = NULL;
        gboolean supported;

        if (nv_domain_xml_get_cpu(xml, &cpu, &guest, NULL)) {
                mode = nv_domain_xml_get_cpu_mode(xml, NULL);
                g_assert_cmpstr(mode, ==, cpu.mode);
                g_assert_nonnull(cpu.features);
                judge_on_hosts(&cpu, NULL);
        }
        if (nv_domain_caps_get_host_model(xml, &host_model, &supported, NULL)) {
                static const NvCpuDef host_model_domain = { .mode = (char *)"host-model" };

                g_assert_cmpstr(host_model.mode, ==, "host-model");
                judge_on_hosts(&host_model_domain, &host_model);
        }
        if (nv_cpu_xml_parse(xml, &baseline, NULL))
                judge_on_hosts(&baseline, NULL);
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

        fuzz_nesting(xml);

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
