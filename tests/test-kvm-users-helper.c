/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Integration tests of the scan helper (nestedvirtd-kvm-users): the real
 * helper behind a real socket-activation listener, systemd-socket-activate
 * --accept --inetd as nestedvirtd-kvm-users.socket runs it, and the real
 * daemon told where it listens (NESTEDVIRTD_KVM_USERS_SOCKET). The helper
 * scans a /proc of its own, which differs from the one below the daemon's
 * root: the holders the daemon reports prove where they came from.
 *
 * A socket that does not answer properly (nobody listening, garbage, an
 * answer cut by the helper's death, the helper's own failure) makes
 * ListModuleUsers() fail, never answer "nobody", with one warning in the
 * daemon's log, and the daemon goes on answering: it never falls back to
 * scanning by itself, which under its unit, without the helper's
 * capabilities, would find nobody.
 */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "nv-dbus.h"
#include "nv-test-bus.h"
#include "nv-test-host.h"

#define SOCKET_ACTIVATE "systemd-socket-activate"

typedef struct {
        NvTestEnv env;
        NvTestHost *helper_tree; /* the /proc the helper scans */
        char *dir;               /* the socket's directory */
        char *socket_path;
        char *listener_log;
        GSubprocess *listener;
        int listener_slot;
        int dir_slot;
} Fixture;

/* A test of the failure table, or NULL for the others. */
typedef struct {
        const char *path;
        /* What the listener runs for each connection, NULL-terminated,
         * "@HELPER@" the helper; NULL: a socket file nobody listens on. */
        const char *argv[6];
        const char *in_warning; /* the daemon's one warning contains it */
} FailureCase;

static void fixture_setup(Fixture *f, gconstpointer data)
{
        static const char *const qemu_fds[] = { "/dev/kvm", "anon_inode:kvm-vm", NULL };

        nv_test_env_setup(&f->env, NV_TEST_PRESET_INTEL_LOADED);
        /* Below the daemon's root, a holder the helper never reports: an
         * in-process scan would find it. */
        nv_test_host_add_process(f->env.host, 4242, "qemu-in-root", qemu_fds);
        nv_test_host_write(f->env.host, "/sys/module/kvm_intel/refcnt", "2\n");
        f->helper_tree = nv_test_host_new();
        nv_test_host_mkdir(f->helper_tree, "/proc");
        f->dir = g_dir_make_tmp("nv-kvm-users-XXXXXX", NULL);
        g_assert_nonnull(f->dir);
        f->dir_slot = nv_test_remove_on_death(f->dir);
        f->socket_path = g_build_filename(f->dir, "kvm-users.socket", NULL);
        f->listener_log = g_build_filename(f->dir, "listener.log", NULL);
        f->listener_slot = -1;
}

static gboolean listener_listens(gpointer data)
{
        Fixture *f = data;
        g_autofree char *log = NULL;

        return g_file_get_contents(f->listener_log, &log, NULL, NULL) && strstr(log, "Listening on");
}

static void print_listener_log(Fixture *f)
{
        g_autofree char *log = NULL;

        if (g_file_get_contents(f->listener_log, &log, NULL, NULL))
                g_printerr("# listener's log:\n# %s\n", log);
}

/* Starts systemd-socket-activate on the socket, running @argv (NULL:
 * the helper on the helper's tree) for each connection; returns once it
 * listens. */
