/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "nv-env.h"

guint64 nv_env_get_number(const char *name, guint64 min, guint64 max, const char *unit, guint64 fallback,
                          gboolean *ret_from_env)
{
        const char *value = g_getenv(name);
        guint64 number;

        if (ret_from_env)
                *ret_from_env = FALSE;
        if (!value)
                return fallback;
        if (!g_ascii_string_to_unsigned(value, 10, min, max, &number, NULL)) {
                g_warning("Ignoring %s=%s: not a number of %s from %" G_GUINT64_FORMAT
                          " to %" G_GUINT64_FORMAT "; using %" G_GUINT64_FORMAT,
                          name, value, unit, min, max, fallback);
                return fallback;
        }
        if (ret_from_env)
                *ret_from_env = TRUE;
        return number;
}
