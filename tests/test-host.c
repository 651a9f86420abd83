/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The host reader (nv-host.h) on fake host trees (nv-test-host.h), without
 * a bus: one nv_host_read_facts() gives every fact, /dev/kvm's and the
 * container's included, and what it keeps between reads is read again
 * exactly when it may have changed.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nv-host.h"
#include "nv-modprobe-files.h"
#include "nv-test-host.h"

/* The facts of one nv_host_read_facts() of @host into @ret (cleared). */
static void read_facts(NvHost *host, NvHostFacts *ret)
{
        nv_host_facts_clear(ret);
        nv_host_read_facts(host, ret);
}

static void test_one_read(void)
{
        g_autoptr(NvTestHost) tree = nv_test_host_new_preset(NV_TEST_PRESET_PVM_CONTAINER);
        g_autoptr(NvHost) host = nv_host_new(nv_test_host_get_root(tree));
        g_auto(NvHostFacts) facts = { 0 };

        read_facts(host, &facts);
        g_assert_true(facts.kvm_device);
        g_assert_cmpstr(facts.kvm_provider, ==, "kvm_pvm");
        g_assert_true(facts.has_kvm_stat);
        g_assert_cmpuint(facts.kvm_uid, ==, getuid());
        g_assert_nonnull(facts.kvm_owner);
        g_assert_nonnull(facts.kvm_group);
        g_assert_cmpuint(facts.kvm_mode & 07777, ==, 0600);
        g_assert_cmpstr(facts.container, ==, "docker");
}

/* While the modules are watched, the provider is kept with them: a module
 * that comes unannounced is not seen until the kernel's word comes. */
static void test_provider_kept_while_watched(void)
{
        g_autoptr(NvTestHost) tree = nv_test_host_new_preset(NV_TEST_PRESET_INTEL_LOADED);
        g_autoptr(NvHost) watched = NULL;
        g_autoptr(NvHost) unwatched = NULL;
        g_auto(NvHostFacts) facts = { 0 };

        /* /dev/kvm with no provider that the reader knows of yet. */
        nv_test_host_unload_module(tree, "kvm_intel");
        watched = nv_host_new(nv_test_host_get_root(tree));
        unwatched = nv_host_new(nv_test_host_get_root(tree));
        nv_host_watch_modules(watched);
        read_facts(watched, &facts);
        g_assert_true(facts.kvm_device);
        g_assert_null(facts.kvm_provider);

        nv_test_host_load_module(tree, "kvm_pvm", 0, NULL);
        read_facts(watched, &facts);
        g_assert_null(facts.kvm_provider);
        read_facts(unwatched, &facts);
        g_assert_cmpstr(facts.kvm_provider, ==, "kvm_pvm");

        nv_host_invalidate_modules(watched);
        read_facts(watched, &facts);
        g_assert_cmpstr(facts.kvm_provider, ==, "kvm_pvm");
}

/* The group's name is looked up again only when /etc/group changes: a
 * rename that keeps its size and mtime is not seen. */
static void test_names_kept_while_files_unchanged(void)
{
        g_autoptr(NvTestHost) tree = nv_test_host_new_preset(NV_TEST_PRESET_INTEL_LOADED);
        g_autoptr(NvHost) host = nv_host_new(nv_test_host_get_root(tree));
        g_autofree char *group = nv_test_host_path(tree, "/etc/group");
        g_auto(NvHostFacts) facts = { 0 };
        struct timespec times[2];
        struct stat st;

        if (!nv_test_host_set_kvm_access(tree, NV_TEST_KVM_GID, 0660))
                return;
        read_facts(host, &facts);
        g_assert_cmpstr(facts.kvm_group, ==, "kvm");

        g_assert_no_errno(stat(group, &st));
        nv_test_host_write(tree, "/etc/group", "root:x:0:\nkvx:x:993:\n");
        times[0] = st.st_atim;
        times[1] = st.st_mtim;
        g_assert_no_errno(utimensat(AT_FDCWD, group, times, 0));
        read_facts(host, &facts);
        g_assert_cmpstr(facts.kvm_group, ==, "kvm");

        times[1].tv_sec++;
        g_assert_no_errno(utimensat(AT_FDCWD, group, times, 0));
        read_facts(host, &facts);
        g_assert_cmpstr(facts.kvm_group, ==, "kvx");
}

