/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for nv-cpuinfo: /proc/cpuinfo parsing, vendor mapping,
 * hypervisor naming from CPUID signatures and DMI strings, and the product
 * below a guest.
 */

#include "config.h"

#include <string.h>

#include "nv-cpuinfo.h"

/*
 * Parses @len bytes from an exactly sized heap copy, so that reading one
 * byte past the end (the parser must not rely on a terminating NUL) shows
 * up under ASan or valgrind.
 */
static void parse_exact(const char *text, gsize len, NvCpuInfo *info)
{
        g_autofree char *copy = len > 0 ? g_memdup2(text, len) : NULL;

        nv_cpuinfo_parse(copy, len, info);
}

/* For literals that may hold NUL bytes: the literal's size, not strlen(). */
#define PARSE(literal, info) parse_exact((literal), sizeof(literal) - 1, (info))

static const char intel_cpuinfo[] = "processor\t: 0\n"
                                    "vendor_id\t: GenuineIntel\n"
                                    "cpu family\t: 6\n"
                                    "model name\t: Intel(R) Core(TM) i7-8650U CPU @ 1.90GHz\n"
                                    "flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge "
                                    "vmx smx est tm2 ssse3\n"
                                    "vmx flags\t: vnmi preemption_timer invvpid ept_x_only\n"
                                    "bugs\t\t: spectre_v1 spectre_v2\n"
                                    "\n"
                                    "processor\t: 1\n"
                                    "vendor_id\t: GenuineIntel\n"
                                    "flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge "
                                    "vmx smx est tm2 ssse3\n"
                                    "\n";

static void test_vendor_intel(void)
{
        NvCpuInfo info;

        PARSE(intel_cpuinfo, &info);
        g_assert_cmpint(info.vendor, ==, NV_CPU_VENDOR_INTEL);
        g_assert_true(info.has_vendor_id);
        g_assert_true(info.has_flags);
        g_assert_true(info.has_vmx);
        g_assert_false(info.has_svm);
        g_assert_false(info.has_hypervisor);
        g_assert_true(nv_cpuinfo_has_hardware_virtualization(&info));
}

static void test_vendor_amd(void)
{
        NvCpuInfo info;

        PARSE("processor\t: 0\n"
              "vendor_id\t: AuthenticAMD\n"
              "flags\t\t: fpu vme de pse tsc msr pae svm extapic cr8_legacy abm\n",
              &info);
        g_assert_cmpint(info.vendor, ==, NV_CPU_VENDOR_AMD);
        g_assert_true(info.has_svm);
        g_assert_false(info.has_vmx);
        g_assert_true(nv_cpuinfo_has_hardware_virtualization(&info));
}

static void test_vendor_hygon(void)
{
        NvCpuInfo info;

        PARSE("vendor_id\t: HygonGenuine\nflags\t\t: fpu svm\n", &info);
        g_assert_cmpint(info.vendor, ==, NV_CPU_VENDOR_AMD);
        g_assert_cmpstr(nv_cpu_vendor_module(info.vendor), ==, "kvm_amd");
        g_assert_true(nv_cpuinfo_has_hardware_virtualization(&info));
}

static void test_vendor_unknown(void)
{
        const char *const ids[] = {
                "CentaurHauls", "GenuineIntelX", "genuineintel", "Genuine Intel", "AuthenticAM", "",
                "HygonGenuin",
        };

        for (gsize i = 0; i < G_N_ELEMENTS(ids); i++) {
                g_autofree char *text = g_strdup_printf("vendor_id\t: %s\nflags\t\t: vmx\n", ids[i]);
                NvCpuInfo info;

                parse_exact(text, strlen(text), &info);
                g_assert_cmpint(info.vendor, ==, NV_CPU_VENDOR_UNKNOWN);
                g_assert_true(info.has_vendor_id);
                g_assert_true(info.has_vmx);
        }
}

static void test_vendor_missing(void)
{
        NvCpuInfo info;

        PARSE("processor\t: 0\nflags\t\t: fpu svm\n", &info);
        g_assert_cmpint(info.vendor, ==, NV_CPU_VENDOR_UNKNOWN);
        g_assert_false(info.has_vendor_id);
        g_assert_true(info.has_flags);
        g_assert_true(info.has_svm);
        /* An unknown vendor may use either flag. */
        g_assert_true(nv_cpuinfo_has_hardware_virtualization(&info));

        /* A key must be the whole key. */
        PARSE("my_vendor_id : GenuineIntel\nvendor_id_x : GenuineIntel\n", &info);
        g_assert_cmpint(info.vendor, ==, NV_CPU_VENDOR_UNKNOWN);
        g_assert_false(info.has_vendor_id);
}

