/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ConfigureDomain and ListDomains over the bus (issue 4): the real
 * nestedvirtd on a private system-like bus, started with
 * --libvirt-uri=test:///PATH of a node file written here (libvirt's
 * built-in test driver, which needs no daemon), with test:///default, or
 * with a URI that cannot be reached; and the real nestedvirtctl on top.
 *
 * The test driver keeps changes only inside the connection that made
 * them, which is the daemon's own: every change is read back through the
 * daemon with ListDomains, never through a second connection.
 *
 * Authorization is seen three ways: root with polkit absent (allowed, as
 * the bouncer lets root do what root could do by hand), user nobody with
 * polkit absent (denied), and a mock polkit served by this program (the
 * answer the test chooses, and exactly what the daemon asked).
 */
#include "config.h"

#include <dlfcn.h>
#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "nv-dbus.h"
#include "nv-test-bus.h"
#include "nv-test-host.h"

#define ACTION_CONFIGURE_DOMAIN "org.example.NestedVirt.configure-domain"
#define ERROR_INVALID_ARGS      "org.freedesktop.DBus.Error.InvalidArgs"
#define ERROR_ACCESS_DENIED     "org.freedesktop.DBus.Error.AccessDenied"
#define ERROR_INTERACTIVE       "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired"

#define UUID_CUSTOM_OFF "5a1d7e6c-0000-4000-8000-000000000001"
#define UUID_NO_CPU     "5a1d7e6c-0000-4000-8000-000000000002"
#define UUID_PAUSED     "5a1d7e6c-0000-4000-8000-000000000003"
#define UUID_RUNNING    "5a1d7e6c-0000-4000-8000-000000000004"
#define UUID_TOPOLOGY   "5a1d7e6c-0000-4000-8000-000000000005"
#define UUID_WEB_SERVER "5a1d7e6c-0000-4000-8000-0000000000aa"
#define UUID_UNKNOWN    "5a1d7e6c-0000-4000-8000-0000000000ff"
/* The one domain of test:///default, running. */
#define UUID_DEFAULT_TEST "6695eb01-f6a4-8304-79aa-97f2502e193f"

#define UNREACHABLE_URI  "qemu+unix:///system?socket=/nonexistent/nv-test-domains/libvirt-sock"
#define MISSING_NODE_URI "test:///nonexistent/nv-test-domains/node.xml"

/* ---- The domains ------------------------------------------------------ */

/* One entry of ListDomains. */
typedef struct {
        const char *name;
        const char *uuid;
        const char *state;
        const char *cpu_mode;
} Domain;

/*
 * The node file, sorted by name as ListDomains must be. @runstate is the
 * virDomainState the test driver starts the domain in (5 shut off, 3
 * paused; NULL: running); @cpu is its <cpu> element. The domain with a
 * space in its name is for the CLI, whose output and arguments must keep
 * it whole. A <cpu> with only <topology> has libvirt's default mode,
 * custom.
 */
typedef struct {
        Domain domain;
        const char *runstate;
        const char *cpu;
} NodeDomain;

static const NodeDomain node_domains[] = {
        { { "custom-off", UUID_CUSTOM_OFF, "shut off", "custom" },
          "5",
          "<cpu mode='custom' match='exact'>"
          "<model fallback='allow'>Skylake-Client</model><vendor>Intel</vendor>"
          "<feature policy='require' name='vmx'/></cpu>" },
        { { "no-cpu", UUID_NO_CPU, "shut off", "" }, "5", "" },
        { { "paused", UUID_PAUSED, "paused", "host-model" }, "3", "<cpu mode='host-model' check='full'/>" },
        { { "running", UUID_RUNNING, "running", "custom" },
          NULL,
          "<cpu mode='custom' match='exact'><model fallback='allow'>Haswell</model></cpu>" },
        { { "topology", UUID_TOPOLOGY, "shut off", "custom" },
          "5",
          "<cpu><topology sockets='1' dies='1' cores='2' threads='1'/></cpu>" },
        { { "web server", UUID_WEB_SERVER, "shut off", "host-passthrough" },
          "5",
          "<cpu mode='host-passthrough'/>" },
};

#define N_NODE_DOMAINS G_N_ELEMENTS(node_domains)

/* How many domains of the node file can host nested guests as written. */
#define N_NESTED_CAPABLE 2

/* One entry of ListDomainsDetailed beyond ListDomains': whether the guest
 * gets vmx/svm, and a part of the reason. */
typedef struct {
        const char *name;
        const char *nested;
        const char *reason_part;
} Nesting;

/*
 * A domain of each kind of <cpu>, for ListDomainsDetailed on an AMD host
 * whose kvm_amd nests. The test driver has no domain capabilities, so
 * host-model is unknown there; it does know libvirt's CPU models
 * (EPYC-Rome has svm, Opteron_G1 has not). "running" is defined again
 * with host-passthrough by the test, so its live definition differs.
 */
static const NodeDomain nesting_domains[] = {
        { { "custom-epyc", "7e57ed00-0000-4000-8000-000000000001", "shut off", "custom" },
          "5",
          "<cpu mode='custom' match='exact'><model fallback='forbid'>EPYC-Rome</model></cpu>" },
        { { "custom-opteron", "7e57ed00-0000-4000-8000-000000000002", "shut off", "custom" },
          "5",
          "<cpu mode='custom' match='exact'><model fallback='forbid'>Opteron_G1</model></cpu>" },
        { { "custom-opteron-svm", "7e57ed00-0000-4000-8000-000000000003", "shut off", "custom" },
          "5",
          "<cpu mode='custom' match='exact'><model fallback='forbid'>Opteron_G1</model>"
          "<feature policy='require' name='svm'/></cpu>" },
        { { "custom-unknown-model", "7e57ed00-0000-4000-8000-000000000004", "shut off", "custom" },
          "5",
          "<cpu mode='custom' match='exact'><model fallback='allow'>Zen-9000</model></cpu>" },
        { { "host-model", "7e57ed00-0000-4000-8000-000000000005", "shut off", "host-model" },
          "5",
          "<cpu mode='host-model' check='partial'/>" },
        { { "host-model-svm-disabled", "7e57ed00-0000-4000-8000-000000000006", "shut off", "host-model" },
          "5",
          "<cpu mode='host-model' check='partial'><feature policy='disable' name='svm'/></cpu>" },
        { { "no-cpu", "7e57ed00-0000-4000-8000-000000000007", "shut off", "" }, "5", "" },
        { { "passthrough", "7e57ed00-0000-4000-8000-000000000008", "shut off", "host-passthrough" },
          "5",
          "<cpu mode='host-passthrough' check='none'/>" },
        { { "running", "7e57ed00-0000-4000-8000-000000000009", "running", "custom" },
          NULL,
          "<cpu mode='custom' match='exact'><model fallback='forbid'>Opteron_G1</model></cpu>" },
        /* Confidential guests: host-passthrough, and still no. Policy
         * bit 2 makes SEV-ES. */
        { { "sev-es-passthrough", "7e57ed00-0000-4000-8000-00000000000a", "shut off", "host-passthrough" },
          "5",
          "<cpu mode='host-passthrough' check='none'/><launchSecurity type='sev'><cbitpos>47</cbitpos>"
          "<reducedPhysBits>1</reducedPhysBits><policy>0x0007</policy></launchSecurity>" },
        { { "sev-passthrough", "7e57ed00-0000-4000-8000-00000000000b", "shut off", "host-passthrough" },
          "5",
          "<cpu mode='host-passthrough' check='none'/><launchSecurity type='sev'><cbitpos>47</cbitpos>"
          "<reducedPhysBits>1</reducedPhysBits><policy>0x0003</policy></launchSecurity>" },
};

#define N_NESTING_DOMAINS G_N_ELEMENTS(nesting_domains)

static char *node_xml(const NodeDomain *domains, gsize n)
{
        g_autoptr(GString) xml = g_string_new("<node>\n");

        for (gsize i = 0; i < n; i++) {
                g_autofree char *head = g_markup_printf_escaped(
                        "  <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>\n"
                        "    <name>%s</name>\n"
                        "    <uuid>%s</uuid>\n",
                        domains[i].domain.name, domains[i].domain.uuid);

                g_string_append(xml, head);
                g_string_append(xml, "    <memory unit='KiB'>1048576</memory>\n"
                                     "    <vcpu placement='static'>2</vcpu>\n"
                                     "    <os><type arch='x86_64'>hvm</type></os>\n");
                g_string_append_printf(xml, "    %s\n", domains[i].cpu);
                if (domains[i].runstate)
                        g_string_append_printf(xml, "    <test:runstate>%s</test:runstate>\n",
                                               domains[i].runstate);
                g_string_append(xml, "  </domain>\n");
        }
        g_string_append(xml, "</node>\n");
        return g_string_free(g_steal_pointer(&xml), FALSE);
}

/* The node file's domains as ListDomains says them before any change. */
static void expected_node_domains(Domain expected[N_NODE_DOMAINS])
{
        for (gsize i = 0; i < N_NODE_DOMAINS; i++)
                expected[i] = node_domains[i].domain;
}

static void expect_mode(Domain *expected, gsize n, const char *name, const char *cpu_mode)
{
        for (gsize i = 0; i < n; i++) {
                if (g_str_equal(expected[i].name, name)) {
                        expected[i].cpu_mode = cpu_mode;
                        return;
                }
        }
        g_assert_not_reached();
}

static GVariant *domains_to_variant(const Domain *domains, gsize n)
{
        GVariantBuilder builder;

        g_variant_builder_init(&builder, G_VARIANT_TYPE("a(ssss)"));
        for (gsize i = 0; i < n; i++)
                g_variant_builder_add(&builder, "(ssss)", domains[i].name, domains[i].uuid, domains[i].state,
                                      domains[i].cpu_mode);
        return g_variant_ref_sink(g_variant_builder_end(&builder));
}

/* ---- Fixture ---------------------------------------------------------- */

typedef enum {
        LIBVIRT_NODE_FILE,    /* test:///PATH of node_domains */
        LIBVIRT_NESTING_FILE, /* test:///PATH of nesting_domains */
        LIBVIRT_DEFAULT,      /* test:///default */
        LIBVIRT_UNREACHABLE,  /* a socket that does not exist */
        LIBVIRT_MISSING,      /* test:///PATH of no file */
        LIBVIRT_HUNG,         /* a socket that takes connections and never answers */
} LibvirtKind;

typedef struct {
        LibvirtKind libvirt;
        gboolean mock_polkit;
        NvTestPreset preset; /* the host tree; 0 is NV_TEST_PRESET_INTEL_LOADED */
        /* Instead of nestedvirtd, the test serves a daemon of before
         * ListDomainsDetailed. */
        gboolean old_daemon;
        /* NESTEDVIRTD_LIBVIRT_TIMEOUT_MSEC for the daemon; 0: its default. */
        guint libvirt_timeout_msec;
} TestConfig;

