/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for nv-file.c: the bounded reads of the host's files, and
 * reading and atomically replacing the daemon's configuration file,
 * refusing every path trick on the way.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <grp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nv-file.h"

typedef struct {
        char *tmp;
        char *dir; /* tmp/etc/modprobe.d */
} Fixture;

static void fixture_setup(Fixture *f, gconstpointer data)
{
        g_autoptr(GError) error = NULL;

        f->tmp = g_dir_make_tmp("nv-test-file-XXXXXX", &error);
        g_assert_no_error(error);
        f->dir = g_build_filename(f->tmp, "etc", "modprobe.d", NULL);
        g_assert_cmpint(g_mkdir_with_parents(f->dir, 0755), ==, 0);
}

static void remove_tree(const char *path)
{
        g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
        const char *name;

        if (dir) {
                while ((name = g_dir_read_name(dir))) {
                        g_autofree char *child = g_build_filename(path, name, NULL);

                        if (g_file_test(child, G_FILE_TEST_IS_DIR) &&
                            !g_file_test(child, G_FILE_TEST_IS_SYMLINK))
                                remove_tree(child);
                        else
                                g_unlink(child);
                }
        }
        g_rmdir(path);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
        g_autofree char *etc = g_build_filename(f->tmp, "etc", NULL);

        chmod(f->dir, 0755);
        chmod(etc, 0755);
        remove_tree(f->tmp);
        g_free(f->dir);
        g_free(f->tmp);
}

static char *read_back(const char *dir, const char *name)
{
        g_autofree char *path = g_build_filename(dir, name, NULL);
        char *contents = NULL;

        g_assert_true(g_file_get_contents(path, &contents, NULL, NULL));
        return contents;
}

static guint count_entries(const char *dir)
{
        g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
        guint n = 0;

        while (d && g_dir_read_name(d))
                n++;
        return n;
}

static void test_replace_and_read(Fixture *f, gconstpointer data)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *contents = NULL;
        g_autofree char *path = g_build_filename(f->dir, "kvm.conf", NULL);
        g_autofree char *back = NULL;
        gsize len = 0;
        struct stat st;
        mode_t old_umask;

        /* Missing: not an error, no contents. */
        g_assert_true(nv_file_read(f->dir, "kvm.conf", 1024, &contents, &len, &error));
        g_assert_no_error(error);
        g_assert_null(contents);

        /* A strict umask must not make the file unreadable for modprobe's
         * users; a lax one must not make it writable by others. */
        old_umask = umask(0077);
        g_assert_true(nv_file_replace(f->dir, "kvm.conf", "options kvm_amd nested=1\n", 25, &error));
        umask(old_umask);
        g_assert_no_error(error);
        g_assert_cmpint(stat(path, &st), ==, 0);
        g_assert_cmpint(st.st_mode & 07777, ==, 0644);

        g_assert_true(nv_file_read(f->dir, "kvm.conf", 1024, &contents, &len, &error));
        g_assert_no_error(error);
        g_assert_cmpstr(contents, ==, "options kvm_amd nested=1\n");
        g_assert_cmpuint(len, ==, 25);

        g_assert_true(nv_file_replace(f->dir, "kvm.conf", "# empty\n", 8, &error));
        g_assert_no_error(error);
        back = read_back(f->dir, "kvm.conf");
        g_assert_cmpstr(back, ==, "# empty\n");

        /* No temporary file is left behind. */
        g_assert_cmpuint(count_entries(f->dir), ==, 1);
}

static void test_read_too_large(Fixture *f, gconstpointer data)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *contents = NULL;
        gsize len = 0;

        g_assert_true(nv_file_replace(f->dir, "kvm.conf", "0123456789", 10, &error));
        g_assert_false(nv_file_read(f->dir, "kvm.conf", 9, &contents, &len, &error));
        g_assert_nonnull(error);
        g_assert_null(contents);
        g_assert_nonnull(strstr(error->message, "kvm.conf"));
}

