/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The simulated kernel of nv-kernel-sim.h. It reuses the daemon's own
 * parsers for modprobe.d and the command line: what is under test here is
 * the reload logic and the daemon around it, not those parsers, which have
 * unit tests of their own.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nv-errno.h"
#include "nv-host.h"
#include "nv-kernel-param.h"
#include "nv-kernel-sim.h"
#include "nv-modprobe-files.h"

typedef struct {
        NvKernel parent;
        char *root;
} NvKernelSim;

static char *sim_path(NvKernelSim *sim, const char *host_path)
{
        return g_build_filename(sim->root, host_path, NULL);
}

static char *module_path(NvKernelSim *sim, const char *module, const char *file)
{
        g_autofree char *host_path = g_build_filename("/sys/module", module, file, NULL);

        return sim_path(sim, host_path);
}

static NvCpuVendor vendor_of_module(const char *module)
{
        if (g_str_equal(module, "kvm_intel"))
                return NV_CPU_VENDOR_INTEL;
        if (g_str_equal(module, "kvm_amd"))
                return NV_CPU_VENDOR_AMD;
        return NV_CPU_VENDOR_UNKNOWN;
}

/* How a module takes "nested": read as which x86 vendor's module reads it
 * (kvm_intel's bool, or kvm_amd's int), shown as Y/N or 1/0, and its
 * default. */
typedef struct {
        NvCpuVendor read_as;
        gboolean shows_yn;
        int default_value;
        gboolean has_hpage; /* s390's kvm: "hpage" too, which excludes nesting */
} NestedParam;

static char *read_file(const char *path);

/* FALSE for a module without "nested". */
static gboolean nested_param_of(NvKernelSim *sim, const char *module, NestedParam *ret)
{
        g_autofree char *arch_path = NULL;
        g_autofree char *arch = NULL;

        if (g_str_equal(module, "kvm_intel")) {
                *ret = (NestedParam){ NV_CPU_VENDOR_INTEL, TRUE, 1 };
                return TRUE;
        }
        if (g_str_equal(module, "kvm_amd")) {
                *ret = (NestedParam){ NV_CPU_VENDOR_AMD, FALSE, 1 };
                return TRUE;
        }
        /* s390's kvm: "static int nested", 0 unless set, read as
         * "if (nested)" (arch/s390/kvm/kvm-s390.c). */
        arch_path = sim_path(sim, "/proc/sys/kernel/arch");
        arch = read_file(arch_path);
        if (g_str_equal(module, "kvm") && arch && g_str_has_prefix(arch, "s390x")) {
                *ret = (NestedParam){ NV_CPU_VENDOR_AMD, FALSE, 0, TRUE };
                return TRUE;
        }
        return FALSE;
}

/* Sets @error as the kernel reports @errnum, and returns @errnum. */
static int G_GNUC_PRINTF(3, 4) fail_errno(GError **error, int errnum, const char *format, ...)
{
        va_list ap;

        va_start(ap, format);
        nv_errno_error_set_valist(error, errnum, format, ap);
        va_end(ap);
        return errnum;
}

/* The tree could not be updated: a broken test setup, reported as EIO. */
static gboolean G_GNUC_PRINTF(3, 4) fail_io(GError **error, int errnum, const char *format, ...)
{
        g_autofree char *message = NULL;
        va_list ap;

        va_start(ap, format);
        message = g_strdup_vprintf(format, ap);
        va_end(ap);
        g_set_error(error, NV_ERRNO_ERROR, EIO, "%s: %s", message, g_strerror(errnum));
        return FALSE;
}