static const TestConfig config_node = { LIBVIRT_NODE_FILE, FALSE };
static const TestConfig config_default = { LIBVIRT_DEFAULT, FALSE };
static const TestConfig config_unreachable = { LIBVIRT_UNREACHABLE, FALSE };
static const TestConfig config_missing = { LIBVIRT_MISSING, FALSE };
static const TestConfig config_node_mock_polkit = { LIBVIRT_NODE_FILE, TRUE };
static const TestConfig config_hung = { LIBVIRT_HUNG, FALSE };
/* A deadline well within NV_TEST_TIMEOUT_MS. */
#define SHORT_LIBVIRT_TIMEOUT_MSEC 1000
static const TestConfig config_hung_deadline = { LIBVIRT_HUNG,
                                                 .libvirt_timeout_msec = SHORT_LIBVIRT_TIMEOUT_MSEC };
static const TestConfig config_nesting_amd = { LIBVIRT_NESTING_FILE, FALSE, NV_TEST_PRESET_AMD_LOADED };
static const TestConfig config_nesting_intel_off = { LIBVIRT_NESTING_FILE, FALSE,
                                                     NV_TEST_PRESET_INTEL_LOADED };
static const TestConfig config_old_daemon = { LIBVIRT_NODE_FILE, FALSE, NV_TEST_PRESET_INTEL_LOADED, TRUE };

typedef enum {
        POLKIT_ALLOW,
        POLKIT_DENY,
        POLKIT_CHALLENGE,
} PolkitAnswer;

typedef struct {
        NvTestEnv env;
        char *uri;
        int hung_fd; /* the listening socket of LIBVIRT_HUNG, or -1 */

        /* The mock polkit, for tests with config->mock_polkit. */
        GDBusConnection *polkit;
        guint polkit_registration;
        PolkitAnswer polkit_answer;
        GPtrArray *polkit_checks; /* GVariant: parameters of each CheckAuthorization */

        /* The daemon of before ListDomainsDetailed, for config->old_daemon. */
        GDBusConnection *old_daemon;
        guint old_daemon_registration;
} Fixture;

static void polkit_method_call(GDBusConnection *connection, const char *sender, const char *path,
                               const char *interface, const char *method, GVariant *parameters,
                               GDBusMethodInvocation *invocation, gpointer user_data)
{
        Fixture *f = user_data;

        if (g_str_equal(method, "CancelCheckAuthorization")) {
                g_dbus_method_invocation_return_value(invocation, NULL);
                return;
        }
        g_assert_cmpstr(method, ==, "CheckAuthorization");
        g_ptr_array_add(f->polkit_checks, g_variant_ref(parameters));
        g_dbus_method_invocation_return_value(
                invocation, g_variant_new_parsed("((%b, %b, @a{ss} {}),)", f->polkit_answer == POLKIT_ALLOW,
                                                 f->polkit_answer == POLKIT_CHALLENGE));
}

static GVariant *polkit_get_property(GDBusConnection *connection, const char *sender, const char *path,
                                     const char *interface, const char *property, GError **error,
                                     gpointer user_data)
{
        if (g_str_equal(property, "BackendName"))
                return g_variant_new_string("nv-test-domains mock");
        if (g_str_equal(property, "BackendVersion"))
                return g_variant_new_string("0");
        return g_variant_new_uint32(0);
}

static const GDBusInterfaceVTable polkit_vtable = {
        .method_call = polkit_method_call,
        .get_property = polkit_get_property,
};

/* Owns @name on @connection; RequestName is answered once it is ours. */
static void request_name(GDBusConnection *connection, const char *name)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = NULL;
        guint32 result;

        reply = g_dbus_connection_call_sync(
                connection, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                "RequestName", g_variant_new("(su)", name, 4u /* DO_NOT_QUEUE */), G_VARIANT_TYPE("(u)"),
                G_DBUS_CALL_FLAGS_NONE, NV_TEST_TIMEOUT_MS, NULL, &error);
        g_assert_no_error(error);
        g_variant_get(reply, "(u)", &result);
        g_assert_cmpuint(result, ==, 1 /* PRIMARY_OWNER */);
}

/* Serves the mock authority on a connection of its own and owns polkit's
 * name. */
static void mock_polkit_start(Fixture *f)
{
        g_autoptr(GError) error = NULL;

        f->polkit = nv_test_bus_connect(f->env.bus, &error);
        g_assert_no_error(error);
        f->polkit_registration = g_dbus_connection_register_object(f->polkit, NV_TEST_POLKIT_PATH,
                                                                   nv_test_polkit_authority_info(),
                                                                   &polkit_vtable, f, NULL, &error);
        g_assert_no_error(error);
        request_name(f->polkit, NV_TEST_POLKIT_BUS_NAME);
}

static void mock_polkit_stop(Fixture *f)
{
        if (!f->polkit)
                return;
        g_dbus_connection_unregister_object(f->polkit, f->polkit_registration);
        (void)g_dbus_connection_close_sync(f->polkit, NULL, NULL);
        g_clear_object(&f->polkit);
}

/* A nestedvirtd of before ListDomainsDetailed, as far as list-domains
 * sees it: ListDomains answers with the node file's domains as they are
 * defined. */
static void old_daemon_method_call(GDBusConnection *connection, const char *sender, const char *path,
                                   const char *interface, const char *method, GVariant *parameters,
                                   GDBusMethodInvocation *invocation, gpointer user_data)
{
        GVariantBuilder builder;

        g_assert_cmpstr(method, ==, "ListDomains");
        g_variant_builder_init(&builder, G_VARIANT_TYPE("a(ssss)"));
        for (gsize i = 0; i < N_NODE_DOMAINS; i++)
                g_variant_builder_add(&builder, "(ssss)", node_domains[i].domain.name,
                                      node_domains[i].domain.uuid, node_domains[i].domain.state,
                                      node_domains[i].domain.cpu_mode);
        g_dbus_method_invocation_return_value(invocation, g_variant_new("(a(ssss))", &builder));
}

static const GDBusInterfaceVTable old_daemon_vtable = {
        .method_call = old_daemon_method_call,
};

static void old_daemon_start(Fixture *f)
{
        static const char xml[] = "<node><interface name='" NV_INTERFACE "'>"
                                  "<method name='ListDomains'><arg type='a(ssss)' direction='out'/></method>"
                                  "</interface></node>";
        g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml(xml, NULL);
        g_autoptr(GError) error = NULL;

        g_assert_nonnull(info);
        f->old_daemon = nv_test_bus_connect(f->env.bus, &error);
        g_assert_no_error(error);
        f->old_daemon_registration = g_dbus_connection_register_object(
                f->old_daemon, NV_OBJECT_PATH, info->interfaces[0], &old_daemon_vtable, f, NULL, &error);
        g_assert_no_error(error);
        request_name(f->old_daemon, NV_BUS_NAME);
}

static void old_daemon_stop(Fixture *f)
{
        if (!f->old_daemon)
                return;
        g_dbus_connection_unregister_object(f->old_daemon, f->old_daemon_registration);
        (void)g_dbus_connection_close_sync(f->old_daemon, NULL, NULL);
        g_clear_object(&f->old_daemon);
}

/* Starts nestedvirtd on the fixture's host tree with --libvirt-uri. */
static void start_daemon(Fixture *f)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *root_arg = g_strconcat("--root=", nv_test_host_get_root(f->env.host), NULL);
        g_autofree char *uri_arg = g_strconcat("--libvirt-uri=", f->uri, NULL);
        const char *const argv[] = { nv_test_getenv("NV_DAEMON"), root_arg, "--idle-timeout=0", uri_arg,
                                     NULL };

        g_assert_null(f->env.daemon);
        f->env.daemon = nv_test_daemon_start_argv(f->env.bus, argv, NV_BUS_NAME, &error);
        g_assert_no_error(error);
}

static void fixture_setup(Fixture *f, gconstpointer data)
{
        const TestConfig *config = data;
        const char *const mock_policies[] = { nv_test_getenv("NV_TEST_POLKIT_MOCK_POLICY"), NULL };
        const NvTestEnvOptions options = {
                .bus_policies = config->mock_polkit ? mock_policies : NULL,
        };

        f->hung_fd = -1;
        nv_test_env_setup_full(&f->env, config->preset, &options);
        f->polkit_checks = g_ptr_array_new_with_free_func((GDestroyNotify)g_variant_unref);

        switch (config->libvirt) {
        case LIBVIRT_NODE_FILE:
        case LIBVIRT_NESTING_FILE: {
                g_autofree char *xml = config->libvirt == LIBVIRT_NODE_FILE
                                               ? node_xml(node_domains, N_NODE_DOMAINS)
                                               : node_xml(nesting_domains, N_NESTING_DOMAINS);
                g_autofree char *path = NULL;

                /* In the host tree: removed with it, also when the test
                 * dies. */
                nv_test_host_write(f->env.host, "/libvirt/node.xml", xml);
                path = nv_test_host_path(f->env.host, "/libvirt/node.xml");
                g_assert_true(g_path_is_absolute(path));
                f->uri = g_strconcat("test://", path, NULL);
                break;
        }
        case LIBVIRT_DEFAULT:
                f->uri = g_strdup("test:///default");
                break;
        case LIBVIRT_UNREACHABLE:
                f->uri = g_strdup(UNREACHABLE_URI);
                break;
        case LIBVIRT_MISSING:
                f->uri = g_strdup(MISSING_NODE_URI);
                break;
        case LIBVIRT_HUNG: {
                g_autofree char *path = NULL;
                struct sockaddr_un sa = { .sun_family = AF_UNIX };

                nv_test_host_write(f->env.host, "/libvirt/.keep", "");
                path = nv_test_host_path(f->env.host, "/libvirt/hung-sock");
                g_assert_cmpuint(strlen(path), <, sizeof(sa.sun_path));
                strcpy(sa.sun_path, path);
                f->hung_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
                g_assert_cmpint(f->hung_fd, >=, 0);
                g_assert_cmpint(bind(f->hung_fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
                g_assert_cmpint(listen(f->hung_fd, 8), ==, 0);
                f->uri = g_strconcat("qemu+unix:///system?socket=", path, NULL);
                break;
        }
        default:
                g_assert_not_reached();
        }

        if (config->mock_polkit)
                mock_polkit_start(f);
        if (config->old_daemon) {
                old_daemon_start(f);
        } else if (config->libvirt_timeout_msec) {
                g_autofree char *value = g_strdup_printf("%u", config->libvirt_timeout_msec);

                g_setenv("NESTEDVIRTD_LIBVIRT_TIMEOUT_MSEC", value, TRUE);
                start_daemon(f);
                g_unsetenv("NESTEDVIRTD_LIBVIRT_TIMEOUT_MSEC");
        } else {
                start_daemon(f);
        }
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
        /* The daemon is stopped, and its exit status checked, while the
         * mock polkit still answers. */
        nv_test_env_stop_daemon(&f->env);
        mock_polkit_stop(f);
        old_daemon_stop(f);
        nv_test_env_teardown(&f->env);
        g_clear_pointer(&f->polkit_checks, g_ptr_array_unref);
        g_clear_pointer(&f->uri, g_free);
        if (f->hung_fd >= 0)
                close(f->hung_fd);
}

/* ---- Calls to the daemon ---------------------------------------------- */

/*
 * Calls @method and returns its reply, iterating the main context
 * meanwhile: the daemon may ask the mock polkit of this very program
 * before it answers.
 */
static GVariant *call_daemon(Fixture *f, const char *method, GVariant *parameters, GDBusCallFlags flags,
                             const GVariantType *reply_type, GError **error)
{
        NvTestCall call = { 0 };

        g_dbus_connection_call(f->env.connection, NV_BUS_NAME, NV_OBJECT_PATH, NV_INTERFACE, method,
                               parameters, reply_type, flags | G_DBUS_CALL_FLAGS_NO_AUTO_START,
                               NV_TEST_TIMEOUT_MS, NULL, nv_test_call_finished, &call);
        /* GDBus gives up at its own timeout, so this ends. */
        if (!nv_test_wait_until(nv_test_call_is_done, &call, 2 * NV_TEST_TIMEOUT_MS))
                g_error("%s: neither an answer nor a timeout", method);
        if (call.error) {
                g_propagate_error(error, call.error);
                return NULL;
        }
        return call.reply;
}

/* ListDomains' array. */
static GVariant *list_domains(Fixture *f)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = NULL;
        GVariant *domains;

        reply = call_daemon(f, "ListDomains", NULL, G_DBUS_CALL_FLAGS_NONE, G_VARIANT_TYPE("(a(ssss))"),
                            &error);
        g_assert_no_error(error);
        g_variant_get(reply, "(@a(ssss))", &domains);
        return domains;
}

static void assert_domains(Fixture *f, const Domain *expected, gsize n)
{
        g_autoptr(GVariant) want = domains_to_variant(expected, n);
        g_autoptr(GVariant) got = list_domains(f);

        g_assert_cmpvariant(got, want);
}

/* ConfigureDomain(@domain, @mode), which must succeed; its
 * restart_required. */
static gboolean configure_flags(Fixture *f, const char *domain, const char *mode, GDBusCallFlags flags)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = NULL;
        gboolean restart_required;

        reply = call_daemon(f, "ConfigureDomain", g_variant_new("(ss)", domain, mode), flags,
                            G_VARIANT_TYPE("(b)"), &error);
        if (!reply)
                g_error("ConfigureDomain('%s', '%s') failed: %s", domain, mode, error->message);
        g_variant_get(reply, "(b)", &restart_required);
        return restart_required;
}

