/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The error domain of nv-errno.h.
 */
#include "config.h"

#include "nv-errno.h"

/* clang-format off */
G_DEFINE_QUARK(nv-errno-error-quark, nv_errno_error)
/* clang-format on */
