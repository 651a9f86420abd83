/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Edits the <cpu> element of a libvirt domain definition so the guest can
 * run guests of its own (see nv-domain-xml.h). Pure functions over XML
 * text: libvirt itself is never called here, so this is unit-tested alone.
 *
 * The text comes from libvirt, but it holds strings chosen by whoever
 * defined the domain, so it is parsed as hostile input: no network, no
 * entity substitution, no DTD loading, and a document type declaration,
 * which libvirt never writes, is refused outright.
 *
 * libxml2 is not linked but dlopen()ed at the first edit, as libvirt is in
 * nv-libvirt.c: with ICU and libstdc++ behind it, it would cost every
 * activation of the daemon almost two megabytes of resident memory and
 * part of its startup time, for calls that are rare. Its functions are
 * called through a table typed from libxml2's headers.
 */
#include "config.h"

#include <limits.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlsave.h>

#include "nv-dlopen.h"
#include "nv-domain-xml.h"

#define NV_XML_SONAME "libxml2.so.2"

/* Every libxml2 function used here, all in libxml2 2.9. */
#define NV_XML_FOR_EACH_SYMBOL(X) \
        X(xmlAddChild)            \
        X(xmlAddNextSibling)      \
        X(xmlAddPrevSibling)      \
        X(xmlBufferContent)       \
        X(xmlBufferCreate)        \
        X(xmlBufferFree)          \
        X(xmlBufferLength)        \
        X(xmlCtxtGetLastError)    \
        X(xmlCtxtReadMemory)      \
        X(xmlDocGetRootElement)   \
        X(xmlFreeDoc)             \
        X(xmlFreeNode)            \
        X(xmlFreeParserCtxt)      \
        X(xmlGetNoNsProp)         \
        X(xmlHasNsProp)           \
        X(xmlNewDocNode)          \
        X(xmlNewDocText)          \
        X(xmlNewParserCtxt)       \
        X(xmlNodeGetContent)      \
        X(xmlRemoveProp)          \
        X(xmlSaveClose)           \
        X(xmlSaveDoc)             \
        X(xmlSaveToBuffer)        \
        X(xmlSetNsProp)           \
        X(xmlUnlinkNode)

static struct {
#define NV_XML_DECLARE_SYMBOL(name) __typeof__(name) *name;
        NV_XML_FOR_EACH_SYMBOL(NV_XML_DECLARE_SYMBOL)
#undef NV_XML_DECLARE_SYMBOL
        /* A variable, not a function: the deallocator libxml2 uses. */
        xmlFreeFunc *xmlFree;
} api;

#define NV_XML_SYMBOL_ENTRY(name) NV_DL_SYMBOL_INIT(api, name),
static const NvDlSymbol symbols[] = { NV_XML_FOR_EACH_SYMBOL(NV_XML_SYMBOL_ENTRY)
                                              NV_DL_SYMBOL_INIT(api, xmlFree) };
#undef NV_XML_SYMBOL_ENTRY

static NvDlLibrary library = {
        .soname = NV_XML_SONAME,
        .install_hint = "install libxml2",
        .symbols = symbols,
        .n_symbols = G_N_ELEMENTS(symbols),
};

static gboolean ensure_api(GError **error)
{
        const char *load_error = nv_dl_library_load(&library);

        if (load_error) {
                g_set_error_literal(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, load_error);
                return FALSE;
        }
        return TRUE;
}

static void doc_free(xmlDoc *doc)
{
        api.xmlFreeDoc(doc);
}

static void parser_ctxt_free(xmlParserCtxt *ctxt)
{
        api.xmlFreeParserCtxt(ctxt);
}

static void buffer_free(xmlBuffer *buffer)
{
        api.xmlBufferFree(buffer);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, doc_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlParserCtxt, parser_ctxt_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlBuffer, buffer_free)

/* Without XML_PARSE_NOBLANKS: whitespace between elements is kept, so the
 * document is written back with the layout it came with. Without
 * XML_PARSE_NOENT, XML_PARSE_DTDLOAD, XML_PARSE_DTDATTR and
 * XML_PARSE_DTDVALID: libxml2 then neither substitutes entities nor reads
 * anything outside the string. Errors go into the GError, not to stderr. */
#define NV_DOMAIN_XML_PARSE_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)

gboolean nv_cpu_mode_from_string(const char *s, NvCpuMode *ret)
{
        NvCpuMode mode;

        if (!s)
                return FALSE;
        if (strcmp(s, "host-model") == 0)
                mode = NV_CPU_MODE_HOST_MODEL;
        else if (strcmp(s, "host-passthrough") == 0)
                mode = NV_CPU_MODE_HOST_PASSTHROUGH;
        else
                return FALSE;

        if (ret)
                *ret = mode;
        return TRUE;
}