static gboolean configure(Fixture *f, const char *domain, const char *mode)
{
        return configure_flags(f, domain, mode, G_DBUS_CALL_FLAGS_NONE);
}

/* @s for messages: at most 40 characters (not bytes, which could cut one
 * in two). */
static char *abbreviate(const char *s)
{
        g_autofree char *start = NULL;

        if (g_utf8_strlen(s, -1) <= 40)
                return g_strdup(s);
        start = g_utf8_substring(s, 0, 40);
        return g_strconcat(start, "...", NULL);
}

/* ConfigureDomain(@domain, @mode), which must fail with @error_name;
 * the error's message. */
static char *configure_error_flags(Fixture *f, const char *domain, const char *mode, GDBusCallFlags flags,
                                   const char *error_name)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = NULL;
        g_autofree char *shown_domain = abbreviate(domain);
        g_autofree char *shown_mode = abbreviate(mode);
        g_autofree char *what = NULL;

        reply = call_daemon(f, "ConfigureDomain", g_variant_new("(ss)", domain, mode), flags, NULL, &error);
        what = g_strdup_printf("ConfigureDomain('%s', '%s')", shown_domain, shown_mode);
        return nv_test_assert_dbus_error(error, error_name, what);
}

static char *configure_error(Fixture *f, const char *domain, const char *mode, const char *error_name)
{
        return configure_error_flags(f, domain, mode, G_DBUS_CALL_FLAGS_NONE, error_name);
}

/* ---- ListDomains ------------------------------------------------------ */

/* Every domain of the node file: name, UUID, libvirt's word for its
 * state, the persistent CPU mode ("" without <cpu>); sorted by name. */
static void test_list(Fixture *f, gconstpointer data)
{
        Domain expected[N_NODE_DOMAINS];
        g_autoptr(GVariant) again = NULL;
        g_autoptr(GVariant) first = NULL;

        expected_node_domains(expected);
        assert_domains(f, expected, N_NODE_DOMAINS);

        /* The connection is kept, and listing changes nothing. */
        first = list_domains(f);
        again = list_domains(f);
        g_assert_cmpvariant(again, first);
}

static void test_list_default(Fixture *f, gconstpointer data)
{
        const Domain expected[] = { { "test", UUID_DEFAULT_TEST, "running", "" } };

        assert_domains(f, expected, G_N_ELEMENTS(expected));
}

/* ---- ConfigureDomain -------------------------------------------------- */

/* How many lines of the daemon's log so far contain @text. */
static guint count_log_lines(Fixture *f, const char *text)
{
        g_autofree char *log = NULL;
        g_auto(GStrv) lines = NULL;
        g_autoptr(GError) error = NULL;
        guint n = 0;

        g_file_get_contents(nv_test_daemon_get_log_path(f->env.daemon), &log, NULL, &error);
        g_assert_no_error(error);
        lines = g_strsplit(log, "\n", -1);
        for (guint i = 0; lines[i]; i++)
                if (strstr(lines[i], text))
                        n++;
        return n;
}

static void test_configure_by_name(Fixture *f, gconstpointer data)
{
        Domain expected[N_NODE_DOMAINS];

        expected_node_domains(expected);

        /* The first call of all: libvirt is connected for it. */
        g_assert_false(configure(f, "custom-off", "host-model"));
        g_assert_false(configure(f, "topology", "host-passthrough"));
        g_assert_false(configure(f, "no-cpu", "host-model"));
        expect_mode(expected, N_NODE_DOMAINS, "custom-off", "host-model");
        expect_mode(expected, N_NODE_DOMAINS, "topology", "host-passthrough");
        expect_mode(expected, N_NODE_DOMAINS, "no-cpu", "host-model");
        assert_domains(f, expected, N_NODE_DOMAINS);

        /* To the other mode, and to the mode a domain already has. */
        g_assert_false(configure(f, "custom-off", "host-passthrough"));
        g_assert_false(configure(f, "no-cpu", "host-model"));
        g_assert_false(configure(f, "web server", "host-passthrough"));
        expect_mode(expected, N_NODE_DOMAINS, "custom-off", "host-passthrough");
        assert_domains(f, expected, N_NODE_DOMAINS);

        /* The journal has a line for each change and none for the calls
         * that changed nothing. */
        g_assert_cmpuint(count_log_lines(f, "Set the CPU mode of domain "), ==, 4);
        g_assert_cmpuint(count_log_lines(f, "Set the CPU mode of domain 'custom-off' "), ==, 2);
        g_assert_cmpuint(count_log_lines(f, "Set the CPU mode of domain 'web server' "), ==, 0);
}

static void test_configure_by_uuid(Fixture *f, gconstpointer data)
{
        g_autofree char *upper = g_ascii_strup(UUID_NO_CPU, -1);
        Domain expected[N_NODE_DOMAINS];

        expected_node_domains(expected);

        g_assert_false(configure(f, UUID_CUSTOM_OFF, "host-passthrough"));
        /* libvirt parses UUIDs in either case; ListDomains shows them in
         * lower case. */
        g_assert_false(configure(f, upper, "host-model"));
        g_assert_true(configure(f, UUID_RUNNING, "host-model"));
        expect_mode(expected, N_NODE_DOMAINS, "custom-off", "host-passthrough");
        expect_mode(expected, N_NODE_DOMAINS, "no-cpu", "host-model");
        expect_mode(expected, N_NODE_DOMAINS, "running", "host-model");
        assert_domains(f, expected, N_NODE_DOMAINS);
}

/* The persistent definition changes at once; a running or paused guest
 * keeps its CPU until a full power-off, and the caller is told so. */
static void test_configure_restart_required(Fixture *f, gconstpointer data)
{
        Domain expected[N_NODE_DOMAINS];

        expected_node_domains(expected);

        g_assert_true(configure(f, "running", "host-passthrough"));
        g_assert_true(configure(f, "paused", "host-passthrough"));
        g_assert_false(configure(f, "web server", "host-model"));
        expect_mode(expected, N_NODE_DOMAINS, "running", "host-passthrough");
        expect_mode(expected, N_NODE_DOMAINS, "paused", "host-passthrough");
        expect_mode(expected, N_NODE_DOMAINS, "web server", "host-model");
        /* The states did not change with the definitions. */
        assert_domains(f, expected, N_NODE_DOMAINS);

        /* Still running: still required, also for the mode it has now. */
        g_assert_true(configure(f, "running", "host-passthrough"));
        g_assert_true(configure(f, UUID_RUNNING, "host-model"));
        expect_mode(expected, N_NODE_DOMAINS, "running", "host-model");
        assert_domains(f, expected, N_NODE_DOMAINS);
}

/* test:///default's running domain "test", which has no <cpu>. */
static void test_configure_default(Fixture *f, gconstpointer data)
{
        Domain expected[] = { { "test", UUID_DEFAULT_TEST, "running", "" } };

        g_assert_true(configure(f, "test", "host-passthrough"));
        expected[0].cpu_mode = "host-passthrough";
        assert_domains(f, expected, G_N_ELEMENTS(expected));

        g_assert_true(configure(f, UUID_DEFAULT_TEST, "host-model"));
        expected[0].cpu_mode = "host-model";
        assert_domains(f, expected, G_N_ELEMENTS(expected));
}

/* ---- Failures --------------------------------------------------------- */

/* @s @n times. */
static char *repeat(const char *s, guint n)
{
        g_autoptr(GString) text = g_string_new(NULL);

        for (guint i = 0; i < n; i++)
                g_string_append(text, s);
        return g_string_free(g_steal_pointer(&text), FALSE);
}

static void test_not_found(Fixture *f, gconstpointer data)
{
        static const char *const unknown[] = {
                "nonexistent",
                UUID_UNKNOWN,
                /* Names are matched exactly. */
                "RUNNING",
                "running ",
                "web",
                /* Nothing reads a name as a format or as markup. */
                "%s%n%x",
                "a'><cpu mode='host-model'/>",
        };
        g_autofree char *longest = g_strnfill(1024, 'n');
        /* Counted in characters, not bytes. */
        g_autofree char *longest_utf8 = repeat("\xc3\xa4" /* ä */, 1024);
        Domain expected[N_NODE_DOMAINS];

        expected_node_domains(expected);
        for (gsize i = 0; i < G_N_ELEMENTS(unknown); i++) {
                g_autofree char *message =
                        configure_error(f, unknown[i], "host-model", NV_ERROR_DOMAIN_NOT_FOUND);

                if (!strstr(message, unknown[i]))
                        g_error("DomainNotFound for '%s' does not name it: %s", unknown[i], message);
        }

        /* The longest argument allowed is looked up, not refused. */
        g_free(configure_error(f, longest, "host-passthrough", NV_ERROR_DOMAIN_NOT_FOUND));
        g_free(configure_error(f, longest_utf8, "host-passthrough", NV_ERROR_DOMAIN_NOT_FOUND));

        assert_domains(f, expected, N_NODE_DOMAINS);
}

/* libvirt cannot be reached: both methods say so, naming the URI, and the
 * daemon goes on answering (and trying again). */
/* The listening socket @fd has a connection: takes it, into *user_data. */
static gboolean accept_connection(int fd, GIOCondition condition, gpointer user_data)
{
        *(int *)user_data = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
        return G_SOURCE_REMOVE;
}

