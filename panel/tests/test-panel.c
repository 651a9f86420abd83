/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nestedvirt-settings end to end: the real panel on Xvfb, driven and read
 * through the accessibility tree (libatspi), against the real daemon
 * (nestedvirtd, or nestedvirtd-sim for a simulated kernel) on the
 * harness's private system bus and fake host trees. What the panel shows
 * is compared with what nestedvirtctl says on the same bus, since both
 * take their words from one place.
 *
 * The world, set up once in main(): Xvfb (choosing a free display), a
 * private session bus (from which at-spi-bus-launcher, and with it the
 * accessibility bus, is activated, as in a desktop session), and libatspi
 * connected to it. The session bus runs as nobody and lets any user in, so
 * that one case can run the panel as nobody while the test, as root,
 * still reads it: the accessibility bus admits its owner and root.
 *
 * The cases: the initial state on several hosts (the headline in plain
 * words, its one button, a switch that agrees with it, and no command,
 * module parameter or path on the main page: assert_main_page_plain()),
 * light and dark, wide and 360 px; the switch; changes made behind the
 * panel's back; an unprivileged user against the real polkitd with no
 * agent; the module held by virtual machines, listed by name, and a
 * change applied when they stop, cancelled, or dropped with the daemon
 * (simulated kernel); libvirt's test driver; the daemon killed and back;
 * D-Bus activation and the daemon's idle exit; names with markup in them;
 * the pictures of README.md. Each saves a picture of the window (the panel
 * renders itself: $NV_PANEL is its test build, nv-settings-test-main.c)
 * into $NV_PANEL_SCREENSHOT_DIR, named after the case.
 *
 * Waits poll the accessibility tree every 50 ms, for at most
 * NV_TEST_TIMEOUT_MS. Skips (77) without Xvfb or the accessibility stack,
 * or not as root, unless CI=true, where that is a failure.
 */
#include "config.h"

#include <atspi/atspi.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nv-dbus.h"
#include "nv-test-bus.h"
#include "nv-test-host.h"

#define XVFB              "Xvfb"
#define AT_SPI_LAUNCHER   "/usr/libexec/at-spi-bus-launcher"
#define APP_ID            "org.example.NestedVirt.Settings"
#define APP_PATH          "/org/example/NestedVirt/Settings"
#define POLL_INTERVAL_MS  50
#define POLKITD           "/usr/lib/polkit-1/polkitd"
#define POLKIT_BUS_POLICY "/usr/share/dbus-1/system.d/org.freedesktop.PolicyKit1.conf"
#define POLKIT_BUS_NAME   "org.freedesktop.PolicyKit1"
#define ACTIONS_FILE      "/usr/share/polkit-1/actions/org.example.NestedVirt.policy"
#define POLKIT_LOCK       "/tmp/nv-polkitd.lock"
#define SWITCH_NAME       "Nested Virtualization"

/* LeakSanitizer asks this program (in a sanitizer build) what not to
 * report: libatspi keeps the accessibles of an application that left
 * the bus in parent/child cycles when it drops its cache, and reports
 * them as lost once many panels came and went in one run. The panel's own
 * leaks are checked in the panel's process (/panel/app-basics). */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
        return "leak:libatspi.so\n";
}

/* libatspi 2.46 has no g_autoptr() support of its own. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(AtspiAccessible, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(AtspiStateSet, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(AtspiAction, g_object_unref)

/* ---- The world ---------------------------------------------------------- */

static struct {
        char *tmp;     /* everything of this run */
        char *shots;   /* where the panel saves, writable by nobody */
        char *display; /* ":N" */
        char *session_address;
        GSubprocess *xvfb;
        GSubprocess *session_bus;
        int xvfb_slot, session_slot, tmp_slot;
        GArray *adopted; /* pid_t: at-spi-bus-launcher and the registry */
        GArray *adopted_slots;

        GDBusConnection *session;
} world;

/* Runs in the child between fork and exec. */
static void child_setup(gpointer user_data)
{
        guint32 uid = GPOINTER_TO_UINT(user_data);

        (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (uid != 0 && (setgroups(0, NULL) < 0 || setgid(uid) < 0 || setuid(uid) < 0))
                _exit(127);
}

/* Starts @argv as @uid with @env ("NAME=VALUE", or "NAME" to unset it)
 * applied to ours, its output
 * in @log; @fd3, if not -1, becomes the child's descriptor 3. */
static GSubprocess *spawn(const char *const *argv, const char *const *env, guint32 uid, const char *log,
                          int fd3)
{
        g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDERR_MERGE);
        g_autoptr(GError) error = NULL;
        GSubprocess *process;

        for (size_t i = 0; env && env[i]; i++) {
                g_auto(GStrv) kv = g_strsplit(env[i], "=", 2);

                if (kv[1])
                        g_subprocess_launcher_setenv(launcher, kv[0], kv[1], TRUE);
                else
                        g_subprocess_launcher_unsetenv(launcher, kv[0]);
        }
        g_subprocess_launcher_set_stdout_file_path(launcher, log);
        g_subprocess_launcher_set_child_setup(launcher, child_setup, GUINT_TO_POINTER(uid), NULL);
        if (fd3 >= 0)
                g_subprocess_launcher_take_fd(launcher, fd3, 3);
        process = g_subprocess_launcher_spawnv(launcher, argv, &error);
        if (!process)
                g_error("cannot start %s: %s", argv[0], error->message);
        return process;
}

/* The line a child writes on the pipe @fd once it is ready (Xvfb's display
 * number, dbus-daemon's address); fails after NV_TEST_TIMEOUT_MS. */
static char *read_ready_line(int fd, const char *what)
{
        g_autoptr(GString) line = g_string_new(NULL);
        gint64 deadline = g_get_monotonic_time() + NV_TEST_TIMEOUT_MS * G_TIME_SPAN_MILLISECOND;

        for (;;) {
                struct pollfd pfd = { .fd = fd, .events = POLLIN };
                int timeout = (int)((deadline - g_get_monotonic_time()) / G_TIME_SPAN_MILLISECOND);
                char c;
                ssize_t n;

                if (timeout <= 0 || poll(&pfd, 1, timeout) <= 0)
                        g_error("%s did not get ready within %d ms", what, NV_TEST_TIMEOUT_MS);
                n = read(fd, &c, 1);
                if (n <= 0)
                        g_error("%s exited before it was ready", what);
                if (c == '\n')
                        break;
                g_string_append_c(line, c);
        }
        close(fd);
        return g_string_free(g_steal_pointer(&line), FALSE);
}

static char *log_path(const char *name)
{
        return g_build_filename(world.tmp, name, NULL);
}

static void print_log(const char *name)
{
        g_autofree char *path = log_path(name);
        g_autofree char *text = NULL;

        if (g_file_get_contents(path, &text, NULL, NULL))
                g_test_message("%s:\n%s", name, text);
}

static void make_dir(const char *path, mode_t mode, uid_t owner)
{
        if (g_mkdir_with_parents(path, 0755) < 0 || chmod(path, mode) < 0 || chown(path, owner, owner) < 0)
                g_error("cannot create %s: %s", path, g_strerror(errno));
}

static void start_xvfb(void)
{
        const char *const argv[] = { XVFB,  "-displayfd", "3",   "-screen",  "0", "1280x1024x24",
                                     "-ac", "-nolisten",  "tcp", "-noreset", NULL };
        g_autofree char *log = log_path("xvfb.log");
        g_autofree char *number = NULL;
        int fds[2];

        if (pipe2(fds, O_CLOEXEC) < 0)
                g_error("pipe: %s", g_strerror(errno));
        world.xvfb = spawn(argv, NULL, 0, log, fds[1]);
        world.xvfb_slot = nv_test_watch_subprocess(world.xvfb);
        number = read_ready_line(fds[0], "Xvfb");
        world.display = g_strconcat(":", number, NULL);
}

/* A session bus like a desktop's (the standard service directories, so
 * org.a11y.Bus is activatable), open to every user. */
static void start_session_bus(void)
{
        g_autofree char *dir = g_build_filename(world.tmp, "session", NULL);
        g_autofree char *config_path = g_build_filename(world.tmp, "session.conf", NULL);
        g_autofree char *config = NULL;
        g_autofree char *config_arg = NULL;
        g_autofree char *log = log_path("session-bus.log");
        g_autofree char *display_env = g_strconcat("DISPLAY=", world.display, NULL);
        g_autofree char *home = g_build_filename(world.tmp, "home-session", NULL);
        g_autofree char *home_env = g_strconcat("HOME=", home, NULL);
        /* What it activates (the accessibility bus) inherits this: no
         * dconf, and their warnings are theirs, not fatal for this test. */
        const char *const env[] = { display_env, home_env, "GSETTINGS_BACKEND=memory", "G_DEBUG", NULL };
        int fds[2];

        make_dir(dir, 0755, NV_TEST_UID_NOBODY);
        make_dir(home, 0700, NV_TEST_UID_NOBODY);
        config = g_strdup_printf(
                "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration "
                "1.0//EN\" \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
                "<busconfig>\n"
                "  <type>session</type>\n"
                "  <listen>unix:dir=%s</listen>\n"
                "  <auth>EXTERNAL</auth>\n"
                "  <standard_session_servicedirs/>\n"
                "  <policy context=\"default\">\n"
                "    <allow user=\"*\"/>\n"
                "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
                "    <allow eavesdrop=\"true\"/>\n"
                "    <allow own=\"*\"/>\n"
                "  </policy>\n"
                "</busconfig>\n",
                dir);
        if (!g_file_set_contents_full(config_path, config, -1, G_FILE_SET_CONTENTS_NONE, 0644, NULL))
                g_error("cannot write %s", config_path);
        config_arg = g_strconcat("--config-file=", config_path, NULL);
        {
                const char *const argv[] = { "dbus-daemon", config_arg,          "--nofork",
                                             "--nopidfile", "--print-address=3", NULL };

                if (pipe2(fds, O_CLOEXEC) < 0)
                        g_error("pipe: %s", g_strerror(errno));
                world.session_bus = spawn(argv, env, NV_TEST_UID_NOBODY, log, fds[1]);
        }
        world.session_slot = nv_test_watch_subprocess(world.session_bus);
        world.session_address = read_ready_line(fds[0], "the session bus");
}