const char *nv_cpu_mode_to_string(NvCpuMode mode)
{
        switch (mode) {
        case NV_CPU_MODE_HOST_MODEL:
                return "host-model";
        case NV_CPU_MODE_HOST_PASSTHROUGH:
                return "host-passthrough";
        }
        g_return_val_if_reached(NULL);
}

/* Belt and braces on top of the parse options: should any code path in
 * libxml2 still try to resolve an external entity or subset, it gets
 * nothing. */
static xmlParserInputPtr refuse_external_entity(void *ctx, const xmlChar *public_id,
                                                const xmlChar *system_id)
{
        return NULL;
}

static void refuse_external_subset(void *ctx, const xmlChar *name, const xmlChar *external_id,
                                   const xmlChar *system_id)
{
}

static gboolean is_element(const xmlNode *node, const char *name)
{
        /* libvirt's own elements have no namespace; metadata and
         * <qemu:commandline> do, and are none of our business. */
        return node->type == XML_ELEMENT_NODE && node->ns == NULL &&
               strcmp((const char *)node->name, name) == 0;
}

/* Parses @xml, whose root must be the element @root_name; @what names the
 * document in errors ("domain definition"). */
static xmlDoc *parse_document(const char *xml, const char *root_name, const char *what, xmlNode **ret_root,
                              GError **error)
{
        g_autoptr(xmlParserCtxt) ctxt = NULL;
        g_autoptr(xmlDoc) doc = NULL;
        size_t len = strlen(xml);
        xmlNode *root;

        if (len > INT_MAX) {
                g_set_error(error, G_MARKUP_ERROR, G_MARKUP_ERROR_PARSE, "The %s is too large", what);
                return NULL;
        }

        ctxt = api.xmlNewParserCtxt();
        if (!ctxt)
                g_error("Out of memory allocating an XML parser");
        ctxt->sax->resolveEntity = refuse_external_entity;
        ctxt->sax->externalSubset = refuse_external_subset;

        doc = api.xmlCtxtReadMemory(ctxt, xml, (int)len, NULL, NULL, NV_DOMAIN_XML_PARSE_OPTIONS);
        if (!doc) {
                const xmlError *e = api.xmlCtxtGetLastError(ctxt);
                g_autofree char *reason = g_strdup(e && e->message ? e->message : "unknown error");

                g_strstrip(reason);
                g_set_error(error, G_MARKUP_ERROR, G_MARKUP_ERROR_PARSE,
                            "The %s is not well-formed XML (line %d): %s", what, e ? e->line : 0, reason);
                return NULL;
        }

        /* libvirt never writes one; an internal subset is where entity
         * tricks (external or recursive entities) would live. */
        if (doc->intSubset || doc->extSubset) {
                g_set_error(error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT,
                            "The %s has a document type declaration, which libvirt never writes", what);
                return NULL;
        }

        root = api.xmlDocGetRootElement(doc);
        if (!root || !is_element(root, root_name)) {
                g_set_error(error, G_MARKUP_ERROR, G_MARKUP_ERROR_UNKNOWN_ELEMENT,
                            "Not a libvirt %s: the root element is not <%s>", what, root_name);
                return NULL;
        }

        *ret_root = root;
        return g_steal_pointer(&doc);
}

static xmlDoc *parse_domain(const char *xml, xmlNode **ret_root, GError **error)
{
        return parse_document(xml, "domain", "domain definition", ret_root, error);
}

/* libvirt reads the first <cpu> directly under <domain> and ignores the
 * rest; so do we. */
static xmlNode *find_child(xmlNode *parent, const char *name)
{
        for (xmlNode *n = parent->children; n; n = n->next)
                if (is_element(n, name))
                        return n;
        return NULL;
}

static char *get_attribute(xmlNode *node, const char *name)
{
        xmlChar *value = api.xmlGetNoNsProp(node, (const xmlChar *)name);
        char *ret;

        if (!value)
                return NULL;
        ret = g_strdup((const char *)value);
        (*api.xmlFree)(value);
        return ret;
}

static gboolean set_attribute(xmlNode *node, const char *name, const char *value)
{
        g_autofree char *old = get_attribute(node, name);

        if (g_strcmp0(old, value) == 0)
                return FALSE;
        /* Replaces the value in place when the attribute exists, so the
         * attributes keep their order. */
        if (!api.xmlSetNsProp(node, NULL, (const xmlChar *)name, (const xmlChar *)value))
                g_error("Out of memory setting an XML attribute");
        return TRUE;
}

