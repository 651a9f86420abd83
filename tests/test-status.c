/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nv-status.c: how host facts become the exported status,
 * and which properties a change reports.
 */
#include "config.h"

#include <string.h>

#include "nv-status.h"

static void facts_init_intel(NvHostFacts *facts)
{
        facts->architecture = g_strdup("x86_64");
        facts->cpu.vendor = NV_CPU_VENDOR_INTEL;
        facts->cpu.has_vendor_id = TRUE;
        facts->cpu.has_flags = TRUE;
        facts->cpu.has_vmx = TRUE;
        facts->kvm_state = NV_MODULE_STATE_LIVE;
        facts->vendor_state = NV_MODULE_STATE_LIVE;
        facts->nested_raw = g_strdup("N");
}

static void setting_set(NvSetting *setting, const char *source, const char *value)
{
        nv_setting_clear(setting);
        setting->source = g_strdup(source);
        setting->has_value = value != NULL;
        setting->value = g_strdup(value);
}

static void test_intel_loaded(void)
{
        g_auto(NvHostFacts) facts = { 0 };
        g_auto(NvStatus) status = { 0 };

        facts_init_intel(&facts);
        nv_status_assemble(&facts, &status);

        g_assert_cmpstr(status.version, ==, PACKAGE_VERSION);
        g_assert_cmpstr(status.architecture, ==, "x86_64");
        g_assert_true(status.supported);
        g_assert_cmpstr(status.cpu_vendor, ==, "intel");
        g_assert_cmpstr(status.vendor_module, ==, "kvm_intel");
        g_assert_true(status.hardware_virtualization);
        g_assert_false(status.in_virtual_machine);
        g_assert_cmpstr(status.hypervisor, ==, "");
        g_assert_true(status.kvm_loaded);
        g_assert_false(status.kvm_builtin);
        g_assert_true(status.vendor_module_loaded);
        g_assert_false(status.vendor_module_builtin);
        g_assert_cmpstr(status.nested_parameter, ==, "N");
        g_assert_false(status.nested_enabled);
        g_assert_cmpstr(status.persistent_nested, ==, "default");
        g_assert_cmpstr(status.persistent_source, ==, "");
        /* Nothing configured: the next load takes the kernel's default,
         * nested=1, which differs from the running N. */
        g_assert_true(status.reload_required);
        g_assert_false(status.vendor_module_in_use);
        g_assert_cmpstr(status.host_class, ==, "module");
}

static void test_persistent_modprobe(void)
{
        g_auto(NvHostFacts) facts = { 0 };
        g_auto(NvStatus) status = { 0 };

        facts_init_intel(&facts);
        setting_set(&facts.modprobe, "/etc/modprobe.d/kvm.conf", "0");
        nv_status_assemble(&facts, &status);

        g_assert_cmpstr(status.persistent_nested, ==, "disabled");
        g_assert_cmpstr(status.persistent_source, ==, "/etc/modprobe.d/kvm.conf");
        g_assert_false(status.reload_required);
}

static void test_persistent_cmdline_wins(void)
{
        g_auto(NvHostFacts) facts = { 0 };
        g_auto(NvStatus) status = { 0 };

        facts_init_intel(&facts);
        setting_set(&facts.modprobe, "/etc/modprobe.d/kvm.conf", "0");
        setting_set(&facts.cmdline, "/proc/cmdline", "Y");
        nv_status_assemble(&facts, &status);

        g_assert_cmpstr(status.persistent_nested, ==, "enabled");
        g_assert_cmpstr(status.persistent_source, ==, "/proc/cmdline");
        g_assert_true(status.reload_required);
}

static void test_persistent_bare_parameter(void)
{
        g_auto(NvHostFacts) facts = { 0 };
        g_auto(NvStatus) status = { 0 };

        /* "options kvm_intel nested" sets a bool parameter to true. */
        facts_init_intel(&facts);
        setting_set(&facts.modprobe, "/run/modprobe.d/x.conf", NULL);
        nv_status_assemble(&facts, &status);

        g_assert_cmpstr(status.persistent_nested, ==, "enabled");
}

