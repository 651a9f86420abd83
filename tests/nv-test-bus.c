/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Runs the processes of nv-test-bus.h: a private system-like dbus-daemon,
 * nestedvirtd on it, and programs under test. Children are GSubprocesses
 * (GLib reaps them), and they are also recorded in a small table that a
 * signal handler can read, because a failed g_assert() aborts the test
 * program without running any teardown.
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <fcntl.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nv-dbus.h"
#include "nv-test-bus.h"

/* The program was asked for TAP output (--tap): see nv_test_run_tests(). */
static gboolean tap_output;

/* ---- Cleanup when the test program dies ------------------------------ */

#define MAX_CHILDREN 8

/* Written only outside signal handlers, read by emergency_cleanup(). A
 * slot with pid 0 is free. */
static struct {
        volatile pid_t pid;
        char log[512];   /* the daemon's log, shown when the program dies; "" for none */
        char title[256]; /* what to call that log */
} children[MAX_CHILDREN];

static void write_all(int fd, const char *p, size_t len)
{
        while (len > 0) {
                ssize_t n = write(fd, p, len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return;
                p += n;
                len -= (size_t)n;
        }
}

/* Copies the file at @path to stderr with "# " before each line, so that
 * a TAP reader does not take the log for test results. Async-signal-safe:
 * it runs from emergency_cleanup() too. */
static void print_file(const char *title, const char *path)
{
        char buf[4096];
        gboolean line_start = TRUE;
        ssize_t n;
        int fd;

        write_all(STDERR_FILENO, "# ---- ", 7);
        write_all(STDERR_FILENO, title, strlen(title));
        write_all(STDERR_FILENO, " ----\n", 6);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                write_all(STDERR_FILENO, "# (no log)\n", 11);
                return;
        }
        while ((n = read(fd, buf, sizeof(buf))) > 0) {
                const char *p = buf, *end = buf + n;

                while (p < end) {
                        const char *newline = memchr(p, '\n', (size_t)(end - p));
                        const char *stop = newline ? newline + 1 : end;

                        if (line_start)
                                write_all(STDERR_FILENO, "# ", 2);
                        write_all(STDERR_FILENO, p, (size_t)(stop - p));
                        line_start = newline != NULL;
                        p = stop;
                }
        }
        if (!line_start)
                write_all(STDERR_FILENO, "\n", 1);
        write_all(STDERR_FILENO, "# ---- end ----\n", 16);
        close(fd);
}

/* Temporary directories (bus directories, host trees) to remove if the
 * program dies; "" marks a free slot. */
#define MAX_TEMP_DIRS 8
static char temp_dirs[MAX_TEMP_DIRS][512];

/* Removes @name below @dir_fd and everything in it, without following
 * symbolic links. Async-signal-safe (no malloc, no stdio), so that
 * emergency_cleanup() can use it. */
static void remove_tree_at(int dir_fd, const char *name, unsigned depth)
{
        char buf[4096];
        gboolean removed;
        int fd;

        if (unlinkat(dir_fd, name, 0) == 0 || errno != EISDIR || depth > 32)
                return;
        fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return;
        /* Deleting while reading a directory may skip entries: read it
         * again from the start until a pass removes nothing. */
        do {
                ssize_t n;

                removed = FALSE;
                (void)lseek(fd, 0, SEEK_SET);
                while ((n = getdents64(fd, buf, sizeof(buf))) > 0) {
                        for (ssize_t offset = 0; offset < n;) {
                                struct dirent64 *entry = (struct dirent64 *)(buf + offset);

                                offset += entry->d_reclen;
                                if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
                                        continue;
                                remove_tree_at(fd, entry->d_name, depth + 1);
                                removed = TRUE;
                        }
                }
        } while (removed);
        close(fd);
        (void)unlinkat(dir_fd, name, AT_REMOVEDIR);
}

static int temp_dir_register(const char *path)
{
        for (int i = 0; i < MAX_TEMP_DIRS; i++) {
                if (temp_dirs[i][0] != '\0')
                        continue;
                g_strlcpy(temp_dirs[i], path, sizeof(temp_dirs[i]));
                return i;
        }
        g_error("more than %d temporary directories at once", MAX_TEMP_DIRS);
}

static void temp_dir_unregister(int slot)
{
        if (slot >= 0)
                temp_dirs[slot][0] = '\0';
}

static void emergency_cleanup(int sig)
{
        int saved_errno = errno;

        /* Logs first, while the bus still runs: the daemon's log should end
         * where the test failed, not with a disconnection we caused. */
        for (size_t i = 0; i < MAX_CHILDREN; i++) {
                if (children[i].pid > 0 && children[i].log[0] != '\0')
                        print_file(children[i].title, children[i].log);
        }
        for (size_t i = 0; i < MAX_CHILDREN; i++) {
                pid_t pid = children[i].pid;

                if (pid <= 0)
                        continue;
                kill(pid, SIGKILL);
                /* GLib's worker thread may reap it first: then ECHILD. */
                (void)waitpid(pid, NULL, 0);
                children[i].pid = 0;
        }
        /* Only now that nothing writes there any more. */
        for (size_t i = 0; i < MAX_TEMP_DIRS; i++) {
                if (temp_dirs[i][0] != '\0')
                        remove_tree_at(AT_FDCWD, temp_dirs[i], 0);
        }
        errno = saved_errno;
        /* SA_RESETHAND restored the default action: die of @sig as we
         * would have without this handler. */
        raise(sig);
}

void nv_test_init(int *argc, char ***argv)
{
        static const int signals[] = { SIGABRT, SIGTRAP, SIGSEGV, SIGBUS, SIGILL,
                                       SIGFPE,  SIGTERM, SIGINT,  SIGHUP };
        struct sigaction sa = { 0 };

        for (int i = 1; i < *argc; i++)
                tap_output = tap_output || g_str_equal((*argv)[i], "--tap");
        g_test_init(argc, argv, NULL);

        /* Processes our children leave behind become ours, not PID 1's
         * (which does not reap them here), so that nv_test_env_teardown()
         * can find and reap them. */
        g_assert_cmpint(prctl(PR_SET_CHILD_SUBREAPER, 1), ==, 0);

        sa.sa_handler = emergency_cleanup;
        sa.sa_flags = SA_RESETHAND;
        sigemptyset(&sa.sa_mask);
        for (size_t i = 0; i < G_N_ELEMENTS(signals); i++)
                g_assert_cmpint(sigaction(signals[i], &sa, NULL), ==, 0);
}

