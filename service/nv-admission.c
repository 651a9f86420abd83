/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The calls held before their handler (nv-admission.h).
 */
#include "config.h"

#include <errno.h>

#include "nv-admission.h"
#include "nv-budget.h"
#include "nv-dbus.h"
#include "nv-sd-bus.h"

struct NvAdmission {
        sd_bus *bus;
        sd_event *event;
        GHashTable *released; /* sd_bus_message -> NvAdmissionStage it has passed, dispatched again */
        /* The budget: a user over it waits, in order, until it has a token
         * again. */
        NvBudget *budget;
        GHashTable *sender_uids; /* unique name -> uid + 1 */
        GQueue budget_waiting;   /* BudgetWait */
        GHashTable *n_waiting;   /* uid -> how many of budget_waiting are its */
        sd_event_source *budget_timer;
        /* The calls waiting for the scan of the holders of /dev/kvm. */
        GPtrArray *scan_waiting; /* sd_bus_message */
};

typedef struct {
        sd_bus_message *message;
        uid_t uid;
} BudgetWait;

static void message_unref(gpointer m)
{
        sd_bus_message_unref(m);
}

static void budget_wait_free(BudgetWait *w)
{
        sd_bus_message_unref(w->message);
        g_free(w);
}

NvAdmission *nv_admission_new(sd_bus *bus, sd_event *event)
{
        NvAdmission *admission = g_new0(NvAdmission, 1);

        admission->bus = sd_bus_ref(bus);
        admission->event = sd_event_ref(event);
        admission->released = g_hash_table_new_full(g_direct_hash, g_direct_equal, message_unref, NULL);
        admission->budget = nv_budget_new(NV_ADMISSION_RATE, NV_ADMISSION_BURST);
        admission->sender_uids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        admission->n_waiting = g_hash_table_new(g_direct_hash, g_direct_equal);
        admission->scan_waiting = g_ptr_array_new_with_free_func(message_unref);
        return admission;
}

/* At exit, for a call held back: an answer rather than none. */
static void reply_exiting(sd_bus_message *m)
{
        int r = sd_bus_reply_method_errorf(m, NV_ERROR_FAILED, "nestedvirtd is exiting.");

        if (r < 0)
                g_debug("Failed to answer %s: %s", sd_bus_message_get_member(m), g_strerror(-r));
}

void nv_admission_free(NvAdmission *admission)
{
        BudgetWait *w;

        if (!admission)
                return;
        while ((w = g_queue_pop_head(&admission->budget_waiting))) {
                reply_exiting(w->message);
                budget_wait_free(w);
        }
        for (guint i = 0; i < admission->scan_waiting->len; i++)
                reply_exiting(admission->scan_waiting->pdata[i]);
        g_ptr_array_unref(admission->scan_waiting);
        sd_event_source_disable_unref(admission->budget_timer);
        g_hash_table_unref(admission->n_waiting);
        g_hash_table_unref(admission->sender_uids);
        nv_budget_free(admission->budget);
        g_hash_table_unref(admission->released);
        sd_event_unref(admission->event);
        sd_bus_unref(admission->bus);
        g_free(admission);
}

NvAdmissionStage nv_admission_take_stage(NvAdmission *admission, sd_bus_message *m)
{
        gpointer value;

        if (!g_hash_table_lookup_extended(admission->released, m, NULL, &value))
                return NV_ADMISSION_STAGE_NEW;
        g_hash_table_remove(admission->released, m);
        return GPOINTER_TO_UINT(value);
}

/* Dispatches @m again, as having passed @stage. */
static void release(NvAdmission *admission, sd_bus_message *m, NvAdmissionStage stage)
{
        int r;

        g_hash_table_insert(admission->released, sd_bus_message_ref(m), GUINT_TO_POINTER(stage));
        r = sd_bus_enqueue_for_read(admission->bus, m);
        if (r < 0) {
                g_warning("Cannot resume %s from %s: %s", sd_bus_message_get_member(m),
                          sd_bus_message_get_sender(m), g_strerror(-r));
                g_hash_table_remove(admission->released, m);
                sd_bus_reply_method_errorf(m, NV_ERROR_FAILED, "The status could not be read.");
        }
}

static guint n_waiting(const NvAdmission *admission, uid_t uid)
{
        return GPOINTER_TO_UINT(g_hash_table_lookup(admission->n_waiting, GUINT_TO_POINTER(uid)));
}

static void n_waiting_add(NvAdmission *admission, uid_t uid, int delta)
{
        guint n = n_waiting(admission, uid) + (guint)delta;

        if (n == 0)
                g_hash_table_remove(admission->n_waiting, GUINT_TO_POINTER(uid));
        else
                g_hash_table_insert(admission->n_waiting, GUINT_TO_POINTER(uid), GUINT_TO_POINTER(n));
}

static void arm_budget_timer(NvAdmission *admission, gint64 wait_usec);

/* Lets go, in order, every waiting call whose user has a token again. */
static int on_budget_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        NvAdmission *admission = userdata;
        g_autoptr(GHashTable) out = g_hash_table_new(g_direct_hash, g_direct_equal);
        gint64 now = g_get_monotonic_time();
        gint64 next = G_MAXINT64;
        GList *l = admission->budget_waiting.head;

        while (l) {
                GList *following = l->next;
                BudgetWait *w = l->data;
                gint64 wait;

                if (!g_hash_table_contains(out, GUINT_TO_POINTER(w->uid))) {
                        if (nv_budget_take(admission->budget, w->uid, now, &wait)) {
                                g_queue_delete_link(&admission->budget_waiting, l);
                                n_waiting_add(admission, w->uid, -1);
                                release(admission, w->message, NV_ADMISSION_STAGE_BUDGET);
                                budget_wait_free(w);
                        } else {
                                g_hash_table_add(out, GUINT_TO_POINTER(w->uid));
                                next = MIN(next, wait);
                        }
                }
                l = following;
        }
        if (!g_queue_is_empty(&admission->budget_waiting))
                arm_budget_timer(admission, next);
        return 0;
}

