/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The integration tests' world: a private dbus-daemon configured like the
 * system bus, with the project's own bus policy included, so that the real
 * policy decides who may own org.example.NestedVirt and call it; the real
 * nestedvirtd started on it against a fake host tree; and helpers to run
 * programs and wait for events with a bound instead of sleeping.
 *
 * Every child process is killed and reaped when the test ends, also when it
 * ends by a failed assertion: this machine's PID 1 does not reap orphans.
 */
#pragma once

#include <gio/gio.h>
#include <sys/types.h>

#include "nv-test-host.h"

/* 1 in a build with AddressSanitizer (GCC says so with a macro, clang
 * with __has_feature), where everything is slower and some things cannot
 * run; else 0. */
#if defined(__SANITIZE_ADDRESS__)
#define NV_TEST_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NV_TEST_UNDER_ASAN 1
#endif
#endif
#ifndef NV_TEST_UNDER_ASAN
#define NV_TEST_UNDER_ASAN 0
#endif

/* Every wait for the bus, the daemon, a program or a widget gives up after
 * this long. Generous: it only costs time when what is awaited never comes,
 * and a busy machine running the AddressSanitizer build (CI, or a developer
 * with a compile and a TCG guest beside it) takes tens of seconds for what
 * a quiet one does in one. */
#define NV_TEST_TIMEOUT_MS 60000

/* g_test_init(), and handlers that clean up child processes if the test
 * program dies on a failed assertion or a signal. */
void nv_test_init(int *argc, char ***argv);

/*
 * g_test_run(), except that a program whose tests were all skipped for
 * @skip_reason exits with 77, as automake's and meson's exit-code protocol
 * expect; under --tap the plan already says so, and a TAP reader wants 0.
 */
int nv_test_run_tests(const char *skip_reason);

/*
 * Why these tests cannot run here (not root, no dbus-daemon, the
 * environment from tests/meson.build missing), or NULL when they can.
 * @env_vars: NULL-terminated names of variables that must point at files.
 */
char *nv_test_skip_reason(const char *const *env_vars);

/* The value of environment variable @name; the test fails without it. */
const char *nv_test_getenv(const char *name);

typedef struct NvTestBus NvTestBus;

/* Starts a private system-like bus. */
NvTestBus *nv_test_bus_new(GError **error);

/* Same, including @extra_policies (NULL or NULL-terminated paths of bus
 * policy files, such as polkit's) after the project's own, as a system bus
 * includes its system.d files. */
NvTestBus *nv_test_bus_new_full(const char *const *extra_policies, GError **error);

/* Stops the bus and waits for its process. */
void nv_test_bus_free(NvTestBus *bus);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvTestBus, nv_test_bus_free)

/* The address to give clients, as DBUS_SYSTEM_BUS_ADDRESS. */
const char *nv_test_bus_get_address(const NvTestBus *bus);

/* A new client connection to the bus. */
GDBusConnection *nv_test_bus_connect(const NvTestBus *bus, GError **error);

/* Prints the bus's log to stderr, each line prefixed "# ". */
void nv_test_bus_print_log(const NvTestBus *bus);

typedef struct NvTestDaemon NvTestDaemon;

/*
 * Starts `$NV_DAEMON --root=@root --idle-timeout=0` on @bus and returns once
 * it owns org.example.NestedVirt. Fails if the daemon exits first or does
 * not get there within NV_TEST_TIMEOUT_MS.
 */
NvTestDaemon *nv_test_daemon_start(NvTestBus *bus, const char *root, GError **error);

/*
 * Starts @argv (@argv[0] a path) on @bus, with DBUS_SYSTEM_BUS_ADDRESS
 * pointing there, and returns once it owns @bus_name; its output goes to a
 * log that nv_test_daemon_print_log() shows. For the daemon built with
 * another kernel backend, or for the services it talks to, such as polkitd.
 */
NvTestDaemon *nv_test_daemon_start_argv(NvTestBus *bus, const char *const *argv, const char *bus_name,
                                        GError **error);

/*
 * Sends SIGTERM and waits for the daemon. Fails unless it exits with status
 * 0: a crash, or an exit on a signal, is a bug even if every call before
 * was answered.
 */
gboolean nv_test_daemon_stop(NvTestDaemon *daemon, GError **error);

/* Waits up to @timeout_ms for the daemon to exit by itself (an idle exit,
 * say); fails unless it exits with status 0 within that time. */
gboolean nv_test_daemon_wait_exit(NvTestDaemon *daemon, guint timeout_ms, GError **error);

/* Kills the daemon if it still runs (SIGKILL), reaps it, frees @daemon. */
void nv_test_daemon_free(NvTestDaemon *daemon);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvTestDaemon, nv_test_daemon_free)

