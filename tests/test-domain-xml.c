/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for nv-domain-xml.c: setting a domain's <cpu> mode, keeping
 * everything else, and refusing what is not a libvirt domain definition.
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <libxml/c14n.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "nv-domain-xml.h"

/* A custom CPU with every kind of child, in libxml2's own quoting so that
 * the text outside <cpu> can be compared byte for byte. */
static const char custom_domain[] = "<domain type=\"kvm\">\n"
                                    "  <name>l1</name>\n"
                                    "  <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>\n"
                                    "  <memory unit=\"KiB\">2097152</memory>\n"
                                    "  <vcpu placement=\"static\">4</vcpu>\n"
                                    "  <os>\n"
                                    "    <type arch=\"x86_64\" machine=\"pc-q35-7.2\">hvm</type>\n"
                                    "  </os>\n"
                                    "  <features>\n"
                                    "    <acpi/>\n"
                                    "  </features>\n"
                                    "  <cpu mode=\"custom\" match=\"exact\" check=\"full\">\n"
                                    "    <model fallback=\"forbid\">Skylake</model>\n"
                                    "    <vendor>Intel</vendor>\n"
                                    "    <topology sockets=\"1\" dies=\"1\" cores=\"2\" threads=\"2\"/>\n"
                                    "    <feature policy=\"require\" name=\"vmx\"/>\n"
                                    "    <numa>\n"
                                    "      <cell id=\"0\" cpus=\"0-3\" memory=\"2097152\" unit=\"KiB\"/>\n"
                                    "    </numa>\n"
                                    "  </cpu>\n"
                                    "  <clock offset=\"utc\"/>\n"
                                    "  <devices>\n"
                                    "    <emulator>/usr/bin/qemu-system-x86_64</emulator>\n"
                                    "  </devices>\n"
                                    "</domain>\n";

static const char custom_as_host_model[] =
        "<domain type=\"kvm\">\n"
        "  <name>l1</name>\n"
        "  <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>\n"
        "  <memory unit=\"KiB\">2097152</memory>\n"
        "  <vcpu placement=\"static\">4</vcpu>\n"
        "  <os>\n"
        "    <type arch=\"x86_64\" machine=\"pc-q35-7.2\">hvm</type>\n"
        "  </os>\n"
        "  <features>\n"
        "    <acpi/>\n"
        "  </features>\n"
        "  <cpu mode=\"host-model\" check=\"partial\">\n"
        "    <topology sockets=\"1\" dies=\"1\" cores=\"2\" threads=\"2\"/>\n"
        "    <feature policy=\"require\" name=\"vmx\"/>\n"
        "    <numa>\n"
        "      <cell id=\"0\" cpus=\"0-3\" memory=\"2097152\" unit=\"KiB\"/>\n"
        "    </numa>\n"
        "  </cpu>\n"
        "  <clock offset=\"utc\"/>\n"
        "  <devices>\n"
        "    <emulator>/usr/bin/qemu-system-x86_64</emulator>\n"
        "  </devices>\n"
        "</domain>\n";

