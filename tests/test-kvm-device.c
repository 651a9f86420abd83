/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for nv-kvm-device.c: which module provides /dev/kvm on each
 * kind of host, and who may open it.
 */
#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include "nv-kvm-device.h"

#define LIVE    NV_MODULE_STATE_LIVE
#define BUILTIN NV_MODULE_STATE_BUILTIN

/* The provider of /dev/kvm with @candidates (an array) on a CPU with
 * @flags ("vmx", "svm", "" for neither). */
#define PROVIDER(candidates, flags)                                                               \
        nv_kvm_provider(TRUE, candidates, G_N_ELEMENTS(candidates), strstr(flags, "vmx") != NULL, \
                        strstr(flags, "svm") != NULL)

static void test_provider_loaded(void)
{
        /* The textbook hosts: kvm and its vendor module loaded. */
        const NvKvmCandidate intel[] = { { "kvm_intel", LIVE, TRUE } };
        const NvKvmCandidate amd[] = { { "kvm-amd", LIVE, TRUE } };
        /* kvmgt uses kvm too and shows in holders/; listed first here. */
        const NvKvmCandidate with_kvmgt[] = { { "kvmgt", LIVE, TRUE }, { "kvm_intel", LIVE, TRUE } };
        /* kvm built in, the vendor module loaded: nothing in holders/. */
        const NvKvmCandidate kvm_builtin[] = { { "kvm_amd", LIVE, FALSE } };
        const NvKvmCandidate pvm_loaded[] = { { "kvm_amd", BUILTIN, FALSE }, { "kvm_pvm", LIVE, TRUE } };
        /* A vendor module unknown here, found in holders/. */
        const NvKvmCandidate other[] = { { "kvm_future", LIVE, TRUE } };

        g_assert_cmpstr(PROVIDER(intel, "vmx"), ==, "kvm_intel");
        g_assert_cmpstr(PROVIDER(amd, "svm"), ==, "kvm-amd");
        g_assert_cmpstr(PROVIDER(with_kvmgt, "vmx"), ==, "kvm_intel");
        g_assert_cmpstr(PROVIDER(kvm_builtin, "svm"), ==, "kvm_amd");
        g_assert_cmpstr(PROVIDER(pvm_loaded, ""), ==, "kvm_pvm");
        g_assert_cmpstr(PROVIDER(other, "vmx"), ==, "kvm_future");
}

static void test_provider_builtin(void)
{
        /* This kind of host: kvm_pvm built in, an AMD CPU without svm. */
        const NvKvmCandidate pvm[] = { { "kvm_pvm", BUILTIN, FALSE } };
        /* kvm_amd built in too; without svm its init failed. */
        const NvKvmCandidate amd_and_pvm[] = { { "kvm_amd", BUILTIN, FALSE },
                                               { "kvm_pvm", BUILTIN, FALSE } };
        const NvKvmCandidate intel_builtin[] = { { "kvm_intel", BUILTIN, FALSE } };
        const NvKvmCandidate other_builtin[] = { { "kvm_intel", BUILTIN, FALSE },
                                                 { "kvm_future", BUILTIN, FALSE } };

        g_assert_cmpstr(PROVIDER(pvm, ""), ==, "kvm_pvm");
        g_assert_cmpstr(PROVIDER(amd_and_pvm, ""), ==, "kvm_pvm");
        g_assert_cmpstr(PROVIDER(amd_and_pvm, "svm"), ==, "kvm_amd");
        g_assert_cmpstr(PROVIDER(intel_builtin, "vmx"), ==, "kvm_intel");
        /* kvm_intel without vmx has failed: not the provider. */
        g_assert_null(PROVIDER(intel_builtin, ""));
        g_assert_cmpstr(PROVIDER(other_builtin, ""), ==, "kvm_future");
}

static void test_provider_none(void)
{
        const NvKvmCandidate intel[] = { { "kvm_intel", LIVE, TRUE } };
        const NvKvmCandidate absent[] = { { "kvm_intel", NV_MODULE_STATE_ABSENT, FALSE },
                                          { "kvm_amd", NV_MODULE_STATE_COMING, FALSE } };

        /* No /dev/kvm: nothing provides it, whatever is loaded. */
        g_assert_null(nv_kvm_provider(FALSE, intel, G_N_ELEMENTS(intel), TRUE, FALSE));
        g_assert_null(PROVIDER(absent, "vmx svm"));
        g_assert_null(nv_kvm_provider(TRUE, NULL, 0, TRUE, TRUE));
}

