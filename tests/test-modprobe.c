/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for nv-modprobe: which modprobe.d files kmod reads in which
 * order, and what their "options" lines set a parameter to.
 */

#include "config.h"

#include <string.h>

#include "nv-modprobe.h"

static void test_dirs(void)
{
        const char *const expected[] = {
                "/etc/modprobe.d",     "/run/modprobe.d", "/usr/local/lib/modprobe.d",
                "/usr/lib/modprobe.d", "/lib/modprobe.d", NULL,
        };

        g_assert_cmpstrv(nv_modprobe_dirs, expected);
}

static void test_file_name_valid(void)
{
        const char *const valid[] = { "kvm.conf", "a.conf", "50-kvm.conf", "x.conf.conf",
                                      "kvm.nested.conf" };
        const char *const invalid[] = {
                ".conf",   ".kvm.conf", "kvm.conf~", "kvm.conf.bak", "kvm.conf.dpkg-old", "kvm", "conf",
                "kvmconf", "",          "kvm.CONF",  "kvm.Conf",     "sub/kvm.conf",      "..",  ".",
        };

        for (gsize i = 0; i < G_N_ELEMENTS(valid); i++) {
                g_test_message("valid: %s", valid[i]);
                g_assert_true(nv_modprobe_file_name_valid(valid[i]));
        }
        for (gsize i = 0; i < G_N_ELEMENTS(invalid); i++) {
                g_test_message("invalid: %s", invalid[i]);
                g_assert_false(nv_modprobe_file_name_valid(invalid[i]));
        }
}

static void test_merge_hiding(void)
{
        const char *const etc[] = { "kvm.conf", NULL };
        const char *const lib[] = { "kvm.conf", "other.conf", NULL };
        const char *const *const names[] = { etc, NULL, NULL, NULL, lib };
        const char *const expected[] = { "/etc/modprobe.d/kvm.conf", "/lib/modprobe.d/other.conf", NULL };
        g_auto(GStrv) merged = nv_modprobe_merge(nv_modprobe_dirs, names);

        g_assert_cmpstrv(merged, expected);
}

static void test_merge_order(void)
{
        const char *const etc[] = { "50-b.conf", "zz.conf", NULL };
        const char *const run[] = { "90-z.conf", NULL };
        const char *const usr_lib[] = { "10-a.conf", "90-z.conf", "50-b.conf", "B.conf", "9.conf", NULL };
        const char *const *const names[] = { etc, run, NULL, usr_lib, NULL };
        /* By name alone (strcmp: digits, then upper case, then lower case),
         * each from the earliest directory that has it. */
        const char *const expected[] = {
                "/usr/lib/modprobe.d/10-a.conf",
                "/etc/modprobe.d/50-b.conf",
                "/usr/lib/modprobe.d/9.conf",
                "/run/modprobe.d/90-z.conf",
                "/usr/lib/modprobe.d/B.conf",
                "/etc/modprobe.d/zz.conf",
                NULL,
        };
        g_auto(GStrv) merged = nv_modprobe_merge(nv_modprobe_dirs, names);

        g_assert_cmpstrv(merged, expected);
}

static void test_merge_invalid_names(void)
{
        /* A name kmod skips in /etc does not hide a valid one later. */
        const char *const etc[] = {
                ".kvm.conf", "kvm.conf~", "README", "kvm.conf.dpkg-dist", ".conf", NULL
        };
        const char *const lib[] = { ".kvm.conf", "kvm.conf", NULL };
        const char *const *const names[] = { etc, NULL, NULL, NULL, lib };
        const char *const expected[] = { "/lib/modprobe.d/kvm.conf", NULL };
        g_auto(GStrv) merged = nv_modprobe_merge(nv_modprobe_dirs, names);

        g_assert_cmpstrv(merged, expected);
}

static void test_merge_missing_dirs(void)
{
        const char *const empty[] = { NULL };
        const char *const *const none[] = { NULL, NULL, NULL, NULL, NULL };
        const char *const *const empties[] = { empty, empty, NULL, empty, empty };
        g_auto(GStrv) merged_none = nv_modprobe_merge(nv_modprobe_dirs, none);
        g_auto(GStrv) merged_empty = nv_modprobe_merge(nv_modprobe_dirs, empties);

        g_assert_nonnull(merged_none);
        g_assert_cmpuint(g_strv_length(merged_none), ==, 0);
        g_assert_nonnull(merged_empty);
        g_assert_cmpuint(g_strv_length(merged_empty), ==, 0);
}

