/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The error domain of nv-errno.h.
 */
#include "config.h"

#include "nv-errno.h"

/* clang-format off */
G_DEFINE_QUARK(nv-errno-error-quark, nv_errno_error)
/* clang-format on */

gboolean nv_errno_error_set_valist(GError **error, int errsv, const char *format, va_list args)
{
        g_autofree char *what = g_strdup_vprintf(format, args);

        g_set_error(error, NV_ERRNO_ERROR, errsv, "%s: %s", what, g_strerror(errsv));
        return FALSE;
}

gboolean nv_errno_error_set(GError **error, int errsv, const char *format, ...)
{
        va_list args;

        va_start(args, format);
        nv_errno_error_set_valist(error, errsv, format, args);
        va_end(args);
        return FALSE;
}
