/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Module reloads (nv-reload.h) on the simulated kernel, without a bus: fake host
 * trees (nv-test-host.h), a simulated kernel acting on them
 * (nv-kernel-sim.h), and checks of the tree, the simulator's log of what
 * was done, and the value and errors returned. Also the simulator's own
 * kernel-like answers, and the real backend's refusal of a fake root.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "nv-errno.h"
#include "nv-host.h"
#include "nv-kernel-sim.h"
#include "nv-kernel.h"
#include "nv-reload.h"
#include "nv-test-host.h"

/* Reloads the way the daemon does, with a host and a kernel for the tree,
 * both fresh: the plan on facts read now, the swap, and the outcome from
 * the facts read after it. */
static char *reload(NvTestHost *tree, const char *module, gboolean nested, GError **error)
{
        g_autoptr(NvHost) host = nv_host_new(nv_test_host_get_root(tree));
        g_autoptr(NvKernel) kernel = NULL;
        g_autoptr(GError) local_error = NULL;
        g_auto(NvHostFacts) before = { 0 };
        g_auto(NvHostFacts) after = { 0 };
        g_auto(NvReloadPlan) plan = { 0 };

        kernel = nv_kernel_sim_new(nv_test_host_get_root(tree), &local_error);
        g_assert_no_error(local_error);
        nv_host_read_facts(host, &before);
        if (!nv_reload_plan(&before, module, nested, &plan, error))
                return NULL;
        if (!nv_reload_swap(kernel, &plan, error))
                return NULL;
        nv_host_invalidate_modules(host);
        nv_host_read_facts(host, &after);
        return nv_reload_finish(&plan, &after, error);
}

static char *read_tree_file(NvTestHost *tree, const char *host_path)
{
        g_autofree char *path = nv_test_host_path(tree, host_path);
        char *text = NULL;

        if (!g_file_get_contents(path, &text, NULL, NULL))
                return NULL;
        return text;
}

/* What the simulated kernel was asked to do, one call a line. */
static char *read_log(NvTestHost *tree)
{
        char *text = read_tree_file(tree, "/sim/log");

        return text ? text : g_strdup("");
}

static void assert_file(NvTestHost *tree, const char *host_path, const char *expected)
{
        g_autofree char *text = read_tree_file(tree, host_path);

        g_assert_cmpstr(text, ==, expected);
}

static void assert_link(NvTestHost *tree, const char *host_path, const char *expected)
{
        g_autofree char *path = nv_test_host_path(tree, host_path);
        g_autofree char *target = g_file_read_link(path, NULL);

        g_assert_cmpstr(target, ==, expected);
}

static void assert_absent(NvTestHost *tree, const char *host_path)
{
        g_autofree char *path = nv_test_host_path(tree, host_path);

        g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS | G_FILE_TEST_IS_SYMLINK));
}

static void snapshot_dir(const char *dir, const char *rel, GPtrArray *lines)
{
        g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
        const char *name;

        if (!d)
                return;
        while ((name = g_dir_read_name(d))) {
                g_autofree char *path = g_build_filename(dir, name, NULL);
                g_autofree char *sub = g_build_filename(rel, name, NULL);
                g_autofree char *target = g_file_read_link(path, NULL);
                g_autofree char *text = NULL;

                if (target)
                        g_ptr_array_add(lines, g_strdup_printf("%s -> %s", sub, target));
                else if (g_file_test(path, G_FILE_TEST_IS_DIR))
                        snapshot_dir(path, sub, lines);
                else if (g_file_get_contents(path, &text, NULL, NULL))
                        g_ptr_array_add(lines, g_strdup_printf("%s = %s", sub, text));
        }
}

static gint compare_strings(gconstpointer a, gconstpointer b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Everything below /sys/module, to prove that nothing changed. */
static char *snapshot_modules(NvTestHost *tree)
{
        g_autofree char *dir = nv_test_host_path(tree, "/sys/module");
        g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);

        snapshot_dir(dir, "", lines);
        g_ptr_array_sort(lines, compare_strings);
        g_ptr_array_add(lines, NULL);
        return g_strjoinv("\n", (char **)lines->pdata);
}

