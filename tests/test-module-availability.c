/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for nv-module-availability.c and the modules.dep lookup: the
 * state of a vendor module on every kind of kernel, and its coherence
 * with the loaded/built-in booleans.
 */
#include "config.h"

#include <string.h>

#include "nv-module-availability.h"

typedef struct {
        const char *what;
        /* /sys/module/NAME */
        gboolean has_dir;
        const char *initstate;
        gboolean listed_builtin;
        gboolean kernel_loads_modules;
        gboolean in_modules_dep;
        NvModuleAvailability expected;
} Case;

static void test_availability(void)
{
        static const Case cases[] = {
                { "loaded module", TRUE, "live\n", FALSE, TRUE, TRUE, NV_MODULE_AVAILABILITY_LOADED },
                { "loaded, its file since removed", TRUE, "live", FALSE, TRUE, FALSE,
                  NV_MODULE_AVAILABILITY_LOADED },
                { "not loaded, file present", FALSE, NULL, FALSE, TRUE, TRUE,
                  NV_MODULE_AVAILABILITY_LOADABLE },
                { "being loaded", TRUE, "coming", FALSE, TRUE, TRUE, NV_MODULE_AVAILABILITY_LOADABLE },
                { "being unloaded", TRUE, "going", FALSE, TRUE, TRUE, NV_MODULE_AVAILABILITY_LOADABLE },
                { "built in with parameters", TRUE, NULL, FALSE, TRUE, FALSE,
                  NV_MODULE_AVAILABILITY_BUILTIN },
                { "built in, listed only", FALSE, NULL, TRUE, TRUE, FALSE, NV_MODULE_AVAILABILITY_BUILTIN },
                { "built in, kernel without modules", TRUE, NULL, TRUE, FALSE, FALSE,
                  NV_MODULE_AVAILABILITY_BUILTIN },
                { "absent from a modular kernel", FALSE, NULL, FALSE, TRUE, FALSE,
                  NV_MODULE_AVAILABILITY_ABSENT },
                /* CONFIG_MODULES off: a stale file in /lib/modules cannot help. */
                { "kernel without modules", FALSE, NULL, FALSE, FALSE, FALSE,
                  NV_MODULE_AVAILABILITY_NO_MODULE_LOADING },
                { "kernel without modules, stale file", FALSE, NULL, FALSE, FALSE, TRUE,
                  NV_MODULE_AVAILABILITY_NO_MODULE_LOADING },
                { "initstate not understood", TRUE, "sideways", FALSE, TRUE, TRUE,
                  NV_MODULE_AVAILABILITY_UNKNOWN },
        };

        for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
                const Case *c = &cases[i];
                NvModuleState state =
                        nv_module_state_from_sysfs(c->has_dir, c->initstate, c->listed_builtin);
                const NvModuleAvailabilityFacts facts = {
                        .sysfs_state = state,
                        .kernel_loads_modules = c->kernel_loads_modules,
                        .in_modules_dep = c->in_modules_dep,
                };
                NvModuleAvailability got = nv_module_availability(&facts);

                if (got != c->expected)
                        g_error("%s: %s, expected %s", c->what, nv_module_availability_to_string(got),
                                nv_module_availability_to_string(c->expected));

                /* The status booleans come from the same sysfs state
                 * (nv-status.c): loaded is live or built in. */
                g_assert_cmpint(state == NV_MODULE_STATE_BUILTIN, ==, got == NV_MODULE_AVAILABILITY_BUILTIN);
                g_assert_cmpint(state == NV_MODULE_STATE_LIVE || state == NV_MODULE_STATE_BUILTIN, ==,
                                got == NV_MODULE_AVAILABILITY_LOADED ||
                                        got == NV_MODULE_AVAILABILITY_BUILTIN);
        }
}

