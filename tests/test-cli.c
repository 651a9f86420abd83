/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Runs the real nestedvirtctl against the real nestedvirtd on a private
 * bus. The CLI's wording is its own; these tests hold it to its substance
 * (nestedvirtctl(1)): the verdict comes first and names the vendor module and
 * its nested value, advice is given where the user must act, --json
 * carries exactly what GetStatus says, and exit codes and stderr follow
 * the contract (0 success, 1 failure with one line on stderr, 2 usage).
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/stat.h>

#include "nv-dbus.h"
#include "nv-test-bus.h"
#include "nv-test-host.h"

typedef struct {
        NvTestEnv env;
} Fixture;

static void fixture_setup(Fixture *f, gconstpointer data)
{
        nv_test_env_setup(&f->env, GPOINTER_TO_INT(data));
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
        nv_test_env_teardown(&f->env);
}

/* Runs `$NV_CTL @args...` (NULL-terminated) as user @uid with @address as
 * the system bus, and @extra_env ("NAME=VALUE" or NULL) too. */
static void run_ctl_env(const char *address, guint32 uid, const char *extra_env, NvTestRunResult *ret,
                        const char *const *args)
{
        g_autoptr(GPtrArray) argv = g_ptr_array_new();
        g_autofree char *bus_env = g_strconcat("DBUS_SYSTEM_BUS_ADDRESS=", address, NULL);
        g_autofree char *command = NULL;
        /* A fixed locale, and nothing that could turn a pager or colours on. */
        const char *const env[] = {
                bus_env, "LC_ALL=C.UTF-8", "SYSTEMD_PAGER=cat", "PAGER=cat", "NO_COLOR=1", extra_env, NULL,
        };

        g_ptr_array_add(argv, (gpointer)nv_test_getenv("NV_CTL"));
        for (size_t i = 0; args[i]; i++)
                g_ptr_array_add(argv, (gpointer)args[i]);
        g_ptr_array_add(argv, NULL);
        if (uid == 0)
                nv_test_run((const char *const *)argv->pdata, env, ret);
        else
                nv_test_run_as((const char *const *)argv->pdata, env, uid, ret);
        /* In the TAP log, so that a failure shows what the CLI said. */
        command = g_strjoinv(" ", (char **)args);
        g_test_message("$ nestedvirtctl %s  => exit %d\nstdout:\n%sstderr:\n%s", command, ret->exit_status,
                       ret->stdout_text, ret->stderr_text);
        if (!ret->exited)
                g_error("nestedvirtctl did not exit normally\nstdout:\n%s\nstderr:\n%s", ret->stdout_text,
                        ret->stderr_text);
}

static void run_ctl_full(const char *address, guint32 uid, NvTestRunResult *ret, const char *const *args)
{
        run_ctl_env(address, uid, NULL, ret, args);
}

static void run_ctl_at(const char *address, NvTestRunResult *ret, const char *const *args)
{
        run_ctl_full(address, 0, ret, args);
}

#define run_ctl(f, ret, ...) \
        run_ctl_at(nv_test_bus_get_address((f)->env.bus), (ret), (const char *const[]){ __VA_ARGS__, NULL })

/* Fails with the whole output when @result's exit status is not @status. */
static void assert_exit(const NvTestRunResult *result, int status)
{
        if (result->exit_status != status)
                g_error("nestedvirtctl exited with %d, expected %d\nstdout:\n%s\nstderr:\n%s",
                        result->exit_status, status, result->stdout_text, result->stderr_text);
}

/* nestedvirtctl(1): a failure is one line on stderr saying what and what to
 * do. */
static void assert_one_line(const char *text)
{
        const char *newline = strchr(text, '\n');

        if (!newline || newline == text || newline[1] != '\0')
                g_error("expected exactly one non-empty line on stderr, got:\n%s", text);
}

static gboolean contains_word_ci(const char *text, const char *word)
{
        g_autofree char *pattern = g_strdup_printf("(?i)\\b%s\\b", word);

        return g_regex_match_simple(pattern, text, 0, 0);
}

static char *first_line(const char *text)
{
        return g_strndup(text, strcspn(text, "\n"));
}

