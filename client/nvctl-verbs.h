/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The verbs of nestedvirtctl, one file each (nvctl-<verb>.c), dispatched
 * from the table in nestedvirtctl.c, and the text they print when that is
 * more than a constant, declared here so that it can be tested without a
 * bus.
 */
#pragma once

#include "nvctl-common.h"

/* nvctl-status.c: nestedvirtctl [status] */
int nvctl_status(const NvctlOptions *options, int argc, char **argv);

/* nvctl-enable.c: nestedvirtctl enable|disable [--now] */
int nvctl_enable(const NvctlOptions *options, int argc, char **argv);

/* nvctl-reload.c: nestedvirtctl reload [--nested=yes|no] */
int nvctl_reload(const NvctlOptions *options, int argc, char **argv);

/* nvctl-configure-domain.c: nestedvirtctl configure-domain DOMAIN MODE */
int nvctl_configure_domain(const NvctlOptions *options, int argc, char **argv);

/* "Domain DOMAIN now uses CPU mode MODE.\n", and when @restart_required
 * how to apply it. */
char *nvctl_configure_domain_format_done(const char *domain, const char *mode, gboolean restart_required);

/* nvctl-list-domains.c: nestedvirtctl list-domains */
int nvctl_list_domains(const NvctlOptions *options, int argc, char **argv);

/* nvctl-export.c: nestedvirtctl export [--prometheus=FILE] [--nfd=FILE] */
int nvctl_export(const NvctlOptions *options, int argc, char **argv);
