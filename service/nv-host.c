/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reads the facts of nv-host-facts.h off the host tree below a root. Parsing is
 * left to the pure modules (nv-cpuinfo, nv-kernel-param, nv-modprobe,
 * nv-kvm-device), hypervisor detection to nv-hypervisor.c, the listing and
 * the reading of modprobe.d's files to nv-modprobe-files.c, /dev/kvm's node
 * and the container to nv-host-kvm.c and the bounded reads to nv-file.c;
 * this file composes them, and caches. Nothing it calls calls back into it.
 *
 * libkmod is not used for reading: kmod_module_get_initstate() and its
 * configuration reader look at /sys/module and /proc/cmdline at fixed
 * paths, so they cannot follow --root, and its merged options do not say
 * which file set a value, which PersistentSource must name.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nv-file.h"
#include "nv-host-kvm.h"
#include "nv-host.h"
#include "nv-hypervisor.h"
#include "nv-kvm-device.h"
#include "nv-modprobe-files.h"
#include "nv-tree-watch.h"

/* Bounds on what is read. cpuinfo is read only up to the end of its first
 * processor's block (cpuinfo_enough()), a few kB whatever the number of
 * CPUs; modules.builtin and modules.dep (modprobe.d's files have theirs in
 * nv-modprobe-files.h) and the others are small in any sane system. */
#define CPUINFO_MAX      (256 * 1024)
#define MODULES_FILE_MAX (4 * 1024 * 1024)
#define SMALL_FILE_MAX   4096

/* From this many files on, modprobe.d is read by a thread started while
 * the daemon connects to the bus, with the main thread once it gets there;
 * below it, starting and joining the thread costs more than reading the
 * files (a Debian host has four). */
#define CONFIG_THREAD_MIN_FILES 16

struct NvHost {
        char *root;
        gboolean real;

        /* Read once: they cannot change while this kernel runs. */
        NvCpuInfo cpu;
        char *architecture;
        char *hypervisor;
        NvHypervisorProduct hypervisor_product;
        NvPowerPlatform power_platform;
        char *cmdline;
        char *osrelease;
        /* modules.builtin is gone through once, at start, for the modules
         * of builtin_known[], and not kept: a distribution kernel's lists
         * thousands. Any other module is looked up when first asked about. */
        char *modules_builtin_path;
        gboolean modules_builtin_scanned;  /* scan_modules_builtin() ran */
        gboolean modules_builtin_read;     /* it could be read (else no module is listed) */
        gboolean modules_builtin_whole;    /* read to the end: it lists every built-in module */
        guint modules_builtin_known;       /* bit i: builtin_known[i] is listed */
        GHashTable *modules_builtin_other; /* other module -> listed (GINT_TO_POINTER(1 or 2)) */
        char *modules_dep_path;            /* modules.dep of the running kernel, below the root */
        /* What /sys says of kvm, the vendor module and /dev/kvm, kept from
         * one read to the next when nothing can change it unannounced: on
         * a kernel without loadable modules (no /proc/modules), which can
         * neither load nor unload one, and while the daemon watches module
         * uevents (nv_host_watch_modules()). */
        gboolean modules_fixed;
        gboolean modules_watched;
        struct {
                gboolean valid;
                NvModuleState kvm_state;
                NvModuleState vendor_state;
                char *nested_raw;
                char *acceleration_parameters[NV_ACCELERATION_N_PARAMETERS];
                gboolean kvm_device;
                /* Which module provides /dev/kvm: read last, after the
                 * node (read_kvm_provider()), so it has its own flag. */
                gboolean provider_valid;
                char *provider; /* may be NULL: nobody provides it */
        } modules;

        /* The vendor module's file as modules.dep names it, below the
         * root (NULL when it names none), as of modules.dep's mtime and
         * size: a package upgrade may rewrite it. */
        struct {
                gboolean valid;
                gint64 mtime_nsec;
                goffset size;
                char *file;
        } dep;

        /* Every setting of "nested" in modprobe.d, in the order kmod applies
         * them; NULL until read, and again after an invalidation. */
        GArray *config;
        /* The last setting of s390's kvm "hpage" in modprobe.d, read with
         * @config (source NULL: none). */
        NvSetting config_hpage;
        /* The files of modprobe.d, being read by a thread of their own
         * since the start (nv_host_prefetch_config()), which the first read
         * of the settings helps and joins. Or, where they are few, their
         * names as listed then, which that read reads. */
        NvModprobeRead *config_prefetch;
        char **config_names;

        /* Problems already logged, so that a bad file is reported once and
         * not at every call. */
        GHashTable *warned;