static NvTestHost *amd_not_loaded(void)
{
        NvTestHost *tree = nv_test_host_new_preset(NV_TEST_PRESET_AMD_LOADED);

        nv_test_host_unload_module(tree, "kvm_amd");
        nv_test_host_unload_module(tree, "kvm");
        return tree;
}

static void test_not_loaded_intel(gconstpointer data)
{
        gboolean nested = GPOINTER_TO_INT(data);
        g_autoptr(NvTestHost) tree = nv_test_host_new_preset(NV_TEST_PRESET_VENDOR_MODULE_NOT_LOADED);
        g_autoptr(GError) error = NULL;
        g_autofree char *value = NULL;
        g_autofree char *log = NULL;

        value = reload(tree, "kvm_intel", nested, &error);
        g_assert_no_error(error);
        g_assert_cmpstr(value, ==, nested ? "Y" : "N");
        assert_file(tree, "/sys/module/kvm_intel/parameters/nested", nested ? "Y\n" : "N\n");
        assert_file(tree, "/sys/module/kvm_intel/initstate", "live\n");
        assert_file(tree, "/sys/module/kvm_intel/refcnt", "0\n");
        /* modprobe pulled in kvm, which now counts kvm_intel. */
        assert_file(tree, "/sys/module/kvm/initstate", "live\n");
        assert_file(tree, "/sys/module/kvm/refcnt", "1\n");
        assert_link(tree, "/sys/module/kvm/holders/kvm_intel", "../../kvm_intel");

        log = read_log(tree);
        g_assert_cmpstr(log, ==, nested ? "load kvm_intel nested=1\n" : "load kvm_intel nested=0\n");
}

static void test_not_loaded_amd(gconstpointer data)
{
        gboolean nested = GPOINTER_TO_INT(data);
        g_autoptr(NvTestHost) tree = amd_not_loaded();
        g_autoptr(GError) error = NULL;
        g_autofree char *value = NULL;
        g_autofree char *log = NULL;

        value = reload(tree, "kvm_amd", nested, &error);
        g_assert_no_error(error);
        /* An int: 1/0, never Y/N. */
        g_assert_cmpstr(value, ==, nested ? "1" : "0");
        assert_file(tree, "/sys/module/kvm_amd/parameters/nested", nested ? "1\n" : "0\n");
        assert_file(tree, "/sys/module/kvm/refcnt", "1\n");

        log = read_log(tree);
        g_assert_cmpstr(log, ==, nested ? "load kvm_amd nested=1\n" : "load kvm_amd nested=0\n");
}

static void test_loaded_intel(void)
{
        g_autoptr(NvTestHost) tree = nv_test_host_new_preset(NV_TEST_PRESET_INTEL_LOADED);
        g_autoptr(GError) error = NULL;
        g_autofree char *value = NULL;
        g_autofree char *log = NULL;

        value = reload(tree, "kvm_intel", TRUE, &error);
        g_assert_no_error(error);
        g_assert_cmpstr(value, ==, "Y");
        assert_file(tree, "/sys/module/kvm_intel/parameters/nested", "Y\n");
        /* Released by the unload, taken again by the load. */
        assert_file(tree, "/sys/module/kvm/refcnt", "1\n");

        log = read_log(tree);
        g_assert_cmpstr(log, ==, "unload kvm_intel\nload kvm_intel nested=1\n");
}

static void test_loaded_amd(void)
{
        g_autoptr(NvTestHost) tree = nv_test_host_new_preset(NV_TEST_PRESET_AMD_LOADED);
        g_autoptr(GError) error = NULL;
        g_autofree char *value = NULL;
        g_autofree char *log = NULL;

        /* Dashes, as a person types it. */
        value = reload(tree, "kvm-amd", FALSE, &error);
        g_assert_no_error(error);
        g_assert_cmpstr(value, ==, "0");
        assert_file(tree, "/sys/module/kvm_amd/parameters/nested", "0\n");

        log = read_log(tree);
        g_assert_cmpstr(log, ==, "unload kvm_amd\nload kvm_amd nested=0\n");
}