/* Writes in place, as sysfs attributes are: they keep their inode. */
static gboolean write_file(const char *path, const char *contents, GError **error)
{
        g_autofree char *dir = g_path_get_dirname(path);
        gsize len = strlen(contents);
        int fd;

        if (g_mkdir_with_parents(dir, 0755) < 0)
                return fail_io(error, errno, "Cannot create %s", dir);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return fail_io(error, errno, "Cannot open %s", path);
        while (len > 0) {
                ssize_t n = write(fd, contents, len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        int saved = errno;

                        close(fd);
                        return fail_io(error, saved, "Cannot write %s", path);
                }
                contents += n;
                len -= (gsize)n;
        }
        if (close(fd) < 0)
                return fail_io(error, errno, "Cannot write %s", path);
        return TRUE;
}

static char *read_file(const char *path)
{
        char *text = NULL;

        if (!g_file_get_contents(path, &text, NULL, NULL))
                return NULL;
        return text;
}

static gboolean read_count(const char *path, guint64 *ret)
{
        g_autofree char *text = read_file(path);

        return text && g_ascii_string_to_unsigned(g_strstrip(text), 10, 0, G_MAXUINT64, ret, NULL);
}

static gboolean write_count(const char *path, guint64 value, GError **error)
{
        g_autofree char *text = g_strdup_printf("%" G_GUINT64_FORMAT "\n", value);

        return write_file(path, text, error);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

/* FTW_PHYS: holders/ holds links into other modules' directories. */
static gboolean remove_tree(const char *path, GError **error)
{
        if (nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT)
                return fail_io(error, errno, "Cannot remove %s", path);
        return TRUE;
}

static void append_log(NvKernelSim *sim, const char *op, const char *module, const char *options, int errnum)
{
        g_autofree char *dir = sim_path(sim, "/sim");
        g_autofree char *path = sim_path(sim, "/sim/log");
        g_autoptr(GString) line = g_string_new(op);
        int fd;

        g_string_append_printf(line, " %s", module);
        if (options && *options)
                g_string_append_printf(line, " %s", options);
        if (errnum != 0) {
                const char *name = strerrorname_np(errnum);

                g_string_append_printf(line, ": %s", name ? name : "error");
        }
        g_string_append_c(line, '\n');

        /* The log is how tests see what happened: failing to write it must
         * fail them, not pass silently. */
        if (g_mkdir_with_parents(dir, 0755) < 0)
                g_error("Cannot create %s: %s", dir, g_strerror(errno));
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0 || write(fd, line->str, line->len) != (ssize_t)line->len)
                g_error("Cannot write %s: %s", path, g_strerror(errno));
        close(fd);
}

/* TRUE when ROOT/sim/fail-load names a string that @options contain. */
static gboolean load_failure_injected(NvKernelSim *sim, const char *options)
{
        g_autofree char *path = sim_path(sim, "/sim/fail-load");
        g_autofree char *text = read_file(path);
        g_auto(GStrv) lines = NULL;

        if (!text || !options)
                return FALSE;
        lines = g_strsplit(text, "\n", -1);
        for (char **l = lines; *l; l++) {
                const char *wanted = g_strstrip(*l);

                if (*wanted && strstr(options, wanted))
                        return TRUE;
        }
        return FALSE;
}

/* What the kernel's parse_args() does with one "nested" value: check it at
 * once, so that the load fails at the first bad one. */
static gboolean apply_nested(const char *module, NvCpuVendor vendor, const char *value, int *nested,
                             GError **error)
{
        int r = nv_nested_value_parse(vendor, value);

        if (r < 0) {
                fail_errno(error, EINVAL,
                           "the kernel refused the options: %s: `%s' invalid for parameter `nested'", module,
                           value ? value : "");
                return FALSE;
        }
        *nested = r;
        return TRUE;
}

/*
 * Every value of @param that the kernel gets when modprobe loads @module
 * with @options, NULL for a bare "param", in libkmod's order: the
 * modprobe.d files in the order it reads them, then the command line, then
 * the caller's options.
 */
