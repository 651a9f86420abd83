/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon's one layer for reading files: bounded reads of the host's
 * files (/proc, /sys, /etc, modprobe.d) for the host reader, and reading
 * and atomically replacing the one configuration file the daemon owns,
 * without ever following a symbolic link at its path.
 */
#pragma once

#include <glib.h>

#include "nv-errno.h"

/*
 * Reads at most @max bytes of @path into @ret (NUL-terminated; @ret_len,
 * when not NULL, gets the length). Files in /proc and /sys report size 0,
 * so this reads to the end rather than trusting fstat(). Returns 0,
 * -errno (then @ret is NULL), or -EFBIG when the file is longer than @max
 * (then @ret holds its first @max bytes). A symbolic link is followed: this
 * is for the host's files, not for the one the daemon edits.
 */
int nv_file_read_bounded(const char *path, gsize max, char **ret, gsize *ret_len);

/* The same for the regular file @name in the directory @dfd (opened by
 * the caller, which reads many files there: each open then walks one name,
 * not a path). A read that returns less than it asked for ends it, as it
 * does a regular file: a file of another kind may be read in part. */
int nv_file_read_bounded_at(int dfd, const char *name, gsize max, char **ret, gsize *ret_len);

/* Whether the first @len bytes of a file, complete lines only (the last
 * one ends in a newline), are all that its reader needs. */
typedef gboolean (*NvFileEnoughFunc)(const char *text, gsize len, gpointer user_data);

/*
 * Reads @path as nv_file_read_bounded() does, but stops as soon as @enough
 * says that the complete lines read so far suffice: the file is read in
 * growing chunks (4 kB first), and @enough is asked after each chunk that
 * ends a line. @ret may hold more than those lines (the rest of the last
 * chunk). Returns 0 (read to the end, or enough), -errno, or -EFBIG when
 * @max bytes were not enough.
 */
int nv_file_read_until(const char *path, gsize max, NvFileEnoughFunc enough, gpointer user_data, char **ret,
                       gsize *ret_len);

/* The longest line nv_file_scan_lines() passes on whole. */
#define NV_FILE_LINE_MAX (16 * 1024)

/* One line (@len bytes, without its newline); FALSE stops the scan. */
typedef gboolean (*NvFileLineFunc)(const char *line, gsize len, gpointer user_data);

/*
 * Passes the lines of @path, in order, to @func through one buffer of
 * NV_FILE_LINE_MAX bytes, so that a long file costs no memory (a longer
 * line is passed on cut to that length). Returns 0 when the file was read
 * to its end, 1 when @func stopped the scan, -errno, or -EFBIG after @max
 * bytes (the lines before were passed on).
 */
int nv_file_scan_lines(const char *path, gsize max, NvFileLineFunc func, gpointer user_data);

/*
 * Reads the first line of @path into @ret without its newline, as
 * nv_file_read_bounded() reads a file: it stops at the first newline, so a
 * sysfs attribute costs one read(). Returns 0, -errno (then @ret is NULL),
 * or -EFBIG when the line is longer than @max bytes (then @ret holds its
 * first @max bytes).
 */
int nv_file_read_first_line(const char *path, gsize max, char **ret);

/*
 * The configuration file's errors below are NV_ERRNO_ERROR (nv-errno.h):
 * ELOOP for a symbolic link at the path, ENOTDIR for a directory that is
 * not one (or is a symlink), EMLINK for a file with more than one hard
 * link, EISDIR or EBADFD for something that is not a regular file (the
 * message says what it is), EFBIG beyond the size limit, EILSEQ for a file
 * holding a NUL byte, EIO for a written file that does not read back as
 * written, else the errno of the call that failed.
 */

/*
 * Reads @name in directory @dir. Refuses anything but a regular file with
 * a single link, of at most @max bytes, without NUL bytes: kmod reads each
 * line as a C string, so no edit of such a file could keep both its bytes
 * and what kmod reads. Other bytes, UTF-8 or not, are returned as they are.
 * A missing file or directory gives TRUE with *ret_contents = NULL.
 */
gboolean nv_file_read(const char *dir, const char *name, gsize max, char **ret_contents, gsize *ret_len,
                      GError **error);

/*
 * Replaces @name in @dir with @contents, mode 0644, so that a reader (or a
 * crash) sees either the old or the new file: a temporary file in the same
 * directory, fsync(), rename(), fsync() of the directory. The temporary
 * file is read back before the rename: unless it holds exactly the @len
 * bytes of @contents, nothing is replaced and the call fails. The directory is
 * created (0755) when missing; neither it nor @name may be a symlink, and
 * @name may not be a hard link to another file. Temporary files start with
 * '.' and do not end in ".conf", so kmod never reads one.
 */
gboolean nv_file_replace(const char *dir, const char *name, const char *contents, gsize len, GError **error);

/* Removes temporary files a crash left behind for @name in @dir. */
void nv_file_remove_stale_temporaries(const char *dir, const char *name);
