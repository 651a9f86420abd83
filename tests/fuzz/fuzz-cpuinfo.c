/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzzes the /proc/cpuinfo parser and the hypervisor name tables. */
#include <string.h>

#include "nv-cpuinfo.h"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        g_autofree char *s = NULL;
        g_auto(GStrv) parts = NULL;
        NvCpuInfo info, prefix_info;
        const uint8_t *newline;

        fuzz_setup();
        nv_cpuinfo_parse((const char *)data, size, &info);
        g_assert(info.vendor == NV_CPU_VENDOR_UNKNOWN || info.has_vendor_id);
        g_assert(!info.has_vmx || info.has_flags);

        /* The reader stops where the parser says it is done: the lines
         * up to there (here, those of the first half) must then give
         * what the whole text gives. */
        newline = size > 1 ? memrchr(data, '\n', size / 2) : NULL;
        if (newline &&
            nv_cpuinfo_parse_prefix((const char *)data, (gsize)(newline - data) + 1, &prefix_info))
                g_assert(memcmp(&prefix_info, &info, sizeof(info)) == 0);
        (void)nv_cpuinfo_has_hardware_virtualization(&info);

        if (size >= 12)
                (void)nv_hypervisor_from_cpuid_signature((const char *)data);

        s = fuzz_strndup(data, size);
        parts = g_strsplit(s, "\n", 4);
        if (g_strv_length(parts) == 4)
                (void)nv_hypervisor_from_dmi(parts[0], parts[1], parts[2], parts[3]);
        return 0;
}
