/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which calls that read the status are handled now, which wait and which
 * are refused, decided before their handler runs (by the daemon's bus
 * filter). A call first waits for its user's budget (nv-budget.h:
 * NV_ADMISSION_RATE calls a second, NV_ADMISSION_BURST at once; root is not
 * counted), then, when the daemon says the holders of /dev/kvm are due, for
 * their scan (nv-kvm-users.h). A call held is not handled: it is
 * dispatched again once it may go on (sd_bus_enqueue_for_read()), and
 * nv_admission_take_stage() tells the filter what it has passed already,
 * so that it waits for nothing twice. Beyond NV_ADMISSION_MAX_WAITING calls
 * of one user over its budget, or NV_ADMISSION_MAX_SCAN_WAITING calls for a
 * scan, calls are refused with LimitsExceeded. Main loop only.
 */
#pragma once

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include <glib.h>

/* A settings panel makes a handful of calls a second. */
#define NV_ADMISSION_RATE             50
#define NV_ADMISSION_BURST            50
#define NV_ADMISSION_MAX_WAITING      64
#define NV_ADMISSION_MAX_SCAN_WAITING 1024
/* Callers whose uid is remembered. */
#define NV_ADMISSION_SENDER_UIDS_MAX 4096

typedef enum {
        NV_ADMISSION_STAGE_NEW,    /* not held yet */
        NV_ADMISSION_STAGE_BUDGET, /* within its user's budget */
        NV_ADMISSION_STAGE_SCAN,   /* and the holders scanned for it */
} NvAdmissionStage;

typedef struct NvAdmission NvAdmission;

NvAdmission *nv_admission_new(sd_bus *bus, sd_event *event);

/* Answers every call still held that the daemon is exiting, then frees
 * @admission. */
void nv_admission_free(NvAdmission *admission);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvAdmission, nv_admission_free)

/* For each method call the filter sees: the stage @m had passed when it
 * was dispatched again (NEW for a call seen the first time), forgotten
 * from now on. */
NvAdmissionStage nv_admission_take_stage(NvAdmission *admission, sd_bus_message *m);

/* 0: @m is within its user's budget and goes on; 1: it waits (and comes
 * back) or was refused (and answered); or a negative errno. */
int nv_admission_charge(NvAdmission *admission, sd_bus_message *m);

/* Holds @m until nv_admission_end_scan(): 1 (held, or refused and
 * answered), or a negative errno. Starting the scan is the caller's. */
int nv_admission_wait_for_scan(NvAdmission *admission, sd_bus_message *m);

/* The scan ended: every call that waited for it goes on. Returns how many
 * did. */
guint nv_admission_end_scan(NvAdmission *admission);

/* Some call is held (for a budget or a scan). */
gboolean nv_admission_is_holding(const NvAdmission *admission);