static gboolean remove_attribute(xmlNode *node, const char *name)
{
        xmlAttr *attr = api.xmlHasNsProp(node, (const xmlChar *)name, NULL);

        if (!attr || attr->type != XML_ATTRIBUTE_NODE)
                return FALSE;
        api.xmlRemoveProp(attr);
        return TRUE;
}

static gboolean is_blank_text(const xmlNode *node)
{
        if (node->type != XML_TEXT_NODE)
                return FALSE;
        for (const xmlChar *c = node->content; c && *c; c++)
                if (*c != ' ' && *c != '\t' && *c != '\n' && *c != '\r')
                        return FALSE;
        return TRUE;
}

static void free_node(xmlNode *node)
{
        api.xmlUnlinkNode(node);
        api.xmlFreeNode(node);
}

/* Removes @node together with the indentation in front of it, so that no
 * blank line is left where it was. */
static void remove_element(xmlNode *node)
{
        if (node->prev && is_blank_text(node->prev))
                free_node(node->prev);
        free_node(node);
}

/* The indentation in front of @node, to give a new sibling the same. */
static const char *indentation_of(const xmlNode *node)
{
        if (node->prev && is_blank_text(node->prev))
                return (const char *)node->prev->content;
        return NULL;
}

static xmlNode *new_text(xmlDoc *doc, const char *text)
{
        xmlNode *node = api.xmlNewDocText(doc, (const xmlChar *)text);

        if (!node)
                g_error("Out of memory creating an XML text node");
        return node;
}

/* Adds an empty <cpu/> where libvirt itself writes it (after <features>,
 * before <clock>), indented like its neighbour. libvirt does not care
 * about the order, but a person reading `virsh dumpxml` does. */
static xmlNode *add_cpu(xmlDoc *doc, xmlNode *domain)
{
        xmlNode *cpu, *anchor, *last = NULL;
        const char *indent;

        cpu = api.xmlNewDocNode(doc, NULL, (const xmlChar *)"cpu", NULL);
        if (!cpu)
                g_error("Out of memory creating an XML element");

        anchor = find_child(domain, "clock");
        if (anchor) {
                indent = indentation_of(anchor);
                api.xmlAddPrevSibling(anchor, cpu);
                /* Only now, with <cpu> between them, can the text not be
                 * merged into (and freed with) another text node. */
                if (indent)
                        api.xmlAddPrevSibling(anchor, new_text(doc, indent));
                return cpu;
        }

        anchor = find_child(domain, "features");
        if (!anchor)
                anchor = find_child(domain, "os");
        if (!anchor) {
                for (xmlNode *n = domain->children; n; n = n->next)
                        if (n->type == XML_ELEMENT_NODE)
                                last = n;
                anchor = last;
        }
        if (!anchor) {
                api.xmlAddChild(domain, cpu);
                return cpu;
        }

        indent = indentation_of(anchor);
        api.xmlAddNextSibling(anchor, cpu);
        if (indent)
                api.xmlAddNextSibling(anchor, new_text(doc, indent));
        return cpu;
}

static gboolean has_text_content(xmlNode *node)
{
        xmlChar *content = api.xmlNodeGetContent(node);
        gboolean ret = FALSE;

        if (content) {
                g_autofree char *copy = g_strdup((const char *)content);

                ret = *g_strstrip(copy) != '\0';
                (*api.xmlFree)(content);
        }
        return ret;
}

/* Whether @child of <cpu> conflicts with @mode and has to go. */
static gboolean child_conflicts(xmlNode *child, NvCpuMode mode)
{
        g_autofree char *cache_mode = NULL;

        /* A vendor without a model is an error for libvirt ("CPU vendor
         * specified without CPU model"), and with the host's CPU there is
         * no vendor to choose. */
        if (is_element(child, "vendor"))
                return TRUE;

        if (is_element(child, "model")) {
                /* host-passthrough ignores <model> altogether. host-model
                 * replaces a named model with the host's, but honours a
                 * nameless <model fallback=... vendor_id=.../>; older
                 * libvirt writes <model fallback='allow'/> into every
                 * host-model definition, which must not look like a change
                 * on the next call. */
                return mode == NV_CPU_MODE_HOST_PASSTHROUGH || has_text_content(child);
        }

        /* libvirt refuses <cache mode='passthrough'/> on anything but
         * host-passthrough CPUs; defining it would fail. */
        if (is_element(child, "cache") && mode != NV_CPU_MODE_HOST_PASSTHROUGH) {
                cache_mode = get_attribute(child, "mode");
                return g_strcmp0(cache_mode, "passthrough") == 0;
        }

        /* The whole point is a guest that can run guests: a feature that
         * switches the virtualization extension off would defeat it. */
        if (is_element(child, "feature")) {
                g_autofree char *name = get_attribute(child, "name");
                g_autofree char *policy = get_attribute(child, "policy");

                if ((g_strcmp0(name, "vmx") == 0 || g_strcmp0(name, "svm") == 0) &&
                    (g_strcmp0(policy, "disable") == 0 || g_strcmp0(policy, "forbid") == 0))
                        return TRUE;
        }

        /* topology, numa, cache, other features, maxphysaddr and anything
         * newer stay: they describe the guest's CPU independently of where
         * its model comes from. */
        return FALSE;
}

