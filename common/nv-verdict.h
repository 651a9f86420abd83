/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the status means for a person: the verdict line, the advice, and
 * whether (and why not) the persistent setting can be switched from here.
 * nestedvirtctl status and nestedvirt-settings both show these words, so
 * they are made here once, translatable in the "nestedvirt" domain.
 *
 * Input is an NvProperties as a client decoded it: a boolean is -1 when the
 * service did not say (a missing key, a value of another type), a string
 * NULL. Nothing here does I/O.
 *
 * Every decision starts from the host's class, which the service decides
 * and exports (HostClass): a new kind of host is a new NvHostClass, found
 * by the service's ladder, and its cases in the switches of nv-verdict.c;
 * the compiler points at every switch that misses it.
 */
#pragma once

#include <glib.h>

#include "nv-host-class.h"
#include "nv-properties.h"

/* The class the service decided (HostClass, nv-host-class.h);
 * NV_HOST_UNKNOWN when it did not say. */
NvHostClass nv_host_class(const NvProperties *props);

/* The vendor module's name, or words for it when the service could not
 * name it. */
const char *nv_verdict_module(const NvProperties *props);

/* "vmx", "svm", or "vmx or svm"; "sie" on s390x, and on POWER the words
 * for what it needs. */
const char *nv_verdict_cpu_flag(const NvProperties *props);

/* HardwareVirtualization for a person, with what it rests on: "yes (vmx
 * flag present)" on x86, "no (SIE facility missing)" on s390x, "yes
 * (POWER9 or later in HV mode)" on POWER, which have no such flag. */
char *nv_verdict_cpu_virtualization_text(const NvProperties *props);

/* The hypervisor's name, or words for an unknown one. */
const char *nv_verdict_hypervisor(const NvProperties *props);

/* The persistent setting and what decides it ("enabled by
 * /etc/modprobe.d/kvm.conf", "kernel default"); NULL when unknown. */
char *nv_verdict_persistent_text(const NvProperties *props);

/* The nested value the next load of the module uses: 1 or 0, or -1 when
 * the service reports none that can be applied. */
int nv_verdict_persistent_value(const NvProperties *props);

/* The state of the running kernel ("enabled (kvm_intel nested=Y)",
 * "not available (kvm_amd not loaded)", ...). */
char *nv_verdict_running_text(const NvProperties *props);

/* Whether the persistent setting means anything on this host: FALSE
 * where nothing will read it (no module to load, a container, PVM). */
gboolean nv_verdict_persistent_applies(const NvProperties *props);

/* The vendor module's state in words ("not in the running kernel"). */
char *nv_verdict_module_state_text(const NvProperties *props);

/* /dev/kvm: "provided by kvm_pvm, only root may open it (mode 0600,
 * root:root)", "none"; NULL when the service did not say. */
char *nv_verdict_kvm_device_text(const NvProperties *props);

/* "docker (modprobe.d and module reloads here do not reach the host's
 * kernel)"; NULL outside a container. */
char *nv_verdict_container_text(const NvProperties *props);

/* How fast nested guests will be, and what to change when they will be
 * slow ("nested guests get EPT: near native speed"); NULL where it does
 * not apply or the service did not say. */
char *nv_verdict_acceleration_text(const NvProperties *props);

/* "Nested virtualization: <running>[, persistent: <persistent>]". */
char *nv_verdict_text(const NvProperties *props);

/* What to do about what is off, most fundamental first, one sentence
 * each (no "Hint:" prefix); empty when nothing needs doing. */
GPtrArray *nv_verdict_advice(const NvProperties *props);

/* s390x: whether the setting the next load of kvm takes has hpage=1
 * (HpageConflict names where), which EnablePersistent(true) refuses. */
gboolean nv_verdict_hpage_persistent(const NvProperties *props);

/* NULL when EnablePersistent() decides what the next load of the module
 * does; otherwise why it cannot, and what to do instead. */
char *nv_verdict_persistent_blocker(const NvProperties *props);

/* "yes", "no", or "unknown" for -1 (the service did not say). */
const char *nv_verdict_yes_no(int value);

/* The state in one word, the short form of nv_verdict_running_text()
 * (which says the same, with the technical detail): the settings app's
 * headline and controls follow it. */
typedef enum {
        /* The running kernel nests. */
        NV_VERDICT_ON,
        /* It does not, and the setting (here, or at boot) can change that. */
        NV_VERDICT_OFF,
        /* It does, or does not, but the persistent setting says otherwise:
         * a reload (or a restart) applies it. */
        NV_VERDICT_RESTART_REQUIRED,
        /* The vendor module can be loaded but is not. */
        NV_VERDICT_NOT_LOADED,
        /* Nothing on this computer can turn it on. */
        NV_VERDICT_NOT_AVAILABLE,
        /* The service did not say. */
        NV_VERDICT_UNKNOWN,
} NvVerdictState;

NvVerdictState nv_verdict_state(const NvProperties *props);
