/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for common/nv-verdict.c, the words nestedvirtctl status and
 * nestedvirt-settings share: how a status is classified, what the verdict
 * and the advice say, and when the persistent switch cannot act. The
 * CLI's full text on real daemons is test-cli's; these are the cases the
 * presets do not reach and what a client cannot know (unknown values).
 */
#include "config.h"

#include <string.h>

#include "nv-summary.h"
#include "nv-verdict.h"

/* An Intel host with kvm_intel loaded, nested off, nothing configured. */
static void props_intel(NvProperties *p)
{
        nv_properties_init_unknown(p);
        p->architecture = g_strdup("x86_64");
        p->supported = TRUE;
        p->cpu_vendor = g_strdup("intel");
        p->vendor_module = g_strdup("kvm_intel");
        p->hardware_virtualization = TRUE;
        p->in_virtual_machine = FALSE;
        p->vendor_module_loaded = TRUE;
        p->vendor_module_builtin = FALSE;
        p->nested_parameter = g_strdup("N");
        p->nested_enabled = FALSE;
        p->persistent_nested = g_strdup("default");
        p->persistent_source = g_strdup("");
        p->reload_required = TRUE;
        p->host_class = g_strdup("module");
}

static void set_string(char **field, const char *value)
{
        g_free(*field);
        *field = g_strdup(value);
}

/* The one advice line, or "" for none. */
static char *advice(const NvProperties *p)
{
        g_autoptr(GPtrArray) lines = nv_verdict_advice(p);

        g_assert_cmpuint(lines->len, <=, 1);
        return g_strdup(lines->len ? g_ptr_array_index(lines, 0) : "");
}

static void test_unknown(void)
{
        NvProperties p;
        g_autofree char *verdict = NULL;
        g_autofree char *blocker = NULL;

        /* A client that learnt nothing guesses nothing, and crashes not. */
        nv_properties_init_unknown(&p);
        g_assert_cmpint(p.supported, ==, -1);
        g_assert_null(p.vendor_module);
        g_assert_cmpint(nv_host_class(&p), ==, NV_HOST_UNKNOWN);
        verdict = nv_verdict_text(&p);
        g_assert_cmpstr(verdict, ==, "Nested virtualization: unknown");
        g_assert_cmpstr(nv_verdict_module(&p), ==, "the KVM vendor module");
        g_assert_cmpstr(nv_verdict_cpu_flag(&p), ==, "vmx or svm");
        g_assert_cmpint(nv_verdict_persistent_value(&p), ==, -1);
        blocker = nv_verdict_persistent_blocker(&p);
        g_assert_null(blocker);
        nv_properties_clear(&p);
}

static void test_module(void)
{
        NvProperties p;
        g_autofree char *verdict = NULL;
        g_autofree char *line = NULL;

        props_intel(&p);
        g_assert_cmpint(nv_host_class(&p), ==, NV_HOST_MODULE);
        verdict = nv_verdict_text(&p);
        g_assert_cmpstr(verdict, ==,
                        "Nested virtualization: disabled (kvm_intel nested=N), persistent: kernel default");
        line = advice(&p);
        g_assert_cmpstr(line, ==,
                        "the running value differs from the persistent one: stop all VMs and run "
                        "nestedvirtctl reload");
        /* Virtual machines hold it: it can wait for them; then it does. */
        p.vendor_module_in_use = TRUE;
        g_free(line);
        line = advice(&p);
        g_assert_nonnull(strstr(line, "nestedvirtctl reload --when-idle"));
        set_string(&p.pending_reload, "enable");
        g_free(line);
        line = advice(&p);
        g_assert_nonnull(strstr(line, "nestedvirtctl reload --cancel"));
        p.vendor_module_in_use = FALSE;
        set_string(&p.pending_reload, "");
        /* "default" is the kernel's default, on. */
        g_assert_cmpint(nv_verdict_persistent_value(&p), ==, 1);
        g_assert_null(nv_verdict_persistent_blocker(&p));
        nv_properties_clear(&p);
}

