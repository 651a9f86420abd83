/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Integration tests of nestedvirtd: the real daemon on a private system-like
 * bus, reading fake host trees (nv-test-host.h). They check what a client
 * sees on the bus against interfaces/org.example.NestedVirt.xml: every
 * status key's value and type for the hosts users have, that properties
 * agree with GetStatus and cannot be set, that PropertiesChanged names
 * exactly what changed (after a call, and after a modprobe.d edit without
 * any call), who holds KVM, and that malformed host files never bring the
 * daemon down.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "nv-dbus.h"
#include "nv-test-bus.h"
#include "nv-test-host.h"

#define PROPERTIES_INTERFACE "org.freedesktop.DBus.Properties"

/* A PropertiesChanged signal is expected within this long after its cause;
 * generous, as it only costs time when the signal never comes. */
#define SIGNAL_TIMEOUT_MS NV_TEST_TIMEOUT_MS

/* Every status key, in the order of the XML. */
static const char *const status_keys[] = {
        NV_KEY_VERSION,
        NV_KEY_ARCHITECTURE,
        NV_KEY_SUPPORTED,
        NV_KEY_CPU_VENDOR,
        NV_KEY_VENDOR_MODULE,
        NV_KEY_HARDWARE_VIRTUALIZATION,
        NV_KEY_IN_VIRTUAL_MACHINE,
        NV_KEY_HYPERVISOR,
        NV_KEY_KVM_LOADED,
        NV_KEY_KVM_BUILTIN,
        NV_KEY_VENDOR_MODULE_LOADED,
        NV_KEY_VENDOR_MODULE_BUILTIN,
        NV_KEY_NESTED_PARAMETER,
        NV_KEY_NESTED_ENABLED,
        NV_KEY_PERSISTENT_NESTED,
        NV_KEY_PERSISTENT_SOURCE,
        NV_KEY_RELOAD_REQUIRED,
        NV_KEY_MODULE_USERS,
};

/*
 * What GetStatus must say for each preset, Version aside (it is added from
 * NV_VERSION). Written as GVariant text so that the D-Bus type of every
 * value is part of the expectation: 'x' is a string, true a boolean.
 */
static const char *const expected_status[NV_TEST_PRESET_COUNT] = {
        [NV_TEST_PRESET_INTEL_LOADED] =
                "{'Architecture': <'x86_64'>, 'Supported': <true>, 'CpuVendor': <'intel'>,"
                " 'VendorModule': <'kvm_intel'>, 'HardwareVirtualization': <true>, 'InVirtualMachine': "
                "<false>,"
                " 'Hypervisor': <''>, 'KvmLoaded': <true>, 'KvmBuiltin': <false>, 'VendorModuleLoaded': "
                "<true>,"
                " 'VendorModuleBuiltin': <false>, 'NestedParameter': <'N'>, 'NestedEnabled': <false>,"
                /* Nothing configured: the next load gets the kernel's default,
                 * enabled, which differs from the running N. */
                " 'PersistentNested': <'default'>, 'PersistentSource': <''>, 'ReloadRequired': <true>,"
                " 'ModuleUsers': <@a(us) []>}",
        [NV_TEST_PRESET_AMD_LOADED] =
                "{'Architecture': <'x86_64'>, 'Supported': <true>, 'CpuVendor': <'amd'>,"
                " 'VendorModule': <'kvm_amd'>, 'HardwareVirtualization': <true>, 'InVirtualMachine': "
                "<false>,"
                " 'Hypervisor': <''>, 'KvmLoaded': <true>, 'KvmBuiltin': <false>, 'VendorModuleLoaded': "
                "<true>,"
                " 'VendorModuleBuiltin': <false>, 'NestedParameter': <'1'>, 'NestedEnabled': <true>,"
                " 'PersistentNested': <'enabled'>, 'PersistentSource': <'/etc/modprobe.d/kvm.conf'>,"
                " 'ReloadRequired': <false>, 'ModuleUsers': <@a(us) []>}",
        [NV_TEST_PRESET_VENDOR_MODULE_NOT_LOADED] =
                "{'Architecture': <'x86_64'>, 'Supported': <true>, 'CpuVendor': <'intel'>,"
                " 'VendorModule': <'kvm_intel'>, 'HardwareVirtualization': <true>, 'InVirtualMachine': "
                "<false>,"
                " 'Hypervisor': <''>, 'KvmLoaded': <false>, 'KvmBuiltin': <false>, 'VendorModuleLoaded': "
                "<false>,"
                " 'VendorModuleBuiltin': <false>, 'NestedParameter': <''>, 'NestedEnabled': <false>,"
                " 'PersistentNested': <'disabled'>, 'PersistentSource': <'/etc/modprobe.d/kvm.conf'>,"
                " 'ReloadRequired': <false>, 'ModuleUsers': <@a(us) []>}",
        [NV_TEST_PRESET_KVM_BUILTIN] =
                "{'Architecture': <'x86_64'>, 'Supported': <true>, 'CpuVendor': <'intel'>,"
                " 'VendorModule': <'kvm_intel'>, 'HardwareVirtualization': <true>, 'InVirtualMachine': "
                "<false>,"
                " 'Hypervisor': <''>, 'KvmLoaded': <true>, 'KvmBuiltin': <true>, 'VendorModuleLoaded': "
                "<true>,"
                " 'VendorModuleBuiltin': <true>, 'NestedParameter': <'N'>, 'NestedEnabled': <false>,"
                /* Only the command line counts for a built-in module, and
                 * nothing can be reloaded. */
                " 'PersistentNested': <'disabled'>, 'PersistentSource': <'/proc/cmdline'>,"
                " 'ReloadRequired': <false>, 'ModuleUsers': <@a(us) []>}",
        [NV_TEST_PRESET_L1_GUEST] =
                "{'Architecture': <'x86_64'>, 'Supported': <true>, 'CpuVendor': <'intel'>,"
                " 'VendorModule': <'kvm_intel'>, 'HardwareVirtualization': <false>, 'InVirtualMachine': "
                "<true>,"
                " 'Hypervisor': <'qemu'>, 'KvmLoaded': <false>, 'KvmBuiltin': <false>, "
                "'VendorModuleLoaded': <false>,"
                " 'VendorModuleBuiltin': <false>, 'NestedParameter': <''>, 'NestedEnabled': <false>,"
                " 'PersistentNested': <'default'>, 'PersistentSource': <''>, 'ReloadRequired': <false>,"
                " 'ModuleUsers': <@a(us) []>}",
        [NV_TEST_PRESET_UNKNOWN_VENDOR] =
                "{'Architecture': <'x86_64'>, 'Supported': <false>, 'CpuVendor': <'unknown'>,"
                " 'VendorModule': <''>, 'HardwareVirtualization': <false>, 'InVirtualMachine': <false>,"
                " 'Hypervisor': <''>, 'KvmLoaded': <false>, 'KvmBuiltin': <false>, 'VendorModuleLoaded': "
                "<false>,"
                " 'VendorModuleBuiltin': <false>, 'NestedParameter': <''>, 'NestedEnabled': <false>,"
                " 'PersistentNested': <'default'>, 'PersistentSource': <''>, 'ReloadRequired': <false>,"
                " 'ModuleUsers': <@a(us) []>}",
        [NV_TEST_PRESET_NON_X86] =
                "{'Architecture': <'aarch64'>, 'Supported': <false>, 'CpuVendor': <'unknown'>,"
                " 'VendorModule': <''>, 'HardwareVirtualization': <false>, 'InVirtualMachine': <false>,"
                " 'Hypervisor': <''>, 'KvmLoaded': <false>, 'KvmBuiltin': <false>, 'VendorModuleLoaded': "
                "<false>,"
                " 'VendorModuleBuiltin': <false>, 'NestedParameter': <''>, 'NestedEnabled': <false>,"
                " 'PersistentNested': <'default'>, 'PersistentSource': <''>, 'ReloadRequired': <false>,"
                " 'ModuleUsers': <@a(us) []>}",
        [NV_TEST_PRESET_MODPROBE_SPREAD] =
                "{'Architecture': <'x86_64'>, 'Supported': <true>, 'CpuVendor': <'intel'>,"
                " 'VendorModule': <'kvm_intel'>, 'HardwareVirtualization': <true>, 'InVirtualMachine': "
                "<false>,"
                " 'Hypervisor': <''>, 'KvmLoaded': <true>, 'KvmBuiltin': <false>, 'VendorModuleLoaded': "
                "<true>,"
                " 'VendorModuleBuiltin': <false>, 'NestedParameter': <'Y'>, 'NestedEnabled': <true>,"
                /* The command line beats every modprobe.d file. */
                " 'PersistentNested': <'enabled'>, 'PersistentSource': <'/proc/cmdline'>,"
                " 'ReloadRequired': <false>, 'ModuleUsers': <@a(us) []>}",
};

