/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The real kernel, through libkmod (see nv-kernel.h): what `modprobe MODULE
 * OPTIONS` and `modprobe -r MODULE` do, as a library, with errors that say
 * what went wrong and what to do.
 *
 * Only for the root "/". libkmod reads /proc/cmdline and /sys/module at
 * fixed paths and the module itself goes into the kernel we run on, so a
 * context pointed at another tree would mix that tree's modprobe.d with
 * this machine's kernel; loading modules from another tree into this kernel
 * is never what --root means.
 *
 * libkmod is not linked but dlopen()ed when the first module change is
 * asked for, like libvirt in nv-libvirt.c: it pulls in libcrypto and the
 * decompressors, over a megabyte of resident memory and startup time for
 * every activation of a daemon that is mostly asked for its status. Its
 * functions are called through a table typed from <libkmod.h>.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libkmod.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "nv-dlopen.h"
#include "nv-errno.h"
#include "nv-kernel-param.h"
#include "nv-kernel.h"

#define NV_KMOD_SONAME "libkmod.so.2"

/* Every libkmod function used here; all exist since kmod 5. */
#define NV_KMOD_FOR_EACH_SYMBOL(X)         \
        X(kmod_new)                        \
        X(kmod_unref)                      \
        X(kmod_set_log_fn)                 \
        X(kmod_set_log_priority)           \
        X(kmod_module_new_from_name)       \
        X(kmod_module_unref)               \
        X(kmod_module_probe_insert_module) \
        X(kmod_module_get_name)            \
        X(kmod_module_get_options)         \
        X(kmod_module_remove_module)

/* Process-wide, like the library; written once (nv_dl_library_load()),
 * and the library stays loaded from then on. */
static struct {
#define NV_KMOD_DECLARE_SYMBOL(name) __typeof__(name) *name;
        NV_KMOD_FOR_EACH_SYMBOL(NV_KMOD_DECLARE_SYMBOL)
#undef NV_KMOD_DECLARE_SYMBOL
} api;

#define NV_KMOD_SYMBOL_ENTRY(name) NV_DL_SYMBOL_INIT(api, name),
static const NvDlSymbol symbols[] = { NV_KMOD_FOR_EACH_SYMBOL(NV_KMOD_SYMBOL_ENTRY) };
#undef NV_KMOD_SYMBOL_ENTRY

static NvDlLibrary library = {
        .soname = NV_KMOD_SONAME,
        .install_hint = "install libkmod2",
        .symbols = symbols,
        .n_symbols = G_N_ELEMENTS(symbols),
};

static gboolean ensure_api(GError **error)
{
        const char *load_error = nv_dl_library_load(&library);

        if (load_error) {
                g_set_error_literal(error, NV_ERRNO_ERROR, EOPNOTSUPP, load_error);
                return FALSE;
        }
        return TRUE;
}

typedef struct kmod_ctx NvKmodCtx;
typedef struct kmod_module NvKmodModule;

static void kmod_ctx_free(NvKmodCtx *ctx)
{
        api.kmod_unref(ctx);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvKmodCtx, kmod_ctx_free)

static void kmod_module_free(NvKmodModule *mod)
{
        api.kmod_module_unref(mod);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvKmodModule, kmod_module_free)

typedef struct {
        NvKernel parent;
} NvKernelKmod;

static void G_GNUC_PRINTF(6, 0) log_kmod(void *data, int priority, const char *file, int line,
                                         const char *fn, const char *format, va_list args)
{
        g_autofree char *message = g_strdup_vprintf(format, args);

        g_strchomp(message);
        if (priority <= LOG_WARNING)
                g_warning("libkmod: %s", message);
        else
                g_debug("libkmod: %s", message);
}

/*
 * A new context for every operation: libkmod reads modprobe.d, the kernel
 * command line and the module indexes when the context is created, and
 * EnablePersistent or a package upgrade may have changed them since the
 * last call. Creating one costs a few file reads, nothing next to loading
 * a module.
 */
