/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Hostile input over the real bus (issue 7): every method and the
 * Properties interface called with wrong signatures, empty and 1 MiB
 * strings, domain names that look like paths, carry line breaks, bidi or
 * zero-width characters, or shell and XML syntax, UUID-shaped garbage, CPU modes that differ from the
 * valid ones only in case or whitespace, unknown methods, interfaces and
 * object paths, Set on read-only properties, and bad calls fired faster
 * than they are answered.
 *
 * Each case asserts the D-Bus error it gets (by name), that its message is
 * not empty and, where the message can name it, that it names what was
 * wrong, and that it holds no raw control or format character. Calls that
 * carry file descriptors, which no method takes, never reach it. After each case the daemon still answers
 * GetStatus, it exits cleanly on SIGTERM (the fixture's teardown), and the whole fake host tree, the
 * modprobe.d directories and /sys/module included, hashes as it did before.
 *
 * The daemon is the one built with the simulated kernel, so that a
 * ReloadModule that got through could not touch this machine, with
 * --libvirt-uri=test:///default for the domain methods. The tests run as
 * root without polkit on the bus, which lets root through: every refusal
 * seen here is the validation's, not polkit's.
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nv-dbus.h"
#include "nv-test-bus.h"
#include "nv-test-host.h"

#define PROPERTIES_INTERFACE "org.freedesktop.DBus.Properties"

#define ERROR_INVALID_ARGS      "org.freedesktop.DBus.Error.InvalidArgs"
#define ERROR_UNKNOWN_METHOD    "org.freedesktop.DBus.Error.UnknownMethod"
#define ERROR_UNKNOWN_OBJECT    "org.freedesktop.DBus.Error.UnknownObject"
#define ERROR_UNKNOWN_INTERFACE "org.freedesktop.DBus.Error.UnknownInterface"
#define ERROR_UNKNOWN_PROPERTY  "org.freedesktop.DBus.Error.UnknownProperty"
#define ERROR_READ_ONLY         "org.freedesktop.DBus.Error.PropertyReadOnly"
#define ERROR_ACCESS_DENIED     "org.freedesktop.DBus.Error.AccessDenied"
#define ERROR_LIMITS_EXCEEDED   "org.freedesktop.DBus.Error.LimitsExceeded"

/* The one domain of test:///default. */
#define DEFAULT_DOMAIN_UUID "6695eb01-f6a4-8304-79aa-97f2502e193f"

#define ONE_MIB (1024 * 1024)

/* Longer than any message that quotes an argument needs to be: a daemon
 * that echoed a 1 MiB argument back would fail this. */
#define ERROR_MESSAGE_MAX 4096

typedef struct {
        NvTestEnv env;
        char *tree_hash; /* of the whole fake host tree, daemon started */
} Fixture;

/* One bad call and what it must get. */
typedef struct {
        const char *path;        /* the test's path */
        const char *object_path; /* NULL: NV_OBJECT_PATH */
        const char *interface;
        const char *method;
        /* GVariant text of the parameter tuple; NULL: none, unless @build. */
        const char *parameters;
        GVariant *(*build)(void); /* builds the parameters instead */
        const char *error_name;
        /* Text the error message must contain; NULL: only non-empty. */
        const char *mentions;
} AbuseCase;

/* ---- The tree's hash ----------------------------------------------------- */

static int compare_names(gconstpointer a, gconstpointer b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Feeds @path (relative name @rel) and everything below it into @checksum:
 * names, types, permissions, owners, contents and link targets, never
 * following a link. Sorted, so that the order readdir() gives is irrelevant. */
static void hash_path(GChecksum *checksum, const char *path, const char *rel)
{
        struct stat st;
        g_autofree char *header = NULL;

        g_assert_cmpint(lstat(path, &st), ==, 0);
        header = g_strdup_printf("%s\n%o %u:%u %" G_GINT64_FORMAT "\n", rel, (unsigned)st.st_mode,
                                 (unsigned)st.st_uid, (unsigned)st.st_gid, (gint64)st.st_size);
        g_checksum_update(checksum, (const guchar *)header, -1);

        if (S_ISLNK(st.st_mode)) {
                g_autoptr(GError) error = NULL;
                g_autofree char *target = g_file_read_link(path, &error);

                g_assert_no_error(error);
                g_checksum_update(checksum, (const guchar *)target, -1);
        } else if (S_ISREG(st.st_mode)) {
                g_autoptr(GError) error = NULL;
                g_autofree char *contents = NULL;
                gsize len = 0;

                g_file_get_contents(path, &contents, &len, &error);
                g_assert_no_error(error);
                g_checksum_update(checksum, (const guchar *)contents, (gssize)len);
        } else if (S_ISDIR(st.st_mode)) {
                g_autoptr(GError) error = NULL;
                g_autoptr(GDir) dir = g_dir_open(path, 0, &error);
                g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
                const char *name;

                g_assert_no_error(error);
                while ((name = g_dir_read_name(dir)))
                        g_ptr_array_add(names, g_strdup(name));
                g_ptr_array_sort(names, compare_names);
                for (guint i = 0; i < names->len; i++) {
                        const char *child = g_ptr_array_index(names, i);
                        g_autofree char *child_path = g_build_filename(path, child, NULL);
                        g_autofree char *child_rel = g_build_filename(rel, child, NULL);

                        hash_path(checksum, child_path, child_rel);
                }
        }
}

static char *tree_hash(Fixture *f)
{
        g_autoptr(GChecksum) checksum = g_checksum_new(G_CHECKSUM_SHA256);
        g_autofree char *modprobe_d = nv_test_host_path(f->env.host, "/etc/modprobe.d");
        g_autofree char *sys_module = nv_test_host_path(f->env.host, "/sys/module");

        /* The two the daemon may write to, named so that a failure says
         * which must not have changed; and then everything else. */
        g_assert_true(g_file_test(modprobe_d, G_FILE_TEST_IS_DIR));
        g_assert_true(g_file_test(sys_module, G_FILE_TEST_IS_DIR));
        hash_path(checksum, nv_test_host_get_root(f->env.host), ".");
        return g_strdup(g_checksum_get_string(checksum));
}

/* ---- Fixture ------------------------------------------------------------- */

static void fixture_setup(Fixture *f, gconstpointer data)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *root_arg = NULL;
        /* Root may monitor the bus (the hit-and-run case counts what the
         * daemon sends). */
        const char *const policies[] = { nv_test_getenv("NV_TEST_MONITOR_POLICY"), NULL };
        const NvTestEnvOptions options = { .daemon_program = nv_test_getenv("NV_DAEMON_SIM"),
                                           .bus_policies = policies };

        nv_test_env_setup_full(&f->env, NV_TEST_PRESET_INTEL_LOADED, &options);
        /* A file of our own there too, which must survive every case. */
        nv_test_host_write_modprobe(f->env.host, "/etc/modprobe.d", "kvm.conf",
                                    "# managed by hand\noptions kvm_intel nested=0 ept=1\n");
        root_arg = g_strconcat("--root=", nv_test_host_get_root(f->env.host), NULL);
        {
                const char *const argv[] = { nv_test_getenv("NV_DAEMON_SIM"), root_arg, "--idle-timeout=0",
                                             "--libvirt-uri=test:///default", NULL };

                f->env.daemon = nv_test_daemon_start_argv(f->env.bus, argv, NV_BUS_NAME, &error);
                g_assert_no_error(error);
        }
        f->tree_hash = tree_hash(f);
}

/* The daemon still answers, with the same status, and changed nothing. */
static void assert_unharmed(Fixture *f)
{
        g_autoptr(GVariant) status = NULL;
        g_autofree char *after = NULL;
        gboolean nested = TRUE;

        g_assert_true(nv_test_daemon_is_running(f->env.daemon));
        status = nv_test_env_get_status(&f->env);
        g_assert_true(g_variant_lookup(status, "NestedEnabled", "b", &nested));
        g_assert_false(nested);
        after = tree_hash(f);
        g_assert_cmpstr(after, ==, f->tree_hash);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
        if (f->env.daemon && !g_test_failed())
                assert_unharmed(f);
        g_clear_pointer(&f->tree_hash, g_free);
        /* Fails unless the daemon exits with status 0 on SIGTERM. */
        nv_test_env_teardown(&f->env);
}

/* ---- Calls --------------------------------------------------------------- */

typedef struct {
        guint n_pending;
        guint n_expected; /* answers with the expected error */
        guint n_limited;  /* refused by the bus: too many calls in flight */
        guint n_wrong;    /* anything else */
        const char *error_name;
} Flood;

static GVariant *call_raw(Fixture *f, const char *object_path, const char *interface, const char *method,
                          GVariant *parameters, GError **error)
{
        return g_dbus_connection_call_sync(
                f->env.connection, NV_BUS_NAME, object_path ? object_path : NV_OBJECT_PATH, interface,
                method, parameters, NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START, NV_TEST_TIMEOUT_MS, NULL, error);
}

/* Fails unless @error is the remote error @name with a message that is not
 * empty, and contains @mentions (if not NULL). */
static void assert_remote_error(GError *error, const char *name, const char *mentions, const char *what)
{
        g_autofree char *message = nv_test_assert_dbus_error(error, name, what);

        g_assert_cmpuint(strlen(g_strstrip(message)), >, 0);
        if (mentions && !strstr(message, mentions))
                g_error("%s: the message \"%s\" does not mention \"%s\"", what, message, mentions);
}

/* Fails if @message holds a control or format character: what the caller
 * sent comes back escaped, never raw to a terminal or a log. */
static void assert_shows_nothing_raw(const char *message, const char *what)
{
        g_assert_true(g_utf8_validate(message, -1, NULL));
        for (const char *p = message; *p; p = g_utf8_next_char(p)) {
                gunichar ch = g_utf8_get_char(p);

                if (g_unichar_iscntrl(ch) || g_unichar_type(ch) == G_UNICODE_FORMAT)
                        g_error("%s: the message holds U+%04X raw: \"%s\"", what, (unsigned)ch, message);
        }
}

static void test_case(Fixture *f, gconstpointer data)
{
        const AbuseCase *c = data;
        g_autoptr(GVariant) parameters = NULL;
        g_autoptr(GVariant) reply = NULL;
        g_autoptr(GError) error = NULL;

        if (c->build) {
                parameters = g_variant_ref_sink(c->build());
        } else if (c->parameters) {
                parameters = g_variant_parse(NULL, c->parameters, NULL, NULL, &error);
                g_assert_no_error(error);
        }
        reply = call_raw(f, c->object_path, c->interface, c->method, parameters, &error);
        assert_remote_error(error, c->error_name, c->mentions, c->path);
        g_assert_null(reply);
        /* The daemon's own messages quote an argument abbreviated, if at
         * all. (sd-bus's, for unknown members of the Properties interface,
         * echo the caller's name back whole: its own input, to itself.) */
        if (g_str_equal(c->interface, NV_INTERFACE)) {
                g_assert_cmpuint(strlen(error->message), <, ERROR_MESSAGE_MAX);
                assert_shows_nothing_raw(error->message, c->path);
        }
}

/* ---- Parameters too big for GVariant text -------------------------------- */

static char *one_mib_string(char c)
{
        return g_strnfill(ONE_MIB, c);
}

static GVariant *build_huge_domain(void)
{
        g_autofree char *huge = one_mib_string('d');

        return g_variant_new("(ss)", huge, "host-model");
}

static GVariant *build_huge_mode(void)
{
        g_autofree char *huge = one_mib_string('m');

        return g_variant_new("(ss)", "test", huge);
}

static GVariant *build_huge_utf8_domain(void)
{
        g_autoptr(GString) s = g_string_sized_new(ONE_MIB);

        while (s->len < ONE_MIB)
                g_string_append(s, "\xe2\x82\xac"); /* € */
        return g_variant_new("(ss)", s->str, "host-passthrough");
}

static GVariant *build_huge_property_name(void)
{
        g_autofree char *huge = one_mib_string('P');

        return g_variant_new("(ss)", NV_INTERFACE, huge);
}

static GVariant *build_huge_set(void)
{
        g_autofree char *huge = one_mib_string('y');

        return g_variant_new("(ssv)", NV_INTERFACE, "PersistentSource", g_variant_new_string(huge));
}

static GVariant *build_huge_signature_mismatch(void)
{
        g_autofree char *huge = one_mib_string('1');

        return g_variant_new("(s)", huge);
}

/* ---- The cases ----------------------------------------------------------- */

#define M(method) NULL, NV_INTERFACE, (method)
#define P(method) NULL, PROPERTIES_INTERFACE, (method)

static const AbuseCase cases[] = {
        /* Wrong signatures: sd-bus refuses them before any handler runs,
         * naming the method and the signature it expects. */
        { "/abuse/signature/get-status-arg", M("GetStatus"), "('x',)", NULL, ERROR_INVALID_ARGS,
          "GetStatus" },
        { "/abuse/signature/list-domains-arg", M("ListDomains"), "(true,)", NULL, ERROR_INVALID_ARGS,
          "ListDomains" },
        { "/abuse/signature/enable-none", M("EnablePersistent"), NULL, NULL, ERROR_INVALID_ARGS,
          "EnablePersistent" },
        { "/abuse/signature/enable-string", M("EnablePersistent"), "('true',)", NULL, ERROR_INVALID_ARGS,
          "EnablePersistent" },
        { "/abuse/signature/enable-int", M("EnablePersistent"), "(int32 1,)", NULL, ERROR_INVALID_ARGS,
          "EnablePersistent" },
        { "/abuse/signature/enable-two", M("EnablePersistent"), "(true, true)", NULL, ERROR_INVALID_ARGS,
          "EnablePersistent" },
        { "/abuse/signature/enable-variant", M("EnablePersistent"), "(<true>,)", NULL, ERROR_INVALID_ARGS,
          "EnablePersistent" },
        { "/abuse/signature/enable-1mib", M("EnablePersistent"), NULL, build_huge_signature_mismatch,
          ERROR_INVALID_ARGS, "EnablePersistent" },
        { "/abuse/signature/reload-none", M("ReloadModule"), NULL, NULL, ERROR_INVALID_ARGS,
          "ReloadModule" },
        { "/abuse/signature/reload-string", M("ReloadModule"), "('1',)", NULL, ERROR_INVALID_ARGS,
          "ReloadModule" },
        { "/abuse/signature/reload-byte", M("ReloadModule"), "(byte 1,)", NULL, ERROR_INVALID_ARGS,
          "ReloadModule" },
        { "/abuse/signature/configure-none", M("ConfigureDomain"), NULL, NULL, ERROR_INVALID_ARGS,
          "ConfigureDomain" },
        { "/abuse/signature/configure-one", M("ConfigureDomain"), "('test',)", NULL, ERROR_INVALID_ARGS,
          "ConfigureDomain" },
        { "/abuse/signature/configure-three", M("ConfigureDomain"), "('test', 'host-model', 'x')", NULL,
          ERROR_INVALID_ARGS, "ConfigureDomain" },
        { "/abuse/signature/configure-array", M("ConfigureDomain"), "(['test'], 'host-model')", NULL,
          ERROR_INVALID_ARGS, "ConfigureDomain" },
        { "/abuse/signature/configure-object-path", M("ConfigureDomain"),
          "(objectpath '/test', 'host-model')", NULL, ERROR_INVALID_ARGS, "ConfigureDomain" },
        { "/abuse/signature/configure-dict", M("ConfigureDomain"), "({'domain': <'test'>},)", NULL,
          ERROR_INVALID_ARGS, "ConfigureDomain" },

        /* Empty strings. */
        { "/abuse/empty/domain", M("ConfigureDomain"), "('', 'host-model')", NULL, ERROR_INVALID_ARGS,
          "domain" },
        { "/abuse/empty/mode", M("ConfigureDomain"), "('test', '')", NULL, ERROR_INVALID_ARGS, "CPU mode" },
        { "/abuse/empty/both", M("ConfigureDomain"), "('', '')", NULL, ERROR_INVALID_ARGS, "domain" },
        { "/abuse/empty/property-name", P("Get"), "('org.example.NestedVirt', '')", NULL,
          ERROR_UNKNOWN_PROPERTY, NULL },

        /* 1 MiB strings: refused, and not echoed back whole. */
        { "/abuse/1mib/domain", M("ConfigureDomain"), NULL, build_huge_domain, ERROR_INVALID_ARGS,
          "domain" },
        { "/abuse/1mib/domain-utf8", M("ConfigureDomain"), NULL, build_huge_utf8_domain, ERROR_INVALID_ARGS,
          "domain" },
        { "/abuse/1mib/mode", M("ConfigureDomain"), NULL, build_huge_mode, ERROR_INVALID_ARGS, "CPU mode" },
        { "/abuse/1mib/property-get", P("Get"), NULL, build_huge_property_name, ERROR_UNKNOWN_PROPERTY,
          NULL },
        { "/abuse/1mib/property-set", P("Set"), NULL, build_huge_set, ERROR_READ_ONLY, "PersistentSource" },

        /* Domain names that look like paths, or carry line breaks, shell or
         * XML: the daemon looks them up as names and finds nothing, or
         * refuses control characters outright. */
        { "/abuse/domain/dotdot-path", M("ConfigureDomain"), "('../../etc/passwd', 'host-model')", NULL,
          NV_ERROR_DOMAIN_NOT_FOUND, "../../etc/passwd" },
        { "/abuse/domain/absolute-path", M("ConfigureDomain"),
          "('/etc/libvirt/qemu/test.xml', 'host-model')", NULL, NV_ERROR_DOMAIN_NOT_FOUND,
          "/etc/libvirt/qemu/test.xml" },
        { "/abuse/domain/slash-in-name", M("ConfigureDomain"), "('test/../test', 'host-passthrough')", NULL,
          NV_ERROR_DOMAIN_NOT_FOUND, "test/../test" },
        { "/abuse/domain/dotdot", M("ConfigureDomain"), "('..', 'host-model')", NULL,
          NV_ERROR_DOMAIN_NOT_FOUND, "'..'" },
        { "/abuse/domain/trailing-newline", M("ConfigureDomain"), "('test\\n', 'host-model')", NULL,
          ERROR_INVALID_ARGS, "control characters" },
        { "/abuse/domain/inner-newline", M("ConfigureDomain"), "('te\\nst', 'host-model')", NULL,
          ERROR_INVALID_ARGS, "control characters" },
        { "/abuse/domain/carriage-return", M("ConfigureDomain"), "('test\\r', 'host-passthrough')", NULL,
          ERROR_INVALID_ARGS, "control characters" },
        { "/abuse/domain/escape-sequence", M("ConfigureDomain"), "('\\u001b]0;pwned\\u0007', 'host-model')",
          NULL, ERROR_INVALID_ARGS, "control characters" },
        { "/abuse/domain/shell", M("ConfigureDomain"), "('$(touch /tmp/nv-pwned); test', 'host-model')",
          NULL, NV_ERROR_DOMAIN_NOT_FOUND, "$(touch /tmp/nv-pwned); test" },
        { "/abuse/domain/xml", M("ConfigureDomain"), "(\"test'><cpu mode='custom'/>\", 'host-model')", NULL,
          NV_ERROR_DOMAIN_NOT_FOUND, "<cpu mode='custom'/>" },
        { "/abuse/domain/case", M("ConfigureDomain"), "('TEST', 'host-model')", NULL,
          NV_ERROR_DOMAIN_NOT_FOUND, "TEST" },
        /* Format characters (Unicode Cf) are allowed in a name, but come
         * back escaped, as control characters do: a bidi override would
         * show the caller's terminal the rest of the message reordered,
         * zero-width ones would hide in it. */
        { "/abuse/domain/bidi-override", M("ConfigureDomain"), "('test\\u202egnp.exe', 'host-model')", NULL,
          NV_ERROR_DOMAIN_NOT_FOUND, "'test\\u202egnp.exe'" },
        { "/abuse/domain/bidi-isolate", M("ConfigureDomain"), "('\\u2067test\\u2069', 'host-model')", NULL,
          NV_ERROR_DOMAIN_NOT_FOUND, "'\\u2067test\\u2069'" },
        { "/abuse/domain/zero-width", M("ConfigureDomain"), "('te\\u200bs\\u200dt\\ufeff', 'host-model')",
          NULL, NV_ERROR_DOMAIN_NOT_FOUND, "'te\\u200bs\\u200dt\\ufeff'" },
        { "/abuse/domain/tag-character", M("ConfigureDomain"), "('test\\U000e0041', 'host-model')", NULL,
          NV_ERROR_DOMAIN_NOT_FOUND, "'test\\U000e0041'" },
        { "/abuse/domain/uuid-bidi", M("ConfigureDomain"),
          "('\\u202e" DEFAULT_DOMAIN_UUID "', 'host-model')", NULL, NV_ERROR_DOMAIN_NOT_FOUND,
          "\\u202e" DEFAULT_DOMAIN_UUID },

        /* UUID-shaped garbage. */
        { "/abuse/uuid/non-hex", M("ConfigureDomain"),
          "('6695eb01-f6a4-8304-79aa-97f2502e193g', 'host-model')", NULL, NV_ERROR_DOMAIN_NOT_FOUND,
          "6695eb01-f6a4-8304-79aa-97f2502e193g" },
        { "/abuse/uuid/nil", M("ConfigureDomain"), "('00000000-0000-0000-0000-000000000000', 'host-model')",
          NULL, NV_ERROR_DOMAIN_NOT_FOUND, "00000000-0000-0000-0000-000000000000" },
        { "/abuse/uuid/too-long", M("ConfigureDomain"),
          "('6695eb01-f6a4-8304-79aa-97f2502e193f00', 'host-model')", NULL, NV_ERROR_DOMAIN_NOT_FOUND,
          "6695eb01-f6a4-8304-79aa-97f2502e193f00" },
        { "/abuse/uuid/truncated", M("ConfigureDomain"), "('6695eb01-f6a4-8304-79aa', 'host-model')", NULL,
          NV_ERROR_DOMAIN_NOT_FOUND, "6695eb01-f6a4-8304-79aa" },
        { "/abuse/uuid/braces", M("ConfigureDomain"), "('{" DEFAULT_DOMAIN_UUID "}', 'host-model')", NULL,
          NV_ERROR_DOMAIN_NOT_FOUND, "{" DEFAULT_DOMAIN_UUID "}" },
        { "/abuse/uuid/newline", M("ConfigureDomain"), "('" DEFAULT_DOMAIN_UUID "\\n', 'host-model')", NULL,
          ERROR_INVALID_ARGS, "control characters" },

        /* CPU modes that differ from the valid ones in case or whitespace:
         * refused before the domain is even looked up. */
        { "/abuse/mode/capitalized", M("ConfigureDomain"), "('test', 'Host-Model')", NULL,
          ERROR_INVALID_ARGS, "'Host-Model'" },
        { "/abuse/mode/upper", M("ConfigureDomain"), "('test', 'HOST-PASSTHROUGH')", NULL,
          ERROR_INVALID_ARGS, "'HOST-PASSTHROUGH'" },
        { "/abuse/mode/leading-space", M("ConfigureDomain"), "('test', ' host-model')", NULL,
          ERROR_INVALID_ARGS, "' host-model'" },
        { "/abuse/mode/trailing-space", M("ConfigureDomain"), "('test', 'host-passthrough ')", NULL,
          ERROR_INVALID_ARGS, "'host-passthrough '" },
        /* Shown with its control characters escaped: nothing a caller
         * sends comes back raw to a terminal or a log. */
        { "/abuse/mode/trailing-newline", M("ConfigureDomain"), "('test', 'host-model\\n')", NULL,
          ERROR_INVALID_ARGS, "'host-model\\x0a'" },
        { "/abuse/mode/escape-sequence", M("ConfigureDomain"), "('test', '\\u001b[2J\\u009b')", NULL,
          ERROR_INVALID_ARGS, "'\\x1b[2J\\u009b'" },
        { "/abuse/mode/bidi-override", M("ConfigureDomain"), "('test', 'host-model\\u202e')", NULL,
          ERROR_INVALID_ARGS, "'host-model\\u202e'" },
        { "/abuse/mode/underscore", M("ConfigureDomain"), "('test', 'host_passthrough')", NULL,
          ERROR_INVALID_ARGS, "'host_passthrough'" },
        { "/abuse/mode/custom", M("ConfigureDomain"), "('test', 'custom')", NULL, ERROR_INVALID_ARGS,
          "'custom'" },
        { "/abuse/mode/xml", M("ConfigureDomain"), "('test', \"host-model' check='none\")", NULL,
          ERROR_INVALID_ARGS, "CPU mode" },

        /* Unknown methods, interfaces and object paths. The bus policy only
         * lets the daemon's own four interfaces through, so an unknown
         * interface is refused by the bus before the daemon sees it. */
        { "/abuse/unknown/method", M("SetStatus"), NULL, NULL, ERROR_UNKNOWN_METHOD, "SetStatus" },
        { "/abuse/unknown/method-case", M("getstatus"), NULL, NULL, ERROR_UNKNOWN_METHOD, "getstatus" },
        { "/abuse/unknown/properties-method", P("Frobnicate"), NULL, NULL, ERROR_UNKNOWN_METHOD,
          "Frobnicate" },
        { "/abuse/unknown/interface", NULL, "org.example.NestedVirt2", "GetStatus", NULL, NULL,
          ERROR_ACCESS_DENIED, "org.example.NestedVirt2" },
        { "/abuse/unknown/interface-case", NULL, "org.example.nestedvirt", "GetStatus", NULL, NULL,
          ERROR_ACCESS_DENIED, "org.example.nestedvirt" },
        { "/abuse/unknown/object-path", "/org/example/NestedVirt2", NV_INTERFACE, "GetStatus", NULL, NULL,
          ERROR_UNKNOWN_OBJECT, "/org/example/NestedVirt2" },
        { "/abuse/unknown/object-path-child", "/org/example/NestedVirt/etc", NV_INTERFACE,
          "EnablePersistent", "(true,)", NULL, ERROR_UNKNOWN_OBJECT, "/org/example/NestedVirt/etc" },
        { "/abuse/unknown/object-path-root", "/", NV_INTERFACE, "ReloadModule", "(true,)", NULL,
          ERROR_UNKNOWN_OBJECT, "'/'" },

        /* The Properties interface: everything is read-only, so no Set may
         * change the host, whatever the type of the value. */
        { "/abuse/properties/set-version", P("Set"), "('org.example.NestedVirt', 'Version', <'9.9'>)", NULL,
          ERROR_READ_ONLY, "Version" },
        { "/abuse/properties/set-nested-enabled", P("Set"),
          "('org.example.NestedVirt', 'NestedEnabled', <true>)", NULL, ERROR_READ_ONLY, "NestedEnabled" },
        { "/abuse/properties/set-persistent-nested", P("Set"),
          "('org.example.NestedVirt', 'PersistentNested', <'enabled'>)", NULL, ERROR_READ_ONLY,
          "PersistentNested" },
        { "/abuse/properties/set-wrong-type", P("Set"),
          "('org.example.NestedVirt', 'NestedEnabled', <'yes'>)", NULL, ERROR_READ_ONLY, "NestedEnabled" },
        { "/abuse/properties/set-host-class", P("Set"),
          "('org.example.NestedVirt', 'HostClass', <'module'>)", NULL, ERROR_READ_ONLY, "HostClass" },
        /* The holders are no property (ListModuleUsers names them). */
        { "/abuse/properties/set-module-users", P("Set"),
          "('org.example.NestedVirt', 'ModuleUsers', <[(uint32 1, 'init')]>)", NULL, ERROR_UNKNOWN_PROPERTY,
          NULL },
        { "/abuse/properties/set-unknown", P("Set"), "('org.example.NestedVirt', 'Nested', <true>)", NULL,
          ERROR_UNKNOWN_PROPERTY, NULL },
        { "/abuse/properties/get-case", P("Get"), "('org.example.NestedVirt', 'nestedenabled')", NULL,
          ERROR_UNKNOWN_PROPERTY, NULL },
        { "/abuse/properties/get-unknown-interface", P("Get"), "('org.example.Nope', 'Version')", NULL,
          ERROR_UNKNOWN_PROPERTY, NULL },
        { "/abuse/properties/get-all-unknown-interface", P("GetAll"), "('org.example.Nope',)", NULL,
          ERROR_UNKNOWN_INTERFACE, "org.example.Nope" },
        { "/abuse/properties/get-signature", P("Get"), "('Version',)", NULL, ERROR_INVALID_ARGS,
          "interface and member" },
        /* sd-bus refuses a Set on a read-only property before it reads the
         * value, so a value of the wrong form gets the same answer. */
        { "/abuse/properties/set-signature", P("Set"), "('org.example.NestedVirt', 'Version', 'x')", NULL,
          ERROR_READ_ONLY, "Version" },
        { "/abuse/properties/get-all-signature", P("GetAll"), "(true,)", NULL, ERROR_INVALID_ARGS,
          "interface" },
};

/* ---- Calls repeated quickly ---------------------------------------------- */

static void flood_call_finished(GObject *source, GAsyncResult *result, gpointer user_data)
{
        Flood *flood = user_data;
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);
        g_autofree char *remote = error ? g_dbus_error_get_remote_error(error) : NULL;

        g_assert_true(reply == NULL || error == NULL);
        if (g_strcmp0(remote, flood->error_name) == 0) {
                flood->n_expected++;
        } else if (g_strcmp0(remote, ERROR_LIMITS_EXCEEDED) == 0) {
                flood->n_limited++;
        } else {
                g_test_message("expected %s, got %s", flood->error_name, error ? error->message : "a reply");
                flood->n_wrong++;
        }
        flood->n_pending--;
}