static void test_in_use_refcnt(void)
{
        g_autoptr(NvTestHost) tree = nv_test_host_new_preset(NV_TEST_PRESET_INTEL_LOADED);
        g_autoptr(GError) error = NULL;
        g_autofree char *value = NULL;
        g_autofree char *before = NULL;
        g_autofree char *after = NULL;
        g_autofree char *log = NULL;

        /* Held, but by no process we can see: another module, or a VM
         * whose descriptors were passed away. */
        nv_test_host_load_module(tree, "kvm_intel", 1, "N");
        before = snapshot_modules(tree);

        value = reload(tree, "kvm_intel", TRUE, &error);
        g_assert_error(error, NV_RELOAD_ERROR, NV_RELOAD_ERROR_IN_USE);
        g_assert_null(value);
        g_assert_nonnull(strstr(error->message, "kvm_intel is in use"));
        g_assert_nonnull(strstr(error->message, "reference count is 1"));
        g_assert_nonnull(strstr(error->message, "something in the kernel"));

        after = snapshot_modules(tree);
        g_assert_cmpstr(after, ==, before);
        log = read_log(tree);
        g_assert_cmpstr(log, ==, "");
}

static void test_in_use_processes(void)
{
        static const char *const qemu_fds[] = { "/dev/kvm", "anon_inode:kvm-vm", "anon_inode:kvm-vcpu:0",
                                                NULL };
        static const char *const firecracker_fds[] = { "socket:[99]", "/dev/kvm", NULL };
        g_autoptr(NvTestHost) tree = nv_test_host_new_preset(NV_TEST_PRESET_AMD_LOADED);
        g_autoptr(GError) error = NULL;
        g_autofree char *value = NULL;
        g_autofree char *before = NULL;
        g_autofree char *after = NULL;
        g_autofree char *log = NULL;

        nv_test_host_load_module(tree, "kvm_amd", 2, "1");
        nv_test_host_add_process(tree, 1234, "qemu-system-x86", qemu_fds);
        nv_test_host_add_process(tree, 99, "firecracker", firecracker_fds);
        before = snapshot_modules(tree);

        value = reload(tree, "kvm_amd", FALSE, &error);
        g_assert_error(error, NV_RELOAD_ERROR, NV_RELOAD_ERROR_IN_USE);
        g_assert_null(value);
        g_assert_cmpstr(error->message, ==,
                        "kvm_amd is in use by 99 (firecracker), 1234 (qemu-system-x86): shut these virtual "
                        "machines down and try again");

        after = snapshot_modules(tree);
        g_assert_cmpstr(after, ==, before);
        log = read_log(tree);
        g_assert_cmpstr(log, ==, "");
}

static void test_rollback(void)
{
        g_autoptr(NvTestHost) tree = nv_test_host_new_preset(NV_TEST_PRESET_AMD_LOADED);
        g_autoptr(GError) error = NULL;
        g_autofree char *value = NULL;
        g_autofree char *log = NULL;

        nv_test_host_write(tree, "/sim/fail-load", "nested=0\n");

        value = reload(tree, "kvm_amd", FALSE, &error);
        g_assert_error(error, NV_RELOAD_ERROR, NV_RELOAD_ERROR_FAILED);
        g_assert_null(value);
        /* Why the new value failed, and that the old one is back. */
        g_assert_nonnull(strstr(error->message, "Cannot load kvm_amd with options \"nested=0\""));
        g_assert_nonnull(strstr(error->message, "simulated failure"));
        g_assert_nonnull(strstr(error->message, "kvm_amd was loaded back with nested=1"));

        assert_file(tree, "/sys/module/kvm_amd/initstate", "live\n");
        assert_file(tree, "/sys/module/kvm_amd/parameters/nested", "1\n");
        assert_file(tree, "/sys/module/kvm/refcnt", "1\n");
        log = read_log(tree);
        g_assert_cmpstr(log, ==, "unload kvm_amd\nload kvm_amd nested=0: EIO\nload kvm_amd nested=1\n");
}

