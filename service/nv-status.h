/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The status the daemon exports, and how it follows from the facts the
 * host reader gathers (nv-host-facts.h). Pure: this file only decides what
 * the facts mean, so every rule here is unit-tested without a host.
 *
 * The status is the property table's struct (NvProperties, one field per
 * line of NV_PROPERTIES() in common/nv-properties.h): its names, types and
 * order come from there, not from here.
 */
#pragma once

#include <glib.h>

#include "nv-host-class.h"
#include "nv-host-facts.h"
#include "nv-properties.h"

typedef enum {
        NV_PERSISTENT_DEFAULT,
        NV_PERSISTENT_ENABLED,
        NV_PERSISTENT_DISABLED,
        NV_PERSISTENT_INVALID,
        /* A file that could set it could not be read (too large, an I/O
         * error): what the next load gets cannot be known. */
        NV_PERSISTENT_UNKNOWN,
} NvPersistent;

/*
 * Which of @settings (in the order kmod applies them) would still win over
 * a setting in a file named @file_name in the first directory: the last one
 * in a file whose name sorts after it. Files of the same name elsewhere are
 * hidden by it, files sorting before it are applied before it. NULL when
 * @file_name would decide.
 */
const NvSetting *nv_settings_find_override(const GArray *settings, const char *file_name);

/* The exported status; in an assembled one no string or array is NULL. */
typedef NvProperties NvStatus;

static inline void nv_status_clear(NvStatus *status)
{
        nv_properties_clear(status);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(NvStatus, nv_status_clear)

/* Which kind of host @status describes (nv-host-class.h): the one
 * decision that the refusals below, Supported, and the clients' verdict
 * and advice (which read HostClass) all follow. */
NvHostClass nv_status_host_class(const NvStatus *status);

/* Why EnablePersistent() and ReloadModule() cannot change anything on
 * the host an assembled @status describes, and what to do instead; NULL
 * when they may try (a built-in module has its own error, ModuleBuiltin). */
char *nv_status_refusal(const NvStatus *status);

/* Why EnablePersistent(true) (@reload FALSE) or ReloadModule(true)
 * (@reload TRUE) cannot turn nesting on: s390's kvm with hpage=1
 * (HpageConflict); NULL when nothing conflicts. */
char *nv_status_hpage_refusal(const NvStatus *status, gboolean reload);

/* Computes @ret (which must be zeroed or cleared) from @facts. */
void nv_status_assemble(const NvHostFacts *facts, NvStatus *ret);

/* The names of the properties whose values differ, as a NULL-terminated
 * array (g_strfreev); NULL when nothing differs. */
char **nv_status_diff(const NvStatus *a, const NvStatus *b);