static void test_symlink_refused(Fixture *f, gconstpointer data)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *target = g_build_filename(f->tmp, "target", NULL);
        g_autofree char *link = g_build_filename(f->dir, "kvm.conf", NULL);
        g_autofree char *contents = NULL;
        g_autofree char *back = NULL;
        gsize len;

        g_assert_true(g_file_set_contents(target, "precious\n", -1, NULL));
        g_assert_cmpint(symlink(target, link), ==, 0);

        g_assert_false(nv_file_read(f->dir, "kvm.conf", 1024, &contents, &len, &error));
        g_assert_error(error, NV_ERRNO_ERROR, ELOOP);
        g_assert_nonnull(strstr(error->message, "symbolic link"));
        g_clear_error(&error);

        g_assert_false(nv_file_replace(f->dir, "kvm.conf", "x\n", 2, &error));
        g_assert_error(error, NV_ERRNO_ERROR, ELOOP);
        back = read_back(f->tmp, "target");
        g_assert_cmpstr(back, ==, "precious\n");
        g_assert_true(g_file_test(link, G_FILE_TEST_IS_SYMLINK));
        g_assert_cmpuint(count_entries(f->dir), ==, 1);
}

static void test_dangling_symlink_refused(Fixture *f, gconstpointer data)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *target = g_build_filename(f->tmp, "created-through-link", NULL);
        g_autofree char *link = g_build_filename(f->dir, "kvm.conf", NULL);

        g_assert_cmpint(symlink(target, link), ==, 0);
        g_assert_false(nv_file_replace(f->dir, "kvm.conf", "x\n", 2, &error));
        g_assert_nonnull(error);
        g_assert_false(g_file_test(target, G_FILE_TEST_EXISTS));
}

static void test_hardlink_refused(Fixture *f, gconstpointer data)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *other = g_build_filename(f->tmp, "shadow", NULL);
        g_autofree char *path = g_build_filename(f->dir, "kvm.conf", NULL);
        g_autofree char *back = NULL;

        g_assert_true(g_file_set_contents(other, "shadow\n", -1, NULL));
        g_assert_cmpint(link(other, path), ==, 0);

        g_assert_false(nv_file_replace(f->dir, "kvm.conf", "x\n", 2, &error));
        g_assert_error(error, NV_ERRNO_ERROR, EMLINK);
        g_assert_nonnull(strstr(error->message, "hard links"));
        back = read_back(f->tmp, "shadow");
        g_assert_cmpstr(back, ==, "shadow\n");
}

static void test_symlinked_directory_refused(Fixture *f, gconstpointer data)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *elsewhere = g_build_filename(f->tmp, "elsewhere", NULL);
        g_autofree char *contents = NULL;
        gsize len;

        g_assert_cmpint(g_mkdir(elsewhere, 0755), ==, 0);
        g_assert_cmpint(g_rmdir(f->dir), ==, 0);
        g_assert_cmpint(symlink(elsewhere, f->dir), ==, 0);

        g_assert_false(nv_file_replace(f->dir, "kvm.conf", "x\n", 2, &error));
        g_assert_nonnull(error);
        g_assert_error(error, NV_ERRNO_ERROR, ENOTDIR);
        g_assert_nonnull(strstr(error->message, "not a directory"));
        g_clear_error(&error);
        g_assert_false(nv_file_read(f->dir, "kvm.conf", 1024, &contents, &len, &error));
        g_assert_nonnull(error);
        g_assert_cmpuint(count_entries(elsewhere), ==, 0);
}

static void test_missing_directory_created(Fixture *f, gconstpointer data)
{
        g_autoptr(GError) error = NULL;
        struct stat st;
        mode_t old_umask;

        g_assert_cmpint(g_rmdir(f->dir), ==, 0);
        old_umask = umask(0077);
        g_assert_true(nv_file_replace(f->dir, "kvm.conf", "x\n", 2, &error));
        umask(old_umask);
        g_assert_no_error(error);
        g_assert_cmpint(stat(f->dir, &st), ==, 0);
        g_assert_true(S_ISDIR(st.st_mode));
        g_assert_cmpint(st.st_mode & 07777, ==, 0755);
}

/* The uid and gid of "nobody" on Debian; they need not be in passwd. */
#define NOBODY 65534

/* A directory its writer may not write to: the file is not replaced, the
 * error says so, and no temporary file is left behind. */
static void assert_read_only_directory_refused(const char *dir)
{
        g_autoptr(GError) error = NULL;

        g_assert_cmpint(chmod(dir, 0555), ==, 0);
        g_assert_false(nv_file_replace(dir, "kvm.conf", "x\n", 2, &error));
        g_assert_error(error, NV_ERRNO_ERROR, EACCES);
        g_assert_cmpuint(count_entries(dir), ==, 0);
}