static void test_builtin(void)
{
        NvProperties p;
        g_autofree char *blocker = NULL;
        g_autofree char *line = NULL;

        props_intel(&p);
        p.vendor_module_builtin = TRUE;
        set_string(&p.persistent_nested, "enabled");
        set_string(&p.persistent_source, "/proc/cmdline");
        /* Built in wins over the command line (the service's ladder): the
         * module ignores modprobe.d, and no reload happens. */
        set_string(&p.host_class, "module-builtin");
        g_assert_cmpint(nv_host_class(&p), ==, NV_HOST_MODULE_BUILTIN);
        blocker = nv_verdict_persistent_blocker(&p);
        g_assert_true(g_str_has_prefix(blocker, "kvm_intel is built into the kernel"));
        line = advice(&p);
        g_assert_cmpstr(
                line, ==,
                "kvm_intel is built into the kernel: reboot to apply the nested setting of /proc/cmdline");
        nv_properties_clear(&p);
}

static void test_command_line(void)
{
        NvProperties p;
        g_autofree char *blocker = NULL;
        g_autofree char *line = NULL;

        props_intel(&p);
        set_string(&p.persistent_nested, "disabled");
        set_string(&p.persistent_source, "/proc/cmdline");
        p.reload_required = FALSE;
        set_string(&p.host_class, "command-line");
        g_assert_cmpint(nv_host_class(&p), ==, NV_HOST_COMMAND_LINE);
        blocker = nv_verdict_persistent_blocker(&p);
        g_assert_true(g_str_has_prefix(blocker, "The kernel command line sets kvm_intel.nested"));
        /* Not "enable --now": the service refuses to write a setting the
         * command line overrides. */
        line = advice(&p);
        g_assert_cmpstr(line, ==,
                        "the kernel command line (/proc/cmdline) keeps nested virtualization off: set "
                        "kvm_intel.nested=1 there and reboot");
        g_assert_cmpint(nv_verdict_persistent_value(&p), ==, 0);
        nv_properties_clear(&p);
}

/* POWER's architecture and module, over what @p said. */
static void props_power(NvProperties *p)
{
        set_string(&p->cpu_vendor, "unknown");
        set_string(&p->architecture, "ppc64le");
        set_string(&p->vendor_module, "kvm_hv");
}

/* A guest of an unknown hypervisor that passed no virtualization in. */
static void props_guest_without_virtualization(NvProperties *p)
{
        props_intel(p);
        p->hardware_virtualization = FALSE;
        p->vendor_module_loaded = FALSE;
        p->in_virtual_machine = TRUE;
        set_string(&p->hypervisor, "unknown");
        set_string(&p->host_class, "no-hardware-virtualization");
}

static void test_no_hardware_virtualization(void)
{
        NvProperties p;
        g_autofree char *line = NULL;
        g_autofree char *verdict = NULL;
        g_autofree char *blocker = NULL;

        props_guest_without_virtualization(&p);
        g_assert_cmpint(nv_host_class(&p), ==, NV_HOST_NO_HARDWARE_VIRTUALIZATION);
        blocker = nv_verdict_persistent_blocker(&p);
        g_assert_nonnull(blocker);
        verdict = nv_verdict_text(&p);
        g_assert_cmpstr(
                verdict, ==,
                "Nested virtualization: not available (the CPU does not advertise vmx), persistent: kernel "
                "default");
        line = advice(&p);
        g_assert_true(
                g_str_has_prefix(line, "this machine is a virtual machine under an unknown hypervisor"));
        nv_properties_clear(&p);
}