/* The same domain as libvirt writes it: single quotes. */
static const char libvirt_domain[] =
        "<domain type='kvm' id='3'>\n"
        "  <name>l1</name>\n"
        "  <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>\n"
        "  <description>Gäst für verschachtelte VMs &amp; Tests</description>\n"
        "  <metadata>\n"
        "    <libosinfo:libosinfo xmlns:libosinfo='http://libosinfo.org/xmlns/libvirt/domain/1.0'>\n"
        "      <libosinfo:os id='http://debian.org/debian/12'/>\n"
        "    </libosinfo:libosinfo>\n"
        "  </metadata>\n"
        "  <memory unit='KiB'>2097152</memory>\n"
        "  <vcpu placement='static'>4</vcpu>\n"
        "  <os>\n"
        "    <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>\n"
        "    <boot dev='hd'/>\n"
        "  </os>\n"
        "  <features>\n"
        "    <acpi/>\n"
        "    <apic/>\n"
        "  </features>\n"
        "  <cpu mode='custom' match='exact' check='full'>\n"
        "    <model fallback='forbid'>Skylake</model>\n"
        "    <vendor>Intel</vendor>\n"
        "    <topology sockets='1' dies='1' cores='2' threads='2'/>\n"
        "    <cache level='3' mode='emulate'/>\n"
        "    <maxphysaddr mode='emulate' bits='42'/>\n"
        "    <feature policy='require' name='vmx'/>\n"
        "    <numa>\n"
        "      <cell id='0' cpus='0-3' memory='2097152' unit='KiB'/>\n"
        "    </numa>\n"
        "  </cpu>\n"
        "  <clock offset='utc'/>\n"
        "  <!-- keep me -->\n"
        "  <devices>\n"
        "    <emulator>/usr/bin/qemu-system-x86_64</emulator>\n"
        "    <graphics type='vnc' port='-1' autoport='yes' passwd='s3cr&lt;t'/>\n"
        "    <console type='pty'><![CDATA[raw <text>]]></console>\n"
        "  </devices>\n"
        "  <qemu:commandline xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>\n"
        "    <qemu:arg value='-cpu'/>\n"
        "  </qemu:commandline>\n"
        "</domain>\n";

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)

static xmlNode *find_element(xmlNode *parent, const char *name)
{
        for (xmlNode *n = parent->children; n; n = n->next)
                if (n->type == XML_ELEMENT_NODE && !n->ns && strcmp((const char *)n->name, name) == 0)
                        return n;
        return NULL;
}

/* @xml in canonical form (C14N, comments kept) without its first <cpu>
 * and the indentation in front of it: what must not change. */
static char *canonical_without_cpu(const char *xml)
{
        g_autoptr(xmlDoc) doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL, XML_PARSE_NONET);
        xmlNode *cpu;
        xmlChar *out = NULL;
        char *ret;
        int len;

        g_assert_nonnull(doc);
        cpu = find_element(xmlDocGetRootElement(doc), "cpu");
        if (cpu) {
                if (cpu->prev && cpu->prev->type == XML_TEXT_NODE && xmlIsBlankNode(cpu->prev)) {
                        xmlNode *text = cpu->prev;

                        xmlUnlinkNode(text);
                        xmlFreeNode(text);
                }
                xmlUnlinkNode(cpu);
                xmlFreeNode(cpu);
        }
        len = xmlC14NDocDumpMemory(doc, NULL, XML_C14N_1_0, NULL, 1, &out);
        g_assert_cmpint(len, >, 0);
        ret = g_strndup((const char *)out, (gsize)len);
        xmlFree(out);
        return ret;
}

static void assert_same_outside_cpu(const char *a, const char *b)
{
        g_autofree char *ca = canonical_without_cpu(a);
        g_autofree char *cb = canonical_without_cpu(b);

        g_assert_cmpstr(ca, ==, cb);
}

/* The <cpu ...>...</cpu> or <cpu .../> element of @xml, as text. */
static char *cpu_text(const char *xml)
{
        const char *start = strstr(xml, "<cpu"), *end;

        g_assert_nonnull(start);
        end = strchr(start, '>');
        g_assert_nonnull(end);
        if (end[-1] == '/')
                end++;
        else
                end = strstr(start, "</cpu>") + strlen("</cpu>");
        return g_strndup(start, (gsize)(end - start));
}

