/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Load (issue 7): 50 clients, each on a connection of its own and in a
 * thread of its own, make 1000 GetStatus calls each, all at once, while two
 * more clients flip EnablePersistent back and forth against each other and
 * a reader watches /etc/modprobe.d/kvm.conf.
 *
 * Every call is answered, without an error; every version of the file the
 * reader sees is one of the two whole versions (the daemon handles one
 * call at a time and replaces the file atomically); at the end the file and
 * PersistentNested agree. The daemon's resident memory after the run is
 * within 10% of what it was after a warm-up with the same 50 clients: no
 * leak per call. (Under AddressSanitizer, whose quarantine holds on to
 * freed memory by design, the RSS bound is not checked, LeakSanitizer at
 * the daemon's exit covers leaks there, and each client makes 200 calls.)
 *
 * No caller can make the daemon work at will: the status costs a few file
 * reads and never a scan of the processes, even with a VM running; naming
 * the holders of /dev/kvm (ListModuleUsers) reads every process's
 * descriptors, so it happens at most once per period whatever the number
 * of calls, and the calls that come during a scan wait for that one. What
 * these cost in time is the bench's (BENCHMARKS.md); here, what is done
 * and in which order. A user other than root gets a budget of calls a
 * second; root has none.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <gio/gio.h>

#include "nv-dbus.h"
#include "nv-test-bus.h"
#include "nv-test-host.h"

#define KVM_CONF  "/etc/modprobe.d/kvm.conf"
#define CONF_HEAD "# edited by hand\noptions kvm ignore_msrs=1\n"
#define CONF_TAIL "\noptions kvm_intel ept=1\n"
#define CONF_OFF  CONF_HEAD "options kvm_intel nested=0" CONF_TAIL
#define CONF_ON   CONF_HEAD "options kvm_intel nested=1" CONF_TAIL
#define N_CLIENTS 50
#define N_WARMUP  20
#define N_TOGGLES 100
#define RSS_SLACK 1.10

/* Under AddressSanitizer every call costs several times as much: fewer
 * calls per client there (memory errors show with fewer), the full 1000
 * otherwise. */
#if NV_TEST_UNDER_ASAN
#define N_CALLS 200
#else
#define N_CALLS 1000
#endif

typedef struct {
        NvTestEnv env;
} Fixture;

typedef struct {
        const NvTestBus *bus;
        guint n_calls;
        gboolean toggle_from; /* for the mutators */
        guint n_errors;       /* written by the thread, read after the join */
        char *first_error;
} Client;

typedef struct {
        char *path;
        gint stop;
        guint n_reads;
        guint n_torn; /* reads that were neither version */
} Reader;

static void fixture_setup(Fixture *f, gconstpointer data)
{
        const NvTestEnvOptions options = { .daemon_program = nv_test_getenv("NV_DAEMON_SIM") };

        nv_test_env_setup_full(&f->env, NV_TEST_PRESET_INTEL_LOADED, &options);
        nv_test_host_write_modprobe(f->env.host, "/etc/modprobe.d", "kvm.conf", CONF_OFF);
        nv_test_env_start_daemon(&f->env);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
        nv_test_env_teardown(&f->env);
}

static void client_fail(Client *client, GError *error, const char *what)
{
        if (client->n_errors++ == 0)
                client->first_error = g_strdup_printf("%s: %s", what, error ? error->message : "bad reply");
}

static gpointer status_client(gpointer data)
{
        Client *client = data;
        g_autoptr(GError) error = NULL;
        g_autoptr(GDBusConnection) connection = nv_test_bus_connect(client->bus, &error);

        if (!connection) {
                client_fail(client, error, "connect");
                return NULL;
        }
        for (guint i = 0; i < client->n_calls; i++) {
                g_autoptr(GVariant) reply = NULL;
                g_autoptr(GVariant) status = NULL;
                const char *version = NULL;

                g_clear_error(&error);
                reply = g_dbus_connection_call_sync(connection, NV_BUS_NAME, NV_OBJECT_PATH, NV_INTERFACE,
                                                    "GetStatus", NULL, G_VARIANT_TYPE("(a{sv})"),
                                                    G_DBUS_CALL_FLAGS_NO_AUTO_START, 4 * NV_TEST_TIMEOUT_MS,
                                                    NULL, &error);
                if (!reply) {
                        client_fail(client, error, "GetStatus");
                        continue;
                }
                status = g_variant_get_child_value(reply, 0);
                if (!g_variant_lookup(status, "Version", "&s", &version) || !*version)
                        client_fail(client, NULL, "GetStatus without a Version");
        }
        return NULL;
}

static gpointer toggle_client(gpointer data)
{
        Client *client = data;
        g_autoptr(GError) error = NULL;
        g_autoptr(GDBusConnection) connection = nv_test_bus_connect(client->bus, &error);
        gboolean enable = client->toggle_from;

        if (!connection) {
                client_fail(client, error, "connect");
                return NULL;
        }
        for (guint i = 0; i < client->n_calls; i++) {
                g_autoptr(GVariant) reply = NULL;

                g_clear_error(&error);
                reply = g_dbus_connection_call_sync(connection, NV_BUS_NAME, NV_OBJECT_PATH, NV_INTERFACE,
                                                    "EnablePersistent", g_variant_new("(b)", enable),
                                                    G_VARIANT_TYPE("(s)"), G_DBUS_CALL_FLAGS_NO_AUTO_START,
                                                    4 * NV_TEST_TIMEOUT_MS, NULL, &error);
                if (!reply)
                        client_fail(client, error, "EnablePersistent");
                enable = !enable;
        }
        return NULL;
}

static gpointer file_reader(gpointer data)
{
        Reader *reader = data;

        while (!g_atomic_int_get(&reader->stop)) {
                g_autofree char *text = NULL;

                /* The file is replaced by rename(): any open sees a whole
                 * version. */
                if (!g_file_get_contents(reader->path, &text, NULL, NULL) ||
                    (!g_str_equal(text, CONF_OFF) && !g_str_equal(text, CONF_ON)))
                        reader->n_torn++;
                reader->n_reads++;
                /* Often enough to catch a torn write, without taking a CPU
                 * from the daemon. */
                g_usleep(100);
        }
        return NULL;
}

static guint64 daemon_rss_kib(Fixture *f)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = NULL;
        g_autofree char *path = NULL;
        g_autofree char *status = NULL;
        const char *line;
        guint32 pid;

        reply = g_dbus_connection_call_sync(
                f->env.connection, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                "GetConnectionUnixProcessID",
                g_variant_new("(s)", nv_test_daemon_get_unique_name(f->env.daemon)), G_VARIANT_TYPE("(u)"),
                G_DBUS_CALL_FLAGS_NONE, NV_TEST_TIMEOUT_MS, NULL, &error);
        g_assert_no_error(error);
        g_variant_get(reply, "(u)", &pid);
        path = g_strdup_printf("/proc/%u/status", pid);
        g_file_get_contents(path, &status, NULL, &error);
        g_assert_no_error(error);
        line = strstr(status, "\nVmRSS:");
        g_assert_nonnull(line);
        return g_ascii_strtoull(line + strlen("\nVmRSS:"), NULL, 10);
}

