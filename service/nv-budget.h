/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * How many calls each user other than root may have handled per second:
 * a token bucket per uid, @burst tokens deep, refilled at @rate per
 * second. A desktop panel or a shell loop stays far below it; a flood by
 * one user then costs the daemon @rate calls per second, and everyone
 * else is answered as if it were not there. Pure: the caller passes the
 * time, so tests need no clock.
 */
#pragma once

#include <sys/types.h>

#include <glib.h>

typedef struct NvBudget NvBudget;

NvBudget *nv_budget_new(guint rate, guint burst);
void nv_budget_free(NvBudget *budget);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvBudget, nv_budget_free)

/* Takes one of @uid's tokens at @now (microseconds, monotonic) and returns
 * TRUE; or returns FALSE and sets @ret_wait_usec to how long until @uid has
 * one again. Root's calls are not counted. */
gboolean nv_budget_take(NvBudget *budget, uid_t uid, gint64 now, gint64 *ret_wait_usec);