static void start_listener(Fixture *f, const char *const *argv)
{
        g_autofree char *listen_arg = g_strconcat("--listen=", f->socket_path, NULL);
        g_autofree char *proc = nv_test_host_path(f->helper_tree, "/proc");
        g_autofree char *proc_arg = g_strconcat("--proc=", proc, NULL);
        g_autofree char *program = g_find_program_in_path(SOCKET_ACTIVATE);
        g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDERR_MERGE);
        g_autoptr(GPtrArray) args = g_ptr_array_new();
        const char *helper = nv_test_getenv("NV_KVM_USERS_HELPER");
        g_autoptr(GError) error = NULL;
        guint64 pid;

        g_assert_nonnull(program);
        g_ptr_array_add(args, program);
        g_ptr_array_add(args, listen_arg);
        g_ptr_array_add(args, "--accept");
        g_ptr_array_add(args, "--inetd");
        if (!argv) {
                g_ptr_array_add(args, (gpointer)helper);
                g_ptr_array_add(args, proc_arg);
        }
        for (gsize i = 0; argv && argv[i]; i++)
                g_ptr_array_add(args, (gpointer)(g_str_equal(argv[i], "@HELPER@") ? helper : argv[i]));
        g_ptr_array_add(args, NULL);

        g_subprocess_launcher_set_stdout_file_path(launcher, f->listener_log);
        g_subprocess_launcher_unsetenv(launcher, "LISTEN_FDS");
        g_subprocess_launcher_unsetenv(launcher, "LISTEN_PID");
        f->listener = g_subprocess_launcher_spawnv(launcher, (const char *const *)args->pdata, &error);
        g_assert_no_error(error);
        g_assert_true(g_ascii_string_to_unsigned(g_subprocess_get_identifier(f->listener), 10, 1, G_MAXINT32,
                                                 &pid, NULL));
        f->listener_slot = nv_test_watch_child((pid_t)pid);
        if (!nv_test_poll_until(listener_listens, f, 10, NV_TEST_TIMEOUT_MS)) {
                print_listener_log(f);
                g_error("%s did not listen on %s within %d ms", SOCKET_ACTIVATE, f->socket_path,
                        NV_TEST_TIMEOUT_MS);
        }
}

/* A socket file that nobody listens on any more, as a listener that died
 * without removing it leaves. */
static void make_stale_socket(Fixture *f)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

        g_assert_cmpint(fd, >=, 0);
        g_assert_cmpuint(strlen(f->socket_path), <, sizeof(sa.sun_path));
        strcpy(sa.sun_path, f->socket_path);
        g_assert_cmpint(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
        g_assert_cmpint(listen(fd, 1), ==, 0);
        close(fd);
}

/* The daemon on the fake tree, asking the helper's socket, scanning at
 * every call (no reuse of the last scan). */
static void start_daemon(Fixture *f)
{
        g_setenv("NESTEDVIRTD_KVM_USERS_SOCKET", f->socket_path, TRUE);
        g_setenv("NESTEDVIRTD_KVM_USERS_MAX_AGE_MSEC", "0", TRUE);
        nv_test_env_start_daemon(&f->env);
        g_unsetenv("NESTEDVIRTD_KVM_USERS_SOCKET");
        g_unsetenv("NESTEDVIRTD_KVM_USERS_MAX_AGE_MSEC");
}

/* The listener has no connection's process left: each ended and was
 * reaped. */
static gboolean listener_idle(gpointer data)
{
        Fixture *f = data;
        g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
        guint64 listener;
        const char *name;

        if (!g_subprocess_get_identifier(f->listener))
                return TRUE;
        g_assert_true(g_ascii_string_to_unsigned(g_subprocess_get_identifier(f->listener), 10, 1, G_MAXINT32,
                                                 &listener, NULL));
        while (proc && (name = g_dir_read_name(proc))) {
                guint64 pid;

                if (g_ascii_string_to_unsigned(name, 10, 1, G_MAXINT32, &pid, NULL) &&
                    nv_test_parent_of((pid_t)pid) == (pid_t)listener)
                        return FALSE;
        }
        return TRUE;
}

static void stop_listener(Fixture *f)
{
        g_autoptr(GError) error = NULL;

        if (!f->listener)
                return;
        /* Its children first: killed under them, they would come to us. */
        if (!nv_test_poll_until(listener_idle, f, 10, NV_TEST_TIMEOUT_MS))
                g_test_fail_printf("a connection's process of %s still runs", SOCKET_ACTIVATE);
        if (g_test_failed())
                print_listener_log(f);
        g_subprocess_send_signal(f->listener, SIGTERM);
        if (!g_subprocess_wait(f->listener, NULL, &error))
                g_test_fail_printf("waiting for %s: %s", SOCKET_ACTIVATE, error->message);
        nv_test_forget_child(f->listener_slot);
        g_clear_object(&f->listener);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
        nv_test_env_stop_daemon(&f->env);
        stop_listener(f);
        nv_test_env_teardown(&f->env);
        g_clear_pointer(&f->helper_tree, nv_test_host_free);
        g_unlink(f->socket_path);
        g_unlink(f->listener_log);
        g_rmdir(f->dir);
        nv_test_forget_path(f->dir_slot);
        g_free(f->socket_path);
        g_free(f->listener_log);
        g_free(f->dir);
}

