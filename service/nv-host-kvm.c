/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The host reader's part for what is not the vendor module itself: which
 * module provides /dev/kvm and who may open it, and whether the daemon
 * runs in a container. It reads below the root through nv-host.h, and
 * nv-host.c does not call it: the daemon adds these facts to those of
 * nv_host_read_facts(). What they mean is left to the pure nv-kvm-device.c
 * and nv-container.c.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nv-container.h"
#include "nv-host.h"
#include "nv-kvm-device.h"

/* PID 1's environment is small; a bound keeps a hostile one from costing
 * memory. */
#define ENVIRON_MAX (64 * 1024)

static gboolean host_exists(NvHost *host, const char *host_path)
{
        g_autofree char *path = nv_host_path(host, host_path);

        return access(path, F_OK) == 0;
}

/* The first line of a file below the root, or NULL. */
static char *host_line(NvHost *host, const char *host_path)
{
        g_autofree char *text = NULL;

        if (nv_host_read_file(host, host_path, 4096, &text, NULL) < 0)
                return NULL;
        text[strcspn(text, "\n")] = '\0';
        return g_steal_pointer(&text);
}

/* The container the daemon runs in, or NULL. */
static char *detect_container(NvHost *host)
{
        g_autofree char *osrelease = host_line(host, "/proc/sys/kernel/osrelease");
        g_autofree char *manager = host_line(host, "/run/host/container-manager");
        g_autofree char *systemd = host_line(host, "/run/systemd/container");
        g_autofree char *pid1_environ = NULL;
        gsize environ_len = 0;
        NvContainerFacts facts = {
                .has_proc_vz = host_exists(host, "/proc/vz"),
                .has_proc_bc = host_exists(host, "/proc/bc"),
                .osrelease = osrelease,
                .container_manager = manager,
                .systemd_container = systemd,
                .has_containerenv = host_exists(host, "/run/.containerenv"),
                .has_dockerenv = host_exists(host, "/.dockerenv"),
        };
        const char *kind;

        /* Without CAP_SYS_PTRACE over PID 1 this is EACCES (ENOENT under
         * the unit's ProtectProc=invisible), and the environment is left
         * out rather than guessed: the files above still tell the common
         * managers, and a systemd PID 1 in a container has written what it
         * found there to /run/systemd/container. A tracer (proot) and a
         * cgroup namespace are not looked for: neither decides a kind that
         * the files leave open on the hosts this service runs on. */
        if (nv_host_read_file(host, "/proc/1/environ", ENVIRON_MAX, &pid1_environ, &environ_len) >= 0) {
                facts.pid1_environ = pid1_environ;
                facts.pid1_environ_len = environ_len;
        }
        kind = nv_container_detect(&facts);
        return *kind ? g_strdup(kind) : NULL;
}

/* Names of the modules in /sys/module/kvm/holders, which use kvm. */
static GPtrArray *read_kvm_holders(NvHost *host)
{
        g_autofree char *dir = nv_host_path(host, "/sys/module/kvm/holders");
        g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
        GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
        const char *name;

        while (d && (name = g_dir_read_name(d)))
                g_ptr_array_add(names, g_strdup(name));
        return names;
}

static char *read_kvm_provider(NvHost *host, const NvHostFacts *facts)
{
        static const char *const known[] = { "kvm_intel", "kvm_amd", "kvm_pvm" };
        g_autoptr(GPtrArray) holders = NULL;
        g_autoptr(GArray) candidates = g_array_new(FALSE, TRUE, sizeof(NvKvmCandidate));
        const char *provider;

        /* No /dev/kvm, nobody provides it: nothing to read. */
        if (!facts->kvm_device)
                return NULL;
        holders = read_kvm_holders(host);
        for (gsize i = 0; i < G_N_ELEMENTS(known); i++) {
                /* The vendor module's state is read already. */
                gboolean vendor = g_strcmp0(known[i], nv_host_vendor_module(host)) == 0;
                NvKvmCandidate c = {
                        .name = known[i],
                        .state = vendor ? facts->vendor_state : nv_host_module_state(host, known[i]),
                };

                for (guint j = 0; j < holders->len; j++)
                        c.holds_kvm |= nv_module_name_equal(known[i], g_ptr_array_index(holders, j));
                g_array_append_val(candidates, c);
        }
        for (guint j = 0; j < holders->len; j++) {
                const char *name = g_ptr_array_index(holders, j);
                NvKvmCandidate c = { .name = name, .holds_kvm = TRUE };
                gboolean is_known = FALSE;

                for (gsize i = 0; i < G_N_ELEMENTS(known); i++)
                        is_known |= nv_module_name_equal(name, known[i]);
                if (is_known)
                        continue;
                c.state = nv_host_module_state(host, name);
                g_array_append_val(candidates, c);
        }

        provider = nv_kvm_provider(facts->kvm_device, (const NvKvmCandidate *)candidates->data,
                                   candidates->len, facts->cpu.has_vmx, facts->cpu.has_svm);
        return g_strdup(provider);
}

