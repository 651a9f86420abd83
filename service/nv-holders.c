/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The holders of /dev/kvm on demand (nv-holders.h): the last scan, the
 * callers waiting for the next, and the worker that runs it.
 */
#include "config.h"

#include <errno.h>

#include "nv-errno.h"
#include "nv-holders.h"
#include "nv-worker.h"

typedef struct {
        gint64 not_before;
        NvHoldersFunc func;
        gpointer user_data;
} Waiter;

struct NvHolders {
        char *proc_dir;
        char *socket_path;
        NvKvmUsersScanFlags flags;
        gint64 period_usec;
        gboolean fixed_period;

        NvWorker *worker;
        gboolean scanning;
        GQueue waiters; /* Waiter */

        /* The last scan: what it found and when it started and ended. */
        gboolean has_result;
        GArray *users;
        guint n_unexamined;
        GError *error;
        gint64 started;
        gint64 duration;
        gboolean partial_warned; /* a scan left processes out, and the log said so */
        char *warned_error;      /* the last failure the log told, said once until another */
};

typedef struct {
        NvHolders *holders;
        char *proc_dir;
        char *socket_path;
        NvKvmUsersScanFlags flags;
        gint64 started;
        gint64 duration;
        GArray *users;
        guint n_unexamined;
        GError *error;
} Scan;

static void scan_free(Scan *scan)
{
        g_free(scan->proc_dir);
        g_free(scan->socket_path);
        g_clear_pointer(&scan->users, g_array_unref);
        g_clear_error(&scan->error);
        g_free(scan);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Scan, scan_free)

/* In the worker thread: only @scan is touched. */
static void scan_run(gpointer data)
{
        Scan *scan = data;

        scan->started = g_get_monotonic_time();
        /* The helper's socket is there under systemd (the unit Wants= it);
         * once there, its answer or its failure is the truth: a scan here,
         * without the helper's capabilities, would find nobody. */
        if (scan->socket_path && g_file_test(scan->socket_path, G_FILE_TEST_EXISTS))
                scan->users = nv_kvm_users_query(scan->socket_path, &scan->n_unexamined, &scan->error);
        else
                scan->users =
                        nv_kvm_users_scan(scan->proc_dir, scan->flags, &scan->n_unexamined, &scan->error);
        scan->duration = g_get_monotonic_time() - scan->started;
}

static gint64 holders_period(const NvHolders *holders)
{
        if (holders->fixed_period)
                return holders->period_usec;
        return MAX(holders->period_usec, NV_KVM_USERS_DUTY * holders->duration);
}

gint64 nv_holders_not_before(const NvHolders *holders)
{
        return g_get_monotonic_time() - holders_period(holders);
}

static void call_waiter(const Waiter *waiter, const NvHolders *holders)
{
        NvHoldersResult result = {
                .users = holders->users,
                .n_unexamined = holders->n_unexamined,
                .error = holders->users ? NULL : holders->error,
        };

        waiter->func(&result, waiter->user_data);
}

static void start_scan(NvHolders *holders);

/* In the main loop: every caller the scan serves is answered, and one
 * more scan starts for those who wanted a later one. */
static void scan_done(gpointer data)
{
        g_autoptr(Scan) scan = data;
        NvHolders *holders = scan->holders;
        GQueue later = G_QUEUE_INIT;
        Waiter *waiter;

        holders->scanning = FALSE;
        holders->has_result = TRUE;
        holders->started = scan->started;
        holders->duration = scan->duration;
        holders->n_unexamined = scan->n_unexamined;
        g_clear_pointer(&holders->users, g_array_unref);
        holders->users = g_steal_pointer(&scan->users);
        g_clear_error(&holders->error);
        holders->error = g_steal_pointer(&scan->error);
        /* A helper that keeps failing would say the same at every call. */
        if (holders->error && g_strcmp0(holders->error->message, holders->warned_error) != 0) {
                g_warning("The holders of /dev/kvm are unknown: %s", holders->error->message);
                g_free(holders->warned_error);
                holders->warned_error = g_strdup(holders->error->message);
        } else if (!holders->error) {
                g_clear_pointer(&holders->warned_error, g_free);
        }
        /* Said once: a daemon without the capabilities keeps lacking them. */
        if (holders->n_unexamined > 0 && !holders->partial_warned) {
                g_warning("Could not look at the descriptors of %u processes in %s (no CAP_SYS_PTRACE): "
                          "ListModuleUsers() names only the holders among the others. Under systemd, "
                          "nestedvirtd-kvm-users.socket looks at all of them; is it running?",
                          holders->n_unexamined, holders->proc_dir);
                holders->partial_warned = TRUE;
        }
        g_debug("Scanned for the holders of /dev/kvm in %.1f ms: %d found", holders->duration / 1000.0,
                holders->users ? (int)holders->users->len : -1);

        while ((waiter = g_queue_pop_head(&holders->waiters))) {
                if (waiter->not_before <= holders->started) {
                        call_waiter(waiter, holders);
                        g_free(waiter);
                } else {
                        g_queue_push_tail(&later, waiter);
                }
        }
        holders->waiters = later;
        if (!g_queue_is_empty(&holders->waiters))
                start_scan(holders);
}

