/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The status's values in their D-Bus types (nv-status-bus.h).
 */
#include "config.h"

#include "nv-status-bus.h"

static int append_users(sd_bus_message *m, const GArray *users)
{
        int r;

        r = sd_bus_message_open_container(m, 'a', "(us)");
        if (r < 0)
                return r;
        for (guint i = 0; users && i < users->len; i++) {
                const NvModuleUser *u = &g_array_index(users, NvModuleUser, i);

                r = sd_bus_message_append(m, "(us)", u->pid, u->command ? u->command : "");
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(m);
}

int nv_status_append_value(sd_bus_message *m, const NvPropertyInfo *info, const NvStatus *status)
{
        const void *slot = NV_PROPERTY_SLOT(status, info);

        switch (info->type) {
        case NV_PROPERTY_STRING: {
                const char *s = *(char *const *)slot;

                return sd_bus_message_append(m, "s", s ? s : "");
        }
        case NV_PROPERTY_BOOLEAN:
                return sd_bus_message_append(m, "b", *(const int *)slot);
        case NV_PROPERTY_USERS:
                return append_users(m, *(GArray *const *)slot);
        default:
                g_assert_not_reached();
        }
}

int nv_status_append_all(sd_bus_message *m, const NvStatus *status)
{
        int r;

        r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        for (size_t i = 0; i < nv_n_properties; i++) {
                const NvPropertyInfo *info = &nv_property_info[i];

                r = sd_bus_message_open_container(m, 'e', "sv");
                if (r >= 0)
                        r = sd_bus_message_append(m, "s", info->name);
                if (r >= 0)
                        r = sd_bus_message_open_container(m, 'v', info->signature);
                if (r >= 0)
                        r = nv_status_append_value(m, info, status);
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(m);
}
