/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The files nestedvirtctl export writes for fleet tools, as text built
 * from a status without I/O, so that their formats are tested on made-up
 * hosts; and the write that replaces a file atomically, only when its
 * content changed.
 */
#pragma once

#include "nv-properties.h"

/* node_exporter's textfile collector format: # HELP, # TYPE and gauges
 * (nestedvirt_supported, nestedvirt_nested_enabled{module=...}, ...,
 * nestedvirt_info{host_class=...,...} 1). A value the service did not
 * report is left out, never guessed. */
char *nvctl_export_prometheus(const NvProperties *props);

/* node-feature-discovery's local feature file: "name=value" lines, names
 * in NFD's default namespace (feature.node.kubernetes.io/nestedvirt-...). */
char *nvctl_export_nfd(const NvProperties *props);

/*
 * Makes @path hold @content: nothing is written when it already does (a
 * timer that runs every few minutes must not touch mtimes or wear the
 * disk); otherwise a temporary file in the same directory, named with a
 * leading dot (which NFD and node_exporter both skip), is written, synced
 * and renamed over @path, so that a reader sees the old or the new file,
 * never half of one. The file is 0644: the readers are other users.
 * *@ret_changed says whether it was written.
 */
gboolean nvctl_export_write(const char *path, const char *content, gboolean *ret_changed, GError **error);
