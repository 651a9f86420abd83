/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The files of nestedvirtctl export, formatted from made-up statuses
 * (client/nvctl-export.c, no bus): the Prometheus text passes promtool and
 * quotes label values as the exposition format says, unknown values are
 * left out rather than guessed, and the NFD file holds only label values
 * Kubernetes accepts. The CLI on a real daemon is test-cli's /cli/export.
 */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "nvctl-export.h"

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(NvProperties, nv_properties_clear)

/* Fails unless promtool accepts @text; skips without promtool, except
 * under CI. */
static void assert_promtool_accepts(const char *text)
{
        g_autofree char *promtool = g_find_program_in_path("promtool");
        const char *argv[] = { NULL, "check", "metrics", NULL };
        g_autoptr(GSubprocess) process = NULL;
        g_autofree char *output = NULL;
        g_autoptr(GError) error = NULL;

        if (!promtool) {
                if (g_strcmp0(g_getenv("CI"), "true") == 0)
                        g_error("promtool is not installed (package prometheus), and CI must run this");
                g_test_skip("promtool is not installed (package prometheus; tools/install-deps.sh)");
                return;
        }
        argv[0] = promtool;
        process = g_subprocess_newv(argv,
                                    G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                            G_SUBPROCESS_FLAGS_STDERR_MERGE,
                                    &error);
        g_assert_no_error(error);
        g_subprocess_communicate_utf8(process, text, NULL, &output, NULL, &error);
        g_assert_no_error(error);
        if (!g_subprocess_get_successful(process))
                g_error("promtool check metrics refuses:\n%s\nit says:\n%s", text, output);
}

static NvProperties intel_props(void)
{
        NvProperties props = NV_PROPERTIES_INIT_UNKNOWN;

        props.supported = TRUE;
        props.vendor_module = g_strdup("kvm_intel");
        props.cpu_vendor = g_strdup("intel");
        props.host_class = g_strdup("module");
        props.nested_enabled = TRUE;
        props.persistent_nested = g_strdup("disabled");
        props.reload_required = TRUE;
        props.vendor_module_in_use = FALSE;
        return props;
}

/* @props, with @field (one of its strings) set to @value. */
static const NvProperties *set_string(const NvProperties *props, char **field, const char *value)
{
        g_free(*field);
        *field = g_strdup(value);
        return props;
}

/* The textfile of @props, which promtool must accept. */
static char *prometheus_checked(const NvProperties *props)
{
        char *text = nvctl_export_prometheus(props);

        assert_promtool_accepts(text);
        return text;
}

/* The gauges, and a label value with a backslash, a double quote and a
 * line feed, quoted as the exposition format says. */
static void test_prometheus(void)
{
        g_auto(NvProperties) props = intel_props();
        g_autofree char *text = NULL;

        text = prometheus_checked(set_string(&props, &props.cpu_vendor, "a\\b\"c\nd"));
        g_assert_nonnull(strstr(text, "cpu_vendor=\"a\\\\b\\\"c\\nd\"} 1\n"));

        /* Running on, persistently off: the drift an alert looks for. */
        g_assert_nonnull(strstr(text, "\nnestedvirt_nested_enabled{module=\"kvm_intel\"} 1\n"));
        g_assert_nonnull(strstr(text, "\nnestedvirt_persistent_enabled{module=\"kvm_intel\"} 0\n"));
        g_assert_nonnull(strstr(text, "\nnestedvirt_reload_required{module=\"kvm_intel\"} 1\n"));
        g_assert_true(g_str_has_prefix(text, "# HELP nestedvirt_supported "));
}

/* A value the service did not report is not a 0. */
static void test_prometheus_unknown(void)
{
        g_auto(NvProperties) props = intel_props();
        g_autofree char *text = NULL;

        props.nested_enabled = -1;
        g_clear_pointer(&props.persistent_nested, g_free);
        text = prometheus_checked(&props);
        g_assert_null(strstr(text, "nestedvirt_nested_enabled"));
        g_assert_null(strstr(text, "nestedvirt_persistent_enabled"));
        g_assert_nonnull(strstr(text, "\nnestedvirt_reload_required{module=\"kvm_intel\"} 1\n"));
}

/* Not x86: supported 0 and the info line, no nested families. */
static void test_prometheus_unsupported(void)
{
        NvProperties props = NV_PROPERTIES_INIT_UNKNOWN;
        g_autofree char *text = NULL;

        props.supported = FALSE;
        props.host_class = g_strdup("unsupported");
        text = prometheus_checked(&props);
        nv_properties_clear(&props);
        g_assert_cmpstr(
                text, ==,
                "# HELP nestedvirt_supported 1 when nestedvirtd can manage KVM nested virtualization "
                "on this host.\n"
                "# TYPE nestedvirt_supported gauge\n"
                "nestedvirt_supported 0\n"
                "# HELP nestedvirt_info The host as nestedvirtd sees it; the value is always 1.\n"
                "# TYPE nestedvirt_info gauge\n"
                "nestedvirt_info{host_class=\"unsupported\",vendor_module=\"\",cpu_vendor=\"\"} 1\n");
}

static void test_nfd(void)
{
        g_auto(NvProperties) props = intel_props();
        g_autofree char *text = NULL;

        /* Not a Kubernetes label value: left out, not mangled. */
        text = nvctl_export_nfd(set_string(&props, &props.host_class, "bad value!"));
        g_assert_cmpstr(text, ==,
                        "feature.node.kubernetes.io/nestedvirt-nested-virtualization=true\n"
                        "feature.node.kubernetes.io/nestedvirt-kvm-vendor=intel\n"
                        "feature.node.kubernetes.io/nestedvirt-persistent=disabled\n"
                        "feature.node.kubernetes.io/nestedvirt-reload-required=true\n");
}

/* The write: unchanged content leaves the file (its inode) alone. */
static void test_write(void)
{
        g_autofree char *dir = g_dir_make_tmp("nv-test-export-XXXXXX", NULL);
        g_autofree char *path = g_build_filename(dir, "f.prom", NULL);
        g_autoptr(GError) error = NULL;
        GStatBuf first, second;
        gboolean changed;

        g_assert_true(nvctl_export_write(path, "a 1\n", &changed, &error));
        g_assert_no_error(error);
        g_assert_true(changed);
        g_assert_cmpint(g_stat(path, &first), ==, 0);
        g_assert_true(nvctl_export_write(path, "a 1\n", &changed, &error));
        g_assert_false(changed);
        g_assert_cmpint(g_stat(path, &second), ==, 0);
        g_assert_cmpuint(first.st_ino, ==, second.st_ino);
        g_assert_true(nvctl_export_write(path, "a 2\n", &changed, &error));
        g_assert_true(changed);
        g_assert_cmpint(g_stat(path, &second), ==, 0);
        g_assert_cmpuint(first.st_ino, !=, second.st_ino);

        /* A directory that is not there: an error naming it. */
        g_assert_false(nvctl_export_write("/nonexistent/dir/f.prom", "a 1\n", &changed, &error));
        g_assert_nonnull(strstr(error->message, "/nonexistent/dir"));

        g_assert_cmpint(g_remove(path), ==, 0);
        g_assert_cmpint(g_rmdir(dir), ==, 0);
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/export/prometheus", test_prometheus);
        g_test_add_func("/export/prometheus/unknown", test_prometheus_unknown);
        g_test_add_func("/export/prometheus/unsupported", test_prometheus_unsupported);
        g_test_add_func("/export/nfd", test_nfd);
        g_test_add_func("/export/write", test_write);
        return g_test_run();
}
