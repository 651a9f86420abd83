/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * g_autoptr() for the sd-bus objects the daemon holds, defined once (a
 * second definition of one in a file that includes both would not build),
 * and the daemon's connection to the system bus.
 */
#pragma once

#include <systemd/sd-bus.h>

#include <glib.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC(sd_bus, sd_bus_flush_close_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sd_bus_message, sd_bus_message_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sd_bus_creds, sd_bus_creds_unref)

/* sd_bus_open_system(), without descriptor passing: the bus refuses to
 * route a message carrying descriptors to the daemon. */
int nv_sd_bus_open_system_without_fds(sd_bus **ret);

/* On a @bus just opened, before its loop runs: if the bus has answered
 * our authentication, takes the answer and writes what waits (the Hello,
 * a request for a name), so that the bus works on them while the caller
 * does other things. Nothing is read or dispatched past that: sd-bus
 * handles only the authentication while it authenticates, and a call
 * that writes returns before it reads. */
void nv_sd_bus_advance_start(sd_bus *bus);