int nv_test_run_tests(const char *skip_reason)
{
        int r = g_test_run();

        if (r == 0 && skip_reason && !tap_output)
                return 77;
        return r;
}

static int child_register_pid(pid_t pid, const char *name, const char *log)
{
        for (int i = 0; i < MAX_CHILDREN; i++) {
                if (children[i].pid != 0)
                        continue;
                g_strlcpy(children[i].log, log ? log : "", sizeof(children[i].log));
                g_snprintf(children[i].title, sizeof(children[i].title), "log of %s in %s (test died)",
                           name ? name : "a child", g_test_get_path());
                children[i].pid = pid;
                return i;
        }
        g_error("more than %d child processes at once", MAX_CHILDREN);
}

/* Returns -1, registering nothing, for a child that is gone already:
 * GLib's worker thread reaps a GSubprocess as soon as it exits, which a
 * quick nestedvirtctl on a busy machine can do before this runs, and then
 * it has no identifier any more. */
static int child_register(GSubprocess *process, const char *name, const char *log)
{
        const char *identifier = g_subprocess_get_identifier(process);
        guint64 pid;

        if (!identifier)
                return -1;
        g_assert_true(g_ascii_string_to_unsigned(identifier, 10, 1, G_MAXINT32, &pid, NULL));
        return child_register_pid((pid_t)pid, name, log);
}

static gboolean child_is_registered(pid_t pid)
{
        for (int i = 0; i < MAX_CHILDREN; i++)
                if (children[i].pid == pid)
                        return TRUE;
        return FALSE;
}

static void child_unregister(int slot)
{
        if (slot < 0)
                return;
        children[slot].pid = 0;
        children[slot].log[0] = '\0';
}

int nv_test_watch_child(pid_t pid)
{
        g_assert_cmpint(pid, >, 0);
        return child_register_pid(pid, NULL, NULL);
}

int nv_test_watch_subprocess(GSubprocess *process)
{
        return child_register(process, NULL, NULL);
}

void nv_test_forget_child(int slot)
{
        child_unregister(slot);
}

int nv_test_remove_on_death(const char *path)
{
        return temp_dir_register(path);
}

void nv_test_forget_path(int slot)
{
        temp_dir_unregister(slot);
}

/* Runs in the child between fork and exec: if the test program is killed
 * so hard that no handler runs, its children die with it. */