static void test_persistent_invalid_amd(void)
{
        g_auto(NvHostFacts) facts = { 0 };
        g_auto(NvStatus) status = { 0 };

        /* kvm_amd's nested is an int: "Y" makes the module refuse to load. */
        facts_init_intel(&facts);
        facts.cpu.vendor = NV_CPU_VENDOR_AMD;
        facts.cpu.has_vmx = FALSE;
        facts.cpu.has_svm = TRUE;
        g_free(facts.nested_raw);
        facts.nested_raw = g_strdup("0");
        setting_set(&facts.modprobe, "/etc/modprobe.d/kvm.conf", "Y");
        nv_status_assemble(&facts, &status);

        g_assert_cmpstr(status.cpu_vendor, ==, "amd");
        g_assert_cmpstr(status.vendor_module, ==, "kvm_amd");
        g_assert_true(status.hardware_virtualization);
        g_assert_cmpstr(status.persistent_nested, ==, "invalid");
        g_assert_cmpstr(status.persistent_source, ==, "/etc/modprobe.d/kvm.conf");
        g_assert_false(status.reload_required);
}

static void test_builtin_ignores_modprobe(void)
{
        g_auto(NvHostFacts) facts = { 0 };
        g_auto(NvStatus) status = { 0 };

        facts_init_intel(&facts);
        facts.kvm_state = NV_MODULE_STATE_BUILTIN;
        facts.vendor_state = NV_MODULE_STATE_BUILTIN;
        setting_set(&facts.modprobe, "/etc/modprobe.d/kvm.conf", "1");
        nv_status_assemble(&facts, &status);

        g_assert_true(status.kvm_loaded);
        g_assert_true(status.kvm_builtin);
        g_assert_true(status.vendor_module_loaded);
        g_assert_true(status.vendor_module_builtin);
        g_assert_cmpstr(status.persistent_nested, ==, "default");
        g_assert_cmpstr(status.persistent_source, ==, "");
        /* A built-in module cannot be reloaded. */
        g_assert_false(status.reload_required);

        setting_set(&facts.cmdline, "/proc/cmdline", "1");
        nv_status_clear(&status);
        nv_status_assemble(&facts, &status);
        g_assert_cmpstr(status.persistent_nested, ==, "enabled");
        g_assert_cmpstr(status.persistent_source, ==, "/proc/cmdline");
}

static void test_not_loaded(void)
{
        g_auto(NvHostFacts) facts = { 0 };
        g_auto(NvStatus) status = { 0 };

        facts_init_intel(&facts);
        facts.vendor_state = NV_MODULE_STATE_ABSENT;
        setting_set(&facts.modprobe, "/etc/modprobe.d/kvm.conf", "1");
        nv_status_assemble(&facts, &status);

        g_assert_false(status.vendor_module_loaded);
        g_assert_cmpstr(status.nested_parameter, ==, "");
        g_assert_false(status.nested_enabled);
        g_assert_cmpstr(status.persistent_nested, ==, "enabled");
        g_assert_false(status.reload_required);

        /* A module still being loaded is not loaded yet. */
        facts.vendor_state = NV_MODULE_STATE_COMING;
        nv_status_clear(&status);
        nv_status_assemble(&facts, &status);
        g_assert_false(status.vendor_module_loaded);
        g_assert_false(status.reload_required);
}

