/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for nv_modprobe_set_option(): the edit EnablePersistent makes
 * to /etc/modprobe.d/kvm.conf keeps everything else byte for byte, says
 * what was asked when read as modprobe reads it, and is idempotent.
 */
#include "config.h"

#include <string.h>

#include "nv-modprobe.h"

typedef struct {
        const char *name;
        const char *module;
        const char *value;
        const char *before;
        const char *after; /* NULL: the edit must be refused */
        guint line;
} EditCase;

static const EditCase edit_cases[] = {
        { "empty", "kvm_intel", "1", "", "options kvm_intel nested=1\n", 1 },
        { "comment-only-no-newline", "kvm_amd", "0", "# mine", "# mine\noptions kvm_amd nested=0\n", 2 },
        { "keep-other-options", "kvm_intel", "1", "options kvm-intel ept=1 nested=0 enable_apicv=0 # x\n",
          "options kvm-intel ept=1 nested=1 enable_apicv=0 # x\n", 1 },
        { "keep-other-lines", "kvm_amd", "1",
          "# Managed partly by hand\n\noptions kvm_amd nested=0\nblacklist foo\noptions kvm ignore_msrs=1\n",
          "# Managed partly by hand\n\noptions kvm_amd nested=1\nblacklist foo\noptions kvm ignore_msrs=1\n",
          3 },
        { "other-module-untouched", "kvm_intel", "1", "options kvm_amd nested=0\n",
          "options kvm_amd nested=0\noptions kvm_intel nested=1\n", 2 },
        { "statement-without-nested", "kvm_intel", "0", "options kvm_intel ept=0\n",
          "options kvm_intel ept=0\noptions kvm_intel nested=0\n", 2 },
        { "every-occurrence", "kvm_amd", "1",
          "options kvm_amd nested=0\n# later\noptions kvm-amd nested=Y avic=1\n",
          "options kvm_amd nested=1\n# later\noptions kvm-amd nested=1 avic=1\n", 3 },
        { "quoted", "kvm_intel", "1", "options kvm_intel nested=\"0\"\n", "options kvm_intel nested=1\n",
          1 },
        { "bare-parameter", "kvm_intel", "0", "options kvm_intel nested\n", "options kvm_intel nested=0\n",
          1 },
        { "continuation", "kvm_amd", "1", "options kvm_amd \\\n\tnested=0 \\\n\tavic=1\n",
          "options kvm_amd \\\n\tnested=1 \\\n\tavic=1\n", 1 },
        { "crlf", "kvm_intel", "1", "options kvm_intel nested=0\r\n", "options kvm_intel nested=1\r\n", 1 },
        { "tabs", "kvm_intel", "1", "options\tkvm_intel\tnested=0\tept=1\n",
          "options\tkvm_intel\tnested=1\tept=1\n", 1 },
        { "commented-out-kept", "kvm_intel", "1", "#options kvm_intel nested=0\n",
          "#options kvm_intel nested=0\noptions kvm_intel nested=1\n", 2 },
        { "similar-parameter", "kvm_intel", "1", "options kvm_intel nested_early_check=1\n",
          "options kvm_intel nested_early_check=1\noptions kvm_intel nested=1\n", 2 },
        /* Words that modprobe would not read where the line suggests. */
        { "unterminated-quote", "kvm_intel", "1", "options kvm_intel foo=\"bar nested=0\n", NULL, 0 },
        { "end-of-options", "kvm_amd", "1", "options kvm_amd -- nested=0\n", NULL, 0 },
};

static void test_edit_case(gconstpointer data)
{
        const EditCase *c = data;
        g_autofree char *result = NULL;
        g_autofree char *again = NULL;
        g_auto(NvModprobeOption) option = { 0 };
        gboolean changed = FALSE;
        gsize len = 0, again_len = 0;
        guint line = 0;

        result = nv_modprobe_set_option(c->before, strlen(c->before), c->module, "nested", c->value, &len,
                                        &changed, &line);
        if (!c->after) {
                g_assert_null(result);
                return;
        }
        g_assert_cmpstr(result, ==, c->after);
        g_assert_cmpuint(len, ==, strlen(c->after));
        g_assert_true(changed == (strcmp(c->before, c->after) != 0));
        g_assert_cmpuint(line, ==, c->line);

        /* It reads back as asked... */
        g_assert_true(nv_modprobe_find_option(result, strlen(result), c->module, "nested", &option));
        g_assert_true(option.has_value);
        g_assert_cmpstr(option.value, ==, c->value);
        g_assert_cmpuint(option.line, ==, c->line);

        /* ...and a second identical edit changes nothing. */
        again = nv_modprobe_set_option(result, len, c->module, "nested", c->value, &again_len, &changed,
                                       NULL);
        g_assert_cmpmem(again, again_len, result, len);
        g_assert_false(changed);
}

static void test_edit_not_nul_terminated(void)
{
        const char text[] = "options kvm_intel nested=0\nGARBAGE";
        g_autofree char *result = NULL;
        gboolean changed;
        gsize len = 0;

        /* Only the first line is the file. */
        result = nv_modprobe_set_option(text, strlen("options kvm_intel nested=0\n"), "kvm_intel", "nested",
                                        "1", &len, &changed, NULL);
        g_assert_cmpmem(result, len, "options kvm_intel nested=1\n", strlen("options kvm_intel nested=1\n"));
        g_assert_true(changed);
}

static void test_edit_embedded_nul(void)
{
        const char text[] = "# a\0b\noptions kvm_amd nested=0\n";
        g_autofree char *result = NULL;
        gboolean changed;
        gsize len = 0;

        result = nv_modprobe_set_option(text, sizeof(text) - 1, "kvm_amd", "nested", "1", &len, &changed,
                                        NULL);
        g_assert_nonnull(result);
        g_assert_true(changed);
        /* The NUL byte and everything else survive, and the length says
         * where the result ends, not the NUL. */
        g_assert_cmpmem(result, len, "# a\0b\noptions kvm_amd nested=1\n", sizeof(text) - 1);
}

int main(int argc, char *argv[])
{
        g_test_init(&argc, &argv, NULL);

        for (gsize i = 0; i < G_N_ELEMENTS(edit_cases); i++) {
                g_autofree char *path = g_strdup_printf("/modprobe/edit/%s", edit_cases[i].name);

                g_test_add_data_func(path, &edit_cases[i], test_edit_case);
        }
        g_test_add_func("/modprobe/edit/not-nul-terminated", test_edit_not_nul_terminated);
        g_test_add_func("/modprobe/edit/embedded-nul", test_edit_embedded_nul);

        return g_test_run();
}
