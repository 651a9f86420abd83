/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "nv-settings-application.h"
#include "nv-settings-window.h"

#define APPLICATION_ID "org.example.NestedVirt.Settings"

struct _NvSettingsApplication {
        AdwApplication parent_instance;
};

G_DEFINE_FINAL_TYPE(NvSettingsApplication, nv_settings_application, ADW_TYPE_APPLICATION)

static void nv_settings_application_startup(GApplication *app)
{
        G_APPLICATION_CLASS(nv_settings_application_parent_class)->startup(app);
        /* In the primary instance only, once, as GLib wants it. */
        g_set_application_name(_("Nested Virtualization"));
}

static void nv_settings_application_activate(GApplication *app)
{
        GtkWindow *window = gtk_application_get_active_window(GTK_APPLICATION(app));

        if (!window)
                window = GTK_WINDOW(nv_settings_window_new(ADW_APPLICATION(app)));
        gtk_window_present(window);
}

static void nv_settings_application_class_init(NvSettingsApplicationClass *klass)
{
        GApplicationClass *application_class = G_APPLICATION_CLASS(klass);

        application_class->startup = nv_settings_application_startup;
        application_class->activate = nv_settings_application_activate;
}

static void nv_settings_application_init(NvSettingsApplication *self)
{
}

NvSettingsApplication *nv_settings_application_new(void)
{
        return g_object_new(NV_TYPE_SETTINGS_APPLICATION, "application-id", APPLICATION_ID, "flags",
                            G_APPLICATION_DEFAULT_FLAGS, NULL);
}
