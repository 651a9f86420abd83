/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for the holders of /dev/kvm on the wire (nv-kvm-users.h): the
 * scan helper's answer as nv_kvm_users_format() writes it and
 * nv_kvm_users_parse() reads it, every malformed answer refused as a
 * whole, and nv_kvm_users_query() against a listener in this process.
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <grp.h>
#include <poll.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "nv-errno.h"
#include "nv-kvm-users.h"
#include "nv-test-host.h"

/* A literal answer: its last record ends with the literal's own NUL. */
#define WIRE(s) (s), sizeof(s)
/* The same without that NUL: a stream cut before its last byte. */
#define CUT(s) (s), sizeof(s) - 1

/* "PID:COMM,PID:COMM" for @users, COMM escaped; "PID@UID:COMM=MACHINE"
 * for a holder of a uid other than 0, or that names a machine. */
static char *users_to_string(const GArray *users)
{
        GString *s = g_string_new(NULL);

        for (guint i = 0; i < users->len; i++) {
                const NvModuleUser *u = &g_array_index(users, NvModuleUser, i);
                g_autofree char *comm = g_strescape(u->command, NULL);

                g_string_append_printf(s, "%s%" G_GUINT32_FORMAT, i ? "," : "", u->pid);
                if (u->uid != 0)
                        g_string_append_printf(s, "@%" G_GUINT32_FORMAT, u->uid);
                g_string_append_printf(s, ":%s", comm);
                if (u->machine) {
                        g_autofree char *machine = g_strescape(u->machine, NULL);

                        g_string_append_printf(s, "=%s", machine);
                }
        }
        return g_string_free(s, FALSE);
}

typedef struct {
        const char *name;
        const char *data;
        gsize len;
        /* The holders, as users_to_string() writes them; NULL: an error. */
        const char *users;
        NvKvmUsersError code;   /* with @users NULL */
        const char *in_message; /* the error's message contains it */
} ParseCase;