static gboolean flood_done(gpointer user_data)
{
        return ((Flood *)user_data)->n_pending == 0;
}

/* @n of @method(@parameters) in flight at once, without waiting for any
 * answer; every one must get @error_name. */
static void flood(Fixture *f, const char *interface, const char *method, const char *parameters, guint n,
                  const char *error_name)
{
        Flood state = { .error_name = error_name };

        for (guint i = 0; i < n; i++) {
                g_autoptr(GVariant) args = NULL;
                g_autoptr(GError) error = NULL;

                if (parameters) {
                        args = g_variant_parse(NULL, parameters, NULL, NULL, &error);
                        g_assert_no_error(error);
                }
                state.n_pending++;
                g_dbus_connection_call(f->env.connection, NV_BUS_NAME, NV_OBJECT_PATH, interface, method,
                                       args, NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START, NV_TEST_TIMEOUT_MS, NULL,
                                       flood_call_finished, &state);
        }
        g_assert_true(nv_test_wait_until(flood_done, &state, 4 * NV_TEST_TIMEOUT_MS));
        g_test_message("%s: %u answered %s, %u refused by the bus", method, state.n_expected, error_name,
                       state.n_limited);
        g_assert_cmpuint(state.n_wrong, ==, 0);
        g_assert_cmpuint(state.n_expected, >=, n / 2);
}

