/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for nv-kernel-param: module names, module state from sysfs,
 * the kernel's reading of "nested", kernel command line lookup and
 * modules.builtin.
 */

#include "config.h"

#include <errno.h>
#include <string.h>

#include "nv-kernel-param.h"

static void test_name_normalize(void)
{
        g_autofree char *a = nv_module_name_normalize("kvm-intel");
        g_autofree char *b = nv_module_name_normalize("kvm_amd");
        g_autofree char *c = nv_module_name_normalize("--a-b_c--");
        g_autofree char *d = nv_module_name_normalize("");

        g_assert_cmpstr(a, ==, "kvm_intel");
        g_assert_cmpstr(b, ==, "kvm_amd");
        g_assert_cmpstr(c, ==, "__a_b_c__");
        g_assert_cmpstr(d, ==, "");
}

static void test_name_equal(void)
{
        g_assert_true(nv_module_name_equal("kvm-intel", "kvm_intel"));
        g_assert_true(nv_module_name_equal("kvm_intel", "kvm-intel"));
        g_assert_true(nv_module_name_equal("kvm_intel", "kvm_intel"));
        g_assert_true(nv_module_name_equal("kvm-amd", "kvm-amd"));
        g_assert_true(nv_module_name_equal("", ""));
        g_assert_false(nv_module_name_equal("kvm_intel", "kvm_amd"));
        g_assert_false(nv_module_name_equal("kvm", "kvm_intel"));
        g_assert_false(nv_module_name_equal("kvm_intel", "kvm"));
        g_assert_false(nv_module_name_equal("kvm_intel", "kvm_intel_x"));
        g_assert_false(nv_module_name_equal("kvm_intel", "KVM_INTEL"));
        g_assert_false(nv_module_name_equal("kvm.intel", "kvm_intel"));
        g_assert_false(nv_module_name_equal("", "kvm"));
}

static void test_module_state(void)
{
        static const struct {
                gboolean has_dir;
                const char *initstate;
                gboolean listed_builtin;
                NvModuleState expected;
        } cases[] = {
                { TRUE, "live\n", FALSE, NV_MODULE_STATE_LIVE },
                { TRUE, "live", FALSE, NV_MODULE_STATE_LIVE },
                { TRUE, "coming\n", FALSE, NV_MODULE_STATE_COMING },
                { TRUE, "going\n", FALSE, NV_MODULE_STATE_GOING },
                /* Built in, with parameters: a directory but no initstate. */
                { TRUE, NULL, FALSE, NV_MODULE_STATE_BUILTIN },
                /* Built in without parameters: no directory at all. */
                { FALSE, NULL, TRUE, NV_MODULE_STATE_BUILTIN },
                { TRUE, NULL, TRUE, NV_MODULE_STATE_BUILTIN },
                { FALSE, NULL, FALSE, NV_MODULE_STATE_ABSENT },
                { TRUE, "", FALSE, NV_MODULE_STATE_UNKNOWN },
                { TRUE, "\n", FALSE, NV_MODULE_STATE_UNKNOWN },
                { TRUE, "Live\n", FALSE, NV_MODULE_STATE_UNKNOWN },
                { TRUE, "live\n\n", FALSE, NV_MODULE_STATE_UNKNOWN },
                { TRUE, "lived\n", FALSE, NV_MODULE_STATE_UNKNOWN },
                { TRUE, "liv", FALSE, NV_MODULE_STATE_UNKNOWN },
                { TRUE, " live\n", FALSE, NV_MODULE_STATE_UNKNOWN },
                { TRUE, "unformed\n", FALSE, NV_MODULE_STATE_UNKNOWN },
        };

        for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_test_message("case %" G_GSIZE_FORMAT, i);
                g_assert_cmpint(nv_module_state_from_sysfs(cases[i].has_dir, cases[i].initstate,
                                                           cases[i].listed_builtin),
                                ==, cases[i].expected);
        }
}

typedef struct {
        const char *value;
        int expected;
} NestedCase;

static void check_nested(NvCpuVendor vendor, const NestedCase *cases, gsize n_cases)
{
        for (gsize i = 0; i < n_cases; i++) {
                g_test_message("%s: %s", nv_cpu_vendor_to_string(vendor),
                               cases[i].value ? cases[i].value : "(null)");
                g_assert_cmpint(nv_nested_value_parse(vendor, cases[i].value), ==, cases[i].expected);
        }
}

