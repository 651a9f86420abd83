/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The bouncer (see nv-auth.h), on polkit-gobject.
 *
 * A method handler stays one straight function: parse, validate, verify,
 * change, reply. When polkit has to be asked, nv_auth_verify() starts an
 * asynchronous CheckAuthorization, remembers the message, and returns 0;
 * the handler returns without a reply. polkit's answer comes back through
 * the GLib main context (nv-loop.c runs sd-bus inside it), is stored with
 * the message, and the message is put back into sd-bus's read queue, so
 * the handler runs again from the top and this time gets the stored answer.
 * Meanwhile the daemon serves everyone else: one caller typing a password
 * blocks nobody. The daemon is single-threaded, so what a handler changes
 * after verification is changed by one handler at a time.
 *
 * The answer lives exactly as long as that second dispatch: together with
 * the message it is queued again, an idle-priority sd-event source is
 * armed that drops the query, and sd-event runs it only once the bus has
 * nothing left to dispatch, that is after the handler returned, whatever
 * it did (as systemd's bus-polkit does). A handler that finds nothing left
 * to do and replies without asking again leaks nothing.
 *
 * The caller is watched with an sd_bus_track, which installs the
 * NameOwnerChanged match before it checks that the name still has an
 * owner, so a caller is known to be there before polkit is asked and
 * every departure after that is seen. A departure ends the query at once:
 * polkit's check is cancelled and the user's slot is free again. polkit's
 * answer comes on polkit-gobject's own connection, which is not ordered
 * with the departure signal on ours, so an authorization is honoured only
 * after the bus daemon confirmed, right then, that the caller is still
 * there. polkit that does not answer within NV_AUTH_POLKIT_TIMEOUT_SEC is
 * taken as a denial.
 *
 * polkit-gobject, and GIO and GObject with it, are loaded when the first
 * authorization is asked for (nv-dlopen.h): most activations answer a
 * status call and exit, and never need them. Their functions are called
 * through the table below, typed from <polkit/polkit.h>. Where the library
 * cannot be loaded, polkit cannot be asked, as when polkitd is not running.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <polkit/polkit.h>

#include "nv-auth.h"
#include "nv-dbus.h"
#include "nv-dlopen.h"
#include "nv-env.h"
#include "nv-sd-bus.h"

#define NV_POLKIT_SONAME "libpolkit-gobject-1.so.0"

/* Every function used here, polkit's and the GObject and GIO ones it
 * brings along (found through its dependencies); all in polkit 0.105. */
#define NV_POLKIT_FOR_EACH_SYMBOL(X)                     \
        X(polkit_authority_get_async)                    \
        X(polkit_authority_get_finish)                   \
        X(polkit_authority_get_owner)                    \
        X(polkit_authority_check_authorization)          \
        X(polkit_authority_check_authorization_finish)   \
        X(polkit_authorization_result_get_is_authorized) \
        X(polkit_authorization_result_get_is_challenge)  \
        X(polkit_authorization_result_get_dismissed)     \
        X(polkit_system_bus_name_new)                    \
        X(g_object_unref)                                \
        X(g_cancellable_new)                             \
        X(g_cancellable_cancel)

/* Process-wide, like the library; written once, from the main thread. */
static struct {
#define NV_POLKIT_DECLARE_SYMBOL(name) __typeof__(name) *name;
        NV_POLKIT_FOR_EACH_SYMBOL(NV_POLKIT_DECLARE_SYMBOL)
#undef NV_POLKIT_DECLARE_SYMBOL
} api;

/*
 * polkit-gobject warns whenever polkitd answers a cancellation with "No
 * such cancellation_id", which is what a cancel that crossed polkitd's
 * answer gets, and a departed caller's check often does. The daemon
 * cancels only checks whose answer no longer matters, so that is no news:
 * a debug message, not a warning. polkit-gobject logs in the default
 * domain; everything else there goes on as before.
 */
static void on_default_domain_warning(const char *domain, GLogLevelFlags level, const char *message,
                                      gpointer user_data)
{
        static const char prefix[] = "Error cancelling authorization check: ";

        if (g_str_has_prefix(message, prefix)) {
                g_debug("polkit had nothing left to cancel (%s)", message + strlen(prefix));
                return;
        }
        g_log_default_handler(domain, level, message, user_data);
}

/* NULL when polkit-gobject is loaded, else why it is not. */
static const char *ensure_api(void)
{
        static gboolean tried;
        static char *load_error;

        if (!tried) {
#define NV_POLKIT_SYMBOL_ENTRY(name) NV_DL_SYMBOL(api, name),
                const NvDlSymbol symbols[] = { NV_POLKIT_FOR_EACH_SYMBOL(NV_POLKIT_SYMBOL_ENTRY) };
#undef NV_POLKIT_SYMBOL_ENTRY

                tried = TRUE;
                if (!nv_dlopen(NV_POLKIT_SONAME, symbols, G_N_ELEMENTS(symbols), &load_error))
                        g_warning("%s; install libpolkit-gobject-1-0", load_error);
                else
                        g_log_set_handler(NULL, G_LOG_LEVEL_WARNING, on_default_domain_warning, NULL);
        }
        return load_error;
}

static void object_unref(gpointer object)
{
        if (object)
                api.g_object_unref(object);
}

/* Every method of the interface, with the action that guards it. Methods
 * that only read are listed with no action, so that leaving a new method
 * out of this table denies it instead of allowing it. */
static const struct {
        const char *member;
        const char *action;
} auth_rules[] = {
        { "GetStatus", NULL },
        { "ListModuleUsers", NULL },
        { "ListDomains", NULL },
        { "ListDomainsDetailed", NULL },
        { "EnablePersistent", "org.example.NestedVirt.enable-persistent" },
        { "ReloadModule", "org.example.NestedVirt.reload-module" },
        { "ReloadModuleWhenIdle", "org.example.NestedVirt.reload-module" },
        { "CancelPendingReload", "org.example.NestedVirt.reload-module" },
        { "ConfigureDomain", "org.example.NestedVirt.configure-domain" },
};

typedef enum {
        QUERY_PENDING,
        QUERY_AUTHORIZED,
        QUERY_CHALLENGE,
        QUERY_DENIED,
        QUERY_TIMED_OUT,
} QueryState;

typedef struct {
        NvAuth *auth; /* NULL once the table let go */
        sd_bus_message *message;
        char *action;
        char *sender;
        uid_t uid; /* the sender's effective user */
        gboolean interactive;
        GCancellable *cancellable;
        sd_bus_track *caller;     /* empty once the caller left */
        sd_event_source *timeout; /* polkit's time is up */
        sd_event_source *release; /* after the second dispatch */
        QueryState state;
        char *reason; /* why it was denied */
} Query;

struct NvAuth {
        sd_bus *bus;
        PolkitAuthority *authority;
        GHashTable *queries; /* sd_bus_message* -> Query* */
        guint n_pending;
        guint timeout_sec;
};

/* A Query is reference-counted: the table holds one reference, and an
 * outstanding polkit call holds another, so that a callback arriving after
 * the table let go (the daemon is shutting down) finds valid memory. */
static void query_clear(gpointer data)
{
        Query *q = data;

        g_clear_pointer(&q->cancellable, object_unref);
        q->caller = sd_bus_track_unref(q->caller);
        q->timeout = sd_event_source_disable_unref(q->timeout);
        q->release = sd_event_source_disable_unref(q->release);
        q->message = sd_bus_message_unref(q->message);
        g_free(q->action);
        g_free(q->sender);
        g_free(q->reason);
}

static void query_unref(Query *q)
{
        g_rc_box_release_full(q, query_clear);
}

/* The table lets go of a query: whatever polkit still does for it is moot. */
static void query_drop(gpointer data)
{
        Query *q = data;

        if (q->cancellable)
                api.g_cancellable_cancel(q->cancellable);
        q->caller = sd_bus_track_unref(q->caller);
        q->timeout = sd_event_source_disable_unref(q->timeout);
        q->release = sd_event_source_disable_unref(q->release);
        q->auth = NULL;
        query_unref(q);
}

NvAuth *nv_auth_new(sd_bus *bus)
{
        NvAuth *auth = g_new0(NvAuth, 1);

        auth->bus = sd_bus_ref(bus);
        auth->queries = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, query_drop);
        /* Long enough for a person to read the prompt and type a
         * password; the environment can shorten it, for tests. */
        auth->timeout_sec = (guint)nv_env_get_number("NESTEDVIRTD_POLKIT_TIMEOUT_SEC", 1, 24 * 60 * 60,
                                                     "seconds", NV_AUTH_POLKIT_TIMEOUT_SEC, NULL);
        return auth;
}

