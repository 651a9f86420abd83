/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvirt domains as ListDomains() reports them, shared by list-domains
 * and status (which counts those that can host nested guests). Reading
 * the reply is separate from printing it, and printing does no I/O, so
 * that the table and the JSON can be tested on made-up domains.
 */
#pragma once

#include "nvctl-common.h"

typedef struct {
        char *name;
        char *uuid;
        char *state;    /* libvirt's words: "running", "shut off", ... */
        char *cpu_mode; /* of the persistent definition; "" without <cpu> */
        /* From ListDomainsDetailed: whether the guest gets vmx/svm ("yes",
         * "no", "unknown") and why; NULL from an older daemon's ListDomains. */
        char *nested;
        char *nested_reason;
} NvctlDomain;

/* Whether the domain's CPU mode is one that passes the host's
 * virtualization extension on (host-model, host-passthrough); what the
 * guest really gets is @nested. */
gboolean nvctl_domain_is_nested_capable(const NvctlDomain *domain);

/* An empty array of NvctlDomain that frees its members. */
GArray *nvctl_domains_new(void);

/* Parses ListDomains()'s a(ssss) or ListDomainsDetailed()'s a(ssssss),
 * sorted by name; a negative errno on a malformed reply. */
int nvctl_domains_read(sd_bus_message *reply, GArray **ret_domains);

/*
 * Calls ListDomains() and reads its reply, waiting at most
 * @timeout_usec (0: the D-Bus default). Reports nothing itself: returns a
 * negative errno, with @error (may be NULL) filled for a D-Bus error, so
 * that a caller to whom the list is optional can go on without it.
 */
int nvctl_domains_list(sd_bus *bus, uint64_t timeout_usec, sd_bus_error *error, GArray **ret_domains);

/* The table of list-domains: NAME UUID STATE CPU-MODE NESTED, where
 * NESTED is "yes", "no: REASON" or "unknown: REASON" (from an older
 * daemon, "yes"/"no" by the CPU mode alone). */
void nvctl_domains_format_table(const GArray *domains, GString *out);

/* The JSON of list-domains --json: an array of {Name, Uuid, State,
 * CpuMode, NestedCapable, and when the daemon tells, Nested and
 * NestedReason}, in the CamelCase of the D-Bus API like every verb's. */
JsonNode *nvctl_domains_to_json(const GArray *domains);