static gboolean fd_is_valid(gpointer user_data)
{
        return *(int *)user_data >= 0;
}

/*
 * libvirt that does not answer (a libvirtd that hangs): the domain call
 * waits in its worker thread while the daemon answers everyone else; when
 * libvirt's connection breaks, the call fails with LibvirtUnavailable, and
 * the daemon exits cleanly.
 */
static void test_libvirt_hangs(Fixture *f, gconstpointer data)
{
        g_autofree char *message = NULL;
        int accepted = -1;
        NvTestCall list = { 0 };

#ifdef __SANITIZE_ADDRESS__
        /* libvirt's remote driver encodes with libtirpc's XDR functions,
         * which AddressSanitizer intercepts; its interceptors look the real
         * ones up at start, before the daemon dlopen()s libvirt (and with
         * it libtirpc), and call NULL: a crash inside the sanitizer, not in
         * the daemon. The suite without sanitizers runs this test. */
        g_test_skip("AddressSanitizer cannot run libvirt's remote driver in a daemon that dlopen()s libvirt "
                    "(its XDR interceptors have no real function to call)");
        return;
#endif

        g_dbus_connection_call(f->env.connection, NV_BUS_NAME, NV_OBJECT_PATH, NV_INTERFACE, "ListDomains",
                               NULL, NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START, 4 * NV_TEST_TIMEOUT_MS, NULL,
                               nv_test_call_finished, &list);
        /* libvirt connects, and waits for an answer that does not come. */
        g_unix_fd_add(f->hung_fd, G_IO_IN, accept_connection, &accepted);
        if (!nv_test_wait_until(fd_is_valid, &accepted, NV_TEST_TIMEOUT_MS))
                g_error("libvirt did not connect to %s within %d ms", f->uri, NV_TEST_TIMEOUT_MS);

        /* Meanwhile: answered, again and again. */
        for (guint i = 0; i < 3; i++) {
                g_autoptr(GVariant) status = nv_test_env_get_status(&f->env);

                g_assert_true(g_variant_is_of_type(status, G_VARIANT_TYPE_VARDICT));
        }
        g_assert_false(list.done);

        close(accepted);
        if (!nv_test_wait_until(nv_test_call_is_done, &list, NV_TEST_TIMEOUT_MS))
                g_error("ListDomains was not answered within %d ms of libvirt's connection closing",
                        NV_TEST_TIMEOUT_MS);
        message = nv_test_assert_dbus_error(list.error, NV_ERROR_LIBVIRT_UNAVAILABLE, "ListDomains");
        g_clear_error(&list.error);
        g_assert_true(nv_test_daemon_is_running(f->env.daemon));
}

/* libvirt's remote driver under AddressSanitizer: see test_libvirt_hangs(). */
static gboolean skip_remote_driver_under_asan(void)
{
#ifdef __SANITIZE_ADDRESS__
        g_test_skip("AddressSanitizer cannot run libvirt's remote driver in a daemon that dlopen()s libvirt "
                    "(its XDR interceptors have no real function to call)");
        return TRUE;
#else
        return FALSE;
#endif
}

/* Sends ListDomains on @connection (the fixture's when NULL), answered
 * into @call. */
static void list_domains_async(Fixture *f, GDBusConnection *connection, NvTestCall *call)
{
        g_dbus_connection_call(connection ? connection : f->env.connection, NV_BUS_NAME, NV_OBJECT_PATH,
                               NV_INTERFACE, "ListDomains", NULL, NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START,
                               4 * NV_TEST_TIMEOUT_MS, NULL, nv_test_call_finished, call);
}

/* libvirt connected to the hung socket: returns the accepted end. */
static int wait_libvirt_connects(Fixture *f)
{
        int accepted = -1;

        g_unix_fd_add(f->hung_fd, G_IO_IN, accept_connection, &accepted);
        if (!nv_test_wait_until(fd_is_valid, &accepted, NV_TEST_TIMEOUT_MS))
                g_error("libvirt did not connect to %s within %d ms", f->uri, NV_TEST_TIMEOUT_MS);
        return accepted;
}

typedef struct {
        NvTestCall *calls;
        guint n;
} Calls;

static gboolean all_done(gpointer user_data)
{
        const Calls *calls = user_data;

        for (guint i = 0; i < calls->n; i++)
                if (!calls->calls[i].done)
                        return FALSE;
        return TRUE;
}

/* What one connection may have waiting for libvirt (nv-domain-jobs.c). */
#define DOMAIN_CALLS_PER_CONNECTION 16
#define DOMAIN_CALLS_BEYOND         5

/* How many of @calls are done. */
static guint calls_n_done(const Calls *calls)
{
        guint n = 0;

        for (guint i = 0; i < calls->n; i++)
                n += calls->calls[i].done;
        return n;
}

typedef struct {
        const Calls *calls;
        guint n;
} CallsDone;

static gboolean calls_n_are_done(gpointer user_data)
{
        const CallsDone *done = user_data;

        return calls_n_done(done->calls) >= done->n;
}

/*
 * libvirt that never answers, and a deadline (issue 26, finding 6): the
 * call is answered LibvirtUnavailable at its deadline, naming it, while
 * libvirt still has it. From then until libvirt answers it, every domain
 * call is answered at once with LibvirtUnavailable, saying for how long
 * libvirt has not answered: none waits a deadline of its own behind a
 * call libvirt may never answer, and none reaches libvirt. The daemon
 * answers everyone else throughout.
 */
static void test_libvirt_deadline(Fixture *f, gconstpointer data)
{
        NvTestCall first = { 0 };
        NvTestCall more[DOMAIN_CALLS_PER_CONNECTION + DOMAIN_CALLS_BEYOND] = { 0 };
        Calls all = { more, G_N_ELEMENTS(more) };
        g_autofree char *message = NULL;
        g_autofree char *within = g_strdup_printf("within %u ms", SHORT_LIBVIRT_TIMEOUT_MSEC);
        gint64 start;
        int accepted;

        if (skip_remote_driver_under_asan())
                return;

        start = g_get_monotonic_time();
        list_domains_async(f, NULL, &first);
        accepted = wait_libvirt_connects(f);
        if (!nv_test_wait_until(nv_test_call_is_done, &first, NV_TEST_TIMEOUT_MS))
                g_error("ListDomains was not answered within %d ms while libvirt hung", NV_TEST_TIMEOUT_MS);
        g_assert_cmpint(g_get_monotonic_time() - start, >=, SHORT_LIBVIRT_TIMEOUT_MSEC * 1000 * 9 / 10);
        message = nv_test_assert_dbus_error(first.error, NV_ERROR_LIBVIRT_UNAVAILABLE, "ListDomains");
        g_clear_error(&first.error);
        g_assert_nonnull(strstr(message, within));
        g_assert_nonnull(strstr(message, f->uri));

        /* More than a connection may have waiting: none waits. */
        for (guint i = 0; i < all.n; i++)
                list_domains_async(f, NULL, &more[i]);
        for (guint i = 0; i < 3; i++) {
                g_autoptr(GVariant) status = nv_test_env_get_status(&f->env);

                g_assert_true(g_variant_is_of_type(status, G_VARIANT_TYPE_VARDICT));
        }
        if (!nv_test_wait_until(all_done, &all, NV_TEST_TIMEOUT_MS))
                g_error("%u ListDomains were not all answered within %d ms", all.n, NV_TEST_TIMEOUT_MS);
        for (guint i = 0; i < all.n; i++) {
                g_autofree char *remote = g_dbus_error_get_remote_error(more[i].error);

                g_assert_nonnull(more[i].error);
                g_dbus_error_strip_remote_error(more[i].error);
                g_assert_cmpstr(remote, ==, NV_ERROR_LIBVIRT_UNAVAILABLE);
                g_assert_nonnull(strstr(more[i].error->message, "has not answered a call for"));
                g_assert_nonnull(strstr(more[i].error->message, f->uri));
                g_clear_error(&more[i].error);
        }
        /* Only the first call ever reached libvirt. */
        g_assert_true(nv_test_daemon_is_running(f->env.daemon));
        close(accepted);
}

/*
 * What one connection may have waiting for libvirt: while libvirt works
 * on a call (within its deadline), the connection's next calls wait, the
 * one libvirt has counting, up to the limit; the ones beyond are refused
 * at once with LimitsExceeded naming the limit. When the daemon stops,
 * every call still waiting is answered.
 */
static void test_calls_per_connection(Fixture *f, gconstpointer data)
{
        NvTestCall first = { 0 };
        NvTestCall more[DOMAIN_CALLS_PER_CONNECTION - 1 + DOMAIN_CALLS_BEYOND] = { 0 };
        Calls all = { more, G_N_ELEMENTS(more) };
        CallsDone beyond = { &all, DOMAIN_CALLS_BEYOND };
        g_autofree char *limit = g_strdup_printf("%u", DOMAIN_CALLS_PER_CONNECTION);
        guint n_limited = 0;
        int accepted;

        if (skip_remote_driver_under_asan())
                return;

        list_domains_async(f, NULL, &first);
        accepted = wait_libvirt_connects(f);
        for (guint i = 0; i < all.n; i++)
                list_domains_async(f, NULL, &more[i]);
        if (!nv_test_wait_until(calls_n_are_done, &beyond, NV_TEST_TIMEOUT_MS))
                g_error("The %u calls beyond the limit were not refused within %d ms", DOMAIN_CALLS_BEYOND,
                        NV_TEST_TIMEOUT_MS);
        for (guint i = 0; i < all.n; i++) {
                g_autofree char *remote = NULL;

                if (!more[i].done)
                        continue;
                remote = g_dbus_error_get_remote_error(more[i].error);
                if (g_strcmp0(remote, "org.freedesktop.DBus.Error.LimitsExceeded") == 0) {
                        g_dbus_error_strip_remote_error(more[i].error);
                        g_assert_nonnull(strstr(more[i].error->message, limit));
                        n_limited++;
                }
        }
        g_assert_cmpuint(n_limited, ==, DOMAIN_CALLS_BEYOND);

        /* The daemon stops: everything still waiting is answered. */
        nv_test_env_stop_daemon(&f->env);
        if (!nv_test_wait_until(all_done, &all, NV_TEST_TIMEOUT_MS) ||
            !nv_test_wait_until(nv_test_call_is_done, &first, NV_TEST_TIMEOUT_MS))
                g_error("The calls waiting for libvirt were not answered when the daemon stopped");
        g_assert_nonnull(first.error);
        for (guint i = 0; i < all.n; i++)
                g_assert_nonnull(more[i].error);
        g_clear_error(&first.error);
        for (guint i = 0; i < all.n; i++)
                g_clear_error(&more[i].error);
        close(accepted);
}

/*
 * SIGTERM while libvirt has a call and never answers: the daemon answers
 * the call with an error and exits, with status 0, within a bound (it
 * does not wait for libvirt's thread for more than a few seconds).
 */
