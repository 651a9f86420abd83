/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The authorization matrix on the real polkitd: polkitd runs on the
 * private system-like bus (with its own bus policy included), reads the
 * project's actions, installed by the test into /usr/share/polkit-1/actions,
 * and rules the test writes into /etc/polkit-1/rules.d; both are removed
 * afterwards, also when the test program dies. nestedvirtd runs with the
 * simulated kernel, so ReloadModule can be allowed too. Calls come from the
 * test (root) and from nv-test-call run as the unprivileged user
 * nv-polkit-test, created if missing.
 *
 * What polkitd answers here, with no logind and so no session for any
 * subject (found by running it; the test asserts exactly this):
 *   - root: authorized, whatever the rules say;
 *   - nv-polkit-test with the actions' defaults (auth_admin for a subject
 *     without an active session): a challenge, with or without
 *     AllowUserInteraction, because no authentication agent is registered
 *     for a subject without a session; the daemon turns a challenge into
 *     InteractiveAuthorizationRequired, as systemd's services do, and does
 *     nothing;
 *   - a rule answering polkit.Result.NO: not authorized, AccessDenied;
 *   - a rule answering polkit.Result.YES: authorized;
 *   - a rule answering AUTH_ADMIN_KEEP, without the interactive flag: a
 *     challenge, InteractiveAuthorizationRequired;
 *   - polkitd gone from the bus: root allowed, everyone else AccessDenied.
 *
 * Needs root (to own the service's name, install the actions and switch
 * users); skips with the reason otherwise.
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "nv-dbus.h"
#include "nv-test-bus.h"
#include "nv-test-host.h"

#define POLKITD            "/usr/lib/polkit-1/polkitd"
#define POLKIT_BUS_POLICY  "/usr/share/dbus-1/system.d/org.freedesktop.PolicyKit1.conf"
#define POLKIT_BUS_NAME    "org.freedesktop.PolicyKit1"
#define ACTIONS_DIR        "/usr/share/polkit-1/actions"
#define ACTIONS_FILE       ACTIONS_DIR "/org.example.NestedVirt.policy"
#define RULES_FILE         "/etc/polkit-1/rules.d/00-nestedvirt-test.rules"
#define TEST_USER          "nv-polkit-test"
#define ACCESS_DENIED      "org.freedesktop.DBus.Error.AccessDenied"
#define INTERACTIVE_NEEDED "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired"

/* The uid of TEST_USER, once main() made sure it exists. */
static uid_t test_uid;

/* The actions were already installed, identical: leave them there. */
static gboolean actions_preinstalled;

/*
 * The mutating methods and how to see that one did nothing. The hook for
 * ConfigureDomain (issue: libvirt) goes here: its arguments, and a
 * snapshot of the domain definition in place of kvm.conf and the
 * simulator's log.
 */
typedef struct {
        const char *method;
        const char *args;
} Method;

static const Method methods[] = {
        { "EnablePersistent", "(true,)" },
        { "ReloadModule", "(true,)" },
};

typedef enum {
        RULE_NONE,
        RULE_YES,
        RULE_NO,
        RULE_AUTH_ADMIN_KEEP,
} Rule;

static const char *const rule_results[] = {
        [RULE_YES] = "polkit.Result.YES",
        [RULE_NO] = "polkit.Result.NO",
        [RULE_AUTH_ADMIN_KEEP] = "polkit.Result.AUTH_ADMIN_KEEP",
};

typedef struct {
        NvTestEnv env;
        NvTestDaemon *polkitd;
        int actions_slot;
        int rules_slot;
} Fixture;

typedef struct {
        const Method *method;
        Rule rule;
} Case;

/* ---- Files outside the tree ------------------------------------------- */

static void install_file(const char *path, const char *contents, int *slot)
{
        g_autoptr(GError) error = NULL;

        *slot = nv_test_remove_on_death(path);
        g_file_set_contents_full(path, contents, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, &error);
        g_assert_no_error(error);
}

static void remove_file(const char *path, int *slot)
{
        if (*slot < 0)
                return;
        if (g_unlink(path) < 0 && errno != ENOENT)
                g_test_fail_printf("cannot remove %s: %s", path, g_strerror(errno));
        nv_test_forget_path(*slot);
        *slot = -1;
}

