/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fair turns and a budget for incoming method calls (nv-call-queue.h).
 */
#include "config.h"

#include "nv-call-queue.h"
#include "nv-sd-bus.h"

/* The strangers: the connections the bus has not yet said the user of,
 * together one user in the turns, one call each before the question. */
#define UID_UNKNOWN ((uid_t)-1)

/* A D-Bus client waits 25 seconds for a reply by default: a user has no
 * more calls waiting than its rate answers in this many. */
#define WAITING_SECONDS 20

typedef struct {
        NvCallQueue *q;
        uid_t uid;
        double budget; /* calls it may make now */
        uint64_t refilled_usec;
        GQueue ready; /* of Sender with calls waiting: whose call is next */
        gboolean in_turns;
        guint n_waiting;
        sd_event_source *refill; /* while it waits for budget */
} User;

typedef struct {
        char *name;   /* the connection's unique name */
        GQueue calls; /* of sd_bus_message, oldest first, each a reference */
        User *user;   /* the strangers, until the bus says whose it is */
        gboolean spent_first_call;
        sd_bus_slot *lookup;
} Sender;

struct NvCallQueue {
        sd_bus *bus;     /* borrowed: the daemon's */
        sd_event *event; /* borrowed */
        double rate;     /* calls a second, and the most a user saves up */
        /* Unique name -> Sender, from its first call until it leaves. */
        GHashTable *senders;
        /* uid -> User, from the first time the bus named it, for as long
         * as the daemon runs: a user's budget outlives its connections. */
        GHashTable *users;
        User *strangers;
        GQueue turns; /* of User with calls waiting and the budget for one */
        guint n_waiting;
        /* Calls given back to the bus for dispatch: let through when they
         * come to the filter again (each holds a reference). */
        GHashTable *released;
        sd_event_source *turn_source;
        sd_bus_slot *gone_slot;
};

static void message_unref(gpointer m)
{
        sd_bus_message_unref(m);
}

static User *user_new(NvCallQueue *q, uid_t uid)
{
        User *user = g_new0(User, 1);

        user->q = q;
        user->uid = uid;
        user->budget = q->rate;
        (void)sd_event_now(q->event, CLOCK_MONOTONIC, &user->refilled_usec);
        g_queue_init(&user->ready);
        return user;
}

static void user_free(User *user)
{
        if (user->in_turns)
                g_queue_remove(&user->q->turns, user);
        g_queue_clear(&user->ready);
        sd_event_source_disable_unref(user->refill);
        g_free(user);
}

static void sender_free(Sender *sender)
{
        g_queue_clear_full(&sender->calls, message_unref);
        sd_bus_slot_unref(sender->lookup);
        g_free(sender->name);
        g_free(sender);
}

static void update_turn_source(NvCallQueue *q)
{
        sd_event_source_set_enabled(q->turn_source,
                                    g_queue_is_empty(&q->turns) ? SD_EVENT_OFF : SD_EVENT_ON);
}

/* A user, once known, has at most what its budget answers before a client
 * gives up waiting; a connection of no known user is held by the bus to
 * what it lets a connection wait for (max_replies_per_connection). */
static gboolean user_would_wait_too_many(const NvCallQueue *q, const User *user, guint n_waiting)
{
        return user->uid != 0 && user->uid != UID_UNKNOWN && n_waiting > q->rate * WAITING_SECONDS;
}

static void refuse_beyond_budget(sd_bus_message *m, const User *user)
{
        (void)sd_bus_reply_method_errorf(m, SD_BUS_ERROR_LIMITS_EXCEEDED,
                                         "%u calls of this user wait for their turn already, more than "
                                         "nestedvirtd answers before they time out: try again later.",
                                         user->n_waiting);
}

static void sender_look_up(NvCallQueue *q, Sender *sender);
static void user_wait_for_budget(NvCallQueue *q, User *user);

/* Puts @user in the turns if it has calls waiting and the budget for one
 * (root and the strangers have no budget); a user out of budget waits
 * until it has one again. */
