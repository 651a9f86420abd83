/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzzes the edit EnablePersistent makes to kvm.conf, with its promises as
 * invariants: the result reads back as asked, editing again changes
 * nothing, and no line that could not hold the setting is touched.
 */
#include "nv-modprobe.h"

#include "fuzz.h"

/* Lines the edit may change: those that mention "nested", those joined to
 * a neighbour by a backslash, and those with a backslash anywhere (kmod
 * drops a backslash before any other character, so "nes\ted" is nested).
 * Every other input line must survive. */
static void assert_unrelated_lines_kept(const char *in, gsize in_len, const char *out)
{
        g_autofree char *in_s = g_strndup(in, in_len);
        g_auto(GStrv) lines = g_strsplit(in_s, "\n", -1);
        const char *cursor = out;
        guint n = g_strv_length(lines);

        for (guint i = 0; i < n; i++) {
                gboolean joined_before = i > 0 && g_str_has_suffix(lines[i - 1], "\\");
                gboolean joined_after = g_str_has_suffix(lines[i], "\\");
                const char *found;

                if (strstr(lines[i], "nested") || strchr(lines[i], '\\') || joined_before || joined_after ||
                    lines[i][0] == '\0')
                        continue;
                /* In order: each kept line appears after the previous one. */
                found = strstr(cursor, lines[i]);
                g_assert(found != NULL);
                cursor = found + strlen(lines[i]);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *text = (const char *)data;
        g_autofree char *out = NULL;
        g_autofree char *again = NULL;
        g_auto(NvModprobeOption) option = { 0 };
        gboolean changed = FALSE;
        gsize out_len = 0, again_len = 0;
        guint line = 0;

        fuzz_setup();
        /* Files with NUL bytes are read as C strings by kmod: stay there. */
        if (memchr(data, '\0', size))
                return 0;

        out = nv_modprobe_set_option(text, size, "kvm_intel", "nested", "1", &out_len, &changed, &line);
        if (!out)
                return 0; /* refused: a quote or "--" swallows the setting */

        g_assert(nv_modprobe_find_option(out, out_len, "kvm_intel", "nested", &option));
        g_assert(option.has_value);
        g_assert_cmpstr(option.value, ==, "1");
        g_assert(line >= 1);
        g_assert(out_len == strlen(out));
        g_assert(changed == (out_len != size || memcmp(out, data, size) != 0));

        again = nv_modprobe_set_option(out, out_len, "kvm_intel", "nested", "1", &again_len, &changed, NULL);
        g_assert(again != NULL);
        g_assert_cmpmem(again, again_len, out, out_len);
        g_assert(!changed);

        assert_unrelated_lines_kept(text, size, out);
        return 0;
}
