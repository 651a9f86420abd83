/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * modprobe.d as kmod reads it (see nv-modprobe.h): the file set, the line
 * syntax of libkmod-config.c, and the kernel's reading of the options
 * that modprobe finally passes to init_module().
 */

#include "config.h"

#include <string.h>

#include "nv-kernel-param.h"
#include "nv-modprobe.h"

const char *const nv_modprobe_dirs[] = {
        "/etc/modprobe.d",     "/run/modprobe.d", "/usr/local/lib/modprobe.d",
        "/usr/lib/modprobe.d", "/lib/modprobe.d", NULL,
};

gboolean nv_modprobe_file_name_valid(const char *name)
{
        size_t len;

        g_return_val_if_fail(name != NULL, FALSE);

        len = strlen(name);
        if (name[0] == '.' || len <= strlen(".conf") || strcmp(name + len - strlen(".conf"), ".conf") != 0)
                return FALSE;

        /* No directory entry has one; refusing it keeps a caller's
         * "DIR/NAME" inside DIR whatever it passes. */
        return strchr(name, '/') == NULL;
}

static gint compare_names(gconstpointer a, gconstpointer b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

char **nv_modprobe_merge(const char *const *dirs, const char *const *const *names)
{
        g_autoptr(GHashTable) dir_of_name = g_hash_table_new(g_str_hash, g_str_equal);
        g_autoptr(GPtrArray) sorted = g_ptr_array_new();
        GPtrArray *paths;

        g_return_val_if_fail(dirs != NULL, NULL);
        g_return_val_if_fail(names != NULL, NULL);

        /* Directories come in precedence order, so the first directory to
         * claim a name owns it, as kmod's ordered insert keeps the first. */
        for (gsize d = 0; dirs[d] != NULL; d++) {
                if (names[d] == NULL)
                        continue;

                for (gsize n = 0; names[d][n] != NULL; n++) {
                        const char *name = names[d][n];

                        if (!nv_modprobe_file_name_valid(name) || g_hash_table_contains(dir_of_name, name))
                                continue;

                        g_hash_table_insert(dir_of_name, (gpointer)name, (gpointer)dirs[d]);
                        g_ptr_array_add(sorted, (gpointer)name);
                }
        }

        /* kmod reads by file name alone: /usr/lib/.../10-a.conf comes before
         * /etc/.../20-b.conf, which is how a file in /etc can override one
         * shipped by a package only if its name sorts later. */
        g_ptr_array_sort(sorted, compare_names);

        paths = g_ptr_array_new_full(sorted->len + 1, g_free);
        for (guint i = 0; i < sorted->len; i++) {
                const char *name = g_ptr_array_index(sorted, i);

                g_ptr_array_add(paths, g_build_filename(g_hash_table_lookup(dir_of_name, name), name, NULL));
        }
        g_ptr_array_add(paths, NULL);

        return (char **)g_ptr_array_free(paths, FALSE);
}

void nv_modprobe_option_clear(NvModprobeOption *option)
{
        if (option == NULL)
                return;

        option->line = 0;
        option->has_value = FALSE;
        g_clear_pointer(&option->value, g_free);
}

/*
 * Reads one logical line from @pos into @line, as kmod's
 * freadline_wrapped(): a backslash joins the next physical line when it
 * precedes a newline, is dropped before any other character (which is
 * kept), and is dropped at the end of the file. A "\\\r\n" therefore does
 * not join lines. Returns the position after the line; counts the newlines
 * it consumed in @line_number. When @offsets is given, it receives the
 * offset in @text of every character of @line, for editing in place.
 */
static gsize read_logical_line(const char *text, gsize len, gsize pos, GString *line, guint *line_number,
                               GArray *offsets)
{
        g_string_truncate(line, 0);
        if (offsets)
                g_array_set_size(offsets, 0);

        while (pos < len) {
                gsize run = pos;

                while (run < len && text[run] != '\n' && text[run] != '\\')
                        run++;
                g_string_append_len(line, text + pos, (gssize)(run - pos));
                for (gsize i = pos; offsets && i < run; i++)
                        g_array_append_val(offsets, i);
                pos = run;

                if (pos == len)
                        break;
                if (text[pos++] == '\n') {
                        (*line_number)++;
                        break;
                }

                if (pos == len)
                        break;
                if (text[pos] == '\n') {
                        (*line_number)++;
                } else {
                        g_string_append_c(line, text[pos]);
                        if (offsets)
                                g_array_append_val(offsets, pos);
                }
                pos++;
        }

        return pos;
}

/*
 * Returns the OPTIONS of an "options MODULE OPTIONS" line for @module, or
 * NULL. @line is modified. kmod handles lines as C strings, so a NUL byte
 * ends the line; it splits the command and the module name at spaces and
 * tabs only, and the options start after the one separator that follows
 * the module name.
 */
static const char *line_options_for(char *line, const char *module)
{
        char *p = line, *command, *modname;
        size_t command_len;

        if (line[0] == '\0' || line[0] == '#')
                return NULL;

        p += strspn(p, " \t");
        command = p;
        p += strcspn(p, " \t");
        command_len = (size_t)(p - command);
        if (command_len != strlen("options") || memcmp(command, "options", command_len) != 0)
                return NULL;

        p += strspn(p, " \t");
        modname = p;
        p += strcspn(p, " \t");
        if (p == modname || *p == '\0')
                return NULL;
        *p++ = '\0';

        /* "options MODULE" alone is a syntax error kmod skips. */
        if (*p == '\0' || !nv_module_name_equal(modname, module))
                return NULL;

        return p;
}

typedef struct {
        gsize offset;     /* where the statement's options start in the joined string */
        guint first_line; /* the physical line the statement starts on */
} OptionsSource;

gboolean nv_modprobe_find_option(const char *text, gsize len, const char *module, const char *param,
                                 NvModprobeOption *ret)
{
        g_autoptr(GString) line = g_string_new(NULL);
        g_autoptr(GString) joined = g_string_new(NULL);
        g_autoptr(GArray) sources = g_array_new(FALSE, FALSE, sizeof(OptionsSource));
        gsize pos = 0;
        guint line_number = 1;
        const char *args;
        NvKernelArg arg;
        guint source = 0;
        gboolean found = FALSE;
        NvKernelArg last = { 0 };
        guint last_line = 0;

        g_return_val_if_fail(text != NULL || len == 0, FALSE);
        g_return_val_if_fail(module != NULL, FALSE);
        g_return_val_if_fail(param != NULL, FALSE);
        g_return_val_if_fail(ret != NULL, FALSE);

        /*
         * modprobe does not pass each line to the kernel on its own: it
         * joins the options of every statement for the module with spaces.
         * Splitting the joined string is what makes an unterminated quote
         * swallow the following statements, and a bare "--" end them, as
         * they would when the module loads.
         */
        while (pos < len) {
                guint first_line = line_number;
                const char *options;

                pos = read_logical_line(text, len, pos, line, &line_number, NULL);
                options = line_options_for(line->str, module);
                if (options == NULL)
                        continue;

                if (joined->len > 0)
                        g_string_append_c(joined, ' ');
                g_array_append_val(sources, ((OptionsSource){ joined->len, first_line }));
                g_string_append(joined, options);
        }

        args = joined->str;
        while (nv_kernel_args_next(&args, &arg)) {
                gsize offset = (gsize)(arg.param - joined->str);

                if (arg.value == NULL && arg.param_len == 2 && memcmp(arg.param, "--", 2) == 0)
                        break;

                /* Words come in order, so the statement that holds one only moves forward. */
                while (source + 1 < sources->len &&
                       g_array_index(sources, OptionsSource, source + 1).offset <= offset)
                        source++;

                if (nv_kernel_arg_param_is(&arg, param)) {
                        found = TRUE;
                        last = arg;
                        last_line = g_array_index(sources, OptionsSource, source).first_line;
                }
        }

        if (!found)
                return FALSE;

        ret->line = last_line;
        ret->has_value = last.value != NULL;
        ret->value = last.value != NULL ? g_strndup(last.value, last.value_len) : NULL;
        return TRUE;
}

typedef struct {
        gsize start, end; /* span of @text to replace */
} Edit;

/* Is the word of @arg the bare "--" that ends parse_args()? */
static gboolean arg_is_end(const NvKernelArg *arg)
{
        return arg->value == NULL && arg->param_len == 2 && memcmp(arg->param, "--", 2) == 0;
}

static gsize count_quotes(const char *s)
{
        gsize n = 0;

        for (; *s; s++)
                n += *s == '"';
        return n;
}

/* Whether @s, which ends with a newline, ends with a backslash that joins
 * that newline (an odd run of backslashes: in an even one, each escapes
 * the next). */
static gboolean ends_in_continuation(const GString *s)
{
        gsize end = s->len - 1, n = 0;

        while (n < end && s->str[end - 1 - n] == '\\')
                n++;
        return n % 2 == 1;
}

char *nv_modprobe_set_option(const char *text, gsize len, const char *module, const char *param,
                             const char *value, gsize *ret_len, gboolean *ret_changed, guint *ret_line)
{
        g_autoptr(GString) line = g_string_new(NULL);
        g_autoptr(GArray) offsets = g_array_new(FALSE, FALSE, sizeof(gsize));
        g_autoptr(GArray) edits = g_array_new(FALSE, FALSE, sizeof(Edit));
        g_autoptr(GString) out = g_string_sized_new(len + 64);
        g_autofree char *word = g_strdup_printf("%s=%s", param, value);
        g_auto(NvModprobeOption) check = { 0 };
        gsize pos = 0, copied = 0;
        guint line_number = 1, last_line = 0;
        gboolean ended = FALSE;

        g_return_val_if_fail(text != NULL || len == 0, NULL);
        g_return_val_if_fail(module != NULL && param != NULL && value != NULL, NULL);
        g_return_val_if_fail(ret_len != NULL, NULL);

        /* (NULL, 0) is an empty file; "text + 0" on NULL is undefined. */
        if (!text)
                text = "";

        /* Find every word that sets @param in a statement for @module, as
         * the reader splits them, and remember where it stands in @text. */
        while (pos < len && !ended) {
                guint first_line = line_number;
                const char *options, *args;
                NvKernelArg arg;

                pos = read_logical_line(text, len, pos, line, &line_number, offsets);
                options = line_options_for(line->str, module);
                if (options == NULL)
                        continue;
                /* modprobe joins the statements before it splits them (see
                 * nv_modprobe_find_option()): a quote left open here runs
                 * on into the next statement, which this statement-by-
                 * statement edit cannot follow. Refuse, as for a "--". */
                if (count_quotes(options) % 2 == 1)
                        return NULL;

                args = options;
                while (nv_kernel_args_next(&args, &arg)) {
                        gsize start = (gsize)(arg.word - line->str);
                        Edit edit;

                        if (arg_is_end(&arg)) {
                                ended = TRUE;
                                break;
                        }
                        if (!nv_kernel_arg_param_is(&arg, param) || arg.word_len == 0)
                                continue;

                        edit.start = g_array_index(offsets, gsize, start);
                        edit.end = g_array_index(offsets, gsize, start + arg.word_len - 1) + 1;
                        g_array_append_val(edits, edit);
                        last_line = first_line;
                }
        }

        for (guint i = 0; i < edits->len; i++) {
                const Edit *e = &g_array_index(edits, Edit, i);

                g_string_append_len(out, text + copied, (gssize)(e->start - copied));
                g_string_append(out, word);
                copied = e->end;
        }
        g_string_append_len(out, text + copied, (gssize)(len - copied));

        if (edits->len == 0) {
                if (out->len > 0 && out->str[out->len - 1] != '\n')
                        g_string_append_c(out, '\n');
                /* A backslash before that last newline continues the last
                 * statement onto the line appended here: end it with an
                 * empty line, so that the new statement stands alone. */
                if (out->len > 0 && ends_in_continuation(out))
                        g_string_append_c(out, '\n');
                last_line = 1;
                for (gsize i = 0; i < out->len; i++)
                        if (out->str[i] == '\n')
                                last_line++;
                g_string_append_printf(out, "options %s %s\n", module, word);
        }

        /* Quotes left open or a "--" can make words land elsewhere than
         * their line suggests; never hand back a file that does not say
         * what was asked when it is read the way modprobe reads it. */
        if (!nv_modprobe_find_option(out->str, out->len, module, param, &check) || !check.has_value ||
            g_strcmp0(check.value, value) != 0)
                return NULL;

        *ret_len = out->len;
        if (ret_changed)
                *ret_changed = out->len != len || memcmp(out->str, text, len) != 0;
        if (ret_line)
                *ret_line = last_line;
        return g_string_free(g_steal_pointer(&out), FALSE);
}
