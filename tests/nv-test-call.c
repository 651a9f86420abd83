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
 *
 *   nv-test-call --burst=N [--connections=K] METHOD [ARGS]
 *
 * sends the call N times at once on each of K connections of its own
 * (default 1), without waiting for a reply in between,
 * then waits for all N replies and prints how many there were of each
 * kind, one line each, "ok COUNT" or "ERROR-NAME COUNT FIRST-MESSAGE", and
 * exits 0. With --fds=M each of those calls carries M file descriptors
 * (of /dev/null), which no method of the interface takes. With
 * --hit-and-run it does not wait: it opens each connection in turn, sends
 * its N calls, closes it at once and opens the next, then prints
 * "sent COUNT" and exits 0; the replies go to connections that are gone.
 */
#include "config.h"

#include <gio/gio.h>
#include <gio/gunixfdlist.h>
#include <locale.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "nv-dbus.h"

typedef struct {
        guint n_left;
        guint n_ok;
        GHashTable *errors; /* name -> Outcome */
} Burst;

typedef struct {
        guint count;
        char *first_message;
} Outcome;

static void outcome_free(gpointer data)
{
        Outcome *o = data;

        g_free(o->first_message);
        g_free(o);
}

static void on_burst_reply(GObject *source, GAsyncResult *result, gpointer user_data)
{
        Burst *burst = user_data;
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);

        burst->n_left--;
        if (reply) {
                burst->n_ok++;
                return;
        }
        {
                g_autofree char *name = g_dbus_error_get_remote_error(error);
                Outcome *o;

                if (!name)
                        name = g_strdup("(local)");
                o = g_hash_table_lookup(burst->errors, name);
                if (!o) {
                        o = g_new0(Outcome, 1);
                        g_dbus_error_strip_remote_error(error);
                        o->first_message = g_strdup(error->message);
                        g_hash_table_insert(burst->errors, g_steal_pointer(&name), o);
                }
                o->count++;
        }
}

/* @n_fds descriptors of /dev/null, one list shared by every call: the
 * list is sent, not consumed, so the caller holds @n_fds however many
 * calls carry them. */
static GUnixFDList *fd_list_new(guint n_fds, GError **error)
{
        g_autoptr(GUnixFDList) list = g_unix_fd_list_new();
        int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

        if (fd < 0) {
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "/dev/null: %s",
                            g_strerror(errno));
                return NULL;
        }
        for (guint i = 0; i < n_fds; i++)
                if (g_unix_fd_list_append(list, fd, error) < 0) {
                        close(fd);
                        return NULL;
                }
        close(fd);
        return g_steal_pointer(&list);
}

/* A connection of its own to the bus at @address, not the shared one. */
static GDBusConnection *connect_to(const char *address, GError **error)
{
        return g_dbus_connection_new_for_address_sync(address,
                                                      G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                              G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                      NULL, NULL, error);
}

/* @n_connections connections of their own to the system bus, each
 * sending @n calls, with @n_fds descriptors each. */