static void child_setup(gpointer user_data)
{
        (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/* ---- Waiting --------------------------------------------------------- */

static gboolean set_flag(gpointer user_data)
{
        *(gboolean *)user_data = TRUE;
        return G_SOURCE_REMOVE;
}

gboolean nv_test_wait_until(gboolean (*done)(gpointer user_data), gpointer user_data, guint timeout_ms)
{
        g_autoptr(GMainContext) context = g_main_context_ref_thread_default();
        g_autoptr(GSource) timeout = g_timeout_source_new(timeout_ms);
        gboolean timed_out = FALSE;
        gboolean result;

        g_source_set_callback(timeout, set_flag, &timed_out, NULL);
        g_source_attach(timeout, context);
        while (!(result = done(user_data)) && !timed_out)
                g_main_context_iteration(context, TRUE);
        g_source_destroy(timeout);
        return result;
}

void nv_test_call_clear(NvTestCall *call)
{
        g_clear_pointer(&call->reply, g_variant_unref);
        g_clear_error(&call->error);
        call->done = FALSE;
}

void nv_test_call_finished(GObject *source, GAsyncResult *result, gpointer user_data)
{
        NvTestCall *call = user_data;

        call->reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &call->error);
        call->done = TRUE;
}

gboolean nv_test_call_is_done(gpointer user_data)
{
        return ((NvTestCall *)user_data)->done;
}

static gboolean keep_ticking(gpointer user_data)
{
        return G_SOURCE_CONTINUE;
}

gboolean nv_test_poll_until(gboolean (*done)(gpointer user_data), gpointer user_data, guint interval_ms,
                            guint timeout_ms)
{
        g_autoptr(GMainContext) context = g_main_context_ref_thread_default();
        g_autoptr(GSource) tick = g_timeout_source_new(interval_ms);
        gboolean result;

        g_source_set_callback(tick, keep_ticking, NULL, NULL);
        g_source_attach(tick, context);
        result = nv_test_wait_until(done, user_data, timeout_ms);
        g_source_destroy(tick);
        return result;
}

void nv_test_drain_main_context(void)
{
        g_autoptr(GMainContext) context = g_main_context_ref_thread_default();

        while (g_main_context_iteration(context, FALSE))
                ;
}

static gboolean flag_is_set(gpointer user_data)
{
        return *(gboolean *)user_data;
}

static void exit_noticed(GObject *source, GAsyncResult *result, gpointer user_data)
{
        gboolean *exited = user_data;

        /* The outcome is read off the GSubprocess; only completion matters. */
        (void)g_subprocess_wait_finish(G_SUBPROCESS(source), result, NULL);
        *exited = TRUE;
        g_rc_box_release(exited);
}

/* A flag (g_rc_box_release() it) that turns TRUE, waking the thread-default
 * main context, once @process has exited and been reaped. Reference
 * counted: the callback may come after the caller gave up waiting. */
static gboolean *process_watch_exit(GSubprocess *process)
{
        gboolean *exited = g_rc_box_new0(gboolean);

        g_subprocess_wait_async(process, NULL, exit_noticed, g_rc_box_acquire(exited));
        return exited;
}

/* Waits up to @timeout_ms for @process to exit; TRUE when it did. */
static gboolean process_wait(GSubprocess *process, guint timeout_ms)
{
        gboolean *exited = process_watch_exit(process);
        gboolean result;

        result = nv_test_wait_until(flag_is_set, exited, timeout_ms);
        g_rc_box_release(exited);
        return result;
}

/* Makes sure @process is gone and reaped. */
static void process_kill(GSubprocess *process)
{
        if (!g_subprocess_get_identifier(process))
                return;
        g_subprocess_force_exit(process);
        if (!process_wait(process, NV_TEST_TIMEOUT_MS))
                g_error("process %s survived SIGKILL", g_subprocess_get_identifier(process));
}

/* ---- Prerequisites --------------------------------------------------- */

const char *nv_test_getenv(const char *name)
{
        const char *value = g_getenv(name);

        if (!value || !*value)
                g_error("%s is not set; run the tests with `meson test`", name);
        return value;
}

char *nv_test_skip_reason(const char *const *env_vars)
{
        g_autofree char *dbus_daemon = g_find_program_in_path("dbus-daemon");

        /* The project's bus policy lets only root own the service's name;
         * loosening it for the tests would test a different policy. */
        if (geteuid() != 0)
                return g_strdup("must run as root: only root may own " NV_BUS_NAME " on a system bus");
        if (!dbus_daemon)
                return g_strdup("dbus-daemon is not installed");
        for (size_t i = 0; env_vars && env_vars[i]; i++) {
                const char *value = g_getenv(env_vars[i]);

                if (!value || !*value)
                        return g_strdup_printf("%s is not set; run the tests with `meson test`",
                                               env_vars[i]);
                if (!g_file_test(value, G_FILE_TEST_EXISTS))
                        return g_strdup_printf("%s=%s does not exist", env_vars[i], value);
        }
        return NULL;
}

/* ---- The bus --------------------------------------------------------- */

struct NvTestBus {
        char *dir;
        char *log_path;
        char *address;
        GSubprocess *process;
        GDataInputStream *address_stream;
        int slot;
        int dir_slot;
        guint n_daemons;
};

/*
 * The default policy of /usr/share/dbus-1/system.conf (deny owning names and
 * calling methods unless a service's policy file allows it; signals and
 * replies flow; everybody may talk to the bus itself), then the project's
 * policy, exactly as a system bus includes its system.d files.
 */
static char *bus_config(const char *socket_path, const char *policy_path, const char *const *extra_policies)
{
        g_autoptr(GString) includes = g_string_new(NULL);
        g_autofree char *config = NULL;

        for (size_t i = 0; extra_policies && extra_policies[i]; i++) {
                g_autofree char *include =
                        g_markup_printf_escaped("  <include>%s</include>\n", extra_policies[i]);

                g_string_append(includes, include);
        }
        config = g_markup_printf_escaped(
                "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
                " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
                "<busconfig>\n"
                "  <type>system</type>\n"
                "  <listen>unix:path=%s</listen>\n"
                "  <auth>EXTERNAL</auth>\n"
                "  <policy context=\"default\">\n"
                "    <allow user=\"*\"/>\n"
                "    <deny own=\"*\"/>\n"
                "    <deny send_type=\"method_call\"/>\n"
                "    <allow send_type=\"signal\"/>\n"
                "    <allow send_requested_reply=\"true\" send_type=\"method_return\"/>\n"
                "    <allow send_requested_reply=\"true\" send_type=\"error\"/>\n"
                "    <allow receive_type=\"method_call\"/>\n"
                "    <allow receive_type=\"method_return\"/>\n"
                "    <allow receive_type=\"error\"/>\n"
                "    <allow receive_type=\"signal\"/>\n"
                "    <allow send_destination=\"org.freedesktop.DBus\"\n"
                "           send_interface=\"org.freedesktop.DBus\"/>\n"
                "    <allow send_destination=\"org.freedesktop.DBus\"\n"
                "           send_interface=\"org.freedesktop.DBus.Introspectable\"/>\n"
                "    <allow send_destination=\"org.freedesktop.DBus\"\n"
                "           send_interface=\"org.freedesktop.DBus.Properties\"/>\n"
                "    <deny send_destination=\"org.freedesktop.DBus\"\n"
                "          send_interface=\"org.freedesktop.DBus\"\n"
                "          send_member=\"UpdateActivationEnvironment\"/>\n"
                "  </policy>\n"
                "  <include>%s</include>\n",
                socket_path, policy_path);
        return g_strconcat(config, includes->str, "</busconfig>\n", NULL);
}

typedef struct {
        gboolean done;
        char *line;
        GError *error;
} LineRead;

static void line_read(GObject *source, GAsyncResult *result, gpointer user_data)
{
        LineRead *read = user_data;

        read->line = g_data_input_stream_read_line_finish_utf8(G_DATA_INPUT_STREAM(source), result, NULL,
                                                               &read->error);
        read->done = TRUE;
}

static gboolean line_read_done(gpointer user_data)
{
        return ((LineRead *)user_data)->done;
}

/* The first line dbus-daemon prints: its address. */
static char *bus_read_address(NvTestBus *bus, GError **error)
{
        g_autoptr(GCancellable) cancellable = g_cancellable_new();
        LineRead read = { 0 };
        g_autofree char *line = NULL;

        g_data_input_stream_read_line_async(bus->address_stream, G_PRIORITY_DEFAULT, cancellable, line_read,
                                            &read);
        if (!nv_test_wait_until(line_read_done, &read, NV_TEST_TIMEOUT_MS)) {
                /* @read lives on this stack: let the read end first. */
                g_cancellable_cancel(cancellable);
                if (!nv_test_wait_until(line_read_done, &read, NV_TEST_TIMEOUT_MS))
                        g_error("a cancelled read from dbus-daemon did not end");
                g_clear_error(&read.error);
                g_free(read.line);
                g_set_error(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                            "dbus-daemon did not print its address in %d ms", NV_TEST_TIMEOUT_MS);
                return NULL;
        }
        if (read.error) {
                g_propagate_error(error, read.error);
                return NULL;
        }
        line = read.line;
        if (!line) {
                g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                                    "dbus-daemon exited without printing its address");
                return NULL;
        }
        g_strstrip(line);
        if (!g_dbus_is_supported_address(line, NULL)) {
                g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                            "dbus-daemon printed no address but \"%s\"", line);
                return NULL;
        }
        return g_steal_pointer(&line);
}

NvTestBus *nv_test_bus_new(GError **error)
{
        return nv_test_bus_new_full(NULL, error);
}

