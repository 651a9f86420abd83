/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Who holds /dev/kvm: the processes with a descriptor on /dev/kvm, on a
 * VM or on a vCPU (ModuleUsers). Finding them means reading every
 * process's /proc/PID/fd, whose cost grows with the number of descriptors
 * on the host: the daemon runs it off its main loop, at most once per
 * NV_KVM_USERS_MAX_AGE_USEC whatever the number of callers, and never more
 * than a tenth of the time (nv-daemon.c).
 * Reading another user's descriptors takes CAP_SYS_PTRACE and
 * CAP_DAC_READ_SEARCH, which the daemon's unit does not give: there the
 * scan runs in a helper (service/nestedvirtd-kvm-users.c) that has them,
 * and sends the result over a socket in the format below.
 * Thread-safe: nothing here touches more than its arguments.
 */
#pragma once

#include <glib.h>

#include "nv-properties.h"

/* How old the holders a status may report are: a flood of status calls
 * costs at most one scan per this much time. */
#define NV_KVM_USERS_MAX_AGE_USEC (1 * G_USEC_PER_SEC)
/* Where a scan takes longer than a tenth of that, the period is this many
 * times the last scan's duration instead. */
#define NV_KVM_USERS_DUTY 10

/* Scans @proc_dir (the host's /proc, below the daemon's root) and returns
 * the holders (NvModuleUser, sorted by pid), or NULL with @error set
 * (NV_ERRNO_ERROR, nv-errno.h) when @proc_dir cannot be listed. A process
 * that ends during the scan is left out, and so is one whose descriptors
 * the caller may not look at (EACCES, EPERM: another user's, without
 * CAP_SYS_PTRACE), counted in @ret_n_unreadable (optional). */
GArray *nv_kvm_users_scan(const char *proc_dir, guint *ret_n_unreadable, GError **error);

/*
 * The holders as the scan helper (nestedvirtd-kvm-users, socket-activated
 * with the capabilities the scan needs) sends them to the daemon: records,
 * each ended by a NUL byte,
 *   "u PID COMM"  a holder: PID in decimal, 1 to 4294967295 without sign or
 *                 leading zero, one space, its comm (any bytes but NUL,
 *                 possibly none);
 *   "e MESSAGE"   the scan failed, and why (then no "u" record);
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

/* The answer for @users (NvModuleUser; pids distinct), or, when @users is
 * NULL, for @error (the scan's). One whose holders would not fit in
 * NV_KVM_USERS_WIRE_MAX bytes says so as an error instead. */
GBytes *nv_kvm_users_format(const GArray *users, const GError *error);

/* The holders (NvModuleUser, sorted by pid) that @data (@len bytes) names,
 * or NULL with @error set: NV_KVM_USERS_ERROR_MALFORMED, or
 * NV_KVM_USERS_ERROR_SCAN with the helper's message. */
GArray *nv_kvm_users_parse(const char *data, gsize len, GError **error);

/* Asks the helper listening on @socket_path (AF_UNIX, stream): connects,
 * sends nothing, reads the answer to its end, within
 * NV_KVM_USERS_QUERY_TIMEOUT_MSEC in all, and parses it. NULL with @error
 * set when it cannot: NV_ERRNO_ERROR for the socket (ECONNREFUSED: nobody
 * listens), NV_KVM_USERS_ERROR for the answer. Blocks: for a worker
 * thread. */
GArray *nv_kvm_users_query(const char *socket_path, GError **error);

/* Same, within @timeout_msec (for tests). */
GArray *nv_kvm_users_query_timeout(const char *socket_path, guint timeout_msec, GError **error);
