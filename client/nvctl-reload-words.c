/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The words for a reload of the vendor module (nvctl-reload-words.h).
 */
#include "config.h"

#include "nv-verdict.h"
#include "nvctl-reload-words.h"

static gboolean was_loaded(const NvctlStatus *before)
{
        /* When the status could not tell, "reloaded" is the likelier. */
        return before->props.vendor_module_loaded != 0;
}

char *nvctl_reload_format_done(const NvctlStatus *before, const char *value)
{
        const char *module = before->props.vendor_module && *before->props.vendor_module
                                     ? before->props.vendor_module
                                     : "The KVM vendor module";

        return g_strdup_printf("%s %s: nested=%s.", module, was_loaded(before) ? "reloaded" : "loaded",
                               value);
}

char *nvctl_reload_format_what(const NvctlStatus *before)
{
        return g_strdup_printf("%s %s", was_loaded(before) ? "reload" : "load",
                               nv_verdict_module(&before->props));
}
