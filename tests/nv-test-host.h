/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fake host trees for the integration tests: a temporary directory laid out
 * like the parts of /proc, /sys, /lib/modules, the modprobe.d directories
 * and /dev that nestedvirtd reads when it is started with --root. Presets
 * describe the hosts users actually have; tests then change single files
 * to see how the daemon reacts.
 */
#pragma once

#include <glib.h>

typedef struct NvTestHost NvTestHost;

typedef enum {
        /* Intel host, kvm and kvm_intel loaded, nested "N", nothing configured. */
        NV_TEST_PRESET_INTEL_LOADED,
        /* AMD host, kvm and kvm_amd loaded, nested "1", "options kvm-amd nested=1"
         * in /etc/modprobe.d/kvm.conf. */
        NV_TEST_PRESET_AMD_LOADED,
        /* Intel host with neither kvm nor kvm_intel loaded, "options kvm_intel
         * nested=0" in /etc/modprobe.d/kvm.conf. */
        NV_TEST_PRESET_VENDOR_MODULE_NOT_LOADED,
        /* Intel host whose kernel has kvm and kvm_intel built in, nested "N",
         * "kvm_intel.nested=0" on the command line and a contrary
         * /etc/modprobe.d/kvm.conf that must be ignored. */
        NV_TEST_PRESET_KVM_BUILTIN,
        /* An L1 guest under QEMU: "hypervisor" flag, no vmx, no KVM loaded. */
        NV_TEST_PRESET_L1_GUEST,
        /* A CPU that is neither Intel nor AMD. */
        NV_TEST_PRESET_UNKNOWN_VENDOR,
        /* An aarch64 host: no vendor_id in cpuinfo. */
        NV_TEST_PRESET_NON_X86,
        /* Intel host, kvm_intel loaded with nested "Y", settings for nested
         * spread over /etc, /run, /usr/lib, /lib modprobe.d and the kernel
         * command line (which wins). */
        NV_TEST_PRESET_MODPROBE_SPREAD,
        /* AMD host with kvm loaded whose module tree has no kvm_amd
         * (modules.dep does not list it, and no file of it exists):
         * absent from the kernel. */
        NV_TEST_PRESET_MODULE_ABSENT,
        /* AMD host whose kernel has kvm built in, no kvm_amd, and loads no
         * modules (no /proc/modules). */
        NV_TEST_PRESET_NO_MODULE_LOADING,
        /* An L1 guest under KVM that got vmx: kvm_intel loaded, nested Y,
         * /dev/kvm of group kvm (0660). */
        NV_TEST_PRESET_L1_GUEST_NESTED,
        /* A PVM guest: AMD CPU with "hypervisor" and no svm, kvm and
         * kvm_pvm built in, no module loading, /dev/kvm 0600 root:root. */
        NV_TEST_PRESET_PVM,
        /* kvm_intel loaded as on intel-loaded, but in a Docker container
         * (/.dockerenv). */
        NV_TEST_PRESET_CONTAINER,
        /* PVM in a Docker container: the machine this was written on. */
        NV_TEST_PRESET_PVM_CONTAINER,
        /* An L1 guest under Hyper-V: Intel, "hypervisor" flag, no vmx
         * (ExposeVirtualizationExtensions off), no KVM loaded. */
        NV_TEST_PRESET_HYPERV_GUEST,
        /* s390x with the sie facility, kvm loaded with nested "0" (its
         * default), nothing configured. */
        NV_TEST_PRESET_S390X,
        /* ppc64le POWER9 in HV mode (PowerNV: /sys/firmware/opal), kvm_hv
         * loaded with nested "Y" (its default). */
        NV_TEST_PRESET_PPC64LE_POWER9,
        /* arm64 on Linux 6.16 booted with kvm-arm.mode=nested, KVM built
         * in. (The non-x86 preset is arm64 on 6.1 without it.) */
        NV_TEST_PRESET_ARM64_NESTED,
        /* s390x as above, but kvm loaded with hpage "1" (huge-page backing
         * of guests, which Linux up to 6.19 refuses together with nested),
         * nothing configured. */
        NV_TEST_PRESET_S390X_HPAGE,
        /* s390x as above, kvm loaded with hpage "0", and "options kvm
         * hpage=1" in /etc/modprobe.d/s390-hpage.conf: the next load. */
        NV_TEST_PRESET_S390X_HPAGE_PERSISTENT,
        /* ppc64le POWER8 in HV mode (PowerNV): kvm_hv loaded with nested
         * "Y", which POWER8 cannot use. */
        NV_TEST_PRESET_PPC64LE_POWER8,
        /* ppc64le POWER9 pSeries guest of KVM/QEMU started with
         * cap-nested-hv=on: kvm_hv loaded, nested "Y". */
        NV_TEST_PRESET_PPC64LE_PSERIES_KVM,
        /* The same guest without cap-nested-hv: kvm_hv failed to load
         * (loadable, not loaded), /dev/kvm is kvm's alone. */
        NV_TEST_PRESET_PPC64LE_PSERIES_KVM_NO_HV,
} NvTestPreset;

#define NV_TEST_PRESET_COUNT (NV_TEST_PRESET_PPC64LE_PSERIES_KVM_NO_HV + 1)

/* The gid of group "kvm" in the trees' /etc/group. */
#define NV_TEST_KVM_GID 993

#define NV_TEST_OSRELEASE "6.1.0-test"

