/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fair turns for incoming method calls (nv-call-queue.h).
 */
#include "config.h"

#include "nv-call-queue.h"
#include "nv-sd-bus.h"

typedef struct {
        char *name;    /* the connection's unique name */
        GQueue *calls; /* of sd_bus_message, oldest first, each a reference */
} Sender;

struct NvCallQueue {
        sd_bus *bus;         /* borrowed: the daemon's */
        GHashTable *senders; /* unique name -> Sender, only while it has calls waiting */
        GQueue turns;        /* of Sender: whose call goes next, then to the back */
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

static void sender_free(Sender *sender)
{
        g_queue_free_full(sender->calls, message_unref);
        g_free(sender->name);
        g_free(sender);
}

/* How many messages a turn reads ahead at most: enough to see every
 * connection that waits, and the departures of those that left, before
 * choosing; few enough that a turn stays short. */
#define READ_AHEAD 64

/* Reads what the bus has (every call is taken, everything else handled
 * as usual, and the call released by the previous turn dispatched), then
 * gives one call of the connection whose turn it is back to the bus,
 * which dispatches it next (it reads its own queue before the socket).
 * The turns read for themselves: a source below the bus would never run
 * while a flood keeps the socket readable, and one beside it would let a
 * single message be read per turn. */
static int on_turn(sd_event_source *s, void *userdata)
{
        NvCallQueue *q = userdata;
        Sender *sender;
        sd_bus_message *m;
        int r;

        for (guint i = 0; i < READ_AHEAD; i++) {
                r = sd_bus_process(q->bus, NULL);
                if (r <= 0)
                        break;
        }
        sender = g_queue_pop_head(&q->turns);
        if (!sender)
                return sd_event_source_set_enabled(s, SD_EVENT_OFF);
        m = g_queue_pop_head(sender->calls);
        q->n_waiting--;
        if (g_queue_is_empty(sender->calls))
                g_hash_table_remove(q->senders, sender->name);
        else
                g_queue_push_tail(&q->turns, sender);
        if (g_queue_is_empty(&q->turns))
                sd_event_source_set_enabled(s, SD_EVENT_OFF);

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

        if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0 || *new_owner)
                return 0;
        sender = g_hash_table_lookup(q->senders, name);
        if (!sender)
                return 0;
        g_debug("Dropping %u calls of %s, which left the bus", g_queue_get_length(sender->calls), name);
        q->n_waiting -= g_queue_get_length(sender->calls);
        g_queue_remove(&q->turns, sender);
        g_hash_table_remove(q->senders, name);
        if (g_queue_is_empty(&q->turns))
                sd_event_source_set_enabled(q->turn_source, SD_EVENT_OFF);
        return 0;
}

NvCallQueue *nv_call_queue_new(sd_bus *bus, sd_event *event)
{
        NvCallQueue *q = g_new0(NvCallQueue, 1);
        int r;

        q->bus = bus;
        q->senders = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)sender_free);
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
        if (r < 0)
                g_warning("Cannot follow connections leaving the bus: %s", g_strerror(-r));
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

                for (GList *l = sender->calls->head; l; l = l->next)
                        (void)sd_bus_reply_method_errorf(l->data, SD_BUS_ERROR_NO_REPLY,
                                                         "nestedvirtd stopped before it got to this call: "
                                                         "try again.");
        }
        q->gone_slot = sd_bus_slot_unref(q->gone_slot);
        q->turn_source = sd_event_source_disable_unref(q->turn_source);
        g_queue_clear(&q->turns);
        g_hash_table_unref(q->senders);
        g_hash_table_unref(q->released);
        g_free(q);
}

gboolean nv_call_queue_take(NvCallQueue *q, sd_bus_message *m)
{
        const char *name = sd_bus_message_get_sender(m);
        Sender *sender;

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
                sender->calls = g_queue_new();
                g_hash_table_insert(q->senders, sender->name, sender);
                g_queue_push_tail(&q->turns, sender);
                sd_event_source_set_enabled(q->turn_source, SD_EVENT_ON);
        }
        g_queue_push_tail(sender->calls, sd_bus_message_ref(m));
        q->n_waiting++;
        return TRUE;
}

guint nv_call_queue_get_n_waiting(const NvCallQueue *q)
{
        return q ? q->n_waiting : 0;
}