/* Each product's own switch; an unknown product, the general words. */
static void test_hypervisor_products(void)
{
        static const char *const cases[][3] = {
                { "hyper-v", "Hyper-V",
                  "Set-VMProcessor -VMName <VM> -ExposeVirtualizationExtensions $true" },
                { "wsl2", "WSL2", "nestedVirtualization=true under [wsl2]" },
                { "azure", "Microsoft Azure", "learn.microsoft.com/azure/virtual-machines/sizes" },
                { "vmware", "VMware", "vhv.enable = \"TRUE\"" },
                { "virtualbox", "VirtualBox", "VBoxManage modifyvm <VM> --nested-hw-virt on" },
                { "xen", "Xen", "nestedhvm=1" },
                { "kvm", "KVM/QEMU", "CPU mode host-passthrough" },
                { "proxmox", "Proxmox VE", "qm set <VMID> --cpu host" },
                { "openstack", "OpenStack", "cpu_mode = host-passthrough" },
                { "gce", "Google Compute Engine", "--enable-nested-virtualization" },
                { "aws", "Amazon EC2", "*.metal" },
                { "parallels", "Parallels", "Enable nested virtualization" },
                { "a-future-one", "kvm", "pass vmx to this guest" },
        };

        for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
                NvProperties p;
                g_autofree char *line = NULL;
                g_autofree char *prefix =
                        g_strdup_printf("this machine is a virtual machine under %s and its "
                                        "CPU does not advertise vmx: ",
                                        cases[i][1]);

                props_intel(&p);
                p.hardware_virtualization = FALSE;
                p.vendor_module_loaded = FALSE;
                p.in_virtual_machine = TRUE;
                set_string(&p.hypervisor, "kvm");
                set_string(&p.hypervisor_product, cases[i][0]);
                set_string(&p.host_class, "no-hardware-virtualization");
                line = advice(&p);
                g_assert_true(g_str_has_prefix(line, prefix));
                if (!strstr(line, cases[i][2]))
                        g_error("%s: no \"%s\" in: %s", cases[i][0], cases[i][2], line);
                nv_properties_clear(&p);
        }
}

static void test_acceleration(void)
{
        static const char *const cases[][5] = {
                /* vendor, in a VM, grade, reasons, expected */
                { "intel", "0", "full", "", "nested guests get EPT: near native speed" },
                { "amd", "1", "full", "", "nested guests get NPT: near native speed" },
                { "intel", "1", "slow", "ept vpid",
                  "no EPT passed to this guest: L2 guests use shadow paging and will be much slower; pass "
                  "ept "
                  "to it (for libvirt: CPU mode host-passthrough)" },
                { "intel", "0", "slow", "kvm_intel.ept",
                  "kvm_intel runs with ept off: nested guests use shadow paging and will be much slower; "
                  "load "
                  "kvm_intel with ept=1, if the CPU has it" },
                { "amd", "1", "partial", "vgif v_vmsave_vmload",
                  "nested guests get NPT but run somewhat slower: this guest was not given vgif, "
                  "v_vmsave_vmload; pass "
                  "them to it (for libvirt: CPU mode host-passthrough)" },
                { "intel", "0", "partial", "kvm_intel.enable_apicv",
                  "nested guests get EPT but run somewhat slower, with kvm_intel.enable_apicv off; load the "
                  "module with them on, if the CPU has them" },
                { "intel", "0", "unknown", "", "unknown" },
                { "intel", "0", "", "", NULL },
        };

        for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
                NvProperties p;
                g_autofree char *text = NULL;

                props_intel(&p);
                set_string(&p.cpu_vendor, cases[i][0]);
                set_string(&p.vendor_module, g_str_equal(cases[i][0], "amd") ? "kvm_amd" : "kvm_intel");
                p.in_virtual_machine = g_str_equal(cases[i][1], "1");
                set_string(&p.nested_acceleration, cases[i][2]);
                set_string(&p.nested_acceleration_reasons, cases[i][3]);
                text = nv_verdict_acceleration_text(&p);
                g_assert_cmpstr(text, ==, cases[i][4]);
                nv_properties_clear(&p);
        }
}

/* arm64: the command line alone, on 6.16 or later. */
static void test_arm64(void)
{
        static const char *const cases[][4] = {
                /* NestedParameter, NestedEnabled, verdict, advice */
                { "nested", "1", "Nested virtualization: enabled (kvm-arm.mode=nested)", "" },
                { "nested", "0",
                  "Nested virtualization: not available (kvm-arm.mode=nested needs Linux 6.16 or later)",
                  "on arm64, add kvm-arm.mode=nested to the kernel command line and reboot into Linux 6.16 "
                  "or "
                  "later; the CPU needs FEAT_NV2" },
                { "", "0",
                  "Nested virtualization: disabled (no kvm-arm.mode=nested on the kernel command line)",
                  "on arm64, add kvm-arm.mode=nested" },
        };

        for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
                NvProperties p;
                g_autofree char *verdict = NULL;
                g_autofree char *line = NULL;
                g_autofree char *blocker = NULL;

                props_intel(&p);
                set_string(&p.architecture, "aarch64");
                set_string(&p.cpu_vendor, "unknown");
                set_string(&p.vendor_module, "");
                set_string(&p.host_class, "arm64-command-line");
                set_string(&p.nested_parameter, cases[i][0]);
                p.nested_enabled = g_str_equal(cases[i][1], "1");
                verdict = nv_verdict_text(&p);
                g_assert_cmpstr(verdict, ==, cases[i][2]);
                line = advice(&p);
                g_assert_true(g_str_has_prefix(line, cases[i][3]));
                blocker = nv_verdict_persistent_blocker(&p);
                g_assert_nonnull(strstr(blocker, "kvm-arm.mode=nested"));
                nv_properties_clear(&p);
        }
}