static int run_burst(const char *method, GVariant *parameters, guint n, guint n_connections, guint n_fds)
{
        Burst burst = { .n_left = n * n_connections,
                        .errors = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, outcome_free) };
        g_autoptr(GPtrArray) connections = g_ptr_array_new_with_free_func(g_object_unref);
        g_autoptr(GUnixFDList) fds = NULL;
        g_autofree char *address = NULL;
        g_autoptr(GError) error = NULL;
        GHashTableIter iter;
        gpointer key, value;

        if (n_fds > 0) {
                fds = fd_list_new(n_fds, &error);
                if (!fds) {
                        fprintf(stderr, "%s: %s\n", g_get_prgname(), error->message);
                        return 2;
                }
        }
        address = g_dbus_address_get_for_bus_sync(G_BUS_TYPE_SYSTEM, NULL, &error);
        for (guint c = 0; address && c < n_connections; c++) {
                GDBusConnection *connection = connect_to(address, &error);

                if (!connection)
                        break;
                g_ptr_array_add(connections, connection);
        }
        if (error) {
                fprintf(stderr, "%s: cannot connect to the system bus: %s\n", g_get_prgname(),
                        error->message);
                return 2;
        }
        for (guint c = 0; c < n_connections; c++)
                for (guint i = 0; i < n; i++)
                        g_dbus_connection_call_with_unix_fd_list(connections->pdata[c], NV_BUS_NAME,
                                                                 NV_OBJECT_PATH, NV_INTERFACE, method,
                                                                 parameters, NULL, G_DBUS_CALL_FLAGS_NONE,
                                                                 -1, fds, NULL, on_burst_reply, &burst);
        while (burst.n_left > 0)
                g_main_context_iteration(NULL, TRUE);
        printf("ok %u\n", burst.n_ok);
        g_hash_table_iter_init(&iter, burst.errors);
        while (g_hash_table_iter_next(&iter, &key, &value)) {
                const Outcome *o = value;

                printf("%s %u %s\n", (const char *)key, o->count, o->first_message);
        }
        g_hash_table_unref(burst.errors);
        return 0;
}

/* Connection after connection, each sending @n calls and closed before
 * any reply can come. */
static int run_hit_and_run(const char *method, GVariant *parameters, guint n, guint n_connections)
{
        g_autofree char *address = NULL;
        g_autoptr(GError) error = NULL;
        guint n_sent = 0;

        address = g_dbus_address_get_for_bus_sync(G_BUS_TYPE_SYSTEM, NULL, &error);
        for (guint c = 0; address && c < n_connections; c++) {
                g_autoptr(GDBusConnection) connection = connect_to(address, &error);

                if (!connection)
                        break;
                for (guint i = 0; i < n; i++) {
                        g_autoptr(GDBusMessage) call = g_dbus_message_new_method_call(
                                NV_BUS_NAME, NV_OBJECT_PATH, NV_INTERFACE, method);

                        if (parameters)
                                g_dbus_message_set_body(call, parameters);
                        if (!g_dbus_connection_send_message(connection, call, G_DBUS_SEND_MESSAGE_FLAGS_NONE,
                                                            NULL, &error))
                                break;
                        n_sent++;
                }
                if (error || !g_dbus_connection_close_sync(connection, NULL, &error))
                        break;
        }
        if (error) {
                fprintf(stderr, "%s: %s\n", g_get_prgname(), error->message);
                return 2;
        }
        printf("sent %u\n", n_sent);
        return 0;
}

int main(int argc, char *argv[])
{
        g_autoptr(GOptionContext) context = NULL;
        g_autoptr(GDBusConnection) connection = NULL;
        g_autoptr(GVariant) parameters = NULL;
        g_autoptr(GVariant) reply = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *text = NULL;
        gboolean interactive = FALSE;
        gboolean hit_and_run = FALSE;
        gint burst = 0;
        gint n_connections = 1;
        gint n_fds = 0;
        const GOptionEntry entries[] = {
                { "interactive", 0, 0, G_OPTION_ARG_NONE, &interactive,
                  "Allow interactive authorization (the message flag)", NULL },
                { "burst", 0, 0, G_OPTION_ARG_INT, &burst, "Make the call N times at once", "N" },
                { "connections", 0, 0, G_OPTION_ARG_INT, &n_connections,
                  "With --burst: on K connections, N times on each", "K" },
                { "fds", 0, 0, G_OPTION_ARG_INT, &n_fds, "With --burst: M file descriptors with each call",
                  "M" },
                { "hit-and-run", 0, 0, G_OPTION_ARG_NONE, &hit_and_run,
                  "With --burst: close each connection once its calls are sent, without waiting", NULL },
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

        if (burst > 0 && hit_and_run)
                return run_hit_and_run(argv[1], parameters, (guint)burst, (guint)MAX(n_connections, 1));
        if (burst > 0)
                return run_burst(argv[1], parameters, (guint)burst, (guint)MAX(n_connections, 1),
                                 (guint)MAX(n_fds, 0));
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
