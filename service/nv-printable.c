/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "nv-printable.h"

char *nv_printable(const char *s, glong max_chars)
{
        GString *shown = g_string_new(NULL);
        glong n_chars = 0;
        const char *p;

        for (p = s; *p && n_chars < max_chars; p = g_utf8_next_char(p), n_chars++) {
                gunichar ch = g_utf8_get_char(p);

                if (!g_unichar_iscntrl(ch) && g_unichar_type(ch) != G_UNICODE_FORMAT)
                        g_string_append_unichar(shown, ch);
                else if (ch < 0x80)
                        g_string_append_printf(shown, "\\x%02x", (unsigned)ch);
                else if (ch <= 0xffff)
                        g_string_append_printf(shown, "\\u%04x", (unsigned)ch);
                else
                        g_string_append_printf(shown, "\\U%08x", (unsigned)ch);
        }
        if (*p)
                g_string_append(shown, "...");
        return g_string_free(shown, FALSE);
}