typedef struct {
        NvTestEnv env;
        guint subscription;
        GPtrArray *signals; /* parameters of each PropertiesChanged received */
} Fixture;

static void on_properties_changed(GDBusConnection *connection, const char *sender, const char *path,
                                  const char *interface, const char *signal, GVariant *parameters,
                                  gpointer user_data)
{
        Fixture *f = user_data;

        g_ptr_array_add(f->signals, g_variant_ref(parameters));
}

static void fixture_setup(Fixture *f, gconstpointer data)
{
        nv_test_env_setup(&f->env, GPOINTER_TO_INT(data));
        f->signals = g_ptr_array_new_with_free_func((GDestroyNotify)g_variant_unref);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
        if (f->subscription)
                g_dbus_connection_signal_unsubscribe(f->env.connection, f->subscription);
        g_clear_pointer(&f->signals, g_ptr_array_unref);
        nv_test_env_teardown(&f->env);
}

/* Starts the daemon and listens to its PropertiesChanged signals. */
static void start_daemon(Fixture *f)
{
        nv_test_env_start_daemon(&f->env);
        f->subscription = nv_test_env_subscribe_properties_changed(&f->env, on_properties_changed, f);
}

static void sync_with_daemon(Fixture *f)
{
        nv_test_env_sync(&f->env);
}

static GVariant *expected_for(NvTestPreset preset)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) parsed = NULL;
        g_autoptr(GVariantDict) dict = NULL;

        parsed = g_variant_parse(G_VARIANT_TYPE_VARDICT, expected_status[preset], NULL, NULL, &error);
        g_assert_no_error(error);
        dict = g_variant_dict_new(parsed);
        g_variant_dict_insert(dict, NV_KEY_VERSION, "s", nv_test_getenv("NV_VERSION"));
        return g_variant_ref_sink(g_variant_dict_end(dict));
}

/* Fails unless @status has exactly @expected's keys, each with a value of the
 * same type and contents; names every difference. */
static void assert_status_equal(GVariant *status, GVariant *expected)
{
        g_autoptr(GString) differences = g_string_new(NULL);
        g_autoptr(GVariantDict) remaining = g_variant_dict_new(status);
        GVariantIter iter;
        const char *key;
        GVariant *want;

        g_variant_iter_init(&iter, expected);
        while (g_variant_iter_loop(&iter, "{&sv}", &key, &want)) {
                g_autoptr(GVariant) got = g_variant_dict_lookup_value(remaining, key, NULL);
                g_autofree char *want_text = g_variant_print(want, TRUE);
                g_autofree char *got_text = NULL;

                g_variant_dict_remove(remaining, key);
                if (!got) {
                        g_string_append_printf(differences, "\n  %s missing (expected %s)", key, want_text);
                        continue;
                }
                got_text = g_variant_print(got, TRUE);
                if (!g_variant_is_of_type(got, g_variant_get_type(want)))
                        g_string_append_printf(differences, "\n  %s has type %s, expected %s: %s", key,
                                               g_variant_get_type_string(got),
                                               g_variant_get_type_string(want), got_text);
                else if (!g_variant_equal(got, want))
                        g_string_append_printf(differences, "\n  %s is %s, expected %s", key, got_text,
                                               want_text);
        }
        {
                g_autoptr(GVariant) extra = g_variant_ref_sink(g_variant_dict_end(remaining));

                g_variant_iter_init(&iter, extra);
                while (g_variant_iter_loop(&iter, "{&sv}", &key, &want))
                        g_string_append_printf(differences, "\n  unexpected key %s", key);
        }
        if (differences->len > 0)
                g_error("status differs from the expected one:%s", differences->str);
}

/* Fails unless @status has @key with the value @text (GVariant text). */
static void assert_key(GVariant *status, const char *key, const char *text)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) want = g_variant_parse(NULL, text, NULL, NULL, &error);
        g_autoptr(GVariant) got = NULL;
        g_autofree char *got_text = NULL;

        g_assert_no_error(error);
        got = g_variant_lookup_value(status, key, NULL);
        if (!got)
                g_error("status has no %s (expected %s)", key, text);
        got_text = g_variant_print(got, TRUE);
        if (!g_variant_is_of_type(got, g_variant_get_type(want)) || !g_variant_equal(got, want))
                g_error("%s is %s, expected %s", key, got_text, text);
}

static GVariant *get_all(Fixture *f)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = NULL;
        GVariant *all;

        reply = nv_test_env_call(&f->env, PROPERTIES_INTERFACE, "GetAll", g_variant_new("(s)", NV_INTERFACE),
                                 G_VARIANT_TYPE("(a{sv})"), &error);
        g_assert_no_error(error);
        g_variant_get(reply, "(@a{sv})", &all);
        return all;
}

static GVariant *get_property(Fixture *f, const char *name, GError **error)
{
        g_autoptr(GVariant) reply = NULL;
        GVariant *value;

        reply = nv_test_env_call(&f->env, PROPERTIES_INTERFACE, "Get",
                                 g_variant_new("(ss)", NV_INTERFACE, name), G_VARIANT_TYPE("(v)"), error);
        if (!reply)
                return NULL;
        g_variant_get(reply, "(v)", &value);
        return value;
}

/* ---- Status of each kind of host -------------------------------------- */

static void test_status(Fixture *f, gconstpointer data)
{
        g_autoptr(GVariant) expected = expected_for(GPOINTER_TO_INT(data));
        g_autoptr(GVariant) status = NULL;

        start_daemon(f);
        status = nv_test_env_get_status(&f->env);
        assert_status_equal(status, expected);
}

static void test_properties_agree(Fixture *f, gconstpointer data)
{
        g_autoptr(GVariant) status = NULL;
        g_autoptr(GVariant) all = NULL;

        start_daemon(f);
        status = nv_test_env_get_status(&f->env);
        all = get_all(f);
        assert_status_equal(all, status);

        for (size_t i = 0; i < G_N_ELEMENTS(status_keys); i++) {
                g_autoptr(GError) error = NULL;
                g_autoptr(GVariant) value = get_property(f, status_keys[i], &error);
                g_autoptr(GVariant) from_status = g_variant_lookup_value(status, status_keys[i], NULL);

                g_assert_no_error(error);
                g_assert_nonnull(from_status);
                g_assert_cmpvariant(value, from_status);
        }
}

static void test_version(Fixture *f, gconstpointer data)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) version = NULL;

        start_daemon(f);
        version = get_property(f, NV_KEY_VERSION, &error);
        g_assert_no_error(error);
        g_assert_true(g_variant_is_of_type(version, G_VARIANT_TYPE_STRING));
        g_assert_cmpstr(g_variant_get_string(version, NULL), ==, nv_test_getenv("NV_VERSION"));
}

/* ---- Properties cannot be set ---------------------------------------- */

/* A value of @value's type that differs from it. */
static GVariant *different_value(GVariant *value)
{
        if (g_variant_is_of_type(value, G_VARIANT_TYPE_BOOLEAN))
                return g_variant_new_boolean(!g_variant_get_boolean(value));
        if (g_variant_is_of_type(value, G_VARIANT_TYPE_STRING))
                return g_variant_new_string("set-by-test");
        if (g_variant_is_of_type(value, G_VARIANT_TYPE("a(us)")))
                return g_variant_new_parsed("[(@u 1, 'init')]");
        g_error("no replacement for a value of type %s", g_variant_get_type_string(value));
}

static void test_properties_read_only(Fixture *f, gconstpointer data)
{
        g_autoptr(GVariant) before = NULL;
        g_autoptr(GVariant) after = NULL;

        start_daemon(f);
        before = nv_test_env_get_status(&f->env);

        for (size_t i = 0; i < G_N_ELEMENTS(status_keys); i++) {
                g_autoptr(GError) error = NULL;
                g_autoptr(GVariant) reply = NULL;
                g_autoptr(GVariant) current = g_variant_lookup_value(before, status_keys[i], NULL);
                g_autofree char *remote = NULL;

                g_assert_nonnull(current);
                reply = nv_test_env_call(
                        &f->env, PROPERTIES_INTERFACE, "Set",
                        g_variant_new("(ssv)", NV_INTERFACE, status_keys[i], different_value(current)), NULL,
                        &error);
                g_assert_null(reply);
                g_assert_nonnull(error);
                g_assert_true(g_dbus_error_is_remote_error(error));
                remote = g_dbus_error_get_remote_error(error);
                if (g_strcmp0(remote, "org.freedesktop.DBus.Error.PropertyReadOnly") != 0 &&
                    g_strcmp0(remote, "org.freedesktop.DBus.Error.AccessDenied") != 0)
                        g_error("Set(%s) failed with %s, expected PropertyReadOnly or AccessDenied: %s",
                                status_keys[i], remote, error->message);
        }

        after = nv_test_env_get_status(&f->env);
        assert_status_equal(after, before);
}