/* The bus allows a connection 128 calls awaiting a reply
 * (max_replies_per_connection) and answers LimitsExceeded beyond, and
 * it lets go of a call's slot a little after the reply went through: so
 * some calls of a flood may be refused by the bus, which is the bus
 * protecting the daemon, and fine. Most get through. */
#define FLOOD_IN_FLIGHT 100

static void test_repeated_quickly(Fixture *f, gconstpointer data)
{
        for (guint round = 0; round < 10; round++) {
                flood(f, NV_INTERFACE, "ConfigureDomain", "('test\\n', 'host-model')", FLOOD_IN_FLIGHT,
                      ERROR_INVALID_ARGS);
                flood(f, NV_INTERFACE, "ConfigureDomain", "('test', 'HOST-MODEL')", FLOOD_IN_FLIGHT,
                      ERROR_INVALID_ARGS);
                flood(f, NV_INTERFACE, "EnablePersistent", "('yes',)", FLOOD_IN_FLIGHT, ERROR_INVALID_ARGS);
                flood(f, PROPERTIES_INTERFACE, "Set", "('org.example.NestedVirt', 'NestedEnabled', <true>)",
                      FLOOD_IN_FLIGHT, ERROR_READ_ONLY);
                flood(f, NV_INTERFACE, "Reload", NULL, FLOOD_IN_FLIGHT, ERROR_UNKNOWN_METHOD);
        }
}

