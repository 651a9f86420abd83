/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * EnablePersistent and ReloadModule over the bus, with the real bus policy,
 * on fake host trees: the daemon built with the simulated kernel
 * (tests/nestedvirtd-sim.c), and no polkit on the bus, so that the test,
 * which runs as root, is let through as systemd's services let root
 * through (the authorization itself is test-auth-mock's and
 * test-auth-polkitd's subject).
 *
 * What the file edit must get right: every other line, comment and option
 * kept, both spellings of the module name, idempotency down to the inode
 * and without a signal, PropertiesChanged for what changed, and refusals
 * that name their reason (a symlink, a later file or the kernel command
 * line that would override the setting, a later file that cannot be read,
 * a kvm.conf that cannot be edited faithfully, a read-only directory, a
 * built-in module, an unsupported host). What the reload must get right, as the
 * simulator's log shows: load, reload, refusal while in use, rollback.
 * And the CLI verbs that drive both.
 */
#include "config.h"

#include <gio/gunixsocketaddress.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nv-dbus.h"
#include "nv-test-bus.h"
#include "nv-test-host.h"

#define KVM_CONF "/etc/modprobe.d/kvm.conf"

/* The harness's environment, recording PropertiesChanged, on the daemon
 * built with the simulated kernel. */
typedef NvTestEnv Fixture;

static void setup_preset(Fixture *f, NvTestPreset preset)
{
        const NvTestEnvOptions options = {
                .daemon_program = nv_test_getenv("NV_DAEMON_SIM"),
                .record_changes = TRUE,
        };

        nv_test_env_setup_full(f, preset, &options);
}

/* @data: the preset. */
static void fixture_setup(Fixture *f, gconstpointer data)
{
        setup_preset(f, GPOINTER_TO_INT(data));
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
        nv_test_env_teardown(f);
}

static int compare_strings(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The properties the signals received so far changed, sorted, as GVariant
 * text: "{'PersistentNested': <'enabled'>, ...}". */
static char *changed_properties(Fixture *f)
{
        g_autoptr(GHashTable) merged = nv_test_env_collect_changes(f);
        g_autoptr(GString) text = g_string_new("{");
        g_autofree const char **keys = NULL;
        guint n_keys;

        keys = (const char **)g_hash_table_get_keys_as_array(merged, &n_keys);
        qsort(keys, n_keys, sizeof(*keys), compare_strings);
        for (guint i = 0; i < n_keys; i++) {
                g_autofree char *value = g_variant_print(g_hash_table_lookup(merged, keys[i]), FALSE);

                g_string_append_printf(text, "%s'%s': <%s>", i > 0 ? ", " : "", keys[i], value);
        }
        g_string_append_c(text, '}');
        return g_string_free(g_steal_pointer(&text), FALSE);
}

static GVariant *call(Fixture *f, const char *method, gboolean value, GError **error)
{
        return nv_test_env_call(f, NV_INTERFACE, method, g_variant_new("(b)", value), G_VARIANT_TYPE("(s)"),
                                error);
}

/* The call succeeds and returns @expected. */
static void call_ok(Fixture *f, const char *method, gboolean value, const char *expected)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = call(f, method, value, &error);
        const char *result;

        g_assert_no_error(error);
        g_variant_get(reply, "(&s)", &result);
        g_assert_cmpstr(result, ==, expected);
}

/* The call fails with @error_name; returns its message. */
static char *call_fails(Fixture *f, const char *method, gboolean value, const char *error_name)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = call(f, method, value, &error);
        g_autofree char *remote = NULL;

        g_assert_null(reply);
        g_assert_nonnull(error);
        remote = g_dbus_error_get_remote_error(error);
        if (g_strcmp0(remote, error_name) != 0)
                g_error("%s(%s): expected %s, got %s", method, value ? "true" : "false", error_name,
                        error->message);
        g_dbus_error_strip_remote_error(error);
        g_test_message("%s: %s", error_name, error->message);
        return g_strdup(error->message);
}

static void assert_contains(const char *text, const char *part)
{
        if (!strstr(text, part))
                g_error("\"%s\" does not contain \"%s\"", text, part);
}

static char *read_text(Fixture *f, const char *host_path)
{
        g_autoptr(GBytes) bytes = nv_test_host_read(f->host, host_path);

        return bytes ? g_strdup(g_bytes_get_data(bytes, NULL)) : NULL;
}

static void assert_text(Fixture *f, const char *host_path, const char *expected)
{
        g_autofree char *text = read_text(f, host_path);

        g_assert_cmpstr(text, ==, expected);
}

static void assert_mode(Fixture *f, const char *host_path, mode_t mode)
{
        g_autofree char *path = nv_test_host_path(f->host, host_path);
        struct stat st;

        g_assert_cmpint(lstat(path, &st), ==, 0);
        g_assert_cmpuint(st.st_mode & 07777, ==, mode);
}

static char *sim_log(Fixture *f)
{
        char *text = read_text(f, "/sim/log");

        return text ? text : g_strdup("");
}

/* ---- EnablePersistent: the edit ---------------------------------------- */

/* Only the nested= of the vendor module's statements changes; dash or
 * underscore, other options, comments and other lines stay. */
static void test_enable_keeps_the_rest(Fixture *f, gconstpointer data)
{
        g_autofree char *changed = NULL;

        nv_test_host_write_modprobe(f->host, "/etc/modprobe.d", "kvm.conf",
                                    "# Managed partly by hand\n"
                                    "\n"
                                    "options kvm-intel ept=1 nested=0 enable_apicv=0 # keep\n"
                                    "blacklist foo\n"
                                    "options kvm ignore_msrs=1\n"
                                    "options kvm_intel nested=N\n");
        nv_test_env_start_daemon(f);

        call_ok(f, "EnablePersistent", TRUE, KVM_CONF);
        assert_text(f, KVM_CONF,
                    "# Managed partly by hand\n"
                    "\n"
                    "options kvm-intel ept=1 nested=1 enable_apicv=0 # keep\n"
                    "blacklist foo\n"
                    "options kvm ignore_msrs=1\n"
                    "options kvm_intel nested=1\n");
        assert_mode(f, KVM_CONF, 0644);

        /* Persistently on, but the running module says N. */
        nv_test_env_sync(f);
        changed = changed_properties(f);
        g_assert_cmpstr(changed, ==, "{'PersistentNested': <'enabled'>, 'ReloadRequired': <true>}");
}