static void test_read_only_directory(Fixture *f, gconstpointer data)
{
        if (g_test_subprocess()) {
                g_autofree char *etc = g_build_filename(f->tmp, "etc", NULL);
                const char *const tree[] = { f->tmp, etc, f->dir };

                /* This child's own fixture, made by root: handed to nobody,
                 * who can then remove it in the teardown. */
                for (gsize i = 0; i < G_N_ELEMENTS(tree); i++)
                        g_assert_no_errno(chown(tree[i], NOBODY, NOBODY));
                g_assert_no_errno(setgroups(0, NULL));
                g_assert_no_errno(setresgid(NOBODY, NOBODY, NOBODY));
                g_assert_no_errno(setresuid(NOBODY, NOBODY, NOBODY));
                assert_read_only_directory_refused(f->dir);
                return;
        }
        if (geteuid() == 0) {
                /* root ignores directory permissions (CAP_DAC_OVERRIDE),
                 * and only a read-only mount would stop it, which a unit
                 * test cannot make: the check runs in a child that has
                 * become nobody, and its failure is this test's. */
                g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
                g_test_trap_assert_passed();
                return;
        }
        assert_read_only_directory_refused(f->dir);
}

/* The bytes as they are in @dir/@name, NUL bytes included. */
static GBytes *read_bytes(const char *dir, const char *name)
{
        g_autofree char *path = g_build_filename(dir, name, NULL);
        g_autoptr(GMappedFile) mapped = g_mapped_file_new(path, FALSE, NULL);

        g_assert_nonnull(mapped);
        return g_mapped_file_get_bytes(mapped);
}

/* kmod reads a line only up to a NUL byte: such a file cannot be edited so
 * that its bytes and what kmod reads both stay. Refused, naming the place. */
static void test_read_nul_refused(Fixture *f, gconstpointer data)
{
        static const char text[] = "# by hand\n\0\noptions snd_hda_intel model=auto\n";
        g_autofree char *path = g_build_filename(f->dir, "kvm.conf", NULL);
        g_autoptr(GError) error = NULL;
        g_autoptr(GBytes) back = NULL;
        g_autofree char *contents = NULL;
        gsize len = 0;

        g_assert_true(g_file_set_contents(path, text, sizeof(text) - 1, NULL));
        g_assert_false(nv_file_read(f->dir, "kvm.conf", 1024, &contents, &len, &error));
        g_assert_error(error, NV_ERRNO_ERROR, EILSEQ);
        g_assert_null(contents);
        g_assert_nonnull(strstr(error->message, path));
        g_assert_nonnull(strstr(error->message, "NUL byte (line 2, byte 11)"));
        back = read_bytes(f->dir, "kvm.conf");
        g_assert_cmpmem(g_bytes_get_data(back, NULL), g_bytes_get_size(back), text, sizeof(text) - 1);
}

/* Bytes that are not UTF-8 (a Latin-1 comment) mean nothing to kmod or to the
 * edit: read as they are. */
static void test_read_non_utf8(Fixture *f, gconstpointer data)
{
        static const char text[] = "# gr\xfc\xdf"
                                   "e\noptions kvm_intel nested=0\n";
        g_autoptr(GError) error = NULL;
        g_autofree char *contents = NULL;
        gsize len = 0;

        g_assert_true(nv_file_replace(f->dir, "kvm.conf", text, sizeof(text) - 1, &error));
        g_assert_true(nv_file_read(f->dir, "kvm.conf", 1024, &contents, &len, &error));
        g_assert_no_error(error);
        g_assert_cmpmem(contents, len, text, sizeof(text) - 1);
}

/* What is written is @len bytes, NUL bytes or not, and nothing else. */
static void test_replace_exact_length(Fixture *f, gconstpointer data)
{
        static const char data_with_nul[] = "a\0b\n";
        g_autoptr(GError) error = NULL;
        g_autoptr(GBytes) back = NULL;

        g_assert_true(nv_file_replace(f->dir, "kvm.conf", data_with_nul, sizeof(data_with_nul) - 1, &error));
        g_assert_no_error(error);
        back = read_bytes(f->dir, "kvm.conf");
        g_assert_cmpmem(g_bytes_get_data(back, NULL), g_bytes_get_size(back), data_with_nul,
                        sizeof(data_with_nul) - 1);
}

/* A socket cannot even be opened ("No such device or address"): the error
 * says what is there instead, for both the read and the write. */