static void test_properties_unknown(Fixture *f, gconstpointer data)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) value = NULL;

        start_daemon(f);
        value = get_property(f, "NestedMaybe", &error);
        g_assert_null(value);
        g_assert_nonnull(error);
        g_assert_true(g_dbus_error_is_remote_error(error));
}

/* ---- PropertiesChanged ----------------------------------------------- */

/*
 * Folds the signals received so far into one table, property name -> latest
 * value; fails on any signal that is malformed or invalidates properties
 * instead of carrying their values.
 */
static GHashTable *collect_changes(Fixture *f)
{
        GHashTable *changed =
                g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_variant_unref);

        for (guint i = 0; i < f->signals->len; i++) {
                GVariant *parameters = f->signals->pdata[i];
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

typedef struct {
        Fixture *f;
        GVariant *expected;
} ChangeWait;

static gboolean changes_reached(gpointer user_data)
{
        ChangeWait *wait = user_data;
        g_autoptr(GHashTable) changed = collect_changes(wait->f);
        GVariantIter iter;
        const char *name;
        GVariant *value;

        g_variant_iter_init(&iter, wait->expected);
        while (g_variant_iter_loop(&iter, "{&sv}", &name, &value)) {
                GVariant *got = g_hash_table_lookup(changed, name);

                if (!got || !g_variant_equal(got, value)) {
                        /* g_variant_iter_loop() owns @value until it ends. */
                        g_variant_unref(value);
                        return FALSE;
                }
        }
        return TRUE;
}

/* Waits, at most SIGNAL_TIMEOUT_MS, until the signals received carry the
 * values of @expected (an a{sv}). */
static gboolean wait_for_changes(Fixture *f, GVariant *expected)
{
        ChangeWait wait = { f, expected };

        return nv_test_wait_until(changes_reached, &wait, SIGNAL_TIMEOUT_MS);
}

static GVariant *parse_vardict(const char *text)
{
        g_autoptr(GError) error = NULL;
        GVariant *dict = g_variant_parse(G_VARIANT_TYPE_VARDICT, text, NULL, NULL, &error);

        g_assert_no_error(error);
        return dict;
}

/*
 * Waits (bounded) until the signals received carry @expected_text (GVariant
 * text of an a{sv}); then, after a round trip that flushes what the daemon
 * sent, fails unless exactly those properties were announced, with those
 * values.
 */
static void assert_changes(Fixture *f, const char *expected_text)
{
        g_autoptr(GVariant) expected = parse_vardict(expected_text);
        g_autoptr(GHashTable) changed = NULL;
        g_autoptr(GString) differences = g_string_new(NULL);
        GHashTableIter iter;
        gpointer name, value;
        GVariantIter viter;
        const char *key;
        GVariant *want;

        (void)wait_for_changes(f, expected);
        sync_with_daemon(f);

        changed = collect_changes(f);
        g_hash_table_iter_init(&iter, changed);
        while (g_hash_table_iter_next(&iter, &name, &value)) {
                g_autoptr(GVariant) expected_value = g_variant_lookup_value(expected, name, NULL);
                g_autofree char *got_text = g_variant_print(value, TRUE);

                if (!expected_value)
                        g_string_append_printf(differences, "\n  %s announced as changed to %s",
                                               (char *)name, got_text);
        }
        g_variant_iter_init(&viter, expected);
        while (g_variant_iter_loop(&viter, "{&sv}", &key, &want)) {
                GVariant *got = g_hash_table_lookup(changed, key);
                g_autofree char *want_text = g_variant_print(want, TRUE);
                g_autofree char *got_text = got ? g_variant_print(got, TRUE) : NULL;

                if (!got)
                        g_string_append_printf(differences, "\n  %s not announced (expected %s)", key,
                                               want_text);
                else if (!g_variant_equal(got, want))
                        g_string_append_printf(differences, "\n  %s announced as %s, expected %s", key,
                                               got_text, want_text);
        }
        if (differences->len > 0)
                g_error("PropertiesChanged (%u signals) differs from what changed:%s", f->signals->len,
                        differences->str);
}

/* Nothing changed, nothing announced: calls alone must not emit. */
static void test_changed_nothing(Fixture *f, gconstpointer data)
{
        g_autoptr(GVariant) first = NULL;
        g_autoptr(GVariant) second = NULL;
        g_autoptr(GVariant) all = NULL;

        start_daemon(f);
        first = nv_test_env_get_status(&f->env);
        second = nv_test_env_get_status(&f->env);
        all = get_all(f);
        sync_with_daemon(f);
        g_assert_cmpuint(f->signals->len, ==, 0);
        assert_status_equal(second, first);
        assert_status_equal(all, first);
}

static void test_changed_nested_parameter(Fixture *f, gconstpointer data)
{
        g_autoptr(GVariant) status = NULL;

        start_daemon(f);
        /* As if kvm_intel had been reloaded with nested=1. */
        nv_test_host_write(f->env.host, "/sys/module/kvm_intel/parameters/nested", "Y\n");
        status = nv_test_env_get_status(&f->env);
        assert_key(status, NV_KEY_NESTED_PARAMETER, "'Y'");
        assert_key(status, NV_KEY_NESTED_ENABLED, "true");
        assert_key(status, NV_KEY_RELOAD_REQUIRED, "false");
        assert_changes(f, "{'NestedParameter': <'Y'>, 'NestedEnabled': <true>, 'ReloadRequired': <false>}");
}

/* Properties.Get is an incoming call too: it must refresh and announce. */
static void test_changed_module_unloaded_get(Fixture *f, gconstpointer data)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) loaded = NULL;

        start_daemon(f);
        nv_test_host_unload_module(f->env.host, "kvm_intel");
        loaded = get_property(f, NV_KEY_VENDOR_MODULE_LOADED, &error);
        g_assert_no_error(error);
        g_assert_false(g_variant_get_boolean(loaded));
        /* NestedEnabled was false and stays false: not announced. */
        assert_changes(
                f, "{'VendorModuleLoaded': <false>, 'NestedParameter': <''>, 'ReloadRequired': <false>}");
}

static void test_changed_module_loaded_get_all(Fixture *f, gconstpointer data)
{
        g_autoptr(GVariant) all = NULL;

        start_daemon(f);
        nv_test_host_load_module(f->env.host, "kvm", 1, NULL);
        nv_test_host_load_module(f->env.host, "kvm_intel", 0, "N");
        all = get_all(f);
        assert_key(all, NV_KEY_KVM_LOADED, "true");
        assert_key(all, NV_KEY_VENDOR_MODULE_LOADED, "true");
        /* Loaded as configured (nested=0): no reload needed, before or after. */
        assert_changes(f, "{'KvmLoaded': <true>, 'VendorModuleLoaded': <true>, 'NestedParameter': <'N'>}");
}

/* An edit in a watched modprobe.d directory is announced without any call:
 * wait for the signal before the first round trip. */
static void test_changed_modprobe_edit(Fixture *f, gconstpointer data)
{
        static const char *const changes =
                "{'PersistentNested': <'disabled'>, 'PersistentSource': <'/etc/modprobe.d/kvm.conf'>,"
                " 'ReloadRequired': <false>}";
        g_autoptr(GVariant) expected = parse_vardict(changes);

        start_daemon(f);
        nv_test_host_write_modprobe(f->env.host, "/etc/modprobe.d", "kvm.conf",
                                    "options kvm_intel nested=0\n");
        if (!wait_for_changes(f, expected))
                g_error("no PropertiesChanged within %d ms of editing /etc/modprobe.d/kvm.conf (%u signals)",
                        SIGNAL_TIMEOUT_MS, f->signals->len);
        assert_changes(f, changes);
}

/* Editors and package managers replace files by renaming a new one over
 * them, which inotify reports differently from a write in place. */