NvTestBus *nv_test_bus_new_full(const char *const *extra_policies, GError **error)
{
        g_autoptr(NvTestBus) bus = g_new0(NvTestBus, 1);
        g_autoptr(GSubprocessLauncher) launcher = NULL;
        g_autofree char *socket_path = NULL;
        g_autofree char *config_path = NULL;
        g_autofree char *config = NULL;
        g_autofree char *config_arg = NULL;

        bus->slot = -1;
        bus->dir_slot = -1;
        bus->dir = g_dir_make_tmp("nv-test-bus-XXXXXX", error);
        if (!bus->dir)
                return NULL;
        /* Like /run/dbus: anybody may reach the socket, the bus's policy
         * decides the rest. */
        if (g_chmod(bus->dir, 0755) < 0) {
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "cannot chmod %s: %s", bus->dir,
                            g_strerror(errno));
                return NULL;
        }
        bus->dir_slot = temp_dir_register(bus->dir);
        bus->log_path = g_build_filename(bus->dir, "dbus-daemon.log", NULL);
        socket_path = g_build_filename(bus->dir, "system_bus_socket", NULL);
        config_path = g_build_filename(bus->dir, "system.conf", NULL);
        config = bus_config(socket_path, nv_test_getenv("NV_BUS_POLICY"), extra_policies);
        if (!g_file_set_contents(config_path, config, -1, error))
                return NULL;

        launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE);
        g_subprocess_launcher_set_stderr_file_path(launcher, bus->log_path);
        g_subprocess_launcher_set_child_setup(launcher, child_setup, NULL, NULL);
        config_arg = g_strconcat("--config-file=", config_path, NULL);
        bus->process = g_subprocess_launcher_spawn(launcher, error, "dbus-daemon", config_arg, "--nofork",
                                                   "--print-address=1", NULL);
        if (!bus->process)
                return NULL;
        bus->slot = child_register(bus->process, "dbus-daemon", NULL);

        bus->address_stream = g_data_input_stream_new(g_subprocess_get_stdout_pipe(bus->process));
        bus->address = bus_read_address(bus, error);
        if (!bus->address) {
                nv_test_bus_print_log(bus);
                return NULL;
        }
        return g_steal_pointer(&bus);
}

static void remove_flat_dir(const char *dir)
{
        g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
        const char *name;

        while (d && (name = g_dir_read_name(d))) {
                g_autofree char *path = g_build_filename(dir, name, NULL);

                if (unlink(path) < 0)
                        g_printerr("# cannot remove %s: %s\n", path, g_strerror(errno));
        }
        if (rmdir(dir) < 0 && errno != ENOENT)
                g_printerr("# cannot remove %s: %s\n", dir, g_strerror(errno));
}

void nv_test_bus_free(NvTestBus *bus)
{
        if (!bus)
                return;
        if (bus->process) {
                /* Nothing to learn from how the bus ends: it has no state
                 * worth a clean shutdown. */
                process_kill(bus->process);
                child_unregister(bus->slot);
        }
        g_clear_object(&bus->address_stream);
        g_clear_object(&bus->process);
        if (bus->dir)
                remove_flat_dir(bus->dir);
        temp_dir_unregister(bus->dir_slot);
        g_free(bus->dir);
        g_free(bus->log_path);
        g_free(bus->address);
        g_free(bus);
}

const char *nv_test_bus_get_address(const NvTestBus *bus)
{
        return bus->address;
}

GDBusConnection *nv_test_bus_connect(const NvTestBus *bus, GError **error)
{
        return g_dbus_connection_new_for_address_sync(bus->address,
                                                      G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                              G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                      NULL, NULL, error);
}

void nv_test_bus_print_log(const NvTestBus *bus)
{
        print_file("log of dbus-daemon", bus->log_path);
}

/* ---- The daemon ------------------------------------------------------ */

struct NvTestDaemon {
        char *name; /* for messages: "nestedvirtd", "polkitd" */
        GSubprocess *process;
        char *log_path;
        char *unique_name;
        gboolean exited;
        int slot;
};

typedef struct {
        char *owner;
        gboolean *exited;
} NameWait;

static void name_appeared(GDBusConnection *connection, const char *name, const char *owner,
                          gpointer user_data)
{
        NameWait *wait = user_data;

        g_free(wait->owner);
        wait->owner = g_strdup(owner);
}

static gboolean name_owned_or_exited(gpointer user_data)
{
        NameWait *wait = user_data;

        return wait->owner || *wait->exited;
}

/* Describes how @process ended, for messages. */
static char *describe_exit(GSubprocess *process)
{
        if (g_subprocess_get_if_exited(process))
                return g_strdup_printf("exited with status %d", g_subprocess_get_exit_status(process));
        if (g_subprocess_get_if_signaled(process))
                return g_strdup_printf("was killed by signal %d (%s)", g_subprocess_get_term_sig(process),
                                       g_strsignal(g_subprocess_get_term_sig(process)));
        return g_strdup("ended in an unknown way");
}

