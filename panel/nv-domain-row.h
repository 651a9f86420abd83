/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A libvirt domain as ListDomains() reports it: its name, its state, and
 * its CPU mode in a drop-down that offers the modes ConfigureDomain()
 * sets. Choosing one emits ::mode-selected; the row does not call the
 * service itself.
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define NV_TYPE_DOMAIN_ROW (nv_domain_row_get_type())
G_DECLARE_FINAL_TYPE(NvDomainRow, nv_domain_row, NV, DOMAIN_ROW, AdwActionRow)

/* @mode: libvirt's CPU mode, "" for libvirt's default. */
GtkWidget *nv_domain_row_new(const char *name, const char *uuid, const char *state, const char *mode);
const char *nv_domain_row_get_uuid(NvDomainRow *self);
/* Says that the mode last chosen applies once the guest is powered off. */
void nv_domain_row_set_restart_due(NvDomainRow *self, gboolean restart_due);

G_END_DECLS