/* s390x and POWER: the CPU facility each needs, in their words. */
static void test_other_architectures(void)
{
        NvProperties p;
        g_autofree char *s390 = NULL;
        g_autofree char *power = NULL;
        g_autofree char *verdict = NULL;

        props_intel(&p);
        p.hardware_virtualization = FALSE;
        p.vendor_module_loaded = FALSE;
        set_string(&p.cpu_vendor, "unknown");
        set_string(&p.host_class, "no-hardware-virtualization");
        set_string(&p.architecture, "s390x");
        set_string(&p.vendor_module, "kvm");
        s390 = advice(&p);
        g_assert_true(g_str_has_prefix(s390, "the CPU does not offer the SIE facility (sie)"));
        verdict = nv_verdict_text(&p);
        g_assert_true(g_str_has_prefix(
                verdict, "Nested virtualization: not available (the CPU does not advertise sie)"));
        set_string(&p.architecture, "ppc64le");
        set_string(&p.vendor_module, "kvm_hv");
        power = advice(&p);
        g_assert_true(g_str_has_prefix(power, "nested KVM on POWER needs POWER9 or later"));
        /* kvm_hv loaded with nested=N, as `echo N` leaves it on a real
         * kernel (the vm-ppc64 test): the switch is a write at run time,
         * which virtual machines do not prevent. */
        p.hardware_virtualization = TRUE;
        p.vendor_module_loaded = TRUE;
        p.vendor_module_in_use = TRUE;
        set_string(&p.host_class, "module");
        g_free(power);
        power = advice(&p);
        g_assert_cmpstr(
                power, ==,
                "the running value differs from the persistent one: set it at run time with: "
                "nestedvirtctl reload (kvm_hv takes it while virtual machines run; those running keep "
                "theirs)");
        nv_properties_clear(&p);
}

/* HardwareVirtualization in each architecture's words: only x86 has a
 * flag. */
static void assert_cpu_virtualization_text(const char *architecture, gboolean present, const char *expected)
{
        NvProperties p;
        g_autofree char *text = NULL;

        props_intel(&p);
        set_string(&p.architecture, architecture);
        p.hardware_virtualization = present;
        text = nv_verdict_cpu_virtualization_text(&p);
        g_assert_cmpstr(text, ==, expected);
        nv_properties_clear(&p);
}

static void test_cpu_virtualization_text(void)
{
        assert_cpu_virtualization_text("x86_64", TRUE, "yes (vmx flag present)");
        assert_cpu_virtualization_text("x86_64", FALSE, "no (vmx flag missing)");
        assert_cpu_virtualization_text("s390x", TRUE, "yes (SIE facility present)");
        assert_cpu_virtualization_text("s390x", FALSE, "no (SIE facility missing)");
        assert_cpu_virtualization_text("ppc64le", TRUE, "yes (POWER9 or later in HV mode)");
        assert_cpu_virtualization_text(
                "ppc64le", FALSE,
                "no (needs POWER9 or later in HV mode, or as a guest, nested HV from its hypervisor)");
}

/* A pSeries guest without kvm_hv: the hypervisor's own switch, never a
 * bare reload, which would fail the same way. */
