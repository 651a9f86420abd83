/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The products a Linux guest runs under, as the HypervisorProduct property
 * names them, and each one's own switch for passing hardware
 * virtualization to its guests. The one table of them: the daemon names
 * the product (service/nv-cpuinfo.c decides, from DMI, CPUID and the
 * kernel release), the clients' advice (nv-verdict.c) says what to turn
 * on, and where. No I/O here.
 */
#pragma once

#include <glib.h>

typedef enum {
        /* A guest whose hypervisor could not be told apart. */
        NV_PRODUCT_UNKNOWN,
        NV_PRODUCT_HYPER_V,
        /* Windows Subsystem for Linux 2: Hyper-V underneath, configured
         * from the Windows side in .wslconfig. */
        NV_PRODUCT_WSL2,
        NV_PRODUCT_AZURE,
        NV_PRODUCT_VMWARE,
        NV_PRODUCT_VIRTUALBOX,
        NV_PRODUCT_XEN,
        /* KVM or QEMU without a management layer DMI names (libvirt,
         * plain QEMU). */
        NV_PRODUCT_KVM,
        NV_PRODUCT_PROXMOX,
        NV_PRODUCT_OPENSTACK,
        NV_PRODUCT_GCE,
        NV_PRODUCT_AWS,
        NV_PRODUCT_PARALLELS,
        /* IBM PowerVM: a POWER logical partition (pSeries). */
        NV_PRODUCT_POWERVM,
} NvHypervisorProduct;

/* The property's word ("hyper-v", "wsl2", ..., "unknown"). */
const char *nv_hypervisor_product_to_string(NvHypervisorProduct product);

/* The product @s names; NV_PRODUCT_UNKNOWN for NULL, "" or a word this
 * version does not know. */
NvHypervisorProduct nv_hypervisor_product_from_string(const char *s);

/* The product's name for a person ("Hyper-V", "Google Compute Engine");
 * NULL for NV_PRODUCT_UNKNOWN. */
const char *nv_hypervisor_product_display_name(NvHypervisorProduct product);

/* How to pass @flag ("vmx", "svm") to a guest of @product: the switch,
 * where it is set, and what it needs (the VM off, a machine type), as one
 * translated clause that follows "to get it, ". */
char *nv_hypervisor_product_switch(NvHypervisorProduct product, const char *flag);