static const ParseCase parse_cases[] = {
        { "nobody", WIRE("end"), "", 0, NULL },
        { "one", WIRE("u 4242 0 qemu-system-x86\0end"), "4242:qemu-system-x86", 0, NULL },
        { "sorted", WIRE("u 7001 0 b\0u 977 0 a\0u 24601 0 c\0end"), "977:a,7001:b,24601:c", 0, NULL },
        { "empty-comm", WIRE("u 5 0 \0end"), "5:", 0, NULL },
        /* A comm is any bytes but NUL, spaces and line ends included. */
        { "comm-any-bytes", WIRE("u 9 0 a b\n\x01\xff\0end"), "9:a b\\n\\001\\377", 0, NULL },
        { "comm-looks-like-records", WIRE("u 9 0 end e x u 1\0end"), "9:end e x u 1", 0, NULL },
        { "pid-max", WIRE("u 4294967295 0 x\0end"), "4294967295:x", 0, NULL },
        { "uid", WIRE("u 7 1000 qemu\0end"), "7@1000:qemu", 0, NULL },
        { "uid-max", WIRE("u 7 4294967295 qemu\0end"), "7@4294967295:qemu", 0, NULL },
        { "machine", WIRE("u 7 107 qemu-system-x86\0m web 1\0u 9 0 x\0end"),
          "7@107:qemu-system-x86=web 1,9:x", 0, NULL },
        { "unexamined", WIRE("u 7 0 qemu\0n 12\0end"), "7:qemu", 0, NULL },
        { "unexamined-nobody", WIRE("n 3\0end"), "", 0, NULL },
        { "uid-leading-zero", WIRE("u 7 01 a\0end"), NULL, NV_KVM_USERS_ERROR_MALFORMED, "bad holder" },
        { "uid-too-big", WIRE("u 7 4294967296 a\0end"), NULL, NV_KVM_USERS_ERROR_MALFORMED, "bad holder" },
        { "machine-first", WIRE("m web\0end"), NULL, NV_KVM_USERS_ERROR_MALFORMED, "unexpected record" },
        { "machine-twice", WIRE("u 7 0 a\0m x\0m y\0end"), NULL, NV_KVM_USERS_ERROR_MALFORMED,
          "unexpected record" },
        { "machine-empty", WIRE("u 7 0 a\0m \0end"), NULL, NV_KVM_USERS_ERROR_MALFORMED,
          "unexpected record" },
        { "unexamined-zero", WIRE("n 0\0end"), NULL, NV_KVM_USERS_ERROR_MALFORMED, "unexpected record" },
        { "unexamined-twice", WIRE("n 1\0n 2\0end"), NULL, NV_KVM_USERS_ERROR_MALFORMED,
          "unexpected record" },
        { "holder-after-count", WIRE("n 1\0u 7 0 a\0end"), NULL, NV_KVM_USERS_ERROR_MALFORMED,
          "unexpected record" },
        { "error-after-count", WIRE("n 1\0e x\0end"), NULL, NV_KVM_USERS_ERROR_MALFORMED,
          "unexpected record" },
        { "scan-error", WIRE("e Cannot list /proc: Permission denied\0end"), NULL, NV_KVM_USERS_ERROR_SCAN,
          "Cannot list /proc: Permission denied" },
        { "scan-error-empty", WIRE("e \0end"), NULL, NV_KVM_USERS_ERROR_SCAN, "failed" },
        /* Never a partial list: */
        { "empty", "", 0, NULL, NV_KVM_USERS_ERROR_MALFORMED, "without its end" },
        { "no-end", WIRE("u 1 0 a"), NULL, NV_KVM_USERS_ERROR_MALFORMED, "without its end" },
        { "record-cut", CUT("u 1 0 a\0u 2 0 b"), NULL, NV_KVM_USERS_ERROR_MALFORMED, "middle of a record" },
        { "end-cut", CUT("u 1 0 a\0end"), NULL, NV_KVM_USERS_ERROR_MALFORMED, "middle of a record" },
        { "end-short", WIRE("u 1 0 a\0en"), NULL, NV_KVM_USERS_ERROR_MALFORMED, "unexpected record" },
        { "after-end", WIRE("end\0u 1 0 a"), NULL, NV_KVM_USERS_ERROR_MALFORMED, "after the end" },
        { "end-twice", WIRE("end\0end"), NULL, NV_KVM_USERS_ERROR_MALFORMED, "after the end" },
        { "trailing-nul", CUT("end\0\0"), NULL, NV_KVM_USERS_ERROR_MALFORMED, "after the end" },
        { "end-space", WIRE("end "), NULL, NV_KVM_USERS_ERROR_MALFORMED, "unexpected record" },
        { "empty-record", WIRE("\0end"), NULL, NV_KVM_USERS_ERROR_MALFORMED, "unexpected record" },
        { "unknown-record", WIRE("x 1 a\0end"), NULL, NV_KVM_USERS_ERROR_MALFORMED, "unexpected record" },
        { "upper-case", WIRE("U 1 a\0end"), NULL, NV_KVM_USERS_ERROR_MALFORMED, "unexpected record" },
        { "u-alone", WIRE("u\0end"), NULL, NV_KVM_USERS_ERROR_MALFORMED, "unexpected record" },
        { "no-space", WIRE("u1 a\0end"), NULL, NV_KVM_USERS_ERROR_MALFORMED, "unexpected record" },
        { "no-comm-space", WIRE("u 1\0end"), NULL, NV_KVM_USERS_ERROR_MALFORMED, "bad holder" },
        { "no-pid", WIRE("u  0 a\0end"), NULL, NV_KVM_USERS_ERROR_MALFORMED, "bad holder" },
        { "pid-zero", WIRE("u 0 0 a\0end"), NULL, NV_KVM_USERS_ERROR_MALFORMED, "bad holder" },
        { "pid-leading-zero", WIRE("u 01 0 a\0end"), NULL, NV_KVM_USERS_ERROR_MALFORMED, "bad holder" },
        { "pid-negative", WIRE("u -1 0 a\0end"), NULL, NV_KVM_USERS_ERROR_MALFORMED, "bad holder" },
        { "pid-plus", WIRE("u +1 0 a\0end"), NULL, NV_KVM_USERS_ERROR_MALFORMED, "bad holder" },
        { "pid-too-big", WIRE("u 4294967296 0 a\0end"), NULL, NV_KVM_USERS_ERROR_MALFORMED, "bad holder" },
        { "pid-long", WIRE("u 000000000001 0 a\0end"), NULL, NV_KVM_USERS_ERROR_MALFORMED, "bad holder" },
        { "pid-hex", WIRE("u 0x10 0 a\0end"), NULL, NV_KVM_USERS_ERROR_MALFORMED, "bad holder" },
        { "pid-letters", WIRE("u 12a 0 b\0end"), NULL, NV_KVM_USERS_ERROR_MALFORMED, "bad holder" },
        { "pid-twice", WIRE("u 1 0 a\0u 1 0 b\0end"), NULL, NV_KVM_USERS_ERROR_MALFORMED, "pid 1 twice" },
        { "error-then-holder", WIRE("e x\0u 1 0 a\0end"), NULL, NV_KVM_USERS_ERROR_MALFORMED, "unexpected" },
        { "holder-then-error", WIRE("u 1 0 a\0e x\0end"), NULL, NV_KVM_USERS_ERROR_MALFORMED, "unexpected" },
        { "error-twice", WIRE("e x\0e y\0end"), NULL, NV_KVM_USERS_ERROR_MALFORMED, "unexpected" },
        /* The helper's failure counts only in a whole answer. */
        { "error-no-end", WIRE("e x"), NULL, NV_KVM_USERS_ERROR_MALFORMED, "without its end" },
        /* A bad record is quoted escaped and abbreviated. */
        { "quoted", WIRE("\x1b[2Jxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\0end"), NULL,
          NV_KVM_USERS_ERROR_MALFORMED, "\"\\033[2Jxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"..." },
};

static void test_parse(gconstpointer data)
{
        const ParseCase *c = data;
        g_autoptr(GError) error = NULL;
        g_autoptr(GArray) users = nv_kvm_users_parse(c->data, c->len, NULL, &error);

        if (c->users) {
                g_autofree char *text = NULL;

                g_assert_no_error(error);
                g_assert_nonnull(users);
                text = users_to_string(users);
                g_assert_cmpstr(text, ==, c->users);
        } else {
                g_assert_null(users);
                g_assert_error(error, NV_KVM_USERS_ERROR, (gint)c->code);
                if (!strstr(error->message, c->in_message))
                        g_error("message \"%s\" does not contain \"%s\"", error->message, c->in_message);
        }
}

static void add_user(GArray *users, guint32 pid, guint32 uid, const char *command, const char *machine)
{
        NvModuleUser u = {
                .pid = pid, .uid = uid, .command = g_strdup(command), .machine = g_strdup(machine)
        };

        g_array_append_val(users, u);
}

/* What the helper writes, the daemon reads back unchanged. */
static void test_round_trip(void)
{
        g_autoptr(GArray) users = nv_module_users_new();
        g_autoptr(GArray) back = NULL;
        g_autoptr(GBytes) wire = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *text = NULL;
        const char *data;
        gsize len;

        wire = nv_kvm_users_format(users, 0, NULL);
        data = g_bytes_get_data(wire, &len);
        g_assert_cmpmem(data, len, "end", 4);

        add_user(users, 977, 0, "firecracker", NULL);
        add_user(users, 4242, 1000, "qemu system\x01\xff", "web\x01");
        add_user(users, 4294967295u, 4294967295u, "", "");
        g_clear_pointer(&wire, g_bytes_unref);
        wire = nv_kvm_users_format(users, 0, NULL);
        data = g_bytes_get_data(wire, &len);
        {
                static const char expected[] = "u 977 0 firecracker\0u 4242 1000 qemu system\x01\xff\0m "
                                               "web\x01\0u 4294967295 4294967295 \0end";

                g_assert_cmpmem(data, len, expected, sizeof(expected));
        }
        back = nv_kvm_users_parse(data, len, NULL, &error);
        g_assert_no_error(error);
        text = users_to_string(back);
        g_assert_cmpstr(text, ==,
                        "977:firecracker,4242@1000:qemu system\\001\\377=web\\001,4294967295@4294967295:");

        /* The processes the scan could not look at come after the holders. */
        {
                static const char expected[] = "u 977 0 firecracker\0n 5\0end";
                g_autoptr(GArray) one = nv_module_users_new();
                g_autoptr(GBytes) counted = NULL;
                g_autoptr(GArray) again = NULL;
                guint n_unexamined = 0;

                add_user(one, 977, 0, "firecracker", NULL);
                counted = nv_kvm_users_format(one, 5, NULL);
                data = g_bytes_get_data(counted, &len);
                g_assert_cmpmem(data, len, expected, sizeof(expected));
                again = nv_kvm_users_parse(data, len, &n_unexamined, &error);
                g_assert_no_error(error);
                g_assert_cmpuint(again->len, ==, 1);
                g_assert_cmpuint(n_unexamined, ==, 5);
        }
}

static void test_format_error(void)
{
        g_autoptr(GError) scan_error =
                g_error_new_literal(NV_ERRNO_ERROR, EACCES, "Cannot list /proc: Permission denied");
        g_autoptr(GBytes) wire = nv_kvm_users_format(NULL, 0, scan_error);
        g_autoptr(GError) error = NULL;
        g_autoptr(GArray) back = NULL;
        const char *data;
        gsize len;

        data = g_bytes_get_data(wire, &len);
        {
                static const char expected[] = "e Cannot list /proc: Permission denied\0end";

                g_assert_cmpmem(data, len, expected, sizeof(expected));
        }
        back = nv_kvm_users_parse(data, len, NULL, &error);
        g_assert_null(back);
        g_assert_error(error, NV_KVM_USERS_ERROR, NV_KVM_USERS_ERROR_SCAN);
        g_assert_nonnull(strstr(error->message, "Cannot list /proc: Permission denied"));
}

/* More holders than the bound: the helper says it cannot name them, and
 * the daemon never reads a cut list. */
static void test_format_too_many(void)
{
        g_autoptr(GArray) users = nv_module_users_new();
        g_autofree char *comm = g_strnfill(60, 'q');
        g_autoptr(GBytes) wire = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(GArray) back = NULL;
        const char *data;
        gsize len;

        for (guint32 pid = 1; pid <= 70000; pid++)
                add_user(users, pid, 0, comm, NULL);
        wire = nv_kvm_users_format(users, 0, NULL);
        data = g_bytes_get_data(wire, &len);
        g_assert_cmpuint(len, <=, NV_KVM_USERS_WIRE_MAX);
        back = nv_kvm_users_parse(data, len, NULL, &error);
        g_assert_null(back);
        g_assert_error(error, NV_KVM_USERS_ERROR, NV_KVM_USERS_ERROR_SCAN);
        g_assert_nonnull(strstr(error->message, "70000 holders"));
}

/* An answer over the bound is refused even when it is well formed. */
static void test_parse_over_bound(void)
{
        const gsize len = NV_KVM_USERS_WIRE_MAX + 1;
        g_autofree char *data = g_malloc(len);
        g_autoptr(GError) error = NULL;
        g_autoptr(GArray) users = NULL;

        /* "u 1 0 xxxx...x\0end\0": one holder with a long comm. */
        memset(data, 'x', len);
        memcpy(data, "u 1 0 ", 6);
        memcpy(data + len - 5, "\0end", 5);
        users = nv_kvm_users_parse(data, len, NULL, &error);
        g_assert_null(users);
        g_assert_error(error, NV_KVM_USERS_ERROR, NV_KVM_USERS_ERROR_MALFORMED);
        g_assert_nonnull(strstr(error->message, "more than"));

        /* One byte less is the largest answer taken. */
        g_clear_error(&error);
        memcpy(data + len - 6, "\0end", 5);
        users = nv_kvm_users_parse(data, len - 1, NULL, &error);
        g_assert_no_error(error);
        g_assert_cmpuint(users->len, ==, 1);
        g_assert_cmpuint(strlen(g_array_index(users, NvModuleUser, 0).command), ==, len - 1 - 6 - 5);
}

/* ---- nv_kvm_users_query() against a listener in a thread ------------- */

typedef struct {
        int listen_fd;
        const char *answer; /* written to each connection, then closed */
        gsize answer_len;
        gboolean read_request; /* whether the client's side was shut */
} Listener;

static gpointer listener_run(gpointer data)
{
        Listener *l = data;
        int fd = accept(l->listen_fd, NULL, NULL);
        char byte;

        g_assert_cmpint(fd, >=, 0);
        /* The daemon sends nothing and shuts its side: EOF at once. */
        l->read_request = read(fd, &byte, 1) == 0;
        g_assert_cmpint(write(fd, l->answer, l->answer_len), ==, (gssize)l->answer_len);
        close(fd);
        return NULL;
}

static char *bind_socket(const char *dir, int *ret_fd)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        char *path = g_build_filename(dir, "kvm-users.socket", NULL);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

        g_assert_cmpint(fd, >=, 0);
        g_assert_cmpuint(strlen(path), <, sizeof(sa.sun_path));
        strcpy(sa.sun_path, path);
        g_assert_cmpint(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
        g_assert_cmpint(listen(fd, 4), ==, 0);
        *ret_fd = fd;
        return path;
}

static GArray *query_answer(const char *answer, gsize len, GError **error)
{
        g_autofree char *dir = g_dir_make_tmp("nv-kvm-users-XXXXXX", NULL);
        Listener l = { .answer = answer, .answer_len = len };
        g_autofree char *path = bind_socket(dir, &l.listen_fd);
        GThread *thread = g_thread_new("listener", listener_run, &l);
        GArray *users = nv_kvm_users_query(path, NULL, error);

        g_thread_join(thread);
        g_assert_true(l.read_request);
        close(l.listen_fd);
        g_unlink(path);
        g_rmdir(dir);
        return users;
}

static void test_query(void)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GArray) users =
                query_answer(WIRE("u 24601 0 qemu-system-x86\0u 977 0 firecracker\0end"), &error);
        g_autofree char *text = NULL;

        g_assert_no_error(error);
        text = users_to_string(users);
        g_assert_cmpstr(text, ==, "977:firecracker,24601:qemu-system-x86");
}