static void test_vendor_strings(void)
{
        g_assert_cmpstr(nv_cpu_vendor_to_string(NV_CPU_VENDOR_INTEL), ==, "intel");
        g_assert_cmpstr(nv_cpu_vendor_to_string(NV_CPU_VENDOR_AMD), ==, "amd");
        g_assert_cmpstr(nv_cpu_vendor_to_string(NV_CPU_VENDOR_UNKNOWN), ==, "unknown");
        g_assert_cmpstr(nv_cpu_vendor_module(NV_CPU_VENDOR_INTEL), ==, "kvm_intel");
        g_assert_cmpstr(nv_cpu_vendor_module(NV_CPU_VENDOR_AMD), ==, "kvm_amd");
        g_assert_null(nv_cpu_vendor_module(NV_CPU_VENDOR_UNKNOWN));
}

static void test_empty(void)
{
        NvCpuInfo info;

        memset(&info, 0xff, sizeof(info));
        nv_cpuinfo_parse(NULL, 0, &info);
        g_assert_cmpint(info.vendor, ==, NV_CPU_VENDOR_UNKNOWN);
        g_assert_false(info.has_vendor_id);
        g_assert_false(info.has_flags);
        g_assert_false(info.has_vmx);
        g_assert_false(info.has_svm);
        g_assert_false(info.has_hypervisor);
        g_assert_false(nv_cpuinfo_has_hardware_virtualization(&info));

        memset(&info, 0xff, sizeof(info));
        PARSE("\n\n\n", &info);
        g_assert_cmpint(info.vendor, ==, NV_CPU_VENDOR_UNKNOWN);
        g_assert_false(info.has_vendor_id);
        g_assert_false(info.has_flags);
}

static void test_garbage(void)
{
        g_autoptr(GRand) rand = g_rand_new_with_seed(0x6e76);
        NvCpuInfo info;

        PARSE(":::\n: : :\nvendor_id\nflags\n:GenuineIntel\n\xff\xfe\x80:\x01\n", &info);
        g_assert_cmpint(info.vendor, ==, NV_CPU_VENDOR_UNKNOWN);
        g_assert_false(info.has_vendor_id);
        g_assert_false(info.has_flags);

        /* Random bytes over an alphabet that makes near misses likely. */
        for (guint round = 0; round < 2000; round++) {
                static const char alphabet[] = "vendor_id flags vmx svm hypervisor GenuineIntel :\t\r\n\0";
                gsize len = (gsize)g_rand_int_range(rand, 0, 200);
                g_autofree char *text = g_malloc(len + 1);

                for (gsize i = 0; i < len; i++)
                        text[i] = alphabet[g_rand_int_range(rand, 0, sizeof(alphabet) - 1)];
                parse_exact(text, len, &info);
                g_assert_cmpint(info.vendor, >=, NV_CPU_VENDOR_UNKNOWN);
                g_assert_cmpint(info.vendor, <=, NV_CPU_VENDOR_AMD);
        }
}

static void test_nul_bytes(void)
{
        NvCpuInfo info;

        /* A NUL inside a value makes it a different value... */
        PARSE("vendor_id\t: Genuine\0Intel\nflags\t\t: fpu\0vmx\n", &info);
        g_assert_true(info.has_vendor_id);
        g_assert_cmpint(info.vendor, ==, NV_CPU_VENDOR_UNKNOWN);
        g_assert_true(info.has_flags);
        g_assert_false(info.has_vmx);

        PARSE("vendor_id\t: GenuineIntel\0\n", &info);
        g_assert_cmpint(info.vendor, ==, NV_CPU_VENDOR_UNKNOWN);

        /* ...but does not end the text. */
        PARSE("junk\0junk\nvendor_id\t: AuthenticAMD\n\0\nflags\t: svm\n", &info);
        g_assert_cmpint(info.vendor, ==, NV_CPU_VENDOR_AMD);
        g_assert_true(info.has_svm);
}