/* The name of @id in the tree's passwd (@group: group) file: the real
 * one's through NSS, a fake tree's from its /etc files. NULL when it has
 * none. */
static char *id_name(NvHost *host, gboolean group, guint id)
{
        g_autofree char *path = NULL;
        FILE *f;
        char *name = NULL;

        if (nv_host_is_real(host)) {
                if (group) {
                        struct group *gr = getgrgid((gid_t)id);

                        return gr ? g_strdup(gr->gr_name) : NULL;
                } else {
                        struct passwd *pw = getpwuid((uid_t)id);

                        return pw ? g_strdup(pw->pw_name) : NULL;
                }
        }

        path = nv_host_path(host, group ? "/etc/group" : "/etc/passwd");
        f = fopen(path, "re");
        if (!f)
                return NULL;
        while (!name) {
                if (group) {
                        struct group *gr = fgetgrent(f);

                        if (!gr)
                                break;
                        if (gr->gr_gid == (gid_t)id)
                                name = g_strdup(gr->gr_name);
                } else {
                        struct passwd *pw = fgetpwent(f);

                        if (!pw)
                                break;
                        if (pw->pw_uid == (uid_t)id)
                                name = g_strdup(pw->pw_name);
                }
        }
        fclose(f);
        return name;
}

static char *name_or_number(char *name, guint id)
{
        return name ? name : g_strdup_printf("%u", id);
}

/* id_name(), remembered in @cached while the file it reads is unchanged
 * (NSS beyond the files is asked again when the daemon starts again). */
static char *cached_id_name(NvHost *host, NvHostIdName *cached, gboolean group, guint id)
{
        g_autofree char *path = nv_host_path(host, group ? "/etc/group" : "/etc/passwd");
        struct stat st = { 0 };
        gint64 mtime_nsec;

        if (stat(path, &st) < 0)
                memset(&st, 0, sizeof(st));
        mtime_nsec = (gint64)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
        if (!cached->valid || cached->id != id || cached->mtime_nsec != mtime_nsec ||
            cached->size != st.st_size) {
                g_free(cached->name);
                cached->name = name_or_number(id_name(host, group, id), id);
                cached->id = id;
                cached->mtime_nsec = mtime_nsec;
                cached->size = st.st_size;
                cached->valid = TRUE;
        }
        return g_strdup(cached->name);
}

void nv_host_read_kvm_facts(NvHost *host, NvHostFacts *ret)
{
        NvHostKvmCache *cache = nv_host_get_kvm_cache(host);
        g_autofree char *node = nv_host_path(host, "/dev/kvm");
        struct stat st;

        /* The node, not the device: its owner and mode are udev's (or
         * devtmpfs's) doing, and only stat() tells them. */
        /* A fake tree's node is a plain file: only root may make
         * device nodes. */
        if (stat(node, &st) == 0 &&
            (S_ISCHR(st.st_mode) || (!nv_host_is_real(host) && S_ISREG(st.st_mode)))) {
                ret->kvm_device = TRUE;
                ret->has_kvm_stat = TRUE;
                ret->kvm_uid = st.st_uid;
                ret->kvm_gid = st.st_gid;
                ret->kvm_mode = st.st_mode;
                ret->kvm_owner = cached_id_name(host, &cache->owner, FALSE, st.st_uid);
                ret->kvm_group = cached_id_name(host, &cache->group, TRUE, st.st_gid);
        }
        /* It changes only when a module comes or goes, as does kvm_device. */
        if (!cache->provider_valid) {
                g_free(cache->provider);
                cache->provider = read_kvm_provider(host, ret);
                cache->provider_valid = TRUE;
        }
        ret->kvm_provider = g_strdup(cache->provider);
        if (!cache->container_valid) {
                cache->container = detect_container(host);
                cache->container_valid = TRUE;
        }
        ret->container = g_strdup(cache->container);
}
