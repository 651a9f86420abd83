/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Each product's switch, with the vendor's document that says so. Where a
 * cloud names the machine types that nest, the advice points at its list
 * rather than copying it: the lists change, and a copy here would go stale.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "nv-hypervisor-product.h"

static const struct {
        const char *word;
        const char *display_name;
} products[] = {
        [NV_PRODUCT_UNKNOWN] = { "unknown", NULL },
        [NV_PRODUCT_HYPER_V] = { "hyper-v", "Hyper-V" },
        [NV_PRODUCT_WSL2] = { "wsl2", "WSL2" },
        [NV_PRODUCT_AZURE] = { "azure", "Microsoft Azure" },
        [NV_PRODUCT_VMWARE] = { "vmware", "VMware" },
        [NV_PRODUCT_VIRTUALBOX] = { "virtualbox", "VirtualBox" },
        [NV_PRODUCT_XEN] = { "xen", "Xen" },
        [NV_PRODUCT_KVM] = { "kvm", "KVM/QEMU" },
        [NV_PRODUCT_PROXMOX] = { "proxmox", "Proxmox VE" },
        [NV_PRODUCT_OPENSTACK] = { "openstack", "OpenStack" },
        [NV_PRODUCT_GCE] = { "gce", "Google Compute Engine" },
        [NV_PRODUCT_AWS] = { "aws", "Amazon EC2" },
        [NV_PRODUCT_PARALLELS] = { "parallels", "Parallels" },
        [NV_PRODUCT_POWERVM] = { "powervm", "PowerVM" },
};

const char *nv_hypervisor_product_to_string(NvHypervisorProduct product)
{
        g_return_val_if_fail((gsize)product < G_N_ELEMENTS(products), "unknown");
        return products[product].word;
}

NvHypervisorProduct nv_hypervisor_product_from_string(const char *s)
{
        for (gsize i = 0; s && i < G_N_ELEMENTS(products); i++)
                if (g_str_equal(s, products[i].word))
                        return (NvHypervisorProduct)i;
        return NV_PRODUCT_UNKNOWN;
}

const char *nv_hypervisor_product_display_name(NvHypervisorProduct product)
{
        g_return_val_if_fail((gsize)product < G_N_ELEMENTS(products), NULL);
        return products[product].display_name;
}

char *nv_hypervisor_product_switch(NvHypervisorProduct product, const char *flag)
{
        switch (product) {
        case NV_PRODUCT_HYPER_V:
                /* https://learn.microsoft.com/virtualization/hyper-v-on-windows/user-guide/enable-nested-virtualization
                 */
                return g_strdup(_("turn the VM off, then on the Windows host, in an elevated PowerShell: "
                                  "Set-VMProcessor -VMName <VM> -ExposeVirtualizationExtensions $true"));
        case NV_PRODUCT_WSL2:
                /* https://learn.microsoft.com/windows/wsl/wsl-config ("nestedVirtualization", [wsl2],
                 * Windows 11 only) */
                return g_strdup(_("on Windows 11, set nestedVirtualization=true under [wsl2] in "
                                  "%UserProfile%\\.wslconfig, then run wsl --shutdown and start WSL again"));
        case NV_PRODUCT_AZURE:
                /* Microsoft documents nesting per size series ("Nested Virtualization: Supported"):
                 * https://learn.microsoft.com/azure/virtual-machines/sizes/overview */
                return g_strdup(_("resize the VM to a size whose series Microsoft documents with nested "
                                  "virtualization supported (https://learn.microsoft.com/azure/"
                                  "virtual-machines/sizes/overview)"));
        case NV_PRODUCT_VMWARE:
                /* vSphere: "Expose hardware assisted virtualization to the guest OS"; Workstation and
                 * Fusion write the same vhv.enable key. */
                return g_strdup(_("power the VM off, then set vhv.enable = \"TRUE\" in its .vmx file (in "
                                  "vSphere: CPU > \"Expose hardware assisted virtualization to the guest "
                                  "OS\")"));
        case NV_PRODUCT_VIRTUALBOX:
                /* https://www.virtualbox.org/manual/ch08.html#vboxmanage-modifyvm (--nested-hw-virt) */
                return g_strdup(_("power the VM off, then on its host: VBoxManage modifyvm <VM> "
                                  "--nested-hw-virt on"));
        case NV_PRODUCT_XEN:
                /* xl.cfg(5): nestedhvm, HVM guests only */
                return g_strdup(_("set nestedhvm=1 in this domU's configuration (an HVM guest) and start "
                                  "it again"));
        case NV_PRODUCT_KVM:
                return g_strdup_printf(_("on the KVM host, turn nesting on (kvm_intel or kvm_amd nested=1) "
                                         "and give this guest the host's CPU with %s (for libvirt: CPU mode "
                                         "host-passthrough), then power it off and start it again"),
                                       flag);
        case NV_PRODUCT_PROXMOX:
                /* https://pve.proxmox.com/wiki/Nested_Virtualization */
                return g_strdup(_("on the Proxmox host, turn nesting on (kvm_intel or kvm_amd nested=1), "
                                  "set this VM's CPU type to \"host\" (qm set <VMID> --cpu host), then stop "
                                  "and start it"));
        case NV_PRODUCT_OPENSTACK:
                return g_strdup_printf(_("the cloud's operator decides: the compute node needs nesting on "
                                         "and Nova's [libvirt] cpu_mode = host-passthrough (or a CPU "
                                         "model with %s)"),
                                       flag);
        case NV_PRODUCT_GCE:
                /* https://cloud.google.com/compute/docs/instances/nested-virtualization/overview:
                 * Intel CPUs only (Haswell or later), not the E2 and N2D machine types. */
                return g_strdup(_("stop the instance and enable nested virtualization on it (gcloud: "
                                  "--enable-nested-virtualization); Google offers it on Intel machine "
                                  "types only (https://cloud.google.com/compute/docs/instances/"
                                  "nested-virtualization/overview)"));
        case NV_PRODUCT_AWS:
                /* https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/amazon-ec2-nested-virtualization.html:
                 * since February 2026 on C8i, M8i and R8i as an option; bare metal (*.metal) always ran
                 * KVM on the hardware. */
                return g_strdup(_("use a bare-metal (*.metal) instance type, or an instance type that AWS "
                                  "documents with nested virtualization, with it enabled "
                                  "(https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/"
                                  "amazon-ec2-nested-virtualization.html)"));
        case NV_PRODUCT_PARALLELS:
                return g_strdup(_("shut the VM down, then in its configuration check Hardware > CPU & "
                                  "Memory > Advanced > \"Enable nested virtualization\""));
        case NV_PRODUCT_POWERVM:
                /* IBM, "KVM in a PowerVM LPAR": Power10, firmware FW1060.10 or later, the
                 * partition in KVM mode (https://www.ibm.com/docs/en/linux-on-systems?topic=
                 * servers-kvm-in-powervm-lpar); kvm_hv uses its nested API v2 (Linux 6.7+). */
                return g_strdup(_("on the HMC, enable KVM mode in this partition's configuration; "
                                  "PowerVM offers it on Power10 with firmware FW1060.10 or later "
                                  "(https://www.ibm.com/docs/en/linux-on-systems?topic=servers-kvm-in-"
                                  "powervm-lpar)"));
        case NV_PRODUCT_UNKNOWN:
                break;
        }
        return g_strdup_printf(_("enable nested virtualization on the host that runs it, and pass %s to "
                                 "this guest (for libvirt: CPU mode host-passthrough)"),
                               flag);
}
