/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "nv-settings-application.h"
#include "nv-settings-window.h"

#define APPLICATION_ID "org.example.NestedVirt.Settings"
/* The project's links, as the metainfo gives them. */
#define NV_HOMEPAGE_URL "https://nestedvirt.example.org/"
#define NV_ISSUES_URL   "https://nestedvirt.example.org/issues"

struct _NvSettingsApplication {
        AdwApplication parent_instance;
};

G_DEFINE_FINAL_TYPE(NvSettingsApplication, nv_settings_application, ADW_TYPE_APPLICATION)

static void on_about(GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
        GtkApplication *app = user_data;
        static const char *const developers[] = { "The nestedvirt developers", NULL };
        GtkWidget *about = adw_about_window_new();

        adw_about_window_set_application_name(ADW_ABOUT_WINDOW(about), _("Nested Virtualization"));
        adw_about_window_set_application_icon(ADW_ABOUT_WINDOW(about), APPLICATION_ID);
        adw_about_window_set_version(ADW_ABOUT_WINDOW(about), PACKAGE_VERSION);
        adw_about_window_set_developer_name(ADW_ABOUT_WINDOW(about), _("The nestedvirt developers"));
        adw_about_window_set_developers(ADW_ABOUT_WINDOW(about), (const char **)developers);
        adw_about_window_set_license_type(ADW_ABOUT_WINDOW(about), GTK_LICENSE_LGPL_2_1);
        adw_about_window_set_website(ADW_ABOUT_WINDOW(about), NV_HOMEPAGE_URL);
        adw_about_window_set_issue_url(ADW_ABOUT_WINDOW(about), NV_ISSUES_URL);
        adw_about_window_set_comments(ADW_ABOUT_WINDOW(about),
                                      _("Check and turn on nested virtualization: virtual machines that run "
                                        "virtual machines of their own."));
        gtk_window_set_title(GTK_WINDOW(about), _("About Nested Virtualization"));
        gtk_window_set_transient_for(GTK_WINDOW(about), gtk_application_get_active_window(app));
        /* Its shortcuts too (Ctrl+W closes it). */
        gtk_window_set_application(GTK_WINDOW(about), app);
        gtk_window_present(GTK_WINDOW(about));
}

static void on_quit(GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
        g_application_quit(G_APPLICATION(user_data));
}

static void nv_settings_application_startup(GApplication *app)
{
        static const GActionEntry actions[] = {
                { "about", on_about, NULL, NULL, NULL, { 0 } },
                { "quit", on_quit, NULL, NULL, NULL, { 0 } },
        };
        static const char *const quit_accels[] = { "<Control>q", NULL };
        static const char *const close_accels[] = { "<Control>w", NULL };

        G_APPLICATION_CLASS(nv_settings_application_parent_class)->startup(app);
        /* In the primary instance only, once, as GLib wants it. */
        g_set_application_name(_("Nested Virtualization"));
        g_action_map_add_action_entries(G_ACTION_MAP(app), actions, G_N_ELEMENTS(actions), app);
        gtk_application_set_accels_for_action(GTK_APPLICATION(app), "app.quit", quit_accels);
        /* GtkWindow's own action. */
        gtk_application_set_accels_for_action(GTK_APPLICATION(app), "window.close", close_accels);
}

/* --version, answered in the process that was started, without a
 * display. */
static int nv_settings_application_handle_local_options(GApplication *app, GVariantDict *options)
{
        if (g_variant_dict_contains(options, "version")) {
                g_print("nestedvirt-settings %s\n", PACKAGE_VERSION);
                return 0;
        }
        return -1;
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
        application_class->handle_local_options = nv_settings_application_handle_local_options;
        application_class->activate = nv_settings_application_activate;
}

static void nv_settings_application_init(NvSettingsApplication *self)
{
        static const GOptionEntry entries[] = {
                { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Show the version"), NULL },
                { NULL, 0, 0, 0, NULL, NULL, NULL },
        };

        g_application_add_main_option_entries(G_APPLICATION(self), entries);
}

NvSettingsApplication *nv_settings_application_new(void)
{
        return g_object_new(NV_TYPE_SETTINGS_APPLICATION, "application-id", APPLICATION_ID, "flags",
                            G_APPLICATION_DEFAULT_FLAGS, NULL);
}
