/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Work that may block (libvirt, which may hang; the kernel loading a
 * module) runs in a worker thread, so that the main loop goes on answering
 * every other call. A worker runs its jobs one at a time, in the order they
 * were pushed. The job's @run is called in the thread and must touch only
 * the job; its @done is called afterwards in the main loop (the default
 * GMainContext), where the reply is sent: sd-bus is not thread-safe.
 */
#pragma once

#include <glib.h>

typedef struct NvWorker NvWorker;

/* In the worker thread. */
typedef void (*NvWorkerRunFunc)(gpointer job);
/* In the main loop, once @run returned; frees @job. */
typedef void (*NvWorkerDoneFunc)(gpointer job);

/* @name names the thread (ps -L, gdb); at most 15 bytes are kept. */
NvWorker *nv_worker_new(const char *name);

/* Runs @run(@job) in the thread, then @done(@job) in the main loop. */
void nv_worker_push(NvWorker *worker, gpointer job, NvWorkerRunFunc run, NvWorkerDoneFunc done);

/* Jobs pushed whose @done has not run yet. */
guint nv_worker_get_n_pending(const NvWorker *worker);

/* Lets the thread finish what it was given, joins it (so that what the
 * libraries it called keep per thread, such as OpenSSL's error state under
 * libvirt, is freed before the process exits), runs every @done (so that
 * no caller waits for a reply that never comes), then frees @worker. */
void nv_worker_free(NvWorker *worker);

/* nv_worker_free(), but waits at most @timeout_usec for the thread to
 * finish. Returns FALSE when it did not: the thread is then left to itself
 * (detached), no @done of @worker runs any more, and what its jobs use
 * must stay allocated (the caller answers their calls itself). For work
 * that may hang for good, as a libvirtd that never answers: the process
 * exits with that thread's per-thread state unfreed, a leak at exit of
 * one thread, rather than never exiting. */
gboolean nv_worker_free_within(NvWorker *worker, gint64 timeout_usec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvWorker, nv_worker_free)
