/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nestedvirt-settings as test-panel.c runs it: the application and window
 * of the installed program (the same objects, from the same static
 * library), plus an action the installed program does not have,
 * "screenshot" (parameter "(sii)": a file name in $NV_SETTINGS_SCREENSHOT_DIR,
 * a width and a height, 0 to keep the size). GApplication exports it on
 * the session bus like every application action, so that the test can
 * have the window picture itself without any capture tool.
 *
 * Translations are not set up: the test reads the window in C.UTF-8.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "nv-settings-application.h"

/* --- Rendering the window ------------------------------------------------ */

typedef struct {
        GtkWindow *window;
        char *path;
        gulong handler;
} Screenshot;

/* Renders what @window shows with its own renderer; the file appears
 * complete (written under a temporary name, then renamed), since the
 * test waits for it to exist. */
static void screenshot_save(GtkWindow *window, const char *path)
{
        GtkWidget *widget = GTK_WIDGET(window);
        int width = gtk_widget_get_width(widget), height = gtk_widget_get_height(widget);
        g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new(widget);
        g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new();
        g_autoptr(GskRenderNode) node = NULL;
        g_autoptr(GdkTexture) texture = NULL;
        g_autofree char *tmp = g_strconcat(path, ".tmp", NULL);

        gdk_paintable_snapshot(paintable, GDK_SNAPSHOT(snapshot), width, height);
        node = gtk_snapshot_to_node(snapshot);
        if (!node)
                return;
        texture = gsk_renderer_render_texture(gtk_native_get_renderer(GTK_NATIVE(window)), node,
                                              &GRAPHENE_RECT_INIT(0, 0, width, height));
        if (!gdk_texture_save_to_png(texture, tmp) || g_rename(tmp, path) < 0)
                g_warning("Cannot save the screenshot %s", path);
}

static void on_after_paint(GdkFrameClock *clock, gpointer user_data)
{
        Screenshot *shot = user_data;

        g_signal_handler_disconnect(clock, shot->handler);
        screenshot_save(shot->window, shot->path);
        g_object_unref(shot->window);
        g_free(shot->path);
        g_free(shot);
}

/* Saves @window as a PNG at @path once the next frame is drawn, after
 * resizing it to @width x @height when both are > 0. */
static void save_screenshot(GtkWindow *window, const char *path, int width, int height)
{
        GdkFrameClock *clock = gtk_widget_get_frame_clock(GTK_WIDGET(window));
        Screenshot *shot;

        g_return_if_fail(clock);
        if (width > 0 && height > 0)
                gtk_window_set_default_size(window, width, height);
        shot = g_new0(Screenshot, 1);
        shot->window = g_object_ref(window);
        shot->path = g_strdup(path);
        /* After the next frame's layout and paint, so that what was just
         * changed is in the picture. */
        shot->handler = g_signal_connect(clock, "after-paint", G_CALLBACK(on_after_paint), shot);
        gtk_widget_queue_resize(GTK_WIDGET(window));
        gdk_frame_clock_request_phase(clock, GDK_FRAME_CLOCK_PHASE_LAYOUT | GDK_FRAME_CLOCK_PHASE_PAINT);
}

/* --- The action -------------------------------------------------------------- */

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
        save_screenshot(window, path, width, height);
}

int main(int argc, char **argv)
{
        g_autoptr(NvSettingsApplication) app = nv_settings_application_new();

        if (g_getenv("NV_SETTINGS_SCREENSHOT_DIR")) {
                g_autoptr(GSimpleAction) action = g_simple_action_new("screenshot", G_VARIANT_TYPE("(sii)"));

                g_signal_connect(action, "activate", G_CALLBACK(on_screenshot), app);
                g_action_map_add_action(G_ACTION_MAP(app), G_ACTION(action));
        }
        return g_application_run(G_APPLICATION(app), argc, argv);
}
