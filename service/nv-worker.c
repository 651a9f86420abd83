/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A worker thread whose jobs answer from the main loop (nv-worker.h).
 */
#include "config.h"

#include "nv-worker.h"

struct NvWorker {
        char *name;
        GAsyncQueue *queue; /* of Task; both created at the first push */
        GThread *thread;
        guint n_pending;
        /* The thread sets @finished when it returns, for a bounded wait. */
        GMutex lock;
        GCond cond;
        gboolean finished;
        /* nv_worker_free_within() gave up on the thread: @worker stays
         * allocated for it, and its tasks' @done no longer run. */
        gboolean abandoned;
};

typedef struct {
        NvWorker *worker;
        gpointer job;
        NvWorkerRunFunc run;
        NvWorkerDoneFunc done;
} Task;

/* Queued last by nv_worker_free(): the thread returns when it pops it. */
static Task stop_task;

/* The workers nv_worker_free_within() left behind: their threads still
 * use them, so they stay allocated until the process exits, and stay
 * reachable from here meanwhile (LeakSanitizer reports only what nothing
 * points to). */
static GPtrArray *abandoned_workers;
G_LOCK_DEFINE_STATIC(abandoned_workers);

static gboolean task_done(gpointer data)
{
        Task *task = data;

        g_assert(task->worker->n_pending > 0);
        task->worker->n_pending--;
        if (!task->worker->abandoned)
                task->done(task->job);
        g_free(task);
        return G_SOURCE_REMOVE;
}

static gpointer worker_thread(gpointer data)
{
        NvWorker *worker = data; /* outlives the thread: joined before it is freed, or never freed */
        Task *task;

        while ((task = g_async_queue_pop(worker->queue)) != &stop_task) {
                task->run(task->job);
                g_idle_add(task_done, task);
        }
        g_mutex_lock(&worker->lock);
        worker->finished = TRUE;
        g_cond_signal(&worker->cond);
        g_mutex_unlock(&worker->lock);
        return NULL;
}

NvWorker *nv_worker_new(const char *name)
{
        NvWorker *worker = g_new0(NvWorker, 1);

        worker->name = g_strdup(name);
        g_mutex_init(&worker->lock);
        g_cond_init(&worker->cond);
        return worker;
}

void nv_worker_push(NvWorker *worker, gpointer job, NvWorkerRunFunc run, NvWorkerDoneFunc done)
{
        Task *task = g_new0(Task, 1);

        /* One thread of our own rather than a GThreadPool: the jobs of one
         * worker depend on each other's outcome (a reload on the previous
         * one), or share a lock anyway (libvirt's connection); and a pool's
         * thread outlives the pool, kept by GLib or exiting whenever it
         * likes, while this one is joined by nv_worker_free(). */
        if (!worker->thread) {
                worker->queue = g_async_queue_new();
                worker->thread = g_thread_new(worker->name, worker_thread, worker);
        }
        task->worker = worker;
        task->job = job;
        task->run = run;
        task->done = done;
        worker->n_pending++;
        g_async_queue_push(worker->queue, task);
}

guint nv_worker_get_n_pending(const NvWorker *worker)
{
        return worker ? worker->n_pending : 0;
}

/* Whether the thread returned within @timeout_usec (negative: waits for
 * it however long it takes). */
static gboolean wait_finished(NvWorker *worker, gint64 timeout_usec)
{
        gint64 deadline = g_get_monotonic_time() + timeout_usec;
        gboolean finished;

        g_mutex_lock(&worker->lock);
        while (!worker->finished)
                if (timeout_usec < 0)
                        g_cond_wait(&worker->cond, &worker->lock);
                else if (!g_cond_wait_until(&worker->cond, &worker->lock, deadline))
                        break;
        finished = worker->finished;
        g_mutex_unlock(&worker->lock);
        return finished;
}

gboolean nv_worker_free_within(NvWorker *worker, gint64 timeout_usec)
{
        if (!worker)
                return TRUE;
        if (worker->thread) {
                g_async_queue_push(worker->queue, &stop_task);
                if (!wait_finished(worker, timeout_usec)) {
                        g_message("Thread %s did not finish within %" G_GINT64_FORMAT
                                  " ms: leaving it behind",
                                  worker->name, timeout_usec / 1000);
                        worker->abandoned = TRUE;
                        g_thread_unref(g_steal_pointer(&worker->thread));
                        G_LOCK(abandoned_workers);
                        if (!abandoned_workers)
                                abandoned_workers = g_ptr_array_new();
                        g_ptr_array_add(abandoned_workers, worker);
                        G_UNLOCK(abandoned_workers);
                        return FALSE;
                }
                g_thread_join(g_steal_pointer(&worker->thread));
                g_clear_pointer(&worker->queue, g_async_queue_unref);
        }
        while (worker->n_pending > 0)
                g_main_context_iteration(NULL, TRUE);
        g_mutex_clear(&worker->lock);
        g_cond_clear(&worker->cond);
        g_free(worker->name);
        g_free(worker);
        return TRUE;
}

void nv_worker_free(NvWorker *worker)
{
        nv_worker_free_within(worker, -1);
}