        NvHostKvmCache kvm;

        /* A --root tree's watch (nv_host_watch_tree()), and whether the
         * facts last read are still true while it sees no change: no
         * invalidation came since. */
        NvTreeWatch *tree;
        gboolean facts_current;
};

static void G_GNUC_PRINTF(3, 4) warn_once(NvHost *host, const char *key, const char *format, ...)
{
        va_list ap;
        g_autofree char *message = NULL;

        if (!g_hash_table_add(host->warned, g_strdup(key)))
                return;

        va_start(ap, format);
        message = g_strdup_vprintf(format, ap);
        va_end(ap);
        g_warning("%s", message);
}

/* Waits for the thread reading modprobe.d ahead, if any, and drops what
 * it read. */
static void discard_config_prefetch(NvHost *host)
{
        g_clear_pointer(&host->config_names, g_strfreev);
        g_clear_pointer(&host->config_prefetch, nv_modprobe_read_cancel);
}

char *nv_host_path(const NvHost *host, const char *host_path)
{
        if (host->real)
                return g_strdup(host_path);
        return g_build_filename(host->root, host_path, NULL);
}

gboolean nv_host_is_real(const NvHost *host)
{
        return host->real;
}

const char *nv_host_vendor_module(const NvHost *host)
{
        return nv_nesting_module(nv_arch_from_string(host->architecture), host->cpu.vendor);
}

/* The read of the facts is about to look at @path (below the root):
 * watched from now on, where the tree is. */
static void depend(NvHost *host, const char *path)
{
        if (host->tree)
                nv_tree_watch_depend(host->tree, path);
}

/* The same for the directory @dir itself, whose listing the read uses. */
static void depend_dir(NvHost *host, const char *dir)
{
        if (host->tree)
                nv_tree_watch_depend_dir(host->tree, dir);
}

/* Reads a one-line file and strips the trailing newline; NULL if missing. */
static char *read_line(NvHost *host, const char *host_path)
{
        g_autofree char *path = nv_host_path(host, host_path);
        g_autofree char *s = NULL;
        int r;

        depend(host, path);
        r = nv_file_read_first_line(path, SMALL_FILE_MAX, &s);
        if (r == -ENOENT)
                return NULL;
        if (r < 0 && r != -EFBIG) {
                warn_once(host, path, "Cannot read %s: %s", path, g_strerror(-r));
                return NULL;
        }
        if (r == -EFBIG)
                warn_once(host, path, "%s has no line end in its first %d bytes; using them", path,
                          SMALL_FILE_MAX);
        return g_steal_pointer(&s);
}

/* The modules whose place in modules.builtin is found at start: those a
 * status read asks about. */
static const char *const builtin_known[] = { "kvm", "kvm_intel", "kvm_amd", "kvm_pvm", "kvm_hv", NULL };

static gboolean note_known_builtin(const char *line, gsize len, gpointer user_data)
{
        NvHost *host = user_data;
        int i = nv_modules_builtin_line_find(line, len, builtin_known);

        if (i >= 0)
                host->modules_builtin_known |= 1u << i;
        return TRUE;
}

/* Goes through modules.builtin once, a line at a time, for the modules of
 * builtin_known[]: when first asked, so that at start it runs beside the
 * thread reading a large modprobe.d, not before it is started. */
static void scan_modules_builtin(NvHost *host)
{
        int r;

        if (host->modules_builtin_scanned || !host->modules_builtin_path)
                return;
        host->modules_builtin_scanned = TRUE;
        r = nv_file_scan_lines(host->modules_builtin_path, MODULES_FILE_MAX, note_known_builtin, host);

        host->modules_builtin_whole = r == 0;
        host->modules_builtin_read = r == 0 || r == -EFBIG;
        if (r < 0 && r != -EFBIG && r != -ENOENT)
                g_warning("Cannot read %s: %s", host->modules_builtin_path, g_strerror(-r));
}

typedef struct {
        const char *module;
        gboolean listed;
} BuiltinLookup;

static gboolean find_builtin(const char *line, gsize len, gpointer user_data)
{
        BuiltinLookup *lookup = user_data;
        const char *const modules[] = { lookup->module, NULL };

        lookup->listed = nv_modules_builtin_line_find(line, len, modules) == 0;
        return !lookup->listed;
}

/* The start of /proc/cpuinfo is enough once the parser has all it counts:
 * the kernel writes the file one processor at a time as it is read, so
 * the rest, hundreds of kB on a large host, is never even made. */
static gboolean cpuinfo_enough(const char *text, gsize len, gpointer user_data)
{
        NvCpuInfo cpu;

        return nv_cpuinfo_parse_prefix(text, len, &cpu);
}

