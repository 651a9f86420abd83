/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Runs an sd-event loop inside a GLib main context, so that sd-bus, the
 * inotify and uevent sources (which speak sd-event) and polkit-gobject
 * (which delivers its asynchronous results through GMainContext) share
 * one thread and one poll().
 */
#pragma once

#include <glib.h>
#include <systemd/sd-event.h>

/* A GSource that dispatches @event whenever it has something to do. */
GSource *nv_event_source_new(sd_event *event);