static void user_schedule(NvCallQueue *q, User *user)
{
        if (user->in_turns || user->refill || g_queue_is_empty(&user->ready))
                return;
        if (user->uid != 0 && user->uid != UID_UNKNOWN) {
                uint64_t now = user->refilled_usec;

                (void)sd_event_now(q->event, CLOCK_MONOTONIC, &now);
                if (now > user->refilled_usec)
                        user->budget = MIN(q->rate, user->budget + (double)(now - user->refilled_usec) *
                                                                           q->rate / G_USEC_PER_SEC);
                user->refilled_usec = now;
                if (user->budget < 1.0) {
                        user_wait_for_budget(q, user);
                        return;
                }
        }
        g_queue_push_tail(&q->turns, user);
        user->in_turns = TRUE;
        update_turn_source(q);
}

static int on_refill(sd_event_source *s, uint64_t usec, void *userdata)
{
        User *user = userdata;

        user->refill = sd_event_source_disable_unref(user->refill);
        user_schedule(user->q, user);
        return 0;
}

static void user_wait_for_budget(NvCallQueue *q, User *user)
{
        uint64_t wait_usec = (uint64_t)((1.0 - user->budget) * G_USEC_PER_SEC / q->rate) + 1;
        int r;

        r = sd_event_add_time(q->event, &user->refill, CLOCK_MONOTONIC, user->refilled_usec + wait_usec, 0,
                              on_refill, user);
        if (r < 0) {
                /* Not holding its calls for ever. */
                g_warning("Cannot wait for user %u's budget of calls: %s", (unsigned)user->uid,
                          g_strerror(-r));
                user->budget = 1.0;
                user_schedule(q, user);
        }
}

/* Answers each call of @sender with @error_name and forgets them. */
static void sender_refuse_calls(NvCallQueue *q, Sender *sender, const char *error_name, const char *message)
{
        sd_bus_message *m;

        while ((m = g_queue_pop_head(&sender->calls))) {
                (void)sd_bus_reply_method_errorf(m, error_name, "%s", message);
                sd_bus_message_unref(m);
                q->n_waiting--;
                sender->user->n_waiting--;
        }
        g_queue_remove(&sender->user->ready, sender);
        if (sender->user->in_turns && g_queue_is_empty(&sender->user->ready)) {
                g_queue_remove(&q->turns, sender->user);
                sender->user->in_turns = FALSE;
        }
        update_turn_source(q);
}

