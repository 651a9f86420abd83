/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for nv-acceleration: how fast nested guests will be, from the
 * vendor module's parameters on a host and /proc/cpuinfo in a guest.
 */
#include "config.h"

#include <string.h>

#include "nv-acceleration.h"

static void assess(const char *cpuinfo, gboolean loaded, const char *const *parameters, const char *grade,
                   const char *reasons)
{
        NvCpuInfo cpu;
        NvAccelerationFacts facts = { .cpu = &cpu, .module_loaded = loaded, .parameters = parameters };
        g_autofree char *got_grade = NULL;
        g_autofree char *got_reasons = NULL;

        nv_cpuinfo_parse(cpuinfo, strlen(cpuinfo), &cpu);
        nv_acceleration_assess(&facts, &got_grade, &got_reasons);
        g_assert_cmpstr(got_grade, ==, grade);
        g_assert_cmpstr(got_reasons, ==, reasons);
}

#define INTEL_HOST "vendor_id\t: GenuineIntel\nflags\t\t: fpu vmx\n"
#define AMD_HOST   "vendor_id\t: AuthenticAMD\nflags\t\t: fpu svm npt\n"

static void test_intel_host(void)
{
        assess(INTEL_HOST, TRUE, (const char *const[]){ "Y", "Y", "Y", "Y" }, "full", "");
        assess(INTEL_HOST, TRUE, (const char *const[]){ "Y", "N", "N", "Y" }, "partial",
               "kvm_intel.enable_shadow_vmcs kvm_intel.enable_apicv");
        assess(INTEL_HOST, TRUE, (const char *const[]){ "N", "N", "Y", "N" }, "slow",
               "kvm_intel.ept kvm_intel.enable_shadow_vmcs kvm_intel.unrestricted_guest");
        /* A parameter this kernel lacks is no loss; without ept nothing
         * can be told. */
        assess(INTEL_HOST, TRUE, (const char *const[]){ "Y", NULL, "Y", "Y" }, "full", "");
        assess(INTEL_HOST, TRUE, (const char *const[]){ NULL, "Y", "Y", "Y" }, "unknown", "");
        assess(INTEL_HOST, FALSE, (const char *const[]){ NULL, NULL, NULL, NULL }, "unknown", "");
        /* No vmx and no module: no nested guest at all. */
        assess("vendor_id\t: GenuineIntel\nflags\t\t: fpu\n", FALSE,
               (const char *const[]){ NULL, NULL, NULL, NULL }, "", "");
}

static void test_amd_host(void)
{
        /* npt is a bool (Y/N) since Linux 5.x, vgif and vls are ints. */
        assess(AMD_HOST, TRUE, (const char *const[]){ "Y", "1", "1", NULL }, "full", "");
        assess(AMD_HOST, TRUE, (const char *const[]){ "1", "0", "1", NULL }, "partial", "kvm_amd.vgif");
        assess(AMD_HOST, TRUE, (const char *const[]){ "N", "1", "0", NULL }, "slow",
               "kvm_amd.npt kvm_amd.vls");
        assess(AMD_HOST, TRUE, (const char *const[]){ "garbage", "1", "1", NULL }, "unknown", "");
}

static void test_intel_guest(void)
{
        const char *const none[] = { NULL, NULL, NULL, NULL };

        assess("vendor_id\t: GenuineIntel\nflags\t\t: vmx hypervisor\nvmx flags\t: ept vpid "
               "unrestricted_guest\n",
               TRUE, none, "full", "");
        /* What the guest was given decides, whatever its module says. */
        assess("vendor_id\t: GenuineIntel\nflags\t\t: vmx hypervisor\nvmx flags\t: vnmi ept_ad\n", TRUE,
               (const char *const[]){ "Y", "Y", "Y", "Y" }, "slow", "ept vpid unrestricted_guest");
        assess("vendor_id\t: GenuineIntel\nflags\t\t: vmx hypervisor\nvmx flags\t: ept vpid\n", FALSE, none,
               "partial", "unrestricted_guest");
        /* Before Linux 5.8, only ept and vpid can be told. */
        assess("vendor_id\t: GenuineIntel\nflags\t\t: vmx hypervisor ept vpid\n", FALSE, none, "full", "");
        /* No vmx passed in: nothing nests here. */
        assess("vendor_id\t: GenuineIntel\nflags\t\t: hypervisor\n", FALSE, none, "", "");
}

static void test_amd_guest(void)
{
        const char *const none[] = { NULL, NULL, NULL, NULL };

        assess("vendor_id\t: AuthenticAMD\nflags\t\t: svm hypervisor npt nrip_save vgif v_vmsave_vmload\n",
               FALSE, none, "full", "");
        assess("vendor_id\t: AuthenticAMD\nflags\t\t: svm hypervisor npt nrip_save\n", FALSE, none,
               "partial", "vgif v_vmsave_vmload");
        assess("vendor_id\t: AuthenticAMD\nflags\t\t: svm hypervisor nrip_save\n", FALSE, none, "slow",
               "npt vgif v_vmsave_vmload");
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);

        g_test_add_func("/acceleration/intel-host", test_intel_host);
        g_test_add_func("/acceleration/amd-host", test_amd_host);
        g_test_add_func("/acceleration/intel-guest", test_intel_guest);
        g_test_add_func("/acceleration/amd-guest", test_amd_guest);

        return g_test_run();
}