static char *set_mode(const char *xml, NvCpuMode mode, gboolean expect_changed)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *again = NULL;
        g_autofree char *mode_read = NULL;
        gboolean changed = !expect_changed;
        char *ret;

        ret = nv_domain_xml_set_cpu_mode(xml, mode, &changed, &error);
        g_assert_no_error(error);
        g_assert_nonnull(ret);
        g_assert_cmpint(changed, ==, expect_changed);
        if (!changed)
                g_assert_cmpstr(ret, ==, xml);

        /* Whatever it wrote, it reads back as that mode, and a second
         * call changes nothing. */
        mode_read = nv_domain_xml_get_cpu_mode(ret, &error);
        g_assert_no_error(error);
        g_assert_cmpstr(mode_read, ==, nv_cpu_mode_to_string(mode));

        again = nv_domain_xml_set_cpu_mode(ret, mode, &changed, &error);
        g_assert_no_error(error);
        g_assert_false(changed);
        g_assert_cmpstr(again, ==, ret);

        assert_same_outside_cpu(xml, ret);
        return ret;
}

static void test_custom_to_host_model(void)
{
        g_autofree char *out = set_mode(custom_domain, NV_CPU_MODE_HOST_MODEL, TRUE);

        g_assert_cmpstr(out, ==, custom_as_host_model);
}

static void test_custom_to_host_passthrough(void)
{
        g_autofree char *out = set_mode(custom_domain, NV_CPU_MODE_HOST_PASSTHROUGH, TRUE);
        g_autofree char *cpu = cpu_text(out);

        g_assert_cmpstr(cpu, ==,
                        "<cpu mode=\"host-passthrough\">\n"
                        "    <topology sockets=\"1\" dies=\"1\" cores=\"2\" threads=\"2\"/>\n"
                        "    <feature policy=\"require\" name=\"vmx\"/>\n"
                        "    <numa>\n"
                        "      <cell id=\"0\" cpus=\"0-3\" memory=\"2097152\" unit=\"KiB\"/>\n"
                        "    </numa>\n"
                        "  </cpu>");

        /* Outside <cpu>, byte for byte. */
        g_assert_true(g_str_has_prefix(out, "<domain type=\"kvm\">\n  <name>l1</name>"));
        g_assert_cmpint(strstr(out, "<cpu") - out, ==, strstr(custom_domain, "<cpu") - custom_domain);
        g_assert_cmpstr(strstr(out, "</cpu>"), ==, strstr(custom_domain, "</cpu>"));
}

/* A feature that switches the virtualization extension off would keep the
 * guest from running guests of its own: it goes; other features stay. */
static void test_virtualization_feature_disabled(void)
{
        static const char xml[] = "<domain type=\"kvm\">\n"
                                  "  <name>l1</name>\n"
                                  "  <cpu mode=\"custom\" match=\"exact\">\n"
                                  "    <model>EPYC</model>\n"
                                  "    <feature policy=\"disable\" name=\"svm\"/>\n"
                                  "    <feature policy=\"forbid\" name=\"vmx\"/>\n"
                                  "    <feature policy=\"disable\" name=\"x2apic\"/>\n"
                                  "    <feature policy=\"require\" name=\"svm\"/>\n"
                                  "  </cpu>\n"
                                  "</domain>\n";

        for (NvCpuMode mode = NV_CPU_MODE_HOST_MODEL; mode <= NV_CPU_MODE_HOST_PASSTHROUGH; mode++) {
                g_autofree char *out = set_mode(xml, mode, TRUE);

                g_assert_null(strstr(out, "policy=\"disable\" name=\"svm\""));
                g_assert_null(strstr(out, "name=\"vmx\""));
                g_assert_nonnull(strstr(out, "<feature policy=\"disable\" name=\"x2apic\"/>"));
                g_assert_nonnull(strstr(out, "<feature policy=\"require\" name=\"svm\"/>"));
        }
}