static void test_guest(void)
{
        g_auto(NvHostFacts) facts = { 0 };
        g_auto(NvStatus) status = { 0 };

        facts_init_intel(&facts);
        facts.cpu.has_vmx = FALSE;
        facts.cpu.has_hypervisor = TRUE;
        nv_status_assemble(&facts, &status);
        g_assert_false(status.hardware_virtualization);
        g_assert_true(status.in_virtual_machine);
        g_assert_cmpstr(status.hypervisor, ==, "unknown");

        facts.hypervisor = g_strdup("qemu");
        nv_status_clear(&status);
        nv_status_assemble(&facts, &status);
        g_assert_cmpstr(status.hypervisor, ==, "qemu");

        /* DMI can name a hypervisor that hides the CPUID flag. */
        facts.cpu.has_hypervisor = FALSE;
        nv_status_clear(&status);
        nv_status_assemble(&facts, &status);
        g_assert_true(status.in_virtual_machine);
}

/* POWER: the platform decides. PowerNV runs in HV mode, bare metal; a
 * pSeries kernel is a guest, and its POWER9 offers KVM-HV only once
 * kvm_hv has loaded (kvmhv_nested_init() fails it otherwise). */
static void test_power_platform(void)
{
        g_auto(NvHostFacts) facts = { 0 };
        g_auto(NvStatus) status = { 0 };

        facts.architecture = g_strdup("ppc64le");
        facts.cpu.power_generation = 9;
        facts.kvm_state = NV_MODULE_STATE_LIVE;
        facts.vendor_state = NV_MODULE_STATE_ABSENT;
        facts.vendor_availability = NV_MODULE_AVAILABILITY_LOADABLE;
        facts.power_platform = NV_POWER_PLATFORM_POWERNV;
        nv_status_assemble(&facts, &status);
        g_assert_true(status.hardware_virtualization);
        g_assert_false(status.in_virtual_machine);
        g_assert_cmpstr(status.host_class, ==, "module");

        facts.power_platform = NV_POWER_PLATFORM_PSERIES;
        nv_status_clear(&status);
        nv_status_assemble(&facts, &status);
        g_assert_false(status.hardware_virtualization);
        g_assert_true(status.in_virtual_machine);
        g_assert_cmpstr(status.hypervisor, ==, "unknown");
        g_assert_cmpstr(status.host_class, ==, "no-hardware-virtualization");

        facts.vendor_state = NV_MODULE_STATE_LIVE;
        facts.vendor_availability = NV_MODULE_AVAILABILITY_LOADED;
        facts.nested_raw = g_strdup("Y");
        nv_status_clear(&status);
        nv_status_assemble(&facts, &status);
        g_assert_true(status.hardware_virtualization);
        g_assert_true(status.nested_enabled);
        g_assert_cmpstr(status.host_class, ==, "module");

        /* Neither sign (an older tree): the generation alone, as before. */
        facts.power_platform = NV_POWER_PLATFORM_UNKNOWN;
        facts.vendor_state = NV_MODULE_STATE_ABSENT;
        nv_status_clear(&status);
        nv_status_assemble(&facts, &status);
        g_assert_true(status.hardware_virtualization);
        g_assert_false(status.in_virtual_machine);
}

static void test_unsupported(void)
{
        g_auto(NvHostFacts) facts = { 0 };
        g_auto(NvStatus) status = { 0 };

        facts.architecture = g_strdup("aarch64");
        facts.kvm_state = NV_MODULE_STATE_LIVE;
        setting_set(&facts.modprobe, "/etc/modprobe.d/kvm.conf", "1");
        nv_status_assemble(&facts, &status);

        g_assert_false(status.supported);
        g_assert_cmpstr(status.cpu_vendor, ==, "unknown");
        g_assert_cmpstr(status.vendor_module, ==, "");
        g_assert_false(status.vendor_module_loaded);
        g_assert_cmpstr(status.persistent_nested, ==, "default");
        g_assert_false(status.reload_required);

        /* An x86 CPU of a vendor without a KVM module is not supported. */
        nv_status_clear(&status);
        g_free(facts.architecture);
        facts.architecture = g_strdup("x86_64");
        nv_status_assemble(&facts, &status);
        g_assert_false(status.supported);

        nv_status_clear(&status);
        g_clear_pointer(&facts.architecture, g_free);
        facts.cpu.vendor = NV_CPU_VENDOR_AMD;
        nv_status_assemble(&facts, &status);
        g_assert_false(status.supported);
        g_assert_cmpstr(status.architecture, ==, "");
}