/* ---- Descriptors with calls -------------------------------------------- */

/* How many descriptors process @pid has open. */
static guint count_open_fds(guint32 pid)
{
        g_autofree char *path = g_strdup_printf("/proc/%u/fd", pid);
        g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
        guint n = 0;

        g_assert_nonnull(dir);
        while (g_dir_read_name(dir))
                n++;
        return n;
}

static guint32 daemon_pid(Fixture *f)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = g_dbus_connection_call_sync(
                f->env.connection, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                "GetConnectionUnixProcessID", g_variant_new("(s)", NV_BUS_NAME), G_VARIANT_TYPE("(u)"),
                G_DBUS_CALL_FLAGS_NONE, NV_TEST_TIMEOUT_MS, NULL, &error);
        guint32 pid = 0;

        g_assert_no_error(error);
        g_variant_get(reply, "(u)", &pid);
        return pid;
}

#define FD_CALLS    120
#define FD_PER_CALL 16

/* No method takes a descriptor, so the daemon's connection does not
 * negotiate descriptor passing and the bus refuses, on the daemon's
 * behalf, every call that carries some: whatever another user sends, the
 * daemon's table never fills with descriptors it has no use for (issue
 * 26: 120 such calls of 16 each used to take it off the bus). */
static void test_descriptors_refused(Fixture *f, gconstpointer data)
{
        g_autofree char *bus_env =
                g_strconcat("DBUS_SYSTEM_BUS_ADDRESS=", nv_test_bus_get_address(f->env.bus), NULL);
        g_autofree char *burst = g_strdup_printf("--burst=%u", FD_CALLS);
        g_autofree char *fds = g_strdup_printf("--fds=%u", FD_PER_CALL);
        const char *const argv[] = { nv_test_getenv("NV_TEST_CALL"), burst, fds, "GetStatus", NULL };
        const char *const env[] = { bus_env, NULL };
        g_auto(NvTestRunResult) result = { 0 };
        g_autofree char *expected = NULL;
        guint32 pid = daemon_pid(f);
        guint before = count_open_fds(pid);

        nv_test_run_as(argv, env, NV_TEST_UID_NOBODY, &result);
        g_assert_true(result.exited);
        g_assert_cmpint(result.exit_status, ==, 0);
        expected = g_strdup_printf("ok 0\norg.freedesktop.DBus.Error.NotSupported %u ", FD_CALLS);
        g_assert_true(g_str_has_prefix(result.stdout_text, expected));
        /* Still up, answering root, and holding no more than it held. */
        assert_unharmed(f);
        g_assert_cmpuint(count_open_fds(pid), <=, before);
}