static void write_rule(Fixture *f, Rule rule)
{
        g_autofree char *rules = NULL;

        if (rule == RULE_NONE)
                return;
        rules = g_strdup_printf("// Written by nestedvirt's test-auth-polkitd; removed when it ends.\n"
                                "polkit.addRule(function(action, subject) {\n"
                                "    if (action.id.indexOf(\"org.example.NestedVirt.\") == 0 &&\n"
                                "        subject.user == \"%s\")\n"
                                "        return %s;\n"
                                "});\n",
                                TEST_USER, rule_results[rule]);
        install_file(RULES_FILE, rules, &f->rules_slot);
}

/* ---- Fixture --------------------------------------------------------- */

static void start_polkitd(Fixture *f)
{
        const char *const argv[] = { POLKITD, NULL };
        g_autoptr(GError) error = NULL;

        /* Once in a few dozen starts under load, polkitd 122 stops after
         * loading its rules and never asks for its name (seen in CI, not
         * reproduced by hand). That is polkitd's startup, not what this
         * test is about: give it one more chance, and fail if that hangs
         * too. */
        f->polkitd = nv_test_daemon_start_argv(f->env.bus, argv, POLKIT_BUS_NAME, &error);
        if (!f->polkitd) {
                g_test_message("polkitd did not start (%s); trying once more", error->message);
                g_clear_error(&error);
                f->polkitd = nv_test_daemon_start_argv(f->env.bus, argv, POLKIT_BUS_NAME, &error);
        }
        g_assert_no_error(error);
}

static void fixture_setup(Fixture *f, gconstpointer data)
{
        const Case *c = data;
        const char *const policies[] = { POLKIT_BUS_POLICY, NULL };
        const NvTestEnvOptions options = {
                .bus_policies = policies,
                .daemon_program = nv_test_getenv("NV_DAEMON_SIM"),
        };
        g_autofree char *actions = NULL;
        g_autoptr(GError) error = NULL;

        f->actions_slot = -1;
        f->rules_slot = -1;
        nv_test_env_setup_full(&f->env, NV_TEST_PRESET_INTEL_LOADED, &options);
        nv_test_host_write_modprobe(f->env.host, "/etc/modprobe.d", "kvm.conf",
                                    "# by hand\noptions kvm_intel nested=0 ept=1\n");

        /* polkitd reads actions and rules when it starts. */
        if (!actions_preinstalled) {
                g_file_get_contents(nv_test_getenv("NV_POLKIT_POLICY"), &actions, NULL, &error);
                g_assert_no_error(error);
                install_file(ACTIONS_FILE, actions, &f->actions_slot);
        }
        write_rule(f, c->rule);
        start_polkitd(f);
        nv_test_env_start_daemon(&f->env);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
        g_autoptr(GError) error = NULL;

        if (f->env.daemon && !nv_test_daemon_stop(f->env.daemon, &error))
                g_test_fail_printf("%s", error->message);
        if (f->env.daemon && g_test_failed())
                nv_test_daemon_print_log(f->env.daemon);
        g_clear_pointer(&f->env.daemon, nv_test_daemon_free);
        if (f->polkitd && g_test_failed())
                nv_test_daemon_print_log(f->polkitd);
        /* polkitd has no state worth a clean exit; it may ignore SIGTERM
         * while it runs as another user, not SIGKILL. */
        g_clear_pointer(&f->polkitd, nv_test_daemon_free);
        remove_file(RULES_FILE, &f->rules_slot);
        remove_file(ACTIONS_FILE, &f->actions_slot);
        nv_test_env_teardown(&f->env);
}

/* ---- Calls and their effects -------------------------------------------- */

/* What a call may change: kvm.conf and the kernel, as the simulator logs. */
static char *snapshot(Fixture *f)
{
        g_autoptr(GBytes) conf = nv_test_host_read(f->env.host, "/etc/modprobe.d/kvm.conf");
        g_autoptr(GBytes) log = nv_test_host_read(f->env.host, "/sim/log");
        g_autoptr(GBytes) nested = nv_test_host_read(f->env.host, "/sys/module/kvm_intel/parameters/nested");

        return g_strdup_printf("kvm.conf:\n%s\nsim/log:\n%s\nnested: %s",
                               conf ? (const char *)g_bytes_get_data(conf, NULL) : "(none)",
                               log ? (const char *)g_bytes_get_data(log, NULL) : "(none)",
                               nested ? (const char *)g_bytes_get_data(nested, NULL) : "(none)");
}