/* Short name of a preset for test paths, e.g. "intel-loaded". */
const char *nv_test_preset_to_string(NvTestPreset preset);

/* An empty tree with nothing but the root directory. */
NvTestHost *nv_test_host_new(void);

/* A tree for @preset. */
NvTestHost *nv_test_host_new_preset(NvTestPreset preset);

/* Removes the tree, without following the symbolic links in it. */
void nv_test_host_free(NvTestHost *host);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvTestHost, nv_test_host_free)

const char *nv_test_host_get_root(const NvTestHost *host);

/* @host_path ("/proc/cpuinfo") below the root of the tree. */
char *nv_test_host_path(const NvTestHost *host, const char *host_path);

/* Writes @contents to @host_path in place (truncating, as `echo >` does,
 * rather than replacing the file), creating the parent directories. */
void nv_test_host_write(NvTestHost *host, const char *host_path, const char *contents);

/* Same, for contents that may hold NUL bytes. */
void nv_test_host_write_data(NvTestHost *host, const char *host_path, const void *data, gsize len);

/* The contents of @host_path (a NUL follows them, not counted), or NULL
 * when it does not exist; read without following a symbolic link there. */
GBytes *nv_test_host_read(NvTestHost *host, const char *host_path);

/* A text file at @host_path of at least @min_size bytes: comment lines,
 * then @last_line (NULL: none), for files larger than a reader's limit. */
void nv_test_host_write_big(NvTestHost *host, const char *host_path, gsize min_size, const char *last_line);

/* Creates @host_path as a directory, with its parents. */
void nv_test_host_mkdir(NvTestHost *host, const char *host_path);

/* Creates @host_path as a symbolic link whose target text is @target. */
void nv_test_host_symlink(NvTestHost *host, const char *host_path, const char *target);

/* Removes the file, link or directory tree at @host_path if it exists. */
void nv_test_host_remove(NvTestHost *host, const char *host_path);

/* /proc/cpuinfo with @n_processors blocks, each with @vendor_id (NULL: no
 * vendor_id line) and @flags (NULL: no flags line). */
void nv_test_host_set_cpuinfo(NvTestHost *host, const char *vendor_id, const char *flags,
                              guint n_processors);

/* /proc/sys/kernel/arch, /proc/sys/kernel/osrelease, /proc/cmdline. */
void nv_test_host_set_arch(NvTestHost *host, const char *arch);
void nv_test_host_set_osrelease(NvTestHost *host, const char *osrelease);
void nv_test_host_set_cmdline(NvTestHost *host, const char *cmdline);

/* A loaded ("live") module with @refcnt references; @nested (NULL: none) is
 * the content of parameters/nested, without its newline. */
void nv_test_host_load_module(NvTestHost *host, const char *module, guint refcnt, const char *nested);

/* The parameters of vendor @module (kvm_intel, kvm_amd) that decide how
 * fast nested guests are, in their order (kvm_intel: ept,
 * enable_shadow_vmcs, enable_apicv, unrestricted_guest; kvm_amd: npt,
 * vgif, vls, avic); @values NULL: the defaults of a modern CPU. A module
 * given a nested value above gets the defaults. */
void nv_test_host_set_acceleration(NvTestHost *host, const char *module, const char *const *values);

/* A built-in module: /sys/module/@module without initstate nor refcnt, and
 * @ko_path ("kernel/arch/x86/kvm/kvm.ko") listed in modules.builtin. */
void nv_test_host_builtin_module(NvTestHost *host, const char *module, const char *ko_path,
                                 const char *nested);

/* /dev/kvm, and the misc device behind it (/sys/class/misc/kvm), as a
 * vendor module registers them: mode 0600, owned by the tests' user
 * (root when they run as root). */
void nv_test_host_add_kvm_device(NvTestHost *host);

/* Gives /dev/kvm group @gid and mode @mode; FALSE (with the test
 * skipped) when the tests may not chown. */
gboolean nv_test_host_set_kvm_access(NvTestHost *host, guint gid, guint mode);

/* Removes /sys/module/@module: the module is not in the kernel. */
void nv_test_host_unload_module(NvTestHost *host, const char *module);

/* Appends @ko_path to /lib/modules/OSRELEASE/modules.builtin. */
void nv_test_host_add_builtin(NvTestHost *host, const char *ko_path);

/* /sys/class/dmi/id/sys_vendor and product_name (NULL: absent). */
void nv_test_host_set_dmi(NvTestHost *host, const char *sys_vendor, const char *product_name);

/* Creates every modprobe.d directory the daemon reads, empty. */
void nv_test_host_create_modprobe_dirs(NvTestHost *host);

/* @dir ("/etc/modprobe.d") / @name gets @contents. */
void nv_test_host_write_modprobe(NvTestHost *host, const char *dir, const char *name, const char *contents);

/* A process /proc/@pid with comm @comm whose descriptors 3, 4, ... are
 * symbolic links to the NULL-terminated @fd_targets ("/dev/kvm",
 * "anon_inode:kvm-vm", "socket:[1234]"). */
void nv_test_host_add_process(NvTestHost *host, guint32 pid, const char *comm,
                              const char *const *fd_targets);

/* Gives process @pid the command line @argv (NULL-terminated), written to
 * /proc/PID/cmdline as the kernel shows it: each argument ended by NUL. */
void nv_test_host_set_process_cmdline(NvTestHost *host, guint32 pid, const char *const *argv);