NvTestDaemon *nv_test_daemon_start_argv(NvTestBus *bus, const char *const *argv, const char *bus_name,
                                        GError **error)
{
        g_autoptr(NvTestDaemon) daemon = g_new0(NvTestDaemon, 1);
        g_autoptr(GSubprocessLauncher) launcher = NULL;
        g_autoptr(GDBusConnection) connection = NULL;
        g_autofree char *log_name = NULL;
        NameWait wait = { 0 };
        guint watch;

        daemon->slot = -1;
        daemon->name = g_path_get_basename(argv[0]);
        log_name = g_strdup_printf("%s-%u.log", daemon->name, ++bus->n_daemons);
        daemon->log_path = g_build_filename(bus->dir, log_name, NULL);

        connection = nv_test_bus_connect(bus, error);
        if (!connection)
                return NULL;

        launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDERR_MERGE);
        g_subprocess_launcher_set_stdout_file_path(launcher, daemon->log_path);
        g_subprocess_launcher_set_child_setup(launcher, child_setup, NULL, NULL);
        g_subprocess_launcher_setenv(launcher, "DBUS_SYSTEM_BUS_ADDRESS", bus->address, TRUE);
        g_subprocess_launcher_setenv(launcher, "G_MESSAGES_DEBUG", "all", TRUE);
        g_subprocess_launcher_setenv(launcher, "SYSTEMD_LOG_LEVEL", "debug", TRUE);
        /* Nothing may lead the daemon to the real host's buses or service
         * manager, should the tests run inside a systemd unit. */
        g_subprocess_launcher_unsetenv(launcher, "DBUS_SESSION_BUS_ADDRESS");
        g_subprocess_launcher_unsetenv(launcher, "NOTIFY_SOCKET");
        g_subprocess_launcher_unsetenv(launcher, "LISTEN_FDS");
        g_subprocess_launcher_unsetenv(launcher, "LISTEN_PID");
        g_subprocess_launcher_unsetenv(launcher, "LISTEN_FDNAMES");
        g_subprocess_launcher_unsetenv(launcher, "WATCHDOG_USEC");
        g_subprocess_launcher_unsetenv(launcher, "WATCHDOG_PID");

        daemon->process = g_subprocess_launcher_spawnv(launcher, argv, error);
        if (!daemon->process)
                return NULL;
        daemon->slot = child_register(daemon->process, daemon->name, daemon->log_path);

        /* Either the name appears, or the daemon exits; whichever first.
         * The watch gets NameOwnerChanged: no polling, no sleeping. */
        wait.exited = process_watch_exit(daemon->process);
        watch = g_bus_watch_name_on_connection(connection, bus_name, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                               name_appeared, NULL, &wait, NULL);
        (void)nv_test_wait_until(name_owned_or_exited, &wait, NV_TEST_TIMEOUT_MS);
        g_bus_unwatch_name(watch);
        g_rc_box_release(wait.exited);

        if (!wait.owner) {
                g_autofree char *how = NULL;

                if (g_subprocess_get_identifier(daemon->process)) {
                        g_set_error(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                    "%s (still running: hung?) did not own %s within %d ms", daemon->name,
                                    bus_name, NV_TEST_TIMEOUT_MS);
                } else {
                        how = describe_exit(daemon->process);
                        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s %s before it owned %s",
                                    daemon->name, how, bus_name);
                }
                nv_test_daemon_print_log(daemon);
                nv_test_bus_print_log(bus);
                return NULL;
        }
        daemon->unique_name = g_steal_pointer(&wait.owner);
        return g_steal_pointer(&daemon);
}

static NvTestDaemon *daemon_start_program(NvTestBus *bus, const char *program, const char *root,
                                          const char *const *extra_args, GError **error)
{
        g_autofree char *root_arg = g_strconcat("--root=", root, NULL);
        g_autoptr(GPtrArray) argv = g_ptr_array_new();
        NvTestDaemon *daemon;

        g_ptr_array_add(argv, (gpointer)program);
        g_ptr_array_add(argv, root_arg);
        g_ptr_array_add(argv, "--idle-timeout=0");
        for (size_t i = 0; extra_args && extra_args[i]; i++)
                g_ptr_array_add(argv, (gpointer)extra_args[i]);
        g_ptr_array_add(argv, NULL);

        daemon = nv_test_daemon_start_argv(bus, (const char *const *)argv->pdata, NV_BUS_NAME, error);
        if (!daemon)
                g_prefix_error(error, "on %s: ", root);
        return daemon;
}

NvTestDaemon *nv_test_daemon_start(NvTestBus *bus, const char *root, GError **error)
{
        return daemon_start_program(bus, nv_test_getenv("NV_DAEMON"), root, NULL, error);
}

gboolean nv_test_daemon_is_running(NvTestDaemon *daemon)
{
        return g_subprocess_get_identifier(daemon->process) != NULL;
}

void nv_test_daemon_send_signal(NvTestDaemon *daemon, int signo)
{
        g_assert_nonnull(g_subprocess_get_identifier(daemon->process));
        g_subprocess_send_signal(daemon->process, signo);
}

const char *nv_test_daemon_get_unique_name(const NvTestDaemon *daemon)
{
        return daemon->unique_name;
}

gboolean nv_test_daemon_stop(NvTestDaemon *daemon, GError **error)
{
        g_autofree char *how = NULL;

        if (!g_subprocess_get_identifier(daemon->process)) {
                how = describe_exit(daemon->process);
                g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s %s before it was told to stop",
                            daemon->name, how);
                return FALSE;
        }
        g_subprocess_send_signal(daemon->process, SIGTERM);
        if (!process_wait(daemon->process, NV_TEST_TIMEOUT_MS)) {
                g_set_error(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                            "%s did not exit within %d ms of SIGTERM", daemon->name, NV_TEST_TIMEOUT_MS);
                return FALSE;
        }
        if (!g_subprocess_get_if_exited(daemon->process) ||
            g_subprocess_get_exit_status(daemon->process) != 0) {
                how = describe_exit(daemon->process);
                g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s %s after SIGTERM, not with 0",
                            daemon->name, how);
                return FALSE;
        }
        return TRUE;
}

gboolean nv_test_daemon_wait_exit(NvTestDaemon *daemon, guint timeout_ms, GError **error)
{
        g_autofree char *how = NULL;

        if (!process_wait(daemon->process, timeout_ms)) {
                g_set_error(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "%s still runs after %u ms",
                            daemon->name, timeout_ms);
                return FALSE;
        }
        if (!g_subprocess_get_if_exited(daemon->process) ||
            g_subprocess_get_exit_status(daemon->process) != 0) {
                how = describe_exit(daemon->process);
                g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s %s, not with 0", daemon->name, how);
                return FALSE;
        }
        return TRUE;
}

void nv_test_daemon_free(NvTestDaemon *daemon)
{
        if (!daemon)
                return;
        if (daemon->process) {
                process_kill(daemon->process);
                child_unregister(daemon->slot);
        }
        g_clear_object(&daemon->process);
        g_free(daemon->log_path);
        g_free(daemon->unique_name);
        g_free(daemon->name);
        g_free(daemon);
}

void nv_test_daemon_print_log(const NvTestDaemon *daemon)
{
        g_autofree char *title = g_strdup_printf("log of %s in %s", daemon->name, g_test_get_path());

        print_file(title, daemon->log_path);
}

