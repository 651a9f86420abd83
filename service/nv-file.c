/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Bounded reads of the host's files, and safe reads and atomic replacement
 * of the daemon's configuration file (see nv-file.h). Both read through
 * one bounded loop. Every open of the configuration file's path uses
 * O_NOFOLLOW relative to a directory descriptor that was itself opened
 * with O_NOFOLLOW, so a symlink planted at the file or at the directory is
 * refused, not written through.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nv-file.h"

static void close_fd(int *fd)
{
        if (*fd >= 0)
                close(*fd);
        *fd = -1;
}

#define nv_auto_fd __attribute__((cleanup(close_fd)))

/* Sets "WHAT PATH: strerror" and returns FALSE. */
static gboolean set_errno_error(GError **error, int err, const char *what, const char *path)
{
        return nv_errno_error_set(error, err, "%s %s", what, path);
}

static gboolean set_dir_error(GError **error, int err, const char *dir)
{
        if (err == ELOOP || err == ENOTDIR) {
                g_set_error(error, NV_ERRNO_ERROR, ENOTDIR,
                            "%s is not a directory (a symlink?); refusing to use it", dir);
                return FALSE;
        }
        return set_errno_error(error, err, "Cannot open directory", dir);
}

/* Opens @dir itself without following a symlink there; -errno on failure. */
static int open_dir_nofollow(const char *dir)
{
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

        return fd >= 0 ? fd : -errno;
}

/* What @mode is, for a message that refuses it: "a socket". */
static const char *file_type_name(mode_t mode)
{
        switch (mode & S_IFMT) {
        case S_IFDIR:
                return "a directory";
        case S_IFSOCK:
                return "a socket";
        case S_IFIFO:
                return "a FIFO";
        case S_IFCHR:
                return "a character device";
        case S_IFBLK:
                return "a block device";
        case S_IFLNK:
                return "a symbolic link";
        default:
                return "something";
        }
}

static gboolean check_regular_stat(const struct stat *st, const char *path, GError **error)
{
        if (!S_ISREG(st->st_mode)) {
                g_set_error(error, NV_ERRNO_ERROR, S_ISDIR(st->st_mode) ? EISDIR : EBADFD,
                            "%s is %s, not a regular file; refusing to touch it", path,
                            file_type_name(st->st_mode));
                return FALSE;
        }
        /* Replacing one name of a hard-linked file would silently split it
         * from the others, and reading it would read someone else's file. */
        if (st->st_nlink > 1) {
                g_set_error(error, NV_ERRNO_ERROR, EMLINK, "%s has %ju hard links; refusing to touch it",
                            path, (uintmax_t)st->st_nlink);
                return FALSE;
        }
        return TRUE;
}

static gboolean check_regular(int fd, const char *path, GError **error)
{
        struct stat st;

        if (fstat(fd, &st) < 0)
                return set_errno_error(error, errno, "Cannot stat", path);
        return check_regular_stat(&st, path, error);
}

/*
 * Opens @name in @dfd for reading without following a symlink there, and
 * makes sure it is a file we may read and replace. A missing file gives TRUE
 * and *ret_fd = -1. Some files cannot even be opened (a socket gives ENXIO,
 * "No such device or address"): those are named for what they are.
 */
static gboolean open_regular(int dfd, const char *name, const char *path, int *ret_fd, GError **error)
{
        int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
        struct stat st;
        int err;

        *ret_fd = -1;
        if (fd < 0 && errno == ENOENT)
                return TRUE;
        if (fd < 0 && errno == ELOOP) {
                g_set_error(error, NV_ERRNO_ERROR, ELOOP, "%s is a symbolic link; refusing to follow it",
                            path);
                return FALSE;
        }
        if (fd < 0) {
                err = errno;
                if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode))
                        return check_regular_stat(&st, path, error);
                return set_errno_error(error, err, "Cannot open", path);
        }
        if (!check_regular(fd, path, error)) {
                close(fd);
                return FALSE;
        }
        *ret_fd = fd;
        return TRUE;
}

/* Whether the complete lines read so far (@len bytes, the last one ending
 * in a newline) hold a first line: any complete line does. */