static void read_constant_facts(NvHost *host)
{
        g_autofree char *cpuinfo_path = nv_host_path(host, "/proc/cpuinfo");
        g_autofree char *cpuinfo = NULL;
        g_autofree char *cmdline_path = nv_host_path(host, "/proc/cmdline");
        g_autofree char *osrelease = NULL;
        gsize len = 0;
        int r;

        host->architecture = read_line(host, "/proc/sys/kernel/arch");
        if (!host->architecture)
                g_warning("Cannot read the architecture from %s/proc/sys/kernel/arch",
                          host->real ? "" : host->root);

        r = nv_file_read_until(cpuinfo_path, CPUINFO_MAX, cpuinfo_enough, NULL, &cpuinfo, &len);
        if (r < 0 && r != -EFBIG) {
                g_warning("Cannot read %s: %s; the CPU vendor is unknown", cpuinfo_path, g_strerror(-r));
                memset(&host->cpu, 0, sizeof(host->cpu));
        } else {
                gboolean x86 = nv_arch_from_string(host->architecture) == NV_ARCH_X86;

                nv_cpuinfo_parse(cpuinfo, len, &host->cpu);
                /* Only x86 names its vendor and flags in these words. */
                if (x86 && !host->cpu.has_vendor_id)
                        g_warning("%s has no vendor_id line; the CPU vendor is unknown", cpuinfo_path);
                if (x86 && !host->cpu.has_flags)
                        g_warning("%s has no flags line; CPU features are unknown", cpuinfo_path);
        }

        if (nv_arch_from_string(host->architecture) == NV_ARCH_PPC64)
                host->hypervisor = nv_hypervisor_detect_power(host->root, &host->power_platform,
                                                              &host->hypervisor_product);
        else
                host->hypervisor = nv_hypervisor_detect(host->root, &host->cpu, &host->hypervisor_product);

        r = nv_file_read_bounded(cmdline_path, SMALL_FILE_MAX, &host->cmdline, NULL);
        if (r < 0 && r != -EFBIG) {
                if (r != -ENOENT)
                        g_warning("Cannot read %s: %s", cmdline_path, g_strerror(-r));
                g_clear_pointer(&host->cmdline, g_free);
        }

        osrelease = read_line(host, "/proc/sys/kernel/osrelease");
        host->osrelease = g_strdup(osrelease);
        if (osrelease && *osrelease && !strchr(osrelease, '/') && !g_str_equal(osrelease, "..") &&
            !g_str_equal(osrelease, ".")) {
                g_autofree char *rel = g_build_filename("/lib/modules", osrelease, "modules.builtin", NULL);
                g_autofree char *path = nv_host_path(host, rel);
                g_autofree char *dep = g_build_filename("/lib/modules", osrelease, "modules.dep", NULL);

                host->modules_dep_path = nv_host_path(host, dep);

                host->modules_builtin_path = g_steal_pointer(&path);
        }
}

NvHost *nv_host_new(const char *root)
{
        NvHost *host = g_new0(NvHost, 1);
        g_autofree char *canonical = g_canonicalize_filename(root ? root : "/", "/");

        host->root = g_steal_pointer(&canonical);
        host->real = g_str_equal(host->root, "/");
        host->warned = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        read_constant_facts(host);
        {
                g_autofree char *modules = nv_host_path(host, "/proc/modules");

                host->modules_fixed = access(modules, F_OK) < 0 && errno == ENOENT;
        }
        return host;
}

void nv_host_free(NvHost *host)
{
        if (!host)
                return;
        g_free(host->root);
        g_free(host->architecture);
        g_free(host->hypervisor);
        g_free(host->cmdline);
        g_free(host->osrelease);
        g_free(host->modules_builtin_path);
        g_clear_pointer(&host->modules_builtin_other, g_hash_table_unref);
        g_free(host->modules_dep_path);
        g_free(host->dep.file);
        g_free(host->modules.nested_raw);
        for (gsize i = 0; i < NV_ACCELERATION_N_PARAMETERS; i++)
                g_free(host->modules.acceleration_parameters[i]);
        g_free(host->modules.provider);
        g_clear_pointer(&host->config, g_array_unref);
        nv_setting_clear(&host->config_hpage);
        discard_config_prefetch(host);
        nv_host_kvm_cache_clear(&host->kvm);
        g_clear_pointer(&host->tree, nv_tree_watch_free);
        g_hash_table_unref(host->warned);
        g_free(host);
}