static void test_query_garbage(void)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GArray) users = query_answer(CUT("u 24601 0 qemu-system-x86\0u 97"), &error);

        g_assert_null(users);
        g_assert_error(error, NV_KVM_USERS_ERROR, NV_KVM_USERS_ERROR_MALFORMED);
        g_clear_error(&error);
        users = query_answer("", 0, &error);
        g_assert_null(users);
        g_assert_error(error, NV_KVM_USERS_ERROR, NV_KVM_USERS_ERROR_MALFORMED);
}

/* A socket file nobody listens on any more, and none at all. */
static void test_query_nobody(void)
{
        g_autofree char *dir = g_dir_make_tmp("nv-kvm-users-XXXXXX", NULL);
        g_autoptr(GError) error = NULL;
        g_autoptr(GArray) users = NULL;
        g_autofree char *path = NULL;
        int fd;

        path = bind_socket(dir, &fd);
        close(fd);
        users = nv_kvm_users_query(path, NULL, &error);
        g_assert_null(users);
        g_assert_error(error, NV_ERRNO_ERROR, ECONNREFUSED);
        g_assert_nonnull(strstr(error->message, path));
        g_clear_error(&error);
        g_unlink(path);
        users = nv_kvm_users_query(path, NULL, &error);
        g_assert_null(users);
        g_assert_error(error, NV_ERRNO_ERROR, ENOENT);
        g_rmdir(dir);
}