/* @n_status clients with @n_calls GetStatus each, and @n_toggles flips from
 * each of two more, all at once; fails on any error. */
static void run_clients(Fixture *f, guint n_status, guint n_calls, guint n_toggles, Reader *reader)
{
        g_autofree Client *clients = g_new0(Client, n_status + 2);
        g_autofree GThread **threads = g_new0(GThread *, n_status + 2);
        GThread *reader_thread = NULL;
        guint n_errors = 0;

        if (reader)
                reader_thread = g_thread_new("reader", file_reader, reader);
        for (guint i = 0; i < n_status + 2; i++) {
                clients[i].bus = f->env.bus;
                if (i < n_status) {
                        clients[i].n_calls = n_calls;
                        threads[i] = g_thread_new("status", status_client, &clients[i]);
                } else {
                        clients[i].n_calls = n_toggles;
                        clients[i].toggle_from = i == n_status;
                        threads[i] = g_thread_new("toggle", toggle_client, &clients[i]);
                }
        }
        for (guint i = 0; i < n_status + 2; i++) {
                g_thread_join(threads[i]);
                if (clients[i].n_errors)
                        g_test_message("client %u: %u errors, the first: %s", i, clients[i].n_errors,
                                       clients[i].first_error);
                n_errors += clients[i].n_errors;
                g_free(clients[i].first_error);
        }
        if (reader) {
                g_atomic_int_set(&reader->stop, TRUE);
                g_thread_join(reader_thread);
        }
        g_assert_cmpuint(n_errors, ==, 0);
}

