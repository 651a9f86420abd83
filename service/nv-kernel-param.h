/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel's rules for module names and parameters, as pure functions:
 * '-' and '_' are the same in module and parameter names; what a value of
 * "nested" means for kvm_intel (a bool) and kvm_amd (an int); how the
 * kernel command line passes module parameters; what /sys/module says
 * about a module's state; which modules modules.builtin and modules.dep
 * list; which uevents are a module's.
 */
#pragma once

#include <glib.h>

#include "nv-cpuinfo.h"

/* Returns a copy of @name with every '-' replaced by '_'. */
char *nv_module_name_normalize(const char *name);

/* TRUE when @a and @b name the same module or parameter ('-' == '_'). */
gboolean nv_module_name_equal(const char *a, const char *b);

typedef enum {
        NV_MODULE_STATE_ABSENT,  /* not in the running kernel */
        NV_MODULE_STATE_LIVE,    /* loadable module, loaded */
        NV_MODULE_STATE_COMING,  /* being loaded */
        NV_MODULE_STATE_GOING,   /* being unloaded */
        NV_MODULE_STATE_BUILTIN, /* compiled into the kernel */
        NV_MODULE_STATE_UNKNOWN, /* sysfs said something we do not understand */
} NvModuleState;

/*
 * Interprets /sys/module/NAME: @has_dir tells whether the directory exists;
 * @initstate is the content of its initstate file (trailing newline
 * allowed) or NULL when there is none; @listed_builtin tells whether
 * modules.builtin lists the module. Loadable modules always have an
 * initstate; a directory without one (only built-in modules with
 * parameters get one) or a module listed in modules.builtin is built in.
 */
NvModuleState nv_module_state_from_sysfs(gboolean has_dir, const char *initstate, gboolean listed_builtin);

/*
 * What a value of the "nested" parameter of @vendor's module means, with
 * the kernel's own parsers: kvm_intel's is a bool (kstrtobool: y, Y, 1,
 * "on" are true; n, N, 0, "off" are false; a parameter given without a
 * value, @value == NULL, is true), kvm_amd's is an int (kstrtoint with
 * base 0, so "0x1" counts; nonzero is enabled; NULL is invalid). One
 * trailing newline is allowed, as in a sysfs read. Returns 1 when enabled,
 * 0 when disabled, -EINVAL when the kernel would refuse the value (for an
 * unknown vendor: Y/y/1 and positive integers are enabled, N/n/0 are
 * disabled).
 */
int nv_nested_value_parse(NvCpuVendor vendor, const char *value);

/*
 * Looks up MODULE.PARAM=VALUE on a kernel command line (@cmdline, the
 * text of /proc/cmdline) the way the kernel and kmod read it: words split
 * at whitespace, double quotes protect spaces in a value, module and
 * parameter names compare with '-' == '_', the last occurrence wins, and
 * "--" ends the kernel's parameters. Returns TRUE when found; *ret_value
 * (optional) gets a copy of the value without quotes, or NULL for
 * "MODULE.PARAM" without '='.
 */
gboolean nv_cmdline_find_param(const char *cmdline, const char *module, const char *param, char **ret_value);

/*
 * One word of a kernel parameter string as the kernel's next_arg() splits
 * it. The spans point into the string given to nv_kernel_args_next() and
 * are not NUL-terminated.
 */
typedef struct {
        const char *word; /* the whole word, quotes included */
        gsize word_len;
        const char *param;
        gsize param_len;
        const char *value; /* NULL for a word without '=' */
        gsize value_len;
} NvKernelArg;

/*
 * Splits the next word off *@args (NUL-terminated) the way the kernel's
 * next_arg() splits module options and the command line: words at
 * whitespace (the kernel's isspace(), which includes 0xA0), "PARAM=VALUE"
 * at the first '=', double quotes protect whitespace, and one quote at the
 * start of the word or of the value, with its partner at the end of the
 * word, is dropped. Returns FALSE at the end of the string; otherwise
 * fills @arg and advances *@args past the word.
 */
gboolean nv_kernel_args_next(const char **args, NvKernelArg *arg);

/* TRUE when the parameter name of @arg is @name ('-' == '_'). */
gboolean nv_kernel_arg_param_is(const NvKernelArg *arg, const char *name);

/*
 * TRUE when the text of modules.builtin (@len bytes; one path a line, like
 * "kernel/arch/x86/kvm/kvm-intel.ko") lists @module (any '-'/'_' form).
 */
gboolean nv_modules_builtin_contains(const char *text, gsize len, const char *module);

/*
 * The same for one line of modules.builtin (@len bytes, without a
 * newline) and a NULL-terminated list of @modules: the index of the one
 * the line names, or -1. For a reader that goes through the file once,
 * a line at a time, for several modules.
 */
int nv_modules_builtin_line_find(const char *line, gsize len, const char *const *modules);

/*
 * The file that the text of modules.dep (@len bytes; one module file a
 * line, then ':' and the files it depends on, like
 * "kernel/arch/x86/kvm/kvm-amd.ko.xz: kernel/arch/x86/kvm/kvm.ko.xz")
 * gives for @module (any '-'/'_' form), as written there: relative to the
 * kernel's module directory (/lib/modules/RELEASE), or absolute where an
 * old depmod wrote it so. NULL when no entry names @module; dependencies
 * do not count. modprobe loads that file, so it only can when the file
 * exists: modules.dep still names it after it is gone, until depmod runs
 * again, and whether it exists is the caller's to find out.
 */
char *nv_modules_dep_find(const char *text, gsize len, const char *module);

/* TRUE when the kernel release @release ("6.16.0-1-arm64", "6.1.0-test")
 * is @major.@minor or later; FALSE for one that does not start with
 * "MAJOR.MINOR". */
gboolean nv_kernel_release_at_least(const char *release, guint major, guint minor);

/* TRUE when the kernel uevent @message of @len bytes ("ACTION@DEVPATH",
 * then "KEY=VALUE" fields, each ended by a NUL) is a module's: it has the
 * field SUBSYSTEM=module. */
gboolean nv_uevent_is_module(const char *message, gsize len);