/* TRUE while the daemon process has not exited. */
gboolean nv_test_daemon_is_running(NvTestDaemon *daemon);

/* Sends @signo to the running daemon (SIGSTOP, SIGCONT: a busy machine). */
void nv_test_daemon_send_signal(NvTestDaemon *daemon, int signo);

/* The daemon's unique name on the bus while it runs. */
const char *nv_test_daemon_get_unique_name(const NvTestDaemon *daemon);

/* Prints the daemon's stdout and stderr to stderr, each line prefixed "# ". */
void nv_test_daemon_print_log(const NvTestDaemon *daemon);

/* The path of the daemon's log (its stdout and stderr). */
const char *nv_test_daemon_get_log_path(const NvTestDaemon *daemon);

/*
 * A child process that the harness did not start (one a library spawned
 * behind the test's back) is registered like the harness's own: killed and
 * reaped if the test program dies, and not counted as left behind by
 * nv_test_env_teardown() while registered. Returns a slot for
 * nv_test_forget_child().
 */
int nv_test_watch_child(pid_t pid);

/* The same for @process, which may be gone already (a quick nestedvirtctl
 * on a busy machine): then -1, which nv_test_forget_child() takes. */
int nv_test_watch_subprocess(GSubprocess *process);
void nv_test_forget_child(int slot);

/* The parent of process @pid, or 0 when it is gone. */
pid_t nv_test_parent_of(pid_t pid);

/* The pids (pid_t) of the test program's children that neither the harness
 * started nor nv_test_watch_child() registered. */
GArray *nv_test_list_unknown_children(void);

/*
 * @path, a file or directory outside the harness's temporary directories
 * that the test created (a polkit rule, say), is removed if the test
 * program dies; the test removes it itself otherwise, then calls
 * nv_test_forget_path() with the returned slot.
 */
int nv_test_remove_on_death(const char *path);
void nv_test_forget_path(int slot);

/* Iterates the thread-default main context until @done(@user_data) returns
 * TRUE or @timeout_ms pass. Returns the last value of @done. */
gboolean nv_test_wait_until(gboolean (*done)(gpointer user_data), gpointer user_data, guint timeout_ms);

/* Same, for a state no event announces (a file in /proc, say): @done is
 * also asked every @interval_ms. */
gboolean nv_test_poll_until(gboolean (*done)(gpointer user_data), gpointer user_data, guint interval_ms,
                            guint timeout_ms);

/* Dispatches whatever the thread-default main context has ready, without
 * blocking. */
void nv_test_drain_main_context(void);

/* An asynchronous call in flight: g_dbus_connection_call() with
 * nv_test_call_finished() and the NvTestCall as its data, then
 * nv_test_wait_until(nv_test_call_is_done, call, ...). Cleared, it can be
 * used again. */
typedef struct {
        gboolean done;
        GVariant *reply;
        GError *error;
} NvTestCall;

void nv_test_call_clear(NvTestCall *call);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(NvTestCall, nv_test_call_clear)
void nv_test_call_finished(GObject *source, GAsyncResult *result, gpointer user_data);
gboolean nv_test_call_is_done(gpointer user_data);

/* Fails unless @error is the D-Bus error @name of the call @what; returns
 * its message without the remote error's prefix. */
char *nv_test_assert_dbus_error(GError *error, const char *name, const char *what);

/* The outcome of a program run by nv_test_run(). */
typedef struct {
        char *stdout_text;
        char *stderr_text;
        gboolean exited; /* FALSE: killed by a signal, or timed out */
        int exit_status; /* valid when @exited */
} NvTestRunResult;

void nv_test_run_result_clear(NvTestRunResult *result);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(NvTestRunResult, nv_test_run_result_clear)

/*
 * Runs @argv with the test's environment plus @env_overrides (NULL or
 * "NAME=VALUE" strings; "NAME" alone unsets NAME), stdin from /dev/null,
 * and collects its output. A program still running after
 * NV_TEST_TIMEOUT_MS is killed and the test fails.
 */
void nv_test_run(const char *const *argv, const char *const *env_overrides, NvTestRunResult *ret);

/* Fails with the whole output when @result's exit status is not @status. */
void nv_test_assert_exit(const NvTestRunResult *result, int status);

/* nestedvirtctl(1): a failure is one line on stderr saying what and what
 * to do. Fails unless @text is one non-empty line. */
void nv_test_assert_one_line(const char *text);

/* The user nobody, for runs without privileges. */
#define NV_TEST_UID_NOBODY 65534

/* Same, as user and group @uid without supplementary groups (the test
 * program must be root). */
void nv_test_run_as(const char *const *argv, const char *const *env_overrides, guint32 uid,
                    NvTestRunResult *ret);

