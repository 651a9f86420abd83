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

/* ---- Nesting: does the guest get vmx/svm? ----------------------------- */

/* A domain definition around @cpu (a <cpu> element, or "" for none). */
static char *domain_with_cpu(const char *cpu)
{
        return g_strdup_printf("<domain type='kvm'>\n"
                               "  <name>l1</name>\n"
                               "  <os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os>\n"
                               "  %s\n"
                               "  <devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices>\n"
                               "</domain>\n",
                               cpu);
}

/* libvirt's CPU map, for the models used here. */
static NvNested model_has_feature(const char *model, const char *feature, gpointer user_data)
{
        static const struct {
                const char *model;
                const char *features;
        } map[] = {
                { "EPYC-Rome", "svm npt" },
                { "Opteron_G1", "sse2" },
                { "Skylake-Client", "avx2" },
        };
        guint *n_calls = user_data;

        if (n_calls)
                (*n_calls)++;
        for (gsize i = 0; i < G_N_ELEMENTS(map); i++) {
                if (strcmp(map[i].model, model) == 0) {
                        g_auto(GStrv) features = g_strsplit(map[i].features, " ", -1);

                        return g_strv_contains((const char *const *)features, feature) ? NV_NESTED_YES
                                                                                       : NV_NESTED_NO;
                }
        }
        return NV_NESTED_UNKNOWN;
}

/* An AMD host that nests, unless the test changes it. */
static NvNestingHost amd_host(void)
{
        return (NvNestingHost){
                .flag = "svm",
                .host = NV_NESTED_YES,
                .host_model_error = "not asked",
                .model_has_feature = model_has_feature,
        };
}

/* Judges the domain with <cpu> @cpu on @host; @reason_part must be in the
 * reason. */
static void assert_nesting(const char *cpu, const NvNestingHost *host, NvNested expected,
                           const char *reason_part)
{
        g_autofree char *xml = domain_with_cpu(cpu);
        g_auto(NvCpuDef) def = { 0 };
        g_autoptr(GError) error = NULL;
        g_autofree char *reason = NULL;
        NvNested got;

        g_assert_true(nv_domain_xml_get_cpu(xml, &def, NULL, &error));
        g_assert_no_error(error);
        got = nv_cpu_def_judge_nesting(&def, host, &reason);
        if (got != expected || !reason || !strstr(reason, reason_part))
                g_error("<cpu> %s: expected %s (\"...%s...\"), got %s (\"%s\")", cpu,
                        nv_nested_to_string(expected), reason_part, nv_nested_to_string(got), reason);
        /* The reason is optional. */
        g_assert_cmpint(nv_cpu_def_judge_nesting(&def, host, NULL), ==, expected);
}

static void test_nesting_passthrough(void)
{
        NvNestingHost host = amd_host();

        assert_nesting("<cpu mode='host-passthrough' check='none'/>", &host, NV_NESTED_YES,
                       "host-passthrough passes on the host's svm");
        assert_nesting("<cpu mode='maximum'/>", &host, NV_NESTED_YES, "maximum");
        /* A feature that removes the flag beats the mode. */
        assert_nesting("<cpu mode='host-passthrough'><feature policy='disable' name='svm'/></cpu>", &host,
                       NV_NESTED_NO, "svm disabled by <feature policy='disable'>");
        /* vmx is not AMD's flag. */
        assert_nesting("<cpu mode='host-passthrough'><feature policy='disable' name='vmx'/></cpu>", &host,
                       NV_NESTED_YES, "passes on");

        host.host = NV_NESTED_NO;
        host.host_reason = "the host CPU has no svm";
        assert_nesting("<cpu mode='host-passthrough'/>", &host, NV_NESTED_NO, "the host CPU has no svm");
        host.host = NV_NESTED_UNKNOWN;
        host.host_reason = "libvirt runs on another machine";
        assert_nesting("<cpu mode='host-passthrough'/>", &host, NV_NESTED_UNKNOWN, "another machine");
        host.host_reason = NULL;
        assert_nesting("<cpu mode='host-passthrough'/>", &host, NV_NESTED_UNKNOWN, "not known");
}