/* AMD's module, spelled both ways; and back off. */
static void test_disable_amd(Fixture *f, gconstpointer data)
{
        g_autofree char *changed = NULL;

        nv_test_host_write_modprobe(f->host, "/etc/modprobe.d", "kvm.conf",
                                    "options kvm_amd avic=1 nested=1\n"
                                    "options kvm-amd nested=1\n");
        nv_test_env_start_daemon(f);

        call_ok(f, "EnablePersistent", FALSE, KVM_CONF);
        assert_text(f, KVM_CONF,
                    "options kvm_amd avic=1 nested=0\n"
                    "options kvm-amd nested=0\n");
        nv_test_env_sync(f);
        changed = changed_properties(f);
        g_assert_cmpstr(changed, ==, "{'PersistentNested': <'disabled'>, 'ReloadRequired': <true>}");
}

/* No /etc/modprobe.d yet: created 0755, the file 0644, and all three
 * persistent properties announced. */
static void test_missing_directory(Fixture *f, gconstpointer data)
{
        g_autofree char *changed = NULL;

        nv_test_host_remove(f->host, "/etc/modprobe.d");
        nv_test_env_start_daemon(f);

        call_ok(f, "EnablePersistent", FALSE, KVM_CONF);
        assert_text(f, KVM_CONF, "options kvm_intel nested=0\n");
        assert_mode(f, "/etc/modprobe.d", 0755);
        assert_mode(f, KVM_CONF, 0644);
        nv_test_env_sync(f);
        changed = changed_properties(f);
        g_assert_cmpstr(
                changed, ==,
                "{'PersistentNested': <'disabled'>, 'PersistentSource': <'/etc/modprobe.d/kvm.conf'>,"
                " 'ReloadRequired': <false>}");
}

/* s390x: kvm itself has the nested parameter (default 0), and ppc64's
 * kvm_hv has it (default Y): the same file, their own module. */
static void test_enable_other_architecture(Fixture *f, gconstpointer data)
{
        NvTestPreset preset = GPOINTER_TO_INT(data);
        const char *module = preset == NV_TEST_PRESET_S390X ? "kvm" : "kvm_hv";
        g_autofree char *expected = g_strdup_printf("options %s nested=1\n", module);
        g_autofree char *changed = NULL;

        nv_test_env_start_daemon(f);
        call_ok(f, "EnablePersistent", TRUE, KVM_CONF);
        assert_text(f, KVM_CONF, expected);
        nv_test_env_sync(f);
        changed = changed_properties(f);
        /* kvm runs with nested 0 on s390x; kvm_hv already with Y. */
        g_assert_cmpstr(changed, ==,
                        preset == NV_TEST_PRESET_S390X
                                ? "{'PersistentNested': <'enabled'>, 'PersistentSource': "
                                  "<'/etc/modprobe.d/kvm.conf'>, 'ReloadRequired': <true>}"
                                : "{'PersistentNested': <'enabled'>, 'PersistentSource': "
                                  "<'/etc/modprobe.d/kvm.conf'>}");
}

/* The same call again leaves the very same file (bytes, inode, mtime) and
 * announces nothing. */
static void test_idempotent(Fixture *f, gconstpointer data)
{
        g_autofree char *path = nv_test_host_path(f->host, KVM_CONF);
        g_autoptr(GBytes) before = NULL;
        g_autoptr(GBytes) after = NULL;
        struct stat st_before, st_after;

        nv_test_host_write_modprobe(f->host, "/etc/modprobe.d", "kvm.conf", "options kvm_intel nested=0\n");
        nv_test_env_start_daemon(f);
        call_ok(f, "EnablePersistent", TRUE, KVM_CONF);
        nv_test_env_sync(f);
        g_assert_cmpuint(f->changes->len, >, 0);
        g_ptr_array_set_size(f->changes, 0);

        before = nv_test_host_read(f->host, KVM_CONF);
        g_assert_cmpint(stat(path, &st_before), ==, 0);
        call_ok(f, "EnablePersistent", TRUE, KVM_CONF);
        after = nv_test_host_read(f->host, KVM_CONF);
        g_assert_cmpint(stat(path, &st_after), ==, 0);

        g_assert_true(g_bytes_equal(before, after));
        g_assert_cmpuint(st_before.st_ino, ==, st_after.st_ino);
        g_assert_cmpint(st_before.st_mtim.tv_sec, ==, st_after.st_mtim.tv_sec);
        g_assert_cmpint(st_before.st_mtim.tv_nsec, ==, st_after.st_mtim.tv_nsec);
        nv_test_env_sync(f);
        g_assert_cmpuint(f->changes->len, ==, 0);
}

/* ---- EnablePersistent: refusals ---------------------------------------- */

/* A symlink at the daemon's file is refused, not written through. */
static void test_refuses_symlink(Fixture *f, gconstpointer data)
{
        g_autofree char *message = NULL;
        g_autofree char *conf_path = NULL;

        nv_test_host_write(f->host, "/target.conf", "# not ours\n");
        nv_test_host_symlink(f->host, KVM_CONF, "../../target.conf");
        nv_test_env_start_daemon(f);

        message = call_fails(f, "EnablePersistent", TRUE, NV_ERROR_FAILED);
        assert_contains(message, "kvm.conf");
        assert_contains(message, "symbolic link");
        assert_text(f, "/target.conf", "# not ours\n");
        conf_path = nv_test_host_path(f->host, KVM_CONF);
        g_assert_true(g_file_test(conf_path, G_FILE_TEST_IS_SYMLINK));
}

typedef struct {
        const char *dir;
        const char *name;
        const char *path; /* as the error must name it */
} LaterFile;

static const LaterFile later_files[] = {
        { "/usr/lib/modprobe.d", "zz.conf", "/usr/lib/modprobe.d/zz.conf" },
        { "/run/modprobe.d", "kvm2.conf", "/run/modprobe.d/kvm2.conf" },
};

/* A file read after kvm.conf that sets nested would win: refused, naming
 * that file and line, and nothing written. */