static guint count_lines(const char *text)
{
        guint n = 0;

        for (const char *p = text; *p; p++)
                n += *p == '\n';
        return n;
}

/* ---- status ---------------------------------------------------------- */

/*
 * The verdict comes first and says whether nested virtualization runs now;
 * the output names the vendor module (as kvm_intel or kvm-intel) and the
 * raw value of its nested parameter.
 */
static void assert_status_text(const char *text, const char *module, const char *nested, gboolean enabled)
{
        g_autofree char *verdict = first_line(text);
        g_autofree char *dashed = g_strdelimit(g_strdup(module), "_", '-');
        g_autofree char *nested_pattern = g_strdup_printf("(?i)nested\\W{1,3}%s\\b", nested);

        if (verdict[0] == '\0' || g_ascii_isspace(verdict[0]))
                g_error("the first line is not a verdict:\n%s", text);
        if (enabled && !contains_word_ci(verdict, "enabled"))
                g_error("the verdict does not say enabled:\n%s", text);
        /* "disabled" comes first when it runs disabled, whatever the
         * verdict goes on to say about the persistent setting. */
        if (!enabled && !contains_word_ci(verdict, "disabled"))
                g_error("the verdict does not say disabled:\n%s", text);
        if (!strstr(text, module) && !strstr(text, dashed))
                g_error("the status does not name %s:\n%s", module, text);
        if (!g_regex_match_simple(nested_pattern, text, 0, 0))
                g_error("the status does not show nested=%s:\n%s", nested, text);
}

static void test_status_text_intel(Fixture *f, gconstpointer data)
{
        g_auto(NvTestRunResult) result = { 0 };

        nv_test_env_start_daemon(&f->env);
        run_ctl(f, &result, "status");
        assert_exit(&result, 0);
        g_assert_cmpstr(result.stderr_text, ==, "");
        assert_status_text(result.stdout_text, "kvm_intel", "N", FALSE);
}

static void test_status_text_amd(Fixture *f, gconstpointer data)
{
        g_auto(NvTestRunResult) result = { 0 };

        nv_test_env_start_daemon(&f->env);
        run_ctl(f, &result, "status");
        assert_exit(&result, 0);
        g_assert_cmpstr(result.stderr_text, ==, "");
        assert_status_text(result.stdout_text, "kvm_amd", "1", TRUE);
}

/* `nestedvirtctl` alone means `nestedvirtctl status`. */
static void test_status_default_verb(Fixture *f, gconstpointer data)
{
        g_auto(NvTestRunResult) status = { 0 };
        g_auto(NvTestRunResult) bare = { 0 };

        nv_test_env_start_daemon(&f->env);
        run_ctl(f, &status, "status");
        run_ctl_at(nv_test_bus_get_address(f->env.bus), &bare, (const char *const[]){ NULL });
        assert_exit(&bare, 0);
        g_assert_cmpstr(bare.stdout_text, ==, status.stdout_text);
}

/* An L1 guest without vmx: the user must act in the L0 host; the output
 * must say so, naming the missing flag. */
static void test_status_advice_l1_guest(Fixture *f, gconstpointer data)
{
        g_auto(NvTestRunResult) result = { 0 };

        nv_test_env_start_daemon(&f->env);
        run_ctl(f, &result, "status");
        assert_exit(&result, 0);
        g_assert_cmpuint(count_lines(result.stdout_text), >=, 2);
        if (!contains_word_ci(result.stdout_text, "vmx"))
                g_error("no advice about the missing vmx flag:\n%s", result.stdout_text);
}

/* A built-in module: modprobe.d cannot help, only the kernel command line. */
static void test_status_advice_builtin(Fixture *f, gconstpointer data)
{
        g_auto(NvTestRunResult) result = { 0 };

        nv_test_env_start_daemon(&f->env);
        run_ctl(f, &result, "status");
        assert_exit(&result, 0);
        g_assert_cmpuint(count_lines(result.stdout_text), >=, 2);
        assert_status_text(result.stdout_text, "kvm_intel", "N", FALSE);
        if (!strstr(result.stdout_text, "kvm_intel.nested=1") &&
            !strstr(result.stdout_text, "kvm-intel.nested=1"))
                g_error("no advice to set kvm_intel.nested=1 on the kernel command line:\n%s",
                        result.stdout_text);
}

