/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A reload that waits for the module to be free (nv-reload-when-idle.h).
 */
#include "config.h"

#include "nv-reload-when-idle.h"
#include "nv-reload.h"

typedef enum {
        WHEN_IDLE_NONE,
        WHEN_IDLE_WAITING,  /* for the module's reference count to drop to 0 */
        WHEN_IDLE_APPLYING, /* in the reload queue */
} WhenIdleState;

struct NvReloadWhenIdle {
        NvReloadQueue *queue;
        NvWhenIdleReadFunc read_facts;
        NvWhenIdleChangedFunc changed;
        gpointer user_data;
        guint64 poll_usec;
        sd_event_source *timer;

        WhenIdleState state;
        /* The request: while applying, a new one replaces the one that
         * runs once it is over (@again). */
        NvKernel *kernel;
        char *module;
        gboolean nested;
        gboolean again;
        char *result; /* PendingReloadResult */
};

static void set_result(NvReloadWhenIdle *w, const char *result, const char *detail)
{
        g_free(w->result);
        w->result = detail ? g_strconcat(result, ": ", detail, NULL) : g_strdup(result);
}

static void arm(NvReloadWhenIdle *w, guint64 usec)
{
        int r = sd_event_source_set_time_relative(w->timer, usec);

        if (r >= 0)
                r = sd_event_source_set_enabled(w->timer, SD_EVENT_ONESHOT);
        if (r < 0)
                g_warning("Cannot watch the module for a pending reload: %s", g_strerror(-r));
}

static void on_result(const char *value, const GError *error, gpointer user_data)
{
        NvReloadWhenIdle *w = user_data;

        g_assert(w->state == WHEN_IDLE_APPLYING);
        if (w->again) {
                /* Replaced while it ran: the new one waits its turn. */
                w->again = FALSE;
                w->state = WHEN_IDLE_WAITING;
                arm(w, 0);
        } else if (error && g_error_matches(error, NV_RELOAD_ERROR, NV_RELOAD_ERROR_IN_USE)) {
                /* Taken again between the look and the reload: wait on. */
                w->state = WHEN_IDLE_WAITING;
                arm(w, w->poll_usec);
                return;
        } else {
                w->state = WHEN_IDLE_NONE;
                if (value)
                        set_result(w, NV_PENDING_RESULT_APPLIED, value);
                else
                        set_result(w, NV_PENDING_RESULT_FAILED, error->message);
                g_message("The reload of %s that waited for the module to be free %s%s%s", w->module,
                          value ? "is done, nested is now " : "failed: ", value ? value : "",
                          value ? "" : error->message);
        }
        w->changed(w->user_data);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        NvReloadWhenIdle *w = userdata;
        g_auto(NvHostFacts) facts = { 0 };

        if (w->state != WHEN_IDLE_WAITING)
                return 0;
        w->read_facts(&facts, w->user_data);
        if (facts.has_vendor_refcnt && facts.vendor_refcnt > 0) {
                arm(w, w->poll_usec);
                return 0;
        }
        g_message("%s is no longer in use: reloading it with nested=%d, as asked", w->module, w->nested);
        w->state = WHEN_IDLE_APPLYING;
        nv_reload_queue_push_internal(w->queue, w->kernel, w->module, w->nested, on_result, w);
        return 0;
}

NvReloadWhenIdle *nv_reload_when_idle_new(sd_event *event, NvReloadQueue *queue, guint poll_msec,
                                          NvWhenIdleReadFunc read_facts, NvWhenIdleChangedFunc changed,
                                          gpointer user_data)
{
        NvReloadWhenIdle *w = g_new0(NvReloadWhenIdle, 1);
        int r;

        w->queue = queue;
        w->read_facts = read_facts;
        w->changed = changed;
        w->user_data = user_data;
        w->poll_usec = (guint64)poll_msec * 1000;
        w->result = g_strdup(NV_PENDING_RESULT_NONE);
        r = sd_event_add_time_relative(event, &w->timer, CLOCK_MONOTONIC, w->poll_usec, 0, on_timer, w);
        if (r >= 0)
                r = sd_event_source_set_enabled(w->timer, SD_EVENT_OFF);
        if (r < 0)
                g_error("Cannot add the pending reload's timer: %s", g_strerror(-r));
        return w;
}

void nv_reload_when_idle_free(NvReloadWhenIdle *w)
{
        if (!w)
                return;
        if (w->state != WHEN_IDLE_NONE)
                g_message("Exiting: the reload of %s that waited for the module to be free is dropped",
                          w->module);
        w->timer = sd_event_source_disable_unref(w->timer);
        g_free(w->module);
        g_free(w->result);
        g_free(w);
}

void nv_reload_when_idle_request(NvReloadWhenIdle *w, NvKernel *kernel, const char *module, gboolean nested)
{
        g_message("A reload of %s with nested=%d waits for the module to be free%s", module, nested,
                  w->state == WHEN_IDLE_WAITING ? ", replacing the one that waited" : "");
        w->kernel = kernel;
        g_free(w->module);
        w->module = g_strdup(module);
        w->nested = nested;
        if (w->state == WHEN_IDLE_APPLYING) {
                w->again = TRUE;
        } else {
                w->state = WHEN_IDLE_WAITING;
                arm(w, 0);
        }
        w->changed(w->user_data);
}

gboolean nv_reload_when_idle_cancel(NvReloadWhenIdle *w)
{
        if (w->state == WHEN_IDLE_APPLYING && w->again) {
                w->again = FALSE;
        } else if (w->state == WHEN_IDLE_WAITING) {
                w->state = WHEN_IDLE_NONE;
                sd_event_source_set_enabled(w->timer, SD_EVENT_OFF);
        } else {
                return FALSE;
        }
        g_message("The reload of %s that waited for the module to be free is cancelled", w->module);
        set_result(w, NV_PENDING_RESULT_CANCELLED, NULL);
        w->changed(w->user_data);
        return TRUE;
}

gboolean nv_reload_when_idle_is_busy(const NvReloadWhenIdle *w)
{
        return w->state != WHEN_IDLE_NONE;
}

const char *nv_reload_when_idle_get_pending(const NvReloadWhenIdle *w)
{
        if (w->state == WHEN_IDLE_NONE)
                return NV_PENDING_RELOAD_NONE;
        return w->nested ? NV_PENDING_RELOAD_ENABLE : NV_PENDING_RELOAD_DISABLE;
}

const char *nv_reload_when_idle_get_result(const NvReloadWhenIdle *w)
{
        return w->result;
}
