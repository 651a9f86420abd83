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
 *
 * Most of them are one scenario: a preset host, a few files changed, the
 * daemon started, GetStatus read and its keys checked. Those are rows of
 * status_cases[], one test path each.
 */
#include "config.h"

#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nv-dbus.h"
#include "nv-host-class.h"
#include "nv-test-bus.h"
#include "nv-test-host.h"

#define PROPERTIES_INTERFACE "org.freedesktop.DBus.Properties"

/* A PropertiesChanged signal is expected within this long after its cause;
 * generous, as it only costs time when the signal never comes. */
#define SIGNAL_TIMEOUT_MS NV_TEST_TIMEOUT_MS

/* Every status key, in the order of the XML. */
static const char *const status_keys[] = {
        "Version",
        "Architecture",
        "Supported",
        "CpuVendor",
        "VendorModule",
        "HardwareVirtualization",
        "InVirtualMachine",
        "Hypervisor",
        "HypervisorProduct",
        "KvmLoaded",
        "KvmBuiltin",
        "VendorModuleLoaded",
        "VendorModuleBuiltin",
        "VendorModuleState",
        "NestedParameter",
        "NestedEnabled",
        "NestedAcceleration",
        "NestedAccelerationReasons",
        "PersistentNested",
        "PersistentSource",
        "ReloadRequired",
        "HpageConflict",
        "VendorModuleInUse",
        "HostClass",
        "KvmDevice",
        "KvmProvider",
        "KvmDeviceAccess",
        "KvmDeviceOwner",
        "KvmDeviceGroup",
        "KvmDeviceMode",
        "Container",
        "PendingReload",
        "PendingReloadResult",
};

typedef NvTestEnv Fixture;

/* @data: the preset. The daemon's PropertiesChanged are recorded. */
static void fixture_setup(Fixture *f, gconstpointer data)
{
        const NvTestEnvOptions options = { .record_changes = TRUE };

        nv_test_env_setup_full(f, GPOINTER_TO_INT(data), &options);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
        nv_test_env_teardown(f);
}

/*
 * Fails unless every key of @expected is in @status with a value of the
 * same type and contents, and, if @whole, @status has no other key; names
 * every difference.
 */
static void assert_status_has(GVariant *status, GVariant *expected, gboolean whole)
{
        g_autoptr(GString) differences = g_string_new(NULL);
        g_autoptr(GVariantDict) remaining = g_variant_dict_new(status);
        GVariantIter iter;
        const char *key;
        GVariant *want;

        g_variant_iter_init(&iter, expected);
        while (g_variant_iter_loop(&iter, "{&sv}", &key, &want)) {
                g_autoptr(GVariant) got = g_variant_lookup_value(status, key, NULL);
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
        if (whole) {
                g_autoptr(GVariant) extra = g_variant_ref_sink(g_variant_dict_end(remaining));

                g_variant_iter_init(&iter, extra);
                while (g_variant_iter_loop(&iter, "{&sv}", &key, &want))
                        g_string_append_printf(differences, "\n  unexpected key %s", key);
        }
        if (differences->len > 0)
                g_error("status differs from the expected one:%s", differences->str);
}

/* Fails unless @status has exactly @expected's keys and values. */
static void assert_status_equal(GVariant *status, GVariant *expected)
{
        assert_status_has(status, expected, TRUE);
}

static GVariant *parse_vardict(const char *text)
{
        g_autoptr(GError) error = NULL;
        GVariant *dict = g_variant_parse(G_VARIANT_TYPE_VARDICT, text, NULL, NULL, &error);

        g_assert_no_error(error);
        return dict;
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

        reply = nv_test_env_call(f, PROPERTIES_INTERFACE, "GetAll", g_variant_new("(s)", NV_INTERFACE),
                                 G_VARIANT_TYPE("(a{sv})"), &error);
        g_assert_no_error(error);
        g_variant_get(reply, "(@a{sv})", &all);
        return all;
}

static GVariant *get_property(Fixture *f, const char *name, GError **error)
{
        g_autoptr(GVariant) reply = NULL;
        GVariant *value;

        reply = nv_test_env_call(f, PROPERTIES_INTERFACE, "Get", g_variant_new("(ss)", NV_INTERFACE, name),
                                 G_VARIANT_TYPE("(v)"), error);
        if (!reply)
                return NULL;
        g_variant_get(reply, "(v)", &value);
        return value;
}

/* ---- Properties agree and cannot be set ------------------------------ */

static void test_properties_agree(Fixture *f, gconstpointer data)
{
        g_autoptr(GVariant) status = NULL;
        g_autoptr(GVariant) all = NULL;

        nv_test_env_start_daemon(f);
        status = nv_test_env_get_status(f);
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

/* One ladder: on every kind of host, the class the service exports is the
 * one its refusals follow. EnablePersistent refuses with NotSupported
 * exactly where HostClass says nothing can be changed, or where s390's kvm
 * would next load with hpage=1 (HpageConflict names a file or the command
 * line: the class stays "module", since nested=0 can still be written),
 * with ModuleBuiltin on a built-in module, and Supported says the same;
 * the clients word the same class (test-verdict, test-cli). */
static void test_one_ladder(Fixture *f, gconstpointer data)
{
        g_autoptr(GVariant) status = NULL;
        g_autoptr(GVariant) reply = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *remote = NULL;
        const char *word = NULL;
        const char *hpage = NULL;
        gboolean supported = FALSE;
        NvHostClass host_class;

        nv_test_env_start_daemon(f);
        status = nv_test_env_get_status(f);
        g_assert_true(g_variant_lookup(status, "HostClass", "&s", &word));
        g_assert_true(g_variant_lookup(status, "Supported", "b", &supported));
        g_assert_true(g_variant_lookup(status, "HpageConflict", "&s", &hpage));
        host_class = nv_host_class_from_string(word);
        g_test_message("%s: HostClass %s, Supported %d", nv_test_preset_to_string(GPOINTER_TO_INT(data)),
                       word, supported);
        g_assert_cmpint(host_class, !=, NV_HOST_UNKNOWN);
        g_assert_cmpint(supported, ==,
                        !nv_host_class_refuses_changes(host_class) && host_class != NV_HOST_MODULE_BUILTIN);

        reply = nv_test_env_call(f, NV_INTERFACE, "EnablePersistent", g_variant_new("(b)", TRUE), NULL,
                                 &error);
        remote = error ? g_dbus_error_get_remote_error(error) : NULL;
        if (nv_host_class_refuses_changes(host_class) || hpage[0] == '/')
                g_assert_cmpstr(remote, ==, NV_ERROR_NOT_SUPPORTED);
        else if (host_class == NV_HOST_MODULE_BUILTIN)
                g_assert_cmpstr(remote, ==, NV_ERROR_MODULE_BUILTIN);
        else
                g_assert_cmpstr(remote, !=, NV_ERROR_NOT_SUPPORTED);
}

static void test_version(Fixture *f, gconstpointer data)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) version = NULL;

        nv_test_env_start_daemon(f);
        version = get_property(f, "Version", &error);
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
        g_error("no replacement for a value of type %s", g_variant_get_type_string(value));
}

static void test_properties_read_only(Fixture *f, gconstpointer data)
{
        g_autoptr(GVariant) before = NULL;
        g_autoptr(GVariant) after = NULL;

        nv_test_env_start_daemon(f);
        before = nv_test_env_get_status(f);

        for (size_t i = 0; i < G_N_ELEMENTS(status_keys); i++) {
                g_autoptr(GError) error = NULL;
                g_autoptr(GVariant) reply = NULL;
                g_autoptr(GVariant) current = g_variant_lookup_value(before, status_keys[i], NULL);
                g_autofree char *remote = NULL;

                g_assert_nonnull(current);
                reply = nv_test_env_call(
                        f, PROPERTIES_INTERFACE, "Set",
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

        after = nv_test_env_get_status(f);
        assert_status_equal(after, before);
}

static void test_properties_unknown(Fixture *f, gconstpointer data)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) value = NULL;

        nv_test_env_start_daemon(f);
        value = get_property(f, "NestedMaybe", &error);
        g_assert_null(value);
        g_assert_nonnull(error);
        g_assert_true(g_dbus_error_is_remote_error(error));
}

/* ---- PropertiesChanged ----------------------------------------------- */

typedef struct {
        Fixture *f;
        GVariant *expected;
} ChangeWait;

static gboolean changes_reached(gpointer user_data)
{
        ChangeWait *wait = user_data;
        g_autoptr(GHashTable) changed = nv_test_env_collect_changes(wait->f);
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
        nv_test_env_sync(f);

        changed = nv_test_env_collect_changes(f);
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
                g_error("PropertiesChanged (%u signals) differs from what changed:%s", f->changes->len,
                        differences->str);
}

/* Nothing changed, nothing announced: calls alone must not emit. */
static void test_changed_nothing(Fixture *f, gconstpointer data)
{
        g_autoptr(GVariant) first = NULL;
        g_autoptr(GVariant) second = NULL;
        g_autoptr(GVariant) all = NULL;

        nv_test_env_start_daemon(f);
        first = nv_test_env_get_status(f);
        second = nv_test_env_get_status(f);
        all = get_all(f);
        nv_test_env_sync(f);
        g_assert_cmpuint(f->changes->len, ==, 0);
        assert_status_equal(second, first);
        assert_status_equal(all, first);
}

static void test_changed_nested_parameter(Fixture *f, gconstpointer data)
{
        g_autoptr(GVariant) status = NULL;

        nv_test_env_start_daemon(f);
        /* As if kvm_intel had been reloaded with nested=1. */
        nv_test_host_write(f->host, "/sys/module/kvm_intel/parameters/nested", "Y\n");
        status = nv_test_env_get_status(f);
        assert_key(status, "NestedParameter", "'Y'");
        assert_key(status, "NestedEnabled", "true");
        assert_key(status, "ReloadRequired", "false");
        assert_changes(f, "{'NestedParameter': <'Y'>, 'NestedEnabled': <true>, 'ReloadRequired': <false>}");
}

/* Properties.Get is an incoming call too: it must refresh and announce. */
static void test_changed_module_unloaded_get(Fixture *f, gconstpointer data)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) loaded = NULL;

        nv_test_env_start_daemon(f);
        nv_test_host_unload_module(f->host, "kvm_intel");
        loaded = get_property(f, "VendorModuleLoaded", &error);
        g_assert_no_error(error);
        g_assert_false(g_variant_get_boolean(loaded));
        /* NestedEnabled was false and stays false: not announced. */
        assert_changes(f,
                       "{'VendorModuleLoaded': <false>, 'NestedParameter': <''>, 'ReloadRequired': <false>,"
                       " 'VendorModuleState': <'loadable'>, 'KvmProvider': <''>,"
                       " 'NestedAcceleration': <'unknown'>}");
}

static void test_changed_module_loaded_get_all(Fixture *f, gconstpointer data)
{
        g_autoptr(GVariant) all = NULL;

        nv_test_env_start_daemon(f);
        nv_test_host_load_module(f->host, "kvm", 1, NULL);
        nv_test_host_load_module(f->host, "kvm_intel", 0, "N");
        all = get_all(f);
        assert_key(all, "KvmLoaded", "true");
        assert_key(all, "VendorModuleLoaded", "true");
        /* Loaded as configured (nested=0): no reload needed, before or after. */
        assert_changes(f, "{'KvmLoaded': <true>, 'VendorModuleLoaded': <true>, 'NestedParameter': <'N'>,"
                          " 'VendorModuleState': <'loaded'>, 'NestedAcceleration': <'full'>}");
}

/* An edit in a watched modprobe.d directory is announced without any call:
 * wait for the signal before the first round trip. */
static void test_changed_modprobe_edit(Fixture *f, gconstpointer data)
{
        static const char *const changes =
                "{'PersistentNested': <'disabled'>, 'PersistentSource': <'/etc/modprobe.d/kvm.conf'>,"
                " 'ReloadRequired': <false>}";
        g_autoptr(GVariant) expected = parse_vardict(changes);

        nv_test_env_start_daemon(f);
        nv_test_host_write_modprobe(f->host, "/etc/modprobe.d", "kvm.conf", "options kvm_intel nested=0\n");
        if (!wait_for_changes(f, expected))
                g_error("no PropertiesChanged within %d ms of editing /etc/modprobe.d/kvm.conf (%u signals)",
                        SIGNAL_TIMEOUT_MS, f->changes->len);
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
        g_autofree char *path = nv_test_host_path(f->host, "/run/modprobe.d/nested.conf");

        nv_test_env_start_daemon(f);
        g_file_set_contents(path, "options kvm_amd nested=0\n", -1, &error);
        g_assert_no_error(error);
        if (!wait_for_changes(f, expected))
                g_error("no PropertiesChanged within %d ms of replacing /run/modprobe.d/nested.conf (%u "
                        "signals)",
                        SIGNAL_TIMEOUT_MS, f->changes->len);
        /* kvm_amd runs with nested=1; the next load would disable it. */
        assert_changes(
                f, "{'PersistentNested': <'disabled'>, 'PersistentSource': <'/run/modprobe.d/nested.conf'>,"
                   " 'ReloadRequired': <true>}");
}

