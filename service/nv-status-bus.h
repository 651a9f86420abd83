/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The status on the wire: each property's value in the D-Bus type of its
 * line in NV_PROPERTIES(), and GetStatus()'s a{sv} of them all, in the
 * table's order. Nothing here knows a property by name. And
 * ListModuleUsers()'s reply.
 */
#pragma once

#include <systemd/sd-bus.h>

#include "nv-module-users.h"
#include "nv-status.h"

/* Appends the value of @info in @status to @m, in @info's signature. */
int nv_status_append_value(sd_bus_message *m, const NvPropertyInfo *info, const NvStatus *status);

/* Appends @status to @m as an a{sv}: name -> variant, every property. */
int nv_status_append_all(sd_bus_message *m, const NvStatus *status);

/* Appends ListModuleUsers()'s reply (NV_MODULE_USERS_SIGNATURE): @users
 * (NvModuleUser), each string made valid UTF-8, and @n_unexamined. */
int nv_module_users_append(sd_bus_message *m, const GArray *users, guint n_unexamined);
