/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where a module stands in the running kernel, from facts the caller read
 * (see nv-module-availability.h). Pure: unit-tested alone.
 */
#include "config.h"

#include "nv-module-availability.h"

NvModuleAvailability nv_module_availability(const NvModuleAvailabilityFacts *facts)
{
        g_return_val_if_fail(facts != NULL, NV_MODULE_AVAILABILITY_UNKNOWN);

        switch (facts->sysfs_state) {
        case NV_MODULE_STATE_BUILTIN:
                return NV_MODULE_AVAILABILITY_BUILTIN;
        case NV_MODULE_STATE_LIVE:
                return NV_MODULE_AVAILABILITY_LOADED;
        case NV_MODULE_STATE_COMING:
        case NV_MODULE_STATE_GOING:
                return NV_MODULE_AVAILABILITY_LOADABLE;
        case NV_MODULE_STATE_UNKNOWN:
                return NV_MODULE_AVAILABILITY_UNKNOWN;
        case NV_MODULE_STATE_ABSENT:
                break;
        }

        /* No /proc/modules: init_module() does not exist in this kernel,
         * so a file in /lib/modules (left from another kernel, or for
         * this version built another way) cannot help. */
        if (!facts->kernel_loads_modules)
                return NV_MODULE_AVAILABILITY_NO_MODULE_LOADING;
        return facts->in_modules_dep && facts->module_file_exists ? NV_MODULE_AVAILABILITY_LOADABLE
                                                                  : NV_MODULE_AVAILABILITY_ABSENT;
}

const char *nv_module_availability_to_string(NvModuleAvailability availability)
{
        switch (availability) {
        case NV_MODULE_AVAILABILITY_LOADED:
                return "loaded";
        case NV_MODULE_AVAILABILITY_LOADABLE:
                return "loadable";
        case NV_MODULE_AVAILABILITY_BUILTIN:
                return "builtin";
        case NV_MODULE_AVAILABILITY_ABSENT:
                return "absent";
        case NV_MODULE_AVAILABILITY_NO_MODULE_LOADING:
                return "no-module-loading";
        case NV_MODULE_AVAILABILITY_UNKNOWN:
                return "unknown";
        }
        g_return_val_if_reached(NULL);
}

char *nv_module_availability_describe(NvModuleAvailability availability, const char *module)
{
        g_return_val_if_fail(module != NULL, NULL);

        switch (availability) {
        case NV_MODULE_AVAILABILITY_LOADED:
                return g_strdup_printf("%s is loaded", module);
        case NV_MODULE_AVAILABILITY_LOADABLE:
                return g_strdup_printf("%s is not loaded; the running kernel has it as a module", module);
        case NV_MODULE_AVAILABILITY_BUILTIN:
                return g_strdup_printf("%s is built into the kernel: its parameters come from the kernel "
                                       "command line, never from modprobe.d",
                                       module);
        case NV_MODULE_AVAILABILITY_ABSENT:
                return g_strdup_printf("%s is not in the running kernel, neither built in nor as a module "
                                       "file for it",
                                       module);
        case NV_MODULE_AVAILABILITY_NO_MODULE_LOADING:
                return g_strdup_printf("%s is not built into the running kernel, which cannot load modules "
                                       "(no /proc/modules: CONFIG_MODULES is off)",
                                       module);
        case NV_MODULE_AVAILABILITY_UNKNOWN:
                return g_strdup_printf("the state of %s in /sys/module is not understood", module);
        }
        g_return_val_if_reached(NULL);
}