static void test_libvirt_formatted(void)
{
        for (NvCpuMode mode = NV_CPU_MODE_HOST_MODEL; mode <= NV_CPU_MODE_HOST_PASSTHROUGH; mode++) {
                g_autofree char *out = set_mode(libvirt_domain, mode, TRUE);

                g_test_message("%s:\n%s", nv_cpu_mode_to_string(mode), out);
                /* What libvirt rejects or ignores in these modes is gone... */
                g_assert_null(strstr(out, "<model"));
                g_assert_null(strstr(out, "<vendor"));
                g_assert_null(strstr(out, "match="));
                /* ...what describes the guest's CPU is kept... */
                g_assert_nonnull(
                        strstr(out, "<topology sockets=\"1\" dies=\"1\" cores=\"2\" threads=\"2\"/>"));
                g_assert_nonnull(strstr(out, "<cache level=\"3\" mode=\"emulate\"/>"));
                g_assert_nonnull(strstr(out, "<maxphysaddr mode=\"emulate\" bits=\"42\"/>"));
                g_assert_nonnull(strstr(out, "<feature policy=\"require\" name=\"vmx\"/>"));
                g_assert_nonnull(
                        strstr(out, "<cell id=\"0\" cpus=\"0-3\" memory=\"2097152\" unit=\"KiB\"/>"));
                /* ...and so is the rest: UTF-8 as it was, escapes, CDATA,
                 * comments, secrets, foreign namespaces. */
                g_assert_nonnull(
                        strstr(out, "<description>Gäst für verschachtelte VMs &amp; Tests</description>"));
                g_assert_nonnull(strstr(out, "passwd=\"s3cr&lt;t\""));
                g_assert_nonnull(strstr(out, "<![CDATA[raw <text>]]>"));
                g_assert_nonnull(strstr(out, "<!-- keep me -->"));
                g_assert_nonnull(strstr(out, "<qemu:arg value=\"-cpu\"/>"));
                g_assert_null(strstr(out, "<?xml"));
        }
}

static void test_no_cpu(void)
{
        static const char no_cpu[] = "<domain type=\"kvm\">\n"
                                     "  <name>l1</name>\n"
                                     "  <features>\n"
                                     "    <acpi/>\n"
                                     "  </features>\n"
                                     "  <clock offset=\"utc\"/>\n"
                                     "</domain>\n";
        static const char no_cpu_no_clock[] = "<domain type=\"kvm\">\n"
                                              "  <name>l1</name>\n"
                                              "  <features>\n"
                                              "    <acpi/>\n"
                                              "  </features>\n"
                                              "  <devices/>\n"
                                              "</domain>\n";
        g_autofree char *model = set_mode(no_cpu, NV_CPU_MODE_HOST_MODEL, TRUE);
        g_autofree char *passthrough = set_mode(no_cpu, NV_CPU_MODE_HOST_PASSTHROUGH, TRUE);
        g_autofree char *after_features = set_mode(no_cpu_no_clock, NV_CPU_MODE_HOST_PASSTHROUGH, TRUE);
        g_autofree char *bare =
                set_mode("<domain type='test'><name>x</name></domain>", NV_CPU_MODE_HOST_PASSTHROUGH, TRUE);
        g_autofree char *empty = set_mode("<domain/>", NV_CPU_MODE_HOST_MODEL, TRUE);
        g_autofree char *mode = NULL;
        g_autoptr(GError) error = NULL;

        /* Where libvirt writes it, indented like its neighbours. */
        g_assert_cmpstr(model, ==,
                        "<domain type=\"kvm\">\n"
                        "  <name>l1</name>\n"
                        "  <features>\n"
                        "    <acpi/>\n"
                        "  </features>\n"
                        "  <cpu mode=\"host-model\" check=\"partial\"/>\n"
                        "  <clock offset=\"utc\"/>\n"
                        "</domain>\n");
        g_assert_nonnull(strstr(passthrough, "  </features>\n  <cpu mode=\"host-passthrough\"/>\n  <clock"));
        g_assert_nonnull(
                strstr(after_features, "  </features>\n  <cpu mode=\"host-passthrough\"/>\n  <devices/>"));
        g_assert_cmpstr(bare, ==,
                        "<domain type=\"test\"><name>x</name><cpu mode=\"host-passthrough\"/></domain>\n");
        g_assert_cmpstr(empty, ==, "<domain><cpu mode=\"host-model\" check=\"partial\"/></domain>\n");

        mode = nv_domain_xml_get_cpu_mode(no_cpu, &error);
        g_assert_no_error(error);
        g_assert_cmpstr(mode, ==, "");
}

