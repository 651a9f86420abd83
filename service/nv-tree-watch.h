/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Whether anything changed in the directories a read of a --root tree
 * looked at, without reading them again: inotify on each directory the
 * reader names before it reads a file there (nv_tree_watch_depend()),
 * and on every directory above it up to the root, so that a directory
 * or symbolic link replaced, created or removed anywhere on the way is
 * seen too. A fake tree is an ordinary file system, where the kernel
 * queues the event within the write, rename or chmod that caused it: a
 * test that changes the tree and then calls sees the change. sysfs is
 * not watched this way (its attributes change without an event); the
 * real host has module uevents (nv-watch.h) instead.
 *
 * It has no source on the event loop: a call asks nv_tree_watch_changed(),
 * which is one non-blocking read of the inotify descriptor. After a
 * change the reader starts a new read with nv_tree_watch_begin(), which
 * removes every watch and sets them up again as the read names the
 * directories, each before its files are read: what changes after a
 * watch is in place is queued, what changed before is what the read sees.
 */
#pragma once

#include <glib.h>

typedef struct NvTreeWatch NvTreeWatch;

/* Watches below @root; NULL when inotify is unavailable. */
NvTreeWatch *nv_tree_watch_new(const char *root);
void nv_tree_watch_free(NvTreeWatch *watch);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvTreeWatch, nv_tree_watch_free)

/* Starts a read: the watches of the last one are dropped, and only what
 * nv_tree_watch_depend() names from now on is watched. */
void nv_tree_watch_begin(NvTreeWatch *watch);

/* The read is about to look at @path (below the root, the root's prefix
 * included): its directory and every one above it up to the root are
 * watched from now on; a missing one is seen appear in the closest
 * directory above it that exists. */
void nv_tree_watch_depend(NvTreeWatch *watch, const char *path);

/* The same for the directory @dir itself: its listing is read. */
void nv_tree_watch_depend_dir(NvTreeWatch *watch, const char *dir);

/* TRUE when something may have changed since nv_tree_watch_begin(): an
 * event came (the kernel's queue overflowing included), or a directory
 * could not be watched. One non-blocking read when nothing came. */
gboolean nv_tree_watch_changed(NvTreeWatch *watch);
