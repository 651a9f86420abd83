/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ReloadModule's work: load the vendor module with a new value of "nested",
 * or unload and load it again, without ever leaving a host that had KVM
 * without it. In three steps, so that only the one that waits for the
 * kernel leaves the main loop:
 *
 *  - nv_reload_plan(): the checks, on facts just read off the host (in use,
 *    built in, being loaded); pure, nothing is changed.
 *  - nv_reload_swap(): the unload and load through the narrow kernel
 *    interface (nv-kernel.h); touches only the plan and the kernel, so it
 *    may run in a worker thread, and runs unchanged on a simulated kernel.
 *  - nv_reload_finish(): the outcome, from the facts read again after it.
 */
#pragma once

#include <glib.h>

#include "nv-host-facts.h"
#include "nv-kernel.h"
#include "nv-module-users.h"

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

/* What nv_reload_swap() is to do, decided by nv_reload_plan(). */
typedef struct {
        char *module;        /* the vendor module, '_' form */
        NvCpuVendor vendor;  /* how its "nested" value reads */
        gboolean nested;     /* the value asked for */
        gboolean was_loaded; /* unload first, and load back on failure */
        /* Set "nested" in the loaded module instead (ppc64's kvm_hv
         * declares it writable: book3s_hv.c, S_IRUGO | S_IWUSR); running
         * VMs keep what they have, new ones get the new value. */
        gboolean at_run_time;
        const char *old_option; /* what loads it back as it was; NULL: its configured options */
} NvReloadPlan;

void nv_reload_plan_clear(NvReloadPlan *plan);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(NvReloadPlan, nv_reload_plan_clear)

/*
 * Decides how to make the running kernel's @module (the host's vendor
 * module, any '-'/'_' form) run with nested=1 (@nested) or nested=0: load
 * it when it is not loaded, unload and load it when it is (on ppc64, set
 * kvm_hv's writable parameter instead, which VMs do not prevent). @facts must be
 * fresh (read with the module cache invalidated): a VM may have started
 * since the last status read. Refuses (IN_USE) when its reference count is
 * above 0 or one of @holders (NvModuleUser: the processes holding /dev/kvm
 * or a VM, from a scan made since the call came) holds it, naming them;
 * @holders is NULL when they are unknown, and @holders_unknown then says
 * why. BUILTIN for a built-in module. Fills @ret (zeroed) on success.
 */
gboolean nv_reload_plan(const NvHostFacts *facts, const char *module, gboolean nested, const GArray *holders,
                        const char *holders_unknown, NvReloadPlan *ret, GError **error);

/*
 * Carries out @plan. When the load with the new value fails and the module
 * was loaded before, loads it back with its old value, and the error gives
 * both outcomes. Blocks while the kernel loads the module. The host's
 * state may have changed even on failure: callers read it again either way.
 */
gboolean nv_reload_swap(NvKernel *kernel, const NvReloadPlan *plan, GError **error);

/*
 * The value of "nested" the module now runs with, from @facts read after
 * a successful nv_reload_swap() ("Y"/"N" for kvm_intel, "1"/"0" for
 * kvm_amd), or NULL with @error set when the kernel does not say.
 */
char *nv_reload_finish(const NvReloadPlan *plan, const NvHostFacts *facts, GError **error);
