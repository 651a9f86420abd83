/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The domain methods' work (ConfigureDomain, ListDomains,
 * ListDomainsDetailed) once their arguments are checked and the caller
 * authorized: libvirt may take its time (a busy or hung libvirtd, a remote
 * URI), so each call runs in the domain worker thread, one at a time, and
 * is answered from the main loop when it is done. libvirt is loaded and
 * connected at the first call (nv-libvirt.h).
 */
#pragma once

#include <glib.h>
#include <systemd/sd-bus.h>

#include "nv-domain-xml.h"

typedef struct NvDomainJobs NvDomainJobs;

NvDomainJobs *nv_domain_jobs_new(const char *libvirt_uri);

/* Lets the job that runs finish, answers every call, then frees @jobs. */
void nv_domain_jobs_free(NvDomainJobs *jobs);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvDomainJobs, nv_domain_jobs_free)

/* ConfigureDomain(@domain, @mode) for @m. Returns 1: answered later. */
int nv_domain_jobs_configure(NvDomainJobs *jobs, sd_bus_message *m, const char *domain, NvCpuMode mode);

/* ListDomains() for @m, or ListDomainsDetailed() with @nesting (what KVM
 * on this machine can pass on, as of the call). Returns 1: answered
 * later. */
int nv_domain_jobs_list(NvDomainJobs *jobs, sd_bus_message *m, const NvNestingHost *nesting);

/* Calls not answered yet. */
guint nv_domain_jobs_get_n_pending(const NvDomainJobs *jobs);