static NvKmodCtx *context_new(GError **error)
{
        NvKmodCtx *ctx;

        /* NULL, NULL: /lib/modules/$(uname -r) and the default modprobe.d
         * directories, as modprobe uses them. */
        ctx = api.kmod_new(NULL, NULL);
        if (!ctx) {
                g_set_error(error, NV_ERRNO_ERROR, ENOMEM,
                            "Cannot create a libkmod context (out of memory, or no /lib/modules for the "
                            "running kernel)");
                return NULL;
        }
        api.kmod_set_log_fn(ctx, log_kmod, NULL);
        /* Notices ("Module is builtin") go to the debug log; errors
         * libkmod reports on its own are worth a warning. */
        api.kmod_set_log_priority(ctx, LOG_INFO);
        return ctx;
}

/* @module in a libkmod context of its own (@ret_ctx): one per load or
 * unload, so that modprobe.d is read as it is then. */
static NvKmodModule *module_new(const char *module, NvKmodCtx **ret_ctx, GError **error)
{
        g_autofree char *name = nv_module_name_normalize(module);
        g_autoptr(NvKmodCtx) ctx = context_new(error);
        NvKmodModule *mod = NULL;
        int r;

        if (!ctx)
                return NULL;
        /* By name, not by lookup: an alias could expand to several modules,
         * and the daemon only ever names a real one. */
        r = api.kmod_module_new_from_name(ctx, name, &mod);
        if (r < 0) {
                nv_errno_error_set(error, -r, "Cannot look up module %s", name);
                return NULL;
        }
        *ret_ctx = g_steal_pointer(&ctx);
        return mod;
}

/* Why a load failed, in words a person can act on. */
static const char *load_reason(int r)
{
        switch (r) {
        case -EINVAL:
                /* The kernel logs which parameter it refused. */
                return "the kernel refused the options (see the kernel log)";
        case -ENOENT:
                return "no such module for the running kernel";
        case -EEXIST:
                return "it is already loaded, or built into the kernel";
        case -EOPNOTSUPP:
        case -ENODEV:
                return "the CPU does not support it, or virtualization is disabled in the firmware "
                       "settings";
        case -EPERM:
                return "not permitted (loading modules needs CAP_SYS_MODULE, and "
                       "/proc/sys/kernel/modules_disabled must be 0)";
        case -ENOEXEC:
                return "the module file is not valid for the running kernel";
        case -ENOSYS:
                return "this kernel cannot load modules (CONFIG_MODULES is off)";
        case -EKEYREJECTED:
                return "its signature was rejected (Secure Boot or module.sig_enforce)";
        default:
                return NULL;
        }
}

static gboolean kmod_load(NvKernel *kernel, const char *module, const char *options, GError **error)
{
        g_autoptr(NvKmodCtx) ctx = NULL;
        g_autoptr(NvKmodModule) mod = NULL;
        g_autofree char *what = NULL;
        const char *reason, *configured;
        int r;

        mod = module_new(module, &ctx, error);
        if (!mod)
                return FALSE;

        /*
         * FAIL_ON_LOADED: without it, probing a loaded (or built-in)
         * module succeeds without doing anything, which would report a new
         * "nested" that the kernel never got. Install commands and soft
         * dependencies from modprobe.d are honored, as modprobe does; the
         * blacklist is not, as for `modprobe NAME`. libkmod appends
         * @options after the modprobe.d and command-line options, and the
         * kernel lets the last value of a parameter win.
         */
        r = api.kmod_module_probe_insert_module(mod, KMOD_PROBE_FAIL_ON_LOADED, options, NULL, NULL, NULL);
        if (r == 0)
                return TRUE;

        what = options && *options
                       ? g_strdup_printf("%s with options \"%s\"", api.kmod_module_get_name(mod), options)
                       : g_strdup(api.kmod_module_get_name(mod));
        if (r > 0) {
                /* Only a blacklist flag makes libkmod stop with r > 0. */
                g_set_error(error, NV_ERRNO_ERROR, EPERM, "Cannot load %s: it is blacklisted", what);
                return FALSE;
        }
        reason = load_reason(r);
        configured = api.kmod_module_get_options(mod);
        if (r == -EINVAL && configured && *configured)
                /* The kernel checks every value it gets, so a bad one from
                 * modprobe.d breaks the load even when ours comes later. */
                g_set_error(error, NV_ERRNO_ERROR, EINVAL,
                            "Cannot load %s: %s; modprobe.d and the kernel command line add \"%s\" before "
                            "them (%s)",
                            what, reason, configured, g_strerror(-r));
        else if (reason)
                g_set_error(error, NV_ERRNO_ERROR, -r, "Cannot load %s: %s (%s)", what, reason,
                            g_strerror(-r));
        else
                nv_errno_error_set(error, -r, "Cannot load %s", what);
        return FALSE;
}

