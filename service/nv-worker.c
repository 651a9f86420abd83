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
};

typedef struct {
        NvWorker *worker;
        gpointer job;
        NvWorkerRunFunc run;
        NvWorkerDoneFunc done;
} Task;

/* Queued last by nv_worker_free(): the thread returns when it pops it. */
static Task stop_task;

static gboolean task_done(gpointer data)
{
        Task *task = data;

        g_assert(task->worker->n_pending > 0);
        task->worker->n_pending--;
        task->done(task->job);
        g_free(task);
        return G_SOURCE_REMOVE;
}

static gpointer worker_thread(gpointer data)
{
        GAsyncQueue *queue = data; /* outlives the thread: joined before it is freed */
        Task *task;

        while ((task = g_async_queue_pop(queue)) != &stop_task) {
                task->run(task->job);
                g_idle_add(task_done, task);
        }
        return NULL;
}

NvWorker *nv_worker_new(const char *name)
{
        NvWorker *worker = g_new0(NvWorker, 1);

        worker->name = g_strdup(name);
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
                worker->thread = g_thread_new(worker->name, worker_thread, worker->queue);
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

void nv_worker_free(NvWorker *worker)
{
        if (!worker)
                return;
        if (worker->thread) {
                g_async_queue_push(worker->queue, &stop_task);
                g_thread_join(g_steal_pointer(&worker->thread));
                g_clear_pointer(&worker->queue, g_async_queue_unref);
        }
        while (worker->n_pending > 0)
                g_main_context_iteration(NULL, TRUE);
        g_free(worker->name);
        g_free(worker);
}
