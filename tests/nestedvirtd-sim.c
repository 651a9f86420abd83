/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nestedvirtd-sim: the daemon exactly as installed, but with the simulated
 * kernel of nv-kernel-sim.h, so the integration tests can call
 * ReloadModule on a fake host tree. Built for the tests only, never
 * installed.
 */
#include "config.h"

#include "nv-kernel-sim.h"
#include "nv-main.h"

int main(int argc, char *argv[])
{
        return nv_daemon_main(argc, argv, nv_kernel_sim_new);
}
