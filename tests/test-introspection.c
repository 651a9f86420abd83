/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Checks that the API the running nestedvirtd exports is the one
 * interfaces/org.example.NestedVirt.xml documents (and installs for
 * clients and code generators): both are parsed with GDBusNodeInfo and
 * compared structurally, member by member, so that a difference is
 * reported by name rather than as a text diff of XML.
 */
#include "config.h"

#include <stdarg.h>

#include "nv-dbus.h"
#include "nv-test-bus.h"
#include "nv-test-host.h"

#define EMITS_CHANGED_SIGNAL "org.freedesktop.DBus.Property.EmitsChangedSignal"

typedef struct {
        NvTestEnv env;
        GDBusNodeInfo *live_node;
        GDBusNodeInfo *xml_node;
        GDBusInterfaceInfo *live; /* org.example.NestedVirt as the daemon introspects it */
        GDBusInterfaceInfo *xml;  /* ... and as the XML file documents it */
} Fixture;

static GDBusNodeInfo *introspect(Fixture *f, const char *path)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = NULL;
        const char *xml;
        GDBusNodeInfo *node;

        reply = g_dbus_connection_call_sync(f->env.connection, NV_BUS_NAME, path,
                                            "org.freedesktop.DBus.Introspectable", "Introspect", NULL,
                                            G_VARIANT_TYPE("(s)"), G_DBUS_CALL_FLAGS_NO_AUTO_START,
                                            NV_TEST_TIMEOUT_MS, NULL, &error);
        g_assert_no_error(error);
        g_variant_get(reply, "(&s)", &xml);
        node = g_dbus_node_info_new_for_xml(xml, &error);
        if (!node)
                g_error("the daemon's introspection data of %s does not parse: %s\n%s", path, error->message,
                        xml);
        return node;
}

static void fixture_setup(Fixture *f, gconstpointer data)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *xml = NULL;

        nv_test_env_setup(&f->env, NV_TEST_PRESET_INTEL_LOADED);
        nv_test_env_start_daemon(&f->env);

        f->live_node = introspect(f, NV_OBJECT_PATH);
        f->live = g_dbus_node_info_lookup_interface(f->live_node, NV_INTERFACE);
        if (!f->live)
                g_error("the daemon's object %s has no interface %s", NV_OBJECT_PATH, NV_INTERFACE);

        g_file_get_contents(nv_test_getenv("NV_INTERFACE_XML"), &xml, NULL, &error);
        g_assert_no_error(error);
        f->xml_node = g_dbus_node_info_new_for_xml(xml, &error);
        g_assert_no_error(error);
        f->xml = g_dbus_node_info_lookup_interface(f->xml_node, NV_INTERFACE);
        if (!f->xml)
                g_error("%s documents no interface %s", nv_test_getenv("NV_INTERFACE_XML"), NV_INTERFACE);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
        g_clear_pointer(&f->live_node, g_dbus_node_info_unref);
        g_clear_pointer(&f->xml_node, g_dbus_node_info_unref);
        nv_test_env_teardown(&f->env);
}

/* Adds "\n  @what" to @differences. */
static void G_GNUC_PRINTF(2, 3) note(GString *differences, const char *format, ...)
{
        va_list ap;

        g_string_append(differences, "\n  ");
        va_start(ap, format);
        g_string_append_vprintf(differences, format, ap);
        va_end(ap);
}

static void assert_no_differences(GString *differences, const char *what)
{
        if (differences->len > 0)
                g_error("%s of %s differ between the daemon (live) and %s:%s", what, NV_INTERFACE,
                        nv_test_getenv("NV_INTERFACE_XML"), differences->str);
}

static guint count(gpointer *array)
{
        guint n = 0;

        while (array && array[n])
                n++;
        return n;
}