static void test_length_respected(void)
{
        const char text[] = "vendor_id\t: GenuineIntelXYZ";
        const char flags[] = "flags\t: fpu vmxfoo";
        NvCpuInfo info;

        /* The bytes past @len must not be looked at. */
        parse_exact(text, strlen("vendor_id\t: GenuineIntel"), &info);
        g_assert_cmpint(info.vendor, ==, NV_CPU_VENDOR_INTEL);

        parse_exact(flags, strlen("flags\t: fpu vmx"), &info);
        g_assert_true(info.has_vmx);

        parse_exact(flags, sizeof(flags) - 1, &info);
        g_assert_false(info.has_vmx);
}

static void test_flags_whole_words(void)
{
        NvCpuInfo info;

        PARSE("flags\t: vmxfoo fvmx svm_x xsvm hypervisors vmx-\n", &info);
        g_assert_true(info.has_flags);
        g_assert_false(info.has_vmx);
        g_assert_false(info.has_svm);
        g_assert_false(info.has_hypervisor);

        PARSE("flags\t:vmx\tsvm  hypervisor\n", &info);
        g_assert_true(info.has_vmx);
        g_assert_true(info.has_svm);
        g_assert_true(info.has_hypervisor);

        /* "vmx flags" lists VMX features; it is not the flags line. */
        PARSE("vendor_id : GenuineIntel\nvmx flags\t: vmx svm hypervisor\n", &info);
        g_assert_false(info.has_flags);
        g_assert_false(info.has_vmx);
        g_assert_false(info.has_hypervisor);
}

static void test_flags_first_block_only(void)
{
        NvCpuInfo info;

        PARSE("processor\t: 0\n"
              "vendor_id\t: GenuineIntel\n"
              "flags\t\t: fpu\n"
              "\n"
              "processor\t: 1\n"
              "vendor_id\t: AuthenticAMD\n"
              "flags\t\t: fpu vmx svm hypervisor\n",
              &info);
        g_assert_cmpint(info.vendor, ==, NV_CPU_VENDOR_INTEL);
        g_assert_false(info.has_vmx);
        g_assert_false(info.has_svm);
        g_assert_false(info.has_hypervisor);
        g_assert_false(nv_cpuinfo_has_hardware_virtualization(&info));

        /* Without a vendor_id line the scan goes on, but a later flags
         * line still does not count. */
        PARSE("flags\t\t: fpu\n\nflags\t\t: vmx svm hypervisor\n", &info);
        g_assert_true(info.has_flags);
        g_assert_false(info.has_vmx);
        g_assert_false(info.has_svm);
        g_assert_false(info.has_hypervisor);

        /* Nor does a later vendor_id line. */
        PARSE("vendor_id : CentaurHauls\nvendor_id : GenuineIntel\n", &info);
        g_assert_cmpint(info.vendor, ==, NV_CPU_VENDOR_UNKNOWN);
}

static void test_many_processors(void)
{
        g_autoptr(GString) text = g_string_new(NULL);
        NvCpuInfo info;

        for (guint i = 0; i < 4096; i++)
                g_string_append_printf(text,
                                       "processor\t: %u\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu %s\n\n",
                                       i, i == 0 ? "svm" : "");
        parse_exact(text->str, text->len, &info);
        g_assert_cmpint(info.vendor, ==, NV_CPU_VENDOR_AMD);
        g_assert_true(info.has_svm);
}

static void test_crlf_and_spacing(void)
{
        NvCpuInfo info;

        PARSE("vendor_id\t: GenuineIntel\r\nflags\t\t: fpu vmx\r\n", &info);
        g_assert_cmpint(info.vendor, ==, NV_CPU_VENDOR_INTEL);
        g_assert_true(info.has_vmx);

        PARSE("vendor_id:AuthenticAMD\n   flags   :   svm   \n", &info);
        g_assert_cmpint(info.vendor, ==, NV_CPU_VENDOR_AMD);
        g_assert_true(info.has_svm);

        /* No final newline. */
        PARSE("flags : hypervisor", &info);
        g_assert_true(info.has_hypervisor);
}

static void test_in_guest(void)
{
        NvCpuInfo info;

        PARSE("vendor_id\t: GenuineIntel\nflags\t\t: fpu vmx hypervisor\n", &info);
        g_assert_true(info.has_hypervisor);
        g_assert_true(nv_cpuinfo_has_hardware_virtualization(&info));

        /* A guest without nested support: hypervisor, no vmx. */
        PARSE("vendor_id\t: GenuineIntel\nflags\t\t: fpu hypervisor\n", &info);
        g_assert_true(info.has_hypervisor);
        g_assert_false(nv_cpuinfo_has_hardware_virtualization(&info));
}

