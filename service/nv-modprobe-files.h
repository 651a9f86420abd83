/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which modprobe.d files kmod reads on a host tree: the directories of
 * nv_modprobe_dirs listed as they are now, merged by kmod's rules
 * (nv_modprobe_merge()). The I/O half of nv-modprobe.h, which stays pure.
 */
#pragma once

#include <glib.h>

#include "nv-modprobe.h"

/* The modprobe.d files kmod reads on the tree at @root, in the order it
 * reads them, as host paths ("/etc/modprobe.d/kvm.conf"); g_strfreev(). */
char **nv_modprobe_list_files(const char *root);
