/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "nv-module-users.h"

static void module_user_clear(gpointer data)
{
        NvModuleUser *user = data;

        g_clear_pointer(&user->command, g_free);
        g_clear_pointer(&user->machine, g_free);
}

GArray *nv_module_users_new(void)
{
        GArray *users = g_array_new(FALSE, TRUE, sizeof(NvModuleUser));

        g_array_set_clear_func(users, module_user_clear);
        return users;
}

GArray *nv_module_users_from_variant(GVariant *reply, guint32 *ret_unexamined)
{
        g_autoptr(GVariantIter) iter = NULL;
        GArray *users;
        NvModuleUser user = { 0 };
        guint32 unexamined = 0;

        if (!g_variant_is_of_type(reply, G_VARIANT_TYPE(NV_MODULE_USERS_SIGNATURE)))
                return NULL;
        g_variant_get(reply, "(a(uuss)u)", &iter, &unexamined);
        users = nv_module_users_new();
        while (g_variant_iter_next(iter, "(uuss)", &user.pid, &user.uid, &user.command, &user.machine))
                g_array_append_val(users, user);
        if (ret_unexamined)
                *ret_unexamined = unexamined;
        return users;
}