static void test_nested_intel(void)
{
        static const NestedCase cases[] = {
                { "Y", 1 },
                { "y", 1 },
                { "1", 1 },
                { "on", 1 },
                { "ON", 1 },
                { "Y\n", 1 },
                { "1\n", 1 },
                /* A bool parameter without a value is set. */
                { NULL, 1 },
                { "N", 0 },
                { "n", 0 },
                { "0", 0 },
                { "off", 0 },
                { "Off", 0 },
                { "N\n", 0 },
                /* kstrtobool() reads only the first one or two characters. */
                { "yes", 1 },
                { "no", 0 },
                { "10", 1 },
                { "0x1", 0 },
                { "2", -EINVAL },
                { "-1", -EINVAL },
                { "true", -EINVAL },
                { "o", -EINVAL },
                { "ox", -EINVAL },
                { "garbage", -EINVAL },
                { " Y", -EINVAL },
                { "", -EINVAL },
                { "\n", -EINVAL },
        };

        check_nested(NV_CPU_VENDOR_INTEL, cases, G_N_ELEMENTS(cases));
}

static void test_nested_amd(void)
{
        static const NestedCase cases[] = {
                { "1", 1 },
                { "1\n", 1 },
                { "0", 0 },
                { "0\n", 0 },
                { "0x1", 1 },
                { "0X1", 1 },
                { "0x0", 0 },
                { "2", 1 },
                /* kvm_amd checks "if (nested)": any nonzero int enables it. */
                { "-1", 1 },
                { "+1", 1 },
                { "-0", 0 },
                { "010", 1 },
                { "00", 0 },
                { "2147483647", 1 },
                { "-2147483648", 1 },
                { "0x7fffffff", 1 },
                /* An int parameter refuses what is not an int. */
                { "Y", -EINVAL },
                { "y", -EINVAL },
                { "N", -EINVAL },
                { "on", -EINVAL },
                { "off", -EINVAL },
                { NULL, -EINVAL },
                { "", -EINVAL },
                { "\n", -EINVAL },
                { "1\n\n", -EINVAL },
                { " 1", -EINVAL },
                { "1 ", -EINVAL },
                { "1x", -EINVAL },
                { "08", -EINVAL },
                { "0x", -EINVAL },
                { "0xg", -EINVAL },
                { "-+1", -EINVAL },
                { "+-1", -EINVAL },
                { "--1", -EINVAL },
                { "-", -EINVAL },
                { "2147483648", -EINVAL },
                { "-2147483649", -EINVAL },
                { "0x80000000", -EINVAL },
                { "99999999999999999999999999", -EINVAL },
                { "0xffffffffffffffffff", -EINVAL },
                { "garbage", -EINVAL },
        };

        check_nested(NV_CPU_VENDOR_AMD, cases, G_N_ELEMENTS(cases));
}

static void test_nested_unknown(void)
{
        static const NestedCase cases[] = {
                { "Y", 1 },
                { "y", 1 },
                { "1", 1 },
                { "2", 1 },
                { "0x1", 1 },
                { "Y\n", 1 },
                { "1\n", 1 },
                { "N", 0 },
                { "n", 0 },
                { "0", 0 },
                { "N\n", 0 },
                { "0\n", 0 },
                { "-1", -EINVAL },
                { "on", -EINVAL },
                { "yes", -EINVAL },
                { NULL, -EINVAL },
                { "", -EINVAL },
                { "YY", -EINVAL },
                { "garbage", -EINVAL },
        };

        check_nested(NV_CPU_VENDOR_UNKNOWN, cases, G_N_ELEMENTS(cases));
}

/* Splits @args and renders each word as "param" or "param=[value]". */
static char *split_args(const char *args)
{
        g_autoptr(GString) out = g_string_new(NULL);
        NvKernelArg arg;

        while (nv_kernel_args_next(&args, &arg)) {
                if (out->len > 0)
                        g_string_append_c(out, '|');
                g_string_append_len(out, arg.param, (gssize)arg.param_len);
                if (arg.value != NULL) {
                        g_string_append(out, "=[");
                        g_string_append_len(out, arg.value, (gssize)arg.value_len);
                        g_string_append_c(out, ']');
                }
        }

        return g_string_free(g_steal_pointer(&out), FALSE);
}

