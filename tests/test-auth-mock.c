/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The bouncer (service/nv-auth.c) against a mocked polkit: the test owns
 * org.freedesktop.PolicyKit1 on the private bus with libglib-testing's
 * GtDBusQueue, exporting org.freedesktop.PolicyKit1.Authority, and answers
 * each CheckAuthorization the daemon sends the way the test needs. So the
 * tests see exactly what the daemon asks (the action per method, the
 * subject, the AllowUserInteraction flag) and control what polkit says
 * and when: authorized, not authorized, a challenge, an error reply, a
 * reply that takes its time while others are served, a caller that
 * leaves before the answer (also at once, many times over), a second pass
 * that refuses after polkit said yes, and a polkit that never answers.
 *
 * GtDBusQueue always brings its bus up through GLib's GTestDBus, which
 * runs $G_TEST_DBUS_DAEMON; tests/nv-test-attach-bus.sh stands in for
 * dbus-daemon there and hands it the harness's system-like bus instead,
 * so the mock is served on the bus the daemon uses, with the real bus
 * policy (plus tests/nv-test-polkit-mock.conf, which lets root own
 * polkit's name).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gunixfdlist.h>
#include <libglib-testing/dbus-queue.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nv-auth.h"
#include "nv-dbus.h"
#include "nv-test-bus.h"
#include "nv-test-host.h"

#define ACTION_ENABLE "org.example.NestedVirt.enable-persistent"
#define ACTION_RELOAD "org.example.NestedVirt.reload-module"

/* What the tests start from: a file with a comment and another option on
 * the line EnablePersistent changes. */
static const char kvm_conf[] = "# nested for the CI runners\n"
                               "options kvm_intel nested=0 enable_apicv=1\n";
static const char kvm_conf_enabled[] = "# nested for the CI runners\n"
                                       "options kvm_intel nested=1 enable_apicv=1\n";

/* GTestDBus forks a watcher once per program, which lives as long as the
 * program: registered with the harness, so it is not taken for a process
 * a test left behind. */
static int gtestdbus_watcher_slot = -1;
static pid_t gtestdbus_watcher_pid;

typedef struct {
        NvTestEnv env;
        GtDBusQueue *queue;
        pid_t stand_in_pid; /* tests/nv-test-attach-bus.sh */
        int stand_in_slot;
} Fixture;

/* ---- The mock polkit --------------------------------------------------- */

static gboolean queue_has_message(gpointer user_data)
{
        return gt_dbus_queue_get_n_messages(user_data) > 0;
}

/* The name appeared (or not) on the bus, for mock_start(). */
static void name_owner_seen(GDBusConnection *connection, const char *name, const char *owner,
                            gpointer user_data)
{
        *(gboolean *)user_data = TRUE;
}

static gboolean flag_is_set(gpointer user_data)
{
        return *(gboolean *)user_data;
}

static pid_t read_pid_file(const char *path)
{
        g_autofree char *text = NULL;
        g_autoptr(GError) error = NULL;
        guint64 pid;

        g_file_get_contents(path, &text, NULL, &error);
        g_assert_no_error(error);
        g_strstrip(text);
        g_assert_true(g_ascii_string_to_unsigned(text, 10, 1, G_MAXINT32, &pid, NULL));
        return (pid_t)pid;
}

/* Puts the mock authority on the fixture's bus and waits until it owns
 * polkit's name there. */
static void mock_start(Fixture *f)
{
        g_autofree char *pid_file = nv_test_host_path(f->env.host, "/nv-test-attach-bus.pid");
        g_autoptr(GArray) children = NULL;
        g_autoptr(GError) error = NULL;
        gboolean owned = FALSE;
        guint watch;

        g_setenv("NV_TEST_ATTACH_ADDRESS", nv_test_bus_get_address(f->env.bus), TRUE);
        g_setenv("NV_TEST_ATTACH_PID_FILE", pid_file, TRUE);

        f->queue = gt_dbus_queue_new();
        g_assert_true(gt_dbus_queue_connect(f->queue, &error));
        g_assert_no_error(error);

        f->stand_in_pid = read_pid_file(pid_file);
        f->stand_in_slot = nv_test_watch_child(f->stand_in_pid);
        children = nv_test_list_unknown_children();
        if (gtestdbus_watcher_slot < 0 && children->len == 1) {
                gtestdbus_watcher_pid = g_array_index(children, pid_t, 0);
                gtestdbus_watcher_slot = nv_test_watch_child(gtestdbus_watcher_pid);
        } else {
                g_assert_cmpuint(children->len, ==, 0);
        }

        (void)gt_dbus_queue_own_name(f->queue, NV_TEST_POLKIT_BUS_NAME);
        (void)gt_dbus_queue_export_object(f->queue, NV_TEST_POLKIT_PATH, nv_test_polkit_authority_info(),
                                          &error);
        g_assert_no_error(error);

        /* gt_dbus_queue_own_name() only asks for the name. */
        watch = g_bus_watch_name_on_connection(f->env.connection, NV_TEST_POLKIT_BUS_NAME,
                                               G_BUS_NAME_WATCHER_FLAGS_NONE, name_owner_seen, NULL, &owned,
                                               NULL);
        g_assert_true(nv_test_wait_until(flag_is_set, &owned, NV_TEST_TIMEOUT_MS));
        g_bus_unwatch_name(watch);
}

static GPtrArray *retired_queues(void)
{
        static GPtrArray *queues;

        if (!queues)
                queues = g_ptr_array_new();
        return queues;
}

static void stand_in_exited(GPid pid, gint status, gpointer user_data)
{
        *(gboolean *)user_data = TRUE;
}

static void mock_stop(Fixture *f)
{
        g_autoptr(GSource) child_watch = NULL;
        GDBusMethodInvocation *left;
        gboolean exited = FALSE;

        if (!f->queue)
                return;
        /* After a failed check, calls may be left; the test said so. */
        while (gt_dbus_queue_get_n_messages(f->queue) > 0 && gt_dbus_queue_pop_message(f->queue, &left)) {
                g_dbus_method_invocation_return_dbus_error(left, "org.freedesktop.DBus.Error.Failed",
                                                           "The test ended");
                g_object_unref(left);
        }
        /* Sends the stand-in GTestDBus's SIGTERM, but does not reap it. */
        gt_dbus_queue_disconnect(f->queue, FALSE);
        /*
         * gt_dbus_queue_free() asserts that the queue's server context has
         * nothing left to dispatch, but closing its connection and
         * releasing its name queue callbacks there (the ReleaseName reply,
         * the "closed" signal) that race with the server thread's exit:
         * about half of the runs abort in libglib-testing 0.1.1. The
         * queue is disconnected and its thread joined by now, so keep it
         * reachable until the program ends instead of freeing it.
         */
        g_ptr_array_add(retired_queues(), g_steal_pointer(&f->queue));

        child_watch = g_child_watch_source_new(f->stand_in_pid);
        g_source_set_callback(child_watch, G_SOURCE_FUNC(stand_in_exited), &exited, NULL);
        g_source_attach(child_watch, g_main_context_get_thread_default());
        if (!nv_test_wait_until(flag_is_set, &exited, NV_TEST_TIMEOUT_MS)) {
                g_test_fail_printf("the stand-in bus (pid %d) did not exit on SIGTERM",
                                   (int)f->stand_in_pid);
                kill(f->stand_in_pid, SIGKILL);
                (void)waitpid(f->stand_in_pid, NULL, 0);
        }
        g_source_destroy(child_watch);
        nv_test_forget_child(f->stand_in_slot);
        f->stand_in_slot = -1;
}

/* The pid of the process that has bus name @name, as the bus knows it. */
static guint32 pid_of(Fixture *f, const char *name)
{
        g_autoptr(GVariant) reply = NULL;
        g_autoptr(GError) error = NULL;
        guint32 pid;

        reply = g_dbus_connection_call_sync(
                f->env.connection, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                "GetConnectionUnixProcessID", g_variant_new("(s)", name), G_VARIANT_TYPE("(u)"),
                G_DBUS_CALL_FLAGS_NONE, NV_TEST_TIMEOUT_MS, NULL, &error);
        g_assert_no_error(error);
        g_variant_get(reply, "(u)", &pid);
        return pid;
}

/*
 * Pops the next call the daemon made to the mock authority, without
 * blocking; NULL when there is none. polkit-gobject reads the Authority's
 * properties when it makes its proxy: those calls are answered here,
 * whenever they come.
 */
static GDBusMethodInvocation *mock_try_pop(Fixture *f)
{
        while (gt_dbus_queue_get_n_messages(f->queue) > 0) {
                GDBusMethodInvocation *invocation = NULL;
                const char *interface;
                const char *method;

                /* Does not block: there is a message. (Not
                 * gt_dbus_queue_try_pop_message(): in libglib-testing
                 * 0.1.1 it never pops anything.) */
                g_assert_true(gt_dbus_queue_pop_message(f->queue, &invocation));

                interface = g_dbus_method_invocation_get_interface_name(invocation);
                method = g_dbus_method_invocation_get_method_name(invocation);
                g_assert_cmpstr(g_dbus_method_invocation_get_object_path(invocation), ==,
                                NV_TEST_POLKIT_PATH);
                /* The daemon is the only one asking polkit (on a
                 * connection of polkit-gobject's own). */
                g_assert_cmpuint(pid_of(f, g_dbus_method_invocation_get_sender(invocation)), ==,
                                 pid_of(f, nv_test_daemon_get_unique_name(f->env.daemon)));

                if (g_str_equal(interface, "org.freedesktop.DBus.Properties") &&
                    g_str_equal(method, "GetAll")) {
                        g_dbus_method_invocation_return_value(
                                invocation, g_variant_new_parsed("({'BackendName': <'nv-mock'>,"
                                                                 " 'BackendVersion': <'0'>,"
                                                                 " 'BackendFeatures': <uint32 0>},)"));
                        continue;
                }
                if (g_str_equal(interface, "org.freedesktop.DBus.Properties") &&
                    g_str_equal(method, "Get")) {
                        g_dbus_method_invocation_return_dbus_error(invocation,
                                                                   "org.freedesktop.DBus.Error.InvalidArgs",
                                                                   "The mock has no single properties");
                        continue;
                }
                g_assert_cmpstr(interface, ==, NV_TEST_POLKIT_INTERFACE);
                return invocation;
        }
        return NULL;
}

/* The next call the daemon makes to the mock authority, within the bound. */
static GDBusMethodInvocation *mock_pop(Fixture *f)
{
        for (;;) {
                GDBusMethodInvocation *invocation;

                if (!nv_test_wait_until(queue_has_message, f->queue, NV_TEST_TIMEOUT_MS))
                        g_error("the daemon did not call polkit within %d ms", NV_TEST_TIMEOUT_MS);
                invocation = mock_try_pop(f);
                if (invocation)
                        return invocation;
        }
}

/*
 * Pops the next call, which must be CheckAuthorization of @action for the
 * bus name @caller with @flags, and returns it for the test to answer;
 * *ret_cancellation_id gets its cancellation id if not NULL.
 */
static GDBusMethodInvocation *mock_expect_check(Fixture *f, const char *action, const char *caller,
                                                guint32 flags, char **ret_cancellation_id)
{
        GDBusMethodInvocation *invocation = mock_pop(f);
        g_autoptr(GVariant) subject_details = NULL;
        g_autoptr(GVariant) expected_details = NULL;
        g_autoptr(GVariant) details = NULL;
        const char *kind, *action_id, *cancellation_id;
        guint32 check_flags;

        g_assert_cmpstr(g_dbus_method_invocation_get_method_name(invocation), ==, "CheckAuthorization");
        g_variant_get(g_dbus_method_invocation_get_parameters(invocation), "((&s@a{sv})&s@a{ss}u&s)", &kind,
                      &subject_details, &action_id, &details, &check_flags, &cancellation_id);

        /* The caller's bus name, never a pid: a pid can be reused by
         * another process before polkit looks it up. */
        g_assert_cmpstr(kind, ==, "system-bus-name");
        expected_details = g_variant_ref_sink(g_variant_new_parsed("{'name': <%s>}", caller));
        g_assert_cmpvariant(subject_details, expected_details);
        g_assert_cmpstr(action_id, ==, action);
        g_assert_cmpuint(check_flags, ==, flags);
        if (ret_cancellation_id)
                *ret_cancellation_id = g_strdup(cancellation_id);
        return invocation;
}

static void mock_reply(GDBusMethodInvocation *invocation, gboolean authorized, gboolean challenge)
{
        g_dbus_method_invocation_return_value(
                invocation, g_variant_new_parsed("((%b, %b, @a{ss} {}),)", authorized, challenge));
        g_object_unref(invocation);
}

/* The cancellation id of @check, a CheckAuthorization. */
static const char *check_cancellation_id(GDBusMethodInvocation *check)
{
        const char *id;

        g_variant_get(g_dbus_method_invocation_get_parameters(check), "((&s@a{sv})&s@a{ss}u&s)", NULL, NULL,
                      NULL, NULL, NULL, &id);
        return id;
}

/*
 * Answers @cancel, a CancelCheckAuthorization, as polkitd does when its
 * answer to the check crossed the cancellation: the check, if it is among
 * @unanswered (NULL for none), gets a "no" first, and the cancellation
 * "No such cancellation_id". Returns the id it cancelled.
 */
static char *mock_reply_crossed_cancel(GDBusMethodInvocation *cancel, GPtrArray *unanswered)
{
        char *id = NULL;

        g_assert_cmpstr(g_dbus_method_invocation_get_method_name(cancel), ==, "CancelCheckAuthorization");
        g_variant_get(g_dbus_method_invocation_get_parameters(cancel), "(s)", &id);
        for (guint i = 0; unanswered && i < unanswered->len; i++) {
                if (g_str_equal(check_cancellation_id(unanswered->pdata[i]), id)) {
                        mock_reply(g_ptr_array_steal_index(unanswered, i), FALSE, FALSE);
                        break;
                }
        }
        g_dbus_method_invocation_return_dbus_error(cancel, "org.freedesktop.PolicyKit1.Error.Failed",
                                                   "No such cancellation_id");
        g_object_unref(cancel);
        return id;
}

/*
 * Takes everything the daemon has sent polkit so far: answers every check
 * with yes, or when @unanswered is not NULL keeps it there unanswered, and
 * answers every cancellation with mock_reply_crossed_cancel(). Returns how
 * many checks it took.
 */
static guint mock_take_all(Fixture *f, GPtrArray *unanswered)
{
        GDBusMethodInvocation *invocation;
        guint n = 0;

        while ((invocation = mock_try_pop(f))) {
                if (!g_str_equal(g_dbus_method_invocation_get_method_name(invocation),
                                 "CheckAuthorization")) {
                        g_free(mock_reply_crossed_cancel(invocation, unanswered));
                        continue;
                }
                if (unanswered)
                        g_ptr_array_add(unanswered, invocation);
                else
                        mock_reply(invocation, TRUE, FALSE);
                n++;
        }
        return n;
}

/* ---- Calls to the daemon ------------------------------------------------ */

/* Calls @method on @connection without waiting: the answer depends on
 * what the mock does in the meantime. */
static void call_start(GDBusConnection *connection, const char *method, GVariant *parameters,
                       GDBusCallFlags flags, NvTestCall *call)
{
        g_dbus_connection_call(connection, NV_BUS_NAME, NV_OBJECT_PATH, NV_INTERFACE, method, parameters,
                               NULL, flags | G_DBUS_CALL_FLAGS_NO_AUTO_START, NV_TEST_TIMEOUT_MS, NULL,
                               nv_test_call_finished, call);
}

static void call_wait(NvTestCall *call)
{
        if (!nv_test_wait_until(nv_test_call_is_done, call, NV_TEST_TIMEOUT_MS))
                g_error("no answer from the daemon within %d ms", NV_TEST_TIMEOUT_MS);
}

/* The call failed with D-Bus error @name. */
static void call_assert_error(NvTestCall *call, const char *name)
{
        g_autofree char *remote = NULL;

        g_assert_true(call->done);
        g_assert_null(call->reply);
        g_assert_nonnull(call->error);
        remote = g_dbus_error_get_remote_error(call->error);
        if (g_strcmp0(remote, name) != 0)
                g_error("expected %s, got %s", name, call->error->message);
}

/* The call succeeded and returned the string @expected. */
static void call_assert_string(NvTestCall *call, const char *expected)
{
        const char *value;

        g_assert_true(call->done);
        g_assert_no_error(call->error);
        g_assert_cmpstr(g_variant_get_type_string(call->reply), ==, "(s)");
        g_variant_get(call->reply, "(&s)", &value);
        g_assert_cmpstr(value, ==, expected);
}

static const char *caller_name(Fixture *f)
{
        return g_dbus_connection_get_unique_name(f->env.connection);
}

static void assert_kvm_conf(Fixture *f, const char *expected)
{
        g_autoptr(GBytes) contents = nv_test_host_read(f->env.host, "/etc/modprobe.d/kvm.conf");

        g_assert_nonnull(contents);
        g_assert_cmpmem(g_bytes_get_data(contents, NULL), g_bytes_get_size(contents), expected,
                        strlen(expected));
}

/* What the simulated kernel was asked to do, "" for nothing. */
static char *sim_log(Fixture *f)
{
        g_autoptr(GBytes) log = nv_test_host_read(f->env.host, "/sim/log");

        return g_strdup(log ? g_bytes_get_data(log, NULL) : "");
}

/* ---- Fixture --------------------------------------------------------- */

/* A daemon other than the usual one, for the tests that need it. */
typedef struct {
        NvTestPreset preset;
        const char *const *daemon_args; /* after the usual ones */
        const char *polkit_timeout_sec; /* $NESTEDVIRTD_POLKIT_TIMEOUT_SEC */
} DaemonSetup;

static void fixture_setup_daemon(Fixture *f, gconstpointer data)
{
        const DaemonSetup *setup = data;
        const char *const policies[] = { nv_test_getenv("NV_TEST_POLKIT_MOCK_POLICY"), NULL };
        const NvTestEnvOptions options = {
                .bus_policies = policies,
                .daemon_program = nv_test_getenv("NV_DAEMON_SIM"),
        };

        f->stand_in_slot = -1;
        nv_test_env_setup_full(&f->env, setup->preset, &options);
        nv_test_host_write_modprobe(f->env.host, "/etc/modprobe.d", "kvm.conf", kvm_conf);
        mock_start(f);
        /* The daemon's environment is the test program's at its start. */
        if (setup->polkit_timeout_sec)
                g_setenv("NESTEDVIRTD_POLKIT_TIMEOUT_SEC", setup->polkit_timeout_sec, TRUE);
        nv_test_env_start_daemon_with_args(&f->env, setup->daemon_args);
        g_unsetenv("NESTEDVIRTD_POLKIT_TIMEOUT_SEC");
}

static void fixture_setup(Fixture *f, gconstpointer data)
{
        const DaemonSetup setup = { .preset = GPOINTER_TO_INT(data) };

        fixture_setup_daemon(f, &setup);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
        /* The daemon must survive whatever polkit did to it: it is
         * stopped, and its exit status checked, while the mock still
         * answers. */
        g_autoptr(GError) error = NULL;

        if (f->env.daemon && !nv_test_daemon_stop(f->env.daemon, &error))
                g_test_fail_printf("%s", error->message);
        if (f->env.daemon && g_test_failed())
                nv_test_daemon_print_log(f->env.daemon);
        g_clear_pointer(&f->env.daemon, nv_test_daemon_free);
        mock_stop(f);
        nv_test_env_teardown(&f->env);
}

/* ---- Tests ----------------------------------------------------------- */

/* The read-only methods are answered without asking polkit. */
static void test_read_only_not_checked(Fixture *f, gconstpointer data)
{
        g_autoptr(GVariant) status = nv_test_env_get_status(&f->env);

        g_assert_nonnull(status);
        g_assert_cmpuint(gt_dbus_queue_get_n_messages(f->queue), ==, 0);
}

/* Arguments and the host are checked before polkit is asked: a request
 * that cannot succeed does not make anyone type a password. */
static void test_refused_before_polkit(Fixture *f, gconstpointer data)
{
        g_auto(NvTestCall) enable = { 0 };
        g_auto(NvTestCall) reload = { 0 };

        call_start(f->env.connection, "EnablePersistent", g_variant_new("(b)", TRUE),
                   G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION, &enable);
        call_wait(&enable);
        call_assert_error(&enable, NV_ERROR_MODULE_BUILTIN);
        call_start(f->env.connection, "ReloadModule", g_variant_new("(b)", TRUE),
                   G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION, &reload);
        call_wait(&reload);
        call_assert_error(&reload, NV_ERROR_MODULE_BUILTIN);
        gt_dbus_queue_assert_no_messages(f->queue);
}

/* EnablePersistent asks for its action, about the caller, without
 * interaction when the message does not allow it; allowed, it writes. */
static void test_enable_authorized(Fixture *f, gconstpointer data)
{
        g_auto(NvTestCall) call = { 0 };

        call_start(f->env.connection, "EnablePersistent", g_variant_new("(b)", TRUE), G_DBUS_CALL_FLAGS_NONE,
                   &call);
        mock_reply(mock_expect_check(f, ACTION_ENABLE, caller_name(f), 0, NULL), TRUE, FALSE);
        call_wait(&call);
        g_assert_no_error(call.error);
        call_assert_string(&call, "/etc/modprobe.d/kvm.conf");
        assert_kvm_conf(f, kvm_conf_enabled);
        gt_dbus_queue_assert_no_messages(f->queue);
}

/* The message's ALLOW_INTERACTIVE_AUTHORIZATION flag becomes polkit's
 * AllowUserInteraction. */
static void test_enable_interactive(Fixture *f, gconstpointer data)
{
        g_auto(NvTestCall) call = { 0 };

        call_start(f->env.connection, "EnablePersistent", g_variant_new("(b)", TRUE),
                   G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION, &call);
        mock_reply(mock_expect_check(f, ACTION_ENABLE, caller_name(f), NV_TEST_POLKIT_INTERACTIVE, NULL),
                   TRUE, FALSE);
        call_wait(&call);
        g_assert_no_error(call.error);
        assert_kvm_conf(f, kvm_conf_enabled);
}

/* polkit says no: AccessDenied, and the file is not touched. */
static void test_enable_not_authorized(Fixture *f, gconstpointer data)
{
        g_auto(NvTestCall) call = { 0 };
        struct stat before, after;
        g_autofree char *path = nv_test_host_path(f->env.host, "/etc/modprobe.d/kvm.conf");

        g_assert_cmpint(stat(path, &before), ==, 0);
        call_start(f->env.connection, "EnablePersistent", g_variant_new("(b)", TRUE),
                   G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION, &call);
        mock_reply(mock_expect_check(f, ACTION_ENABLE, caller_name(f), NV_TEST_POLKIT_INTERACTIVE, NULL),
                   FALSE, FALSE);
        call_wait(&call);
        call_assert_error(&call, "org.freedesktop.DBus.Error.AccessDenied");
        assert_kvm_conf(f, kvm_conf);
        g_assert_cmpint(stat(path, &after), ==, 0);
        g_assert_cmpuint(before.st_ino, ==, after.st_ino);
}

/* polkit wants a password the caller did not allow to be asked for. */
static void test_enable_challenge(Fixture *f, gconstpointer data)
{
        g_auto(NvTestCall) call = { 0 };

        call_start(f->env.connection, "EnablePersistent", g_variant_new("(b)", TRUE), G_DBUS_CALL_FLAGS_NONE,
                   &call);
        mock_reply(mock_expect_check(f, ACTION_ENABLE, caller_name(f), 0, NULL), FALSE, TRUE);
        call_wait(&call);
        call_assert_error(&call, "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired");
        assert_kvm_conf(f, kvm_conf);
}

/* polkit fails: a denial, never a pass. */
static void test_enable_polkit_error(Fixture *f, gconstpointer data)
{
        g_auto(NvTestCall) call = { 0 };
        GDBusMethodInvocation *check;

        call_start(f->env.connection, "EnablePersistent", g_variant_new("(b)", TRUE), G_DBUS_CALL_FLAGS_NONE,
                   &call);
        check = mock_expect_check(f, ACTION_ENABLE, caller_name(f), 0, NULL);
        g_dbus_method_invocation_return_dbus_error(check, "org.freedesktop.PolicyKit1.Error.Failed",
                                                   "The mock authority failed");
        g_object_unref(check);
        call_wait(&call);
        call_assert_error(&call, "org.freedesktop.DBus.Error.AccessDenied");
        assert_kvm_conf(f, kvm_conf);
}

/* ReloadModule asks for its own action; allowed, it reloads. */
static void test_reload_authorized(Fixture *f, gconstpointer data)
{
        g_auto(NvTestCall) call = { 0 };
        g_autofree char *log = NULL;

        call_start(f->env.connection, "ReloadModule", g_variant_new("(b)", TRUE), G_DBUS_CALL_FLAGS_NONE,
                   &call);
        mock_reply(mock_expect_check(f, ACTION_RELOAD, caller_name(f), 0, NULL), TRUE, FALSE);
        call_wait(&call);
        g_assert_no_error(call.error);
        call_assert_string(&call, "Y");
        log = sim_log(f);
        g_assert_cmpstr(log, ==, "unload kvm_intel\nload kvm_intel nested=1\n");
}

/* Denied, ReloadModule leaves the kernel alone. */
static void test_reload_not_authorized(Fixture *f, gconstpointer data)
{
        g_auto(NvTestCall) call = { 0 };
        g_autofree char *log = NULL;

        call_start(f->env.connection, "ReloadModule", g_variant_new("(b)", TRUE),
                   G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION, &call);
        mock_reply(mock_expect_check(f, ACTION_RELOAD, caller_name(f), NV_TEST_POLKIT_INTERACTIVE, NULL),
                   FALSE, FALSE);
        call_wait(&call);
        call_assert_error(&call, "org.freedesktop.DBus.Error.AccessDenied");
        log = sim_log(f);
        g_assert_cmpstr(log, ==, "");
}

/* While polkit takes its time with one caller (someone typing a
 * password), everyone else is served. */
static void test_slow_reply(Fixture *f, gconstpointer data)
{
        g_autoptr(GDBusConnection) other = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = NULL;
        g_auto(NvTestCall) call = { 0 };
        GDBusMethodInvocation *check;

        call_start(f->env.connection, "EnablePersistent", g_variant_new("(b)", TRUE),
                   G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION, &call);
        check = mock_expect_check(f, ACTION_ENABLE, caller_name(f), NV_TEST_POLKIT_INTERACTIVE, NULL);

        other = nv_test_bus_connect(f->env.bus, &error);
        g_assert_no_error(error);
        reply = g_dbus_connection_call_sync(other, NV_BUS_NAME, NV_OBJECT_PATH, NV_INTERFACE, "GetStatus",
                                            NULL, G_VARIANT_TYPE("(a{sv})"), G_DBUS_CALL_FLAGS_NONE,
                                            NV_TEST_TIMEOUT_MS, NULL, &error);
        g_assert_no_error(error);
        /* Nothing happened for the waiting caller meanwhile. */
        g_assert_false(call.done);
        assert_kvm_conf(f, kvm_conf);

        mock_reply(check, TRUE, FALSE);
        call_wait(&call);
        g_assert_no_error(call.error);
        assert_kvm_conf(f, kvm_conf_enabled);
        (void)g_dbus_connection_close_sync(other, NULL, NULL);
}

/* A caller that leaves while polkit decides gets nothing done, even when
 * polkit says yes afterwards; the daemon lives on and serves others. */
static void test_caller_leaves(Fixture *f, gconstpointer data)
{
        g_autoptr(GDBusConnection) leaving = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *leaving_name = NULL;
        g_autofree char *cancellation_id = NULL;
        g_autofree char *daemon_log = NULL;
        g_auto(NvTestCall) call = { 0 };
        g_auto(NvTestCall) later = { 0 };
        GDBusMethodInvocation *check;
        GDBusMethodInvocation *cancel;
        const char *cancelled_id;

        leaving = nv_test_bus_connect(f->env.bus, &error);
        g_assert_no_error(error);
        leaving_name = g_strdup(g_dbus_connection_get_unique_name(leaving));
        call_start(leaving, "EnablePersistent", g_variant_new("(b)", TRUE),
                   G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION, &call);
        check = mock_expect_check(f, ACTION_ENABLE, leaving_name, NV_TEST_POLKIT_INTERACTIVE,
                                  &cancellation_id);

        g_assert_true(g_dbus_connection_close_sync(leaving, NULL, &error));
        g_assert_no_error(error);
        call_wait(&call); /* GDBus ends it with "closed" */

        /* The daemon noticed and called the check off. */
        cancel = mock_pop(f);
        g_assert_cmpstr(g_dbus_method_invocation_get_method_name(cancel), ==, "CancelCheckAuthorization");
        g_assert_cmpstr(g_variant_get_type_string(g_dbus_method_invocation_get_parameters(cancel)), ==,
                        "(s)");
        g_variant_get(g_dbus_method_invocation_get_parameters(cancel), "(&s)", &cancelled_id);
        g_assert_cmpstr(cancelled_id, ==, cancellation_id);
        g_dbus_method_invocation_return_value(cancel, NULL);
        g_object_unref(cancel);
        /* A "yes" that comes too late changes nothing. */
        mock_reply(check, TRUE, FALSE);

        /* The next caller is asked about, and refused, normally: the
         * daemon is done with the first one. */
        call_start(f->env.connection, "EnablePersistent", g_variant_new("(b)", TRUE), G_DBUS_CALL_FLAGS_NONE,
                   &later);
        mock_reply(mock_expect_check(f, ACTION_ENABLE, caller_name(f), 0, NULL), FALSE, FALSE);
        call_wait(&later);
        call_assert_error(&later, "org.freedesktop.DBus.Error.AccessDenied");

        assert_kvm_conf(f, kvm_conf);
        g_assert_true(nv_test_daemon_is_running(f->env.daemon));
        g_file_get_contents(nv_test_daemon_get_log_path(f->env.daemon), &daemon_log, NULL, &error);
        g_assert_no_error(error);
        g_assert_null(strstr(daemon_log, "persistently in"));
        gt_dbus_queue_assert_no_messages(f->queue);
}

/* While the test program waits for another process, this answers the
 * daemon's checks about callers other than the test's own connection:
 * authorized. */
typedef struct {
        Fixture *f;
        guint n_answered;
} AutoAnswer;

static gboolean auto_answer(gpointer user_data)
{
        AutoAnswer *a = user_data;
        GDBusMethodInvocation *invocation = NULL;
        g_autoptr(GVariant) subject_details = NULL;
        const char *name = NULL;

        while (gt_dbus_queue_get_n_messages(a->f->queue) > 0 &&
               gt_dbus_queue_pop_message(a->f->queue, &invocation)) {
                g_assert_cmpstr(g_dbus_method_invocation_get_method_name(invocation), ==,
                                "CheckAuthorization");
                g_variant_get(g_dbus_method_invocation_get_parameters(invocation), "((&s@a{sv})&s@a{ss}u&s)",
                              NULL, &subject_details, NULL, NULL, NULL, NULL);
                g_assert_true(g_variant_lookup(subject_details, "name", "&s", &name));
                g_assert_cmpstr(name, !=, caller_name(a->f));
                g_clear_pointer(&subject_details, g_variant_unref);
                mock_reply(invocation, TRUE, FALSE);
                a->n_answered++;
        }
        return G_SOURCE_CONTINUE;
}

/*
 * One caller floods the daemon with requests that all wait for polkit.
 * Its user gets NV_AUTH_MAX_PENDING_PER_USER of them asked about and
 * LimitsExceeded for the rest, at once; meanwhile another user is served
 * in full (status, and an authorization asked, answered and carried out),
 * and once the flood is answered, the flooding user is asked about again.
 */
static void test_flood(Fixture *f, gconstpointer data)
{
        enum { N_FLOOD = NV_AUTH_MAX_PENDING_PER_USER * 4 };
        g_autofree char *bus_env =
                g_strconcat("DBUS_SYSTEM_BUS_ADDRESS=", nv_test_bus_get_address(f->env.bus), NULL);
        const char *const env[] = { bus_env, NULL };
        const char *const status_argv[] = { nv_test_getenv("NV_TEST_CALL"), "GetStatus", NULL };
        const char *const reload_argv[] = { nv_test_getenv("NV_TEST_CALL"), "--interactive", "ReloadModule",
                                            "(true,)", NULL };
        GDBusMethodInvocation *checks[NV_AUTH_MAX_PENDING_PER_USER];
        g_auto(NvTestRunResult) status = { 0 };
        g_auto(NvTestRunResult) reload = { 0 };
        g_autofree char *log = NULL;
        g_auto(NvTestCall) again = { 0 };
        AutoAnswer answer = { .f = f };
        NvTestCall calls[N_FLOOD] = { 0 };
        guint n_limited = 0;
        guint source;

        for (guint i = 0; i < N_FLOOD; i++)
                call_start(f->env.connection, "EnablePersistent", g_variant_new("(b)", TRUE),
                           G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION, &calls[i]);
        /* The first ones reach polkit, and stay there... */
        for (guint i = 0; i < NV_AUTH_MAX_PENDING_PER_USER; i++)
                checks[i] = mock_expect_check(f, ACTION_ENABLE, caller_name(f), NV_TEST_POLKIT_INTERACTIVE,
                                              NULL);
        /* ...the others are refused without asking. */
        for (guint i = NV_AUTH_MAX_PENDING_PER_USER; i < N_FLOOD; i++) {
                call_wait(&calls[i]);
                call_assert_error(&calls[i], "org.freedesktop.DBus.Error.LimitsExceeded");
                n_limited++;
        }
        g_assert_cmpuint(n_limited, ==, N_FLOOD - NV_AUTH_MAX_PENDING_PER_USER);
        for (guint i = 0; i < NV_AUTH_MAX_PENDING_PER_USER; i++)
                g_assert_false(calls[i].done);
        g_assert_cmpuint(gt_dbus_queue_get_n_messages(f->queue), ==, 0);

        /* Someone else, meanwhile: a status, then a change of their own
         * that polkit is asked about and allows (a reload, so that the
         * flood's requests still have something to do). */
        nv_test_run_as(status_argv, env, NV_TEST_UID_NOBODY, &status);
        g_assert_true(status.exited);
        g_assert_cmpint(status.exit_status, ==, 0);
        g_assert_nonnull(strstr(status.stdout_text, "NestedEnabled"));

        source = g_timeout_add(5, auto_answer, &answer);
        nv_test_run_as(reload_argv, env, NV_TEST_UID_NOBODY, &reload);
        g_source_remove(source);
        if (!reload.exited || reload.exit_status != 0)
                g_error("the other user's ReloadModule failed: %s%s", reload.stdout_text,
                        reload.stderr_text);
        g_assert_cmpstr(reload.stdout_text, ==, "('Y',)\n");
        g_assert_cmpuint(answer.n_answered, ==, 1);
        log = sim_log(f);
        g_assert_cmpstr(log, ==, "unload kvm_intel\nload kvm_intel nested=1\n");
        assert_kvm_conf(f, kvm_conf);

        /* polkit turns the flood down: every waiting call is refused, and
         * the user may ask again. (The checks need not come in the order
         * of the calls.) */
        for (guint i = 0; i < NV_AUTH_MAX_PENDING_PER_USER; i++)
                mock_reply(checks[i], FALSE, FALSE);
        for (guint i = 0; i < NV_AUTH_MAX_PENDING_PER_USER; i++) {
                call_wait(&calls[i]);
                call_assert_error(&calls[i], "org.freedesktop.DBus.Error.AccessDenied");
        }
        assert_kvm_conf(f, kvm_conf);
        call_start(f->env.connection, "EnablePersistent", g_variant_new("(b)", TRUE), G_DBUS_CALL_FLAGS_NONE,
                   &again);
        mock_reply(mock_expect_check(f, ACTION_ENABLE, caller_name(f), 0, NULL), TRUE, FALSE);
        call_wait(&again);
        call_assert_string(&again, "/etc/modprobe.d/kvm.conf");
        assert_kvm_conf(f, kvm_conf_enabled);

        for (guint i = 0; i < N_FLOOD; i++)
                nv_test_call_clear(&calls[i]);
        g_assert_true(nv_test_daemon_is_running(f->env.daemon));
}

/* The call of call_start_with_fd() is over. */
static void call_with_fd_finished(GObject *source, GAsyncResult *result, gpointer user_data)
{
        NvTestCall *call = user_data;

        call->reply = g_dbus_connection_call_with_unix_fd_list_finish(G_DBUS_CONNECTION(source), NULL,
                                                                      result, &call->error);
        call->done = TRUE;
}

/* call_start(), with @fd attached to the message, whatever the method's
 * signature. */
static void call_start_with_fd(GDBusConnection *connection, const char *method, GVariant *parameters,
                               GDBusCallFlags flags, int fd, NvTestCall *call)
{
        g_autoptr(GUnixFDList) fds = g_unix_fd_list_new();
        g_autoptr(GError) error = NULL;

        g_unix_fd_list_append(fds, fd, &error);
        g_assert_no_error(error);
        g_dbus_connection_call_with_unix_fd_list(connection, NV_BUS_NAME, NV_OBJECT_PATH, NV_INTERFACE,
                                                 method, parameters, NULL,
                                                 flags | G_DBUS_CALL_FLAGS_NO_AUTO_START, NV_TEST_TIMEOUT_MS,
                                                 fds, NULL, call_with_fd_finished, call);
}

static const char *const idle_exit_args[] = { "--idle-timeout=1", NULL };
static const DaemonSetup idle_exit_daemon = {
        .preset = NV_TEST_PRESET_INTEL_LOADED,
        .daemon_args = idle_exit_args,
};

/*
 * polkit says yes, but when the message comes back the handler refuses
 * after all (a file added meanwhile overrides kvm.conf) and returns
 * before it asks again. Nothing of that message stays in the daemon: it
 * answers on, and then exits when idle. A message that carries a file
 * descriptor (no method takes one) never gets that far: the bus refuses
 * it, since the daemon does not accept descriptors, and polkit is not
 * asked.
 */
static void test_second_pass_fails(Fixture *f, gconstpointer data)
{
        g_autoptr(GVariant) status = NULL;
        g_autoptr(GError) error = NULL;
        g_auto(NvTestCall) with_fd = { 0 };
        g_auto(NvTestCall) call = { 0 };
        GDBusMethodInvocation *check;
        int pipe_fds[2];

        g_assert_cmpint(pipe2(pipe_fds, O_CLOEXEC), ==, 0);
        call_start_with_fd(f->env.connection, "EnablePersistent", g_variant_new("(b)", TRUE),
                           G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION, pipe_fds[1], &with_fd);
        call_wait(&with_fd);
        call_assert_error(&with_fd, "org.freedesktop.DBus.Error.NotSupported");
        g_assert_cmpint(close(pipe_fds[0]), ==, 0);
        g_assert_cmpint(close(pipe_fds[1]), ==, 0);

        call_start(f->env.connection, "EnablePersistent", g_variant_new("(b)", TRUE),
                   G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION, &call);
        check = mock_expect_check(f, ACTION_ENABLE, caller_name(f), NV_TEST_POLKIT_INTERACTIVE, NULL);

        nv_test_host_write_modprobe(f->env.host, "/etc/modprobe.d", "zz-local.conf",
                                    "options kvm_intel nested=0\n");
        mock_reply(check, TRUE, FALSE);
        call_wait(&call);
        call_assert_error(&call, NV_ERROR_FAILED);
        g_assert_nonnull(strstr(call.error->message, "zz-local.conf line 1"));
        assert_kvm_conf(f, kvm_conf);

        /* Not on its way out: an idle exit gives up the name first. */
        status = nv_test_env_call(&f->env, NV_INTERFACE, "GetStatus", NULL, G_VARIANT_TYPE("(a{sv})"),
                                  &error);
        g_assert_no_error(error);
        if (!nv_test_daemon_wait_exit(f->env.daemon, NV_TEST_TIMEOUT_MS, &error))
                g_error("no idle exit: %s", error->message);
        g_clear_pointer(&f->env.daemon, nv_test_daemon_free);
        gt_dbus_queue_assert_no_messages(f->queue);
}

/* Sends @method(true) on a connection of its own, allowing interaction,
 * and leaves the bus @linger_usec later without waiting for an answer. */
static void send_and_leave(Fixture *f, const char *method, gulong linger_usec)
{
        g_autoptr(GDBusConnection) leaving = NULL;
        g_autoptr(GDBusMessage) message = NULL;
        g_autoptr(GError) error = NULL;

        leaving = nv_test_bus_connect(f->env.bus, &error);
        g_assert_no_error(error);
        message = g_dbus_message_new_method_call(NV_BUS_NAME, NV_OBJECT_PATH, NV_INTERFACE, method);
        g_dbus_message_set_body(message, g_variant_new("(b)", TRUE));
        g_dbus_message_set_flags(message, G_DBUS_MESSAGE_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION |
                                                  G_DBUS_MESSAGE_FLAGS_NO_AUTO_START);
        g_assert_true(g_dbus_connection_send_message(leaving, message, G_DBUS_SEND_MESSAGE_FLAGS_NONE, NULL,
                                                     &error));
        g_assert_no_error(error);
        /* Not a wait for anything: when the caller leaves is what varies. */
        if (linger_usec)
                g_usleep(linger_usec);
        g_assert_true(g_dbus_connection_close_sync(leaving, NULL, &error));
        g_assert_no_error(error);
}

typedef struct {
        Fixture *f;
        NvTestCall *call;
} AnswerUntilDone;

static gboolean answer_until_done(gpointer user_data)
{
        AnswerUntilDone *a = user_data;

        (void)mock_take_all(a->f, NULL);
        return a->call->done;
}

/*
 * Callers that send EnablePersistent or ReloadModule and leave the bus at
 * once, while polkit says yes a moment later (to every check): none of
 * them gets anything done, whether it left before the daemon looked it
 * up or while polkit decided. How long each lingers varies from none to
 * 4 ms in steps of 0.1 ms, so that the departures fall on every step of
 * the daemon's handling before polkit's answer.
 */
static void test_leave_at_once(Fixture *f, gconstpointer data)
{
        enum { N_TRIES = 200 };
        g_autoptr(GTimer) timer = g_timer_new();
        g_autofree char *log = NULL;
        g_auto(NvTestCall) last = { 0 };
        AnswerUntilDone answer = { .f = f, .call = &last };
        guint n_checks = 0;

        for (guint i = 0; i < N_TRIES; i++) {
                send_and_leave(f, i % 2 ? "ReloadModule" : "EnablePersistent", (i / 2) % 41 * 100);
                /* polkit says yes a moment after the caller left. */
                n_checks += mock_take_all(f, NULL);
        }

        /* A caller that stays is served, after every answer above: polkit
         * answers in order, and the daemon handles its answers in order. */
        call_start(f->env.connection, "ReloadModule", g_variant_new("(b)", TRUE), G_DBUS_CALL_FLAGS_NONE,
                   &last);
        if (!nv_test_wait_until(answer_until_done, &answer, NV_TEST_TIMEOUT_MS))
                g_error("no answer from the daemon within %d ms", NV_TEST_TIMEOUT_MS);
        call_assert_string(&last, "Y");
        g_test_message("%u departed callers, %u reached polkit, %.1f s", N_TRIES, n_checks,
                       g_timer_elapsed(timer, NULL));

        assert_kvm_conf(f, kvm_conf);
        log = sim_log(f);
        g_assert_cmpstr(log, ==, "unload kvm_intel\nload kvm_intel nested=1\n");
        g_assert_true(nv_test_daemon_is_running(f->env.daemon));
}

static const DaemonSetup short_polkit_timeout_daemon = {
        .preset = NV_TEST_PRESET_INTEL_LOADED,
        .polkit_timeout_sec = "1",
};

typedef struct {
        const char *path;
        const char *needle;
        guint n;
} LogWait;

/* The file has @needle at least @n times. */
static gboolean log_has(gpointer user_data)
{
        LogWait *w = user_data;
        g_autofree char *text = NULL;
        guint n = 0;

        if (!g_file_get_contents(w->path, &text, NULL, NULL))
                return FALSE;
        for (const char *p = text; (p = strstr(p, w->needle)); p++)
                n++;
        return n >= w->n;
}

/* A new check of the caller @name, taking (see mock_take_all()) whatever
 * comes before it; within the bound. */
static GDBusMethodInvocation *mock_wait_check_from(Fixture *f, const char *name, GPtrArray *unanswered)
{
        g_autoptr(GHashTable) old = g_hash_table_new(NULL, NULL);
        gint64 give_up = g_get_monotonic_time() + NV_TEST_TIMEOUT_MS * G_TIME_SPAN_MILLISECOND;

        for (guint i = 0; i < unanswered->len; i++)
                g_hash_table_add(old, unanswered->pdata[i]);
        while (g_get_monotonic_time() < give_up) {
                if (!nv_test_wait_until(queue_has_message, f->queue, NV_TEST_TIMEOUT_MS))
                        break;
                (void)mock_take_all(f, unanswered);
                for (guint i = 0; i < unanswered->len; i++) {
                        GDBusMethodInvocation *check = unanswered->pdata[i];
                        g_autoptr(GVariant) subject = NULL;
                        const char *subject_name = NULL;

                        if (g_hash_table_contains(old, check))
                                continue;
                        g_variant_get(g_dbus_method_invocation_get_parameters(check),
                                      "((&s@a{sv})&s@a{ss}u&s)", NULL, &subject, NULL, NULL, NULL, NULL);
                        g_assert_true(g_variant_lookup(subject, "name", "&s", &subject_name));
                        if (g_str_equal(subject_name, name))
                                return g_ptr_array_steal_index(unanswered, i);
                }
        }
        g_error("the daemon did not ask polkit about %s within %d ms", name, NV_TEST_TIMEOUT_MS);
}

/*
 * polkit answers no check by itself (only one that is cancelled, and then
 * as if its answer crossed the cancellation). Callers who leave meanwhile
 * are let go at once, their checks cancelled: twice
 * NV_AUTH_MAX_PENDING_PER_USER of them who leave while polkit has their
 * check, then 200 who leave at once (as in the test before), do not
 * lock their user out. polkit answering the cancellations with "nothing
 * to cancel" is no cause for a warning. A caller who waits is refused once
 * the daemon's own time limit for polkit is up, with an error that says
 * so, and may ask again.
 */
static void test_polkit_never_answers(Fixture *f, gconstpointer data)
{
        enum { N_DEPARTED = NV_AUTH_MAX_PENDING_PER_USER * 2, N_LEFT_AT_ONCE = 200 };
        g_autoptr(GPtrArray) unanswered = g_ptr_array_new();
        g_autoptr(GError) error = NULL;
        g_autoptr(GTimer) timer = NULL;
        g_autofree char *daemon_log = NULL;
        g_auto(NvTestCall) waiting = { 0 };
        g_auto(NvTestCall) again = { 0 };
        LogWait quiet = { .path = nv_test_daemon_get_log_path(f->env.daemon),
                          .needle = "polkit had nothing left to cancel",
                          .n = N_DEPARTED + 1 };

        for (guint i = 0; i < N_DEPARTED; i++) {
                g_autoptr(GDBusConnection) leaving = nv_test_bus_connect(f->env.bus, &error);
                g_autofree char *cancellation_id = NULL;
                g_autofree char *cancelled_id = NULL;
                g_auto(NvTestCall) call = { 0 };

                g_assert_no_error(error);
                call_start(leaving, "EnablePersistent", g_variant_new("(b)", TRUE),
                           G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION, &call);
                g_ptr_array_add(unanswered, mock_expect_check(f, ACTION_ENABLE,
                                                              g_dbus_connection_get_unique_name(leaving),
                                                              NV_TEST_POLKIT_INTERACTIVE, &cancellation_id));
                g_assert_true(g_dbus_connection_close_sync(leaving, NULL, &error));
                g_assert_no_error(error);
                call_wait(&call);

                cancelled_id = mock_reply_crossed_cancel(mock_pop(f), unanswered);
                g_assert_cmpstr(cancelled_id, ==, cancellation_id);
        }
        for (guint i = 0; i < N_LEFT_AT_ONCE; i++) {
                send_and_leave(f, i % 2 ? "ReloadModule" : "EnablePersistent", (i / 2) % 41 * 100);
                (void)mock_take_all(f, unanswered);
        }

        /* The user still has every slot: asked about, and refused when the
         * time is up. */
        timer = g_timer_new();
        call_start(f->env.connection, "EnablePersistent", g_variant_new("(b)", TRUE),
                   G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION, &waiting);
        g_ptr_array_add(unanswered, mock_wait_check_from(f, caller_name(f), unanswered));
        if (!nv_test_wait_until(nv_test_call_is_done, &waiting, 5000))
                g_error("no answer within 5 s, with a time limit of 1 s for polkit");
        call_assert_error(&waiting, "org.freedesktop.DBus.Error.Timeout");
        g_assert_nonnull(strstr(waiting.error->message, "polkit did not answer within 1 s"));
        g_assert_cmpfloat(g_timer_elapsed(timer, NULL), >=, 0.9);

        /* Asking again is asked about again. */
        call_start(f->env.connection, "EnablePersistent", g_variant_new("(b)", TRUE), G_DBUS_CALL_FLAGS_NONE,
                   &again);
        mock_reply(mock_wait_check_from(f, caller_name(f), unanswered), TRUE, FALSE);
        call_wait(&again);
        call_assert_string(&again, "/etc/modprobe.d/kvm.conf");
        assert_kvm_conf(f, kvm_conf_enabled);

        if (!nv_test_poll_until(log_has, &quiet, 10, NV_TEST_TIMEOUT_MS))
                g_error("the daemon did not take in polkit's %u answers to its cancellations", quiet.n);
        g_file_get_contents(quiet.path, &daemon_log, NULL, &error);
        g_assert_no_error(error);
        g_assert_null(strstr(daemon_log, "Error cancelling"));
        g_assert_null(strstr(daemon_log, "WARNING"));

        for (guint i = 0; i < unanswered->len; i++) {
                GDBusMethodInvocation *check = unanswered->pdata[i];

                g_dbus_method_invocation_return_dbus_error(check, "org.freedesktop.DBus.Error.Failed",
                                                           "The test ended");
                g_object_unref(check);
        }
        g_assert_true(nv_test_daemon_is_running(f->env.daemon));
}

static void add_test(const char *skip, const char *path, NvTestPreset preset,
                     void (*test)(Fixture *, gconstpointer))
{
        nv_test_add(skip, path, Fixture, GINT_TO_POINTER(preset), fixture_setup, test, fixture_teardown);
}

static void add_test_daemon(const char *skip, const char *path, const DaemonSetup *setup,
                            void (*test)(Fixture *, gconstpointer))
{
        nv_test_add(skip, path, Fixture, setup, fixture_setup_daemon, test, fixture_teardown);
}

/*
 * For LeakSanitizer, in this program only: the retired queues' GDBus worker
 * threads hold messages (GDBusMessage, received in libgio) that are never
 * freed, since the queues are not (see retired_queues()). The daemon this
 * program tests uses sd-bus, not GDBus, and its own leaks are checked at
 * its exit as in every other test.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
        return "leak:libgio-2.0.so\n";
}

int main(int argc, char *argv[])
{
        static const char *const env_vars[] = { "NV_DAEMON_SIM", "NV_BUS_POLICY",
                                                "NV_TEST_POLKIT_MOCK_POLICY", NULL };
        g_autofree char *skip = NULL;
        g_autofree char *stand_in = NULL;
        int r;

        nv_test_init(&argc, &argv);
        skip = nv_test_skip_reason(env_vars);

        stand_in = g_test_build_filename(G_TEST_DIST, "nv-test-attach-bus.sh", NULL);
        g_setenv("G_TEST_DBUS_DAEMON", stand_in, TRUE);

        add_test(skip, "/auth-mock/read-only-not-checked", NV_TEST_PRESET_INTEL_LOADED,
                 test_read_only_not_checked);
        add_test(skip, "/auth-mock/refused-before-polkit", NV_TEST_PRESET_KVM_BUILTIN,
                 test_refused_before_polkit);
        add_test(skip, "/auth-mock/enable-persistent/authorized", NV_TEST_PRESET_INTEL_LOADED,
                 test_enable_authorized);
        add_test(skip, "/auth-mock/enable-persistent/interactive", NV_TEST_PRESET_INTEL_LOADED,
                 test_enable_interactive);
        add_test(skip, "/auth-mock/enable-persistent/not-authorized", NV_TEST_PRESET_INTEL_LOADED,
                 test_enable_not_authorized);
        add_test(skip, "/auth-mock/enable-persistent/challenge", NV_TEST_PRESET_INTEL_LOADED,
                 test_enable_challenge);
        add_test(skip, "/auth-mock/enable-persistent/polkit-error", NV_TEST_PRESET_INTEL_LOADED,
                 test_enable_polkit_error);
        add_test(skip, "/auth-mock/reload-module/authorized", NV_TEST_PRESET_INTEL_LOADED,
                 test_reload_authorized);
        add_test(skip, "/auth-mock/reload-module/not-authorized", NV_TEST_PRESET_INTEL_LOADED,
                 test_reload_not_authorized);
        add_test(skip, "/auth-mock/slow-reply", NV_TEST_PRESET_INTEL_LOADED, test_slow_reply);
        add_test(skip, "/auth-mock/caller-leaves", NV_TEST_PRESET_INTEL_LOADED, test_caller_leaves);
        add_test(skip, "/auth-mock/flood", NV_TEST_PRESET_INTEL_LOADED, test_flood);
        add_test_daemon(skip, "/auth-mock/second-pass-fails", &idle_exit_daemon, test_second_pass_fails);
        add_test(skip, "/auth-mock/leave-at-once", NV_TEST_PRESET_INTEL_LOADED, test_leave_at_once);
        add_test_daemon(skip, "/auth-mock/polkit-never-answers", &short_polkit_timeout_daemon,
                        test_polkit_never_answers);

        r = nv_test_run_tests(skip);

        /* Left to itself, the watcher would outlive us, unreaped. No
         * GTestDBus is used any more. */
        if (gtestdbus_watcher_pid > 0) {
                kill(gtestdbus_watcher_pid, SIGKILL);
                (void)waitpid(gtestdbus_watcher_pid, NULL, 0);
                nv_test_forget_child(gtestdbus_watcher_slot);
        }
        return r;
}
