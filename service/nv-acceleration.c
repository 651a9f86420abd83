/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * How fast nested guests will be, from the vendor module's parameters on a
 * host and from /proc/cpuinfo in a guest (see nv-acceleration.h).
 */
#include "config.h"

#include "nv-acceleration.h"

/* arch/x86/kvm/vmx/vmx.c: ept, enable_shadow_vmcs, enable_apicv and
 * unrestricted_guest are bools (Y/N). arch/x86/kvm/svm/svm.c: npt is a
 * bool, vgif and vls are ints (1/0). */
static const char *const intel_parameters[NV_ACCELERATION_N_PARAMETERS] = {
        "ept",
        "enable_shadow_vmcs",
        "enable_apicv",
        "unrestricted_guest",
};
static const char *const amd_parameters[NV_ACCELERATION_N_PARAMETERS] = { "npt", "vgif", "vls", NULL };

const char *const *nv_acceleration_parameters(NvCpuVendor vendor)
{
        switch (vendor) {
        case NV_CPU_VENDOR_INTEL:
                return intel_parameters;
        case NV_CPU_VENDOR_AMD:
                return amd_parameters;
        case NV_CPU_VENDOR_UNKNOWN:
        default:
                return NULL;
        }
}

/* 1 for on (Y, y, or a nonzero number), 0 for off, -1 for anything else. */
static int parameter_value(const char *value)
{
        guint64 n;

        if (!value)
                return -1;
        if (g_str_equal(value, "Y") || g_str_equal(value, "y"))
                return 1;
        if (g_str_equal(value, "N") || g_str_equal(value, "n"))
                return 0;
        if (g_ascii_string_to_unsigned(value, 10, 0, G_MAXUINT64, &n, NULL))
                return n != 0;
        return -1;
}

/* The first parameter (EPT, NPT) decides between shadow paging and
 * hardware paging for nested guests; the others only save exits. */
static const char *assess_host(const NvAccelerationFacts *facts, GString *reasons)
{
        const char *const *names = nv_acceleration_parameters(facts->cpu->vendor);
        const char *module = nv_cpu_vendor_module(facts->cpu->vendor);
        gboolean missing = FALSE;

        if (!facts->module_loaded || !facts->parameters)
                return "unknown";
        for (gsize i = 0; i < NV_ACCELERATION_N_PARAMETERS && names[i]; i++) {
                /* A parameter this kernel does not have is no loss. */
                if (parameter_value(facts->parameters[i]) != 0)
                        continue;
                g_string_append_printf(reasons, "%s%s.%s", reasons->len ? " " : "", module, names[i]);
                missing = TRUE;
        }
        if (parameter_value(facts->parameters[0]) < 0)
                return "unknown";
        if (parameter_value(facts->parameters[0]) == 0)
                return "slow";
        return missing ? "partial" : "full";
}

static void add_missing(GString *reasons, gboolean has, const char *name, gboolean *missing)
{
        if (has)
                return;
        g_string_append_printf(reasons, "%s%s", reasons->len ? " " : "", name);
        *missing = TRUE;
}

/* shadow_vmcs is left out: in a guest it speeds up only the guests of its
 * guests (L3). Before Linux 5.8 no "vmx flags" line says whether
 * unrestricted_guest is there, so it is not held against the guest. */
static const char *assess_guest(const NvCpuInfo *cpu, GString *reasons)
{
        gboolean missing = FALSE;

        if (!cpu->has_flags)
                return "unknown";
        if (cpu->vendor == NV_CPU_VENDOR_INTEL) {
                add_missing(reasons, cpu->has_ept, "ept", &missing);
                add_missing(reasons, cpu->has_vpid, "vpid", &missing);
                if (cpu->has_vmx_flags)
                        add_missing(reasons, cpu->has_unrestricted_guest, "unrestricted_guest", &missing);
                if (!cpu->has_ept)
                        return "slow";
        } else {
                add_missing(reasons, cpu->has_npt, "npt", &missing);
                add_missing(reasons, cpu->has_nrip_save, "nrip_save", &missing);
                add_missing(reasons, cpu->has_vgif, "vgif", &missing);
                add_missing(reasons, cpu->has_v_vmsave_vmload, "v_vmsave_vmload", &missing);
                if (!cpu->has_npt)
                        return "slow";
        }
        return missing ? "partial" : "full";
}

void nv_acceleration_assess(const NvAccelerationFacts *facts, char **ret_grade, char **ret_reasons)
{
        g_autoptr(GString) reasons = g_string_new("");
        const NvCpuInfo *cpu = facts->cpu;
        const char *grade;

        /* No nested guest runs without the CPU's virtualization, which a
         * running vendor module proves even where cpuinfo hides it. */
        if (cpu->vendor == NV_CPU_VENDOR_UNKNOWN ||
            (!nv_cpuinfo_has_hardware_virtualization(cpu) && !facts->module_loaded))
                grade = "";
        else if (cpu->has_hypervisor)
                grade = assess_guest(cpu, reasons);
        else
                grade = assess_host(facts, reasons);

        if (g_str_equal(grade, "full") || !*grade)
                g_string_truncate(reasons, 0);
        *ret_grade = g_strdup(grade);
        *ret_reasons = g_string_free(g_steal_pointer(&reasons), FALSE);
}