static void test_merge_other_dirs(void)
{
        /* A re-rooted tree; a trailing slash does not double up. */
        const char *const dirs[] = { "/tmp/root/etc/modprobe.d/", "/tmp/root/lib/modprobe.d", NULL };
        const char *const etc[] = { "b.conf", NULL };
        const char *const lib[] = { "a.conf", "b.conf", NULL };
        const char *const *const names[] = { etc, lib };
        const char *const expected[] = { "/tmp/root/lib/modprobe.d/a.conf",
                                         "/tmp/root/etc/modprobe.d/b.conf", NULL };
        g_auto(GStrv) merged = nv_modprobe_merge(dirs, names);

        g_assert_cmpstrv(merged, expected);
}

/*
 * Runs nv_modprobe_find_option() on an exactly sized heap copy of @len
 * bytes, so a read past the end shows up under ASan or valgrind. Returns
 * the value, "(none)" for a bare parameter, or NULL when not set; checks
 * that @ret is left alone when nothing is found.
 */
static char *find_exact(const char *text, gsize len, const char *module, const char *param, guint *ret_line)
{
        g_autofree char *copy = len > 0 ? g_memdup2(text, len) : NULL;
        g_auto(NvModprobeOption) option = { .line = 4242, .has_value = TRUE, .value = NULL };

        if (!nv_modprobe_find_option(copy, len, module, param, &option)) {
                g_assert_cmpuint(option.line, ==, 4242);
                g_assert_true(option.has_value);
                g_assert_null(option.value);
                return NULL;
        }

        g_assert_cmpuint(option.line, >=, 1);
        g_assert_true(option.has_value == (option.value != NULL));
        if (ret_line != NULL)
                *ret_line = option.line;

        return option.has_value ? g_steal_pointer(&option.value) : g_strdup("(none)");
}

typedef struct {
        const char *text;
        const char *value; /* of kvm_intel's "nested"; NULL when not set */
        guint line;        /* checked when @value is set */
} FindCase;

#define FIND_CASE(literal, value, line)    \
        {                                  \
                (literal), (value), (line) \
        }

static void check_find(const FindCase *cases, gsize n_cases)
{
        for (gsize i = 0; i < n_cases; i++) {
                guint line = 0;
                g_autofree char *value = NULL;

                g_test_message("file: %s", cases[i].text);
                value = find_exact(cases[i].text, strlen(cases[i].text), "kvm_intel", "nested", &line);
                g_assert_cmpstr(value, ==, cases[i].value);
                if (cases[i].value != NULL)
                        g_assert_cmpuint(line, ==, cases[i].line);
        }
}

static void test_find_basic(void)
{
        static const FindCase cases[] = {
                FIND_CASE("options kvm_intel nested=1\n", "1", 1),
                FIND_CASE("options kvm_intel nested=1", "1", 1),
                FIND_CASE("options kvm_intel nested=Y\n", "Y", 1),
                FIND_CASE("\n\n# nested virtualization\noptions kvm_intel nested=1\n", "1", 4),
                FIND_CASE("options kvm_intel nested\n", "(none)", 1),
                FIND_CASE("options kvm_intel nested=\n", "", 1),
                FIND_CASE("   options kvm_intel nested=1\n", "1", 1),
                FIND_CASE("", NULL, 0),
                FIND_CASE("\n", NULL, 0),
        };

        check_find(cases, G_N_ELEMENTS(cases));
}

static void test_find_dashes(void)
{
        static const FindCase cases[] = {
                FIND_CASE("options kvm-intel nested=1\n", "1", 1),
                FIND_CASE("options kvm-intel nested=0\noptions kvm_intel nested=1\n", "1", 2),
                FIND_CASE("options kvm_intel nested=1\noptions kvm-intel nested=0\n", "0", 2),
        };
        const char *shadow = "options kvm_intel enable-shadow-vmcs=0\n";
        const char *amd = "options kvm_amd nested=1\n";
        g_autofree char *value = NULL;
        g_autofree char *value2 = NULL;

        check_find(cases, G_N_ELEMENTS(cases));

        value = find_exact(shadow, strlen(shadow), "kvm-intel", "enable_shadow_vmcs", NULL);
        g_assert_cmpstr(value, ==, "0");
        value2 = find_exact(amd, strlen(amd), "kvm-amd", "nested", NULL);
        g_assert_cmpstr(value2, ==, "1");
}

