/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ReloadModuleWhenIdle and CancelPendingReload (issue 25) on the simulated
 * kernel (tests/nv-kernel-sim.h), with the real bus policy and no polkit
 * on the bus (the tests run as root; test-auth-mock covers the
 * authorization of ReloadModule's action). A virtual machine holds the
 * module as in the fake tree: a /proc entry with /dev/kvm open and the
 * module's refcnt at 1; it "exits" when both go. What must hold: the
 * reload happens after the holder exits without another call, and shows
 * as PendingReload until then, ending in one PropertiesChanged; a cancel
 * leaves the kernel alone; one request at most; a daemon that stops drops
 * it, and the CLI that waited says so. The daemon reads the module every
 * 20 ms here (NESTEDVIRTD_WHEN_IDLE_POLL_MSEC).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "nv-dbus.h"
#include "nv-test-bus.h"
#include "nv-test-host.h"

#define POLL_MSEC "20"

typedef NvTestEnv Fixture;

static void fixture_setup(Fixture *f, gconstpointer data)
{
        const NvTestEnvOptions options = {
                .daemon_program = nv_test_getenv("NV_DAEMON_SIM"),
                .record_changes = TRUE,
        };
        const char *const qemu_fds[] = { "/dev/kvm", "anon_inode:kvm-vm", NULL };

        nv_test_env_setup_full(f, NV_TEST_PRESET_INTEL_LOADED, &options);
        /* A VM holds kvm_intel, which runs with nested=N. */
        nv_test_host_load_module(f->host, "kvm_intel", 1, "N");
        nv_test_host_add_process(f->host, 4242, "qemu-system-x86", qemu_fds);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
        nv_test_env_teardown(f);
}

/* The VM stops: its process goes, and with it the module's reference. */
static void holder_exits(Fixture *f)
{
        nv_test_host_remove(f->host, "/proc/4242");
        nv_test_host_write(f->host, "/sys/module/kvm_intel/refcnt", "0\n");
}

static char *read_text(Fixture *f, const char *host_path)
{
        g_autoptr(GBytes) bytes = nv_test_host_read(f->host, host_path);

        return bytes ? g_strdup(g_bytes_get_data(bytes, NULL)) : g_strdup("");
}

static char *sim_log(Fixture *f)
{
        return read_text(f, "/sim/log");
}

static char *get_string(Fixture *f, const char *property)
{
        g_autoptr(GVariant) status = nv_test_env_get_status(f);
        const char *value = NULL;

        g_assert_true(g_variant_lookup(status, property, "&s", &value));
        return g_strdup(value);
}

static void assert_string(Fixture *f, const char *property, const char *expected)
{
        g_autofree char *value = get_string(f, property);

        g_assert_cmpstr(value, ==, expected);
}

static void call_when_idle(Fixture *f, gboolean nested)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply =
                nv_test_env_call(f, NV_INTERFACE, "ReloadModuleWhenIdle", g_variant_new("(b)", nested),
                                 G_VARIANT_TYPE("()"), &error);

        g_assert_no_error(error);
        g_assert_nonnull(reply);
}

static gboolean call_cancel(Fixture *f)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = nv_test_env_call(f, NV_INTERFACE, "CancelPendingReload", NULL,
                                                     G_VARIANT_TYPE("(b)"), &error);
        gboolean cancelled;

        g_assert_no_error(error);
        g_variant_get(reply, "(b)", &cancelled);
        return cancelled;
}

/* The last PropertiesChanged that carried PendingReload, or NULL. */
static GVariant *last_pending_change(Fixture *f)
{
        for (guint i = f->changes->len; i > 0; i--) {
                GVariant *change = g_ptr_array_index(f->changes, i - 1);
                g_autoptr(GVariant) changed = g_variant_get_child_value(change, 1);
                g_autoptr(GVariant) pending = g_variant_lookup_value(changed, "PendingReload", NULL);

                if (pending)
                        return g_variant_ref(changed);
        }
        return NULL;
}

