/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * reload --when-idle and enable|disable --now --when-idle: the reload
 * asked of the service through ReloadModuleWhenIdle(), which makes it as
 * soon as no virtual machine holds the module; and reload --cancel.
 */
#pragma once

#include "nvctl-common.h"
#include "nvctl-status.h"

/*
 * Asks for the reload of the vendor module with nested=@nested once it is
 * free, and unless --no-block waits for it: prints what it waits for (the
 * virtual machines by name), then how it ended. @before is the status
 * read before, for the module's name; @what ("reload kvm_intel", NULL for
 * that) is what a failure says the caller was doing. Fails when the
 * request was cancelled, failed, or ended with the service. Returns
 * NVCTL_EXIT_*.
 */
int nvctl_when_idle_reload(const NvctlOptions *options, sd_bus *bus, const NvctlStatus *before,
                           gboolean nested, const char *what);

/* reload --cancel: CancelPendingReload(). */
int nvctl_when_idle_cancel(const NvctlOptions *options, sd_bus *bus);
