/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nv-test-call: one method call to nestedvirtd, for the tests that need a
 * caller other than the test program itself: another user (the test runs
 * it through nv_test_run_as()), or a process with its own bus connection.
 *
 *   nv-test-call [--interactive] METHOD [ARGS]
 *
 * ARGS is the GVariant text of the parameter tuple ("(true,)"). The call
 * goes to $DBUS_SYSTEM_BUS_ADDRESS; --interactive sets the message's
 * ALLOW_INTERACTIVE_AUTHORIZATION flag. Prints the reply in GVariant text
 * and exits 0, or prints the D-Bus error name on stdout and its message on
 * stderr and exits 1; exits 2 when the call could not be made at all.
 */
#include "config.h"

#include <gio/gio.h>
#include <locale.h>
#include <stdio.h>

#include "nv-dbus.h"

int main(int argc, char *argv[])
{
        g_autoptr(GOptionContext) context = NULL;
        g_autoptr(GDBusConnection) connection = NULL;
        g_autoptr(GVariant) parameters = NULL;
        g_autoptr(GVariant) reply = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *text = NULL;
        gboolean interactive = FALSE;
        const GOptionEntry entries[] = {
                { "interactive", 0, 0, G_OPTION_ARG_NONE, &interactive,
                  "Allow interactive authorization (the message flag)", NULL },
                { NULL },
        };

        setlocale(LC_ALL, "");
        context = g_option_context_new("METHOD [ARGS]");
        g_option_context_add_main_entries(context, entries, NULL);
        if (!g_option_context_parse(context, &argc, &argv, &error) || argc < 2 || argc > 3) {
                fprintf(stderr, "usage: %s [--interactive] METHOD [ARGS]%s%s\n", g_get_prgname(),
                        error ? ": " : "", error ? error->message : "");
                return 2;
        }
        if (argc == 3) {
                parameters = g_variant_parse(NULL, argv[2], NULL, NULL, &error);
                if (!parameters || !g_variant_is_of_type(parameters, G_VARIANT_TYPE_TUPLE)) {
                        fprintf(stderr, "%s: ARGS must be a tuple: %s\n", g_get_prgname(),
                                error ? error->message : argv[2]);
                        return 2;
                }
        }

        connection = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, &error);
        if (!connection) {
                fprintf(stderr, "%s: cannot connect to the system bus: %s\n", g_get_prgname(),
                        error->message);
                return 2;
        }
        /* g_variant_parse() returns a full reference, which the call only
         * adds to: ours is dropped when @parameters goes out of scope. */
        reply = g_dbus_connection_call_sync(
                connection, NV_BUS_NAME, NV_OBJECT_PATH, NV_INTERFACE, argv[1], parameters, NULL,
                interactive ? G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION : G_DBUS_CALL_FLAGS_NONE, -1,
                NULL, &error);
        if (!reply) {
                g_autofree char *name = g_dbus_error_get_remote_error(error);

                if (!name) {
                        fprintf(stderr, "%s: %s\n", g_get_prgname(), error->message);
                        return 2;
                }
                g_dbus_error_strip_remote_error(error);
                printf("%s\n", name);
                fprintf(stderr, "%s\n", error->message);
                return 1;
        }
        text = g_variant_print(reply, FALSE);
        printf("%s\n", text);
        return 0;
}