void nv_host_invalidate_config(NvHost *host)
{
        /* What the thread read may be older than the change. */
        host->facts_current = FALSE;
        g_clear_pointer(&host->config, g_array_unref);
        nv_setting_clear(&host->config_hpage);
        discard_config_prefetch(host);
}

static gboolean modules_cached(const NvHost *host)
{
        return host->modules_fixed || host->modules_watched;
}

void nv_host_watch_modules(NvHost *host)
{
        /* Unloading, the kernel sends "remove" before the module's
         * directory is gone; only modules.builtin tells what is left of it
         * from a built-in module (read_module_state()). */
        scan_modules_builtin(host);
        host->modules_watched = host->modules_builtin_whole;
        host->modules.valid = FALSE;
        host->modules.provider_valid = FALSE;
}

void nv_host_invalidate_modules(NvHost *host)
{
        host->facts_current = FALSE;
        host->modules.valid = FALSE;
        host->modules.provider_valid = FALSE;
}

static gboolean module_listed_builtin(NvHost *host, const char *module)
{
        BuiltinLookup lookup = { .module = module };
        gpointer listed;

        scan_modules_builtin(host);
        if (!host->modules_builtin_read)
                return FALSE;
        for (gsize i = 0; builtin_known[i]; i++)
                if (nv_module_name_equal(module, builtin_known[i]))
                        return (host->modules_builtin_known & (1u << i)) != 0;

        /* A module that holds kvm and that we do not know of (the kvm
         * provider's candidates): rare, looked up once, to its line. */
        if (!host->modules_builtin_other)
                host->modules_builtin_other = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        listed = g_hash_table_lookup(host->modules_builtin_other, module);
        if (listed)
                return GPOINTER_TO_INT(listed) == 2;
        (void)nv_file_scan_lines(host->modules_builtin_path, MODULES_FILE_MAX, find_builtin, &lookup);
        g_hash_table_insert(host->modules_builtin_other, g_strdup(module),
                            GINT_TO_POINTER(lookup.listed ? 2 : 1));
        return lookup.listed;
}

/* What the kernel says of @module, with as little I/O as it takes: a
 * module that modules.builtin lists is built in, which cannot change while
 * this kernel runs. One it does not list is loadable, so a missing
 * initstate means it is not loaded (the kernel removes initstate before
 * the directory when it unloads a module). Only without the whole list
 * (some cloud kernels ship none) is a directory without initstate taken
 * for a built-in module with parameters. */
static NvModuleState read_module_state(NvHost *host, const char *module)
{
        g_autofree char *dir_host = NULL;
        g_autofree char *initstate_host = NULL;
        g_autofree char *initstate = NULL;
        gboolean has_dir;
        NvModuleState state;

        if (module_listed_builtin(host, module))
                return NV_MODULE_STATE_BUILTIN;

        dir_host = g_build_filename("/sys/module", module, NULL);
        initstate_host = g_build_filename(dir_host, "initstate", NULL);
        initstate = read_line(host, initstate_host);
        if (initstate) {
                has_dir = TRUE; /* a file read in it proves the directory */
        } else if (host->modules_builtin_whole) {
                has_dir = FALSE; /* what is left of it is being torn down */
        } else {
                g_autofree char *dir = nv_host_path(host, dir_host);

                depend(host, dir);
                has_dir = g_file_test(dir, G_FILE_TEST_IS_DIR);
        }
        state = nv_module_state_from_sysfs(has_dir, initstate, FALSE);
        if (state == NV_MODULE_STATE_UNKNOWN)
                warn_once(host, initstate_host, "Unexpected module state \"%s\" in %s", initstate,
                          initstate_host);
        return state;
}

static gint64 mtime_nsec(const struct stat *st)
{
        return (gint64)st->st_mtim.tv_sec * G_GINT64_CONSTANT(1000000000) + st->st_mtim.tv_nsec;
}

/* The file modules.dep of the running kernel names for @module, below
 * the root, that is the file modprobe would load; NULL when it names
 * none. modules.dep is read again only when it changed. */