static void start_scan(NvHolders *holders)
{
        Scan *scan;

        if (holders->scanning || !holders->worker)
                return;
        scan = g_new0(Scan, 1);
        scan->holders = holders;
        scan->proc_dir = g_strdup(holders->proc_dir);
        scan->socket_path = g_strdup(holders->socket_path);
        scan->flags = holders->flags;
        holders->scanning = TRUE;
        nv_worker_push(holders->worker, scan, scan_run, scan_done);
}

char *nv_holders_socket_path(gboolean real_host)
{
        const char *value = g_getenv("NESTEDVIRTD_KVM_USERS_SOCKET");

        if (value && *value)
                return g_strdup(value);
        return real_host ? g_strdup(NV_KVM_USERS_SOCKET) : NULL;
}

NvHolders *nv_holders_new(const char *proc_dir, const char *socket_path, NvKvmUsersScanFlags flags,
                          gint64 period_usec, gboolean fixed_period)
{
        NvHolders *holders = g_new0(NvHolders, 1);

        holders->proc_dir = g_strdup(proc_dir);
        holders->socket_path = g_strdup(socket_path);
        holders->flags = flags;
        holders->period_usec = period_usec;
        holders->fixed_period = fixed_period;
        holders->worker = nv_worker_new("nv-kvm-users");
        g_queue_init(&holders->waiters);
        return holders;
}

void nv_holders_free(NvHolders *holders)
{
        g_autoptr(GError) exiting = NULL;
        Waiter *waiter;

        if (!holders)
                return;
        /* The scan that runs ends first, and serves whom it can. */
        g_clear_pointer(&holders->worker, nv_worker_free);
        exiting = g_error_new_literal(NV_ERRNO_ERROR, ECANCELED,
                                      "nestedvirtd is exiting; the holders of /dev/kvm were not looked for");
        while ((waiter = g_queue_pop_head(&holders->waiters))) {
                NvHoldersResult result = { .error = exiting };

                waiter->func(&result, waiter->user_data);
                g_free(waiter);
        }
        g_clear_pointer(&holders->users, g_array_unref);
        g_clear_error(&holders->error);
        g_free(holders->warned_error);
        g_free(holders->proc_dir);
        g_free(holders->socket_path);
        g_free(holders);
}

void nv_holders_get(NvHolders *holders, gint64 not_before, NvHoldersFunc func, gpointer user_data)
{
        Waiter *waiter;

        if (holders->has_result && holders->started >= not_before) {
                Waiter now = { .not_before = not_before, .func = func, .user_data = user_data };

                call_waiter(&now, holders);
                return;
        }
        waiter = g_new0(Waiter, 1);
        waiter->not_before = not_before;
        waiter->func = func;
        waiter->user_data = user_data;
        g_queue_push_tail(&holders->waiters, waiter);
        start_scan(holders);
}

gboolean nv_holders_is_busy(const NvHolders *holders)
{
        return holders->scanning || holders->waiters.length > 0;
}

void nv_holders_cancel(NvHolders *holders, gpointer user_data)
{
        for (GList *l = holders->waiters.head; l;) {
                GList *next = l->next;
                Waiter *waiter = l->data;

                if (waiter->user_data == user_data) {
                        g_queue_delete_link(&holders->waiters, l);
                        g_free(waiter);
                }
                l = next;
        }
}
