/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Small helpers the daemon and the clients share.
 */
#pragma once

#include <glib.h>

static inline gboolean nv_str_empty(const char *s)
{
        return !s || s[0] == '\0';
}
