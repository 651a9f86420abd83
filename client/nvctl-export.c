/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nestedvirtctl export [--prometheus=FILE] [--nfd=FILE]: writes the status
 * (GetStatus()) where fleet tools read it without running anything: a
 * Prometheus node_exporter textfile and a node-feature-discovery local
 * feature file. nestedvirt-export.timer runs it; the Ansible local fact
 * (nested_virt.fact) is status --json itself.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nv-util.h"
#include "nv-verdict.h"
#include "nvctl-common.h"
#include "nvctl-export.h"
#include "nvctl-status.h"
#include "nvctl-verbs.h"

/* --- Prometheus ------------------------------------------------------------ */

/* A label value as the exposition format quotes it: backslash, double
 * quote and line feed escaped. */
static void prom_append_label(GString *out, const char *name, const char *value)
{
        g_string_append_printf(out, "%s=\"", name);
        for (const char *p = value; *p; p++) {
                if (*p == '\\')
                        g_string_append(out, "\\\\");
                else if (*p == '"')
                        g_string_append(out, "\\\"");
                else if (*p == '\n')
                        g_string_append(out, "\\n");
                else
                        g_string_append_c(out, *p);
        }
        g_string_append_c(out, '"');
}

/* One gauge family with one sample, labelled module="MODULE" when @module
 * is given; nothing at all for an unknown (negative) @value, as a family
 * without samples tells a dashboard nothing. */
static void prom_append_gauge(GString *out, const char *name, const char *help, const char *module,
                              int value)
{
        if (value < 0)
                return;
        g_string_append_printf(out, "# HELP %s %s\n# TYPE %s gauge\n%s", name, help, name, name);
        if (module) {
                g_string_append_c(out, '{');
                prom_append_label(out, "module", module);
                g_string_append_c(out, '}');
        }
        g_string_append_printf(out, " %d\n", value ? 1 : 0);
}

char *nvctl_export_prometheus(const NvProperties *props)
{
        g_autoptr(GString) out = g_string_new(NULL);
        /* Without a vendor module (not x86, an unknown CPU) there is no
         * nested setting to report, only that it is not supported. */
        const char *module = nv_str_empty(props->vendor_module) ? NULL : props->vendor_module;

        prom_append_gauge(out, "nestedvirt_supported",
                          "1 when nestedvirtd can manage KVM nested virtualization on this host.", NULL,
                          props->supported);
        if (module) {
                prom_append_gauge(out, "nestedvirt_nested_enabled",
                                  "1 when the running KVM vendor module has nested virtualization enabled.",
                                  module, props->nested_enabled);
                prom_append_gauge(out, "nestedvirt_persistent_enabled",
                                  "1 when the next load of the vendor module (or the next boot) enables "
                                  "nested virtualization.",
                                  module, nv_verdict_persistent_value(props));
                prom_append_gauge(out, "nestedvirt_reload_required",
                                  "1 when the running nested value differs from the persistent one.", module,
                                  props->reload_required);
                prom_append_gauge(out, "nestedvirt_vendor_module_in_use",
                                  "1 when a process, such as a virtual machine, holds the vendor module.",
                                  module, props->vendor_module_in_use);
        }

        g_string_append(out,
                        "# HELP nestedvirt_info The host as nestedvirtd sees it; the value is always 1.\n"
                        "# TYPE nestedvirt_info gauge\n"
                        "nestedvirt_info{");
        prom_append_label(out, "host_class", props->host_class ? props->host_class : "");
        g_string_append_c(out, ',');
        prom_append_label(out, "vendor_module", module ? module : "");
        g_string_append_c(out, ',');
        prom_append_label(out, "cpu_vendor", props->cpu_vendor ? props->cpu_vendor : "");
        g_string_append(out, "} 1\n");

        return g_string_free(g_steal_pointer(&out), FALSE);
}

/* --- node-feature-discovery ------------------------------------------------ */

/* Kubernetes label values: at most 63 characters, alphanumerics with
 * '-', '_' or '.' between them. What is not one is left out, as the
 * worker would refuse the whole label. */
static gboolean is_label_value(const char *value)
{
        size_t len = strlen(value);

        if (len == 0 || len > 63 || !g_ascii_isalnum(value[0]) || !g_ascii_isalnum(value[len - 1]))
                return FALSE;
        return strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == len;
}

static void nfd_append(GString *out, const char *name, const char *value)
{
        if (value && is_label_value(value))
                g_string_append_printf(out, "feature.node.kubernetes.io/nestedvirt-%s=%s\n", name, value);
}

char *nvctl_export_nfd(const NvProperties *props)
{
        g_autoptr(GString) out = g_string_new(NULL);
        const char *vendor = NULL;

        if (g_strcmp0(props->vendor_module, "kvm_intel") == 0)
                vendor = "intel";
        else if (g_strcmp0(props->vendor_module, "kvm_amd") == 0)
                vendor = "amd";

        /* No comment line: older NFD workers read every line as a label. */
        /* What a scheduler needs: can a guest here run guests now. */
        nfd_append(out, "nested-virtualization", props->nested_enabled == 1 ? "true" : "false");
        nfd_append(out, "kvm-vendor", vendor);
        nfd_append(out, "persistent", props->persistent_nested);
        if (props->reload_required >= 0)
                nfd_append(out, "reload-required", props->reload_required ? "true" : "false");
        nfd_append(out, "host-class", props->host_class);

        return g_string_free(g_steal_pointer(&out), FALSE);
}

