/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon's tunables that the environment may set (for tests: a
 * shorter polkit timeout, a fixed scan period).
 */
#pragma once

#include <glib.h>

/* The whole number from @min to @max in the environment variable @name, or
 * @fallback when it is unset, or set to anything else (with a warning that
 * names @unit, as "seconds"). @ret_from_env (optional) says which. */
guint64 nv_env_get_number(const char *name, guint64 min, guint64 max, const char *unit, guint64 fallback,
                          gboolean *ret_from_env);
