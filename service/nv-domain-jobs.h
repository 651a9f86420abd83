/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The domain methods' work (ConfigureDomain, ListDomains,
 * ListDomainsDetailed) once their arguments are checked and the caller
 * authorized: libvirt may take its time (a busy or hung libvirtd, a remote
 * URI), so each call runs in the domain worker thread, one at a time, and
 * is answered from the main loop when it is done. libvirt is loaded and
 * connected at the first call (nv-libvirt.h).
 *
 * A call libvirt has not answered by its deadline is answered then with
 * LibvirtUnavailable (a call still waiting its turn then never runs); a
 * connection may have NV_DOMAIN_JOBS_PER_SENDER calls waiting at once;
 * and stopping waits a few seconds at most for libvirt.
 */
#pragma once

#include <glib.h>
#include <systemd/sd-bus.h>

#include "nv-domain-xml.h"

typedef struct NvDomainJobs NvDomainJobs;

/* Each call answered within @timeout_msec. */
NvDomainJobs *nv_domain_jobs_new(const char *libvirt_uri, guint64 timeout_msec);

/* Answers every call not started, lets the one libvirt runs finish (for a
 * few seconds at most: then answers it too, and leaves its thread behind),
 * then frees @jobs. */
void nv_domain_jobs_free(NvDomainJobs *jobs);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvDomainJobs, nv_domain_jobs_free)

/* ConfigureDomain(@domain, @mode) for @m. Returns 1: answered later; or
 * a negative errno with @error set (LimitsExceeded: too many calls of
 * that connection wait). */
int nv_domain_jobs_configure(NvDomainJobs *jobs, sd_bus_message *m, const char *domain, NvCpuMode mode,
                             sd_bus_error *error);

/* ListDomains() for @m, or ListDomainsDetailed() with @nesting (what KVM
 * on this machine can pass on, as of the call). Returns as
 * nv_domain_jobs_configure(). */
int nv_domain_jobs_list(NvDomainJobs *jobs, sd_bus_message *m, const NvNestingHost *nesting,
                        sd_bus_error *error);

/* Calls not answered yet. */
guint nv_domain_jobs_get_n_pending(const NvDomainJobs *jobs);
