/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The processes that hold /dev/kvm, a KVM virtual machine or a vCPU open,
 * as ListModuleUsers() returns them: found by the daemon's scan
 * (service/nv-kvm-users.h), read back by the clients. Each pins the module
 * that provides KVM, so a reload waits for them to end.
 */
#pragma once

#include <glib.h>

#define NV_MODULE_USERS_SIGNATURE "(a(uuss)u)"

typedef struct {
        guint32 pid;
        guint32 uid;   /* the owner of /proc/PID */
        char *command; /* its comm, as the process set it: any bytes but NUL */
        /* The virtual machine it runs, by the name its user gave it
         * (QEMU's -name, which libvirt sets to the domain's name); NULL or
         * "" when it is not a VM or does not say. */
        char *machine;
} NvModuleUser;

/* An empty array of NvModuleUser that frees its elements' strings. */
GArray *nv_module_users_new(void);

/* The users in a ListModuleUsers() reply (NV_MODULE_USERS_SIGNATURE), and
 * in @ret_unexamined how many processes the scan could not look at; NULL
 * when @reply has another type. */
GArray *nv_module_users_from_variant(GVariant *reply, guint32 *ret_unexamined);