static void test_changed_modprobe_removed(Fixture *f, gconstpointer data)
{
        static const char *const changes = "{'PersistentNested': <'default'>, 'PersistentSource': <''>}";
        g_autoptr(GVariant) expected = parse_vardict(changes);

        nv_test_env_start_daemon(f);
        nv_test_host_remove(f->host, "/etc/modprobe.d/kvm.conf");
        if (!wait_for_changes(f, expected))
                g_error("no PropertiesChanged within %d ms of removing /etc/modprobe.d/kvm.conf (%u "
                        "signals)",
                        SIGNAL_TIMEOUT_MS, f->changes->len);
        /* The default is enabled, as kvm_amd runs now: no reload needed. */
        assert_changes(f, changes);
}

/* How many times the daemon's log says @needle so far. */
static guint count_in_log(Fixture *f, const char *needle)
{
        g_autofree char *log = NULL;
        guint n = 0;

        g_file_get_contents(nv_test_daemon_get_log_path(f->daemon), &log, NULL, NULL);
        for (const char *p = log; p && (p = strstr(p, needle)); p += strlen(needle))
                n++;
        return n;
}

#define READING_MODPROBE_D "Reading modprobe.d:"

/* Creates and removes @n files in @dir of the host, as fast as it can:
 * three inotify events each (create, close after writing, delete). */
static void churn_modprobe_d(Fixture *f, const char *dir, guint n)
{
        g_autofree char *path = nv_test_host_path(f->host, dir);

        for (guint i = 0; i < n; i++) {
                g_autofree char *file = g_strdup_printf("%s/churn-%u.conf", path, i);
                int fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

                g_assert_no_errno(fd);
                close(fd);
                g_assert_no_errno(unlink(file));
        }
}

/*
 * A burst of modprobe.d events (issue 26, finding 7) is read once, not
 * once per event: 600 events while the daemon is stopped, then an edit,
 * and the daemon reads modprobe.d a few times at most, and announces the
 * edit.
 */
static void test_changed_modprobe_burst(Fixture *f, gconstpointer data)
{
        static const char *const changes =
                "{'PersistentNested': <'disabled'>, 'PersistentSource': <'/etc/modprobe.d/kvm.conf'>,"
                " 'ReloadRequired': <false>}";
        guint n_reads;

        nv_test_env_start_daemon(f);
        nv_test_env_sync(f);
        n_reads = count_in_log(f, READING_MODPROBE_D);
        nv_test_daemon_send_signal(f->daemon, SIGSTOP);
        churn_modprobe_d(f, "/etc/modprobe.d", 200);
        nv_test_host_write_modprobe(f->host, "/etc/modprobe.d", "kvm.conf", "options kvm_intel nested=0\n");
        nv_test_daemon_send_signal(f->daemon, SIGCONT);
        assert_changes(f, changes);
        n_reads = count_in_log(f, READING_MODPROBE_D) - n_reads;
        g_test_message("600 events, %u reads of modprobe.d", n_reads);
        g_assert_cmpuint(n_reads, >=, 1);
        g_assert_cmpuint(n_reads, <=, 3);
}

/*
 * More events than the kernel queues (max_queued_events) while the daemon
 * is stopped, among them the creation of /run/modprobe.d: the overflow
 * makes the daemon watch every directory anew, so that a file written
 * there afterwards is announced (issue 26, finding 7).
 */
static void test_changed_modprobe_overflow(Fixture *f, gconstpointer data)
{
        static const char *const changes =
                "{'PersistentNested': <'enabled'>, 'PersistentSource': <'/run/modprobe.d/zz-local.conf'>}";
        g_autoptr(GVariant) expected = parse_vardict(changes);
        g_autofree char *max_text = NULL;
        guint64 max_events = 16384;

        if (g_file_get_contents("/proc/sys/fs/inotify/max_queued_events", &max_text, NULL, NULL))
                max_events = g_ascii_strtoull(max_text, NULL, 10);
        nv_test_host_remove(f->host, "/run/modprobe.d");
        nv_test_env_start_daemon(f);
        nv_test_env_sync(f);

        nv_test_daemon_send_signal(f->daemon, SIGSTOP);
        churn_modprobe_d(f, "/etc/modprobe.d", (guint)(max_events / 3 + 100));
        nv_test_host_mkdir(f->host, "/run/modprobe.d");
        nv_test_daemon_send_signal(f->daemon, SIGCONT);
        nv_test_env_sync(f);
        g_assert_cmpuint(count_in_log(f, "inotify queue overflow"), ==, 1);

        nv_test_host_write_modprobe(f->host, "/run/modprobe.d", "zz-local.conf",
                                    "options kvm_intel nested=1\n");
        if (!wait_for_changes(f, expected))
                g_error("no PropertiesChanged within %d ms of writing /run/modprobe.d/zz-local.conf after "
                        "an "
                        "overflow (%u signals)",
                        SIGNAL_TIMEOUT_MS, f->changes->len);
}

/* CPU, architecture and hypervisor are read once: they cannot change under
 * a running kernel, and the XML marks them const. */
static void test_changed_const_facts(Fixture *f, gconstpointer data)
{
        g_autoptr(GVariant) before = NULL;
        g_autoptr(GVariant) after = NULL;

        nv_test_env_start_daemon(f);
        before = nv_test_env_get_status(f);
        nv_test_host_set_cpuinfo(f->host, "AuthenticAMD", "fpu hypervisor", 1);
        nv_test_host_set_arch(f->host, "riscv64");
        nv_test_host_set_dmi(f->host, "QEMU", "Standard PC (i440FX + PIIX, 1996)");
        after = nv_test_env_get_status(f);
        nv_test_env_sync(f);
        assert_status_equal(after, before);
        g_assert_cmpuint(f->changes->len, ==, 0);
}

/* ListModuleUsers() as GVariant text. */
static char *list_module_users(Fixture *f)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = nv_test_env_call(f, NV_INTERFACE, "ListModuleUsers", NULL,
                                                     G_VARIANT_TYPE("(a(uuss)u)"), &error);

        g_assert_no_error(error);
        return g_variant_print(reply, TRUE);
}

static void test_changed_module_in_use(Fixture *f, gconstpointer data)
{
        static const char *const qemu_fds[] = { "/dev/kvm", "anon_inode:kvm-vm", NULL };
        g_autoptr(GVariant) status = NULL;
        g_autofree char *users = NULL;

        nv_test_env_start_daemon(f);
        /* A VM starts: it opens /dev/kvm, which pins the module. The
         * status reads the count, and names nobody: that is the method's. */
        nv_test_host_add_process(f->host, 7001, "qemu-system-x86", qemu_fds);
        nv_test_host_write(f->host, "/sys/module/kvm_intel/refcnt", "2\n");
        status = nv_test_env_get_status(f);
        assert_key(status, "VendorModuleInUse", "true");
        assert_changes(f, "{'VendorModuleInUse': <true>}");
        users = list_module_users(f);
        g_assert_cmpstr(users, ==, "([(uint32 7001, uint32 0, 'qemu-system-x86', '')], uint32 0)");
}

/* A --root tree is watched, not read at each call (nv-tree-watch.h): what
 * a call must still see at once are directories that appear after the
 * start, several levels deep, files and directories replaced by rename,
 * and a mode changed in place. */
static void rename_in_tree(Fixture *f, const char *from, const char *to)
{
        g_autofree char *from_path = nv_test_host_path(f->host, from);
        g_autofree char *to_path = nv_test_host_path(f->host, to);

        g_assert_no_errno(rename(from_path, to_path));
}

static void test_changed_tree_watched(Fixture *f, gconstpointer data)
{
        g_autofree char *node = nv_test_host_path(f->host, "/dev/kvm");
        g_autoptr(GVariant) before = NULL;
        g_autoptr(GVariant) loaded = NULL;
        g_autoptr(GVariant) renamed = NULL;
        g_autoptr(GVariant) chmodded = NULL;
        g_autoptr(GVariant) dir_replaced = NULL;
        g_autoptr(GVariant) written = NULL;

        nv_test_env_start_daemon(f);
        before = nv_test_env_get_status(f);
        assert_key(before, "VendorModuleLoaded", "false");
        assert_key(before, "KvmDevice", "''");

        /* /sys/module, /dev and /sys/class/misc did not exist. */
        nv_test_host_load_module(f->host, "kvm", 1, NULL);
        nv_test_host_load_module(f->host, "kvm_intel", 0, "N");
        nv_test_host_add_kvm_device(f->host);
        loaded = nv_test_env_get_status(f);
        assert_key(loaded, "VendorModuleLoaded", "true");
        assert_key(loaded, "NestedParameter", "'N'");
        assert_key(loaded, "KvmDevice", "'/dev/kvm'");
        assert_key(loaded, "KvmDeviceMode", "'0600'");

        nv_test_host_write(f->host, "/sys/module/kvm_intel/parameters/nested.new", "Y\n");
        rename_in_tree(f, "/sys/module/kvm_intel/parameters/nested.new",
                       "/sys/module/kvm_intel/parameters/nested");
        renamed = nv_test_env_get_status(f);
        assert_key(renamed, "NestedParameter", "'Y'");

        g_assert_no_errno(chmod(node, 0666));
        chmodded = nv_test_env_get_status(f);
        assert_key(chmodded, "KvmDeviceMode", "'0666'");

        /* The watched directory itself goes, and another takes its name:
         * the new one must be watched in turn. */
        nv_test_host_write(f->host, "/sys/module/kvm_intel/parameters.new/nested", "N\n");
        rename_in_tree(f, "/sys/module/kvm_intel/parameters", "/sys/module/kvm_intel/parameters.old");
        rename_in_tree(f, "/sys/module/kvm_intel/parameters.new", "/sys/module/kvm_intel/parameters");
        dir_replaced = nv_test_env_get_status(f);
        assert_key(dir_replaced, "NestedParameter", "'N'");
        nv_test_host_write(f->host, "/sys/module/kvm_intel/parameters/nested", "Y\n");
        written = nv_test_env_get_status(f);
        assert_key(written, "NestedParameter", "'Y'");
}

/* ---- What GetStatus says about each host ------------------------------ */

/* A change to a preset's tree before the daemon starts. */
typedef enum {
        EDIT_END,
        EDIT_WRITE,  /* @contents into @path, in place */
        EDIT_REMOVE, /* @path, whatever it is */
        EDIT_MKDIR,  /* a directory at @path */
} EditKind;

typedef struct {
        EditKind kind;
        const char *path;
        const char *contents;
} HostEdit;

#define WRITE(path, contents)                  \
        {                                      \
                EDIT_WRITE, (path), (contents) \
        }
#define REMOVE(path)                      \
        {                                 \
                EDIT_REMOVE, (path), NULL \
        }
#define MKDIR(path)                      \
        {                                \
                EDIT_MKDIR, (path), NULL \
        }

/*
 * One host and what GetStatus must say about it: @preset's tree, changed
 * by @edits and then @prepare (NULL: none), for changes that are no single
 * file; the daemon is started on it, and the status must have the keys of
 * @expected (GVariant text of an a{sv}, so that each value's D-Bus type is
 * part of the expectation: 'x' is a string, true a boolean).
 */
typedef struct {
        const char *path;
        NvTestPreset preset;
        HostEdit edits[4];
        void (*prepare)(NvTestHost *host);
        const char *expected;
        /* @expected is the whole status, Version aside (it comes from
         * $NV_VERSION): no other key may be there. */
        gboolean whole;
        /* What ListModuleUsers() answers, as GVariant text; NULL: not
         * asked. */
        const char *users;
        /* Bad input: GetStatus is asked twice (the second goes through the
         * refresh path with the same input) and the daemon must still run;
         * the teardown checks it exits cleanly. */
        gboolean malformed;
        /* More checks on the status and the running daemon; NULL: none. */
        void (*check)(Fixture *f, GVariant *status);
} StatusCase;

/* What a host whose CPU cannot be identified looks like, wherever the kvm
 * modules stand: nothing vendor-specific can be reported. */
#define CPU_UNKNOWN                                                                             \
        "'CpuVendor': <'unknown'>, 'VendorModule': <''>, 'Supported': <false>,"                 \
        " 'HardwareVirtualization': <false>, 'InVirtualMachine': <false>, 'Hypervisor': <''>, " \
        "'HypervisorProduct': <''>,"                                                            \
        " 'VendorModuleLoaded': <false>, 'NestedParameter': <''>, 'NestedEnabled': <false>,"    \
        " 'ReloadRequired': <false>, 'Architecture': <'x86_64'>"