static void test_args_split(void)
{
        static const char *const cases[][2] = {
                { "", "" },
                { "   \t\n", "" },
                { "a b=1", "a|b=[1]" },
                { "  a\t\tb=1\n", "a|b=[1]" },
                { "a=\"x y\" b", "a=[x y]|b" },
                { "\"a=x y\" b", "a=[x y]|b" },
                { "\"a b\" c", "a b|c" },
                { "a=x\"y z\" b", "a=[x\"y z\"]|b" },
                { "a=\"x", "a=[x]" },
                { "a=\"x y", "a=[x y]" },
                { "a=\"", "a=[]" },
                { "a=", "a=[]" },
                { "a==b", "a=[=b]" },
                { "=a=b", "=a=[b]" },
                { "\"", "" },
                { "\"\"", "" },
                { "a\xa0"
                  "b",
                  "a|b" },
                { "a\r\nb", "a|b" },
                { "-- a", "--|a" },
        };

        for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autofree char *split = split_args(cases[i][0]);

                g_assert_cmpstr(split, ==, cases[i][1]);
        }
}

/* Looks @param of kvm_intel up in @cmdline; returns the value or "(none)"
 * for a bare parameter, NULL when absent. */
static char *lookup(const char *cmdline, const char *module, const char *param)
{
        char *value = (char *)"untouched";

        if (!nv_cmdline_find_param(cmdline, module, param, &value)) {
                g_assert_cmpstr(value, ==, "untouched");
                return NULL;
        }

        return value != NULL ? value : g_strdup("(none)");
}

static void test_cmdline(void)
{
        /* cmdline, module, expected value of its "nested" */
        static const char *const cases[][3] = {
                { "BOOT_IMAGE=/vmlinuz root=/dev/sda1 kvm_intel.nested=1 quiet\n", "kvm_intel", "1" },
                { "kvm-intel.nested=1", "kvm_intel", "1" },
                { "kvm_intel.nested=1", "kvm-intel", "1" },
                { "kvm-amd.nested=0", "kvm_amd", "0" },
                { "kvm_intel.nested=Y kvm_intel.nested=N", "kvm_intel", "N" },
                { "kvm_intel.nested=0 quiet kvm-intel.nested=1", "kvm_intel", "1" },
                { "kvm_intel.nested=\"1\"", "kvm_intel", "1" },
                { "\"kvm_intel.nested=0\"", "kvm_intel", "0" },
                { "kvm_intel.nested=\"1 2\" quiet", "kvm_intel", "1 2" },
                { "kvm_intel.nested", "kvm_intel", "(none)" },
                { "\"kvm_intel.nested\"", "kvm_intel", "(none)" },
                { "kvm_intel.nested=", "kvm_intel", "" },
                { "\tkvm_intel.nested=1\t", "kvm_intel", "1" },
                { "kvm_intel.nested=1\r\n", "kvm_intel", "1" },
                /* An unterminated quote runs to the end. */
                { "kvm_intel.nested=\"1 quiet", "kvm_intel", "1 quiet" },
                { "foo=\"kvm_intel.nested=0 kvm_intel.nested=1", "kvm_intel", NULL },
                /* What follows "--" belongs to init. */
                { "kvm_intel.nested=0 -- kvm_intel.nested=1", "kvm_intel", "0" },
                { "-- kvm_intel.nested=1", "kvm_intel", NULL },
                { "init=/bin/sh --verbose kvm_intel.nested=1", "kvm_intel", "1" },
                { "foo=\"a -- b\" kvm_intel.nested=1", "kvm_intel", "1" },
                /* Similar names are other parameters. */
                { "kvm_intel.nested_early=1", "kvm_intel", NULL },
                { "kvm_intel.nestedx=1 kvm_intel.xnested=1", "kvm_intel", NULL },
                { "kvm_intel_x.nested=1", "kvm_intel", NULL },
                { "xkvm_intel.nested=1", "kvm_intel", NULL },
                { "kvm.nested=1", "kvm_intel", NULL },
                { "kvm_amd.nested=1", "kvm_intel", NULL },
                { "kvm_intel.nested.x=1", "kvm_intel", NULL },
                { "nested=1", "kvm_intel", NULL },
                { "kvm_intel=nested", "kvm_intel", NULL },
                { "kvm_intel.=1", "kvm_intel", NULL },
                { "KVM_INTEL.nested=1", "kvm_intel", NULL },
                { "", "kvm_intel", NULL },
                { "\n", "kvm_intel", NULL },
        };

        for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autofree char *value = lookup(cases[i][0], cases[i][1], "nested");

                g_test_message("cmdline: %s", cases[i][0]);
                g_assert_cmpstr(value, ==, cases[i][2]);
        }
}

