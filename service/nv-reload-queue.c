/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ReloadModule()'s queue (nv-reload-queue.h).
 */
#include "config.h"

#include "nv-bus-error.h"
#include "nv-dbus.h"
#include "nv-reload-queue.h"
#include "nv-reload.h"
#include "nv-sd-bus.h"
#include "nv-worker.h"

typedef struct {
        NvReloadQueue *queue;
        sd_bus_message *message; /* NULL: answered through @result */
        NvReloadResultFunc result;
        gpointer result_data;
        NvKernel *kernel;
        char *module;
        gboolean nested;
        gint64 queued_at; /* g_get_monotonic_time() */
        /* The holders, asked for when the module is in use. */
        gboolean holders_known;
        gboolean waiting_for_holders;
        GArray *holders;       /* NULL: unknown */
        char *holders_unknown; /* why */
        NvReloadPlan plan;
        GError *error; /* the swap's, written by the worker */
} ReloadJob;

struct NvReloadQueue {
        NvHolders *holders;
        NvReloadReadFunc read_facts;
        NvReloadDoneFunc done;
        gpointer user_data;
        NvWorker *worker;
        GQueue jobs;       /* ReloadJob, authorized, waiting for the one running */
        gboolean running;  /* a ReloadJob is in the worker */
        gboolean starting; /* in start_next() */
        gboolean exiting;
};

static void reload_job_free(ReloadJob *job)
{
        sd_bus_message_unref(job->message);
        g_free(job->module);
        g_clear_pointer(&job->holders, g_array_unref);
        g_free(job->holders_unknown);
        nv_reload_plan_clear(&job->plan);
        g_clear_error(&job->error);
        g_free(job);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ReloadJob, reload_job_free)

static void reload_job_reply(ReloadJob *job, const char *value, const GError *gerror)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        if (value)
                g_message("Reloaded %s with nested=%d: the kernel now says %s", job->plan.module,
                          job->nested, value);
        if (!job->message) {
                job->result(value, gerror, job->result_data);
                return;
        }
        if (value) {
                r = sd_bus_reply_method_return(job->message, "s", value);
        } else {
                nv_bus_error_set_gerror(&error, gerror);
                r = sd_bus_reply_method_error(job->message, &error);
                sd_bus_error_free(&error);
        }
        if (r < 0)
                g_warning("Failed to answer ReloadModule: %s", g_strerror(-r));
}

/* In the worker thread: only the kernel, and @job, are touched here. */
static void reload_job_run(gpointer data)
{
        ReloadJob *job = data;

        nv_reload_swap(job->kernel, &job->plan, &job->error);
}

static void start_next(NvReloadQueue *queue);

/* In the main loop: the swap is over, whatever came of it. */
static void reload_job_done(gpointer data)
{
        g_autoptr(ReloadJob) job = data;
        NvReloadQueue *queue = job->queue;
        g_auto(NvHostFacts) facts = { 0 };
        g_autoptr(GError) gerror = NULL;
        g_autofree char *value = NULL;

        queue->read_facts(&facts, queue->user_data);
        if (!job->error)
                value = nv_reload_finish(&job->plan, &facts, &gerror);
        reload_job_reply(job, value, job->error ? job->error : gerror);

        queue->running = FALSE;
        queue->done(queue->user_data);
        start_next(queue);
}

static void on_holders(const NvHoldersResult *result, gpointer user_data)
{
        NvReloadQueue *queue = user_data;
        ReloadJob *job = g_queue_peek_head(&queue->jobs);

        g_assert(job && job->waiting_for_holders);
        job->waiting_for_holders = FALSE;
        job->holders_known = TRUE;
        if (result->users)
                job->holders = g_array_ref((GArray *)result->users);
        else
                job->holders_unknown = g_strdup(result->error->message);
        if (!queue->starting)
                start_next(queue);
}

/* Starts the first reload of the queue unless one runs: its checks on the
 * host as it is now, then the swap in the worker. */