/* ---- Turns ---------------------------------------------------------------- */

typedef struct {
        guint n_replies;          /* of the flooding connection, so far */
        gint replies_before_root; /* -1 until root's reply came */
} Turns;

static void on_flood_reply(GObject *source, GAsyncResult *result, gpointer user_data)
{
        Turns *turns = user_data;
        GVariant *reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, NULL);

        /* An error ends the call's turn as a reply does: both count. */
        if (reply != NULL)
                g_variant_unref(reply);
        turns->n_replies++;
}

static void on_root_reply(GObject *source, GAsyncResult *result, gpointer user_data)
{
        Turns *turns = user_data;
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);

        g_assert_no_error(error);
        g_assert_nonnull(reply);
        turns->replies_before_root = (gint)turns->n_replies;
}

static gboolean root_answered(gpointer user_data)
{
        return ((Turns *)user_data)->replies_before_root >= 0;
}

static gboolean flood_answered(gpointer user_data)
{
        return ((Turns *)user_data)->n_replies == FLOOD_IN_FLIGHT;
}

/*
 * One connection's 100 calls are queued ahead of another's one (issue 26,
 * finding 2: root's latency must not depend on what others send). The
 * connections take turns: the one call is answered after some of the 100,
 * not after all of them.
 */
static void test_turns(Fixture *f, gconstpointer data)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GDBusConnection) flooder = nv_test_bus_connect(f->env.bus, &error);
        Turns turns = { .replies_before_root = -1 };

        g_assert_no_error(error);
        nv_test_daemon_send_signal(f->env.daemon, SIGSTOP);
        for (guint i = 0; i < FLOOD_IN_FLIGHT; i++)
                g_dbus_connection_call(flooder, NV_BUS_NAME, NV_OBJECT_PATH, NV_INTERFACE, "GetStatus", NULL,
                                       NULL, G_DBUS_CALL_FLAGS_NONE, NV_TEST_TIMEOUT_MS, NULL,
                                       on_flood_reply, &turns);
        /* A round trip to the bus on the same connection: the 100 are in
         * its queue for the daemon, ahead of the one call. */
        g_variant_unref(g_dbus_connection_call_sync(
                flooder, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetId",
                NULL, NULL, G_DBUS_CALL_FLAGS_NONE, NV_TEST_TIMEOUT_MS, NULL, &error));
        g_assert_no_error(error);
        g_dbus_connection_call(f->env.connection, NV_BUS_NAME, NV_OBJECT_PATH, NV_INTERFACE, "GetStatus",
                               NULL, NULL, G_DBUS_CALL_FLAGS_NONE, NV_TEST_TIMEOUT_MS, NULL, on_root_reply,
                               &turns);
        g_assert_true(g_dbus_connection_flush_sync(f->env.connection, NULL, &error));
        nv_test_daemon_send_signal(f->env.daemon, SIGCONT);

        g_assert_true(nv_test_wait_until(root_answered, &turns, NV_TEST_TIMEOUT_MS));
        g_test_message("root's call answered after %d of the other connection's %d",
                       turns.replies_before_root, FLOOD_IN_FLIGHT);
        /* In order, it would come after all 100. How soon it comes
         * depends on how fast the bus hands the daemon what it has queued
         * (a turn takes what can be read, the bus refills meanwhile): 2
         * on a quiet machine, up to 14 seen on a busy one. */
        g_assert_cmpint(turns.replies_before_root, <=, FLOOD_IN_FLIGHT / 2);
        /* And every one of the 100 is answered too. */
        g_assert_true(nv_test_wait_until(flood_answered, &turns, NV_TEST_TIMEOUT_MS));
}

