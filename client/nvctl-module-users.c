/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "nvctl-module-users.h"

int nvctl_module_users_fetch(sd_bus *bus, sd_bus_error *error, GArray **ret_users, guint32 *ret_unexamined)
{
        g_autoptr(sd_bus_message) reply = NULL;
        g_autoptr(GArray) users = nv_module_users_new();
        NvModuleUser user = { 0 };
        const char *command, *machine;
        int r;

        r = nvctl_call_quietly(bus, "ListModuleUsers", 0, "a(uuss)u", error, &reply);
        if (r >= 0)
                r = sd_bus_message_enter_container(reply, 'a', "(uuss)");
        while (r >= 0 &&
               (r = sd_bus_message_read(reply, "(uuss)", &user.pid, &user.uid, &command, &machine)) > 0) {
                user.command = g_strdup(command);
                user.machine = g_strdup(machine);
                g_array_append_val(users, user);
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(reply);
        if (r >= 0)
                r = sd_bus_message_read(reply, "u", ret_unexamined);
        if (r < 0)
                return r;
        *ret_users = g_steal_pointer(&users);
        return 0;
}

char *nvctl_module_user_text(const NvModuleUser *user)
{
        g_autofree char *command = nvctl_escape(user->command && *user->command ? user->command : "?");

        if (user->machine && *user->machine) {
                g_autofree char *machine = nvctl_escape(user->machine);

                return g_strdup_printf("virtual machine %s (process %" G_GUINT32_FORMAT ", %s)", machine,
                                       user->pid, command);
        }
        return g_strdup_printf("%" G_GUINT32_FORMAT " (%s)", user->pid, command);
}

char *nvctl_module_users_text(const GArray *users, guint32 unexamined, const char *separator)
{
        g_autoptr(GString) text = g_string_new(NULL);

        for (guint i = 0; i < users->len; i++) {
                g_autofree char *one = nvctl_module_user_text(&g_array_index(users, NvModuleUser, i));

                g_string_append_printf(text, "%s%s", i > 0 ? separator : "", one);
        }
        if (users->len == 0)
                g_string_append(text, unexamined > 0 ? "none found" : "none");
        if (unexamined > 0)
                g_string_append_printf(text, "%s(%" G_GUINT32_FORMAT " processes could not be examined)",
                                       separator, unexamined);
        return g_string_free(g_steal_pointer(&text), FALSE);
}
