/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The inotify watches of nv-tree-watch.h.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "nv-inotify.h"
#include "nv-tree-watch.h"

/* Whatever changes a file's content, its mode or owner, or a name in the
 * directory; and the directory itself going. */
#define DIR_MASK                                                                                        \
        (IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | \
         IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

struct NvTreeWatch {
        char *root;
        int fd;           /* inotify */
        GHashTable *dirs; /* directory watched since nv_tree_watch_begin() -> its watch descriptor */
        gboolean changed; /* since nv_tree_watch_begin(), or not covered */
};

NvTreeWatch *nv_tree_watch_new(const char *root)
{
        NvTreeWatch *w;
        int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);

        if (fd < 0) {
                g_message("Cannot watch %s (%s); its files are read at each call", root, g_strerror(errno));
                return NULL;
        }
        w = g_new0(NvTreeWatch, 1);
        w->root = g_strdup(root);
        w->fd = fd;
        w->dirs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        /* Nothing has been read under a watch yet. */
        w->changed = TRUE;
        return w;
}

void nv_tree_watch_free(NvTreeWatch *w)
{
        if (!w)
                return;
        close(w->fd);
        g_hash_table_unref(w->dirs);
        g_free(w->root);
        g_free(w);
}

/* The removal of a watch queues IN_IGNORED, which alone says nothing: a
 * directory that went says so with IN_DELETE_SELF or IN_MOVE_SELF, a file
 * system unmounted with IN_UNMOUNT. Any other event is a change. */
static gboolean event_changes(const struct inotify_event *event, gpointer user_data)
{
        return event->mask != IN_IGNORED;
}

/* Reads what the kernel queued: TRUE when something changed. */
static gboolean read_events(NvTreeWatch *w)
{
        int errsv = 0;
        gboolean changed = nv_inotify_drain(w->fd, event_changes, NULL, &errsv);

        /* A read that failed may have lost what it would have said. */
        return changed || errsv != EAGAIN;
}

/* The watches of the last read are removed, not the descriptor closed:
 * closing an inotify descriptor that has watches waits for the kernel's
 * grace period, milliseconds on a busy machine, in the call that reads.
 * A directory replaced since keeps its name in @dirs but not its inode,
 * so each watch goes, and what they queued with it. */
void nv_tree_watch_begin(NvTreeWatch *w)
{
        GHashTableIter iter;
        gpointer wd;

        g_hash_table_iter_init(&iter, w->dirs);
        while (g_hash_table_iter_next(&iter, NULL, &wd))
                (void)inotify_rm_watch(w->fd, GPOINTER_TO_INT(wd));
        g_hash_table_remove_all(w->dirs);
        (void)read_events(w);
        w->changed = FALSE;
}

/* The root, or a path below it. */
static gboolean below_root(const NvTreeWatch *w, const char *path)
{
        gsize len = strlen(w->root);

        return strncmp(path, w->root, len) == 0 && (path[len] == '\0' || path[len] == '/');
}

/* @dir and each directory above it up to the root, from the root down: a
 * directory is watched before the name below it is looked up, so that it
 * cannot be replaced unseen in between. A missing one ends the walk; its
 * parent's watch sees it appear. */
void nv_tree_watch_depend_dir(NvTreeWatch *w, const char *dir)
{
        g_autoptr(GPtrArray) chain = g_ptr_array_new_with_free_func(g_free);
        g_autofree char *d = g_strdup(dir);

        /* Below the root only: what lies outside it is not the tree's. */
        while (below_root(w, d) && !g_hash_table_contains(w->dirs, d)) {
                char *parent = g_path_get_dirname(d);

                g_ptr_array_add(chain, g_steal_pointer(&d));
                if (g_str_equal(parent, chain->pdata[chain->len - 1])) {
                        g_free(parent);
                        break;
                }
                d = parent;
        }
        for (guint i = chain->len; i-- > 0;) {
                const char *path = chain->pdata[i];

                int wd = inotify_add_watch(w->fd, path, DIR_MASK);

                if (wd < 0) {
                        /* Not there (or not a directory): its parent's watch
                         * tells when it comes. Anything else leaves part of
                         * the read unwatched. */
                        if (errno != ENOENT && errno != ENOTDIR) {
                                g_debug("Cannot watch %s: %s", path, g_strerror(errno));
                                w->changed = TRUE;
                        }
                        return;
                }
                g_hash_table_insert(w->dirs, g_strdup(path), GINT_TO_POINTER(wd));
        }
}

void nv_tree_watch_depend(NvTreeWatch *w, const char *path)
{
        g_autofree char *dir = g_path_get_dirname(path);

        nv_tree_watch_depend_dir(w, dir);
}

gboolean nv_tree_watch_changed(NvTreeWatch *w)
{
        /* One read when nothing came: EAGAIN. */
        if (!w->changed)
                w->changed = read_events(w);
        return w->changed;
}
