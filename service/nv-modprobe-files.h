/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which modprobe.d files kmod reads on a host tree: the directories of
 * nv_modprobe_dirs listed as they are now, merged by kmod's rules
 * (nv_modprobe_merge()); and what they set for one module, read by a
 * thread and the thread that waits for it together. The I/O half of
 * nv-modprobe.h, which stays pure.
 */
#pragma once

#include <glib.h>

#include "nv-modprobe.h"

/* The modprobe.d files kmod reads on the tree at @root, in the order it
 * reads them, as host paths ("/etc/modprobe.d/kvm.conf"); g_strfreev(). */
char **nv_modprobe_list_files(const char *root);

/* One file of modprobe.d as read for a module: its setting of the module's
 * "nested", not its text, so that hundreds of files read in a thread leave
 * no memory behind in that thread's malloc arena. */
typedef struct {
        char *source; /* as the host names it: "/etc/modprobe.d/kvm.conf" */
        char *path;   /* below the root */
        int r;        /* of nv_file_read_bounded(): 0, -errno or -EFBIG */
        gboolean found;
        NvModprobeOption option;
        /* s390's kvm only: its "hpage", which excludes nesting. */
        gboolean hpage_found;
        NvModprobeOption hpage_option;
} NvModprobeFile;

/* The largest modprobe.d file read whole; a longer one is -EFBIG. */
#define NV_MODPROBE_FILE_MAX (4 * 1024 * 1024)

/* Reads the files @names (nv_modprobe_list_files()) below @root for
 * @module's settings, in their order: a GPtrArray of NvModprobeFile, which
 * frees them. I/O and pure parsing only, no warning. */
GPtrArray *nv_modprobe_read_files(const char *root, const char *module, char *const *names);

/* The same read, started in a thread (where none can be made, it all
 * happens in nv_modprobe_read_finish()); takes @names. */
typedef struct NvModprobeRead NvModprobeRead;
NvModprobeRead *nv_modprobe_read_start(const char *root, const char *module, char **names);

/* The files read: the caller reads those the thread has not begun, then
 * joins it. Frees @read. */
GPtrArray *nv_modprobe_read_finish(NvModprobeRead *read);

/* Stops the thread at its next file, joins it and drops what it read. */
void nv_modprobe_read_cancel(NvModprobeRead *read);
