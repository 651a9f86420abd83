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

static void trim_span(const char **s, gsize *len)
{
        while (*len > 0 && is_blank((*s)[0])) {
                (*s)++;
                (*len)--;
        }
        while (*len > 0 && is_blank((*s)[*len - 1]))
                (*len)--;
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

static void parse_flags(const char *s, gsize len, NvCpuInfo *ret)
{
        const char *end = s + len;

        while (s < end) {
                const char *word;

                while (s < end && is_blank(*s))
                        s++;
                word = s;
                while (s < end && !is_blank(*s))
                        s++;

                if (span_is(word, (gsize)(s - word), "vmx"))
                        ret->has_vmx = TRUE;
                else if (span_is(word, (gsize)(s - word), "svm"))
                        ret->has_svm = TRUE;
                else if (span_is(word, (gsize)(s - word), "hypervisor"))
                        ret->has_hypervisor = TRUE;
        }
}

void nv_cpuinfo_parse(const char *text, gsize len, NvCpuInfo *ret)
{
        const char *p, *end;

        g_return_if_fail(ret != NULL);

        *ret = (NvCpuInfo){ .vendor = NV_CPU_VENDOR_UNKNOWN };

        g_return_if_fail(text != NULL || len == 0);

        /* Empty input may come as (NULL, 0), and NULL + 0 is undefined. */
        if (len == 0)
                return;

        p = text;
        end = text + len;

        while (p < end && !(ret->has_vendor_id && ret->has_flags)) {
                const char *eol = memchr(p, '\n', (size_t)(end - p));
                const char *colon, *key, *value;
                gsize key_len, value_len;

                if (eol == NULL)
                        eol = end;

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
                                parse_flags(value, value_len, ret);
                        }
                }

                p = eol + 1;
        }
}

const char *nv_cpu_vendor_to_string(NvCpuVendor vendor)
{
        switch (vendor) {
        case NV_CPU_VENDOR_INTEL:
                return "intel";
        case NV_CPU_VENDOR_AMD:
                return "amd";
        case NV_CPU_VENDOR_UNKNOWN:
        default:
                return "unknown";
        }
}

const char *nv_cpu_vendor_module(NvCpuVendor vendor)
{
        switch (vendor) {
        case NV_CPU_VENDOR_INTEL:
                return "kvm_intel";
        case NV_CPU_VENDOR_AMD:
                return "kvm_amd";
        case NV_CPU_VENDOR_UNKNOWN:
        default:
                return NULL;
        }
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
                return info->has_vmx || info->has_svm;
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
