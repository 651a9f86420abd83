/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The verbs of nestedvirtctl, one file each (nvctl-<verb>.c), dispatched
 * from the table in nestedvirtctl.c.
 */
#pragma once

#include "nvctl-common.h"

/* nvctl-status.c: nestedvirtctl [status] */
int nvctl_status(const NvctlOptions *options, int argc, char **argv);