static void test_rollback_fails(void)
{
        g_autoptr(NvTestHost) tree = nv_test_host_new_preset(NV_TEST_PRESET_INTEL_LOADED);
        g_autoptr(GError) error = NULL;
        g_autofree char *value = NULL;
        g_autofree char *log = NULL;

        nv_test_host_write(tree, "/sim/fail-load", "nested=1\nnested=0\n");

        value = reload(tree, "kvm_intel", TRUE, &error);
        g_assert_error(error, NV_RELOAD_ERROR, NV_RELOAD_ERROR_FAILED);
        g_assert_null(value);
        /* Both reasons, and where that leaves the host. */
        g_assert_nonnull(strstr(error->message, "Cannot load kvm_intel with options \"nested=1\""));
        g_assert_nonnull(strstr(error->message, "loading it back with nested=0 failed too"));
        g_assert_nonnull(strstr(error->message, "kvm_intel is not loaded now"));

        assert_absent(tree, "/sys/module/kvm_intel");
        log = read_log(tree);
        g_assert_cmpstr(log, ==,
                        "unload kvm_intel\nload kvm_intel nested=1: EIO\nload kvm_intel nested=0: EIO\n");
}

static void test_load_fails_not_loaded(void)
{
        g_autoptr(NvTestHost) tree = nv_test_host_new_preset(NV_TEST_PRESET_VENDOR_MODULE_NOT_LOADED);
        g_autoptr(GError) error = NULL;
        g_autofree char *value = NULL;
        g_autofree char *log = NULL;

        nv_test_host_write(tree, "/sim/fail-load", "nested=1");

        value = reload(tree, "kvm_intel", TRUE, &error);
        g_assert_error(error, NV_RELOAD_ERROR, NV_RELOAD_ERROR_FAILED);
        g_assert_null(value);
        g_assert_nonnull(strstr(error->message, "simulated failure"));
        /* Not loaded before, so nothing to load back. */
        g_assert_null(strstr(error->message, "back"));

        assert_absent(tree, "/sys/module/kvm_intel");
        assert_absent(tree, "/sys/module/kvm");
        log = read_log(tree);
        g_assert_cmpstr(log, ==, "load kvm_intel nested=1: EIO\n");
}

static void test_unload_fails(void)
{
        g_autoptr(NvTestHost) tree = nv_test_host_new_preset(NV_TEST_PRESET_INTEL_LOADED);
        g_autoptr(GError) error = NULL;
        g_autofree char *value = NULL;
        g_autofree char *log = NULL;

        nv_test_host_write(tree, "/sim/fail-unload", "");

        value = reload(tree, "kvm_intel", TRUE, &error);
        g_assert_error(error, NV_RELOAD_ERROR, NV_RELOAD_ERROR_FAILED);
        g_assert_null(value);
        g_assert_nonnull(strstr(error->message, "Cannot unload kvm_intel"));

        assert_file(tree, "/sys/module/kvm_intel/parameters/nested", "N\n");
        log = read_log(tree);
        g_assert_cmpstr(log, ==, "unload kvm_intel: EIO\n");
}

static void test_builtin(void)
{
        g_autoptr(NvTestHost) tree = nv_test_host_new_preset(NV_TEST_PRESET_KVM_BUILTIN);
        g_autoptr(GError) error = NULL;
        g_autofree char *value = NULL;
        g_autofree char *before = NULL;
        g_autofree char *after = NULL;
        g_autofree char *log = NULL;

        before = snapshot_modules(tree);
        value = reload(tree, "kvm_intel", TRUE, &error);
        g_assert_error(error, NV_RELOAD_ERROR, NV_RELOAD_ERROR_BUILTIN);
        g_assert_null(value);
        g_assert_cmpstr(error->message, ==,
                        "kvm_intel is built into the kernel; set kvm_intel.nested=1 on the kernel command "
                        "line and reboot");

        after = snapshot_modules(tree);
        g_assert_cmpstr(after, ==, before);
        log = read_log(tree);
        g_assert_cmpstr(log, ==, "");
}

/* modprobe.d says nested=0; the option we pass comes after it and wins. */
static void test_modprobe_loses(void)
{
        g_autoptr(NvTestHost) tree = nv_test_host_new_preset(NV_TEST_PRESET_INTEL_LOADED);
        g_autoptr(GError) error = NULL;
        g_autofree char *value = NULL;

        nv_test_host_write_modprobe(tree, "/etc/modprobe.d", "kvm.conf", "options kvm-intel nested=0\n");
        nv_test_host_write_modprobe(tree, "/usr/lib/modprobe.d", "zz-vendor.conf",
                                    "options kvm_intel nested=N\n");

        value = reload(tree, "kvm_intel", TRUE, &error);
        g_assert_no_error(error);
        g_assert_cmpstr(value, ==, "Y");
}