/* A helper that accepts and then says nothing, or drips its answer a
 * byte at a time, until the test releases it. */
typedef struct {
        int listen_fd;
        int release_fd; /* readable when the test is done */
        gboolean drip;
} Staller;

static gpointer staller_run(gpointer data)
{
        Staller *s = data;
        struct pollfd pfd = { .fd = s->release_fd, .events = POLLIN };
        int fd = accept(s->listen_fd, NULL, NULL);

        g_assert_cmpint(fd, >=, 0);
        /* MSG_NOSIGNAL: once the daemon's side gave up, an EPIPE. */
        while (poll(&pfd, 1, 20) == 0)
                if (s->drip && send(fd, "u", 1, MSG_NOSIGNAL) < 0)
                        break;
        close(fd);
        return NULL;
}

static void test_query_timeout(gconstpointer data)
{
        g_autofree char *dir = g_dir_make_tmp("nv-kvm-users-XXXXXX", NULL);
        Staller s = { .drip = GPOINTER_TO_INT(data) };
        g_autofree char *path = bind_socket(dir, &s.listen_fd);
        g_autoptr(GError) error = NULL;
        g_autoptr(GArray) users = NULL;
        GThread *thread;
        gint64 started;
        int release[2];

        g_assert_cmpint(pipe(release), ==, 0);
        s.release_fd = release[0];
        thread = g_thread_new("staller", staller_run, &s);
        started = g_get_monotonic_time();
        users = nv_kvm_users_query_timeout(path, 300, NULL, &error);
        g_assert_null(users);
        g_assert_error(error, NV_KVM_USERS_ERROR, NV_KVM_USERS_ERROR_TIMEOUT);
        g_assert_cmpint(g_get_monotonic_time() - started, >=, 300 * 1000);
        g_assert_cmpint(g_get_monotonic_time() - started, <, 5 * G_USEC_PER_SEC);
        g_assert_cmpint(write(release[1], "x", 1), ==, 1);
        g_thread_join(thread);
        close(release[0]);
        close(release[1]);
        close(s.listen_fd);
        g_unlink(path);
        g_rmdir(dir);
}

