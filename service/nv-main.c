/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon's command line, shared by nestedvirtd and the test build that
 * runs it on a simulated kernel; they differ only in the kernel backend.
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#include "nv-daemon.h"
#include "nv-main.h"

int nv_daemon_main(int argc, char *argv[], NvKernelNewFunc kernel_new)
{
        g_autoptr(GOptionContext) context = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *root = NULL;
        g_autofree char *libvirt_uri = NULL;
        gint idle_timeout = 30;
        gboolean version = FALSE;
        const GOptionEntry entries[] = {
                { "root", 0, 0, G_OPTION_ARG_FILENAME, &root,
                  "Read and write the host tree below DIR instead of / (for tests and inspection)", "DIR" },
                { "idle-timeout", 0, 0, G_OPTION_ARG_INT, &idle_timeout,
                  "Exit after SECONDS without calls (default 30; 0 = never)", "SECONDS" },
                { "libvirt-uri", 0, 0, G_OPTION_ARG_STRING, &libvirt_uri,
                  "Manage the domains of libvirt connection URI (default qemu:///system)", "URI" },
                { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Show the version and exit", NULL },
                { NULL },
        };
        NvDaemonOptions options = { 0 };

        setlocale(LC_ALL, "");

        context = g_option_context_new(NULL);
        g_option_context_set_summary(
                context, "The org.example.NestedVirt system service: checks and enables KVM nested "
                         "virtualization.\nIt is started by D-Bus activation; running it by hand "
                         "is for debugging.");
        g_option_context_add_main_entries(context, entries, NULL);
        if (!g_option_context_parse(context, &argc, &argv, &error)) {
                fprintf(stderr, "%s: %s\nTry '%s --help'.\n", g_get_prgname(), error->message,
                        g_get_prgname());
                return 2;
        }
        if (argc > 1) {
                fprintf(stderr, "%s: unexpected argument '%s'\nTry '%s --help'.\n", g_get_prgname(), argv[1],
                        g_get_prgname());
                return 2;
        }
        if (version) {
                printf("nestedvirtd %s\n", PACKAGE_VERSION);
                return 0;
        }
        if (idle_timeout < 0) {
                fprintf(stderr, "%s: --idle-timeout must be 0 or more seconds, not %d\n", g_get_prgname(),
                        idle_timeout);
                return 2;
        }
        if (root && !g_path_is_absolute(root)) {
                g_autofree char *cwd = g_get_current_dir();
                char *absolute = g_build_filename(cwd, root, NULL);

                g_free(root);
                root = absolute;
        }
        if (root && !g_file_test(root, G_FILE_TEST_IS_DIR)) {
                fprintf(stderr, "%s: --root: %s is not a directory\n", g_get_prgname(), root);
                return 2;
        }

        options.root = root ? root : "/";
        options.idle_timeout = (guint)idle_timeout;
        options.kernel_new = kernel_new;
        options.libvirt_uri = libvirt_uri ? libvirt_uri : "qemu:///system";
        return nv_daemon_run(&options);
}