static void test_hardware_virtualization(void)
{
        NvCpuInfo info = { .vendor = NV_CPU_VENDOR_INTEL, .has_svm = TRUE };

        /* The other vendor's flag does not count. */
        g_assert_false(nv_cpuinfo_has_hardware_virtualization(&info));
        info = (NvCpuInfo){ .vendor = NV_CPU_VENDOR_AMD, .has_vmx = TRUE };
        g_assert_false(nv_cpuinfo_has_hardware_virtualization(&info));
        info = (NvCpuInfo){ .vendor = NV_CPU_VENDOR_UNKNOWN, .has_vmx = TRUE };
        g_assert_true(nv_cpuinfo_has_hardware_virtualization(&info));
        info = (NvCpuInfo){ .vendor = NV_CPU_VENDOR_UNKNOWN };
        g_assert_false(nv_cpuinfo_has_hardware_virtualization(&info));
}

static void test_hypervisor_cpuid(void)
{
        static const struct {
                char signature[13];
                const char *name;
        } cases[] = {
                { "KVMKVMKVM\0\0\0", "kvm" },
                { "TCGTCGTCGTCG", "qemu" },
                { "Microsoft Hv", "microsoft" },
                { "VMwareVMware", "vmware" },
                { "XenVMMXenVMM", "xen" },
                { "bhyve bhyve ", "bhyve" },
                { "ACRNACRNACRN", "acrn" },
                { "QNXQVMBSQG\0\0", "qnx" },
                { " lrpepyh  vr", "parallels" },
                { "VBoxVBoxVBox", "oracle" },
                { "VirtualApple", "apple" },
                { "SRESRESRESRE", "sre" },
                { "KVMKVMKVMKVM", NULL },
                { "kvmkvmkvm\0\0\0", NULL },
                { "\0\0\0\0\0\0\0\0\0\0\0\0", NULL },
                { "Microsoft H\0", NULL },
                { "VMwareVMwar ", NULL },
                { "QNXQVMBSQG  ", NULL },
        };

        for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
                /* Exactly 12 bytes, as CPUID hands them over. */
                g_autofree char *signature = g_memdup2(cases[i].signature, 12);

                g_assert_cmpstr(nv_hypervisor_from_cpuid_signature(signature), ==, cases[i].name);
        }
}

static void test_hypervisor_dmi(void)
{
        /* sys_vendor, product_name, board_vendor, bios_vendor, expected */
        static const char *const cases[][5] = {
                { "QEMU\n", "Standard PC (Q35 + ICH9, 2009)\n", NULL, "EFI Development Kit II / OVMF\n",
                  "qemu" },
                { "Red Hat\n", "KVM\n", NULL, "SeaBIOS\n", "kvm" },
                { "VMware, Inc.\n", "VMware Virtual Platform\n", "Intel Corporation\n",
                  "Phoenix Technologies LTD\n", "vmware" },
                { "innotek GmbH\n", "VirtualBox\n", "Oracle Corporation\n", "innotek GmbH\n", "oracle" },
                { NULL, NULL, "Oracle Corporation", NULL, "oracle" },
                { "Xen\n", "HVM domU\n", NULL, "Xen\n", "xen" },
                { "Microsoft Corporation\n", "Virtual Machine\n", "Microsoft Corporation\n",
                  "Microsoft Corporation\n", "microsoft" },
                { "Parallels Software International Inc.\n", "Parallels Virtual Platform\n", NULL, NULL,
                  "parallels" },
                { "BHYVE", NULL, NULL, "BHYVE", "bhyve" },
                { "Amazon EC2\n", "m5.large\n", "Amazon EC2\n", "Amazon EC2\n", "amazon" },
                { "Google\n", "Google Compute Engine\n", "Google\n", "Google\n", "google" },
                { "Apple Inc.\n", "Apple Virtualization Generic Platform\n", NULL, NULL, "apple" },
                /* A Surface laptop is no Hyper-V guest. */
                { "Microsoft Corporation\n", "Surface Laptop 4\n", "Microsoft Corporation\n",
                  "Microsoft Corporation\n", NULL },
                { "Microsoft Corporation", "Virtual Machines", NULL, NULL, NULL },
                { "Dell Inc.\n", "XPS 13 9310\n", "Dell Inc.\n", "Dell Inc.\n", NULL },
                { "LENOVO\n", "20KHCTO1WW\n", "LENOVO\n", "LENOVO\n", NULL },
                { "", "", "", "", NULL },
                { NULL, NULL, NULL, NULL, NULL },
                { "qemu\n", "kvm\n", NULL, NULL, NULL },
        };

        for (gsize i = 0; i < G_N_ELEMENTS(cases); i++)
                g_assert_cmpstr(nv_hypervisor_from_dmi(cases[i][0], cases[i][1], cases[i][2], cases[i][3]),
                                ==, cases[i][4]);
}