static const char amd_caps_template[] = "<domainCapabilities>\n"
                                        "  <path>/usr/bin/qemu-system-x86_64</path>\n"
                                        "  <domain>kvm</domain>\n"
                                        "  <arch>x86_64</arch>\n"
                                        "  <cpu>\n"
                                        "    <mode name='host-passthrough' supported='yes'/>\n"
                                        "    <mode name='maximum' supported='yes'/>\n"
                                        "    <mode name='host-model' supported='%s'>\n"
                                        "      <model fallback='forbid'>%s</model>\n"
                                        "      <vendor>AMD</vendor>\n"
                                        "      <feature policy='require' name='x2apic'/>\n"
                                        "      %s\n"
                                        "    </mode>\n"
                                        "    <mode name='custom' supported='yes'>\n"
                                        "      <model usable='yes' vendor='AMD'>EPYC-Rome</model>\n"
                                        "      <feature policy='disable' name='svm'/>\n"
                                        "    </mode>\n"
                                        "  </cpu>\n"
                                        "</domainCapabilities>\n";

static void caps_host_model(const char *supported, const char *model, const char *extra, NvCpuDef *ret,
                            gboolean *ret_supported)
{
        g_autofree char *xml = g_strdup_printf(amd_caps_template, supported, model, extra);
        g_autoptr(GError) error = NULL;

        g_assert_true(nv_domain_caps_get_host_model(xml, ret, ret_supported, &error));
        g_assert_no_error(error);
        g_assert_cmpstr(ret->mode, ==, "host-model");
}

static void test_nesting_host_model(void)
{
        g_auto(NvCpuDef) with_svm = { 0 };
        g_auto(NvCpuDef) svm_disabled = { 0 };
        g_auto(NvCpuDef) in_model = { 0 };
        g_auto(NvCpuDef) not_in_model = { 0 };
        g_auto(NvCpuDef) unknown_model = { 0 };
        g_auto(NvCpuDef) unsupported = { 0 };
        NvNestingHost host = amd_host();
        gboolean supported = FALSE;

        caps_host_model("yes", "EPYC-Rome", "<feature policy='require' name='svm'/>", &with_svm, &supported);
        g_assert_true(supported);
        g_assert_cmpstr(with_svm.model, ==, "EPYC-Rome");
        g_assert_cmpstr(with_svm.vendor, ==, "AMD");
        g_assert_cmpstr(g_hash_table_lookup(with_svm.features, "svm"), ==, "require");
        caps_host_model("yes", "EPYC-Rome", "<feature policy='disable' name='svm'/>", &svm_disabled, NULL);
        caps_host_model("yes", "EPYC-Rome", "", &in_model, NULL);
        caps_host_model("yes", "Opteron_G1", "", &not_in_model, NULL);
        caps_host_model("yes", "Zen-9000", "", &unknown_model, NULL);
        caps_host_model("no", "EPYC-Rome", "", &unsupported, &supported);
        g_assert_false(supported);

        host.host_model_supported = TRUE;
        host.host_model = &with_svm;
        assert_nesting("<cpu mode='host-model' check='partial'/>", &host, NV_NESTED_YES,
                       "libvirt's host-model CPU has svm");
        assert_nesting("<cpu mode='host-model'><feature policy='disable' name='svm'/></cpu>", &host,
                       NV_NESTED_NO, "svm disabled by <feature policy='disable'>");
        assert_nesting("<cpu mode='host-model'><feature policy='forbid' name='svm'/></cpu>", &host,
                       NV_NESTED_NO, "svm disabled by <feature policy='forbid'>");

        host.host_model = &svm_disabled;
        assert_nesting("<cpu mode='host-model'/>", &host, NV_NESTED_NO,
                       "libvirt's host-model CPU has svm disabled");
        host.host = NV_NESTED_NO;
        host.host_reason = "kvm_amd has nested disabled";
        assert_nesting("<cpu mode='host-model'/>", &host, NV_NESTED_NO,
                       "has svm disabled: kvm_amd has nested disabled");
        host.host = NV_NESTED_YES;
        host.host_reason = NULL;

        /* The model's own features decide when host-model does not name
         * the flag. */
        host.host_model = &in_model;
        assert_nesting("<cpu mode='host-model'/>", &host, NV_NESTED_YES, "EPYC-Rome, which has svm");
        host.host_model = &not_in_model;
        assert_nesting("<cpu mode='host-model'/>", &host, NV_NESTED_NO, "Opteron_G1, which has no svm");
        host.host_model = &unknown_model;
        assert_nesting("<cpu mode='host-model'/>", &host, NV_NESTED_UNKNOWN,
                       "Zen-9000 has svm is not known");
        host.model_has_feature = NULL;
        host.host_model = &in_model;
        assert_nesting("<cpu mode='host-model'/>", &host, NV_NESTED_UNKNOWN,
                       "EPYC-Rome has svm is not known");
        host.model_has_feature = model_has_feature;

        host.host_model = &unsupported;
        host.host_model_supported = FALSE;
        assert_nesting("<cpu mode='host-model'/>", &host, NV_NESTED_UNKNOWN, "not supported here");
}