const char *nv_test_daemon_get_log_path(const NvTestDaemon *daemon)
{
        return daemon->log_path;
}

/* ---- Running programs ------------------------------------------------ */

void nv_test_run_result_clear(NvTestRunResult *result)
{
        g_clear_pointer(&result->stdout_text, g_free);
        g_clear_pointer(&result->stderr_text, g_free);
        result->exited = FALSE;
        result->exit_status = -1;
}

typedef struct {
        gboolean done;
        GBytes *stdout_bytes;
        GBytes *stderr_bytes;
        GError *error;
} Communication;

static void communicated(GObject *source, GAsyncResult *result, gpointer user_data)
{
        Communication *c = user_data;

        (void)g_subprocess_communicate_finish(G_SUBPROCESS(source), result, &c->stdout_bytes,
                                              &c->stderr_bytes, &c->error);
        c->done = TRUE;
}

static gboolean communication_done(gpointer user_data)
{
        return ((Communication *)user_data)->done;
}

static char *bytes_to_string(GBytes *bytes)
{
        gsize len = 0;
        const char *data = bytes ? g_bytes_get_data(bytes, &len) : NULL;

        return g_strndup(data ? data : "", len);
}

static void run_process(const char *const *argv, const char *const *env_overrides,
                        GSpawnChildSetupFunc setup, gpointer setup_data, NvTestRunResult *ret)
{
        g_autoptr(GSubprocessLauncher) launcher = NULL;
        g_autoptr(GSubprocess) process = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *command = g_strjoinv(" ", (char **)argv);
        Communication c = { 0 };
        int slot;

        ret->exited = FALSE;
        ret->exit_status = -1;
        launcher =
                g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
        g_subprocess_launcher_set_child_setup(launcher, setup, setup_data, NULL);
        for (size_t i = 0; env_overrides && env_overrides[i]; i++) {
                const char *eq = strchr(env_overrides[i], '=');
                g_autofree char *name = NULL;

                if (!eq) {
                        g_subprocess_launcher_unsetenv(launcher, env_overrides[i]);
                        continue;
                }
                name = g_strndup(env_overrides[i], (gsize)(eq - env_overrides[i]));
                g_subprocess_launcher_setenv(launcher, name, eq + 1, TRUE);
        }

        process = g_subprocess_launcher_spawnv(launcher, argv, &error);
        g_assert_no_error(error);
        slot = child_register(process, argv[0], NULL);

        g_subprocess_communicate_async(process, NULL, NULL, communicated, &c);
        if (!nv_test_wait_until(communication_done, &c, NV_TEST_TIMEOUT_MS)) {
                g_test_fail_printf("`%s` did not finish within %d ms", command, NV_TEST_TIMEOUT_MS);
                g_subprocess_force_exit(process);
                /* The pipes close when it dies: communication ends. */
                if (!nv_test_wait_until(communication_done, &c, NV_TEST_TIMEOUT_MS))
                        g_error("`%s` survived SIGKILL", command);
        }
        if (c.error)
                g_error("cannot read the output of `%s`: %s", command, c.error->message);
        if (!process_wait(process, NV_TEST_TIMEOUT_MS))
                g_error("`%s` closed its output but did not exit", command);
        child_unregister(slot);

        ret->stdout_text = bytes_to_string(c.stdout_bytes);
        ret->stderr_text = bytes_to_string(c.stderr_bytes);
        ret->exited = g_subprocess_get_if_exited(process);
        ret->exit_status = ret->exited ? g_subprocess_get_exit_status(process) : -1;
        g_clear_pointer(&c.stdout_bytes, g_bytes_unref);
        g_clear_pointer(&c.stderr_bytes, g_bytes_unref);
}

/* Child setup of nv_test_run_as(): drop root before exec. */
static void child_setup_drop_privileges(gpointer user_data)
{
        uid_t uid = GPOINTER_TO_UINT(user_data);

        child_setup(NULL);
        if (setgroups(0, NULL) < 0 || setgid(uid) < 0 || setuid(uid) < 0)
                _exit(126);
}

void nv_test_run(const char *const *argv, const char *const *env_overrides, NvTestRunResult *ret)
{
        run_process(argv, env_overrides, child_setup, NULL, ret);
}

/* Whether a user other than the owner may reach and run @path: the file
 * and every directory above it are open to others. */
static gboolean runnable_by_others(const char *path)
{
        g_autofree char *dir = g_path_get_dirname(path);
        struct stat st;

        if (stat(path, &st) < 0 || !(st.st_mode & S_IXOTH))
                return FALSE;
        for (;;) {
                char *parent;

                if (stat(dir, &st) < 0 || !(st.st_mode & S_IXOTH))
                        return FALSE;
                if (g_str_equal(dir, "/") || g_str_equal(dir, "."))
                        return TRUE;
                parent = g_path_get_dirname(dir);
                g_free(dir);
                dir = parent;
        }
}

static char *others_dir; /* copies of build programs, for other users */

static void others_dir_remove(void)
{
        remove_tree_at(AT_FDCWD, others_dir, 0);
}

/* @program as another user can run it: itself, or, when the build lies
 * where other users cannot reach it (a checkout cloned into `mktemp -d`,
 * mode 0700), a copy in a directory of this test program's that they
 * can reach. Programs found on PATH are system ones and left alone. */
static const char *program_for_others(const char *program)
{
        static GHashTable *copies; /* program -> copy */
        g_autofree char *contents = NULL;
        g_autofree char *base = NULL;
        g_autoptr(GError) error = NULL;
        gsize len = 0;
        char *copy;

        if (!g_path_is_absolute(program) || runnable_by_others(program))
                return program;
        if (!copies)
                copies = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        copy = g_hash_table_lookup(copies, program);
        if (copy)
                return copy;

        if (!others_dir) {
                others_dir = g_build_filename(g_get_tmp_dir(), "nv-test-programs-XXXXXX", NULL);
                /* chmod: the mode of creation passes through the umask. */
                if (!g_mkdtemp_full(others_dir, 0755) || g_chmod(others_dir, 0755) < 0)
                        g_error("cannot create %s: %s", others_dir, g_strerror(errno));
                temp_dir_register(others_dir);
                atexit(others_dir_remove);
        }
        base = g_path_get_basename(program);
        copy = g_build_filename(others_dir, base, NULL);
        if (!g_file_get_contents(program, &contents, &len, &error) ||
            !g_file_set_contents_full(copy, contents, (gssize)len, G_FILE_SET_CONTENTS_NONE, 0755, &error))
                g_error("cannot copy %s for another user: %s", program, error->message);
        if (g_chmod(copy, 0755) < 0)
                g_error("cannot make %s executable: %s", copy, g_strerror(errno));
        g_hash_table_insert(copies, g_strdup(program), copy);
        return copy;
}

