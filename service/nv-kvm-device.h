/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * /dev/kvm as the status reports it: which module provides KVM, and who
 * may open the device. Pure functions of facts the caller reads (the
 * entries of /sys/module/kvm/holders/, the state of the candidate
 * modules in /sys/module, the CPU's flags, and stat() of /dev/kvm), so
 * every host class is unit-tested without one.
 */
#pragma once

#include <glib.h>
#include <sys/types.h>

#include "nv-kernel-param.h"

/* A module that may be what registered KVM's vendor code. */
typedef struct {
        const char *name;    /* "kvm_intel", "kvm_amd", "kvm_pvm", or any module holding kvm */
        NvModuleState state; /* nv_module_state_from_sysfs() */
        /* Listed in /sys/module/kvm/holders/: a loaded module that uses
         * kvm. Built-in modules are never listed there. */
        gboolean holds_kvm;
} NvKvmCandidate;

/*
 * The module that provides /dev/kvm, or NULL when there is no /dev/kvm
 * (@device_exists: /dev/kvm or /sys/class/misc/kvm exists) or it cannot be
 * told. Only one vendor module can register with kvm at a time (a second
 * one fails to load with EEXIST), so:
 * - a loaded (live) kvm_intel, kvm_amd or kvm_pvm is the provider: its
 *   init succeeded, or it would not be loaded;
 * - otherwise, built in (never listed in holders/): kvm_intel when the CPU
 *   has vmx, kvm_amd when it has svm (a built-in vendor module without
 *   its flag fails its init but keeps its /sys/module directory when it
 *   has parameters), then kvm_pvm, which needs neither flag;
 * - otherwise another module: a live holder of kvm (holders/ may also
 *   list modules that merely use kvm, such as kvmgt, hence last), then a
 *   built-in candidate of another name.
 * The returned string is the name of one of @candidates.
 */
const char *nv_kvm_provider(gboolean device_exists, const NvKvmCandidate *candidates, gsize n_candidates,
                            gboolean cpu_has_vmx, gboolean cpu_has_svm);

typedef enum {
        NV_KVM_ACCESS_ABSENT,    /* no /dev/kvm */
        NV_KVM_ACCESS_ROOT_ONLY, /* owner root, no group or other access */
        NV_KVM_ACCESS_OWNER,     /* its owner, a user other than root, and root */
        NV_KVM_ACCESS_GROUP,     /* the members of its group, and root */
        NV_KVM_ACCESS_EVERYONE,  /* every user */
} NvKvmAccess;

/* What stat() (and the ACL xattr) of /dev/kvm says. */
typedef struct {
        gboolean exists;
        uid_t uid;
        gid_t gid;
        const char *user_name;  /* of @uid; NULL when it has none */
        const char *group_name; /* of @gid; NULL when it has none */
        mode_t mode;            /* st_mode, type bits included */
        /* A POSIX ACL (system.posix_acl_access) exists: systemd-logind's
         * uaccess gives the active seat's user access this way. */
        gboolean has_acl;
} NvKvmDeviceFacts;

/*
 * Who may open /dev/kvm: QEMU and every other user of it opens it for
 * reading and writing, so a class needs both permissions; root may open
 * it whatever the mode says. The widest class wins: everyone (o+rw),
 * else the group (g+rw; also for group root), else its owner (u+rw;
 * root only when the owner is root), else only root.
 */
NvKvmAccess nv_kvm_access(const NvKvmDeviceFacts *facts);

/* "absent", "root-only", "owner", "group", "everyone". */
const char *nv_kvm_access_to_string(NvKvmAccess access);

/*
 * A sentence for people, without a final period, naming who may open it
 * and the mode as ls shows it: "only root may open /dev/kvm (crw-------
 * root:root)", "root and the members of group kvm may open /dev/kvm
 * (crw-rw---- root:kvm)", "every user may open /dev/kvm (crw-rw-rw-
 * root:kvm)", "there is no /dev/kvm"; with an ACL, "; its ACL may allow
 * more users (the active seat's user, with systemd-logind)" follows.
 */
char *nv_kvm_access_describe(const NvKvmDeviceFacts *facts);