static void test_changed_modprobe_rename(Fixture *f, gconstpointer data)
{
        static const char *const changes =
                "{'PersistentNested': <'disabled'>, 'PersistentSource': <'/run/modprobe.d/nested.conf'>}";
        g_autoptr(GVariant) expected = parse_vardict(changes);
        g_autoptr(GError) error = NULL;
        g_autofree char *path = nv_test_host_path(f->env.host, "/run/modprobe.d/nested.conf");

        start_daemon(f);
        g_file_set_contents(path, "options kvm_amd nested=0\n", -1, &error);
        g_assert_no_error(error);
        if (!wait_for_changes(f, expected))
                g_error("no PropertiesChanged within %d ms of replacing /run/modprobe.d/nested.conf (%u "
                        "signals)",
                        SIGNAL_TIMEOUT_MS, f->signals->len);
        /* kvm_amd runs with nested=1; the next load would disable it. */
        assert_changes(
                f, "{'PersistentNested': <'disabled'>, 'PersistentSource': <'/run/modprobe.d/nested.conf'>,"
                   " 'ReloadRequired': <true>}");
}

static void test_changed_modprobe_removed(Fixture *f, gconstpointer data)
{
        static const char *const changes = "{'PersistentNested': <'default'>, 'PersistentSource': <''>}";
        g_autoptr(GVariant) expected = parse_vardict(changes);

        start_daemon(f);
        nv_test_host_remove(f->env.host, "/etc/modprobe.d/kvm.conf");
        if (!wait_for_changes(f, expected))
                g_error("no PropertiesChanged within %d ms of removing /etc/modprobe.d/kvm.conf (%u "
                        "signals)",
                        SIGNAL_TIMEOUT_MS, f->signals->len);
        /* The default is enabled, as kvm_amd runs now: no reload needed. */
        assert_changes(f, changes);
}

/* CPU, architecture and hypervisor are read once: they cannot change under
 * a running kernel, and the XML marks them const. */
static void test_changed_const_facts(Fixture *f, gconstpointer data)
{
        g_autoptr(GVariant) before = NULL;
        g_autoptr(GVariant) after = NULL;

        start_daemon(f);
        before = nv_test_env_get_status(&f->env);
        nv_test_host_set_cpuinfo(f->env.host, "AuthenticAMD", "fpu hypervisor", 1);
        nv_test_host_set_arch(f->env.host, "riscv64");
        nv_test_host_set_dmi(f->env.host, "QEMU", "Standard PC (i440FX + PIIX, 1996)");
        after = nv_test_env_get_status(&f->env);
        sync_with_daemon(f);
        assert_status_equal(after, before);
        g_assert_cmpuint(f->signals->len, ==, 0);
}

static void test_changed_module_users(Fixture *f, gconstpointer data)
{
        static const char *const qemu_fds[] = { "/dev/kvm", "anon_inode:kvm-vm", NULL };
        g_autoptr(GVariant) status = NULL;

        start_daemon(f);
        /* A VM starts: it opens /dev/kvm, which pins the module. */
        nv_test_host_add_process(f->env.host, 7001, "qemu-system-x86", qemu_fds);
        nv_test_host_write(f->env.host, "/sys/module/kvm_intel/refcnt", "2\n");
        status = nv_test_env_get_status(&f->env);
        assert_key(status, NV_KEY_MODULE_USERS, "[(@u 7001, 'qemu-system-x86')]");
        assert_changes(f, "{'ModuleUsers': <[(@u 7001, 'qemu-system-x86')]>}");
}

/* ---- Who holds KVM --------------------------------------------------- */

/* Starts the daemon on the fixture's host, checks the status keys given
 * as NULL-terminated KEY, VALUE pairs and returns the whole status. */
static GVariant *start_and_check(Fixture *f, const char *const *expected)
{
        GVariant *status;

        start_daemon(f);
        status = nv_test_env_get_status(&f->env);
        for (guint i = 0; expected[i]; i += 2)
                assert_key(status, expected[i], expected[i + 1]);
        return status;
}

#define START_AND_CHECK(f, ...) start_and_check((f), (const char *const[]){ __VA_ARGS__, NULL })

static void test_module_users(Fixture *f, gconstpointer data)
{
        static const char *const qemu_fds[] = { "/dev/kvm", "anon_inode:kvm-vm", "anon_inode:kvm-vcpu:0",
                                                "socket:[77]", NULL };
        static const char *const firecracker_fds[] = { "/dev/null", "anon_inode:kvm-vm", NULL };
        static const char *const lookalike_fds[] = { "/dev/kvm.img", "/var/lib/kvm-vm",
                                                     "anon_inode:[eventfd]", NULL };
        g_autoptr(GVariant) status = NULL;

        /* Created in the reverse of pid order, so that a directory listing
         * in creation order would come out unsorted. */
        nv_test_host_add_process(f->env.host, 24601, "qemu-system-x86", qemu_fds);
        nv_test_host_add_process(f->env.host, 977, "firecracker", firecracker_fds);
        nv_test_host_add_process(f->env.host, 5000, "backup", lookalike_fds);
        nv_test_host_write(f->env.host, "/sys/module/kvm_intel/refcnt", "3\n");
        status = START_AND_CHECK(f, NV_KEY_MODULE_USERS,
                                 "[(@u 977, 'firecracker'), (24601, 'qemu-system-x86')]");
}

/* Built-in kvm_intel has no refcnt: the processes are looked at. */
static void test_module_users_builtin(Fixture *f, gconstpointer data)
{
        static const char *const qemu_fds[] = { "/dev/kvm", "anon_inode:kvm-vm", NULL };
        g_autoptr(GVariant) status = NULL;

        nv_test_host_add_process(f->env.host, 4242, "qemu-system-x86", qemu_fds);
        status = START_AND_CHECK(f, NV_KEY_MODULE_USERS, "[(@u 4242, 'qemu-system-x86')]");
}

/* A cloud guest like the machines CI runs on: an AMD CPU without svm, kvm
 * built in, and a /dev/kvm from another built-in provider (PVM's kvm_pvm)
 * held by a VM. kvm_amd is not in the kernel, so nobody holds it. */
static void test_module_users_other_provider(Fixture *f, gconstpointer data)
{
        static const char *const vm_fds[] = { "/dev/kvm", "anon_inode:kvm-vm", NULL };
        g_autoptr(GVariant) status = NULL;

        nv_test_host_set_cpuinfo(f->env.host, "AuthenticAMD", "fpu sse2 hypervisor", 2);
        nv_test_host_builtin_module(f->env.host, "kvm", "kernel/arch/x86/kvm/kvm.ko", NULL);
        nv_test_host_builtin_module(f->env.host, "kvm_pvm", "kernel/arch/x86/kvm/kvm-pvm.ko", NULL);
        nv_test_host_add_kvm_device(f->env.host);
        nv_test_host_add_process(f->env.host, 977, "firecracker", vm_fds);
        status = START_AND_CHECK(f, NV_KEY_MODULE_USERS, "@a(us) []");
        assert_key(status, NV_KEY_VENDOR_MODULE, "'kvm_amd'");
        assert_key(status, NV_KEY_VENDOR_MODULE_LOADED, "false");
        assert_key(status, NV_KEY_KVM_BUILTIN, "true");
}

/* ---- Which persistent setting wins ----------------------------------- */

/* Without the command line: files in name order across directories, the
 * last setting wins; /etc/modprobe.d/kvm.conf hides /usr/lib's. */
static void test_persistent_merge_order(Fixture *f, gconstpointer data)
{
        g_autoptr(GVariant) status = NULL;

        nv_test_host_set_cmdline(f->env.host, "BOOT_IMAGE=/boot/vmlinuz root=/dev/sda1 ro");
        start_daemon(f);
        status = nv_test_env_get_status(&f->env);
        assert_key(status, NV_KEY_PERSISTENT_NESTED, "'disabled'");
        assert_key(status, NV_KEY_PERSISTENT_SOURCE, "'/run/modprobe.d/zz-local.conf'");
        /* Y runs, the next load would disable it. */
        assert_key(status, NV_KEY_RELOAD_REQUIRED, "true");
}

static void test_persistent_hidden_file(Fixture *f, gconstpointer data)
{
        g_autoptr(GVariant) status = NULL;

        nv_test_host_set_cmdline(f->env.host, "BOOT_IMAGE=/boot/vmlinuz root=/dev/sda1 ro");
        nv_test_host_remove(f->env.host, "/run/modprobe.d/zz-local.conf");
        /* Were /usr/lib/modprobe.d/kvm.conf (nested=0) read, it would come
         * after 50-kvm.conf and win. */
        nv_test_host_write_modprobe(f->env.host, "/etc/modprobe.d", "kvm.conf",
                                    "options kvm_intel enable_apicv=0\n");
        start_daemon(f);
        status = nv_test_env_get_status(&f->env);
        assert_key(status, NV_KEY_PERSISTENT_NESTED, "'enabled'");
        assert_key(status, NV_KEY_PERSISTENT_SOURCE, "'/usr/lib/modprobe.d/50-kvm.conf'");
        assert_key(status, NV_KEY_RELOAD_REQUIRED, "false");
}

