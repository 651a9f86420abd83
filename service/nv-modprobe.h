/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * modprobe.d as kmod reads it, as pure functions: which files count and in
 * which order, and what `options` lines in them say about one parameter.
 *
 * libkmod merges the same configuration, but it cannot say which file a
 * value came from, it reads /proc/cmdline at a fixed path and appends it,
 * and it cannot be pointed at another root for /proc; the daemon must name
 * the file that decides (PersistentSource) and must work on a re-rooted
 * tree, so this follows libkmod's rules (libkmod-config.c) itself.
 */
#pragma once

#include <glib.h>

/*
 * The configuration directories in precedence order, as kmod has them on
 * Debian: a file in an earlier directory hides a same-named file in a
 * later one. NULL-terminated.
 */
extern const char *const nv_modprobe_dirs[];

/* TRUE when kmod reads a directory entry of this name: it ends in ".conf",
 * has at least one character before that, and does not start with '.'. */
gboolean nv_modprobe_file_name_valid(const char *name);

/*
 * Merges directory listings into the files kmod reads, in the order it
 * reads them. @dirs are the directories in precedence order (as
 * nv_modprobe_dirs); @names[i] is a NULL-terminated list of the entry
 * names found in @dirs[i] (NULL for a missing directory). Names that
 * nv_modprobe_file_name_valid() rejects are dropped; of several files with
 * the same name only the one in the earliest directory is kept; the result
 * is sorted by file name (strcmp), not by directory. Returns a
 * NULL-terminated array of "DIR/NAME" paths (g_strfreev).
 */
char **nv_modprobe_merge(const char *const *dirs, const char *const *const *names);

typedef struct {
        guint line;         /* 1-based number of the physical line where the statement starts */
        gboolean has_value; /* FALSE for a bare "nested" without '=' */
        char *value;        /* the value, quotes removed; NULL when !has_value */
} NvModprobeOption;

void nv_modprobe_option_clear(NvModprobeOption *option);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(NvModprobeOption, nv_modprobe_option_clear)

/*
 * Finds what one modprobe.d file (@text, @len bytes, not necessarily
 * NUL-terminated) sets @param of @module to. Lines are read as kmod does: a
 * backslash before a newline joins the next line; a line whose first
 * character is '#' is a comment; the first word is the command, and only
 * "options MODULE OPTIONS..." matters here; module and parameter names
 * compare with '-' == '_'. OPTIONS are split like the kernel's parse_args:
 * words at whitespace, "PARAM=VALUE", double quotes around (part of) a value
 * protect spaces. The last setting in the file wins. Returns TRUE and fills
 * @ret when the file sets the parameter; FALSE otherwise (@ret untouched).
 */
gboolean nv_modprobe_find_option(const char *text, gsize len, const char *module, const char *param,
                                 NvModprobeOption *ret);

/*
 * Returns a copy of one modprobe.d file (@text, @len bytes; may be empty)
 * in which @module's @param is set to @value: every `options` statement for
 * @module (any '-'/'_' form) that sets @param gets exactly "@param=@value"
 * in place of that word, keeping its other options, the rest of the line,
 * the other lines and comments byte for byte; when no statement sets it,
 * "options @module @param=@value" is appended as a line of its own (after
 * a newline if the text does not end with one, and an empty line if its
 * last line ends in a continuing backslash). *ret_len gets the result's
 * length, which is what to write: @text may hold NUL bytes, and so does the
 * result then. *ret_changed tells whether
 * the result differs from @text, so a second identical call is a no-op.
 * *ret_line (optional) gets the 1-based line of the last statement that
 * now sets @param. Returns NULL when no such edit makes the file say what
 * was asked as modprobe reads it (a quote left open, or a bare "--",
 * before the place to change), and when a statement for @module leaves a
 * quote open (modprobe joins the statements, so it runs on into the next).
 */
char *nv_modprobe_set_option(const char *text, gsize len, const char *module, const char *param,
                             const char *value, gsize *ret_len, gboolean *ret_changed, guint *ret_line);
