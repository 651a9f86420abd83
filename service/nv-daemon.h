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
} NvDaemonOptions;

/* Runs the service; returns the process exit status. */
int nv_daemon_run(const NvDaemonOptions *options);