static void test_power_guest(void)
{
        /* HypervisorProduct, what the advice says */
        static const char *const cases[][2] = {
                { "kvm", "under KVM/QEMU, where kvm_hv loads only on POWER9 or later and when the "
                         "hypervisor offers nested HV: on the host that runs it, load kvm_hv with nested=Y "
                         "and start this guest with -machine pseries,cap-nested-hv=on" },
                { "powervm", "under PowerVM, where kvm_hv loads only on POWER9 or later and when the "
                             "hypervisor offers nested HV: on the HMC, enable KVM mode" },
                { "unknown", "under an unknown hypervisor, where kvm_hv loads only on POWER9 or later and "
                             "when the hypervisor offers nested HV: its hypervisor must offer nested HV" },
        };

        for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
                NvProperties p;
                g_autofree char *text = NULL;

                props_guest_without_virtualization(&p);
                /* kvm_hv failed to load: loadable, not loaded. */
                set_string(&p.vendor_module_state, "loadable");
                set_string(&p.hypervisor_product, cases[i][0]);
                props_power(&p);
                text = advice(&p);
                g_test_message("%s", text);
                g_assert_true(g_str_has_prefix(text, "this machine is a pSeries guest "));
                g_assert_nonnull(strstr(text, cases[i][1]));
                g_assert_true(g_str_has_suffix(text, "then load kvm_hv here: nestedvirtctl reload"));
                nv_properties_clear(&p);
        }
}

/* s390x with kvm's hpage=1 (HpageConflict): the advice names hpage and
 * where it is set, EnablePersistent's blocker too, and the panel's switch
 * says why in a person's words; the running-only case advises a load
 * without it. */
static void test_s390_hpage(void)
{
        NvProperties p;
        g_autofree char *persistent = NULL;
        g_autofree char *blocker = NULL;
        g_autofree char *running = NULL;
        g_autofree char *none = NULL;
        NvSummary summary = { 0 };

        props_intel(&p);
        set_string(&p.architecture, "s390x");
        set_string(&p.vendor_module, "kvm");
        set_string(&p.nested_parameter, "0");
        p.nested_enabled = FALSE;
        none = advice(&p);
        g_assert_null(strstr(none, "hpage"));

        set_string(&p.hpage_conflict, "/etc/modprobe.d/s390.conf");
        persistent = advice(&p);
        g_assert_cmpstr(persistent, ==,
                        "/etc/modprobe.d/s390.conf sets kvm's hpage=1 (huge-page backing of guests), which "
                        "this kernel does not allow together with nesting: remove hpage=1 from the kvm "
                        "options there, then run nestedvirtctl enable --now (or reboot)");
        blocker = nv_verdict_persistent_blocker(&p);
        g_assert_nonnull(strstr(blocker, "/etc/modprobe.d/s390.conf sets kvm's hpage=1"));
        nv_summary_init(&summary, &p);
        g_assert_nonnull(strstr(summary.switch_blocker, "large memory pages"));
        nv_summary_clear(&summary);

        set_string(&p.hpage_conflict, "running");
        running = advice(&p);
        g_assert_true(g_str_has_prefix(running, "the loaded kvm backs guests with huge pages (hpage=1)"));
        g_assert_null(nv_verdict_persistent_blocker(&p));
        nv_properties_clear(&p);
}

static void test_unsupported(void)
{
        NvProperties p;
        g_autofree char *verdict = NULL;
        g_autofree char *line = NULL;
        g_autofree char *blocker = NULL;

        props_intel(&p);
        p.supported = FALSE;
        set_string(&p.architecture, "riscv64");
        set_string(&p.cpu_vendor, "unknown");
        set_string(&p.host_class, "unsupported");
        g_assert_cmpint(nv_host_class(&p), ==, NV_HOST_UNSUPPORTED);
        /* No persistent part: it means nothing there. */
        verdict = nv_verdict_text(&p);
        g_assert_cmpstr(verdict, ==, "Nested virtualization: not supported (riscv64, unknown CPU)");
        line = advice(&p);
        g_assert_cmpstr(line, ==,
                        "nested KVM needs x86 (Intel or AMD), s390x, ppc64le (POWER9 or later) or arm64");
        blocker = nv_verdict_persistent_blocker(&p);
        g_assert_nonnull(blocker);
        nv_properties_clear(&p);
}