static void test_libvirt_hangs_at_stop(Fixture *f, gconstpointer data)
{
        g_autofree char *message = NULL;
        NvTestCall list = { 0 };
        gint64 start;
        int accepted;

        if (skip_remote_driver_under_asan())
                return;

        list_domains_async(f, NULL, &list);
        accepted = wait_libvirt_connects(f);
        g_assert_false(list.done);

        start = g_get_monotonic_time();
        /* Fails the test unless it exits with 0 within NV_TEST_TIMEOUT_MS. */
        nv_test_env_stop_daemon(&f->env);
        g_test_message("stopped in %" G_GINT64_FORMAT " ms with libvirt hung",
                       (g_get_monotonic_time() - start) / 1000);
        if (!nv_test_wait_until(nv_test_call_is_done, &list, NV_TEST_TIMEOUT_MS))
                g_error("ListDomains was not answered when the daemon stopped");
        message = nv_test_assert_dbus_error(list.error, NV_ERROR_LIBVIRT_UNAVAILABLE, "ListDomains");
        g_clear_error(&list.error);
        g_assert_nonnull(strstr(message, "stopped"));
        close(accepted);
}

static void test_unavailable(Fixture *f, gconstpointer data)
{
        g_autoptr(GVariant) status = NULL;

        for (guint attempt = 0; attempt < 2; attempt++) {
                g_autoptr(GError) error = NULL;
                g_autoptr(GVariant) reply = NULL;
                g_autofree char *message = NULL;

                reply = call_daemon(f, "ListDomains", NULL, G_DBUS_CALL_FLAGS_NONE, NULL, &error);
                message = nv_test_assert_dbus_error(error, NV_ERROR_LIBVIRT_UNAVAILABLE, "ListDomains");
                if (!strstr(message, f->uri))
                        g_error("LibvirtUnavailable does not name %s: %s", f->uri, message);
                g_clear_pointer(&message, g_free);

                message = configure_error(f, "running", "host-passthrough", NV_ERROR_LIBVIRT_UNAVAILABLE);
                if (!strstr(message, f->uri))
                        g_error("LibvirtUnavailable does not name %s: %s", f->uri, message);
        }

        /* Arguments are checked before libvirt is tried. */
        g_free(configure_error(f, "running", "HOST-MODEL", ERROR_INVALID_ARGS));
        g_free(configure_error(f, "", "host-model", ERROR_INVALID_ARGS));

        g_assert_true(nv_test_daemon_is_running(f->env.daemon));
        status = nv_test_env_get_status(&f->env);
        g_assert_true(g_variant_is_of_type(status, G_VARIANT_TYPE_VARDICT));
}

static void test_invalid_mode(Fixture *f, gconstpointer data)
{
        g_autofree char *huge = g_strnfill(4096, 'x');
        g_autofree char *huge_valid_prefix = g_strconcat("host-passthrough", huge, NULL);
        /* Where the error message would cut a long value short, a character
         * straddles the cut: the message must still be UTF-8, or the
         * daemon could not send it. */
        g_autofree char *umlauts = repeat("\xc3\xa4" /* ä */, 100);
        g_autofree char *odd_utf8 = g_strconcat("x", umlauts, NULL);
        const char *const modes[] = {
                "",
                "HOST-MODEL",
                "Host-Passthrough",
                " host-model",
                "host-model ",
                "host-model;x",
                "host-model\n",
                "host-model\x01",
                "host",
                "host-modelx",
                "host-passthroug",
                "custom",
                "maximum",
                huge,
                huge_valid_prefix,
                odd_utf8,
        };
        g_autoptr(GVariant) before = list_domains(f);
        g_autoptr(GVariant) after = NULL;

        for (gsize i = 0; i < G_N_ELEMENTS(modes); i++) {
                /* A running domain and a shut off one, by name and UUID. */
                g_free(configure_error(f, "running", modes[i], ERROR_INVALID_ARGS));
                g_free(configure_error(f, UUID_CUSTOM_OFF, modes[i], ERROR_INVALID_ARGS));
        }

        after = list_domains(f);
        g_assert_cmpvariant(after, before);
}

static void test_invalid_domain(Fixture *f, gconstpointer data)
{
        g_autofree char *huge = g_strnfill(4096, 'r');
        g_autofree char *too_long = g_strnfill(1025, 'r');
        g_autofree char *too_long_utf8 = repeat("\xc3\xa4" /* ä */, 1025);
        const char *const domains[] = {
                "",
                huge,
                too_long,
                too_long_utf8,
                "running\n",
                "\nrunning",
                "run\nning",
                "run\tning",
                "running\x7f",
                "\x1b[2J",
                /* U+0085 NEXT LINE, a C1 control. */
                "run\xc2\x85ning",
        };
        g_autoptr(GVariant) before = list_domains(f);
        g_autoptr(GVariant) after = NULL;

        for (gsize i = 0; i < G_N_ELEMENTS(domains); i++) {
                g_free(configure_error(f, domains[i], "host-passthrough", ERROR_INVALID_ARGS));
                g_free(configure_error(f, domains[i], "host-model", ERROR_INVALID_ARGS));
        }

        after = list_domains(f);
        g_assert_cmpvariant(after, before);
}

/* sd-bus refuses calls whose signature is not the method's before any
 * handler runs. */
static void test_invalid_signature(Fixture *f, gconstpointer data)
{
        const struct {
                const char *method;
                const char *parameters; /* GVariant text of the tuple, NULL: none */
        } calls[] = {
                { "ConfigureDomain", NULL },
                { "ConfigureDomain", "('running',)" },
                { "ConfigureDomain", "('running', 'host-model', 'x')" },
                { "ConfigureDomain", "('running', true)" },
                { "ConfigureDomain", "(true, 'host-model')" },
                { "ConfigureDomain", "(['running'], 'host-model')" },
                { "ConfigureDomain", "(<'running'>, <'host-model'>)" },
                { "ListDomains", "('running',)" },
        };
        g_autoptr(GVariant) before = list_domains(f);
        g_autoptr(GVariant) after = NULL;

        for (gsize i = 0; i < G_N_ELEMENTS(calls); i++) {
                g_autoptr(GVariant) parameters = NULL;
                g_autoptr(GVariant) reply = NULL;
                g_autoptr(GError) error = NULL;
                g_autofree char *what = NULL;

                if (calls[i].parameters) {
                        parameters = g_variant_parse(NULL, calls[i].parameters, NULL, NULL, &error);
                        g_assert_no_error(error);
                }
                reply = call_daemon(f, calls[i].method, parameters, G_DBUS_CALL_FLAGS_NONE, NULL, &error);
                what = g_strdup_printf("%s%s", calls[i].method,
                                       calls[i].parameters ? calls[i].parameters : "()");
                g_free(nv_test_assert_dbus_error(error, ERROR_INVALID_ARGS, what));
        }

        after = list_domains(f);
        g_assert_cmpvariant(after, before);
}

/* ---- Authorization ---------------------------------------------------- */

static gboolean polkit_has_owner(Fixture *f)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = NULL;
        gboolean has_owner;

        reply = g_dbus_connection_call_sync(
                f->env.connection, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                "NameHasOwner", g_variant_new("(s)", NV_TEST_POLKIT_BUS_NAME), G_VARIANT_TYPE("(b)"),
                G_DBUS_CALL_FLAGS_NONE, NV_TEST_TIMEOUT_MS, NULL, &error);
        g_assert_no_error(error);
        g_variant_get(reply, "(b)", &has_owner);
        return has_owner;
}

/* The tests run as root with no polkit on the bus: the bouncer lets root
 * through (root could edit the domain by hand anyway). */
static void test_auth_root_without_polkit(Fixture *f, gconstpointer data)
{
        Domain expected[N_NODE_DOMAINS];

        g_assert_false(polkit_has_owner(f));
        expected_node_domains(expected);

        g_assert_false(configure(f, "custom-off", "host-passthrough"));
        g_assert_true(configure_flags(f, "running", "host-model",
                                      G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION));
        expect_mode(expected, N_NODE_DOMAINS, "custom-off", "host-passthrough");
        expect_mode(expected, N_NODE_DOMAINS, "running", "host-model");
        assert_domains(f, expected, N_NODE_DOMAINS);
}

/* One call through tests/nv-test-call as user @uid: the D-Bus error name
 * (or the reply's text) on stdout, and the exit status. */
static void call_as(Fixture *f, guint32 uid, const char *const *args, NvTestRunResult *result)
{
        g_autofree char *bus_env =
                g_strconcat("DBUS_SYSTEM_BUS_ADDRESS=", nv_test_bus_get_address(f->env.bus), NULL);
        const char *const env[] = { bus_env, "LC_ALL=C.UTF-8", NULL };
        g_autoptr(GPtrArray) argv = g_ptr_array_new();
        g_autofree char *command = NULL;

        g_ptr_array_add(argv, (gpointer)nv_test_getenv("NV_TEST_CALL"));
        for (gsize i = 0; args[i]; i++)
                g_ptr_array_add(argv, (gpointer)args[i]);
        g_ptr_array_add(argv, NULL);
        nv_test_run_as((const char *const *)argv->pdata, env, uid, result);
        command = g_strjoinv(" ", (char **)args);
        g_test_message("$ nv-test-call %s (uid %u) => exit %d\nstdout:\n%sstderr:\n%s", command, uid,
                       result->exit_status, result->stdout_text, result->stderr_text);
        g_assert_true(result->exited);
}

static void assert_call_as_fails(Fixture *f, guint32 uid, const char *const *args, const char *error_name)
{
        g_auto(NvTestRunResult) result = { 0 };
        g_autofree char *want = g_strconcat(error_name, "\n", NULL);

        call_as(f, uid, args, &result);
        g_assert_cmpint(result.exit_status, ==, 1);
        g_assert_cmpstr(result.stdout_text, ==, want);
}

/* With polkit absent, everybody but root is refused: a plain denial, not
 * a challenge nobody could answer, also when interaction is allowed. */
static void test_auth_unprivileged_denied(Fixture *f, gconstpointer data)
{
        g_auto(NvTestRunResult) listed = { 0 };
        g_autoptr(GVariant) before = NULL;
        g_autoptr(GVariant) after = NULL;
        g_autoptr(GVariant) reply = NULL;
        g_autofree char *root_text = NULL;
        g_autofree char *root_line = NULL;

        g_assert_false(polkit_has_owner(f));
        before = list_domains(f);

        assert_call_as_fails(
                f, NV_TEST_UID_NOBODY,
                (const char *const[]){ "ConfigureDomain", "('custom-off', 'host-passthrough')", NULL },
                ERROR_ACCESS_DENIED);
        assert_call_as_fails(f, NV_TEST_UID_NOBODY,
                             (const char *const[]){ "--interactive", "ConfigureDomain",
                                                    "('" UUID_RUNNING "', 'host-model')", NULL },
                             ERROR_ACCESS_DENIED);
        /* Authorization comes before libvirt: an unknown domain tells an
         * unauthorized caller nothing but "no". */
        assert_call_as_fails(
                f, NV_TEST_UID_NOBODY,
                (const char *const[]){ "ConfigureDomain", "('nonexistent', 'host-model')", NULL },
                ERROR_ACCESS_DENIED);
        /* Arguments come before authorization. */
        assert_call_as_fails(
                f, NV_TEST_UID_NOBODY,
                (const char *const[]){ "ConfigureDomain", "('custom-off', 'HOST-MODEL')", NULL },
                ERROR_INVALID_ARGS);

        after = list_domains(f);
        g_assert_cmpvariant(after, before);

        /* ListDomains needs no authorization: nobody sees what root sees. */
        call_as(f, NV_TEST_UID_NOBODY, (const char *const[]){ "ListDomains", NULL }, &listed);
        g_assert_cmpint(listed.exit_status, ==, 0);
        reply = g_variant_ref_sink(g_variant_new_tuple(&after, 1));
        root_text = g_variant_print(reply, FALSE);
        root_line = g_strconcat(root_text, "\n", NULL);
        g_assert_cmpstr(listed.stdout_text, ==, root_line);
}

