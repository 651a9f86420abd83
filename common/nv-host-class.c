/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "nv-host-class.h"

static const char *const host_class_names[] = {
        [NV_HOST_ARM64_COMMAND_LINE] = "arm64-command-line",
        [NV_HOST_UNSUPPORTED] = "unsupported",
        [NV_HOST_PVM] = "pvm",
        [NV_HOST_CONTAINER] = "container",
        [NV_HOST_MODULE_ABSENT] = "module-absent",
        [NV_HOST_NO_MODULE_LOADING] = "no-module-loading",
        [NV_HOST_NO_HARDWARE_VIRTUALIZATION] = "no-hardware-virtualization",
        [NV_HOST_MODULE_BUILTIN] = "module-builtin",
        [NV_HOST_COMMAND_LINE] = "command-line",
        [NV_HOST_MODULE] = "module",
        [NV_HOST_UNKNOWN] = "unknown",
};

const char *nv_host_class_to_string(NvHostClass host_class)
{
        g_return_val_if_fail((gsize)host_class < G_N_ELEMENTS(host_class_names), "unknown");
        return host_class_names[host_class];
}

NvHostClass nv_host_class_from_string(const char *s)
{
        for (gsize i = 0; s && i < G_N_ELEMENTS(host_class_names); i++)
                if (g_str_equal(s, host_class_names[i]))
                        return (NvHostClass)i;
        return NV_HOST_UNKNOWN;
}

gboolean nv_host_class_refuses_changes(NvHostClass host_class)
{
        switch (host_class) {
        case NV_HOST_ARM64_COMMAND_LINE:
        case NV_HOST_UNSUPPORTED:
        case NV_HOST_PVM:
        case NV_HOST_CONTAINER:
        case NV_HOST_MODULE_ABSENT:
        case NV_HOST_NO_MODULE_LOADING:
                return TRUE;
        case NV_HOST_NO_HARDWARE_VIRTUALIZATION:
        case NV_HOST_MODULE_BUILTIN:
        case NV_HOST_COMMAND_LINE:
        case NV_HOST_MODULE:
        case NV_HOST_UNKNOWN:
                return FALSE;
        }
        g_assert_not_reached();
}
