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
#include "nv-kvm-users.h"
#include "nv-reload.h"
#include "nv-test-host.h"

/* Reloads the way the daemon does, with a host and a kernel for the tree,
 * both fresh: the plan on facts read now, the swap, and the outcome from
 * the facts read after it. */
/* What the daemon does before a reload's checks: look for the holders. */
static GArray *scan_users(NvHost *host)
{
        g_autofree char *proc = nv_host_path(host, "/proc");
        g_autoptr(GError) local_error = NULL;
        GArray *users = nv_kvm_users_scan(proc, NV_KVM_USERS_SCAN_DEFAULT, NULL, &local_error);

        g_assert_no_error(local_error);
        return users;
}

static char *reload(NvTestHost *tree, const char *module, gboolean nested, GError **error)
{
        g_autoptr(NvHost) host = nv_host_new(nv_test_host_get_root(tree));
        g_autoptr(NvKernel) kernel = NULL;
        g_autoptr(GError) local_error = NULL;
        g_auto(NvHostFacts) before = { 0 };
        g_auto(NvHostFacts) after = { 0 };
        g_auto(NvReloadPlan) plan = { 0 };
        g_autoptr(GArray) holders = NULL;

        kernel = nv_kernel_sim_new(nv_test_host_get_root(tree), &local_error);
        g_assert_no_error(local_error);
        holders = scan_users(host);
        nv_host_read_facts(host, &before);
        if (!nv_reload_plan(&before, module, nested, holders, NULL, &plan, error))
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

/* What a scenario adds to its preset's tree. */
static void amd_not_loaded(NvTestHost *tree)
{
        nv_test_host_unload_module(tree, "kvm_amd");
        nv_test_host_unload_module(tree, "kvm");
}

/* Held, but by no process we can see: another module, or a VM whose
 * descriptors were passed away. */
static void intel_held_by_kernel(NvTestHost *tree)
{
        nv_test_host_load_module(tree, "kvm_intel", 1, "N");
}

static void amd_held_by_vms(NvTestHost *tree)
{
        static const char *const qemu_fds[] = { "/dev/kvm", "anon_inode:kvm-vm", "anon_inode:kvm-vcpu:0",
                                                NULL };
        static const char *const firecracker_fds[] = { "socket:[99]", "/dev/kvm", NULL };

        nv_test_host_load_module(tree, "kvm_amd", 2, "1");
        nv_test_host_add_process(tree, 1234, "qemu-system-x86", qemu_fds);
        nv_test_host_add_process(tree, 99, "firecracker", firecracker_fds);
}

static void fail_load_nested_0(NvTestHost *tree)
{
        nv_test_host_write(tree, "/sim/fail-load", "nested=0\n");
}

static void fail_every_load(NvTestHost *tree)
{
        nv_test_host_write(tree, "/sim/fail-load", "nested=1\nnested=0\n");
}

static void fail_load_nested_1(NvTestHost *tree)
{
        nv_test_host_write(tree, "/sim/fail-load", "nested=1");
}

static void fail_unload(NvTestHost *tree)
{
        nv_test_host_write(tree, "/sim/fail-unload", "");
}

/* modprobe.d says nested=0; the option we pass comes after it and wins. */
static void modprobe_says_0(NvTestHost *tree)
{
        nv_test_host_write_modprobe(tree, "/etc/modprobe.d", "kvm.conf", "options kvm-intel nested=0\n");
        nv_test_host_write_modprobe(tree, "/usr/lib/modprobe.d", "zz-vendor.conf",
                                    "options kvm_intel nested=N\n");
}

/* The kernel checks every value it is given, not only the last: a "Y" for
 * kvm_amd in modprobe.d breaks every load, whatever we append. */
static void modprobe_invalid_for_amd(NvTestHost *tree)
{
        nv_test_host_write_modprobe(tree, "/etc/modprobe.d", "kvm.conf", "options kvm_amd nested=Y\n");
}

/* kmod appends the command line after modprobe.d, and our option after
 * both: ours wins. */
static void cmdline_says_0(NvTestHost *tree)
{
        nv_test_host_set_cmdline(tree, "ro quiet kvm-intel.nested=0");
}

static void cmdline_says_1(NvTestHost *tree)
{
        nv_test_host_set_cmdline(tree, "ro quiet kvm_intel.nested=1");
}

typedef struct {
        const char *host_path;
        const char *content; /* NULL: absent */
} FileCheck;

/* One reload: the tree before, the call, and what must come of it. */
typedef struct {
        const char *path;
        NvTestPreset preset;
        void (*prepare)(NvTestHost *tree); /* optional */
        const char *module;
        gboolean nested;
        int error_code;    /* an NvReloadError, or -1 for success */
        const char *value; /* returned on success */
        /* Parts the error message has, and one it must not have. */
        const char *message[4];
        const char *not_in_message;
        const char *log;    /* the simulator's, all of it */
        gboolean untouched; /* /sys/module as before */
        FileCheck files[6];
} ReloadCase;

static const ReloadCase reload_cases[] = {
        {
                "/reload/not-loaded/intel/enable",
                NV_TEST_PRESET_VENDOR_MODULE_NOT_LOADED,
                .module = "kvm_intel",
                .nested = TRUE,
                .error_code = -1,
                .value = "Y",
                .log = "load kvm_intel nested=1\n",
                /* modprobe pulled in kvm, which now counts kvm_intel. */
                .files = { { "/sys/module/kvm_intel/parameters/nested", "Y\n" },
                           { "/sys/module/kvm_intel/initstate", "live\n" },
                           { "/sys/module/kvm_intel/refcnt", "0\n" },
                           { "/sys/module/kvm/initstate", "live\n" },
                           { "/sys/module/kvm/refcnt", "1\n" } },
        },
        {
                "/reload/not-loaded/intel/disable",
                NV_TEST_PRESET_VENDOR_MODULE_NOT_LOADED,
                .module = "kvm_intel",
                .nested = FALSE,
                .error_code = -1,
                .value = "N",
                .log = "load kvm_intel nested=0\n",
                .files = { { "/sys/module/kvm_intel/parameters/nested", "N\n" },
                           { "/sys/module/kvm_intel/initstate", "live\n" },
                           { "/sys/module/kvm/refcnt", "1\n" } },
        },
        /* kvm_amd's nested is an int: 1/0, never Y/N. */
        {
                "/reload/not-loaded/amd/enable",
                NV_TEST_PRESET_AMD_LOADED,
                amd_not_loaded,
                .module = "kvm_amd",
                .nested = TRUE,
                .error_code = -1,
                .value = "1",
                .log = "load kvm_amd nested=1\n",
                .files = { { "/sys/module/kvm_amd/parameters/nested", "1\n" },
                           { "/sys/module/kvm/refcnt", "1\n" } },
        },
        {
                "/reload/not-loaded/amd/disable",
                NV_TEST_PRESET_AMD_LOADED,
                amd_not_loaded,
                .module = "kvm_amd",
                .nested = FALSE,
                .error_code = -1,
                .value = "0",
                .log = "load kvm_amd nested=0\n",
                .files = { { "/sys/module/kvm_amd/parameters/nested", "0\n" },
                           { "/sys/module/kvm/refcnt", "1\n" } },
        },
        /* s390x: kvm itself is the module that decides (an int, 0/1), and
         * nothing else holds it. */
        {
                "/reload/loaded/s390x",
                NV_TEST_PRESET_S390X,
                .module = "kvm",
                .nested = TRUE,
                .error_code = -1,
                .value = "1",
                .log = "unload kvm\nload kvm nested=1\n",
                .files = { { "/sys/module/kvm/parameters/nested", "1\n" },
                           { "/sys/module/kvm/initstate", "live\n" } },
        },
        {
                "/reload/loaded/intel",
                NV_TEST_PRESET_INTEL_LOADED,
                .module = "kvm_intel",
                .nested = TRUE,
                .error_code = -1,
                .value = "Y",
                .log = "unload kvm_intel\nload kvm_intel nested=1\n",
                /* Released by the unload, taken again by the load. */
                .files = { { "/sys/module/kvm_intel/parameters/nested", "Y\n" },
                           { "/sys/module/kvm/refcnt", "1\n" } },
        },
        {
                "/reload/loaded/amd",
                NV_TEST_PRESET_AMD_LOADED,
                /* Dashes, as a person types it. */
                .module = "kvm-amd",
                .nested = FALSE,
                .error_code = -1,
                .value = "0",
                .log = "unload kvm_amd\nload kvm_amd nested=0\n",
                .files = { { "/sys/module/kvm_amd/parameters/nested", "0\n" } },
        },
        {
                "/reload/in-use/refcnt",
                NV_TEST_PRESET_INTEL_LOADED,
                intel_held_by_kernel,
                .module = "kvm_intel",
                .nested = TRUE,
                .error_code = NV_RELOAD_ERROR_IN_USE,
                .message = { "kvm_intel is in use", "reference count is 1", "something in the kernel" },
                .log = "",
                .untouched = TRUE,
        },
        {
                "/reload/in-use/processes",
                NV_TEST_PRESET_AMD_LOADED,
                amd_held_by_vms,
                .module = "kvm_amd",
                .nested = FALSE,
                .error_code = NV_RELOAD_ERROR_IN_USE,
                .message = { "kvm_amd is in use by 99 (firecracker), 1234 (qemu-system-x86): shut these "
                             "virtual machines down and try again" },
                .log = "",
                .untouched = TRUE,
        },
        /* Why the new value failed, and that the old one is back. */
        {
                "/reload/failure/rollback",
                NV_TEST_PRESET_AMD_LOADED,
                fail_load_nested_0,
                .module = "kvm_amd",
                .nested = FALSE,
                .error_code = NV_RELOAD_ERROR_FAILED,
                .message = { "Cannot load kvm_amd with options \"nested=0\"", "simulated failure",
                             "kvm_amd was loaded back with nested=1" },
                .log = "unload kvm_amd\nload kvm_amd nested=0: EIO\nload kvm_amd nested=1\n",
                .files = { { "/sys/module/kvm_amd/initstate", "live\n" },
                           { "/sys/module/kvm_amd/parameters/nested", "1\n" },
                           { "/sys/module/kvm/refcnt", "1\n" } },
        },
        /* Both reasons, and where that leaves the host. */
        {
                "/reload/failure/rollback-fails",
                NV_TEST_PRESET_INTEL_LOADED,
                fail_every_load,
                .module = "kvm_intel",
                .nested = TRUE,
                .error_code = NV_RELOAD_ERROR_FAILED,
                .message = { "Cannot load kvm_intel with options \"nested=1\"",
                             "loading it back with nested=0 failed too", "kvm_intel is not loaded now" },
                .log = "unload kvm_intel\nload kvm_intel nested=1: EIO\nload kvm_intel nested=0: EIO\n",
                .files = { { "/sys/module/kvm_intel", NULL } },
        },
        /* Not loaded before, so nothing to load back. */
        {
                "/reload/failure/not-loaded",
                NV_TEST_PRESET_VENDOR_MODULE_NOT_LOADED,
                fail_load_nested_1,
                .module = "kvm_intel",
                .nested = TRUE,
                .error_code = NV_RELOAD_ERROR_FAILED,
                .message = { "simulated failure" },
                .not_in_message = "back",
                .log = "load kvm_intel nested=1: EIO\n",
                .files = { { "/sys/module/kvm_intel", NULL }, { "/sys/module/kvm", NULL } },
        },
        {
                "/reload/failure/unload",
                NV_TEST_PRESET_INTEL_LOADED,
                fail_unload,
                .module = "kvm_intel",
                .nested = TRUE,
                .error_code = NV_RELOAD_ERROR_FAILED,
                .message = { "Cannot unload kvm_intel" },
                .log = "unload kvm_intel: EIO\n",
                .files = { { "/sys/module/kvm_intel/parameters/nested", "N\n" } },
        },
        {
                "/reload/builtin",
                NV_TEST_PRESET_KVM_BUILTIN,
                .module = "kvm_intel",
                .nested = TRUE,
                .error_code = NV_RELOAD_ERROR_BUILTIN,
                .message = { "kvm_intel is built into the kernel; set kvm_intel.nested=1 on the kernel "
                             "command line and reboot" },
                .log = "",
                .untouched = TRUE,
        },
        {
                "/reload/options/modprobe-loses",
                NV_TEST_PRESET_INTEL_LOADED,
                modprobe_says_0,
                .module = "kvm_intel",
                .nested = TRUE,
                .error_code = -1,
                .value = "Y",
                .log = "unload kvm_intel\nload kvm_intel nested=1\n",
        },
        {
                "/reload/options/modprobe-invalid",
                NV_TEST_PRESET_AMD_LOADED,
                modprobe_invalid_for_amd,
                .module = "kvm_amd",
                .nested = TRUE,
                .error_code = NV_RELOAD_ERROR_FAILED,
                .message = { "kvm_amd: `Y' invalid for parameter `nested'", "failed too" },
                .log = "unload kvm_amd\nload kvm_amd nested=1: EINVAL\nload kvm_amd nested=1: EINVAL\n",
                .files = { { "/sys/module/kvm_amd", NULL } },
        },
        {
                "/reload/options/cmdline-loses/enable",
                NV_TEST_PRESET_INTEL_LOADED,
                cmdline_says_0,
                .module = "kvm_intel",
                .nested = TRUE,
                .error_code = -1,
                .value = "Y",
                .log = "unload kvm_intel\nload kvm_intel nested=1\n",
        },
        {
                "/reload/options/cmdline-loses/disable",
                NV_TEST_PRESET_INTEL_LOADED,
                cmdline_says_1,
                .module = "kvm_intel",
                .nested = FALSE,
                .error_code = -1,
                .value = "N",
                .log = "unload kvm_intel\nload kvm_intel nested=0\n",
        },
        /* Only the host's own vendor module is reloaded. */
        {
                "/reload/not-vendor-module",
                NV_TEST_PRESET_INTEL_LOADED,
                .module = "kvm_amd",
                .nested = TRUE,
                .error_code = NV_RELOAD_ERROR_FAILED,
                .log = "",
                .untouched = TRUE,
        },
};

static void test_reload_case(gconstpointer data)
{
        const ReloadCase *rc = data;
        g_autoptr(NvTestHost) tree = nv_test_host_new_preset(rc->preset);
        g_autoptr(GError) error = NULL;
        g_autofree char *value = NULL;
        g_autofree char *before = NULL;
        g_autofree char *log = NULL;

        if (rc->prepare)
                rc->prepare(tree);
        before = snapshot_modules(tree);

        value = reload(tree, rc->module, rc->nested, &error);
        if (rc->error_code < 0) {
                g_assert_no_error(error);
                g_assert_cmpstr(value, ==, rc->value);
        } else {
                g_assert_error(error, NV_RELOAD_ERROR, rc->error_code);
                g_assert_null(value);
                for (size_t i = 0; i < G_N_ELEMENTS(rc->message) && rc->message[i]; i++)
                        if (!strstr(error->message, rc->message[i]))
                                g_error("\"%s\" is not in \"%s\"", rc->message[i], error->message);
                if (rc->not_in_message)
                        g_assert_null(strstr(error->message, rc->not_in_message));
        }

        for (size_t i = 0; i < G_N_ELEMENTS(rc->files) && rc->files[i].host_path; i++) {
                if (rc->files[i].content)
                        assert_file(tree, rc->files[i].host_path, rc->files[i].content);
                else
                        assert_absent(tree, rc->files[i].host_path);
        }
        if (rc->untouched) {
                g_autofree char *after = snapshot_modules(tree);

                g_assert_cmpstr(after, ==, before);
        }
        log = read_log(tree);
        g_assert_cmpstr(log, ==, rc->log);
}

/* The load's link of kvm to its new holder, which a file check cannot
 * show. */
static void test_holder_link(void)
{
        g_autoptr(NvTestHost) tree = nv_test_host_new_preset(NV_TEST_PRESET_VENDOR_MODULE_NOT_LOADED);
        g_autoptr(GError) error = NULL;
        g_autofree char *value = reload(tree, "kvm_intel", TRUE, &error);

        g_assert_no_error(error);
        g_assert_cmpstr(value, ==, "Y");
        assert_link(tree, "/sys/module/kvm/holders/kvm_intel", "../../kvm_intel");
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

/* s390's kvm, as kvm_s390_init() up to Linux 6.19: nested=1 with
 * hpage=1 (from modprobe.d or the options) fails with EINVAL and leaves
 * no trace; either alone loads, and Linux 7.0 takes both. */
static void test_sim_s390_hpage(void)
{
        g_autoptr(NvTestHost) tree = nv_test_host_new_preset(NV_TEST_PRESET_S390X_HPAGE_PERSISTENT);
        g_autoptr(NvKernel) kernel = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *log = NULL;

        kernel = nv_kernel_sim_new(nv_test_host_get_root(tree), &error);
        g_assert_no_error(error);
        g_assert_true(kernel->ops->unload(kernel, "kvm", &error));
        g_assert_no_error(error);

        g_assert_false(kernel->ops->load(kernel, "kvm", "nested=1", &error));
        g_assert_error(error, NV_ERRNO_ERROR, EINVAL);
        g_assert_nonnull(strstr(error->message, "huge pages"));
        g_clear_error(&error);
        assert_absent(tree, "/sys/module/kvm");

        g_assert_true(kernel->ops->load(kernel, "kvm", "nested=0", &error));
        g_assert_no_error(error);
        assert_file(tree, "/sys/module/kvm/parameters/hpage", "1\n");
        assert_file(tree, "/sys/module/kvm/parameters/nested", "0\n");
        g_assert_true(kernel->ops->unload(kernel, "kvm", &error));

        nv_test_host_write(tree, "/etc/modprobe.d/s390-hpage.conf", "");
        g_assert_false(kernel->ops->load(kernel, "kvm", "nested=1 hpage=1", &error));
        g_assert_error(error, NV_ERRNO_ERROR, EINVAL);
        g_clear_error(&error);

        nv_test_host_write(tree, "/proc/sys/kernel/osrelease", "7.0.0-test\n");
        g_assert_true(kernel->ops->load(kernel, "kvm", "nested=1 hpage=1", &error));
        g_assert_no_error(error);
        assert_file(tree, "/sys/module/kvm/parameters/hpage", "1\n");

        log = read_log(tree);
        g_assert_cmpstr(log, ==,
                        "unload kvm\nload kvm nested=1: EINVAL\nload kvm nested=0\nunload kvm\n"
                        "load kvm nested=1 hpage=1: EINVAL\nload kvm nested=1 hpage=1\n");
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

        for (size_t i = 0; i < G_N_ELEMENTS(reload_cases); i++)
                g_test_add_data_func(reload_cases[i].path, &reload_cases[i], test_reload_case);
        g_test_add_func("/reload/not-loaded/holder-link", test_holder_link);
        g_test_add_func("/reload/options/cmdline-applies", test_cmdline_applies);
        g_test_add_func("/sim/errors", test_sim_errors);
        g_test_add_func("/sim/s390-hpage", test_sim_s390_hpage);
        g_test_add_func("/sim/refuses-real-root", test_sim_refuses_real_root);
        g_test_add_func("/kmod/refuses-fake-root", test_kmod_refuses_fake_root);

        return g_test_run();
}
