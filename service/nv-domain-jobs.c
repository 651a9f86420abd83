/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The domain methods' jobs (nv-domain-jobs.h).
 */
#include "config.h"

#include "nv-bus-error.h"
#include "nv-domain-jobs.h"
#include "nv-libvirt.h"
#include "nv-printable.h"
#include "nv-sd-bus.h"
#include "nv-worker.h"

struct NvDomainJobs {
        char *libvirt_uri;
        NvLibvirt *libvirt; /* created at the first call */
        NvWorker *worker;
};

typedef struct {
        sd_bus_message *message;
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
} DomainJob;

static void domain_job_free(DomainJob *job)
{
        sd_bus_message_unref(job->message);
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

/* In the main loop: the worker is done with @data. */
static void domain_job_done(gpointer data)
{
        DomainJob *job = data;
        int r;

        if (job->error) {
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
        domain_job_free(job);
}

/* In the worker thread: only libvirt, and @job, are touched here. */
static void domain_job_run(gpointer data)
{
        DomainJob *job = data;

        if (job->configure)
                nv_libvirt_configure_domain(job->libvirt, job->domain, job->mode, &job->restart_required,
                                            &job->error);
        else if (job->detailed)
                job->domains = nv_libvirt_list_domains_detailed(job->libvirt, &job->nesting, &job->error);
        else
                job->domains = nv_libvirt_list_domains(job->libvirt, &job->error);
}

static DomainJob *domain_job_new(NvDomainJobs *jobs, sd_bus_message *m)
{
        DomainJob *job = g_new0(DomainJob, 1);

        if (!jobs->libvirt)
                jobs->libvirt = nv_libvirt_new(jobs->libvirt_uri);
        job->message = sd_bus_message_ref(m);
        job->libvirt = jobs->libvirt;
        return job;
}

NvDomainJobs *nv_domain_jobs_new(const char *libvirt_uri)
{
        NvDomainJobs *jobs = g_new0(NvDomainJobs, 1);

        jobs->libvirt_uri = g_strdup(libvirt_uri);
        jobs->worker = nv_worker_new("nv-domains");
        return jobs;
}

void nv_domain_jobs_free(NvDomainJobs *jobs)
{
        if (!jobs)
                return;
        g_clear_pointer(&jobs->worker, nv_worker_free);
        g_clear_pointer(&jobs->libvirt, nv_libvirt_free);
        g_free(jobs->libvirt_uri);
        g_free(jobs);
}

int nv_domain_jobs_configure(NvDomainJobs *jobs, sd_bus_message *m, const char *domain, NvCpuMode mode)
{
        DomainJob *job = domain_job_new(jobs, m);

        job->configure = TRUE;
        job->domain = g_strdup(domain);
        job->mode = mode;
        nv_worker_push(jobs->worker, job, domain_job_run, domain_job_done);
        return 1;
}

int nv_domain_jobs_list(NvDomainJobs *jobs, sd_bus_message *m, const NvNestingHost *nesting)
{
        DomainJob *job = domain_job_new(jobs, m);

        if (nesting) {
                job->detailed = TRUE;
                job->nesting = *nesting;
                job->nesting_reason = g_strdup(nesting->host_reason);
                job->nesting.host_reason = job->nesting_reason;
        }
        nv_worker_push(jobs->worker, job, domain_job_run, domain_job_done);
        return 1;
}

guint nv_domain_jobs_get_n_pending(const NvDomainJobs *jobs)
{
        return nv_worker_get_n_pending(jobs->worker);
}