/* kvm loaded, kvm_intel neither loaded nor built in. */
#define VENDOR_MODULE_ABSENT                                                                   \
        "'KvmLoaded': <true>, 'VendorModuleLoaded': <false>, 'VendorModuleBuiltin': <false>, " \
        "'NestedParameter': <''>"

/* The kvm-builtin preset: kvm and kvm_intel built in, nested "N". */
#define KVM_BUILTIN "'KvmBuiltin': <true>, 'VendorModuleBuiltin': <true>, 'NestedParameter': <'N'>"

/* /dev/kvm of the presets: root's, mode 0600. */
#define KVM_DEVICE_ROOT(provider)                                                                        \
        " 'KvmDevice': <'/dev/kvm'>, 'KvmProvider': <'" provider "'>, 'KvmDeviceAccess': <'root-only'>," \
        " 'KvmDeviceOwner': <'root'>, 'KvmDeviceGroup': <'root'>, 'KvmDeviceMode': <'0600'>"
#define NO_KVM_DEVICE                                                             \
        " 'KvmDevice': <''>, 'KvmProvider': <''>, 'KvmDeviceAccess': <'absent'>," \
        " 'KvmDeviceOwner': <''>, 'KvmDeviceGroup': <''>, 'KvmDeviceMode': <''>"
/* Outside a container, no reload waiting (ReloadModuleWhenIdle). */
/* Nor an s390x host's hpage=1. */
#define NO_CONTAINER_NO_PENDING \
        " 'Container': <''>, 'PendingReload': <''>, 'PendingReloadResult': <''>, 'HpageConflict': <''>"

#define NO_CMDLINE_SETTING WRITE("/proc/cmdline", "BOOT_IMAGE=/boot/vmlinuz root=/dev/sda1 ro\n")
#define KVM_CONF           "/etc/modprobe.d/kvm.conf"
#define INTEL_NESTED       "/sys/module/kvm_intel/parameters/nested"
#define MODULES_DIR        "/lib/modules/" NV_TEST_OSRELEASE
#define KVM_INTEL_KO       MODULES_DIR "/kernel/arch/x86/kvm/kvm-intel.ko"
#define KVM_INTEL_KO_ZST   KVM_INTEL_KO ".zst"

static void add_module_users(NvTestHost *host)
{
        static const char *const qemu_fds[] = { "/dev/kvm", "anon_inode:kvm-vm", "anon_inode:kvm-vcpu:0",
                                                "socket:[77]", NULL };
        static const char *const firecracker_fds[] = { "/dev/null", "anon_inode:kvm-vm", NULL };
        static const char *const lookalike_fds[] = { "/dev/kvm.img", "/var/lib/kvm-vm",
                                                     "anon_inode:[eventfd]", NULL };

        /* Created in the reverse of pid order, so that a directory listing
         * in creation order would come out unsorted. */
        static const char *const qemu_argv[] = { "/usr/bin/qemu-system-x86_64", "-name", "guest=web1",
                                                 NULL };

        nv_test_host_add_process(host, 24601, "qemu-system-x86", qemu_fds);
        nv_test_host_set_process_cmdline(host, 24601, qemu_argv);
        nv_test_host_add_process(host, 977, "firecracker", firecracker_fds);
        nv_test_host_add_process(host, 5000, "backup", lookalike_fds);
        nv_test_host_write(host, "/sys/module/kvm_intel/refcnt", "3\n");
}

static void add_qemu(NvTestHost *host)
{
        static const char *const qemu_fds[] = { "/dev/kvm", "anon_inode:kvm-vm", NULL };

        nv_test_host_add_process(host, 4242, "qemu-system-x86", qemu_fds);
}

/* A process that holds /dev/kvm while the count says nobody does: the
 * kernel's count is the truth, and no scan is made to find it. */
static void add_qemu_unreferenced(NvTestHost *host)
{
        add_qemu(host);
        nv_test_host_write(host, "/sys/module/kvm_intel/refcnt", "0\n");
}

/* A cloud guest like the machines CI runs on: an AMD CPU without svm, kvm
 * built in, and a /dev/kvm from another built-in provider (PVM's kvm_pvm)
 * held by a VM. */
static void add_other_kvm_provider(NvTestHost *host)
{
        static const char *const vm_fds[] = { "/dev/kvm", "anon_inode:kvm-vm", NULL };

        nv_test_host_set_cpuinfo(host, "AuthenticAMD", "fpu sse2 hypervisor", 2);
        nv_test_host_builtin_module(host, "kvm", "kernel/arch/x86/kvm/kvm.ko", NULL);
        nv_test_host_builtin_module(host, "kvm_pvm", "kernel/arch/x86/kvm/kvm-pvm.ko", NULL);
        nv_test_host_add_kvm_device(host);
        nv_test_host_add_process(host, 977, "firecracker", vm_fds);
}

static void set_hygon_cpu(NvTestHost *host)
{
        nv_test_host_set_cpuinfo(host, "HygonGenuine", "fpu vme de pse svm npt", 2);
}

static void write_garbage_cpuinfo(NvTestHost *host)
{
        g_autoptr(GRand) rand = g_rand_new_with_seed(0x6b766d);
        g_autofree guint8 *garbage = g_malloc(64 * 1024);

        for (gsize i = 0; i < 64 * 1024; i++)
                garbage[i] = (guint8)g_rand_int_range(rand, 0, 256);
        /* Near misses, too: a vendor_id without its colon, flags in a
         * field of another name. */
        memcpy(garbage + 1000, "\nvendor_id GenuineIntel\nxflags\t: vmx\n", 37);
        nv_test_host_write_data(host, "/proc/cpuinfo", garbage, 64 * 1024);
}

static void write_huge_cpuinfo_garbage(NvTestHost *host)
{
        const gsize size = 4 * 1024 * 1024;
        g_autofree char *huge = g_malloc(size);

        /* One 4 MiB line: no line reader may assume lines are short. */
        memset(huge, 'x', size);
        nv_test_host_write_data(host, "/proc/cpuinfo", huge, size);
}

/* A host with thousands of CPUs has a cpuinfo of megabytes; it is still a
 * valid one, and says what the first processor says. */
static void write_huge_cpuinfo_valid(NvTestHost *host)
{
        g_autofree char *path = nv_test_host_path(host, "/proc/cpuinfo");
        GStatBuf st;

        nv_test_host_set_cpuinfo(host, "GenuineIntel", "fpu vme de pse vmx ept", 16384);
        g_assert_cmpint(g_stat(path, &st), ==, 0);
        g_assert_cmpint(st.st_size, >=, 4 * 1024 * 1024);
}

/* sysfs cannot hold this, a broken tree can: bytes that are not UTF-8 must
 * not make the daemon send an invalid D-Bus string (sd-bus refuses, and the
 * call would fail) or crash. */
static void write_binary_nested(NvTestHost *host)
{
        static const char binary[] = "\xff\xfe\x00Y\x80\n";

        nv_test_host_write_data(host, INTEL_NESTED, binary, sizeof(binary) - 1);
}

/* The file goes while the daemon runs, and modules.dep stays as it was
 * (nobody ran depmod): the next read says absent, not loadable. */
static void check_module_file_removed(Fixture *f, GVariant *status)
{
        g_autoptr(GVariant) again = NULL;

        assert_key(status, "VendorModuleState", "'loadable'");
        nv_test_host_remove(f->host, KVM_INTEL_KO);
        again = nv_test_env_get_status(f);
        assert_key(again, "VendorModuleState", "'absent'");
        assert_key(again, "Supported", "false");
}

/* The first line is the value: more lines after it (a sysfs attribute has
 * none, a file in a tree may) change nothing. */
static void check_nested_later_lines(Fixture *f, GVariant *status)
{
        g_autoptr(GVariant) again = NULL;

        nv_test_host_write(f->host, INTEL_NESTED, "N\nY\n");
        again = nv_test_env_get_status(f);
        assert_key(again, "NestedParameter", "'N'");
        assert_key(again, "NestedEnabled", "false");
}

static void write_long_nested_line(NvTestHost *host)
{
        g_autofree char *line = g_strnfill(10000, 'x');

        nv_test_host_write(host, INTEL_NESTED, line);
}

/* A line longer than the daemon reads of such a file: it uses the start,
 * says so once in its log, and answers. */
static void check_nested_long_line(Fixture *f, GVariant *status)
{
        g_autofree char *log = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) parameter = NULL;

        parameter = g_variant_lookup_value(status, "NestedParameter", G_VARIANT_TYPE_STRING);
        g_assert_nonnull(parameter);
        g_assert_cmpuint(strlen(g_variant_get_string(parameter, NULL)), ==, 4096);

        g_file_get_contents(nv_test_daemon_get_log_path(f->daemon), &log, NULL, &error);
        g_assert_no_error(error);
        g_assert_nonnull(strstr(log, "parameters/nested has no line end in its first 4096 bytes"));
}

/* A process may name itself anything (prctl(PR_SET_NAME)), including bytes
 * that are not UTF-8; it still holds KVM and must still be listed. */
static void add_binary_comm(NvTestHost *host)
{
        static const char *const fds[] = { "/dev/kvm", NULL };

        nv_test_host_add_process(host, 666, "evil", fds);
        nv_test_host_write_data(host, "/proc/666/comm", "ev\xffil\n", 6);
        nv_test_host_write(host, "/sys/module/kvm_intel/refcnt", "1\n");
}

static void check_binary_comm(Fixture *f, GVariant *status)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = NULL;
        g_autoptr(GVariant) users = NULL;
        guint32 pid = 0, uid = 0;
        const char *comm = NULL, *machine = NULL;

        reply = nv_test_env_call(f, NV_INTERFACE, "ListModuleUsers", NULL, G_VARIANT_TYPE("(a(uuss)u)"),
                                 &error);
        g_assert_no_error(error);
        users = g_variant_get_child_value(reply, 0);
        g_assert_cmpuint(g_variant_n_children(users), ==, 1);
        g_variant_get_child(users, 0, "(uu&s&s)", &pid, &uid, &comm, &machine);
        g_assert_cmpuint(pid, ==, 666);
        g_assert_true(g_utf8_validate(comm, -1, NULL));
}

/* Junk that says nothing about kvm_intel's nested, a dangling link and a
 * directory where files are expected. */
static void write_modprobe_garbage(NvTestHost *host)
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

        nv_test_host_write_data(host, "/etc/modprobe.d/junk.conf", junk, sizeof(junk) - 1);
        nv_test_host_symlink(host, "/etc/modprobe.d/dangling.conf", "/nonexistent/kvm.conf");
        nv_test_host_mkdir(host, "/etc/modprobe.d/directory.conf");
}

/* A modprobe.d file of several megabytes, more than the daemon reads of
 * one, ending in a setting. */
static void write_huge_modprobe(NvTestHost *host)
{
        nv_test_host_write_big(host, "/etc/modprobe.d/huge.conf", 5 * 1024 * 1024,
                               "options kvm_intel nested=0\n");
}

/* The same, followed by a later file that sets nested itself:
 * whatever the huge file says, the later one wins. */
static void write_huge_modprobe_overridden(NvTestHost *host)
{
        write_huge_modprobe(host);
        nv_test_host_write(host, "/etc/modprobe.d/zz-local.conf", "options kvm_intel nested=1\n");
}

/* 2 MiB: over what EnablePersistent edits, within what the status reads. */
static void write_big_kvm_conf(NvTestHost *host)
{
        nv_test_host_write_big(host, KVM_CONF, 2 * 1024 * 1024, "options kvm_intel nested=0\n");
}

/* A kernel built without loadable modules (no /proc/modules, as on the
 * machines CI runs on) can load or unload none: /sys/module is read once,
 * and later changes in the tree, which such a kernel cannot make, are not
 * looked for. */
static void check_sys_module_read_once(Fixture *f, GVariant *status)
{
        g_autoptr(GVariant) after = NULL;

        nv_test_host_write(f->host, INTEL_NESTED, "Y\n");
        after = nv_test_env_get_status(f);
        assert_status_equal(after, status);
}

