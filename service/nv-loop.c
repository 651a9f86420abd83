/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sd-event inside GLib's main loop.
 *
 * The daemon needs both: sd-bus and the kernel uevent monitor are
 * sd-event citizens, while polkit-gobject completes its asynchronous
 * CheckAuthorization in the thread-default GMainContext. Of the two ways
 * to join them, this one nests sd-event in GLib: sd-event keeps all of its
 * sources (sockets, timerfds, signalfd, inotify) in one epoll descriptor,
 * so GLib only has to poll that single fd, with no timeouts of its own to
 * merge and no helper thread. (The reverse, GLib in sd-event, would mean
 * re-exporting GLib's changing set of pollfds and timeouts into sd-event on
 * every iteration.) An idle daemon therefore sleeps in one poll() with no
 * timeout and wakes up for nothing.
 *
 * sd-event's iteration is prepare -> wait -> dispatch, which maps onto
 * GSource's prepare -> check -> dispatch. GLib may skip check() for a
 * source when a higher-priority one is ready, so prepare() also finishes
 * an iteration that was left armed.
 */
#include "config.h"

#include "nv-loop.h"

typedef struct {
        GSource source;
        sd_event *event;
        gpointer tag;
} NvEventSource;

/* Brings the loop to SD_EVENT_PENDING (TRUE) or SD_EVENT_INITIAL (FALSE). */
static gboolean event_poll_now(sd_event *event)
{
        int r;

        switch (sd_event_get_state(event)) {
        case SD_EVENT_PENDING:
                return TRUE;
        case SD_EVENT_ARMED:
                r = sd_event_wait(event, 0);
                if (r < 0)
                        g_warning("sd_event_wait() failed: %s", g_strerror(-r));
                return r > 0;
        default:
                return FALSE;
        }
}

static gboolean event_source_prepare(GSource *source, gint *timeout)
{
        NvEventSource *s = (NvEventSource *)source;
        int r;

        *timeout = -1;

        if (event_poll_now(s->event))
                return TRUE;
        if (sd_event_get_state(s->event) != SD_EVENT_INITIAL)
                return FALSE;

        /* Runs sd-event's prepare callbacks (sd-bus flushes its output
         * queue and arms its timeouts here) and arms the timerfds. */
        r = sd_event_prepare(s->event);
        if (r < 0) {
                g_warning("sd_event_prepare() failed: %s", g_strerror(-r));
                return FALSE;
        }
        return r > 0;
}

static gboolean event_source_check(GSource *source)
{
        NvEventSource *s = (NvEventSource *)source;

        return event_poll_now(s->event);
}

static gboolean event_source_dispatch(GSource *source, GSourceFunc callback, gpointer user_data)
{
        NvEventSource *s = (NvEventSource *)source;
        int r;

        if (sd_event_get_state(s->event) != SD_EVENT_PENDING)
                return G_SOURCE_CONTINUE;

        r = sd_event_dispatch(s->event);
        if (r < 0)
                g_warning("sd_event_dispatch() failed: %s", g_strerror(-r));
        return G_SOURCE_CONTINUE;
}

static void event_source_finalize(GSource *source)
{
        NvEventSource *s = (NvEventSource *)source;

        s->event = sd_event_unref(s->event);
}

static GSourceFuncs event_source_funcs = {
        .prepare = event_source_prepare,
        .check = event_source_check,
        .dispatch = event_source_dispatch,
        .finalize = event_source_finalize,
};

GSource *nv_event_source_new(sd_event *event)
{
        GSource *source = g_source_new(&event_source_funcs, sizeof(NvEventSource));
        NvEventSource *s = (NvEventSource *)source;

        s->event = sd_event_ref(event);
        s->tag = g_source_add_unix_fd(source, sd_event_get_fd(event), G_IO_IN);
        /* GLib blocks a source that may not recurse while it dispatches,
         * which takes its descriptor out of the poll set and puts it back,
         * and wakes the loop twice for that: two writes, a read and an
         * extra poll for every message. Nothing here runs the GLib loop
         * from inside a dispatch, and sd_event_dispatch() refuses to be
         * re-entered anyway. */
        g_source_set_can_recurse(source, TRUE);
        g_source_set_name(source, "sd-event");
        return source;
}
