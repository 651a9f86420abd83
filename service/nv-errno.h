/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Errors from the file and kernel layers: the domain NV_ERRNO_ERROR, the
 * code the errno value that describes them (ELOOP for a symbolic link,
 * EBUSY for a module in use, ...), the message for people. GIO's
 * G_IO_ERROR would serve, but the daemon does not link GIO: polkit-gobject
 * brings it in only when the first authorization is asked for (nv-auth.c).
 */
#pragma once

#include <glib.h>

#define NV_ERRNO_ERROR (nv_errno_error_quark())
GQuark nv_errno_error_quark(void);

/* Sets @error to NV_ERRNO_ERROR @errsv with the message @format, ": " and
 * the system's words for @errsv. Returns FALSE, for "return
 * nv_errno_error_set(...)". */
gboolean nv_errno_error_set(GError **error, int errsv, const char *format, ...) G_GNUC_PRINTF(3, 4);

/* The same with the format's arguments in @args. */
gboolean nv_errno_error_set_valist(GError **error, int errsv, const char *format, va_list args)
        G_GNUC_PRINTF(3, 0);