static gboolean pending_ended(gpointer user_data)
{
        Fixture *f = user_data;
        g_autoptr(GVariant) changed = last_pending_change(f);
        const char *pending = NULL;

        return changed && g_variant_lookup(changed, "PendingReload", "&s", &pending) && !*pending;
}

/* Waits for the PropertiesChanged that ends the request; returns its
 * PendingReloadResult, which must come in the same signal. */
static char *wait_pending_ended(Fixture *f)
{
        g_autoptr(GVariant) changed = NULL;
        const char *result = NULL;

        g_assert_true(nv_test_wait_until(pending_ended, f, NV_TEST_TIMEOUT_MS));
        changed = last_pending_change(f);
        g_assert_true(g_variant_lookup(changed, "PendingReloadResult", "&s", &result));
        return g_strdup(result);
}

/* The request ends with @result, the simulated kernel having seen
 * @log. */
static void assert_request_ends(Fixture *f, const char *expected_result, const char *expected_log)
{
        g_autofree char *result = wait_pending_ended(f);
        g_autofree char *log = sim_log(f);

        g_assert_cmpstr(result, ==, expected_result);
        g_assert_cmpstr(log, ==, expected_log);
}

/* The daemon reads the module every POLL_MSEC: give it many rounds in
 * which nothing may happen. A test of absence has to wait for something;
 * this waits for 50 of the daemon's looks, each answered by a round trip
 * so that the looks really ran. */
static void let_daemon_look(Fixture *f)
{
        for (int i = 0; i < 50; i++) {
                g_usleep(atoi(POLL_MSEC) * 1000);
                nv_test_env_sync(f);
        }
}

/* The holder exits: the reload happens without another call. */
static void test_holder_exits(Fixture *f, gconstpointer data)
{
        g_autofree char *log = NULL;

        nv_test_env_start_daemon(f);
        call_when_idle(f, TRUE);
        assert_string(f, "PendingReload", "enable");
        assert_string(f, "PendingReloadResult", "");
        log = sim_log(f);
        g_assert_cmpstr(log, ==, "");

        holder_exits(f);
        assert_request_ends(f, "applied: Y", "unload kvm_intel\nload kvm_intel nested=1\n");
        assert_string(f, "NestedParameter", "Y");
        assert_string(f, "PendingReload", "");
}

/* Nothing holds the module: the reload happens at once. */
static void test_free_at_once(Fixture *f, gconstpointer data)
{
        holder_exits(f);
        nv_test_env_start_daemon(f);
        call_when_idle(f, TRUE);
        assert_request_ends(f, "applied: Y", "unload kvm_intel\nload kvm_intel nested=1\n");
}

/* Cancelled: the holder exits, and nothing happens. */
static void test_cancel(Fixture *f, gconstpointer data)
{
        g_autofree char *log = NULL;

        nv_test_env_start_daemon(f);
        /* Nothing waits: nothing to cancel. */
        g_assert_false(call_cancel(f));
        call_when_idle(f, TRUE);
        g_assert_true(call_cancel(f));
        assert_request_ends(f, "cancelled", "");
        g_assert_false(call_cancel(f));

        holder_exits(f);
        let_daemon_look(f);
        log = sim_log(f);
        g_assert_cmpstr(log, ==, "");
        assert_string(f, "NestedParameter", "N");
        assert_string(f, "PendingReload", "");
}

/* One request at most: the second replaces the first. */
static void test_one_request(Fixture *f, gconstpointer data)
{
        nv_test_env_start_daemon(f);
        call_when_idle(f, TRUE);
        call_when_idle(f, FALSE);
        assert_string(f, "PendingReload", "disable");
        holder_exits(f);
        assert_request_ends(f, "applied: N", "unload kvm_intel\nload kvm_intel nested=0\n");
}