static void test_find_last_wins(void)
{
        static const FindCase cases[] = {
                FIND_CASE(
                        "options kvm_intel nested=0\noptions kvm_amd nested=0\noptions kvm_intel nested=1\n",
                        "1", 3),
                FIND_CASE("options kvm_intel nested=1\noptions kvm_intel nested=0\n", "0", 2),
                FIND_CASE("options kvm_intel nested=1 nested=0\n", "0", 1),
                FIND_CASE("options kvm_intel nested=1\noptions kvm_intel nested\n", "(none)", 2),
                /* A later statement that does not set it changes nothing. */
                FIND_CASE("options kvm_intel nested=1\noptions kvm_intel ept=0\n", "1", 1),
        };

        check_find(cases, G_N_ELEMENTS(cases));
}

static void test_find_multiple_options(void)
{
        static const FindCase cases[] = {
                FIND_CASE("options kvm_intel ept=1 nested=1 enable_apicv=0\n", "1", 1),
                FIND_CASE("options kvm_intel nested=0 ept=1 nested=1\n", "1", 1),
                FIND_CASE("options kvm_intel   ept=1\t\tnested=1  \n", "1", 1),
                /* '#' after the start of a line is no comment: the kernel
                 * ignores the unknown "#" and applies the rest. */
                FIND_CASE("options kvm_intel nested=1 # was 0\n", "1", 1),
                FIND_CASE("options kvm_intel # nested=1\n", "1", 1),
        };

        check_find(cases, G_N_ELEMENTS(cases));
}

static void test_find_continuation(void)
{
        static const FindCase cases[] = {
                FIND_CASE("options kvm_intel \\\n    nested=1\n", "1", 1),
                FIND_CASE("# kvm\noptions kvm_intel ept=1 \\\n  enable_apicv=0 \\\n  nested=1\n", "1", 2),
                FIND_CASE("options kvm_intel nested=1 \\\n  ept=0\noptions kvm_amd nested=0\n", "1", 1),
                /* The statement after a joined one has its own line number. */
                FIND_CASE("options kvm_intel nested=0 \\\n ept=1\n\noptions kvm_intel nested=1\n", "1", 4),
                FIND_CASE("options \\\nkvm_intel \\\nnested=1\n", "1", 1),
                FIND_CASE("\\\n\\\noptions kvm_intel nested=1\n", "1", 1),
                /* The join is literal: no space is inserted. */
                FIND_CASE("options kvm_intel nes\\\nted=1\n", "1", 1),
                FIND_CASE("options kvm_intel nested=1\\\n0\n", "10", 1),
                /* A backslash before another character just vanishes. */
                FIND_CASE("options kvm_intel nested=\\1\n", "1", 1),
                FIND_CASE("options kvm_intel nested=\\\\1\n", "\\1", 1),
                /* Continuation at the end of the file. */
                FIND_CASE("options kvm_intel nested=1\\", "1", 1),
                FIND_CASE("options kvm_intel nested=1 \\", "1", 1),
                FIND_CASE("options kvm_intel nested=1 \\\n", "1", 1),
                FIND_CASE("\\", NULL, 0),
        };

        check_find(cases, G_N_ELEMENTS(cases));
}

static void test_find_comments(void)
{
        static const FindCase cases[] = {
                FIND_CASE("#options kvm_intel nested=1\n", NULL, 0),
                FIND_CASE("# options kvm_intel nested=1\n", NULL, 0),
                /* Not a comment for kmod, but not an "options" line either. */
                FIND_CASE("  # options kvm_intel nested=1\n", NULL, 0),
                /* A comment continues over a backslash-newline. */
                FIND_CASE("# note \\\noptions kvm_intel nested=1\n", NULL, 0),
                FIND_CASE("options kvm_intel nested=1\n#options kvm_intel nested=0\n", "1", 1),
        };

        check_find(cases, G_N_ELEMENTS(cases));
}

