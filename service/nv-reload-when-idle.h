/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ReloadModuleWhenIdle(): one reload, authorized once, that waits until
 * nothing holds the vendor module and then goes through the reload queue
 * (nv-reload-queue.h) like any other, without another call. At most one
 * request waits: a new one replaces it. While one waits, the module's
 * reference count is read every few hundred milliseconds (one small file,
 * with the status read it comes with); a VM that starts again between
 * that read and the reload's own check only makes it wait on. The request
 * lives in the daemon: it ends when the daemon exits, and the daemon does
 * not exit for idleness while one waits.
 *
 * What a client sees is two properties (PendingReload, PendingReloadResult,
 * nv-properties.h), which the daemon takes from here whenever the status
 * is read; @changed says when they differ. Main loop only.
 */
#pragma once

#include <glib.h>
#include <systemd/sd-event.h>

#include "nv-host-facts.h"
#include "nv-kernel.h"
#include "nv-reload-queue.h"

typedef struct NvReloadWhenIdle NvReloadWhenIdle;

/* PendingReload's values. */
#define NV_PENDING_RELOAD_NONE    ""
#define NV_PENDING_RELOAD_ENABLE  "enable"
#define NV_PENDING_RELOAD_DISABLE "disable"

/* PendingReloadResult's values: how the last request ended. */
#define NV_PENDING_RESULT_NONE      ""
#define NV_PENDING_RESULT_APPLIED   "applied"
#define NV_PENDING_RESULT_FAILED    "failed"
#define NV_PENDING_RESULT_CANCELLED "cancelled"

/* Reads the host now (as NvReloadReadFunc does) into @ret. */
typedef void (*NvWhenIdleReadFunc)(NvHostFacts *ret, gpointer user_data);
/* PendingReload or PendingReloadResult changed. */
typedef void (*NvWhenIdleChangedFunc)(gpointer user_data);

/* @queue must outlive the result; @poll_msec is how often the module's
 * reference count is read while a request waits. */
NvReloadWhenIdle *nv_reload_when_idle_new(sd_event *event, NvReloadQueue *queue, guint poll_msec,
                                          NvWhenIdleReadFunc read_facts, NvWhenIdleChangedFunc changed,
                                          gpointer user_data);
/* Drops a waiting request (the daemon exits) without telling anyone. */
void nv_reload_when_idle_free(NvReloadWhenIdle *w);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvReloadWhenIdle, nv_reload_when_idle_free)

/* Waits until @module on @kernel (which must outlive @w) is no longer in
 * use, then reloads it with nested=1 (@nested) or 0; replaces a request
 * that waits. The first look at the module is made at once. */
void nv_reload_when_idle_request(NvReloadWhenIdle *w, NvKernel *kernel, const char *module, gboolean nested);

/* Cancels the waiting request: FALSE when none waits (or its reload has
 * already started, which cannot be taken back). */
gboolean nv_reload_when_idle_cancel(NvReloadWhenIdle *w);

/* A request waits, or its reload runs. */
gboolean nv_reload_when_idle_is_busy(const NvReloadWhenIdle *w);

/* PendingReload: NV_PENDING_RELOAD_*. */
const char *nv_reload_when_idle_get_pending(const NvReloadWhenIdle *w);
/* PendingReloadResult: NV_PENDING_RESULT_*, then ": " and the kernel's
 * new value or the reason it failed for "applied" and "failed". */
const char *nv_reload_when_idle_get_result(const NvReloadWhenIdle *w);
