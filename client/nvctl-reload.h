/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reloading the KVM vendor module, shared by reload and by enable/disable
 * --now.
 */
#pragma once

#include "nvctl-common.h"
#include "nvctl-status.h"

/*
 * Calls ReloadModule(@nested). @before is the status read before, for the
 * module's name in messages. On success stores the kernel's new nested
 * value in @ret_value; on failure says on stderr "Failed to <what>: why",
 * where @what (NULL: "reload kvm_intel") is what the caller was doing.
 * Returns NVCTL_EXIT_*.
 */
int nvctl_reload_module(const NvctlOptions *options, sd_bus *bus, const NvctlStatus *before, gboolean nested,
                        const char *what, char **ret_value);
