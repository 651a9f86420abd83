/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel's rules for module names and parameters (see nv-kernel-param.h).
 *
 * Where the kernel has a parser of its own (next_arg() in lib/cmdline.c,
 * kstrtobool() and kstrtoint() in lib/kstrtox.c) this follows it quirk for
 * quirk rather than doing what looks reasonable: the daemon reports what
 * the kernel will do with a value, so a stricter or a laxer reading would
 * make it report a setting the kernel does not apply.
 */

#include "config.h"

#include <errno.h>
#include <string.h>

#include "nv-kernel-param.h"

static inline char dash_to_underscore(char c)
{
        return c == '-' ? '_' : c;
}

/* Compares the @len bytes at @s, which may hold NUL bytes, with @name. */
static gboolean name_span_equal(const char *s, gsize len, const char *name)
{
        for (gsize i = 0; i < len; i++) {
                if (name[i] == '\0' || dash_to_underscore(s[i]) != dash_to_underscore(name[i]))
                        return FALSE;
        }

        return name[len] == '\0';
}

char *nv_module_name_normalize(const char *name)
{
        char *copy;

        g_return_val_if_fail(name != NULL, NULL);

        copy = g_strdup(name);
        for (char *p = copy; *p != '\0'; p++)
                *p = dash_to_underscore(*p);

        return copy;
}

gboolean nv_module_name_equal(const char *a, const char *b)
{
        g_return_val_if_fail(a != NULL, FALSE);
        g_return_val_if_fail(b != NULL, FALSE);

        return name_span_equal(a, strlen(a), b);
}

/* sysfs attributes end in one newline; accept @s with or without it. */
static gboolean sysfs_value_is(const char *s, const char *word)
{
        size_t n = strlen(word);

        if (strncmp(s, word, n) != 0)
                return FALSE;

        return s[n] == '\0' || (s[n] == '\n' && s[n + 1] == '\0');
}

NvModuleState nv_module_state_from_sysfs(gboolean has_dir, const char *initstate, gboolean listed_builtin)
{
        /* kmod asks modules.builtin first too: it is authoritative, and a
         * built-in module without parameters has no directory at all. */
        if (listed_builtin)
                return NV_MODULE_STATE_BUILTIN;

        if (initstate != NULL) {
                if (sysfs_value_is(initstate, "live"))
                        return NV_MODULE_STATE_LIVE;
                if (sysfs_value_is(initstate, "coming"))
                        return NV_MODULE_STATE_COMING;
                if (sysfs_value_is(initstate, "going"))
                        return NV_MODULE_STATE_GOING;
                return NV_MODULE_STATE_UNKNOWN;
        }

        /* Only the loader creates initstate, so a directory without one
         * belongs to a built-in module that has parameters. */
        return has_dir ? NV_MODULE_STATE_BUILTIN : NV_MODULE_STATE_ABSENT;
}

/*
 * kstrtobool() decides on the first one or two characters and ignores the
 * rest, so "yes", "10" and "nonsense" are all valid, and "0x1" is false.
 */
static int kernel_parse_bool(const char *s)
{
        switch (s[0]) {
        case 'y':
        case 'Y':
        case '1':
                return 1;
        case 'n':
        case 'N':
        case '0':
                return 0;
        case 'o':
        case 'O':
                switch (s[1]) {
                case 'n':
                case 'N':
                        return 1;
                case 'f':
                case 'F':
                        return 0;
                default:
                        return -EINVAL;
                }
        default:
                return -EINVAL;
        }
}

/*
 * kstrtoint(s, 0, ...): one optional sign ("-+1" is invalid), a "0x"
 * prefix only when a hex digit follows, a leading '0' means octal, one
 * trailing newline, and nothing else. Overflow is a refusal, not a wrap.
 */
static gboolean kernel_parse_int(const char *s, int *ret)
{
        gboolean negative = FALSE;
        guint base = 10;
        guint64 acc = 0;
        gsize digits = 0;

        if (s[0] == '-') {
                negative = TRUE;
                s++;
        } else if (s[0] == '+') {
                s++;
        }

        if (s[0] == '0') {
                if (g_ascii_tolower(s[1]) == 'x' && g_ascii_isxdigit(s[2])) {
                        base = 16;
                        s += 2;
                } else {
                        base = 8;
                }
        }

        for (;; s++, digits++) {
                int digit = g_ascii_xdigit_value(*s);

                if (digit < 0 || (guint)digit >= base)
                        break;
                if (acc > (G_MAXUINT64 - (guint)digit) / base)
                        return FALSE;
                acc = acc * base + (guint)digit;
        }

        if (digits == 0)
                return FALSE;
        if (*s == '\n')
                s++;
        if (*s != '\0')
                return FALSE;

        if (negative) {
                if (acc > (guint64)G_MAXINT + 1)
                        return FALSE;
                *ret = (int)-(gint64)acc;
        } else {
                if (acc > G_MAXINT)
                        return FALSE;
                *ret = (int)acc;
        }

        return TRUE;
}