static void test_load(Fixture *f, gconstpointer data)
{
        g_autoptr(GVariant) status = NULL;
        g_autoptr(GBytes) conf = NULL;
        g_autofree char *conf_path = nv_test_host_path(f->env.host, KVM_CONF);
        Reader reader = { .path = conf_path };
        const char *persistent = NULL;
        guint64 rss_before, rss_after;
        gint64 start;

        /* Every allocation that stays (connections' state, caches) made
         * once before measuring. */
        run_clients(f, N_CLIENTS, N_WARMUP, 2, NULL);
        rss_before = daemon_rss_kib(f);

        start = g_get_monotonic_time();
        run_clients(f, N_CLIENTS, N_CALLS, N_TOGGLES, &reader);
        rss_after = daemon_rss_kib(f);
        g_test_message(
                "%u x %u GetStatus and 2 x %u EnablePersistent in %.1f s; the reader saw %u versions; "
                "daemon RSS %" G_GUINT64_FORMAT " KiB before, %" G_GUINT64_FORMAT " KiB after",
                N_CLIENTS, N_CALLS, N_TOGGLES, (g_get_monotonic_time() - start) / 1e6, reader.n_reads,
                rss_before, rss_after);

        g_assert_cmpuint(reader.n_torn, ==, 0);
        g_assert_cmpuint(reader.n_reads, >, 0);
        conf = nv_test_host_read(f->env.host, KVM_CONF);
        g_assert_nonnull(conf);
        status = nv_test_env_get_status(&f->env);
        g_assert_true(g_variant_lookup(status, "PersistentNested", "&s", &persistent));
        if (g_str_equal(g_bytes_get_data(conf, NULL), CONF_ON))
                g_assert_cmpstr(persistent, ==, "enabled");
        else if (g_str_equal(g_bytes_get_data(conf, NULL), CONF_OFF))
                g_assert_cmpstr(persistent, ==, "disabled");
        else
                g_error("kvm.conf is neither version: %s", (const char *)g_bytes_get_data(conf, NULL));

        if (NV_TEST_UNDER_ASAN)
                g_test_message("built with AddressSanitizer: RSS bound not checked");
        else
                g_assert_cmpfloat((double)rss_after, <=, (double)rss_before * RSS_SLACK);
}

/* ---- The holders of /dev/kvm ------------------------------------------- */

typedef struct {
        NvTestEnv env;
} HostFixture;

/* kvm_intel with a VM running: refcnt 1, /dev/kvm, a QEMU holding it. */
static void host_fixture_setup(HostFixture *f, gconstpointer data)
{
        static const char *const qemu_fds[] = { "/dev/kvm", "anon_inode:kvm-vm", NULL };

        nv_test_env_setup(&f->env, NV_TEST_PRESET_INTEL_LOADED);
        nv_test_host_write(f->env.host, "/sys/module/kvm_intel/refcnt", "1\n");
        nv_test_host_add_kvm_device(f->env.host);
        nv_test_host_add_process(f->env.host, 7001, "qemu-system-x86", qemu_fds);
}

static void host_fixture_teardown(HostFixture *f, gconstpointer data)
{
        nv_test_env_teardown(&f->env);
        g_unsetenv("NESTEDVIRTD_KVM_USERS_MAX_AGE_MSEC");
}

static void assert_module_users(HostFixture *f, const char *expected)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = nv_test_env_call(&f->env, NV_INTERFACE, "ListModuleUsers", NULL,
                                                     G_VARIANT_TYPE("(a(uuss)u)"), &error);
        g_autoptr(GVariant) users = NULL;
        g_autofree char *text = NULL;

        g_assert_no_error(error);
        users = g_variant_get_child_value(reply, 0);
        text = g_variant_print(users, FALSE);
        g_assert_cmpstr(text, ==, expected);
}

/* How many times the daemon's log says @needle so far. */
static guint count_in_log(HostFixture *f, const char *needle)
{
        g_autofree char *log = NULL;
        guint n = 0;

        g_file_get_contents(nv_test_daemon_get_log_path(f->env.daemon), &log, NULL, NULL);
        for (const char *p = log; p && (p = strstr(p, needle)); p += strlen(needle))
                n++;
        return n;
}

#define SCANNED "Scanned "

/* Calls sent at once on one connection: the bus lets a connection wait
 * for 128 replies at most (max_replies_per_connection). */
#define BURST 100
/* One user's flood: BURST calls on each of that many connections. */
#define FLOOD_CONNECTIONS 4

/* nv-test-call --burst=@n --connections=@n_connections @method as @uid;
 * returns what it printed. */