void nv_auth_free(NvAuth *auth)
{
        if (!auth)
                return;
        g_hash_table_unref(auth->queries);
        g_clear_pointer(&auth->authority, object_unref);
        sd_bus_unref(auth->bus);
        g_free(auth);
}

guint nv_auth_get_n_pending(const NvAuth *auth)
{
        return auth->n_pending;
}

gboolean nv_auth_is_resuming(const NvAuth *auth, sd_bus_message *m)
{
        const Query *q = g_hash_table_lookup(auth->queries, m);

        return q && q->state != QUERY_PENDING;
}

const char *nv_auth_action_for_method(const char *member, gboolean *ret_known)
{
        for (size_t i = 0; member && i < G_N_ELEMENTS(auth_rules); i++) {
                if (g_str_equal(auth_rules[i].member, member)) {
                        *ret_known = TRUE;
                        return auth_rules[i].action;
                }
        }
        *ret_known = FALSE;
        return NULL;
}

/* The second dispatch is over: the answer has served. */
static int on_release(sd_event_source *s, void *userdata)
{
        Query *q = userdata;

        g_hash_table_remove(q->auth->queries, q->message);
        return 0;
}

/* The answer is in: hand the message back to its handler, and forget the
 * answer once the handler has run. When the answer is not polkit's (the
 * caller left, polkit's time was up), polkit is told that it no longer
 * matters; when it is, polkit's call is over and cancelling does nothing. */