static gboolean drop_conflicting_children(xmlNode *cpu, NvCpuMode mode)
{
        gboolean changed = FALSE;
        xmlNode *n, *next;

        for (n = cpu->children; n; n = next) {
                next = n->next;
                if (child_conflicts(n, mode)) {
                        remove_element(n);
                        changed = TRUE;
                }
        }

        if (!changed)
                return FALSE;

        /* Nothing but indentation left: write <cpu .../> as libvirt does. */
        for (n = cpu->children; n; n = n->next)
                if (!is_blank_text(n))
                        return TRUE;
        while (cpu->children)
                free_node(cpu->children);
        return TRUE;
}

static gboolean apply_mode(xmlNode *cpu, NvCpuMode mode)
{
        gboolean changed = FALSE;

        changed |= set_attribute(cpu, "mode", nv_cpu_mode_to_string(mode));

        /* match= only means something for mode='custom'; libvirt stops
         * writing it once the mode changes, and so do we. */
        changed |= remove_attribute(cpu, "match");

        switch (mode) {
        case NV_CPU_MODE_HOST_MODEL:
                /* check='partial', libvirt's default for host-model:
                 * the expanded model is compared with the host's at start,
                 * which catches a CPU that cannot be provided instead of
                 * starting a guest without vmx/svm. migratable= is refused
                 * by libvirt for anything but host-passthrough and maximum. */
                changed |= set_attribute(cpu, "check", "partial");
                changed |= remove_attribute(cpu, "migratable");
                break;
        case NV_CPU_MODE_HOST_PASSTHROUGH: {
                g_autofree char *check = get_attribute(cpu, "check");

                /* No check: there is nothing to compare the host's CPU with.
                 * check='none' is kept, because that is the default libvirt
                 * writes back for host-passthrough itself; removing it would
                 * make every later call look like a change. migratable= stays:
                 * it is the owner's choice between migratability and exposing
                 * every host feature, and libvirt accepts it in this mode. */
                if (check && strcmp(check, "none") != 0)
                        changed |= remove_attribute(cpu, "check");
                break;
        }
        }

        changed |= drop_conflicting_children(cpu, mode);
        return changed;
}

static char *serialize(xmlDoc *doc, GError **error)
{
        g_autoptr(xmlBuffer) buffer = api.xmlBufferCreate();
        xmlSaveCtxt *save;
        long written;

        if (!buffer)
                g_error("Out of memory allocating an XML buffer");

        /* No XML_SAVE_FORMAT: the text nodes kept by the parser carry the
         * original layout. No declaration: libvirt writes none. "UTF-8"
         * rather than NULL: with NULL, libxml2 escapes every non-ASCII
         * character of a <title> or <description> as a character reference. */
        save = api.xmlSaveToBuffer(buffer, "UTF-8", XML_SAVE_NO_DECL);
        if (!save)
                g_error("Out of memory allocating an XML writer");
        written = api.xmlSaveDoc(save, doc);
        if (api.xmlSaveClose(save) < 0 || written < 0) {
                g_set_error_literal(error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT,
                                    "The edited domain definition could not be written as XML");
                return NULL;
        }

        return g_strndup((const char *)api.xmlBufferContent(buffer), (gsize)api.xmlBufferLength(buffer));
}

char *nv_domain_xml_get_cpu_mode(const char *xml, GError **error)
{
        g_auto(NvCpuDef) cpu = { 0 };

        if (!nv_domain_xml_get_cpu(xml, &cpu, NULL, error))
                return NULL;
        return g_steal_pointer(&cpu.mode);
}