static const char *modules_dep_file(NvHost *host, const char *module)
{
        g_autofree char *text = NULL;
        g_autofree char *file = NULL;
        struct stat st;
        gsize len = 0;
        int r;

        if (host->modules_dep_path)
                depend(host, host->modules_dep_path);
        if (!host->modules_dep_path || stat(host->modules_dep_path, &st) < 0) {
                host->dep.valid = FALSE;
                return NULL;
        }
        if (host->dep.valid && host->dep.size == st.st_size && host->dep.mtime_nsec == mtime_nsec(&st))
                return host->dep.file;

        r = nv_file_read_bounded(host->modules_dep_path, MODULES_FILE_MAX, &text, &len);
        if (r < 0 && r != -EFBIG) {
                warn_once(host, host->modules_dep_path, "Cannot read %s: %s", host->modules_dep_path,
                          g_strerror(-r));
                return NULL;
        }
        host->dep.valid = TRUE;
        host->dep.size = st.st_size;
        host->dep.mtime_nsec = mtime_nsec(&st);
        g_clear_pointer(&host->dep.file, g_free);
        file = nv_modules_dep_find(text, len, module);
        if (file && g_path_is_absolute(file)) {
                host->dep.file = nv_host_path(host, file);
        } else if (file) {
                /* Relative to the directory of modules.dep, as kmod reads it. */
                g_autofree char *dir = g_path_get_dirname(host->modules_dep_path);

                host->dep.file = g_build_filename(dir, file, NULL);
        }
        return host->dep.file;
}

/* The last setting of "hpage" in @file, if it has one, into @ret. */
static void parse_config_hpage(NvModprobeFile *file, NvSetting *ret)
{
        if (!file->hpage_found)
                return;
        nv_setting_clear(ret);
        ret->source = g_strdup(file->source);
        ret->line = file->hpage_option.line;
        ret->has_value = file->hpage_option.has_value;
        ret->value = g_steal_pointer(&file->hpage_option.value);
}

/* The settings of "nested" for @module in @files, in order, and the last
 * one of "hpage" into @ret_hpage; problems logged once. */
static GArray *parse_config(NvHost *host, GPtrArray *files, const char *module, NvSetting *ret_hpage)
{
        GArray *settings = nv_settings_new();

        /* Counted by the tests: a burst of events costs one read. */
        g_debug("Reading modprobe.d: %u files", files->len);
        for (guint i = 0; i < files->len; i++) {
                NvModprobeFile *file = g_ptr_array_index(files, i);

                if (file->r == -ENOENT)
                        continue; /* gone since the listing */
                if (file->r == -ENXIO) {
                        /* A socket, which kmod cannot open either. */
                        warn_once(host, file->path, "%s cannot be opened (a socket?); kmod skips it too",
                                  file->path);
                        continue;
                }
                if (file->r < 0) {
                        /* kmod reads it, and a setting past the cut or behind
                         * the error could be the one that wins: the status
                         * says it is unknown, and names this file. */
                        NvSetting setting = {
                                .source = g_strdup(file->source),
                                .unreadable = file->r == -EFBIG ? g_strdup_printf("larger than %d bytes",
                                                                                  NV_MODPROBE_FILE_MAX)
                                                                : g_strdup(g_strerror(-file->r)),
                        };

                        warn_once(host, file->path, "Cannot read %s: %s; what it sets for %s is unknown",
                                  file->path, setting.unreadable, module);
                        g_array_append_val(settings, setting);
                        continue;
                }
                parse_config_hpage(file, ret_hpage);
                if (file->found) {
                        NvSetting setting = {
                                .source = g_strdup(file->source),
                                .line = file->option.line,
                                .has_value = file->option.has_value,
                                .value = g_steal_pointer(&file->option.value),
                        };

                        g_array_append_val(settings, setting);
                }
        }
        return settings;
}

void nv_host_prefetch_config(NvHost *host)
{
        if (host->config || host->config_prefetch || host->config_names || !nv_host_vendor_module(host))
                return;
        host->config_names = nv_modprobe_list_files(host->root);
        if (g_strv_length(host->config_names) < CONFIG_THREAD_MIN_FILES)
                return;
        host->config_prefetch = nv_modprobe_read_start(host->root, nv_host_vendor_module(host),
                                                       g_steal_pointer(&host->config_names));
}

const GArray *nv_host_get_config_settings(NvHost *host)
{
        const char *module = nv_host_vendor_module(host);

        if (!host->config) {
                g_autoptr(GPtrArray) files = NULL;

                nv_setting_clear(&host->config_hpage);
                if (host->config_prefetch) {
                        files = nv_modprobe_read_finish(g_steal_pointer(&host->config_prefetch));
                } else if (module) {
                        g_auto(GStrv) names = g_steal_pointer(&host->config_names);

                        if (!names)
                                names = nv_modprobe_list_files(host->root);
                        files = nv_modprobe_read_files(host->root, module, names);
                }
                host->config =
                        module ? parse_config(host, files, module, &host->config_hpage) : nv_settings_new();
        }
        return host->config;
}

/* The kernel's word for "/dev/kvm is registered", which the node in /dev
 * is not: the service runs with PrivateDevices=yes and sees no /dev/kvm,
 * and a static /dev may keep a node with no device. */