static void test_persistent_last_line_wins(Fixture *f, gconstpointer data)
{
        g_autoptr(GVariant) status = NULL;

        nv_test_host_write_modprobe(f->env.host, "/usr/local/lib/modprobe.d", "kvm.conf",
                                    "options kvm_intel nested=1\n"
                                    "options kvm_intel ept=1\n"
                                    "options kvm_intel nested=0\n");
        start_daemon(f);
        status = nv_test_env_get_status(&f->env);
        assert_key(status, NV_KEY_PERSISTENT_NESTED, "'disabled'");
        assert_key(status, NV_KEY_PERSISTENT_SOURCE, "'/usr/local/lib/modprobe.d/kvm.conf'");
        /* N runs, disabled is configured. */
        assert_key(status, NV_KEY_RELOAD_REQUIRED, "false");
}

/* A built-in module never reads modprobe.d: with nothing on the command
 * line, the kernel's default applies whatever /etc says. */
static void test_persistent_builtin_ignores_modprobe(Fixture *f, gconstpointer data)
{
        g_autoptr(GVariant) status = NULL;

        nv_test_host_set_cmdline(f->env.host, "BOOT_IMAGE=/boot/vmlinuz root=/dev/sda1 ro");
        start_daemon(f);
        status = nv_test_env_get_status(&f->env);
        assert_key(status, NV_KEY_PERSISTENT_NESTED, "'default'");
        assert_key(status, NV_KEY_PERSISTENT_SOURCE, "''");
        assert_key(status, NV_KEY_RELOAD_REQUIRED, "false");
}

/* kvm_amd's nested is an int: "Y" makes it refuse to load. */
static void test_persistent_invalid(Fixture *f, gconstpointer data)
{
        g_autoptr(GVariant) status = NULL;

        nv_test_host_write_modprobe(f->env.host, "/etc/modprobe.d", "kvm.conf",
                                    "options kvm_amd nested=Y\n");
        start_daemon(f);
        status = nv_test_env_get_status(&f->env);
        assert_key(status, NV_KEY_PERSISTENT_NESTED, "'invalid'");
        assert_key(status, NV_KEY_PERSISTENT_SOURCE, "'/etc/modprobe.d/kvm.conf'");
}

/* kvm loaded, kvm_intel neither loaded nor built in. */
#define VENDOR_MODULE_ABSENT                                                                           \
        NV_KEY_KVM_LOADED, "true", NV_KEY_VENDOR_MODULE_LOADED, "false", NV_KEY_VENDOR_MODULE_BUILTIN, \
                "false", NV_KEY_NESTED_PARAMETER, "''"

/* A module that is being loaded is not loaded yet. */
static void test_module_coming(Fixture *f, gconstpointer data)
{
        g_autoptr(GVariant) status = NULL;

        nv_test_host_write(f->env.host, "/sys/module/kvm_intel/initstate", "coming\n");
        status = START_AND_CHECK(f, VENDOR_MODULE_ABSENT);
        assert_key(status, NV_KEY_NESTED_ENABLED, "false");
        assert_key(status, NV_KEY_RELOAD_REQUIRED, "false");
}

/* Unloading, the kernel removes initstate and the parameters before the
 * directory: what is left is not a built-in module, since modules.builtin
 * does not list it. */
static void test_module_going(Fixture *f, gconstpointer data)
{
        g_autoptr(GVariant) status = NULL;

        nv_test_host_remove(f->env.host, "/sys/module/kvm_intel/initstate");
        nv_test_host_remove(f->env.host, "/sys/module/kvm_intel/parameters");
        status = START_AND_CHECK(f, VENDOR_MODULE_ABSENT);
}

/* The kvm-builtin preset: kvm and kvm_intel built in, nested "N". */
#define KVM_BUILTIN \
        NV_KEY_KVM_BUILTIN, "true", NV_KEY_VENDOR_MODULE_BUILTIN, "true", NV_KEY_NESTED_PARAMETER, "'N'"

/* A kernel without modules.builtin (some cloud kernels, and the machines
 * CI runs on): a module directory without initstate is a built-in module
 * with parameters, as kmod takes it. */
static void test_module_builtin_unlisted(Fixture *f, gconstpointer data)
{
        g_autoptr(GVariant) status = NULL;

        nv_test_host_remove(f->env.host, "/lib/modules/" NV_TEST_OSRELEASE "/modules.builtin");
        status = START_AND_CHECK(f, KVM_BUILTIN);
}

/* A kernel built without loadable modules (no /proc/modules, as on the
 * machines CI runs on) can load or unload none: /sys/module is read once,
 * and later changes in the tree, which such a kernel cannot make, are not
 * looked for. */
static void test_module_no_loadable_modules(Fixture *f, gconstpointer data)
{
        g_autoptr(GVariant) before = NULL;
        g_autoptr(GVariant) after = NULL;

        nv_test_host_remove(f->env.host, "/proc/modules");
        before = START_AND_CHECK(f, KVM_BUILTIN);

        nv_test_host_write(f->env.host, "/sys/module/kvm_intel/parameters/nested", "Y\n");
        after = nv_test_env_get_status(&f->env);
        assert_status_equal(after, before);
}

/* ---- CPU, architecture and hypervisor ------------------------------- */

/* Starts the daemon on the tree as the test left it and returns GetStatus. */
static GVariant *status_of_host(Fixture *f)
{
        start_daemon(f);
        return nv_test_env_get_status(&f->env);
}

/* A guest whose hypervisor cannot be identified is still a guest. */
static void test_hypervisor_unidentified(Fixture *f, gconstpointer data)
{
        g_autoptr(GVariant) status = NULL;

        nv_test_host_set_dmi(f->env.host, NULL, NULL);
        status = status_of_host(f);
        assert_key(status, NV_KEY_IN_VIRTUAL_MACHINE, "true");
        assert_key(status, NV_KEY_HYPERVISOR, "'unknown'");
}

/* Xen PV guests have no DMI; /sys/hypervisor/type names Xen. */
static void test_hypervisor_xen(Fixture *f, gconstpointer data)
{
        g_autoptr(GVariant) status = NULL;

        nv_test_host_set_dmi(f->env.host, NULL, NULL);
        nv_test_host_write(f->env.host, "/sys/hypervisor/type", "xen\n");
        status = status_of_host(f);
        assert_key(status, NV_KEY_IN_VIRTUAL_MACHINE, "true");
        assert_key(status, NV_KEY_HYPERVISOR, "'xen'");
}

/* A hypervisor identified by DMI makes a guest even without the flag. */
static void test_hypervisor_dmi_without_flag(Fixture *f, gconstpointer data)
{
        g_autoptr(GVariant) status = NULL;

        nv_test_host_set_dmi(f->env.host, "VMware, Inc.", "VMware Virtual Platform");
        status = status_of_host(f);
        assert_key(status, NV_KEY_IN_VIRTUAL_MACHINE, "true");
        assert_key(status, NV_KEY_HYPERVISOR, "'vmware'");
        assert_key(status, NV_KEY_HARDWARE_VIRTUALIZATION, "true");
}

/* Cloud vendors name themselves in the DMI data of bare-metal machines as
 * well: without the hypervisor flag, that is no guest. */
static void test_hypervisor_dmi_bare_metal_vendor(Fixture *f, gconstpointer data)
{
        g_autoptr(GVariant) status = NULL;

        nv_test_host_set_dmi(f->env.host, "Amazon EC2", "i3.metal");
        status = status_of_host(f);
        assert_key(status, NV_KEY_IN_VIRTUAL_MACHINE, "false");
        assert_key(status, NV_KEY_HYPERVISOR, "''");
}

/* 32-bit x86 kernels are x86 too. */
static void test_supported_i686(Fixture *f, gconstpointer data)
{
        g_autoptr(GVariant) status = NULL;

        nv_test_host_set_arch(f->env.host, "i686");
        status = status_of_host(f);
        assert_key(status, NV_KEY_ARCHITECTURE, "'i686'");
        assert_key(status, NV_KEY_SUPPORTED, "true");
}