char *nv_domain_xml_set_cpu_mode(const char *xml, NvCpuMode mode, gboolean *ret_changed, GError **error)
{
        g_autoptr(xmlDoc) doc = NULL;
        xmlNode *domain = NULL, *cpu;
        gboolean changed = FALSE;
        char *ret;

        g_return_val_if_fail(xml != NULL, NULL);
        if (!ensure_api(error))
                return NULL;
        g_return_val_if_fail(nv_cpu_mode_to_string(mode) != NULL, NULL);
        g_return_val_if_fail(error == NULL || *error == NULL, NULL);

        doc = parse_domain(xml, &domain, error);
        if (!doc)
                return NULL;

        cpu = find_child(domain, "cpu");
        if (!cpu) {
                cpu = add_cpu(doc, domain);
                changed = TRUE;
        }
        changed |= apply_mode(cpu, mode);

        if (!changed) {
                /* Not re-serialized: the caller can compare, and the text is
                 * exactly libvirt's. */
                ret = g_strdup(xml);
        } else {
                ret = serialize(doc, error);
                if (!ret)
                        return NULL;
        }

        if (ret_changed)
                *ret_changed = changed;
        return ret;
}

/* ---- Does the guest get vmx/svm? -------------------------------------- */

const char *nv_nested_to_string(NvNested nested)
{
        switch (nested) {
        case NV_NESTED_UNKNOWN:
                return "unknown";
        case NV_NESTED_YES:
                return "yes";
        case NV_NESTED_NO:
                return "no";
        }
        g_return_val_if_reached(NULL);
}

void nv_cpu_def_clear(NvCpuDef *cpu)
{
        g_clear_pointer(&cpu->mode, g_free);
        g_clear_pointer(&cpu->model, g_free);
        g_clear_pointer(&cpu->vendor, g_free);
        g_clear_pointer(&cpu->features, g_hash_table_unref);
}

void nv_domain_guest_clear(NvDomainGuest *guest)
{
        g_clear_pointer(&guest->virt_type, g_free);
        g_clear_pointer(&guest->arch, g_free);
        g_clear_pointer(&guest->machine, g_free);
        g_clear_pointer(&guest->emulator, g_free);
        guest->launch_security = NV_LAUNCH_SECURITY_NONE;
}

/* The text of @node without surrounding blanks; NULL when it is empty. */
static char *get_text(xmlNode *node)
{
        xmlChar *content = api.xmlNodeGetContent(node);
        g_autofree char *copy = NULL;

        if (!content)
                return NULL;
        copy = g_strdup((const char *)content);
        (*api.xmlFree)(content);
        g_strstrip(copy);
        return *copy ? g_steal_pointer(&copy) : NULL;
}

static char *get_child_text(xmlNode *parent, const char *name)
{
        xmlNode *child = parent ? find_child(parent, name) : NULL;

        return child ? get_text(child) : NULL;
}

/* The CPU element @cpu (a domain's <cpu>, NULL when there is none, or a
 * baseline <cpu>; or a host-model <mode> with @mode "host-model") into
 * @ret. A <cpu> without mode is libvirt's default, custom. */
static void read_cpu(xmlNode *cpu, const char *mode, NvCpuDef *ret)
{
        ret->features = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        if (!cpu) {
                ret->mode = g_strdup("");
                return;
        }
        ret->mode = mode ? g_strdup(mode) : get_attribute(cpu, "mode");
        if (!ret->mode)
                ret->mode = g_strdup("custom");

        ret->model = get_child_text(cpu, "model");
        ret->vendor = get_child_text(cpu, "vendor");
        for (xmlNode *n = cpu->children; n; n = n->next) {
                g_autofree char *name = NULL;
                g_autofree char *policy = NULL;

                if (!is_element(n, "feature"))
                        continue;
                name = get_attribute(n, "name");
                if (!name || g_hash_table_contains(ret->features, name))
                        continue;
                policy = get_attribute(n, "policy");
                g_hash_table_insert(ret->features, g_steal_pointer(&name),
                                    policy ? g_steal_pointer(&policy) : g_strdup("require"));
        }
}

/* ensure_api() and parse_document(), for the functions that read a
 * document and leave it as it is. */
static xmlDoc *read_document(const char *xml, const char *root_name, const char *what, xmlNode **ret_root,
                             GError **error)
{
        g_return_val_if_fail(xml != NULL, NULL);
        if (!ensure_api(error))
                return NULL;
        g_return_val_if_fail(error == NULL || *error == NULL, NULL);
        return parse_document(xml, root_name, what, ret_root, error);
}