int nv_nested_value_parse(NvCpuVendor vendor, const char *value)
{
        int number;

        switch (vendor) {
        case NV_CPU_VENDOR_INTEL:
                /* A bool parameter given without a value is set. */
                if (value == NULL)
                        return 1;
                return kernel_parse_bool(value);

        case NV_CPU_VENDOR_AMD:
                if (value == NULL || !kernel_parse_int(value, &number))
                        return -EINVAL;
                /* kvm_amd tests "if (nested)": -1 enables it too. */
                return number != 0;

        case NV_CPU_VENDOR_UNKNOWN:
        default:
                /* Only what both modules would read the same way. */
                if (value == NULL)
                        return -EINVAL;
                if (kernel_parse_int(value, &number))
                        return number > 0 ? 1 : number == 0 ? 0 : -EINVAL;
                if (sysfs_value_is(value, "Y") || sysfs_value_is(value, "y"))
                        return 1;
                if (sysfs_value_is(value, "N") || sysfs_value_is(value, "n"))
                        return 0;
                return -EINVAL;
        }
}

/* The kernel's isspace(): its ctype table is Latin-1, so 0xA0 (no-break
 * space) separates words too. */
static gboolean kernel_isspace(char c)
{
        switch ((unsigned char)c) {
        case ' ':
        case '\t':
        case '\n':
        case '\v':
        case '\f':
        case '\r':
        case 0xa0:
                return TRUE;
        default:
                return FALSE;
        }
}

gboolean nv_kernel_args_next(const char **args, NvKernelArg *arg)
{
        const char *word;
        gsize i, equals = 0;
        gboolean in_quote = FALSE, quoted = FALSE;

        g_return_val_if_fail(args != NULL && *args != NULL, FALSE);
        g_return_val_if_fail(arg != NULL, FALSE);

        word = *args;
        while (kernel_isspace(*word))
                word++;
        if (*word == '\0') {
                *args = word;
                return FALSE;
        }

        arg->word = word;
        if (*word == '"') {
                word++;
                in_quote = quoted = TRUE;
        }

        /* An unterminated quote runs to the end of the string, as in the
         * kernel. An '=' at index 0 is not a separator there either. */
        for (i = 0; word[i] != '\0'; i++) {
                if (kernel_isspace(word[i]) && !in_quote)
                        break;
                if (equals == 0 && word[i] == '=')
                        equals = i;
                if (word[i] == '"')
                        in_quote = !in_quote;
        }

        arg->param = word;
        if (equals == 0) {
                arg->param_len = i;
                if (quoted && i > 0 && word[i - 1] == '"')
                        arg->param_len = i - 1;
                arg->value = NULL;
                arg->value_len = 0;
        } else {
                gsize value_start = equals + 1, value_end = i;

                arg->param_len = equals;

                /* next_arg() cuts the word's last character when it is a
                 * quote and the value or the whole word began with one;
                 * the cut only shortens the value when it falls inside it. */
                if (value_start < i && word[value_start] == '"')
                        value_start++;
                if ((value_start > equals + 1 || quoted) && word[i - 1] == '"' && i - 1 >= value_start)
                        value_end = i - 1;

                arg->value = word + value_start;
                arg->value_len = value_end - value_start;
        }

        arg->word_len = (gsize)(word + i - arg->word);
        *args = word[i] != '\0' ? word + i + 1 : word + i;
        return TRUE;
}

gboolean nv_kernel_arg_param_is(const NvKernelArg *arg, const char *name)
{
        g_return_val_if_fail(arg != NULL, FALSE);
        g_return_val_if_fail(name != NULL, FALSE);

        return name_span_equal(arg->param, arg->param_len, name);
}

gboolean nv_cmdline_find_param(const char *cmdline, const char *module, const char *param, char **ret_value)
{
        const char *p = cmdline;
        size_t module_len;
        NvKernelArg arg;
        gboolean found = FALSE;
        const char *value = NULL;
        gsize value_len = 0;

        g_return_val_if_fail(cmdline != NULL, FALSE);
        g_return_val_if_fail(module != NULL, FALSE);
        g_return_val_if_fail(param != NULL, FALSE);

        module_len = strlen(module);

        while (nv_kernel_args_next(&p, &arg)) {
                /* parse_args() hands everything after a bare "--" to init. */
                if (arg.value == NULL && arg.param_len == 2 && memcmp(arg.param, "--", 2) == 0)
                        break;

                if (arg.param_len <= module_len || arg.param[module_len] != '.')
                        continue;
                if (!name_span_equal(arg.param, module_len, module))
                        continue;
                if (!name_span_equal(arg.param + module_len + 1, arg.param_len - module_len - 1, param))
                        continue;

                found = TRUE;
                value = arg.value;
                value_len = arg.value_len;
        }

        if (found && ret_value != NULL)
                *ret_value = value != NULL ? g_strndup(value, value_len) : NULL;

        return found;
}

