/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzzes the /proc/cpuinfo parser and the hypervisor name tables. */
#include "nv-cpuinfo.h"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        g_autofree char *s = NULL;
        g_auto(GStrv) parts = NULL;
        NvCpuInfo info;

        fuzz_setup();
        nv_cpuinfo_parse((const char *)data, size, &info);
        g_assert(info.vendor == NV_CPU_VENDOR_UNKNOWN || info.has_vendor_id);
        g_assert(!info.has_vmx || info.has_flags);
        (void)nv_cpuinfo_has_hardware_virtualization(&info);

        if (size >= 12)
                (void)nv_hypervisor_from_cpuid_signature((const char *)data);

        s = fuzz_strndup(data, size);
        parts = g_strsplit(s, "\n", 4);
        if (g_strv_length(parts) == 4)
                (void)nv_hypervisor_from_dmi(parts[0], parts[1], parts[2], parts[3]);
        return 0;
}