static void test_refuses_later_file(Fixture *f, gconstpointer data)
{
        for (size_t i = 0; i < G_N_ELEMENTS(later_files); i++) {
                const LaterFile *later = &later_files[i];
                g_autofree char *message = NULL;

                g_test_message("overridden by %s", later->path);
                nv_test_host_write_modprobe(f->host, "/etc/modprobe.d", "kvm.conf",
                                            "options kvm_intel nested=0\n");
                nv_test_host_write_modprobe(f->host, later->dir, later->name,
                                            "# vendor default\noptions kvm-intel nested=0\n");
                if (!f->daemon)
                        nv_test_env_start_daemon(f);

                message = call_fails(f, "EnablePersistent", TRUE, NV_ERROR_FAILED);
                assert_contains(message, later->path);
                assert_contains(message, "line 2");
                assert_text(f, KVM_CONF, "options kvm_intel nested=0\n");
                nv_test_host_remove(f->host, later->dir);
        }
}

/* A later file the daemon cannot read (more than it reads of one) might set
 * nested too: refused, naming it and why, and nothing written. */
static void test_refuses_later_unreadable(Fixture *f, gconstpointer data)
{
        g_autofree char *message = NULL;

        nv_test_host_write_modprobe(f->host, "/etc/modprobe.d", "kvm.conf", "options kvm_intel nested=0\n");
        nv_test_host_write_big(f->host, "/etc/modprobe.d/zz-huge.conf", 4 * 1024 * 1024 + 1, NULL);
        nv_test_env_start_daemon(f);

        message = call_fails(f, "EnablePersistent", TRUE, NV_ERROR_FAILED);
        assert_contains(message, "/etc/modprobe.d/zz-huge.conf");
        assert_contains(message, "cannot be read (larger than 4194304 bytes)");
        assert_text(f, KVM_CONF, "options kvm_intel nested=0\n");
}

/* kvm_intel.nested= on the kernel command line beats modprobe.d. */
static void test_refuses_cmdline(Fixture *f, gconstpointer data)
{
        g_autofree char *message = NULL;

        nv_test_host_write_modprobe(f->host, "/etc/modprobe.d", "kvm.conf", "options kvm_intel nested=1\n");
        nv_test_host_set_cmdline(f->host, "BOOT_IMAGE=/vmlinuz root=/dev/sda1 kvm_intel.nested=1 quiet");
        nv_test_env_start_daemon(f);

        message = call_fails(f, "EnablePersistent", FALSE, NV_ERROR_FAILED);
        assert_contains(message, "/proc/cmdline");
        assert_text(f, KVM_CONF, "options kvm_intel nested=1\n");
}

/* The daemon cannot write: a clear failure, and the file as it was. The
 * daemon runs in a mount namespace of its own where /etc/modprobe.d is a
 * read-only bind mount; the test's own view stays writable. */
static void test_read_only_directory(Fixture *f, gconstpointer data)
{
        g_autofree char *dir = nv_test_host_path(f->host, "/etc/modprobe.d");
        g_autofree char *root_arg = g_strconcat("--root=", nv_test_host_get_root(f->host), NULL);
        g_autofree char *unshare = g_find_program_in_path("unshare");
        g_autofree char *message = NULL;
        g_autoptr(GError) error = NULL;
        const char *const argv[] = {
                unshare ? unshare : "/usr/bin/unshare",
                "--mount",
                "--propagation=private",
                "/bin/sh",
                "-c",
                "mount --bind \"$1\" \"$1\" && mount -o remount,bind,ro \"$1\" && shift && exec \"$@\"",
                "sh",
                dir,
                nv_test_getenv("NV_DAEMON_SIM"),
                root_arg,
                "--idle-timeout=0",
                NULL,
        };

        if (!unshare) {
                g_test_skip("unshare(1) is not installed");
                return;
        }
        nv_test_host_write_modprobe(f->host, "/etc/modprobe.d", "kvm.conf", "options kvm_intel nested=0\n");
        f->daemon = nv_test_daemon_start_argv(f->bus, argv, NV_BUS_NAME, &error);
        if (!f->daemon) {
                g_test_skip_printf("cannot run the daemon under a read-only bind mount: %s", error->message);
                return;
        }

        message = call_fails(f, "EnablePersistent", TRUE, NV_ERROR_FAILED);
        assert_contains(message, "Read-only file system");
        assert_text(f, KVM_CONF, "options kvm_intel nested=0\n");
}

/* A kvm.conf that no edit could keep as it is: refused with its name and
 * what is wrong, byte for byte as it was, and nothing logged as done. */
typedef struct {
        const char *path;     /* the test's path */
        const char *mentions; /* what the error must say besides the file */
        void (*make)(Fixture *f);
} UneditableFile;

static void write_nul_byte(Fixture *f)
{
        static const char text[] = "# by hand\n\0\noptions snd_hda_intel model=auto\n";

        nv_test_host_write_data(f->host, KVM_CONF, text, sizeof(text) - 1);
}

static void write_random_bytes(Fixture *f)
{
        g_autoptr(GRand) rand = g_rand_new_with_seed(0x6e756c);
        guint8 bytes[8192];

        for (gsize i = 0; i < sizeof(bytes); i++)
                bytes[i] = (guint8)g_rand_int_range(rand, 0, 256);
        bytes[100] = 0; /* whatever the seed gives */
        nv_test_host_write_data(f->host, KVM_CONF, bytes, sizeof(bytes));
}

static void write_over_limit(Fixture *f)
{
        nv_test_host_write_big(f->host, KVM_CONF, 1024 * 1024 + 1, "options kvm_intel nested=0\n");
}

static void make_socket(Fixture *f)
{
        g_autofree char *path = nv_test_host_path(f->host, KVM_CONF);
        g_autoptr(GSocketAddress) address = g_unix_socket_address_new(path);
        g_autoptr(GSocket) socket = NULL;
        g_autoptr(GError) error = NULL;

        socket = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, &error);
        g_assert_no_error(error);
        g_assert_true(g_socket_bind(socket, address, FALSE, &error));
        g_assert_no_error(error);
}

static const UneditableFile uneditable_files[] = {
        { "/persistent/refused/nul-byte", "NUL byte (line 2, byte 11)", write_nul_byte },
        { "/persistent/refused/random-bytes", "NUL byte", write_random_bytes },
        { "/persistent/refused/over-limit", "larger than 1048576 bytes", write_over_limit },
        { "/persistent/refused/socket", "is a socket, not a regular file", make_socket },
};

