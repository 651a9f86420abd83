/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The processes holding /dev/kvm, found on demand (ListModuleUsers(), and
 * ReloadModule()'s refusal, which names them): one scan at a time, off
 * the main loop, shared by every caller waiting when it ends, and no more
 * than one per period whatever the number of callers: at least
 * NV_KVM_USERS_MAX_AGE_USEC, or NV_KVM_USERS_DUTY times what the last scan
 * took, so that scanning keeps a thread busy a tenth of the time at most
 * even on a host with hundreds of thousands of descriptors. The status
 * never waits for it: its VendorModuleInUse is the kernel's reference
 * count, one file read.
 *
 * Under systemd the scan runs in the socket-activated helper, which has
 * the capabilities to read every process's descriptors
 * (nestedvirtd-kvm-users, nv-kvm-users.h); without its socket it runs
 * here, and says whom it could not look at. Main loop only.
 */
#pragma once

#include <glib.h>

#include "nv-kvm-users.h"

typedef struct NvHolders NvHolders;

/* What a scan found: @users (NvModuleUser, sorted by pid) and the number
 * of processes it could not look at, or NULL and the @error that stopped
 * it. Valid during the callback only. */
typedef struct {
        const GArray *users;
        guint n_unexamined;
        const GError *error;
} NvHoldersResult;

typedef void (*NvHoldersFunc)(const NvHoldersResult *result, gpointer user_data);

/* The scan helper's socket on the real host (@real_host), NULL for none: a
 * --root tree is not the host the helper describes. The environment's
 * NESTEDVIRTD_KVM_USERS_SOCKET names another, for tests. */
char *nv_holders_socket_path(gboolean real_host);

/* Scans @proc_dir, or asks the helper at @socket_path when that exists
 * (NULL: never). @period_usec: the shortest period; with @fixed_period
 * it is the period, whatever a scan takes (for tests). */
NvHolders *nv_holders_new(const char *proc_dir, const char *socket_path, NvKvmUsersScanFlags flags,
                          gint64 period_usec, gboolean fixed_period);

/* Waits for the scan that is running, joins its thread, and answers every
 * caller still waiting (with an error when no scan served it), then frees
 * @holders. */
void nv_holders_free(NvHolders *holders);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvHolders, nv_holders_free)

/* Calls @func, now or from the main loop when a scan ends, with the
 * holders found by a scan that started at @not_before
 * (g_get_monotonic_time()) or later. A caller that only needs them
 * recent passes nv_holders_not_before(): the last scan serves it while it
 * is younger than a period, and a new one starts at most once a period. */
void nv_holders_get(NvHolders *holders, gint64 not_before, NvHoldersFunc func, gpointer user_data);

/* The oldest start that still counts as recent: now less the period. */
gint64 nv_holders_not_before(const NvHolders *holders);

/* A scan runs, or callers wait for one. */
gboolean nv_holders_is_busy(const NvHolders *holders);

/* Forgets every call of nv_holders_get() made with @user_data: its @func
 * is not called. */
void nv_holders_cancel(NvHolders *holders, gpointer user_data);