const char *nv_launch_security_to_string(NvLaunchSecurity kind)
{
        switch (kind) {
        case NV_LAUNCH_SECURITY_SEV:
                return "SEV";
        case NV_LAUNCH_SECURITY_SEV_ES:
                return "SEV-ES";
        case NV_LAUNCH_SECURITY_SEV_SNP:
                return "SEV-SNP";
        case NV_LAUNCH_SECURITY_TDX:
                return "TDX";
        case NV_LAUNCH_SECURITY_S390_PV:
                return "s390 Secure Execution";
        case NV_LAUNCH_SECURITY_OTHER:
                return "confidential";
        case NV_LAUNCH_SECURITY_NONE:
        default:
                return NULL;
        }
}

char *nv_launch_security_reason(NvLaunchSecurity kind)
{
        g_return_val_if_fail(kind != NV_LAUNCH_SECURITY_NONE, NULL);
        return g_strdup_printf("%s guest: confidential guests cannot run KVM inside",
                               nv_launch_security_to_string(kind));
}

/* libvirt writes the SEV policy in hexadecimal ("0x0007"); bit 2 asks for
 * SEV-ES (AMD's SEV API, "Guest Policy"; libvirt's formatdomain,
 * "Launch Security"). An unreadable policy is plain SEV: it is confidential
 * either way. */
#define SEV_POLICY_ES 0x4

static NvLaunchSecurity read_launch_security(xmlNode *domain)
{
        xmlNode *node = find_child(domain, "launchSecurity");
        g_autofree char *type = NULL;
        g_autofree char *policy = NULL;
        guint64 bits = 0;

        if (!node)
                return NV_LAUNCH_SECURITY_NONE;
        type = get_attribute(node, "type");
        if (g_strcmp0(type, "sev") == 0) {
                policy = get_child_text(node, "policy");
                if (policy &&
                    g_ascii_string_to_unsigned(g_str_has_prefix(policy, "0x") ? policy + 2 : policy, 16, 0,
                                               G_MAXUINT64, &bits, NULL) &&
                    (bits & SEV_POLICY_ES))
                        return NV_LAUNCH_SECURITY_SEV_ES;
                return NV_LAUNCH_SECURITY_SEV;
        }
        if (g_strcmp0(type, "sev-snp") == 0)
                return NV_LAUNCH_SECURITY_SEV_SNP;
        if (g_strcmp0(type, "tdx") == 0)
                return NV_LAUNCH_SECURITY_TDX;
        if (g_strcmp0(type, "s390-pv") == 0)
                return NV_LAUNCH_SECURITY_S390_PV;
        return NV_LAUNCH_SECURITY_OTHER;
}

gboolean nv_domain_xml_get_cpu(const char *xml, NvCpuDef *ret_cpu, NvDomainGuest *ret_guest, GError **error)
{
        g_autoptr(xmlDoc) doc = NULL;
        xmlNode *domain = NULL, *cpu, *os_type = NULL, *os, *devices;

        g_return_val_if_fail(ret_cpu != NULL, FALSE);
        doc = read_document(xml, "domain", "domain definition", &domain, error);
        if (!doc)
                return FALSE;

        cpu = find_child(domain, "cpu");
        read_cpu(cpu, NULL, ret_cpu);

        if (ret_guest) {
                ret_guest->virt_type = get_attribute(domain, "type");
                os = find_child(domain, "os");
                if (os)
                        os_type = find_child(os, "type");
                if (os_type) {
                        ret_guest->arch = get_attribute(os_type, "arch");
                        ret_guest->machine = get_attribute(os_type, "machine");
                }
                devices = find_child(domain, "devices");
                ret_guest->emulator = get_child_text(devices, "emulator");
                ret_guest->launch_security = read_launch_security(domain);
        }
        return TRUE;
}

gboolean nv_domain_caps_get_host_model(const char *xml, NvCpuDef *ret_cpu, gboolean *ret_supported,
                                       GError **error)
{
        g_autoptr(xmlDoc) doc = NULL;
        g_autofree char *supported = NULL;
        xmlNode *root = NULL, *cpu, *mode = NULL;

        g_return_val_if_fail(ret_cpu != NULL, FALSE);
        doc = read_document(xml, "domainCapabilities", "domain capabilities document", &root, error);
        if (!doc)
                return FALSE;

        cpu = find_child(root, "cpu");
        for (xmlNode *n = cpu ? cpu->children : NULL; n && !mode; n = n->next) {
                g_autofree char *name = NULL;

                if (!is_element(n, "mode"))
                        continue;
                name = get_attribute(n, "name");
                if (g_strcmp0(name, "host-model") == 0)
                        mode = n;
        }
        if (!mode) {
                g_set_error_literal(error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT,
                                    "The domain capabilities describe no host-model CPU");
                return FALSE;
        }

        read_cpu(mode, "host-model", ret_cpu);
        supported = get_attribute(mode, "supported");
        if (ret_supported)
                *ret_supported = g_strcmp0(supported, "yes") == 0;
        return TRUE;
}