/* Registers test @path with g_test_add(), or, when @skip_reason is not
 * NULL, a test of the same path that only skips with that reason: TAP then
 * lists every test and says why none ran. */
#define nv_test_add(skip_reason, path, Fixture, data, setup, test, teardown)              \
        G_STMT_START                                                                      \
        {                                                                                 \
                if (skip_reason)                                                          \
                        g_test_add_data_func((path), (skip_reason), nv_test_skip);        \
                else                                                                      \
                        g_test_add((path), Fixture, (data), (setup), (test), (teardown)); \
        }                                                                                 \
        G_STMT_END

void nv_test_skip(gconstpointer reason);

/*
 * The usual test fixture: a private bus, a fake host tree, a client
 * connection, and (once started) the daemon on them.
 */
typedef struct {
        NvTestBus *bus;
        NvTestHost *host;
        GDBusConnection *connection;
        NvTestDaemon *daemon;
        /* With NvTestEnvOptions.record_changes: the parameters ("(sa{sv}as)")
         * of every PropertiesChanged the daemon sent since it started, in
         * the order received; NULL otherwise. */
        GPtrArray *changes;
        int host_slot;              /* private */
        char *daemon_program;       /* private: NULL for $NV_DAEMON */
        guint changes_subscription; /* private */
} NvTestEnv;

/* Starts the bus, builds @preset's tree and connects; the daemon is left
 * to nv_test_env_start_daemon(), so a test can change the tree first. */
void nv_test_env_setup(NvTestEnv *env, NvTestPreset preset);

typedef struct {
        /* More bus policy files, see nv_test_bus_new_full(); NULL for none. */
        const char *const *bus_policies;
        /* The daemon program, e.g. the value of $NV_DAEMON_SIM; NULL for
         * $NV_DAEMON. */
        const char *daemon_program;
        /* Record the daemon's PropertiesChanged signals in @changes from the
         * moment nv_test_env_start_daemon() returns. */
        gboolean record_changes;
} NvTestEnvOptions;

/* nv_test_env_setup() with @options (NULL: the defaults). */
void nv_test_env_setup_full(NvTestEnv *env, NvTestPreset preset, const NvTestEnvOptions *options);

/* Starts the daemon; with record_changes, returns once the bus delivers
 * every PropertiesChanged the daemon sends from then on. */
void nv_test_env_start_daemon(NvTestEnv *env);

/* Same, with @extra_args (NULL-terminated) after the usual ones; a later
 * option wins, so "--idle-timeout=1" replaces the harness's 0. */
void nv_test_env_start_daemon_with_args(NvTestEnv *env, const char *const *extra_args);

/*
 * Stops the daemon if it was started, and fails the test unless it exits
 * with status 0; prints its log if the test failed. For a teardown that
 * must stop the daemon while a service it talks to (a mock polkit) still
 * answers, before nv_test_env_teardown().
 */
void nv_test_env_stop_daemon(NvTestEnv *env);

/* nv_test_env_stop_daemon(); stops the bus; removes the tree. */
void nv_test_env_teardown(NvTestEnv *env);

/*
 * The recorded PropertiesChanged folded into one table, property name ->
 * latest value (GVariant). Fails on a signal for another interface, one
 * that invalidates properties instead of carrying their values, or one
 * that carries none.
 */
GHashTable *nv_test_env_collect_changes(NvTestEnv *env);

/* Calls @method of @interface on the daemon's object; @reply_type is
 * checked by GDBus. */
GVariant *nv_test_env_call(NvTestEnv *env, const char *interface, const char *method, GVariant *parameters,
                           const GVariantType *reply_type, GError **error);

/* GetStatus(): the a{sv} (not the tuple around it); the test fails on an
 * error. */
GVariant *nv_test_env_get_status(NvTestEnv *env);

/* A round trip to the daemon that changes nothing: when it returns, every
 * signal the daemon sent before it has been dispatched. */
void nv_test_env_sync(NvTestEnv *env);

/* ---- polkit, mocked --------------------------------------------------- */

#define NV_TEST_POLKIT_BUS_NAME  "org.freedesktop.PolicyKit1"
#define NV_TEST_POLKIT_PATH      "/org/freedesktop/PolicyKit1/Authority"
#define NV_TEST_POLKIT_INTERFACE "org.freedesktop.PolicyKit1.Authority"
/* CheckAuthorization's flag POLKIT_CHECK_AUTHORIZATION_FLAGS_ALLOW_USER_INTERACTION. */
#define NV_TEST_POLKIT_INTERACTIVE 1u

/* The part of polkit's Authority interface that polkit-gobject uses for a
 * check, for a mock to export: GDBus then refuses calls that do not match
 * it, as polkitd would. Owned by the harness. */
GDBusInterfaceInfo *nv_test_polkit_authority_info(void);