/* GetConnectionUnixUser(name) answered: @sender's calls join its user's. */
static int on_looked_up(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        Sender *sender = userdata;
        NvCallQueue *q = sender->user->q;
        guint n_calls = g_queue_get_length(&sender->calls);
        User *user;
        uint32_t uid;
        int r;

        sender->lookup = sd_bus_slot_unref(sender->lookup);
        if (sd_bus_message_is_method_error(m, NULL)) {
                const sd_bus_error *error = sd_bus_message_get_error(m);

                /* It left before the bus answered: its departure, which
                 * comes next, drops its calls. */
                if (sd_bus_error_has_name(error, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
                        return 0;
                g_warning("The bus did not say whose connection %s is: %s", sender->name, error->message);
                sender_refuse_calls(q, sender, SD_BUS_ERROR_FAILED,
                                    "nestedvirtd could not learn from the bus which user sent this call.");
                return 0;
        }
        r = sd_bus_message_read(m, "u", &uid);
        if (r < 0 || uid == UID_UNKNOWN) {
                g_warning("The bus said nothing usable about whose connection %s is", sender->name);
                sender_refuse_calls(q, sender, SD_BUS_ERROR_FAILED,
                                    "nestedvirtd could not learn from the bus which user sent this call.");
                return 0;
        }

        user = g_hash_table_lookup(q->users, GUINT_TO_POINTER(uid));
        if (!user) {
                user = user_new(q, uid);
                g_hash_table_insert(q->users, GUINT_TO_POINTER(uid), user);
        }
        /* Its first call spent, it is not among the strangers' ready. */
        q->strangers->n_waiting -= n_calls;
        user->n_waiting += n_calls;
        sender->user = user;
        /* What came before the bus answered counts against the user too:
         * the newest calls beyond what it may have waiting are refused. */
        while (!g_queue_is_empty(&sender->calls) && user_would_wait_too_many(q, user, user->n_waiting)) {
                sd_bus_message *newest = g_queue_pop_tail(&sender->calls);

                q->n_waiting--;
                user->n_waiting--;
                refuse_beyond_budget(newest, user);
                sd_bus_message_unref(newest);
        }
        if (!g_queue_is_empty(&sender->calls))
                g_queue_push_tail(&user->ready, sender);
        user_schedule(q, user);
        return 0;
}

static void sender_look_up(NvCallQueue *q, Sender *sender)
{
        int r;

        if (sender->lookup)
                return;
        r = sd_bus_call_method_async(q->bus, &sender->lookup, "org.freedesktop.DBus",
                                     "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                     "GetConnectionUnixUser", on_looked_up, sender, "s", sender->name);
        if (r < 0) {
                g_warning("Cannot ask the bus whose connection %s is: %s", sender->name, g_strerror(-r));
                sender_refuse_calls(q, sender, SD_BUS_ERROR_FAILED,
                                    "nestedvirtd could not learn from the bus which user sent this call.");
        }
}

/* How many messages a turn reads ahead at most: enough to see every
 * connection that waits, and the departures of those that left, before
 * choosing; few enough that a turn stays short. */
#define READ_AHEAD 64

/* Reads what the bus has (every call is taken, everything else handled
 * as usual, and the call released by the previous turn dispatched), then
 * gives one call of the user whose turn it is, of the connection whose
 * turn it is among that user's, back to the bus, which dispatches it next
 * (it reads its own queue before the socket). The turns read for
 * themselves: a source below the bus would never run while a flood keeps
 * the socket readable, and one beside it would let a single message be
 * read per turn. */
static int on_turn(sd_event_source *s, void *userdata)
{
        NvCallQueue *q = userdata;
        User *user;
        Sender *sender;
        sd_bus_message *m;
        int r;

        for (guint i = 0; i < READ_AHEAD; i++) {
                r = sd_bus_process(q->bus, NULL);
                if (r <= 0)
                        break;
        }
        user = g_queue_pop_head(&q->turns);
        if (!user)
                return sd_event_source_set_enabled(s, SD_EVENT_OFF);
        user->in_turns = FALSE;
        sender = g_queue_pop_head(&user->ready);
        m = g_queue_pop_head(&sender->calls);
        q->n_waiting--;
        user->n_waiting--;
        if (user == q->strangers) {
                /* Its one call without asking: its next waits for the bus
                 * to say whose it is. */
                sender->spent_first_call = TRUE;
                if (!g_queue_is_empty(&sender->calls))
                        sender_look_up(q, sender);
        } else if (!g_queue_is_empty(&sender->calls)) {
                g_queue_push_tail(&user->ready, sender);
        }
        if (user->uid != 0)
                user->budget -= 1.0;
        user_schedule(q, user);
        update_turn_source(q);

        g_hash_table_add(q->released, m);
        r = sd_bus_enqueue_for_read(q->bus, m);
        if (r < 0) {
                g_warning("Failed to dispatch %s: %s", sd_bus_message_get_member(m), g_strerror(-r));
                (void)sd_bus_reply_method_errorf(m, SD_BUS_ERROR_FAILED,
                                                 "nestedvirtd could not dispatch %s.",
                                                 sd_bus_message_get_member(m));
                g_hash_table_remove(q->released, m);
        }
        return 0;
}

/* NameOwnerChanged(name, old, ""): a connection left the bus. The bus sends
 * it after the calls of that connection, which were read ahead of it. */
static int on_name_gone(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        NvCallQueue *q = userdata;
        const char *name, *old_owner, *new_owner;
        Sender *sender;
        User *user;
        guint n;

        if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0 || *new_owner)
                return 0;
        sender = g_hash_table_lookup(q->senders, name);
        if (!sender)
                return 0;
        user = sender->user;
        n = g_queue_get_length(&sender->calls);
        if (n > 0)
                g_debug("Dropping %u calls of %s, which left the bus", n, name);
        q->n_waiting -= n;
        user->n_waiting -= n;
        g_queue_remove(&user->ready, sender);
        if (user->in_turns && g_queue_is_empty(&user->ready)) {
                g_queue_remove(&q->turns, user);
                user->in_turns = FALSE;
        }
        g_hash_table_remove(q->senders, name);
        update_turn_source(q);
        return 0;
}

NvCallQueue *nv_call_queue_new(sd_bus *bus, sd_event *event, guint user_rate)
{
        NvCallQueue *q = g_new0(NvCallQueue, 1);
        int r;

        q->bus = bus;
        q->event = event;
        q->rate = MAX(user_rate, 1);
        q->senders = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)sender_free);
        q->users = g_hash_table_new_full(NULL, NULL, NULL, (GDestroyNotify)user_free);
        q->strangers = user_new(q, UID_UNKNOWN);
        q->released = g_hash_table_new_full(NULL, NULL, message_unref, NULL);
        g_queue_init(&q->turns);

        r = sd_event_add_defer(event, &q->turn_source, on_turn, q);
        if (r >= 0)
                r = sd_event_source_set_enabled(q->turn_source, SD_EVENT_OFF);
        if (r < 0) {
                g_warning("Cannot take turns with incoming calls: %s; answering them in order",
                          g_strerror(-r));
                q->turn_source = sd_event_source_disable_unref(q->turn_source);
        }
        /* Only departures (the new owner empty), of any name. */
        r = sd_bus_add_match_async(
                bus, &q->gone_slot,
                "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                "interface='org.freedesktop.DBus',member='NameOwnerChanged',arg2=''",
                on_name_gone, NULL, q);
        if (r < 0) {
                /* Without departures, nothing would ever forget a
                 * connection: answer in order. */
                g_warning("Cannot follow connections leaving the bus: %s; answering calls in order",
                          g_strerror(-r));
                q->turn_source = sd_event_source_disable_unref(q->turn_source);
        }
        return q;
}