/* ---- The scan -------------------------------------------------------- */

#define NOBODY 65534

/* A /proc with a holder of nobody's, one of root's and root's shell (the
 * harness's processes); each fd directory is its owner's, 0700, as in
 * the real /proc. */
static NvTestHost *make_proc(void)
{
        static const char *const mine[] = { "/dev/kvm", NULL };
        static const char *const roots[] = { "anon_inode:kvm-vm", NULL };
        static const char *const shell[] = { "/dev/null", NULL };
        static const struct {
                guint32 pid;
                const char *comm;
                const char *const *fds;
                uid_t owner;
        } processes[] = {
                { 100, "qemu-mine", mine, NOBODY },
                { 200, "qemu-root", roots, 0 },
                { 300, "bash", shell, 0 },
        };
        static const char *const qemu_argv[] = { "/usr/bin/qemu-system-x86_64", "-name",
                                                 "guest=web,debug-threads=on", "-S", NULL };
        NvTestHost *host = nv_test_host_new();
        g_autofree char *mine_dir = NULL;

        g_assert_no_errno(chmod(nv_test_host_get_root(host), 0755));
        for (gsize i = 0; i < G_N_ELEMENTS(processes); i++) {
                g_autofree char *fd_host_path = g_strdup_printf("/proc/%u/fd", processes[i].pid);
                g_autofree char *fd_dir = nv_test_host_path(host, fd_host_path);

                nv_test_host_add_process(host, processes[i].pid, processes[i].comm, processes[i].fds);
                g_assert_no_errno(chown(fd_dir, processes[i].owner, processes[i].owner));
                g_assert_no_errno(chmod(fd_dir, 0700));
        }
        /* The first runs a guest of libvirt's, and /proc/PID is its. */
        nv_test_host_set_process_cmdline(host, 100, qemu_argv);
        mine_dir = nv_test_host_path(host, "/proc/100");
        g_assert_no_errno(chown(mine_dir, NOBODY, NOBODY));
        return host;
}