static void test_find_quotes(void)
{
        static const FindCase cases[] = {
                FIND_CASE("options kvm_intel nested=\"1\"\n", "1", 1),
                FIND_CASE("options kvm_intel \"nested=0\"\n", "0", 1),
                FIND_CASE("options kvm_intel \"nested\"\n", "(none)", 1),
                FIND_CASE("options kvm_intel nested=\"1 2\" ept=0\n", "1 2", 1),
                /* A quoted value protects what looks like a setting. */
                FIND_CASE("options kvm_intel foo=\"x nested=1\"\n", NULL, 0),
                FIND_CASE("options kvm_intel foo=\"x nested=1\" nested=0\n", "0", 1),
                /* modprobe joins all statements for a module, so an open
                 * quote swallows the ones that follow. */
                FIND_CASE("options kvm_intel foo=\"x\noptions kvm_intel nested=1\n", NULL, 0),
                FIND_CASE("options kvm_intel nested=\"1\noptions kvm_intel nested=0\n", "1 nested=0", 1),
                /* Another module's quote does not. */
                FIND_CASE("options kvm_amd foo=\"x\noptions kvm_intel nested=1\n", "1", 2),
        };

        check_find(cases, G_N_ELEMENTS(cases));
}

static void test_find_tabs(void)
{
        static const FindCase cases[] = {
                FIND_CASE("options\tkvm_intel\tnested=1\n", "1", 1),
                FIND_CASE("\toptions \t kvm_intel \t nested=1\t\n", "1", 1),
                FIND_CASE("options kvm_intel ept=1\tnested=1\n", "1", 1),
        };

        check_find(cases, G_N_ELEMENTS(cases));
}

static void test_find_no_params(void)
{
        static const FindCase cases[] = {
                FIND_CASE("options kvm_intel\n", NULL, 0),
                FIND_CASE("options kvm_intel \n", NULL, 0),
                FIND_CASE("options kvm_intel\t\n", NULL, 0),
                FIND_CASE("options\n", NULL, 0),
                FIND_CASE("options", NULL, 0),
                FIND_CASE("options kvm_intel\noptions kvm_intel nested=1\n", "1", 2),
        };

        check_find(cases, G_N_ELEMENTS(cases));
}

static void test_find_crlf(void)
{
        static const FindCase cases[] = {
                FIND_CASE("options kvm_intel nested=1\r\n", "1", 1),
                FIND_CASE("# x\r\noptions kvm_intel nested=0\r\noptions kvm_intel ept=1\r\n", "0", 2),
                FIND_CASE("options kvm_intel nested=\"1\"\r\n", "1", 1),
                /* kmod joins only at "\\\n": "\\\r\n" keeps the lines apart. */
                FIND_CASE("options kvm_intel \\\r\nnested=1\r\n", NULL, 0),
                /* kmod splits the module name at spaces and tabs only. */
                FIND_CASE("options kvm_intel\r nested=1\r\n", NULL, 0),
        };

        check_find(cases, G_N_ELEMENTS(cases));
}

static void test_find_other_lines(void)
{
        static const FindCase cases[] = {
                FIND_CASE("options kvm_amd nested=1\n", NULL, 0),
                FIND_CASE("options kvm nested=1\n", NULL, 0),
                FIND_CASE("options kvm_intel_x nested=1\n", NULL, 0),
                FIND_CASE("options xkvm_intel nested=1\n", NULL, 0),
                FIND_CASE("options KVM_INTEL nested=1\n", NULL, 0),
                FIND_CASE("alias kvm_intel nested=1\n", NULL, 0),
                FIND_CASE("blacklist kvm_intel\n", NULL, 0),
                FIND_CASE("install kvm_intel /sbin/modprobe --ignore-install kvm_intel nested=1\n", NULL, 0),
                FIND_CASE("softdep kvm_intel pre: nested=1\n", NULL, 0),
                FIND_CASE("Options kvm_intel nested=1\n", NULL, 0),
                FIND_CASE("optionskvm_intel nested=1\n", NULL, 0),
                FIND_CASE("xoptions kvm_intel nested=1\n", NULL, 0),
                FIND_CASE("options  kvm_intel.nested=1\n", NULL, 0),
        };

        check_find(cases, G_N_ELEMENTS(cases));
}

