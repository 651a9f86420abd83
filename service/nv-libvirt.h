/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvirt for the domain methods. libvirt's library and its dependencies
 * are loaded with dlopen() when a domain method is first called, so a
 * daemon that only answers status calls does not pay for them; the
 * connection is opened then too, and opened again when it dropped.
 */
#pragma once

#include <glib.h>

#include "nv-domain-xml.h"

#define NV_LIBVIRT_ERROR (nv_libvirt_error_quark())
GQuark nv_libvirt_error_quark(void);

typedef enum {
        NV_LIBVIRT_ERROR_UNAVAILABLE,   /* library missing or connection failed; message names URI and reason
                                         */
        NV_LIBVIRT_ERROR_NOT_FOUND,     /* no such domain */
        NV_LIBVIRT_ERROR_NOT_SUPPORTED, /* a change that cannot help this domain (a confidential guest) */
        NV_LIBVIRT_ERROR_FAILED,        /* anything else, with libvirt's message */
} NvLibvirtError;

typedef struct {
        char *name;
        char *uuid;     /* "8-4-4-4-12" lower-case hex */
        char *state;    /* libvirt's words: "running", "paused", "shut off", ... */
        char *cpu_mode; /* of the persistent definition; "" when there is no <cpu> */
        /* Only from nv_libvirt_list_domains_detailed(), else NULL: whether
         * the guest gets vmx/svm ("yes", "no", "unknown"), and why. */
        char *nested;
        char *nested_reason;
} NvDomainInfo;

void nv_domain_info_free(NvDomainInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvDomainInfo, nv_domain_info_free)

typedef struct NvLibvirt NvLibvirt;

/* Nothing is loaded or connected here. */
NvLibvirt *nv_libvirt_new(const char *uri);
void nv_libvirt_free(NvLibvirt *libvirt);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvLibvirt, nv_libvirt_free)

/* All domains, active and inactive, sorted by name: NvDomainInfo elements
 * of a GPtrArray that frees them. */
GPtrArray *nv_libvirt_list_domains(NvLibvirt *libvirt, GError **error);

/*
 * nv_libvirt_list_domains(), and for each domain whether its guest gets
 * the vendor's virtualization flag (nv_cpu_def_judge_nesting()): a domain
 * that is not shut off is judged from its live definition, which is what
 * its guest has, and when its persistent one would give another answer
 * the reason says so; a shut-off domain from its persistent definition.
 * @host gives flag, host and host_reason as the daemon sees its own
 * machine; they are not used for a URI naming another machine. The rest
 * comes from libvirt: its domain capabilities for host-model, and the
 * features of named CPU models from virConnectBaselineCPU(). A definition
 * that cannot be judged gives "unknown" with the reason, not an error.
 */
GPtrArray *nv_libvirt_list_domains_detailed(NvLibvirt *libvirt, const NvNestingHost *host, GError **error);

/*
 * Sets the persistent <cpu> of @domain (a UUID when it parses as one, else
 * a name) to @mode and defines it again. *ret_restart_required is TRUE when
 * the domain is running or paused: the change applies after a full
 * power-off. Setting the mode the domain already has defines nothing and
 * logs nothing; a change is logged.
 */
gboolean nv_libvirt_configure_domain(NvLibvirt *libvirt, const char *domain, NvCpuMode mode,
                                     gboolean *ret_restart_required, GError **error);