static void test_strings(void)
{
        static const char *const expected[] = {
                [NV_MODULE_AVAILABILITY_LOADED] = "loaded",
                [NV_MODULE_AVAILABILITY_LOADABLE] = "loadable",
                [NV_MODULE_AVAILABILITY_BUILTIN] = "builtin",
                [NV_MODULE_AVAILABILITY_ABSENT] = "absent",
                [NV_MODULE_AVAILABILITY_NO_MODULE_LOADING] = "no-module-loading",
                [NV_MODULE_AVAILABILITY_UNKNOWN] = "unknown",
        };

        for (gsize i = 0; i < G_N_ELEMENTS(expected); i++) {
                g_autofree char *description =
                        nv_module_availability_describe((NvModuleAvailability)i, "kvm_amd");

                g_assert_cmpstr(nv_module_availability_to_string((NvModuleAvailability)i), ==, expected[i]);
                g_assert_nonnull(strstr(description, "kvm_amd"));
        }
}

static void test_describe(void)
{
        g_autofree char *absent = nv_module_availability_describe(NV_MODULE_AVAILABILITY_ABSENT, "kvm_amd");
        g_autofree char *no_loading =
                nv_module_availability_describe(NV_MODULE_AVAILABILITY_NO_MODULE_LOADING, "kvm_amd");
        g_autofree char *builtin =
                nv_module_availability_describe(NV_MODULE_AVAILABILITY_BUILTIN, "kvm_intel");

        g_assert_nonnull(strstr(absent, "not in the running kernel"));
        g_assert_nonnull(strstr(no_loading, "cannot load modules"));
        g_assert_nonnull(strstr(no_loading, "CONFIG_MODULES"));
        g_assert_nonnull(strstr(builtin, "kernel command line"));
}

static const char modules_dep[] =
        "kernel/arch/x86/kvm/kvm.ko.xz: kernel/virt/lib/irqbypass.ko.xz\n"
        "kernel/arch/x86/kvm/kvm-intel.ko.xz: kernel/arch/x86/kvm/kvm.ko.xz\n"
        "kernel/virt/lib/irqbypass.ko.xz:\n"
        "updates/dkms/vboxdrv.ko\n"
        "kernel/drivers/gpu/drm/i915/kvmgt.ko.zst: kernel/arch/x86/kvm/kvm-amd.ko.zst";

static void test_modules_dep(void)
{
        g_assert_true(nv_modules_dep_contains(modules_dep, strlen(modules_dep), "kvm_intel"));
        g_assert_true(nv_modules_dep_contains(modules_dep, strlen(modules_dep), "kvm-intel"));
        g_assert_true(nv_modules_dep_contains(modules_dep, strlen(modules_dep), "kvm"));
        g_assert_true(nv_modules_dep_contains(modules_dep, strlen(modules_dep), "irqbypass"));
        g_assert_true(nv_modules_dep_contains(modules_dep, strlen(modules_dep), "vboxdrv"));
        /* The last line, without a newline. */
        g_assert_true(nv_modules_dep_contains(modules_dep, strlen(modules_dep), "kvmgt"));
        /* A dependency is not an entry. */
        g_assert_false(nv_modules_dep_contains(modules_dep, strlen(modules_dep), "kvm_amd"));
        g_assert_false(nv_modules_dep_contains(modules_dep, strlen(modules_dep), "kvm_pvm"));
        /* Whole names only. */
        g_assert_false(nv_modules_dep_contains(modules_dep, strlen(modules_dep), "kvm_int"));
        g_assert_false(nv_modules_dep_contains(modules_dep, strlen(modules_dep), "intel"));
        g_assert_false(nv_modules_dep_contains(NULL, 0, "kvm"));
        g_assert_false(nv_modules_dep_contains("", 0, "kvm"));
        /* Only @len bytes count. */
        g_assert_false(
                nv_modules_dep_contains(modules_dep, strlen("kernel/arch/x86/kvm/kvm.ko.xz:"), "kvm_intel"));
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);

        g_test_add_func("/module-availability/states", test_availability);
        g_test_add_func("/module-availability/strings", test_strings);
        g_test_add_func("/module-availability/describe", test_describe);
        g_test_add_func("/module-availability/modules-dep", test_modules_dep);

        return g_test_run();
}
