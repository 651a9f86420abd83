/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * How a run of nestedvirtd ends (nv-lifetime.h).
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

#include "nv-lifetime.h"
#include "nv-loop.h"

struct NvLifetime {
        sd_event *event;
        GMainLoop *loop;
        int exit_status;
        gboolean ended; /* before the loop ran, too */

        sd_bus *bus; /* borrowed */
        char *name;
        guint64 idle_usec;
        sd_event_source *idle_source;
        NvLifetimeBusyFunc busy;
        gpointer user_data;
};

int nv_lifetime_prepare_process(void)
{
        sigset_t mask;

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return -errno;
        /* A peer that closes its socket must cost an EPIPE, not the daemon:
         * libvirt's remote driver writes with plain write() and leaves
         * SIGPIPE to its caller (virsh ignores it, and systemd does for
         * services, IgnoreSIGPIPE=yes; dbus-daemon's activation does not),
         * and a libvirtd that dies mid-call closes the socket under it. */
        if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
                return -errno;
        return 0;
}

NvLifetime *nv_lifetime_new(sd_event *event)
{
        NvLifetime *life = g_new0(NvLifetime, 1);

        life->event = sd_event_ref(event);
        life->loop = g_main_loop_new(NULL, FALSE);
        return life;
}

void nv_lifetime_free(NvLifetime *life)
{
        if (!life)
                return;
        life->idle_source = sd_event_source_disable_unref(life->idle_source);
        g_main_loop_unref(life->loop);
        sd_event_unref(life->event);
        g_free(life->name);
        g_free(life);
}

void nv_lifetime_end(NvLifetime *life, int exit_status)
{
        life->exit_status = exit_status;
        life->ended = TRUE;
        g_main_loop_quit(life->loop);
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        g_message("Received %s, exiting", strsignal((int)si->ssi_signo));
        nv_lifetime_end(userdata, 0);
        return 0;
}

static int on_disconnected(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        g_warning("Disconnected from the system bus, exiting");
        nv_lifetime_end(userdata, 1);
        return 0;
}

static int on_idle(sd_event_source *s, uint64_t usec, void *userdata)
{
        NvLifetime *life = userdata;
        int r;

        if (life->busy(life->user_data)) {
                g_debug("Idle, but an authorization or a job is pending: not exiting yet");
                nv_lifetime_touch(life);
                return 0;
        }

        g_message("Exiting after %" G_GUINT64_FORMAT " s without calls", life->idle_usec / G_USEC_PER_SEC);
        r = sd_bus_release_name(life->bus, life->name);
        if (r < 0)
                g_warning("Failed to release %s: %s", life->name, g_strerror(-r));
        while (sd_bus_process(life->bus, NULL) > 0)
                ;
        sd_bus_flush(life->bus);
        nv_lifetime_end(life, 0);
        return 0;
}

int nv_lifetime_watch(NvLifetime *life, sd_bus *bus, const char *name, guint64 idle_usec,
                      NvLifetimeBusyFunc busy, gpointer user_data)
{
        int r;

        r = sd_event_add_signal(life->event, NULL, SIGTERM, on_signal, life);
        if (r >= 0)
                r = sd_event_add_signal(life->event, NULL, SIGINT, on_signal, life);
        if (r >= 0)
                r = sd_bus_match_signal(bus, NULL, "org.freedesktop.DBus.Local",
                                        "/org/freedesktop/DBus/Local", "org.freedesktop.DBus.Local",
                                        "Disconnected", on_disconnected, life);
        if (r < 0 || idle_usec == 0)
                return r;

        life->bus = bus;
        life->name = g_strdup(name);
        life->idle_usec = idle_usec;
        life->busy = busy;
        life->user_data = user_data;
        return sd_event_add_time_relative(life->event, &life->idle_source, CLOCK_MONOTONIC, idle_usec, 0,
                                          on_idle, life);
}

void nv_lifetime_touch(NvLifetime *life)
{
        int r;

        if (!life || !life->idle_source)
                return;
        r = sd_event_source_set_time_relative(life->idle_source, life->idle_usec);
        if (r >= 0)
                r = sd_event_source_set_enabled(life->idle_source, SD_EVENT_ONESHOT);
        if (r < 0)
                g_warning("Failed to re-arm the idle timer: %s", g_strerror(-r));
}

int nv_lifetime_run(NvLifetime *life)
{
        g_autoptr(GSource) source = NULL;

        /* g_main_loop_run() would forget a quit that came before it. */
        if (life->ended)
                return life->exit_status;
        source = nv_event_source_new(life->event);
        g_source_attach(source, NULL);
        g_main_loop_run(life->loop);
        g_source_destroy(source);
        return life->exit_status;
}
