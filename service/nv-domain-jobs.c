/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The domain methods' jobs (nv-domain-jobs.h).
 */
#include "config.h"

#include <errno.h>

#include "nv-bus-error.h"
#include "nv-dbus.h"
#include "nv-domain-jobs.h"
#include "nv-libvirt.h"
#include "nv-printable.h"
#include "nv-sd-bus.h"
#include "nv-worker.h"

/* What a connection may have waiting for libvirt at once: a CLI or an
 * app has one call out, a script a few; beyond, it floods. */
#define NV_DOMAIN_JOBS_PER_SENDER 16

/* How long the daemon waits, when it stops, for the call libvirt is
 * answering: long enough for one libvirt answers, short beside
 * systemd's TimeoutStopSec=. */
#define NV_DOMAIN_JOBS_STOP_TIMEOUT_USEC (5 * G_USEC_PER_SEC)

typedef struct DomainJob DomainJob;

struct NvDomainJobs {
        char *libvirt_uri;
        NvLibvirt *libvirt; /* created at the first call */
        NvWorker *worker;
        guint64 timeout_msec;
        /* Unique name -> calls of that connection the worker has not
         * finished (GUINT_TO_POINTER), answered or not. */
        GHashTable *n_by_sender;
        /* The jobs whose call has not been answered yet. */
        GHashTable *unanswered;
        /* The job libvirt still has past its deadline, and since when
         * (monotonic): until libvirt answers it, every other call is
         * answered at once. */
        DomainJob *stuck;
        gint64 stuck_since_usec;
};

/* Who goes first, the worker or the deadline: swapped atomically from
 * QUEUED, once. */
enum {
        JOB_QUEUED,
        JOB_RUNNING,   /* the worker took it: libvirt may still act on it */
        JOB_CANCELLED, /* the worker will skip it */
};

struct DomainJob {
        NvDomainJobs *jobs;
        sd_bus_message *message; /* NULL once answered */
        char *sender;
        guint deadline_id;
        gint state;
        NvLibvirt *libvirt;
        gboolean configure; /* else list */
        char *domain;
        NvCpuMode mode;
        /* ListDomainsDetailed: this machine as the status saw it when the
         * call came; host_reason points to nesting_reason. */
        gboolean detailed;
        NvNestingHost nesting;
        char *nesting_reason;
        /* The outcome, written by the worker. */
        gboolean restart_required;
        GPtrArray *domains;
        GError *error;
};

static void domain_job_free(DomainJob *job)
{
        g_assert(job->deadline_id == 0);
        sd_bus_message_unref(job->message);
        g_free(job->sender);
        g_free(job->domain);
        g_free(job->nesting_reason);
        g_clear_pointer(&job->domains, g_ptr_array_unref);
        g_clear_error(&job->error);
        g_free(job);
}

/* These messages quote the caller's domain argument, ours and libvirt's
 * alike: shown as nv_printable() shows an argument, named by the one table
 * (nv-bus-error.h). */
static int libvirt_error_to_bus(const GError *gerror, sd_bus_error *error)
{
        g_autofree char *valid = g_utf8_make_valid(gerror->message, -1);
        g_autofree char *text = nv_printable(valid, G_MAXLONG);
        g_autoptr(GError) shown = g_error_new_literal(gerror->domain, gerror->code, text);

        return nv_bus_error_set_gerror(error, shown);
}

