/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Lists the modprobe.d directories below a root and merges them as kmod
 * does (nv-modprobe-files.h).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>

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
