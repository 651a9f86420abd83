/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for nv-budget.c: each user's calls per second, with the time
 * given, so that no test waits for a clock.
 */
#include "config.h"

#include "nv-budget.h"

#define SEC ((gint64)G_USEC_PER_SEC)

/* One call: by @uid at @at (usec); it may go on (@ok) or must wait
 * @wait usec (0: not checked). */
typedef struct {
        uid_t uid;
        gint64 at;
        gboolean ok;
        gint64 wait;
} Step;

typedef struct {
        const char *name;
        guint rate, burst;
        const Step *steps; /* ends with uid (uid_t)-1 */
} Case;

#define END                              \
        {                                \
                (uid_t) - 1, 0, FALSE, 0 \
        }

static const Step burst_then_wait[] = {
        /* A burst of 3 at once, the 4th waits a third of a second (rate 3/s). */
        { 1000, 0, TRUE, 0 },
        { 1000, 0, TRUE, 0 },
        { 1000, 0, TRUE, 0 },
        { 1000, 0, FALSE, SEC / 3 + 1 },
        /* A third of a second later: one token again, and only one. */
        { 1000, SEC / 3 + 1, TRUE, 0 },
        { 1000, SEC / 3 + 1, FALSE, 0 },
        END,
};

static const Step users_apart[] = {
        /* One user's flood costs another nothing. */
        { 1000, 0, TRUE, 0 },
        { 1000, 0, TRUE, 0 },
        { 1000, 0, FALSE, 0 },
        { 1001, 0, TRUE, 0 },
        { 1001, 0, TRUE, 0 },
        { 1001, 0, FALSE, 0 },
        END,
};

static const Step root_unbounded[] = {
        { 0, 0, TRUE, 0 }, { 0, 0, TRUE, 0 }, { 0, 0, TRUE, 0 }, { 0, 0, TRUE, 0 }, END,
};

static const Step refill_capped[] = {
        /* An hour idle refills the burst, not an hour's worth. */
        { 1000, 0, TRUE, 0 },          { 1000, 0, TRUE, 0 },           { 1000, 3600 * SEC, TRUE, 0 },
        { 1000, 3600 * SEC, TRUE, 0 }, { 1000, 3600 * SEC, FALSE, 0 }, END,
};

static const Step clock_backwards[] = {
        /* A time before the last changes nothing (monotonic clocks do not
         * go back, but a caller's reading may be older). */
        { 1000, 10 * SEC, TRUE, 0 },
        { 1000, 10 * SEC, TRUE, 0 },
        { 1000, 5 * SEC, FALSE, 0 },
        END,
};

static const Case cases[] = {
        { "burst-then-wait", 3, 3, burst_then_wait }, { "users-apart", 1, 2, users_apart },
        { "root-unbounded", 1, 1, root_unbounded },   { "refill-capped", 1, 2, refill_capped },
        { "clock-backwards", 1, 2, clock_backwards },
};

static void test_case(gconstpointer data)
{
        const Case *c = data;
        g_autoptr(NvBudget) budget = nv_budget_new(c->rate, c->burst);

        for (const Step *s = c->steps; s->uid != (uid_t)-1; s++) {
                gint64 wait = -1;
                gboolean ok = nv_budget_take(budget, s->uid, s->at, &wait);

                g_test_message("uid %u at %" G_GINT64_FORMAT ": %s, wait %" G_GINT64_FORMAT,
                               (unsigned)s->uid, s->at, ok ? "ok" : "over", wait);
                g_assert_cmpint(ok, ==, s->ok);
                if (ok)
                        g_assert_cmpint(wait, ==, 0);
                else
                        g_assert_cmpint(wait, >, 0);
                if (s->wait)
                        g_assert_cmpint(wait, ==, s->wait);
        }
}

int main(int argc, char *argv[])
{
        g_test_init(&argc, &argv, NULL);
        for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autofree char *path = g_strdup_printf("/budget/%s", cases[i].name);

                g_test_add_data_func(path, &cases[i], test_case);
        }
        return g_test_run();
}