void nv_test_run_as(const char *const *argv, const char *const *env_overrides, guint32 uid,
                    NvTestRunResult *ret)
{
        g_autofree const char **args = NULL;

        g_assert_cmpuint(geteuid(), ==, 0);
        args = g_memdup2(argv, (g_strv_length((char **)argv) + 1) * sizeof(*argv));
        args[0] = program_for_others(argv[0]);
        run_process(args, env_overrides, child_setup_drop_privileges, GUINT_TO_POINTER(uid), ret);
}

/* ---- Test fixtures --------------------------------------------------- */

void nv_test_skip(gconstpointer reason)
{
        g_test_skip(reason);
}

void nv_test_env_setup(NvTestEnv *env, NvTestPreset preset)
{
        nv_test_env_setup_full(env, preset, NULL);
}

void nv_test_env_setup_full(NvTestEnv *env, NvTestPreset preset, const NvTestEnvOptions *options)
{
        g_autoptr(GError) error = NULL;

        env->daemon_program = g_strdup(options ? options->daemon_program : NULL);
        env->changes = options && options->record_changes
                               ? g_ptr_array_new_with_free_func((GDestroyNotify)g_variant_unref)
                               : NULL;
        env->changes_subscription = 0;
        env->bus = nv_test_bus_new_full(options ? options->bus_policies : NULL, &error);
        g_assert_no_error(error);
        env->host = nv_test_host_new_preset(preset);
        env->host_slot = temp_dir_register(nv_test_host_get_root(env->host));
        env->connection = nv_test_bus_connect(env->bus, &error);
        g_assert_no_error(error);
        env->daemon = NULL;
}

static void on_properties_changed(GDBusConnection *connection, const char *sender, const char *path,
                                  const char *interface, const char *signal, GVariant *parameters,
                                  gpointer user_data)
{
        NvTestEnv *env = user_data;

        g_ptr_array_add(env->changes, g_variant_ref(parameters));
}

/* Subscribes to the running daemon's PropertiesChanged and returns once the
 * bus has the match rule: every signal the daemon sends from then on is
 * delivered. */
static guint subscribe_properties_changed(NvTestEnv *env)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = NULL;
        guint subscription;

        g_assert_nonnull(env->daemon);
        subscription = g_dbus_connection_signal_subscribe(
                env->connection, nv_test_daemon_get_unique_name(env->daemon),
                "org.freedesktop.DBus.Properties", "PropertiesChanged", NV_OBJECT_PATH, NV_INTERFACE,
                G_DBUS_SIGNAL_FLAGS_NONE, on_properties_changed, env, NULL);
        /* GDBus sends AddMatch without waiting for its reply; a signal the
         * daemon emits before the bus has the rule would be lost. The bus
         * handles our messages in order: once a later call is answered,
         * the rule is in place. */
        reply = g_dbus_connection_call_sync(env->connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                            "org.freedesktop.DBus", "GetId", NULL, G_VARIANT_TYPE("(s)"),
                                            G_DBUS_CALL_FLAGS_NONE, NV_TEST_TIMEOUT_MS, NULL, &error);
        g_assert_no_error(error);
        return subscription;
}

void nv_test_env_start_daemon(NvTestEnv *env)
{
        nv_test_env_start_daemon_with_args(env, NULL);
}

void nv_test_env_start_daemon_with_args(NvTestEnv *env, const char *const *extra_args)
{
        g_autoptr(GError) error = NULL;

        g_assert_null(env->daemon);
        env->daemon = daemon_start_program(
                env->bus, env->daemon_program ? env->daemon_program : nv_test_getenv("NV_DAEMON"),
                nv_test_host_get_root(env->host), extra_args, &error);
        g_assert_no_error(error);
        if (env->changes)
                env->changes_subscription = subscribe_properties_changed(env);
}

/* Reads the parent of process @pid off /proc/@pid/stat; 0 if unknown. */
pid_t nv_test_parent_of(pid_t pid)
{
        g_autofree char *path = g_strdup_printf("/proc/%d/stat", (int)pid);
        g_autofree char *stat = NULL;
        const char *p;
        int ppid;

        if (!g_file_get_contents(path, &stat, NULL, NULL))
                return 0;
        /* "PID (COMM) STATE PPID ...": COMM may hold anything, even ')'. */
        p = strrchr(stat, ')');
        if (!p || sscanf(p + 1, " %*c %d", &ppid) != 1)
                return 0;
        return ppid;
}

GArray *nv_test_list_unknown_children(void)
{
        g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
        GArray *pids = g_array_new(FALSE, FALSE, sizeof(pid_t));
        const char *name;

        while (proc && (name = g_dir_read_name(proc))) {
                guint64 pid;
                pid_t p;

                if (!g_ascii_string_to_unsigned(name, 10, 1, G_MAXINT32, &pid, NULL) ||
                    nv_test_parent_of((pid_t)pid) != getpid() || child_is_registered((pid_t)pid))
                        continue;
                p = (pid_t)pid;
                g_array_append_val(pids, p);
        }
        return pids;
}

/*
 * Kills and reaps every child of ours that is still there once the bus,
 * the daemon and the programs run are gone: processes the daemon (or a
 * program) started and left behind, which came to us as their subreaper.
 * Returns how many there were.
 */
static guint reap_strays(void)
{
        g_autoptr(GArray) pids = nv_test_list_unknown_children();

        for (guint i = 0; i < pids->len; i++) {
                pid_t pid = g_array_index(pids, pid_t, i);

                g_printerr("# process %d was left behind; killing it\n", (int)pid);
                kill(pid, SIGKILL);
                (void)waitpid(pid, NULL, 0);
        }
        return pids->len;
}