/* libvirt without domain capabilities (its test driver, or an old one):
 * unknown, unless the host cannot give the flag to anyone. */
static void test_nesting_host_model_without_caps(void)
{
        NvNestingHost host = amd_host();

        host.host_model_error = "virConnectGetDomainCapabilities is not supported by test:///default";
        assert_nesting("<cpu mode='host-model' check='partial'/>", &host, NV_NESTED_UNKNOWN,
                       "libvirt does not say what its host-model CPU contains "
                       "(virConnectGetDomainCapabilities is not supported by test:///default)");
        /* Asked for explicitly: what the host can give. */
        assert_nesting("<cpu mode='host-model'><feature policy='require' name='svm'/></cpu>", &host,
                       NV_NESTED_YES, "svm added by <feature policy='require'>");

        host.host = NV_NESTED_NO;
        host.host_reason = "the host CPU has no svm";
        assert_nesting("<cpu mode='host-model'/>", &host, NV_NESTED_NO, "the host CPU has no svm");
}

static void test_nesting_custom(void)
{
        NvNestingHost host = amd_host();
        guint n_calls = 0;

        host.user_data = &n_calls;
        assert_nesting("<cpu mode='custom' match='exact'><model fallback='allow'>EPYC-Rome</model></cpu>",
                       &host, NV_NESTED_YES, "CPU model EPYC-Rome has svm");
        g_assert_cmpuint(n_calls, >, 0);
        assert_nesting("<cpu match='exact'><model>Opteron_G1</model></cpu>", &host, NV_NESTED_NO,
                       "CPU model Opteron_G1 has no svm and no <feature> adds it");
        assert_nesting(
                "<cpu mode='custom'><model>Opteron_G1</model><feature policy='require' name='svm'/></cpu>",
                &host, NV_NESTED_YES, "svm added by <feature policy='require'>");
        assert_nesting(
                "<cpu mode='custom'><model>Opteron_G1</model><feature policy='force' name='svm'/></cpu>",
                &host, NV_NESTED_YES, "svm added by <feature policy='force'>");
        assert_nesting(
                "<cpu mode='custom'><model>Opteron_G1</model><feature policy='optional' name='svm'/></cpu>",
                &host, NV_NESTED_YES, "svm added by <feature policy='optional'>");
        assert_nesting(
                "<cpu mode='custom'><model>EPYC-Rome</model><feature policy='disable' name='svm'/></cpu>",
                &host, NV_NESTED_NO, "svm disabled by <feature policy='disable'>");
        /* Only the first <feature> of a name counts, as for libvirt. */
        assert_nesting("<cpu><model>EPYC-Rome</model><feature policy='forbid' name='svm'/>"
                       "<feature policy='require' name='svm'/></cpu>",
                       &host, NV_NESTED_NO, "forbid");
        /* A feature without policy is required (capabilities' form). */
        assert_nesting("<cpu><model>Opteron_G1</model><feature name='svm'/></cpu>", &host, NV_NESTED_YES,
                       "policy='require'");
        /* Never a guess about a model nobody described. */
        assert_nesting("<cpu><model>Zen-9000</model></cpu>", &host, NV_NESTED_UNKNOWN,
                       "whether CPU model Zen-9000 has svm is not known");
        host.model_has_feature = NULL;
        assert_nesting("<cpu><model>EPYC-Rome</model></cpu>", &host, NV_NESTED_UNKNOWN, "not known");
        host.model_has_feature = model_has_feature;

        /* The model has it, the host cannot give it. */
        host.host = NV_NESTED_NO;
        host.host_reason = "kvm_amd has nested disabled";
        assert_nesting("<cpu><model>EPYC-Rome</model></cpu>", &host, NV_NESTED_NO,
                       "kvm_amd has nested disabled");
        assert_nesting("<cpu><model>Opteron_G1</model><feature policy='require' name='svm'/></cpu>", &host,
                       NV_NESTED_NO, "kvm_amd has nested disabled");
}