static gboolean has_first_line(const char *text, gsize len, gpointer user_data)
{
        return len > 0;
}

/* Reads @fd to its end, or until @enough (when not NULL) says that the
 * complete lines read so far are all its caller needs, but never more than
 * @max + 1 bytes: 0, -errno, or -EFBIG when what was asked for is longer
 * than @max (then @ret holds its first @max bytes). The buffer grows as
 * the file does, so that a small file costs a small buffer whatever @max
 * is, and a sysfs attribute one read(). With @short_read_ends, a read that
 * returns less than it asked for is taken for the end, as it is in a
 * regular file: the read that would return 0 is saved. */
static int read_fd_bounded(int fd, gsize max, gboolean short_read_ends, NvFileEnoughFunc enough,
                           gpointer user_data, char **ret, gsize *ret_len)
{
        g_autofree char *buf = NULL;
        gsize len = 0, size = 0;
        gboolean stopped = FALSE;
        int r;

        *ret = NULL;
        for (;;) {
                ssize_t n;
                const char *newline;

                if (len == size) {
                        if (size > max)
                                break;
                        size = MIN(MAX(size * 2, 4096), max + 1);
                        buf = g_realloc(buf, size + 1);
                }
                n = read(fd, buf + len, size - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                len += (gsize)n;
                if (short_read_ends && len < size)
                        break;
                if (!enough || !memrchr(buf + len - n, '\n', (gsize)n))
                        continue;
                newline = memrchr(buf, '\n', len);
                if (enough(buf, (gsize)(newline - buf) + 1, user_data)) {
                        stopped = TRUE;
                        break;
                }
        }

        r = len > max && !stopped ? -EFBIG : 0;
        len = MIN(len, max);
        buf[len] = '\0';
        *ret = g_steal_pointer(&buf);
        if (ret_len)
                *ret_len = len;
        return r;
}

static int read_path_bounded(const char *path, gsize max, NvFileEnoughFunc enough, gpointer user_data,
                             char **ret, gsize *ret_len)
{
        nv_auto_fd int fd = -1;

        *ret = NULL;
        /* O_NONBLOCK: a FIFO planted at a host path must not hang the
         * daemon's main loop. */
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        return read_fd_bounded(fd, max, FALSE, enough, user_data, ret, ret_len);
}

int nv_file_read_bounded_at(int dfd, const char *name, gsize max, char **ret, gsize *ret_len)
{
        nv_auto_fd int fd = -1;

        *ret = NULL;
        fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        return read_fd_bounded(fd, max, TRUE, NULL, NULL, ret, ret_len);
}

int nv_file_read_bounded(const char *path, gsize max, char **ret, gsize *ret_len)
{
        return read_path_bounded(path, max, NULL, NULL, ret, ret_len);
}

int nv_file_read_until(const char *path, gsize max, NvFileEnoughFunc enough, gpointer user_data, char **ret,
                       gsize *ret_len)
{
        return read_path_bounded(path, max, enough, user_data, ret, ret_len);
}

int nv_file_read_first_line(const char *path, gsize max, char **ret)
{
        gsize len = 0;
        const char *newline;
        int r;

        r = read_path_bounded(path, max, has_first_line, NULL, ret, &len);
        if (r == -EFBIG || r < 0)
                return r;
        newline = memchr(*ret, '\n', len);
        if (newline)
                (*ret)[newline - *ret] = '\0';
        return 0;
}

int nv_file_scan_lines(const char *path, gsize max, NvFileLineFunc func, gpointer user_data)
{
        nv_auto_fd int fd = -1;
        g_autofree char *buf = g_malloc(NV_FILE_LINE_MAX);
        gsize len = 0, total = 0;
        gboolean skipping = FALSE; /* the rest of a line longer than the buffer */

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        for (;;) {
                const char *p = buf, *end, *newline;
                ssize_t n = read(fd, buf + len, NV_FILE_LINE_MAX - len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0) {
                        /* A last line without a newline is a line too. */
                        if (len > 0 && !skipping && !func(buf, len, user_data))
                                return 1;
                        return 0;
                }
                total += (gsize)n;
                len += (gsize)n;
                end = buf + len;
                while ((newline = memchr(p, '\n', (size_t)(end - p)))) {
                        if (!skipping && !func(p, (gsize)(newline - p), user_data))
                                return 1;
                        skipping = FALSE;
                        p = newline + 1;
                }
                if (p == buf && len == NV_FILE_LINE_MAX) {
                        /* One line fills the buffer: its start is all that
                         * is passed on. */
                        if (!skipping && !func(buf, len, user_data))
                                return 1;
                        skipping = TRUE;
                        p = end;
                }
                len = (gsize)(end - p);
                memmove(buf, p, len);
                if (total > max)
                        return -EFBIG;
        }
}

static gboolean read_fd(int fd, const char *path, gsize max, char **ret, gsize *ret_len, GError **error)
{
        g_autofree char *buf = NULL;
        const char *nul;
        gsize len = 0;
        int r;

        r = read_fd_bounded(fd, max, FALSE, NULL, NULL, &buf, &len);
        if (r == -EFBIG) {
                g_set_error(error, NV_ERRNO_ERROR, EFBIG,
                            "%s is larger than %" G_GSIZE_FORMAT " bytes; refusing to edit it", path, max);
                return FALSE;
        }
        if (r < 0)
                return set_errno_error(error, -r, "Cannot read", path);
        /* kmod reads each line as a C string, so a NUL byte makes a file
         * say something else to it than its bytes do, and no edit can be
         * both faithful to the bytes and to what kmod reads. */
        nul = memchr(buf, '\0', len);
        if (nul) {
                gsize offset = (gsize)(nul - buf);
                guint line = 1;

                for (gsize i = 0; i < offset; i++)
                        line += buf[i] == '\n';
                g_set_error(error, NV_ERRNO_ERROR, EILSEQ,
                            "%s holds a NUL byte (line %u, byte %" G_GSIZE_FORMAT
                            "), so it is not a text file; refusing to edit it: remove that byte first",
                            path, line, offset + 1);
                return FALSE;
        }
        *ret_len = len;
        *ret = g_steal_pointer(&buf);
        return TRUE;
}

gboolean nv_file_read(const char *dir, const char *name, gsize max, char **ret_contents, gsize *ret_len,
                      GError **error)
{
        g_autofree char *path = g_build_filename(dir, name, NULL);
        nv_auto_fd int dfd = -1;
        nv_auto_fd int fd = -1;

        *ret_contents = NULL;
        *ret_len = 0;

        dfd = open_dir_nofollow(dir);
        if (dfd == -ENOENT)
                return TRUE;
        if (dfd < 0)
                return set_dir_error(error, -dfd, dir);

        if (!open_regular(dfd, name, path, &fd, error))
                return FALSE;
        if (fd < 0)
                return TRUE;
        return read_fd(fd, path, max, ret_contents, ret_len, error);
}

static gboolean write_all(int fd, const char *data, gsize len)
{
        while (len > 0) {
                ssize_t n = write(fd, data, len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return FALSE;
                data += n;
                len -= (gsize)n;
        }
        return TRUE;
}

/* Whether the file behind @fd holds exactly @len bytes of @data, read back
 * after the write: a short write that looked complete, or a file system that
 * dropped part of it, must not become a success. */
static gboolean reads_back_as(int fd, const char *data, gsize len, gsize *ret_size)
{
        char chunk[16384];
        struct stat st;
        gsize off = 0;

        if (fstat(fd, &st) < 0)
                return FALSE;
        *ret_size = (gsize)st.st_size;
        if ((gsize)st.st_size != len)
                return FALSE;
        while (off < len) {
                ssize_t n = pread(fd, chunk, MIN(sizeof(chunk), len - off), (off_t)off);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0 || memcmp(chunk, data + off, (gsize)n) != 0)
                        return FALSE;
                off += (gsize)n;
        }
        return TRUE;
}

static char *temporary_name(const char *name)
{
        return g_strdup_printf(".%s.%08x", name, g_random_int());
}

gboolean nv_file_replace(const char *dir, const char *name, const char *contents, gsize len, GError **error)
{
        g_autofree char *path = g_build_filename(dir, name, NULL);
        g_autofree char *tmp = NULL;
        nv_auto_fd int dfd = -1;
        nv_auto_fd int fd = -1;
        gsize size = 0;
        int r;

        dfd = open_dir_nofollow(dir);
        if (dfd == -ENOENT) {
                gboolean created;

                if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
                        if (errno == EROFS)
                                g_set_error(error, NV_ERRNO_ERROR, EROFS,
                                            "%s does not exist and cannot be created on a read-only file "
                                            "system; create it (mode 0755) and try again",
                                            dir);
                        else
                                set_errno_error(error, errno, "Cannot create directory", dir);
                        return FALSE;
                }
                created = errno != EEXIST;
                dfd = open_dir_nofollow(dir);
                /* Like the file, the directory must not depend on the umask
                 * (the service runs with UMask=0077): modprobe reads it as
                 * whoever runs it. */
                if (dfd >= 0 && created && fchmod(dfd, 0755) < 0)
                        return set_errno_error(error, errno, "Cannot set the mode of", dir);
        }
        if (dfd < 0)
                return set_dir_error(error, -dfd, dir);

        /* The file that is there must be one we may replace. */
        if (!open_regular(dfd, name, path, &fd, error))
                return FALSE;
        close_fd(&fd);

        for (int attempt = 0; fd < 0; attempt++) {
                g_free(tmp);
                tmp = temporary_name(name);
                fd = openat(dfd, tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
                if (fd < 0 && (errno != EEXIST || attempt >= 16))
                        return set_errno_error(error, errno, "Cannot create a temporary file in", dir);
        }

        /* The umask must not decide who can read the configuration. */
        if (fchmod(fd, 0644) < 0 || !write_all(fd, contents, len) || fsync(fd) < 0) {
                r = errno;
                unlinkat(dfd, tmp, 0);
                return set_errno_error(error, r, "Cannot write", path);
        }
        if (!reads_back_as(fd, contents, len, &size)) {
                unlinkat(dfd, tmp, 0);
                g_set_error(error, NV_ERRNO_ERROR, EIO,
                            "Cannot write %s: %" G_GSIZE_FORMAT
                            " bytes written read back as %" G_GSIZE_FORMAT
                            " bytes that differ; the file was left as it was",
                            path, len, size);
                return FALSE;
        }
        close_fd(&fd);

        if (renameat(dfd, tmp, dfd, name) < 0) {
                r = errno;
                unlinkat(dfd, tmp, 0);
                return set_errno_error(error, r, "Cannot replace", path);
        }
        /* Make the rename itself durable. */
        if (fsync(dfd) < 0)
                return set_errno_error(error, errno, "Cannot sync directory", dir);
        return TRUE;
}

/* Whether @entry is "@prefix" and the 8 hex digits of temporary_name(),
 * and nothing else a person might have put there. */
static gboolean is_temporary_name(const char *entry, const char *prefix)
{
        const char *suffix;

        if (!g_str_has_prefix(entry, prefix))
                return FALSE;
        suffix = entry + strlen(prefix);
        if (strlen(suffix) != 8)
                return FALSE;
        for (const char *p = suffix; *p; p++)
                if (!g_ascii_isxdigit(*p) || g_ascii_isupper(*p))
                        return FALSE;
        return TRUE;
}

void nv_file_remove_stale_temporaries(const char *dir, const char *name)
{
        g_autofree char *prefix = g_strdup_printf(".%s.", name);
        nv_auto_fd int dfd = -1;
        struct dirent *de;
        DIR *d;

        dfd = open_dir_nofollow(dir);
        if (dfd < 0)
                return;
        d = fdopendir(dfd);
        if (!d)
                return;
        dfd = -1; /* owned by d now */

        while ((de = readdir(d))) {
                if (is_temporary_name(de->d_name, prefix)) {
                        if (unlinkat(dirfd(d), de->d_name, 0) == 0)
                                g_message("Removed %s/%s, left behind by an interrupted write", dir,
                                          de->d_name);
                }
        }
        closedir(d);
}
