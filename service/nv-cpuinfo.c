/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the CPU is: /proc/cpuinfo, CPUID hypervisor signatures and DMI
 * strings, read without touching the host (see nv-cpuinfo.h).
 */

#include "config.h"

#include <string.h>

#include "nv-cpuinfo.h"

/* NUL is deliberately not here: a value holding one is garbage, and must
 * not compare equal to a real vendor string after trimming. */
static gboolean is_blank(char c)
{
        return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static gboolean span_is(const char *s, gsize len, const char *word)
{
        return len == strlen(word) && memcmp(s, word, len) == 0;
}

static gboolean is_blank_line(const char *s, gsize len)
{
        for (gsize i = 0; i < len; i++)
                if (!is_blank(s[i]))
                        return FALSE;
        return TRUE;
}

static void trim_span(const char **s, gsize *len)
{
        while (*len > 0 && is_blank((*s)[0])) {
                (*s)++;
                (*len)--;
        }
        while (*len > 0 && is_blank((*s)[*len - 1]))
                (*len)--;
}

/* "POWER9 (raw), altivec supported" -> 9, "POWER10" -> 10, "POWER8E" -> 8;
 * 0 for anything else. */
static guint power_generation(const char *value, gsize len)
{
        guint generation = 0;
        gsize i = strlen("POWER");

        if (len <= i || memcmp(value, "POWER", i) != 0)
                return 0;
        for (; i < len && g_ascii_isdigit(value[i]) && generation < 1000; i++)
                generation = generation * 10 + (guint)(value[i] - '0');
        return generation;
}

static NvCpuVendor vendor_from_id(const char *id, gsize len)
{
        if (span_is(id, len, "GenuineIntel"))
                return NV_CPU_VENDOR_INTEL;
        /* Hygon's Dhyana is a licensed Zen: SVM, and KVM drives it with kvm_amd. */
        if (span_is(id, len, "AuthenticAMD") || span_is(id, len, "HygonGenuine"))
                return NV_CPU_VENDOR_AMD;
        return NV_CPU_VENDOR_UNKNOWN;
}

/* The features a "flags" (@vmx_line FALSE) or "vmx flags" line names. */
static void parse_flags(const char *s, gsize len, gboolean vmx_line, NvCpuInfo *ret)
{
        static const struct {
                const char *word;
                gsize offset;
                gboolean vmx_line; /* on "vmx flags" (else "flags") */
                gboolean both;     /* on either: ept and vpid moved in Linux 5.8 */
        } words[] = {
                { "vmx", G_STRUCT_OFFSET(NvCpuInfo, has_vmx), FALSE, FALSE },
                { "svm", G_STRUCT_OFFSET(NvCpuInfo, has_svm), FALSE, FALSE },
                { "hypervisor", G_STRUCT_OFFSET(NvCpuInfo, has_hypervisor), FALSE, FALSE },
                { "ept", G_STRUCT_OFFSET(NvCpuInfo, has_ept), TRUE, TRUE },
                { "vpid", G_STRUCT_OFFSET(NvCpuInfo, has_vpid), TRUE, TRUE },
                { "unrestricted_guest", G_STRUCT_OFFSET(NvCpuInfo, has_unrestricted_guest), TRUE, FALSE },
                { "shadow_vmcs", G_STRUCT_OFFSET(NvCpuInfo, has_shadow_vmcs), TRUE, FALSE },
                { "npt", G_STRUCT_OFFSET(NvCpuInfo, has_npt), FALSE, FALSE },
                { "nrip_save", G_STRUCT_OFFSET(NvCpuInfo, has_nrip_save), FALSE, FALSE },
                { "vgif", G_STRUCT_OFFSET(NvCpuInfo, has_vgif), FALSE, FALSE },
                { "v_vmsave_vmload", G_STRUCT_OFFSET(NvCpuInfo, has_v_vmsave_vmload), FALSE, FALSE },
                /* s390's "features" line is read as a "flags" line. */
                { "sie", G_STRUCT_OFFSET(NvCpuInfo, has_sie), FALSE, FALSE },
        };
        const char *end = s + len;

        while (s < end) {
                const char *word;

                while (s < end && is_blank(*s))
                        s++;
                word = s;
                while (s < end && !is_blank(*s))
                        s++;

                for (gsize i = 0; i < G_N_ELEMENTS(words); i++)
                        if ((words[i].both || words[i].vmx_line == vmx_line) &&
                            span_is(word, (gsize)(s - word), words[i].word))
                                G_STRUCT_MEMBER(gboolean, ret, words[i].offset) = TRUE;
        }
}

gboolean nv_cpuinfo_parse_prefix(const char *text, gsize len, NvCpuInfo *ret)
{
        const char *p, *end;
        gboolean in_block = FALSE;

        g_return_val_if_fail(ret != NULL, FALSE);

        *ret = (NvCpuInfo){ .vendor = NV_CPU_VENDOR_UNKNOWN };

        g_return_val_if_fail(text != NULL || len == 0, FALSE);

        /* Empty input may come as (NULL, 0), and NULL + 0 is undefined. */
        if (len == 0)
                return FALSE;

        p = text;
        end = text + len;

        for (;;) {
                const char *eol;
                const char *colon, *key, *value;
                gsize key_len, value_len;

                /* Every line that could count has been seen. */
                if (ret->has_vendor_id && ret->has_flags && ret->has_vmx_flags)
                        return TRUE;
                if (p >= end)
                        return FALSE;
                eol = memchr(p, '\n', (size_t)(end - p));
                if (eol == NULL)
                        eol = end;

                /* A blank line ends the first processor's block: AMD and
                 * older kernels have no "vmx flags" to wait for, POWER and
                 * arm64 no "flags" at all. */
                if (is_blank_line(p, (gsize)(eol - p))) {
                        if (in_block)
                                return TRUE;
                } else {
                        in_block = TRUE;
                }

                colon = memchr(p, ':', (size_t)(eol - p));
                if (colon != NULL) {
                        key = p;
                        key_len = (gsize)(colon - p);
                        value = colon + 1;
                        value_len = (gsize)(eol - value);
                        trim_span(&key, &key_len);
                        trim_span(&value, &value_len);

                        /* Exact keys: "vmx flags" lists VMX features, not CPU flags. */
                        if (!ret->has_vendor_id && span_is(key, key_len, "vendor_id")) {
                                ret->has_vendor_id = TRUE;
                                ret->vendor = vendor_from_id(value, value_len);
                        } else if (!ret->has_flags && span_is(key, key_len, "flags")) {
                                ret->has_flags = TRUE;
                                parse_flags(value, value_len, FALSE, ret);
                        } else if (!ret->has_vmx_flags && span_is(key, key_len, "vmx flags")) {
                                ret->has_vmx_flags = TRUE;
                                parse_flags(value, value_len, TRUE, ret);
                        } else if (!ret->has_flags && span_is(key, key_len, "features")) {
                                /* s390's flags line; arm64's is "Features",
                                 * and says nothing about nesting. A CPU
                                 * feature is only ever read from the one
                                 * flags line there is. */
                                ret->has_flags = TRUE;
                                parse_flags(value, value_len, FALSE, ret);
                        } else if (ret->power_generation == 0 && span_is(key, key_len, "cpu")) {
                                ret->power_generation = power_generation(value, value_len);
                        }
                }

                if (eol == end)
                        return FALSE;
                p = eol + 1;
        }
}

void nv_cpuinfo_parse(const char *text, gsize len, NvCpuInfo *ret)
{
        (void)nv_cpuinfo_parse_prefix(text, len, ret);
}

/* Each vendor's word and KVM module, by NvCpuVendor. */
static const struct {
        const char *name;
        const char *module;
} cpu_vendors[] = {
        [NV_CPU_VENDOR_UNKNOWN] = { "unknown", NULL },
        [NV_CPU_VENDOR_INTEL] = { "intel", "kvm_intel" },
        [NV_CPU_VENDOR_AMD] = { "amd", "kvm_amd" },
};

const char *nv_cpu_vendor_to_string(NvCpuVendor vendor)
{
        if ((gsize)vendor >= G_N_ELEMENTS(cpu_vendors))
                vendor = NV_CPU_VENDOR_UNKNOWN;
        return cpu_vendors[vendor].name;
}

const char *nv_cpu_vendor_module(NvCpuVendor vendor)
{
        if ((gsize)vendor >= G_N_ELEMENTS(cpu_vendors))
                vendor = NV_CPU_VENDOR_UNKNOWN;
        return cpu_vendors[vendor].module;
}

gboolean nv_cpuinfo_has_hardware_virtualization(const NvCpuInfo *info)
{
        g_return_val_if_fail(info != NULL, FALSE);

        switch (info->vendor) {
        case NV_CPU_VENDOR_INTEL:
                return info->has_vmx;
        case NV_CPU_VENDOR_AMD:
                return info->has_svm;
        case NV_CPU_VENDOR_UNKNOWN:
        default:
                /* "Enable nested virtualization (only on POWER9)"
                 * (book3s_hv.c); POWER10 and later nest too. */
                return info->has_vmx || info->has_svm || info->has_sie || info->power_generation >= 9;
        }
}

NvArch nv_arch_from_string(const char *architecture)
{
        static const char *const x86[] = { "x86_64", "x86", "i386", "i486", "i586", "i686" };

        if (!architecture)
                return NV_ARCH_OTHER;
        for (gsize i = 0; i < G_N_ELEMENTS(x86); i++)
                if (g_str_equal(architecture, x86[i]))
                        return NV_ARCH_X86;
        if (g_str_equal(architecture, "s390x"))
                return NV_ARCH_S390X;
        if (g_str_equal(architecture, "ppc64le") || g_str_equal(architecture, "ppc64"))
                return NV_ARCH_PPC64;
        if (g_str_equal(architecture, "aarch64"))
                return NV_ARCH_ARM64;
        return NV_ARCH_OTHER;
}

const char *nv_nesting_module(NvArch arch, NvCpuVendor vendor)
{
        switch (arch) {
        case NV_ARCH_X86:
                return nv_cpu_vendor_module(vendor);
        case NV_ARCH_S390X:
                return "kvm";
        case NV_ARCH_PPC64:
                return "kvm_hv";
        case NV_ARCH_ARM64:
        case NV_ARCH_OTHER:
        default:
                return NULL;
        }
}

const char *nv_hypervisor_from_cpuid_signature(const char signature[12])
{
        /* Sized 13 for the literal's terminator; only 12 bytes compare,
         * and some signatures are padded with NUL bytes. */
        static const struct {
                char signature[13];
                const char *name;
        } table[] = {
                { "KVMKVMKVM\0\0\0", "kvm" }, { "TCGTCGTCGTCG", "qemu" },  { "Microsoft Hv", "microsoft" },
                { "VMwareVMware", "vmware" }, { "XenVMMXenVMM", "xen" },   { "bhyve bhyve ", "bhyve" },
                { "ACRNACRNACRN", "acrn" },   { "QNXQVMBSQG\0\0", "qnx" }, { " lrpepyh  vr", "parallels" },
                { "VBoxVBoxVBox", "oracle" }, { "VirtualApple", "apple" }, { "SRESRESRESRE", "sre" },
        };

        g_return_val_if_fail(signature != NULL, NULL);

        for (gsize i = 0; i < G_N_ELEMENTS(table); i++) {
                if (memcmp(signature, table[i].signature, 12) == 0)
                        return table[i].name;
        }

        return NULL;
}

const char *nv_hypervisor_from_pseries_device_tree(const char *hypervisor_compatible,
                                                   const char *root_compatible, gboolean powervm_partition)
{
        if (g_strcmp0(hypervisor_compatible, "linux,kvm") == 0)
                return "kvm";
        if (g_strcmp0(root_compatible, "qemu,pseries") == 0)
                return "qemu";
        if (powervm_partition)
                return "powervm";
        return NULL;
}

/* DMI strings come from sysfs with a trailing newline; vendors append
 * ", Inc." and the like, hence prefixes, as systemd-detect-virt does. */
static gboolean dmi_has_prefix(const char *value, const char *prefix)
{
        return value != NULL && g_str_has_prefix(value, prefix);
}

static gboolean dmi_is(const char *value, const char *word)
{
        size_t n = strlen(word);

        if (value == NULL || strncmp(value, word, n) != 0)
                return FALSE;
        for (value += n; *value != '\0'; value++) {
                if (!g_ascii_isspace(*value))
                        return FALSE;
        }

        return TRUE;
}

const char *nv_hypervisor_from_dmi(const char *sys_vendor, const char *product_name,
                                   const char *board_vendor, const char *bios_vendor)
{
        static const struct {
                const char *prefix;
                const char *name;
        } table[] = {
                { "KVM", "kvm" },
                { "Amazon EC2", "amazon" },
                { "QEMU", "qemu" },
                { "VMware", "vmware" },
                { "innotek GmbH", "oracle" },
                { "VirtualBox", "oracle" },
                { "Oracle Corporation", "oracle" },
                { "Xen", "xen" },
                { "Parallels", "parallels" },
                { "BHYVE", "bhyve" },
                { "Apple Virtualization", "apple" },
                { "Google", "google" }, /* also covers "Google Compute Engine" */
        };
        /* systemd-detect-virt's order: the product name is the most specific.
         * Bare-metal Oracle servers and Chromebooks carry "Oracle Corporation"
         * and "Google" too, so this names a hypervisor, it does not detect one:
         * callers ask only once the "hypervisor" flag says we are a guest. */
        const char *const fields[] = { product_name, sys_vendor, board_vendor, bios_vendor };

        /* Surface laptops share the vendor; only the product tells a Hyper-V guest. */
        if (dmi_is(sys_vendor, "Microsoft Corporation") && dmi_is(product_name, "Virtual Machine"))
                return "microsoft";

        for (gsize f = 0; f < G_N_ELEMENTS(fields); f++) {
                for (gsize i = 0; i < G_N_ELEMENTS(table); i++) {
                        if (dmi_has_prefix(fields[f], table[i].prefix))
                                return table[i].name;
                }
        }

        return NULL;
}

/* Azure writes this chassis asset tag into every VM's DMI; plain Hyper-V
 * does not. The same test as systemd-detect-virt's and cloud-init's. */
#define AZURE_CHASSIS_ASSET_TAG "7783-7084-3265-9085-8269-3286-77"

static gboolean dmi_contains(const char *value, const char *word)
{
        return value != NULL && strstr(value, word) != NULL;
}

NvHypervisorProduct nv_hypervisor_product(const NvHypervisorProductFacts *facts)
{
        const char *name;

        g_return_val_if_fail(facts != NULL, NV_PRODUCT_UNKNOWN);

        name = facts->hypervisor;

        /* WSL2's kernels are released as "5.15.167.4-microsoft-standard-WSL2";
         * WSL1 ("4.4.0-19041-Microsoft") has no Linux kernel to run KVM in. */
        if (dmi_contains(facts->osrelease, "microsoft-standard"))
                return NV_PRODUCT_WSL2;
        if (dmi_is(facts->chassis_asset_tag, AZURE_CHASSIS_ASSET_TAG))
                return NV_PRODUCT_AZURE;
        /* Nitro instances say KVM in CPUID and Amazon in DMI; the older
         * Xen ones say Amazon in the BIOS strings. */
        if (dmi_has_prefix(facts->sys_vendor, "Amazon EC2") ||
            dmi_has_prefix(facts->board_vendor, "Amazon EC2") ||
            dmi_has_prefix(facts->bios_vendor, "Amazon EC2") || g_strcmp0(name, "amazon") == 0)
                return NV_PRODUCT_AWS;
        if (dmi_has_prefix(facts->product_name, "Google Compute Engine") || g_strcmp0(name, "google") == 0)
                return NV_PRODUCT_GCE;
        /* Nova's default SMBIOS: "OpenStack Foundation" / "OpenStack Nova";
         * distributions change the vendor, not the product. */
        if (dmi_has_prefix(facts->product_name, "OpenStack") ||
            dmi_has_prefix(facts->sys_vendor, "OpenStack"))
                return NV_PRODUCT_OPENSTACK;
        /* Proxmox's OVMF says "Proxmox distribution of EDK II"; its SeaBIOS
         * VMs carry nothing of Proxmox, and are plain KVM here. */
        if (dmi_contains(facts->bios_vendor, "Proxmox"))
                return NV_PRODUCT_PROXMOX;

        if (name == NULL)
                return NV_PRODUCT_UNKNOWN;
        if (g_str_equal(name, "microsoft"))
                return NV_PRODUCT_HYPER_V;
        if (g_str_equal(name, "vmware"))
                return NV_PRODUCT_VMWARE;
        if (g_str_equal(name, "oracle"))
                return NV_PRODUCT_VIRTUALBOX;
        if (g_str_equal(name, "xen"))
                return NV_PRODUCT_XEN;
        if (g_str_equal(name, "parallels"))
                return NV_PRODUCT_PARALLELS;
        if (g_str_equal(name, "kvm") || g_str_equal(name, "qemu"))
                return NV_PRODUCT_KVM;
        if (g_str_equal(name, "powervm"))
                return NV_PRODUCT_POWERVM;
        return NV_PRODUCT_UNKNOWN;
}