/* The container cannot change under a running daemon: it is found once. */
static void test_container_found_once(void)
{
        g_autoptr(NvTestHost) tree = nv_test_host_new_preset(NV_TEST_PRESET_CONTAINER);
        g_autoptr(NvHost) host = nv_host_new(nv_test_host_get_root(tree));
        g_autoptr(NvHost) fresh = NULL;
        g_auto(NvHostFacts) facts = { 0 };

        read_facts(host, &facts);
        g_assert_cmpstr(facts.container, ==, "docker");

        nv_test_host_remove(tree, "/.dockerenv");
        read_facts(host, &facts);
        g_assert_cmpstr(facts.container, ==, "docker");

        fresh = nv_host_new(nv_test_host_get_root(tree));
        read_facts(fresh, &facts);
        g_assert_null(facts.container);
}

/* /proc/cpuinfo is read up to the end of its first processor's block,
 * not to its end: here it is a FIFO that holds that block, and its
 * writer stays open, so a read past the block finds nothing yet
 * (EAGAIN, the reader does not wait) and fails the whole read. */
static void test_cpuinfo_first_block_only(void)
{
        g_autoptr(NvTestHost) tree = nv_test_host_new_preset(NV_TEST_PRESET_INTEL_LOADED);
        g_autofree char *path = nv_test_host_path(tree, "/proc/cpuinfo");
        const char *block = "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu vmx\n"
                            "vmx flags\t: ept vpid\nbugs\t\t:\n\n";
        g_autoptr(NvHost) host = NULL;
        g_auto(NvHostFacts) facts = { 0 };
        int writer;

        g_assert_no_errno(unlink(path));
        g_assert_no_errno(mkfifo(path, 0644));
        writer = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
        g_assert_cmpint(writer, >=, 0);
        g_assert_cmpint(write(writer, block, strlen(block)), ==, (gssize)strlen(block));

        host = nv_host_new(nv_test_host_get_root(tree));
        read_facts(host, &facts);
        g_assert_cmpint(facts.cpu.vendor, ==, NV_CPU_VENDOR_INTEL);
        g_assert_true(facts.cpu.has_vmx);
        g_assert_true(facts.cpu.has_ept);
        g_assert_no_errno(close(writer));
}

/* modules.builtin is gone through once, a line at a time: a distribution
 * kernel's lists thousands of modules, and kvm may be the last. What it
 * says is kept, not the file: a later change is not seen. */
static void test_modules_builtin_long(void)
{
        g_autoptr(NvTestHost) tree = nv_test_host_new_preset(NV_TEST_PRESET_INTEL_LOADED);
        const char *list = "/lib/modules/" NV_TEST_OSRELEASE "/modules.builtin";
        g_autoptr(GString) text = g_string_new(NULL);
        g_autoptr(NvHost) host = NULL;
        g_auto(NvHostFacts) facts = { 0 };

        for (guint i = 0; i < 20000; i++)
                g_string_append_printf(text, "kernel/drivers/net/vendor%u/driver-%u.ko\n", i % 13, i);
        g_string_append(text, "kernel/arch/x86/kvm/kvm.ko\n");
        nv_test_host_write(tree, list, text->str);
        nv_test_host_unload_module(tree, "kvm_intel");
        nv_test_host_unload_module(tree, "kvm");

        host = nv_host_new(nv_test_host_get_root(tree));
        read_facts(host, &facts);
        g_assert_cmpint(facts.kvm_state, ==, NV_MODULE_STATE_BUILTIN);
        /* Not listed, and the list is whole: not loaded, without a look
         * at its directory. */
        g_assert_cmpint(facts.vendor_state, ==, NV_MODULE_STATE_ABSENT);

        nv_test_host_write(tree, list, "kernel/arch/x86/kvm/kvm-intel.ko\n");
        read_facts(host, &facts);
        g_assert_cmpint(facts.kvm_state, ==, NV_MODULE_STATE_BUILTIN);
        g_assert_cmpint(facts.vendor_state, ==, NV_MODULE_STATE_ABSENT);
}