static void test_cmdline_param_dashes(void)
{
        g_autofree char *value = lookup("kvm_intel.enable-shadow-vmcs=0", "kvm-intel", "enable_shadow_vmcs");

        g_assert_cmpstr(value, ==, "0");
        g_assert_true(nv_cmdline_find_param("kvm_intel.nested=1", "kvm_intel", "nested", NULL));
        g_assert_false(nv_cmdline_find_param("kvm_intel.nested=1", "kvm_intel", "nested_early", NULL));
}

static void test_cmdline_huge(void)
{
        g_autoptr(GString) cmdline = g_string_new(NULL);
        g_autofree char *value = NULL;

        for (guint i = 0; i < 100000; i++)
                g_string_append_printf(cmdline, "kvm_intel.nested=%u ", i);
        value = lookup(cmdline->str, "kvm_intel", "nested");
        g_assert_cmpstr(value, ==, "99999");

        /* A quote left open makes everything one huge word. */
        g_string_assign(cmdline, "\"x ");
        for (guint i = 0; i < 100000; i++)
                g_string_append(cmdline, "kvm_intel.nested=1 ");
        g_assert_false(nv_cmdline_find_param(cmdline->str, "kvm_intel", "nested", NULL));
}

static const char builtin_text[] = "kernel/arch/x86/kvm/kvm.ko\n"
                                   "kernel/arch/x86/kvm/kvm-intel.ko\n"
                                   "kernel/drivers/block/loop.ko\n"
                                   "kernel/fs/ext4/ext4.ko.xz\n"
                                   "kernel/drivers/char/foo_bar-baz.ko";

static gboolean builtin_exact(const char *text, gsize len, const char *module)
{
        g_autofree char *copy = len > 0 ? g_memdup2(text, len) : NULL;

        return nv_modules_builtin_contains(copy, len, module);
}

static void test_modules_builtin(void)
{
        gsize len = sizeof(builtin_text) - 1;

        g_assert_true(builtin_exact(builtin_text, len, "kvm_intel"));
        g_assert_true(builtin_exact(builtin_text, len, "kvm-intel"));
        g_assert_true(builtin_exact(builtin_text, len, "kvm"));
        g_assert_true(builtin_exact(builtin_text, len, "loop"));
        g_assert_true(builtin_exact(builtin_text, len, "ext4"));
        /* Last line without a newline. */
        g_assert_true(builtin_exact(builtin_text, len, "foo-bar_baz"));
        g_assert_false(builtin_exact(builtin_text, len, "kvm_amd"));
        g_assert_false(builtin_exact(builtin_text, len, "kvm_inte"));
        g_assert_false(builtin_exact(builtin_text, len, "intel"));
        g_assert_false(builtin_exact(builtin_text, len, "x86"));
        g_assert_false(builtin_exact(builtin_text, len, "ko"));
        g_assert_false(builtin_exact(builtin_text, len, ""));

        /* Only @len bytes count. */
        g_assert_false(builtin_exact(builtin_text, strlen("kernel/arch/x86/kvm/kvm.ko\n"), "kvm_intel"));
        g_assert_false(builtin_exact(NULL, 0, "kvm_intel"));
        g_assert_false(builtin_exact("\n\n", 2, "kvm_intel"));
        g_assert_false(builtin_exact("kernel/x/kvm-intel-foo.ko\n", 26, "kvm_intel"));
        g_assert_true(builtin_exact("kvm_intel.ko", 12, "kvm_intel"));
        g_assert_true(builtin_exact("a/kvm_intel", 11, "kvm_intel"));
        g_assert_false(builtin_exact("a/kvm_intel/", 12, "kvm_intel"));
        g_assert_false(builtin_exact("kvm_in\0tel.ko\n", 14, "kvm_intel"));
        g_assert_true(builtin_exact("\0\nkernel/kvm-intel.ko\r\n", 23, "kvm_intel"));
}

