/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzzes the kernel's readings: a sysfs or modprobe value of "nested", a
 * module's initstate, the kernel command line, modules.builtin and
 * modules.dep; a uevent.
 */
#include "nv-kernel-param.h"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        g_autofree char *s = fuzz_strndup(data, size);
        g_autofree char *value = NULL;
        g_autofree char *dep_file = NULL;
        const char *p = s;
        NvKernelArg arg;
        int r;

        fuzz_setup();
        for (NvCpuVendor v = NV_CPU_VENDOR_UNKNOWN; v <= NV_CPU_VENDOR_AMD; v++) {
                r = nv_nested_value_parse(v, s);
                g_assert(r == 0 || r == 1 || r < 0);
        }
        (void)nv_module_state_from_sysfs(TRUE, s, FALSE);
        (void)nv_uevent_is_module((const char *)data, size);

        if (nv_cmdline_find_param(s, "kvm_intel", "nested", &value))
                g_assert(value == NULL || strlen(value) <= strlen(s));

        /* The splitter always moves forward and stays in the string. */
        while (nv_kernel_args_next(&p, &arg)) {
                g_assert(arg.word >= s && arg.word + arg.word_len <= s + strlen(s));
                g_assert(arg.param >= arg.word && arg.param + arg.param_len <= arg.word + arg.word_len);
                g_assert(!arg.value ||
                         (arg.value >= arg.param && arg.value + arg.value_len <= s + strlen(s)));
                g_assert(p > arg.word && p <= s + strlen(s));
        }

        /* modules.dep is modules.builtin with ": dependencies" after each
         * file: without a ':' or a NUL byte both read the same. What it
         * finds is a line's file, no longer than the input, naming the
         * module after its last '/'. */
        dep_file = nv_modules_dep_find((const char *)data, size, "kvm-amd");
        if (!memchr(data, ':', size) && !memchr(data, '\0', size))
                g_assert((dep_file != NULL) ==
                         nv_modules_builtin_contains((const char *)data, size, "kvm-amd"));
        /* A line at a time, modules.builtin reads as it does whole: its
         * first line names kvm-amd for one as for the other. */
        {
                const char *const modules[] = { "kvm", "kvm_amd", NULL };
                const uint8_t *newline = memchr(data, '\n', size);
                gsize first_len = newline ? (gsize)(newline - data) : size;
                int i = nv_modules_builtin_line_find((const char *)data, first_len, modules);

                g_assert(i >= -1 && i <= 1);
                if (first_len > 0 && !memchr(data, ':', first_len))
                        g_assert((i == 1) ==
                                 nv_modules_builtin_contains((const char *)data, first_len, "kvm-amd"));
        }
        if (dep_file) {
                const char *base = strrchr(dep_file, '/');
                g_autofree char *name = NULL;

                g_assert(strlen(dep_file) <= size);
                g_assert(strchr(dep_file, '\n') == NULL && strchr(dep_file, ':') == NULL);
                base = base ? base + 1 : dep_file;
                name = g_strndup(base, strcspn(base, "."));
                g_assert(nv_module_name_equal(name, "kvm_amd"));
        }
        return 0;
}
