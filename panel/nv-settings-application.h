/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The application of nestedvirt-settings: one instance per session, one
 * window; starting it again raises the window.
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define NV_TYPE_SETTINGS_APPLICATION (nv_settings_application_get_type())
G_DECLARE_FINAL_TYPE(NvSettingsApplication, nv_settings_application, NV, SETTINGS_APPLICATION,
                     AdwApplication)

NvSettingsApplication *nv_settings_application_new(void);

G_END_DECLS