/* arm64 nests from Linux 6.16. */
static void test_kernel_release(void)
{
        g_assert_true(nv_kernel_release_at_least("6.16.0-1-arm64", 6, 16));
        g_assert_true(nv_kernel_release_at_least("6.16", 6, 16));
        g_assert_true(nv_kernel_release_at_least("6.17.2", 6, 16));
        g_assert_true(nv_kernel_release_at_least("7.0.0-rc1", 6, 16));
        g_assert_false(nv_kernel_release_at_least("6.15.9-arm64", 6, 16));
        g_assert_false(nv_kernel_release_at_least("6.1.0-test", 6, 16));
        g_assert_false(nv_kernel_release_at_least("5.99", 6, 16));
        g_assert_false(nv_kernel_release_at_least("6", 6, 16));
        g_assert_false(nv_kernel_release_at_least("6.x", 6, 16));
        g_assert_false(nv_kernel_release_at_least("", 6, 16));
        g_assert_false(nv_kernel_release_at_least(NULL, 6, 16));
}

/* One line at a time, for several modules at once: the index of the one
 * the line names. */
static void test_modules_builtin_line(void)
{
        const char *const modules[] = { "kvm", "kvm_intel", "kvm_amd", NULL };

#define LINE_FIND(line) nv_modules_builtin_line_find(line, strlen(line), modules)
        g_assert_cmpint(LINE_FIND("kernel/arch/x86/kvm/kvm.ko"), ==, 0);
        g_assert_cmpint(LINE_FIND("kernel/arch/x86/kvm/kvm-intel.ko"), ==, 1);
        g_assert_cmpint(LINE_FIND("kvm_amd.ko.xz"), ==, 2);
        g_assert_cmpint(LINE_FIND("kernel/arch/x86/kvm/kvm-intelx.ko"), ==, -1);
        g_assert_cmpint(LINE_FIND("kernel/arch/x86/kvm/.ko"), ==, -1);
        g_assert_cmpint(LINE_FIND(""), ==, -1);
        /* One line only. */
        g_assert_cmpint(LINE_FIND("kernel/loop.ko\nkernel/kvm.ko"), ==, -1);
#undef LINE_FIND
}

/* What the kernel sends for a module, and for other subsystems. */
static void test_uevent_is_module(void)
{
        static const char module[] = "add@/module/kvm_intel\0ACTION=add\0DEVPATH=/module/kvm_intel\0"
                                     "SUBSYSTEM=module\0SEQNUM=4242";
        static const char misc[] = "change@/devices/virtual/misc/kvm\0ACTION=change\0"
                                   "DEVPATH=/devices/virtual/misc/kvm\0SUBSYSTEM=misc\0MAJOR=10\0MINOR=232";
        static const char prefix[] = "add@/x\0SUBSYSTEM=modules\0SUBSYSTEM=modul";
        const char *subsystem = module + sizeof("add@/module/kvm_intel") + sizeof("ACTION=add") +
                                sizeof("DEVPATH=/module/kvm_intel");

        g_assert_true(nv_uevent_is_module(module, sizeof(module)));
        /* The last field without its NUL, as a message may end. */
        g_assert_true(nv_uevent_is_module(module, sizeof(module) - 1));
        g_assert_false(nv_uevent_is_module(misc, sizeof(misc)));
        g_assert_false(nv_uevent_is_module(prefix, sizeof(prefix) - 1));
        /* Cut inside the field: not the whole word. */
        g_assert_false(nv_uevent_is_module(module, subsystem - module + strlen("SUBSYSTEM=modul")));
        g_assert_false(nv_uevent_is_module("", 0));
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);

        g_test_add_func("/kernel-param/name/normalize", test_name_normalize);
        g_test_add_func("/kernel-param/name/equal", test_name_equal);
        g_test_add_func("/kernel-param/module-state/sysfs", test_module_state);
        g_test_add_func("/kernel-param/nested/intel-bool", test_nested_intel);
        g_test_add_func("/kernel-param/nested/amd-int", test_nested_amd);
        g_test_add_func("/kernel-param/nested/unknown-vendor", test_nested_unknown);
        g_test_add_func("/kernel-param/args/split", test_args_split);
        g_test_add_func("/kernel-param/cmdline/lookup", test_cmdline);
        g_test_add_func("/kernel-param/cmdline/param-dashes", test_cmdline_param_dashes);
        g_test_add_func("/kernel-param/cmdline/huge", test_cmdline_huge);
        g_test_add_func("/kernel-param/modules-builtin", test_modules_builtin);
        g_test_add_func("/kernel-param/modules-builtin-line", test_modules_builtin_line);
        g_test_add_func("/kernel-param/kernel-release", test_kernel_release);
        g_test_add_func("/kernel-param/uevent-is-module", test_uevent_is_module);

        return g_test_run();
}