/* lstat() of @host_path as text, and the contents of a regular file. */
static char *describe_file(Fixture *f, const char *host_path)
{
        g_autofree char *path = nv_test_host_path(f->host, host_path);
        g_autoptr(GBytes) bytes = NULL;
        g_autofree char *hash = NULL;
        struct stat st;

        g_assert_cmpint(lstat(path, &st), ==, 0);
        if (S_ISREG(st.st_mode)) {
                bytes = nv_test_host_read(f->host, host_path);
                hash = g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, bytes);
        }
        return g_strdup_printf("mode %o ino %ju size %jd sha256 %s", (unsigned)st.st_mode,
                               (uintmax_t)st.st_ino, (intmax_t)st.st_size, hash ? hash : "-");
}

/* @data: the UneditableFile; the host is an Intel one. */
static void uneditable_setup(Fixture *f, gconstpointer data)
{
        setup_preset(f, NV_TEST_PRESET_INTEL_LOADED);
}

static void test_refuses_uneditable(Fixture *f, gconstpointer data)
{
        const UneditableFile *c = data;
        g_autofree char *before = NULL;
        g_autofree char *after = NULL;
        g_autofree char *message = NULL;
        g_autofree char *log = NULL;

        c->make(f);
        before = describe_file(f, KVM_CONF);
        nv_test_env_start_daemon(f);

        for (int enable = 1; enable >= 0; enable--) {
                g_free(message);
                message = call_fails(f, "EnablePersistent", enable, NV_ERROR_FAILED);
                assert_contains(message, KVM_CONF);
                assert_contains(message, c->mentions);
                after = describe_file(f, KVM_CONF);
                g_assert_cmpstr(after, ==, before);
                g_clear_pointer(&after, g_free);
        }
        nv_test_env_sync(f);
        g_assert_cmpuint(f->changes->len, ==, 0);
        g_assert_true(g_file_get_contents(nv_test_daemon_get_log_path(f->daemon), &log, NULL, NULL));
        g_assert_null(strstr(log, "nested virtualization persistently"));
}

/* A built-in module ignores modprobe.d: the error says what to do. */
static void test_builtin(Fixture *f, gconstpointer data)
{
        g_autofree char *enable = NULL;
        g_autofree char *disable = NULL;
        g_autofree char *before = read_text(f, KVM_CONF);
        g_autofree char *log = NULL;

        nv_test_env_start_daemon(f);
        enable = call_fails(f, "EnablePersistent", TRUE, NV_ERROR_MODULE_BUILTIN);
        assert_contains(enable, "kvm_intel.nested=1");
        disable = call_fails(f, "EnablePersistent", FALSE, NV_ERROR_MODULE_BUILTIN);
        assert_contains(disable, "kvm_intel.nested=0");
        g_free(call_fails(f, "ReloadModule", TRUE, NV_ERROR_MODULE_BUILTIN));
        assert_text(f, KVM_CONF, before);
        log = sim_log(f);
        g_assert_cmpstr(log, ==, "");
}

/* Nothing to do on a host without Intel's or AMD's KVM. */
static void test_not_supported(Fixture *f, gconstpointer data)
{
        g_autofree char *log = NULL;

        nv_test_env_start_daemon(f);
        g_free(call_fails(f, "EnablePersistent", TRUE, NV_ERROR_NOT_SUPPORTED));
        g_free(call_fails(f, "ReloadModule", TRUE, NV_ERROR_NOT_SUPPORTED));
        g_assert_null(read_text(f, KVM_CONF));
        log = sim_log(f);
        g_assert_cmpstr(log, ==, "");
}

/* Every file and directory of the tree, with its mode, size, inode and
 * contents' hash, one line each, in name order. */
static void snapshot_dir(const char *root, const char *rel, GString *out)
{
        g_autofree char *dir = g_build_filename(root, rel, NULL);
        g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
        g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
        const char *name;

        while (d && (name = g_dir_read_name(d)))
                g_ptr_array_add(names, g_strdup(name));
        g_ptr_array_sort(names, compare_strings);
        for (guint i = 0; i < names->len; i++) {
                g_autofree char *child = g_build_filename(rel, g_ptr_array_index(names, i), NULL);
                g_autofree char *path = g_build_filename(root, child, NULL);
                g_autofree char *contents = NULL;
                g_autofree char *hash = NULL;
                gsize len = 0;
                struct stat st;

                g_assert_cmpint(lstat(path, &st), ==, 0);
                if (S_ISREG(st.st_mode) && g_file_get_contents(path, &contents, &len, NULL))
                        hash = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)contents, len);
                g_string_append_printf(out, "%s mode %o ino %ju size %jd mtime %jd.%09ld %s\n", child,
                                       (unsigned)st.st_mode, (uintmax_t)st.st_ino, (intmax_t)st.st_size,
                                       (intmax_t)st.st_mtim.tv_sec, st.st_mtim.tv_nsec, hash ? hash : "-");
                if (S_ISDIR(st.st_mode))
                        snapshot_dir(root, child, out);
        }
}

static char *snapshot_tree(Fixture *f)
{
        g_autoptr(GString) out = g_string_new(NULL);

        snapshot_dir(nv_test_host_get_root(f->host), "", out);
        return g_string_free(g_steal_pointer(&out), FALSE);
}

/* Every file of the host is as @before had it, and nothing was loaded
 * or unloaded. */
static void assert_untouched(Fixture *f, const char *before)
{
        g_autofree char *after = snapshot_tree(f);
        g_autofree char *log = sim_log(f);

        g_assert_cmpstr(after, ==, before);
        g_assert_cmpstr(log, ==, "");
}

/* Where nothing this service writes reaches the kernel, both methods
 * refuse with NotSupported, saying why and what to do, and leave every
 * file of the host as it was: @data names the preset, a file removed
 * from it (NULL: none) and the words the message must have. */
typedef struct {
        const char *path;
        NvTestPreset preset;
        const char *why;
        const char *what_to_do;
        const char *removed;
} RefusedHost;