static void query_complete(Query *q, QueryState state, const char *reason)
{
        sd_bus *bus = q->auth->bus;
        int r;

        g_assert(q->state == QUERY_PENDING);
        q->state = state;
        q->reason = g_strdup(reason);
        q->timeout = sd_event_source_disable_unref(q->timeout);
        /* After the state is set: whatever polkit-gobject calls back now
         * finds the query answered. */
        if (q->cancellable)
                api.g_cancellable_cancel(q->cancellable);
        g_assert(q->auth->n_pending > 0);
        q->auth->n_pending--;

        /* Idle priority: after the bus (normal priority) has dispatched
         * everything queued, this message included. */
        r = sd_event_add_defer(sd_bus_get_event(bus), &q->release, on_release, q);
        if (r >= 0)
                r = sd_event_source_set_priority(q->release, SD_EVENT_PRIORITY_IDLE);
        if (r >= 0)
                r = sd_bus_enqueue_for_read(bus, q->message);
        if (r < 0) {
                /* Without a way back to the handler, the caller would wait
                 * forever: answer here instead. */
                g_warning("Cannot resume %s from %s: %s", sd_bus_message_get_member(q->message), q->sender,
                          g_strerror(-r));
                sd_bus_reply_method_errorf(q->message, NV_ERROR_FAILED,
                                           "Authorization could not be completed.");
                g_hash_table_remove(q->auth->queries, q->message);
        }
}

/* polkit cannot be asked at all. Like systemd's services, let root do what
 * it asks (root could do it by hand anyway) and refuse everyone else. */
static void query_complete_without_polkit(Query *q, const char *why)
{
        if (q->uid == 0) {
                g_message("polkit is unavailable (%s); allowing %s for root caller %s", why, q->action,
                          q->sender);
                query_complete(q, QUERY_AUTHORIZED, NULL);
                return;
        }
        query_complete(q, QUERY_DENIED, "polkit, which decides who may do this, is not available");
}

/* polkit's answer about @q, as on_check_done() got it. */
static void query_check_done(Query *q, PolkitAuthorizationResult *result, const GError *error)
{
        /* Answered already: the caller left or polkit's time was up. */
        if (!q->auth || q->state != QUERY_PENDING) {
                query_unref(q);
                return;
        }
        query_unref(q); /* the table still holds it */

        if (!result) {
                g_autofree char *owner = api.polkit_authority_get_owner(q->auth->authority);

                if (!owner) {
                        query_complete_without_polkit(q, error ? error->message : "no owner");
                        return;
                }
                g_warning("polkit failed to check %s for %s: %s", q->action, q->sender,
                          error ? error->message : "no result");
                query_complete(q, QUERY_DENIED, "polkit could not check the authorization");
                return;
        }

        if (api.polkit_authorization_result_get_is_authorized(result))
                query_complete(q, QUERY_AUTHORIZED, NULL);
        else if (api.polkit_authorization_result_get_is_challenge(result))
                query_complete(q, QUERY_CHALLENGE, NULL);
        else if (api.polkit_authorization_result_get_dismissed(result))
                query_complete(q, QUERY_DENIED, "authentication was dismissed");
        else
                query_complete(q, QUERY_DENIED, NULL);
}

