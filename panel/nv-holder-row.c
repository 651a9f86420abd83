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

/* libvirt's word for a state, as people read it. */
static const char *state_text(const char *state)
{
        if (!state || g_str_equal(state, "running"))
                /* A process holds the module: it runs, whatever else libvirt
                 * says of it. */
                return _("Running");
        if (g_str_equal(state, "paused"))
                return _("Paused");
        if (g_str_equal(state, "idle"))
                return _("Idle");
        if (g_str_equal(state, "in shutdown"))
                return _("Shutting down");
        if (g_str_equal(state, "crashed"))
                return _("Crashed");
        if (g_str_equal(state, "pmsuspended"))
                return _("Suspended");
        return _("Running");
}

GtkWidget *nv_holder_row_new(guint32 pid, const char *command, const char *machine, const char *state)
{
        NvHolderRow *self = g_object_new(NV_TYPE_HOLDER_ROW, NULL);
        g_autofree char *subtitle = NULL;

        /* Whoever started the process chose its command, and whoever
         * defined the machine its name: the template shows them as they
         * are, never as markup. */
        if (machine && *machine) {
                adw_preferences_row_set_title(ADW_PREFERENCES_ROW(self), machine);
                adw_action_row_set_subtitle(ADW_ACTION_ROW(self), state_text(state));
        } else {
                /* TRANSLATORS: a program that is not a virtual machine but
                 * uses virtualization, "Program, process 4343" */
                subtitle = g_strdup_printf(_("Program, process %u"), (guint)pid);
                adw_preferences_row_set_title(ADW_PREFERENCES_ROW(self), command);
                adw_action_row_set_subtitle(ADW_ACTION_ROW(self), subtitle);
        }
        return GTK_WIDGET(self);
}
