/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The service's status as nestedvirtctl understands it: read from the
 * GetStatus() reply, then turned into text or JSON without further I/O, so
 * that the formatting can be tested on made-up values. Other verbs read it
 * too (reload needs the persistent setting, every verb that reloads the
 * module its name).
 */
#pragma once

#include "nv-properties.h"
#include "nvctl-common.h"

/* What GetStatus() said, with NvProperties' booleans -1 when unknown
 * (missing, or of an unexpected type) and its strings NULL:
 * see NVCTL_STATUS_INIT. */
typedef struct {
        NvProperties props;
        GPtrArray *extra; /* keys this client does not know, for --json */
} NvctlStatus;

#define NVCTL_STATUS_INIT                           \
        {                                           \
                .props = NV_PROPERTIES_INIT_UNKNOWN \
        }

void nvctl_status_clear(NvctlStatus *status);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(NvctlStatus, nvctl_status_clear)

/* Parses GetStatus()'s a{sv} into @status; a negative errno if the reply
 * is not an a{sv} at all. */
int nvctl_status_read(sd_bus_message *reply, NvctlStatus *status);

/* Calls GetStatus() and reads its reply. Reports nothing: a negative
 * errno, with @error (may be NULL) filled for a D-Bus error, for callers
 * to whom the status is a detail. */
int nvctl_status_fetch(sd_bus *bus, sd_bus_error *error, NvctlStatus *status);

/* Calls GetStatus() and reads its reply; on failure, says why on stderr
 * and returns NVCTL_EXIT_FAILURE. */
int nvctl_status_get(const NvctlOptions *options, sd_bus *bus, NvctlStatus *status);

/* nvctl_connect() and nvctl_status_get(): the start of every verb that
 * shows the status. */
int nvctl_status_connect_and_get(const NvctlOptions *options, sd_bus **ret_bus, NvctlStatus *status);

/* The JSON object of status --json: the D-Bus keys and types. */
JsonNode *nvctl_status_to_json(const NvctlStatus *status);

/*
 * The text of status: a verdict line, the details, then advice. @holders
 * is the escaped list of the processes holding the module, shown when it
 * is in use (NULL: they could not be found out). @domains (of NvctlDomain,
 * see nvctl-list-domains.h) adds a line saying how many libvirt domains
 * can host nested guests; NULL when libvirt could not be asked.
 */
void nvctl_status_format_text(const NvctlStatus *status, const char *holders, const GArray *domains,
                              GString *out);
