/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The scan of /proc for the holders of /dev/kvm (nv-kvm-users.h).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "nv-kvm-users.h"

/* A comm is at most 16 bytes (TASK_COMM_LEN) and its line end. */
#define COMM_MAX 64

static gboolean fd_target_is_kvm(const char *target)
{
        return g_str_equal(target, "/dev/kvm") || g_str_has_prefix(target, "anon_inode:kvm-vm") ||
               g_str_has_prefix(target, "anon_inode:kvm-vcpu");
}

static gboolean process_holds_kvm(int proc_fd, const char *pid)
{
        g_autofree char *fd_dir = g_build_filename(pid, "fd", NULL);
        gboolean found = FALSE;
        struct dirent *de;
        DIR *d;
        int dfd;

        dfd = openat(proc_fd, fd_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return FALSE;
        d = fdopendir(dfd);
        if (!d) {
                close(dfd);
                return FALSE;
        }
        while (!found && (de = readdir(d))) {
                char target[64];
                ssize_t n;

                if (de->d_name[0] == '.')
                        continue;
                n = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);
                if (n <= 0)
                        continue;
                target[n] = '\0';
                found = fd_target_is_kvm(target);
        }
        closedir(d);
        return found;
}

/* /proc/PID/comm without its line end; "" when it cannot be read (the
 * process ended since). */
static char *read_comm(int proc_fd, const char *pid)
{
        g_autofree char *path = g_build_filename(pid, "comm", NULL);
        char buf[COMM_MAX];
        ssize_t n;
        int fd;

        fd = openat(proc_fd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return g_strdup("");
        do
                n = read(fd, buf, sizeof(buf) - 1);
        while (n < 0 && errno == EINTR);
        close(fd);
        if (n <= 0)
                return g_strdup("");
        buf[n] = '\0';
        buf[strcspn(buf, "\n")] = '\0';
        return g_strdup(buf);
}

static gint compare_users(gconstpointer a, gconstpointer b)
{
        const NvModuleUser *x = a, *y = b;

        return (x->pid > y->pid) - (x->pid < y->pid);
}

GArray *nv_kvm_users_scan(const char *proc_dir, GError **error)
{
        g_autoptr(GArray) users = NULL;
        struct dirent *de;
        DIR *d;

        d = opendir(proc_dir);
        if (!d) {
                int errsv = errno;

                g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errsv), "Cannot list %s: %s",
                            proc_dir, g_strerror(errsv));
                return NULL;
        }
        users = nv_module_users_new();
        while ((de = readdir(d))) {
                guint64 pid;
                NvModuleUser user;

                if (!g_ascii_string_to_unsigned(de->d_name, 10, 1, G_MAXUINT32, &pid, NULL))
                        continue;
                if (!process_holds_kvm(dirfd(d), de->d_name))
                        continue;
                user.pid = (guint32)pid;
                user.command = read_comm(dirfd(d), de->d_name);
                g_array_append_val(users, user);
        }
        closedir(d);

        g_array_sort(users, compare_users);
        return g_steal_pointer(&users);
}
