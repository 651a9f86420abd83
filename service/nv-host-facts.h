/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the host reader (nv-host.h) hands out: the facts a status and a
 * module reload rest on, as plain data. Kept apart from the reader so that
 * the pure code that interprets them (nv-status.h, nv-reload.h) needs no
 * I/O code to compile or to be tested.
 */
#pragma once

#include <glib.h>

#include "nv-cpuinfo.h"
#include "nv-kernel-param.h"
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
        char *hypervisor; /* identified hypervisor; NULL when none was identified */
        NvModuleState kvm_state;
        NvModuleState vendor_state;
        char *nested_raw;     /* parameters/nested without its newline; NULL when absent */
        NvSetting modprobe;   /* the last setting in the merged modprobe.d files */
        NvSetting cmdline;    /* the setting on the kernel command line */
        GArray *module_users; /* NvModuleUser, sorted by pid; may be NULL */
        /* The vendor module's reference count, when it was read: only a
         * loaded module has one, and the reader looks only when someone
         * could hold the module. */
        gboolean has_vendor_refcnt;
        guint64 vendor_refcnt;
} NvHostFacts;

void nv_host_facts_clear(NvHostFacts *facts);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(NvHostFacts, nv_host_facts_clear)