/*
 * What status says on every kind of host: the verdict (first line), the
 * details and the hint must say @says (each a part of the output, in
 * order of appearance not required), and never @never: advice that cannot
 * help on that host.
 */
typedef struct {
        const char *path;
        NvTestPreset preset;
        const char *verdict; /* a part of the first line */
        const char *says[4];
        const char *never[4];
} HostClassCase;

static const HostClassCase host_class_cases[] = {
        { "/cli/status/class/nested-off",
          NV_TEST_PRESET_INTEL_LOADED,
          "disabled (kvm_intel nested=N)",
          { "Hint: ", "nestedvirtctl" },
          { "Container" } },
        { "/cli/status/class/nested-on",
          NV_TEST_PRESET_AMD_LOADED,
          "enabled (kvm_amd nested=1)",
          { "/dev/kvm: provided by kvm_amd, only root may open it (mode 0600, root:root)" },
          { "Hint:" } },
        { "/cli/status/class/not-loaded",
          NV_TEST_PRESET_VENDOR_MODULE_NOT_LOADED,
          "not available (kvm_intel not loaded)",
          { "kvm_intel (not loaded, loadable)", "Hint: " },
          { NULL } },
        { "/cli/status/class/module-absent",
          NV_TEST_PRESET_MODULE_ABSENT,
          "not available (kvm_amd is not in the running kernel)",
          { "kvm_amd (not in the running kernel)", "Hint: kvm_amd is not in the running kernel: install" },
          { "nestedvirtctl enable", "nestedvirtctl reload", "modprobe kvm", "persistent: enabled" } },
        { "/cli/status/class/builtin",
          NV_TEST_PRESET_KVM_BUILTIN,
          "disabled (kvm_intel built in, nested=N)",
          { "kvm_intel (built into the kernel)", "kvm_intel.nested=1 on the kernel command line" },
          { "nestedvirtctl enable", "nestedvirtctl reload", "modprobe kvm" } },
        { "/cli/status/class/no-module-loading",
          NV_TEST_PRESET_NO_MODULE_LOADING,
          "not available (kvm_amd is not built in, and the kernel cannot load modules)",
          { "Hint: this kernel cannot load modules and has no kvm_amd: boot a kernel" },
          { "nestedvirtctl enable", "nestedvirtctl reload", "modprobe kvm", "persistent:" } },
        { "/cli/status/class/l1-guest",
          NV_TEST_PRESET_L1_GUEST,
          "not available (the CPU does not advertise vmx)",
          { "Virtual machine: yes, under qemu", "Hint: this machine is a virtual machine under qemu",
            "pass vmx to this guest" },
          { "nestedvirtctl enable", "nestedvirtctl reload", "firmware" } },
        { "/cli/status/class/l1-guest-nested",
          NV_TEST_PRESET_L1_GUEST_NESTED,
          "enabled (kvm_intel nested=Y)",
          { "Virtual machine: yes, under qemu", "root and the members of group kvm may open it" },
          { "Hint:" } },
        { "/cli/status/class/pvm",
          NV_TEST_PRESET_PVM,
          "hardware nesting not available",
          { "/dev/kvm: provided by kvm_pvm, only root may open it", "guests whose kernel is built for PVM",
            "not stock kernels", "must pass svm to it" },
          { "nestedvirtctl enable", "nestedvirtctl reload", "modprobe", "persistent:" } },
        { "/cli/status/class/container",
          NV_TEST_PRESET_CONTAINER,
          "enabled (kvm_intel nested=Y)",
          { "Container: docker (modprobe.d and module reloads here do not reach the host's kernel)",
            "Hint: this runs in a container (docker)", "run nestedvirtctl on that host" },
          { "nestedvirtctl enable", "nestedvirtctl reload", "modprobe kvm" } },
        { "/cli/status/class/pvm-container",
          NV_TEST_PRESET_PVM_CONTAINER,
          "hardware nesting not available",
          { "provided by kvm_pvm, only root may open it", "Container: docker", "built for PVM" },
          { "nestedvirtctl enable", "nestedvirtctl reload", "modprobe kvm", "persistent:" } },
        { "/cli/status/class/unknown-vendor",
          NV_TEST_PRESET_UNKNOWN_VENDOR,
          "not supported (x86_64, unknown CPU)",
          { "Hint: nested KVM needs an x86 Intel or AMD CPU" },
          { "nestedvirtctl enable", "modprobe" } },
        { "/cli/status/class/non-x86",
          NV_TEST_PRESET_NON_X86,
          "not supported (aarch64",
          { "Hint: nested KVM needs an x86 Intel or AMD CPU" },
          { "nestedvirtctl enable", "modprobe" } },
};