static const RefusedHost refused_hosts[] = {
        { "/persistent/refused/module-absent", NV_TEST_PRESET_MODULE_ABSENT,
          "kvm_amd is not in the running kernel", "boot a kernel that has kvm_amd" },
        /* modules.dep names kvm_intel's file, which is gone: modprobe
         * would fail to load it, whatever was written. */
        { "/persistent/refused/module-file-missing", NV_TEST_PRESET_VENDOR_MODULE_NOT_LOADED,
          "kvm_intel is not in the running kernel", "boot a kernel that has kvm_intel",
          .removed = "/lib/modules/" NV_TEST_OSRELEASE "/kernel/arch/x86/kvm/kvm-intel.ko" },
        { "/persistent/refused/no-module-loading", NV_TEST_PRESET_NO_MODULE_LOADING, "cannot load modules",
          "Boot a kernel that has kvm_amd" },
        { "/persistent/refused/container", NV_TEST_PRESET_CONTAINER, "runs in a container (docker)",
          "Change nested virtualization on that host" },
        /* No hardware nesting at all comes first (the host class ladder):
         * this very kind of machine. */
        { "/persistent/refused/pvm-container", NV_TEST_PRESET_PVM_CONTAINER, "/dev/kvm comes from kvm_pvm",
          "must pass virtualization to it" },
        { "/persistent/refused/pvm", NV_TEST_PRESET_PVM, "/dev/kvm comes from kvm_pvm",
          "must pass virtualization to it" },
        /* arm64 nests by the command line alone, before 6.16 and since. */
        { "/persistent/refused/arm64-6.16", NV_TEST_PRESET_ARM64_NESTED, "kvm-arm.mode=nested",
          "Add kvm-arm.mode=nested in the boot loader configuration" },
        { "/persistent/refused/arm64-6.1", NV_TEST_PRESET_NON_X86, "kvm-arm.mode=nested",
          "Linux 6.16 or later" },
};

static void refused_setup(Fixture *f, gconstpointer data)
{
        const RefusedHost *c = data;

        setup_preset(f, c->preset);
        nv_test_host_write_modprobe(f->host, "/etc/modprobe.d", "kvm.conf", "# mine\n");
        if (c->removed)
                nv_test_host_remove(f->host, c->removed);
}

static void run_ctl(Fixture *f, NvTestRunResult *ret, const char *const *args);

static void test_refused_host(Fixture *f, gconstpointer data)
{
        const RefusedHost *c = data;
        const char *const *const commands[] = {
                (const char *const[]){ "--no-ask-password", "enable", NULL },
                (const char *const[]){ "--no-ask-password", "disable", NULL },
                (const char *const[]){ "--no-ask-password", "enable", "--now", NULL },
                (const char *const[]){ "--no-ask-password", "reload", "--nested=yes", NULL },
        };
        g_autofree char *before = NULL;

        nv_test_env_start_daemon(f);
        before = snapshot_tree(f);
        for (int enable = 1; enable >= 0; enable--) {
                g_autofree char *persistent =
                        call_fails(f, "EnablePersistent", enable, NV_ERROR_NOT_SUPPORTED);
                g_autofree char *reload = call_fails(f, "ReloadModule", enable, NV_ERROR_NOT_SUPPORTED);

                assert_contains(persistent, c->why);
                assert_contains(persistent, c->what_to_do);
                g_assert_cmpstr(reload, ==, persistent);
        }
        for (gsize i = 0; i < G_N_ELEMENTS(commands); i++) {
                g_auto(NvTestRunResult) result = { 0 };

                run_ctl(f, &result, commands[i]);
                g_assert_cmpint(result.exit_status, ==, 1);
                g_assert_cmpstr(result.stdout_text, ==, "");
                assert_contains(result.stderr_text, c->why);
                /* One line. */
                g_assert_cmpint(strchr(result.stderr_text, '\n') - result.stderr_text, ==,
                                (int)strlen(result.stderr_text) - 1);
        }
        assert_untouched(f, before);
}

/* s390x whose kvm would next load with hpage=1 (modprobe.d): Linux up to
 * 6.19 refuses nested with it, so EnablePersistent(true) and
 * ReloadModule(true) refuse, naming hpage and the file, and change
 * nothing; turning nesting off is still allowed, and is done. */
static void test_refused_hpage_persistent(Fixture *f, gconstpointer data)
{
        g_autofree char *before = NULL;
        g_autofree char *persistent = NULL;
        g_autofree char *reload = NULL;
        g_autofree char *log = NULL;
        g_auto(NvTestRunResult) result = { 0 };

        nv_test_env_start_daemon(f);
        before = snapshot_tree(f);
        persistent = call_fails(f, "EnablePersistent", TRUE, NV_ERROR_NOT_SUPPORTED);
        reload = call_fails(f, "ReloadModule", TRUE, NV_ERROR_NOT_SUPPORTED);
        assert_contains(persistent, "/etc/modprobe.d/s390-hpage.conf sets kvm's hpage=1");
        assert_contains(persistent, "remove hpage=1 from the kvm options there");
        g_assert_cmpstr(reload, ==, persistent);
        run_ctl(f, &result, (const char *const[]){ "--no-ask-password", "enable", "--now", NULL });
        g_assert_cmpint(result.exit_status, ==, 1);
        assert_contains(result.stderr_text, "hpage=1");
        assert_untouched(f, before);

        call_ok(f, "EnablePersistent", FALSE, KVM_CONF);
        assert_text(f, KVM_CONF, "options kvm nested=0\n");
        call_ok(f, "ReloadModule", FALSE, "0");
        log = sim_log(f);
        g_assert_cmpstr(log, ==, "unload kvm\nload kvm nested=0\n");
        assert_text(f, "/sys/module/kvm/parameters/hpage", "1\n");
}

/* s390x whose loaded kvm has hpage=1, nothing configured: the next load
 * takes no hpage, so nested=1 may be written, but a reload with it would
 * drop the running hpage=1 and is refused before anything is unloaded. */
static void test_refused_hpage_running(Fixture *f, gconstpointer data)
{
        g_autofree char *before = NULL;
        g_autofree char *reload = NULL;

        nv_test_env_start_daemon(f);
        call_ok(f, "EnablePersistent", TRUE, KVM_CONF);
        assert_text(f, KVM_CONF, "options kvm nested=1\n");
        before = snapshot_tree(f);
        reload = call_fails(f, "ReloadModule", TRUE, NV_ERROR_NOT_SUPPORTED);
        assert_contains(reload, "The loaded kvm backs its guests with huge pages (hpage=1)");
        assert_contains(reload, "reload kvm without hpage=1");
        assert_untouched(f, before);
}