static char *burst_as(HostFixture *f, guint32 uid, const char *method, guint n, guint n_connections)
{
        g_autofree char *bus_env =
                g_strconcat("DBUS_SYSTEM_BUS_ADDRESS=", nv_test_bus_get_address(f->env.bus), NULL);
        g_autofree char *burst = g_strdup_printf("--burst=%u", n);
        g_autofree char *connections = g_strdup_printf("--connections=%u", n_connections);
        const char *const argv[] = { nv_test_getenv("NV_TEST_CALL"), burst, connections, method, NULL };
        const char *const env[] = { bus_env, NULL };
        g_auto(NvTestRunResult) result = { 0 };

        if (uid == 0)
                nv_test_run(argv, env, &result);
        else
                nv_test_run_as(argv, env, uid, &result);
        g_assert_true(result.exited);
        g_assert_cmpint(result.exit_status, ==, 0);
        return g_steal_pointer(&result.stdout_text);
}

/* The count on the line of @outcome ("ok", an error name) of a burst. */
static guint burst_count(const char *output, const char *outcome)
{
        g_auto(GStrv) lines = g_strsplit(output, "\n", -1);

        for (guint i = 0; lines[i]; i++) {
                gsize len = strlen(outcome);

                if (g_str_has_prefix(lines[i], outcome) && lines[i][len] == ' ')
                        return (guint)g_ascii_strtoull(lines[i] + len + 1, NULL, 10);
        }
        return 0;
}

/* The status reads files, never the processes: a flood of status calls
 * with a VM running costs no scan at all. */
static void test_status_never_scans(HostFixture *f, gconstpointer data)
{
        g_autofree char *output = NULL;
        g_autoptr(GVariant) status = NULL;

        nv_test_env_start_daemon(&f->env);
        output = burst_as(f, NV_TEST_UID_NOBODY, "GetStatus", BURST, FLOOD_CONNECTIONS);
        g_assert_cmpuint(burst_count(output, "ok"), ==, BURST * FLOOD_CONNECTIONS);
        status = nv_test_env_get_status(&f->env);
        g_assert_true(g_variant_lookup(status, "VendorModuleInUse", "b", NULL));
        g_assert_cmpuint(count_in_log(f, SCANNED), ==, 0);
}

/* A period longer than the test: one scan, whatever the calls. */
static void test_holders_once_per_period(HostFixture *f, gconstpointer data)
{
        static const char *const vm_fds[] = { "/dev/kvm", NULL };
        g_autofree char *output = NULL;

        g_setenv("NESTEDVIRTD_KVM_USERS_MAX_AGE_MSEC", "3600000", TRUE);
        nv_test_env_start_daemon(&f->env);
        assert_module_users(f, "[(7001, 0, 'qemu-system-x86', '')]");
        g_assert_cmpuint(count_in_log(f, SCANNED), ==, 1);

        /* A second VM starts: within the period nobody learns of it, and
         * BURST calls at once, by root and by another user, cost no scan. */
        nv_test_host_add_process(f->env.host, 7002, "qemu-system-x86", vm_fds);
        output = burst_as(f, 0, "ListModuleUsers", BURST, 1);
        g_assert_cmpuint(burst_count(output, "ok"), ==, BURST);
        g_clear_pointer(&output, g_free);
        output = burst_as(f, NV_TEST_UID_NOBODY, "ListModuleUsers", BURST, FLOOD_CONNECTIONS);
        g_assert_cmpuint(burst_count(output, "ok"), ==, BURST * FLOOD_CONNECTIONS);
        assert_module_users(f, "[(7001, 0, 'qemu-system-x86', '')]");
        g_assert_cmpuint(count_in_log(f, SCANNED), ==, 1);
}

/* A period of 0: every call wants a scan that started after it came, but
 * the calls that come during one wait for the next together. With 20,000
 * descriptors a scan takes long enough for BURST calls sent at once to
 * come in a few waves, not BURST. */
static void test_holders_coalesced(HostFixture *f, gconstpointer data)
{
        static const char *targets[101];
        g_autofree char *output = NULL;
        guint n_scans;

        for (guint i = 0; i < 100; i++)
                targets[i] = "socket:[4242]";
        targets[100] = NULL;
        for (guint pid = 10000; pid < 10200; pid++)
                nv_test_host_add_process(f->env.host, pid, "worker", targets);
        g_setenv("NESTEDVIRTD_KVM_USERS_MAX_AGE_MSEC", "0", TRUE);
        nv_test_env_start_daemon(&f->env);

        output = burst_as(f, 0, "ListModuleUsers", BURST, 1);
        g_assert_cmpuint(burst_count(output, "ok"), ==, BURST);
        n_scans = count_in_log(f, SCANNED);
        g_test_message("%u calls at once, %u scans", BURST, n_scans);
        g_assert_cmpuint(n_scans, >=, 1);
        g_assert_cmpuint(n_scans, <=, BURST / 4);
        /* And each call still names the holder. */
        assert_module_users(f, "[(7001, 0, 'qemu-system-x86', '')]");
}