static void host_class_setup(Fixture *f, gconstpointer data)
{
        const HostClassCase *c = data;

        nv_test_env_setup(&f->env, c->preset);
}

static void test_status_host_class(Fixture *f, gconstpointer data)
{
        const HostClassCase *c = data;
        g_auto(NvTestRunResult) result = { 0 };
        g_autofree char *verdict = NULL;

        nv_test_env_start_daemon(&f->env);
        run_ctl(f, &result, "status");
        assert_exit(&result, 0);
        g_assert_cmpstr(result.stderr_text, ==, "");
        verdict = first_line(result.stdout_text);
        if (!strstr(verdict, c->verdict))
                g_error("the verdict does not say \"%s\":\n%s", c->verdict, result.stdout_text);
        for (gsize i = 0; i < G_N_ELEMENTS(c->says) && c->says[i]; i++)
                if (!strstr(result.stdout_text, c->says[i]))
                        g_error("status does not say \"%s\":\n%s", c->says[i], result.stdout_text);
        for (gsize i = 0; i < G_N_ELEMENTS(c->never) && c->never[i]; i++)
                if (strstr(result.stdout_text, c->never[i]))
                        g_error("status says \"%s\", which cannot help here:\n%s", c->never[i],
                                result.stdout_text);
}

/* The point of a system service: users without privileges see the status
 * too. The bus policy of the project must let them call, and the CLI must
 * not need anything only root has. */
static void test_status_unprivileged(Fixture *f, gconstpointer data)
{
        g_auto(NvTestRunResult) as_root = { 0 };
        g_auto(NvTestRunResult) as_nobody = { 0 };
        g_auto(NvTestRunResult) json_as_nobody = { 0 };

        nv_test_env_start_daemon(&f->env);
        run_ctl(f, &as_root, "status");
        run_ctl_full(nv_test_bus_get_address(f->env.bus), NV_TEST_UID_NOBODY, &as_nobody,
                     (const char *const[]){ "status", NULL });
        assert_exit(&as_nobody, 0);
        g_assert_cmpstr(as_nobody.stdout_text, ==, as_root.stdout_text);
        run_ctl_full(nv_test_bus_get_address(f->env.bus), NV_TEST_UID_NOBODY, &json_as_nobody,
                     (const char *const[]){ "status", "--json", NULL });
        assert_exit(&json_as_nobody, 0);
}

/* ---- status --json --------------------------------------------------- */

/* Fails unless JSON @node says what D-Bus value @value says: strings and
 * booleans as such, ModuleUsers as a list of (pid, command), each either
 * {"pid": N, "command": S} or [N, S]. */