/* The virtualization features: Intel's "vmx flags" line (Linux 5.8+), ept
 * and vpid on "flags" before it, AMD's on "flags"; and the scan stops at
 * the end of the first processor's block. */
static void test_virtualization_features(void)
{
        NvCpuInfo info;

        PARSE("vendor_id\t: GenuineIntel\nflags\t\t: fpu vmx hypervisor\n"
              "vmx flags\t: vnmi invvpid ept_x_only ept_ad flexpriority ept vpid unrestricted_guest "
              "shadow_vmcs pml\nbugs\t\t: spectre_v1\n\nprocessor\t: 1\n",
              &info);
        g_assert_true(info.has_vmx_flags);
        g_assert_true(info.has_ept && info.has_vpid && info.has_unrestricted_guest && info.has_shadow_vmcs);
        g_assert_false(info.has_npt);

        /* An L1 that got vmx and nothing else; "ept_ad" is not "ept". */
        PARSE("vendor_id\t: GenuineIntel\nflags\t\t: fpu vmx hypervisor\nvmx flags\t: vnmi ept_ad\n", &info);
        g_assert_true(info.has_vmx_flags);
        g_assert_false(info.has_ept || info.has_vpid || info.has_unrestricted_guest || info.has_shadow_vmcs);

        /* Before Linux 5.8: ept and vpid among the CPU flags. */
        PARSE("vendor_id\t: GenuineIntel\nflags\t\t: fpu vmx ept vpid\n", &info);
        g_assert_false(info.has_vmx_flags);
        g_assert_true(info.has_ept && info.has_vpid);
        g_assert_false(info.has_unrestricted_guest);

        /* Only "vmx flags" says unrestricted_guest; a later block's line
         * is not read. */
        PARSE("vendor_id\t: GenuineIntel\nflags\t\t: fpu vmx unrestricted_guest\n\n"
              "vmx flags\t: ept\n",
              &info);
        g_assert_false(info.has_unrestricted_guest || info.has_ept || info.has_vmx_flags);

        PARSE("vendor_id\t: AuthenticAMD\nflags\t\t: fpu svm npt nrip_save vgif v_vmsave_vmload\n", &info);
        g_assert_true(info.has_npt && info.has_nrip_save && info.has_vgif && info.has_v_vmsave_vmload);
        PARSE("vendor_id\t: AuthenticAMD\nflags\t\t: fpu svm nptx xnrip_save\n", &info);
        g_assert_false(info.has_npt || info.has_nrip_save);
}