gboolean nv_cpu_xml_parse(const char *xml, NvCpuDef *ret_cpu, GError **error)
{
        g_autoptr(xmlDoc) doc = NULL;
        xmlNode *cpu = NULL;

        g_return_val_if_fail(ret_cpu != NULL, FALSE);
        doc = read_document(xml, "cpu", "CPU description", &cpu, error);
        if (!doc)
                return FALSE;

        read_cpu(cpu, NULL, ret_cpu);
        return TRUE;
}

const char *nv_virtualization_flag(const char *vendor)
{
        if (!vendor)
                return NULL;
        if (g_ascii_strcasecmp(vendor, "intel") == 0)
                return "vmx";
        /* Hygon's Dhyana is an AMD design, with svm and kvm_amd. */
        if (g_ascii_strcasecmp(vendor, "amd") == 0 || g_ascii_strcasecmp(vendor, "hygon") == 0)
                return "svm";
        return NULL;
}

static gboolean policy_removes(const char *policy)
{
        return g_strcmp0(policy, "disable") == 0 || g_strcmp0(policy, "forbid") == 0;
}

static gboolean policy_adds(const char *policy)
{
        return g_strcmp0(policy, "require") == 0 || g_strcmp0(policy, "force") == 0 ||
               g_strcmp0(policy, "optional") == 0;
}

static const char *feature_policy(const NvCpuDef *cpu, const char *feature)
{
        return cpu->features ? g_hash_table_lookup(cpu->features, feature) : NULL;
}

/* The guest gets the flag when the host can give it: @why_yes says why it
 * is asked for; otherwise the host's reason. */
static NvNested judge_by_host(const NvNestingHost *host, char *why_yes, char **ret_reason)
{
        g_autofree char *reason = why_yes;

        if (host->host != NV_NESTED_YES) {
                g_free(reason);
                reason = g_strdup(host->host_reason ? host->host_reason
                                                    : "whether the host can pass it on is not known");
        }
        if (ret_reason)
                *ret_reason = g_steal_pointer(&reason);
        return host->host;
}

static NvNested verdict(NvNested nested, char *reason, char **ret_reason)
{
        if (ret_reason)
                *ret_reason = reason;
        else
                g_free(reason);
        return nested;
}

static NvNested judge_host_model(const NvNestingHost *host, const char *flag, char **ret_reason)
{
        const NvCpuDef *hm = host->host_model;
        const char *policy;
        NvNested has;

        if (!hm) {
                /* host-model never gives more than the host can. */
                if (host->host == NV_NESTED_NO)
                        return judge_by_host(host, NULL, ret_reason);
                return verdict(NV_NESTED_UNKNOWN,
                               g_strdup_printf("libvirt does not say what its host-model CPU contains (%s)",
                                               host->host_model_error ? host->host_model_error
                                                                      : "no domain capabilities"),
                               ret_reason);
        }
        if (!host->host_model_supported)
                return verdict(
                        NV_NESTED_UNKNOWN,
                        g_strdup("libvirt's domain capabilities say host-model is not supported here"),
                        ret_reason);

        policy = feature_policy(hm, flag);
        if (policy_removes(policy))
                return verdict(NV_NESTED_NO,
                               g_strdup_printf("libvirt's host-model CPU has %s disabled%s%s", flag,
                                               host->host == NV_NESTED_NO ? ": " : "",
                                               host->host == NV_NESTED_NO && host->host_reason
                                                       ? host->host_reason
                                                       : ""),
                               ret_reason);
        if (policy_adds(policy))
                return verdict(NV_NESTED_YES, g_strdup_printf("libvirt's host-model CPU has %s", flag),
                               ret_reason);

        if (!hm->model)
                return verdict(NV_NESTED_NO, g_strdup_printf("libvirt's host-model CPU has no %s", flag),
                               ret_reason);
        has = host->model_has_feature ? host->model_has_feature(hm->model, flag, host->user_data)
                                      : NV_NESTED_UNKNOWN;
        switch (has) {
        case NV_NESTED_YES:
                /* libvirt disables in host-model what the host cannot give,
                 * so a flag of the model that is not disabled is there. */
                return verdict(
                        NV_NESTED_YES,
                        g_strdup_printf("libvirt's host-model CPU is %s, which has %s", hm->model, flag),
                        ret_reason);
        case NV_NESTED_NO:
                return verdict(
                        NV_NESTED_NO,
                        g_strdup_printf("libvirt's host-model CPU is %s, which has no %s", hm->model, flag),
                        ret_reason);
        case NV_NESTED_UNKNOWN:
        default:
                return verdict(NV_NESTED_UNKNOWN,
                               g_strdup_printf("whether libvirt's host-model CPU %s has %s is not known",
                                               hm->model, flag),
                               ret_reason);
        }
}