static pid_t parent_of(pid_t pid)
{
        g_autofree char *path = g_strdup_printf("/proc/%d/stat", (int)pid);
        g_autofree char *stat = NULL;
        const char *end;
        int ppid = 0;

        /* "PID (COMM) STATE PPID ...", COMM possibly with spaces. */
        if (!g_file_get_contents(path, &stat, NULL, NULL) || !(end = strrchr(stat, ')')) ||
            sscanf(end + 1, " %*c %d", &ppid) != 1)
                return 0;
        return ppid;
}

/*
 * The accessibility bus is at-spi-bus-launcher's child, which stops it when
 * stopped itself; but if this program dies, the harness kills the launcher
 * with SIGKILL and the bus would outlive everyone. Its pids are killed
 * from the signal handler, before the harness's.
 */
static pid_t grandchildren[8];
static size_t n_grandchildren;
static struct sigaction harness_handlers[NSIG];

static void kill_grandchildren(int sig)
{
        for (size_t i = 0; i < n_grandchildren; i++)
                (void)kill(grandchildren[i], SIGKILL);
        (void)sigaction(sig, &harness_handlers[sig], NULL);
        (void)raise(sig);
}

static void watch_grandchildren(void)
{
        static const int signals[] = { SIGABRT, SIGTRAP, SIGSEGV, SIGBUS, SIGILL,
                                       SIGFPE,  SIGTERM, SIGINT,  SIGHUP };
        g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
        struct sigaction sa = { .sa_handler = kill_grandchildren, .sa_flags = SA_RESETHAND };
        const char *name;

        while (proc && (name = g_dir_read_name(proc))) {
                pid_t pid = (pid_t)g_ascii_strtoll(name, NULL, 10);
                pid_t parent = pid > 0 ? parent_of(pid) : 0;

                for (guint i = 0; parent > 0 && i < world.adopted->len; i++)
                        if (g_array_index(world.adopted, pid_t, i) == parent &&
                            n_grandchildren < G_N_ELEMENTS(grandchildren))
                                grandchildren[n_grandchildren++] = pid;
        }
        sigemptyset(&sa.sa_mask);
        for (size_t i = 0; i < G_N_ELEMENTS(signals); i++)
                g_assert_no_errno(sigaction(signals[i], &sa, &harness_handlers[signals[i]]));
}

static void world_start(void)
{
        g_autoptr(GError) error = NULL;

        world.tmp = g_dir_make_tmp("nv-test-panel-XXXXXX", &error);
        g_assert_no_error(error);
        world.tmp_slot = nv_test_remove_on_death(world.tmp);
        g_assert_no_errno(chmod(world.tmp, 0755));
        world.shots = g_build_filename(world.tmp, "shots", NULL);
        make_dir(world.shots, 0777, 0);

        start_xvfb();
        start_session_bus();

        g_setenv("DISPLAY", world.display, TRUE);
        g_setenv("DBUS_SESSION_BUS_ADDRESS", world.session_address, TRUE);
        world.session = g_dbus_connection_new_for_address_sync(
                world.session_address,
                G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                        G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                NULL, NULL, &error);
        g_assert_no_error(error);

        if (atspi_init() < 0)
                g_error("libatspi cannot reach the accessibility bus");
        /* Every read goes to the application: a cache would need events
         * this test does not subscribe to. */
        {
                g_autoptr(AtspiAccessible) desktop = atspi_get_desktop(0);

                atspi_accessible_set_cache_mask(desktop, ATSPI_CACHE_NONE);
                /* Starts the registry, if it was not yet. */
                (void)atspi_accessible_get_child_count(desktop, NULL);
        }

        /* The session bus activated at-spi-bus-launcher, which started the
         * registry; both daemonized, and the harness, a subreaper, became
         * their parent. They are the world's: stopped with it. */
        world.adopted = nv_test_list_unknown_children();
        world.adopted_slots = g_array_new(FALSE, FALSE, sizeof(int));
        for (guint i = 0; i < world.adopted->len; i++) {
                int slot = nv_test_watch_child(g_array_index(world.adopted, pid_t, i));

                g_array_append_val(world.adopted_slots, slot);
        }
        watch_grandchildren();
}

static void stop_process(GSubprocess **process, int slot)
{
        if (!*process)
                return;
        g_subprocess_force_exit(*process);
        (void)g_subprocess_wait(*process, NULL, NULL);
        nv_test_forget_child(slot);
        g_clear_object(process);
}