void nv_test_env_stop_daemon(NvTestEnv *env)
{
        g_autoptr(GError) error = NULL;

        if (env->daemon && !nv_test_daemon_stop(env->daemon, &error))
                g_test_fail_printf("%s", error->message);
        if (env->daemon && g_test_failed())
                nv_test_daemon_print_log(env->daemon);
        g_clear_pointer(&env->daemon, nv_test_daemon_free);
}

void nv_test_env_teardown(NvTestEnv *env)
{
        guint n_strays;

        if (env->changes_subscription)
                g_dbus_connection_signal_unsubscribe(env->connection, env->changes_subscription);
        env->changes_subscription = 0;
        g_clear_pointer(&env->changes, g_ptr_array_unref);
        nv_test_env_stop_daemon(env);
        if (env->connection)
                (void)g_dbus_connection_close_sync(env->connection, NULL, NULL);
        g_clear_object(&env->connection);
        g_clear_pointer(&env->bus, nv_test_bus_free);
        g_clear_pointer(&env->host, nv_test_host_free);
        temp_dir_unregister(env->host_slot);
        env->host_slot = -1;
        g_clear_pointer(&env->daemon_program, g_free);
        n_strays = reap_strays();
        if (n_strays > 0)
                g_test_fail_printf("%u processes outlived the test", n_strays);
}

GVariant *nv_test_env_call(NvTestEnv *env, const char *interface, const char *method, GVariant *parameters,
                           const GVariantType *reply_type, GError **error)
{
        g_assert_nonnull(env->daemon);
        return g_dbus_connection_call_sync(env->connection, NV_BUS_NAME, NV_OBJECT_PATH, interface, method,
                                           parameters, reply_type, G_DBUS_CALL_FLAGS_NO_AUTO_START,
                                           NV_TEST_TIMEOUT_MS, NULL, error);
}

GDBusInterfaceInfo *nv_test_polkit_authority_info(void)
{
        static const char xml[] = "<node>"
                                  "  <interface name='" NV_TEST_POLKIT_INTERFACE "'>"
                                  "    <method name='CheckAuthorization'>"
                                  "      <arg type='(sa{sv})' name='subject' direction='in'/>"
                                  "      <arg type='s' name='action_id' direction='in'/>"
                                  "      <arg type='a{ss}' name='details' direction='in'/>"
                                  "      <arg type='u' name='flags' direction='in'/>"
                                  "      <arg type='s' name='cancellation_id' direction='in'/>"
                                  "      <arg type='(bba{ss})' name='result' direction='out'/>"
                                  "    </method>"
                                  "    <method name='CancelCheckAuthorization'>"
                                  "      <arg type='s' name='cancellation_id' direction='in'/>"
                                  "    </method>"
                                  "    <property type='s' name='BackendName' access='read'/>"
                                  "    <property type='s' name='BackendVersion' access='read'/>"
                                  "    <property type='u' name='BackendFeatures' access='read'/>"
                                  "    <signal name='Changed'/>"
                                  "  </interface>"
                                  "</node>";
        static GDBusNodeInfo *info;

        if (!info) {
                g_autoptr(GError) error = NULL;

                info = g_dbus_node_info_new_for_xml(xml, &error);
                g_assert_no_error(error);
        }
        return info->interfaces[0];
}

void nv_test_env_sync(NvTestEnv *env)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = NULL;

        reply = nv_test_env_call(env, "org.freedesktop.DBus.Peer", "Ping", NULL, NULL, &error);
        g_assert_no_error(error);
        nv_test_drain_main_context();
}

GHashTable *nv_test_env_collect_changes(NvTestEnv *env)
{
        GHashTable *changed =
                g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_variant_unref);

        g_assert_nonnull(env->changes);
        for (guint i = 0; i < env->changes->len; i++) {
                GVariant *parameters = env->changes->pdata[i];
                g_autoptr(GVariant) values = NULL;
                g_autofree const char **invalidated = NULL;
                const char *interface;
                GVariantIter iter;
                const char *name;
                GVariant *value;

                g_assert_cmpstr(g_variant_get_type_string(parameters), ==, "(sa{sv}as)");
                g_variant_get(parameters, "(&s@a{sv}^a&s)", &interface, &values, &invalidated);
                g_assert_cmpstr(interface, ==, NV_INTERFACE);
                g_assert_cmpuint(g_strv_length((char **)invalidated), ==, 0);
                g_assert_cmpuint(g_variant_n_children(values), >, 0);

                g_variant_iter_init(&iter, values);
                while (g_variant_iter_loop(&iter, "{&sv}", &name, &value))
                        g_hash_table_insert(changed, g_strdup(name), g_variant_ref(value));
        }
        return changed;
}

GVariant *nv_test_env_get_status(NvTestEnv *env)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = NULL;
        GVariant *status;

        reply = nv_test_env_call(env, NV_INTERFACE, "GetStatus", NULL, G_VARIANT_TYPE("(a{sv})"), &error);
        g_assert_no_error(error);
        g_variant_get(reply, "(@a{sv})", &status);
        return status;
}

void nv_test_assert_exit(const NvTestRunResult *result, int status)
{
        if (result->exit_status != status)
                g_error("nestedvirtctl exited with %d, expected %d\nstdout:\n%s\nstderr:\n%s",
                        result->exit_status, status, result->stdout_text, result->stderr_text);
}

void nv_test_assert_one_line(const char *text)
{
        const char *newline = strchr(text, '\n');

        if (!newline || newline == text || newline[1] != '\0')
                g_error("expected exactly one non-empty line on stderr, got:\n%s", text);
}

char *nv_test_assert_dbus_error(GError *error, const char *name, const char *what)
{
        g_autofree char *remote = NULL;

        if (!error)
                g_error("%s succeeded, expected %s", what, name);
        remote = g_dbus_error_get_remote_error(error);
        if (g_strcmp0(remote, name) != 0)
                g_error("%s failed with %s (%s), expected %s", what, remote ? remote : "a local error",
                        error->message, name);
        g_dbus_error_strip_remote_error(error);
        g_test_message("%s: %s: %.200s", what, name, error->message);
        return g_strdup(error->message);
}
