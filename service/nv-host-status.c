/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The exported status, kept true (nv-host-status.h).
 */
#include "config.h"

#include <string.h>

#include "nv-dbus.h"
#include "nv-host-status.h"
#include "nv-watch.h"

struct NvHostStatus {
        NvHost *host;
        NvStatus status;
        NvWatch *watch;
        /* A modprobe.d change is read and announced once the events that
         * came with it are all in. */
        sd_event_source *config_refresh_source;
        sd_bus *bus;                 /* borrowed */
        guint64 n_calls;             /* method calls seen */
        guint64 refreshed_at_call;   /* n_calls when the status was last read for a call */
        gboolean read;               /* the status has been read at all */
        char *pending_reload;        /* PendingReload, NULL: "" */
        char *pending_reload_result; /* PendingReloadResult, NULL: "" */
};

NvHostStatus *nv_host_status_new(const char *root)
{
        NvHostStatus *hs = g_new0(NvHostStatus, 1);

        hs->host = nv_host_new(root);
        return hs;
}

void nv_host_status_free(NvHostStatus *hs)
{
        if (!hs)
                return;
        g_clear_pointer(&hs->watch, nv_watch_free);
        hs->config_refresh_source = sd_event_source_disable_unref(hs->config_refresh_source);
        nv_status_clear(&hs->status);
        g_free(hs->pending_reload);
        g_free(hs->pending_reload_result);
        g_clear_pointer(&hs->host, nv_host_free);
        g_free(hs);
}

static int on_config_refresh(sd_event_source *s, void *userdata)
{
        nv_host_status_refresh(userdata, NULL);
        return 0;
}

/* A module event is one read of /sys/module, now. modprobe.d events come
 * in bursts (a package unpacking, an editor's temporary files), and each
 * read of modprobe.d reads every file there: the change is noted at once,
 * so that a call that comes before the read reads it, and read once, when
 * nothing else is pending. */
static void on_host_changed(NvWatchChange change, void *userdata)
{
        NvHostStatus *hs = userdata;

        if (change == NV_WATCH_MODULES) {
                nv_host_invalidate_modules(hs->host);
                if (hs->read)
                        nv_host_status_refresh(hs, NULL);
                return;
        }
        nv_host_invalidate_config(hs->host);
        /* Nobody has been told anything yet: nothing to announce. */
        if (!hs->read)
                return;
        if (!hs->config_refresh_source ||
            sd_event_source_set_enabled(hs->config_refresh_source, SD_EVENT_ONESHOT) < 0)
                nv_host_status_refresh(hs, NULL);
}

void nv_host_status_watch(NvHostStatus *hs, sd_event *event)
{
        int r;

        r = sd_event_add_defer(event, &hs->config_refresh_source, on_config_refresh, hs);
        if (r >= 0)
                r = sd_event_source_set_priority(hs->config_refresh_source, SD_EVENT_PRIORITY_IDLE);
        if (r >= 0)
                r = sd_event_source_set_enabled(hs->config_refresh_source, SD_EVENT_OFF);
        if (r < 0) {
                g_warning("Cannot defer modprobe.d reads: %s; reading at every event", g_strerror(-r));
                hs->config_refresh_source = sd_event_source_disable_unref(hs->config_refresh_source);
        }
        hs->watch = nv_watch_new(event, hs->host, on_host_changed, hs);
        /* Nothing announces a change in a --root tree: each call asks its
         * watch instead of reading the files again. */
        nv_host_watch_tree(hs->host);
        /* Listed once watched. The first read is the caller's
         * (nv_host_status_refresh()), as late as it can be: a large
         * modprobe.d, the one part whose size has no bound, is read
         * meanwhile in a thread. */
        nv_host_prefetch_config(hs->host);
        /* From here on, a status read takes the modules' state from the
         * last one unless an event came (where that is enough). */
        if (nv_watch_covers_modules(hs->watch))
                nv_host_watch_modules(hs->host);
}

void nv_host_status_set_bus(NvHostStatus *hs, sd_bus *bus)
{
        hs->bus = bus;
}

NvHost *nv_host_status_get_host(NvHostStatus *hs)
{
        return hs->host;
}

const NvStatus *nv_host_status_get(const NvHostStatus *hs)
{
        return &hs->status;
}

void nv_host_status_count_call(NvHostStatus *hs)
{
        hs->n_calls++;
}

/* Remembers the call being handled, if any, as read for: the getters that
 * PropertiesChanged calls, and those of the reply, need no second read.
 * Calls are told apart by their number, not by the message: holding a
 * reference to it would keep what it carries alive until the next call. */
void nv_host_status_refresh(NvHostStatus *hs, NvHostFacts *ret_facts)
{
        sd_bus_message *m = hs->bus ? sd_bus_get_current_message(hs->bus) : NULL;
        g_auto(NvHostFacts) facts = { 0 };
        g_auto(NvStatus) fresh = { 0 };
        g_auto(GStrv) changed = NULL;
        NvStatus old;
        int r;

        if (m)
                hs->refreshed_at_call = hs->n_calls;
        nv_host_read_facts(hs->host, &facts);
        nv_status_assemble(&facts, &fresh);
        if (hs->pending_reload) {
                g_free(fresh.pending_reload);
                fresh.pending_reload = g_strdup(hs->pending_reload);
        }
        if (hs->pending_reload_result) {
                g_free(fresh.pending_reload_result);
                fresh.pending_reload_result = g_strdup(hs->pending_reload_result);
        }

        /* The first read announces nothing: nobody has seen a status. */
        changed = hs->read ? nv_status_diff(&hs->status, &fresh) : NULL;
        if (ret_facts) {
                *ret_facts = facts;
                memset(&facts, 0, sizeof(facts));
        }
        if (!hs->read) {
                hs->read = TRUE;
                nv_status_clear(&hs->status);
                hs->status = fresh;
                memset(&fresh, 0, sizeof(fresh));
                return;
        }
        if (!changed)
                return;

        old = hs->status;
        hs->status = fresh;
        fresh = old; /* the old status is freed on return */

        if (!hs->bus)
                return;
        r = sd_bus_emit_properties_changed_strv(hs->bus, NV_OBJECT_PATH, NV_INTERFACE, changed);
        if (r < 0)
                g_warning("Failed to emit PropertiesChanged: %s", g_strerror(-r));
}

void nv_host_status_refresh_for_call(NvHostStatus *hs, NvHostFacts *ret_facts)
{
        sd_bus_message *m = hs->bus ? sd_bus_get_current_message(hs->bus) : NULL;

        if (!ret_facts && hs->read && (!m || hs->refreshed_at_call == hs->n_calls))
                return;
        if (!nv_watch_covers_config(hs->watch))
                nv_host_invalidate_config(hs->host);
        /* A --root tree in which nothing the last read looked at changed:
         * one read of an inotify descriptor instead of a dozen files. */
        if (!ret_facts && hs->read && nv_host_facts_unchanged(hs->host)) {
                if (m)
                        hs->refreshed_at_call = hs->n_calls;
                return;
        }
        nv_host_status_refresh(hs, ret_facts);
}

void nv_host_status_set_pending_reload(NvHostStatus *hs, const char *pending, const char *result)
{
        g_free(hs->pending_reload);
        hs->pending_reload = g_strdup(pending);
        g_free(hs->pending_reload_result);
        hs->pending_reload_result = g_strdup(result);
        nv_host_status_refresh(hs, NULL);
}