static gboolean kvm_device_registered(NvHost *host)
{
        g_autofree char *misc_kvm = NULL;

        if (modules_cached(host) && host->modules.valid)
                return host->modules.kvm_device;
        misc_kvm = nv_host_path(host, "/sys/class/misc/kvm");
        depend(host, misc_kvm);
        host->modules.kvm_device = access(misc_kvm, F_OK) == 0;
        return host->modules.kvm_device;
}

/* Whether ListModuleUsers() has anyone to look for: scanning every
 * process's descriptors is expensive, and often not needed. Opening /dev/kvm or creating a VM takes a
 * reference on the vendor module, so a loaded module with refcnt 0 proves there is nobody to find; without a
 * module (built in, or no refcnt file) we have to look. And on x86 /dev/kvm exists from the moment a vendor
 * module registers it until that module is unloaded, which its users prevent: without it there is nobody
 * either (kvm built in, no vendor module: a common guest setup). A /dev/kvm without the vendor module comes
 * from another provider (PVM's kvm_pvm, on some cloud guests; kvm itself on POWER, where kvm_pr may run
 * guests without kvm_hv): its users are looked for all the same, since whoever provides KVM, they are what
 * a reload or a person asks about. */
static gboolean module_users_possible(NvHost *host, const NvHostFacts *facts, const char *module)
{
        if (facts->kvm_state != NV_MODULE_STATE_LIVE && facts->kvm_state != NV_MODULE_STATE_BUILTIN)
                return FALSE;
        if (!facts->kvm_device)
                return FALSE;
        if (!module || facts->vendor_state != NV_MODULE_STATE_LIVE || !facts->has_vendor_refcnt)
                return TRUE;
        return facts->vendor_refcnt > 0;
}

/* The reference count of a loaded vendor module: a reload's check, and
 * what spares the scan of every process above. */
static void read_module_refcnt(NvHost *host, const char *module, NvHostFacts *ret)
{
        g_autofree char *refcnt_host = g_build_filename("/sys/module", module, "refcnt", NULL);
        g_autofree char *refcnt = read_line(host, refcnt_host);

        ret->has_vendor_refcnt =
                refcnt && g_ascii_string_to_unsigned(refcnt, 10, 0, G_MAXUINT64, &ret->vendor_refcnt, NULL);
}

/* The parameters of the running vendor @module that decide how fast
 * nested guests are: read-only, like nested, so they change only with a
 * load, and are kept with the module's state. */
static void read_acceleration_parameters(NvHost *host, const char *module, NvHostFacts *ret)
{
        const char *const *names = nv_acceleration_parameters(host->cpu.vendor);

        for (gsize i = 0; names && i < NV_ACCELERATION_N_PARAMETERS && names[i]; i++) {
                g_autofree char *path =
                        g_build_filename("/sys/module", module, "parameters", names[i], NULL);

                ret->acceleration_parameters[i] = read_line(host, path);
        }
}

/* The state of kvm and of the vendor @module, its nested value and the
 * parameters that decide how fast nested guests are. */
static void read_module_facts(NvHost *host, const char *module, NvHostFacts *ret)
{
        if (modules_cached(host) && host->modules.valid) {
                ret->kvm_state = host->modules.kvm_state;
                ret->vendor_state = host->modules.vendor_state;
                ret->nested_raw = g_strdup(host->modules.nested_raw);
                for (gsize i = 0; i < NV_ACCELERATION_N_PARAMETERS; i++)
                        ret->acceleration_parameters[i] = g_strdup(host->modules.acceleration_parameters[i]);
                return;
        }

        ret->vendor_state = module ? read_module_state(host, module) : NV_MODULE_STATE_ABSENT;
        /* The vendor module links against kvm, which therefore stays loaded
         * as long as it is: a loadable kvm needs no look then. */
        if (ret->vendor_state == NV_MODULE_STATE_LIVE && host->modules_builtin_whole &&
            !module_listed_builtin(host, "kvm"))
                ret->kvm_state = NV_MODULE_STATE_LIVE;
        else
                ret->kvm_state = read_module_state(host, "kvm");

        if (module &&
            (ret->vendor_state == NV_MODULE_STATE_LIVE || ret->vendor_state == NV_MODULE_STATE_BUILTIN)) {
                g_autofree char *nested_host =
                        g_build_filename("/sys/module", module, "parameters", "nested", NULL);

                ret->nested_raw = read_line(host, nested_host);
                if (ret->nested_raw && nv_nested_value_parse(host->cpu.vendor, ret->nested_raw) < 0)
                        warn_once(host, nested_host, "Unexpected value \"%s\" in %s", ret->nested_raw,
                                  nested_host);
                read_acceleration_parameters(host, module, ret);
        }

        if (modules_cached(host)) {
                host->modules.kvm_state = ret->kvm_state;
                host->modules.vendor_state = ret->vendor_state;
                g_free(host->modules.nested_raw);
                host->modules.nested_raw = g_strdup(ret->nested_raw);
                for (gsize i = 0; i < NV_ACCELERATION_N_PARAMETERS; i++) {
                        g_free(host->modules.acceleration_parameters[i]);
                        host->modules.acceleration_parameters[i] = g_strdup(ret->acceleration_parameters[i]);
                }
                kvm_device_registered(host);
                host->modules.valid = TRUE;
        }
}