/* ---- Hit and run ------------------------------------------------------------ */

/* Connection after connection of user nobody, each sending this many
 * GetStatus and closing before any answer: 10,000 calls nobody reads. */
#define HIT_AND_RUN_CONNECTIONS 200
#define HIT_AND_RUN_CALLS       50

/* What the daemon sends, seen by a monitor of the bus: its questions to
 * the bus about whose a connection is, and its answers to anyone but
 * root's connection. Counted in GDBus's worker thread. */
typedef struct {
        const char *root; /* root's unique name */
        gint lookups;
        gint answers_to_others;
        gint answers_to_root;
} Sent;

static GDBusMessage *on_monitored(GDBusConnection *connection, GDBusMessage *message, gboolean incoming,
                                  gpointer user_data)
{
        Sent *sent = user_data;
        const char *destination = g_dbus_message_get_destination(message);

        /* Its own: the answer to BecomeMonitor. */
        if (!incoming || g_strcmp0(destination, g_dbus_connection_get_unique_name(connection)) == 0)
                return message;
        switch (g_dbus_message_get_message_type(message)) {
        case G_DBUS_MESSAGE_TYPE_METHOD_CALL:
                if (g_strcmp0(destination, "org.freedesktop.DBus") == 0 &&
                    g_str_has_prefix(g_dbus_message_get_member(message), "GetConnection"))
                        g_atomic_int_inc(&sent->lookups);
                break;
        case G_DBUS_MESSAGE_TYPE_METHOD_RETURN:
        case G_DBUS_MESSAGE_TYPE_ERROR:
                g_atomic_int_inc(g_strcmp0(destination, sent->root) == 0 ? &sent->answers_to_root
                                                                         : &sent->answers_to_others);
                break;
        default:
                break;
        }
        /* A monitor only listens: nothing it sees is for it to answer. */
        g_object_unref(message);
        return NULL;
}