static void test_hypervisor_product(void)
{
        static const struct {
                NvHypervisorProductFacts facts;
                NvHypervisorProduct expected;
        } cases[] = {
                { { .hypervisor = "microsoft",
                    .sys_vendor = "Microsoft Corporation",
                    .product_name = "Virtual Machine" },
                  NV_PRODUCT_HYPER_V },
                /* Azure is Hyper-V with its chassis asset tag. */
                { { .hypervisor = "microsoft",
                    .sys_vendor = "Microsoft Corporation",
                    .product_name = "Virtual Machine",
                    .chassis_asset_tag = "7783-7084-3265-9085-8269-3286-77" },
                  NV_PRODUCT_AZURE },
                { { .hypervisor = "microsoft", .chassis_asset_tag = "7783-7084-3265-9085-8269-3286-7" },
                  NV_PRODUCT_HYPER_V },
                /* WSL2 has no DMI; its kernel says what it is. */
                { { .hypervisor = "microsoft", .osrelease = "5.15.167.4-microsoft-standard-WSL2" },
                  NV_PRODUCT_WSL2 },
                { { .osrelease = "6.6.36.3-microsoft-standard-WSL2+" }, NV_PRODUCT_WSL2 },
                { { .hypervisor = "vmware", .sys_vendor = "VMware, Inc." }, NV_PRODUCT_VMWARE },
                { { .hypervisor = "oracle", .product_name = "VirtualBox" }, NV_PRODUCT_VIRTUALBOX },
                { { .hypervisor = "xen", .product_name = "HVM domU" }, NV_PRODUCT_XEN },
                { { .hypervisor = "parallels" }, NV_PRODUCT_PARALLELS },
                { { .hypervisor = "kvm", .sys_vendor = "QEMU" }, NV_PRODUCT_KVM },
                { { .hypervisor = "qemu" }, NV_PRODUCT_KVM },
                { { .hypervisor = "powervm" }, NV_PRODUCT_POWERVM },
                /* Nitro says KVM in CPUID, Amazon in DMI. */
                { { .hypervisor = "kvm", .sys_vendor = "Amazon EC2", .product_name = "m5.large" },
                  NV_PRODUCT_AWS },
                { { .hypervisor = "xen", .bios_vendor = "Amazon EC2" }, NV_PRODUCT_AWS },
                { { .hypervisor = "kvm", .sys_vendor = "Google", .product_name = "Google Compute Engine" },
                  NV_PRODUCT_GCE },
                { { .hypervisor = "kvm",
                    .sys_vendor = "OpenStack Foundation",
                    .product_name = "OpenStack Nova" },
                  NV_PRODUCT_OPENSTACK },
                { { .hypervisor = "kvm", .sys_vendor = "RDO", .product_name = "OpenStack Compute" },
                  NV_PRODUCT_OPENSTACK },
                { { .hypervisor = "kvm",
                    .sys_vendor = "QEMU",
                    .bios_vendor = "Proxmox distribution of EDK II" },
                  NV_PRODUCT_PROXMOX },
                { { .hypervisor = "bhyve" }, NV_PRODUCT_UNKNOWN },
                { { .hypervisor = NULL }, NV_PRODUCT_UNKNOWN },
                /* WSL1's kernel release is no WSL2. */
                { { .hypervisor = "microsoft", .osrelease = "4.4.0-19041-Microsoft" }, NV_PRODUCT_HYPER_V },
        };

        for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_test_message("case %" G_GSIZE_FORMAT, i);
                g_assert_cmpstr(nv_hypervisor_product_to_string(nv_hypervisor_product(&cases[i].facts)), ==,
                                nv_hypervisor_product_to_string(cases[i].expected));
        }
}

/* s390's "features" (sie), POWER's "cpu" generation, and which module
 * decides nesting on each architecture. */
static void test_other_architectures(void)
{
        NvCpuInfo info;

        PARSE("vendor_id       : IBM/S390\nfeatures\t: esan3 zarch stfle msa sie\n", &info);
        g_assert_true(info.has_sie);
        g_assert_true(nv_cpuinfo_has_hardware_virtualization(&info));
        PARSE("vendor_id       : IBM/S390\nfeatures\t: esan3 zarch siex\n", &info);
        g_assert_false(info.has_sie);
        g_assert_false(nv_cpuinfo_has_hardware_virtualization(&info));

        PARSE("processor\t: 0\ncpu\t\t: POWER9 (raw), altivec supported\n\nplatform\t: PowerNV\n", &info);
        g_assert_cmpuint(info.power_generation, ==, 9);
        g_assert_true(nv_cpuinfo_has_hardware_virtualization(&info));
        PARSE("processor\t: 0\ncpu\t\t: POWER10 (architected), altivec supported\n", &info);
        g_assert_cmpuint(info.power_generation, ==, 10);
        PARSE("processor\t: 0\ncpu\t\t: POWER8E (raw), altivec supported\n", &info);
        g_assert_cmpuint(info.power_generation, ==, 8);
        g_assert_false(nv_cpuinfo_has_hardware_virtualization(&info));
        PARSE("cpu\t\t: POWERFUL\n", &info);
        g_assert_cmpuint(info.power_generation, ==, 0);
        /* arm64's "Features" says nothing about nesting. */
        PARSE("processor\t: 0\nFeatures\t: fp asimd sie\n", &info);
        g_assert_false(info.has_sie);

        g_assert_cmpint(nv_arch_from_string("x86_64"), ==, NV_ARCH_X86);
        g_assert_cmpint(nv_arch_from_string("i686"), ==, NV_ARCH_X86);
        g_assert_cmpint(nv_arch_from_string("s390x"), ==, NV_ARCH_S390X);
        g_assert_cmpint(nv_arch_from_string("ppc64le"), ==, NV_ARCH_PPC64);
        g_assert_cmpint(nv_arch_from_string("aarch64"), ==, NV_ARCH_ARM64);
        g_assert_cmpint(nv_arch_from_string("riscv64"), ==, NV_ARCH_OTHER);
        g_assert_cmpint(nv_arch_from_string(NULL), ==, NV_ARCH_OTHER);
        g_assert_cmpstr(nv_nesting_module(NV_ARCH_X86, NV_CPU_VENDOR_AMD), ==, "kvm_amd");
        g_assert_null(nv_nesting_module(NV_ARCH_X86, NV_CPU_VENDOR_UNKNOWN));
        g_assert_cmpstr(nv_nesting_module(NV_ARCH_S390X, NV_CPU_VENDOR_UNKNOWN), ==, "kvm");
        g_assert_cmpstr(nv_nesting_module(NV_ARCH_PPC64, NV_CPU_VENDOR_UNKNOWN), ==, "kvm_hv");
        g_assert_null(nv_nesting_module(NV_ARCH_ARM64, NV_CPU_VENDOR_UNKNOWN));
}