static const StatusCase status_cases[] = {
        /* ---- The hosts users have, whole ---- */
        {
                "/daemon/status/intel-loaded",
                NV_TEST_PRESET_INTEL_LOADED,
                /* Nothing configured: the next load gets the kernel's
                 * default, enabled, which differs from the running N. */
                .whole = TRUE,
                .expected = "{'Architecture': <'x86_64'>, 'Supported': <true>, 'CpuVendor': <'intel'>,"
                            " 'VendorModule': <'kvm_intel'>, 'HardwareVirtualization': <true>,"
                            " 'InVirtualMachine': <false>, 'Hypervisor': <''>, 'HypervisorProduct': <''>, "
                            "'KvmLoaded': <true>,"
                            " 'KvmBuiltin': <false>, 'VendorModuleLoaded': <true>,"
                            " 'VendorModuleBuiltin': <false>, 'NestedParameter': <'N'>,"
                            " 'NestedEnabled': <false>, 'NestedAcceleration': <'full'>, "
                            "'NestedAccelerationReasons': <''>, 'PersistentNested': <'default'>,"
                            " 'PersistentSource': <''>, 'ReloadRequired': <true>,"
                            " 'VendorModuleInUse': <false>, 'HostClass': <'module'>,"
                            " 'VendorModuleState': <'loaded'>," KVM_DEVICE_ROOT(
                                    "kvm_intel") "," NO_CONTAINER_NO_PENDING "}",
        },
        {
                "/daemon/status/amd-loaded",
                NV_TEST_PRESET_AMD_LOADED,
                .whole = TRUE,
                .expected =
                        "{'Architecture': <'x86_64'>, 'Supported': <true>, 'CpuVendor': <'amd'>,"
                        " 'VendorModule': <'kvm_amd'>, 'HardwareVirtualization': <true>,"
                        " 'InVirtualMachine': <false>, 'Hypervisor': <''>, 'HypervisorProduct': <''>, "
                        "'KvmLoaded': <true>,"
                        " 'KvmBuiltin': <false>, 'VendorModuleLoaded': <true>,"
                        " 'VendorModuleBuiltin': <false>, 'NestedParameter': <'1'>,"
                        " 'NestedEnabled': <true>, 'NestedAcceleration': <'full'>, "
                        "'NestedAccelerationReasons': <''>, 'PersistentNested': <'enabled'>,"
                        " 'PersistentSource': <'/etc/modprobe.d/kvm.conf'>,"
                        " 'ReloadRequired': <false>, 'VendorModuleInUse': <false>, 'HostClass': <'module'>,"
                        " 'VendorModuleState': <'loaded'>," KVM_DEVICE_ROOT(
                                "kvm_amd") "," NO_CONTAINER_NO_PENDING "}",
        },
        {
                "/daemon/status/vendor-module-not-loaded",
                NV_TEST_PRESET_VENDOR_MODULE_NOT_LOADED,
                .whole = TRUE,
                .expected =
                        "{'Architecture': <'x86_64'>, 'Supported': <true>, 'CpuVendor': <'intel'>,"
                        " 'VendorModule': <'kvm_intel'>, 'HardwareVirtualization': <true>,"
                        " 'InVirtualMachine': <false>, 'Hypervisor': <''>, 'HypervisorProduct': <''>, "
                        "'KvmLoaded': <false>,"
                        " 'KvmBuiltin': <false>, 'VendorModuleLoaded': <false>,"
                        " 'VendorModuleBuiltin': <false>, 'NestedParameter': <''>,"
                        " 'NestedEnabled': <false>, 'NestedAcceleration': <'unknown'>, "
                        "'NestedAccelerationReasons': <''>, 'PersistentNested': <'disabled'>,"
                        " 'PersistentSource': <'/etc/modprobe.d/kvm.conf'>,"
                        " 'ReloadRequired': <false>, 'VendorModuleInUse': <false>, 'HostClass': <'module'>,"
                        " 'VendorModuleState': <'loadable'>," NO_KVM_DEVICE "," NO_CONTAINER_NO_PENDING "}",
        },
        {
                "/daemon/status/kvm-builtin",
                NV_TEST_PRESET_KVM_BUILTIN,
                /* Only the command line counts for a built-in module, and nothing can be reloaded. */
                .whole = TRUE,
                .expected = "{'Architecture': <'x86_64'>, 'Supported': <false>, 'CpuVendor': <'intel'>,"
                            " 'VendorModule': <'kvm_intel'>, 'HardwareVirtualization': <true>,"
                            " 'InVirtualMachine': <false>, 'Hypervisor': <''>, 'HypervisorProduct': <''>, "
                            "'KvmLoaded': <true>,"
                            " 'KvmBuiltin': <true>, 'VendorModuleLoaded': <true>,"
                            " 'VendorModuleBuiltin': <true>, 'NestedParameter': <'N'>,"
                            " 'NestedEnabled': <false>, 'NestedAcceleration': <'full'>, "
                            "'NestedAccelerationReasons': <''>, 'PersistentNested': <'disabled'>,"
                            " 'PersistentSource': <'/proc/cmdline'>, 'ReloadRequired': <false>,"
                            " 'VendorModuleInUse': <false>, 'HostClass': <'module-builtin'>,"
                            " 'VendorModuleState': <'builtin'>," KVM_DEVICE_ROOT(
                                    "kvm_intel") "," NO_CONTAINER_NO_PENDING "}",
        },
        {
                "/daemon/status/l1-guest",
                NV_TEST_PRESET_L1_GUEST,
                .whole = TRUE,
                .expected =
                        "{'Architecture': <'x86_64'>, 'Supported': <true>, 'CpuVendor': <'intel'>,"
                        " 'VendorModule': <'kvm_intel'>, 'HardwareVirtualization': <false>,"
                        " 'InVirtualMachine': <true>, 'Hypervisor': <'qemu'>, 'HypervisorProduct': "
                        "<'kvm'>, 'KvmLoaded': <false>,"
                        " 'KvmBuiltin': <false>, 'VendorModuleLoaded': <false>,"
                        " 'VendorModuleBuiltin': <false>, 'NestedParameter': <''>,"
                        " 'NestedEnabled': <false>, 'NestedAcceleration': <''>, "
                        "'NestedAccelerationReasons': <''>, 'PersistentNested': <'default'>,"
                        " 'PersistentSource': <''>, 'ReloadRequired': <false>,"
                        " 'VendorModuleInUse': <false>, 'HostClass': <'no-hardware-virtualization'>,"
                        " 'VendorModuleState': <'loadable'>," NO_KVM_DEVICE "," NO_CONTAINER_NO_PENDING "}",
        },
        {
                "/daemon/status/unknown-vendor",
                NV_TEST_PRESET_UNKNOWN_VENDOR,
                .whole = TRUE,
                .expected = "{'Architecture': <'x86_64'>, 'Supported': <false>,"
                            " 'CpuVendor': <'unknown'>, 'VendorModule': <''>,"
                            " 'HardwareVirtualization': <false>, 'InVirtualMachine': <false>,"
                            " 'Hypervisor': <''>, 'HypervisorProduct': <''>, 'KvmLoaded': <false>, "
                            "'KvmBuiltin': <false>,"
                            " 'VendorModuleLoaded': <false>, 'VendorModuleBuiltin': <false>,"
                            " 'NestedParameter': <''>, 'NestedEnabled': <false>, 'NestedAcceleration': "
                            "<''>, 'NestedAccelerationReasons': <''>,"
                            " 'PersistentNested': <'default'>, 'PersistentSource': <''>,"
                            " 'ReloadRequired': <false>, 'VendorModuleInUse': <false>, 'HostClass': "
                            "<'unsupported'>,"
                            " 'VendorModuleState': <''>," NO_KVM_DEVICE "," NO_CONTAINER_NO_PENDING "}",
        },
        {
                "/daemon/status/non-x86",
                NV_TEST_PRESET_NON_X86,
                .whole = TRUE,
                .expected = "{'Architecture': <'aarch64'>, 'Supported': <false>,"
                            " 'CpuVendor': <'unknown'>, 'VendorModule': <''>,"
                            " 'HardwareVirtualization': <false>, 'InVirtualMachine': <false>,"
                            " 'Hypervisor': <''>, 'HypervisorProduct': <''>, 'KvmLoaded': <false>, "
                            "'KvmBuiltin': <false>,"
                            " 'VendorModuleLoaded': <false>, 'VendorModuleBuiltin': <false>,"
                            " 'NestedParameter': <''>, 'NestedEnabled': <false>, 'NestedAcceleration': "
                            "<''>, 'NestedAccelerationReasons': <''>,"
                            " 'PersistentNested': <'default'>, 'PersistentSource': <''>,"
                            " 'ReloadRequired': <false>, 'VendorModuleInUse': <false>, 'HostClass': "
                            "<'arm64-command-line'>,"
                            " 'VendorModuleState': <''>," NO_KVM_DEVICE "," NO_CONTAINER_NO_PENDING "}",
        },
        {
                "/daemon/status/modprobe-spread",
                NV_TEST_PRESET_MODPROBE_SPREAD,
                /* The command line beats every modprobe.d file. */
                .whole = TRUE,
                .expected = "{'Architecture': <'x86_64'>, 'Supported': <true>, 'CpuVendor': <'intel'>,"
                            " 'VendorModule': <'kvm_intel'>, 'HardwareVirtualization': <true>,"
                            " 'InVirtualMachine': <false>, 'Hypervisor': <''>, 'HypervisorProduct': <''>, "
                            "'KvmLoaded': <true>,"
                            " 'KvmBuiltin': <false>, 'VendorModuleLoaded': <true>,"
                            " 'VendorModuleBuiltin': <false>, 'NestedParameter': <'Y'>,"
                            " 'NestedEnabled': <true>, 'NestedAcceleration': <'full'>, "
                            "'NestedAccelerationReasons': <''>, 'PersistentNested': <'enabled'>,"
                            " 'PersistentSource': <'/proc/cmdline'>, 'ReloadRequired': <false>,"
                            " 'VendorModuleInUse': <false>, 'HostClass': <'command-line'>,"
                            " 'VendorModuleState': <'loaded'>," KVM_DEVICE_ROOT(
                                    "kvm_intel") "," NO_CONTAINER_NO_PENDING "}",
        },

        /* ---- Who holds KVM ---- */
        {
                "/daemon/module-users/sorted",
                NV_TEST_PRESET_INTEL_LOADED,
                .prepare = add_module_users,
                .expected = "{'VendorModuleInUse': <true>}",
                .users = "([(uint32 977, uint32 0, 'firecracker', ''), (24601, 0, 'qemu-system-x86', "
                         "'web1')],"
                         " uint32 0)",
        },
        /* Built-in kvm_intel has no refcnt: the processes are looked at. */
        {
                "/daemon/module-users/builtin",
                NV_TEST_PRESET_KVM_BUILTIN,
                .prepare = add_qemu,
                .expected = "{'VendorModuleInUse': <false>}",
                .users = "([(uint32 4242, uint32 0, 'qemu-system-x86', '')], uint32 0)",
        },
        /* A loaded module that nothing references: nobody to look for. */
        {
                "/daemon/module-users/unused",
                NV_TEST_PRESET_INTEL_LOADED,
                .prepare = add_qemu_unreferenced,
                .expected = "{'VendorModuleInUse': <false>}",
                .users = "(@a(uuss) [], uint32 0)",
        },
        /* kvm_amd is not in the kernel, so nobody holds it. */
        {
                "/daemon/module-users/other-provider",
                NV_TEST_PRESET_L1_GUEST,
                .prepare = add_other_kvm_provider,
                /* Named whatever module provides KVM. */
                .expected = "{'VendorModuleInUse': <false>, 'VendorModule': <'kvm_amd'>,"
                            " 'VendorModuleLoaded': <false>, 'KvmBuiltin': <true>,"
                            " 'KvmProvider': <'kvm_pvm'>}",
                .users = "([(uint32 977, uint32 0, 'firecracker', '')], uint32 0)",
        },

        /* ---- Every kind of host: the vendor module, /dev/kvm, containers ---- */
        {
                "/daemon/status/module-absent",
                NV_TEST_PRESET_MODULE_ABSENT,
                .expected = "{'Supported': <false>, 'VendorModule': <'kvm_amd'>,"
                            " 'VendorModuleState': <'absent'>, 'VendorModuleLoaded': <false>,"
                            " 'VendorModuleBuiltin': <false>, 'KvmLoaded': <true>, 'KvmDevice': <''>,"
                            " 'KvmProvider': <''>, 'KvmDeviceAccess': <'absent'>, 'Container': <''>}",
        },
        {
                /* modules.dep lists it: loadable, however unloaded. */
                "/daemon/status/module-loadable",
                NV_TEST_PRESET_VENDOR_MODULE_NOT_LOADED,
                .expected = "{'Supported': <true>, 'VendorModuleState': <'loadable'>}",
        },
        {
                /* modules.dep names the compressed file that exists, not
                 * the plain one that does not. */
                "/daemon/status/module-loadable-compressed",
                NV_TEST_PRESET_VENDOR_MODULE_NOT_LOADED,
                .edits = { WRITE(MODULES_DIR "/modules.dep",
                                 "kernel/arch/x86/kvm/kvm.ko: \n"
                                 "kernel/arch/x86/kvm/kvm-intel.ko.zst: kernel/arch/x86/kvm/kvm.ko\n"),
                           WRITE(KVM_INTEL_KO_ZST, ""), REMOVE(KVM_INTEL_KO) },
                .expected = "{'Supported': <true>, 'VendorModuleState': <'loadable'>}",
        },
        {
                /* modules.dep still names the file, which is gone (moved
                 * away, or removed without depmod): modprobe would fail
                 * with "no such module", so it is not loadable. */
                "/daemon/status/module-file-missing",
                NV_TEST_PRESET_VENDOR_MODULE_NOT_LOADED,
                .edits = { REMOVE(KVM_INTEL_KO) },
                .expected = "{'Supported': <false>, 'VendorModule': <'kvm_intel'>,"
                            " 'VendorModuleState': <'absent'>, 'VendorModuleLoaded': <false>,"
                            " 'VendorModuleBuiltin': <false>}",
        },
        {
                "/daemon/status/module-file-removed-later",
                NV_TEST_PRESET_VENDOR_MODULE_NOT_LOADED,
                .check = check_module_file_removed,
        },
        {
                "/daemon/status/no-module-loading",
                NV_TEST_PRESET_NO_MODULE_LOADING,
                .expected = "{'Supported': <false>, 'VendorModule': <'kvm_amd'>,"
                            " 'VendorModuleState': <'no-module-loading'>, 'VendorModuleLoaded': <false>,"
                            " 'KvmBuiltin': <true>, 'HardwareVirtualization': <true>, 'KvmDevice': <''>}",
        },
        {
                "/daemon/status/l1-guest-nested",
                NV_TEST_PRESET_L1_GUEST_NESTED,
                .expected = "{'Supported': <true>, 'InVirtualMachine': <true>, 'Hypervisor': <'qemu'>, "
                            "'HypervisorProduct': <'kvm'>,"
                            " 'HardwareVirtualization': <true>, 'VendorModuleState': <'loaded'>,"
                            " 'NestedEnabled': <true>, 'KvmDevice': <'/dev/kvm'>,"
                            " 'KvmProvider': <'kvm_intel'>, 'KvmDeviceAccess': <'group'>,"
                            " 'KvmDeviceOwner': <'root'>, 'KvmDeviceGroup': <'kvm'>,"
                            " 'KvmDeviceMode': <'0660'>}",
        },
        {
                "/daemon/status/pvm",
                NV_TEST_PRESET_PVM,
                .whole = TRUE,
                .expected = "{'Architecture': <'x86_64'>, 'Supported': <false>, 'CpuVendor': <'amd'>,"
                            " 'VendorModule': <'kvm_amd'>, 'HardwareVirtualization': <false>,"
                            " 'InVirtualMachine': <true>, 'Hypervisor': <'qemu'>, 'HypervisorProduct': "
                            "<'kvm'>, 'KvmLoaded': <true>,"
                            " 'KvmBuiltin': <true>, 'VendorModuleLoaded': <false>,"
                            " 'VendorModuleBuiltin': <false>, 'VendorModuleState': <'no-module-loading'>,"
                            " 'NestedParameter': <''>, 'NestedEnabled': <false>, 'NestedAcceleration': "
                            "<''>, 'NestedAccelerationReasons': <''>,"
                            " 'PersistentNested': <'default'>, 'PersistentSource': <''>,"
                            " 'ReloadRequired': <false>, 'VendorModuleInUse': <false>, 'HostClass': "
                            "<'pvm'>," KVM_DEVICE_ROOT("kvm_pvm") "," NO_CONTAINER_NO_PENDING "}",
        },
        {
                "/daemon/status/container",
                NV_TEST_PRESET_CONTAINER,
                .expected =
                        "{'Supported': <false>, 'Container': <'docker'>, 'VendorModuleState': <'loaded'>,"
                        " 'NestedEnabled': <true>}",
        },
        {
                /* PID 1's word beats a /.dockerenv left in an image. */
                "/daemon/status/container-pid1",
                NV_TEST_PRESET_CONTAINER,
                { WRITE("/run/systemd/container", "systemd-nspawn\n") },
                .expected = "{'Supported': <false>, 'Container': <'systemd-nspawn'>}",
        },
        {
                "/daemon/status/container-podman",
                NV_TEST_PRESET_INTEL_LOADED,
                { WRITE("/run/.containerenv", "") },
                .expected = "{'Supported': <false>, 'Container': <'podman'>}",
        },
        {
                "/daemon/status/pvm-container",
                NV_TEST_PRESET_PVM_CONTAINER,
                .expected = "{'Supported': <false>, 'Container': <'docker'>, 'KvmProvider': <'kvm_pvm'>,"
                            " 'KvmDeviceAccess': <'root-only'>, 'VendorModuleState': <'no-module-loading'>}",
        },

        /* ---- Which persistent setting wins ---- */
        /* Without the command line: files in name order across directories,
         * the last setting wins; Y runs, the next load would disable it. */
        {
                "/daemon/persistent/merge-order",
                NV_TEST_PRESET_MODPROBE_SPREAD,
                { NO_CMDLINE_SETTING },
                .expected = "{'PersistentNested': <'disabled'>,"
                            " 'PersistentSource': <'/run/modprobe.d/zz-local.conf'>,"
                            " 'ReloadRequired': <true>}",
        },
        /* /etc/modprobe.d/kvm.conf hides /usr/lib's: were that one (nested=0)
         * read, it would come after 50-kvm.conf and win. */
        {
                "/daemon/persistent/hidden-file",
                NV_TEST_PRESET_MODPROBE_SPREAD,
                { NO_CMDLINE_SETTING, REMOVE("/run/modprobe.d/zz-local.conf"),
                  WRITE(KVM_CONF, "options kvm_intel enable_apicv=0\n") },
                .expected = "{'PersistentNested': <'enabled'>,"
                            " 'PersistentSource': <'/usr/lib/modprobe.d/50-kvm.conf'>,"
                            " 'ReloadRequired': <false>}",
        },
        /* N runs, disabled is configured. */
        {
                "/daemon/persistent/last-line-wins",
                NV_TEST_PRESET_INTEL_LOADED,
                { WRITE("/usr/local/lib/modprobe.d/kvm.conf", "options kvm_intel nested=1\n"
                                                              "options kvm_intel ept=1\n"
                                                              "options kvm_intel nested=0\n") },
                .expected = "{'PersistentNested': <'disabled'>,"
                            " 'PersistentSource': <'/usr/local/lib/modprobe.d/kvm.conf'>,"
                            " 'ReloadRequired': <false>}",
        },
        /* A built-in module never reads modprobe.d: with nothing on the
         * command line, the kernel's default applies whatever /etc says. */
        {
                "/daemon/persistent/builtin-ignores-modprobe",
                NV_TEST_PRESET_KVM_BUILTIN,
                { NO_CMDLINE_SETTING },
                .expected = "{'PersistentNested': <'default'>, 'PersistentSource': <''>,"
                            " 'ReloadRequired': <false>}",
        },
        /* kvm_amd's nested is an int: "Y" makes it refuse to load. */
        {
                "/daemon/persistent/invalid",
                NV_TEST_PRESET_AMD_LOADED,
                { WRITE(KVM_CONF, "options kvm_amd nested=Y\n") },
                .expected = "{'PersistentNested': <'invalid'>,"
                            " 'PersistentSource': <'/etc/modprobe.d/kvm.conf'>}",
        },

        /* ---- Modules coming, going, built in ---- */
        /* A module that is being loaded is not loaded yet. */
        {
                "/daemon/module/coming",
                NV_TEST_PRESET_INTEL_LOADED,
                { WRITE("/sys/module/kvm_intel/initstate", "coming\n") },
                .expected =
                        "{" VENDOR_MODULE_ABSENT ", 'NestedEnabled': <false>, 'ReloadRequired': <false>}",
        },
        /* Unloading, the kernel removes initstate and the parameters before
         * the directory: what is left is not a built-in module, since
         * modules.builtin does not list it. */
        {
                "/daemon/module/going",
                NV_TEST_PRESET_INTEL_LOADED,
                { REMOVE("/sys/module/kvm_intel/initstate"), REMOVE("/sys/module/kvm_intel/parameters") },
                .expected = "{" VENDOR_MODULE_ABSENT "}",
        },
        /* A kernel without modules.builtin (some cloud kernels, and the
         * machines CI runs on): a module directory without initstate is a
         * built-in module with parameters, as kmod takes it. */
        {
                "/daemon/module/builtin-without-list",
                NV_TEST_PRESET_KVM_BUILTIN,
                { REMOVE("/lib/modules/" NV_TEST_OSRELEASE "/modules.builtin") },
                .expected = "{" KVM_BUILTIN "}",
        },
        {
                "/daemon/module/no-loadable-modules",
                NV_TEST_PRESET_KVM_BUILTIN,
                { REMOVE("/proc/modules") },
                .expected = "{" KVM_BUILTIN "}",
                .check = check_sys_module_read_once,
        },

        /* ---- CPU, architecture and hypervisor ---- */
        /* A guest whose hypervisor cannot be identified is still a guest. */
        {
                "/daemon/hypervisor/unidentified",
                NV_TEST_PRESET_L1_GUEST,
                { REMOVE("/sys/class/dmi/id/sys_vendor"), REMOVE("/sys/class/dmi/id/product_name") },
                .expected = "{'InVirtualMachine': <true>, 'Hypervisor': <'unknown'>}",
        },
        /* Xen PV guests have no DMI; /sys/hypervisor/type names Xen. */
        {
                "/daemon/hypervisor/xen",
                NV_TEST_PRESET_L1_GUEST,
                { REMOVE("/sys/class/dmi/id/sys_vendor"), REMOVE("/sys/class/dmi/id/product_name"),
                  WRITE("/sys/hypervisor/type", "xen\n") },
                .expected = "{'InVirtualMachine': <true>, 'Hypervisor': <'xen'>}",
        },
        /* A hypervisor identified by DMI makes a guest even without the flag. */
        {
                "/daemon/hypervisor/dmi-without-flag",
                NV_TEST_PRESET_INTEL_LOADED,
                { WRITE("/sys/class/dmi/id/sys_vendor", "VMware, Inc.\n"),
                  WRITE("/sys/class/dmi/id/product_name", "VMware Virtual Platform\n") },
                .expected = "{'InVirtualMachine': <true>, 'Hypervisor': <'vmware'>,"
                            " 'HardwareVirtualization': <true>}",
        },
        /* Cloud vendors name themselves in the DMI data of bare-metal
         * machines as well: without the hypervisor flag, that is no guest. */
        {
                "/daemon/hypervisor/dmi-bare-metal-vendor",
                NV_TEST_PRESET_INTEL_LOADED,
                { WRITE("/sys/class/dmi/id/sys_vendor", "Amazon EC2\n"),
                  WRITE("/sys/class/dmi/id/product_name", "i3.metal\n") },
                .expected = "{'InVirtualMachine': <false>, 'Hypervisor': <''>}",
        },
        /* The product below a guest, whose switch the advice names. */
        {
                "/daemon/hypervisor/product/hyper-v",
                NV_TEST_PRESET_HYPERV_GUEST,
                .expected = "{'Hypervisor': <'microsoft'>, 'HypervisorProduct': <'hyper-v'>,"
                            " 'HardwareVirtualization': <false>, 'NestedAcceleration': <''>}",
        },
        {
                "/daemon/hypervisor/product/azure",
                NV_TEST_PRESET_HYPERV_GUEST,
                { WRITE("/sys/class/dmi/id/chassis_asset_tag", "7783-7084-3265-9085-8269-3286-77\n") },
                .expected = "{'Hypervisor': <'microsoft'>, 'HypervisorProduct': <'azure'>}",
        },
        {
                "/daemon/hypervisor/product/wsl2",
                NV_TEST_PRESET_HYPERV_GUEST,
                { REMOVE("/sys/class/dmi/id/sys_vendor"), REMOVE("/sys/class/dmi/id/product_name"),
                  WRITE("/proc/sys/kernel/osrelease", "5.15.167.4-microsoft-standard-WSL2\n") },
                .expected = "{'InVirtualMachine': <true>, 'HypervisorProduct': <'wsl2'>}",
        },
        {
                "/daemon/hypervisor/product/virtualbox",
                NV_TEST_PRESET_L1_GUEST,
                { WRITE("/sys/class/dmi/id/sys_vendor", "innotek GmbH\n"),
                  WRITE("/sys/class/dmi/id/product_name", "VirtualBox\n") },
                .expected = "{'Hypervisor': <'oracle'>, 'HypervisorProduct': <'virtualbox'>}",
        },
        {
                "/daemon/hypervisor/product/gce",
                NV_TEST_PRESET_L1_GUEST,
                { WRITE("/sys/class/dmi/id/sys_vendor", "Google\n"),
                  WRITE("/sys/class/dmi/id/product_name", "Google Compute Engine\n") },
                .expected = "{'HypervisorProduct': <'gce'>}",
        },
        {
                "/daemon/hypervisor/product/aws",
                NV_TEST_PRESET_L1_GUEST,
                { WRITE("/sys/class/dmi/id/sys_vendor", "Amazon EC2\n"),
                  WRITE("/sys/class/dmi/id/product_name", "m5.large\n") },
                .expected = "{'HypervisorProduct': <'aws'>}",
        },
        {
                "/daemon/hypervisor/product/proxmox",
                NV_TEST_PRESET_L1_GUEST,
                { WRITE("/sys/class/dmi/id/bios_vendor", "Proxmox distribution of EDK II\n") },
                .expected = "{'Hypervisor': <'qemu'>, 'HypervisorProduct': <'proxmox'>}",
        },
        {
                "/daemon/hypervisor/product/openstack",
                NV_TEST_PRESET_L1_GUEST,
                { WRITE("/sys/class/dmi/id/sys_vendor", "OpenStack Foundation\n"),
                  WRITE("/sys/class/dmi/id/product_name", "OpenStack Nova\n") },
                .expected = "{'HypervisorProduct': <'openstack'>}",
        },
        /* Nesting passed in: the product is still named. */
        {
                "/daemon/hypervisor/product/hyper-v-nested",
                NV_TEST_PRESET_L1_GUEST_NESTED,
                { WRITE("/sys/class/dmi/id/sys_vendor", "Microsoft Corporation\n"),
                  WRITE("/sys/class/dmi/id/product_name", "Virtual Machine\n") },
                .expected = "{'HypervisorProduct': <'hyper-v'>, 'HardwareVirtualization': <true>,"
                            " 'NestedEnabled': <true>, 'NestedAcceleration': <'full'>}",
        },
        /* Bare metal has no product, whatever its DMI says. */
        {
                "/daemon/hypervisor/product/bare-metal",
                NV_TEST_PRESET_INTEL_LOADED,
                { WRITE("/sys/class/dmi/id/sys_vendor", "Amazon EC2\n"),
                  WRITE("/sys/class/dmi/id/product_name", "i3.metal\n") },
                .expected = "{'InVirtualMachine': <false>, 'HypervisorProduct': <''>}",
        },

        /* ---- s390x, ppc64le, arm64 ---- */
        {
                "/daemon/arch/s390x",
                NV_TEST_PRESET_S390X,
                .expected = "{'Architecture': <'s390x'>, 'Supported': <true>, 'VendorModule': <'kvm'>,"
                            " 'HardwareVirtualization': <true>, 'VendorModuleState': <'loaded'>,"
                            " 'NestedParameter': <'0'>, 'NestedEnabled': <false>,"
                            " 'PersistentNested': <'default'>, 'ReloadRequired': <false>,"
                            " 'HostClass': <'module'>, 'NestedAcceleration': <''>, 'HpageConflict': <''>}",
        },
        /* kvm's hpage=1 keeps nesting off up to Linux 6.19
         * (kvm_s390_init()): the loaded module's, then the next load's,
         * which wins as what has to change. */
        {
                "/daemon/arch/s390x-hpage-running",
                NV_TEST_PRESET_S390X_HPAGE,
                .expected = "{'Supported': <true>, 'HostClass': <'module'>, 'NestedEnabled': <false>,"
                            " 'HpageConflict': <'running'>}",
        },
        {
                "/daemon/arch/s390x-hpage-persistent",
                NV_TEST_PRESET_S390X_HPAGE_PERSISTENT,
                .expected = "{'Supported': <true>, 'HostClass': <'module'>,"
                            " 'HpageConflict': <'/etc/modprobe.d/s390-hpage.conf'>}",
        },
        {
                "/daemon/arch/s390x-hpage-both",
                NV_TEST_PRESET_S390X_HPAGE,
                { WRITE("/etc/modprobe.d/s390-hpage.conf", "options kvm hpage=1\n") },
                .expected = "{'HpageConflict': <'/etc/modprobe.d/s390-hpage.conf'>}",
        },
        {
                "/daemon/arch/s390x-hpage-cmdline",
                NV_TEST_PRESET_S390X_HPAGE_PERSISTENT,
                { WRITE("/proc/cmdline", "root=/dev/dasda1 kvm.hpage=1\n") },
                .expected = "{'HpageConflict': <'/proc/cmdline'>}",
        },
        {
                "/daemon/arch/s390x-hpage-off",
                NV_TEST_PRESET_S390X_HPAGE_PERSISTENT,
                { WRITE("/etc/modprobe.d/zz-hpage-off.conf", "options kvm hpage=0\n") },
                .expected = "{'HpageConflict': <''>}",
        },
        /* Linux 7.0's gmap code runs nested and huge-page guests side by
         * side. */
        {
                "/daemon/arch/s390x-hpage-linux-7.0",
                NV_TEST_PRESET_S390X_HPAGE_PERSISTENT,
                { WRITE("/proc/sys/kernel/osrelease", "7.0.0-test\n") },
                .expected = "{'HpageConflict': <''>}",
        },
        /* Without SIE, kvm does not load (kvm_s390_init()). */
        {
                "/daemon/arch/s390x-without-sie",
                NV_TEST_PRESET_S390X,
                { WRITE("/proc/cpuinfo", "vendor_id       : IBM/S390\nfeatures\t: esan3 zarch stfle msa\n"),
                  REMOVE("/sys/module/kvm"), REMOVE("/sys/class/misc/kvm"), REMOVE("/dev/kvm") },
                .expected =
                        "{'Supported': <true>, 'VendorModule': <'kvm'>, 'HardwareVirtualization': <false>,"
                        " 'VendorModuleState': <'loadable'>, 'HostClass': <'no-hardware-virtualization'>}",
        },
        /* PowerNV (/sys/firmware/opal): the kernel in HV mode, bare metal;
         * /dev/kvm is kvm's own (book3s.c). */
        {
                "/daemon/arch/ppc64le-power9",
                NV_TEST_PRESET_PPC64LE_POWER9,
                .expected = "{'Architecture': <'ppc64le'>, 'Supported': <true>, 'VendorModule': <'kvm_hv'>,"
                            " 'HardwareVirtualization': <true>, 'InVirtualMachine': <false>,"
                            " 'Hypervisor': <''>, 'HypervisorProduct': <''>, 'KvmProvider': <'kvm'>,"
                            " 'NestedParameter': <'Y'>,"
                            " 'NestedEnabled': <true>, 'ReloadRequired': <false>, 'HostClass': <'module'>}",
        },
        {
                "/daemon/arch/ppc64le-power9-nested-off",
                NV_TEST_PRESET_PPC64LE_POWER9,
                { WRITE("/sys/module/kvm_hv/parameters/nested", "N\n") },
                .expected = "{'NestedParameter': <'N'>, 'NestedEnabled': <false>, 'ReloadRequired': <true>,"
                            " 'HostClass': <'module'>}",
        },
        /* POWER8 runs kvm_hv, but nests from POWER9 only. */
        {
                "/daemon/arch/ppc64le-power8",
                NV_TEST_PRESET_PPC64LE_POWER8,
                .expected = "{'HardwareVirtualization': <false>, 'InVirtualMachine': <false>,"
                            " 'VendorModuleLoaded': <true>, 'NestedParameter': <'Y'>,"
                            " 'NestedEnabled': <false>, 'HostClass': <'no-hardware-virtualization'>}",
        },
        /* pSeries (/sys/bus/vio) is a guest: under KVM/QEMU given
         * cap-nested-hv=on, kvm_hv loads and nests. */
        {
                "/daemon/arch/ppc64le-pseries-kvm",
                NV_TEST_PRESET_PPC64LE_PSERIES_KVM,
                .expected = "{'HardwareVirtualization': <true>, 'InVirtualMachine': <true>,"
                            " 'Hypervisor': <'kvm'>, 'HypervisorProduct': <'kvm'>, 'KvmProvider': <'kvm'>,"
                            " 'VendorModuleLoaded': <true>, 'NestedEnabled': <true>,"
                            " 'HostClass': <'module'>}",
        },
        /* Without it, kvm_hv does not load (kvmhv_nested_init()), and
         * /dev/kvm is there all the same, kvm's. */
        {
                "/daemon/arch/ppc64le-pseries-kvm-no-hv",
                NV_TEST_PRESET_PPC64LE_PSERIES_KVM_NO_HV,
                .expected = "{'HardwareVirtualization': <false>, 'InVirtualMachine': <true>,"
                            " 'Hypervisor': <'kvm'>, 'HypervisorProduct': <'kvm'>,"
                            " 'KvmDevice': <'/dev/kvm'>, 'KvmProvider': <'kvm'>,"
                            " 'VendorModuleLoaded': <false>, 'VendorModuleState': <'loadable'>,"
                            " 'NestedEnabled': <false>, 'HostClass': <'no-hardware-virtualization'>}",
        },
        /* QEMU's TCG has no /hypervisor node, only its machine's name. */
        {
                "/daemon/arch/ppc64le-pseries-tcg",
                NV_TEST_PRESET_PPC64LE_PSERIES_KVM_NO_HV,
                { REMOVE("/proc/device-tree/hypervisor") },
                .expected = "{'InVirtualMachine': <true>, 'Hypervisor': <'qemu'>,"
                            " 'HypervisorProduct': <'kvm'>}",
        },
        /* PowerVM names itself in the root's properties (PAPR+ 2.11). */
        {
                "/daemon/arch/ppc64le-pseries-powervm",
                NV_TEST_PRESET_PPC64LE_PSERIES_KVM_NO_HV,
                { REMOVE("/proc/device-tree/hypervisor"),
                  WRITE("/proc/device-tree/compatible", "IBM,9080-HEX"),
                  WRITE("/proc/device-tree/ibm,powervm-partition", "") },
                .expected = "{'InVirtualMachine': <true>, 'Hypervisor': <'powervm'>,"
                            " 'HypervisorProduct': <'powervm'>, 'HardwareVirtualization': <false>}",
        },
        /* A guest whose hypervisor cannot be told is a guest all the same. */
        {
                "/daemon/arch/ppc64le-pseries-unknown",
                NV_TEST_PRESET_PPC64LE_PSERIES_KVM_NO_HV,
                { REMOVE("/proc/device-tree") },
                .expected = "{'InVirtualMachine': <true>, 'Hypervisor': <'unknown'>,"
                            " 'HypervisorProduct': <'unknown'>}",
        },
        {
                "/daemon/arch/arm64-6.16-nested",
                NV_TEST_PRESET_ARM64_NESTED,
                .expected = "{'Architecture': <'aarch64'>, 'Supported': <false>, 'VendorModule': <''>,"
                            " 'NestedParameter': <'nested'>, 'NestedEnabled': <true>,"
                            " 'HostClass': <'arm64-command-line'>}",
        },
        {
                "/daemon/arch/arm64-6.16-without",
                NV_TEST_PRESET_ARM64_NESTED,
                { WRITE("/proc/cmdline", "BOOT_IMAGE=/boot/vmlinuz root=UUID=0b8b1a5e ro quiet\n") },
                .expected = "{'NestedParameter': <''>, 'NestedEnabled': <false>,"
                            " 'HostClass': <'arm64-command-line'>}",
        },
        {
                "/daemon/arch/arm64-6.15-nested",
                NV_TEST_PRESET_ARM64_NESTED,
                { WRITE("/proc/sys/kernel/osrelease", "6.15.9-arm64\n") },
                .expected = "{'NestedParameter': <'nested'>, 'NestedEnabled': <false>,"
                            " 'HostClass': <'arm64-command-line'>}",
        },

        /* ---- How fast nested guests will be ---- */
        {
                "/daemon/acceleration/intel-no-ept",
                NV_TEST_PRESET_INTEL_LOADED,
                { WRITE("/sys/module/kvm_intel/parameters/ept", "N\n"),
                  WRITE("/sys/module/kvm_intel/parameters/enable_shadow_vmcs", "N\n") },
                .expected = "{'NestedAcceleration': <'slow'>,"
                            " 'NestedAccelerationReasons': <'kvm_intel.ept kvm_intel.enable_shadow_vmcs'>}",
        },
        {
                "/daemon/acceleration/intel-no-apicv",
                NV_TEST_PRESET_INTEL_LOADED,
                { WRITE("/sys/module/kvm_intel/parameters/enable_apicv", "N\n") },
                .expected = "{'NestedAcceleration': <'partial'>,"
                            " 'NestedAccelerationReasons': <'kvm_intel.enable_apicv'>}",
        },
        {
                "/daemon/acceleration/amd-no-npt",
                NV_TEST_PRESET_AMD_LOADED,
                { WRITE("/sys/module/kvm_amd/parameters/npt", "N\n") },
                .expected = "{'NestedAcceleration': <'slow'>, 'NestedAccelerationReasons': <'kvm_amd.npt'>}",
        },
        {
                "/daemon/acceleration/amd-no-vgif",
                NV_TEST_PRESET_AMD_LOADED,
                { WRITE("/sys/module/kvm_amd/parameters/vgif", "0\n") },
                .expected =
                        "{'NestedAcceleration': <'partial'>, 'NestedAccelerationReasons': <'kvm_amd.vgif'>}",
        },
        /* An L1 given vmx but no EPT: its module's own ept=Y does not help. */
        {
                "/daemon/acceleration/l1-no-ept",
                NV_TEST_PRESET_L1_GUEST_NESTED,
                { WRITE("/proc/cpuinfo",
                        "processor\t: 0\nvendor_id\t: GenuineIntel\n"
                        "flags\t\t: fpu vmx hypervisor\nvmx flags\t: vnmi tsc_offset\n\n") },
                .expected = "{'HardwareVirtualization': <true>, 'NestedAcceleration': <'slow'>,"
                            " 'NestedAccelerationReasons': <'ept vpid unrestricted_guest'>}",
        },
        {
                "/daemon/acceleration/l1-amd-partial",
                NV_TEST_PRESET_L1_GUEST_NESTED,
                { WRITE("/proc/cpuinfo", "processor\t: 0\nvendor_id\t: AuthenticAMD\n"
                                         "flags\t\t: fpu svm hypervisor npt nrip_save\n\n") },
                .expected = "{'CpuVendor': <'amd'>, 'NestedAcceleration': <'partial'>,"
                            " 'NestedAccelerationReasons': <'vgif v_vmsave_vmload'>}",
        },

        /* 32-bit x86 kernels are x86 too. */
        {
                "/daemon/supported/i686",
                NV_TEST_PRESET_INTEL_LOADED,
                { WRITE("/proc/sys/kernel/arch", "i686\n") },
                .expected = "{'Architecture': <'i686'>, 'Supported': <true>}",
        },
        /* Nothing says this is x86. */
        {
                "/daemon/supported/architecture-missing",
                NV_TEST_PRESET_INTEL_LOADED,
                { REMOVE("/proc/sys/kernel/arch") },
                .expected = "{'Architecture': <''>, 'Supported': <false>}",
        },
        /* Hygon Dhyana CPUs are AMD's design and use kvm_amd. */
        {
                "/daemon/cpu/hygon",
                NV_TEST_PRESET_AMD_LOADED,
                .prepare = set_hygon_cpu,
                .expected = "{'CpuVendor': <'amd'>, 'VendorModule': <'kvm_amd'>,"
                            " 'HardwareVirtualization': <true>, 'Supported': <true>,"
                            " 'VendorModuleLoaded': <true>, 'NestedEnabled': <true>}",
        },

        /* ---- What the nested parameter means ---- */
        {
                "/daemon/nested/intel-lowercase",
                NV_TEST_PRESET_INTEL_LOADED,
                { WRITE(INTEL_NESTED, "y\n") },
                .expected = "{'NestedParameter': <'y'>, 'NestedEnabled': <true>,"
                            " 'ReloadRequired': <false>}",
        },
        /* kvm_amd's nested is an int: any nonzero value enables it. */
        {
                "/daemon/nested/amd-nonzero",
                NV_TEST_PRESET_AMD_LOADED,
                { WRITE("/sys/module/kvm_amd/parameters/nested", "2\n") },
                .expected = "{'NestedParameter': <'2'>, 'NestedEnabled': <true>,"
                            " 'ReloadRequired': <false>}",
        },
        /* Running disabled while kvm.conf enables it: a reload would change it. */
        {
                "/daemon/nested/amd-zero",
                NV_TEST_PRESET_AMD_LOADED,
                { WRITE("/sys/module/kvm_amd/parameters/nested", "0\n") },
                .expected = "{'NestedParameter': <'0'>, 'NestedEnabled': <false>,"
                            " 'PersistentNested': <'enabled'>, 'ReloadRequired': <true>}",
        },

        /* ---- Malformed host files ---- */
        {
                "/daemon/malformed/cpuinfo-empty",
                NV_TEST_PRESET_INTEL_LOADED,
                { WRITE("/proc/cpuinfo", "") },
                .malformed = TRUE,
                .expected = "{" CPU_UNKNOWN "}",
        },
        {
                "/daemon/malformed/cpuinfo-missing",
                NV_TEST_PRESET_INTEL_LOADED,
                { REMOVE("/proc/cpuinfo") },
                .malformed = TRUE,
                .expected = "{" CPU_UNKNOWN "}",
        },
        /* Root reads any mode: a directory is what root cannot read(). */
        {
                "/daemon/malformed/cpuinfo-unreadable",
                NV_TEST_PRESET_INTEL_LOADED,
                { REMOVE("/proc/cpuinfo"), MKDIR("/proc/cpuinfo") },
                .malformed = TRUE,
                .expected = "{" CPU_UNKNOWN "}",
        },
        {
                "/daemon/malformed/cpuinfo-garbage",
                NV_TEST_PRESET_INTEL_LOADED,
                .prepare = write_garbage_cpuinfo,
                .malformed = TRUE,
                .expected = "{" CPU_UNKNOWN "}",
        },
        {
                "/daemon/malformed/cpuinfo-huge-garbage",
                NV_TEST_PRESET_INTEL_LOADED,
                .prepare = write_huge_cpuinfo_garbage,
                .malformed = TRUE,
                .expected = "{" CPU_UNKNOWN "}",
        },
        {
                "/daemon/malformed/cpuinfo-huge-valid",
                NV_TEST_PRESET_INTEL_LOADED,
                .prepare = write_huge_cpuinfo_valid,
                .malformed = TRUE,
                .expected = "{'CpuVendor': <'intel'>, 'HardwareVirtualization': <true>,"
                            " 'Supported': <true>}",
        },
        /* The raw value, as the XML promises; but never "enabled". */
        {
                "/daemon/malformed/nested-garbage",
                NV_TEST_PRESET_INTEL_LOADED,
                { WRITE(INTEL_NESTED, "maybe\n") },
                .malformed = TRUE,
                .expected = "{'VendorModuleLoaded': <true>, 'NestedParameter': <'maybe'>,"
                            " 'NestedEnabled': <false>}",
        },
        {
                "/daemon/malformed/nested-binary",
                NV_TEST_PRESET_INTEL_LOADED,
                .prepare = write_binary_nested,
                .malformed = TRUE,
                .expected = "{'VendorModuleLoaded': <true>, 'NestedEnabled': <false>}",
        },
        /* The first line is the value, also without a line end. */
        {
                "/daemon/malformed/nested-lines",
                NV_TEST_PRESET_INTEL_LOADED,
                { WRITE(INTEL_NESTED, "Y") },
                .malformed = TRUE,
                .expected = "{'NestedParameter': <'Y'>, 'NestedEnabled': <true>}",
                .check = check_nested_later_lines,
        },
        {
                "/daemon/malformed/nested-long-line",
                NV_TEST_PRESET_INTEL_LOADED,
                .prepare = write_long_nested_line,
                .malformed = TRUE,
                .expected = "{'NestedEnabled': <false>}",
                .check = check_nested_long_line,
        },
        {
                "/daemon/malformed/nested-unreadable",
                NV_TEST_PRESET_INTEL_LOADED,
                { REMOVE(INTEL_NESTED), MKDIR(INTEL_NESTED) },
                .malformed = TRUE,
                .expected = "{'VendorModuleLoaded': <true>, 'NestedParameter': <''>,"
                            " 'NestedEnabled': <false>}",
        },
        {
                "/daemon/malformed/comm-binary",
                NV_TEST_PRESET_INTEL_LOADED,
                .prepare = add_binary_comm,
                .malformed = TRUE,
                .check = check_binary_comm,
        },
        /* Lines as people write them: tabs, runs of spaces, indentation,
         * comments, a backslash continuation (kmod joins the lines). */
        {
                "/daemon/malformed/modprobe-spacing",
                NV_TEST_PRESET_INTEL_LOADED,
                { WRITE(KVM_CONF, "# options kvm_intel nested=1\n"
                                  "\n"
                                  "   options\t kvm_intel\tnested=1   \n"
                                  "options    kvm-intel   \\\n"
                                  "\tnested=0\n") },
                .malformed = TRUE,
                .expected = "{'PersistentNested': <'disabled'>,"
                            " 'PersistentSource': <'/etc/modprobe.d/kvm.conf'>,"
                            " 'ReloadRequired': <false>}",
        },
        {
                "/daemon/malformed/modprobe-no-final-newline",
                NV_TEST_PRESET_INTEL_LOADED,
                { WRITE(KVM_CONF, "options kvm_intel nested=1") },
                .malformed = TRUE,
                .expected = "{'PersistentNested': <'enabled'>,"
                            " 'PersistentSource': <'/etc/modprobe.d/kvm.conf'>,"
                            " 'ReloadRequired': <true>}",
        },
        /* Nothing there says anything about kvm_intel's nested: the default
         * stands. */
        {
                "/daemon/malformed/modprobe-garbage",
                NV_TEST_PRESET_INTEL_LOADED,
                .prepare = write_modprobe_garbage,
                .malformed = TRUE,
                .expected = "{'PersistentNested': <'default'>, 'PersistentSource': <''>}",
        },
        {
                "/daemon/malformed/modprobe-huge",
                NV_TEST_PRESET_INTEL_LOADED,
                .prepare = write_huge_modprobe,
                .malformed = TRUE,
                /* It must not hang or crash the daemon, and what it sets
                 * cannot be known: not "default" (the file sets nested=0),
                 * and PersistentSource names the file. */
                .expected = "{'PersistentNested': <'unknown'>,"
                            " 'PersistentSource': <'/etc/modprobe.d/huge.conf'>, 'ReloadRequired': <false>}",
        },
        {
                "/daemon/malformed/modprobe-huge-overridden",
                NV_TEST_PRESET_INTEL_LOADED,
                .prepare = write_huge_modprobe_overridden,
                .malformed = TRUE,
                .expected =
                        "{'PersistentNested': <'enabled'>,"
                        " 'PersistentSource': <'/etc/modprobe.d/zz-local.conf'>, 'ReloadRequired': <true>}",
        },
        {
                "/daemon/malformed/kvm-conf-big",
                NV_TEST_PRESET_INTEL_LOADED,
                .prepare = write_big_kvm_conf,
                .malformed = TRUE,
                .expected = "{'PersistentNested': <'disabled'>, 'PersistentSource': "
                            "<'/etc/modprobe.d/kvm.conf'>,"
                            " 'ReloadRequired': <false>}",
        },
};

