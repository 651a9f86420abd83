/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The GError -> D-Bus error name table of nv-bus-error.h.
 */
#include "config.h"

#include "nv-bus-error.h"
#include "nv-dbus.h"
#include "nv-libvirt.h"
#include "nv-reload.h"

static const struct {
        GQuark (*domain)(void);
        int code;
        const char *name;
} error_names[] = {
        { nv_reload_error_quark, NV_RELOAD_ERROR_IN_USE, NV_ERROR_MODULE_IN_USE },
        { nv_reload_error_quark, NV_RELOAD_ERROR_BUILTIN, NV_ERROR_MODULE_BUILTIN },
        { nv_libvirt_error_quark, NV_LIBVIRT_ERROR_UNAVAILABLE, NV_ERROR_LIBVIRT_UNAVAILABLE },
        { nv_libvirt_error_quark, NV_LIBVIRT_ERROR_NOT_FOUND, NV_ERROR_DOMAIN_NOT_FOUND },
        { nv_libvirt_error_quark, NV_LIBVIRT_ERROR_NOT_SUPPORTED, NV_ERROR_NOT_SUPPORTED },
};

int nv_bus_error_set_gerror_named(sd_bus_error *error, const char *name, const GError *gerror)
{
        g_autofree char *message = g_utf8_make_valid(gerror->message, -1);

        return sd_bus_error_set(error, name, message);
}

int nv_bus_error_set_gerror(sd_bus_error *error, const GError *gerror)
{
        for (size_t i = 0; i < G_N_ELEMENTS(error_names); i++)
                if (g_error_matches(gerror, error_names[i].domain(), error_names[i].code))
                        return nv_bus_error_set_gerror_named(error, error_names[i].name, gerror);
        return nv_bus_error_set_gerror_named(error, NV_ERROR_FAILED, gerror);
}