static void test_architecture_missing(Fixture *f, gconstpointer data)
{
        g_autoptr(GVariant) status = NULL;

        nv_test_host_remove(f->env.host, "/proc/sys/kernel/arch");
        status = status_of_host(f);
        assert_key(status, NV_KEY_ARCHITECTURE, "''");
        /* Nothing says this is x86. */
        assert_key(status, NV_KEY_SUPPORTED, "false");
}

/* Hygon Dhyana CPUs are AMD's design and use kvm_amd. */
static void test_cpu_hygon(Fixture *f, gconstpointer data)
{
        g_autoptr(GVariant) status = NULL;

        nv_test_host_set_cpuinfo(f->env.host, "HygonGenuine", "fpu vme de pse svm npt", 2);
        status = status_of_host(f);
        assert_key(status, NV_KEY_CPU_VENDOR, "'amd'");
        assert_key(status, NV_KEY_VENDOR_MODULE, "'kvm_amd'");
        assert_key(status, NV_KEY_HARDWARE_VIRTUALIZATION, "true");
        assert_key(status, NV_KEY_SUPPORTED, "true");
        assert_key(status, NV_KEY_VENDOR_MODULE_LOADED, "true");
        assert_key(status, NV_KEY_NESTED_ENABLED, "true");
}

/* ---- What the nested parameter means --------------------------------- */

static void test_nested_intel_lowercase(Fixture *f, gconstpointer data)
{
        g_autoptr(GVariant) status = NULL;

        nv_test_host_write(f->env.host, "/sys/module/kvm_intel/parameters/nested", "y\n");
        status = status_of_host(f);
        assert_key(status, NV_KEY_NESTED_PARAMETER, "'y'");
        assert_key(status, NV_KEY_NESTED_ENABLED, "true");
        assert_key(status, NV_KEY_RELOAD_REQUIRED, "false");
}

/* kvm_amd's nested is an int: any nonzero value enables it. */
static void test_nested_amd_nonzero(Fixture *f, gconstpointer data)
{
        g_autoptr(GVariant) status = NULL;

        nv_test_host_write(f->env.host, "/sys/module/kvm_amd/parameters/nested", "2\n");
        status = status_of_host(f);
        assert_key(status, NV_KEY_NESTED_PARAMETER, "'2'");
        assert_key(status, NV_KEY_NESTED_ENABLED, "true");
        assert_key(status, NV_KEY_RELOAD_REQUIRED, "false");
}

/* Running disabled while kvm.conf enables it: a reload would change it. */
static void test_nested_amd_zero(Fixture *f, gconstpointer data)
{
        g_autoptr(GVariant) status = NULL;

        nv_test_host_write(f->env.host, "/sys/module/kvm_amd/parameters/nested", "0\n");
        status = status_of_host(f);
        assert_key(status, NV_KEY_NESTED_PARAMETER, "'0'");
        assert_key(status, NV_KEY_NESTED_ENABLED, "false");
        assert_key(status, NV_KEY_PERSISTENT_NESTED, "'enabled'");
        assert_key(status, NV_KEY_RELOAD_REQUIRED, "true");
}

/* ---- Malformed host files -------------------------------------------- */

/* What a host whose CPU cannot be identified looks like, wherever the
 * kvm modules stand: nothing vendor-specific can be reported. */
static void assert_cpu_unknown(GVariant *status)
{
        assert_key(status, NV_KEY_CPU_VENDOR, "'unknown'");
        assert_key(status, NV_KEY_VENDOR_MODULE, "''");
        assert_key(status, NV_KEY_SUPPORTED, "false");
        assert_key(status, NV_KEY_HARDWARE_VIRTUALIZATION, "false");
        assert_key(status, NV_KEY_IN_VIRTUAL_MACHINE, "false");
        assert_key(status, NV_KEY_HYPERVISOR, "''");
        assert_key(status, NV_KEY_VENDOR_MODULE_LOADED, "false");
        assert_key(status, NV_KEY_NESTED_PARAMETER, "''");
        assert_key(status, NV_KEY_NESTED_ENABLED, "false");
        assert_key(status, NV_KEY_RELOAD_REQUIRED, "false");
        assert_key(status, NV_KEY_ARCHITECTURE, "'x86_64'");
}

/* Starts the daemon on the tree as it is, and checks it answers twice (the
 * second call goes through the refresh path with the same bad input). The
 * teardown checks it still exits cleanly. */
static GVariant *status_of_malformed_host(Fixture *f)
{
        g_autoptr(GVariant) first = NULL;

        start_daemon(f);
        first = nv_test_env_get_status(&f->env);
        g_variant_unref(nv_test_env_get_status(&f->env));
        sync_with_daemon(f);
        g_assert_true(nv_test_daemon_is_running(f->env.daemon));
        return g_steal_pointer(&first);
}

static void test_malformed_empty_cpuinfo(Fixture *f, gconstpointer data)
{
        g_autoptr(GVariant) status = NULL;

        nv_test_host_write(f->env.host, "/proc/cpuinfo", "");
        status = status_of_malformed_host(f);
        assert_cpu_unknown(status);
}

static void test_malformed_missing_cpuinfo(Fixture *f, gconstpointer data)
{
        g_autoptr(GVariant) status = NULL;

        nv_test_host_remove(f->env.host, "/proc/cpuinfo");
        status = status_of_malformed_host(f);
        assert_cpu_unknown(status);
}

static void test_malformed_unreadable_cpuinfo(Fixture *f, gconstpointer data)
{
        g_autoptr(GVariant) status = NULL;

        /* Root reads any mode: a directory is what root cannot read(). */
        nv_test_host_remove(f->env.host, "/proc/cpuinfo");
        nv_test_host_mkdir(f->env.host, "/proc/cpuinfo");
        status = status_of_malformed_host(f);
        assert_cpu_unknown(status);
}

static void test_malformed_garbage_cpuinfo(Fixture *f, gconstpointer data)
{
        g_autoptr(GRand) rand = g_rand_new_with_seed(0x6b766d);
        g_autofree guint8 *garbage = g_malloc(64 * 1024);
        g_autoptr(GVariant) status = NULL;

        for (gsize i = 0; i < 64 * 1024; i++)
                garbage[i] = (guint8)g_rand_int_range(rand, 0, 256);
        /* Near misses, too: a vendor_id without its colon, flags in a
         * field of another name. */
        memcpy(garbage + 1000, "\nvendor_id GenuineIntel\nxflags\t: vmx\n", 37);
        nv_test_host_write_data(f->env.host, "/proc/cpuinfo", garbage, 64 * 1024);
        status = status_of_malformed_host(f);
        assert_cpu_unknown(status);
}

static void test_malformed_huge_cpuinfo_garbage(Fixture *f, gconstpointer data)
{
        const gsize size = 4 * 1024 * 1024;
        g_autofree char *huge = g_malloc(size);
        g_autoptr(GVariant) status = NULL;

        /* One 4 MiB line: no line reader may assume lines are short. */
        memset(huge, 'x', size);
        nv_test_host_write_data(f->env.host, "/proc/cpuinfo", huge, size);
        status = status_of_malformed_host(f);
        assert_cpu_unknown(status);
}

/* A host with thousands of CPUs has a cpuinfo of megabytes; it is still a
 * valid one, and says what the first processor says. */
static void test_malformed_huge_cpuinfo_valid(Fixture *f, gconstpointer data)
{
        g_autofree char *path = nv_test_host_path(f->env.host, "/proc/cpuinfo");
        g_autoptr(GVariant) status = NULL;
        GStatBuf st;

        nv_test_host_set_cpuinfo(f->env.host, "GenuineIntel", "fpu vme de pse vmx ept", 16384);
        g_assert_cmpint(g_stat(path, &st), ==, 0);
        g_assert_cmpint(st.st_size, >=, 4 * 1024 * 1024);
        status = status_of_malformed_host(f);
        assert_key(status, NV_KEY_CPU_VENDOR, "'intel'");
        assert_key(status, NV_KEY_HARDWARE_VIRTUALIZATION, "true");
        assert_key(status, NV_KEY_SUPPORTED, "true");
}

static void test_malformed_nested_garbage(Fixture *f, gconstpointer data)
{
        g_autoptr(GVariant) status = NULL;

        nv_test_host_write(f->env.host, "/sys/module/kvm_intel/parameters/nested", "maybe\n");
        status = status_of_malformed_host(f);
        assert_key(status, NV_KEY_VENDOR_MODULE_LOADED, "true");
        /* The raw value, as the XML promises; but never "enabled". */
        assert_key(status, NV_KEY_NESTED_PARAMETER, "'maybe'");
        assert_key(status, NV_KEY_NESTED_ENABLED, "false");
}