/* Supported is "this service can change nesting here", and the refusal
 * says why not, for every host where the methods refuse. */
static void test_supported_and_refusal(void)
{
        static const struct {
                NvModuleState state;
                NvModuleAvailability availability;
                const char *container;
                const char *state_string;
                gboolean supported;
                const char *host_class;
                const char *refusal; /* a part of it, or NULL for none */
        } cases[] = {
                { NV_MODULE_STATE_LIVE, NV_MODULE_AVAILABILITY_LOADED, NULL, "loaded", TRUE, "module",
                  NULL },
                { NV_MODULE_STATE_ABSENT, NV_MODULE_AVAILABILITY_LOADABLE, NULL, "loadable", TRUE, "module",
                  NULL },
                /* Built in: ModuleBuiltin, not NotSupported. */
                { NV_MODULE_STATE_BUILTIN, NV_MODULE_AVAILABILITY_BUILTIN, NULL, "builtin", FALSE,
                  "module-builtin", NULL },
                { NV_MODULE_STATE_ABSENT, NV_MODULE_AVAILABILITY_ABSENT, NULL, "absent", FALSE,
                  "module-absent", "kvm_intel is not in the running kernel" },
                { NV_MODULE_STATE_ABSENT, NV_MODULE_AVAILABILITY_NO_MODULE_LOADING, NULL,
                  "no-module-loading", FALSE, "no-module-loading", "cannot load modules" },
                { NV_MODULE_STATE_LIVE, NV_MODULE_AVAILABILITY_LOADED, "docker", "loaded", FALSE,
                  "container", "runs in a container (docker)" },
        };

        for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_auto(NvHostFacts) facts = { 0 };
                g_auto(NvStatus) status = { 0 };
                g_autofree char *refusal = NULL;

                facts_init_intel(&facts);
                facts.vendor_state = cases[i].state;
                facts.vendor_availability = cases[i].availability;
                facts.container = g_strdup(cases[i].container);
                nv_status_assemble(&facts, &status);
                refusal = nv_status_refusal(&status);

                g_assert_cmpstr(status.vendor_module_state, ==, cases[i].state_string);
                g_assert_cmpint(status.supported, ==, cases[i].supported);
                g_assert_cmpstr(status.host_class, ==, cases[i].host_class);
                g_assert_cmpstr(status.container, ==, cases[i].container ? cases[i].container : "");
                if (cases[i].refusal)
                        g_assert_nonnull(strstr(refusal, cases[i].refusal));
                else
                        g_assert_null(refusal);
        }
}

