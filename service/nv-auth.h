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

/* How long polkit may take to answer, unless NESTEDVIRTD_POLKIT_TIMEOUT_SEC
 * says otherwise: long enough for a person to read the prompt and type a
 * password. */
#define NV_AUTH_POLKIT_TIMEOUT_SEC 300u

/* @bus must be attached to an sd-event loop before the first
 * nv_auth_verify(). */
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
 *       InteractiveAuthorizationRequired, Timeout when polkit did not
 *       answer in time, or LimitsExceeded when the caller's user already
 *       has NV_AUTH_MAX_PENDING_PER_USER waiting).
 * polkit is asked asynchronously, about the caller's unique bus name, with
 * user interaction only when @m carries ALLOW_INTERACTIVE_AUTHORIZATION.
 * The caller must be on the bus when polkit is asked and still be there
 * when this returns 1; one that leaves in between is refused, its check
 * cancelled and its slot freed at once.
 *
 * polkit's answer is kept for the second dispatch of @m only, and
 * forgotten after it whatever the handler does: a handler that returns
 * early on that pass, without calling this again, needs no clean-up.
 */
int nv_auth_verify(NvAuth *auth, sd_bus_message *m, sd_bus_error *error);

/* TRUE when @m is being authorized or was just answered: its handler
 * runs again, or is running, on polkit's answer. */
gboolean nv_auth_has_query(const NvAuth *auth, sd_bus_message *m);

/* How many authorizations are waiting for polkit; the daemon does not
 * exit on idle while any is. */
guint nv_auth_get_n_pending(const NvAuth *auth);

/* Is @m a call that polkit has answered about, on its way back to its
 * handler (see nv_auth_verify())? It had its turn among the incoming calls
 * already. */
gboolean nv_auth_is_resuming(const NvAuth *auth, sd_bus_message *m);