void nv_call_queue_free(NvCallQueue *q)
{
        GHashTableIter iter;
        gpointer value;

        if (!q)
                return;
        g_hash_table_iter_init(&iter, q->senders);
        while (g_hash_table_iter_next(&iter, NULL, &value)) {
                const Sender *sender = value;

                for (GList *l = sender->calls.head; l; l = l->next)
                        (void)sd_bus_reply_method_errorf(l->data, SD_BUS_ERROR_NO_REPLY,
                                                         "nestedvirtd stopped before it got to this call: "
                                                         "try again.");
        }
        q->gone_slot = sd_bus_slot_unref(q->gone_slot);
        q->turn_source = sd_event_source_disable_unref(q->turn_source);
        g_hash_table_unref(q->senders);
        g_hash_table_unref(q->users);
        user_free(q->strangers);
        g_queue_clear(&q->turns);
        g_hash_table_unref(q->released);
        g_free(q);
}

gboolean nv_call_queue_take(NvCallQueue *q, sd_bus_message *m)
{
        const char *name = sd_bus_message_get_sender(m);
        Sender *sender;
        User *user;

        if (g_hash_table_remove(q->released, m))
                return FALSE;
        /* Without turns, or from no one in particular (a peer-to-peer
         * connection has no sender): in order. */
        if (!q->turn_source || !name)
                return FALSE;

        sender = g_hash_table_lookup(q->senders, name);
        if (!sender) {
                sender = g_new0(Sender, 1);
                sender->name = g_strdup(name);
                g_queue_init(&sender->calls);
                sender->user = q->strangers;
                g_hash_table_insert(q->senders, sender->name, sender);
        }
        user = sender->user;
        if (user_would_wait_too_many(q, user, user->n_waiting + 1)) {
                refuse_beyond_budget(m, user);
                return TRUE;
        }
        g_queue_push_tail(&sender->calls, sd_bus_message_ref(m));
        q->n_waiting++;
        user->n_waiting++;
        if (user == q->strangers && sender->spent_first_call)
                sender_look_up(q, sender);
        else if (g_queue_get_length(&sender->calls) == 1)
                g_queue_push_tail(&user->ready, sender);
        user_schedule(q, user);
        return TRUE;
}

guint nv_call_queue_get_n_waiting(const NvCallQueue *q)
{
        return q ? q->n_waiting : 0;
}
