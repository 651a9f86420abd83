/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kinds of host, as the HostClass property names them. The daemon
 * decides which one this host is, in one place (nv_status_host_class(),
 * service/nv-status.c), and both its refusals and the clients' verdict and
 * advice (nv-verdict.h) follow that decision: they cannot disagree.
 *
 * In the ladder's order: the first that applies is the class.
 */
#pragma once

#include <glib.h>

typedef enum {
        /* arm64: KVM is built in, and nests only with kvm-arm.mode=nested
         * on the kernel command line (Linux 6.16 or later, a CPU with
         * FEAT_NV2): nothing the service writes changes that. */
        NV_HOST_ARM64_COMMAND_LINE,
        /* An architecture KVM does not nest on, or an x86 CPU vendor KVM
         * has no module for. */
        NV_HOST_UNSUPPORTED,
        /* No vmx/svm flag, and /dev/kvm comes from kvm_pvm (PVM): KVM
         * runs guests whose kernel is built for PVM, and hardware nesting
         * does not exist here. */
        NV_HOST_PVM,
        /* The service runs in a container: modprobe.d and module loads do
         * not reach the kernel, which is the container host's. */
        NV_HOST_CONTAINER,
        /* The vendor module is neither built in nor a file for the running
         * kernel. */
        NV_HOST_MODULE_ABSENT,
        /* The vendor module is not built in, and the kernel cannot load
         * modules (CONFIG_MODULES off). */
        NV_HOST_NO_MODULE_LOADING,
        /* No vmx/svm flag and no vendor module running: firmware-disabled
         * virtualization, or a guest whose hypervisor hides it. What is
         * configured still applies once the CPU offers it. */
        NV_HOST_NO_HARDWARE_VIRTUALIZATION,
        /* The vendor module is built into the kernel: modprobe.d does not
         * apply, only the kernel command line, at the next boot. */
        NV_HOST_MODULE_BUILTIN,
        /* A loadable vendor module, but the kernel command line sets its
         * nested parameter, which no modprobe.d file overrides. */
        NV_HOST_COMMAND_LINE,
        /* A loadable vendor module that modprobe.d configures: everything
         * the service offers works. */
        NV_HOST_MODULE,
        /* A client's word for a service that did not say. */
        NV_HOST_UNKNOWN,
} NvHostClass;

/* The property's word for @host_class ("module-builtin"). */
const char *nv_host_class_to_string(NvHostClass host_class);

/* The class @s names; NV_HOST_UNKNOWN for NULL or a word this version does
 * not know. */
NvHostClass nv_host_class_from_string(const char *s);

/* TRUE where EnablePersistent() and ReloadModule() can change nothing, so
 * that both refuse with NotSupported (a built-in module has its own
 * error, ModuleBuiltin). */
gboolean nv_host_class_refuses_changes(NvHostClass host_class);