/* Refused before anything waits, as ReloadModule would be. */
static void test_refused_builtin(Fixture *f, gconstpointer data)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = NULL;
        g_autofree char *remote = NULL;

        nv_test_host_builtin_module(f->host, "kvm_intel", "kernel/arch/x86/kvm/kvm-intel.ko", "N");
        nv_test_env_start_daemon(f);
        reply = nv_test_env_call(f, NV_INTERFACE, "ReloadModuleWhenIdle", g_variant_new("(b)", TRUE),
                                 G_VARIANT_TYPE("()"), &error);
        g_assert_null(reply);
        remote = g_dbus_error_get_remote_error(error);
        g_assert_cmpstr(remote, ==, NV_ERROR_MODULE_BUILTIN);
        assert_string(f, "PendingReload", "");
}

/* ---- The CLI ------------------------------------------------------------ */

/* nestedvirtctl running while the test changes the host. */
typedef struct {
        GSubprocess *process;
        int slot;
        gboolean done;
        char *stdout_text;
        char *stderr_text;
} Ctl;

static void on_ctl_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
        Ctl *ctl = user_data;
        g_autoptr(GError) error = NULL;

        g_subprocess_communicate_utf8_finish(G_SUBPROCESS(source), result, &ctl->stdout_text,
                                             &ctl->stderr_text, &error);
        g_assert_no_error(error);
        ctl->done = TRUE;
}

static void ctl_start(Fixture *f, Ctl *ctl, const char *const *args)
{
        g_autoptr(GSubprocessLauncher) launcher =
                g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
        g_autoptr(GPtrArray) argv = g_ptr_array_new();
        g_autoptr(GError) error = NULL;

        g_subprocess_launcher_setenv(launcher, "DBUS_SYSTEM_BUS_ADDRESS", nv_test_bus_get_address(f->bus),
                                     TRUE);
        g_subprocess_launcher_setenv(launcher, "LC_ALL", "C.UTF-8", TRUE);
        g_ptr_array_add(argv, (gpointer)nv_test_getenv("NV_CTL"));
        g_ptr_array_add(argv, (gpointer) "--no-ask-password");
        for (size_t i = 0; args[i]; i++)
                g_ptr_array_add(argv, (gpointer)args[i]);
        g_ptr_array_add(argv, NULL);
        ctl->process = g_subprocess_launcher_spawnv(launcher, (const char *const *)argv->pdata, &error);
        g_assert_no_error(error);
        ctl->slot = nv_test_watch_subprocess(ctl->process);
        g_subprocess_communicate_utf8_async(ctl->process, NULL, NULL, on_ctl_done, ctl);
}

static gboolean ctl_is_done(gpointer user_data)
{
        return ((Ctl *)user_data)->done;
}

/* Waits for it to exit; returns its exit status. */
static int ctl_finish(Ctl *ctl)
{
        g_autoptr(GError) error = NULL;

        g_assert_true(nv_test_wait_until(ctl_is_done, ctl, NV_TEST_TIMEOUT_MS));
        /* Its output is closed: it exits now, if it has not. */
        g_assert_true(g_subprocess_wait(ctl->process, NULL, &error));
        g_assert_no_error(error);
        g_assert_true(g_subprocess_get_if_exited(ctl->process));
        nv_test_forget_child(ctl->slot);
        g_test_message("nestedvirtctl exit %d\nstdout:\n%sstderr:\n%s",
                       g_subprocess_get_exit_status(ctl->process), ctl->stdout_text, ctl->stderr_text);
        return g_subprocess_get_exit_status(ctl->process);
}

static void ctl_clear(Ctl *ctl)
{
        g_clear_object(&ctl->process);
        g_free(ctl->stdout_text);
        g_free(ctl->stderr_text);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Ctl, ctl_clear)

