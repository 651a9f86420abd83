/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Builds the fake host trees of nv-test-host.h. Every helper aborts the
 * test on an I/O error: a tree that is not what the test thinks it is
 * would make the test's verdict meaningless.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nv-test-host.h"

struct NvTestHost {
        char *root;
};

/* The directories kmod reads modprobe.d files from, in the order it reads them. */
static const char *const modprobe_dirs[] = {
        "/etc/modprobe.d",     "/run/modprobe.d", "/usr/local/lib/modprobe.d",
        "/usr/lib/modprobe.d", "/lib/modprobe.d",
};

/* Flags of a current Intel/AMD CPU, minus the virtualization ones, which the
 * presets add where they belong. Long and realistic on purpose: the daemon
 * must find whole words in a long line. */
#define COMMON_FLAGS                                                                                    \
        "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse " \
        "sse2 "                                                                                         \
        "ss ht syscall nx pdpe1gb rdtscp lm constant_tsc rep_good nopl xtopology cpuid pni pclmulqdq "  \
        "ssse3 fma cx16 pcid sse4_1 sse4_2 x2apic movbe popcnt aes xsave avx f16c rdrand lahf_lm abm "  \
        "3dnowprefetch invpcid_single ssbd ibrs ibpb stibp fsgsbase bmi1 avx2 smep bmi2 erms invpcid "  \
        "rdseed adx smap clflushopt clwb sha_ni xsaveopt xsavec xgetbv1 xsaves arat umip pku ospke "    \
        "md_clear"

#define INTEL_FLAGS       COMMON_FLAGS " vmx flexpriority ept vpid ept_ad tpr_shadow vnmi"
#define AMD_FLAGS         COMMON_FLAGS " svm npt lbrv svm_lock nrip_save tsc_scale vmcb_clean decodeassists"
#define INTEL_GUEST_FLAGS COMMON_FLAGS " hypervisor"
#define DEFAULT_CMDLINE   "BOOT_IMAGE=/boot/vmlinuz-" NV_TEST_OSRELEASE " root=UUID=0b8b1a5e ro quiet"
#define KVM_KO            "kernel/arch/x86/kvm/kvm.ko"
#define KVM_INTEL_KO      "kernel/arch/x86/kvm/kvm-intel.ko"
#define KVM_AMD_KO        "kernel/arch/x86/kvm/kvm-amd.ko"
#define KVM_PVM_KO        "kernel/arch/x86/kvm/kvm-pvm.ko"
#define LOOP_KO           "kernel/fs/loop.ko"
#define PVM_GUEST_FLAGS   COMMON_FLAGS " hypervisor"
/* What modprobe finds for the test kernel: both vendor modules, whose
 * files add_base() creates (module_files[]). */
#define MODULES_DEP LOOP_KO ": \n" KVM_KO ": \n" KVM_INTEL_KO ": " KVM_KO "\n" KVM_AMD_KO ": " KVM_KO "\n"
static const char *const module_files[] = { LOOP_KO, KVM_KO, KVM_INTEL_KO, KVM_AMD_KO };

static const char *const preset_names[NV_TEST_PRESET_COUNT] = {
        [NV_TEST_PRESET_INTEL_LOADED] = "intel-loaded",
        [NV_TEST_PRESET_AMD_LOADED] = "amd-loaded",
        [NV_TEST_PRESET_VENDOR_MODULE_NOT_LOADED] = "vendor-module-not-loaded",
        [NV_TEST_PRESET_KVM_BUILTIN] = "kvm-builtin",
        [NV_TEST_PRESET_L1_GUEST] = "l1-guest",
        [NV_TEST_PRESET_UNKNOWN_VENDOR] = "unknown-vendor",
        [NV_TEST_PRESET_NON_X86] = "non-x86",
        [NV_TEST_PRESET_MODPROBE_SPREAD] = "modprobe-spread",
        [NV_TEST_PRESET_MODULE_ABSENT] = "module-absent",
        [NV_TEST_PRESET_NO_MODULE_LOADING] = "no-module-loading",
        [NV_TEST_PRESET_L1_GUEST_NESTED] = "l1-guest-nested",
        [NV_TEST_PRESET_PVM] = "pvm",
        [NV_TEST_PRESET_CONTAINER] = "container",
        [NV_TEST_PRESET_PVM_CONTAINER] = "pvm-container",
        [NV_TEST_PRESET_HYPERV_GUEST] = "hyperv-guest",
        [NV_TEST_PRESET_S390X] = "s390x",
        [NV_TEST_PRESET_PPC64LE_POWER9] = "ppc64le-power9",
        [NV_TEST_PRESET_ARM64_NESTED] = "arm64-nested",
        [NV_TEST_PRESET_S390X_HPAGE] = "s390x-hpage",
        [NV_TEST_PRESET_S390X_HPAGE_PERSISTENT] = "s390x-hpage-persistent",
        [NV_TEST_PRESET_PPC64LE_POWER8] = "ppc64le-power8",
        [NV_TEST_PRESET_PPC64LE_PSERIES_KVM] = "ppc64le-pseries-kvm",
        [NV_TEST_PRESET_PPC64LE_PSERIES_KVM_NO_HV] = "ppc64le-pseries-kvm-no-hv",
};

