/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for what nestedvirtctl prints of text that others chose
 * (issue 26): nvctl_escape(), the list-domains table, and configure-domain's
 * confirmation. A guest's owner names it; no name may reach the admin's
 * terminal as an escape sequence (ESC, or CSI as U+009B), break the table's
 * lines apart, or reorder what the terminal shows (U+202E).
 */
#include "config.h"

#include <string.h>

#include "nvctl-list-domains.h"
#include "nvctl-verbs.h"

static void assert_no_raw_controls(const char *text)
{
        for (const char *p = text; *p; p = g_utf8_next_char(p)) {
                gunichar ch = g_utf8_get_char(p);

                if (ch != '\n' && (g_unichar_iscntrl(ch) || g_unichar_type(ch) == G_UNICODE_FORMAT))
                        g_error("U+%04X left raw in:\n%s", ch, text);
        }
}

static void test_escape(void)
{
        static const struct {
                const char *in;
                const char *out;
        } cases[] = {
                { "web1", "web1" },
                { "\x1b[8m", "\\x1b[8m" },
                { "a\nb\rc\td", "a\\x0ab\\x0dc\\x09d" },
                { "\x7f", "\\x7f" },
                { "\xc2\x9b"
                  "2J",
                  "\\x9b2J" },
                { "gpj.exe\xe2\x80\xae", "gpj.exe\\u202e" },
                { "zero\xe2\x80\x8bwidth", "zero\\u200bwidth" },
                { "back\\slash", "back\\\\slash" },
                { "not \xff utf-8", "not \\xff utf-8" },
                { "caf\xc3\xa9 \xe2\x9c\x93", "caf\xc3\xa9 \xe2\x9c\x93" },
        };

        for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autofree char *escaped = nvctl_escape(cases[i].in);

                g_assert_cmpstr(escaped, ==, cases[i].out);
        }
}

static void add_domain(GArray *domains, const char *name, const char *state)
{
        NvctlDomain domain = {
                .name = g_strdup(name),
                .uuid = g_strdup("6695eb01-f6a4-8304-79aa-97f2502e193f"),
                .state = g_strdup(state),
                .cpu_mode = g_strdup("host-model"),
                .nested = g_strdup("no"),
                .nested_reason = g_strdup(name),
        };

        g_array_append_val(domains, domain);
}

/* Every name of the table on its own line, escaped; the columns still
 * line up (the escapes are counted as what they show). */
static void test_table(void)
{
        g_autoptr(GArray) domains = nvctl_domains_new();
        g_autoptr(GString) out = g_string_new(NULL);
        g_auto(GStrv) lines = NULL;
        glong uuid_column = -1;

        add_domain(domains,
                   "db\xc2\x9b"
                   "1",
                   "running");
        add_domain(domains, "gpj.exe\xe2\x80\xae", "shut off");
        add_domain(domains, "vm\x1b[2J\nFAKE", "paused\x1b]0;x\x07");
        nvctl_domains_format_table(domains, out);

        assert_no_raw_controls(out->str);
        lines = g_strsplit(out->str, "\n", -1);
        g_assert_cmpuint(g_strv_length(lines), ==, 1 + domains->len + 1);
        g_assert_nonnull(strstr(out->str, "db\\x9b1"));
        g_assert_nonnull(strstr(out->str, "gpj.exe\\u202e"));
        g_assert_nonnull(strstr(out->str, "vm\\x1b[2J\\x0aFAKE"));
        g_assert_nonnull(strstr(out->str, "paused\\x1b]0;x\\x07"));
        for (guint i = 0; i < 1 + domains->len; i++) {
                const char *uuid = strstr(lines[i], i == 0 ? "UUID" : "6695eb01");

                g_assert_nonnull(uuid);
                if (uuid_column < 0)
                        uuid_column = g_utf8_pointer_to_offset(lines[i], uuid);
                g_assert_cmpint(g_utf8_pointer_to_offset(lines[i], uuid), ==, uuid_column);
        }
}

/* The confirmation names the domain escaped; the virsh lines to paste
 * are given only for a name that shows as it is. */
static void test_configure_done(void)
{
        g_autofree char *plain = nvctl_configure_domain_format_done("web1", "host-model", TRUE);
        g_autofree char *hostile = nvctl_configure_domain_format_done("vm\x1b[2J\nFAKE", "host-model", TRUE);

        g_assert_nonnull(strstr(plain, "virsh shutdown 'web1'; virsh start 'web1'"));
        assert_no_raw_controls(hostile);
        g_assert_nonnull(strstr(hostile, "Domain vm\\x1b[2J\\x0aFAKE now uses"));
        g_assert_null(strstr(hostile, "virsh"));
        g_assert_nonnull(strstr(hostile, "full power-off"));
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/nvctl-text/escape", test_escape);
        g_test_add_func("/nvctl-text/list-domains-table", test_table);
        g_test_add_func("/nvctl-text/configure-domain-done", test_configure_done);
        return g_test_run();
}
