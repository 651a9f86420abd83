/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The bouncer: the one place that decides whether a caller may run a
 * method. Every method of org.example.NestedVirt is mapped to its polkit
 * action (or explicitly to none, for the read-only ones); anything not in
 * the map is denied.
 */
#pragma once

#include <glib.h>
#include <systemd/sd-bus.h>

typedef struct NvAuth NvAuth;

/* How many authorizations one user may have waiting for polkit at a time.
 * Someone at a password prompt has one; a caller that floods the daemon
 * with requests gets LimitsExceeded beyond this, and everyone else's
 * requests go on being asked about and answered. */
#define NV_AUTH_MAX_PENDING_PER_USER 16u

NvAuth *nv_auth_new(sd_bus *bus);
void nv_auth_free(NvAuth *auth);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvAuth, nv_auth_free)

/* The polkit action that guards @member of our interface, NULL when it
 * needs none; *ret_known is FALSE for a member the bouncer does not know. */
const char *nv_auth_action_for_method(const char *member, gboolean *ret_known);

/*
 * May the sender of @m run it? Call from the method handler after the
 * arguments were validated, before anything is changed:
 *   1   authorized: go on;
 *   0   polkit is deciding: return 1 from the handler without replying;
 *       the same message is dispatched to the handler again when polkit
 *       answers, and this call then returns the answer;
 *   <0  refused: return it, @error says why (AccessDenied,
 *       InteractiveAuthorizationRequired, or LimitsExceeded when the
 *       caller's user already has NV_AUTH_MAX_PENDING_PER_USER waiting).
 * polkit is asked asynchronously, about the caller's unique bus name, with
 * user interaction only when @m carries ALLOW_INTERACTIVE_AUTHORIZATION. A
 * caller that leaves the bus before the answer is refused.
 */
int nv_auth_verify(NvAuth *auth, sd_bus_message *m, sd_bus_error *error);

/*
 * Forgets whatever polkit answered for @m. For a handler that finds, when
 * @m comes back from polkit, that there is nothing left to do after all
 * and replies without calling nv_auth_verify() again.
 */
void nv_auth_discard(NvAuth *auth, sd_bus_message *m);

/* How many authorizations are waiting for polkit; the daemon does not
 * exit on idle while any is. */
guint nv_auth_get_n_pending(const NvAuth *auth);
