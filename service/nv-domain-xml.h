/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Editing a libvirt domain definition's <cpu> element so the guest can run
 * its own guests, as pure functions over XML text (libxml2; no libvirt).
 */
#pragma once

#include <glib.h>

typedef enum {
        NV_CPU_MODE_HOST_MODEL,       /* <cpu mode='host-model' check='partial'/> */
        NV_CPU_MODE_HOST_PASSTHROUGH, /* <cpu mode='host-passthrough'/> */
} NvCpuMode;

/* Parses "host-model" or "host-passthrough" exactly (no case folding, no
 * whitespace). FALSE for anything else. */
gboolean nv_cpu_mode_from_string(const char *s, NvCpuMode *ret);
const char *nv_cpu_mode_to_string(NvCpuMode mode);

/*
 * The mode of the domain's <cpu> in @xml ("host-model", "host-passthrough",
 * "custom", "maximum", ...; a <cpu> without a mode attribute is libvirt's
 * default, "custom"), or "" when there is no <cpu>. NULL with @error set
 * when @xml is not a domain definition.
 */
char *nv_domain_xml_get_cpu_mode(const char *xml, GError **error);

/*
 * Returns @xml with its <cpu> set to @mode: the mode attribute (and
 * check='partial' for host-model; no check attribute for host-passthrough),
 * keeping the children that stay valid in that mode (topology, numa, cache,
 * feature, maxphysaddr) and dropping those that conflict with it (model,
 * vendor, and a feature that disables or forbids vmx or svm, which would
 * defeat the purpose); everything outside <cpu> is left as it was. A <cpu> is added
 * when there is none. *ret_changed (optional) tells whether anything
 * changed; when nothing would, the input is returned as is. NULL with
 * @error set when @xml is not a domain definition.
 */
char *nv_domain_xml_set_cpu_mode(const char *xml, NvCpuMode mode, gboolean *ret_changed, GError **error);