/* Fails unless the mock was asked exactly @n_checks times, each for
 * configure-domain on behalf of the fixture's connection, with
 * interaction allowed as @flags say. */
static void assert_polkit_checks(Fixture *f, guint n_checks, guint32 flags)
{
        const char *caller = g_dbus_connection_get_unique_name(f->env.connection);

        g_assert_cmpuint(f->polkit_checks->len, ==, n_checks);
        for (guint i = 0; i < f->polkit_checks->len; i++) {
                g_autoptr(GVariant) subject_details = NULL;
                g_autoptr(GVariant) details = NULL;
                g_autoptr(GVariant) expected_subject = NULL;
                const char *kind, *action, *cancellation_id;
                guint32 check_flags;

                g_variant_get(g_ptr_array_index(f->polkit_checks, i), "((&s@a{sv})&s@a{ss}u&s)", &kind,
                              &subject_details, &action, &details, &check_flags, &cancellation_id);
                /* The sender's bus name, never a pid. */
                g_assert_cmpstr(kind, ==, "system-bus-name");
                expected_subject = g_variant_ref_sink(g_variant_new_parsed("{'name': <%s>}", caller));
                g_assert_cmpvariant(subject_details, expected_subject);
                g_assert_cmpstr(action, ==, ACTION_CONFIGURE_DOMAIN);
                g_assert_cmpuint(check_flags, ==, flags);
        }
        g_ptr_array_set_size(f->polkit_checks, 0);
}

/* polkit says yes, also to root only because it says so: the change is
 * made. */
static void test_auth_mock_allowed(Fixture *f, gconstpointer data)
{
        Domain expected[N_NODE_DOMAINS];

        expected_node_domains(expected);
        f->polkit_answer = POLKIT_ALLOW;

        /* Reading asks nobody. */
        assert_domains(f, expected, N_NODE_DOMAINS);
        assert_polkit_checks(f, 0, 0);

        g_assert_false(configure(f, "custom-off", "host-model"));
        assert_polkit_checks(f, 1, 0);
        g_assert_true(configure_flags(f, "running", "host-passthrough",
                                      G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION));
        assert_polkit_checks(f, 1, NV_TEST_POLKIT_INTERACTIVE);

        expect_mode(expected, N_NODE_DOMAINS, "custom-off", "host-model");
        expect_mode(expected, N_NODE_DOMAINS, "running", "host-passthrough");
        assert_domains(f, expected, N_NODE_DOMAINS);
        assert_polkit_checks(f, 0, 0);
}

/* polkit says no, or wants a password the caller did not allow to be
 * asked for: nothing is redefined, even for root. */
static void test_auth_mock_denied(Fixture *f, gconstpointer data)
{
        g_autoptr(GVariant) before = NULL;
        g_autoptr(GVariant) after = NULL;

        before = list_domains(f);

        f->polkit_answer = POLKIT_DENY;
        g_free(configure_error(f, "custom-off", "host-model", ERROR_ACCESS_DENIED));
        assert_polkit_checks(f, 1, 0);
        g_free(configure_error_flags(f, "running", "host-passthrough",
                                     G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION,
                                     ERROR_ACCESS_DENIED));
        assert_polkit_checks(f, 1, NV_TEST_POLKIT_INTERACTIVE);

        f->polkit_answer = POLKIT_CHALLENGE;
        g_free(configure_error(f, "custom-off", "host-model", ERROR_INTERACTIVE));
        assert_polkit_checks(f, 1, 0);

        after = list_domains(f);
        g_assert_cmpvariant(after, before);
}

/* Bad arguments are refused before polkit is asked: nobody is prompted
 * for a password to be told the mode is wrong. */
static void test_auth_mock_validated_first(Fixture *f, gconstpointer data)
{
        g_autofree char *huge = g_strnfill(4096, 'x');
        g_autoptr(GVariant) before = list_domains(f);
        g_autoptr(GVariant) after = NULL;

        f->polkit_answer = POLKIT_ALLOW;
        g_free(configure_error(f, "running", "HOST-MODEL", ERROR_INVALID_ARGS));
        g_free(configure_error_flags(f, "running", "", G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION,
                                     ERROR_INVALID_ARGS));
        g_free(configure_error(f, "", "host-model", ERROR_INVALID_ARGS));
        g_free(configure_error(f, huge, "host-model", ERROR_INVALID_ARGS));
        assert_polkit_checks(f, 0, 0);

        after = list_domains(f);
        g_assert_cmpvariant(after, before);
}

/* ---- nestedvirtctl ---------------------------------------------------- */

/* Runs `$NV_CTL @args...` as user @uid on the fixture's bus. */
static void run_ctl_as(Fixture *f, guint32 uid, NvTestRunResult *result, const char *const *args)
{
        g_autofree char *bus_env =
                g_strconcat("DBUS_SYSTEM_BUS_ADDRESS=", nv_test_bus_get_address(f->env.bus), NULL);
        /* A fixed locale, and nothing that could turn a pager or colours on. */
        const char *const env[] = {
                bus_env, "LC_ALL=C.UTF-8", "SYSTEMD_PAGER=cat", "PAGER=cat", "NO_COLOR=1", NULL,
        };
        g_autoptr(GPtrArray) argv = g_ptr_array_new();
        g_autofree char *command = NULL;

        g_ptr_array_add(argv, (gpointer)nv_test_getenv("NV_CTL"));
        for (gsize i = 0; args[i]; i++)
                g_ptr_array_add(argv, (gpointer)args[i]);
        g_ptr_array_add(argv, NULL);
        if (uid == 0)
                nv_test_run((const char *const *)argv->pdata, env, result);
        else
                nv_test_run_as((const char *const *)argv->pdata, env, uid, result);
        command = g_strjoinv(" ", (char **)args);
        g_test_message("$ nestedvirtctl %s (uid %u) => exit %d\nstdout:\n%sstderr:\n%s", command, uid,
                       result->exit_status, result->stdout_text, result->stderr_text);
        if (!result->exited)
                g_error("nestedvirtctl %s did not exit normally", command);
}

#define run_ctl(f, result, ...) run_ctl_as((f), 0, (result), (const char *const[]){ __VA_ARGS__, NULL })

/* --help lists both domain verbs (it lists only those it implements). */
static void test_cli_help(Fixture *f, gconstpointer data)
{
        static const char *const verbs[] = { "configure-domain", "list-domains" };
        g_auto(NvTestRunResult) result = { 0 };

        run_ctl(f, &result, "--help");
        nv_test_assert_exit(&result, 0);
        for (gsize i = 0; i < G_N_ELEMENTS(verbs); i++) {
                g_autofree char *pattern = g_strdup_printf("(?m)^\\s+%s\\b", verbs[i]);

                if (!g_regex_match_simple(pattern, result.stdout_text, 0, 0))
                        g_error("nestedvirtctl --help does not list %s:\n%s", verbs[i], result.stdout_text);
        }
}

static gchar **split_lines(const char *text)
{
        g_autofree char *copy = g_strdup(text);

        /* No empty last element for the final newline. */
        if (g_str_has_suffix(copy, "\n"))
                copy[strlen(copy) - 1] = '\0';
        return g_strsplit(copy, "\n", -1);
}

/*
 * The text of list-domains: after an optional header, one line per
 * domain starting with its name (what the bash completion relies on), in
 * ListDomains' order, holding its UUID, its state and its CPU mode.
 */
static void assert_list_text(const char *text, GVariant *domains)
{
        g_auto(GStrv) lines = split_lines(text);
        guint line = 0;
        GVariantIter iter;
        const char *name, *uuid, *state, *cpu_mode;

        g_variant_iter_init(&iter, domains);
        while (g_variant_iter_next(&iter, "(&s&s&s&s)", &name, &uuid, &state, &cpu_mode)) {
                const char *rest = NULL;

                for (; lines[line]; line++) {
                        const char *start = lines[line] + strspn(lines[line], " ");

                        if (g_str_has_prefix(start, name) &&
                            (start[strlen(name)] == '\0' || g_ascii_isspace(start[strlen(name)]))) {
                                rest = start + strlen(name);
                                break;
                        }
                }
                if (!rest)
                        g_error("list-domains has no line for '%s' after line %u (in ListDomains' "
                                "order):\n%s",
                                name, line, text);
                if (!strstr(rest, uuid) || !strstr(rest, state) || !strstr(rest, cpu_mode))
                        g_error("the line of '%s' lacks its UUID %s, its state '%s' or its CPU mode "
                                "'%s':\n%s",
                                name, uuid, state, cpu_mode, lines[line]);
                line++;
        }
}

static void test_cli_list_text(Fixture *f, gconstpointer data)
{
        g_auto(NvTestRunResult) result = { 0 };
        g_auto(NvTestRunResult) as_nobody = { 0 };
        g_autoptr(GVariant) domains = NULL;

        domains = list_domains(f);
        run_ctl(f, &result, "list-domains");
        nv_test_assert_exit(&result, 0);
        g_assert_cmpstr(result.stderr_text, ==, "");
        assert_list_text(result.stdout_text, domains);

        /* Read-only: the same for a user without privileges. */
        run_ctl_as(f, NV_TEST_UID_NOBODY, &as_nobody, (const char *const[]){ "list-domains", NULL });
        nv_test_assert_exit(&as_nobody, 0);
        g_assert_cmpstr(as_nobody.stdout_text, ==, result.stdout_text);
}

/* A JSON string member of @object under one of @keys. */
static JsonNode *json_member(JsonObject *object, const char *const *keys)
{
        for (gsize i = 0; keys[i]; i++)
                if (json_object_has_member(object, keys[i]))
                        return json_object_get_member(object, keys[i]);
        return NULL;
}

static void assert_json_string(JsonNode *node, const char *key, const char *expected, const char *json)
{
        /* An empty CPU mode may also be written as null. */
        if (node && JSON_NODE_HOLDS_NULL(node) && *expected == '\0')
                return;
        if (!node || !JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING ||
            !g_str_equal(json_node_get_string(node), expected))
                g_error("list-domains --json: %s is not \"%s\" as ListDomains says:\n%s", key, expected,
                        json);
}

/* --json carries exactly what ListDomains says: a list of objects with
 * Name, Uuid, State and CpuMode, the D-Bus API's CamelCase that every
 * verb's --json uses. */
