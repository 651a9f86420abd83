/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The scan of /proc for the holders of /dev/kvm, the helper's answer on
 * the wire, and the daemon's query of the helper (nv-kvm-users.h).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include "nv-errno.h"
#include "nv-kvm-users.h"

/* A comm is at most 16 bytes (TASK_COMM_LEN) and its line end. */
#define COMM_MAX 64
/* QEMU's command line with libvirt's options runs to a few KiB; -name
 * comes early. */
#define CMDLINE_MAX (64 * 1024)

/* /dev/kvm is the misc device KVM_MINOR (include/linux/miscdevice.h). */
#define KVM_DEVICE_MAJOR 10
#define KVM_DEVICE_MINOR 232

/* A descriptor whose link reads "/dev/kvm" may be any file of that name
 * in the process's own mount namespace (a tmpfs on /dev in a user
 * namespace): with @check_device only the device itself counts. The
 * kernel's anonymous inodes cannot be named by a file, whose links always
 * start with '/'. */
static gboolean fd_is_kvm(int fd_dir, const char *name, const char *target, gboolean check_device)
{
        struct stat st;

        if (g_str_has_prefix(target, "anon_inode:kvm-vm") || g_str_has_prefix(target, "anon_inode:kvm-vcpu"))
                return TRUE;
        if (!g_str_equal(target, "/dev/kvm"))
                return FALSE;
        if (!check_device)
                return TRUE;
        return fstatat(fd_dir, name, &st, 0) == 0 && S_ISCHR(st.st_mode) &&
               major(st.st_rdev) == KVM_DEVICE_MAJOR && minor(st.st_rdev) == KVM_DEVICE_MINOR;
}

/* 1: @pid holds /dev/kvm, 0: it does not or it ended, -errno: its
 * descriptors cannot be looked at. */
