/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Hypervisor detection (nv-hypervisor.h): CPUID leaf 0x40000000 on the real
 * host, then the DMI strings and Xen's type in sysfs below the root; the
 * product from those and the kernel's release.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "nv-file.h"
#include "nv-hypervisor.h"

/* The first line of a small sysfs attribute below @root; NULL when it is
 * missing or unreadable, which for these files only means "no answer".
 * sysfs cuts an attribute at a page, so the bound cuts nothing real. */
static char *read_line(const char *root, const char *host_path)
{
        g_autofree char *path = g_build_filename(root, host_path, NULL);
        g_autofree char *text = NULL;
        int r;

        r = nv_file_read_first_line(path, 4096, &text);
        if (r < 0 && r != -EFBIG)
                return NULL;
        return g_steal_pointer(&text);
}

static char *detect_cpuid(const char *root, const NvCpuInfo *cpu)
{
#if defined(__x86_64__) || defined(__i386__)
        unsigned int eax, ebx, ecx, edx;
        char signature[12];
        const char *name;

        /* Leaf 0x40000000 is only defined when the hypervisor bit is set. */
        if (!cpu->has_hypervisor || !g_str_equal(root, "/"))
                return NULL;
        __cpuid(0x40000000, eax, ebx, ecx, edx);
        memcpy(signature + 0, &ebx, 4);
        memcpy(signature + 4, &ecx, 4);
        memcpy(signature + 8, &edx, 4);
        name = nv_hypervisor_from_cpuid_signature(signature);
        return name ? g_strdup(name) : NULL;
#else
        return NULL;
#endif
}

/* Amazon, Google and Oracle put their names into the DMI data of bare-metal
 * machines too (metal instances, Chromebooks, Oracle servers); without
 * the CPU's hypervisor flag, only names that no bare machine carries
 * count. */
static gboolean dmi_names_only_virtual(const char *hypervisor)
{
        static const char *const only_virtual[] = { "qemu",  "kvm",       "vmware",
                                                    "bhyve", "parallels", "microsoft" };

        for (size_t i = 0; i < G_N_ELEMENTS(only_virtual); i++)
                if (g_str_equal(hypervisor, only_virtual[i]))
                        return TRUE;
        return FALSE;
}

char *nv_hypervisor_detect(const char *root, const NvCpuInfo *cpu, NvHypervisorProduct *ret_product)
{
        g_autofree char *sys_vendor = NULL, *product_name = NULL, *board_vendor = NULL, *bios_vendor = NULL;
        g_autofree char *chassis_asset_tag = NULL, *osrelease = NULL;
        g_autofree char *xen = NULL;
        char *name;
        const char *dmi;

        sys_vendor = read_line(root, "/sys/class/dmi/id/sys_vendor");
        product_name = read_line(root, "/sys/class/dmi/id/product_name");
        board_vendor = read_line(root, "/sys/class/dmi/id/board_vendor");
        bios_vendor = read_line(root, "/sys/class/dmi/id/bios_vendor");
        chassis_asset_tag = read_line(root, "/sys/class/dmi/id/chassis_asset_tag");
        osrelease = read_line(root, "/proc/sys/kernel/osrelease");

        /* CPUID answers for the CPU we run on, so it only describes the
         * host when the root is the real one. */
        name = detect_cpuid(root, cpu);
        if (!name) {
                dmi = nv_hypervisor_from_dmi(sys_vendor, product_name, board_vendor, bios_vendor);
                if (dmi && (cpu->has_hypervisor || dmi_names_only_virtual(dmi)))
                        name = g_strdup(dmi);
        }
        if (!name) {
                /* Xen PV guests have no DMI but announce themselves here. */
                xen = read_line(root, "/sys/hypervisor/type");
                if (xen && g_str_equal(g_strstrip(xen), "xen"))
                        name = g_strdup("xen");
        }

        /* Only a guest has a product below it: bare-metal clouds name
         * themselves in DMI too. */
        if (name || cpu->has_hypervisor) {
                const NvHypervisorProductFacts facts = {
                        .hypervisor = name,
                        .sys_vendor = sys_vendor,
                        .product_name = product_name,
                        .board_vendor = board_vendor,
                        .chassis_asset_tag = chassis_asset_tag,
                        .bios_vendor = bios_vendor,
                        .osrelease = osrelease,
                };

                *ret_product = nv_hypervisor_product(&facts);
        } else {
                *ret_product = NV_PRODUCT_UNKNOWN;
        }
        return name;
}

static gboolean exists(const char *root, const char *host_path)
{
        g_autofree char *path = g_build_filename(root, host_path, NULL);

        return access(path, F_OK) == 0;
}

char *nv_hypervisor_detect_power(const char *root, NvPowerPlatform *ret_platform,
                                 NvHypervisorProduct *ret_product)
{
        g_autofree char *hypervisor_compatible = NULL, *root_compatible = NULL;
        const char *name;
        gboolean powervm;

        *ret_product = NV_PRODUCT_UNKNOWN;

        /* Each platform's code runs on its machine only (machine_*_initcall):
         * opal_init() makes /sys/firmware/opal (opal_sysfs_init(),
         * arch/powerpc/platforms/powernv/opal.c) on PowerNV, vio_bus_init()
         * registers the "vio" bus (arch/powerpc/platforms/pseries/vio.c) on
         * pSeries. Two existence tests, where the "platform" line of
         * /proc/cpuinfo would mean reading every processor's block: a
         * seq_file cannot seek from its end. (/proc/powerpc/lparcfg is
         * pSeries-only as well, but CONFIG_LPARCFG is off in Debian's
         * kernels.) */
        if (exists(root, "/sys/firmware/opal")) {
                *ret_platform = NV_POWER_PLATFORM_POWERNV;
                return NULL;
        }
        if (!exists(root, "/sys/bus/vio")) {
                *ret_platform = NV_POWER_PLATFORM_UNKNOWN;
                return NULL;
        }
        *ret_platform = NV_POWER_PLATFORM_PSERIES;

        /* Properties hold NUL-separated strings: the first line ends at
         * the first NUL, and the first string is the one that counts. */
        hypervisor_compatible = read_line(root, "/proc/device-tree/hypervisor/compatible");
        root_compatible = read_line(root, "/proc/device-tree/compatible");
        powervm = exists(root, "/proc/device-tree/ibm,powervm-partition") ||
                  exists(root, "/proc/device-tree/ibm,fw-net-version");
        name = nv_hypervisor_from_pseries_device_tree(hypervisor_compatible, root_compatible, powervm);
        if (name) {
                const NvHypervisorProductFacts facts = { .hypervisor = name };

                *ret_product = nv_hypervisor_product(&facts);
        }
        return g_strdup(name);
}