const char *nv_test_preset_to_string(NvTestPreset preset)
{
        g_assert_cmpint(preset, >=, 0);
        g_assert_cmpint(preset, <, NV_TEST_PRESET_COUNT);
        return preset_names[preset];
}

NvTestHost *nv_test_host_new(void)
{
        g_autoptr(GError) error = NULL;
        NvTestHost *host = g_new0(NvTestHost, 1);

        host->root = g_dir_make_tmp("nv-test-host-XXXXXX", &error);
        g_assert_no_error(error);
        return host;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        if (remove(path) < 0 && errno != ENOENT)
                g_printerr("# cannot remove %s: %s\n", path, g_strerror(errno));
        return 0;
}

/* FTW_PHYS: the tree holds links to "/dev/kvm" and to nothing at all;
 * following one while deleting would be a disaster. */
static void remove_tree(const char *path)
{
        if (nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT)
                g_printerr("# cannot remove %s: %s\n", path, g_strerror(errno));
}

void nv_test_host_free(NvTestHost *host)
{
        if (!host)
                return;
        remove_tree(host->root);
        g_free(host->root);
        g_free(host);
}

const char *nv_test_host_get_root(const NvTestHost *host)
{
        return host->root;
}

char *nv_test_host_path(const NvTestHost *host, const char *host_path)
{
        g_assert_true(g_path_is_absolute(host_path));
        return g_build_filename(host->root, host_path, NULL);
}

void nv_test_host_mkdir(NvTestHost *host, const char *host_path)
{
        g_autofree char *path = nv_test_host_path(host, host_path);

        if (g_mkdir_with_parents(path, 0755) < 0)
                g_error("cannot create %s: %s", path, g_strerror(errno));
}

static void make_parent(NvTestHost *host, const char *host_path)
{
        g_autofree char *dir = g_path_get_dirname(host_path);

        nv_test_host_mkdir(host, dir);
}

GBytes *nv_test_host_read(NvTestHost *host, const char *host_path)
{
        g_autofree char *path = nv_test_host_path(host, host_path);
        g_autoptr(GByteArray) buf = g_byte_array_new();
        g_autoptr(GBytes) whole = NULL;
        guint8 chunk[4096];
        gsize len;
        ssize_t n;
        int fd;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0 && errno == ENOENT)
                return NULL;
        if (fd < 0)
                g_error("cannot open %s: %s", path, g_strerror(errno));
        while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        g_error("cannot read %s: %s", path, g_strerror(errno));
                g_byte_array_append(buf, chunk, (guint)n);
        }
        close(fd);
        len = buf->len;
        g_byte_array_append(buf, (const guint8 *)"", 1);
        whole = g_byte_array_free_to_bytes(g_steal_pointer(&buf));
        return g_bytes_new_from_bytes(whole, 0, len);
}

