/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nv-bus-error.c: which D-Bus error name a GError becomes, and that its
 * message always reaches the wire as UTF-8.
 */
#include "config.h"

#include <errno.h>

#include "nv-bus-error.h"
#include "nv-dbus.h"
#include "nv-errno.h"
#include "nv-libvirt.h"
#include "nv-reload.h"

typedef struct {
        GQuark (*domain)(void);
        int code;
        const char *name;
} ErrorCase;

static void test_names(void)
{
        static const ErrorCase cases[] = {
                { nv_reload_error_quark, NV_RELOAD_ERROR_IN_USE, NV_ERROR_MODULE_IN_USE },
                { nv_reload_error_quark, NV_RELOAD_ERROR_BUILTIN, NV_ERROR_MODULE_BUILTIN },
                { nv_reload_error_quark, NV_RELOAD_ERROR_FAILED, NV_ERROR_FAILED },
                { nv_libvirt_error_quark, NV_LIBVIRT_ERROR_UNAVAILABLE, NV_ERROR_LIBVIRT_UNAVAILABLE },
                { nv_libvirt_error_quark, NV_LIBVIRT_ERROR_NOT_FOUND, NV_ERROR_DOMAIN_NOT_FOUND },
                { nv_libvirt_error_quark, NV_LIBVIRT_ERROR_FAILED, NV_ERROR_FAILED },
                /* A domain the table does not list. */
                { nv_errno_error_quark, EBUSY, NV_ERROR_FAILED },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autoptr(GError) gerror = g_error_new_literal(cases[i].domain(), cases[i].code, "why");
                sd_bus_error error = SD_BUS_ERROR_NULL;

                g_assert_cmpint(nv_bus_error_set_gerror(&error, gerror), <, 0);
                g_assert_cmpstr(error.name, ==, cases[i].name);
                g_assert_cmpstr(error.message, ==, "why");
                sd_bus_error_free(&error);
        }
}

/* A file name in Latin-1 in the message: sent with U+FFFD for the bad
 * byte, the rest kept. */
static void test_utf8(void)
{
        g_autoptr(GError) gerror = g_error_new_literal(NV_RELOAD_ERROR, NV_RELOAD_ERROR_IN_USE,
                                                       "Cannot read /etc/caf\xe9.conf");
        sd_bus_error error = SD_BUS_ERROR_NULL;

        nv_bus_error_set_gerror_named(&error, NV_ERROR_NOT_SUPPORTED, gerror);
        g_assert_cmpstr(error.name, ==, NV_ERROR_NOT_SUPPORTED);
        g_assert_true(g_utf8_validate(error.message, -1, NULL));
        g_assert_cmpstr(error.message, ==, "Cannot read /etc/caf\xef\xbf\xbd.conf");
        sd_bus_error_free(&error);

        nv_bus_error_set_gerror(&error, gerror);
        g_assert_cmpstr(error.name, ==, NV_ERROR_MODULE_IN_USE);
        g_assert_true(g_utf8_validate(error.message, -1, NULL));
        sd_bus_error_free(&error);
}

int main(int argc, char *argv[])
{
        g_test_init(&argc, &argv, NULL);

        g_test_add_func("/bus-error/names", test_names);
        g_test_add_func("/bus-error/utf8", test_utf8);

        return g_test_run();
}