static void test_cli_list_json(Fixture *f, gconstpointer data)
{
        static const char *const name_keys[] = { "Name", NULL };
        static const char *const uuid_keys[] = { "Uuid", NULL };
        static const char *const state_keys[] = { "State", NULL };
        static const char *const mode_keys[] = { "CpuMode", NULL };
        g_auto(NvTestRunResult) result = { 0 };
        g_autoptr(JsonParser) parser = json_parser_new();
        g_autoptr(GVariant) domains = NULL;
        g_autoptr(GError) error = NULL;
        JsonNode *root;
        JsonArray *array = NULL;
        GVariantIter iter;
        const char *name, *uuid, *state, *cpu_mode;
        guint i = 0;

        /* The option before or after the verb. */
        run_ctl(f, &result, "list-domains", "--json");
        nv_test_assert_exit(&result, 0);
        g_assert_cmpstr(result.stderr_text, ==, "");
        if (!json_parser_load_from_data(parser, result.stdout_text, -1, &error))
                g_error("list-domains --json is not JSON (%s):\n%s", error->message, result.stdout_text);
        root = json_parser_get_root(parser);
        if (JSON_NODE_HOLDS_ARRAY(root))
                array = json_node_get_array(root);
        if (!array)
                g_error("list-domains --json holds no list of domains:\n%s", result.stdout_text);

        domains = list_domains(f);
        g_assert_cmpuint(json_array_get_length(array), ==, g_variant_n_children(domains));
        g_variant_iter_init(&iter, domains);
        while (g_variant_iter_next(&iter, "(&s&s&s&s)", &name, &uuid, &state, &cpu_mode)) {
                JsonNode *element = json_array_get_element(array, i++);
                JsonObject *object;

                if (!JSON_NODE_HOLDS_OBJECT(element))
                        g_error("list-domains --json: element %u is not an object:\n%s", i,
                                result.stdout_text);
                object = json_node_get_object(element);
                assert_json_string(json_member(object, name_keys), "name", name, result.stdout_text);
                assert_json_string(json_member(object, uuid_keys), "uuid", uuid, result.stdout_text);
                assert_json_string(json_member(object, state_keys), "state", state, result.stdout_text);
                assert_json_string(json_member(object, mode_keys), "cpu mode", cpu_mode, result.stdout_text);
        }
}

/* Words that tell the user to power the guest off (and start it again). */
static gboolean mentions_power_off(const char *text)
{
        return g_regex_match_simple("(?i)power(ed|ing)?[- ]?off|shut[- ]?(down|off)", text, 0, 0);
}

static void test_cli_configure(Fixture *f, gconstpointer data)
{
        g_auto(NvTestRunResult) running = { 0 };
        g_auto(NvTestRunResult) shut_off = { 0 };
        g_auto(NvTestRunResult) by_uuid = { 0 };
        g_auto(NvTestRunResult) json = { 0 };
        Domain expected[N_NODE_DOMAINS];

        expected_node_domains(expected);

        /* A running guest: the change waits for a full power-off. */
        run_ctl(f, &running, "configure-domain", "running", "host-passthrough");
        nv_test_assert_exit(&running, 0);
        if (!mentions_power_off(running.stdout_text))
                g_error("configure-domain of a running domain does not say it must be powered off:\n%s",
                        running.stdout_text);

        /* A shut off one, named with a space: nothing to wait for. */
        run_ctl(f, &shut_off, "configure-domain", "web server", "host-model");
        nv_test_assert_exit(&shut_off, 0);
        if (mentions_power_off(shut_off.stdout_text))
                g_error("configure-domain of a shut off domain asks for a power-off:\n%s",
                        shut_off.stdout_text);

        run_ctl(f, &by_uuid, "--no-ask-password", "configure-domain", UUID_CUSTOM_OFF, "host-model");
        nv_test_assert_exit(&by_uuid, 0);

        /* --json: the reply's one value, under its CamelCase name. */
        run_ctl(f, &json, "--json=short", "--no-ask-password", "configure-domain", "running",
                "host-passthrough");
        nv_test_assert_exit(&json, 0);
        g_assert_cmpstr(json.stdout_text, ==, "{\"RestartRequired\":true}\n");

        expect_mode(expected, N_NODE_DOMAINS, "running", "host-passthrough");
        expect_mode(expected, N_NODE_DOMAINS, "web server", "host-model");
        expect_mode(expected, N_NODE_DOMAINS, "custom-off", "host-model");
        assert_domains(f, expected, N_NODE_DOMAINS);
}

static void test_cli_configure_failures(Fixture *f, gconstpointer data)
{
        const char *const *const bad_usage[] = {
                (const char *const[]){ "configure-domain", "running", "HOST-MODEL", NULL },
                (const char *const[]){ "configure-domain", "running", "", NULL },
                (const char *const[]){ "configure-domain", "running", "custom", NULL },
                (const char *const[]){ "configure-domain", "running", NULL },
                (const char *const[]){ "configure-domain", "running", "host-model", "extra", NULL },
        };
        g_auto(NvTestRunResult) not_found = { 0 };
        g_auto(NvTestRunResult) denied = { 0 };
        g_autoptr(GVariant) before = NULL;
        g_autoptr(GVariant) after = NULL;

        before = list_domains(f);

        run_ctl(f, &not_found, "configure-domain", "nonexistent", "host-model");
        nv_test_assert_exit(&not_found, 1);
        nv_test_assert_one_line(not_found.stderr_text);
        g_assert_nonnull(strstr(not_found.stderr_text, "nonexistent"));
        g_assert_cmpstr(not_found.stdout_text, ==, "");

        for (gsize i = 0; i < G_N_ELEMENTS(bad_usage); i++) {
                g_auto(NvTestRunResult) result = { 0 };

                run_ctl_as(f, 0, &result, bad_usage[i]);
                nv_test_assert_exit(&result, 2);
                g_assert_cmpstr(result.stderr_text, !=, "");
                g_assert_cmpstr(result.stdout_text, ==, "");
        }

        /* Without polkit, a user without privileges is refused. */
        run_ctl_as(f, NV_TEST_UID_NOBODY, &denied,
                   (const char *const[]){ "--no-ask-password", "configure-domain", "custom-off",
                                          "host-model", NULL });
        nv_test_assert_exit(&denied, 1);
        nv_test_assert_one_line(denied.stderr_text);

        after = list_domains(f);
        g_assert_cmpvariant(after, before);
}

/* libvirt cannot be reached: list-domains fails saying where it looked;
 * status, which only mentions the domains, still works. */
static void test_cli_unavailable(Fixture *f, gconstpointer data)
{
        g_auto(NvTestRunResult) list = { 0 };
        g_auto(NvTestRunResult) configured = { 0 };
        g_auto(NvTestRunResult) status = { 0 };

        run_ctl(f, &list, "list-domains");
        nv_test_assert_exit(&list, 1);
        nv_test_assert_one_line(list.stderr_text);
        g_assert_nonnull(strstr(list.stderr_text, f->uri));
        g_assert_cmpstr(list.stdout_text, ==, "");

        run_ctl(f, &configured, "configure-domain", "running", "host-model");
        nv_test_assert_exit(&configured, 1);
        nv_test_assert_one_line(configured.stderr_text);

        run_ctl(f, &status, "status");
        nv_test_assert_exit(&status, 0);
        g_assert_cmpstr(status.stderr_text, ==, "");
}

/* A line of @text that speaks of domains (or guests, or VMs) and holds
 * the number @n. */
static gboolean mentions_domain_count(const char *text, guint n)
{
        g_autofree char *pattern =
                g_strdup_printf("(?im)^(?=.*\\b(domains?|guests?|vms?)\\b).*\\b%u\\b.*$", n);

        return g_regex_match_simple(pattern, text, 0, 0);
}

static void test_cli_status_domain_count(Fixture *f, gconstpointer data)
{
        g_auto(NvTestRunResult) before = { 0 };
        g_auto(NvTestRunResult) after = { 0 };

        run_ctl(f, &before, "status");
        nv_test_assert_exit(&before, 0);
        if (!mentions_domain_count(before.stdout_text, N_NESTED_CAPABLE) ||
            mentions_domain_count(before.stdout_text, N_NESTED_CAPABLE + 1))
                g_error("status does not say that %u domains can host nested guests:\n%s", N_NESTED_CAPABLE,
                        before.stdout_text);

        g_assert_false(configure(f, "custom-off", "host-model"));
        run_ctl(f, &after, "status");
        nv_test_assert_exit(&after, 0);
        if (!mentions_domain_count(after.stdout_text, N_NESTED_CAPABLE + 1))
                g_error("status does not say that %u domains can host nested guests:\n%s",
                        N_NESTED_CAPABLE + 1, after.stdout_text);
}

/* ---- ListDomainsDetailed ---------------------------------------------- */

/* ListDomainsDetailed's array. */
static GVariant *list_domains_detailed(Fixture *f)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = NULL;
        GVariant *domains;

        reply = call_daemon(f, "ListDomainsDetailed", NULL, G_DBUS_CALL_FLAGS_NONE,
                            G_VARIANT_TYPE("(a(ssssss))"), &error);
        g_assert_no_error(error);
        g_variant_get(reply, "(@a(ssssss))", &domains);
        return domains;
}

/* ListDomainsDetailed is ListDomains plus, for each domain, @expected's
 * verdict with a reason holding its part. */
static void assert_nesting(Fixture *f, const Nesting *expected, gsize n)
{
        g_autoptr(GVariant) detailed = list_domains_detailed(f);
        g_autoptr(GVariant) plain = list_domains(f);
        GVariantIter iter;
        const char *name, *uuid, *state, *cpu_mode, *nested, *reason;
        gsize i = 0;

        g_assert_cmpuint(g_variant_n_children(detailed), ==, n);
        g_assert_cmpuint(g_variant_n_children(plain), ==, n);
        g_variant_iter_init(&iter, detailed);
        while (g_variant_iter_next(&iter, "(&s&s&s&s&s&s)", &name, &uuid, &state, &cpu_mode, &nested,
                                   &reason)) {
                g_autoptr(GVariant) same = g_variant_new("(ssss)", name, uuid, state, cpu_mode);
                g_autoptr(GVariant) listed = g_variant_get_child_value(plain, i);

                g_variant_ref_sink(same);
                g_assert_cmpvariant(same, listed);
                g_assert_cmpstr(name, ==, expected[i].name);
                g_test_message("%s: %s (%s)", name, nested, reason);
                if (!g_str_equal(nested, expected[i].nested) || !strstr(reason, expected[i].reason_part))
                        g_error("%s: nested is %s (\"%s\"), expected %s (\"...%s...\")", name, nested,
                                reason, expected[i].nested, expected[i].reason_part);
                i++;
        }
}

/* An AMD host whose kvm_amd nests: every kind of <cpu>, each domain
 * judged from the definition its guest has now; a running domain defined
 * again keeps its live CPU until a full power-off. */
