/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The host reader's part for what is not a module: what stat() says of
 * /dev/kvm's node and who owns it, and whether the daemon runs in a
 * container. It sits below nv-host.c, which alone calls it: it reads the
 * files below a root through nv-file.h and knows nothing of NvHost. What
 * the files mean is left to the pure nv-container.c; which module provides
 * /dev/kvm is read with the modules, in nv-host.c.
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
#include "nv-file.h"
#include "nv-host-kvm.h"

/* PID 1's environment is small; a bound keeps a hostile one from costing
 * memory. */
#define ENVIRON_MAX (64 * 1024)

static gboolean host_exists(const char *root, const char *host_path)
{
        g_autofree char *path = g_build_filename(root, host_path, NULL);

        return access(path, F_OK) == 0;
}

/* The first line of a small file below @root, or NULL. */
static char *host_line(const char *root, const char *host_path)
{
        g_autofree char *path = g_build_filename(root, host_path, NULL);
        g_autofree char *line = NULL;

        if (nv_file_read_first_line(path, 4096, &line) < 0)
                return NULL;
        return g_steal_pointer(&line);
}

/* The container the daemon runs in, or NULL. */
static char *detect_container(const char *root)
{
        g_autofree char *osrelease = host_line(root, "/proc/sys/kernel/osrelease");
        g_autofree char *manager = host_line(root, "/run/host/container-manager");
        g_autofree char *systemd = host_line(root, "/run/systemd/container");
        g_autofree char *environ_path = NULL;
        g_autofree char *pid1_environ = NULL;
        gsize environ_len = 0;
        NvContainerFacts facts = {
                .has_proc_vz = host_exists(root, "/proc/vz"),
                .has_proc_bc = host_exists(root, "/proc/bc"),
                .osrelease = osrelease,
                .container_manager = manager,
                .systemd_container = systemd,
                .has_containerenv = host_exists(root, "/run/.containerenv"),
                .has_dockerenv = host_exists(root, "/.dockerenv"),
        };
        const char *kind;

        /* Without CAP_SYS_PTRACE over PID 1 this is EACCES (ENOENT under
         * the unit's ProtectProc=invisible), and the environment is left
         * out rather than guessed: the files above still tell the common
         * managers, and a systemd PID 1 in a container has written what it
         * found there to /run/systemd/container. A tracer (proot) and a
         * cgroup namespace are not looked for: neither decides a kind that
         * the files leave open on the hosts this service runs on. */
        environ_path = g_build_filename(root, "/proc/1/environ", NULL);
        if (nv_file_read_bounded(environ_path, ENVIRON_MAX, &pid1_environ, &environ_len) >= 0) {
                facts.pid1_environ = pid1_environ;
                facts.pid1_environ_len = environ_len;
        }
        kind = nv_container_detect(&facts);
        return *kind ? g_strdup(kind) : NULL;
}

/* The name of @id in the tree's passwd (@group: group) file: the real
 * one's through NSS, a fake tree's from its /etc files. NULL when it has
 * none. */
static char *id_name(const char *root, gboolean group, guint id)
{
        g_autofree char *path = NULL;
        FILE *f;
        char *name = NULL;

        if (g_str_equal(root, "/")) {
                if (group) {
                        struct group *gr = getgrgid((gid_t)id);

                        return gr ? g_strdup(gr->gr_name) : NULL;
                } else {
                        struct passwd *pw = getpwuid((uid_t)id);

                        return pw ? g_strdup(pw->pw_name) : NULL;
                }
        }

        path = g_build_filename(root, group ? "/etc/group" : "/etc/passwd", NULL);
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
static char *cached_id_name(const char *root, NvHostIdName *cached, gboolean group, guint id)
{
        g_autofree char *path = g_build_filename(root, group ? "/etc/group" : "/etc/passwd", NULL);
        struct stat st = { 0 };
        gint64 mtime_nsec;

        if (stat(path, &st) < 0)
                memset(&st, 0, sizeof(st));
        mtime_nsec = (gint64)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
        if (!cached->valid || cached->id != id || cached->mtime_nsec != mtime_nsec ||
            cached->size != st.st_size) {
                g_free(cached->name);
                cached->name = name_or_number(id_name(root, group, id), id);
                cached->id = id;
                cached->mtime_nsec = mtime_nsec;
                cached->size = st.st_size;
                cached->valid = TRUE;
        }
        return g_strdup(cached->name);
}

void nv_host_kvm_cache_clear(NvHostKvmCache *cache)
{
        g_clear_pointer(&cache->owner.name, g_free);
        g_clear_pointer(&cache->group.name, g_free);
        g_clear_pointer(&cache->container, g_free);
        memset(cache, 0, sizeof(*cache));
}

void nv_host_kvm_read(const char *root, NvHostKvmCache *cache, NvHostFacts *ret)
{
        g_autofree char *node = g_build_filename(root, "/dev/kvm", NULL);
        struct stat st;

        /* The node, not the device: its owner and mode are udev's (or
         * devtmpfs's) doing, and only stat() tells them. */
        /* A fake tree's node is a plain file: only root may make
         * device nodes. */
        if (stat(node, &st) == 0 &&
            (S_ISCHR(st.st_mode) || (!g_str_equal(root, "/") && S_ISREG(st.st_mode)))) {
                ret->kvm_device = TRUE;
                ret->has_kvm_stat = TRUE;
                ret->kvm_uid = st.st_uid;
                ret->kvm_gid = st.st_gid;
                ret->kvm_mode = st.st_mode;
                ret->kvm_owner = cached_id_name(root, &cache->owner, FALSE, st.st_uid);
                ret->kvm_group = cached_id_name(root, &cache->group, TRUE, st.st_gid);
        }
        if (!cache->container_valid) {
                cache->container = detect_container(root);
                cache->container_valid = TRUE;
        }
        ret->container = g_strdup(cache->container);
}
