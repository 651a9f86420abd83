/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The window of nestedvirt-settings: shows what org.example.NestedVirt
 * reports on the system bus and calls its methods, with interactive
 * authorization, on the user's request.
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define NV_TYPE_SETTINGS_WINDOW (nv_settings_window_get_type())
G_DECLARE_FINAL_TYPE(NvSettingsWindow, nv_settings_window, NV, SETTINGS_WINDOW, AdwApplicationWindow)

NvSettingsWindow *nv_settings_window_new(AdwApplication *app);

G_END_DECLS