static void apply_edits(NvTestHost *host, const HostEdit *edits)
{
        for (const HostEdit *e = edits; e->kind != EDIT_END; e++) {
                switch (e->kind) {
                case EDIT_WRITE:
                        nv_test_host_write(host, e->path, e->contents);
                        break;
                case EDIT_REMOVE:
                        nv_test_host_remove(host, e->path);
                        break;
                case EDIT_MKDIR:
                        nv_test_host_mkdir(host, e->path);
                        break;
                case EDIT_END:
                        break;
                }
        }
}

/* @data: the StatusCase. */
static void status_case_setup(Fixture *f, gconstpointer data)
{
        const StatusCase *c = data;

        nv_test_env_setup(f, c->preset);
}

static void test_status_case(Fixture *f, gconstpointer data)
{
        const StatusCase *c = data;
        g_autoptr(GVariant) status = NULL;

        apply_edits(f->host, c->edits);
        if (c->prepare)
                c->prepare(f->host);
        nv_test_env_start_daemon(f);
        status = nv_test_env_get_status(f);
        if (c->malformed) {
                g_variant_unref(nv_test_env_get_status(f));
                nv_test_env_sync(f);
                g_assert_true(nv_test_daemon_is_running(f->daemon));
        }
        if (c->expected) {
                g_autoptr(GVariant) expected = parse_vardict(c->expected);

                if (c->whole) {
                        g_autoptr(GVariantDict) dict = g_variant_dict_new(expected);

                        g_variant_dict_insert(dict, "Version", "s", nv_test_getenv("NV_VERSION"));
                        g_clear_pointer(&expected, g_variant_unref);
                        expected = g_variant_ref_sink(g_variant_dict_end(dict));
                }
                assert_status_has(status, expected, c->whole);
        }
        if (c->users) {
                g_autofree char *users = list_module_users(f);

                g_assert_cmpstr(users, ==, c->users);
        }
        if (c->check)
                c->check(f, status);
}

