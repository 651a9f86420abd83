/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nv-vm-ppc64-probe: what the ppc64le guest's KVM says of nesting, on one
 * line for the vm-ppc64 driver to assert. Cross-compiled (static, for the
 * busybox initramfs) by tests/vm/nv-vm-ppc64-test.sh, never built by meson.
 *
 *   cap=N      KVM_CHECK_EXTENSION(KVM_CAP_PPC_NESTED_HV) on /dev/kvm
 *   vm-cap=N   the same on a new KVM-HV virtual machine
 *   enable=ok|ERRNO-NAME  KVM_ENABLE_CAP(KVM_CAP_PPC_NESTED_HV) on it, which
 *              is what QEMU's cap-nested-hv=on asks for
 *
 * kvm_hv answers from its "nested" parameter when asked, so these follow
 * a write to /sys/module/kvm_hv/parameters/nested at once.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(void)
{
        struct kvm_enable_cap cap = { .cap = KVM_CAP_PPC_NESTED_HV, .args = { 1 } };
        int kvm, vm, sys_cap, vm_cap, r;

        kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
        if (kvm < 0) {
                printf("error=open-dev-kvm:%s\n", strerror(errno));
                return 1;
        }
        sys_cap = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_PPC_NESTED_HV);
        vm = ioctl(kvm, KVM_CREATE_VM, KVM_VM_PPC_HV);
        if (vm < 0) {
                printf("cap=%d error=create-vm:%s\n", sys_cap, strerror(errno));
                return 1;
        }
        vm_cap = ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_PPC_NESTED_HV);
        r = ioctl(vm, KVM_ENABLE_CAP, &cap);
        printf("cap=%d vm-cap=%d enable=%s\n", sys_cap, vm_cap, r == 0 ? "ok" : strerrorname_np(errno));
        close(vm);
        close(kvm);
        return 0;
}
