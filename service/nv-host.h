/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The host as the daemon sees it: every file it reads lives below a root
 * directory ("/" in production, a fake tree in tests), and what cannot
 * change while the kernel runs (CPU, architecture, command line, built-in
 * modules, hypervisor) is read once. Not thread-safe: only the main
 * loop uses an NvHost; what a worker needs is handed to it as facts.
 */
#pragma once

#include <glib.h>

#include "nv-host-facts.h"

typedef struct NvHost NvHost;

NvHost *nv_host_new(const char *root);
void nv_host_free(NvHost *host);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvHost, nv_host_free)

/* TRUE when the root is "/": the daemon looks at the machine it runs on,
 * so CPUID and kernel uevents describe the same host as the files. */
gboolean nv_host_is_real(const NvHost *host);

/* @host_path ("/etc/modprobe.d") below the root. */
char *nv_host_path(const NvHost *host, const char *host_path);

/* The vendor module ("kvm_intel", "kvm_amd"), or NULL for an unknown CPU. */
const char *nv_host_vendor_module(const NvHost *host);

/* Fills @ret (zeroed or cleared) with the host's current facts, /dev/kvm
 * and the container included. The merged modprobe.d setting is cached
 * until nv_host_invalidate_config(). */
void nv_host_read_facts(NvHost *host, NvHostFacts *ret);

/* Every setting of the vendor module's "nested" in the merged modprobe.d
 * files (NvSetting), in the order kmod applies them, so the last one wins.
 * Owned by @host, valid until nv_host_invalidate_config(). */
const GArray *nv_host_get_config_settings(NvHost *host);

/* A modprobe.d directory changed: read them again next time. */
void nv_host_invalidate_config(NvHost *host);

/* Lists modprobe.d now, and where it has many files starts reading them
 * in a thread of its own, which the first nv_host_get_config_settings()
 * joins: a managed host has hundreds of files there, which the daemon
 * then reads while it connects to the bus instead of after. Called once
 * modprobe.d is watched, so that a change after the listing is seen. An
 * invalidation drops what was listed or read. */
void nv_host_prefetch_config(NvHost *host);

/* The caller watches the kernel's module uevents and calls
 * nv_host_invalidate_modules() for each (and after a reload, for the
 * changes it made): what /sys says of kvm, the vendor module and
 * /dev/kvm is then kept between reads (the nested parameter is read-only,
 * so a module changes only by a load or an unload, which the kernel
 * announces). The reference count is still read each time. Nothing is kept where the announcements are not
 * enough: without the whole modules.builtin. */
void nv_host_watch_modules(NvHost *host);

/* A module may have been loaded or unloaded: read /sys again next time. */
void nv_host_invalidate_modules(NvHost *host);

/* On a --root tree (not the real host, whose sysfs inotify cannot watch):
 * watches every directory a read of the facts looks at (nv-tree-watch.h),
 * so that nv_host_facts_unchanged() can tell that the last read is still
 * true without reading again. */
void nv_host_watch_tree(NvHost *host);

/* TRUE when the facts last read by nv_host_read_facts() are still the
 * host's: its tree is watched, nothing it looked at changed since, and no
 * invalidation came. FALSE when unsure. */
gboolean nv_host_facts_unchanged(NvHost *host);