static void start_next(NvReloadQueue *queue)
{
        queue->starting = TRUE;
        while (!queue->running && !queue->exiting && !g_queue_is_empty(&queue->jobs)) {
                ReloadJob *next = g_queue_peek_head(&queue->jobs);
                g_autoptr(ReloadJob) job = NULL;
                g_auto(NvHostFacts) facts = { 0 };
                g_autoptr(GError) gerror = NULL;

                if (next->waiting_for_holders)
                        break;
                /* Fresh: a VM may have started since the last status read,
                 * and a module event may still be queued. */
                queue->read_facts(&facts, queue->user_data);
                /* In use: the refusal names who holds it, as found by a
                 * scan made since the call came. */
                if (facts.has_vendor_refcnt && facts.vendor_refcnt > 0 && !next->holders_known) {
                        next->waiting_for_holders = TRUE;
                        nv_holders_get(queue->holders, next->queued_at, on_holders, queue);
                        continue; /* answered at once, or waiting (above) */
                }
                job = g_queue_pop_head(&queue->jobs);
                if (!nv_reload_plan(&facts, job->module, job->nested, job->holders, job->holders_unknown,
                                    &job->plan, &gerror)) {
                        reload_job_reply(job, NULL, gerror);
                        continue;
                }
                queue->running = TRUE;
                nv_worker_push(queue->worker, g_steal_pointer(&job), reload_job_run, reload_job_done);
        }
        queue->starting = FALSE;
}

NvReloadQueue *nv_reload_queue_new(NvHolders *holders, NvReloadReadFunc read_facts, NvReloadDoneFunc done,
                                   gpointer user_data)
{
        NvReloadQueue *queue = g_new0(NvReloadQueue, 1);

        queue->holders = holders;
        queue->read_facts = read_facts;
        queue->done = done;
        queue->user_data = user_data;
        queue->worker = nv_worker_new("nv-reload");
        g_queue_init(&queue->jobs);
        return queue;
}

void nv_reload_queue_free(NvReloadQueue *queue)
{
        ReloadJob *job;

        if (!queue)
                return;
        queue->exiting = TRUE;
        nv_holders_cancel(queue->holders, queue);
        /* The swap that runs is answered; the rest are refused rather than
         * left unanswered. */
        g_clear_pointer(&queue->worker, nv_worker_free);
        while ((job = g_queue_pop_head(&queue->jobs))) {
                g_autoptr(GError) error =
                        g_error_new_literal(NV_RELOAD_ERROR, NV_RELOAD_ERROR_FAILED,
                                            "nestedvirtd is exiting; the module was not reloaded.");

                reload_job_reply(job, NULL, error);
                reload_job_free(job);
        }
        g_free(queue);
}

static void push_job(NvReloadQueue *queue, ReloadJob *job, NvKernel *kernel, const char *module,
                     gboolean nested)
{
        job->queue = queue;
        job->kernel = kernel;
        job->module = g_strdup(module);
        job->nested = nested;
        job->queued_at = g_get_monotonic_time();
        g_queue_push_tail(&queue->jobs, job);
        start_next(queue);
}

void nv_reload_queue_push(NvReloadQueue *queue, sd_bus_message *m, NvKernel *kernel, const char *module,
                          gboolean nested)
{
        ReloadJob *job = g_new0(ReloadJob, 1);

        job->message = sd_bus_message_ref(m);
        push_job(queue, job, kernel, module, nested);
}

void nv_reload_queue_push_internal(NvReloadQueue *queue, NvKernel *kernel, const char *module,
                                   gboolean nested, NvReloadResultFunc result, gpointer user_data)
{
        ReloadJob *job = g_new0(ReloadJob, 1);

        job->result = result;
        job->result_data = user_data;
        push_job(queue, job, kernel, module, nested);
}

gboolean nv_reload_queue_is_busy(const NvReloadQueue *queue)
{
        return queue->running || queue->jobs.length > 0;
}