/* ListModuleUsers()'s holders as GVariant text, or NULL and @error. */
static char *module_users_or_error(Fixture *f, GError **error)
{
        g_autoptr(GVariant) reply = nv_test_env_call(&f->env, NV_INTERFACE, "ListModuleUsers", NULL,
                                                     G_VARIANT_TYPE("(a(uuss)u)"), error);
        g_autoptr(GVariant) users = NULL;

        if (!reply)
                return NULL;
        users = g_variant_get_child_value(reply, 0);
        return g_variant_print(users, TRUE);
}

static char *module_users(Fixture *f)
{
        g_autoptr(GError) error = NULL;
        char *users = module_users_or_error(f, &error);

        g_assert_no_error(error);
        return users;
}

/* How often @text is in the daemon's log. */
static guint count_in_log(Fixture *f, const char *text)
{
        g_autofree char *log = NULL;
        guint n = 0;

        g_assert_true(g_file_get_contents(nv_test_daemon_get_log_path(f->env.daemon), &log, NULL, NULL));
        for (const char *p = log; (p = strstr(p, text)); p += strlen(text))
                n++;
        return n;
}

static void test_names_holders(Fixture *f, gconstpointer data)
{
        static const char *const qemu_fds[] = { "/dev/kvm", "anon_inode:kvm-vm", "anon_inode:kvm-vcpu:0",
                                                NULL };
        static const char *const firecracker_fds[] = { "/dev/null", "anon_inode:kvm-vm", NULL };
        static const char *const lookalike_fds[] = { "/dev/kvm.img", "anon_inode:[eventfd]", NULL };
        g_autofree char *users = NULL;

        static const char *const qemu_argv[] = { "qemu-system-x86_64", "-name",
                                                 "guest=web1,debug-threads=on", NULL };

        nv_test_host_add_process(f->helper_tree, 24601, "qemu-system-x86", qemu_fds);
        nv_test_host_set_process_cmdline(f->helper_tree, 24601, qemu_argv);
        nv_test_host_add_process(f->helper_tree, 977, "firecracker", firecracker_fds);
        nv_test_host_add_process(f->helper_tree, 5000, "backup", lookalike_fds);
        start_listener(f, NULL);
        start_daemon(f);

        users = module_users(f);
        g_assert_cmpstr(
                users, ==,
                "[(uint32 977, uint32 0, 'firecracker', ''), (24601, 0, 'qemu-system-x86', 'web1')]");

        /* Asked again at the next call: a VM that starts is named. */
        g_clear_pointer(&users, g_free);
        nv_test_host_add_process(f->helper_tree, 31337, "qemu-kvm", qemu_fds);
        users = module_users(f);
        g_assert_cmpstr(users, ==,
                        "[(uint32 977, uint32 0, 'firecracker', ''), (24601, 0, 'qemu-system-x86', 'web1'),"
                        " (31337, 0, 'qemu-kvm', '')]");
        g_assert_cmpuint(count_in_log(f, "holders of /dev/kvm are unknown"), ==, 0);
}

/* Nobody holds /dev/kvm, says the helper: nobody, although the daemon's
 * own tree has a holder. */
static void test_nobody(Fixture *f, gconstpointer data)
{
        g_autofree char *users = NULL;

        start_listener(f, NULL);
        start_daemon(f);
        users = module_users(f);
        g_assert_cmpstr(users, ==, "@a(uuss) []");
        g_assert_cmpuint(count_in_log(f, "holders of /dev/kvm are unknown"), ==, 0);
}