/* The change @method makes when allowed, as the tree shows it. */
static void assert_done(Fixture *f, const Method *method)
{
        g_autoptr(GBytes) conf = nv_test_host_read(f->env.host, "/etc/modprobe.d/kvm.conf");
        g_autoptr(GBytes) log = nv_test_host_read(f->env.host, "/sim/log");

        if (g_str_equal(method->method, "EnablePersistent")) {
                g_assert_cmpstr(g_bytes_get_data(conf, NULL), ==,
                                "# by hand\noptions kvm_intel nested=1 ept=1\n");
                g_assert_null(log);
        } else {
                g_assert_nonnull(log);
                g_assert_cmpstr(g_bytes_get_data(log, NULL), ==,
                                "unload kvm_intel\nload kvm_intel nested=1\n");
        }
}

/* @method as root, from the test's own connection. */
static void call_as_root(Fixture *f, const Method *method)
{
        g_autoptr(GVariant) args = g_variant_parse(NULL, method->args, NULL, NULL, NULL);
        g_autoptr(GVariant) reply = NULL;
        g_autoptr(GError) error = NULL;

        reply = nv_test_env_call(&f->env, NV_INTERFACE, method->method, args, NULL, &error);
        g_assert_no_error(error);
}

/*
 * @method as TEST_USER, through nv-test-call, with or without the
 * interactive flag; returns what it printed: the reply, or the D-Bus error
 * name.
 */
static char *call_as_user(Fixture *f, const Method *method, gboolean interactive)
{
        g_autofree char *bus_env =
                g_strconcat("DBUS_SYSTEM_BUS_ADDRESS=", nv_test_bus_get_address(f->env.bus), NULL);
        const char *const env[] = { bus_env, NULL };
        const char *const argv_plain[] = { nv_test_getenv("NV_TEST_CALL"), method->method, method->args,
                                           NULL };
        const char *const argv_interactive[] = { nv_test_getenv("NV_TEST_CALL"), "--interactive",
                                                 method->method, method->args, NULL };
        g_auto(NvTestRunResult) result = { 0 };

        nv_test_run_as(interactive ? argv_interactive : argv_plain, env, test_uid, &result);
        g_test_message("%s as %s%s: exit %d, %s%s", method->method, TEST_USER,
                       interactive ? " (interactive)" : "", result.exit_status, result.stdout_text,
                       result.stderr_text);
        g_assert_true(result.exited);
        /* 2: the call could not even be made. */
        g_assert_cmpint(result.exit_status, <=, 1);
        return g_strdup(g_strstrip(result.stdout_text));
}

/* TEST_USER's call fails with @error_name and changes nothing. */
static void assert_user_refused(Fixture *f, const Method *method, gboolean interactive,
                                const char *error_name)
{
        g_autofree char *before = snapshot(f);
        g_autofree char *after = NULL;
        g_autofree char *outcome = call_as_user(f, method, interactive);

        g_assert_cmpstr(outcome, ==, error_name);
        after = snapshot(f);
        g_assert_cmpstr(after, ==, before);
}

/* ---- Tests ----------------------------------------------------------- */

static void test_root_allowed(Fixture *f, gconstpointer data)
{
        const Case *c = data;

        call_as_root(f, c->method);
        assert_done(f, c->method);
}

/* The defaults ask an administrator's password; with no agent for the
 * user, polkit can only answer with a challenge. */
static void test_user_default(Fixture *f, gconstpointer data)
{
        const Case *c = data;

        assert_user_refused(f, c->method, FALSE, INTERACTIVE_NEEDED);
        assert_user_refused(f, c->method, TRUE, INTERACTIVE_NEEDED);
}

static void test_user_rule_no(Fixture *f, gconstpointer data)
{
        const Case *c = data;

        assert_user_refused(f, c->method, FALSE, ACCESS_DENIED);
        assert_user_refused(f, c->method, TRUE, ACCESS_DENIED);
}

static void test_user_rule_yes(Fixture *f, gconstpointer data)
{
        const Case *c = data;
        g_autofree char *outcome = call_as_user(f, c->method, FALSE);

        g_assert_true(g_str_has_prefix(outcome, "("));
        assert_done(f, c->method);
}

static void test_user_auth_admin_keep(Fixture *f, gconstpointer data)
{
        const Case *c = data;

        assert_user_refused(f, c->method, FALSE, INTERACTIVE_NEEDED);
}

/* polkitd leaves after the daemon talked to it: root goes on, anyone else
 * is refused. */
