/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * /dev/kvm's provider and access, from facts the caller read (see
 * nv-kvm-device.h). Pure: unit-tested alone.
 */
#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include "nv-kvm-device.h"

/* The vendor modules of mainline kvm, and PVM's. */
static const char *const known_providers[] = { "kvm_intel", "kvm_amd", "kvm_pvm" };

static gboolean is_known_provider(const char *name)
{
        for (gsize i = 0; i < G_N_ELEMENTS(known_providers); i++)
                if (nv_module_name_equal(name, known_providers[i]))
                        return TRUE;
        return FALSE;
}

static const char *find_candidate(const NvKvmCandidate *candidates, gsize n, const char *name,
                                  NvModuleState state)
{
        for (gsize i = 0; i < n; i++)
                if (candidates[i].state == state &&
                    (!name || nv_module_name_equal(candidates[i].name, name)))
                        return candidates[i].name;
        return NULL;
}

const char *nv_kvm_provider(gboolean device_exists, const NvKvmCandidate *candidates, gsize n_candidates,
                            gboolean cpu_has_vmx, gboolean cpu_has_svm)
{
        const char *name = NULL;

        g_return_val_if_fail(candidates != NULL || n_candidates == 0, NULL);

        if (!device_exists)
                return NULL;

        /* A loaded vendor module has registered: its init would have
         * failed, and the module gone, otherwise. */
        for (gsize i = 0; i < G_N_ELEMENTS(known_providers) && !name; i++)
                name = find_candidate(candidates, n_candidates, known_providers[i], NV_MODULE_STATE_LIVE);

        /* Built in, a vendor module whose flag the CPU lacks has failed its
         * init but may keep its /sys/module directory. */
        if (!name && cpu_has_vmx)
                name = find_candidate(candidates, n_candidates, "kvm_intel", NV_MODULE_STATE_BUILTIN);
        if (!name && cpu_has_svm)
                name = find_candidate(candidates, n_candidates, "kvm_amd", NV_MODULE_STATE_BUILTIN);
        if (!name)
                name = find_candidate(candidates, n_candidates, "kvm_pvm", NV_MODULE_STATE_BUILTIN);
        if (name)
                return name;

        /* Another vendor module this file does not know: a loaded holder
         * of kvm first, then a built-in candidate. */
        for (gsize i = 0; i < n_candidates; i++) {
                if (is_known_provider(candidates[i].name))
                        continue;
                if (candidates[i].state == NV_MODULE_STATE_LIVE && candidates[i].holds_kvm)
                        return candidates[i].name;
        }
        for (gsize i = 0; i < n_candidates; i++)
                if (!is_known_provider(candidates[i].name) && candidates[i].state == NV_MODULE_STATE_BUILTIN)
                        return candidates[i].name;
        return NULL;
}

static gboolean can_read_write(mode_t mode, mode_t read_bit, mode_t write_bit)
{
        return (mode & read_bit) && (mode & write_bit);
}

NvKvmAccess nv_kvm_access(const NvKvmDeviceFacts *facts)
{
        g_return_val_if_fail(facts != NULL, NV_KVM_ACCESS_ABSENT);

        if (!facts->exists)
                return NV_KVM_ACCESS_ABSENT;
        if (can_read_write(facts->mode, S_IROTH, S_IWOTH))
                return NV_KVM_ACCESS_EVERYONE;
        if (can_read_write(facts->mode, S_IRGRP, S_IWGRP))
                return NV_KVM_ACCESS_GROUP;
        if (facts->uid != 0 && can_read_write(facts->mode, S_IRUSR, S_IWUSR))
                return NV_KVM_ACCESS_OWNER;
        return NV_KVM_ACCESS_ROOT_ONLY;
}

const char *nv_kvm_access_to_string(NvKvmAccess access)
{
        switch (access) {
        case NV_KVM_ACCESS_ABSENT:
                return "absent";
        case NV_KVM_ACCESS_ROOT_ONLY:
                return "root-only";
        case NV_KVM_ACCESS_OWNER:
                return "owner";
        case NV_KVM_ACCESS_GROUP:
                return "group";
        case NV_KVM_ACCESS_EVERYONE:
                return "everyone";
        }
        g_return_val_if_reached(NULL);
}

/* The mode as ls -l shows it: "crw-rw----". */
static void format_mode(mode_t mode, char ret[11])
{
        static const char rwx[] = "rwxrwxrwx";

        ret[0] = S_ISCHR(mode) ? 'c' : S_ISBLK(mode) ? 'b' : S_ISDIR(mode) ? 'd' : S_ISREG(mode) ? '-' : '?';
        for (int i = 0; i < 9; i++)
                ret[1 + i] = (mode & (1u << (8 - i))) ? rwx[i] : '-';
        ret[10] = '\0';
}

static char *name_or_id(const char *name, guint id)
{
        return name ? g_strdup(name) : g_strdup_printf("%u", id);
}

char *nv_kvm_access_describe(const NvKvmDeviceFacts *facts)
{
        g_autofree char *user = NULL;
        g_autofree char *group = NULL;
        g_autofree char *who = NULL;
        char mode[11];
        NvKvmAccess access;

        g_return_val_if_fail(facts != NULL, NULL);

        access = nv_kvm_access(facts);
        if (access == NV_KVM_ACCESS_ABSENT)
                return g_strdup("there is no /dev/kvm");

        user = name_or_id(facts->user_name, (guint)facts->uid);
        group = name_or_id(facts->group_name, (guint)facts->gid);
        switch (access) {
        case NV_KVM_ACCESS_EVERYONE:
                who = g_strdup("every user may");
                break;
        case NV_KVM_ACCESS_GROUP:
                who = facts->gid == 0 && facts->uid == 0
                              ? g_strdup("only root and the members of group root may")
                              : g_strdup_printf("root and the members of group %s may", group);
                break;
        case NV_KVM_ACCESS_OWNER:
                who = g_strdup_printf("only root and user %s may", user);
                break;
        case NV_KVM_ACCESS_ROOT_ONLY:
        case NV_KVM_ACCESS_ABSENT:
        default:
                who = g_strdup("only root may");
                break;
        }
        format_mode(facts->mode, mode);
        return g_strdup_printf("%s open /dev/kvm (%s %s:%s)%s", who, mode, user, group,
                               facts->has_acl && access != NV_KVM_ACCESS_EVERYONE
                                       ? "; its ACL may allow more users (the active seat's user, with "
                                         "systemd-logind)"
                                       : "");
}
