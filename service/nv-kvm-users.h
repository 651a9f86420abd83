/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Who holds /dev/kvm: the processes with a descriptor on /dev/kvm, on a
 * VM or on a vCPU (ListModuleUsers()), and the virtual machine each runs.
 * Finding them means reading every process's /proc/PID/fd, whose cost
 * grows with the number of descriptors on the host: the daemon runs it off
 * its main loop, at most once per NV_KVM_USERS_MAX_AGE_USEC whatever the
 * number of callers, and never more than a tenth of the time
 * (nv-holders.h).
 * Reading another user's descriptors takes CAP_SYS_PTRACE and
 * CAP_DAC_READ_SEARCH, which the daemon's unit does not give: there the
 * scan runs in a helper (service/nestedvirtd-kvm-users.c) that has them,
 * and sends the result over a socket in the format below.
 * Thread-safe: nothing here touches more than its arguments.
 */
#pragma once

#include <glib.h>

#include "nv-module-users.h"

/* How old the holders a status may report are: a flood of status calls
 * costs at most one scan per this much time. */
#define NV_KVM_USERS_MAX_AGE_USEC (1 * G_USEC_PER_SEC)
/* Where a scan takes longer than a tenth of that, the period is this many
 * times the last scan's duration instead. */
#define NV_KVM_USERS_DUTY 10

typedef enum {
        NV_KVM_USERS_SCAN_DEFAULT = 0,
        /* A descriptor linked to "/dev/kvm" counts only when it is the
         * device (char 10:232), not a file of that name in a process's own
         * mount namespace. For the real /proc: a fake tree's descriptors
         * are symbolic links. */
        NV_KVM_USERS_SCAN_CHECK_DEVICE = 1 << 0,
} NvKvmUsersScanFlags;

/* Scans @proc_dir (the host's /proc, below the daemon's root) and returns
 * the holders (NvModuleUser, sorted by pid, with the owner of their /proc
 * directory and the guest named by QEMU's -name), or NULL with @error set
 * (NV_ERRNO_ERROR, nv-errno.h) when @proc_dir cannot be listed. A process
 * that ends during the scan is left out, and so is one whose descriptors
 * the caller may not look at (EACCES, EPERM: another user's, without
 * CAP_SYS_PTRACE), counted in @ret_n_unreadable (optional). */
GArray *nv_kvm_users_scan(const char *proc_dir, NvKvmUsersScanFlags flags, guint *ret_n_unreadable,
                          GError **error);

/* The guest a QEMU process runs, from its command line (@len bytes of
 * NUL-separated arguments, as /proc/PID/cmdline has them): the name of
 * "-name NAME" or "-name guest=NAME,..." (",," for a comma in it); NULL
 * when the program is not QEMU or names no guest. */
char *nv_kvm_users_guest_name(const char *cmdline, gsize len);

/*
 * The holders as the scan helper (nestedvirtd-kvm-users, socket-activated
 * with the capabilities the scan needs) sends them to the daemon: records,
 * each ended by a NUL byte,
 *   "u PID UID COMM"  a holder: PID (1 to 4294967295) and UID (0 to
 *                 4294967295) in decimal without sign or leading zero, one
 *                 space after each, its comm (any bytes but NUL, possibly
 *                 none);
 *   "m NAME"      right after a "u", at most once: the guest it runs (any
 *                 bytes but NUL, at least one);
 *   "n COUNT"     after the last holder, at most once: how many processes
 *                 the scan could not look at (1 to 4294967295);
 *   "e MESSAGE"   the scan failed, and why (then no other record);
 *   "end"         the last record: nothing follows it.
 * An answer without "end", with any other record, a PID twice or more
 * than NV_KVM_USERS_WIRE_MAX bytes is malformed: never a partial list.
 */
#define NV_KVM_USERS_WIRE_MAX (4 * 1024 * 1024)

/* How long the daemon waits for the helper's whole answer. */
#define NV_KVM_USERS_QUERY_TIMEOUT_MSEC 10000

#define NV_KVM_USERS_ERROR nv_kvm_users_error_quark()
GQuark nv_kvm_users_error_quark(void);

typedef enum {
        NV_KVM_USERS_ERROR_MALFORMED, /* the answer breaks the format above */
        NV_KVM_USERS_ERROR_SCAN,      /* the helper's scan failed ("e") */
        NV_KVM_USERS_ERROR_TIMEOUT,   /* no whole answer in time */
} NvKvmUsersError;

/* The answer for @users (NvModuleUser; pids distinct) and the
 * @n_unexamined processes the scan left out, or, when @users is NULL, for
 * @error (the scan's). One whose holders would not fit in
 * NV_KVM_USERS_WIRE_MAX bytes says so as an error instead. */
GBytes *nv_kvm_users_format(const GArray *users, guint n_unexamined, const GError *error);

/* The holders (NvModuleUser, sorted by pid) that @data (@len bytes) names,
 * and in @ret_n_unexamined (optional) how many processes the scan left
 * out, or NULL with @error set: NV_KVM_USERS_ERROR_MALFORMED, or
 * NV_KVM_USERS_ERROR_SCAN with the helper's message. */
GArray *nv_kvm_users_parse(const char *data, gsize len, guint *ret_n_unexamined, GError **error);

/* Asks the helper listening on @socket_path (AF_UNIX, stream): connects,
 * sends nothing, reads the answer to its end, within
 * NV_KVM_USERS_QUERY_TIMEOUT_MSEC in all, and parses it. NULL with @error
 * set when it cannot: NV_ERRNO_ERROR for the socket (ECONNREFUSED: nobody
 * listens), NV_KVM_USERS_ERROR for the answer. Blocks: for a worker
 * thread. */
GArray *nv_kvm_users_query(const char *socket_path, guint *ret_n_unexamined, GError **error);

/* Same, within @timeout_msec (for tests). */
GArray *nv_kvm_users_query_timeout(const char *socket_path, guint timeout_msec, guint *ret_n_unexamined,
                                   GError **error);
