/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The verdict in words for people, as nestedvirt-settings shows it at the
 * top of its window: a state in header capitalization ("Nested
 * Virtualization Is On"), one sentence of explanation, the one action that
 * helps (a button, never a command to type), and what the switch shows.
 * No module names, parameter values, file paths or commands: those are the
 * detailed form's (nv-verdict.h), which the CLI prints and the app keeps
 * one level down. Both start from nv_verdict_state(), so they cannot
 * disagree. Nothing here does I/O.
 */
#pragma once

#include <glib.h>

#include "nv-properties.h"
#include "nv-verdict.h"

typedef enum {
        NV_SUMMARY_ACTION_NONE,
        /* ReloadModule() with the persistent value. */
        NV_SUMMARY_ACTION_APPLY_NOW,
        /* ReloadModuleWhenIdle() with the persistent value: virtual
         * machines hold the module. */
        NV_SUMMARY_ACTION_APPLY_WHEN_IDLE,
        /* CancelPendingReload(). */
        NV_SUMMARY_ACTION_CANCEL_PENDING,
        /* ReloadModule() with the persistent value, which loads it. */
        NV_SUMMARY_ACTION_LOAD,
} NvSummaryAction;

typedef struct {
        NvVerdictState state;
        gboolean pending; /* a reload waits for the virtual machines to stop */
        const char *icon_name;
        char *title;
        char *description;
        NvSummaryAction action;
        const char *action_label; /* NULL without an action */
        /* The switch shows the persistent setting when it can change it,
         * and what the running system does when it cannot; then
         * @switch_blocker says why (sentence case), else it is NULL. */
        gboolean switch_active;
        char *switch_blocker;
} NvSummary;

/* Fills @ret (zeroed) from @props. */
void nv_summary_init(NvSummary *ret, const NvProperties *props);
void nv_summary_clear(NvSummary *summary);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(NvSummary, nv_summary_clear)

/* "Intel", "AMD", ...: the CPU vendor as people write it; NULL when the
 * service did not say. */
const char *nv_summary_cpu_vendor(const NvProperties *props);