static void assert_json_matches(const char *key, JsonNode *node, GVariant *value)
{
        g_autofree char *want = g_variant_print(value, TRUE);
        g_autoptr(JsonGenerator) generator = json_generator_new();
        g_autofree char *got = NULL;

        json_generator_set_root(generator, node);
        got = json_generator_to_data(generator, NULL);

        if (g_variant_is_of_type(value, G_VARIANT_TYPE_STRING)) {
                if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING ||
                    !g_str_equal(json_node_get_string(node), g_variant_get_string(value, NULL)))
                        g_error("--json %s is %s, GetStatus says %s", key, got, want);
        } else if (g_variant_is_of_type(value, G_VARIANT_TYPE_BOOLEAN)) {
                if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_BOOLEAN ||
                    json_node_get_boolean(node) != g_variant_get_boolean(value))
                        g_error("--json %s is %s, GetStatus says %s", key, got, want);
        } else if (g_variant_is_of_type(value, G_VARIANT_TYPE("a(us)"))) {
                JsonArray *array = JSON_NODE_HOLDS_ARRAY(node) ? json_node_get_array(node) : NULL;

                if (!array || json_array_get_length(array) != g_variant_n_children(value))
                        g_error("--json %s is %s, GetStatus says %s", key, got, want);
                for (guint i = 0; i < json_array_get_length(array); i++) {
                        JsonNode *user = json_array_get_element(array, i);
                        JsonNode *pid = NULL, *command = NULL;
                        guint32 want_pid;
                        const char *want_command;

                        g_variant_get_child(value, i, "(u&s)", &want_pid, &want_command);
                        if (JSON_NODE_HOLDS_OBJECT(user)) {
                                pid = json_object_get_member(json_node_get_object(user), "pid");
                                command = json_object_get_member(json_node_get_object(user), "command");
                        } else if (JSON_NODE_HOLDS_ARRAY(user) &&
                                   json_array_get_length(json_node_get_array(user)) == 2) {
                                pid = json_array_get_element(json_node_get_array(user), 0);
                                command = json_array_get_element(json_node_get_array(user), 1);
                        }
                        if (!pid || !command || !JSON_NODE_HOLDS_VALUE(pid) ||
                            !JSON_NODE_HOLDS_VALUE(command) ||
                            json_node_get_value_type(pid) != G_TYPE_INT64 ||
                            json_node_get_value_type(command) != G_TYPE_STRING ||
                            json_node_get_int(pid) != want_pid ||
                            !g_str_equal(json_node_get_string(command), want_command))
                                g_error("--json %s is %s, GetStatus says %s", key, got, want);
                }
        } else {
                g_error("GetStatus key %s has unexpected type %s", key, g_variant_get_type_string(value));
        }
}

static void test_status_json(Fixture *f, gconstpointer data)
{
        static const char *const qemu_fds[] = { "/dev/kvm", "anon_inode:kvm-vm", NULL };
        g_auto(NvTestRunResult) result = { 0 };
        g_autoptr(JsonParser) parser = json_parser_new();
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) status = NULL;
        JsonObject *object;
        GVariantIter iter;
        const char *key;
        GVariant *value;

        /* Users, so that ModuleUsers is not a trivially empty list. */
        nv_test_host_add_process(f->env.host, 4242, "qemu-system-x86", qemu_fds);
        nv_test_host_add_process(f->env.host, 977, "firecracker", qemu_fds + 1);
        nv_test_host_write(f->env.host, "/sys/module/kvm_intel/refcnt", "2\n");
        nv_test_env_start_daemon(&f->env);

        run_ctl(f, &result, "status", "--json");
        assert_exit(&result, 0);
        g_assert_cmpstr(result.stderr_text, ==, "");
        if (!json_parser_load_from_data(parser, result.stdout_text, -1, &error))
                g_error("status --json is not JSON (%s):\n%s", error->message, result.stdout_text);
        g_assert_true(JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)));
        object = json_node_get_object(json_parser_get_root(parser));

        status = nv_test_env_get_status(&f->env);
        g_assert_cmpuint(g_variant_n_children(status), ==, json_object_get_size(object));
        g_variant_iter_init(&iter, status);
        while (g_variant_iter_loop(&iter, "{&sv}", &key, &value)) {
                JsonNode *node = json_object_get_member(object, key);

                if (!node)
                        g_error("status --json has no %s:\n%s", key, result.stdout_text);
                assert_json_matches(key, node, value);
        }
        /* Same size, and every key found: the same set of keys. */
}

/* ---- Options and usage ----------------------------------------------- */

/* --version and --help need no daemon: they work with no bus at all. */
static void test_version(Fixture *f, gconstpointer data)
{
        g_auto(NvTestRunResult) result = { 0 };

        run_ctl_at("unix:path=/nonexistent/bus", &result, (const char *const[]){ "--version", NULL });
        assert_exit(&result, 0);
        g_assert_nonnull(strstr(result.stdout_text, nv_test_getenv("NV_VERSION")));
        g_assert_cmpstr(result.stderr_text, ==, "");
}