static void read_availability(NvHost *host, const char *module, NvHostFacts *ret)
{
        NvModuleAvailabilityFacts facts = {
                .sysfs_state = ret->vendor_state,
                .kernel_loads_modules = !host->modules_fixed,
        };

        /* modules.dep only matters for a module the kernel does not have.
         * The file it names is looked at every time: it can go while
         * modules.dep, and so the cache above, stays as it was. */
        if (module && ret->vendor_state == NV_MODULE_STATE_ABSENT && facts.kernel_loads_modules) {
                const char *file = modules_dep_file(host, module);
                struct stat st;

                facts.in_modules_dep = file != NULL;
                if (file)
                        depend(host, file);
                facts.module_file_exists = file && stat(file, &st) == 0 && S_ISREG(st.st_mode);
        }
        ret->vendor_availability = nv_module_availability(&facts);
}

/* Names of the modules in /sys/module/kvm/holders, which use kvm. */
static GPtrArray *read_kvm_holders(NvHost *host)
{
        g_autofree char *dir = nv_host_path(host, "/sys/module/kvm/holders");
        g_autoptr(GDir) d = NULL;
        GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
        const char *name;

        depend_dir(host, dir);
        d = g_dir_open(dir, 0, NULL);
        while (d && (name = g_dir_read_name(d)))
                g_ptr_array_add(names, g_strdup(name));
        return names;
}

/* The module that provides /dev/kvm, from what the candidates are and
 * which of them use kvm (the choice is nv-kvm-device.c's). */
static char *kvm_provider(NvHost *host, const NvHostFacts *facts)
{
        static const char *const known[] = { "kvm_intel", "kvm_amd", "kvm_pvm" };
        g_autoptr(GPtrArray) holders = NULL;
        g_autoptr(GArray) candidates = g_array_new(FALSE, TRUE, sizeof(NvKvmCandidate));
        const char *provider;

        /* No /dev/kvm, nobody provides it: nothing to read. */
        if (!facts->kvm_device)
                return NULL;
        /* On POWER, kvm.ko registers /dev/kvm itself (kvmppc_book3s_init()
         * calls kvm_init(), arch/powerpc/kvm/book3s.c), and kvm_hv or
         * kvm_pr plug into it when they load: in a guest whose hypervisor
         * does not offer nesting, /dev/kvm is there without kvm_hv. */
        if (nv_arch_from_string(host->architecture) == NV_ARCH_PPC64 &&
            (facts->kvm_state == NV_MODULE_STATE_LIVE || facts->kvm_state == NV_MODULE_STATE_BUILTIN))
                return g_strdup("kvm");
        holders = read_kvm_holders(host);
        for (gsize i = 0; i < G_N_ELEMENTS(known); i++) {
                /* The vendor module's state is read already. */
                gboolean vendor = g_strcmp0(known[i], nv_host_vendor_module(host)) == 0;
                NvKvmCandidate c = {
                        .name = known[i],
                        .state = vendor ? facts->vendor_state : read_module_state(host, known[i]),
                };

                for (guint j = 0; j < holders->len; j++)
                        c.holds_kvm |= nv_module_name_equal(known[i], g_ptr_array_index(holders, j));
                g_array_append_val(candidates, c);
        }
        for (guint j = 0; j < holders->len; j++) {
                const char *name = g_ptr_array_index(holders, j);
                NvKvmCandidate c = { .name = name, .holds_kvm = TRUE };
                gboolean is_known = FALSE;

                for (gsize i = 0; i < G_N_ELEMENTS(known); i++)
                        is_known |= nv_module_name_equal(name, known[i]);
                if (is_known)
                        continue;
                c.state = read_module_state(host, name);
                g_array_append_val(candidates, c);
        }

        provider = nv_kvm_provider(facts->kvm_device, (const NvKvmCandidate *)candidates->data,
                                   candidates->len, facts->cpu.has_vmx, facts->cpu.has_svm);
        return g_strdup(provider);
}