static gboolean is_pending(gpointer user_data)
{
        Fixture *f = user_data;
        g_autoptr(GVariant) changed = last_pending_change(f);
        const char *pending = NULL;

        return changed && g_variant_lookup(changed, "PendingReload", "&s", &pending) && *pending;
}

/* Runs until it said it waits: the request is in. */
static void ctl_wait_pending(Fixture *f, Ctl *ctl)
{
        g_assert_true(nv_test_wait_until(is_pending, f, NV_TEST_TIMEOUT_MS));
}

static void assert_contains(const char *text, const char *part)
{
        if (!strstr(text, part))
                g_error("\"%s\" not in: %s", part, text);
}

/* reload --when-idle waits, names the VM, and reports the reload. */
static void test_cli_reload_waits(Fixture *f, gconstpointer data)
{
        g_auto(Ctl) ctl = { 0 };
        g_autofree char *log = NULL;

        nv_test_env_start_daemon(f);
        ctl_start(f, &ctl, (const char *const[]){ "reload", "--nested=yes", "--when-idle", NULL });
        ctl_wait_pending(f, &ctl);
        holder_exits(f);
        g_assert_cmpint(ctl_finish(&ctl), ==, 0);
        assert_contains(ctl.stdout_text, "Waiting for kvm_intel to be free");
        assert_contains(ctl.stdout_text, "kvm_intel reloaded: nested=Y.");
        g_assert_cmpstr(ctl.stderr_text, ==, "");
        log = sim_log(f);
        g_assert_cmpstr(log, ==, "unload kvm_intel\nload kvm_intel nested=1\n");
}

/* enable --now --when-idle writes the file at once, reloads later. */
static void test_cli_enable_now_when_idle(Fixture *f, gconstpointer data)
{
        g_auto(Ctl) ctl = { 0 };
        g_autofree char *conf = NULL;

        nv_test_env_start_daemon(f);
        ctl_start(f, &ctl, (const char *const[]){ "enable", "--now", "--when-idle", NULL });
        ctl_wait_pending(f, &ctl);
        conf = read_text(f, "/etc/modprobe.d/kvm.conf");
        g_assert_cmpstr(conf, ==, "options kvm_intel nested=1\n");
        holder_exits(f);
        g_assert_cmpint(ctl_finish(&ctl), ==, 0);
        assert_contains(ctl.stdout_text, "Nested virtualization enabled persistently");
        assert_contains(ctl.stdout_text, "kvm_intel reloaded: nested=Y.");
}

/* --no-block returns at once; status shows the request; --cancel ends it. */
static void test_cli_no_block_and_cancel(Fixture *f, gconstpointer data)
{
        g_auto(Ctl) request = { 0 };
        g_auto(Ctl) status = { 0 };
        g_auto(Ctl) cancel = { 0 };
        g_autofree char *log = NULL;

        nv_test_env_start_daemon(f);
        ctl_start(f, &request,
                  (const char *const[]){ "reload", "--nested=yes", "--when-idle", "--no-block", NULL });
        g_assert_cmpint(ctl_finish(&request), ==, 0);
        assert_contains(request.stdout_text, "Pending: kvm_intel will be reloaded with nested=1");
        ctl_start(f, &status, (const char *const[]){ "status", NULL });
        g_assert_cmpint(ctl_finish(&status), ==, 0);
        assert_contains(status.stdout_text,
                        "Pending reload: nested=1 as soon as kvm_intel is no longer in use");
        ctl_start(f, &cancel, (const char *const[]){ "reload", "--cancel", NULL });
        g_assert_cmpint(ctl_finish(&cancel), ==, 0);
        assert_contains(cancel.stdout_text, "cancelled");
        holder_exits(f);
        let_daemon_look(f);
        log = sim_log(f);
        g_assert_cmpstr(log, ==, "");
}