/* ListDomains' a(ssss), or with @detailed ListDomainsDetailed's a(ssssss). */
static int reply_domains(sd_bus_message *m, const GPtrArray *domains, gboolean detailed)
{
        g_autoptr(sd_bus_message) reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', detailed ? "(ssssss)" : "(ssss)");
        for (guint i = 0; r >= 0 && i < domains->len; i++) {
                const NvDomainInfo *d = g_ptr_array_index(domains, i);

                if (detailed)
                        r = sd_bus_message_append(reply, "(ssssss)", d->name, d->uuid, d->state, d->cpu_mode,
                                                  d->nested, d->nested_reason ? d->nested_reason : "");
                else
                        r = sd_bus_message_append(reply, "(ssss)", d->name, d->uuid, d->state, d->cpu_mode);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* The call is answered (or about to be): no deadline, nothing to answer
 * at stop. */
static void domain_job_forget_call(DomainJob *job)
{
        g_clear_handle_id(&job->deadline_id, g_source_remove);
        g_hash_table_remove(job->jobs->unanswered, job);
        g_clear_pointer(&job->message, sd_bus_message_unref);
}

static void domain_job_reply_error(DomainJob *job, const char *name, const char *message)
{
        int r = sd_bus_reply_method_errorf(job->message, name, "%s", message);

        if (r < 0)
                g_warning("Failed to answer %s: %s", sd_bus_message_get_member(job->message),
                          g_strerror(-r));
        domain_job_forget_call(job);
}

/* Takes @job from the worker if it has not started it: TRUE when it will
 * never run. */
static gboolean domain_job_cancel(DomainJob *job)
{
        return g_atomic_int_compare_and_exchange(&job->state, JOB_QUEUED, JOB_CANCELLED);
}

/* Why a call is not made while libvirt has one past its deadline. */
static void set_error_stuck(const NvDomainJobs *jobs, sd_bus_error *error)
{
        sd_bus_error_setf(error, NV_ERROR_LIBVIRT_UNAVAILABLE,
                          "libvirt (%s) has not answered a call for %" G_GINT64_FORMAT
                          " s: check that libvirtd is running and not stuck, then try again.",
                          jobs->libvirt_uri,
                          (g_get_monotonic_time() - jobs->stuck_since_usec) / G_USEC_PER_SEC);
}

/* Answers every call waiting behind the stuck one at once: its turn would
 * come after a call libvirt may never answer. */
static void answer_waiting_stuck(NvDomainJobs *jobs)
{
        GHashTableIter iter;
        gpointer key;

        g_hash_table_iter_init(&iter, jobs->unanswered);
        while (g_hash_table_iter_next(&iter, &key, NULL)) {
                DomainJob *waiting = key;
                sd_bus_error error = SD_BUS_ERROR_NULL;

                if (!domain_job_cancel(waiting))
                        continue;
                set_error_stuck(jobs, &error);
                (void)sd_bus_reply_method_error(waiting->message, &error);
                sd_bus_error_free(&error);
                g_clear_handle_id(&waiting->deadline_id, g_source_remove);
                g_clear_pointer(&waiting->message, sd_bus_message_unref);
                g_hash_table_iter_remove(&iter);
        }
}

/* In the main loop: libvirt did not answer within the deadline. The
 * caller hears it now; a job not started yet never runs, and one that
 * runs is left to finish (libvirt's calls cannot be interrupted), so a
 * ConfigureDomain may still take effect: the message says so. Until
 * libvirt answers the one it has, no other call waits for it. */
static gboolean on_deadline(gpointer data)
{
        DomainJob *job = data;
        NvDomainJobs *jobs = job->jobs;
        gboolean cancelled = domain_job_cancel(job);
        g_autofree char *message = g_strdup_printf(
                "libvirt (%s) did not answer within %" G_GUINT64_FORMAT " ms%s: check that libvirtd "
                "is running and not stuck, then try again.",
                jobs->libvirt_uri, jobs->timeout_msec,
                !cancelled && job->configure ? " (the change may still be made when it does)" : "");

        job->deadline_id = 0;
        domain_job_reply_error(job, NV_ERROR_LIBVIRT_UNAVAILABLE, message);
        if (!cancelled && !jobs->stuck) {
                g_warning("libvirt (%s) has not answered %s within %" G_GUINT64_FORMAT
                          " ms: answering domain calls at once until it does",
                          jobs->libvirt_uri, job->configure ? "ConfigureDomain" : "ListDomains",
                          jobs->timeout_msec);
                jobs->stuck = job;
                jobs->stuck_since_usec = g_get_monotonic_time() - (gint64)jobs->timeout_msec * 1000;
                answer_waiting_stuck(jobs);
        }
        return G_SOURCE_REMOVE;
}

static void sender_count_add(NvDomainJobs *jobs, const char *sender, int delta)
{
        guint n = GPOINTER_TO_UINT(g_hash_table_lookup(jobs->n_by_sender, sender)) + (guint)delta;

        if (n == 0)
                g_hash_table_remove(jobs->n_by_sender, sender);
        else
                g_hash_table_insert(jobs->n_by_sender, g_strdup(sender), GUINT_TO_POINTER(n));
}

/* In the main loop: the worker is done with @data. */
static void domain_job_done(gpointer data)
{
        DomainJob *job = data;
        int r = 0;

        sender_count_add(job->jobs, job->sender, -1);
        if (job == job->jobs->stuck) {
                g_message("libvirt (%s) answered after %" G_GINT64_FORMAT " s", job->jobs->libvirt_uri,
                          (g_get_monotonic_time() - job->jobs->stuck_since_usec) / G_USEC_PER_SEC);
                job->jobs->stuck = NULL;
        }
        if (!job->message) {
                /* Answered already, at its deadline. */
        } else if (job->error) {
                sd_bus_error error = SD_BUS_ERROR_NULL;

                libvirt_error_to_bus(job->error, &error);
                r = sd_bus_reply_method_error(job->message, &error);
                sd_bus_error_free(&error);
        } else if (job->configure) {
                r = sd_bus_reply_method_return(job->message, "b", job->restart_required);
        } else {
                r = reply_domains(job->message, job->domains, job->detailed);
        }
        if (r < 0)
                g_warning("Failed to answer %s: %s", sd_bus_message_get_member(job->message),
                          g_strerror(-r));
        if (job->message)
                domain_job_forget_call(job);
        domain_job_free(job);
}

/* In the worker thread: only libvirt, and @job's own fields, are touched
 * here. */
static void domain_job_run(gpointer data)
{
        DomainJob *job = data;

        if (!g_atomic_int_compare_and_exchange(&job->state, JOB_QUEUED, JOB_RUNNING))
                return;
        if (job->configure)
                nv_libvirt_configure_domain(job->libvirt, job->domain, job->mode, &job->restart_required,
                                            &job->error);
        else if (job->detailed)
                job->domains = nv_libvirt_list_domains_detailed(job->libvirt, &job->nesting, &job->error);
        else
                job->domains = nv_libvirt_list_domains(job->libvirt, &job->error);
}

/* A job for @m, or NULL with @error set when its connection has as many
 * calls waiting as it may, or libvirt has one past its deadline. */
static DomainJob *domain_job_new(NvDomainJobs *jobs, sd_bus_message *m, sd_bus_error *error)
{
        const char *sender = sd_bus_message_get_sender(m);
        DomainJob *job;

        if (!sender)
                sender = "";
        if (jobs->stuck) {
                set_error_stuck(jobs, error);
                return NULL;
        }
        if (GPOINTER_TO_UINT(g_hash_table_lookup(jobs->n_by_sender, sender)) >= NV_DOMAIN_JOBS_PER_SENDER) {
                sd_bus_error_setf(
                        error, SD_BUS_ERROR_LIMITS_EXCEEDED,
                        "This connection has %d domain calls waiting for libvirt, the most it may: "
                        "wait for their answers before sending more.",
                        NV_DOMAIN_JOBS_PER_SENDER);
                return NULL;
        }
        if (!jobs->libvirt)
                jobs->libvirt = nv_libvirt_new(jobs->libvirt_uri);
        job = g_new0(DomainJob, 1);
        job->jobs = jobs;
        job->message = sd_bus_message_ref(m);
        job->sender = g_strdup(sender);
        job->libvirt = jobs->libvirt;
        return job;
}

static void domain_job_push(NvDomainJobs *jobs, DomainJob *job)
{
        sender_count_add(jobs, job->sender, +1);
        g_hash_table_add(jobs->unanswered, job);
        job->deadline_id = g_timeout_add((guint)jobs->timeout_msec, on_deadline, job);
        nv_worker_push(jobs->worker, job, domain_job_run, domain_job_done);
}

NvDomainJobs *nv_domain_jobs_new(const char *libvirt_uri, guint64 timeout_msec)
{
        NvDomainJobs *jobs = g_new0(NvDomainJobs, 1);

        jobs->libvirt_uri = g_strdup(libvirt_uri);
        jobs->timeout_msec = MIN(timeout_msec, G_MAXUINT);
        jobs->worker = nv_worker_new("nv-domains");
        jobs->n_by_sender = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        jobs->unanswered = g_hash_table_new(NULL, NULL);
        return jobs;
}

void nv_domain_jobs_free(NvDomainJobs *jobs)
{
        GHashTableIter iter;
        gpointer key;

        if (!jobs)
                return;
        /* What libvirt has not started is not started any more. */
        g_hash_table_iter_init(&iter, jobs->unanswered);
        while (g_hash_table_iter_next(&iter, &key, NULL)) {
                DomainJob *job = key;

                if (domain_job_cancel(job)) {
                        g_clear_handle_id(&job->deadline_id, g_source_remove);
                        (void)sd_bus_reply_method_errorf(job->message, NV_ERROR_FAILED,
                                                         "nestedvirtd stopped before it called libvirt: "
                                                         "try again.");
                        g_clear_pointer(&job->message, sd_bus_message_unref);
                        g_hash_table_iter_remove(&iter);
                }
        }
        /* The job libvirt runs gets a few seconds. A libvirt that does not
         * answer by then keeps its thread, and what the thread uses (the
         * jobs, the connection) is left to it: the daemon exits anyway. */
        if (!nv_worker_free_within(g_steal_pointer(&jobs->worker), NV_DOMAIN_JOBS_STOP_TIMEOUT_USEC)) {
                g_hash_table_iter_init(&iter, jobs->unanswered);
                while (g_hash_table_iter_next(&iter, &key, NULL)) {
                        DomainJob *job = key;

                        g_clear_handle_id(&job->deadline_id, g_source_remove);
                        (void)sd_bus_reply_method_errorf(job->message, NV_ERROR_LIBVIRT_UNAVAILABLE,
                                                         "nestedvirtd stopped while libvirt (%s) had not "
                                                         "answered: check that libvirtd is not stuck.",
                                                         jobs->libvirt_uri);
                        g_clear_pointer(&job->message, sd_bus_message_unref);
                }
                jobs->libvirt = NULL;
        }
        g_clear_pointer(&jobs->libvirt, nv_libvirt_free);
        g_hash_table_unref(jobs->unanswered);
        g_hash_table_unref(jobs->n_by_sender);
        g_free(jobs->libvirt_uri);
        g_free(jobs);
}

int nv_domain_jobs_configure(NvDomainJobs *jobs, sd_bus_message *m, const char *domain, NvCpuMode mode,
                             sd_bus_error *error)
{
        DomainJob *job = domain_job_new(jobs, m, error);

        if (!job)
                return -EBUSY;
        job->configure = TRUE;
        job->domain = g_strdup(domain);
        job->mode = mode;
        domain_job_push(jobs, job);
        return 1;
}

int nv_domain_jobs_list(NvDomainJobs *jobs, sd_bus_message *m, const NvNestingHost *nesting,
                        sd_bus_error *error)
{
        DomainJob *job = domain_job_new(jobs, m, error);

        if (!job)
                return -EBUSY;
        if (nesting) {
                job->detailed = TRUE;
                job->nesting = *nesting;
                job->nesting_reason = g_strdup(nesting->host_reason);
                job->nesting.host_reason = job->nesting_reason;
        }
        domain_job_push(jobs, job);
        return 1;
}

guint nv_domain_jobs_get_n_pending(const NvDomainJobs *jobs)
{
        return nv_worker_get_n_pending(jobs->worker);
}
