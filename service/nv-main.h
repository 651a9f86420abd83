/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "nv-kernel.h"

/* Parses the daemon's command line and runs it with the kernel backend
 * @kernel_new creates; returns the process exit status. */
int nv_daemon_main(int argc, char *argv[], NvKernelNewFunc kernel_new);