static GPtrArray *param_values(NvKernelSim *sim, const char *module, const char *param, const char *options)
{
        GPtrArray *values = g_ptr_array_new_with_free_func(g_free);
        g_auto(GStrv) files = nv_modprobe_list_files(sim->root);
        g_autofree char *cmdline_path = sim_path(sim, "/proc/cmdline");
        g_autofree char *cmdline = read_file(cmdline_path);
        g_autofree char *cmdline_value = NULL;
        const char *p = options ? options : "";
        NvKernelArg arg;

        for (char **f = files; *f; f++) {
                g_autofree char *path = sim_path(sim, *f);
                g_autofree char *text = read_file(path);
                g_auto(NvModprobeOption) option = { 0 };

                if (text && nv_modprobe_find_option(text, strlen(text), module, param, &option))
                        g_ptr_array_add(values, option.has_value ? g_steal_pointer(&option.value) : NULL);
        }
        if (cmdline && nv_cmdline_find_param(cmdline, module, param, &cmdline_value))
                g_ptr_array_add(values, g_steal_pointer(&cmdline_value));
        while (nv_kernel_args_next(&p, &arg))
                if (nv_kernel_arg_param_is(&arg, param))
                        g_ptr_array_add(values, arg.value ? g_strndup(arg.value, arg.value_len) : NULL);
        return values;
}

/* The value of "nested" the kernel ends up with when modprobe loads
 * @module with @options: 1 or 0, or -1 for a module without it. */
static gboolean compute_nested(NvKernelSim *sim, const char *module, const char *options, int *ret,
                               GError **error)
{
        g_autoptr(GPtrArray) values = NULL;
        NestedParam param;
        int nested;

        if (!nested_param_of(sim, module, &param)) {
                *ret = -1;
                return TRUE;
        }
        nested = param.default_value;
        values = param_values(sim, module, "nested", options);
        for (guint i = 0; i < values->len; i++)
                if (!apply_nested(module, param.read_as, g_ptr_array_index(values, i), &nested, error))
                        return FALSE;
        *ret = nested;
        return TRUE;
}

/* Whether @module has "hpage" (s390's kvm). */
static gboolean has_hpage_param(NvKernelSim *sim, const char *module)
{
        NestedParam param;

        return nested_param_of(sim, module, &param) && param.has_hpage;
}

/* s390's kvm "hpage" (an int, 0 unless set) when modprobe loads @module
 * with @options; 0 for a module without it. */
static int compute_hpage(NvKernelSim *sim, const char *module, const char *options)
{
        g_autoptr(GPtrArray) values = NULL;
        gint64 hpage = 0;

        if (!has_hpage_param(sim, module))
                return 0;
        values = param_values(sim, module, "hpage", options);
        if (values->len > 0 && !g_ascii_string_to_signed(g_ptr_array_index(values, values->len - 1), 10,
                                                         G_MININT, G_MAXINT, &hpage, NULL))
                hpage = 0;
        return (int)hpage;
}

/* kvm_s390_init() up to Linux 6.19: "A KVM host that supports nesting
 * cannot back its KVM guests with huge pages" (-EINVAL); Linux 7.0's new
 * gmap code dropped the check. */
static gboolean hpage_excludes_nesting(NvKernelSim *sim)
{
        g_autofree char *path = sim_path(sim, "/proc/sys/kernel/osrelease");
        g_autofree char *release = read_file(path);

        return !nv_kernel_release_at_least(release, 7, 0);
}