/* A connection of its own that monitors everything the daemon sends. */
static GDBusConnection *monitor_daemon(Fixture *f, Sent *sent)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GDBusConnection) monitor = nv_test_bus_connect(f->env.bus, &error);
        g_autofree char *rule =
                g_strdup_printf("sender='%s'", nv_test_daemon_get_unique_name(f->env.daemon));
        const char *rules[] = { rule, NULL };
        g_autoptr(GVariant) reply = NULL;

        g_assert_no_error(error);
        g_dbus_connection_add_filter(monitor, on_monitored, sent, NULL);
        reply = g_dbus_connection_call_sync(monitor, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                            "org.freedesktop.DBus.Monitoring", "BecomeMonitor",
                                            g_variant_new("(^asu)", rules, 0), NULL, G_DBUS_CALL_FLAGS_NONE,
                                            NV_TEST_TIMEOUT_MS, NULL, &error);
        g_assert_no_error(error);
        return g_steal_pointer(&monitor);
}

static gboolean monitor_saw_root_answered(gpointer user_data)
{
        Sent *sent = user_data;

        return g_atomic_int_get(&sent->answers_to_root) > 0;
}

/*
 * Hit and run: while the daemon is stopped, user nobody opens 200
 * connections one after the other, each sending 50 GetStatus and closing
 * at once; then root calls. Once the daemon runs again, it must get
 * through the 10,000 calls nobody will read at the cost of reading them:
 * at most one question to the bus per connection (never one per call, as
 * a credentials look-up of each message's sender once made it), at most
 * one answer per connection (the calls of a connection that left are
 * dropped), and root's call answered.
 */
