/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the host reader (nv-host.h) hands out: the facts a status and a
 * module reload rest on, as plain data. Kept apart from the reader so that
 * the pure code that interprets them (nv-status.h, nv-reload.h) needs no
 * I/O code to compile or to be tested.
 */
#pragma once

#include <glib.h>

#include "nv-acceleration.h"
#include "nv-cpuinfo.h"
#include "nv-kernel-param.h"
#include "nv-module-availability.h"
#include "nv-properties.h"

/* Where a setting of "nested" came from, and what it says. */
typedef struct {
        char *source;       /* host path ("/etc/modprobe.d/kvm.conf", "/proc/cmdline"); NULL: not set */
        guint line;         /* line in @source, 0 when not applicable */
        gboolean has_value; /* FALSE for a bare "nested" without '=' */
        char *value;
        /* Why @source could not be read, so that whatever it sets is
         * unknown ("larger than 4194304 bytes"); NULL when it was read. */
        char *unreadable;
} NvSetting;

void nv_setting_clear(NvSetting *setting);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(NvSetting, nv_setting_clear)
void nv_setting_copy(const NvSetting *setting, NvSetting *ret);

/* An empty array of NvSetting that clears its elements. */
GArray *nv_settings_new(void);

/* Everything read off the host that the status and a reload depend on. */
typedef struct {
        char *architecture; /* /proc/sys/kernel/arch; NULL when unreadable */
        NvCpuInfo cpu;
        char *hypervisor;                       /* identified hypervisor; NULL when none was identified */
        NvHypervisorProduct hypervisor_product; /* the product below a guest */
        NvPowerPlatform power_platform;         /* POWER: PowerNV or pSeries (a guest) */
        NvModuleState kvm_state;
        NvModuleState vendor_state;
        char *nested_raw; /* parameters/nested without its newline; NULL when absent */
        /* The running vendor module's parameters that decide how fast
         * nested guests are (nv_acceleration_parameters()), raw; NULL
         * where absent. */
        char *acceleration_parameters[NV_ACCELERATION_N_PARAMETERS];
        NvSetting modprobe; /* the last setting in the merged modprobe.d files */
        NvSetting cmdline;  /* the setting on the kernel command line */
        /* Processes can hold /dev/kvm now: ListModuleUsers() has to look
         * for them. */
        gboolean module_users_possible;
        /* The vendor module's reference count, when it was read: only a
         * loaded module has one, and the reader looks only when someone
         * could hold the module. */
        gboolean has_vendor_refcnt;
        guint64 vendor_refcnt;
        /* The vendor module as a person can act on it (built in, loadable,
         * absent, ...), from vendor_state, /proc/modules and modules.dep. */
        NvModuleAvailability vendor_availability;
        /* /dev/kvm: whether the kernel registered it (or a node exists),
         * the module that provides it (NULL: none could be told) and what
         * stat() of the node says (has_kvm_stat FALSE: no node to stat,
         * as under PrivateDevices= without the node bound in). */
        gboolean kvm_device;
        char *kvm_provider;
        gboolean has_kvm_stat;
        char *kvm_owner; /* user name, or the uid in decimal */
        char *kvm_group; /* group name, or the gid in decimal */
        guint kvm_uid;
        guint kvm_gid;
        guint kvm_mode; /* st_mode */
        /* The container the daemon runs in, in systemd-detect-virt's
         * words; NULL for none. */
        char *container;
        /* arm64, where the command line alone decides: the running
         * kernel's release, and the value of kvm-arm.mode on its command
         * line (NULL: not there). */
        char *kernel_release;
        char *kvm_arm_mode;
        /* s390x: kvm's "hpage" (huge-page backing of guests), which
         * kvm_s390_init() refuses together with nested before Linux 7.0:
         * the loaded module's value (NULL when absent), and the setting
         * its next load takes (the command line's, else the last one in
         * modprobe.d; source NULL when none). Also sets kernel_release. */
        char *hpage_raw;
        NvSetting hpage;
} NvHostFacts;

void nv_host_facts_clear(NvHostFacts *facts);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(NvHostFacts, nv_host_facts_clear)
