/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nestedvirt-settings: a settings app for KVM nested virtualization, a
 * client of nestedvirtd's D-Bus API (see nv-settings-window.c). One
 * instance per session: starting it again raises the window.
 *
 * For tests and documentation only: with NV_SETTINGS_SCREENSHOT_DIR set,
 * the application has an action "screenshot" (parameter "(sii)": a file
 * name in that directory, a width and a height, 0 to keep the size), which
 * GApplication exports on the session bus like every application action,
 * so that the window can be pictured without any capture tool.
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <locale.h>

#include "nv-settings-window.h"

#define APPLICATION_ID "org.example.NestedVirt.Settings"

static void on_activate(GApplication *app, gpointer user_data)
{
        GtkWindow *window = gtk_application_get_active_window(GTK_APPLICATION(app));

        if (!window)
                window = GTK_WINDOW(nv_settings_window_new(ADW_APPLICATION(app)));
        gtk_window_present(window);
}

static void on_screenshot(GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
        GtkApplication *app = user_data;
        GtkWindow *window = gtk_application_get_active_window(app);
        const char *name;
        int width, height;
        g_autofree char *path = NULL;

        g_variant_get(parameter, "(&sii)", &name, &width, &height);
        /* A name, not a path: the directory is the environment's. */
        if (!window || !*name || strchr(name, '/'))
                return;
        path = g_build_filename(g_getenv("NV_SETTINGS_SCREENSHOT_DIR"), name, NULL);
        nv_settings_window_save_screenshot(NV_SETTINGS_WINDOW(window), path, width, height);
}

int main(int argc, char **argv)
{
        g_autoptr(AdwApplication) app = NULL;

        setlocale(LC_ALL, "");
        bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
        bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
        textdomain(GETTEXT_PACKAGE);

        g_set_application_name(_("Nested Virtualization"));
        app = adw_application_new(APPLICATION_ID, G_APPLICATION_DEFAULT_FLAGS);
        g_signal_connect(app, "activate", G_CALLBACK(on_activate), NULL);

        if (g_getenv("NV_SETTINGS_SCREENSHOT_DIR")) {
                g_autoptr(GSimpleAction) action = g_simple_action_new("screenshot", G_VARIANT_TYPE("(sii)"));

                g_signal_connect(action, "activate", G_CALLBACK(on_screenshot), app);
                g_action_map_add_action(G_ACTION_MAP(app), G_ACTION(action));
        }

        return g_application_run(G_APPLICATION(app), argc, argv);
}
