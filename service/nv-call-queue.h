/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Incoming method calls, answered fairly across the users that send them
 * rather than in the order they arrive, and at most so many a second for
 * each user other than root.
 *
 * The bus delivers everything in one queue: a user who sends thousands of
 * calls at once (pipelined, from many processes, or on connections closed
 * right away) would put them all ahead of root's next call, which then
 * waits for every one of them; and twenty processes that call as fast as
 * they get replies keep the CPUs, the bus daemon's included, from root's
 * client whatever order they are answered in. Here each call is taken off
 * the bus as it is read (cheap: no reply is built) and kept in its
 * connection's own queue. The users take turns, one call each; within a
 * user, its connections take turns. A user other than root spends one of
 * its budget of calls per call (refilled at the rate, up to a second's
 * worth); a user without budget waits for it, its calls kept, not refused,
 * up to what the rate answers within the time a D-Bus client waits
 * (20 seconds' worth): beyond that a call gets LimitsExceeded at once. A
 * connection's calls keep their order; the calls of a connection that
 * left the bus are dropped unanswered, since nobody could read the answer.
 *
 * Whose a connection is, the bus says (GetConnectionUnixUser), asked once
 * a connection has a second call waiting: a client making one call (the
 * first after activation, busctl) waits for no look-up. Until the bus has
 * answered, the connections are strangers, who together take one turn
 * like a user, one call each: a user who opens connection after
 * connection gets no more turns than one user.
 *
 * The daemon's bus filter hands every method call to nv_call_queue_take();
 * a call it takes comes back through the filter when its turn comes
 * (sd_bus_enqueue_for_read()), and is then let through to the vtable.
 */
#pragma once

#include <glib.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

/* Calls a second of a user other than root, by default. */
#define NV_CALL_QUEUE_USER_RATE 100

typedef struct NvCallQueue NvCallQueue;

/* On @bus, attached to @event at the bus's priority; each turn reads what
 * the bus has first, so that it sees every connection waiting. Each user
 * but root gets @user_rate calls a second. */
NvCallQueue *nv_call_queue_new(sd_bus *bus, sd_event *event, guint user_rate);

/* Answers every call still waiting with an error (the daemon stops), then
 * frees @queue. */
void nv_call_queue_free(NvCallQueue *queue);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvCallQueue, nv_call_queue_free)

/* For the bus filter, with a method call @m: TRUE when @m was taken, to be
 * dispatched in its turn or refused (the filter returns 1); FALSE when its
 * turn has come and it goes to the vtable now. */
gboolean nv_call_queue_take(NvCallQueue *queue, sd_bus_message *m);

/* Calls waiting for their turn. */
guint nv_call_queue_get_n_waiting(const NvCallQueue *queue);