/* Loads "kvm" if needed and makes it count @module as a holder. */
static gboolean hold_kvm(NvKernelSim *sim, const char *module, GError **error)
{
        g_autofree char *dir = module_path(sim, "kvm", NULL);
        g_autofree char *initstate = module_path(sim, "kvm", "initstate");
        g_autofree char *refcnt = module_path(sim, "kvm", "refcnt");
        g_autofree char *holder = g_build_filename(dir, "holders", module, NULL);
        g_autofree char *target = g_build_filename("..", "..", module, NULL);
        g_autofree char *holders = g_build_filename(dir, "holders", NULL);
        guint64 count = 0;

        if (!g_file_test(initstate, G_FILE_TEST_EXISTS)) {
                /* Built in: always there, never counted. */
                if (g_file_test(dir, G_FILE_TEST_IS_DIR))
                        return TRUE;
                if (!write_count(refcnt, 0, error) || !write_file(initstate, "live\n", error))
                        return FALSE;
        }

        if (!read_count(refcnt, &count))
                count = 0;
        if (!write_count(refcnt, count + 1, error))
                return FALSE;
        if (g_mkdir_with_parents(holders, 0755) < 0)
                return fail_io(error, errno, "Cannot create %s", holders);
        if (symlink(target, holder) < 0 && errno != EEXIST)
                return fail_io(error, errno, "Cannot create %s", holder);
        return TRUE;
}

static void release_kvm(NvKernelSim *sim, const char *module)
{
        g_autofree char *initstate = module_path(sim, "kvm", "initstate");
        g_autofree char *refcnt = module_path(sim, "kvm", "refcnt");
        g_autofree char *holder = module_path(sim, "kvm", "holders");
        g_autofree char *link = g_build_filename(holder, module, NULL);
        guint64 count = 0;

        if (!g_file_test(initstate, G_FILE_TEST_EXISTS))
                return;
        if (read_count(refcnt, &count) && count > 0 && !write_count(refcnt, count - 1, NULL))
                g_warning("Cannot update %s", refcnt);
        if (unlink(link) < 0 && errno != ENOENT)
                g_warning("Cannot remove %s: %s", link, g_strerror(errno));
}

/* The parameters that decide how fast nested guests are, as a vendor
 * module on a modern CPU shows them after a plain load. */
static gboolean write_acceleration_defaults(NvKernelSim *sim, const char *module, GError **error)
{
        static const char *const intel[][2] = {
                { "ept", "Y\n" },
                { "enable_shadow_vmcs", "Y\n" },
                { "enable_apicv", "Y\n" },
                { "unrestricted_guest", "Y\n" },
        };
        static const char *const amd[][2] = {
                { "npt", "Y\n" }, { "vgif", "1\n" }, { "vls", "1\n" }, { "avic", "N\n" }
        };
        NvCpuVendor vendor = vendor_of_module(module);
        const char *const(*params)[2] = vendor == NV_CPU_VENDOR_INTEL ? intel : amd;
        gsize n = vendor == NV_CPU_VENDOR_INTEL ? G_N_ELEMENTS(intel) : G_N_ELEMENTS(amd);

        if (vendor == NV_CPU_VENDOR_UNKNOWN)
                return TRUE;
        for (gsize i = 0; i < n; i++) {
                g_autofree char *rel = g_build_filename("parameters", params[i][0], NULL);
                g_autofree char *path = module_path(sim, module, rel);

                if (!write_file(path, params[i][1], error))
                        return FALSE;
        }
        return TRUE;
}

