/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reading and atomically replacing the one configuration file the daemon
 * owns, without ever following a symbolic link at its path.
 */
#pragma once

#include <gio/gio.h>

/*
 * Reads @name in directory @dir. Refuses (G_IO_ERROR_TOO_MANY_LINKS for a
 * symlink, G_IO_ERROR_NOT_REGULAR_FILE, G_IO_ERROR_FILENAME_TOO_LONG for
 * more than @max bytes) anything but a regular file with a single link.
 * A missing file or directory gives TRUE with *ret_contents = NULL.
 */
gboolean nv_file_read(const char *dir, const char *name, gsize max, char **ret_contents, gsize *ret_len,
                      GError **error);

/*
 * Replaces @name in @dir with @contents, mode 0644, so that a reader (or a
 * crash) sees either the old or the new file: a temporary file in the same
 * directory, fsync(), rename(), fsync() of the directory. The directory is
 * created (0755) when missing; neither it nor @name may be a symlink, and
 * @name may not be a hard link to another file. Temporary files start with
 * '.' and do not end in ".conf", so kmod never reads one.
 */
gboolean nv_file_replace(const char *dir, const char *name, const char *contents, gsize len, GError **error);

/* Removes temporary files a crash left behind for @name in @dir. */
void nv_file_remove_stale_temporaries(const char *dir, const char *name);
