/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the CPU is: vendor and virtualization flags from /proc/cpuinfo, and
 * the name of the hypervisor we run under from its CPUID signature or the
 * DMI strings it presents. Pure functions: callers do the reading.
 */
#pragma once

#include <glib.h>

#include "nv-hypervisor-product.h"

typedef enum {
        NV_CPU_VENDOR_UNKNOWN,
        NV_CPU_VENDOR_INTEL,
        NV_CPU_VENDOR_AMD,
} NvCpuVendor;

typedef struct {
        NvCpuVendor vendor;
        gboolean has_vendor_id; /* a "vendor_id" line was found */
        gboolean has_flags;     /* a "flags" line was found */
        gboolean has_vmx;       /* Intel VT-x */
        gboolean has_svm;       /* AMD-V */
        gboolean has_hypervisor;
        /* What the CPU's virtualization offers a guest, which decides how
         * fast nested guests run (nv-acceleration.h). Intel's are on the
         * "vmx flags" line since Linux 5.8, ept and vpid on "flags"
         * before; AMD's are on "flags". */
        gboolean has_vmx_flags; /* a "vmx flags" line was found */
        gboolean has_ept;
        gboolean has_vpid;
        gboolean has_unrestricted_guest;
        gboolean has_shadow_vmcs;
        gboolean has_npt;
        gboolean has_nrip_save;
        gboolean has_vgif;
        gboolean has_v_vmsave_vmload;
        /* s390: the SIE facility, on the "features" line, without which
         * KVM does not load (arch/s390/kvm/kvm-s390.c, kvm_s390_init()). */
        gboolean has_sie;
        /* POWER: the generation of the "cpu" line ("POWER9 (raw)": 9; 0
         * when none). */
        guint power_generation;
} NvCpuInfo;

/* The architectures Linux nests KVM on, by /proc/sys/kernel/arch. */
typedef enum {
        NV_ARCH_OTHER,
        NV_ARCH_X86,
        NV_ARCH_S390X,
        NV_ARCH_PPC64,
        NV_ARCH_ARM64,
} NvArch;

/*
 * POWER: whether the kernel runs on the machine itself in hypervisor mode
 * or as a guest, which decides whether KVM-HV (kvm_hv) can run. /proc/cpuinfo
 * says so in its "platform" line, but only after every processor's block,
 * which the reader does not go through (nv-host.c); the host reader looks
 * for what each platform's own setup code creates instead.
 */
typedef enum {
        /* Not POWER, or neither sign was found (an older tree, a kernel
         * without either platform built in). */
        NV_POWER_PLATFORM_UNKNOWN,
        /* PowerNV: bare metal under OPAL firmware, the kernel in HV mode. */
        NV_POWER_PLATFORM_POWERNV,
        /* pSeries: a PAPR guest, a PowerVM LPAR or a KVM/QEMU guest; it
         * runs KVM-HV only when its hypervisor offers nesting. */
        NV_POWER_PLATFORM_PSERIES,
} NvPowerPlatform;

/* "x86_64", "i686", ... -> X86; "s390x" -> S390X; "ppc64le", "ppc64" ->
 * PPC64; "aarch64" -> ARM64; anything else or NULL -> OTHER. */
NvArch nv_arch_from_string(const char *architecture);

/*
 * The module whose "nested" parameter decides nesting: kvm_intel or
 * kvm_amd on x86 by @vendor; kvm on s390x (arch/s390/kvm/kvm-s390.c:
 * "nested", an int, default 0); kvm_hv on ppc64 (arch/powerpc/kvm/
 * book3s_hv.c: "nested", a bool, default true, writable at run time).
 * NULL where no module parameter decides (arm64, where only
 * kvm-arm.mode=nested on the command line does) or nothing nests.
 */
const char *nv_nesting_module(NvArch arch, NvCpuVendor vendor);

/* s390's nesting module, whose "hpage" (1M huge-page backing of guests)
 * kvm_s390_init() refuses together with "nested" (arch/s390/kvm/kvm-s390.c,
 * up to Linux 6.19). */
#define NV_HPAGE_MODULE "kvm"

/*
 * Parses the text of /proc/cpuinfo (@len bytes, not necessarily
 * NUL-terminated). Only the first "vendor_id", "flags" and "vmx flags"
 * lines count, and only in the first processor's block (up to the first
 * blank line after a line with text): every processor of an x86 machine
 * reports the same, and on a many-core host reading further is wasted
 * work. "GenuineIntel" is Intel;
 * "AuthenticAMD" and "HygonGenuine" (Hygon Dhyana, which uses kvm_amd) are
 * AMD; anything else, or no vendor_id line, is unknown. Flags are matched
 * as whole words. Never fails: garbage gives an all-unknown result.
 */
