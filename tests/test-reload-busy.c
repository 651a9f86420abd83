/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ReloadModule while the kernel takes its time: the daemon built with the
 * simulated kernel, whose loads wait at a gate the test opens (a FIFO in
 * the fake tree, nv-kernel-sim.h). While a load waits, the daemon must go
 * on answering status calls, and a second reload must wait for the first
 * and then see what it did, and the daemon must not exit when idle before
 * the reload is answered. Checks order only: which reply came while which
 * call was still pending, never how long anything took.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nv-dbus.h"
#include "nv-test-bus.h"
#include "nv-test-host.h"

static gboolean tick(gpointer user_data)
{
        return G_SOURCE_CONTINUE;
}

typedef struct {
        NvTestEnv env;
        char *gate;
        char *waiting;
} Fixture;

/* Polls @done with a bound: for what nothing on the bus announces. */
static gboolean poll_until(gboolean (*done)(gpointer user_data), gpointer user_data)
{
        guint source = g_timeout_add(10, tick, NULL);
        gboolean result = nv_test_wait_until(done, user_data, 30000);

        g_source_remove(source);
        return result;
}

static void fixture_setup(Fixture *f, gconstpointer data)
{
        const NvTestEnvOptions options = { .daemon_program = nv_test_getenv("NV_DAEMON_SIM") };
        g_autofree char *sim_dir = NULL;

        nv_test_env_setup_full(&f->env, GPOINTER_TO_INT(data), &options);
        sim_dir = nv_test_host_path(f->env.host, "/sim");
        g_assert_cmpint(g_mkdir_with_parents(sim_dir, 0755), ==, 0);
        f->gate = nv_test_host_path(f->env.host, "/sim/load-gate");
        f->waiting = nv_test_host_path(f->env.host, "/sim/load-waiting");
        g_assert_cmpint(mkfifo(f->gate, 0600), ==, 0);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
        nv_test_env_teardown(&f->env);
        g_free(f->gate);
        g_free(f->waiting);
}

static void reload_start(Fixture *f, gboolean nested, NvTestCall *call)
{
        g_dbus_connection_call(f->env.connection, NV_BUS_NAME, NV_OBJECT_PATH, NV_INTERFACE, "ReloadModule",
                               g_variant_new("(b)", nested), G_VARIANT_TYPE("(s)"), G_DBUS_CALL_FLAGS_NONE,
                               -1, NULL, nv_test_call_finished, call);
}

static gboolean load_waiting(gpointer user_data)
{
        return g_file_test(user_data, G_FILE_TEST_EXISTS);
}

static void wait_for_load(Fixture *f)
{
        g_assert_true(poll_until(load_waiting, f->waiting));
}

/* Lets the waiting load go on, and every later one pass: the gate is
 * removed while it is open, so that only this load reads the byte. */
static void open_gate(Fixture *f)
{
        int fd = open(f->gate, O_WRONLY | O_CLOEXEC);

        g_assert_cmpint(fd, >=, 0);
        g_assert_cmpint(unlink(f->gate), ==, 0);
        g_assert_cmpint(write(fd, "x", 1), ==, 1);
        close(fd);
}

static char *reply_value(const NvTestCall *call)
{
        const char *value;

        g_assert_no_error(call->error);
        g_variant_get(call->reply, "(&s)", &value);
        return g_strdup(value);
}

static char *read_log(Fixture *f)
{
        g_autofree char *path = nv_test_host_path(f->env.host, "/sim/log");
        char *text = NULL;

        if (!g_file_get_contents(path, &text, NULL, NULL))
                return g_strdup("");
        return text;
}

static gboolean status_bool(GVariant *status, const char *key)
{
        gboolean value = FALSE;

        g_assert_true(g_variant_lookup(status, key, "b", &value));
        return value;
}

/* GetStatus is answered while a load is in progress, and tells the state
 * from before it. */
static void test_status_during_load(Fixture *f, gconstpointer data)
{
        g_auto(NvTestCall) reload = { 0 };
        g_autoptr(GVariant) status = NULL;
        g_autofree char *value = NULL;

        nv_test_env_start_daemon(&f->env);
        reload_start(f, TRUE, &reload);
        wait_for_load(f);

        status = nv_test_env_get_status(&f->env);
        g_assert_false(reload.done);
        g_assert_false(status_bool(status, "VendorModuleLoaded"));

        open_gate(f);
        g_assert_true(nv_test_wait_until(nv_test_call_is_done, &reload, 30000));
        value = reply_value(&reload);
        g_assert_cmpstr(value, ==, "Y");
        g_clear_pointer(&status, g_variant_unref);
        status = nv_test_env_get_status(&f->env);
        g_assert_true(status_bool(status, "VendorModuleLoaded"));
        g_assert_true(status_bool(status, "NestedEnabled"));
}