static void test_socket_refused(Fixture *f, gconstpointer data)
{
        g_autofree char *path = g_build_filename(f->dir, "kvm.conf", NULL);
        struct sockaddr_un address = { .sun_family = AF_UNIX };
        g_autoptr(GError) error = NULL;
        g_autofree char *contents = NULL;
        gsize len = 0;
        int fd;

        g_assert_cmpuint(strlen(path), <, sizeof(address.sun_path));
        strcpy(address.sun_path, path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        g_assert_cmpint(fd, >=, 0);
        g_assert_cmpint(bind(fd, (struct sockaddr *)&address, sizeof(address)), ==, 0);
        close(fd);

        g_assert_false(nv_file_read(f->dir, "kvm.conf", 1024, &contents, &len, &error));
        g_assert_error(error, NV_ERRNO_ERROR, EBADFD);
        g_assert_nonnull(strstr(error->message, "is a socket, not a regular file"));
        g_clear_error(&error);
        g_assert_false(nv_file_replace(f->dir, "kvm.conf", "x\n", 2, &error));
        g_assert_error(error, NV_ERRNO_ERROR, EBADFD);
        g_assert_nonnull(strstr(error->message, "is a socket, not a regular file"));
        g_assert_true(g_file_test(path, G_FILE_TEST_EXISTS));
        g_assert_cmpuint(count_entries(f->dir), ==, 1);
}

static void test_stale_temporaries(Fixture *f, gconstpointer data)
{
        g_autofree char *stale = g_build_filename(f->dir, ".kvm.conf.0badc0de", NULL);
        /* Names like ours, but not what nv_file_replace() makes: 8
         * characters that are not all lower-case hex digits, or 7 or 9. */
        const char *const keep[] = { ".kvm.conf.notours1",   ".kvm.conf.backup01",  ".kvm.conf.0BADC0DE",
                                     ".kvm.conf.0badc0d",    ".kvm.conf.0badc0de0", "kvm.conf.0badc0de",
                                     ".other.conf.0badc0de", "other.conf" };

        g_assert_true(g_file_set_contents(stale, "half", -1, NULL));
        for (size_t i = 0; i < G_N_ELEMENTS(keep); i++) {
                g_autofree char *path = g_build_filename(f->dir, keep[i], NULL);

                g_assert_true(g_file_set_contents(path, "x", -1, NULL));
        }

        nv_file_remove_stale_temporaries(f->dir, "kvm.conf");
        g_assert_false(g_file_test(stale, G_FILE_TEST_EXISTS));
        for (size_t i = 0; i < G_N_ELEMENTS(keep); i++) {
                g_autofree char *path = g_build_filename(f->dir, keep[i], NULL);

                if (!g_file_test(path, G_FILE_TEST_EXISTS))
                        g_error("%s was removed, but is not a temporary file of ours", keep[i]);
        }
}

static char *write_file(Fixture *f, const char *name, const char *contents)
{
        char *path = g_build_filename(f->tmp, name, NULL);
        g_autoptr(GError) error = NULL;

        g_assert_true(g_file_set_contents(path, contents, -1, &error));
        g_assert_no_error(error);
        return path;
}

static void test_read_bounded(Fixture *f, gconstpointer data)
{
        g_autofree char *path = write_file(f, "ten", "0123456789");
        g_autofree char *missing = g_build_filename(f->tmp, "missing", NULL);
        g_autofree char *text = NULL;
        gsize len = 0;

        g_assert_cmpint(nv_file_read_bounded(path, 10, &text, &len), ==, 0);
        g_assert_cmpstr(text, ==, "0123456789");
        g_assert_cmpuint(len, ==, 10);
        g_clear_pointer(&text, g_free);

        /* One byte over the bound: cut, and said so. */
        g_assert_cmpint(nv_file_read_bounded(path, 9, &text, &len), ==, -EFBIG);
        g_assert_cmpstr(text, ==, "012345678");
        g_assert_cmpuint(len, ==, 9);
        g_clear_pointer(&text, g_free);

        g_assert_cmpint(nv_file_read_bounded(missing, 10, &text, NULL), ==, -ENOENT);
        g_assert_null(text);
        g_assert_cmpint(nv_file_read_bounded(f->dir, 10, &text, NULL), ==, -EISDIR);
        g_assert_null(text);
}

/* /proc reports size 0 for a file that is not empty: only reading to the
 * end tells its length. */
static void test_read_bounded_proc(Fixture *f, gconstpointer data)
{
        g_autofree char *text = NULL;
        g_autofree char *line = NULL;
        gsize len = 0;
        struct stat st;

        g_assert_cmpint(stat("/proc/self/stat", &st), ==, 0);
        g_assert_cmpint(st.st_size, ==, 0);
        g_assert_cmpint(nv_file_read_bounded("/proc/self/stat", 4096, &text, &len), ==, 0);
        g_assert_cmpuint(len, >, 0);
        g_assert_cmpuint(strlen(text), ==, len);
        g_assert_cmpint(nv_file_read_first_line("/proc/self/stat", 4096, &line), ==, 0);
        g_assert_nonnull(strchr(line, '('));
        g_assert_null(strchr(line, '\n'));
}

/* A pipe hands its bytes out in pieces of its own size, not the file's:
 * the buffer grows across reads, and the cut still falls at the bound. */
static void test_read_bounded_pipe(Fixture *f, gconstpointer data)
{
        static const gsize bounds[] = { 20000, 10000, 5000 };
        g_autofree char *big = g_strnfill(10000, 'x');
        int fds[2];

        for (gsize i = 0; i < G_N_ELEMENTS(bounds); i++) {
                gsize max = bounds[i];
                g_autofree char *path = NULL;
                g_autofree char *text = NULL;
                gsize len = 0;

                g_assert_cmpint(pipe(fds), ==, 0);
                g_assert_cmpint(write(fds[1], big, 10000), ==, 10000);
                close(fds[1]);
                path = g_strdup_printf("/proc/self/fd/%d", fds[0]);
                g_assert_cmpint(nv_file_read_bounded(path, max, &text, &len), ==, max >= 10000 ? 0 : -EFBIG);
                g_assert_cmpuint(len, ==, MIN(max, 10000));
                g_assert_cmpuint(strlen(text), ==, len);
                close(fds[0]);
        }
}

/* nv_file_read_first_line() of @path gives @r and the line @expected
 * (NULL: none). */
static void assert_first_line(const char *path, gsize max, int r, const char *expected)
{
        g_autofree char *line = NULL;

        g_assert_cmpint(nv_file_read_first_line(path, max, &line), ==, r);
        g_assert_cmpstr(line, ==, expected);
}

static void test_read_first_line(Fixture *f, gconstpointer data)
{
        g_autofree char *two = write_file(f, "two", "first\nsecond\n");
        g_autofree char *bare = write_file(f, "bare", "no line end");
        g_autofree char *empty = write_file(f, "empty", "");
        g_autofree char *missing = g_build_filename(f->tmp, "missing", NULL);

        assert_first_line(two, 4096, 0, "first");
        /* The bound is the line's, without its end. */
        assert_first_line(two, 5, 0, "first");
        assert_first_line(bare, 4096, 0, "no line end");
        /* A longer line: its first @max bytes, and -EFBIG. */
        assert_first_line(bare, 5, -EFBIG, "no li");
        assert_first_line(two, 4, -EFBIG, "firs");
        assert_first_line(empty, 4096, 0, "");
        assert_first_line(missing, 4096, -ENOENT, NULL);
}

/* Collects what nv_file_scan_lines() passes on, up to a line "stop". */
static gboolean collect_line(const char *line, gsize len, gpointer user_data)
{
        GPtrArray *lines = user_data;

        g_ptr_array_add(lines, g_strndup(line, len));
        return !(len == 4 && memcmp(line, "stop", 4) == 0);
}

static void test_scan_lines(Fixture *f, gconstpointer data)
{
        g_autoptr(GString) text = g_string_new(NULL);
        g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
        g_autofree char *long_line = g_strnfill(NV_FILE_LINE_MAX + 10, 'y');
        g_autofree char *path = NULL;
        g_autofree char *bare = write_file(f, "bare", "one\ntwo");
        g_autofree char *stop = write_file(f, "stop", "a\nstop\nb\n");
        g_autofree char *missing = g_build_filename(f->tmp, "missing", NULL);

        /* Lines across the buffer's ends, one longer than the buffer. */
        for (guint i = 0; i < 5000; i++)
                g_string_append_printf(text, "kernel/drivers/x/line-%u.ko\n", i);
        g_string_append_printf(text, "%s\nafter\n", long_line);
        path = write_file(f, "many", text->str);
        g_assert_cmpint(nv_file_scan_lines(path, 4 * 1024 * 1024, collect_line, lines), ==, 0);
        g_assert_cmpuint(lines->len, ==, 5002);
        g_assert_cmpstr(g_ptr_array_index(lines, 0), ==, "kernel/drivers/x/line-0.ko");
        g_assert_cmpstr(g_ptr_array_index(lines, 4999), ==, "kernel/drivers/x/line-4999.ko");
        g_assert_cmpuint(strlen(g_ptr_array_index(lines, 5000)), ==, NV_FILE_LINE_MAX);
        g_assert_cmpstr(g_ptr_array_index(lines, 5001), ==, "after");

        /* Past the bound: the lines before it, and -EFBIG. */
        g_ptr_array_set_size(lines, 0);
        g_assert_cmpint(nv_file_scan_lines(path, 1000, collect_line, lines), ==, -EFBIG);
        g_assert_cmpuint(lines->len, >, 0);
        g_assert_cmpuint(lines->len, <, 5000);

        g_ptr_array_set_size(lines, 0);
        g_assert_cmpint(nv_file_scan_lines(bare, 4096, collect_line, lines), ==, 0);
        g_assert_cmpuint(lines->len, ==, 2);
        g_assert_cmpstr(g_ptr_array_index(lines, 1), ==, "two");

        g_ptr_array_set_size(lines, 0);
        g_assert_cmpint(nv_file_scan_lines(stop, 4096, collect_line, lines), ==, 1);
        g_assert_cmpuint(lines->len, ==, 2);

        g_assert_cmpint(nv_file_scan_lines(missing, 4096, collect_line, lines), ==, -ENOENT);
}

/* Reading stops where the caller has enough, even on a file that would
 * make it wait: here a FIFO whose writer stays open. */
static gboolean has_two_lines(const char *text, gsize len, gpointer user_data)
{
        const char *first = memchr(text, '\n', len);

        return first && memchr(first + 1, '\n', len - (gsize)(first + 1 - text));
}

static void test_read_until(Fixture *f, gconstpointer data)
{
        g_autofree char *path = g_build_filename(f->tmp, "fifo", NULL);
        g_autofree char *text = NULL;
        gsize len = 0;
        int writer;

        g_assert_no_errno(mkfifo(path, 0600));
        writer = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
        g_assert_cmpint(writer, >=, 0);
        g_assert_cmpint(write(writer, "one\n", 4), ==, 4);
        g_assert_cmpint(nv_file_read_until(path, 4096, has_two_lines, NULL, &text, &len), ==, -EAGAIN);
        g_assert_null(text);
        g_assert_cmpint(write(writer, "one\ntwo\nthr", 12), ==, 12);
        g_assert_cmpint(nv_file_read_until(path, 4096, has_two_lines, NULL, &text, &len), ==, 0);
        g_assert_cmpstr(text, ==, "one\ntwo\nthr");
        g_assert_cmpuint(len, ==, 12);
        g_assert_no_errno(close(writer));
}

int main(int argc, char *argv[])
{
        g_test_init(&argc, &argv, NULL);

#define ADD(path, func) g_test_add(path, Fixture, NULL, fixture_setup, func, fixture_teardown)
        ADD("/file/replace-and-read", test_replace_and_read);
        ADD("/file/read-too-large", test_read_too_large);
        ADD("/file/symlink-refused", test_symlink_refused);
        ADD("/file/dangling-symlink-refused", test_dangling_symlink_refused);
        ADD("/file/hardlink-refused", test_hardlink_refused);
        ADD("/file/symlinked-directory-refused", test_symlinked_directory_refused);
        ADD("/file/missing-directory-created", test_missing_directory_created);
        ADD("/file/read-only-directory", test_read_only_directory);
        ADD("/file/stale-temporaries", test_stale_temporaries);
        ADD("/file/read-nul-refused", test_read_nul_refused);
        ADD("/file/read-non-utf8", test_read_non_utf8);
        ADD("/file/replace-exact-length", test_replace_exact_length);
        ADD("/file/socket-refused", test_socket_refused);
        ADD("/file/read-bounded", test_read_bounded);
        ADD("/file/read-bounded-proc", test_read_bounded_proc);
        ADD("/file/read-bounded-pipe", test_read_bounded_pipe);
        ADD("/file/read-first-line", test_read_first_line);
        ADD("/file/read-until", test_read_until);
        ADD("/file/scan-lines", test_scan_lines);
#undef ADD

        return g_test_run();
}
