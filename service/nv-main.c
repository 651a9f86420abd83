/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon's command line and environment, shared by nestedvirtd and
 * the test build that runs it on a simulated kernel; they differ only in
 * the kernel backend.
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#include "nv-call-queue.h"
#include "nv-daemon.h"
#include "nv-env.h"
#include "nv-kvm-users.h"
#include "nv-main.h"

/* How long a domain call waits for libvirt: below the 25 s a D-Bus client
 * waits by default, so that the caller hears why. */
#define NV_LIBVIRT_TIMEOUT_MSEC 20000

/* How often a reload that waits for the module to be free looks at it. */
#define NV_WHEN_IDLE_POLL_MSEC 500

/* The tunables of nestedvirtd(8)'s ENVIRONMENT: tests shorten them. */
static void options_from_environment(NvDaemonOptions *options)
{
        options->libvirt_timeout_msec =
                (guint)nv_env_get_number("NESTEDVIRTD_LIBVIRT_TIMEOUT_MSEC", 1, 3600 * 1000, "milliseconds",
                                         NV_LIBVIRT_TIMEOUT_MSEC, NULL);
        options->kvm_users_max_age_usec =
                1000 * nv_env_get_number("NESTEDVIRTD_KVM_USERS_MAX_AGE_MSEC", 0, 3600 * 1000,
                                         "milliseconds", NV_KVM_USERS_MAX_AGE_USEC / 1000,
                                         &options->kvm_users_max_age_fixed);
        options->when_idle_poll_msec =
                (guint)nv_env_get_number("NESTEDVIRTD_WHEN_IDLE_POLL_MSEC", 10, 60 * 1000, "milliseconds",
                                         NV_WHEN_IDLE_POLL_MSEC, NULL);
        options->user_calls_per_sec =
                (guint)nv_env_get_number("NESTEDVIRTD_USER_CALLS_PER_SEC", 1, 1000000, "calls a second",
                                         NV_CALL_QUEUE_USER_RATE, NULL);
}

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

        /* What a daemon needs of the locale: the language of its
         * messages and the character set they are written in. Numbers,
         * collation and dates stay C, and the start does not load a
         * dozen locale files (glibc's C.UTF-8 has one per category). */
        setlocale(LC_CTYPE, "");
        setlocale(LC_MESSAGES, "");

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
        options_from_environment(&options);
        return nv_daemon_run(&options);
}