/* Returns 0, or the errno init_module() or modprobe would fail with. */
static int sim_do_load(NvKernelSim *sim, const char *module, const char *options, GError **error)
{
        g_autofree char *dir = module_path(sim, module, NULL);
        g_autofree char *initstate = module_path(sim, module, "initstate");
        g_autofree char *refcnt = module_path(sim, module, "refcnt");
        g_autofree char *nested_path = module_path(sim, module, "parameters/nested");
        g_autofree char *holders = module_path(sim, module, "holders");
        g_autofree char *hpage_path = module_path(sim, module, "parameters/hpage");
        int nested = -1;
        int hpage;

        if (load_failure_injected(sim, options))
                return fail_errno(error, EIO, "simulated failure");
        if (g_file_test(initstate, G_FILE_TEST_EXISTS))
                return fail_errno(error, EEXIST, "it is already loaded");
        if (g_file_test(dir, G_FILE_TEST_IS_DIR))
                return fail_errno(error, EEXIST, "it is built into the kernel");

        /* Options are checked before anything appears in /sys/module:
         * a module refused at load leaves no trace. */
        if (!compute_nested(sim, module, options, &nested, error))
                return EINVAL;
        hpage = compute_hpage(sim, module, options);
        if (nested > 0 && hpage != 0 && hpage_excludes_nesting(sim))
                return fail_errno(
                        error, EINVAL,
                        "kvm: A KVM host that supports nesting cannot back its KVM guests with huge "
                        "pages (nested and hpage both set)");

        if (vendor_of_module(module) != NV_CPU_VENDOR_UNKNOWN && !hold_kvm(sim, module, error))
                return EIO;

        if (g_mkdir_with_parents(holders, 0755) < 0) {
                fail_io(error, errno, "Cannot create %s", holders);
                return EIO;
        }
        if (!write_count(refcnt, 0, error))
                return EIO;
        if (nested >= 0) {
                NestedParam param;
                const char *text;

                if (nested_param_of(sim, module, &param) && param.shows_yn)
                        text = nested ? "Y\n" : "N\n";
                else
                        text = nested ? "1\n" : "0\n";
                if (!write_file(nested_path, text, error))
                        return EIO;
        }
        if (has_hpage_param(sim, module) && !write_file(hpage_path, hpage ? "1\n" : "0\n", error))
                return EIO;
        if (!write_acceleration_defaults(sim, module, error))
                return EIO;
        /* Last, as the kernel makes a module live only once it is set up. */
        if (!write_file(initstate, "live\n", error))
                return EIO;
        return 0;
}

/* A load that takes as long as the test wants: with ROOT/sim/load-gate, a
 * FIFO, the load says so in ROOT/sim/load-waiting and blocks until a byte
 * comes through the gate, as a module's init may block for long. */
static void wait_at_load_gate(NvKernelSim *sim)
{
        g_autofree char *gate = sim_path(sim, "/sim/load-gate");
        g_autofree char *waiting = sim_path(sim, "/sim/load-waiting");
        char byte;
        int fd;

        if (!g_file_test(gate, G_FILE_TEST_EXISTS))
                return;
        if (!g_file_set_contents(waiting, "", 0, NULL))
                g_warning("Cannot write %s", waiting);
        fd = open(gate, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                g_warning("Cannot open %s: %s", gate, g_strerror(errno));
        } else {
                while (read(fd, &byte, 1) < 0 && errno == EINTR)
                        ;
                close(fd);
        }
        unlink(waiting);
}

static gboolean sim_load(NvKernel *kernel, const char *module, const char *options, GError **error)
{
        NvKernelSim *sim = (NvKernelSim *)kernel;
        g_autofree char *name = nv_module_name_normalize(module);
        g_autoptr(GError) local_error = NULL;
        g_autofree char *what = NULL;
        int errnum;

        wait_at_load_gate(sim);
        errnum = sim_do_load(sim, name, options, &local_error);
        append_log(sim, "load", name, options, errnum);
        if (errnum == 0)
                return TRUE;

        what = options && *options ? g_strdup_printf("%s with options \"%s\"", name, options)
                                   : g_strdup(name);
        g_set_error(error, local_error->domain, local_error->code, "Cannot load %s: %s", what,
                    local_error->message);
        return FALSE;
}