/* Root, or with CAP_SYS_PTRACE (the helper): every holder, nobody left out. */
static void test_scan_all(void)
{
        g_autoptr(NvTestHost) host = NULL;
        g_autofree char *proc = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(GArray) users = NULL;
        g_autofree char *text = NULL;
        guint n_unreadable = 99;

        if (geteuid() != 0) {
                g_test_skip("the fake /proc has a root-owned process; needs root");
                return;
        }
        host = make_proc();
        proc = nv_test_host_path(host, "/proc");
        users = nv_kvm_users_scan(proc, NV_KVM_USERS_SCAN_DEFAULT, &n_unreadable, &error);
        g_assert_no_error(error);
        text = users_to_string(users);
        g_assert_cmpstr(text, ==, "100@65534:qemu-mine=web,200:qemu-root");
        g_assert_cmpuint(n_unreadable, ==, 0);
}

/* Without the capabilities: another user's descriptors cannot be looked
 * at, and the scan says how many processes it left out rather than
 * silently finding fewer holders. */
static void test_scan_partial(void)
{
        g_autoptr(NvTestHost) host = NULL;
        g_autofree char *proc = NULL;

        if (g_test_subprocess()) {
                g_autoptr(GError) error = NULL;
                g_autoptr(GArray) users = NULL;
                g_autofree char *text = NULL;
                guint n_unreadable = 0;

                g_assert_no_errno(setgroups(0, NULL));
                g_assert_no_errno(setresgid(NOBODY, NOBODY, NOBODY));
                g_assert_no_errno(setresuid(NOBODY, NOBODY, NOBODY));
                users = nv_kvm_users_scan(g_getenv("NV_TEST_PROC"), NV_KVM_USERS_SCAN_DEFAULT, &n_unreadable,
                                          &error);
                g_assert_no_error(error);
                text = users_to_string(users);
                g_assert_cmpstr(text, ==, "100@65534:qemu-mine=web");
                g_assert_cmpuint(n_unreadable, ==, 2);
                return;
        }
        if (geteuid() != 0) {
                g_test_skip("needs root, to become another user");
                return;
        }
        host = make_proc();
        proc = nv_test_host_path(host, "/proc");
        g_setenv("NV_TEST_PROC", proc, TRUE);
        g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
        g_test_trap_assert_passed();
}

