/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A process that holds the KVM vendor module open, as a person knows it:
 * a virtual machine by its name, anything else by its command.
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define NV_TYPE_HOLDER_ROW (nv_holder_row_get_type())
G_DECLARE_FINAL_TYPE(NvHolderRow, nv_holder_row, NV, HOLDER_ROW, AdwActionRow)

/* @machine: the libvirt name of the virtual machine that process @pid
 * runs, or NULL or "" when it is not one (or nobody knows). */
GtkWidget *nv_holder_row_new(guint32 pid, const char *command, const char *machine);

G_END_DECLS