static void on_check_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
        Query *q = user_data;
        g_autoptr(GError) error = NULL;
        PolkitAuthorizationResult *result;

        result = api.polkit_authority_check_authorization_finish((PolkitAuthority *)source, res, &error);
        query_check_done(q, result, error);
        object_unref(result);
}

static void query_check(Query *q)
{
        PolkitSubject *subject = api.polkit_system_bus_name_new(q->sender);
        PolkitCheckAuthorizationFlags flags = POLKIT_CHECK_AUTHORIZATION_FLAGS_NONE;

        if (q->interactive)
                flags |= POLKIT_CHECK_AUTHORIZATION_FLAGS_ALLOW_USER_INTERACTION;
        api.polkit_authority_check_authorization(q->auth->authority, subject, q->action, NULL, flags,
                                                 q->cancellable, on_check_done, g_rc_box_acquire(q));
        object_unref(subject);
}

static void on_authority_ready(GObject *source, GAsyncResult *res, gpointer user_data)
{
        Query *q = user_data;
        g_autoptr(GError) error = NULL;
        PolkitAuthority *authority;

        authority = api.polkit_authority_get_finish(res, &error);
        if (!q->auth || q->state != QUERY_PENDING) {
                object_unref(authority);
                query_unref(q);
                return;
        }
        query_unref(q); /* the table still holds it */

        if (!authority) {
                query_complete_without_polkit(q, error ? error->message : "no authority");
                return;
        }
        if (!q->auth->authority)
                q->auth->authority = authority;
        else
                object_unref(authority);
        query_check(q);
}

static int on_caller_gone(sd_bus_track *track, void *userdata)
{
        Query *q = userdata;

        q->caller = sd_bus_track_unref(q->caller);
        if (q->state == QUERY_PENDING)
                query_complete(q, QUERY_DENIED, "the caller left the bus before authorization finished");
        return 1; /* done with this track */
}

static int on_polkit_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
        Query *q = userdata;

        g_message("polkit did not answer within %u s whether %s may %s; refusing", q->auth->timeout_sec,
                  q->sender, q->action);
        query_complete(q, QUERY_TIMED_OUT, NULL);
        return 0;
}

/* Is the caller still on the bus, as the bus daemon says now? Its
 * departure signal may still be queued behind polkit's answer. */
static gboolean query_caller_is_there(Query *q)
{
        return sd_bus_track_count(q->caller) > 0 &&
               sd_bus_get_name_creds(q->auth->bus, q->sender, 0, NULL) >= 0;
}

static guint count_pending_for_user(NvAuth *auth, uid_t uid)
{
        GHashTableIter iter;
        gpointer value;
        guint n = 0;

        g_hash_table_iter_init(&iter, auth->queries);
        while (g_hash_table_iter_next(&iter, NULL, &value)) {
                const Query *q = value;

                if (q->state == QUERY_PENDING && q->uid == uid)
                        n++;
        }
        return n;
}

