/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzzes the modprobe.d reader (one file's options) and the directory
 * merge (names taken from the input's lines, spread over the directories).
 */
#include "nv-modprobe.h"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        g_auto(NvModprobeOption) option = { 0 };
        g_autofree char *s = NULL;
        g_auto(GStrv) lines = NULL;
        g_auto(GStrv) merged = NULL;
        const char *const *names[6] = { NULL };
        guint n_lines;

        fuzz_setup();
        if (nv_modprobe_find_option((const char *)data, size, "kvm_amd", "nested", &option)) {
                g_assert(option.line >= 1);
                g_assert(option.has_value == (option.value != NULL));
        }

        /* Directory listings: every fifth name to the same directory. */
        s = fuzz_strndup(data, MIN(size, 4096));
        lines = g_strsplit(s, "\n", 256);
        n_lines = g_strv_length(lines);
        {
                GPtrArray *dirs[5];

                for (guint d = 0; d < 5; d++) {
                        dirs[d] = g_ptr_array_new();
                        for (guint i = d; i < n_lines; i += 5)
                                g_ptr_array_add(dirs[d], lines[i]);
                        g_ptr_array_add(dirs[d], NULL);
                        names[d] = (const char *const *)dirs[d]->pdata;
                }
                merged = nv_modprobe_merge(nv_modprobe_dirs, names);
                for (guint d = 0; d < 5; d++)
                        g_ptr_array_unref(dirs[d]);
        }
        for (char **m = merged; *m; m++) {
                g_autofree char *base = g_path_get_basename(*m);

                g_assert(nv_modprobe_file_name_valid(base));
                /* Sorted by name, each name once. */
                if (m != merged) {
                        g_autofree char *prev = g_path_get_basename(m[-1]);

                        g_assert(strcmp(prev, base) < 0);
                }
        }
        return 0;
}
