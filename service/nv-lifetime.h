/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * How a run of nestedvirtd ends: on SIGTERM or SIGINT (exit status 0),
 * when its bus connection is lost (1), or after a period without calls
 * while nothing is pending (0). The idle exit gives the bus name up before
 * it answers what is queued, so that a call arriving meanwhile activates a
 * new instance instead of being lost.
 *
 * It runs the GLib main loop in which the daemon's sd-event loop is nested
 * (nv-loop.h).
 */
#pragma once

#include <glib.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

typedef struct NvLifetime NvLifetime;

/* Whether something is still pending (a password being typed, a job in a
 * worker): the idle exit waits another period. */
typedef gboolean (*NvLifetimeBusyFunc)(gpointer user_data);

/* Before any thread exists, so that all inherit the mask: SIGTERM and
 * SIGINT blocked (only the loop's signalfd sees them) and SIGPIPE ignored.
 * A negative errno on failure. */
int nv_lifetime_prepare_process(void);

NvLifetime *nv_lifetime_new(sd_event *event);
void nv_lifetime_free(NvLifetime *life);

/* Ends the run on the signals and on the loss of @bus; and, when @idle_usec
 * is not 0, once that long passed without nv_lifetime_touch() and @busy
 * says nothing is pending, after giving up @name. */
int nv_lifetime_watch(NvLifetime *life, sd_bus *bus, const char *name, guint64 idle_usec,
                      NvLifetimeBusyFunc busy, gpointer user_data);

/* Activity: the idle period starts again. */
void nv_lifetime_touch(NvLifetime *life);

/* Ends the run with @exit_status, once the current dispatch returns (or
 * before it starts). */
void nv_lifetime_end(NvLifetime *life, int exit_status);

/* Runs the loop until the run ends; returns the exit status. */
int nv_lifetime_run(NvLifetime *life);