/* ---- Registration ---------------------------------------------------- */

/* ---- This machine ------------------------------------------------------ */

/* The first line of @path, or NULL. */
static char *real_line(const char *path)
{
        g_autofree char *text = NULL;

        if (!g_file_get_contents(path, &text, NULL, NULL))
                return NULL;
        text[strcspn(text, "\n")] = '\0';
        return g_steal_pointer(&text);
}

static gboolean real_exists(const char *path)
{
        return g_file_test(path, G_FILE_TEST_EXISTS);
}

/* The running kernel's configuration (/proc/config.gz, else
 * /boot/config-RELEASE), or NULL when there is none to read. */
static char *real_kernel_config(const char *release)
{
        g_autoptr(GFile) file = g_file_new_for_path("/proc/config.gz");
        g_autoptr(GFileInputStream) raw = g_file_read(file, NULL, NULL);
        g_autofree char *boot = g_strdup_printf("/boot/config-%s", release);
        char *text = NULL;

        if (raw) {
                g_autoptr(GZlibDecompressor) gunzip = g_zlib_decompressor_new(G_ZLIB_COMPRESSOR_FORMAT_GZIP);
                g_autoptr(GInputStream) in =
                        g_converter_input_stream_new(G_INPUT_STREAM(raw), G_CONVERTER(gunzip));
                g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable();

                if (g_output_stream_splice(out, in, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, NULL) >= 0 &&
                    g_output_stream_write_all(out, "", 1, NULL, NULL, NULL))
                        return g_memory_output_stream_steal_data(G_MEMORY_OUTPUT_STREAM(out));
        }
        if (g_file_get_contents(boot, &text, NULL, NULL))
                return text;
        return NULL;
}

