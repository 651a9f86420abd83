/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ReloadModule's work: load the vendor module with a new value of "nested",
 * or unload and load it again, without ever leaving a host that had KVM
 * without it. The checks read the host tree; the changes go through the
 * narrow kernel interface, so this runs unchanged on a simulated kernel.
 */
#pragma once

#include <glib.h>

#include "nv-host.h"
#include "nv-kernel.h"

#define NV_RELOAD_ERROR (nv_reload_error_quark())
GQuark nv_reload_error_quark(void);

typedef enum {
        /* Processes or the kernel hold the module; nothing was changed. */
        NV_RELOAD_ERROR_IN_USE,
        /* The module is built into the kernel: only the command line and a
         * reboot change "nested"; nothing was changed. */
        NV_RELOAD_ERROR_BUILTIN,
        /* Anything else. The message says whether the module is loaded, and
         * with which value, when it is no longer as it was. */
        NV_RELOAD_ERROR_FAILED,
} NvReloadError;

/*
 * Makes the running kernel's @module (the host's vendor module, any
 * '-'/'_' form) run with nested=1 (@nested) or nested=0: loads it when it
 * is not loaded, unloads and loads it when it is. Refuses (IN_USE) when its
 * reference count is above 0 or a process holds /dev/kvm or a VM, naming
 * them. When the load with the new value fails and the module was loaded
 * before, loads it back with its old value, and the error gives both
 * outcomes. Blocks while the kernel loads the module.
 *
 * Returns the new content of /sys/module/@module/parameters/nested without
 * its newline ("Y"/"N" for kvm_intel, "1"/"0" for kvm_amd), or NULL with
 * @error set. The host's state may have changed even on failure: callers
 * re-read it either way.
 */
char *nv_reload_module(NvKernel *kernel, NvHost *host, const char *module, gboolean nested, GError **error);