void nv_cpuinfo_parse(const char *text, gsize len, NvCpuInfo *ret);

/*
 * The same, on the start of the file (complete lines): TRUE when nothing
 * after @text can change @ret (the first processor's block ended, or every
 * line that counts was seen), so that the reader can stop reading
 * (a 512-CPU host's /proc/cpuinfo is about 1 MB, its first block 2 to 3 kB).
 */
gboolean nv_cpuinfo_parse_prefix(const char *text, gsize len, NvCpuInfo *ret);

/* "intel", "amd" or "unknown". */
const char *nv_cpu_vendor_to_string(NvCpuVendor vendor);

/* "kvm_intel", "kvm_amd", or NULL for an unknown vendor. */
const char *nv_cpu_vendor_module(NvCpuVendor vendor);

/* TRUE when @info has the virtualization flag of its vendor (vmx for Intel,
 * svm for AMD; for an unknown vendor either one, s390's sie, or POWER9
 * or later, which nested KVM needs on POWER: whether the kernel may run
 * KVM-HV there, in HV mode or as a guest given nested-hv, only kvm_hv's
 * loading tells). */
gboolean nv_cpuinfo_has_hardware_virtualization(const NvCpuInfo *info);

/*
 * Maps the 12-byte hypervisor signature of CPUID leaf 0x40000000
 * (EBX, ECX, EDX) to a name in systemd-detect-virt's vocabulary: "kvm",
 * "qemu" (TCG), "microsoft", "vmware", "xen", "bhyve", "acrn", "qnx",
 * "parallels", "oracle", "apple", "sre". Unknown signature: NULL.
 */
const char *nv_hypervisor_from_cpuid_signature(const char signature[12]);

/*
 * Names the hypervisor below a pSeries guest from its device tree, as the
 * kernel's pseries_add_hw_description() does
 * (arch/powerpc/platforms/pseries/setup.c): @hypervisor_compatible, the
 * first string of /proc/device-tree/hypervisor/compatible, which QEMU
 * creates under KVM only (hw/ppc/spapr.c, spapr_dt_hypervisor(): "linux,kvm",
 * also the kernel's own test, check_kvm_guest() in
 * arch/powerpc/kernel/firmware.c) -> "kvm"; @root_compatible, the first
 * string of /proc/device-tree/compatible, "qemu,pseries" for any QEMU
 * pseries machine (TCG too) -> "qemu"; @powervm_partition, the root's
 * "ibm,powervm-partition" (PAPR+ 2.11) or "ibm,fw-net-version" property
 * -> "powervm". Any may be NULL/FALSE; no match: NULL.
 */
const char *nv_hypervisor_from_pseries_device_tree(const char *hypervisor_compatible,
                                                   const char *root_compatible, gboolean powervm_partition);

/*
 * Maps DMI strings (/sys/class/dmi/id/sys_vendor, product_name,
 * board_vendor, bios_vendor; any may be NULL, trailing whitespace is
 * ignored) to the same vocabulary: "QEMU" -> "qemu", "KVM" -> "kvm",
 * "VMware" -> "vmware", "innotek GmbH"/"VirtualBox"/"Oracle Corporation"
 * -> "oracle", "Xen" -> "xen", "Microsoft Corporation" with product
 * "Virtual Machine" -> "microsoft", "Parallels" -> "parallels", "BHYVE" ->
 * "bhyve", "Amazon EC2" -> "amazon", "Google"/"Google Compute Engine" ->
 * "google", "Apple Virtualization" -> "apple". No match: NULL.
 */
const char *nv_hypervisor_from_dmi(const char *sys_vendor, const char *product_name,
                                   const char *board_vendor, const char *bios_vendor);

/* What tells the product below a guest apart: the hypervisor's name as
 * the two functions above give it (or "xen" from /sys/hypervisor/type),
 * the DMI strings (/sys/class/dmi/id/...), and the kernel's release
 * (/proc/sys/kernel/osrelease). Any may be NULL. */
typedef struct {
        const char *hypervisor;
        const char *sys_vendor;
        const char *product_name;
        const char *board_vendor;
        const char *chassis_asset_tag;
        const char *bios_vendor;
        const char *osrelease;
} NvHypervisorProductFacts;

/*
 * The product a guest runs under, most specific first: a WSL2 kernel
 * ("...-microsoft-standard-WSL2") before the Hyper-V it runs on, Azure's
 * chassis asset tag before Hyper-V, the clouds' DMI names (Amazon EC2,
 * Google Compute Engine, OpenStack) before the KVM they run on, a
 * Proxmox firmware before plain KVM. Callers ask only for a guest: cloud
 * vendors write their names into bare-metal DMI too.
 */
NvHypervisorProduct nv_hypervisor_product(const NvHypervisorProductFacts *facts);