static int process_holds_kvm(int proc_fd, const char *pid, gboolean check_device)
{
        g_autofree char *fd_dir = g_build_filename(pid, "fd", NULL);
        gboolean found = FALSE;
        struct dirent *de;
        DIR *d;
        int dfd;

        dfd = openat(proc_fd, fd_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return errno == EACCES || errno == EPERM ? -errno : 0;
        d = fdopendir(dfd);
        if (!d) {
                close(dfd);
                return 0;
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
                found = fd_is_kvm(dirfd(d), de->d_name, target, check_device);
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

/* The name QEMU's "-name" gives the guest: "-name NAME[,opt=...]" or
 * "-name guest=NAME[,...]" (libvirt's form), where ",," stands for a
 * comma in the name. */
static char *qemu_name_option(const char *value)
{
        g_autoptr(GString) name = g_string_new(NULL);
        const char *p = g_str_has_prefix(value, "guest=") ? value + strlen("guest=") : value;

        /* Without "guest=", a first field with '=' is an option, not a
         * name. */
        if (p == value) {
                const char *comma = strchr(value, ',');
                const char *equal = strchr(value, '=');

                if (equal && (!comma || equal < comma))
                        return NULL;
        }
        for (; *p; p++) {
                if (*p == ',') {
                        if (p[1] != ',')
                                break;
                        p++;
                }
                g_string_append_c(name, *p);
        }
        return name->len > 0 ? g_string_free(g_steal_pointer(&name), FALSE) : NULL;
}

char *nv_kvm_users_guest_name(const char *cmdline, gsize len)
{
        g_autofree char *copy = g_malloc(len + 1);
        const char *end = copy + len;
        const char *arg = copy;
        g_autofree char *argv0 = NULL;

        /* Arguments end with NUL; a cut last one ends with ours. */
        memcpy(copy, cmdline, len);
        copy[len] = '\0';
        /* Only QEMU's own -name: another program may take an option of
         * that name for something else. */
        argv0 = g_path_get_basename(copy);
        if (!g_str_has_prefix(argv0, "qemu"))
                return NULL;
        while (arg < end) {
                const char *next = arg + strlen(arg) + 1;

                if ((g_str_equal(arg, "-name") || g_str_equal(arg, "--name")) && next < end)
                        return qemu_name_option(next);
                if (g_str_has_prefix(arg, "-name=") || g_str_has_prefix(arg, "--name="))
                        return qemu_name_option(strchr(arg, '=') + 1);
                arg = next;
        }
        return NULL;
}

/* The guest @pid runs, from its command line; NULL for none. */
static char *read_guest_name(int proc_fd, const char *pid)
{
        g_autofree char *path = g_build_filename(pid, "cmdline", NULL);
        g_autofree char *buf = g_malloc(CMDLINE_MAX);
        gsize len = 0;
        int fd;

        fd = openat(proc_fd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return NULL;
        while (len < CMDLINE_MAX) {
                ssize_t n = read(fd, buf + len, CMDLINE_MAX - len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                len += (gsize)n;
        }
        close(fd);
        return len > 0 ? nv_kvm_users_guest_name(buf, len) : NULL;
}

static gint compare_users(gconstpointer a, gconstpointer b)
{
        const NvModuleUser *x = a, *y = b;

        return (x->pid > y->pid) - (x->pid < y->pid);
}

GArray *nv_kvm_users_scan(const char *proc_dir, NvKvmUsersScanFlags flags, guint *ret_n_unreadable,
                          GError **error)
{
        guint n_unreadable = 0;
        g_autoptr(GArray) users = NULL;
        struct dirent *de;
        DIR *d;

        d = opendir(proc_dir);
        if (!d) {
                nv_errno_error_set(error, errno, "Cannot list %s", proc_dir);
                return NULL;
        }
        users = nv_module_users_new();
        while ((de = readdir(d))) {
                guint64 pid;
                NvModuleUser user = { 0 };
                struct stat st;
                int r;

                if (!g_ascii_string_to_unsigned(de->d_name, 10, 1, G_MAXUINT32, &pid, NULL))
                        continue;
                r = process_holds_kvm(dirfd(d), de->d_name, flags & NV_KVM_USERS_SCAN_CHECK_DEVICE);
                if (r < 0)
                        n_unreadable++;
                if (r <= 0 || fstatat(dirfd(d), de->d_name, &st, 0) < 0)
                        continue;
                user.pid = (guint32)pid;
                user.uid = (guint32)st.st_uid;
                user.command = read_comm(dirfd(d), de->d_name);
                user.machine = read_guest_name(dirfd(d), de->d_name);
                g_array_append_val(users, user);
        }
        closedir(d);

        g_array_sort(users, compare_users);
        if (ret_n_unreadable)
                *ret_n_unreadable = n_unreadable;
        return g_steal_pointer(&users);
}

/* ---- The answer on the wire ------------------------------------------- */

/* clang-format off */
G_DEFINE_QUARK(nv-kvm-users-error-quark, nv_kvm_users_error)
/* clang-format on */

#define RECORD_END "end"

/* The records of one holder: "u", and "m" when it names a machine. */
static void append_user(GByteArray *out, const NvModuleUser *u)
{
        g_autofree char *record = g_strdup_printf("u %" G_GUINT32_FORMAT " %" G_GUINT32_FORMAT " %s", u->pid,
                                                  u->uid, u->command ? u->command : "");

        g_byte_array_append(out, (const guint8 *)record, strlen(record) + 1);
        if (u->machine && *u->machine) {
                g_autofree char *machine = g_strdup_printf("m %s", u->machine);

                g_byte_array_append(out, (const guint8 *)machine, strlen(machine) + 1);
        }
}

GBytes *nv_kvm_users_format(const GArray *users, guint n_unexamined, const GError *error)
{
        g_autoptr(GByteArray) out = g_byte_array_new();
        g_autoptr(GByteArray) one = g_byte_array_new();
        /* The "n" record, the final "end", and their NULs. */
        const gsize tail = sizeof("n 4294967295") + sizeof(RECORD_END);

        for (guint i = 0; users && i < users->len; i++) {
                g_byte_array_set_size(one, 0);
                append_user(one, &g_array_index(users, NvModuleUser, i));
                if (out->len + one->len + tail > NV_KVM_USERS_WIRE_MAX) {
                        g_autofree char *message =
                                g_strdup_printf("%u holders of /dev/kvm do not fit in an answer of %d bytes",
                                                users->len, NV_KVM_USERS_WIRE_MAX);
                        g_autoptr(GError) too_many =
                                g_error_new_literal(NV_KVM_USERS_ERROR, NV_KVM_USERS_ERROR_SCAN, message);

                        return nv_kvm_users_format(NULL, 0, too_many);
                }
                g_byte_array_append(out, one->data, one->len);
        }
        if (users && n_unexamined > 0) {
                g_autofree char *record = g_strdup_printf("n %u", n_unexamined);

                g_byte_array_append(out, (const guint8 *)record, strlen(record) + 1);
        }
        if (!users) {
                g_autofree char *record = g_strdup_printf(
                        "e %s", error ? error->message : "The holders of /dev/kvm are unknown");

                g_byte_array_append(out, (const guint8 *)record, strlen(record) + 1);
        }
        g_byte_array_append(out, (const guint8 *)RECORD_END, sizeof(RECORD_END));
        return g_byte_array_free_to_bytes(g_steal_pointer(&out));
}

/* At most the first 32 bytes of @record (@len bytes), escaped, for a
 * message. */
static char *quote_record(const char *record, gsize len)
{
        g_autofree char *head = g_strndup(record, MIN(len, 32));
        g_autofree char *escaped = g_strescape(head, NULL);

        return g_strdup_printf("\"%s\"%s", escaped, len > 32 ? "..." : "");
}

static gboolean G_GNUC_PRINTF(2, 3) malformed(GError **error, const char *format, ...)
{
        g_autofree char *message = NULL;
        va_list ap;

        va_start(ap, format);
        message = g_strdup_vprintf(format, ap);
        va_end(ap);
        g_set_error(error, NV_KVM_USERS_ERROR, NV_KVM_USERS_ERROR_MALFORMED,
                    "Malformed answer from the scan "
                    "helper: %s",
                    message);
        return FALSE;
}

/* A number at the start of @text (@len bytes) as the format writes it:
 * decimal, without sign or leading zero, up to @end (a space, or the end
 * of the record when @end is NULL), from @min to G_MAXUINT32. Returns
 * where it stops, or NULL. */
static const char *parse_number(const char *text, gsize len, gboolean to_space, guint64 min, guint32 *ret)
{
        const char *stop = to_space ? memchr(text, ' ', len) : text + len;
        g_autofree char *digits = NULL;
        guint64 value;

        if (!stop || stop == text || stop - text > 10 || (text[0] == '0' && stop - text > 1))
                return NULL;
        digits = g_strndup(text, stop - text);
        for (const char *p = digits; *p; p++)
                if (!g_ascii_isdigit(*p))
                        return NULL;
        if (!g_ascii_string_to_unsigned(digits, 10, min, G_MAXUINT32, &value, NULL))
                return NULL;
        *ret = (guint32)value;
        return stop;
}

/* "PID UID COMM" after the "u ": the numbers as the format writes them. */
static gboolean parse_user(const char *text, gsize len, NvModuleUser *ret)
{
        const char *end = text + len;
        const char *p;

        p = parse_number(text, len, TRUE, 1, &ret->pid);
        if (p)
                p = parse_number(p + 1, end - (p + 1), TRUE, 0, &ret->uid);
        if (!p)
                return FALSE;
        ret->command = g_strndup(p + 1, end - (p + 1));
        return TRUE;
}

GArray *nv_kvm_users_parse(const char *data, gsize len, guint *ret_n_unexamined, GError **error)
{
        g_autoptr(GArray) users = nv_module_users_new();
        g_autofree char *scan_error = NULL;
        gboolean ended = FALSE;
        gboolean counted = FALSE;     /* "n" came: only "end" may follow */
        gboolean machine_due = FALSE; /* a "u" came: an "m" may follow */
        guint32 n_unexamined = 0;
        gsize pos = 0;

        if (len > NV_KVM_USERS_WIRE_MAX) {
                malformed(error, "%" G_GSIZE_FORMAT " bytes, more than %d", len, NV_KVM_USERS_WIRE_MAX);
                return NULL;
        }
        while (pos < len) {
                const char *record = data + pos;
                const char *nul = memchr(record, '\0', len - pos);
                gsize n;

                if (ended) {
                        malformed(error, "%" G_GSIZE_FORMAT " bytes after the end", len - pos);
                        return NULL;
                }
                if (!nul) {
                        g_autofree char *quoted = quote_record(record, len - pos);

                        malformed(error, "it stops in the middle of a record, at %s", quoted);
                        return NULL;
                }
                n = nul - record;
                pos += n + 1;
                if (n == strlen(RECORD_END) && memcmp(record, RECORD_END, n) == 0) {
                        ended = TRUE;
                } else if (n >= 2 && record[0] == 'u' && record[1] == ' ' && !scan_error && !counted) {
                        NvModuleUser user = { 0 };

                        if (!parse_user(record + 2, n - 2, &user)) {
                                g_autofree char *quoted = quote_record(record, n);

                                malformed(error, "bad holder record %s", quoted);
                                return NULL;
                        }
                        g_array_append_val(users, user);
                        machine_due = TRUE;
                        continue;
                } else if (n > 2 && record[0] == 'm' && record[1] == ' ' && machine_due) {
                        g_array_index(users, NvModuleUser, users->len - 1).machine =
                                g_strndup(record + 2, n - 2);
                } else if (n > 2 && record[0] == 'n' && record[1] == ' ' && !scan_error && !counted &&
                           parse_number(record + 2, n - 2, FALSE, 1, &n_unexamined)) {
                        counted = TRUE;
                } else if (n >= 2 && record[0] == 'e' && record[1] == ' ' && users->len == 0 &&
                           !scan_error && !counted) {
                        scan_error = g_strndup(record + 2, n - 2);
                } else {
                        g_autofree char *quoted = quote_record(record, n);

                        malformed(error, "unexpected record %s", quoted);
                        return NULL;
                }
                machine_due = FALSE;
        }
        if (!ended) {
                malformed(error, "it ends without its end record, after %" G_GSIZE_FORMAT " bytes", len);
                return NULL;
        }
        if (scan_error) {
                g_set_error(error, NV_KVM_USERS_ERROR, NV_KVM_USERS_ERROR_SCAN, "The scan helper failed: %s",
                            scan_error);
                return NULL;
        }
        g_array_sort(users, compare_users);
        for (guint i = 1; i < users->len; i++) {
                guint32 pid = g_array_index(users, NvModuleUser, i).pid;

                if (pid == g_array_index(users, NvModuleUser, i - 1).pid) {
                        malformed(error, "pid %" G_GUINT32_FORMAT " twice", pid);
                        return NULL;
                }
        }
        if (ret_n_unexamined)
                *ret_n_unexamined = n_unexamined;
        return g_steal_pointer(&users);
}

/* ---- The daemon's query ----------------------------------------------- */

/* Reads @fd to its end, at most NV_KVM_USERS_WIRE_MAX + 1 bytes (one more
 * than the parser takes, so that it sees an answer too long), until
 * @deadline (g_get_monotonic_time()). */
static GByteArray *read_answer(int fd, const char *socket_path, gint64 deadline, guint timeout_msec,
                               GError **error)
{
        g_autoptr(GByteArray) answer = g_byte_array_new();
        guint8 buf[16 * 1024];

        for (;;) {
                gint64 left_usec = deadline - g_get_monotonic_time();
                struct pollfd pfd = { .fd = fd, .events = POLLIN };
                ssize_t n;
                int r;

                if (left_usec <= 0) {
                        g_set_error(error, NV_KVM_USERS_ERROR, NV_KVM_USERS_ERROR_TIMEOUT,
                                    "The scan helper at %s did not answer within %u ms", socket_path,
                                    timeout_msec);
                        return NULL;
                }
                r = poll(&pfd, 1, (int)((left_usec + 999) / 1000));
                /* Nothing yet: the deadline is checked above. */
                if (r == 0 || (r < 0 && errno == EINTR))
                        continue;
                if (r < 0) {
                        nv_errno_error_set(error, errno, "Cannot wait for the scan helper at %s",
                                           socket_path);
                        return NULL;
                }
                n = read(fd, buf, MIN(sizeof(buf), NV_KVM_USERS_WIRE_MAX + 1 - answer->len));
                if (n < 0 && (errno == EINTR || errno == EAGAIN))
                        continue;
                if (n < 0) {
                        nv_errno_error_set(error, errno, "Cannot read the answer of the scan helper at %s",
                                           socket_path);
                        return NULL;
                }
                if (n == 0)
                        return g_steal_pointer(&answer);
                g_byte_array_append(answer, buf, (guint)n);
                if (answer->len > NV_KVM_USERS_WIRE_MAX)
                        return g_steal_pointer(&answer); /* the parser refuses it */
        }
}

GArray *nv_kvm_users_query(const char *socket_path, guint *ret_n_unexamined, GError **error)
{
        return nv_kvm_users_query_timeout(socket_path, NV_KVM_USERS_QUERY_TIMEOUT_MSEC, ret_n_unexamined,
                                          error);
}

GArray *nv_kvm_users_query_timeout(const char *socket_path, guint timeout_msec, guint *ret_n_unexamined,
                                   GError **error)
{
        gint64 deadline = g_get_monotonic_time() + timeout_msec * G_GINT64_CONSTANT(1000);
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        const struct timeval timeout = { .tv_sec = timeout_msec / 1000,
                                         .tv_usec = timeout_msec % 1000 * 1000 };
        g_autoptr(GByteArray) answer = NULL;
        int fd, errsv;

        if (strlen(socket_path) >= sizeof(sa.sun_path)) {
                g_set_error(error, NV_ERRNO_ERROR, ENAMETOOLONG,
                            "The scan helper's socket path %s is too long", socket_path);
                return NULL;
        }
        strcpy(sa.sun_path, socket_path);

        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
                nv_errno_error_set(error, errno, "Cannot create a socket");
                return NULL;
        }
        /* connect() waits while the listener's backlog is full: bounded
         * too. */
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
        if (connect(fd, (const struct sockaddr *)&sa, sizeof(sa)) < 0) {
                errsv = errno;
                close(fd);
                nv_errno_error_set(error, errsv, "Cannot connect to the scan helper at %s", socket_path);
                return NULL;
        }
        /* We ask nothing: the helper reads nothing either. */
        (void)shutdown(fd, SHUT_WR);
        answer = read_answer(fd, socket_path, deadline, timeout_msec, error);
        close(fd);
        if (!answer)
                return NULL;
        return nv_kvm_users_parse((const char *)answer->data, answer->len, ret_n_unexamined, error);
}
