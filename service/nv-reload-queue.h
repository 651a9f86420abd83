/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ReloadModule()'s calls once authorized: serialized, one at a time, each
 * checked on the host as it is when its turn comes (after the one before
 * it), then carried out in a worker thread (nv-reload.h), and answered.
 * A module in use is refused before anything is changed, naming its
 * holders, for which a scan started after the call came is asked
 * (nv-holders.h). Main loop only.
 */
#pragma once

#include <glib.h>
#include <systemd/sd-bus.h>

#include "nv-holders.h"
#include "nv-host-facts.h"
#include "nv-kernel.h"

typedef struct NvReloadQueue NvReloadQueue;

/* Reads the host as it is now into @ret (zeroed), the modules' state
 * read again rather than cached, and announces what changed. */
typedef void (*NvReloadReadFunc)(NvHostFacts *ret, gpointer user_data);
/* A reload ended, answered: the daemon counts it as activity. */
typedef void (*NvReloadDoneFunc)(gpointer user_data);

/* @holders must outlive the queue. */
NvReloadQueue *nv_reload_queue_new(NvHolders *holders, NvReloadReadFunc read_facts, NvReloadDoneFunc done,
                                   gpointer user_data);

/* Lets the reload that runs finish and answers it, refuses those not
 * started yet (the daemon is exiting), then frees @queue. */
void nv_reload_queue_free(NvReloadQueue *queue);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvReloadQueue, nv_reload_queue_free)

/* Queues the reload of @module with nested=1 (@nested) or 0 on @kernel
 * (which must outlive the queue), answering @m when it is done. */
void nv_reload_queue_push(NvReloadQueue *queue, sd_bus_message *m, NvKernel *kernel, const char *module,
                          gboolean nested);

/* How a reload queued without a message ended: @value is what the kernel
 * now says, or NULL and @error (NV_RELOAD_ERROR_IN_USE when something
 * held the module when its turn came; nothing was changed then). */
typedef void (*NvReloadResultFunc)(const char *value, const GError *error, gpointer user_data);

/* Same as nv_reload_queue_push(), for a reload nobody waits for on the
 * bus (one applied when the module is no longer in use): @result is
 * called instead of a reply, also with an error when the queue is freed
 * before its turn. */
void nv_reload_queue_push_internal(NvReloadQueue *queue, NvKernel *kernel, const char *module,
                                   gboolean nested, NvReloadResultFunc result, gpointer user_data);

/* A reload is queued or runs. */
gboolean nv_reload_queue_is_busy(const NvReloadQueue *queue);