static void test_nesting_default_cpu(void)
{
        NvNestingHost host = amd_host();

        assert_nesting("", &host, NV_NESTED_UNKNOWN, "no <cpu>: the hypervisor's default CPU decides");
        assert_nesting("<cpu><topology sockets='1' dies='1' cores='2' threads='1'/></cpu>", &host,
                       NV_NESTED_UNKNOWN, "no CPU model");
        assert_nesting("<cpu mode='custom'><model> </model></cpu>", &host, NV_NESTED_UNKNOWN,
                       "no CPU model");
        /* Even without a model, a required flag is asked for. */
        assert_nesting("<cpu><feature policy='require' name='svm'/></cpu>", &host, NV_NESTED_YES, "added");
        assert_nesting("<cpu mode='host-sideways'/>", &host, NV_NESTED_UNKNOWN,
                       "CPU mode 'host-sideways' is not known");
}

static void test_nesting_vendor(void)
{
        g_auto(NvCpuDef) intel_model = { 0 };
        NvNestingHost host = amd_host();
        static const char intel_caps[] = "<domainCapabilities><cpu>"
                                         "<mode name='host-model' supported='yes'>"
                                         "<model fallback='forbid'>Skylake-Client</model>"
                                         "<vendor>Intel</vendor>"
                                         "<feature policy='require' name='vmx'/>"
                                         "</mode></cpu></domainCapabilities>";

        /* Intel: vmx counts, svm does not. */
        host.flag = "vmx";
        assert_nesting("<cpu mode='custom'><model>Skylake-Client</model></cpu>", &host, NV_NESTED_NO,
                       "Skylake-Client has no vmx");
        assert_nesting(
                "<cpu mode='custom'><model>Skylake-Client</model><feature policy='require' name='vmx'/>"
                "<feature policy='disable' name='svm'/></cpu>",
                &host, NV_NESTED_YES, "vmx added");

        /* Unknown vendor: host-model's <vendor> tells, else nothing does. */
        host.flag = NULL;
        assert_nesting("<cpu mode='host-passthrough'/>", &host, NV_NESTED_UNKNOWN, "vendor is unknown");
        g_assert_true(
                nv_domain_caps_get_host_model(intel_caps, &intel_model, &host.host_model_supported, NULL));
        host.host_model = &intel_model;
        assert_nesting("<cpu mode='host-model'/>", &host, NV_NESTED_YES, "has vmx");
}

static void test_nesting_host_judge(void)
{
        g_autofree char *reason = NULL;

        g_assert_cmpint(nv_nesting_host_judge("svm", TRUE, "kvm_amd", TRUE, TRUE, &reason), ==,
                        NV_NESTED_YES);
        g_clear_pointer(&reason, g_free);
        g_assert_cmpint(nv_nesting_host_judge("svm", FALSE, "kvm_amd", FALSE, FALSE, &reason), ==,
                        NV_NESTED_NO);
        g_assert_cmpstr(reason, ==, "the host CPU has no svm");
        g_clear_pointer(&reason, g_free);
        g_assert_cmpint(nv_nesting_host_judge("vmx", TRUE, "kvm_intel", TRUE, FALSE, &reason), ==,
                        NV_NESTED_NO);
        g_assert_cmpstr(reason, ==, "kvm_intel has nested disabled");
        g_clear_pointer(&reason, g_free);
        g_assert_cmpint(nv_nesting_host_judge("vmx", TRUE, "kvm_intel", FALSE, FALSE, &reason), ==,
                        NV_NESTED_UNKNOWN);
        g_assert_nonnull(strstr(reason, "kvm_intel is not loaded"));
        g_clear_pointer(&reason, g_free);
        g_assert_cmpint(nv_nesting_host_judge(NULL, TRUE, NULL, TRUE, TRUE, &reason), ==, NV_NESTED_UNKNOWN);
        g_assert_nonnull(strstr(reason, "vendor is unknown"));
        g_assert_cmpint(nv_nesting_host_judge("svm", TRUE, "kvm_amd", TRUE, TRUE, NULL), ==, NV_NESTED_YES);

        g_assert_cmpstr(nv_virtualization_flag("intel"), ==, "vmx");
        g_assert_cmpstr(nv_virtualization_flag("Intel"), ==, "vmx");
        g_assert_cmpstr(nv_virtualization_flag("amd"), ==, "svm");
        g_assert_cmpstr(nv_virtualization_flag("Hygon"), ==, "svm");
        g_assert_null(nv_virtualization_flag("unknown"));
        g_assert_null(nv_virtualization_flag(NULL));

        g_assert_cmpstr(nv_nested_to_string(NV_NESTED_YES), ==, "yes");
        g_assert_cmpstr(nv_nested_to_string(NV_NESTED_NO), ==, "no");
        g_assert_cmpstr(nv_nested_to_string(NV_NESTED_UNKNOWN), ==, "unknown");
}