/* ---- ReloadModule on the simulated kernel ------------------------------ */

static void test_reload_not_loaded(Fixture *f, gconstpointer data)
{
        g_autofree char *log = NULL;
        g_autofree char *changed = NULL;

        nv_test_env_start_daemon(f);
        call_ok(f, "ReloadModule", TRUE, "Y");
        log = sim_log(f);
        g_assert_cmpstr(log, ==, "load kvm_intel nested=1\n");
        assert_text(f, "/sys/module/kvm_intel/parameters/nested", "Y\n");
        nv_test_env_sync(f);
        changed = changed_properties(f);
        assert_contains(changed, "'VendorModuleLoaded': <true>");
        assert_contains(changed, "'NestedParameter': <'Y'>");
        assert_contains(changed, "'NestedEnabled': <true>");
}

/* ppc64le: kvm_hv's nested is writable, so a reload is a write, and a
 * running VM (the reference below) does not stand in its way. */
static void test_reload_ppc64le(Fixture *f, gconstpointer data)
{
        g_autofree char *log = NULL;

        nv_test_host_write(f->host, "/sys/module/kvm_hv/refcnt", "1\n");
        nv_test_env_start_daemon(f);
        call_ok(f, "ReloadModule", FALSE, "N");
        /* Never unloaded: the sim log would say so, and it stays live. */
        assert_text(f, "/sys/module/kvm_hv/initstate", "live\n");
        call_ok(f, "ReloadModule", TRUE, "Y");
        log = sim_log(f);
        g_assert_cmpstr(log, ==, "set kvm_hv nested=0\nset kvm_hv nested=1\n");
}

static void test_reload_loaded(Fixture *f, gconstpointer data)
{
        g_autofree char *log = NULL;

        nv_test_env_start_daemon(f);
        call_ok(f, "ReloadModule", TRUE, "Y");
        call_ok(f, "ReloadModule", FALSE, "N");
        log = sim_log(f);
        g_assert_cmpstr(log, ==,
                        "unload kvm_intel\nload kvm_intel nested=1\n"
                        "unload kvm_intel\nload kvm_intel nested=0\n");
}

/* A VM holds the module: refused, naming it, and nothing unloaded. */
static void test_reload_in_use(Fixture *f, gconstpointer data)
{
        const char *const qemu_fds[] = { "/dev/kvm", "anon_inode:kvm-vm", NULL };
        g_autofree char *message = NULL;
        g_autofree char *log = NULL;

        nv_test_host_load_module(f->host, "kvm_intel", 1, "N");
        nv_test_host_add_process(f->host, 4242, "qemu-system-x86", qemu_fds);
        nv_test_env_start_daemon(f);

        message = call_fails(f, "ReloadModule", TRUE, NV_ERROR_MODULE_IN_USE);
        assert_contains(message, "4242");
        assert_contains(message, "qemu-system-x86");
        log = sim_log(f);
        g_assert_cmpstr(log, ==, "");
        assert_text(f, "/sys/module/kvm_intel/parameters/nested", "N\n");
}

/* The load with the new value fails: the module is loaded back as it was,
 * and the error gives both reasons. */
static void test_reload_rollback(Fixture *f, gconstpointer data)
{
        g_autofree char *message = NULL;
        g_autofree char *log = NULL;

        nv_test_host_write(f->host, "/sim/fail-load", "nested=1\n");
        nv_test_env_start_daemon(f);

        message = call_fails(f, "ReloadModule", TRUE, NV_ERROR_FAILED);
        assert_contains(message, "simulated failure");
        assert_contains(message, "loaded back with nested=0");
        log = sim_log(f);
        g_assert_cmpstr(log, ==,
                        "unload kvm_intel\nload kvm_intel nested=1: EIO\nload kvm_intel nested=0\n");
        assert_text(f, "/sys/module/kvm_intel/parameters/nested", "N\n");
}

/* ---- The CLI ------------------------------------------------------------ */

static void run_ctl(Fixture *f, NvTestRunResult *ret, const char *const *args)
{
        g_autoptr(GPtrArray) argv = g_ptr_array_new();
        g_autofree char *bus_env =
                g_strconcat("DBUS_SYSTEM_BUS_ADDRESS=", nv_test_bus_get_address(f->bus), NULL);
        g_autofree char *command = g_strjoinv(" ", (char **)args);
        const char *const env[] = { bus_env, "LC_ALL=C.UTF-8", "SYSTEMD_PAGER=cat", "PAGER=cat", NULL };

        g_ptr_array_add(argv, (gpointer)nv_test_getenv("NV_CTL"));
        for (size_t i = 0; args[i]; i++)
                g_ptr_array_add(argv, (gpointer)args[i]);
        g_ptr_array_add(argv, NULL);
        nv_test_run((const char *const *)argv->pdata, env, ret);
        g_test_message("$ nestedvirtctl %s  => exit %d\nstdout:\n%sstderr:\n%s", command, ret->exit_status,
                       ret->stdout_text, ret->stderr_text);
        g_assert_true(ret->exited);
}

/* The CLI is being taught these verbs; until it knows them, say so. */
static gboolean ctl_knows(Fixture *f, const char *verb)
{
        g_auto(NvTestRunResult) help = { 0 };
        g_autofree char *line = g_strdup_printf("\n  %s ", verb);

        run_ctl(f, &help, (const char *const[]){ "--help", NULL });
        if (help.exit_status == 0 && strstr(help.stdout_text, line))
                return TRUE;
        g_test_skip_printf("nestedvirtctl --help does not list \"%s\" yet", verb);
        return FALSE;
}

static void test_ctl_enable_disable(Fixture *f, gconstpointer data)
{
        g_auto(NvTestRunResult) enable = { 0 };
        g_auto(NvTestRunResult) disable = { 0 };
        g_autofree char *log = NULL;

        nv_test_host_write_modprobe(f->host, "/etc/modprobe.d", "kvm.conf", "# mine\n");
        nv_test_env_start_daemon(f);
        if (!ctl_knows(f, "enable") || !ctl_knows(f, "disable"))
                return;

        run_ctl(f, &enable, (const char *const[]){ "--no-ask-password", "enable", NULL });
        g_assert_cmpint(enable.exit_status, ==, 0);
        assert_text(f, KVM_CONF, "# mine\noptions kvm_intel nested=1\n");
        run_ctl(f, &disable, (const char *const[]){ "--no-ask-password", "disable", NULL });
        g_assert_cmpint(disable.exit_status, ==, 0);
        assert_text(f, KVM_CONF, "# mine\noptions kvm_intel nested=0\n");
        /* Without --now, the module is left alone. */
        log = sim_log(f);
        g_assert_cmpstr(log, ==, "");
}

