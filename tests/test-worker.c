/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for nv-worker.c: jobs run in order in another thread, their
 * @done in the main loop, and nv_worker_free() returns only once the
 * thread is gone, its per-thread state freed; nv_worker_free_within()
 * gives up on a job that does not finish, and its @done never runs.
 */
#include "config.h"

#include "nv-worker.h"

typedef struct {
        guint index;
        GThread *ran_in;
        GPtrArray *order; /* of Job, in the order @done ran; not owned */
} Job;

static GThread *main_thread;

static void job_run(gpointer data)
{
        Job *job = data;

        job->ran_in = g_thread_self();
}

static void job_done(gpointer data)
{
        Job *job = data;

        g_assert_true(g_thread_self() == main_thread);
        g_ptr_array_add(job->order, job);
}

static void test_order(void)
{
        g_autoptr(GPtrArray) order = g_ptr_array_new_with_free_func(g_free);
        NvWorker *worker = nv_worker_new("nv-test");

        main_thread = g_thread_self();
        for (guint i = 0; i < 8; i++) {
                Job *job = g_new0(Job, 1);

                job->index = i;
                job->order = order;
                nv_worker_push(worker, job, job_run, job_done);
        }
        g_assert_cmpuint(nv_worker_get_n_pending(worker), ==, 8);
        while (order->len < 8)
                g_main_context_iteration(NULL, TRUE);
        g_assert_cmpuint(nv_worker_get_n_pending(worker), ==, 0);
        for (guint i = 0; i < order->len; i++) {
                const Job *job = g_ptr_array_index(order, i);

                g_assert_cmpuint(job->index, ==, i);
                g_assert_true(job->ran_in != main_thread);
                g_assert_true(job->ran_in == ((const Job *)g_ptr_array_index(order, 0))->ran_in);
        }
        nv_worker_free(worker);
}

/* What a library keeps per thread (OpenSSL's error state, under libvirt)
 * is freed by a destructor when the thread exits: if the thread outlived
 * nv_worker_free(), the process could exit first and that state leak. */
static gint n_thread_states;

static void thread_state_free(gpointer data)
{
        g_atomic_int_dec_and_test(&n_thread_states);
        g_free(data);
}

static GPrivate counted_state = G_PRIVATE_INIT(thread_state_free);

static void job_run_keeps_state(gpointer data)
{
        g_atomic_int_inc(&n_thread_states);
        g_private_set(&counted_state, g_new0(int, 1));
        job_run(data);
}

/* @data: through nv_worker_free_within() with a bound the job finishes
 * well within, which joins as nv_worker_free() does. */
static void test_free_joins(gconstpointer data)
{
        g_autoptr(GPtrArray) order = g_ptr_array_new_with_free_func(g_free);
        NvWorker *worker = nv_worker_new("nv-test");
        Job *job = g_new0(Job, 1);

        main_thread = g_thread_self();
        job->order = order;
        nv_worker_push(worker, job, job_run_keeps_state, job_done);
        /* Freed at once: the job still runs, its @done too. */
        if (data)
                g_assert_true(nv_worker_free_within(worker, 5 * G_USEC_PER_SEC));
        else
                nv_worker_free(worker);
        g_assert_cmpuint(order->len, ==, 1);
        g_assert_cmpint(g_atomic_int_get(&n_thread_states), ==, 0);
}

/* A job that waits until the test lets it go: libvirt that hangs. */
static gint stuck_released;
static gint stuck_finished;

static void job_run_stuck(gpointer data)
{
        while (!g_atomic_int_get(&stuck_released))
                g_usleep(1000);
        g_atomic_int_set(&stuck_finished, 1);
}

static void job_done_never(gpointer data)
{
        g_error("the @done of an abandoned worker's job ran");
}

static gboolean stuck_is_finished(void)
{
        return g_atomic_int_get(&stuck_finished);
}

static void test_free_within_gives_up(void)
{
        NvWorker *worker = nv_worker_new("nv-test");
        gint64 start = g_get_monotonic_time();
        gint64 elapsed;

        nv_worker_push(worker, NULL, job_run_stuck, job_done_never);
        g_assert_false(nv_worker_free_within(worker, 200 * 1000));
        elapsed = g_get_monotonic_time() - start;
        g_assert_cmpint(elapsed, >=, 200 * 1000);
        g_assert_cmpint(elapsed, <, 5 * G_USEC_PER_SEC);

        /* The thread finishes later, alone; its @done is not called even
         * when the main loop runs. */
        g_atomic_int_set(&stuck_released, 1);
        for (guint i = 0; i < 5000 && !stuck_is_finished(); i++)
                g_usleep(1000);
        g_assert_true(stuck_is_finished());
        while (g_main_context_iteration(NULL, FALSE))
                ;
}

static void test_free_unused(void)
{
        /* Never pushed to: no thread to join. */
        nv_worker_free(nv_worker_new("nv-test"));
        nv_worker_free(NULL);
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/worker/order", test_order);
        g_test_add_data_func("/worker/free-joins", NULL, test_free_joins);
        g_test_add_func("/worker/free-unused", test_free_unused);
        g_test_add_func("/worker/free-within/gives-up", test_free_within_gives_up);
        g_test_add_data_func("/worker/free-within/joins", GINT_TO_POINTER(1), test_free_joins);
        return g_test_run();
}