/* What modprobe.d holds besides files: a directory, or a link to one, is
 * skipped as kmod skips it, whether its type comes with the listing or
 * takes a stat(); a link to a file counts, a dangling one does not. */
static void test_modprobe_files_listed(void)
{
        g_autoptr(NvTestHost) tree = nv_test_host_new_preset(NV_TEST_PRESET_INTEL_LOADED);
        g_auto(GStrv) files = NULL;
        g_autofree char *joined = NULL;

        nv_test_host_write(tree, "/etc/modprobe.d/a.conf", "\n");
        nv_test_host_mkdir(tree, "/etc/modprobe.d/b.conf");
        nv_test_host_symlink(tree, "/etc/modprobe.d/c.conf", "b.conf");
        nv_test_host_symlink(tree, "/etc/modprobe.d/d.conf", "a.conf");
        nv_test_host_symlink(tree, "/etc/modprobe.d/e.conf", "missing.conf");
        files = nv_modprobe_list_files(nv_test_host_get_root(tree));
        joined = g_strjoinv(" ", files);
        g_assert_nonnull(strstr(joined, "/etc/modprobe.d/a.conf"));
        g_assert_null(strstr(joined, "/etc/modprobe.d/b.conf"));
        g_assert_null(strstr(joined, "/etc/modprobe.d/c.conf"));
        g_assert_nonnull(strstr(joined, "/etc/modprobe.d/d.conf"));
        g_assert_null(strstr(joined, "/etc/modprobe.d/e.conf"));
}

/* The value of the last setting of nested in @host's modprobe.d, or NULL. */
static const char *last_nested(NvHost *host)
{
        const GArray *settings = nv_host_get_config_settings(host);

        return settings->len ? g_array_index(settings, NvSetting, settings->len - 1).value : NULL;
}

/* modprobe.d listed (and read) ahead again, then /etc/modprobe.d/@name
 * written with @contents, and the change announced. */
static void change_after_prefetch(NvTestHost *tree, NvHost *host, const char *name, const char *contents)
{
        nv_host_invalidate_config(host);
        nv_host_prefetch_config(host);
        /* Time for the thread to have read the files before they change. */
        g_usleep(100 * 1000);
        nv_test_host_write_modprobe(tree, "/etc/modprobe.d", name, contents);
        nv_host_invalidate_config(host);
}

/* modprobe.d is listed ahead, and where it has many files (@n_others
 * besides kvm.conf) read in a thread; what was listed or read is used,
 * unless a change came meanwhile: then it is listed and read again. */
static void check_modprobe_prefetch(guint n_others)
{
        g_autoptr(NvTestHost) tree = nv_test_host_new_preset(NV_TEST_PRESET_INTEL_LOADED);
        g_autoptr(NvHost) host = NULL;

        for (guint i = 0; i < n_others; i++) {
                g_autofree char *name = g_strdup_printf("%02u-other.conf", i);

                nv_test_host_write_modprobe(tree, "/etc/modprobe.d", name, "options loop max_loop=8\n");
        }
        nv_test_host_write_modprobe(tree, "/etc/modprobe.d", "kvm.conf", "options kvm_intel nested=1\n");
        host = nv_host_new(nv_test_host_get_root(tree));
        nv_host_prefetch_config(host);
        g_assert_cmpstr(last_nested(host), ==, "1");

        change_after_prefetch(tree, host, "kvm.conf", "options kvm_intel nested=0\n");
        g_assert_cmpstr(last_nested(host), ==, "0");
        /* A file that was not there when modprobe.d was listed. */
        change_after_prefetch(tree, host, "zz-late.conf", "options kvm_intel nested=1\n");
        g_assert_cmpstr(last_nested(host), ==, "1");
}