static void test_ctl_enable_now(Fixture *f, gconstpointer data)
{
        g_auto(NvTestRunResult) result = { 0 };
        g_autofree char *log = NULL;

        nv_test_env_start_daemon(f);
        if (!ctl_knows(f, "enable"))
                return;

        run_ctl(f, &result, (const char *const[]){ "--no-ask-password", "enable", "--now", NULL });
        g_assert_cmpint(result.exit_status, ==, 0);
        assert_text(f, KVM_CONF, "options kvm_intel nested=1\n");
        log = sim_log(f);
        g_assert_cmpstr(log, ==, "unload kvm_intel\nload kvm_intel nested=1\n");
        assert_text(f, "/sys/module/kvm_intel/parameters/nested", "Y\n");
}

/* --now while a VM holds the module: refused before anything is
 * written, one line naming the VM. */
static void test_ctl_enable_now_in_use(Fixture *f, gconstpointer data)
{
        const char *const qemu_fds[] = { "/dev/kvm", NULL };
        g_auto(NvTestRunResult) result = { 0 };
        g_autofree char *log = NULL;

        nv_test_host_write_modprobe(f->host, "/etc/modprobe.d", "kvm.conf", "# mine\n");
        nv_test_host_load_module(f->host, "kvm_intel", 1, "N");
        nv_test_host_add_process(f->host, 4242, "qemu-system-x86", qemu_fds);
        nv_test_env_start_daemon(f);

        run_ctl(f, &result, (const char *const[]){ "--no-ask-password", "enable", "--now", NULL });
        g_assert_cmpint(result.exit_status, ==, 1);
        g_assert_cmpstr(result.stdout_text, ==, "");
        assert_contains(result.stderr_text, "Nothing was changed");
        assert_contains(result.stderr_text, "4242 (qemu-system-x86)");
        assert_text(f, KVM_CONF, "# mine\n");
        log = sim_log(f);
        g_assert_cmpstr(log, ==, "");
}

/* --now whose reload fails after the file is written: one message says
 * both, why, and what to do; exit 1, nothing on stdout. */
static void test_ctl_enable_now_reload_fails(Fixture *f, gconstpointer data)
{
        g_auto(NvTestRunResult) result = { 0 };

        nv_test_host_write(f->host, "/sim/fail-load", "nested=1\n");
        nv_test_env_start_daemon(f);

        run_ctl(f, &result, (const char *const[]){ "--no-ask-password", "enable", "--now", NULL });
        g_assert_cmpint(result.exit_status, ==, 1);
        g_assert_cmpstr(result.stdout_text, ==, "");
        assert_contains(result.stderr_text, "Failed to reload kvm_intel");
        assert_contains(result.stderr_text, "now enabled persistently in /etc/modprobe.d/kvm.conf");
        assert_contains(result.stderr_text, "simulated failure");
        g_assert_cmpint(strchr(result.stderr_text, '\n') - result.stderr_text, ==,
                        (int)strlen(result.stderr_text) - 1);
        assert_text(f, KVM_CONF, "options kvm_intel nested=1\n");
}

static void test_ctl_reload(Fixture *f, gconstpointer data)
{
        g_auto(NvTestRunResult) off = { 0 };
        g_auto(NvTestRunResult) on = { 0 };
        g_autofree char *log = NULL;

        nv_test_env_start_daemon(f);
        if (!ctl_knows(f, "reload"))
                return;

        run_ctl(f, &on, (const char *const[]){ "--no-ask-password", "reload", "--nested=yes", NULL });
        g_assert_cmpint(on.exit_status, ==, 0);
        run_ctl(f, &off, (const char *const[]){ "--no-ask-password", "reload", "--nested=no", NULL });
        g_assert_cmpint(off.exit_status, ==, 0);
        log = sim_log(f);
        g_assert_cmpstr(log, ==,
                        "unload kvm_intel\nload kvm_intel nested=1\n"
                        "unload kvm_intel\nload kvm_intel nested=0\n");
        /* Only the running module: nothing persistent. */
        g_assert_null(read_text(f, KVM_CONF));
}

/* In use: exit 1, and the one line on stderr names who to stop. */
static void test_ctl_reload_in_use(Fixture *f, gconstpointer data)
{
        const char *const qemu_fds[] = { "/dev/kvm", NULL };
        g_auto(NvTestRunResult) result = { 0 };
        g_autofree char *log = NULL;

        nv_test_host_load_module(f->host, "kvm_intel", 1, "N");
        nv_test_host_add_process(f->host, 4242, "qemu-system-x86", qemu_fds);
        /* A holder that names itself with terminal escapes (issue 26). */
        nv_test_host_add_process(f->host, 4343, "\x1b[8m\r\xc2\x9b\xe2\x80\xae", qemu_fds);
        nv_test_env_start_daemon(f);
        if (!ctl_knows(f, "reload"))
                return;

        run_ctl(f, &result, (const char *const[]){ "--no-ask-password", "reload", "--nested=yes", NULL });
        g_assert_cmpint(result.exit_status, ==, 1);
        assert_contains(result.stderr_text, "4242");
        assert_contains(result.stderr_text, "qemu-system-x86");
        /* One line, the other holder's name escaped. */
        g_assert_cmpint(strchr(result.stderr_text, '\n') - result.stderr_text, ==,
                        (int)strlen(result.stderr_text) - 1);
        for (const char *p = result.stderr_text; *p; p = g_utf8_next_char(p)) {
                gunichar ch = g_utf8_get_char(p);

                if (ch != '\n' && (g_unichar_iscntrl(ch) || g_unichar_type(ch) == G_UNICODE_FORMAT))
                        g_error("U+%04X reached the terminal raw: %s", ch, result.stderr_text);
        }
        assert_contains(result.stderr_text, "4343");
        log = sim_log(f);
        g_assert_cmpstr(log, ==, "");
}