/* sysfs cannot hold this, a broken tree can: bytes that are not UTF-8 must
 * not make the daemon send an invalid D-Bus string (sd-bus refuses, and
 * the call would fail) or crash. */
static void test_malformed_nested_binary(Fixture *f, gconstpointer data)
{
        static const char binary[] = "\xff\xfe\x00Y\x80\n";
        g_autoptr(GVariant) status = NULL;

        nv_test_host_write_data(f->env.host, "/sys/module/kvm_intel/parameters/nested", binary,
                                sizeof(binary) - 1);
        status = status_of_malformed_host(f);
        assert_key(status, NV_KEY_VENDOR_MODULE_LOADED, "true");
        assert_key(status, NV_KEY_NESTED_ENABLED, "false");
}

/* The first line is the value: without a line end, or with more lines
 * after it (a sysfs attribute has neither, a file in a tree may). */
static void test_malformed_nested_lines(Fixture *f, gconstpointer data)
{
        g_autoptr(GVariant) status = NULL;
        g_autoptr(GVariant) again = NULL;

        nv_test_host_write(f->env.host, "/sys/module/kvm_intel/parameters/nested", "Y");
        status = status_of_malformed_host(f);
        assert_key(status, NV_KEY_NESTED_PARAMETER, "'Y'");
        assert_key(status, NV_KEY_NESTED_ENABLED, "true");

        nv_test_host_write(f->env.host, "/sys/module/kvm_intel/parameters/nested", "N\nY\n");
        again = nv_test_env_get_status(&f->env);
        assert_key(again, NV_KEY_NESTED_PARAMETER, "'N'");
        assert_key(again, NV_KEY_NESTED_ENABLED, "false");
}

/* A line longer than the daemon reads of such a file: it uses the start,
 * says so once in its log, and answers. */
static void test_malformed_nested_long_line(Fixture *f, gconstpointer data)
{
        g_autofree char *line = g_strnfill(10000, 'x');
        g_autofree char *log = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) status = NULL;
        g_autoptr(GVariant) parameter = NULL;

        nv_test_host_write(f->env.host, "/sys/module/kvm_intel/parameters/nested", line);
        status = status_of_malformed_host(f);
        parameter = g_variant_lookup_value(status, NV_KEY_NESTED_PARAMETER, G_VARIANT_TYPE_STRING);
        g_assert_nonnull(parameter);
        g_assert_cmpuint(strlen(g_variant_get_string(parameter, NULL)), ==, 4096);
        assert_key(status, NV_KEY_NESTED_ENABLED, "false");

        g_file_get_contents(nv_test_daemon_get_log_path(f->env.daemon), &log, NULL, &error);
        g_assert_no_error(error);
        g_assert_nonnull(strstr(log, "parameters/nested has no line end in its first 4096 bytes"));
}

static void test_malformed_nested_unreadable(Fixture *f, gconstpointer data)
{
        g_autoptr(GVariant) status = NULL;

        nv_test_host_remove(f->env.host, "/sys/module/kvm_intel/parameters/nested");
        nv_test_host_mkdir(f->env.host, "/sys/module/kvm_intel/parameters/nested");
        status = status_of_malformed_host(f);
        assert_key(status, NV_KEY_VENDOR_MODULE_LOADED, "true");
        assert_key(status, NV_KEY_NESTED_PARAMETER, "''");
        assert_key(status, NV_KEY_NESTED_ENABLED, "false");
}

/* A process may name itself anything (prctl(PR_SET_NAME)), including bytes
 * that are not UTF-8; it still holds KVM and must still be listed. */
static void test_malformed_comm_binary(Fixture *f, gconstpointer data)
{
        static const char *const fds[] = { "/dev/kvm", NULL };
        g_autoptr(GVariant) status = NULL;
        g_autoptr(GVariant) users = NULL;
        guint32 pid = 0;
        const char *comm = NULL;

        nv_test_host_add_process(f->env.host, 666, "evil", fds);
        nv_test_host_write_data(f->env.host, "/proc/666/comm", "ev\xffil\n", 6);
        nv_test_host_write(f->env.host, "/sys/module/kvm_intel/refcnt", "1\n");
        status = status_of_malformed_host(f);
        users = g_variant_lookup_value(status, NV_KEY_MODULE_USERS, G_VARIANT_TYPE("a(us)"));
        g_assert_nonnull(users);
        g_assert_cmpuint(g_variant_n_children(users), ==, 1);
        g_variant_get_child(users, 0, "(u&s)", &pid, &comm);
        g_assert_cmpuint(pid, ==, 666);
        g_assert_true(g_utf8_validate(comm, -1, NULL));
}

/* Lines as people write them: tabs, runs of spaces, indentation, comments,
 * a backslash continuation (kmod joins the lines). */
static void test_malformed_modprobe_spacing(Fixture *f, gconstpointer data)
{
        g_autoptr(GVariant) status = NULL;

        nv_test_host_write_modprobe(f->env.host, "/etc/modprobe.d", "kvm.conf",
                                    "# options kvm_intel nested=1\n"
                                    "\n"
                                    "   options\t kvm_intel\tnested=1   \n"
                                    "options    kvm-intel   \\\n"
                                    "\tnested=0\n");
        status = status_of_malformed_host(f);
        assert_key(status, NV_KEY_PERSISTENT_NESTED, "'disabled'");
        assert_key(status, NV_KEY_PERSISTENT_SOURCE, "'/etc/modprobe.d/kvm.conf'");
        assert_key(status, NV_KEY_RELOAD_REQUIRED, "false");
}

static void test_malformed_modprobe_no_final_newline(Fixture *f, gconstpointer data)
{
        g_autoptr(GVariant) status = NULL;

        nv_test_host_write_modprobe(f->env.host, "/etc/modprobe.d", "kvm.conf",
                                    "options kvm_intel nested=1");
        status = status_of_malformed_host(f);
        assert_key(status, NV_KEY_PERSISTENT_NESTED, "'enabled'");
        assert_key(status, NV_KEY_PERSISTENT_SOURCE, "'/etc/modprobe.d/kvm.conf'");
        assert_key(status, NV_KEY_RELOAD_REQUIRED, "true");
}

/* Junk that says nothing about kvm_intel's nested: the default stands. */
static void test_malformed_modprobe_garbage(Fixture *f, gconstpointer data)
{
        static const char junk[] = "options\n"
                                   "options kvm_intel\n"
                                   "options kvm_intel =1\n"
                                   "options kvm_intelnested=1\n"
                                   "options kvm_intel_x nested=1\n"
                                   "install kvm_intel /bin/true nested=1\n"
                                   "\\\n"
                                   "\xff\xfe\x01\x00options kvm_amd nested=1\n"
                                   "options kvm_intel nested_early_check=1\n";
        g_autoptr(GVariant) status = NULL;

        nv_test_host_write_data(f->env.host, "/etc/modprobe.d/junk.conf", junk, sizeof(junk) - 1);
        nv_test_host_symlink(f->env.host, "/etc/modprobe.d/dangling.conf", "/nonexistent/kvm.conf");
        nv_test_host_mkdir(f->env.host, "/etc/modprobe.d/directory.conf");
        status = status_of_malformed_host(f);
        assert_key(status, NV_KEY_PERSISTENT_NESTED, "'default'");
        assert_key(status, NV_KEY_PERSISTENT_SOURCE, "''");
}

/* A modprobe.d file of several megabytes must not hang or crash the daemon;
 * whether it reads all of it is its choice. */
