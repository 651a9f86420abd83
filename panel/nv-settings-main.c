/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nestedvirt-settings: a settings app for KVM nested virtualization, a
 * client of nestedvirtd's D-Bus API (see nv-settings-window.c). One
 * instance per session: starting it again raises the window.
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <locale.h>

#include "nv-settings-application.h"

int main(int argc, char **argv)
{
        g_autoptr(NvSettingsApplication) app = NULL;

        setlocale(LC_ALL, "");
        bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
        bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
        textdomain(GETTEXT_PACKAGE);

        app = nv_settings_application_new();
        return g_application_run(G_APPLICATION(app), argc, argv);
}