/* Arms the timer to fire in @wait_usec, unless it fires sooner already. */
static void arm_budget_timer(NvAdmission *admission, gint64 wait_usec)
{
        sd_event_source *timer = admission->budget_timer;
        uint64_t when, now;
        int enabled, r;

        if (timer && sd_event_source_get_enabled(timer, &enabled) >= 0 && enabled != SD_EVENT_OFF &&
            sd_event_source_get_time(timer, &when) >= 0 &&
            sd_event_now(admission->event, CLOCK_MONOTONIC, &now) >= 0 && when <= now + (uint64_t)wait_usec)
                return;
        if (timer) {
                r = sd_event_source_set_time_relative(timer, (uint64_t)wait_usec);
                if (r >= 0)
                        r = sd_event_source_set_enabled(timer, SD_EVENT_ONESHOT);
        } else
                r = sd_event_add_time_relative(admission->event, &admission->budget_timer, CLOCK_MONOTONIC,
                                               (uint64_t)wait_usec, 0, on_budget_timer, admission);
        if (r < 0)
                g_warning("Failed to arm the call budget's timer: %s", g_strerror(-r));
}

/* The caller's uid, from the bus daemon (never from the message), once per
 * connection: unique names are never reused. */
static int sender_uid(NvAdmission *admission, sd_bus_message *m, uid_t *ret)
{
        const char *sender = sd_bus_message_get_sender(m);
        g_autoptr(sd_bus_creds) creds = NULL;
        gpointer value;
        int r;

        if (!sender)
                return -ENXIO;
        value = g_hash_table_lookup(admission->sender_uids, sender);
        if (value) {
                *ret = (uid_t)(GPOINTER_TO_SIZE(value) - 1);
                return 0;
        }
        r = sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID, &creds);
        if (r >= 0)
                r = sd_bus_creds_get_euid(creds, ret);
        if (r < 0)
                return r;
        /* Bounded: the names of connections gone are forgotten wholesale. */
        if (g_hash_table_size(admission->sender_uids) >= NV_ADMISSION_SENDER_UIDS_MAX)
                g_hash_table_remove_all(admission->sender_uids);
        g_hash_table_insert(admission->sender_uids, g_strdup(sender), GSIZE_TO_POINTER((gsize)*ret + 1));
        return 0;
}

int nv_admission_charge(NvAdmission *admission, sd_bus_message *m)
{
        gint64 wait = 1;
        BudgetWait *w;
        uid_t uid;
        int r;

        if (sender_uid(admission, m, &uid) < 0)
                return 0; /* the handler finds out whatever is wrong */
        /* Behind the user's calls waiting already, in order. */
        if (n_waiting(admission, uid) == 0 &&
            nv_budget_take(admission->budget, uid, g_get_monotonic_time(), &wait))
                return 0;
        if (n_waiting(admission, uid) >= NV_ADMISSION_MAX_WAITING) {
                r = sd_bus_reply_method_errorf(m, SD_BUS_ERROR_LIMITS_EXCEEDED,
                                               "User %u has %u calls waiting already, over its %u calls "
                                               "per second; slow down.",
                                               (unsigned)uid, NV_ADMISSION_MAX_WAITING, NV_ADMISSION_RATE);
                return r < 0 ? r : 1;
        }
        w = g_new0(BudgetWait, 1);
        w->message = sd_bus_message_ref(m);
        w->uid = uid;
        g_queue_push_tail(&admission->budget_waiting, w);
        n_waiting_add(admission, uid, 1);
        g_debug("User %u is over its budget: %u calls waiting", (unsigned)uid, n_waiting(admission, uid));
        if (n_waiting(admission, uid) == 1)
                arm_budget_timer(admission, wait > 0 ? wait : 1);
        return 1;
}

int nv_admission_wait_for_scan(NvAdmission *admission, sd_bus_message *m)
{
        if (admission->scan_waiting->len >= NV_ADMISSION_MAX_SCAN_WAITING) {
                int r = sd_bus_reply_method_errorf(m, SD_BUS_ERROR_LIMITS_EXCEEDED,
                                                   "%u calls are already waiting for the processes "
                                                   "holding /dev/kvm to be found; try again.",
                                                   NV_ADMISSION_MAX_SCAN_WAITING);
                return r < 0 ? r : 1;
        }
        g_ptr_array_add(admission->scan_waiting, sd_bus_message_ref(m));
        return 1;
}

guint nv_admission_end_scan(NvAdmission *admission)
{
        g_autoptr(GPtrArray) waiting = g_steal_pointer(&admission->scan_waiting);

        admission->scan_waiting = g_ptr_array_new_with_free_func(message_unref);
        for (guint i = 0; i < waiting->len; i++)
                release(admission, waiting->pdata[i], NV_ADMISSION_STAGE_SCAN);
        return waiting->len;
}

gboolean nv_admission_is_holding(const NvAdmission *admission)
{
        return admission->budget_waiting.length > 0 || admission->scan_waiting->len > 0;
}