static void test_find_param_names(void)
{
        static const FindCase cases[] = {
                FIND_CASE("options kvm_intel nested_foo=1\n", NULL, 0),
                FIND_CASE("options kvm_intel nested_early=1\n", NULL, 0),
                FIND_CASE("options kvm_intel nestedx=1 xnested=1 nest=1\n", NULL, 0),
                FIND_CASE("options kvm_intel NESTED=1\n", NULL, 0),
                FIND_CASE("options kvm_intel kvm_intel.nested=1\n", NULL, 0),
                FIND_CASE("options kvm_intel nested_foo=0 nested=1 nested-foo=0\n", "1", 1),
        };

        check_find(cases, G_N_ELEMENTS(cases));
}

static void test_find_dashes_end(void)
{
        static const FindCase cases[] = {
                /* The kernel stops reading a module's parameters at "--". */
                FIND_CASE("options kvm_intel -- nested=1\n", NULL, 0),
                FIND_CASE("options kvm_intel nested=0 -- nested=1\n", "0", 1),
                FIND_CASE("options kvm_intel nested=0 --\noptions kvm_intel nested=1\n", "0", 1),
                FIND_CASE("options kvm_amd --\noptions kvm_intel nested=1\n", "1", 2),
                FIND_CASE("options kvm_intel --x nested=1\n", "1", 1),
        };

        check_find(cases, G_N_ELEMENTS(cases));
}

static void test_find_nul_bytes(void)
{
        static const struct {
                const char *text;
                gsize len;
                const char *value;
                guint line;
        } cases[] = {
#define NUL_CASE(literal, value, line) { (literal), sizeof(literal) - 1, (value), (line) }
                /* kmod treats a line as a C string: a NUL ends it. */
                NUL_CASE("options kvm_intel nested=0\0 nested=1\n", "0", 1),
                NUL_CASE("options kvm_intel\0 nested=1\n", NULL, 0),
                NUL_CASE("options kvm_intel nested=1\0\\\nnested=0\n", "1", 1),
                NUL_CASE("\0options kvm_intel nested=1\n", NULL, 0),
                /* ...not the file. */
                NUL_CASE("junk\0junk\noptions kvm_intel nested=1\n", "1", 2),
                NUL_CASE("\0\0\0\n\0\noptions kvm_intel nested=1\0", "1", 3),
#undef NUL_CASE
        };

        for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
                guint line = 0;
                g_autofree char *value =
                        find_exact(cases[i].text, cases[i].len, "kvm_intel", "nested", &line);

                g_test_message("case %" G_GSIZE_FORMAT, i);
                g_assert_cmpstr(value, ==, cases[i].value);
                if (cases[i].value != NULL)
                        g_assert_cmpuint(line, ==, cases[i].line);
        }
}

static void test_find_length_respected(void)
{
        const char text[] = "options kvm_intel nested=1 nested=0";
        g_autofree char *first =
                find_exact(text, strlen("options kvm_intel nested=1"), "kvm_intel", "nested", NULL);
        g_autofree char *cut =
                find_exact(text, strlen("options kvm_intel nest"), "kvm_intel", "nested", NULL);
        g_autofree char *none = find_exact(NULL, 0, "kvm_intel", "nested", NULL);

        g_assert_cmpstr(first, ==, "1");
        g_assert_null(cut);
        g_assert_null(none);
}

static void test_find_huge(void)
{
        g_autoptr(GString) text = g_string_new(NULL);
        g_autofree char *value = NULL;
        g_autofree char *joined = NULL;
        g_autofree char *wide = NULL;
        guint line = 0;

        for (guint i = 1; i <= 100000; i++)
                g_string_append_printf(text, "options kvm_intel nested=%u\n", i);
        value = find_exact(text->str, text->len, "kvm_intel", "nested", &line);
        g_assert_cmpstr(value, ==, "100000");
        g_assert_cmpuint(line, ==, 100000);

        /* One logical line a million physical lines long. */
        g_string_assign(text, "options kvm_intel \\\n");
        for (guint i = 0; i < 1000000; i++)
                g_string_append(text, "\\\n");
        g_string_append(text, "nested=1\n");
        joined = find_exact(text->str, text->len, "kvm_intel", "nested", &line);
        g_assert_cmpstr(joined, ==, "1");
        g_assert_cmpuint(line, ==, 1);

        /* One word of a megabyte. */
        g_string_assign(text, "options kvm_intel nested=");
        for (guint i = 0; i < 1000000; i++)
                g_string_append_c(text, 'x');
        wide = find_exact(text->str, text->len, "kvm_intel", "nested", NULL);
        g_assert_cmpuint(strlen(wide), ==, 1000000);
}