static void test_nesting_amd(Fixture *f, gconstpointer data)
{
        Nesting expected[] = {
                { "custom-epyc", "yes", "CPU model EPYC-Rome has svm" },
                { "custom-opteron", "no", "CPU model Opteron_G1 has no svm" },
                { "custom-opteron-svm", "yes", "svm added by <feature policy='require'>" },
                { "custom-unknown-model", "unknown", "whether CPU model Zen-9000 has svm is not known" },
                /* libvirt 9.0's test driver has no domain capabilities. */
                { "host-model", "unknown", "gives no domain capabilities" },
                { "host-model-svm-disabled", "no", "svm disabled by <feature policy='disable'>" },
                { "no-cpu", "unknown", "no <cpu>" },
                { "passthrough", "yes", "host-passthrough passes on the host's svm" },
                { "running", "no", "CPU model Opteron_G1 has no svm" },
                { "sev-es-passthrough", "no", "SEV-ES guest: confidential guests cannot run KVM inside" },
                { "sev-passthrough", "no", "SEV guest: confidential guests cannot run KVM inside" },
        };

        G_STATIC_ASSERT(G_N_ELEMENTS(expected) == N_NESTING_DOMAINS);
        assert_nesting(f, expected, G_N_ELEMENTS(expected));

        /* The next start gets host-passthrough; the guest running now has
         * Opteron_G1 still, and the reason says what changes. */
        g_assert_true(configure(f, "running", "host-passthrough"));
        expected[8].reason_part =
                "Opteron_G1 has no svm and no <feature> adds it; after a full power-off and start: yes, "
                "host-passthrough passes on the host's svm";
        assert_nesting(f, expected, G_N_ELEMENTS(expected));

        /* A shut off domain is judged from the definition it starts with. */
        g_assert_false(configure(f, "custom-opteron", "host-passthrough"));
        expected[1] = (Nesting){ "custom-opteron", "yes", "host-passthrough passes on the host's svm" };
        assert_nesting(f, expected, G_N_ELEMENTS(expected));
}

/* An Intel host whose kvm_intel has nested off: nothing passes vmx on,
 * and host-model, for which libvirt does not tell, is still known not to. */
static void test_nesting_intel_off(Fixture *f, gconstpointer data)
{
        const Nesting expected[] = {
                /* The AMD models have no vmx at all. */
                { "custom-epyc", "no", "CPU model EPYC-Rome has no vmx" },
                { "custom-opteron", "no", "CPU model Opteron_G1 has no vmx" },
                { "custom-opteron-svm", "no", "Opteron_G1 has no vmx" },
                { "custom-unknown-model", "unknown", "Zen-9000 has vmx is not known" },
                { "host-model", "no", "kvm_intel has nested disabled" },
                { "host-model-svm-disabled", "no", "kvm_intel has nested disabled" },
                { "no-cpu", "unknown", "no <cpu>" },
                { "passthrough", "no", "kvm_intel has nested disabled" },
                { "running", "no", "Opteron_G1 has no vmx" },
                { "sev-es-passthrough", "no", "SEV-ES guest" },
                { "sev-passthrough", "no", "SEV guest" },
        };

        assert_nesting(f, expected, G_N_ELEMENTS(expected));
}

/* ConfigureDomain on a confidential guest: NotSupported, naming why, and
 * the definition stays as it was. */
static void test_configure_confidential(Fixture *f, gconstpointer data)
{
        g_autofree char *message =
                configure_error(f, "sev-es-passthrough", "host-model", NV_ERROR_NOT_SUPPORTED);
        g_autoptr(GVariant) domains = list_domains(f);
        GVariantIter iter;
        const char *name, *uuid, *state, *cpu_mode;
        gboolean seen = FALSE;

        if (!strstr(message, "'sev-es-passthrough' is a SEV-ES guest") ||
            !strstr(message, "confidential guests cannot run KVM inside"))
                g_error("NotSupported does not say why: %s", message);
        g_variant_iter_init(&iter, domains);
        while (g_variant_iter_next(&iter, "(&s&s&s&s)", &name, &uuid, &state, &cpu_mode)) {
                if (!g_str_equal(name, "sev-es-passthrough"))
                        continue;
                g_assert_cmpstr(cpu_mode, ==, "host-passthrough");
                seen = TRUE;
        }
        g_assert_true(seen);
}

/* Read-only, like ListDomains: anyone may ask. */
static void test_nesting_unprivileged(Fixture *f, gconstpointer data)
{
        g_auto(NvTestRunResult) listed = { 0 };

        call_as(f, NV_TEST_UID_NOBODY, (const char *const[]){ "ListDomainsDetailed", NULL }, &listed);
        g_assert_cmpint(listed.exit_status, ==, 0);
        g_assert_nonnull(strstr(listed.stdout_text, "custom-epyc"));
}

/* list-domains shows the verdict and its reason in NESTED, and --json
 * carries both. */
static void test_cli_list_nesting(Fixture *f, gconstpointer data)
{
        g_auto(NvTestRunResult) text = { 0 };
        g_auto(NvTestRunResult) json = { 0 };
        g_auto(GStrv) lines = NULL;
        gboolean header = FALSE, disabled = FALSE, unknown = FALSE, yes = FALSE;

        run_ctl(f, &text, "list-domains");
        nv_test_assert_exit(&text, 0);
        lines = split_lines(text.stdout_text);
        for (gsize i = 0; lines[i]; i++) {
                header |= g_str_has_prefix(lines[i], "NAME") && strstr(lines[i], "NESTED") != NULL;
                disabled |= g_str_has_prefix(lines[i], "host-model-svm-disabled ") &&
                            g_str_has_suffix(lines[i], "no: svm disabled by <feature policy='disable'>");
                unknown |=
                        g_str_has_prefix(lines[i], "custom-unknown-model ") &&
                        strstr(lines[i], "unknown: whether CPU model Zen-9000 has svm is not known") != NULL;
                yes |= g_str_has_prefix(lines[i], "passthrough ") && g_str_has_suffix(lines[i], "  yes");
        }
        if (!header || !disabled || !unknown || !yes)
                g_error("list-domains does not show each domain's nesting:\n%s", text.stdout_text);

        run_ctl(f, &json, "--json=short", "list-domains");
        nv_test_assert_exit(&json, 0);
        g_assert_nonnull(strstr(json.stdout_text, "\"Nested\":\"no\""));
        g_assert_nonnull(
                strstr(json.stdout_text, "\"NestedReason\":\"svm disabled by <feature policy='disable'>\""));
}

/* Against a daemon that has only ListDomains, list-domains still lists,
 * with NESTED by the CPU mode alone. */
static void test_cli_list_old_daemon(Fixture *f, gconstpointer data)
{
        g_auto(NvTestRunResult) result = { 0 };
        g_autoptr(GVariant) domains = NULL;
        Domain expected[N_NODE_DOMAINS];

        run_ctl(f, &result, "list-domains");
        nv_test_assert_exit(&result, 0);
        g_assert_cmpstr(result.stderr_text, ==, "");
        expected_node_domains(expected);
        domains = domains_to_variant(expected, N_NODE_DOMAINS);
        assert_list_text(result.stdout_text, domains);
        g_assert_true(
                g_regex_match_simple("(?m)^web server .* host-passthrough +yes$", result.stdout_text, 0, 0));
        g_assert_true(g_regex_match_simple("(?m)^running .* custom +no$", result.stdout_text, 0, 0));
}

/* ---- Registration ----------------------------------------------------- */

/* The daemon dlopen()s libvirt; without it every domain call would be
 * LibvirtUnavailable, which is tested, but nothing else could be. The
 * library stays loaded: unloading libvirt is never safe. */
static char *libvirt_skip_reason(void)
{
        if (dlopen("libvirt.so.0", RTLD_LAZY | RTLD_LOCAL))
                return NULL;
        return g_strdup_printf("libvirt.so.0 (package libvirt0) is not installed: %s", dlerror());
}

static void add_test(const char *skip, const char *path, const TestConfig *config,
                     void (*test)(Fixture *, gconstpointer))
{
        nv_test_add(skip, path, Fixture, config, fixture_setup, test, fixture_teardown);
}

int main(int argc, char **argv)
{
        static const char *const env_vars[] = {
                "NV_DAEMON", "NV_CTL", "NV_BUS_POLICY", "NV_TEST_CALL", "NV_TEST_POLKIT_MOCK_POLICY", NULL
        };
        g_autofree char *skip = NULL;
        int r;

        nv_test_init(&argc, &argv);
        skip = nv_test_skip_reason(env_vars);
        if (!skip)
                skip = libvirt_skip_reason();

        add_test(skip, "/domains/list/node", &config_node, test_list);
        add_test(skip, "/domains/list/default", &config_default, test_list_default);
        add_test(skip, "/domains/configure/by-name", &config_node, test_configure_by_name);
        add_test(skip, "/domains/configure/by-uuid", &config_node, test_configure_by_uuid);
        add_test(skip, "/domains/configure/restart-required", &config_node, test_configure_restart_required);
        add_test(skip, "/domains/configure/default", &config_default, test_configure_default);
        add_test(skip, "/domains/failure/not-found", &config_node, test_not_found);
        add_test(skip, "/domains/failure/unreachable", &config_unreachable, test_unavailable);
        add_test(skip, "/domains/failure/libvirt-hangs", &config_hung, test_libvirt_hangs);
        add_test(skip, "/domains/failure/libvirt-deadline", &config_hung_deadline, test_libvirt_deadline);
        add_test(skip, "/domains/failure/calls-per-connection", &config_hung, test_calls_per_connection);
        add_test(skip, "/domains/failure/libvirt-hangs-at-stop", &config_hung, test_libvirt_hangs_at_stop);
        add_test(skip, "/domains/failure/missing-node-file", &config_missing, test_unavailable);
        add_test(skip, "/domains/invalid/mode", &config_node, test_invalid_mode);
        add_test(skip, "/domains/invalid/domain", &config_node, test_invalid_domain);
        add_test(skip, "/domains/invalid/signature", &config_node, test_invalid_signature);
        add_test(skip, "/domains/auth/root-without-polkit", &config_node, test_auth_root_without_polkit);
        add_test(skip, "/domains/auth/unprivileged-denied", &config_node, test_auth_unprivileged_denied);
        add_test(skip, "/domains/auth/mock-polkit/allowed", &config_node_mock_polkit,
                 test_auth_mock_allowed);
        add_test(skip, "/domains/auth/mock-polkit/denied", &config_node_mock_polkit, test_auth_mock_denied);
        add_test(skip, "/domains/auth/mock-polkit/validated-first", &config_node_mock_polkit,
                 test_auth_mock_validated_first);
        add_test(skip, "/domains/cli/help", &config_node, test_cli_help);
        add_test(skip, "/domains/cli/list-domains/text", &config_node, test_cli_list_text);
        add_test(skip, "/domains/cli/list-domains/json", &config_node, test_cli_list_json);
        add_test(skip, "/domains/cli/configure-domain/success", &config_node, test_cli_configure);
        add_test(skip, "/domains/cli/configure-domain/failures", &config_node, test_cli_configure_failures);
        add_test(skip, "/domains/cli/unreachable", &config_unreachable, test_cli_unavailable);
        add_test(skip, "/domains/cli/status-domain-count", &config_node, test_cli_status_domain_count);
        add_test(skip, "/domains/nesting/amd", &config_nesting_amd, test_nesting_amd);
        add_test(skip, "/domains/nesting/intel-nested-off", &config_nesting_intel_off,
                 test_nesting_intel_off);
        add_test(skip, "/domains/nesting/unprivileged", &config_nesting_amd, test_nesting_unprivileged);
        add_test(skip, "/domains/nesting/configure-confidential", &config_nesting_amd,
                 test_configure_confidential);
        add_test(skip, "/domains/cli/list-domains/nesting", &config_nesting_amd, test_cli_list_nesting);
        add_test(skip, "/domains/cli/list-domains/old-daemon", &config_old_daemon, test_cli_list_old_daemon);

        r = nv_test_run_tests(skip);
        return r;
}