static NvNested judge_custom(const NvCpuDef *cpu, const NvNestingHost *host, const char *flag,
                             char **ret_reason)
{
        NvNested has;

        if (!cpu->model)
                return verdict(NV_NESTED_UNKNOWN,
                               g_strdup("no CPU model: the hypervisor's default CPU decides"), ret_reason);

        has = host->model_has_feature ? host->model_has_feature(cpu->model, flag, host->user_data)
                                      : NV_NESTED_UNKNOWN;
        switch (has) {
        case NV_NESTED_YES:
                return judge_by_host(host, g_strdup_printf("CPU model %s has %s", cpu->model, flag),
                                     ret_reason);
        case NV_NESTED_NO:
                return verdict(
                        NV_NESTED_NO,
                        g_strdup_printf("CPU model %s has no %s and no <feature> adds it", cpu->model, flag),
                        ret_reason);
        case NV_NESTED_UNKNOWN:
        default:
                return verdict(NV_NESTED_UNKNOWN,
                               g_strdup_printf("whether CPU model %s has %s is not known", cpu->model, flag),
                               ret_reason);
        }
}

NvNested nv_cpu_def_judge_nesting(const NvCpuDef *cpu, const NvNestingHost *host, char **ret_reason)
{
        const char *flag, *policy, *mode;

        g_return_val_if_fail(cpu != NULL, NV_NESTED_UNKNOWN);
        g_return_val_if_fail(host != NULL, NV_NESTED_UNKNOWN);

        flag = host->flag;
        if (!flag && host->host_model)
                flag = nv_virtualization_flag(host->host_model->vendor);
        if (!flag)
                return verdict(NV_NESTED_UNKNOWN,
                               g_strdup("the host's CPU vendor is unknown, so is which flag counts"),
                               ret_reason);

        mode = cpu->mode ? cpu->mode : "";
        policy = feature_policy(cpu, flag);
        if (policy_removes(policy))
                return verdict(NV_NESTED_NO,
                               g_strdup_printf("%s disabled by <feature policy='%s'>", flag, policy),
                               ret_reason);

        if (strcmp(mode, "host-passthrough") == 0 || strcmp(mode, "maximum") == 0)
                return judge_by_host(host, g_strdup_printf("%s passes on the host's %s", mode, flag),
                                     ret_reason);

        if (policy_adds(policy))
                return judge_by_host(host,
                                     g_strdup_printf("%s added by <feature policy='%s'>", flag, policy),
                                     ret_reason);

        if (strcmp(mode, "host-model") == 0)
                return judge_host_model(host, flag, ret_reason);
        if (strcmp(mode, "custom") == 0)
                return judge_custom(cpu, host, flag, ret_reason);
        if (*mode == '\0')
                return verdict(NV_NESTED_UNKNOWN, g_strdup("no <cpu>: the hypervisor's default CPU decides"),
                               ret_reason);
        return verdict(NV_NESTED_UNKNOWN, g_strdup_printf("CPU mode '%s' is not known here", mode),
                       ret_reason);
}

NvNested nv_nesting_host_judge(const char *flag, gboolean cpu_has_flag, const char *vendor_module,
                               gboolean module_loaded, gboolean nested_enabled, char **ret_reason)
{
        if (!flag || !vendor_module)
                return verdict(NV_NESTED_UNKNOWN, g_strdup("the host's CPU vendor is unknown"), ret_reason);
        if (!cpu_has_flag)
                return verdict(NV_NESTED_NO, g_strdup_printf("the host CPU has no %s", flag), ret_reason);
        if (!module_loaded)
                return verdict(NV_NESTED_UNKNOWN,
                               g_strdup_printf("%s is not loaded: its nested setting applies when it is",
                                               vendor_module),
                               ret_reason);
        if (!nested_enabled)
                return verdict(NV_NESTED_NO, g_strdup_printf("%s has nested disabled", vendor_module),
                               ret_reason);
        return verdict(NV_NESTED_YES, NULL, ret_reason);
}