static void test_find_random(void)
{
        g_autoptr(GRand) rand = g_rand_new_with_seed(0x6e76);

        /* Random files over an alphabet that makes near misses likely: no
         * crash, no read past the end, and a consistent result. */
        for (guint round = 0; round < 5000; round++) {
                static const char *const pieces[] = {
                        "options", "kvm_intel", "kvm-intel", "nested", "=",  "1",  "\"", " ",    "\t",
                        "\n",      "\r",        "\\",        "#",      "--", "\0", "x",  "\xa0",
                };
                g_autoptr(GString) text = g_string_new(NULL);
                guint n_pieces = (guint)g_rand_int_range(rand, 0, 60);
                g_autofree char *value = NULL;
                guint newlines = 0;
                guint line = 0;

                for (guint i = 0; i < n_pieces; i++) {
                        const char *piece = pieces[g_rand_int_range(rand, 0, G_N_ELEMENTS(pieces))];

                        /* "\0" has length 1 here, not 0. */
                        g_string_append_len(text, piece, piece[0] == '\0' ? 1 : (gssize)strlen(piece));
                }
                for (gsize i = 0; i < text->len; i++)
                        newlines += text->str[i] == '\n';

                value = find_exact(text->str, text->len, "kvm_intel", "nested", &line);
                if (value != NULL)
                        g_assert_cmpuint(line, <=, newlines + 1);
        }
}

static void test_option_clear(void)
{
        NvModprobeOption option = { .line = 3, .has_value = TRUE, .value = g_strdup("1") };

        nv_modprobe_option_clear(&option);
        g_assert_cmpuint(option.line, ==, 0);
        g_assert_false(option.has_value);
        g_assert_null(option.value);

        /* Clearing twice is harmless. */
        nv_modprobe_option_clear(&option);
        g_assert_null(option.value);
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);

        g_test_add_func("/modprobe/dirs", test_dirs);
        g_test_add_func("/modprobe/file-name-valid", test_file_name_valid);
        g_test_add_func("/modprobe/merge/hiding", test_merge_hiding);
        g_test_add_func("/modprobe/merge/order", test_merge_order);
        g_test_add_func("/modprobe/merge/invalid-names", test_merge_invalid_names);
        g_test_add_func("/modprobe/merge/missing-dirs", test_merge_missing_dirs);
        g_test_add_func("/modprobe/merge/other-dirs", test_merge_other_dirs);
        g_test_add_func("/modprobe/find/basic", test_find_basic);
        g_test_add_func("/modprobe/find/dashes", test_find_dashes);
        g_test_add_func("/modprobe/find/last-wins", test_find_last_wins);
        g_test_add_func("/modprobe/find/multiple-options", test_find_multiple_options);
        g_test_add_func("/modprobe/find/continuation", test_find_continuation);
        g_test_add_func("/modprobe/find/comments", test_find_comments);
        g_test_add_func("/modprobe/find/quotes", test_find_quotes);
        g_test_add_func("/modprobe/find/tabs", test_find_tabs);
        g_test_add_func("/modprobe/find/no-params", test_find_no_params);
        g_test_add_func("/modprobe/find/crlf", test_find_crlf);
        g_test_add_func("/modprobe/find/other-lines", test_find_other_lines);
        g_test_add_func("/modprobe/find/param-names", test_find_param_names);
        g_test_add_func("/modprobe/find/double-dash", test_find_dashes_end);
        g_test_add_func("/modprobe/find/nul-bytes", test_find_nul_bytes);
        g_test_add_func("/modprobe/find/length-respected", test_find_length_respected);
        g_test_add_func("/modprobe/find/huge", test_find_huge);
        g_test_add_func("/modprobe/find/random", test_find_random);
        g_test_add_func("/modprobe/option-clear", test_option_clear);

        return g_test_run();
}