static void test_malformed_modprobe_huge(Fixture *f, gconstpointer data)
{
        g_autoptr(GString) text = g_string_new(NULL);
        g_autoptr(GVariant) status = NULL;
        g_autoptr(GVariant) persistent = NULL;
        const char *value;

        while (text->len < 5 * 1024 * 1024)
                g_string_append(text, "# a comment that goes on and on to make the file big\n");
        g_string_append(text, "options kvm_intel nested=0\n");
        nv_test_host_write(f->env.host, "/etc/modprobe.d/huge.conf", text->str);
        status = status_of_malformed_host(f);
        persistent = g_variant_lookup_value(status, NV_KEY_PERSISTENT_NESTED, G_VARIANT_TYPE_STRING);
        g_assert_nonnull(persistent);
        value = g_variant_get_string(persistent, NULL);
        if (!g_str_equal(value, "disabled") && !g_str_equal(value, "default"))
                g_error("PersistentNested is \"%s\" for a huge file saying nested=0", value);
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
        static const char *const env_vars[] = { "NV_DAEMON", "NV_BUS_POLICY", NULL };
        g_autofree char *skip = NULL;

        nv_test_init(&argc, &argv);
        skip = nv_test_skip_reason(env_vars);

        for (int p = 0; p < NV_TEST_PRESET_COUNT; p++) {
                g_autofree char *status_path =
                        g_strdup_printf("/daemon/status/%s", nv_test_preset_to_string(p));
                g_autofree char *agree_path =
                        g_strdup_printf("/daemon/properties/agree/%s", nv_test_preset_to_string(p));

                add_test(skip, status_path, p, test_status);
                add_test(skip, agree_path, p, test_properties_agree);
        }
        add_test(skip, "/daemon/version", NV_TEST_PRESET_INTEL_LOADED, test_version);
        add_test(skip, "/daemon/properties/read-only", NV_TEST_PRESET_INTEL_LOADED,
                 test_properties_read_only);
        add_test(skip, "/daemon/properties/unknown", NV_TEST_PRESET_INTEL_LOADED, test_properties_unknown);

        add_test(skip, "/daemon/changed/nothing", NV_TEST_PRESET_INTEL_LOADED, test_changed_nothing);
        add_test(skip, "/daemon/changed/nested-parameter", NV_TEST_PRESET_INTEL_LOADED,
                 test_changed_nested_parameter);
        add_test(skip, "/daemon/changed/module-unloaded-get", NV_TEST_PRESET_INTEL_LOADED,
                 test_changed_module_unloaded_get);
        add_test(skip, "/daemon/changed/module-loaded-get-all", NV_TEST_PRESET_VENDOR_MODULE_NOT_LOADED,
                 test_changed_module_loaded_get_all);
        add_test(skip, "/daemon/changed/modprobe-edit", NV_TEST_PRESET_INTEL_LOADED,
                 test_changed_modprobe_edit);
        add_test(skip, "/daemon/changed/modprobe-rename", NV_TEST_PRESET_AMD_LOADED,
                 test_changed_modprobe_rename);
        add_test(skip, "/daemon/changed/modprobe-removed", NV_TEST_PRESET_AMD_LOADED,
                 test_changed_modprobe_removed);
        add_test(skip, "/daemon/changed/const-facts", NV_TEST_PRESET_INTEL_LOADED, test_changed_const_facts);
        add_test(skip, "/daemon/changed/module-users", NV_TEST_PRESET_INTEL_LOADED,
                 test_changed_module_users);

        add_test(skip, "/daemon/module-users/sorted", NV_TEST_PRESET_INTEL_LOADED, test_module_users);
        add_test(skip, "/daemon/module-users/builtin", NV_TEST_PRESET_KVM_BUILTIN,
                 test_module_users_builtin);
        add_test(skip, "/daemon/module-users/other-provider", NV_TEST_PRESET_L1_GUEST,
                 test_module_users_other_provider);
        add_test(skip, "/daemon/module/coming", NV_TEST_PRESET_INTEL_LOADED, test_module_coming);
        add_test(skip, "/daemon/module/going", NV_TEST_PRESET_INTEL_LOADED, test_module_going);
        add_test(skip, "/daemon/module/builtin-without-list", NV_TEST_PRESET_KVM_BUILTIN,
                 test_module_builtin_unlisted);
        add_test(skip, "/daemon/module/no-loadable-modules", NV_TEST_PRESET_KVM_BUILTIN,
                 test_module_no_loadable_modules);

        add_test(skip, "/daemon/persistent/merge-order", NV_TEST_PRESET_MODPROBE_SPREAD,
                 test_persistent_merge_order);
        add_test(skip, "/daemon/persistent/hidden-file", NV_TEST_PRESET_MODPROBE_SPREAD,
                 test_persistent_hidden_file);
        add_test(skip, "/daemon/persistent/last-line-wins", NV_TEST_PRESET_INTEL_LOADED,
                 test_persistent_last_line_wins);
        add_test(skip, "/daemon/persistent/builtin-ignores-modprobe", NV_TEST_PRESET_KVM_BUILTIN,
                 test_persistent_builtin_ignores_modprobe);
        add_test(skip, "/daemon/persistent/invalid", NV_TEST_PRESET_AMD_LOADED, test_persistent_invalid);

        add_test(skip, "/daemon/hypervisor/unidentified", NV_TEST_PRESET_L1_GUEST,
                 test_hypervisor_unidentified);
        add_test(skip, "/daemon/hypervisor/xen", NV_TEST_PRESET_L1_GUEST, test_hypervisor_xen);
        add_test(skip, "/daemon/hypervisor/dmi-without-flag", NV_TEST_PRESET_INTEL_LOADED,
                 test_hypervisor_dmi_without_flag);
        add_test(skip, "/daemon/hypervisor/dmi-bare-metal-vendor", NV_TEST_PRESET_INTEL_LOADED,
                 test_hypervisor_dmi_bare_metal_vendor);
        add_test(skip, "/daemon/supported/i686", NV_TEST_PRESET_INTEL_LOADED, test_supported_i686);
        add_test(skip, "/daemon/supported/architecture-missing", NV_TEST_PRESET_INTEL_LOADED,
                 test_architecture_missing);
        add_test(skip, "/daemon/cpu/hygon", NV_TEST_PRESET_AMD_LOADED, test_cpu_hygon);
        add_test(skip, "/daemon/nested/intel-lowercase", NV_TEST_PRESET_INTEL_LOADED,
                 test_nested_intel_lowercase);
        add_test(skip, "/daemon/nested/amd-nonzero", NV_TEST_PRESET_AMD_LOADED, test_nested_amd_nonzero);
        add_test(skip, "/daemon/nested/amd-zero", NV_TEST_PRESET_AMD_LOADED, test_nested_amd_zero);

        add_test(skip, "/daemon/malformed/cpuinfo-empty", NV_TEST_PRESET_INTEL_LOADED,
                 test_malformed_empty_cpuinfo);
        add_test(skip, "/daemon/malformed/cpuinfo-missing", NV_TEST_PRESET_INTEL_LOADED,
                 test_malformed_missing_cpuinfo);
        add_test(skip, "/daemon/malformed/cpuinfo-unreadable", NV_TEST_PRESET_INTEL_LOADED,
                 test_malformed_unreadable_cpuinfo);
        add_test(skip, "/daemon/malformed/cpuinfo-garbage", NV_TEST_PRESET_INTEL_LOADED,
                 test_malformed_garbage_cpuinfo);
        add_test(skip, "/daemon/malformed/cpuinfo-huge-garbage", NV_TEST_PRESET_INTEL_LOADED,
                 test_malformed_huge_cpuinfo_garbage);
        add_test(skip, "/daemon/malformed/cpuinfo-huge-valid", NV_TEST_PRESET_INTEL_LOADED,
                 test_malformed_huge_cpuinfo_valid);
        add_test(skip, "/daemon/malformed/nested-garbage", NV_TEST_PRESET_INTEL_LOADED,
                 test_malformed_nested_garbage);
        add_test(skip, "/daemon/malformed/nested-binary", NV_TEST_PRESET_INTEL_LOADED,
                 test_malformed_nested_binary);
        add_test(skip, "/daemon/malformed/nested-lines", NV_TEST_PRESET_INTEL_LOADED,
                 test_malformed_nested_lines);
        add_test(skip, "/daemon/malformed/nested-long-line", NV_TEST_PRESET_INTEL_LOADED,
                 test_malformed_nested_long_line);
        add_test(skip, "/daemon/malformed/nested-unreadable", NV_TEST_PRESET_INTEL_LOADED,
                 test_malformed_nested_unreadable);
        add_test(skip, "/daemon/malformed/comm-binary", NV_TEST_PRESET_INTEL_LOADED,
                 test_malformed_comm_binary);
        add_test(skip, "/daemon/malformed/modprobe-spacing", NV_TEST_PRESET_INTEL_LOADED,
                 test_malformed_modprobe_spacing);
        add_test(skip, "/daemon/malformed/modprobe-no-final-newline", NV_TEST_PRESET_INTEL_LOADED,
                 test_malformed_modprobe_no_final_newline);
        add_test(skip, "/daemon/malformed/modprobe-garbage", NV_TEST_PRESET_INTEL_LOADED,
                 test_malformed_modprobe_garbage);
        add_test(skip, "/daemon/malformed/modprobe-huge", NV_TEST_PRESET_INTEL_LOADED,
                 test_malformed_modprobe_huge);

        return nv_test_run_tests(skip);
}
