/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Who holds /dev/kvm: the processes with a descriptor on /dev/kvm, on a
 * VM or on a vCPU (ModuleUsers). Finding them means reading every
 * process's /proc/PID/fd, whose cost grows with the number of descriptors
 * on the host: the daemon runs it off its main loop, at most once per
 * NV_KVM_USERS_MAX_AGE_USEC whatever the number of callers, and never more
 * than a tenth of the time (nv-daemon.c).
 * Thread-safe: nothing here touches more than its arguments.
 */
#pragma once

#include <glib.h>

#include "nv-properties.h"

/* How old the holders a status may report are: a flood of status calls
 * costs at most one scan per this much time. */
#define NV_KVM_USERS_MAX_AGE_USEC (1 * G_USEC_PER_SEC)
/* Where a scan takes longer than a tenth of that, the period is this many
 * times the last scan's duration instead. */
#define NV_KVM_USERS_DUTY 10

/* Scans @proc_dir (the host's /proc, below the daemon's root) and returns
 * the holders (NvModuleUser, sorted by pid), or NULL with @error set when
 * @proc_dir cannot be listed. A process that ends during the scan, or whose
 * descriptors cannot be read, is left out. */
GArray *nv_kvm_users_scan(const char *proc_dir, GError **error);
