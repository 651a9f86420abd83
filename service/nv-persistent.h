/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * EnablePersistent()'s edit of the one file the daemon writes,
 * /etc/modprobe.d/kvm.conf: what it would hold, refused when it cannot be
 * edited faithfully or when something read after it (a later modprobe.d
 * file, the kernel command line) would override the setting, so that the
 * call never reports a change that does not take effect; then the atomic
 * write (nv-file.h). Split in two so that polkit is asked in between, and
 * only when something would change.
 */
#pragma once

#include <glib.h>

#include "nv-host.h"
#include "nv-status.h"

/* In the first modprobe.d directory, so that no same-named file hides
 * it. */
#define NV_CONFIG_DIR  "/etc/modprobe.d"
#define NV_CONFIG_NAME "kvm.conf"
#define NV_CONFIG_PATH NV_CONFIG_DIR "/" NV_CONFIG_NAME

#define NV_PERSISTENT_ERROR (nv_persistent_error_quark())
GQuark nv_persistent_error_quark(void);

typedef enum {
        NV_PERSISTENT_ERROR_FAILED, /* the message names the line or file to fix first */
} NvPersistentError;

typedef struct {
        char *dir; /* NV_CONFIG_DIR below the host's root */
        char *contents;
        gsize len;
        gboolean enable;
        gboolean changed; /* FALSE: the file says so already */
        guint line;       /* of the setting in @contents */
} NvPersistentEdit;

void nv_persistent_edit_clear(NvPersistentEdit *edit);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(NvPersistentEdit, nv_persistent_edit_clear)

/* What kvm.conf of @host must hold for nested=1 (@enable) or 0, kept in
 * @ret (zeroed), on the modprobe.d files as they are now (the caller
 * invalidated the cache) and @status just read. FALSE with @error when it
 * cannot be written, or would not decide: NV_ERRNO_ERROR for the file
 * (nv-file.h), NV_PERSISTENT_ERROR naming what overrides it. */
gboolean nv_persistent_edit_prepare(NvHost *host, const NvStatus *status, gboolean enable,
                                    NvPersistentEdit *ret, GError **error);

/* Writes @edit atomically, and logs it. */
gboolean nv_persistent_edit_write(const NvPersistentEdit *edit, GError **error);

/* Removes the temporary files a crash during a write left in @host's
 * NV_CONFIG_DIR. */
void nv_persistent_remove_stale(const NvHost *host);