static void test_modprobe_prefetch(void)
{
        /* Read when first asked: a few files. */
        check_modprobe_prefetch(0);
        /* Read in a thread: more than nv-host.c's CONFIG_THREAD_MIN_FILES. */
        check_modprobe_prefetch(40);
}

/* The read shared by the thread and its caller (nv_modprobe_read_start(),
 * _finish()) gives what one thread reading them all gives: every file, in
 * the listing's order, with its own setting, across the directories of
 * the merged modprobe.d; and a read cancelled at once leaves nothing
 * behind (ASan). */
static void test_modprobe_read_shared(void)
{
        g_autoptr(NvTestHost) tree = nv_test_host_new_preset(NV_TEST_PRESET_INTEL_LOADED);
        const char *root = nv_test_host_get_root(tree);
        const char *dirs[] = { "/etc/modprobe.d", "/run/modprobe.d", "/lib/modprobe.d" };
        g_auto(GStrv) names = NULL;
        g_autoptr(GPtrArray) alone = NULL;
        g_autoptr(GPtrArray) shared = NULL;
        guint checked = 0;

        for (guint i = 0; i < 300; i++) {
                g_autofree char *name = g_strdup_printf("%03u.conf", i);
                g_autofree char *text = i % 7 == 0 ? g_strdup("options loop max_loop=8\n")
                                                   : g_strdup_printf("options kvm_intel nested=%u\n", i);

                nv_test_host_write_modprobe(tree, dirs[i % G_N_ELEMENTS(dirs)], name, text);
        }
        names = nv_modprobe_list_files(root);
        g_assert_cmpuint(g_strv_length(names), >=, 300);
        alone = nv_modprobe_read_files(root, "kvm_intel", names);
        shared = nv_modprobe_read_finish(nv_modprobe_read_start(root, "kvm_intel", g_strdupv(names)));

        g_assert_cmpuint(shared->len, ==, alone->len);
        for (guint i = 0; i < shared->len; i++) {
                const NvModprobeFile *a = g_ptr_array_index(alone, i);
                const NvModprobeFile *b = g_ptr_array_index(shared, i);
                g_autofree char *base = g_path_get_basename(names[i]);
                g_autofree char *value = NULL;
                guint n;

                g_assert_cmpstr(b->source, ==, names[i]);
                g_assert_cmpstr(b->source, ==, a->source);
                g_assert_cmpstr(b->path, ==, a->path);
                g_assert_cmpint(b->r, ==, a->r);
                g_assert_cmpint(b->found, ==, a->found);
                g_assert_cmpstr(b->option.value, ==, a->option.value);
                if (sscanf(base, "%3u.conf", &n) != 1 || strlen(base) != 8)
                        continue; /* the preset's own */
                value = g_strdup_printf("%u", n);
                g_assert_cmpint(b->r, ==, 0);
                g_assert_cmpint(b->found, ==, n % 7 != 0);
                if (b->found)
                        g_assert_cmpstr(b->option.value, ==, value);
                checked++;
        }
        g_assert_cmpuint(checked, ==, 300);

        nv_modprobe_read_cancel(nv_modprobe_read_start(root, "kvm_intel", g_strdupv(names)));
        nv_modprobe_read_cancel(NULL);
}

int main(int argc, char *argv[])
{
        g_test_init(&argc, &argv, NULL);

        g_test_add_func("/host/one-read", test_one_read);
        g_test_add_func("/host/provider-kept-while-watched", test_provider_kept_while_watched);
        g_test_add_func("/host/names-kept-while-files-unchanged", test_names_kept_while_files_unchanged);
        g_test_add_func("/host/container-found-once", test_container_found_once);
        g_test_add_func("/host/cpuinfo-first-block-only", test_cpuinfo_first_block_only);
        g_test_add_func("/host/modules-builtin-long", test_modules_builtin_long);
        g_test_add_func("/host/modprobe-files-listed", test_modprobe_files_listed);
        g_test_add_func("/host/modprobe-prefetch", test_modprobe_prefetch);
        g_test_add_func("/host/modprobe-read-shared", test_modprobe_read_shared);

        return g_test_run();
}