static void test_unchanged(void)
{
        /* As libvirt writes these modes back after a define: check='none'
         * and migratable='on' for host-passthrough, check='partial' (and,
         * in older versions, a nameless <model fallback='allow'/>) for
         * host-model. None of that may look like a change. */
        static const char *const passthrough[] = {
                "<domain type='kvm'>\n  <name>a</name>\n  <cpu mode='host-passthrough'/>\n</domain>\n",
                "<domain type='kvm'>\n  <name>a</name>\n  <cpu mode='host-passthrough' check='none' "
                "migratable='on'/>\n</domain>\n",
                "<domain type='kvm'>\n  <name>a</name>\n  <cpu mode='host-passthrough' migratable='off'>\n"
                "    <topology sockets='1' dies='1' cores='2' threads='1'/>\n"
                "    <cache mode='passthrough'/>\n"
                "    <feature policy='disable' name='rdrand'/>\n  </cpu>\n</domain>\n",
        };
        static const char *const host_model[] = {
                "<domain type='kvm'>\n  <cpu mode='host-model' check='partial'/>\n</domain>\n",
                "<domain type='kvm'>\n  <cpu check='partial' mode='host-model'>\n"
                "    <model fallback='allow'/>\n  </cpu>\n</domain>\n",
        };

        for (gsize i = 0; i < G_N_ELEMENTS(passthrough); i++)
                g_free(set_mode(passthrough[i], NV_CPU_MODE_HOST_PASSTHROUGH, FALSE));
        for (gsize i = 0; i < G_N_ELEMENTS(host_model); i++)
                g_free(set_mode(host_model[i], NV_CPU_MODE_HOST_MODEL, FALSE));
}

static void test_host_model_check(void)
{
        g_autofree char *full =
                set_mode("<domain type='kvm'>\n  <cpu mode='host-model' check='full'/>\n</domain>\n",
                         NV_CPU_MODE_HOST_MODEL, TRUE);
        g_autofree char *none =
                set_mode("<domain type='kvm'>\n  <cpu mode='host-model' check='none'/>\n</domain>\n",
                         NV_CPU_MODE_HOST_MODEL, TRUE);
        g_autofree char *bare = set_mode("<domain type='kvm'>\n  <cpu mode='host-model'/>\n</domain>\n",
                                         NV_CPU_MODE_HOST_MODEL, TRUE);

        g_assert_cmpstr(
                full, ==,
                "<domain type=\"kvm\">\n  <cpu mode=\"host-model\" check=\"partial\"/>\n</domain>\n");
        g_assert_cmpstr(none, ==, full);
        g_assert_cmpstr(bare, ==, full);
}

