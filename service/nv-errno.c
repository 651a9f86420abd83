/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The error domain of nv-errno.h.
 */
#include "config.h"

#include "nv-errno.h"

/* clang-format off */
G_DEFINE_QUARK(nv-errno-error-quark, nv_errno_error)
/* clang-format on */

gboolean nv_errno_error_set(GError **error, int errsv, const char *format, ...)
{
        g_autofree char *what = NULL;
        va_list args;

        va_start(args, format);
        what = g_strdup_vprintf(format, args);
        va_end(args);
        g_set_error(error, NV_ERRNO_ERROR, errsv, "%s: %s", what, g_strerror(errsv));
        return FALSE;
}