static gboolean kmod_unload(NvKernel *kernel, const char *module, GError **error)
{
        g_autoptr(NvKmodCtx) ctx = NULL;
        g_autoptr(NvKmodModule) mod = NULL;
        int r;

        mod = module_new(module, &ctx, error);
        if (!mod)
                return FALSE;

        /* No KMOD_REMOVE_FORCE, ever: forcing out a module that VMs use
         * crashes the kernel. libkmod always adds O_NONBLOCK, so a busy
         * module fails at once instead of waiting for its users. */
        r = api.kmod_module_remove_module(mod, 0);
        switch (r) {
        case 0:
                return TRUE;
        case -EBUSY:
        case -EAGAIN:
                g_set_error(error, NV_ERRNO_ERROR, EBUSY, "Cannot unload %s: it is in use",
                            api.kmod_module_get_name(mod));
                return FALSE;
        case -ENOENT:
                g_set_error(error, NV_ERRNO_ERROR, ENOENT, "Cannot unload %s: it is not loaded",
                            api.kmod_module_get_name(mod));
                return FALSE;
        case -ENOSYS:
                g_set_error(error, NV_ERRNO_ERROR, EOPNOTSUPP,
                            "Cannot unload %s: this kernel cannot unload modules (CONFIG_MODULE_UNLOAD is "
                            "off); set the value on the kernel command line and reboot instead",
                            api.kmod_module_get_name(mod));
                return FALSE;
        case -EPERM:
                g_set_error(error, NV_ERRNO_ERROR, EPERM,
                            "Cannot unload %s: not permitted (unloading modules needs CAP_SYS_MODULE)",
                            api.kmod_module_get_name(mod));
                return FALSE;
        default:
                g_set_error(error, NV_ERRNO_ERROR, -r, "Cannot unload %s: %s", api.kmod_module_get_name(mod),
                            g_strerror(-r));
                return FALSE;
        }
}

/* Not libkmod's: a parameter is a sysfs file, and only an existing one
 * may be written (O_NOFOLLOW, no O_CREAT). */
static gboolean kmod_set_parameter(NvKernel *kernel, const char *module, const char *param,
                                   const char *value, GError **error)
{
        g_autofree char *path = g_build_filename("/sys/module", module, "parameters", param, NULL);
        gsize len = strlen(value);
        ssize_t n;
        int fd, errnum;

        fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) {
                errnum = errno;
                g_set_error(error, NV_ERRNO_ERROR, errnum, "Cannot open %s: %s", path, g_strerror(errnum));
                return FALSE;
        }
        n = write(fd, value, len);
        errnum = n < 0 ? errno : EIO;
        close(fd);
        if (n != (ssize_t)len) {
                g_set_error(error, NV_ERRNO_ERROR, errnum, "Cannot write %s to %s: %s", value, path,
                            g_strerror(errnum));
                return FALSE;
        }
        return TRUE;
}

static void kmod_free(NvKernel *kernel)
{
        g_free(kernel);
}

static const NvKernelOps kmod_ops = {
        .load = kmod_load,
        .unload = kmod_unload,
        .set_parameter = kmod_set_parameter,
        .free = kmod_free,
};

NvKernel *nv_kernel_kmod_new(const char *root, GError **error)
{
        g_autofree char *canonical = g_canonicalize_filename(root ? root : "/", "/");
        g_autoptr(NvKmodCtx) ctx = NULL;
        NvKernelKmod *kernel;

        if (!g_str_equal(canonical, "/")) {
                g_set_error(error, NV_ERRNO_ERROR, EOPNOTSUPP,
                            "Cannot load or unload modules for the host tree %s: only the running "
                            "kernel's own root / can be changed",
                            canonical);
                return NULL;
        }

        /* Fail at once, not at the first call, when libkmod cannot work at
         * all here. */
        if (!ensure_api(error))
                return NULL;
        ctx = context_new(error);
        if (!ctx)
                return NULL;

        kernel = g_new0(NvKernelKmod, 1);
        kernel->parent.ops = &kmod_ops;
        return &kernel->parent;
}