/* Built in: exit 1, and the way out (the kernel command line). */
static void test_ctl_enable_builtin(Fixture *f, gconstpointer data)
{
        g_auto(NvTestRunResult) result = { 0 };

        nv_test_env_start_daemon(f);
        if (!ctl_knows(f, "enable"))
                return;

        run_ctl(f, &result, (const char *const[]){ "--no-ask-password", "enable", NULL });
        g_assert_cmpint(result.exit_status, ==, 1);
        assert_contains(result.stderr_text, "kvm_intel.nested=1");
}

static void test_ctl_usage(Fixture *f, gconstpointer data)
{
        g_auto(NvTestRunResult) result = { 0 };

        nv_test_env_start_daemon(f);
        if (!ctl_knows(f, "reload"))
                return;

        run_ctl(f, &result, (const char *const[]){ "reload", "--nested=maybe", NULL });
        g_assert_cmpint(result.exit_status, ==, 2);
        g_assert_cmpstr(result.stderr_text, !=, "");
}

static void add_test(const char *skip, const char *path, NvTestPreset preset,
                     void (*test)(Fixture *, gconstpointer))
{
        nv_test_add(skip, path, Fixture, GINT_TO_POINTER(preset), fixture_setup, test, fixture_teardown);
}

int main(int argc, char *argv[])
{
        static const char *const env_vars[] = { "NV_DAEMON_SIM", "NV_CTL", "NV_BUS_POLICY", NULL };
        g_autofree char *skip = NULL;

        nv_test_init(&argc, &argv);
        skip = nv_test_skip_reason(env_vars);

        add_test(skip, "/persistent/enable/keeps-the-rest", NV_TEST_PRESET_INTEL_LOADED,
                 test_enable_keeps_the_rest);
        add_test(skip, "/persistent/disable/amd-both-spellings", NV_TEST_PRESET_AMD_LOADED,
                 test_disable_amd);
        add_test(skip, "/persistent/missing-directory", NV_TEST_PRESET_INTEL_LOADED, test_missing_directory);
        add_test(skip, "/persistent/idempotent", NV_TEST_PRESET_INTEL_LOADED, test_idempotent);
        add_test(skip, "/persistent/enable/s390x", NV_TEST_PRESET_S390X, test_enable_other_architecture);
        add_test(skip, "/persistent/refused/s390x-hpage-persistent", NV_TEST_PRESET_S390X_HPAGE_PERSISTENT,
                 test_refused_hpage_persistent);
        add_test(skip, "/persistent/refused/s390x-hpage-running", NV_TEST_PRESET_S390X_HPAGE,
                 test_refused_hpage_running);
        add_test(skip, "/persistent/enable/ppc64le", NV_TEST_PRESET_PPC64LE_POWER9,
                 test_enable_other_architecture);
        add_test(skip, "/persistent/refused/symlink", NV_TEST_PRESET_INTEL_LOADED, test_refuses_symlink);
        add_test(skip, "/persistent/refused/later-file", NV_TEST_PRESET_INTEL_LOADED,
                 test_refuses_later_file);
        add_test(skip, "/persistent/refused/later-file-unreadable", NV_TEST_PRESET_INTEL_LOADED,
                 test_refuses_later_unreadable);
        add_test(skip, "/persistent/refused/cmdline", NV_TEST_PRESET_INTEL_LOADED, test_refuses_cmdline);
        add_test(skip, "/persistent/refused/read-only", NV_TEST_PRESET_INTEL_LOADED,
                 test_read_only_directory);
        for (size_t i = 0; i < G_N_ELEMENTS(uneditable_files); i++)
                nv_test_add(skip, uneditable_files[i].path, Fixture, &uneditable_files[i], uneditable_setup,
                            test_refuses_uneditable, fixture_teardown);
        add_test(skip, "/persistent/refused/builtin", NV_TEST_PRESET_KVM_BUILTIN, test_builtin);
        add_test(skip, "/persistent/refused/unknown-vendor", NV_TEST_PRESET_UNKNOWN_VENDOR,
                 test_not_supported);
        add_test(skip, "/persistent/refused/non-x86", NV_TEST_PRESET_NON_X86, test_not_supported);
        for (size_t i = 0; i < G_N_ELEMENTS(refused_hosts); i++)
                nv_test_add(skip, refused_hosts[i].path, Fixture, &refused_hosts[i], refused_setup,
                            test_refused_host, fixture_teardown);
        add_test(skip, "/reload/not-loaded", NV_TEST_PRESET_VENDOR_MODULE_NOT_LOADED,
                 test_reload_not_loaded);
        add_test(skip, "/reload/loaded", NV_TEST_PRESET_INTEL_LOADED, test_reload_loaded);
        add_test(skip, "/reload/ppc64le-at-run-time", NV_TEST_PRESET_PPC64LE_POWER9, test_reload_ppc64le);
        add_test(skip, "/reload/in-use", NV_TEST_PRESET_INTEL_LOADED, test_reload_in_use);
        add_test(skip, "/reload/rollback", NV_TEST_PRESET_INTEL_LOADED, test_reload_rollback);
        add_test(skip, "/cli/enable-disable", NV_TEST_PRESET_INTEL_LOADED, test_ctl_enable_disable);
        add_test(skip, "/cli/enable-now", NV_TEST_PRESET_INTEL_LOADED, test_ctl_enable_now);
        add_test(skip, "/cli/enable-now/in-use", NV_TEST_PRESET_INTEL_LOADED, test_ctl_enable_now_in_use);
        add_test(skip, "/cli/enable-now/reload-fails", NV_TEST_PRESET_INTEL_LOADED,
                 test_ctl_enable_now_reload_fails);
        add_test(skip, "/cli/reload", NV_TEST_PRESET_INTEL_LOADED, test_ctl_reload);
        add_test(skip, "/cli/reload-in-use", NV_TEST_PRESET_INTEL_LOADED, test_ctl_reload_in_use);
        add_test(skip, "/cli/enable-builtin", NV_TEST_PRESET_KVM_BUILTIN, test_ctl_enable_builtin);
        add_test(skip, "/cli/usage", NV_TEST_PRESET_INTEL_LOADED, test_ctl_usage);

        return nv_test_run_tests(skip);
}
