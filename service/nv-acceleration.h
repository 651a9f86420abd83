/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * How fast nested guests will be (NestedAcceleration and its reasons),
 * from facts the host reader gathered. Pure: no I/O.
 *
 * On a host (no "hypervisor" flag), what its nested guests get is what the
 * vendor module runs with: kvm_intel's ept, enable_shadow_vmcs,
 * enable_apicv and unrestricted_guest, kvm_amd's npt, vgif and vls. Inside
 * a guest, what its own guests (L2) get is what the hypervisor below
 * passed in, as /proc/cpuinfo shows it: the "vmx flags" line's ept, vpid
 * and unrestricted_guest, AMD's npt, nrip_save, vgif and v_vmsave_vmload.
 * Without EPT/NPT an L2 guest runs on shadow paging, many times slower;
 * the others save exits.
 */
#pragma once

#include <glib.h>

#include "nv-cpuinfo.h"

/* How many parameters of the vendor module nv_acceleration_parameters()
 * names. */
#define NV_ACCELERATION_N_PARAMETERS 4

/* The vendor module's parameters that decide the speed of nested guests,
 * in a fixed order (NV_ACCELERATION_N_PARAMETERS of them, NULL after the
 * last for a vendor with fewer); NULL for an unknown vendor. kvm_amd's
 * avic is not one: KVM inhibits AVIC while a vCPU runs a nested guest
 * (APICV_INHIBIT_REASON_NESTED, arch/x86/kvm/svm/avic.c). */
const char *const *nv_acceleration_parameters(NvCpuVendor vendor);

typedef struct {
        const NvCpuInfo *cpu;
        /* The vendor module runs (loaded or built in). */
        gboolean module_loaded;
        /* The raw values of nv_acceleration_parameters()' files, in its
         * order; NULL where one could not be read. */
        const char *const *parameters;
} NvAccelerationFacts;

/* The grade: "full", "partial", "slow", "unknown", or "" where nested
 * guests cannot run at all (no vmx/svm, an unknown CPU). @ret_reasons:
 * what keeps it from "full", space-separated: a module parameter that is
 * off as "kvm_intel.ept", a feature the hypervisor below does not pass in
 * by its /proc/cpuinfo name ("ept"); empty for "full" and "". */
void nv_acceleration_assess(const NvAccelerationFacts *facts, char **ret_grade, char **ret_reasons);