static void test_set_variant(void)
{
        NvProperties p;
        const NvPropertyInfo *enabled = nv_property_info_find("NestedEnabled");
        const NvPropertyInfo *host_class = nv_property_info_find("HostClass");
        g_autoptr(GVariant) wrong = g_variant_ref_sink(g_variant_new_string("yes"));
        g_autoptr(GVariant) word = g_variant_ref_sink(g_variant_new_string("pvm"));

        nv_properties_init_unknown(&p);
        /* Of another type: stays unknown. */
        g_assert_false(nv_property_set_variant(enabled, &p, wrong));
        g_assert_cmpint(p.nested_enabled, ==, -1);
        g_assert_true(nv_property_set_variant(host_class, &p, word));
        g_assert_cmpint(nv_host_class(&p), ==, NV_HOST_PVM);
        /* A class this version does not know is not guessed at. */
        set_string(&p.host_class, "riscv-h-extension");
        g_assert_cmpint(nv_host_class(&p), ==, NV_HOST_UNKNOWN);
        nv_properties_clear(&p);
}

/* Every class has a word, and the word its class. */
static void test_class_names(void)
{
        for (int i = NV_HOST_UNSUPPORTED; i <= NV_HOST_UNKNOWN; i++)
                g_assert_cmpint(nv_host_class_from_string(nv_host_class_to_string(i)), ==, i);
        g_assert_cmpint(nv_host_class_from_string(NULL), ==, NV_HOST_UNKNOWN);
}

/* The host classes the service tells (HostClass; its ladder is
 * test-status's): each its verdict, advice and blocker, none of them
 * pointing at modprobe.d or a reload. */
static void test_host_classes(void)
{
        static const struct {
                const char *state;
                const char *provider;
                const char *container;
                gboolean hardware_virtualization;
                NvHostClass host;
                const char *host_class;
                const char *verdict;
                const char *advice;
        } cases[] = {
                { "absent", NULL, "", TRUE, NV_HOST_MODULE_ABSENT, "module-absent",
                  "not in the running kernel", "install the modules package" },
                { "no-module-loading", NULL, "", TRUE, NV_HOST_NO_MODULE_LOADING, "no-module-loading",
                  "cannot load modules", "boot a kernel with kvm_intel built in" },
                { "loaded", "kvm_intel", "docker", TRUE, NV_HOST_CONTAINER, "container",
                  "enabled (kvm_intel nested=Y)", "run nestedvirtctl on that host" },
                { "no-module-loading", "kvm_pvm", "docker", FALSE, NV_HOST_PVM, "pvm",
                  "hardware nesting not available", "built for PVM" },
                { "loadable", "", "", FALSE, NV_HOST_NO_HARDWARE_VIRTUALIZATION,
                  "no-hardware-virtualization", "does not advertise vmx", "firmware" },
        };

        for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
                NvProperties p;
                g_autofree char *verdict = NULL;
                g_autofree char *line = NULL;
                g_autofree char *blocker = NULL;

                props_intel(&p);
                set_string(&p.vendor_module_state, cases[i].state);
                set_string(&p.kvm_provider, cases[i].provider);
                set_string(&p.container, cases[i].container);
                set_string(&p.host_class, cases[i].host_class);
                p.supported = FALSE;
                p.hardware_virtualization = cases[i].hardware_virtualization;
                if (g_str_equal(cases[i].state, "loaded")) {
                        set_string(&p.nested_parameter, "Y");
                        p.nested_enabled = TRUE;
                } else {
                        p.vendor_module_loaded = FALSE;
                        set_string(&p.nested_parameter, "");
                }
                g_assert_cmpint(nv_host_class(&p), ==, cases[i].host);
                verdict = nv_verdict_text(&p);
                line = advice(&p);
                blocker = nv_verdict_persistent_blocker(&p);
                g_assert_nonnull(strstr(verdict, cases[i].verdict));
                g_assert_nonnull(strstr(line, cases[i].advice));
                g_assert_null(strstr(line, "nestedvirtctl enable"));
                g_assert_null(strstr(line, "nestedvirtctl reload"));
                g_assert_nonnull(blocker);
                if (cases[i].host != NV_HOST_NO_HARDWARE_VIRTUALIZATION)
                        g_assert_null(strstr(verdict, "persistent:"));
                nv_properties_clear(&p);
        }
}

/* Header capitalization (GNOME HIG): the first word and every word of four
 * letters or more begin with a capital. */
static void assert_title_case(const char *title)
{
        g_auto(GStrv) words = g_strsplit(title, " ", -1);

        for (size_t i = 0; words[i]; i++)
                if ((i == 0 || strlen(words[i]) >= 4) && !g_ascii_isupper(words[i][0]))
                        g_error("\"%s\" is not in title case", title);
}