typedef struct {
        NvKvmDeviceFacts facts;
        NvKvmAccess expected;
        const char *description;
} AccessCase;

static void test_access(void)
{
        static const AccessCase cases[] = {
                { { FALSE }, NV_KVM_ACCESS_ABSENT, "there is no /dev/kvm" },
                /* This kind of host. */
                { { TRUE, 0, 0, "root", "root", S_IFCHR | 0600 },
                  NV_KVM_ACCESS_ROOT_ONLY,
                  "only root may open /dev/kvm (crw------- root:root)" },
                /* Debian with udev. */
                { { TRUE, 0, 104, "root", "kvm", S_IFCHR | 0660 },
                  NV_KVM_ACCESS_GROUP,
                  "root and the members of group kvm may open /dev/kvm (crw-rw---- root:kvm)" },
                { { TRUE, 0, 104, "root", "kvm", S_IFCHR | 0660, TRUE },
                  NV_KVM_ACCESS_GROUP,
                  "root and the members of group kvm may open /dev/kvm (crw-rw---- root:kvm); its ACL may "
                  "allow more users (the active seat's user, with systemd-logind)" },
                /* Fedora, and systemd's default rule. */
                { { TRUE, 0, 36, "root", "kvm", S_IFCHR | 0666 },
                  NV_KVM_ACCESS_EVERYONE,
                  "every user may open /dev/kvm (crw-rw-rw- root:kvm)" },
                { { TRUE, 0, 0, "root", "root", S_IFCHR | 0660 },
                  NV_KVM_ACCESS_GROUP,
                  "only root and the members of group root may open /dev/kvm (crw-rw---- root:root)" },
                /* Read without write is not enough to run a guest. */
                { { TRUE, 0, 104, "root", "kvm", S_IFCHR | 0644 },
                  NV_KVM_ACCESS_ROOT_ONLY,
                  "only root may open /dev/kvm (crw-r--r-- root:kvm)" },
                { { TRUE, 1000, 1000, "alice", NULL, S_IFCHR | 0600 },
                  NV_KVM_ACCESS_OWNER,
                  "only root and user alice may open /dev/kvm (crw------- alice:1000)" },
                /* Names the system does not know: the numbers. */
                { { TRUE, 0, 4242, NULL, NULL, S_IFCHR | 0660 },
                  NV_KVM_ACCESS_GROUP,
                  "root and the members of group 4242 may open /dev/kvm (crw-rw---- 0:4242)" },
        };

        for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autofree char *description = nv_kvm_access_describe(&cases[i].facts);

                g_assert_cmpstr(nv_kvm_access_to_string(nv_kvm_access(&cases[i].facts)), ==,
                                nv_kvm_access_to_string(cases[i].expected));
                g_assert_cmpstr(description, ==, cases[i].description);
        }

        g_assert_cmpstr(nv_kvm_access_to_string(NV_KVM_ACCESS_ABSENT), ==, "absent");
        g_assert_cmpstr(nv_kvm_access_to_string(NV_KVM_ACCESS_ROOT_ONLY), ==, "root-only");
        g_assert_cmpstr(nv_kvm_access_to_string(NV_KVM_ACCESS_OWNER), ==, "owner");
        g_assert_cmpstr(nv_kvm_access_to_string(NV_KVM_ACCESS_GROUP), ==, "group");
        g_assert_cmpstr(nv_kvm_access_to_string(NV_KVM_ACCESS_EVERYONE), ==, "everyone");
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);

        g_test_add_func("/kvm-device/provider/loaded", test_provider_loaded);
        g_test_add_func("/kvm-device/provider/builtin", test_provider_builtin);
        g_test_add_func("/kvm-device/provider/none", test_provider_none);
        g_test_add_func("/kvm-device/access", test_access);

        return g_test_run();
}
