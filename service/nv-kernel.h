/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The narrow interface through which the daemon changes the running
 * kernel: load and unload a module, and set a parameter that a loaded
 * module lets root change at run time. nestedvirtd uses libkmod
 * (nv-kernel-kmod.c); the integration tests link the same daemon with a
 * simulated kernel (tests/nv-kernel-sim.c) that updates a fake host tree
 * the way the kernel would, so that the production binary contains no
 * simulator.
 */
#pragma once

#include <glib.h>

typedef struct NvKernel NvKernel;

typedef struct {
        /* Loads @module and what it depends on, with the options modprobe.d
         * (and the kernel command line) give it followed by @options, so
         * that @options win. Loading a loaded module is an error. */
        gboolean (*load)(NvKernel *kernel, const char *module, const char *options, GError **error);
        /* Unloads @module (only it, not what it depends on). Fails when the
         * module is in use. */
        gboolean (*unload)(NvKernel *kernel, const char *module, GError **error);
        /* Writes @value to /sys/module/@module/parameters/@param of the
         * loaded @module, as `echo @value >` would; only for a parameter
         * the module declares writable (ppc64's kvm_hv nested). */
        gboolean (*set_parameter)(NvKernel *kernel, const char *module, const char *param, const char *value,
                                  GError **error);
        void (*free)(NvKernel *kernel);
} NvKernelOps;

struct NvKernel {
        const NvKernelOps *ops;
};

/* Creates the kernel backend for the host tree at @root. */
typedef NvKernel *(*NvKernelNewFunc)(const char *root, GError **error);

static inline void nv_kernel_free(NvKernel *kernel)
{
        if (kernel)
                kernel->ops->free(kernel);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvKernel, nv_kernel_free)

/* The real kernel, through libkmod. Only for the root "/": loading modules
 * from another tree into this kernel is never what --root means. */
NvKernel *nv_kernel_kmod_new(const char *root, GError **error);