/* The ladder: the first class that applies, whatever else does too. */
static void test_host_class_ladder(void)
{
        static const struct {
                const char *architecture;
                const char *vendor_module;
                gboolean hardware_virtualization;
                gboolean loaded;
                gboolean builtin;
                const char *state;
                const char *provider;
                const char *container;
                const char *source;
                NvHostClass expected;
        } cases[] = {
                { "x86_64", "kvm_intel", TRUE, TRUE, FALSE, "loaded", "kvm_intel", "", "", NV_HOST_MODULE },
                /* arm64: only the command line decides. */
                { "aarch64", "", FALSE, FALSE, FALSE, "", "", "", "", NV_HOST_ARM64_COMMAND_LINE },
                { "riscv64", "", FALSE, FALSE, FALSE, "", "", "", "", NV_HOST_UNSUPPORTED },
                /* s390x's kvm and ppc64's kvm_hv go through the same
                 * ladder as x86's vendor modules. */
                { "s390x", "kvm", TRUE, TRUE, FALSE, "loaded", "", "", "", NV_HOST_MODULE },
                { "s390x", "kvm", FALSE, FALSE, FALSE, "loadable", "", "", "",
                  NV_HOST_NO_HARDWARE_VIRTUALIZATION },
                { "ppc64le", "kvm_hv", TRUE, TRUE, FALSE, "loaded", "", "", "", NV_HOST_MODULE },
                { "x86_64", "", TRUE, FALSE, FALSE, "", "", "", "", NV_HOST_UNSUPPORTED },
                /* This very kind of machine: PVM's kernel in a container,
                 * no svm, no kvm_amd: PVM comes first. */
                { "x86_64", "kvm_amd", FALSE, FALSE, FALSE, "no-module-loading", "kvm_pvm", "docker", "",
                  NV_HOST_PVM },
                { "x86_64", "kvm_amd", FALSE, FALSE, FALSE, "absent", "", "docker", "", NV_HOST_CONTAINER },
                { "x86_64", "kvm_amd", TRUE, TRUE, FALSE, "loaded", "kvm_amd", "podman", "",
                  NV_HOST_CONTAINER },
                { "x86_64", "kvm_amd", FALSE, FALSE, FALSE, "absent", "", "", "", NV_HOST_MODULE_ABSENT },
                { "x86_64", "kvm_amd", TRUE, FALSE, FALSE, "no-module-loading", "", "", "",
                  NV_HOST_NO_MODULE_LOADING },
                { "x86_64", "kvm_intel", FALSE, FALSE, FALSE, "loadable", "", "", "",
                  NV_HOST_NO_HARDWARE_VIRTUALIZATION },
                /* A loaded module proves the CPU can, whatever the flag. */
                { "x86_64", "kvm_intel", FALSE, TRUE, FALSE, "loaded", "kvm_intel", "", "", NV_HOST_MODULE },
                { "x86_64", "kvm_intel", TRUE, TRUE, TRUE, "builtin", "kvm_intel", "", "/proc/cmdline",
                  NV_HOST_MODULE_BUILTIN },
                { "x86_64", "kvm_intel", TRUE, TRUE, FALSE, "loaded", "kvm_intel", "", "/proc/cmdline",
                  NV_HOST_COMMAND_LINE },
        };

        for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
                NvStatus status = {
                        .architecture = (char *)cases[i].architecture,
                        .vendor_module = (char *)cases[i].vendor_module,
                        .hardware_virtualization = cases[i].hardware_virtualization,
                        .vendor_module_loaded = cases[i].loaded,
                        .vendor_module_builtin = cases[i].builtin,
                        .vendor_module_state = (char *)cases[i].state,
                        .kvm_provider = (char *)cases[i].provider,
                        .container = (char *)cases[i].container,
                        .persistent_source = (char *)cases[i].source,
                };

                g_test_message("case %" G_GSIZE_FORMAT, i);
                g_assert_cmpstr(nv_host_class_to_string(nv_status_host_class(&status)), ==,
                                nv_host_class_to_string(cases[i].expected));
        }
}

/* /dev/kvm: the path, its provider, and who may open it. */
static void test_kvm_device(void)
{
        g_auto(NvHostFacts) facts = { 0 };
        g_auto(NvStatus) status = { 0 };

        facts_init_intel(&facts);
        nv_status_assemble(&facts, &status);
        g_assert_cmpstr(status.kvm_device, ==, "");
        g_assert_cmpstr(status.kvm_provider, ==, "");
        g_assert_cmpstr(status.kvm_device_access, ==, "absent");
        g_assert_cmpstr(status.kvm_device_mode, ==, "");

        /* Registered, but no node to see (PrivateDevices=). */
        facts.kvm_device = TRUE;
        facts.kvm_provider = g_strdup("kvm_intel");
        nv_status_clear(&status);
        nv_status_assemble(&facts, &status);
        g_assert_cmpstr(status.kvm_device, ==, "/dev/kvm");
        g_assert_cmpstr(status.kvm_provider, ==, "kvm_intel");
        g_assert_cmpstr(status.kvm_device_access, ==, "unknown");

        facts.has_kvm_stat = TRUE;
        facts.kvm_gid = 993;
        facts.kvm_mode = 020660;
        facts.kvm_owner = g_strdup("root");
        facts.kvm_group = g_strdup("kvm");
        nv_status_clear(&status);
        nv_status_assemble(&facts, &status);
        g_assert_cmpstr(status.kvm_device_access, ==, "group");
        g_assert_cmpstr(status.kvm_device_owner, ==, "root");
        g_assert_cmpstr(status.kvm_device_group, ==, "kvm");
        g_assert_cmpstr(status.kvm_device_mode, ==, "0660");
}

