/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The status the daemon exports, kept true: the host (nv-host.h) is read
 * by a call that returns status, at most once per incoming message (a
 * GetAll reads it once for all its properties), and the result compared
 * with what was exported; a change is announced with PropertiesChanged
 * for exactly the properties that differ. Changes nobody asks about are
 * announced too: the watchers (nv-watch.h) say when a module came or went
 * or modprobe.d changed, and what an event source covers is kept between
 * reads until it fires. A burst of modprobe.d events is one read, when
 * nothing else is pending (a call before it reads the change itself).
 * Every read is a few small files. Main loop only.
 */
#pragma once

#include <glib.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "nv-host.h"
#include "nv-status.h"

typedef struct NvHostStatus NvHostStatus;

/* Reads what cannot change of the host below @root, and starts reading its
 * modprobe.d in a thread; the status itself is read at the first
 * nv_host_status_refresh(), which announces nothing (nobody to tell yet). */
NvHostStatus *nv_host_status_new(const char *root);
void nv_host_status_free(NvHostStatus *hs);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvHostStatus, nv_host_status_free)

/* Starts the watchers on @event. */
void nv_host_status_watch(NvHostStatus *hs, sd_event *event);

/* Where changes are announced, and whose current message a read is for. */
void nv_host_status_set_bus(NvHostStatus *hs, sd_bus *bus);

NvHost *nv_host_status_get_host(NvHostStatus *hs);
const NvStatus *nv_host_status_get(const NvHostStatus *hs);

/* A method call came in (the daemon's bus filter): the next read for a
 * call is a new one. */
void nv_host_status_count_call(NvHostStatus *hs);

/* Reads the host now and announces what changed; the facts read in
 * @ret_facts (optional, zeroed). */
void nv_host_status_refresh(NvHostStatus *hs, NvHostFacts *ret_facts);

/* For a handler or getter that returns status: reads the host unless it
 * was read for this very message already (with @ret_facts it always
 * reads). Outside of a call (the getters of a PropertiesChanged sent after
 * a watcher's or a worker's refresh) the status was just read. What the
 * watchers do not cover is read again. */
void nv_host_status_refresh_for_call(NvHostStatus *hs, NvHostFacts *ret_facts);

/* The daemon's request that waits for the module to be free
 * (nv-reload-when-idle.h): PendingReload and PendingReloadResult from now
 * on are @pending and @result; announced at once when they changed. */
void nv_host_status_set_pending_reload(NvHostStatus *hs, const char *pending, const char *result);