/* Words for people: no module, parameter, path or command. */
static void assert_plain_words(const char *text)
{
        static const char *const technical[] = { "nested=",  "/",       "kvm_",  "kvm-", "nestedvirtctl",
                                                 "modprobe", "cmdline", "sysfs", "vmx",  "svm" };

        if (!text)
                return;
        for (size_t i = 0; i < G_N_ELEMENTS(technical); i++)
                if (strstr(text, technical[i]))
                        g_error("\"%s\" in words for people: %s", technical[i], text);
}

/*
 * Every combination of the facts that decide: the short form (the app's
 * headline) and the detailed one (the CLI's verdict line) say the same,
 * the short form in plain words, and the switch never shows on where
 * nested virtualization is not available.
 */
static void test_short_and_detailed_agree(void)
{
        static const char *const classes[] = { "arm64-command-line",
                                               "unsupported",
                                               "pvm",
                                               "container",
                                               "module-absent",
                                               "no-module-loading",
                                               "no-hardware-virtualization",
                                               "module-builtin",
                                               "command-line",
                                               "module",
                                               "something-new" };
        guint n = 0;

        for (size_t c = 0; c < G_N_ELEMENTS(classes); c++)
                for (guint bits = 0; bits < 1u << 7; bits++) {
                        NvProperties p;
                        g_auto(NvSummary) summary = { 0 };
                        g_autofree char *running = NULL;
                        gboolean loaded = bits & 1, enabled = bits & 2, hardware = bits & 4;
                        gboolean reload = bits & 8, in_use = bits & 16, pending = bits & 32;
                        gboolean persistent_on = bits & 64;

                        props_intel(&p);
                        set_string(&p.host_class, classes[c]);
                        if (g_str_equal(classes[c], "arm64-command-line"))
                                set_string(&p.architecture, "aarch64");
                        p.vendor_module_loaded = loaded;
                        p.nested_enabled = loaded && enabled;
                        set_string(&p.nested_parameter, loaded ? (enabled ? "Y" : "N") : "");
                        p.hardware_virtualization = hardware;
                        p.reload_required = loaded && reload;
                        p.vendor_module_in_use = loaded && in_use;
                        set_string(&p.persistent_nested, persistent_on ? "enabled" : "disabled");
                        set_string(&p.persistent_source, "/etc/modprobe.d/kvm.conf");
                        set_string(&p.pending_reload, pending ? "enable" : "");
                        set_string(&p.container, g_str_equal(classes[c], "container") ? "docker" : "");

                        running = nv_verdict_running_text(&p);
                        nv_summary_init(&summary, &p);
                        switch (summary.state) {
                        case NV_VERDICT_ON:
                                g_assert_true(g_str_has_prefix(running, "enabled"));
                                break;
                        case NV_VERDICT_OFF:
                                g_assert_true(g_str_has_prefix(running, "disabled"));
                                break;
                        case NV_VERDICT_RESTART_REQUIRED:
                                g_assert_true(g_str_has_prefix(running,
                                                               p.nested_enabled ? "enabled" : "disabled"));
                                g_assert_cmpint(summary.action != NV_SUMMARY_ACTION_NONE, ==, TRUE);
                                break;
                        case NV_VERDICT_NOT_LOADED:
                                g_assert_true(g_str_has_prefix(running, "not available"));
                                break;
                        case NV_VERDICT_NOT_AVAILABLE:
                                g_assert_true(strstr(running, "not available") ||
                                              strstr(running, "not supported"));
                                g_assert_false(summary.switch_active);
                                g_assert_nonnull(summary.switch_blocker);
                                break;
                        case NV_VERDICT_UNKNOWN:
                                g_assert_true(strstr(running, "unknown"));
                                break;
                        }
                        g_assert_nonnull(summary.icon_name);
                        assert_title_case(summary.title);
                        assert_plain_words(summary.title);
                        assert_plain_words(summary.description);
                        assert_plain_words(summary.switch_blocker);
                        g_assert_cmpint(summary.action == NV_SUMMARY_ACTION_NONE, ==,
                                        summary.action_label == NULL);
                        if (summary.action_label)
                                assert_title_case(summary.action_label);
                        /* A switch that cannot act shows what runs. */
                        if (summary.switch_blocker && !summary.pending &&
                            summary.state != NV_VERDICT_NOT_AVAILABLE)
                                g_assert_cmpint(summary.switch_active, ==, p.nested_enabled == 1);
                        nv_properties_clear(&p);
                        n++;
                }
        g_test_message("%u combinations", n);
}