static void test_nesting_guest(void)
{
        g_autofree char *xml = domain_with_cpu("<cpu mode='host-model'/>");
        g_auto(NvCpuDef) cpu = { 0 };
        g_auto(NvDomainGuest) guest = { 0 };
        g_auto(NvDomainGuest) bare_guest = { 0 };
        g_auto(NvCpuDef) bare_cpu = { 0 };

        g_assert_true(nv_domain_xml_get_cpu(xml, &cpu, &guest, NULL));
        g_assert_cmpstr(guest.virt_type, ==, "kvm");
        g_assert_cmpstr(guest.arch, ==, "x86_64");
        g_assert_cmpstr(guest.machine, ==, "pc-q35-7.2");
        g_assert_cmpstr(guest.emulator, ==, "/usr/bin/qemu-system-x86_64");

        g_assert_true(
                nv_domain_xml_get_cpu("<domain><name>x</name></domain>", &bare_cpu, &bare_guest, NULL));
        g_assert_cmpstr(bare_cpu.mode, ==, "");
        g_assert_null(bare_cpu.model);
        g_assert_cmpuint(g_hash_table_size(bare_cpu.features), ==, 0);
        g_assert_null(bare_guest.virt_type);
        g_assert_null(bare_guest.arch);
        g_assert_null(bare_guest.emulator);
}

/* <launchSecurity>: the kinds of confidential guest, SEV-ES by its
 * policy bit, and a type this version does not know. */
static void test_launch_security(void)
{
        static const struct {
                const char *element;
                NvLaunchSecurity expected;
                const char *reason;
        } cases[] = {
                { "", NV_LAUNCH_SECURITY_NONE, NULL },
                { "<launchSecurity type='sev'><cbitpos>47</cbitpos><reducedPhysBits>1</reducedPhysBits>"
                  "<policy>0x0003</policy></launchSecurity>",
                  NV_LAUNCH_SECURITY_SEV, "SEV guest: confidential guests cannot run KVM inside" },
                { "<launchSecurity type='sev'><policy>0x0007</policy></launchSecurity>",
                  NV_LAUNCH_SECURITY_SEV_ES, "SEV-ES guest: confidential guests cannot run KVM inside" },
                { "<launchSecurity type='sev'><policy> 0x4 </policy></launchSecurity>",
                  NV_LAUNCH_SECURITY_SEV_ES, NULL },
                { "<launchSecurity type='sev'><policy>0x0003</policy></launchSecurity>",
                  NV_LAUNCH_SECURITY_SEV, NULL },
                { "<launchSecurity type='sev'><policy>garbage</policy></launchSecurity>",
                  NV_LAUNCH_SECURITY_SEV, NULL },
                { "<launchSecurity type='sev'/>", NV_LAUNCH_SECURITY_SEV, NULL },
                { "<launchSecurity type='sev-snp'><policy>0x00030000</policy></launchSecurity>",
                  NV_LAUNCH_SECURITY_SEV_SNP, "SEV-SNP guest: confidential guests cannot run KVM inside" },
                { "<launchSecurity type='tdx'><policy>0x10000001</policy></launchSecurity>",
                  NV_LAUNCH_SECURITY_TDX, "TDX guest: confidential guests cannot run KVM inside" },
                { "<launchSecurity type='s390-pv'/>", NV_LAUNCH_SECURITY_S390_PV,
                  "s390 Secure Execution guest: confidential guests cannot run KVM inside" },
                { "<launchSecurity type='cca'/>", NV_LAUNCH_SECURITY_OTHER, "confidential guest" },
        };

        for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autofree char *cpu = g_strconcat("<cpu mode='host-passthrough'/>", cases[i].element, NULL);
                g_autofree char *xml = domain_with_cpu(cpu);
                g_auto(NvCpuDef) def = { 0 };
                g_auto(NvDomainGuest) guest = { 0 };

                g_test_message("case %" G_GSIZE_FORMAT, i);
                g_assert_true(nv_domain_xml_get_cpu(xml, &def, &guest, NULL));
                g_assert_cmpint(guest.launch_security, ==, cases[i].expected);
                g_assert_cmpstr(def.mode, ==, "host-passthrough");
                if (cases[i].reason) {
                        g_autofree char *reason = nv_launch_security_reason(guest.launch_security);

                        g_assert_nonnull(strstr(reason, cases[i].reason));
                }
        }
}

