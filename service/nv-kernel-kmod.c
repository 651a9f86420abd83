/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The real kernel, through libkmod (see nv-kernel.h).
 */
#include "config.h"

#include <gio/gio.h>

#include "nv-kernel.h"

NvKernel *nv_kernel_kmod_new(const char *root, GError **error)
{
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "Loading modules is not implemented yet");
        return NULL;
}
