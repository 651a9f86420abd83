/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The processes holding /dev/kvm, from ListModuleUsers(): asked for by
 * status when the vendor module is in use, and by enable --now before it
 * writes anything. Their names are chosen by whoever runs them, so they
 * are shown escaped (nvctl_escape()).
 */
#pragma once

#include "nv-module-users.h"
#include "nvctl-common.h"

/* Calls ListModuleUsers() and reads its reply into @ret_users
 * (NvModuleUser) and @ret_unexamined. Reports nothing: a negative errno,
 * with @error filled for a D-Bus error. */
int nvctl_module_users_fetch(sd_bus *bus, sd_bus_error *error, GArray **ret_users, guint32 *ret_unexamined);

/* "virtual machine web1 (process 4242)" or "4300 (qemu-img)", escaped. */
char *nvctl_module_user_text(const NvModuleUser *user);

/* The holders, one per line (@separator between them), escaped; what the
 * scan could not look at is said, and so is "none found". */
char *nvctl_module_users_text(const GArray *users, guint32 unexamined, const char *separator);