static void remove_tree(const char *path)
{
        g_autoptr(GFile) file = g_file_new_for_path(path);
        g_autoptr(GFileEnumerator) children = NULL;
        GFileInfo *info;

        children = g_file_enumerate_children(file, G_FILE_ATTRIBUTE_STANDARD_NAME,
                                             G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
        while (children && (info = g_file_enumerator_next_file(children, NULL, NULL))) {
                g_autofree char *child = g_build_filename(path, g_file_info_get_name(info), NULL);

                if (g_file_info_get_file_type(info) == G_FILE_TYPE_DIRECTORY)
                        remove_tree(child);
                else
                        (void)g_unlink(child);
                g_object_unref(info);
        }
        (void)g_rmdir(path);
}

static void world_stop(void)
{
        /* Stopped below with the launcher, which stops the bus. */
        n_grandchildren = 0;
        g_clear_object(&world.session);
        /* The accessibility bus and its registry are the session bus's
         * children: they go with it. */
        for (guint i = 0; world.adopted && i < world.adopted->len; i++) {
                pid_t pid = g_array_index(world.adopted, pid_t, i);

                (void)kill(pid, SIGTERM);
                (void)waitpid(pid, NULL, 0);
                nv_test_forget_child(g_array_index(world.adopted_slots, int, i));
        }
        g_clear_pointer(&world.adopted, g_array_unref);
        g_clear_pointer(&world.adopted_slots, g_array_unref);

        stop_process(&world.session_bus, world.session_slot);
        stop_process(&world.xvfb, world.xvfb_slot);
        if (world.tmp) {
                remove_tree(world.tmp);
                nv_test_forget_path(world.tmp_slot);
        }
}

/* ---- Polling ---------------------------------------------------------------- */

static gboolean keep_ticking(gpointer user_data)
{
        return G_SOURCE_CONTINUE;
}

/* Calls @check(@data) every POLL_INTERVAL_MS until it returns TRUE, for at
 * most NV_TEST_TIMEOUT_MS; returns its last answer. */
static gboolean poll_until(gboolean (*check)(gpointer data), gpointer data)
{
        guint tick = g_timeout_add(POLL_INTERVAL_MS, keep_ticking, NULL);
        gboolean done = check(data) || nv_test_wait_until(check, data, NV_TEST_TIMEOUT_MS);

        g_source_remove(tick);
        return done;
}

/* ---- The accessibility tree ------------------------------------------------------ */

typedef struct {
        AtspiRole role; /* ATSPI_ROLE_INVALID: any */
        const char *name;
        gboolean prefix; /* @name is a prefix of the accessible's name */
} Query;

/* GTK 4.8 reports "showing" for windows only; a hidden widget is not in
 * the tree at all, or not "visible". */
static gboolean is_showing(AtspiAccessible *node)
{
        g_autoptr(AtspiStateSet) states = atspi_accessible_get_state_set(node);

        return states && atspi_state_set_contains(states, ATSPI_STATE_VISIBLE);
}

static gboolean matches(AtspiAccessible *node, const Query *q)
{
        g_autofree char *name = NULL;

        if (q->role != ATSPI_ROLE_INVALID && atspi_accessible_get_role(node, NULL) != q->role)
                return FALSE;
        name = atspi_accessible_get_name(node, NULL);
        if (!name)
                return FALSE;
        if (q->prefix ? !g_str_has_prefix(name, q->name) : !g_str_equal(name, q->name))
                return FALSE;
        return is_showing(node);
}

/* The first showing node under @node that matches @q, depth first. */
static AtspiAccessible *find(AtspiAccessible *node, const Query *q)
{
        int n;

        if (matches(node, q))
                return g_object_ref(node);
        n = atspi_accessible_get_child_count(node, NULL);
        for (int i = 0; i < n; i++) {
                g_autoptr(AtspiAccessible) child = atspi_accessible_get_child_at_index(node, i, NULL);
                AtspiAccessible *found = child ? find(child, q) : NULL;

                if (found)
                        return found;
        }
        return NULL;
}

static const char *state_name(AtspiStateType state)
{
        GEnumClass *states = g_type_class_ref(ATSPI_TYPE_STATE_TYPE);
        GEnumValue *value = g_enum_get_value(states, state);

        g_type_class_unref(states);
        return value ? value->value_nick : "?";
}

static void dump(AtspiAccessible *node, GString *out, int depth)
{
        g_autofree char *role = atspi_accessible_get_role_name(node, NULL);
        g_autofree char *name = atspi_accessible_get_name(node, NULL);
        int n = atspi_accessible_get_child_count(node, NULL);

        g_autoptr(AtspiStateSet) states = atspi_accessible_get_state_set(node);
        g_autoptr(GArray) list = states ? atspi_state_set_get_states(states) : NULL;

        g_string_append_printf(out, "%*s%s \"%s\"%s [", depth * 2, "", role ? role : "?", name ? name : "",
                               is_showing(node) ? "" : " (not showing)");
        for (guint i = 0; list && i < list->len; i++)
                g_string_append_printf(out, "%s%s", i ? " " : "",
                                       state_name(g_array_index(list, AtspiStateType, i)));
        g_string_append(out, "]\n");
        for (int i = 0; i < n; i++) {
                g_autoptr(AtspiAccessible) child = atspi_accessible_get_child_at_index(node, i, NULL);

                if (child)
                        dump(child, out, depth + 1);
        }
}

typedef struct {
        AtspiAccessible *root;
        Query query;
        gboolean absent; /* wait until it is gone instead */
        AtspiAccessible *found;
} FindWait;

static gboolean find_wait_check(gpointer data)
{
        FindWait *w = data;

        g_clear_object(&w->found);
        w->found = find(w->root, &w->query);
        return w->absent ? w->found == NULL : w->found != NULL;
}

static AtspiAccessible *wait_for_full(AtspiAccessible *root, AtspiRole role, const char *name,
                                      gboolean prefix)
{
        FindWait w = { root, { role, name, prefix }, FALSE, NULL };

        if (!poll_until(find_wait_check, &w)) {
                g_autoptr(GString) tree = g_string_new(NULL);

                dump(root, tree, 0);
                g_error("nothing named \"%s\"%s appeared within %d ms; the tree:\n%s", name,
                        prefix ? " (prefix)" : "", NV_TEST_TIMEOUT_MS, tree->str);
        }
        return w.found;
}

#define wait_for(root, role, name)  wait_for_full((root), (role), (name), FALSE)
#define wait_for_text(root, name)   wait_for_full((root), ATSPI_ROLE_LABEL, (name), FALSE)
#define wait_for_prefix(root, name) wait_for_full((root), ATSPI_ROLE_LABEL, (name), TRUE)

/* Waits until a label shows @text (all of it, or starting with it). */
static void see_text(AtspiAccessible *root, const char *text)
{
        g_object_unref(wait_for_text(root, text));
}

static void see_prefix(AtspiAccessible *root, const char *prefix)
{
        g_object_unref(wait_for_prefix(root, prefix));
}

static void wait_for_absence(AtspiAccessible *root, AtspiRole role, const char *name)
{
        FindWait w = { root, { role, name, FALSE }, TRUE, NULL };

        if (!poll_until(find_wait_check, &w))
                g_error("\"%s\" is still shown after %d ms", name, NV_TEST_TIMEOUT_MS);
}

static gboolean has_state(AtspiAccessible *node, AtspiStateType state)
{
        g_autoptr(AtspiStateSet) states = atspi_accessible_get_state_set(node);

        return states && atspi_state_set_contains(states, state);
}

typedef struct {
        AtspiAccessible *node;
        AtspiStateType state;
        gboolean value;
} StateWait;

static gboolean state_wait_check(gpointer data)
{
        StateWait *w = data;

        return has_state(w->node, w->state) == w->value;
}

static void wait_for_state(AtspiAccessible *node, AtspiStateType state, gboolean value)
{
        StateWait w = { node, state, value };

        if (!poll_until(state_wait_check, &w)) {
                g_autofree char *name = atspi_accessible_get_name(node, NULL);
                g_autoptr(AtspiAccessible) app = atspi_accessible_get_application(node, NULL);
                g_autoptr(GString) tree = g_string_new(NULL);

                if (app)
                        dump(app, tree, 0);
                g_test_message("the tree:\n%s", tree->str);
                print_log("panel.log");
                g_error("\"%s\" did not become %s%s within %d ms", name, value ? "" : "not ",
                        state_name(state), NV_TEST_TIMEOUT_MS);
        }
}

static void do_action(AtspiAccessible *node, const char *what)
{
        g_autoptr(AtspiAction) action = atspi_accessible_get_action_iface(node);
        g_autoptr(GError) error = NULL;

        if (!action || !atspi_action_do_action(action, 0, &error)) {
                g_autoptr(GString) tree = g_string_new(NULL);

                dump(node, tree, 0);
                g_error("cannot activate %s: %s\n%s", what, error ? error->message : "no action", tree->str);
        }
}

/* X keysyms. */
#define KEY_DOWN   0xff54
#define KEY_RETURN 0xff0d
#define KEY_W      0x0077

/* A key press and release, through the registry (XTest on Xvfb), to
 * whatever has the keyboard. */
static void press_key(guint keysym)
{
        g_autoptr(GError) error = NULL;

        if (!atspi_generate_keyboard_event(keysym, NULL, ATSPI_KEY_SYM, &error))
                g_error("cannot press key 0x%x: %s", keysym, error ? error->message : "refused");
}

/* ---- The panel ---------------------------------------------------------------- */

typedef struct {
        NvTestEnv env;
        GSubprocess *panel;
        int panel_slot;
        AtspiAccessible *app;
        char *program; /* the panel, where the user running it can reach it */
        guint32 uid;
} Fixture;

typedef struct {
        gint pid;
        AtspiAccessible *app;
} AppWait;

static gboolean app_wait_check(gpointer data)
{
        AppWait *w = data;
        g_autoptr(AtspiAccessible) desktop = atspi_get_desktop(0);
        int n = atspi_accessible_get_child_count(desktop, NULL);

        for (int i = 0; i < n && !w->app; i++) {
                g_autoptr(AtspiAccessible) app = atspi_accessible_get_child_at_index(desktop, i, NULL);

                if (app && (gint)atspi_accessible_get_process_id(app, NULL) == w->pid)
                        w->app = g_object_ref(app);
        }
        return w->app != NULL;
}

/* The panel as a user other than root can run it: a copy in the run's
 * directory when the build lies where others cannot reach. */
static char *panel_program(guint32 uid)
{
        const char *program = nv_test_getenv("NV_PANEL");
        g_autofree char *contents = NULL;
        g_autofree char *copy = NULL;
        gsize len;

        if (uid == 0)
                return g_strdup(program);
        copy = g_build_filename(world.tmp, "nestedvirt-settings", NULL);
        if (!g_file_get_contents(program, &contents, &len, NULL) ||
            !g_file_set_contents_full(copy, contents, (gssize)len, G_FILE_SET_CONTENTS_NONE, 0755, NULL))
                g_error("cannot copy %s", program);
        return g_steal_pointer(&copy);
}

/* Whether one of @strv (NULL: none) starts with @prefix. */
static gboolean strv_has_prefix(const char *const *strv, const char *prefix)
{
        for (size_t i = 0; strv && strv[i]; i++)
                if (g_str_has_prefix(strv[i], prefix))
                        return TRUE;
        return FALSE;
}

static void panel_start_full(Fixture *f, guint32 uid, const char *const *extra_env)
{
        g_autofree char *system_env =
                g_strconcat("DBUS_SYSTEM_BUS_ADDRESS=", nv_test_bus_get_address(f->env.bus), NULL);
        g_autofree char *shots_env = g_strconcat("NV_SETTINGS_SCREENSHOT_DIR=", world.shots, NULL);
        g_autofree char *home = g_build_filename(world.tmp, uid ? "home-user" : "home-root", NULL);
        g_autofree char *home_env = g_strconcat("HOME=", home, NULL);
        g_autofree char *log = log_path("panel.log");
        g_autoptr(GPtrArray) env = g_ptr_array_new();
        g_autofree char *asan_env = NULL;
        AppWait w = { 0 };

        const char *const base_env[] = {
                system_env,
                shots_env,
                home_env,
                /* Steady under Xvfb; no dconf; the accessibility bus. */
                "GDK_BACKEND=x11",
                "GSK_RENDERER=cairo",
                "GTK_A11Y=atspi",
                "GSETTINGS_BACKEND=memory",
                "LC_ALL=C.UTF-8",
                "NO_AT_BRIDGE=0",
        };

        make_dir(home, 0700, uid);
        for (size_t i = 0; i < G_N_ELEMENTS(base_env); i++)
                g_ptr_array_add(env, (gpointer)base_env[i]);
        /* In a sanitizer build, the panel's own code is checked, but
         * unwinding the stack slowly at each of GTK's allocations would
         * make a start take a minute. */
        if (g_getenv("ASAN_OPTIONS") && !strv_has_prefix(extra_env, "ASAN_OPTIONS="))
                g_ptr_array_add(env, asan_env = g_strconcat("ASAN_OPTIONS=", g_getenv("ASAN_OPTIONS"),
                                                            ":fast_unwind_on_malloc=1", NULL));
        for (size_t i = 0; extra_env && extra_env[i]; i++)
                g_ptr_array_add(env, (gpointer)extra_env[i]);
        g_ptr_array_add(env, NULL);

        f->uid = uid;
        g_free(f->program);
        f->program = panel_program(uid);
        {
                const char *const argv[] = { f->program, NULL };

                f->panel = spawn(argv, (const char *const *)env->pdata, uid, log, -1);
        }
        f->panel_slot = nv_test_watch_subprocess(f->panel);
        w.pid = atoi(g_subprocess_get_identifier(f->panel));
        if (!poll_until(app_wait_check, &w)) {
                print_log("panel.log");
                g_error("the panel did not appear on the accessibility bus within %d ms",
                        NV_TEST_TIMEOUT_MS);
        }
        f->app = w.app;
}

static void panel_start(Fixture *f)
{
        panel_start_full(f, 0, NULL);
}

static void panel_stop(Fixture *f)
{
        g_clear_object(&f->app);
        if (f->panel) {
                g_subprocess_send_signal(f->panel, SIGTERM);
                (void)g_subprocess_wait(f->panel, NULL, NULL);
                nv_test_forget_child(f->panel_slot);
                g_clear_object(&f->panel);
        }
        if (g_test_failed())
                print_log("panel.log");
}

typedef struct {
        const char *path;
} FileWait;

static gboolean file_wait_check(gpointer data)
{
        return g_file_test(((FileWait *)data)->path, G_FILE_TEST_EXISTS);
}

/* Has the panel picture itself as @name.png (@width x @height, 0 for as
 * it is) and copies that to $NV_PANEL_SCREENSHOT_DIR. */
static void screenshot_sized(Fixture *f, const char *name, int width, int height)
{
        g_autofree char *file = g_strconcat(name, ".png", NULL);
        g_autofree char *path = g_build_filename(world.shots, file, NULL);
        const char *out_dir = g_getenv("NV_PANEL_SCREENSHOT_DIR");
        g_autoptr(GVariant) reply = NULL;
        g_autoptr(GError) error = NULL;
        GVariantBuilder params;
        FileWait w = { path };

        (void)g_unlink(path);
        g_variant_builder_init(&params, G_VARIANT_TYPE("av"));
        g_variant_builder_add(&params, "v", g_variant_new("(sii)", file, width, height));
        reply = g_dbus_connection_call_sync(world.session, APP_ID, APP_PATH, "org.gtk.Actions", "Activate",
                                            g_variant_new("(sava{sv})", "screenshot", &params, NULL), NULL,
                                            G_DBUS_CALL_FLAGS_NONE, NV_TEST_TIMEOUT_MS, NULL, &error);
        g_assert_no_error(error);
        if (!poll_until(file_wait_check, &w))
                g_error("the panel did not save %s within %d ms", path, NV_TEST_TIMEOUT_MS);

        if (out_dir) {
                g_autofree char *contents = NULL;
                g_autofree char *out = g_build_filename(out_dir, file, NULL);
                gsize len;

                g_mkdir_with_parents(out_dir, 0755);
                if (!g_file_get_contents(path, &contents, &len, &error) ||
                    !g_file_set_contents(out, contents, (gssize)len, &error))
                        g_error("cannot copy the screenshot to %s: %s", out, error->message);
                g_test_message("screenshot: %s", out);
        }
}

static void screenshot(Fixture *f, const char *name)
{
        screenshot_sized(f, name, 0, 0);
}

/* ---- What nestedvirtctl says ----------------------------------------------------- */

typedef struct {
        char *verdict;
        char *advice; /* the hints without "Hint: ", one per line */
} CtlText;

static void ctl_text_clear(CtlText *t)
{
        g_free(t->verdict);
        g_free(t->advice);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CtlText, ctl_text_clear)

static void ctl_status(Fixture *f, CtlText *ret)
{
        g_autofree char *bus_env =
                g_strconcat("DBUS_SYSTEM_BUS_ADDRESS=", nv_test_bus_get_address(f->env.bus), NULL);
        const char *const argv[] = { nv_test_getenv("NV_CTL"), "status", NULL };
        const char *const env[] = { bus_env, "LC_ALL=C.UTF-8", NULL };
        g_auto(NvTestRunResult) result = { 0 };
        g_auto(GStrv) lines = NULL;
        g_autoptr(GPtrArray) hints = g_ptr_array_new();

        nv_test_run(argv, env, &result);
        g_assert_true(result.exited);
        g_assert_cmpint(result.exit_status, ==, 0);
        lines = g_strsplit(result.stdout_text, "\n", -1);
        for (size_t i = 0; lines[i]; i++)
                if (g_str_has_prefix(lines[i], "Hint: "))
                        g_ptr_array_add(hints, lines[i] + strlen("Hint: "));
        g_ptr_array_add(hints, NULL);
        ret->verdict = g_strdup(lines[0]);
        ret->advice = g_strjoinv("\n", (char **)hints->pdata);
}

/* The panel's verdict and advice are the CLI's, word for word. */
static void assert_same_words_as_cli(Fixture *f)
{
        g_auto(CtlText) ctl = { 0 };
        g_autoptr(AtspiAccessible) verdict = NULL;

        ctl_status(f, &ctl);
        verdict = wait_for_text(f->app, ctl.verdict);
        if (*ctl.advice)
                see_text(f->app, ctl.advice);
}

/* The technical details are one level down, in this expander. */
#define DETAILS_NAME "Technical Details"

/* What a label on the main page may not say: commands, module
 * parameters, module names, paths. */
static const char *const technical_words[] = { "nestedvirtctl", "nested=", "modprobe", "kvm_",
                                               "kvm-",          "/etc/",   "/dev/",    "/proc/",
                                               "/sys/",         "/run/",   ":///" };

static void collect_main_page(AtspiAccessible *node, GString *out)
{
        g_autofree char *name = atspi_accessible_get_name(node, NULL);
        int n;

        if (!is_showing(node))
                return;
        if (name && g_str_equal(name, DETAILS_NAME) &&
            atspi_accessible_get_role(node, NULL) == ATSPI_ROLE_LIST_ITEM) {
                /* The expander itself: its header, not what it holds. */
                g_string_append_printf(out, "%s\n", name);
                return;
        }
        if (name && *name)
                g_string_append_printf(out, "%s\n", name);
        n = atspi_accessible_get_child_count(node, NULL);
        for (int i = 0; i < n; i++) {
                g_autoptr(AtspiAccessible) child = atspi_accessible_get_child_at_index(node, i, NULL);

                if (child)
                        collect_main_page(child, out);
        }
}

/* Issue 25: no command line, module parameter or path on the main page,
 * whatever the state; the CLI's words are in the details. */
static void assert_main_page_plain(Fixture *f)
{
        g_autoptr(GString) text = g_string_new(NULL);

        collect_main_page(f->app, text);
        for (size_t i = 0; i < G_N_ELEMENTS(technical_words); i++)
                if (strstr(text->str, technical_words[i]))
                        g_error("\"%s\" on the main page:\n%s", technical_words[i], text->str);
        g_test_message("the main page says:\n%s", text->str);
}

/* The headline, its explanation starting with @description, and its one
 * button (NULL: none). */
static void assert_headline(Fixture *f, const char *title, const char *description, const char *action)
{
        see_text(f->app, title);
        if (description)
                see_prefix(f->app, description);
        if (action)
                g_object_unref(wait_for(f->app, ATSPI_ROLE_PUSH_BUTTON, action));
}

static AtspiAccessible *find_switch(Fixture *f)
{
        return wait_for(f->app, ATSPI_ROLE_CHECK_BOX, SWITCH_NAME);
}

static void assert_switch(Fixture *f, gboolean on, gboolean sensitive)
{
        g_autoptr(AtspiAccessible) sw = find_switch(f);

        wait_for_state(sw, ATSPI_STATE_CHECKED, on);
        wait_for_state(sw, ATSPI_STATE_SENSITIVE, sensitive);
}

static char *read_host_file(Fixture *f, const char *path)
{
        g_autoptr(GBytes) bytes = nv_test_host_read(f->env.host, path);

        return bytes ? g_strdup(g_bytes_get_data(bytes, NULL)) : NULL;
}

/* ---- Fixtures ---------------------------------------------------------------------- */

typedef struct {
        NvTestPreset preset;
        gboolean simulated_kernel;
        const char *name;
        gboolean polkitd;    /* the bus admits polkitd */
        gboolean activation; /* the bus can activate the daemon, see activation_conf() */
} Case;

/* A configuration snippet the bus includes: a directory of activation
 * files, empty until a test writes one (the bus reads it when a name it
 * does not know is asked for). No <servicehelper> on the harness's bus:
 * dbus-daemon runs Exec= itself, as root. */
static char *activation_dir(void)
{
        return g_build_filename(world.tmp, "system-services", NULL);
}

static char *activation_conf(void)
{
        g_autofree char *dir = activation_dir();
        g_autofree char *path = g_build_filename(world.tmp, "activation.conf", NULL);
        g_autofree char *conf = g_strdup_printf("<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus "
                                                "Configuration 1.0//EN\" "
                                                "\"http://www.freedesktop.org/standards/dbus/1.0/"
                                                "busconfig.dtd\">\n<busconfig><servicedir>%s</servicedir></"
                                                "busconfig>\n",
                                                dir);

        make_dir(dir, 0755, 0);
        if (!g_file_set_contents(path, conf, -1, NULL))
                g_error("cannot write %s", path);
        return g_steal_pointer(&path);
}

static void fixture_setup(Fixture *f, gconstpointer data)
{
        const Case *c = data;
        g_autofree char *activation = c->activation ? activation_conf() : NULL;
        const char *const polkit_policies[] = { POLKIT_BUS_POLICY, NULL };
        const char *const activation_policies[] = { activation, NULL };
        const NvTestEnvOptions options = {
                .bus_policies = c->polkitd      ? polkit_policies
                                : c->activation ? activation_policies
                                                : NULL,
                .daemon_program = c->simulated_kernel ? nv_test_getenv("NV_DAEMON_SIM") : NULL,
        };

        nv_test_env_setup_full(&f->env, c->preset, &options);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
        panel_stop(f);
        g_clear_pointer(&f->program, g_free);
        nv_test_env_teardown(&f->env);
}

/* ---- a. The initial state ------------------------------------------------------------ */

typedef struct {
        Case c;
        gboolean switch_on;
        gboolean switch_sensitive;
        const char *vendor;         /* the CPU vendor row's value */
        const char *blocker_prefix; /* the line saying why the switch cannot act */
        const char *acceleration;   /* the nested guests row's value; NULL: not shown */
        const char *headline;       /* the state in plain words */
        const char *description;    /* its explanation's start */
        const char *action;         /* its button; NULL: none */
} InitialCase;

static void test_initial(Fixture *f, gconstpointer data)
{
        const InitialCase *ic = data;
        g_autofree char *name = g_strconcat("initial-", ic->c.name, NULL);

        nv_test_env_start_daemon(&f->env);
        panel_start(f);
        assert_headline(f, ic->headline, ic->description, ic->action);
        assert_same_words_as_cli(f);
        assert_switch(f, ic->switch_on, ic->switch_sensitive);
        see_text(f->app, ic->vendor);
        if (ic->blocker_prefix)
                see_prefix(f->app, ic->blocker_prefix);
        if (ic->acceleration)
                see_text(f->app, ic->acceleration);
        assert_main_page_plain(f);
        screenshot(f, name);
}

static const InitialCase initial_cases[] = {
        /* kvm_intel runs with N, nothing configured: the kernel default is
         * on, so a reload would turn it on. */
        { { NV_TEST_PRESET_INTEL_LOADED, FALSE, "intel-off" },
          TRUE,
          TRUE,
          "Intel",
          NULL,
          "nested guests get EPT: near native speed",
          "Restart Required",
          "Nested virtualization is turned on, and takes effect when applied",
          "Apply Now" },
        { { NV_TEST_PRESET_AMD_LOADED, FALSE, "amd-on" },
          TRUE,
          TRUE,
          "AMD",
          NULL,
          "nested guests get NPT: near native speed",
          "Nested Virtualization Is On",
          "Virtual machines on this computer can run virtual machines of their own.",
          NULL },
        /* The switch shows what runs, and why it cannot change it. */
        { { NV_TEST_PRESET_KVM_BUILTIN, FALSE, "builtin" },
          FALSE,
          FALSE,
          "Intel",
          "Set by the computer's boot options",
          NULL,
          "Nested Virtualization Is Off",
          NULL,
          NULL },
        /* Never "on" beside "not available". */
        { { NV_TEST_PRESET_L1_GUEST, FALSE, "l1-guest-no-vmx" },
          FALSE,
          FALSE,
          "Intel",
          "Not available on this computer",
          NULL,
          "Nested Virtualization Is Not Available",
          "This computer is a virtual machine",
          NULL },
        /* The product by name, and where to turn it on. */
        { { NV_TEST_PRESET_HYPERV_GUEST, FALSE, "hyperv-guest" },
          FALSE,
          FALSE,
          "Intel",
          "Not available on this computer",
          NULL,
          "Nested Virtualization Is Not Available",
          "This computer is a virtual machine, and Hyper-V does not pass virtualization on to it; turn it "
          "on for this virtual machine in Hyper-V.",
          NULL },
        /* A loadable module, not loaded, kvm.conf says 0: the one action
         * starts it, as configured. */
        { { NV_TEST_PRESET_VENDOR_MODULE_NOT_LOADED, TRUE, "not-loaded" },
          FALSE,
          TRUE,
          "Intel",
          NULL,
          NULL,
          "Virtualization Is Not Started",
          "Virtualization support is not loaded",
          "Start Now" },
};

/* Light and dark, wide and 360 px: the same truth, readable. */
static void test_styles(Fixture *f, gconstpointer data)
{
        const char *const dark[] = { "ADW_DEBUG_COLOR_SCHEME=prefer-dark", NULL };

        nv_test_env_start_daemon(&f->env);
        panel_start_full(f, 0, dark);
        assert_same_words_as_cli(f);
        screenshot(f, "style-dark");
        screenshot_sized(f, "style-dark-360", 360, 720);
        panel_stop(f);

        panel_start(f);
        assert_same_words_as_cli(f);
        screenshot_sized(f, "style-light-360", 360, 720);
}

/* ---- b. The switch ------------------------------------------------------------------- */

static void test_switch(Fixture *f, gconstpointer data)
{
        g_autoptr(AtspiAccessible) sw = NULL;
        g_autofree char *conf = NULL;

        nv_test_env_start_daemon(&f->env);
        panel_start(f);
        sw = find_switch(f);
        /* Nothing configured: the kernel default, on. */
        wait_for_state(sw, ATSPI_STATE_CHECKED, TRUE);
        g_assert_null(read_host_file(f, "/etc/modprobe.d/kvm.conf"));

        do_action(sw, "the switch");
        wait_for_state(sw, ATSPI_STATE_CHECKED, FALSE);
        see_text(f->app, "disabled by /etc/modprobe.d/kvm.conf");
        conf = read_host_file(f, "/etc/modprobe.d/kvm.conf");
        g_assert_nonnull(conf);
        g_assert_nonnull(strstr(conf, "options kvm_intel nested=0\n"));
        assert_same_words_as_cli(f);
        screenshot(f, "switch-off");

        do_action(sw, "the switch");
        wait_for_state(sw, ATSPI_STATE_CHECKED, TRUE);
        see_text(f->app, "enabled by /etc/modprobe.d/kvm.conf");
        g_free(conf);
        conf = read_host_file(f, "/etc/modprobe.d/kvm.conf");
        g_assert_nonnull(strstr(conf, "options kvm_intel nested=1\n"));
        g_assert_null(strstr(conf, "nested=0"));
        assert_same_words_as_cli(f);
        /* Running N, persistent on: the panel offers to apply it. */
        g_object_unref(wait_for(f->app, ATSPI_ROLE_PUSH_BUTTON, "Apply Now"));
        screenshot(f, "switch-on");
}

/* ---- c. Changes behind its back --------------------------------------------------------- */

static void test_external_modprobe_edit(Fixture *f, gconstpointer data)
{
        g_autoptr(AtspiAccessible) sw = NULL;

        nv_test_env_start_daemon(&f->env);
        panel_start(f);
        sw = find_switch(f);
        wait_for_state(sw, ATSPI_STATE_CHECKED, TRUE);

        nv_test_host_write_modprobe(f->env.host, "/etc/modprobe.d", "kvm.conf",
                                    "options kvm_amd nested=0\n");
        wait_for_state(sw, ATSPI_STATE_CHECKED, FALSE);
        assert_same_words_as_cli(f);
        screenshot(f, "external-modprobe-edit");
}

static void test_external_module_load(Fixture *f, gconstpointer data)
{
        g_autofree char *bus_env =
                g_strconcat("DBUS_SYSTEM_BUS_ADDRESS=", nv_test_bus_get_address(f->env.bus), NULL);
        const char *const argv[] = { nv_test_getenv("NV_CTL"), "reload", NULL };
        const char *const env[] = { bus_env, "LC_ALL=C.UTF-8", NULL };
        g_auto(NvTestRunResult) result = { 0 };

        nv_test_env_start_daemon(&f->env);
        panel_start(f);
        see_prefix(f->app, "Nested virtualization: not available (kvm_intel not loaded)");

        /* Another client loads the module in the simulated kernel. */
        nv_test_run(argv, env, &result);
        g_assert_cmpint(result.exit_status, ==, 0);
        see_prefix(f->app, "Nested virtualization: disabled (kvm_intel nested=N)");
        assert_same_words_as_cli(f);
        screenshot(f, "external-module-load");
}

/* ---- e. Apply now, module in use ------------------------------------------------------------ */

/* A command that whoever started the process chose (15 bytes, a comm's
 * most), with markup in it: shown as it is. */
#define MARKUP_COMMAND "vm&amp;<i>1</i>"

/* kvm_intel runs with nested=N, kvm.conf says 1, and VMs hold it: one
 * that libvirt named, one another program started. */
static void hold_module(Fixture *f)
{
        static const char *const qemu_fds[] = { "/dev/kvm", "anon_inode:kvm-vm", NULL };
        static const char *const web_argv[] = { "/usr/bin/qemu-system-x86_64", "-name",
                                                "guest=web <b>1</b>,debug-threads=on", NULL };

        nv_test_host_write_modprobe(f->env.host, "/etc/modprobe.d", "kvm.conf",
                                    "options kvm_intel nested=1\n");
        nv_test_host_load_module(f->env.host, "kvm_intel", 1, "N");
        nv_test_host_add_process(f->env.host, 4242, "qemu-system-x86", qemu_fds);
        nv_test_host_set_process_cmdline(f->env.host, 4242, web_argv);
        nv_test_host_add_process(f->env.host, 4343, MARKUP_COMMAND, qemu_fds);
}

/* The virtual machines stop. */
static void release_module(Fixture *f)
{
        nv_test_host_remove(f->env.host, "/proc/4242");
        nv_test_host_remove(f->env.host, "/proc/4343");
        nv_test_host_write(f->env.host, "/sys/module/kvm_intel/refcnt", "0\n");
}

/* The simulated kernel saw @expected, and nothing else. */
static void assert_sim_log(Fixture *f, const char *expected)
{
        g_autofree char *log = read_host_file(f, "/sim/log");

        g_assert_cmpstr(log ? log : "", ==, expected);
}

/* The page as it is while VMs hold the module: they are listed, by name,
 * and the one action waits for them. */
static AtspiAccessible *assert_held(Fixture *f)
{
        AtspiAccessible *apply = NULL;

        assert_headline(f, "Restart Required",
                        "Nested virtualization is turned on, and takes effect once the "
                        "virtual machines below have stopped",
                        NULL);
        /* The virtual machine by its name, as plain text, with its state. */
        see_text(f->app, "Running Virtual Machines");
        see_text(f->app, "web <b>1</b>");
        see_text(f->app, "Running");
        /* Another program by its command. */
        see_text(f->app, MARKUP_COMMAND);
        see_text(f->app, "Program, process 4343");
        assert_switch(f, TRUE, TRUE);
        apply = wait_for(f->app, ATSPI_ROLE_PUSH_BUTTON, "Apply When Virtual Machines Stop");
        wait_for_state(apply, ATSPI_STATE_SENSITIVE, TRUE);
        assert_main_page_plain(f);
        return apply;
}

/* VMs hold the module, with the daemon and the panel started; returns the
 * button that waits for them. */
static AtspiAccessible *start_held(Fixture *f)
{
        hold_module(f);
        nv_test_env_start_daemon(&f->env);
        panel_start(f);
        return assert_held(f);
}

/* Asked to apply when the VMs stop: pending, and cancellable. */
static AtspiAccessible *assert_pending(Fixture *f)
{
        AtspiAccessible *cancel = NULL;

        assert_headline(f, "Waiting for Virtual Machines to Stop",
                        "Nested virtualization will be turned on as soon as no virtual machine is running.",
                        NULL);
        cancel = wait_for(f->app, ATSPI_ROLE_PUSH_BUTTON, "Cancel");
        wait_for_state(cancel, ATSPI_STATE_SENSITIVE, TRUE);
        see_text(f->app, "The change is applied as soon as these have stopped.");
        /* The switch shows what waits, and cannot change it meanwhile. */
        assert_switch(f, TRUE, FALSE);
        see_text(f->app, "A change is waiting for the virtual machines to stop");
        assert_main_page_plain(f);
        return cancel;
}

/* Apply when idle (issue 25): the VMs stop, and the reload happens
 * without another click. */
static void test_apply_when_idle(Fixture *f, gconstpointer data)
{
        g_autoptr(AtspiAccessible) apply = start_held(f);

        screenshot(f, "apply-module-in-use");
        /* Nothing was unloaded. */
        assert_sim_log(f, "");

        do_action(apply, "Apply When Virtual Machines Stop");
        g_object_unref(assert_pending(f));
        screenshot(f, "apply-when-idle-pending");
        assert_same_words_as_cli(f);
        assert_sim_log(f, "");

        release_module(f);
        assert_headline(f, "Nested Virtualization Is On", NULL, NULL);
        see_text(f->app, "The virtual machines stopped, and the change was applied");
        wait_for_absence(f->app, ATSPI_ROLE_LABEL, "Running Virtual Machines");
        assert_switch(f, TRUE, TRUE);
        assert_main_page_plain(f);
        assert_sim_log(f, "unload kvm_intel\nload kvm_intel nested=1\n");
        screenshot(f, "apply-when-idle-done");
}

/* Cancelled: the VMs stop, and nothing happens; the page offers to apply
 * it now instead. */
static void test_apply_when_idle_cancel(Fixture *f, gconstpointer data)
{
        g_autoptr(AtspiAccessible) apply = start_held(f);
        g_autoptr(AtspiAccessible) cancel = NULL;

        do_action(apply, "Apply When Virtual Machines Stop");
        cancel = assert_pending(f);
        do_action(cancel, "Cancel");
        g_object_unref(assert_held(f));

        release_module(f);
        /* Nothing announces a reference count that drops (no uevent), and
         * with nothing waiting the daemon no longer looks: it reads it at
         * the next call, anyone's. (Had the user clicked meanwhile, the
         * reload would have happened at once.) */
        g_variant_unref(nv_test_env_get_status(&f->env));
        assert_headline(f, "Restart Required",
                        "Nested virtualization is turned on, and takes effect when applied", "Apply Now");
        assert_main_page_plain(f);
        screenshot(f, "apply-when-idle-cancelled");
        assert_sim_log(f, "");
}

/* The daemon stops while a reload waits: the window says the change is
 * gone, rather than waiting forever. */
static void test_apply_when_idle_daemon_stops(Fixture *f, gconstpointer data)
{
        g_autoptr(AtspiAccessible) apply = start_held(f);
        g_autoptr(GError) error = NULL;

        do_action(apply, "Apply When Virtual Machines Stop");
        g_object_unref(assert_pending(f));

        g_assert_true(nv_test_daemon_stop(f->env.daemon, &error));
        g_assert_no_error(error);
        see_text(f->app,
                 "The service stopped, so the change that waited for the virtual machines to stop will "
                 "not be applied");
        see_text(f->app, "Service Not Available");
        screenshot(f, "apply-when-idle-service-stopped");
        g_clear_pointer(&f->env.daemon, nv_test_daemon_free);
}

/* The pictures of README.md and the metainfo (panel/screenshots/): two
 * virtual machines with the names people give them keep a change
 * waiting; then the user asks to apply it when they stop. */
static void test_readme_pictures(Fixture *f, gconstpointer data)
{
        static const char *const qemu_fds[] = { "/dev/kvm", "anon_inode:kvm-vm", NULL };
        static const char *const web_argv[] = { "/usr/bin/qemu-system-x86_64", "-name", "guest=web-server",
                                                NULL };
        static const char *const ci_argv[] = { "/usr/bin/qemu-system-x86_64", "-name", "guest=ci-runner",
                                               NULL };
        g_autoptr(AtspiAccessible) apply = NULL;

        nv_test_host_write_modprobe(f->env.host, "/etc/modprobe.d", "kvm.conf",
                                    "options kvm_intel nested=1\n");
        nv_test_host_load_module(f->env.host, "kvm_intel", 2, "N");
        nv_test_host_add_process(f->env.host, 4242, "qemu-system-x86", qemu_fds);
        nv_test_host_set_process_cmdline(f->env.host, 4242, web_argv);
        nv_test_host_add_process(f->env.host, 4343, "qemu-system-x86", qemu_fds);
        nv_test_host_set_process_cmdline(f->env.host, 4343, ci_argv);
        nv_test_env_start_daemon(&f->env);
        panel_start(f);
        see_text(f->app, "web-server");
        see_text(f->app, "ci-runner");
        apply = wait_for(f->app, ATSPI_ROLE_PUSH_BUTTON, "Apply When Virtual Machines Stop");
        assert_main_page_plain(f);
        screenshot_sized(f, "nestedvirt-settings", 560, 720);
        do_action(apply, "Apply When Virtual Machines Stop");
        see_text(f->app, "Waiting for Virtual Machines to Stop");
        screenshot_sized(f, "nestedvirt-settings-pending", 560, 720);
}

/* Activates the application's action @name, as a desktop shell would. */
static void activate_app_action(const char *name)
{
        g_autoptr(GVariant) reply = NULL;
        g_autoptr(GError) error = NULL;

        reply = g_dbus_connection_call_sync(world.session, APP_ID, APP_PATH, "org.gtk.Actions", "Activate",
                                            g_variant_new("(sava{sv})", name, NULL, NULL), NULL,
                                            G_DBUS_CALL_FLAGS_NONE, NV_TEST_TIMEOUT_MS, NULL, &error);
        g_assert_no_error(error);
}

typedef struct {
        GSubprocess *process;
} ExitWait;

static gboolean exit_wait_check(gpointer data)
{
        return g_subprocess_get_identifier(((ExitWait *)data)->process) == NULL;
}

/* GNOME app basics: --version, the About window with the version, the
 * primary menu, and quitting. */
static void test_app_basics(Fixture *f, gconstpointer data)
{
        const char *const version_argv[] = { nv_test_getenv("NV_PANEL"), "--version", NULL };
        const char *const env[] = { "LC_ALL=C.UTF-8", "DISPLAY=", "WAYLAND_DISPLAY=", NULL };
        g_auto(NvTestRunResult) version = { 0 };
        g_autofree char *expected =
                g_strdup_printf("nestedvirt-settings %s\n", nv_test_getenv("NV_VERSION"));
        g_autoptr(AtspiAccessible) about = NULL;
        ExitWait w = { 0 };

        /* No display needed. */
        nv_test_run(version_argv, env, &version);
        g_assert_true(version.exited);
        g_assert_cmpint(version.exit_status, ==, 0);
        g_assert_cmpstr(version.stdout_text, ==, expected);

        nv_test_env_start_daemon(&f->env);
        {
                /* In a sanitizer build this one quits cleanly, so
                 * LeakSanitizer looks at everything left at exit: with
                 * whole stacks, and without what fontconfig and Mesa keep
                 * for the process's lifetime. (It found the window's
                 * own.) */
                g_autofree char *supp = g_build_filename(world.tmp, "lsan-gtk.supp", NULL);
                g_autofree char *asan_env = g_strconcat("ASAN_OPTIONS=", g_getenv("ASAN_OPTIONS"),
                                                        ":fast_unwind_on_malloc=0", NULL);
                g_autofree char *lsan_env = g_strconcat("LSAN_OPTIONS=suppressions=", supp, NULL);
                const char *const extra_env[] = { asan_env, lsan_env, NULL };

                if (!g_file_set_contents(supp,
                                         "leak:libfontconfig.so\nleak:swrast_dri.so\nleak:libEGL_mesa.so\n",
                                         -1, NULL))
                        g_error("cannot write %s", supp);
                panel_start_full(f, 0, g_getenv("ASAN_OPTIONS") ? extra_env : NULL);
        }
        g_object_unref(wait_for(f->app, ATSPI_ROLE_PUSH_BUTTON, "Main Menu"));
        activate_app_action("about");
        about = wait_for(f->app, ATSPI_ROLE_FRAME, "About Nested Virtualization");
        see_text(about, nv_test_getenv("NV_VERSION"));
        screenshot(f, "about");

        /* Quit, as the menu's shortcut (Ctrl+Q) does: the process ends by
         * itself, cleanly. (Xvfb has no window manager to give the About
         * window the keyboard, so the keys themselves are not pressed
         * here.) */
        activate_app_action("quit");
        w.process = f->panel;
        g_assert_true(poll_until(exit_wait_check, &w));
        g_assert_true(g_subprocess_get_if_exited(f->panel));
        if (g_subprocess_get_exit_status(f->panel) != 0)
                print_log("panel.log");
        g_assert_cmpint(g_subprocess_get_exit_status(f->panel), ==, 0);
}

/* ---- f. Domains -------------------------------------------------------------------------------- */

/* The daemon, with libvirt's test driver at @uri. */
static void start_daemon_with_libvirt(Fixture *f, const char *uri)
{
        g_autofree char *root_arg = g_strconcat("--root=", nv_test_host_get_root(f->env.host), NULL);
        g_autofree char *uri_arg = g_strconcat("--libvirt-uri=", uri, NULL);
        const char *const argv[] = { nv_test_getenv("NV_DAEMON"), root_arg, "--idle-timeout=0", uri_arg,
                                     NULL };
        g_autoptr(GError) error = NULL;

        f->env.daemon = nv_test_daemon_start_argv(f->env.bus, argv, NV_BUS_NAME, &error);
        g_assert_no_error(error);
}

static void test_domains(Fixture *f, gconstpointer data)
{
        g_autoptr(AtspiAccessible) mode = NULL;
        g_autoptr(AtspiAccessible) passthrough = NULL;
        g_autoptr(AtspiAccessible) button = NULL;

        start_daemon_with_libvirt(f, "test:///default");
        panel_start(f);

        /* test:///default has one domain, "test", running, its CPU mode
         * libvirt's default: the list is default, host-model,
         * host-passthrough. */
        mode = wait_for(f->app, ATSPI_ROLE_COMBO_BOX, "CPU mode of test");
        screenshot(f, "domains-before");
        button = atspi_accessible_get_child_at_index(mode, 0, NULL);
        g_assert_nonnull(button);
        do_action(button, "the CPU mode drop-down's button");
        /* The open list has the keyboard, as for a person: two down,
         * Return. */
        passthrough = wait_for_text(f->app, "host-passthrough");
        press_key(KEY_DOWN);
        press_key(KEY_DOWN);
        press_key(KEY_RETURN);
        see_prefix(f->app, "running · applies after the guest is powered off");
        screenshot(f, "domains-restart-note");
}

/* A domain name as its owner may choose it (libvirt refuses a '/' in it),
 * with markup in it: the row and the drop-down's label show it as it is,
 * neither with the entity resolved and "x" in bold nor empty for the
 * unclosed tag (libadwaita 1.2's rows take markup). */
#define MARKUP_DOMAIN "db&amp;1 <b>x"

static void test_domain_markup_name(Fixture *f, gconstpointer data)
{
        g_autofree char *node = g_build_filename(world.tmp, "node-markup-name.xml", NULL);
        g_autofree char *uri = g_strconcat("test://", node, NULL);
        g_autofree char *xml =
                g_markup_printf_escaped("<node>\n"
                                        "  <domain type='test'>\n"
                                        "    <name>%s</name>\n"
                                        "    <uuid>5a1d7e6c-0000-4000-8000-0000000000bb</uuid>\n"
                                        "    <memory unit='KiB'>1048576</memory>\n"
                                        "    <os><type arch='x86_64'>hvm</type></os>\n"
                                        "    <cpu mode='host-passthrough'/>\n"
                                        "  </domain>\n"
                                        "</node>\n",
                                        MARKUP_DOMAIN);

        if (!g_file_set_contents(node, xml, -1, NULL))
                g_error("cannot write %s", node);
        start_daemon_with_libvirt(f, uri);
        panel_start(f);

        see_text(f->app, MARKUP_DOMAIN);
        g_object_unref(wait_for(f->app, ATSPI_ROLE_COMBO_BOX, "CPU mode of " MARKUP_DOMAIN));
        /* Tall enough to show the domains without scrolling. */
        screenshot_sized(f, "domains-markup-name", 560, 1000);
}

/* ---- g. The service going and coming back ------------------------------------------------------ */

static void test_service_restart(Fixture *f, gconstpointer data)
{
        nv_test_env_start_daemon(&f->env);
        panel_start(f);
        assert_same_words_as_cli(f);

        /* Killed: no clean exit, no goodbye. The private bus cannot
         * activate it again. */
        g_clear_pointer(&f->env.daemon, nv_test_daemon_free);
        see_text(f->app, "Service Not Available");
        screenshot(f, "service-gone");

        /* Back, with a changed host: the panel shows the new state. */
        nv_test_host_write_modprobe(f->env.host, "/etc/modprobe.d", "kvm.conf",
                                    "options kvm_amd nested=0\n");
        nv_test_env_start_daemon(&f->env);
        wait_for_absence(f->app, ATSPI_ROLE_LABEL, "Service Not Available");
        assert_same_words_as_cli(f);
        assert_switch(f, FALSE, TRUE);
        screenshot(f, "service-back");
}

/* ---- D-Bus activation and the idle exit ----------------------------------------------------- */

/* The pid of the name's owner on the test's connection, 0 for none. */
static guint32 owner_pid(Fixture *f)
{
        g_autoptr(GVariant) reply = g_dbus_connection_call_sync(
                f->env.connection, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                "GetConnectionUnixProcessID", g_variant_new("(s)", NV_BUS_NAME), G_VARIANT_TYPE("(u)"),
                G_DBUS_CALL_FLAGS_NO_AUTO_START, NV_TEST_TIMEOUT_MS, NULL, NULL);
        guint32 pid = 0;

        if (reply)
                g_variant_get(reply, "(u)", &pid);
        return pid;
}

typedef struct {
        Fixture *f;
        guint32 first;
        guint32 now;
} OwnerWait;

static gboolean owner_changed_check(gpointer data)
{
        OwnerWait *w = data;

        w->now = owner_pid(w->f);
        return w->now != 0 && w->now != w->first;
}

/*
 * Nothing runs the daemon: opening the panel activates it. It exits when
 * idle (after 6 s without calls); the panel, seeing the name go, has the
 * bus start it again rather than saying it is not there.
 */
static void test_activation(Fixture *f, gconstpointer data)
{
        g_autofree char *dir = activation_dir();
        g_autofree char *file = g_build_filename(dir, NV_BUS_NAME ".service", NULL);
        g_autofree char *service = g_strdup_printf(
                "[D-BUS Service]\nName=%s\nExec=%s --root=%s --idle-timeout=6\n"
                "User=root\n",
                NV_BUS_NAME, nv_test_getenv("NV_DAEMON"), nv_test_host_get_root(f->env.host));
        OwnerWait w = { f, 0, 0 };
        gboolean changed;

        if (!g_file_set_contents(file, service, -1, NULL))
                g_error("cannot write %s", file);
        g_assert_cmpuint(owner_pid(f), ==, 0);

        panel_start(f);
        assert_same_words_as_cli(f);
        w.first = owner_pid(f);
        g_assert_cmpuint(w.first, !=, 0);

        /* Idle exit, then activation again: at most 3 bounds. */
        changed = poll_until(owner_changed_check, &w) || poll_until(owner_changed_check, &w) ||
                  poll_until(owner_changed_check, &w);
        if (!changed)
                g_error("the daemon (pid %u) was not replaced by an activated one (owner now %u)", w.first,
                        w.now);
        wait_for_absence(f->app, ATSPI_ROLE_LABEL, "Service Not Available");
        assert_same_words_as_cli(f);
        screenshot(f, "activation");

        /* The panel first, or it would activate the daemon once more.
         * Each instance the bus started became this program's child (the
         * harness is a subreaper) once the bus's helper let go: reap both. */
        panel_stop(f);
        g_assert_no_errno(kill((pid_t)w.now, SIGTERM));
        (void)waitpid((pid_t)w.first, NULL, 0);
        (void)waitpid((pid_t)w.now, NULL, 0);
        g_unlink(file);
}

/* ---- d. Unprivileged, real polkitd, no agent ------------------------------------------------------ */

/* Whether process @pid has POLKIT_LOCK open. */
static gboolean holds_lock_file(pid_t pid)
{
        g_autofree char *dir = g_strdup_printf("/proc/%d/fd", (int)pid);
        g_autoptr(GDir) fds = g_dir_open(dir, 0, NULL);
        const char *name;

        while (fds && (name = g_dir_read_name(fds))) {
                g_autofree char *link = g_build_filename(dir, name, NULL);
                g_autofree char *target = g_file_read_link(link, NULL);

                if (g_strcmp0(target, POLKIT_LOCK) == 0)
                        return TRUE;
        }
        return FALSE;
}

/*
 * The real-polkitd tests change /usr/share/polkit-1: one at a time on this
 * machine, under POLKIT_LOCK. When this program runs below `flock LOCK
 * meson test ...`, an ancestor holds it (meson does not pass the
 * descriptor on): taking it again would wait forever. Otherwise it is
 * taken here; returns the descriptor to close, or -1.
 */
static int take_polkit_lock(void)
{
        int fd;

        for (pid_t pid = getpid(); pid > 1; pid = parent_of(pid))
                if (holds_lock_file(pid))
                        return -1;
        fd = open(POLKIT_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
        if (fd < 0 || flock(fd, LOCK_EX) < 0)
                g_error("cannot lock %s: %s", POLKIT_LOCK, g_strerror(errno));
        return fd;
}

static void test_unprivileged(Fixture *f, gconstpointer data)
{
        const char *const polkitd_argv[] = { POLKITD, NULL };
        g_autoptr(GError) error = NULL;
        g_autoptr(NvTestDaemon) polkitd = NULL;
        g_autoptr(AtspiAccessible) sw = NULL;
        g_autoptr(GBytes) before = NULL;
        g_autoptr(GBytes) after = NULL;
        g_autofree char *actions = NULL;
        int lock = take_polkit_lock();
        gboolean installed = FALSE;
        int actions_slot = -1;

        nv_test_host_write_modprobe(f->env.host, "/etc/modprobe.d", "kvm.conf",
                                    "# by hand\noptions kvm_intel nested=0 ept=1\n");
        before = nv_test_host_read(f->env.host, "/etc/modprobe.d/kvm.conf");

        /* polkitd reads the project's actions when it starts. */
        if (!g_file_test(ACTIONS_FILE, G_FILE_TEST_EXISTS)) {
                g_file_get_contents(nv_test_getenv("NV_POLKIT_POLICY"), &actions, NULL, &error);
                g_assert_no_error(error);
                actions_slot = nv_test_remove_on_death(ACTIONS_FILE);
                g_file_set_contents_full(ACTIONS_FILE, actions, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644,
                                         &error);
                g_assert_no_error(error);
                installed = TRUE;
        }
        polkitd = nv_test_daemon_start_argv(f->env.bus, polkitd_argv, POLKIT_BUS_NAME, &error);
        g_assert_no_error(error);
        nv_test_env_start_daemon(&f->env);

        panel_start_full(f, NV_TEST_UID_NOBODY, NULL);
        sw = find_switch(f);
        wait_for_state(sw, ATSPI_STATE_CHECKED, FALSE);
        do_action(sw, "the switch");
        /* The service's own message, and nothing changed. */
        /* In plain words; polkit's action and the CLI's advice in the
         * details. */
        see_prefix(f->app, "Nothing was changed: it needs an administrator's password");
        see_prefix(f->app, "Authentication is required");
        assert_main_page_plain(f);
        wait_for_state(sw, ATSPI_STATE_CHECKED, FALSE);
        after = nv_test_host_read(f->env.host, "/etc/modprobe.d/kvm.conf");
        g_assert_true(g_bytes_equal(before, after));
        screenshot(f, "unprivileged-no-agent");

        panel_stop(f);
        if (installed) {
                (void)g_unlink(ACTIONS_FILE);
                nv_test_forget_path(actions_slot);
        }
        if (lock >= 0)
                close(lock);
}

/* ---- main ---------------------------------------------------------------------------------------- */

static char *skip_reason(void)
{
        const char *const env_vars[] = { "NV_DAEMON", "NV_DAEMON_SIM",    "NV_CTL",
                                         "NV_PANEL",  "NV_POLKIT_POLICY", NULL };
        g_autofree char *xvfb = g_find_program_in_path(XVFB);
        g_autofree char *dbus = g_find_program_in_path("dbus-daemon");
        char *reason = nv_test_skip_reason(env_vars);

        if (reason)
                return reason;
        if (!xvfb)
                return g_strdup("Xvfb is not installed (Debian: xvfb)");
        if (!dbus)
                return g_strdup("dbus-daemon is not installed");
        if (!g_file_test(AT_SPI_LAUNCHER, G_FILE_TEST_IS_EXECUTABLE))
                return g_strdup("the accessibility bus is not installed (Debian: at-spi2-core)");
        return NULL;
}

int main(int argc, char **argv)
{
        g_autofree char *reason = NULL;
        g_autofree char *polkit_reason = NULL;
        int r;

        /* The daemons look at the module every 50 ms while a reload waits
         * (apply-when-idle); set before any thread exists, as setenv()
         * wants. */
        g_setenv("NESTEDVIRTD_WHEN_IDLE_POLL_MSEC", "50", TRUE);
        nv_test_init(&argc, &argv);
        /* libatspi warns about what applications do not offer, such as
         * GTK 4.8's missing AT-SPI cache object: not this test's failure.
         * Criticals stay fatal. */
        g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
        reason = skip_reason();
        if (reason && g_strcmp0(g_getenv("CI"), "true") == 0)
                g_error("CI=true, and this test cannot run: %s", reason);
        if (!reason && !g_file_test(POLKITD, G_FILE_TEST_IS_EXECUTABLE))
                polkit_reason = g_strdup("polkitd is not installed (Debian: polkitd)");

        for (size_t i = 0; i < G_N_ELEMENTS(initial_cases); i++) {
                g_autofree char *path = g_strconcat("/panel/initial/", initial_cases[i].c.name, NULL);

                nv_test_add(reason, path, Fixture, &initial_cases[i], fixture_setup, test_initial,
                            fixture_teardown);
        }
        {
                static const Case intel = { NV_TEST_PRESET_INTEL_LOADED, FALSE, "intel" };
                static const Case amd = { NV_TEST_PRESET_AMD_LOADED, FALSE, "amd" };
                static const Case not_loaded_sim = { NV_TEST_PRESET_VENDOR_MODULE_NOT_LOADED, TRUE,
                                                     "not-loaded" };
                static const Case intel_sim = { NV_TEST_PRESET_INTEL_LOADED, TRUE, "intel-sim" };
                static const Case intel_activation = { NV_TEST_PRESET_INTEL_LOADED, FALSE, "activation",
                                                       FALSE, TRUE };
                static const Case intel_sim_polkitd = { NV_TEST_PRESET_INTEL_LOADED, TRUE, "polkitd", TRUE };

                nv_test_add(reason, "/panel/styles", Fixture, &intel, fixture_setup, test_styles,
                            fixture_teardown);
                nv_test_add(reason, "/panel/switch", Fixture, &intel, fixture_setup, test_switch,
                            fixture_teardown);
                nv_test_add(reason, "/panel/external/modprobe-edit", Fixture, &amd, fixture_setup,
                            test_external_modprobe_edit, fixture_teardown);
                nv_test_add(reason, "/panel/external/module-load", Fixture, &not_loaded_sim, fixture_setup,
                            test_external_module_load, fixture_teardown);
                nv_test_add(reason ? reason : polkit_reason, "/panel/unprivileged-no-agent", Fixture,
                            &intel_sim_polkitd, fixture_setup, test_unprivileged, fixture_teardown);
                nv_test_add(reason, "/panel/apply-when-idle/cancel", Fixture, &intel_sim, fixture_setup,
                            test_apply_when_idle_cancel, fixture_teardown);
                nv_test_add(reason, "/panel/apply-when-idle/daemon-stops", Fixture, &intel_sim,
                            fixture_setup, test_apply_when_idle_daemon_stops, fixture_teardown);
                nv_test_add(reason, "/panel/app-basics", Fixture, &intel, fixture_setup, test_app_basics,
                            fixture_teardown);
                nv_test_add(reason, "/panel/readme-pictures", Fixture, &intel_sim, fixture_setup,
                            test_readme_pictures, fixture_teardown);
                nv_test_add(reason, "/panel/apply-when-idle", Fixture, &intel_sim, fixture_setup,
                            test_apply_when_idle, fixture_teardown);
                nv_test_add(reason, "/panel/domains", Fixture, &intel, fixture_setup, test_domains,
                            fixture_teardown);
                nv_test_add(reason, "/panel/domains/markup-name", Fixture, &intel, fixture_setup,
                            test_domain_markup_name, fixture_teardown);
                nv_test_add(reason, "/panel/service-restart", Fixture, &amd, fixture_setup,
                            test_service_restart, fixture_teardown);
                nv_test_add(reason, "/panel/activation", Fixture, &intel_activation, fixture_setup,
                            test_activation, fixture_teardown);
        }

        if (!reason)
                world_start();
        r = nv_test_run_tests(reason);
        world_stop();
        return r;
}
