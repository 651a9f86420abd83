/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The status's values, and the holders of /dev/kvm, in their D-Bus types
 * (nv-status-bus.h).
 */
#include "config.h"

#include "nv-status-bus.h"

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

/* D-Bus strings must be UTF-8: a process names itself with any bytes. */
static int append_valid(sd_bus_message *m, const char *s)
{
        g_autofree char *valid = g_utf8_make_valid(s ? s : "", -1);

        return sd_bus_message_append(m, "s", valid);
}

int nv_module_users_append(sd_bus_message *m, const GArray *users, guint n_unexamined)
{
        int r;

        r = sd_bus_message_open_container(m, 'a', "(uuss)");
        for (guint i = 0; r >= 0 && users && i < users->len; i++) {
                const NvModuleUser *u = &g_array_index(users, NvModuleUser, i);

                r = sd_bus_message_open_container(m, 'r', "uuss");
                if (r >= 0)
                        r = sd_bus_message_append(m, "uu", u->pid, u->uid);
                if (r >= 0)
                        r = append_valid(m, u->command);
                if (r >= 0)
                        r = append_valid(m, u->machine);
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_append(m, "u", n_unexamined);
        return r;
}