/* The kernel checks every value it is given, not only the last: a "Y" for
 * kvm_amd in modprobe.d breaks every load, whatever we append. */
static void test_modprobe_invalid(void)
{
        g_autoptr(NvTestHost) tree = nv_test_host_new_preset(NV_TEST_PRESET_AMD_LOADED);
        g_autoptr(GError) error = NULL;
        g_autofree char *value = NULL;
        g_autofree char *log = NULL;

        nv_test_host_write_modprobe(tree, "/etc/modprobe.d", "kvm.conf", "options kvm_amd nested=Y\n");

        value = reload(tree, "kvm_amd", TRUE, &error);
        g_assert_error(error, NV_RELOAD_ERROR, NV_RELOAD_ERROR_FAILED);
        g_assert_null(value);
        g_assert_nonnull(strstr(error->message, "kvm_amd: `Y' invalid for parameter `nested'"));
        g_assert_nonnull(strstr(error->message, "failed too"));

        assert_absent(tree, "/sys/module/kvm_amd");
        log = read_log(tree);
        g_assert_cmpstr(log, ==,
                        "unload kvm_amd\nload kvm_amd nested=1: EINVAL\nload kvm_amd nested=1: EINVAL\n");
}

/* kmod appends the command line after modprobe.d, and our option after
 * both: ours wins. */
static void test_cmdline_loses(gconstpointer data)
{
        gboolean nested = GPOINTER_TO_INT(data);
        g_autoptr(NvTestHost) tree = nv_test_host_new_preset(NV_TEST_PRESET_INTEL_LOADED);
        g_autoptr(GError) error = NULL;
        g_autofree char *value = NULL;

        nv_test_host_set_cmdline(tree,
                                 nested ? "ro quiet kvm-intel.nested=0" : "ro quiet kvm_intel.nested=1");

        value = reload(tree, "kvm_intel", nested, &error);
        g_assert_no_error(error);
        g_assert_cmpstr(value, ==, nested ? "Y" : "N");
}

/* What the command line alone would give, to show the simulator reads it. */
static void test_cmdline_applies(void)
{
        g_autoptr(NvTestHost) tree = nv_test_host_new_preset(NV_TEST_PRESET_VENDOR_MODULE_NOT_LOADED);
        g_autoptr(NvKernel) kernel = NULL;
        g_autoptr(GError) error = NULL;

        nv_test_host_set_cmdline(tree, "ro kvm_intel.nested=off");
        kernel = nv_kernel_sim_new(nv_test_host_get_root(tree), &error);
        g_assert_no_error(error);

        g_assert_true(kernel->ops->load(kernel, "kvm-intel", NULL, &error));
        g_assert_no_error(error);
        assert_file(tree, "/sys/module/kvm_intel/parameters/nested", "N\n");
}

static void test_not_vendor_module(void)
{
        g_autoptr(NvTestHost) tree = nv_test_host_new_preset(NV_TEST_PRESET_INTEL_LOADED);
        g_autoptr(GError) error = NULL;
        g_autofree char *value = NULL;
        g_autofree char *log = NULL;

        value = reload(tree, "kvm_amd", TRUE, &error);
        g_assert_error(error, NV_RELOAD_ERROR, NV_RELOAD_ERROR_FAILED);
        g_assert_null(value);
        log = read_log(tree);
        g_assert_cmpstr(log, ==, "");
}

/* The simulator answers as the kernel does where a reload never
 * lets it get that far. */