/* VendorModuleInUse is the kernel's reference count: only a loaded,
 * loadable module has one. */
static void test_module_in_use(void)
{
        g_auto(NvHostFacts) facts = { 0 };
        g_auto(NvStatus) status = { 0 };

        facts_init_intel(&facts);
        facts.has_vendor_refcnt = TRUE;
        facts.vendor_refcnt = 0;
        nv_status_assemble(&facts, &status);
        g_assert_false(status.vendor_module_in_use);

        facts.vendor_refcnt = 3;
        nv_status_clear(&status);
        nv_status_assemble(&facts, &status);
        g_assert_true(status.vendor_module_in_use);

        /* Without a count (built in): not "in use", which a reload asks. */
        facts.has_vendor_refcnt = FALSE;
        facts.vendor_state = NV_MODULE_STATE_BUILTIN;
        nv_status_clear(&status);
        nv_status_assemble(&facts, &status);
        g_assert_false(status.vendor_module_in_use);
}

static void test_utf8(void)
{
        g_auto(NvHostFacts) facts = { 0 };
        g_auto(NvStatus) status = { 0 };

        facts_init_intel(&facts);
        g_free(facts.nested_raw);
        facts.nested_raw = g_strdup("Y\xc3");
        setting_set(&facts.modprobe, "/etc/modprobe.d/\x80.conf", "1");
        nv_status_assemble(&facts, &status);

        g_assert_true(g_utf8_validate(status.nested_parameter, -1, NULL));
        g_assert_true(g_str_has_prefix(status.nested_parameter, "Y"));
        g_assert_true(g_utf8_validate(status.persistent_source, -1, NULL));
        g_assert_true(g_str_has_prefix(status.persistent_source, "/etc/modprobe.d/"));
}

static void test_diff(void)
{
        g_auto(NvHostFacts) facts = { 0 };
        g_auto(NvStatus) a = { 0 };
        g_auto(NvStatus) b = { 0 };
        g_auto(GStrv) changed = NULL;

        facts_init_intel(&facts);
        nv_status_assemble(&facts, &a);
        nv_status_assemble(&facts, &b);
        g_assert_null(nv_status_diff(&a, &b));

        g_free(facts.nested_raw);
        facts.nested_raw = g_strdup("Y");
        facts.has_vendor_refcnt = TRUE;
        facts.vendor_refcnt = 1;
        nv_status_clear(&b);
        nv_status_assemble(&facts, &b);

        changed = nv_status_diff(&a, &b);
        g_assert_nonnull(changed);
        g_assert_cmpuint(g_strv_length(changed), ==, 4);
        g_assert_true(g_strv_contains((const char *const *)changed, "NestedParameter"));
        g_assert_true(g_strv_contains((const char *const *)changed, "NestedEnabled"));
        g_assert_true(g_strv_contains((const char *const *)changed, "ReloadRequired"));
        g_assert_true(g_strv_contains((const char *const *)changed, "VendorModuleInUse"));

        /* A zeroed status (before the first read) differs in what reads
         * other than "" or false: an unset string is an empty one. */
        {
                NvStatus empty = { 0 };
                g_auto(GStrv) all = nv_status_diff(&empty, &b);

                g_assert_true(g_strv_contains((const char *const *)all, "Version"));
                g_assert_true(g_strv_contains((const char *const *)all, "KvmLoaded"));
                g_assert_false(g_strv_contains((const char *const *)all, "Hypervisor"));
                g_assert_false(g_strv_contains((const char *const *)all, "KvmBuiltin"));
        }
}