static void test_summary_words(void)
{
        NvProperties p;
        g_auto(NvSummary) summary = { 0 };

        /* kvm_intel runs with N, kvm.conf says 1, VMs hold it. */
        props_intel(&p);
        set_string(&p.persistent_nested, "enabled");
        p.vendor_module_in_use = TRUE;
        nv_summary_init(&summary, &p);
        g_assert_cmpint(summary.state, ==, NV_VERDICT_RESTART_REQUIRED);
        g_assert_cmpstr(summary.title, ==, "Restart Required");
        g_assert_cmpint(summary.action, ==, NV_SUMMARY_ACTION_APPLY_WHEN_IDLE);
        g_assert_cmpstr(summary.action_label, ==, "Apply When Virtual Machines Stop");
        g_assert_true(summary.switch_active);
        g_assert_null(summary.switch_blocker);
        nv_summary_clear(&summary);

        /* Asked to apply it when they stop. */
        set_string(&p.pending_reload, "enable");
        nv_summary_init(&summary, &p);
        g_assert_cmpstr(summary.title, ==, "Waiting for Virtual Machines to Stop");
        g_assert_cmpint(summary.action, ==, NV_SUMMARY_ACTION_CANCEL_PENDING);
        g_assert_true(summary.switch_active);
        g_assert_nonnull(summary.switch_blocker);
        nv_summary_clear(&summary);

        /* Nobody holds it. */
        set_string(&p.pending_reload, "");
        p.vendor_module_in_use = FALSE;
        nv_summary_init(&summary, &p);
        g_assert_cmpstr(summary.action_label, ==, "Apply Now");
        nv_summary_clear(&summary);

        /* A guest under Hyper-V without vmx: off, and why, by name. */
        set_string(&p.host_class, "no-hardware-virtualization");
        p.in_virtual_machine = TRUE;
        set_string(&p.hypervisor_product, "hyper-v");
        p.hardware_virtualization = FALSE;
        p.vendor_module_loaded = FALSE;
        p.nested_enabled = FALSE;
        nv_summary_init(&summary, &p);
        g_assert_cmpstr(summary.title, ==, "Nested Virtualization Is Not Available");
        g_test_message("%s", summary.description);
        g_assert_false(summary.switch_active);
        g_assert_cmpstr(summary.switch_blocker, ==, "Not available on this computer");

        g_assert_cmpstr(nv_summary_cpu_vendor(&p), ==, "Intel");
        set_string(&p.cpu_vendor, "amd");
        g_assert_cmpstr(nv_summary_cpu_vendor(&p), ==, "AMD");
        nv_properties_clear(&p);
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/verdict/unknown", test_unknown);
        g_test_add_func("/verdict/module", test_module);
        g_test_add_func("/verdict/builtin", test_builtin);
        g_test_add_func("/verdict/command-line", test_command_line);
        g_test_add_func("/verdict/no-hardware-virtualization", test_no_hardware_virtualization);
        g_test_add_func("/verdict/unsupported", test_unsupported);
        g_test_add_func("/verdict/hypervisor-products", test_hypervisor_products);
        g_test_add_func("/verdict/arm64", test_arm64);
        g_test_add_func("/verdict/other-architectures", test_other_architectures);
        g_test_add_func("/verdict/cpu-virtualization-text", test_cpu_virtualization_text);
        g_test_add_func("/verdict/power-guest", test_power_guest);
        g_test_add_func("/verdict/s390-hpage", test_s390_hpage);
        g_test_add_func("/verdict/acceleration", test_acceleration);
        g_test_add_func("/verdict/host-classes", test_host_classes);
        g_test_add_func("/verdict/set-variant", test_set_variant);
        g_test_add_func("/verdict/class-names", test_class_names);
        g_test_add_func("/verdict/short-and-detailed-agree", test_short_and_detailed_agree);
        g_test_add_func("/verdict/summary-words", test_summary_words);
        return g_test_run();
}