/* Without the socket, and without the variable, the daemon on a --root
 * tree scans that tree itself, as every other test relies on. */
static void test_no_socket(Fixture *f, gconstpointer data)
{
        g_autofree char *users = NULL;

        start_daemon(f); /* names a socket that does not exist */
        users = module_users(f);
        g_assert_cmpstr(users, ==, "[(uint32 4242, uint32 0, 'qemu-in-root', '')]");
        g_assert_cmpuint(count_in_log(f, "holders of /dev/kvm are unknown"), ==, 0);
}

static void test_failure(Fixture *f, gconstpointer data)
{
        const FailureCase *c = data;
        g_autoptr(GVariant) version = NULL;
        g_autoptr(GError) error = NULL;

        if (c->argv[0])
                start_listener(f, c->argv);
        else
                make_stale_socket(f);
        start_daemon(f);

        /* Unknown is an error, never "nobody". */
        for (int i = 0; i < 3; i++) {
                g_autoptr(GError) failed = NULL;
                g_autofree char *users = module_users_or_error(f, &failed);

                g_assert_null(users);
                g_assert_true(g_dbus_error_is_remote_error(failed));
                g_assert_nonnull(strstr(failed->message, c->in_warning));
        }
        if (count_in_log(f, "holders of /dev/kvm are unknown") != 1 || count_in_log(f, c->in_warning) != 1) {
                nv_test_daemon_print_log(f->env.daemon);
                g_error("expected one warning about the holders, with \"%s\"", c->in_warning);
        }
        /* Still answering. */
        version = nv_test_env_call(&f->env, "org.freedesktop.DBus.Properties", "Get",
                                   g_variant_new("(ss)", NV_INTERFACE, "Version"), G_VARIANT_TYPE("(v)"),
                                   &error);
        g_assert_no_error(error);
}

static const FailureCase failure_cases[] = {
        { "/kvm-users-helper/failure/nobody-listens", { NULL }, "Cannot connect to the scan helper" },
        { "/kvm-users-helper/failure/garbage",
          { "/bin/sh", "-c", "printf 'hello, world'", NULL },
          "Malformed" },
        { "/kvm-users-helper/failure/dies-mid-stream",
          { "/bin/sh", "-c", "printf 'u 7 0 qemu\\0u 8 0 qe'; kill -KILL $$", NULL },
          "stops in the middle of a record" },
        { "/kvm-users-helper/failure/no-end",
          { "/bin/sh", "-c", "printf 'u 7 0 qemu\\0'", NULL },
          "without its end record" },
        { "/kvm-users-helper/failure/silent", { "/bin/true", NULL }, "without its end record" },
        { "/kvm-users-helper/failure/scan-fails",
          { "@HELPER@", "--proc=/nonexistent", NULL },
          "Cannot list /nonexistent" },
};

int main(int argc, char **argv)
{
        static const char *const env_vars[] = { "NV_DAEMON", "NV_BUS_POLICY", "NV_KVM_USERS_HELPER", NULL };
        g_autofree char *skip = NULL;
        g_autofree char *socket_activate = g_find_program_in_path(SOCKET_ACTIVATE);

        nv_test_init(&argc, &argv);
        skip = nv_test_skip_reason(env_vars);
        if (!skip && !socket_activate)
                skip = g_strdup(SOCKET_ACTIVATE
                                " is not installed (package systemd; tools/install-deps.sh test)");

        nv_test_add(skip, "/kvm-users-helper/names-holders", Fixture, NULL, fixture_setup,
                    test_names_holders, fixture_teardown);
        nv_test_add(skip, "/kvm-users-helper/nobody", Fixture, NULL, fixture_setup, test_nobody,
                    fixture_teardown);
        nv_test_add(skip, "/kvm-users-helper/no-socket", Fixture, NULL, fixture_setup, test_no_socket,
                    fixture_teardown);
        for (gsize i = 0; i < G_N_ELEMENTS(failure_cases); i++)
                nv_test_add(skip, failure_cases[i].path, Fixture, &failure_cases[i], fixture_setup,
                            test_failure, fixture_teardown);
        return nv_test_run_tests(skip);
}