static void test_mode_switch(void)
{
        /* migratable= is refused by libvirt for host-model, and the host's
         * caches cannot be passed through a model CPU. */
        g_autofree char *model = set_mode("<domain type='kvm'>\n"
                                          "  <cpu mode='host-passthrough' check='none' migratable='on'>\n"
                                          "    <cache mode='passthrough'/>\n"
                                          "  </cpu>\n"
                                          "</domain>\n",
                                          NV_CPU_MODE_HOST_MODEL, TRUE);
        /* check='full' means nothing without a model to compare. */
        g_autofree char *passthrough = set_mode("<domain type='kvm'>\n"
                                                "  <cpu mode='host-model' check='full'>\n"
                                                "    <model fallback='forbid'/>\n"
                                                "  </cpu>\n"
                                                "</domain>\n",
                                                NV_CPU_MODE_HOST_PASSTHROUGH, TRUE);
        /* A <cpu> that only sets the topology is mode='custom' for libvirt. */
        g_autofree char *topology = set_mode("<domain type='kvm'>\n"
                                             "  <cpu>\n"
                                             "    <topology sockets='1' dies='1' cores='2' threads='1'/>\n"
                                             "  </cpu>\n"
                                             "</domain>\n",
                                             NV_CPU_MODE_HOST_PASSTHROUGH, TRUE);

        g_assert_cmpstr(
                model, ==,
                "<domain type=\"kvm\">\n  <cpu mode=\"host-model\" check=\"partial\"/>\n</domain>\n");
        g_assert_cmpstr(passthrough, ==,
                        "<domain type=\"kvm\">\n  <cpu mode=\"host-passthrough\"/>\n</domain>\n");
        g_assert_cmpstr(topology, ==,
                        "<domain type=\"kvm\">\n"
                        "  <cpu mode=\"host-passthrough\">\n"
                        "    <topology sockets=\"1\" dies=\"1\" cores=\"2\" threads=\"1\"/>\n"
                        "  </cpu>\n"
                        "</domain>\n");
}

static void test_get_cpu_mode(void)
{
        static const struct {
                const char *xml;
                const char *mode;
        } cases[] = {
                { "<domain/>", "" },
                { "<domain><cpu/></domain>", "custom" },
                { "<domain><cpu><topology sockets='1' cores='1' threads='1'/></cpu></domain>", "custom" },
                { "<domain><cpu mode='host-model'/></domain>", "host-model" },
                { "<domain><cpu mode='maximum'/></domain>", "maximum" },
                /* The first <cpu> directly under <domain>, as libvirt reads it. */
                { "<domain><devices><cpu mode='x'/></devices><cpu mode='host-passthrough'/><cpu "
                  "mode='y'/></domain>",
                  "host-passthrough" },
                { "<domain><x:cpu xmlns:x='urn:x' mode='z'/></domain>", "" },
        };

        for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autoptr(GError) error = NULL;
                g_autofree char *mode = nv_domain_xml_get_cpu_mode(cases[i].xml, &error);

                g_assert_no_error(error);
                g_assert_cmpstr(mode, ==, cases[i].mode);
        }
}

static void assert_refused(const char *xml, int code)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *out = NULL;
        g_autofree char *mode = NULL;
        gboolean changed = TRUE;

        out = nv_domain_xml_set_cpu_mode(xml, NV_CPU_MODE_HOST_PASSTHROUGH, &changed, &error);
        g_assert_error(error, G_MARKUP_ERROR, code);
        g_assert_null(out);
        g_test_message("refused: %s", error->message);
        g_clear_error(&error);

        mode = nv_domain_xml_get_cpu_mode(xml, &error);
        g_assert_error(error, G_MARKUP_ERROR, code);
        g_assert_null(mode);
}

static void test_garbage(void)
{
        assert_refused("", G_MARKUP_ERROR_PARSE);
        assert_refused("not xml at all", G_MARKUP_ERROR_PARSE);
        assert_refused("<domain type='kvm'><name>x</name>", G_MARKUP_ERROR_PARSE);
        assert_refused("<domain><cpu mode='a' mode='b'/></domain>", G_MARKUP_ERROR_PARSE);
        assert_refused("<domain>&undefined;</domain>", G_MARKUP_ERROR_PARSE);
        assert_refused("<domain/><domain/>", G_MARKUP_ERROR_PARSE);
        assert_refused("\xff\xfe<domain/>", G_MARKUP_ERROR_PARSE);
}

static void test_not_a_domain(void)
{
        assert_refused("<network><name>default</name></network>", G_MARKUP_ERROR_UNKNOWN_ELEMENT);
        assert_refused("<x:domain xmlns:x='urn:x'/>", G_MARKUP_ERROR_UNKNOWN_ELEMENT);
        assert_refused("<Domain/>", G_MARKUP_ERROR_UNKNOWN_ELEMENT);
}