/* Whether the real /proc's scan, with @flags, names this process. */
static gboolean scan_names_self(NvKvmUsersScanFlags flags)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GArray) users = nv_kvm_users_scan("/proc", flags, NULL, &error);

        g_assert_no_error(error);
        for (guint i = 0; i < users->len; i++)
                if (g_array_index(users, NvModuleUser, i).pid == (guint32)getpid())
                        return TRUE;
        return FALSE;
}

/*
 * A forged holder (issue 26): in a mount namespace of its own, with a
 * tmpfs on /dev, a process opens a regular file named /dev/kvm. Its
 * descriptor's link reads "/dev/kvm", so a scan by name lists it; the
 * scan the daemon and the helper make on the real /proc checks the device
 * number (10:232) behind the descriptor, and does not.
 */
static void test_scan_forged_device(void)
{
        if (g_test_subprocess()) {
                int fd;

                /* Private first, so that the tmpfs stays in here. */
                g_assert_no_errno(unshare(CLONE_NEWNS));
                g_assert_no_errno(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
                g_assert_no_errno(mount("nv-test", "/dev", "tmpfs", 0, "mode=0755"));
                fd = open("/dev/kvm", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
                g_assert_no_errno(fd);

                g_assert_true(scan_names_self(NV_KVM_USERS_SCAN_DEFAULT));
                g_assert_false(scan_names_self(NV_KVM_USERS_SCAN_CHECK_DEVICE));
                close(fd);
                return;
        }
        if (geteuid() != 0) {
                g_test_skip("needs root, for a mount namespace with a tmpfs on /dev");
                return;
        }
        g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
        g_test_trap_assert_passed();
}

/* The device itself, with the check: named. */
static void test_scan_real_device(void)
{
        int fd = open("/dev/kvm", O_RDONLY | O_CLOEXEC);

        if (fd < 0) {
                g_autofree char *reason = g_strdup_printf("cannot open /dev/kvm: %s", g_strerror(errno));

                g_test_skip(reason);
                return;
        }
        g_assert_true(scan_names_self(NV_KVM_USERS_SCAN_CHECK_DEVICE));
        close(fd);
}

/* The guest a QEMU process runs, from its command line as /proc has it. */
static void test_guest_name(void)
{
        static const struct {
                const char *cmdline;
                gsize len;
                const char *name; /* NULL: none */
        } cases[] = {
                { WIRE("/usr/bin/qemu-system-x86_64\0-name\0guest=web1,debug-threads=on\0-S"), "web1" },
                { WIRE("qemu-system-x86_64\0-name\0plain"), "plain" },
                { WIRE("qemu-kvm\0-name\0plain,process=q"), "plain" },
                { WIRE("qemu-system-x86_64\0-name\0guest=a,,b,debug-threads=on"), "a,b" },
                { WIRE("qemu-system-x86_64\0--name=guest=eq"), "eq" },
                { WIRE("qemu-system-x86_64\0-name\0debug-threads=on"), NULL },
                { WIRE("qemu-system-x86_64\0-name"), NULL },
                { WIRE("qemu-system-x86_64\0-name\0guest="), NULL },
                { WIRE("qemu-system-x86_64\0-m\0-name"), NULL },
                /* Only QEMU's option means the guest. */
                { WIRE("/usr/bin/firecracker\0-name\0x"), NULL },
                { WIRE("-name\0x"), NULL },
                /* A cmdline cut without its last NUL. */
                { CUT("qemu-system-x86_64\0-name\0cut"), "cut" },
        };

        for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autofree char *name = nv_kvm_users_guest_name(cases[i].cmdline, cases[i].len);

                g_assert_cmpstr(name, ==, cases[i].name);
        }
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);

        for (gsize i = 0; i < G_N_ELEMENTS(parse_cases); i++) {
                g_autofree char *path = g_strdup_printf("/kvm-users/parse/%s", parse_cases[i].name);

                g_test_add_data_func(path, &parse_cases[i], test_parse);
        }
        g_test_add_func("/kvm-users/parse/over-bound", test_parse_over_bound);
        g_test_add_func("/kvm-users/format/round-trip", test_round_trip);
        g_test_add_func("/kvm-users/format/error", test_format_error);
        g_test_add_func("/kvm-users/format/too-many", test_format_too_many);
        g_test_add_func("/kvm-users/query/answer", test_query);
        g_test_add_func("/kvm-users/query/garbage", test_query_garbage);
        g_test_add_func("/kvm-users/query/nobody", test_query_nobody);
        g_test_add_data_func("/kvm-users/query/timeout/silent", GINT_TO_POINTER(FALSE), test_query_timeout);
        g_test_add_data_func("/kvm-users/query/timeout/drip", GINT_TO_POINTER(TRUE), test_query_timeout);
        g_test_add_func("/kvm-users/guest-name", test_guest_name);
        g_test_add_func("/kvm-users/scan/all", test_scan_all);
        g_test_add_func("/kvm-users/scan/partial", test_scan_partial);
        g_test_add_func("/kvm-users/scan/forged-device", test_scan_forged_device);
        g_test_add_func("/kvm-users/scan/real-device", test_scan_real_device);
        return g_test_run();
}