static void test_sim_errors(void)
{
        g_autoptr(NvTestHost) tree = nv_test_host_new_preset(NV_TEST_PRESET_INTEL_LOADED);
        g_autoptr(NvKernel) kernel = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *log = NULL;

        kernel = nv_kernel_sim_new(nv_test_host_get_root(tree), &error);
        g_assert_no_error(error);

        g_assert_false(kernel->ops->load(kernel, "kvm_intel", "nested=1", &error));
        g_assert_error(error, NV_ERRNO_ERROR, EEXIST);
        g_clear_error(&error);

        /* kvm_intel holds kvm. */
        g_assert_false(kernel->ops->unload(kernel, "kvm", &error));
        g_assert_error(error, NV_ERRNO_ERROR, EBUSY);
        g_clear_error(&error);

        g_assert_true(kernel->ops->unload(kernel, "kvm_intel", &error));
        g_assert_no_error(error);
        assert_file(tree, "/sys/module/kvm/refcnt", "0\n");
        assert_absent(tree, "/sys/module/kvm/holders/kvm_intel");

        g_assert_false(kernel->ops->unload(kernel, "kvm_intel", &error));
        g_assert_error(error, NV_ERRNO_ERROR, ENOENT);
        g_clear_error(&error);

        log = read_log(tree);
        g_assert_cmpstr(log, ==,
                        "load kvm_intel nested=1: EEXIST\nunload kvm: EBUSY\nunload kvm_intel\n"
                        "unload kvm_intel: ENOENT\n");
}

static void test_sim_refuses_real_root(void)
{
        g_autoptr(GError) error = NULL;
        NvKernel *kernel = nv_kernel_sim_new("/", &error);

        g_assert_null(kernel);
        g_assert_error(error, NV_ERRNO_ERROR, EOPNOTSUPP);
}

static void test_kmod_refuses_fake_root(void)
{
        g_autoptr(NvTestHost) tree = nv_test_host_new_preset(NV_TEST_PRESET_INTEL_LOADED);
        g_autoptr(GError) error = NULL;
        NvKernel *kernel = nv_kernel_kmod_new(nv_test_host_get_root(tree), &error);

        g_assert_null(kernel);
        g_assert_error(error, NV_ERRNO_ERROR, EOPNOTSUPP);
        g_assert_nonnull(strstr(error->message, nv_test_host_get_root(tree)));
}

int main(int argc, char *argv[])
{
        g_test_init(&argc, &argv, NULL);

        g_test_add_data_func("/reload/not-loaded/intel/enable", GINT_TO_POINTER(TRUE),
                             test_not_loaded_intel);
        g_test_add_data_func("/reload/not-loaded/intel/disable", GINT_TO_POINTER(FALSE),
                             test_not_loaded_intel);
        g_test_add_data_func("/reload/not-loaded/amd/enable", GINT_TO_POINTER(TRUE), test_not_loaded_amd);
        g_test_add_data_func("/reload/not-loaded/amd/disable", GINT_TO_POINTER(FALSE), test_not_loaded_amd);
        g_test_add_func("/reload/loaded/intel", test_loaded_intel);
        g_test_add_func("/reload/loaded/amd", test_loaded_amd);
        g_test_add_func("/reload/in-use/refcnt", test_in_use_refcnt);
        g_test_add_func("/reload/in-use/processes", test_in_use_processes);
        g_test_add_func("/reload/failure/rollback", test_rollback);
        g_test_add_func("/reload/failure/rollback-fails", test_rollback_fails);
        g_test_add_func("/reload/failure/not-loaded", test_load_fails_not_loaded);
        g_test_add_func("/reload/failure/unload", test_unload_fails);
        g_test_add_func("/reload/builtin", test_builtin);
        g_test_add_func("/reload/options/modprobe-loses", test_modprobe_loses);
        g_test_add_func("/reload/options/modprobe-invalid", test_modprobe_invalid);
        g_test_add_data_func("/reload/options/cmdline-loses/enable", GINT_TO_POINTER(TRUE),
                             test_cmdline_loses);
        g_test_add_data_func("/reload/options/cmdline-loses/disable", GINT_TO_POINTER(FALSE),
                             test_cmdline_loses);
        g_test_add_func("/reload/options/cmdline-applies", test_cmdline_applies);
        g_test_add_func("/reload/not-vendor-module", test_not_vendor_module);
        g_test_add_func("/sim/errors", test_sim_errors);
        g_test_add_func("/sim/refuses-real-root", test_sim_refuses_real_root);
        g_test_add_func("/kmod/refuses-fake-root", test_kmod_refuses_fake_root);

        return g_test_run();
}
