/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nestedvirtd-kvm-users: names the processes that hold /dev/kvm, for
 * nestedvirtd's ListModuleUsers(). Reading another user's /proc/PID/fd takes
 * CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH; this helper has them so that
 * the daemon does not. nestedvirtd-kvm-users.socket starts one per
 * connection (Accept=yes), with the connection as standard input and
 * output: it scans /proc, writes the answer (nv-kvm-users.h) and exits.
 *
 * It reads nothing from the connection: the caller cannot choose what is
 * scanned, and gets the same answer whatever it sends. Its messages go to
 * standard error (the journal).
 */
#include "config.h"

#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "nv-kvm-users.h"

static gboolean write_all(int fd, const guint8 *data, gsize len, int *ret_errno)
{
        while (len > 0) {
                ssize_t n = write(fd, data, len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        *ret_errno = errno;
                        return FALSE;
                }
                data += n;
                len -= (gsize)n;
        }
        return TRUE;
}

static void usage(FILE *out)
{
        fprintf(out,
                "Usage: %s [--proc=DIR] [--version]\n"
                "Writes the processes holding /dev/kvm to standard output, for nestedvirtd.\n"
                "Started by nestedvirtd-kvm-users.socket, one per connection.\n\n"
                "  --proc=DIR   scan DIR instead of /proc (for tests)\n"
                "  --version    show the version and exit\n",
                g_get_prgname());
}

int main(int argc, char *argv[])
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GArray) users = NULL;
        guint n_unreadable = 0;
        g_autoptr(GBytes) answer = NULL;
        const char *proc = "/proc";
        const guint8 *data;
        gsize len;
        int errsv = 0;

        setlocale(LC_ALL, "");
        g_set_prgname("nestedvirtd-kvm-users");
        for (int i = 1; i < argc; i++) {
                if (g_str_has_prefix(argv[i], "--proc=") && argv[i][strlen("--proc=")]) {
                        proc = argv[i] + strlen("--proc=");
                } else if (g_str_equal(argv[i], "--version")) {
                        printf("nestedvirtd-kvm-users %s\n", PACKAGE_VERSION);
                        return 0;
                } else if (g_str_equal(argv[i], "--help") || g_str_equal(argv[i], "-h")) {
                        usage(stdout);
                        return 0;
                } else {
                        fprintf(stderr, "%s: unexpected argument '%s'\n", g_get_prgname(), argv[i]);
                        usage(stderr);
                        return 2;
                }
        }

        /* A caller that hangs up early costs an EPIPE, not a signal. */
        signal(SIGPIPE, SIG_IGN);

        /* The real /proc holds the real device; a test's tree has links. */
        users = nv_kvm_users_scan(proc, g_str_equal(proc, "/proc") ? NV_KVM_USERS_SCAN_CHECK_DEVICE : 0,
                                  &n_unreadable, &error);
        if (!users)
                fprintf(stderr, "%s: %s\n", g_get_prgname(), error->message);
        else if (n_unreadable > 0)
                fprintf(stderr,
                        "%s: the descriptors of %u processes could not be looked at (is "
                        "CAP_SYS_PTRACE missing?); the answer leaves them out\n",
                        g_get_prgname(), n_unreadable);
        answer = nv_kvm_users_format(users, n_unreadable, error);
        data = g_bytes_get_data(answer, &len);
        if (!write_all(STDOUT_FILENO, data, len, &errsv)) {
                fprintf(stderr, "%s: cannot write the answer: %s\n", g_get_prgname(), g_strerror(errsv));
                return 1;
        }
        return 0;
}
