/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Incoming method calls, answered fairly across the connections that send
 * them rather than in the order they arrive. The bus delivers everything
 * in one queue: a user who sends thousands of calls at once (pipelined,
 * or on connections closed right away) would put them all ahead of root's
 * next call, which then waits for every one of them. Here each call is
 * taken off the bus as it is read (cheap: no reply is built), kept in its
 * connection's own queue, and the connections take turns, one call each;
 * the calls of a connection that left the bus are dropped unanswered, since
 * nobody could read the answer. A connection's calls keep their order.
 *
 * The daemon's bus filter hands every method call to nv_call_queue_take();
 * a call it takes comes back through the filter when its turn comes
 * (sd_bus_enqueue_for_read()), and is then let through to the vtable.
 */
#pragma once

#include <glib.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

typedef struct NvCallQueue NvCallQueue;

/* On @bus, attached to @event at the bus's priority; each turn reads what
 * the bus has first, so that it sees every connection waiting. */
NvCallQueue *nv_call_queue_new(sd_bus *bus, sd_event *event);

/* Answers every call still waiting with an error (the daemon stops), then
 * frees @queue. */
void nv_call_queue_free(NvCallQueue *queue);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvCallQueue, nv_call_queue_free)

/* For the bus filter, with a method call @m: TRUE when @m was taken, to be
 * dispatched in its turn (the filter returns 1); FALSE when its turn has
 * come and it goes to the vtable now. */
gboolean nv_call_queue_take(NvCallQueue *queue, sd_bus_message *m);

/* Calls waiting for their turn. */
guint nv_call_queue_get_n_waiting(const NvCallQueue *queue);
