/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The per-user call budget (nv-budget.h).
 */
#include "config.h"

#include "nv-budget.h"

/* Buckets of users who made no call for this long are full again and
 * forgotten, so that the table stays as small as the set of busy users. */
#define IDLE_FORGET_USEC (60 * G_USEC_PER_SEC)

typedef struct {
        double tokens;
        gint64 updated; /* when tokens was last brought up to date */
} Bucket;

struct NvBudget {
        double rate; /* tokens per microsecond */
        double burst;
        GHashTable *buckets; /* GUINT_TO_POINTER(uid) -> Bucket */
        gint64 last_sweep;
};

NvBudget *nv_budget_new(guint rate, guint burst)
{
        NvBudget *budget;

        g_return_val_if_fail(rate > 0 && burst > 0, NULL);
        budget = g_new0(NvBudget, 1);
        budget->rate = (double)rate / G_USEC_PER_SEC;
        budget->burst = burst;
        budget->buckets = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
        return budget;
}

void nv_budget_free(NvBudget *budget)
{
        if (!budget)
                return;
        g_hash_table_unref(budget->buckets);
        g_free(budget);
}

static void sweep(NvBudget *budget, gint64 now)
{
        GHashTableIter iter;
        gpointer value;

        if (now - budget->last_sweep < IDLE_FORGET_USEC)
                return;
        budget->last_sweep = now;
        g_hash_table_iter_init(&iter, budget->buckets);
        while (g_hash_table_iter_next(&iter, NULL, &value)) {
                const Bucket *b = value;

                if (now - b->updated >= IDLE_FORGET_USEC)
                        g_hash_table_iter_remove(&iter);
        }
}

gboolean nv_budget_take(NvBudget *budget, uid_t uid, gint64 now, gint64 *ret_wait_usec)
{
        Bucket *b;

        *ret_wait_usec = 0;
        if (uid == 0)
                return TRUE;
        sweep(budget, now);
        b = g_hash_table_lookup(budget->buckets, GUINT_TO_POINTER(uid));
        if (!b) {
                b = g_new0(Bucket, 1);
                b->tokens = budget->burst;
                b->updated = now;
                g_hash_table_insert(budget->buckets, GUINT_TO_POINTER(uid), b);
        } else if (now > b->updated) {
                b->tokens = MIN(budget->burst, b->tokens + (double)(now - b->updated) * budget->rate);
                b->updated = now;
        }
        if (b->tokens >= 1.0) {
                b->tokens -= 1.0;
                return TRUE;
        }
        *ret_wait_usec = (gint64)((1.0 - b->tokens) / budget->rate) + 1;
        return FALSE;
}
