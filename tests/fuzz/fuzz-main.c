/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A stand-in for libFuzzer's driver, so that every fuzz target is also an
 * ordinary program: it runs the target once on each file given (or each
 * file in each directory given). meson runs the targets over their corpora
 * this way in every build, which keeps every input a fuzzer ever found
 * a regression test.
 */
#include <glib.h>
#include <stdio.h>

#include "fuzz.h"

static int run_file(const char *path)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *contents = NULL;
        gsize len = 0;

        if (!g_file_get_contents(path, &contents, &len, &error)) {
                fprintf(stderr, "%s\n", error->message);
                return 1;
        }
        LLVMFuzzerTestOneInput((const uint8_t *)contents, len);
        return 0;
}

int main(int argc, char *argv[])
{
        guint n = 0;

        for (int i = 1; i < argc; i++) {
                if (g_file_test(argv[i], G_FILE_TEST_IS_DIR)) {
                        g_autoptr(GDir) dir = g_dir_open(argv[i], 0, NULL);
                        const char *name;

                        while (dir && (name = g_dir_read_name(dir))) {
                                g_autofree char *path = g_build_filename(argv[i], name, NULL);

                                if (run_file(path) != 0)
                                        return 1;
                                n++;
                        }
                } else {
                        if (run_file(argv[i]) != 0)
                                return 1;
                        n++;
                }
        }
        printf("%u inputs ran without a crash\n", n);
        return n > 0 ? 0 : 1;
}