/* A second reload waits for the first, and its checks see the module the
 * first one loaded: it unloads before it loads. */
static void test_serialized(Fixture *f, gconstpointer data)
{
        g_auto(NvTestCall) first = { 0 };
        g_auto(NvTestCall) second = { 0 };
        g_autoptr(GVariant) status = NULL;
        g_autofree char *log = NULL;
        g_autofree char *value = NULL;

        nv_test_env_start_daemon(&f->env);
        reload_start(f, TRUE, &first);
        wait_for_load(f);
        reload_start(f, FALSE, &second);
        /* Sent after the second reload on the same connection: when its
         * reply is here, the daemon has the second reload too. */
        status = nv_test_env_get_status(&f->env);
        g_assert_false(first.done);
        g_assert_false(second.done);

        open_gate(f);
        g_assert_true(nv_test_wait_until(nv_test_call_is_done, &second, 30000));
        g_assert_true(first.done);
        value = reply_value(&first);
        g_assert_cmpstr(value, ==, "Y");
        g_free(value);
        value = reply_value(&second);
        g_assert_cmpstr(value, ==, "N");
        log = read_log(f);
        g_assert_cmpstr(log, ==, "load kvm_intel nested=1\nunload kvm_intel\nload kvm_intel nested=0\n");
}

static gboolean daemon_postponed_idle_exit(gpointer user_data)
{
        g_autofree char *log = NULL;

        if (!g_file_get_contents(nv_test_daemon_get_log_path(user_data), &log, NULL, NULL))
                return FALSE;
        return strstr(log, "not exiting yet") != NULL;
}

static gboolean daemon_exited(gpointer user_data)
{
        return !nv_test_daemon_is_running(user_data);
}

/* Idle with a reload in progress, the daemon stays until it has answered,
 * then exits as idle. */
static void test_no_idle_exit(Fixture *f, gconstpointer data)
{
        g_autofree char *root = g_strconcat("--root=", nv_test_host_get_root(f->env.host), NULL);
        const char *const argv[] = { nv_test_getenv("NV_DAEMON_SIM"), root, "--idle-timeout=1", NULL };
        g_autoptr(NvTestDaemon) daemon = NULL;
        g_autoptr(GError) error = NULL;
        g_auto(NvTestCall) reload = { 0 };
        g_autofree char *value = NULL;

        daemon = nv_test_daemon_start_argv(f->env.bus, argv, NV_BUS_NAME, &error);
        g_assert_no_error(error);
        reload_start(f, TRUE, &reload);
        wait_for_load(f);

        g_assert_true(poll_until(daemon_postponed_idle_exit, daemon));
        g_assert_true(nv_test_daemon_is_running(daemon));
        g_assert_false(reload.done);

        open_gate(f);
        g_assert_true(nv_test_wait_until(nv_test_call_is_done, &reload, 30000));
        value = reply_value(&reload);
        g_assert_cmpstr(value, ==, "Y");
        g_assert_true(poll_until(daemon_exited, daemon));
}

int main(int argc, char *argv[])
{
        static const char *const env_vars[] = { "NV_DAEMON_SIM", "NV_BUS_POLICY", NULL };
        g_autofree char *skip = NULL;

        nv_test_init(&argc, &argv);
        skip = nv_test_skip_reason(env_vars);

        nv_test_add(skip, "/reload-busy/status-during-load", Fixture,
                    GINT_TO_POINTER(NV_TEST_PRESET_VENDOR_MODULE_NOT_LOADED), fixture_setup,
                    test_status_during_load, fixture_teardown);
        nv_test_add(skip, "/reload-busy/serialized", Fixture,
                    GINT_TO_POINTER(NV_TEST_PRESET_VENDOR_MODULE_NOT_LOADED), fixture_setup, test_serialized,
                    fixture_teardown);
        nv_test_add(skip, "/reload-busy/no-idle-exit", Fixture,
                    GINT_TO_POINTER(NV_TEST_PRESET_VENDOR_MODULE_NOT_LOADED), fixture_setup,
                    test_no_idle_exit, fixture_teardown);

        return nv_test_run_tests(skip);
}