/* "y", "m" or "n" for CONFIG_@name in @config; NULL without a config. */
static const char *real_config_value(const char *config, const char *name)
{
        g_autofree char *set_y = g_strdup_printf("\nCONFIG_%s=y\n", name);
        g_autofree char *set_m = g_strdup_printf("\nCONFIG_%s=m\n", name);

        if (!config)
                return NULL;
        if (strstr(config, set_y))
                return "y";
        if (strstr(config, set_m))
                return "m";
        return "n";
}

/* Whether @release's modules.dep names a file of @ko_base (kvm-amd) and
 * that file exists: whether modprobe can load it. */
static gboolean real_modules_dep_lists(const char *release, const char *ko_base)
{
        g_autofree char *path = g_strdup_printf("/lib/modules/%s/modules.dep", release);
        g_autofree char *text = NULL;
        g_autofree char *slash = g_strdup_printf("/%s.ko", ko_base);
        g_autofree char *underscore = g_strdelimit(g_strdup(slash), "-", '_');

        if (!g_file_get_contents(path, &text, NULL, NULL))
                return FALSE;
        for (char *line = text; line && *line;) {
                char *end = strchr(line, '\n');
                char *colon = strchr(line, ':');

                if (colon && (!end || colon < end)) {
                        g_autofree char *file = g_strndup(line, colon - line);
                        g_autofree char *dir = g_strdup_printf("/lib/modules/%s", release);
                        g_autofree char *full = g_path_is_absolute(file) ? g_strdup(file)
                                                                         : g_build_filename(dir, file, NULL);

                        if (strstr(file, slash) || strstr(file, underscore))
                                return g_file_test(full, G_FILE_TEST_IS_REGULAR);
                }
                line = end ? end + 1 : NULL;
        }
        return FALSE;
}