static void test_help(Fixture *f, gconstpointer data)
{
        g_auto(NvTestRunResult) result = { 0 };

        run_ctl_at("unix:path=/nonexistent/bus", &result, (const char *const[]){ "--help", NULL });
        assert_exit(&result, 0);
        g_assert_cmpstr(result.stderr_text, ==, "");
        g_assert_true(contains_word_ci(result.stdout_text, "status"));
        g_assert_nonnull(strstr(result.stdout_text, "--json"));
}

static void test_usage_errors(Fixture *f, gconstpointer data)
{
        const char *const *const cases[] = {
                (const char *const[]){ "--frobnicate", NULL },
                (const char *const[]){ "-Z", "status", NULL },
                (const char *const[]){ "frobnicate", NULL },
                (const char *const[]){ "status", "extra-argument", NULL },
                (const char *const[]){ "--json=yes", "status", NULL },
        };

        nv_test_env_start_daemon(&f->env);
        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_auto(NvTestRunResult) result = { 0 };
                g_autofree char *command = g_strjoinv(" ", (char **)cases[i]);

                run_ctl_at(nv_test_bus_get_address(f->env.bus), &result, cases[i]);
                if (result.exit_status != 2)
                        g_error("`nestedvirtctl %s` exited with %d, expected 2 (bad usage)\nstderr:\n%s",
                                command, result.exit_status, result.stderr_text);
                if (result.stderr_text[0] == '\0')
                        g_error("`nestedvirtctl %s` said nothing on stderr", command);
                g_assert_cmpstr(result.stdout_text, ==, "");
        }
}

/* ---- Failures -------------------------------------------------------- */

/* The bus runs, the service does not (and cannot be activated). */
static void test_no_daemon(Fixture *f, gconstpointer data)
{
        const char *const *const cases[] = {
                (const char *const[]){ "status", NULL },
                (const char *const[]){ "status", "--json", NULL },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_auto(NvTestRunResult) result = { 0 };

                run_ctl_at(nv_test_bus_get_address(f->env.bus), &result, cases[i]);
                assert_exit(&result, 1);
                assert_one_line(result.stderr_text);
                /* No half-written status, and no JSON a script would parse. */
                g_assert_cmpstr(result.stdout_text, ==, "");
        }
}

static void test_no_bus(Fixture *f, gconstpointer data)
{
        const char *const *const cases[] = {
                (const char *const[]){ "status", NULL },
                (const char *const[]){ "status", "--json", NULL },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_auto(NvTestRunResult) result = { 0 };

                run_ctl_at("unix:path=/nonexistent/system_bus_socket", &result, cases[i]);
                assert_exit(&result, 1);
                assert_one_line(result.stderr_text);
                g_assert_cmpstr(result.stdout_text, ==, "");
        }
}

/* ---- What others chose, on the admin's terminal ---------------------- */

/* Not a byte of a terminal escape, nor a bidi override, in @text. */
static void assert_no_raw_controls(const char *text)
{
        for (const char *p = text; *p; p = g_utf8_next_char(p)) {
                gunichar ch = g_utf8_get_char(p);

                if (ch != '\n' && (g_unichar_iscntrl(ch) || g_unichar_type(ch) == G_UNICODE_FORMAT))
                        g_error("U+%04X reached the terminal raw in:\n%s", ch, text);
        }
}

/*
 * Arguments echoed back (issue 26): a failure is one line on stderr,
 * escaped, whatever the argument holds (ESC, a line break, CSI as U+009B,
 * U+202E). The service is not running here: configure-domain fails, and
 * names the domain it was given.
 */
static void test_arguments_escaped(Fixture *f, gconstpointer data)
{
        static const char domain[] = "vm\x1b[2J\nFAKE: all good\xc2\x9b\xe2\x80\xae";
        const char *const *const cases[] = {
                (const char *const[]){ "configure-domain", domain, "host-model", NULL },
                (const char *const[]){ "configure-domain", "vm", "\x1b]0;title\x07", NULL },
                (const char *const[]){ "\x1b[8mstatus", NULL },
                (const char *const[]){ "--nested=\x1b[8m", "reload", NULL },
                (const char *const[]){ "--\x1b[8m", "status", NULL },
                (const char *const[]){ "-\x1b", "status", NULL },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_auto(NvTestRunResult) result = { 0 };

                run_ctl_at(nv_test_bus_get_address(f->env.bus), &result, cases[i]);
                g_assert_cmpint(result.exit_status, !=, 0);
                assert_one_line(result.stderr_text);
                assert_no_raw_controls(result.stderr_text);
                g_assert_cmpstr(result.stdout_text, ==, "");
        }
        {
                g_auto(NvTestRunResult) result = { 0 };

                run_ctl(f, &result, "configure-domain", domain, "host-model");
                g_assert_nonnull(strstr(result.stderr_text, "vm\\x1b[2J\\x0aFAKE: all good\\x9b\\u202e"));
        }
}

