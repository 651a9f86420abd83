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

/* @machine: the name of the virtual machine that process @pid runs (as
 * its user gave it), or NULL or "" when it is not one (or nobody knows);
 * @state: that machine's state as libvirt says it ("running", "paused"),
 * NULL when libvirt does not know it. A virtual machine shows by its name
 * and state, another process by its command. */
GtkWidget *nv_holder_row_new(guint32 pid, const char *command, const char *machine, const char *state);

G_END_DECLS