/* The daemon stops while the CLI waits: it says the request is gone. */
static void test_cli_daemon_stops(Fixture *f, gconstpointer data)
{
        g_auto(Ctl) ctl = { 0 };
        g_autofree char *log = NULL;
        g_autofree char *daemon_log = NULL;
        g_autoptr(GError) error = NULL;

        nv_test_env_start_daemon(f);
        ctl_start(f, &ctl, (const char *const[]){ "reload", "--nested=yes", "--when-idle", NULL });
        ctl_wait_pending(f, &ctl);
        g_assert_true(nv_test_daemon_stop(f->daemon, &error));
        g_assert_no_error(error);
        g_assert_cmpint(ctl_finish(&ctl), ==, 1);
        assert_contains(ctl.stderr_text, "nestedvirtd stopped before kvm_intel was free");
        assert_contains(ctl.stderr_text, "nothing was changed");
        g_assert_true(g_file_get_contents(nv_test_daemon_get_log_path(f->daemon), &daemon_log, NULL, NULL));
        assert_contains(daemon_log, "is dropped");

        /* A new daemon knows nothing of it, and the holder exiting changes
         * nothing. */
        g_clear_pointer(&f->daemon, nv_test_daemon_free);
        g_dbus_connection_signal_unsubscribe(f->connection, f->changes_subscription);
        nv_test_env_start_daemon(f);
        assert_string(f, "PendingReload", "");
        holder_exits(f);
        let_daemon_look(f);
        log = sim_log(f);
        g_assert_cmpstr(log, ==, "");
}

/* Usage: the options go together as documented. */
static void test_cli_usage(Fixture *f, gconstpointer data)
{
        const char *const *const bad[] = {
                (const char *const[]){ "status", "--when-idle", NULL },
                (const char *const[]){ "enable", "--when-idle", NULL },
                (const char *const[]){ "reload", "--no-block", NULL },
                (const char *const[]){ "reload", "--cancel", "--when-idle", NULL },
                (const char *const[]){ "enable", "--cancel", NULL },
        };

        nv_test_env_start_daemon(f);
        for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
                g_auto(Ctl) ctl = { 0 };

                ctl_start(f, &ctl, bad[i]);
                g_assert_cmpint(ctl_finish(&ctl), ==, 2);
                g_assert_cmpstr(ctl.stderr_text, !=, "");
        }
        assert_string(f, "PendingReload", "");
}

static void add_test(const char *skip, const char *path, void (*test)(Fixture *, gconstpointer))
{
        nv_test_add(skip, path, Fixture, NULL, fixture_setup, test, fixture_teardown);
}

int main(int argc, char *argv[])
{
        static const char *const env_vars[] = { "NV_DAEMON_SIM", "NV_CTL", "NV_BUS_POLICY", NULL };
        g_autofree char *skip = NULL;

        /* For the daemons it starts; set before any thread exists, as
         * setenv() wants. */
        g_setenv("NESTEDVIRTD_WHEN_IDLE_POLL_MSEC", POLL_MSEC, TRUE);
        nv_test_init(&argc, &argv);
        skip = nv_test_skip_reason(env_vars);

        add_test(skip, "/when-idle/holder-exits", test_holder_exits);
        add_test(skip, "/when-idle/free-at-once", test_free_at_once);
        add_test(skip, "/when-idle/cancel", test_cancel);
        add_test(skip, "/when-idle/one-request", test_one_request);
        add_test(skip, "/when-idle/refused-builtin", test_refused_builtin);
        add_test(skip, "/when-idle/cli/reload-waits", test_cli_reload_waits);
        add_test(skip, "/when-idle/cli/enable-now", test_cli_enable_now_when_idle);
        add_test(skip, "/when-idle/cli/no-block-and-cancel", test_cli_no_block_and_cancel);
        add_test(skip, "/when-idle/cli/daemon-stops", test_cli_daemon_stops);
        add_test(skip, "/when-idle/cli/usage", test_cli_usage);

        return nv_test_run_tests(skip);
}