/* The holders could not be found out (the scan helper's socket is not
 * one): status says "unknown", never "none", while the module is in use. */
static void test_status_holders_unknown(Fixture *f, gconstpointer data)
{
        static const char *const qemu_fds[] = { "/dev/kvm", "anon_inode:kvm-vm", NULL };
        g_auto(NvTestRunResult) result = { 0 };
        g_autofree char *not_a_socket = nv_test_host_path(f->env.host, "/run/not-a-socket");
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = NULL;

        nv_test_host_write(f->env.host, "/sys/module/kvm_intel/refcnt", "1\n");
        nv_test_host_add_kvm_device(f->env.host);
        nv_test_host_add_process(f->env.host, 7001, "qemu-system-x86", qemu_fds);
        nv_test_host_write(f->env.host, "/run/not-a-socket", "");
        g_setenv("NESTEDVIRTD_KVM_USERS_SOCKET", not_a_socket, TRUE);
        nv_test_env_start_daemon(&f->env);
        g_unsetenv("NESTEDVIRTD_KVM_USERS_SOCKET");

        /* The method says it does not know... */
        reply = nv_test_env_call(&f->env, NV_INTERFACE, "ListModuleUsers", NULL,
                                 G_VARIANT_TYPE("(a(uuss)u)"), &error);
        g_assert_null(reply);
        g_assert_nonnull(error);
        /* ...and so does the CLI. */
        run_ctl(f, &result, "status");
        assert_exit(&result, 0);
        if (!g_regex_match_simple("Module users: unknown\\n", result.stdout_text, 0, 0))
                g_error("status does not say the holders are unknown:\n%s", result.stdout_text);
        g_assert_null(strstr(result.stdout_text, "none"));
}

/* A fake ssh first on PATH: it writes its arguments, one per line, to
 * $NV_TEST_SSH_ARGS and fails as ssh does when the host is unknown. */
static char *fake_ssh_dir(Fixture *f)
{
        static const char script[] =
                "#!/bin/sh\n"
                "printf '%s\\n' \"$@\" > \"$NV_TEST_SSH_ARGS\"\n"
                "echo 'ssh: Could not resolve hostname: Name or service not known' >&2\n"
                "exit 255\n";
        g_autofree char *path = nv_test_host_path(f->env.host, "/fake-ssh/ssh");

        nv_test_host_write(f->env.host, "/fake-ssh/ssh", script);
        g_assert_no_errno(chmod(path, 0755));
        return nv_test_host_path(f->env.host, "/fake-ssh");
}

/*
 * -H (issue 26): a host that starts with '-' is refused before ssh runs;
 * HOST:PORT/MACHINE reaches ssh as sd-bus makes it ("--" before the host,
 * the container for systemd-stdio-bridge), and the hint shows that ssh
 * line with "--", never a line that would pass ssh an option.
 */
