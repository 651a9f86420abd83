/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * EnablePersistent()'s edit (nv-persistent.h).
 */
#include "config.h"

#include <string.h>

#include "nv-file.h"
#include "nv-modprobe.h"
#include "nv-persistent.h"

/* No sane kvm.conf comes near this; one that does is not edited. */
#define NV_CONFIG_MAX (1024 * 1024)

/* clang-format off */
G_DEFINE_QUARK(nv-persistent-error-quark, nv_persistent_error)
/* clang-format on */

void nv_persistent_edit_clear(NvPersistentEdit *edit)
{
        g_clear_pointer(&edit->dir, g_free);
        g_clear_pointer(&edit->contents, g_free);
        memset(edit, 0, sizeof(*edit));
}

gboolean nv_persistent_edit_prepare(NvHost *host, const NvStatus *status, gboolean enable,
                                    NvPersistentEdit *ret, GError **error)
{
        const char *module = nv_host_vendor_module(host);
        g_autofree char *old = NULL;
        const NvSetting *override;
        gsize old_len = 0;

        ret->dir = nv_host_path(host, NV_CONFIG_DIR);
        ret->enable = enable;
        if (!nv_file_read(ret->dir, NV_CONFIG_NAME, NV_CONFIG_MAX, &old, &old_len, error))
                return FALSE;
        ret->contents = nv_modprobe_set_option(old ? old : "", old_len, module, "nested", enable ? "1" : "0",
                                               &ret->len, &ret->changed, &ret->line);
        if (!ret->contents) {
                g_set_error(error, NV_PERSISTENT_ERROR, NV_PERSISTENT_ERROR_FAILED,
                            "%s has an options line for %s with an unterminated quote or a bare \"--\" that "
                            "would swallow the setting: fix that line first.",
                            NV_CONFIG_PATH, module);
                return FALSE;
        }

        /* Writing a setting that something read later overrides would
         * report success and change nothing: refuse, naming the culprit. */
        if (g_strcmp0(status->persistent_source, "/proc/cmdline") == 0) {
                g_set_error(error, NV_PERSISTENT_ERROR, NV_PERSISTENT_ERROR_FAILED,
                            "The kernel command line (/proc/cmdline) sets %s.nested, which overrides %s: "
                            "remove it from the boot loader configuration first.",
                            module, NV_CONFIG_PATH);
                return FALSE;
        }
        override = nv_settings_find_override(nv_host_get_config_settings(host), NV_CONFIG_NAME);
        if (override && override->unreadable) {
                g_set_error(error, NV_PERSISTENT_ERROR, NV_PERSISTENT_ERROR_FAILED,
                            "%s is read after %s and cannot be read (%s), so a setting in it could override "
                            "it: fix or remove that file first.",
                            override->source, NV_CONFIG_PATH, override->unreadable);
                return FALSE;
        }
        if (override) {
                g_set_error(
                        error, NV_PERSISTENT_ERROR, NV_PERSISTENT_ERROR_FAILED,
                        "%s line %u sets %s nested=%s and is read after %s, so it would override it: edit "
                        "or remove that line first.",
                        override->source, override->line, module,
                        override->has_value ? override->value : "(no value)", NV_CONFIG_PATH);
                return FALSE;
        }
        return TRUE;
}

gboolean nv_persistent_edit_write(const NvPersistentEdit *edit, GError **error)
{
        if (!nv_file_replace(edit->dir, NV_CONFIG_NAME, edit->contents, edit->len, error))
                return FALSE;
        g_message("%s nested virtualization persistently in %s line %u",
                  edit->enable ? "Enabled" : "Disabled", NV_CONFIG_PATH, edit->line);
        return TRUE;
}

void nv_persistent_remove_stale(const NvHost *host)
{
        g_autofree char *dir = nv_host_path(host, NV_CONFIG_DIR);

        nv_file_remove_stale_temporaries(dir, NV_CONFIG_NAME);
}
