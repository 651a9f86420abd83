/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where a module stands in the running kernel, as one word a person can
 * act on: loaded, loadable (a file of it exists for this kernel), built
 * in, absent from this kernel, or unloadable because this kernel loads no
 * modules at all (CONFIG_MODULES off). A pure function of facts the caller
 * reads: /sys/module/NAME (nv_module_state_from_sysfs()), whether
 * /proc/modules exists, whether modules.dep of the running kernel has an
 * entry for it (nv_modules_dep_find()) and whether the file named there
 * exists.
 *
 * Coherent with the status booleans built from the same NvModuleState:
 * VendorModuleBuiltin is true exactly for NV_MODULE_AVAILABILITY_BUILTIN,
 * VendorModuleLoaded exactly for LOADED and BUILTIN.
 */
#pragma once

#include <glib.h>

#include "nv-kernel-param.h"

typedef enum {
        NV_MODULE_AVAILABILITY_LOADED,            /* a loadable module, loaded (live) */
        NV_MODULE_AVAILABILITY_LOADABLE,          /* not loaded; modprobe can load it */
        NV_MODULE_AVAILABILITY_BUILTIN,           /* compiled into the kernel */
        NV_MODULE_AVAILABILITY_ABSENT,            /* neither built in nor a file for this kernel */
        NV_MODULE_AVAILABILITY_NO_MODULE_LOADING, /* not built in, and the kernel loads no modules */
        NV_MODULE_AVAILABILITY_UNKNOWN,           /* sysfs said something we do not understand */
} NvModuleAvailability;

typedef struct {
        /* nv_module_state_from_sysfs() of /sys/module/NAME and modules.builtin. */
        NvModuleState sysfs_state;
        /* /proc/modules exists: the kernel has CONFIG_MODULES. */
        gboolean kernel_loads_modules;
        /* modules.dep of the running kernel (/lib/modules/$(uname -r))
         * has an entry for the module; FALSE also when there is no
         * modules.dep, since then modprobe finds nothing either. */
        gboolean in_modules_dep;
        /* The file that entry names exists. modules.dep keeps naming a
         * file that was removed or moved away until depmod runs again,
         * and modprobe then fails ("not found in directory"). */
        gboolean module_file_exists;
} NvModuleAvailabilityFacts;

/*
 * Built in wins (the kernel has it whatever the module tree says); a
 * live module is loaded; one being loaded or unloaded (coming, going) is
 * loadable, since it is not usable yet or any more and its file exists;
 * otherwise a kernel without /proc/modules cannot load it whatever files
 * exist; else it is loadable only when modules.dep names a file of it and
 * that file exists, and absent otherwise.
 */
NvModuleAvailability nv_module_availability(const NvModuleAvailabilityFacts *facts);

/* "loaded", "loadable", "builtin", "absent", "no-module-loading",
 * "unknown": the values of the VendorModuleState property. */
const char *nv_module_availability_to_string(NvModuleAvailability availability);

/* A sentence for people about @module in that state, without a final
 * period: "kvm_amd is not in this kernel, and no file of it exists for
 * the running kernel", ... */
char *nv_module_availability_describe(NvModuleAvailability availability, const char *module);