static void test_hit_and_run(Fixture *f, gconstpointer data)
{
        g_autofree char *bus_env =
                g_strconcat("DBUS_SYSTEM_BUS_ADDRESS=", nv_test_bus_get_address(f->env.bus), NULL);
        g_autofree char *burst = g_strdup_printf("--burst=%u", HIT_AND_RUN_CALLS);
        g_autofree char *connections = g_strdup_printf("--connections=%u", HIT_AND_RUN_CONNECTIONS);
        const char *const argv[] = {
                nv_test_getenv("NV_TEST_CALL"), "--hit-and-run", burst, connections, "GetStatus", NULL
        };
        const char *const env[] = { bus_env, NULL };
        g_auto(NvTestRunResult) result = { 0 };
        g_auto(NvTestCall) root_call = { 0 };
        g_autofree char *expected =
                g_strdup_printf("sent %u\n", HIT_AND_RUN_CONNECTIONS * HIT_AND_RUN_CALLS);
        Sent sent = { .root = g_dbus_connection_get_unique_name(f->env.connection) };
        g_autoptr(GDBusConnection) monitor = monitor_daemon(f, &sent);
        g_autoptr(GError) error = NULL;

        nv_test_daemon_send_signal(f->env.daemon, SIGSTOP);
        nv_test_run_as(argv, env, NV_TEST_UID_NOBODY, &result);
        g_assert_true(result.exited);
        g_assert_cmpint(result.exit_status, ==, 0);
        g_assert_cmpstr(result.stdout_text, ==, expected);
        g_dbus_connection_call(f->env.connection, NV_BUS_NAME, NV_OBJECT_PATH, NV_INTERFACE, "GetStatus",
                               NULL, NULL, G_DBUS_CALL_FLAGS_NONE, NV_TEST_TIMEOUT_MS, NULL,
                               nv_test_call_finished, &root_call);
        g_assert_true(g_dbus_connection_flush_sync(f->env.connection, NULL, &error));
        g_assert_no_error(error);
        nv_test_daemon_send_signal(f->env.daemon, SIGCONT);

        g_assert_true(nv_test_wait_until(nv_test_call_is_done, &root_call, NV_TEST_TIMEOUT_MS));
        g_assert_no_error(root_call.error);
        /* Root's call came last, after the flood's calls and the bus's
         * word that their connections left: once the monitor has seen the
         * answer to root (the bus copies to it what it routes, in order),
         * it has seen everything the daemon sent for the flood. */
        g_assert_true(nv_test_poll_until(monitor_saw_root_answered, &sent, 10, NV_TEST_TIMEOUT_MS));
        g_test_message("the daemon asked the bus %d times and answered %d of nobody's %u calls",
                       g_atomic_int_get(&sent.lookups), g_atomic_int_get(&sent.answers_to_others),
                       HIT_AND_RUN_CONNECTIONS * HIT_AND_RUN_CALLS);
        g_assert_cmpint(g_atomic_int_get(&sent.answers_to_root), ==, 1);
        g_assert_cmpint(g_atomic_int_get(&sent.lookups), <=, HIT_AND_RUN_CONNECTIONS);
        g_assert_cmpint(g_atomic_int_get(&sent.answers_to_others), <=, HIT_AND_RUN_CONNECTIONS);
        /* No more filtering into this frame's counts once it returns. */
        g_assert_true(g_dbus_connection_close_sync(monitor, NULL, &error));
        g_assert_no_error(error);
        assert_unharmed(f);
}

/* What one connection may have waiting for libvirt (nv-domain-jobs.c);
 * test-domains checks the limit itself. */
#define DOMAIN_CALLS_PER_CONNECTION 16

/* A valid domain call repeated quickly on a domain that does not exist:
 * each one goes to libvirt and fails alone, as many at once as a
 * connection may have waiting. */
static void test_repeated_not_found(Fixture *f, gconstpointer data)
{
        for (guint round = 0; round < FLOOD_IN_FLIGHT / DOMAIN_CALLS_PER_CONNECTION; round++)
                flood(f, NV_INTERFACE, "ConfigureDomain", "('../nv-abuse', 'host-passthrough')",
                      DOMAIN_CALLS_PER_CONNECTION, NV_ERROR_DOMAIN_NOT_FOUND);
}

int main(int argc, char *argv[])
{
        static const char *const env_vars[] = { "NV_DAEMON_SIM", "NV_BUS_POLICY", "NV_TEST_CALL",
                                                "NV_TEST_MONITOR_POLICY", NULL };
        g_autofree char *skip = NULL;

        nv_test_init(&argc, &argv);
        skip = nv_test_skip_reason(env_vars);

        for (gsize i = 0; i < G_N_ELEMENTS(cases); i++)
                nv_test_add(skip, cases[i].path, Fixture, &cases[i], fixture_setup, test_case,
                            fixture_teardown);
        nv_test_add(skip, "/abuse/repeated/invalid", Fixture, NULL, fixture_setup, test_repeated_quickly,
                    fixture_teardown);
        nv_test_add(skip, "/abuse/repeated/not-found", Fixture, NULL, fixture_setup, test_repeated_not_found,
                    fixture_teardown);
        nv_test_add(skip, "/abuse/descriptors/refused-by-the-bus", Fixture, NULL, fixture_setup,
                    test_descriptors_refused, fixture_teardown);
        nv_test_add(skip, "/abuse/turns/one-call-behind-a-flood", Fixture, NULL, fixture_setup, test_turns,
                    fixture_teardown);
        nv_test_add(skip, "/abuse/turns/hit-and-run", Fixture, NULL, fixture_setup, test_hit_and_run,
                    fixture_teardown);

        return nv_test_run_tests(skip);
}