/* --- Writing ----------------------------------------------------------------- */

static gboolean has_content(const char *path, const char *content)
{
        g_autofree char *current = NULL;

        return g_file_get_contents(path, &current, NULL, NULL) && g_str_equal(current, content);
}

gboolean nvctl_export_write(const char *path, const char *content, gboolean *ret_changed, GError **error)
{
        g_autofree char *dir = g_path_get_dirname(path);
        g_autofree char *base = g_path_get_basename(path);
        g_autofree char *tmp = g_strdup_printf("%s/.%s.XXXXXX", dir, base);
        size_t len = strlen(content);
        gboolean ok;
        int fd;

        *ret_changed = FALSE;
        if (has_content(path, content))
                return TRUE;

        fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0644);
        if (fd < 0) {
                int saved_errno = errno;

                g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved_errno),
                            "cannot create a file in %s: %s", dir, g_strerror(saved_errno));
                return FALSE;
        }
        /* mkstemp's mode is masked by the umask; readers need 0644. */
        ok = fchmod(fd, 0644) == 0 && write(fd, content, len) == (ssize_t)len && fsync(fd) == 0;
        if (!ok) {
                int saved_errno = errno ? errno : EIO;

                close(fd);
                (void)unlink(tmp);
                g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved_errno), "cannot write %s: %s",
                            tmp, g_strerror(saved_errno));
                return FALSE;
        }
        close(fd);
        if (rename(tmp, path) < 0) {
                int saved_errno = errno;

                (void)unlink(tmp);
                g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved_errno),
                            "cannot rename %s to %s: %s", tmp, path, g_strerror(saved_errno));
                return FALSE;
        }
        *ret_changed = TRUE;
        return TRUE;
}

/* --- The verb ---------------------------------------------------------------- */

typedef struct {
        const char *path;
        char *content;
        /* "written", "unchanged" or "skipped" (its directory is absent). */
        const char *outcome;
} NvctlExportFile;

/* Writes @file, or skips it when its directory does not exist: that
 * directory belongs to the reader (node_exporter's package creates its
 * textfile directory, an NFD worker's deployment its features.d), and
 * without it the reader is not on this host, so the one timer serves
 * hosts with either or both. */
static int export_file(NvctlExportFile *file)
{
        g_autofree char *dir = g_path_get_dirname(file->path);
        g_autoptr(GError) error = NULL;
        gboolean changed;

        if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
                file->outcome = "skipped";
                return NVCTL_EXIT_SUCCESS;
        }
        if (!nvctl_export_write(file->path, file->content, &changed, &error))
                return nvctl_fail("Failed to write %s: %s.", file->path, error->message);
        file->outcome = changed ? "written" : "unchanged";
        return NVCTL_EXIT_SUCCESS;
}

static void print_outcomes(const NvctlOptions *options, const NvctlExportFile *files, size_t n_files)
{
        g_autoptr(JsonBuilder) builder = NULL;
        g_autoptr(JsonNode) root = NULL;

        if (!options->json) {
                for (size_t i = 0; i < n_files; i++) {
                        g_autofree char *dir = g_path_get_dirname(files[i].path);

                        if (g_str_equal(files[i].outcome, "skipped"))
                                printf("Skipped %s: %s does not exist.\n", files[i].path, dir);
                        else
                                printf("%s %s.\n",
                                       g_str_equal(files[i].outcome, "written") ? "Wrote" : "Unchanged",
                                       files[i].path);
                }
                return;
        }

        builder = json_builder_new();
        json_builder_begin_object(builder);
        json_builder_set_member_name(builder, "Files");
        json_builder_begin_array(builder);
        for (size_t i = 0; i < n_files; i++) {
                json_builder_begin_object(builder);
                json_builder_set_member_name(builder, "File");
                json_builder_add_string_value(builder, files[i].path);
                json_builder_set_member_name(builder, "Outcome");
                json_builder_add_string_value(builder, files[i].outcome);
                json_builder_end_object(builder);
        }
        json_builder_end_array(builder);
        json_builder_end_object(builder);
        root = json_builder_get_root(builder);
        nvctl_print_json(options, root);
}

int nvctl_export(const NvctlOptions *options, int argc, char **argv)
{
        g_autoptr(sd_bus) bus = NULL;
        g_auto(NvctlStatus) status = NVCTL_STATUS_INIT;
        NvctlExportFile files[2] = { { 0 } };
        size_t n_files = 0;
        int r;

        if (!options->prometheus_file && !options->nfd_file)
                return nvctl_usage_error("Nothing to export: give --prometheus=FILE, --nfd=FILE or both.");

        r = nvctl_status_connect_and_get(options, &bus, &status);
        if (r != NVCTL_EXIT_SUCCESS)
                return r;

        if (options->prometheus_file)
                files[n_files++] = (NvctlExportFile){ options->prometheus_file,
                                                      nvctl_export_prometheus(&status.props) };
        if (options->nfd_file)
                files[n_files++] = (NvctlExportFile){ options->nfd_file, nvctl_export_nfd(&status.props) };

        for (size_t i = 0; i < n_files && r == NVCTL_EXIT_SUCCESS; i++)
                r = export_file(&files[i]);
        if (r == NVCTL_EXIT_SUCCESS)
                print_outcomes(options, files, n_files);

        for (size_t i = 0; i < n_files; i++)
                g_free(files[i].content);
        return r;
}