static void test_doctype(void)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *dir = g_dir_make_tmp("nv-test-domain-xml-XXXXXX", &error);
        g_autofree char *secret = NULL;
        g_autofree char *external_entity = NULL;
        g_autofree char *external_dtd = NULL;
        g_autofree char *parameter_entity = NULL;
        g_autofree char *out = NULL;
        gboolean changed = TRUE;

        g_assert_no_error(error);
        secret = g_build_filename(dir, "secret", NULL);
        g_assert_true(g_file_set_contents(secret, "TOPSECRET", -1, &error));
        g_assert_no_error(error);

        external_entity = g_strdup_printf("<!DOCTYPE domain [<!ENTITY x SYSTEM 'file://%s'>]>\n"
                                          "<domain><name>&x;</name></domain>",
                                          secret);
        external_dtd = g_strdup_printf("<!DOCTYPE domain SYSTEM 'file://%s'>\n<domain/>", secret);
        parameter_entity = g_strdup_printf("<!DOCTYPE domain [<!ENTITY %% p SYSTEM 'file://%s'> %%p;]>\n"
                                           "<domain/>",
                                           secret);

        out = nv_domain_xml_set_cpu_mode(external_entity, NV_CPU_MODE_HOST_MODEL, &changed, &error);
        g_assert_null(out);
        g_assert_nonnull(error);
        g_assert_null(strstr(error->message, "TOPSECRET"));
        g_clear_error(&error);

        assert_refused(external_entity, G_MARKUP_ERROR_INVALID_CONTENT);
        assert_refused(external_dtd, G_MARKUP_ERROR_INVALID_CONTENT);
        assert_refused("<!DOCTYPE domain [<!ENTITY x 'boom'>]>\n<domain><name>&x;</name></domain>",
                       G_MARKUP_ERROR_INVALID_CONTENT);
        assert_refused("<!DOCTYPE domain>\n<domain/>", G_MARKUP_ERROR_INVALID_CONTENT);
        /* Billion laughs: refused (by libxml2's amplification limit or by
         * us), and without taking the machine down first. */
        {
                g_autoptr(GString) laughs = g_string_new("<!DOCTYPE domain [<!ENTITY l0 'ha'>");
                g_autoptr(GError) laugh_error = NULL;
                g_autofree char *laugh_out = NULL;

                for (int i = 1; i < 20; i++)
                        g_string_append_printf(laughs,
                                               "<!ENTITY l%d '&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;'>", i,
                                               i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
                g_string_append(laughs, "]>\n<domain><name>&l19;</name></domain>");
                laugh_out =
                        nv_domain_xml_set_cpu_mode(laughs->str, NV_CPU_MODE_HOST_MODEL, NULL, &laugh_error);
                g_assert_null(laugh_out);
                g_assert_nonnull(laugh_error);
        }
        /* Whatever libxml2 does with a parameter entity, nothing is read. */
        out = nv_domain_xml_set_cpu_mode(parameter_entity, NV_CPU_MODE_HOST_MODEL, &changed, &error);
        g_assert_null(out);
        g_assert_nonnull(error);
        g_assert_null(strstr(error->message, "TOPSECRET"));
        g_clear_error(&error);

        g_unlink(secret);
        g_rmdir(dir);
}

