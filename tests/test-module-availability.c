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
        gboolean module_file_exists;
        NvModuleAvailability expected;
} Case;

static void test_availability(void)
{
        static const Case cases[] = {
                { "loaded module", TRUE, "live\n", FALSE, TRUE, TRUE, TRUE, NV_MODULE_AVAILABILITY_LOADED },
                { "loaded, its file since removed", TRUE, "live", FALSE, TRUE, FALSE, FALSE,
                  NV_MODULE_AVAILABILITY_LOADED },
                { "loaded, its file gone, modules.dep not yet rewritten", TRUE, "live", FALSE, TRUE, TRUE,
                  FALSE, NV_MODULE_AVAILABILITY_LOADED },
                { "not loaded, file present", FALSE, NULL, FALSE, TRUE, TRUE, TRUE,
                  NV_MODULE_AVAILABILITY_LOADABLE },
                /* modprobe would fail: modules.dep names a file that is
                 * gone (moved away, or removed without depmod). */
                { "not loaded, modules.dep names a missing file", FALSE, NULL, FALSE, TRUE, TRUE, FALSE,
                  NV_MODULE_AVAILABILITY_ABSENT },
                /* modprobe does not look past modules.dep. */
                { "not loaded, a file that modules.dep does not name", FALSE, NULL, FALSE, TRUE, FALSE, TRUE,
                  NV_MODULE_AVAILABILITY_ABSENT },
                { "being loaded", TRUE, "coming", FALSE, TRUE, TRUE, TRUE, NV_MODULE_AVAILABILITY_LOADABLE },
                { "being unloaded", TRUE, "going", FALSE, TRUE, TRUE, TRUE,
                  NV_MODULE_AVAILABILITY_LOADABLE },
                { "built in with parameters", TRUE, NULL, FALSE, TRUE, FALSE, FALSE,
                  NV_MODULE_AVAILABILITY_BUILTIN },
                { "built in, listed only", FALSE, NULL, TRUE, TRUE, FALSE, FALSE,
                  NV_MODULE_AVAILABILITY_BUILTIN },
                { "built in, kernel without modules", TRUE, NULL, TRUE, FALSE, FALSE, FALSE,
                  NV_MODULE_AVAILABILITY_BUILTIN },
                { "absent from a modular kernel", FALSE, NULL, FALSE, TRUE, FALSE, FALSE,
                  NV_MODULE_AVAILABILITY_ABSENT },
                /* CONFIG_MODULES off: a stale file in /lib/modules cannot help. */
                { "kernel without modules", FALSE, NULL, FALSE, FALSE, FALSE, FALSE,
                  NV_MODULE_AVAILABILITY_NO_MODULE_LOADING },
                { "kernel without modules, stale file", FALSE, NULL, FALSE, FALSE, TRUE, TRUE,
                  NV_MODULE_AVAILABILITY_NO_MODULE_LOADING },
                { "initstate not understood", TRUE, "sideways", FALSE, TRUE, TRUE, TRUE,
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
                        .module_file_exists = c->module_file_exists,
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
        "/lib/modules/6.1.0-pvm/extra/kvm_pvm.ko.gz:\n"
        "kernel/drivers/gpu/drm/i915/kvmgt.ko.zst: kernel/arch/x86/kvm/kvm-amd.ko.zst";

/* nv_modules_dep_find(@module) on modules_dep[]: NULL or the file. */
static void assert_dep_file(const char *module, const char *expected)
{
        g_autofree char *file = nv_modules_dep_find(modules_dep, strlen(modules_dep), module);

        g_assert_cmpstr(file, ==, expected);
}

static void test_modules_dep(void)
{
        /* The file as modules.dep writes it, compressed or not, for any
         * '-'/'_' spelling of the name. */
        assert_dep_file("kvm_intel", "kernel/arch/x86/kvm/kvm-intel.ko.xz");
        assert_dep_file("kvm-intel", "kernel/arch/x86/kvm/kvm-intel.ko.xz");
        assert_dep_file("kvm", "kernel/arch/x86/kvm/kvm.ko.xz");
        assert_dep_file("irqbypass", "kernel/virt/lib/irqbypass.ko.xz");
        assert_dep_file("vboxdrv", "updates/dkms/vboxdrv.ko");
        assert_dep_file("kvm_pvm", "/lib/modules/6.1.0-pvm/extra/kvm_pvm.ko.gz");
        /* The last line, without a newline. */
        assert_dep_file("kvmgt", "kernel/drivers/gpu/drm/i915/kvmgt.ko.zst");
        /* A dependency is not an entry. */
        assert_dep_file("kvm_amd", NULL);
        /* Whole names only. */
        assert_dep_file("kvm_int", NULL);
        assert_dep_file("intel", NULL);
        g_assert_null(nv_modules_dep_find(NULL, 0, "kvm"));
        g_assert_null(nv_modules_dep_find("", 0, "kvm"));
        /* Only @len bytes count. */
        g_assert_null(
                nv_modules_dep_find(modules_dep, strlen("kernel/arch/x86/kvm/kvm.ko.xz:"), "kvm_intel"));
        /* A NUL byte in the entry would name another file. */
        {
                static const char nul[] = "kernel/x\0/kvm-amd.ko:\n";

                g_assert_null(nv_modules_dep_find(nul, sizeof(nul) - 1, "kvm_amd"));
        }
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
