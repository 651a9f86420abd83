/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "nv-domain-row.h"

/* The modes ConfigureDomain() accepts, libvirt's words. */
static const char *const cpu_modes[] = { "host-model", "host-passthrough" };

struct _NvDomainRow {
        AdwActionRow parent_instance;

        GtkDropDown *mode_dropdown;

        char *uuid;
        char *state;
        char *mode;
        guint first_mode;      /* index of cpu_modes[0] in the drop-down */
        gboolean showing_mode; /* the drop-down is set to the domain's mode */
};

G_DEFINE_FINAL_TYPE(NvDomainRow, nv_domain_row, ADW_TYPE_ACTION_ROW)

enum {
        SIGNAL_MODE_SELECTED,
        N_SIGNALS,
};

static guint signals[N_SIGNALS];

static void on_mode_selected(GtkDropDown *dropdown, GParamSpec *pspec, NvDomainRow *self)
{
        guint selected = gtk_drop_down_get_selected(dropdown);

        /* Showing the domain's mode is not the user choosing one. */
        if (self->showing_mode)
                return;
        /* The mode the service cannot set is only shown. */
        if (selected < self->first_mode || selected - self->first_mode >= G_N_ELEMENTS(cpu_modes))
                return;
        if (g_strcmp0(cpu_modes[selected - self->first_mode], self->mode) == 0)
                return;
        g_signal_emit(self, signals[SIGNAL_MODE_SELECTED], 0, cpu_modes[selected - self->first_mode]);
}

static void nv_domain_row_finalize(GObject *object)
{
        NvDomainRow *self = NV_DOMAIN_ROW(object);

        g_free(self->uuid);
        g_free(self->state);
        g_free(self->mode);
        G_OBJECT_CLASS(nv_domain_row_parent_class)->finalize(object);
}

static void nv_domain_row_class_init(NvDomainRowClass *klass)
{
        GObjectClass *object_class = G_OBJECT_CLASS(klass);
        GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

        object_class->finalize = nv_domain_row_finalize;

        /**
         * NvDomainRow::mode-selected:
         * @mode: the CPU mode the user chose, one ConfigureDomain() sets
         *
         * The drop-down keeps showing @mode; the domain's list, read
         * again after the call, says whether the service set it.
         */
        signals[SIGNAL_MODE_SELECTED] =
                g_signal_new("mode-selected", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                             NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

        gtk_widget_class_set_template_from_resource(widget_class,
                                                    "/org/example/NestedVirt/Settings/nv-domain-row.ui");
        gtk_widget_class_bind_template_child(widget_class, NvDomainRow, mode_dropdown);
        gtk_widget_class_bind_template_callback(widget_class, on_mode_selected);
}

static void nv_domain_row_init(NvDomainRow *self)
{
        gtk_widget_init_template(GTK_WIDGET(self));
}

static void show_subtitle(NvDomainRow *self, gboolean restart_due)
{
        g_autofree char *subtitle = NULL;

        if (restart_due)
                /* TRANSLATORS: "running · applies after the guest is powered off" */
                subtitle = g_strdup_printf(_("%s · applies after the guest is powered off"), self->state);
        adw_action_row_set_subtitle(ADW_ACTION_ROW(self), subtitle ? subtitle : self->state);
}

GtkWidget *nv_domain_row_new(const char *name, const char *uuid, const char *state, const char *mode)
{
        NvDomainRow *self = g_object_new(NV_TYPE_DOMAIN_ROW, NULL);
        g_autoptr(GtkStringList) modes = gtk_string_list_new(NULL);
        g_autofree char *label = NULL;
        guint selected = 0;

        self->uuid = g_strdup(uuid);
        self->state = g_strdup(state);
        self->mode = g_strdup(mode);

        /* A mode the service cannot set is shown as it is, first. */
        if (!g_strv_contains(cpu_modes, mode)) {
                gtk_string_list_append(modes, *mode ? mode : _("default"));
                self->first_mode = 1;
        }
        for (guint i = 0; i < G_N_ELEMENTS(cpu_modes); i++) {
                gtk_string_list_append(modes, cpu_modes[i]);
                if (g_str_equal(mode, cpu_modes[i]))
                        selected = self->first_mode + i;
        }
        self->showing_mode = TRUE;
        gtk_drop_down_set_model(self->mode_dropdown, G_LIST_MODEL(modes));
        gtk_drop_down_set_selected(self->mode_dropdown, selected);
        self->showing_mode = FALSE;

        /* The name is the guest's owner's choice: the template shows it
         * as plain text, and so do a label and a tooltip. */
        adw_preferences_row_set_title(ADW_PREFERENCES_ROW(self), name);
        label = g_strdup_printf(_("CPU mode of %s"), name);
        gtk_accessible_update_property(GTK_ACCESSIBLE(self->mode_dropdown), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       label, -1);
        gtk_widget_set_tooltip_text(GTK_WIDGET(self->mode_dropdown), label);
        show_subtitle(self, FALSE);
        return GTK_WIDGET(self);
}

const char *nv_domain_row_get_uuid(NvDomainRow *self)
{
        g_return_val_if_fail(NV_IS_DOMAIN_ROW(self), NULL);
        return self->uuid;
}

void nv_domain_row_set_restart_due(NvDomainRow *self, gboolean restart_due)
{
        g_return_if_fail(NV_IS_DOMAIN_ROW(self));
        show_subtitle(self, restart_due);
}