static void settings_add(GArray *settings, const char *source, const char *value)
{
        NvSetting setting = { 0 };

        setting_set(&setting, source, value);
        g_array_append_val(settings, setting);
}

static void test_settings_override(void)
{
        g_autoptr(GArray) settings = nv_settings_new();
        const NvSetting *winner;

        g_assert_null(nv_settings_find_override(settings, "kvm.conf"));

        /* Applied before kvm.conf, or hidden by /etc's kvm.conf: no override. */
        settings_add(settings, "/usr/lib/modprobe.d/10-kvm.conf", "0");
        settings_add(settings, "/usr/lib/modprobe.d/kvm.conf", "0");
        g_assert_null(nv_settings_find_override(settings, "kvm.conf"));

        /* Read after kvm.conf: the last of those wins over it. */
        settings_add(settings, "/run/modprobe.d/kvm2.conf", "1");
        settings_add(settings, "/lib/modprobe.d/zz-local.conf", "0");
        winner = nv_settings_find_override(settings, "kvm.conf");
        g_assert_nonnull(winner);
        g_assert_cmpstr(winner->source, ==, "/lib/modprobe.d/zz-local.conf");

        /* A copy is independent of the original. */
        {
                g_auto(NvSetting) copy = { 0 };

                nv_setting_copy(winner, &copy);
                g_assert_cmpstr(copy.source, ==, winner->source);
                g_assert_true(copy.source != winner->source);
                g_assert_cmpstr(copy.value, ==, "0");
        }
}

/* The table names each property once, and the status struct holds each
 * one where the table says. */
static void test_fields_table(void)
{
        g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

        g_assert_cmpuint(nv_n_properties, ==, 33);
        for (size_t i = 0; i < nv_n_properties; i++) {
                g_assert_true(g_hash_table_add(seen, (gpointer)nv_property_info[i].name));
                g_assert_true(nv_property_info_find(nv_property_info[i].name) == &nv_property_info[i]);
                g_assert_cmpuint(nv_property_info[i].offset, <, sizeof(NvStatus));
        }
        g_assert_cmpuint(nv_property_info_find("HostClass")->offset, ==, offsetof(NvStatus, host_class));
        g_assert_null(nv_property_info_find("ModuleUsers"));
}

int main(int argc, char *argv[])
{
        g_test_init(&argc, &argv, NULL);

        g_test_add_func("/status/intel-loaded", test_intel_loaded);
        g_test_add_func("/status/persistent/modprobe", test_persistent_modprobe);
        g_test_add_func("/status/persistent/cmdline-wins", test_persistent_cmdline_wins);
        g_test_add_func("/status/persistent/bare-parameter", test_persistent_bare_parameter);
        g_test_add_func("/status/persistent/invalid-amd", test_persistent_invalid_amd);
        g_test_add_func("/status/builtin", test_builtin_ignores_modprobe);
        g_test_add_func("/status/not-loaded", test_not_loaded);
        g_test_add_func("/status/guest", test_guest);
        g_test_add_func("/status/power-platform", test_power_platform);
        g_test_add_func("/status/unsupported", test_unsupported);
        g_test_add_func("/status/supported-and-refusal", test_supported_and_refusal);
        g_test_add_func("/status/host-class-ladder", test_host_class_ladder);
        g_test_add_func("/status/kvm-device", test_kvm_device);
        g_test_add_func("/status/module-in-use", test_module_in_use);
        g_test_add_func("/status/diff", test_diff);
        g_test_add_func("/status/utf8", test_utf8);
        g_test_add_func("/status/fields", test_fields_table);
        g_test_add_func("/status/settings/override", test_settings_override);

        return g_test_run();
}