static void test_large_domain(void)
{
        g_autoptr(GString) xml = g_string_new("<domain type='kvm'>\n"
                                              "  <name>big</name>\n"
                                              "  <os>\n"
                                              "    <type arch='x86_64' machine='q35'>hvm</type>\n"
                                              "  </os>\n"
                                              "  <cpu mode='custom' match='exact'>\n"
                                              "    <model>Haswell</model>\n"
                                              "  </cpu>\n"
                                              "  <devices>\n");
        g_autofree char *out = NULL;

        for (int i = 0; i < 2000; i++)
                g_string_append_printf(
                        xml,
                        "    <disk type='file' device='disk'>\n"
                        "      <driver name='qemu' type='qcow2' cache='none'/>\n"
                        "      <source file='/var/lib/libvirt/images/disk%d.qcow2'/>\n"
                        "      <target dev='vd%d' bus='virtio'/>\n"
                        "      <address type='pci' domain='0x0000' bus='0x%02x' slot='0x00'/>\n"
                        "    </disk>\n"
                        "    <interface type='network'>\n"
                        "      <mac address='52:54:00:%02x:%02x:01'/>\n"
                        "      <source network='default'/>\n"
                        "    </interface>\n",
                        i, i, i % 256, i / 256, i % 256);
        g_string_append(xml, "  </devices>\n</domain>\n");

        out = set_mode(xml->str, NV_CPU_MODE_HOST_PASSTHROUGH, TRUE);
        g_assert_cmpuint(strlen(out), >, strlen(xml->str) - 100);
}

static void test_mode_strings(void)
{
        static const char *const bad[] = {
                "",
                "HOST-MODEL",
                " host-model",
                "host-model ",
                "host-model;x",
                "host-model\n",
                "host",
                "custom",
                "maximum",
                "host-passthrough\t",
                "Host-Passthrough",
        };
        g_autofree char *huge = g_strnfill(4096, 'a');
        NvCpuMode mode = NV_CPU_MODE_HOST_MODEL;

        g_assert_true(nv_cpu_mode_from_string("host-model", &mode));
        g_assert_cmpint(mode, ==, NV_CPU_MODE_HOST_MODEL);
        g_assert_true(nv_cpu_mode_from_string("host-passthrough", &mode));
        g_assert_cmpint(mode, ==, NV_CPU_MODE_HOST_PASSTHROUGH);
        g_assert_true(nv_cpu_mode_from_string("host-model", NULL));

        for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
                mode = NV_CPU_MODE_HOST_PASSTHROUGH;
                g_assert_false(nv_cpu_mode_from_string(bad[i], &mode));
                g_assert_cmpint(mode, ==, NV_CPU_MODE_HOST_PASSTHROUGH);
        }
        memcpy(huge, "host-model", strlen("host-model"));
        g_assert_false(nv_cpu_mode_from_string(huge, &mode));
        g_assert_false(nv_cpu_mode_from_string(NULL, &mode));

        g_assert_cmpstr(nv_cpu_mode_to_string(NV_CPU_MODE_HOST_MODEL), ==, "host-model");
        g_assert_cmpstr(nv_cpu_mode_to_string(NV_CPU_MODE_HOST_PASSTHROUGH), ==, "host-passthrough");
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);

        g_test_add_func("/domain-xml/custom/host-model", test_custom_to_host_model);
        g_test_add_func("/domain-xml/custom/host-passthrough", test_custom_to_host_passthrough);
        g_test_add_func("/domain-xml/libvirt-formatted", test_libvirt_formatted);
        g_test_add_func("/domain-xml/virtualization-feature-disabled", test_virtualization_feature_disabled);
        g_test_add_func("/domain-xml/no-cpu", test_no_cpu);
        g_test_add_func("/domain-xml/unchanged", test_unchanged);
        g_test_add_func("/domain-xml/host-model-check", test_host_model_check);
        g_test_add_func("/domain-xml/mode-switch", test_mode_switch);
        g_test_add_func("/domain-xml/get-cpu-mode", test_get_cpu_mode);
        g_test_add_func("/domain-xml/refused/garbage", test_garbage);
        g_test_add_func("/domain-xml/refused/not-a-domain", test_not_a_domain);
        g_test_add_func("/domain-xml/refused/doctype", test_doctype);
        g_test_add_func("/domain-xml/large-domain", test_large_domain);
        g_test_add_func("/domain-xml/mode-strings", test_mode_strings);

        return g_test_run();
}