/* The module that one line (@len bytes, without its newline) of a list of
 * module files names: the text of modules.builtin
 * ("kernel/arch/x86/kvm/kvm-intel.ko") or of modules.dep, whose lines add
 * ": DEPENDENCIES" after the file. Sets *@ret_name and *@ret_name_len to
 * the name's span, and *@ret_file_len to the length of the file's. */
static gboolean module_list_line_name(const char *line, gsize len, const char **ret_name,
                                      gsize *ret_name_len, gsize *ret_file_len)
{
        const char *eol = line + len;
        const char *name, *dot, *slash, *colon;

        colon = memchr(line, ':', len);
        if (colon == NULL)
                colon = eol;

        /* depmod names a module after its file: the last path component
         * up to its first '.'. */
        name = line;
        while ((slash = memchr(name, '/', (size_t)(colon - name))) != NULL)
                name = slash + 1;
        dot = memchr(name, '.', (size_t)(colon - name));
        if (dot == NULL)
                dot = colon;
        if (dot == name)
                return FALSE;
        *ret_name = name;
        *ret_name_len = (gsize)(dot - name);
        *ret_file_len = (gsize)(colon - line);
        return TRUE;
}

/* The entry of a list of module files, one a line, that names @module
 * (see module_list_line_name()). Sets *@ret_file and *@ret_file_len to
 * the file's span in @text. */
static gboolean module_list_find(const char *text, gsize len, const char *module, const char **ret_file,
                                 gsize *ret_file_len)
{
        const char *p, *end;

        g_return_val_if_fail(text != NULL || len == 0, FALSE);
        g_return_val_if_fail(module != NULL, FALSE);

        /* Empty input may come as (NULL, 0), and NULL + 0 is undefined. */
        if (len == 0)
                return FALSE;

        p = text;
        end = text + len;

        while (p < end) {
                const char *eol = memchr(p, '\n', (size_t)(end - p));
                const char *name;
                gsize name_len, file_len;

                if (eol == NULL)
                        eol = end;
                if (module_list_line_name(p, (gsize)(eol - p), &name, &name_len, &file_len) &&
                    name_span_equal(name, name_len, module)) {
                        if (ret_file)
                                *ret_file = p;
                        if (ret_file_len)
                                *ret_file_len = file_len;
                        return TRUE;
                }

                p = eol + 1;
        }

        return FALSE;
}

int nv_modules_builtin_line_find(const char *line, gsize len, const char *const *modules)
{
        const char *name;
        gsize name_len, file_len;

        g_return_val_if_fail(line != NULL || len == 0, -1);
        g_return_val_if_fail(modules != NULL, -1);

        if (len == 0 || memchr(line, '\n', len) ||
            !module_list_line_name(line, len, &name, &name_len, &file_len))
                return -1;
        for (int i = 0; modules[i]; i++)
                if (name_span_equal(name, name_len, modules[i]))
                        return i;
        return -1;
}

gboolean nv_modules_builtin_contains(const char *text, gsize len, const char *module)
{
        return module_list_find(text, len, module, NULL, NULL);
}

char *nv_modules_dep_find(const char *text, gsize len, const char *module)
{
        const char *file;
        gsize file_len;

        if (!module_list_find(text, len, module, &file, &file_len))
                return NULL;
        /* A NUL byte would cut the path short, to another file's name. */
        if (memchr(file, '\0', file_len))
                return NULL;
        return g_strndup(file, file_len);
}

gboolean nv_kernel_release_at_least(const char *release, guint major, guint minor)
{
        guint64 got_major, got_minor;
        const char *p = release;
        char *end = NULL;

        if (!release || !g_ascii_isdigit(*p))
                return FALSE;
        got_major = g_ascii_strtoull(p, &end, 10);
        if (*end != '.' || !g_ascii_isdigit(end[1]))
                return FALSE;
        got_minor = g_ascii_strtoull(end + 1, NULL, 10);
        return got_major > major || (got_major == major && got_minor >= minor);
}

gboolean nv_uevent_is_module(const char *message, gsize len)
{
        static const char subsystem[] = "SUBSYSTEM=module";

        for (gsize i = 0; i < len;) {
                const char *field = message + i;
                gsize field_len = strnlen(field, len - i);

                if (field_len == sizeof(subsystem) - 1 && memcmp(field, subsystem, field_len) == 0)
                        return TRUE;
                i += field_len + 1;
        }
        return FALSE;
}