static int query_start(NvAuth *auth, sd_bus_message *m, const char *action, sd_bus_error *error)
{
        g_autoptr(sd_bus_creds) creds = NULL;
        const char *sender = sd_bus_message_get_sender(m);
        const char *load_error;
        uid_t uid;
        Query *q;
        int r;

        if (!sender)
                return sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED, "Caller has no bus name.");
        /* From the bus daemon, which knows who is on the other end; never
         * from the message. */
        r = sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID, &creds);
        if (r >= 0)
                r = sd_bus_creds_get_euid(creds, &uid);
        if (r < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED, "Cannot identify the caller: %s",
                                         g_strerror(-r));
        if (count_pending_for_user(auth, uid) >= NV_AUTH_MAX_PENDING_PER_USER)
                return sd_bus_error_setf(error, SD_BUS_ERROR_LIMITS_EXCEEDED,
                                         "User %u already has %u authorization requests waiting for "
                                         "polkit; wait for them to be answered.",
                                         (unsigned)uid, NV_AUTH_MAX_PENDING_PER_USER);

        q = g_rc_box_new0(Query);
        q->auth = auth;
        q->uid = uid;
        q->message = sd_bus_message_ref(m);
        q->action = g_strdup(action);
        q->sender = g_strdup(sender);
        q->interactive = sd_bus_message_get_allow_interactive_authorization(m) > 0;
        q->state = QUERY_PENDING;

        /* Watched first, then looked up: a caller gone now is refused
         * here, and one that goes later is seen going. */
        r = sd_bus_track_new(auth->bus, &q->caller, on_caller_gone, q);
        if (r >= 0)
                r = sd_bus_track_add_sender(q->caller, m);
        if (r < 0) {
                query_unref(q);
                if (r == -ENXIO || r == -ESRCH)
                        return sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED,
                                                "The caller left the bus before it could be authorized.");
                return sd_bus_error_set_errnof(error, -r, "Cannot watch the caller: %s", g_strerror(-r));
        }

        r = sd_event_add_time_relative(sd_bus_get_event(auth->bus), &q->timeout, CLOCK_MONOTONIC,
                                       (uint64_t)auth->timeout_sec * G_USEC_PER_SEC, 0, on_polkit_timeout,
                                       q);
        if (r < 0) {
                query_unref(q);
                return sd_bus_error_set_errnof(error, -r, "Cannot time the authorization: %s",
                                               g_strerror(-r));
        }

        g_hash_table_insert(auth->queries, q->message, q);
        auth->n_pending++;

        load_error = ensure_api();
        if (load_error) {
                query_complete_without_polkit(q, load_error);
                return 0;
        }
        q->cancellable = api.g_cancellable_new();
        if (auth->authority)
                query_check(q);
        else
                /* Not cancellable: the authority, and the bus connection
                 * under it, are made once for every query waiting, and
                 * one caller leaving must not fail them for all. */
                api.polkit_authority_get_async(NULL, on_authority_ready, g_rc_box_acquire(q));
        return 0;
}

gboolean nv_auth_has_query(const NvAuth *auth, sd_bus_message *m)
{
        return g_hash_table_contains(auth->queries, m);
}

int nv_auth_verify(NvAuth *auth, sd_bus_message *m, sd_bus_error *error)
{
        const char *member = sd_bus_message_get_member(m);
        const char *action;
        gboolean known;
        Query *q;

        action = nv_auth_action_for_method(member, &known);
        if (!known)
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "No authorization rule for method %s; refusing.", member);
        if (!action)
                return 1;

        q = g_hash_table_lookup(auth->queries, m);
        if (!q)
                return query_start(auth, m, action, error);

        /* The query stays until on_release(): a handler may ask twice. */
        switch (q->state) {
        case QUERY_PENDING:
                return 0;
        case QUERY_AUTHORIZED:
                if (query_caller_is_there(q))
                        return 1;
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "Not authorized for %s: the caller left the bus.", q->action);
        case QUERY_CHALLENGE:
                if (q->interactive)
                        /* Interaction was allowed, yet polkit found no
                         * agent to ask the caller's password with. */
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED,
                                                 "Authentication is required for %s, but no polkit agent is "
                                                 "available to ask for it: run nestedvirtctl on a terminal "
                                                 "in a login session, or as root.",
                                                 q->action);
                return sd_bus_error_setf(error, SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED,
                                         "Authentication is required for %s; call again allowing "
                                         "interactive authorization, or run nestedvirtctl on a "
                                         "terminal.",
                                         q->action);
        case QUERY_TIMED_OUT:
                return sd_bus_error_setf(error, SD_BUS_ERROR_TIMEOUT,
                                         "Not authorized for %s: polkit did not answer within %u s. Try "
                                         "again; if this persists, check that polkitd is running.",
                                         q->action, q->auth->timeout_sec);
        case QUERY_DENIED:
        default:
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED, "Not authorized for %s%s%s.",
                                         q->action, q->reason ? ": " : "", q->reason ? q->reason : "");
        }
}
