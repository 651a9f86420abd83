/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The words for a reload of the KVM vendor module, as reload, enable and
 * disable --now, and a reload waiting for the virtual machines to stop
 * (nvctl-when-idle.h) say them.
 */
#pragma once

#include "nvctl-status.h"

/* "reload kvm_intel" ("load" when it was not loaded). */
char *nvctl_reload_format_what(const NvctlStatus *before);

/* "kvm_intel reloaded: nested=Y." ("loaded" when it was not loaded). */
char *nvctl_reload_format_done(const NvctlStatus *before, const char *value);