/* Returns 0, or the errno delete_module() would fail with. */
static int sim_do_unload(NvKernelSim *sim, const char *module, GError **error)
{
        g_autofree char *dir = module_path(sim, module, NULL);
        g_autofree char *initstate = module_path(sim, module, "initstate");
        g_autofree char *refcnt = module_path(sim, module, "refcnt");
        g_autofree char *fail = sim_path(sim, "/sim/fail-unload");
        guint64 count = 0;

        if (g_file_test(fail, G_FILE_TEST_EXISTS))
                return fail_errno(error, EIO, "simulated failure");
        /* delete_module() finds no module struct for a built-in one either. */
        if (!g_file_test(initstate, G_FILE_TEST_EXISTS))
                return fail_errno(error, ENOENT, "it is not loaded");
        if (read_count(refcnt, &count) && count > 0)
                return fail_errno(error, EBUSY, "it is in use");
        if (!remove_tree(dir, error))
                return EIO;
        if (vendor_of_module(module) != NV_CPU_VENDOR_UNKNOWN)
                release_kvm(sim, module);
        return 0;
}

static gboolean sim_unload(NvKernel *kernel, const char *module, GError **error)
{
        NvKernelSim *sim = (NvKernelSim *)kernel;
        g_autofree char *name = nv_module_name_normalize(module);
        g_autoptr(GError) local_error = NULL;
        int errnum;

        errnum = sim_do_unload(sim, name, &local_error);
        append_log(sim, "unload", name, NULL, errnum);
        if (errnum == 0)
                return TRUE;
        g_set_error(error, local_error->domain, local_error->code, "Cannot unload %s: %s", name,
                    local_error->message);
        return FALSE;
}

/* As sysfs does for a writable bool parameter (kvm_hv's nested): the
 * kernel's kstrtobool() words, shown back as Y or N. */
static gboolean sim_set_parameter(NvKernel *kernel, const char *module, const char *param, const char *value,
                                  GError **error)
{
        NvKernelSim *sim = (NvKernelSim *)kernel;
        g_autofree char *name = nv_module_name_normalize(module);
        g_autofree char *rel = g_build_filename("parameters", param, NULL);
        g_autofree char *path = module_path(sim, name, rel);
        g_autofree char *option = g_strdup_printf("%s=%s", param, value);
        g_autoptr(GError) local_error = NULL;
        int errnum = 0;

        if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
                errnum = fail_errno(&local_error, ENOENT, "%s has no parameter %s", name, param);
        else if (strchr("yY1", value[0]) == NULL && strchr("nN0", value[0]) == NULL)
                errnum = fail_errno(&local_error, EINVAL, "invalid value %s", value);
        else if (!write_file(path, strchr("yY1", value[0]) ? "Y\n" : "N\n", &local_error))
                errnum = EIO;
        append_log(sim, "set", name, option, errnum);
        if (errnum == 0)
                return TRUE;
        g_set_error(error, local_error->domain, local_error->code, "Cannot set %s of %s: %s", param, name,
                    local_error->message);
        return FALSE;
}

static void sim_free(NvKernel *kernel)
{
        NvKernelSim *sim = (NvKernelSim *)kernel;

        g_free(sim->root);
        g_free(sim);
}

static const NvKernelOps sim_ops = {
        .load = sim_load,
        .unload = sim_unload,
        .set_parameter = sim_set_parameter,
        .free = sim_free,
};

NvKernel *nv_kernel_sim_new(const char *root, GError **error)
{
        g_autofree char *canonical = g_canonicalize_filename(root ? root : "/", "/");
        NvKernelSim *sim;

        /* Writing into the real /sys/module would only fail, and writing
         * into anything else under / would be worse. */
        if (g_str_equal(canonical, "/")) {
                g_set_error(error, NV_ERRNO_ERROR, EOPNOTSUPP,
                            "The simulated kernel works on a fake host tree only; start the daemon "
                            "with --root");
                return NULL;
        }
        if (!g_file_test(canonical, G_FILE_TEST_IS_DIR)) {
                g_set_error(error, NV_ERRNO_ERROR, ENOTDIR, "%s is not a directory", canonical);
                return NULL;
        }

        g_message("Using a simulated kernel on %s", canonical);
        sim = g_new0(NvKernelSim, 1);
        sim->parent.ops = &sim_ops;
        sim->root = g_steal_pointer(&canonical);
        return &sim->parent;
}
