/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The nestedvirtd service: owns org.example.NestedVirt on the system bus
 * and serves /org/example/NestedVirt until it is idle or told to stop.
 */
#pragma once

#include <glib.h>

#include "nv-kernel.h"

typedef struct {
        const char *root;           /* host tree to read, "/" for this machine */
        guint idle_timeout;         /* seconds without calls before exiting; 0 = never */
        NvKernelNewFunc kernel_new; /* creates the backend that loads and unloads modules */
        const char *libvirt_uri;    /* libvirt connection for the domain methods */

        /* From the environment (nestedvirtd(8)); tests shorten them. */
        guint libvirt_timeout_msec;       /* how long a domain call waits for libvirt */
        guint64 kvm_users_max_age_usec;   /* how old a scan of the holders of /dev/kvm may be */
        gboolean kvm_users_max_age_fixed; /* exactly that: set by the environment */
        guint when_idle_poll_msec;        /* how often a reload waiting for the module looks */
        guint user_calls_per_sec;         /* the call budget of a user other than root */
} NvDaemonOptions;

/* Runs the service; returns the process exit status. */
int nv_daemon_run(const NvDaemonOptions *options);