static void test_polkitd_stopped(Fixture *f, gconstpointer data)
{
        const Case *c = data;
        g_autoptr(GVariant) status = NULL;

        /* The daemon's polkit client is set up by a first check. */
        assert_user_refused(f, c->method, FALSE, INTERACTIVE_NEEDED);
        g_clear_pointer(&f->polkitd, nv_test_daemon_free);

        assert_user_refused(f, c->method, FALSE, ACCESS_DENIED);
        assert_user_refused(f, c->method, TRUE, ACCESS_DENIED);
        call_as_root(f, c->method);
        assert_done(f, c->method);
        /* And the daemon still serves. */
        status = nv_test_env_get_status(&f->env);
        g_assert_nonnull(status);
}

/* ---- Setup ------------------------------------------------------------ */

/* TEST_USER, created when missing; NULL, or why it cannot be. */
static char *ensure_test_user(void)
{
        struct passwd *pw = getpwnam(TEST_USER);
        g_autofree char *err = NULL;
        g_autoptr(GError) error = NULL;
        int status;

        if (!pw) {
                const char *const argv[] = {
                        "useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                        TEST_USER, NULL,
                };

                if (!g_spawn_sync(NULL, (char **)argv, NULL,
                                  G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err,
                                  &status, &error))
                        return g_strdup_printf("cannot run useradd: %s", error->message);
                if (!g_spawn_check_wait_status(status, &error))
                        return g_strdup_printf("useradd " TEST_USER " failed: %s", err);
                pw = getpwnam(TEST_USER);
                if (!pw)
                        return g_strdup("useradd succeeded, but " TEST_USER " is not there");
        }
        test_uid = pw->pw_uid;
        return NULL;
}

static char *skip_reason(void)
{
        static const char *const env_vars[] = { "NV_DAEMON_SIM", "NV_BUS_POLICY", "NV_POLKIT_POLICY",
                                                "NV_TEST_CALL", NULL };
        g_autofree char *installed = NULL;
        g_autofree char *ours = NULL;
        char *reason = nv_test_skip_reason(env_vars);

        if (reason)
                return reason;
        if (!g_file_test(POLKITD, G_FILE_TEST_IS_EXECUTABLE))
                return g_strdup(POLKITD " is not installed (Debian: polkitd)");
        if (!g_file_test(POLKIT_BUS_POLICY, G_FILE_TEST_EXISTS))
                return g_strdup(POLKIT_BUS_POLICY " is not installed");
        if (!g_file_test(ACTIONS_DIR, G_FILE_TEST_IS_DIR))
                return g_strdup(ACTIONS_DIR " does not exist");
        if (g_file_test(RULES_FILE, G_FILE_TEST_EXISTS))
                return g_strdup(RULES_FILE " exists: left by a test that was killed? Remove it");
        /* An installed copy of the actions is used as it is if it is ours,
         * and never replaced. */
        if (g_file_get_contents(ACTIONS_FILE, &installed, NULL, NULL)) {
                if (!g_file_get_contents(nv_test_getenv("NV_POLKIT_POLICY"), &ours, NULL, NULL) ||
                    !g_str_equal(installed, ours))
                        return g_strdup(ACTIONS_FILE " is installed and differs from the build's");
                actions_preinstalled = TRUE;
        }
        return ensure_test_user();
}

static void add_test(const char *skip, const char *name, Rule rule, void (*test)(Fixture *, gconstpointer))
{
        /* The cases live as long as the program, reachable from here (for
         * LeakSanitizer). */
        static GPtrArray *cases;

        if (!cases)
                cases = g_ptr_array_new();
        for (size_t i = 0; i < G_N_ELEMENTS(methods); i++) {
                g_autofree char *path = g_strdup_printf("/polkitd/%s/%s", methods[i].method, name);
                Case *c = g_new0(Case, 1);

                g_ptr_array_add(cases, c);

                c->method = &methods[i];
                c->rule = rule;
                nv_test_add(skip, path, Fixture, c, fixture_setup, test, fixture_teardown);
        }
}

int main(int argc, char *argv[])
{
        g_autofree char *skip = NULL;

        nv_test_init(&argc, &argv);
        skip = skip_reason();

        add_test(skip, "root-allowed", RULE_NONE, test_root_allowed);
        add_test(skip, "user-default", RULE_NONE, test_user_default);
        add_test(skip, "user-rule-no", RULE_NO, test_user_rule_no);
        add_test(skip, "user-rule-yes", RULE_YES, test_user_rule_yes);
        add_test(skip, "user-auth-admin-keep", RULE_AUTH_ADMIN_KEEP, test_user_auth_admin_keep);
        add_test(skip, "polkitd-stopped", RULE_NONE, test_polkitd_stopped);

        return nv_test_run_tests(skip);
}