static void test_nesting_refused(void)
{
        g_auto(NvCpuDef) cpu = { 0 };
        g_autoptr(GError) error = NULL;

        g_assert_false(nv_domain_xml_get_cpu("<capabilities/>", &cpu, NULL, &error));
        g_assert_error(error, G_MARKUP_ERROR, G_MARKUP_ERROR_UNKNOWN_ELEMENT);
        g_clear_error(&error);
        g_assert_false(nv_domain_caps_get_host_model("<domain/>", &cpu, NULL, &error));
        g_assert_error(error, G_MARKUP_ERROR, G_MARKUP_ERROR_UNKNOWN_ELEMENT);
        g_assert_nonnull(strstr(error->message, "<domainCapabilities>"));
        g_clear_error(&error);
        g_assert_false(nv_domain_caps_get_host_model(
                "<domainCapabilities><cpu><mode name='custom' supported='yes'/></cpu></domainCapabilities>",
                &cpu, NULL, &error));
        g_assert_error(error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT);
        g_clear_error(&error);
        g_assert_false(nv_cpu_xml_parse("<cpu><model>x", &cpu, &error));
        g_assert_error(error, G_MARKUP_ERROR, G_MARKUP_ERROR_PARSE);
        g_clear_error(&error);
        g_assert_false(nv_cpu_xml_parse("<!DOCTYPE cpu [<!ENTITY e 'svm'>]><cpu><feature name='&e;'/></cpu>",
                                        &cpu, &error));
        g_assert_error(error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT);
}

/* What virConnectBaselineCPU() with EXPAND_FEATURES returns. */
static void test_nesting_baseline(void)
{
        g_auto(NvCpuDef) cpu = { 0 };
        g_autoptr(GError) error = NULL;

        g_assert_true(nv_cpu_xml_parse("<cpu mode='custom' match='exact'>\n"
                                       "  <model fallback='forbid'>EPYC-Rome</model>\n"
                                       "  <feature policy='require' name='3dnowprefetch'/>\n"
                                       "  <feature policy='require' name='svm'/>\n"
                                       "</cpu>\n",
                                       &cpu, &error));
        g_assert_no_error(error);
        g_assert_cmpstr(cpu.mode, ==, "custom");
        g_assert_cmpstr(cpu.model, ==, "EPYC-Rome");
        g_assert_cmpstr(g_hash_table_lookup(cpu.features, "svm"), ==, "require");
        g_assert_null(g_hash_table_lookup(cpu.features, "vmx"));
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
        g_test_add_func("/domain-xml/nesting/passthrough", test_nesting_passthrough);
        g_test_add_func("/domain-xml/nesting/host-model", test_nesting_host_model);
        g_test_add_func("/domain-xml/nesting/host-model-without-caps", test_nesting_host_model_without_caps);
        g_test_add_func("/domain-xml/nesting/custom", test_nesting_custom);
        g_test_add_func("/domain-xml/nesting/default-cpu", test_nesting_default_cpu);
        g_test_add_func("/domain-xml/nesting/vendor", test_nesting_vendor);
        g_test_add_func("/domain-xml/nesting/host", test_nesting_host_judge);
        g_test_add_func("/domain-xml/nesting/guest", test_nesting_guest);
        g_test_add_func("/domain-xml/nesting/launch-security", test_launch_security);
        g_test_add_func("/domain-xml/nesting/refused", test_nesting_refused);
        g_test_add_func("/domain-xml/nesting/baseline", test_nesting_baseline);

        return g_test_run();
}