/* Compares two argument lists position by position: names and types. */
static void compare_args(GString *differences, const char *member, const char *direction,
                         GDBusArgInfo **live, GDBusArgInfo **xml)
{
        guint n_live = count((gpointer *)live), n_xml = count((gpointer *)xml);

        if (n_live != n_xml)
                note(differences, "%s has %u %s arguments live, %u in the XML", member, n_live, direction,
                     n_xml);
        for (guint i = 0; i < MIN(n_live, n_xml); i++) {
                if (!g_str_equal(live[i]->signature, xml[i]->signature))
                        note(differences, "%s: %s argument %u (%s) has type %s live, %s in the XML", member,
                             direction, i, xml[i]->name, live[i]->signature, xml[i]->signature);
                /* sd-bus and GDBus both keep argument names; they are part
                 * of the documented API (busctl shows them). */
                if (g_strcmp0(live[i]->name, xml[i]->name) != 0)
                        note(differences, "%s: %s argument %u is named %s live, %s in the XML", member,
                             direction, i, live[i]->name ? live[i]->name : "(none)",
                             xml[i]->name ? xml[i]->name : "(none)");
        }
}

static void test_methods(Fixture *f, gconstpointer data)
{
        g_autoptr(GString) differences = g_string_new(NULL);

        for (guint i = 0; f->xml->methods && f->xml->methods[i]; i++) {
                GDBusMethodInfo *xml = f->xml->methods[i];
                GDBusMethodInfo *live = g_dbus_interface_info_lookup_method(f->live, xml->name);

                if (!live) {
                        note(differences, "method %s is documented but not exported", xml->name);
                        continue;
                }
                compare_args(differences, xml->name, "in", live->in_args, xml->in_args);
                compare_args(differences, xml->name, "out", live->out_args, xml->out_args);
        }
        for (guint i = 0; f->live->methods && f->live->methods[i]; i++) {
                if (!g_dbus_interface_info_lookup_method(f->xml, f->live->methods[i]->name))
                        note(differences, "method %s is exported but not documented",
                             f->live->methods[i]->name);
        }
        assert_no_differences(differences, "Methods");
}

static const char *access_to_string(GDBusPropertyInfoFlags flags)
{
        switch (flags & (G_DBUS_PROPERTY_INFO_FLAGS_READABLE | G_DBUS_PROPERTY_INFO_FLAGS_WRITABLE)) {
        case G_DBUS_PROPERTY_INFO_FLAGS_READABLE:
                return "read";
        case G_DBUS_PROPERTY_INFO_FLAGS_WRITABLE:
                return "write";
        case G_DBUS_PROPERTY_INFO_FLAGS_READABLE | G_DBUS_PROPERTY_INFO_FLAGS_WRITABLE:
                return "readwrite";
        default:
                return "none";
        }
}

static void test_properties(Fixture *f, gconstpointer data)
{
        g_autoptr(GString) differences = g_string_new(NULL);

        for (guint i = 0; f->xml->properties && f->xml->properties[i]; i++) {
                GDBusPropertyInfo *xml = f->xml->properties[i];
                GDBusPropertyInfo *live = g_dbus_interface_info_lookup_property(f->live, xml->name);

                if (!live) {
                        note(differences, "property %s is documented but not exported", xml->name);
                        continue;
                }
                if (!g_str_equal(live->signature, xml->signature))
                        note(differences, "property %s has type %s live, %s in the XML", xml->name,
                             live->signature, xml->signature);
                if (live->flags != xml->flags)
                        note(differences, "property %s has access %s live, %s in the XML", xml->name,
                             access_to_string(live->flags), access_to_string(xml->flags));
        }
        for (guint i = 0; f->live->properties && f->live->properties[i]; i++) {
                if (!g_dbus_interface_info_lookup_property(f->xml, f->live->properties[i]->name))
                        note(differences, "property %s is exported but not documented",
                             f->live->properties[i]->name);
        }
        assert_no_differences(differences, "Properties");
}

static void test_signals(Fixture *f, gconstpointer data)
{
        g_autoptr(GString) differences = g_string_new(NULL);

        for (guint i = 0; f->xml->signals && f->xml->signals[i]; i++) {
                GDBusSignalInfo *xml = f->xml->signals[i];
                GDBusSignalInfo *live = g_dbus_interface_info_lookup_signal(f->live, xml->name);

                if (!live) {
                        note(differences, "signal %s is documented but not exported", xml->name);
                        continue;
                }
                compare_args(differences, xml->name, "signal", live->args, xml->args);
        }
        for (guint i = 0; f->live->signals && f->live->signals[i]; i++) {
                if (!g_dbus_interface_info_lookup_signal(f->xml, f->live->signals[i]->name))
                        note(differences, "signal %s is exported but not documented",
                             f->live->signals[i]->name);
        }
        assert_no_differences(differences, "Signals");
}