/* A user's budget, at 4 calls a second for the test. */
#define USER_RATE 4
/* The most of one user's calls that wait: 20 seconds' worth. */
#define USER_WAITING (USER_RATE * 20)
#define USER_BURST   (USER_WAITING + 40)

typedef struct {
        HostFixture *f;
        char *output;
        gint64 elapsed_usec;
        gint done;
} UserFlood;

static gpointer user_flood(gpointer data)
{
        UserFlood *flood = data;
        gint64 start = g_get_monotonic_time();

        flood->output = burst_as(flood->f, NV_TEST_UID_NOBODY, "GetStatus", USER_BURST, 1);
        flood->elapsed_usec = g_get_monotonic_time() - start;
        g_atomic_int_set(&flood->done, 1);
        return NULL;
}

/* A user other than root gets so many calls a second: its burst waits for
 * its budget, what would wait longer than a client waits is refused at
 * once with LimitsExceeded, and root, whose calls have no budget, is
 * answered meanwhile. */
static void test_user_budget(HostFixture *f, gconstpointer data)
{
        UserFlood flood = { .f = f };
        g_autofree char *rate = g_strdup_printf("%u", USER_RATE);
        g_autofree char *root_output = NULL;
        g_autoptr(GThread) thread = NULL;
        guint n_ok, n_refused;

        g_setenv("NESTEDVIRTD_USER_CALLS_PER_SEC", rate, TRUE);
        nv_test_env_start_daemon(&f->env);
        g_unsetenv("NESTEDVIRTD_USER_CALLS_PER_SEC");

        thread = g_thread_new("user-flood", user_flood, &flood);
        /* Throttled, root's burst would take BURST / USER_RATE seconds,
         * past its calls' timeout: every one answered is the proof. */
        root_output = burst_as(f, 0, "GetStatus", BURST, 1);
        g_assert_cmpuint(burst_count(root_output, "ok"), ==, BURST);
        g_assert_false(g_atomic_int_get(&flood.done));
        g_thread_join(g_steal_pointer(&thread));

        n_ok = burst_count(flood.output, "ok");
        n_refused = burst_count(flood.output, "org.freedesktop.DBus.Error.LimitsExceeded");
        g_test_message("the user's %u calls: %u answered, %u refused, in %.1f s", USER_BURST, n_ok,
                       n_refused, (double)flood.elapsed_usec / G_USEC_PER_SEC);
        g_assert_cmpuint(n_ok + n_refused, ==, USER_BURST);
        g_assert_cmpuint(n_ok, >=, USER_WAITING);
        g_assert_cmpuint(n_refused, >=, 1);
        /* A second's worth at once, then USER_RATE a second: a lower bound,
         * which a busy machine only makes longer. */
        g_assert_cmpint(flood.elapsed_usec, >=, (gint64)(n_ok - 1 - USER_RATE) * G_USEC_PER_SEC / USER_RATE);
        g_free(flood.output);
}

static const struct {
        const char *path;
        void (*test)(HostFixture *f, gconstpointer data);
} host_tests[] = {
        { "/load/budget/user-waits-root-does-not", test_user_budget },
        { "/load/status/never-scans", test_status_never_scans },
        { "/load/holders/scanned-once-per-period", test_holders_once_per_period },
        { "/load/holders/coalesced", test_holders_coalesced },
};

int main(int argc, char *argv[])
{
        static const char *const env_vars[] = { "NV_DAEMON_SIM", "NV_BUS_POLICY", "NV_TEST_CALL", NULL };
        g_autofree char *skip = NULL;

        nv_test_init(&argc, &argv);
        skip = nv_test_skip_reason(env_vars);

        nv_test_add(skip, "/load/status-50x1000-with-toggles", Fixture, NULL, fixture_setup, test_load,
                    fixture_teardown);
        for (gsize i = 0; i < G_N_ELEMENTS(host_tests); i++)
                nv_test_add(skip, host_tests[i].path, HostFixture, NULL, host_fixture_setup,
                            host_tests[i].test, host_fixture_teardown);

        return nv_test_run_tests(skip);
}
