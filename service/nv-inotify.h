/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Draining an inotify descriptor: the one loop over the kernel's packed
 * events, for modprobe.d's watch (nv-watch.c) and a --root tree's
 * (nv-tree-watch.c).
 */
#pragma once

#include <sys/inotify.h>

#include <glib.h>

/* TRUE when @event is one the caller acts on. */
typedef gboolean (*NvInotifyFunc)(const struct inotify_event *event, gpointer user_data);

/* Reads every event queued on the non-blocking inotify descriptor @fd and
 * passes each to @func; returns TRUE when @func returned TRUE for any.
 * *@ret_errno is what stopped the reading: EAGAIN once the queue is empty,
 * another errno on an error. */
gboolean nv_inotify_drain(int fd, NvInotifyFunc func, gpointer user_data, int *ret_errno);
