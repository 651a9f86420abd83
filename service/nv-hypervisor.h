/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which hypervisor the host runs under, found the way systemd-detect-virt
 * does: the CPUID signature first (only for the CPU we run on, so only when
 * the root is the real "/"), then the DMI strings, then Xen's sysfs type.
 * The mapping of signatures and strings to names and products is pure
 * (nv-cpuinfo.h);
 * this file does the reading, once, when the host reader starts.
 */
#pragma once

#include <glib.h>

#include "nv-cpuinfo.h"

/* The hypervisor's name ("kvm", "qemu", "microsoft", ...) for the tree at
 * @root, whose CPU is @cpu; NULL when none was identified. @ret_product
 * gets the product (nv_hypervisor_product()) for a guest, unknown for a
 * machine that is none. */
char *nv_hypervisor_detect(const char *root, const NvCpuInfo *cpu, NvHypervisorProduct *ret_product);

/*
 * POWER (@root a ppc64 tree): the platform the kernel runs on, from what
 * each platform's setup creates, and for a pSeries guest the hypervisor
 * below it (nv_hypervisor_from_pseries_device_tree()) and its product in
 * @ret_product (unknown otherwise). Returns the hypervisor's name, NULL
 * for PowerNV or when it cannot be told.
 */
char *nv_hypervisor_detect_power(const char *root, NvPowerPlatform *ret_platform,
                                 NvHypervisorProduct *ret_product);
