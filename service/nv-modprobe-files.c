/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Lists the modprobe.d directories below a root and merges them as kmod
 * does, and reads the files for one module (nv-modprobe-files.h).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nv-cpuinfo.h"
#include "nv-file.h"
#include "nv-kernel-param.h"
#include "nv-modprobe-files.h"

/* Lists the entries kmod would consider in one directory; NULL if missing. */
static char **list_config_dir(const char *dir)
{
        g_autoptr(GPtrArray) names = NULL;
        DIR *d;
        struct dirent *de;

        d = opendir(dir);
        if (!d) {
                if (errno != ENOENT && errno != ENOTDIR)
                        g_warning("Cannot read directory %s: %s", dir, g_strerror(errno));
                return NULL;
        }

        names = g_ptr_array_new_with_free_func(g_free);
        while ((de = readdir(d))) {
                struct stat st;

                if (!nv_modprobe_file_name_valid(de->d_name))
                        continue;
                /* kmod follows symlinks here and skips directories. The
                 * entry's type spares a stat() of each file where the file
                 * system gives it (a managed host has hundreds). */
                if (de->d_type == DT_DIR)
                        continue;
                if (de->d_type != DT_REG &&
                    (fstatat(dirfd(d), de->d_name, &st, 0) < 0 || S_ISDIR(st.st_mode)))
                        continue;
                g_ptr_array_add(names, g_strdup(de->d_name));
        }
        closedir(d);

        g_ptr_array_add(names, NULL);
        return (char **)g_ptr_array_free(g_steal_pointer(&names), FALSE);
}

char **nv_modprobe_list_files(const char *root)
{
        size_t n_dirs = g_strv_length((char **)nv_modprobe_dirs);
        g_autofree char ***names = g_new0(char **, n_dirs + 1);
        char **files;

        for (size_t i = 0; i < n_dirs; i++) {
                g_autofree char *dir = g_build_filename(root, nv_modprobe_dirs[i], NULL);

                names[i] = list_config_dir(dir);
        }
        files = nv_modprobe_merge(nv_modprobe_dirs, (const char *const *const *)names);
        for (size_t i = 0; i < n_dirs; i++)
                g_strfreev(names[i]);
        return files;
}

static void modprobe_file_free(gpointer data)
{
        NvModprobeFile *file = data;

        g_free(file->source);
        g_free(file->path);
        nv_modprobe_option_clear(&file->option);
        nv_modprobe_option_clear(&file->hpage_option);
        g_free(file);
}

/* The directory a reader has open, so that each file of it walks one name
 * and not a whole path. */
typedef struct {
        char *dir; /* host path */
        int fd;
} OpenDir;

static void open_dir_clear(OpenDir *d)
{
        g_clear_pointer(&d->dir, g_free);
        if (d->fd >= 0)
                close(d->fd);
        d->fd = -1;
}

static NvModprobeFile *read_file(const char *root, const char *module, const char *name, OpenDir *d)
{
        NvModprobeFile *file = g_new0(NvModprobeFile, 1);
        g_autofree char *text = NULL;
        g_autofree char *dir = g_path_get_dirname(name);
        const char *slash = strrchr(name, '/');
        const char *base = slash ? slash + 1 : name;
        gsize len = 0;

        file->source = g_strdup(name);
        file->path = g_str_equal(root, "/") ? g_strdup(name) : g_build_filename(root, name, NULL);
        if (g_strcmp0(d->dir, dir) != 0) {
                g_autofree char *path = g_path_get_dirname(file->path);

                open_dir_clear(d);
                d->fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
                d->dir = g_steal_pointer(&dir);
        }
        file->r = d->fd >= 0 ? nv_file_read_bounded_at(d->fd, base, NV_MODPROBE_FILE_MAX, &text, &len)
                             : nv_file_read_bounded(file->path, NV_MODPROBE_FILE_MAX, &text, &len);
        if (file->r == 0)
                file->found = nv_modprobe_find_option(text, len, module, "nested", &file->option);
        if (file->r == 0 && nv_module_name_equal(module, NV_HPAGE_MODULE))
                file->hpage_found = nv_modprobe_find_option(text, len, module, "hpage", &file->hpage_option);
        return file;
}

GPtrArray *nv_modprobe_read_files(const char *root, const char *module, char *const *names)
{
        GPtrArray *files = g_ptr_array_new_with_free_func(modprobe_file_free);
        OpenDir d = { .fd = -1 };

        for (char *const *name = names; name && *name; name++)
                g_ptr_array_add(files, read_file(root, module, *name, &d));
        open_dir_clear(&d);
        return files;
}

/* Both threads take the next file not yet taken until none is left; each
 * writes only its own files' slots, and the caller's join makes them its
 * own. */
struct NvModprobeRead {
        char *root;
        char *module;
        char **names;
        guint n;
        NvModprobeFile **files; /* n slots */
        int next;               /* the next file to take (atomic) */
        GThread *thread;
};

static void read_taken(NvModprobeRead *read)
{
        OpenDir d = { .fd = -1 };
        guint i;

        while ((i = (guint)g_atomic_int_add(&read->next, 1)) < read->n)
                read->files[i] = read_file(read->root, read->module, read->names[i], &d);
        open_dir_clear(&d);
}

static gpointer read_thread(gpointer data)
{
        read_taken(data);
        return NULL;
}

NvModprobeRead *nv_modprobe_read_start(const char *root, const char *module, char **names)
{
        g_autoptr(GError) error = NULL;
        NvModprobeRead *read = g_new0(NvModprobeRead, 1);

        read->root = g_strdup(root);
        read->module = g_strdup(module);
        read->names = names;
        read->n = g_strv_length(names);
        read->files = g_new0(NvModprobeFile *, read->n);
        read->thread = g_thread_try_new("nv-modprobe.d", read_thread, read, &error);
        if (!read->thread)
                g_debug("Not reading modprobe.d ahead: %s; reading it when asked", error->message);
        return read;
}

static void read_free(NvModprobeRead *read)
{
        for (guint i = 0; i < read->n; i++)
                if (read->files[i])
                        modprobe_file_free(read->files[i]);
        g_free(read->files);
        g_free(read->root);
        g_free(read->module);
        g_strfreev(read->names);
        g_free(read);
}

GPtrArray *nv_modprobe_read_finish(NvModprobeRead *read)
{
        GPtrArray *files;

        read_taken(read);
        if (read->thread)
                g_thread_join(g_steal_pointer(&read->thread));
        files = g_ptr_array_new_full(read->n, modprobe_file_free);
        for (guint i = 0; i < read->n; i++)
                g_ptr_array_add(files, g_steal_pointer(&read->files[i]));
        read_free(read);
        return files;
}

void nv_modprobe_read_cancel(NvModprobeRead *read)
{
        if (!read)
                return;
        g_atomic_int_set(&read->next, (int)read->n);
        if (read->thread)
                g_thread_join(read->thread);
        read_free(read);
}
