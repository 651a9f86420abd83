/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * From GError to the D-Bus error a caller gets: one table maps the
 * daemon's error domains and codes to the names of the API
 * (org.example.NestedVirt.Error.*, common/nv-dbus.h); anything it does not
 * list is Error.Failed. The message is made valid UTF-8 on the way: it may
 * quote a file name or libvirt's words in any encoding, and an error that
 * is not UTF-8 cannot be sent at all, which would leave the caller waiting.
 */
#pragma once

#include <glib.h>

#include <systemd/sd-bus.h>

/* Sets @error from @gerror, named by the table. Returns the negative errno
 * a handler returns for it. */
int nv_bus_error_set_gerror(sd_bus_error *error, const GError *gerror);

/* The same with the name @name, for an error whose meaning only the caller
 * knows (a kernel backend that cannot be created: NotSupported). */
int nv_bus_error_set_gerror_named(sd_bus_error *error, const char *name, const GError *gerror);