/* Which module provides /dev/kvm, after nv_host_kvm_read() has looked at
 * the node: it changes only when a module comes or goes, so it is kept
 * with the modules. */
static void read_kvm_provider(NvHost *host, NvHostFacts *ret)
{
        if (!modules_cached(host) || !host->modules.provider_valid) {
                g_free(host->modules.provider);
                host->modules.provider = kvm_provider(host, ret);
                host->modules.provider_valid = TRUE;
        }
        ret->kvm_provider = g_strdup(host->modules.provider);
}

/* s390's kvm "hpage": the loaded module's value, and the setting its
 * next load takes (the command line's, which kmod applies after
 * modprobe.d's, or modprobe.d's), with the kernel's release, since Linux
 * 7.0 lifts the conflict (nv-status.c). The modprobe.d setting is read
 * with nested's, by nv_host_get_config_settings(). */
static void read_hpage(NvHost *host, NvHostFacts *ret)
{
        g_autofree char *value = NULL;

        if (ret->vendor_state == NV_MODULE_STATE_LIVE || ret->vendor_state == NV_MODULE_STATE_BUILTIN)
                ret->hpage_raw = read_line(host, "/sys/module/" NV_HPAGE_MODULE "/parameters/hpage");
        ret->kernel_release = g_strdup(host->osrelease);
        if (host->cmdline && nv_cmdline_find_param(host->cmdline, NV_HPAGE_MODULE, "hpage", &value)) {
                ret->hpage.source = g_strdup("/proc/cmdline");
                ret->hpage.has_value = value != NULL;
                ret->hpage.value = g_steal_pointer(&value);
                return;
        }
        nv_host_get_config_settings(host);
        nv_setting_copy(&host->config_hpage, &ret->hpage);
}

void nv_host_read_facts(NvHost *host, NvHostFacts *ret)
{
        const char *module = nv_host_vendor_module(host);

        /* Something changed since the last read: its watches go, and this
         * read sets up its own, each before what it covers is read. */
        if (host->tree && nv_tree_watch_changed(host->tree))
                nv_tree_watch_begin(host->tree);
        host->facts_current = host->tree != NULL;

        ret->architecture = g_strdup(host->architecture);
        ret->cpu = host->cpu;
        ret->hypervisor = g_strdup(host->hypervisor);
        ret->hypervisor_product = host->hypervisor_product;
        ret->power_platform = host->power_platform;
        read_module_facts(host, module, ret);

        if (module) {
                g_autofree char *value = NULL;

                const GArray *settings = nv_host_get_config_settings(host);

                if (settings->len > 0)
                        nv_setting_copy(&g_array_index(settings, NvSetting, settings->len - 1),
                                        &ret->modprobe);

                if (host->cmdline && nv_cmdline_find_param(host->cmdline, module, "nested", &value)) {
                        ret->cmdline.source = g_strdup("/proc/cmdline");
                        ret->cmdline.has_value = value != NULL;
                        ret->cmdline.value = g_steal_pointer(&value);
                }
        }

        if (module && ret->vendor_state == NV_MODULE_STATE_LIVE)
                read_module_refcnt(host, module, ret);
        ret->kvm_device = kvm_device_registered(host);
        ret->module_users_possible = module_users_possible(host, ret, module);

        read_availability(host, module, ret);

        if (host->tree) {
                g_autofree char *node = nv_host_path(host, "/dev/kvm");
                g_autofree char *passwd = nv_host_path(host, "/etc/passwd"); /* and group */

                depend(host, node);
                depend(host, passwd);
        }
        nv_host_kvm_read(host->root, &host->kvm, ret);
        read_kvm_provider(host, ret);

        if (nv_arch_from_string(host->architecture) == NV_ARCH_S390X)
                read_hpage(host, ret);
        if (nv_arch_from_string(host->architecture) == NV_ARCH_ARM64) {
                ret->kernel_release = g_strdup(host->osrelease);
                if (host->cmdline)
                        nv_cmdline_find_param(host->cmdline, "kvm-arm", "mode", &ret->kvm_arm_mode);
        }
}

void nv_host_watch_tree(NvHost *host)
{
        if (host->real || host->tree)
                return;
        host->tree = nv_tree_watch_new(host->root);
        host->facts_current = FALSE;
}

gboolean nv_host_facts_unchanged(NvHost *host)
{
        return host->tree && host->facts_current && !nv_tree_watch_changed(host->tree);
}
