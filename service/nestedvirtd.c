/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nestedvirtd, on the real kernel. The command line is in nv-main.c, the
 * service in nv-daemon.c.
 */
#include "config.h"

#include "nv-kernel.h"
#include "nv-main.h"

int main(int argc, char *argv[])
{
        return nv_daemon_main(argc, argv, nv_kernel_kmod_new);
}