static void test_host_argument(Fixture *f, gconstpointer data)
{
        g_autofree char *dir = fake_ssh_dir(f);
        g_autofree char *args_path = nv_test_host_path(f->env.host, "/fake-ssh/args");
        g_autofree char *marker = nv_test_host_path(f->env.host, "/proxy-command-ran");
        g_autofree char *proxy = g_strdup_printf("-oProxyCommand=touch %s", marker);
        g_autofree char *path_env = g_strdup_printf("PATH=%s:%s", dir, g_getenv("PATH"));
        g_autofree char *args = NULL;
        g_auto(NvTestRunResult) refused = { 0 };
        g_auto(NvTestRunResult) remote = { 0 };

        g_setenv("NV_TEST_SSH_ARGS", args_path, TRUE);
        run_ctl_env(nv_test_bus_get_address(f->env.bus), 0, path_env, &refused,
                    (const char *const[]){ "-H", proxy, "status", NULL });
        assert_exit(&refused, 2);
        assert_one_line(refused.stderr_text);
        g_assert_nonnull(strstr(refused.stderr_text, "does not start with '-'"));
        g_assert_false(g_file_test(args_path, G_FILE_TEST_EXISTS));
        g_assert_false(g_file_test(marker, G_FILE_TEST_EXISTS));

        run_ctl_env(nv_test_bus_get_address(f->env.bus), 0, path_env, &remote,
                    (const char *const[]){ "-H", "admin@server:2222/box", "status", NULL });
        g_unsetenv("NV_TEST_SSH_ARGS");
        assert_exit(&remote, 1);
        assert_one_line(remote.stderr_text);
        g_assert_nonnull(strstr(remote.stderr_text, "Could not resolve hostname"));
        g_assert_nonnull(strstr(remote.stderr_text, "'ssh -p 2222 -- admin@server'"));
        g_assert_nonnull(strstr(remote.stderr_text, "container named 'box'"));
        g_assert_true(g_file_get_contents(args_path, &args, NULL, NULL));
        g_assert_cmpstr(args, ==, "-xT\n-p\n2222\n--\nadmin@server\nsystemd-stdio-bridge\n--machine=box\n");
}

/* ---- Registration ---------------------------------------------------- */

static void add_test(const char *skip_reason, const char *path, NvTestPreset preset,
                     void (*test)(Fixture *, gconstpointer))
{
        nv_test_add(skip_reason, path, Fixture, GINT_TO_POINTER(preset), fixture_setup, test,
                    fixture_teardown);
}

int main(int argc, char **argv)
{
        static const char *const env_vars[] = { "NV_DAEMON", "NV_CTL", "NV_BUS_POLICY", NULL };
        g_autofree char *skip = NULL;

        nv_test_init(&argc, &argv);
        skip = nv_test_skip_reason(env_vars);

        add_test(skip, "/cli/status/text-intel", NV_TEST_PRESET_INTEL_LOADED, test_status_text_intel);
        add_test(skip, "/cli/status/text-amd", NV_TEST_PRESET_AMD_LOADED, test_status_text_amd);
        add_test(skip, "/cli/status/default-verb", NV_TEST_PRESET_INTEL_LOADED, test_status_default_verb);
        add_test(skip, "/cli/status/advice-l1-guest", NV_TEST_PRESET_L1_GUEST, test_status_advice_l1_guest);
        add_test(skip, "/cli/status/advice-builtin", NV_TEST_PRESET_KVM_BUILTIN, test_status_advice_builtin);
        add_test(skip, "/cli/status/unprivileged", NV_TEST_PRESET_AMD_LOADED, test_status_unprivileged);
        add_test(skip, "/cli/status/json", NV_TEST_PRESET_INTEL_LOADED, test_status_json);
        for (gsize i = 0; i < G_N_ELEMENTS(host_class_cases); i++)
                nv_test_add(skip, host_class_cases[i].path, Fixture, &host_class_cases[i], host_class_setup,
                            test_status_host_class, fixture_teardown);
        add_test(skip, "/cli/version", NV_TEST_PRESET_INTEL_LOADED, test_version);
        add_test(skip, "/cli/help", NV_TEST_PRESET_INTEL_LOADED, test_help);
        add_test(skip, "/cli/usage-errors", NV_TEST_PRESET_INTEL_LOADED, test_usage_errors);
        add_test(skip, "/cli/failure/no-daemon", NV_TEST_PRESET_INTEL_LOADED, test_no_daemon);
        add_test(skip, "/cli/failure/no-bus", NV_TEST_PRESET_INTEL_LOADED, test_no_bus);
        add_test(skip, "/cli/escape/arguments", NV_TEST_PRESET_INTEL_LOADED, test_arguments_escaped);
        add_test(skip, "/cli/status/holders-unknown", NV_TEST_PRESET_INTEL_LOADED,
                 test_status_holders_unknown);
        add_test(skip, "/cli/host/argument", NV_TEST_PRESET_INTEL_LOADED, test_host_argument);

        return nv_test_run_tests(skip);
}