/* What this machine is, from its own /proc, /sys and kernel
 * configuration, against what the daemon on --root=/ says: holds on any
 * host, a classic one as well as a PVM guest in a container. Only
 * GetStatus is called: nothing is changed. */
static void test_real_host(Fixture *f, gconstpointer data)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) status = NULL;
        g_autofree char *arch = real_line("/proc/sys/kernel/arch");
        g_autofree char *release = real_line("/proc/sys/kernel/osrelease");
        g_autofree char *cpuinfo = NULL;
        g_autofree char *config = NULL;
        g_autofree char *vendor_dir = NULL;
        g_autofree char *initstate = NULL;
        g_autofree char *builtin_list = NULL;
        g_autofree char *builtin_path = NULL;
        const char *vendor = "unknown", *module = "", *flag = NULL, *state = "";
        gboolean x86, has_flag = FALSE, in_sys, container;
        struct stat st;

        if (!arch || !release || !g_file_get_contents("/proc/cpuinfo", &cpuinfo, NULL, NULL)) {
                g_test_skip("this machine has no /proc to compare with");
                return;
        }
        config = real_kernel_config(release);
        x86 = g_str_equal(arch, "x86_64") || g_regex_match_simple("^i[3-6]86$|^x86$", arch, 0, 0);
        if (strstr(cpuinfo, "GenuineIntel")) {
                vendor = "intel", module = "kvm_intel", flag = "vmx";
        } else if (strstr(cpuinfo, "AuthenticAMD") || strstr(cpuinfo, "HygonGenuine")) {
                vendor = "amd", module = "kvm_amd", flag = "svm";
        }
        if (flag) {
                g_autofree char *word = g_strdup_printf("\\b%s\\b", flag);
                g_autofree char *flags_line = NULL;
                const char *flags = strstr(cpuinfo, "\nflags");

                if (flags)
                        flags_line = g_strndup(flags, strcspn(flags + 1, "\n") + 1);
                has_flag = flags_line && g_regex_match_simple(word, flags_line, 0, 0);
        }

        /* The vendor module as /sys, modules.builtin, the configuration and
         * modules.dep tell it. */
        if (*module) {
                g_autofree char *initstate_path = NULL;
                g_autofree char *ko = g_strdelimit(g_strdup(module), "_", '-');
                g_autofree char *builtin_word = g_strdup_printf("/%s.ko", ko);

                vendor_dir = g_build_filename("/sys/module", module, NULL);
                initstate_path = g_build_filename(vendor_dir, "initstate", NULL);
                initstate = real_line(initstate_path);
                builtin_path = g_strdup_printf("/lib/modules/%s/modules.builtin", release);
                g_file_get_contents(builtin_path, &builtin_list, NULL, NULL);
                in_sys = real_exists(vendor_dir);
                if (g_strcmp0(initstate, "live") == 0)
                        state = "loaded";
                else if ((in_sys && !initstate) || (builtin_list && strstr(builtin_list, builtin_word)) ||
                         g_strcmp0(real_config_value(config,
                                                     g_str_equal(vendor, "intel") ? "KVM_INTEL" : "KVM_AMD"),
                                   "y") == 0)
                        state = "builtin";
                else if (!real_exists("/proc/modules"))
                        state = "no-module-loading";
                else
                        state = real_modules_dep_lists(release, ko) ? "loadable" : "absent";
                /* The configuration and /proc agree on module loading. */
                if (config)
                        g_assert_cmpint(g_strcmp0(real_config_value(config, "MODULES"), "y") == 0, ==,
                                        real_exists("/proc/modules"));
        }
        container = real_exists("/.dockerenv") || real_exists("/run/.containerenv") ||
                    real_exists("/run/systemd/container") || real_exists("/run/host/container-manager");
        {
                g_autofree char *pid1_env = NULL;
                gsize len = 0;

                /* PID 1's environment, where we may read it (the daemon
                 * runs with the same rights): container=NAME. */
                if (g_file_get_contents("/proc/1/environ", &pid1_env, &len, NULL))
                        for (gsize i = 0; i < len; i += strlen(pid1_env + i) + 1)
                                container |= g_str_has_prefix(pid1_env + i, "container=") &&
                                             pid1_env[i + strlen("container=")] != '\0';
        }

        f->daemon = nv_test_daemon_start(f->bus, "/", &error);
        g_assert_no_error(error);
        status = nv_test_env_get_status(f);
        g_test_message("this machine: %s %s, %s %s, state %s", arch, release, vendor, module, state);

        {
                g_autoptr(GVariant) arch_variant = g_variant_ref_sink(g_variant_new_string(arch));
                g_autofree char *arch_v = g_variant_print(arch_variant, FALSE);

                assert_key(status, "Architecture", arch_v);
        }
        assert_key(status, "CpuVendor",
                   g_str_equal(vendor, "intel") ? "'intel'"
                   : g_str_equal(vendor, "amd") ? "'amd'"
                                                : "'unknown'");
        {
                g_autofree char *m = g_strdup_printf("'%s'", x86 ? module : "");
                g_autofree char *st_text = g_strdup_printf("'%s'", x86 ? state : "");

                if (x86) {
                        assert_key(status, "VendorModule", m);
                        assert_key(status, "VendorModuleState", st_text);
                }
        }
        assert_key(status, "HardwareVirtualization", has_flag ? "true" : "false");
        assert_key(status, "KvmLoaded", real_exists("/sys/module/kvm") ? "true" : "false");
        assert_key(status, "VendorModuleLoaded",
                   g_str_equal(state, "loaded") || g_str_equal(state, "builtin") ? "true" : "false");
        assert_key(status, "VendorModuleBuiltin", g_str_equal(state, "builtin") ? "true" : "false");
        assert_key(status, "Supported",
                   x86 && *module && !container &&
                                   (g_str_equal(state, "loaded") || g_str_equal(state, "loadable"))
                           ? "true"
                           : "false");

        /* /dev/kvm as stat() shows it. */
        if (stat("/dev/kvm", &st) == 0 && S_ISCHR(st.st_mode)) {
                g_autoptr(GVariant) provider = g_variant_lookup_value(status, "KvmProvider", NULL);
                g_autofree char *mode = g_strdup_printf("'%04o'", (unsigned)(st.st_mode & 07777));
                const char *p = g_variant_get_string(provider, NULL);

                assert_key(status, "KvmDevice", "'/dev/kvm'");
                assert_key(status, "KvmDeviceMode", mode);
                if ((st.st_mode & 0006) == 0006)
                        assert_key(status, "KvmDeviceAccess", "'everyone'");
                else if ((st.st_mode & 0060) == 0060)
                        assert_key(status, "KvmDeviceAccess", "'group'");
                else if (st.st_uid == 0)
                        assert_key(status, "KvmDeviceAccess", "'root-only'");
                /* The provider is a module this kernel has, and the one the
                 * configuration builds when it says so. */
                if (*p) {
                        g_autofree char *dir = g_build_filename("/sys/module", p, NULL);
                        g_autofree char *upper = g_ascii_strup(p, -1);

                        g_assert_true(real_exists(dir));
                        if (config && g_str_has_prefix(upper, "KVM_"))
                                g_assert_cmpstr(real_config_value(config, upper), !=, "n");
                }
                if (g_str_equal(state, "loaded"))
                        g_assert_cmpstr(p, ==, module);
        } else if (!real_exists("/sys/class/misc/kvm")) {
                assert_key(status, "KvmDevice", "''");
        }

        if (real_exists("/.dockerenv") && !real_exists("/run/systemd/container") &&
            !real_exists("/run/host/container-manager") && !real_exists("/run/.containerenv"))
                assert_key(status, "Container", "'docker'");
        else if (!container) {
                /* PID 1's environment may still name one. */
                g_autoptr(GVariant) kind = g_variant_lookup_value(status, "Container", NULL);

                g_test_message("Container: %s", kind ? g_variant_get_string(kind, NULL) : "(none)");
        }
}

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

        for (gsize i = 0; i < G_N_ELEMENTS(status_cases); i++)
                nv_test_add(skip, status_cases[i].path, Fixture, &status_cases[i], status_case_setup,
                            test_status_case, fixture_teardown);
        for (int p = 0; p < NV_TEST_PRESET_COUNT; p++) {
                g_autofree char *agree_path =
                        g_strdup_printf("/daemon/properties/agree/%s", nv_test_preset_to_string(p));

                g_autofree char *ladder_path =
                        g_strdup_printf("/daemon/one-ladder/%s", nv_test_preset_to_string(p));

                add_test(skip, agree_path, p, test_properties_agree);
                add_test(skip, ladder_path, p, test_one_ladder);
        }
        add_test(skip, "/daemon/version", NV_TEST_PRESET_INTEL_LOADED, test_version);
        add_test(skip, "/daemon/real-host", NV_TEST_PRESET_INTEL_LOADED, test_real_host);
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
        add_test(skip, "/daemon/changed/modprobe-burst", NV_TEST_PRESET_INTEL_LOADED,
                 test_changed_modprobe_burst);
        add_test(skip, "/daemon/changed/modprobe-overflow", NV_TEST_PRESET_INTEL_LOADED,
                 test_changed_modprobe_overflow);
        add_test(skip, "/daemon/changed/module-in-use", NV_TEST_PRESET_INTEL_LOADED,
                 test_changed_module_in_use);
        add_test(skip, "/daemon/changed/tree-watched", NV_TEST_PRESET_VENDOR_MODULE_NOT_LOADED,
                 test_changed_tree_watched);

        return nv_test_run_tests(skip);
}