/* A pSeries guest's hypervisor, in the order of the kernel's
 * pseries_add_hw_description(): /hypervisor first, then the machine. */
static void test_hypervisor_pseries(void)
{
        g_assert_cmpstr(nv_hypervisor_from_pseries_device_tree("linux,kvm", "qemu,pseries", FALSE), ==,
                        "kvm");
        g_assert_cmpstr(nv_hypervisor_from_pseries_device_tree(NULL, "qemu,pseries", FALSE), ==, "qemu");
        g_assert_cmpstr(nv_hypervisor_from_pseries_device_tree(NULL, "IBM,9080-HEX", TRUE), ==, "powervm");
        /* /hypervisor comes first, as in the kernel. */
        g_assert_cmpstr(nv_hypervisor_from_pseries_device_tree("linux,kvm", NULL, TRUE), ==, "kvm");
        g_assert_null(nv_hypervisor_from_pseries_device_tree(NULL, "IBM,9080-HEX", FALSE));
        g_assert_null(nv_hypervisor_from_pseries_device_tree("linux,kvmx", NULL, FALSE));
        g_assert_null(nv_hypervisor_from_pseries_device_tree(NULL, NULL, FALSE));
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);

        g_test_add_func("/cpuinfo/vendor/intel", test_vendor_intel);
        g_test_add_func("/cpuinfo/vendor/amd", test_vendor_amd);
        g_test_add_func("/cpuinfo/vendor/hygon", test_vendor_hygon);
        g_test_add_func("/cpuinfo/vendor/unknown", test_vendor_unknown);
        g_test_add_func("/cpuinfo/vendor/missing", test_vendor_missing);
        g_test_add_func("/cpuinfo/vendor/strings", test_vendor_strings);
        g_test_add_func("/cpuinfo/input/empty", test_empty);
        g_test_add_func("/cpuinfo/input/garbage", test_garbage);
        g_test_add_func("/cpuinfo/input/nul-bytes", test_nul_bytes);
        g_test_add_func("/cpuinfo/input/length-respected", test_length_respected);
        g_test_add_func("/cpuinfo/input/crlf-and-spacing", test_crlf_and_spacing);
        g_test_add_func("/cpuinfo/flags/whole-words", test_flags_whole_words);
        g_test_add_func("/cpuinfo/flags/first-block-only", test_flags_first_block_only);
        g_test_add_func("/cpuinfo/flags/many-processors", test_many_processors);
        g_test_add_func("/cpuinfo/flags/in-guest", test_in_guest);
        g_test_add_func("/cpuinfo/hardware-virtualization", test_hardware_virtualization);
        g_test_add_func("/cpuinfo/hypervisor/cpuid", test_hypervisor_cpuid);
        g_test_add_func("/cpuinfo/hypervisor/dmi", test_hypervisor_dmi);
        g_test_add_func("/cpuinfo/hypervisor/product", test_hypervisor_product);
        g_test_add_func("/cpuinfo/hypervisor/pseries", test_hypervisor_pseries);
        g_test_add_func("/cpuinfo/virtualization-features", test_virtualization_features);
        g_test_add_func("/cpuinfo/other-architectures", test_other_architectures);

        return g_test_run();
}
