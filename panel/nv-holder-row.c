/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "nv-holder-row.h"

struct _NvHolderRow {
        AdwActionRow parent_instance;
};

G_DEFINE_FINAL_TYPE(NvHolderRow, nv_holder_row, ADW_TYPE_ACTION_ROW)

static void nv_holder_row_class_init(NvHolderRowClass *klass)
{
        gtk_widget_class_set_template_from_resource(GTK_WIDGET_CLASS(klass),
                                                    "/org/example/NestedVirt/Settings/nv-holder-row.ui");
}

static void nv_holder_row_init(NvHolderRow *self)
{
        gtk_widget_init_template(GTK_WIDGET(self));
}

GtkWidget *nv_holder_row_new(guint32 pid, const char *command, const char *machine)
{
        NvHolderRow *self = g_object_new(NV_TYPE_HOLDER_ROW, NULL);
        g_autofree char *subtitle = NULL;

        /* Whoever started the process chose its command, and whoever
         * defined the machine its name: the template shows them as they
         * are, never as markup. */
        if (machine && *machine) {
                /* TRANSLATORS: "Virtual machine, process 4242 (qemu-system-x86)" */
                subtitle = g_strdup_printf(_("Virtual machine, process %u (%s)"), (guint)pid, command);
                adw_preferences_row_set_title(ADW_PREFERENCES_ROW(self), machine);
        } else {
                subtitle = g_strdup_printf(_("Process %u"), (guint)pid);
                adw_preferences_row_set_title(ADW_PREFERENCES_ROW(self), command);
        }
        adw_action_row_set_subtitle(ADW_ACTION_ROW(self), subtitle);
        return GTK_WIDGET(self);
}
