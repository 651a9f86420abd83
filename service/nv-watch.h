/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What tells the daemon that the host changed without being asked, so that
 * a panel that only listens for PropertiesChanged still learns of it:
 * kernel module uevents (a module loaded or unloaded; real host only) and
 * inotify on the modprobe.d directories (and on the parent of one that does
 * not exist yet, to see it appear). The watcher only says what changed;
 * the daemon re-reads and announces. Its sources run ahead of the bus, so
 * that a call arriving together with a change sees it. When the kernel's
 * queue overflowed, every directory is watched anew and read.
 */
#pragma once

#include <glib.h>

#include <systemd/sd-event.h>

#include "nv-host.h"

typedef enum {
        NV_WATCH_MODULES, /* a module came or went: read /sys/module again */
        NV_WATCH_CONFIG,  /* a modprobe.d file changed: read modprobe.d again */
} NvWatchChange;

typedef void (*NvWatchFunc)(NvWatchChange change, void *userdata);

typedef struct NvWatch NvWatch;

/* Starts watching the tree of @host on @event; @func is called from
 * @event for every change. What cannot be watched is logged once, and
 * said by nv_watch_covers_modules() and nv_watch_covers_config(). */
NvWatch *nv_watch_new(sd_event *event, const NvHost *host, NvWatchFunc func, void *userdata);
void nv_watch_free(NvWatch *watch);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvWatch, nv_watch_free)

/* TRUE when every module load and unload is announced. */
gboolean nv_watch_covers_modules(const NvWatch *watch);

/* TRUE when every modprobe.d directory (or its missing self's parent) is
 * watched, so that what was read stays true until a change is announced. */
gboolean nv_watch_covers_config(const NvWatch *watch);