void nv_test_host_write_data(NvTestHost *host, const char *host_path, const void *data, gsize len)
{
        g_autofree char *path = nv_test_host_path(host, host_path);
        const char *p = data;
        int fd;

        make_parent(host, host_path);
        /* In place, not g_file_set_contents(): sysfs files are overwritten,
         * and an editor saving a modprobe.d file in place must be noticed
         * as well as one that renames a new file over it. */
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                g_error("cannot open %s: %s", path, g_strerror(errno));
        while (len > 0) {
                ssize_t n = write(fd, p, len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        g_error("cannot write %s: %s", path, g_strerror(errno));
                p += n;
                len -= (gsize)n;
        }
        if (close(fd) < 0)
                g_error("cannot write %s: %s", path, g_strerror(errno));
}

void nv_test_host_write(NvTestHost *host, const char *host_path, const char *contents)
{
        nv_test_host_write_data(host, host_path, contents, strlen(contents));
}

void nv_test_host_symlink(NvTestHost *host, const char *host_path, const char *target)
{
        g_autofree char *path = nv_test_host_path(host, host_path);

        make_parent(host, host_path);
        if (symlink(target, path) < 0)
                g_error("cannot create link %s: %s", path, g_strerror(errno));
}

void nv_test_host_remove(NvTestHost *host, const char *host_path)
{
        g_autofree char *path = nv_test_host_path(host, host_path);

        remove_tree(path);
}

void nv_test_host_set_cpuinfo(NvTestHost *host, const char *vendor_id, const char *flags, guint n_processors)
{
        g_autoptr(GString) text = g_string_new(NULL);

        for (guint i = 0; i < n_processors; i++) {
                g_string_append_printf(text, "processor\t: %u\n", i);
                if (vendor_id)
                        g_string_append_printf(text, "vendor_id\t: %s\n", vendor_id);
                g_string_append(text, "cpu family\t: 6\n"
                                      "model\t\t: 85\n"
                                      "model name\t: Test CPU @ 2.10GHz\n"
                                      "stepping\t: 7\n"
                                      "cpu MHz\t\t: 2100.000\n"
                                      "cache size\t: 22528 KB\n");
                g_string_append_printf(text, "physical id\t: 0\nsiblings\t: %u\ncore id\t\t: %u\n",
                                       n_processors, i);
                if (flags)
                        g_string_append_printf(text, "flags\t\t: %s\n", flags);
                g_string_append(text, "bugs\t\t: spectre_v1 spectre_v2\n"
                                      "bogomips\t: 4200.00\n"
                                      "address sizes\t: 46 bits physical, 48 bits virtual\n"
                                      "power management:\n\n");
        }
        nv_test_host_write(host, "/proc/cpuinfo", text->str);
}

void nv_test_host_set_arch(NvTestHost *host, const char *arch)
{
        g_autofree char *line = g_strconcat(arch, "\n", NULL);

        nv_test_host_write(host, "/proc/sys/kernel/arch", line);
}

void nv_test_host_set_osrelease(NvTestHost *host, const char *osrelease)
{
        g_autofree char *line = g_strconcat(osrelease, "\n", NULL);

        nv_test_host_write(host, "/proc/sys/kernel/osrelease", line);
}

void nv_test_host_set_cmdline(NvTestHost *host, const char *cmdline)
{
        g_autofree char *line = g_strconcat(cmdline, "\n", NULL);

        nv_test_host_write(host, "/proc/cmdline", line);
}

static void write_nested(NvTestHost *host, const char *module, const char *nested)
{
        g_autofree char *nested_path = g_build_filename("/sys/module", module, "parameters", "nested", NULL);
        g_autofree char *line = NULL;

        if (!nested)
                return;
        line = g_strconcat(nested, "\n", NULL);
        nv_test_host_write(host, nested_path, line);
        nv_test_host_set_acceleration(host, module, NULL);
}

void nv_test_host_set_acceleration(NvTestHost *host, const char *module, const char *const *values)
{
        static const char *const intel[] = { "ept", "enable_shadow_vmcs", "enable_apicv",
                                             "unrestricted_guest", NULL };
        static const char *const intel_defaults[] = { "Y", "Y", "Y", "Y" };
        static const char *const amd[] = { "npt", "vgif", "vls", "avic", NULL };
        static const char *const amd_defaults[] = { "Y", "1", "1", "N" };
        const char *const *names;

        if (g_str_equal(module, "kvm_intel")) {
                names = intel;
                values = values ? values : intel_defaults;
        } else if (g_str_equal(module, "kvm_amd")) {
                names = amd;
                values = values ? values : amd_defaults;
        } else {
                return;
        }
        for (gsize i = 0; names[i]; i++) {
                g_autofree char *path =
                        g_build_filename("/sys/module", module, "parameters", names[i], NULL);
                g_autofree char *line = g_strconcat(values[i], "\n", NULL);

                nv_test_host_write(host, path, line);
        }
}

void nv_test_host_load_module(NvTestHost *host, const char *module, guint refcnt, const char *nested)
{
        g_autofree char *initstate = g_build_filename("/sys/module", module, "initstate", NULL);
        g_autofree char *refcnt_path = g_build_filename("/sys/module", module, "refcnt", NULL);
        g_autofree char *refcnt_line = g_strdup_printf("%u\n", refcnt);

        nv_test_host_write(host, initstate, "live\n");
        nv_test_host_write(host, refcnt_path, refcnt_line);
        write_nested(host, module, nested);
}

void nv_test_host_builtin_module(NvTestHost *host, const char *module, const char *ko_path,
                                 const char *nested)
{
        g_autofree char *dir = g_build_filename("/sys/module", module, NULL);
        g_autofree char *params = g_build_filename(dir, "parameters", NULL);

        /* A built-in module has a /sys/module directory only because it has
         * parameters, and never an initstate or refcnt. */
        nv_test_host_mkdir(host, params);
        write_nested(host, module, nested);
        nv_test_host_add_builtin(host, ko_path);
}

void nv_test_host_unload_module(NvTestHost *host, const char *module)
{
        g_autofree char *dir = g_build_filename("/sys/module", module, NULL);

        nv_test_host_remove(host, dir);
}

void nv_test_host_add_kvm_device(NvTestHost *host)
{
        g_autofree char *node = nv_test_host_path(host, "/dev/kvm");

        nv_test_host_write(host, "/dev/kvm", "");
        g_assert_no_errno(chmod(node, 0600));
        nv_test_host_write(host, "/sys/class/misc/kvm/dev", "10:232\n");
}

gboolean nv_test_host_set_kvm_access(NvTestHost *host, guint gid, guint mode)
{
        g_autofree char *node = nv_test_host_path(host, "/dev/kvm");

        if (chown(node, (uid_t)-1, (gid_t)gid) < 0) {
                g_test_skip_printf("cannot give %s group %u: %s", node, gid, g_strerror(errno));
                return FALSE;
        }
        g_assert_no_errno(chmod(node, mode));
        return TRUE;
}

void nv_test_host_add_builtin(NvTestHost *host, const char *ko_path)
{
        g_autofree char *list = g_build_filename("/lib/modules", NV_TEST_OSRELEASE, "modules.builtin", NULL);
        g_autofree char *path = nv_test_host_path(host, list);
        g_autofree char *old = NULL;
        g_autofree char *new = NULL;

        if (!g_file_get_contents(path, &old, NULL, NULL))
                old = g_strdup("");
        new = g_strconcat(old, ko_path, "\n", NULL);
        nv_test_host_write(host, list, new);
}

static void write_line_or_remove(NvTestHost *host, const char *host_path, const char *value)
{
        g_autofree char *line = NULL;

        if (!value) {
                nv_test_host_remove(host, host_path);
                return;
        }
        line = g_strconcat(value, "\n", NULL);
        nv_test_host_write(host, host_path, line);
}

void nv_test_host_set_dmi(NvTestHost *host, const char *sys_vendor, const char *product_name)
{
        write_line_or_remove(host, "/sys/class/dmi/id/sys_vendor", sys_vendor);
        write_line_or_remove(host, "/sys/class/dmi/id/product_name", product_name);
}

void nv_test_host_create_modprobe_dirs(NvTestHost *host)
{
        for (gsize i = 0; i < G_N_ELEMENTS(modprobe_dirs); i++)
                nv_test_host_mkdir(host, modprobe_dirs[i]);
}

void nv_test_host_write_big(NvTestHost *host, const char *host_path, gsize min_size, const char *last_line)
{
        g_autoptr(GString) text = g_string_sized_new(min_size + 64);

        while (text->len < min_size)
                g_string_append(text, "# a comment that goes on and on to make the file big\n");
        if (last_line)
                g_string_append(text, last_line);
        nv_test_host_write(host, host_path, text->str);
}

void nv_test_host_write_modprobe(NvTestHost *host, const char *dir, const char *name, const char *contents)
{
        g_autofree char *path = g_build_filename(dir, name, NULL);

        nv_test_host_write(host, path, contents);
}

void nv_test_host_add_process(NvTestHost *host, guint32 pid, const char *comm, const char *const *fd_targets)
{
        g_autofree char *pid_dir = g_strdup_printf("/proc/%u", pid);
        g_autofree char *comm_path = g_build_filename(pid_dir, "comm", NULL);
        g_autofree char *comm_line = g_strconcat(comm, "\n", NULL);
        g_autofree char *fd_dir = g_build_filename(pid_dir, "fd", NULL);

        nv_test_host_write(host, comm_path, comm_line);
        /* Every process has standard streams; they must not count. */
        nv_test_host_mkdir(host, fd_dir);
        for (guint fd = 0; fd < 3; fd++) {
                g_autofree char *link = g_strdup_printf("%s/%u", fd_dir, fd);

                nv_test_host_symlink(host, link, "/dev/pts/0");
        }
        for (guint i = 0; fd_targets && fd_targets[i]; i++) {
                g_autofree char *link = g_strdup_printf("%s/%u", fd_dir, i + 3);

                nv_test_host_symlink(host, link, fd_targets[i]);
        }
}

void nv_test_host_set_process_cmdline(NvTestHost *host, guint32 pid, const char *const *argv)
{
        g_autofree char *host_path = g_strdup_printf("/proc/%u/cmdline", pid);
        g_autofree char *path = nv_test_host_path(host, host_path);
        g_autoptr(GByteArray) data = g_byte_array_new();
        g_autoptr(GError) error = NULL;

        for (guint i = 0; argv[i]; i++)
                g_byte_array_append(data, (const guint8 *)argv[i], strlen(argv[i]) + 1);
        g_file_set_contents(path, (const char *)data->data, data->len, &error);
        g_assert_no_error(error);
}

/* What every host has, whatever its CPU: the kernel's identity, a command
 * line, the modprobe.d directories a distribution ships, unrelated modules,
 * and processes that do not use KVM. */
static void add_base(NvTestHost *host, const char *arch)
{
        static const char *const shell_fds[] = { "/dev/null", "socket:[31337]", "pipe:[4096]", NULL };
        static const char *const journald_fds[] = { "/run/log/journal/system.journal",
                                                    "anon_inode:[eventpoll]", NULL };

        nv_test_host_set_arch(host, arch);
        nv_test_host_set_osrelease(host, NV_TEST_OSRELEASE);
        nv_test_host_set_cmdline(host, DEFAULT_CMDLINE);
        /* A kernel with loadable modules; what it lists is not read. */
        nv_test_host_write(host, "/proc/modules", "loop 32768 0 - Live 0x0000000000000000\n");
        nv_test_host_create_modprobe_dirs(host);
        /* What Debian ships: files that mention other modules only. */
        nv_test_host_write_modprobe(
                host, "/lib/modprobe.d", "aliases.conf",
                "# Aliases\nalias char-major-10-175 agpgart\nalias binfmt-0064 binfmt_aout\n");
        nv_test_host_write_modprobe(host, "/etc/modprobe.d", "blacklist.conf",
                                    "blacklist pcspkr\noptions snd_hda_intel power_save=1\n");
        nv_test_host_add_builtin(host, "kernel/fs/ext4/ext4.ko");
        if (g_str_equal(arch, "x86_64")) {
                nv_test_host_write(host, "/lib/modules/" NV_TEST_OSRELEASE "/modules.dep", MODULES_DEP);
                /* Empty: the daemon only looks whether they exist. */
                for (gsize i = 0; i < G_N_ELEMENTS(module_files); i++) {
                        g_autofree char *path =
                                g_build_filename("/lib/modules", NV_TEST_OSRELEASE, module_files[i], NULL);

                        nv_test_host_write(host, path, "");
                }
        }
        /* Who /dev/kvm's owner and group are. */
        nv_test_host_write(host, "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
        nv_test_host_write(host, "/etc/group", "root:x:0:\nkvm:x:993:\n");
        nv_test_host_add_builtin(host, "kernel/drivers/tty/serial/8250/8250.ko");
        nv_test_host_load_module(host, "loop", 0, NULL);
        nv_test_host_add_process(host, 1, "systemd", shell_fds);
        nv_test_host_add_process(host, 301, "systemd-journal", journald_fds);
        nv_test_host_add_process(host, 1200, "bash", shell_fds);
}

/* An Intel server with kvm and kvm_intel loaded (nested @nested) and
 * /dev/kvm. */
static void add_intel_loaded(NvTestHost *host, const char *sys_vendor, const char *product_name,
                             const char *nested)
{
        add_base(host, "x86_64");
        nv_test_host_set_cpuinfo(host, "GenuineIntel", INTEL_FLAGS, 4);
        nv_test_host_set_dmi(host, sys_vendor, product_name);
        nv_test_host_load_module(host, "kvm", 1, NULL);
        nv_test_host_load_module(host, "kvm_intel", 0, nested);
        nv_test_host_add_kvm_device(host);
}

/* A ppc64le host whose processors are @cpu, with @trailer (the lines
 * after their blocks): kvm loaded (it registers /dev/kvm), kvm_hv loadable. */
static void add_ppc64le(NvTestHost *host, const char *cpu, const char *trailer)
{
        g_autofree char *cpuinfo =
                g_strdup_printf("processor\t: 0\ncpu\t\t: %s, altivec supported\n"
                                "clock\t\t: 2166.000000MHz\nrevision\t: 2.2 (pvr 004e 1202)\n\n"
                                "processor\t: 1\ncpu\t\t: %s, altivec supported\n"
                                "clock\t\t: 2166.000000MHz\nrevision\t: 2.2 (pvr 004e 1202)\n\n"
                                "%s",
                                cpu, cpu, trailer);

        add_base(host, "ppc64le");
        nv_test_host_write(host, "/proc/cpuinfo", cpuinfo);
        nv_test_host_write(host, "/lib/modules/" NV_TEST_OSRELEASE "/modules.dep",
                           "kernel/arch/powerpc/kvm/kvm.ko: \n"
                           "kernel/arch/powerpc/kvm/kvm-hv.ko: kernel/arch/powerpc/kvm/kvm.ko\n");
        nv_test_host_write(host, "/lib/modules/" NV_TEST_OSRELEASE "/kernel/arch/powerpc/kvm/kvm.ko", "");
        nv_test_host_write(host, "/lib/modules/" NV_TEST_OSRELEASE "/kernel/arch/powerpc/kvm/kvm-hv.ko", "");
        nv_test_host_load_module(host, "kvm", 1, NULL);
        nv_test_host_add_kvm_device(host);
}

NvTestHost *nv_test_host_new_preset(NvTestPreset preset)
{
        NvTestHost *host = nv_test_host_new();

        switch (preset) {
        case NV_TEST_PRESET_INTEL_LOADED:
                add_intel_loaded(host, "Dell Inc.", "PowerEdge R740", "N");
                break;
        case NV_TEST_PRESET_AMD_LOADED:
                add_base(host, "x86_64");
                nv_test_host_set_cpuinfo(host, "AuthenticAMD", AMD_FLAGS, 8);
                nv_test_host_set_dmi(host, "ASUS", "System Product Name");
                nv_test_host_load_module(host, "kvm", 1, NULL);
                nv_test_host_load_module(host, "kvm_amd", 0, "1");
                /* Dashes, as people write it: the same module as kvm_amd. */
                nv_test_host_write_modprobe(host, "/etc/modprobe.d", "kvm.conf",
                                            "options kvm-amd nested=1\n");
                nv_test_host_add_kvm_device(host);
                break;
        case NV_TEST_PRESET_VENDOR_MODULE_NOT_LOADED:
                add_base(host, "x86_64");
                nv_test_host_set_cpuinfo(host, "GenuineIntel", INTEL_FLAGS, 2);
                nv_test_host_set_dmi(host, "LENOVO", "20XW0055GE");
                nv_test_host_write_modprobe(host, "/etc/modprobe.d", "kvm.conf",
                                            "options kvm_intel nested=0\n");
                break;
        case NV_TEST_PRESET_KVM_BUILTIN:
                add_base(host, "x86_64");
                nv_test_host_set_cpuinfo(host, "GenuineIntel", INTEL_FLAGS, 4);
                nv_test_host_set_dmi(host, "Dell Inc.", "PowerEdge R740");
                nv_test_host_set_cmdline(host, DEFAULT_CMDLINE " kvm_intel.nested=0");
                nv_test_host_builtin_module(host, "kvm", KVM_KO, NULL);
                nv_test_host_builtin_module(host, "kvm_intel", KVM_INTEL_KO, "N");
                /* Ignored: modprobe never loads a built-in module. */
                nv_test_host_write_modprobe(host, "/etc/modprobe.d", "kvm.conf",
                                            "options kvm_intel nested=1\n");
                nv_test_host_add_kvm_device(host);
                break;
        case NV_TEST_PRESET_L1_GUEST:
                add_base(host, "x86_64");
                nv_test_host_set_cpuinfo(host, "GenuineIntel", INTEL_GUEST_FLAGS, 2);
                nv_test_host_set_dmi(host, "QEMU", "Standard PC (Q35 + ICH9, 2009)");
                break;
        case NV_TEST_PRESET_HYPERV_GUEST:
                add_base(host, "x86_64");
                nv_test_host_set_cpuinfo(host, "GenuineIntel", INTEL_GUEST_FLAGS, 2);
                nv_test_host_set_dmi(host, "Microsoft Corporation", "Virtual Machine");
                break;
        case NV_TEST_PRESET_UNKNOWN_VENDOR:
                add_base(host, "x86_64");
                nv_test_host_set_cpuinfo(host, "CyrixInstead", COMMON_FLAGS, 1);
                nv_test_host_set_dmi(host, "Generic", "Retro PC");
                break;
        case NV_TEST_PRESET_NON_X86:
                add_base(host, "aarch64");
                nv_test_host_write(host, "/proc/cpuinfo",
                                   "processor\t: 0\nBogoMIPS\t: 50.00\n"
                                   "Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics cpuid\n"
                                   "CPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x3\n"
                                   "CPU part\t: 0xd0c\nCPU revision\t: 1\n\n"
                                   "processor\t: 1\nBogoMIPS\t: 50.00\n"
                                   "Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics cpuid\n"
                                   "CPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x3\n"
                                   "CPU part\t: 0xd0c\nCPU revision\t: 1\n\n");
                break;
        case NV_TEST_PRESET_S390X:
        case NV_TEST_PRESET_S390X_HPAGE:
        case NV_TEST_PRESET_S390X_HPAGE_PERSISTENT:
                add_base(host, "s390x");
                nv_test_host_write(
                        host, "/proc/cpuinfo",
                        "vendor_id       : IBM/S390\n# processors    : 2\n"
                        "bogomips per cpu: 3241.00\nmax thread id   : 0\n"
                        "features\t: esan3 zarch stfle msa ldisp eimm dfp edat etf3eh highgprs te "
                        "vx vxd vxe gs vxe2 vxp sort dflt sie\n"
                        "facilities      : 0 1 2 3 4 6 7 8 9 10 12 14 15 16 17 18 19 20\n\n"
                        "processor 0: version = FF,  identification = 0133E8,  machine = 8561\n");
                nv_test_host_write(host, "/lib/modules/" NV_TEST_OSRELEASE "/modules.dep",
                                   "kernel/arch/s390/kvm/kvm.ko: \n");
                /* modules.dep names it, and the file is there: loadable. */
                nv_test_host_write(host, "/lib/modules/" NV_TEST_OSRELEASE "/kernel/arch/s390/kvm/kvm.ko",
                                   "");
                nv_test_host_load_module(host, "kvm", 0, "0");
                nv_test_host_add_kvm_device(host);
                if (preset != NV_TEST_PRESET_S390X)
                        nv_test_host_write(host, "/sys/module/kvm/parameters/hpage",
                                           preset == NV_TEST_PRESET_S390X_HPAGE ? "1\n" : "0\n");
                if (preset == NV_TEST_PRESET_S390X_HPAGE_PERSISTENT)
                        nv_test_host_write(host, "/etc/modprobe.d/s390-hpage.conf", "options kvm hpage=1\n");
                break;
        case NV_TEST_PRESET_PPC64LE_POWER9:
        case NV_TEST_PRESET_PPC64LE_POWER8:
                add_ppc64le(host, preset == NV_TEST_PRESET_PPC64LE_POWER8 ? "POWER8E (raw)" : "POWER9 (raw)",
                            "timebase\t: 512000000\nplatform\t: PowerNV\nmodel\t\t: 9006-22P\n"
                            "machine\t\t: PowerNV 9006-22P\nfirmware\t: OPAL\nMMU\t\t: Radix\n");
                /* opal_sysfs_init() (arch/powerpc/platforms/powernv/opal.c) */
                nv_test_host_mkdir(host, "/sys/firmware/opal");
                nv_test_host_load_module(host, "kvm_hv", 0, "Y");
                break;
        case NV_TEST_PRESET_PPC64LE_PSERIES_KVM:
        case NV_TEST_PRESET_PPC64LE_PSERIES_KVM_NO_HV:
                add_ppc64le(host, "POWER9 (architected)",
                            "timebase\t: 512000000\nplatform\t: pSeries\n"
                            "model\t\t: IBM pSeries (emulated by qemu)\n"
                            "machine\t\t: CHRP IBM pSeries (emulated by qemu)\nMMU\t\t: Radix\n");
                /* vio_bus_init() (arch/powerpc/platforms/pseries/vio.c), and
                 * QEMU's device tree under KVM (hw/ppc/spapr.c), without the
                 * strings' terminating NUL. */
                nv_test_host_mkdir(host, "/sys/bus/vio");
                nv_test_host_write(host, "/proc/device-tree/compatible", "qemu,pseries");
                nv_test_host_write(host, "/proc/device-tree/hypervisor/compatible", "linux,kvm");
                if (preset == NV_TEST_PRESET_PPC64LE_PSERIES_KVM)
                        nv_test_host_load_module(host, "kvm_hv", 0, "Y");
                break;
        case NV_TEST_PRESET_ARM64_NESTED:
                add_base(host, "aarch64");
                nv_test_host_set_osrelease(host, "6.16.0-1-arm64");
                nv_test_host_set_cmdline(host, DEFAULT_CMDLINE " kvm-arm.mode=nested");
                nv_test_host_write(host, "/proc/cpuinfo",
                                   "processor\t: 0\nBogoMIPS\t: 2000.00\n"
                                   "Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics cpuid\n"
                                   "CPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x0\n"
                                   "CPU part\t: 0xd4f\nCPU revision\t: 1\n\n");
                nv_test_host_builtin_module(host, "kvm", "kernel/arch/arm64/kvm/kvm.ko", NULL);
                nv_test_host_add_kvm_device(host);
                break;
        case NV_TEST_PRESET_MODULE_ABSENT:
                add_base(host, "x86_64");
                nv_test_host_set_cpuinfo(host, "AuthenticAMD", AMD_FLAGS, 8);
                nv_test_host_set_dmi(host, "ASUS", "System Product Name");
                nv_test_host_load_module(host, "kvm", 0, NULL);
                nv_test_host_write(host, "/lib/modules/" NV_TEST_OSRELEASE "/modules.dep",
                                   LOOP_KO ": \n" KVM_KO ": \n");
                nv_test_host_remove(host, "/lib/modules/" NV_TEST_OSRELEASE "/" KVM_AMD_KO);
                nv_test_host_write_modprobe(host, "/etc/modprobe.d", "kvm.conf",
                                            "options kvm_amd nested=1\n");
                break;
        case NV_TEST_PRESET_NO_MODULE_LOADING:
                add_base(host, "x86_64");
                nv_test_host_set_cpuinfo(host, "AuthenticAMD", AMD_FLAGS, 8);
                nv_test_host_set_dmi(host, "ASUS", "System Product Name");
                nv_test_host_remove(host, "/proc/modules");
                nv_test_host_unload_module(host, "loop");
                nv_test_host_builtin_module(host, "kvm", KVM_KO, NULL);
                break;
        case NV_TEST_PRESET_L1_GUEST_NESTED:
                add_base(host, "x86_64");
                nv_test_host_set_cpuinfo(host, "GenuineIntel", INTEL_FLAGS " hypervisor", 2);
                nv_test_host_set_dmi(host, "QEMU", "Standard PC (Q35 + ICH9, 2009)");
                nv_test_host_load_module(host, "kvm", 1, NULL);
                nv_test_host_load_module(host, "kvm_intel", 0, "Y");
                nv_test_host_add_kvm_device(host);
                nv_test_host_set_kvm_access(host, NV_TEST_KVM_GID, 0660);
                break;
        case NV_TEST_PRESET_PVM:
        case NV_TEST_PRESET_PVM_CONTAINER:
                add_base(host, "x86_64");
                nv_test_host_set_cpuinfo(host, "AuthenticAMD", PVM_GUEST_FLAGS, 2);
                nv_test_host_set_dmi(host, "QEMU", "Standard PC (i440FX + PIIX, 1996)");
                nv_test_host_set_cmdline(host, DEFAULT_CMDLINE " nomodule nested_pvm=1");
                nv_test_host_remove(host, "/proc/modules");
                nv_test_host_unload_module(host, "loop");
                nv_test_host_builtin_module(host, "kvm", KVM_KO, NULL);
                nv_test_host_builtin_module(host, "kvm_pvm", KVM_PVM_KO, NULL);
                /* Without modules.builtin, as on that kernel: the
                 * directories alone say built in. */
                nv_test_host_remove(host, "/lib/modules");
                nv_test_host_add_kvm_device(host);
                if (preset == NV_TEST_PRESET_PVM_CONTAINER)
                        nv_test_host_write(host, "/.dockerenv", "");
                break;
        case NV_TEST_PRESET_CONTAINER:
                add_intel_loaded(host, "Dell Inc.", "PowerEdge R740", "Y");
                nv_test_host_write(host, "/.dockerenv", "");
                break;
        case NV_TEST_PRESET_MODPROBE_SPREAD:
                add_intel_loaded(host, "Supermicro", "SYS-1029P-WTR", "Y");
                nv_test_host_set_cmdline(host, DEFAULT_CMDLINE " kvm-intel.nested=1");
                /* Without the command line, /run/modprobe.d/zz-local.conf
                 * would win: it sorts last, and /etc/modprobe.d/kvm.conf
                 * hides /usr/lib/modprobe.d/kvm.conf. */
                nv_test_host_write_modprobe(host, "/usr/lib/modprobe.d", "kvm.conf",
                                            "options kvm_intel nested=0\n");
                nv_test_host_write_modprobe(host, "/usr/lib/modprobe.d", "50-kvm.conf",
                                            "options kvm_intel nested=1\n");
                nv_test_host_write_modprobe(host, "/lib/modprobe.d", "10-kvm.conf",
                                            "options kvm_intel nested=1 enable_apicv=1\n");
                nv_test_host_write_modprobe(host, "/etc/modprobe.d", "kvm.conf",
                                            "# Managed by hand\noptions kvm_intel nested=1\n");
                nv_test_host_write_modprobe(host, "/run/modprobe.d", "zz-local.conf",
                                            "options kvm-intel nested=0\n");
                break;
        default:
                g_assert_not_reached();
        }
        return host;
}
