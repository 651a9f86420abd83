/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A worker thread whose jobs answer from the main loop (nv-worker.h).
 */
#include "config.h"

#include "nv-worker.h"

struct NvWorker {
        GThreadPool *pool; /* created at the first push */
        guint n_pending;
};

typedef struct {
        NvWorker *worker;
        gpointer job;
        NvWorkerRunFunc run;
        NvWorkerDoneFunc done;
} Task;

static gboolean task_done(gpointer data)
{
        Task *task = data;

        g_assert(task->worker->n_pending > 0);
        task->worker->n_pending--;
        task->done(task->job);
        g_free(task);
        return G_SOURCE_REMOVE;
}

static void task_run(gpointer data, gpointer user_data)
{
        Task *task = data;

        task->run(task->job);
        g_idle_add(task_done, task);
}

NvWorker *nv_worker_new(void)
{
        return g_new0(NvWorker, 1);
}

void nv_worker_push(NvWorker *worker, gpointer job, NvWorkerRunFunc run, NvWorkerDoneFunc done)
{
        Task *task = g_new0(Task, 1);

        /* One thread: the jobs of one worker depend on each other's
         * outcome (a reload on the previous one), or share a lock anyway
         * (libvirt's connection). g_thread_pool_new() only fails for an
         * exclusive pool, which this is not. */
        if (!worker->pool)
                worker->pool = g_thread_pool_new(task_run, NULL, 1, FALSE, NULL);
        task->worker = worker;
        task->job = job;
        task->run = run;
        task->done = done;
        worker->n_pending++;
        g_thread_pool_push(worker->pool, task, NULL);
}

guint nv_worker_get_n_pending(const NvWorker *worker)
{
        return worker ? worker->n_pending : 0;
}

void nv_worker_free(NvWorker *worker)
{
        if (!worker)
                return;
        if (worker->pool)
                g_thread_pool_free(g_steal_pointer(&worker->pool), FALSE, TRUE);
        while (worker->n_pending > 0)
                g_main_context_iteration(NULL, TRUE);
        g_free(worker);
}