/* How a property announces changes: its own annotation, else its
 * interface's, else the D-Bus default "true". */
static const char *emits_changed_signal(GDBusInterfaceInfo *interface, GDBusPropertyInfo *property)
{
        const char *value = g_dbus_annotation_info_lookup(property->annotations, EMITS_CHANGED_SIGNAL);

        if (!value)
                value = g_dbus_annotation_info_lookup(interface->annotations, EMITS_CHANGED_SIGNAL);
        return value ? value : "true";
}

/* Clients rely on this annotation: "const" means cache forever, "true"
 * means a PropertiesChanged will come; the daemon must promise what the
 * XML promises. */
static void test_emits_changed_signal(Fixture *f, gconstpointer data)
{
        g_autoptr(GString) differences = g_string_new(NULL);

        for (guint i = 0; f->xml->properties && f->xml->properties[i]; i++) {
                GDBusPropertyInfo *xml = f->xml->properties[i];
                GDBusPropertyInfo *live = g_dbus_interface_info_lookup_property(f->live, xml->name);
                const char *xml_value, *live_value;

                if (!live)
                        continue; /* a missing property is reported by the properties check */
                xml_value = emits_changed_signal(f->xml, xml);
                live_value = emits_changed_signal(f->live, live);
                if (!g_str_equal(xml_value, live_value))
                        note(differences, "property %s: EmitsChangedSignal is %s live, %s in the XML",
                             xml->name, live_value, xml_value);
        }
        assert_no_differences(differences, "Change notifications");
}

/* What busctl, GDBus proxies and the CLI use besides our interface. */
static void test_standard_interfaces(Fixture *f, gconstpointer data)
{
        static const char *const standard[] = {
                "org.freedesktop.DBus.Properties",
                "org.freedesktop.DBus.Introspectable",
                "org.freedesktop.DBus.Peer",
        };

        for (size_t i = 0; i < G_N_ELEMENTS(standard); i++) {
                if (!g_dbus_node_info_lookup_interface(f->live_node, standard[i]))
                        g_error("the daemon's object %s does not implement %s", NV_OBJECT_PATH, standard[i]);
        }
}

/* busctl tree and d-feet walk down from "/": the object must be found. */
static void test_object_reachable(Fixture *f, gconstpointer data)
{
        g_autoptr(GDBusNodeInfo) parent = introspect(f, "/org/example");
        gboolean found = FALSE;

        for (guint i = 0; parent->nodes && parent->nodes[i]; i++) {
                const char *path = parent->nodes[i]->path;

                found = found || g_strcmp0(path, "NestedVirt") == 0 || g_strcmp0(path, NV_OBJECT_PATH) == 0;
        }
        g_assert_true(found);
}

int main(int argc, char **argv)
{
        static const char *const env_vars[] = { "NV_DAEMON", "NV_BUS_POLICY", "NV_INTERFACE_XML", NULL };
        g_autofree char *skip = NULL;

        nv_test_init(&argc, &argv);
        skip = nv_test_skip_reason(env_vars);

        nv_test_add(skip, "/introspection/methods", Fixture, NULL, fixture_setup, test_methods,
                    fixture_teardown);
        nv_test_add(skip, "/introspection/properties", Fixture, NULL, fixture_setup, test_properties,
                    fixture_teardown);
        nv_test_add(skip, "/introspection/signals", Fixture, NULL, fixture_setup, test_signals,
                    fixture_teardown);
        nv_test_add(skip, "/introspection/emits-changed-signal", Fixture, NULL, fixture_setup,
                    test_emits_changed_signal, fixture_teardown);
        nv_test_add(skip, "/introspection/standard-interfaces", Fixture, NULL, fixture_setup,
                    test_standard_interfaces, fixture_teardown);
        nv_test_add(skip, "/introspection/object-reachable", Fixture, NULL, fixture_setup,
                    test_object_reachable, fixture_teardown);

        return nv_test_run_tests(skip);
}
