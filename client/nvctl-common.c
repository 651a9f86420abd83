/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers shared by nestedvirtctl's verbs: connecting to the system bus,
 * calling org.example.NestedVirt, explaining failures in one line that
 * says what to do, and the text and JSON printers.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "nv-dbus.h"
#include "nvctl-common.h"

/* Set once by main(), from --json; read by every failure path. */
static NvctlJsonFormat error_format = NVCTL_JSON_OFF;

void nvctl_set_error_format(NvctlJsonFormat format)
{
        error_format = format;
}

/* The one line a failure writes on stderr: @message as it is, or under
 * --json an object whose "Error" is the D-Bus error name (one of the
 * service's, the bus's, or a generic one for failures of the client
 * itself), so that a script can tell "not supported" from "denied" without
 * matching words that may change. */
static void print_failure(const char *error_name, const char *message)
{
        g_autoptr(JsonBuilder) builder = NULL;
        g_autoptr(JsonNode) root = NULL;
        g_autofree char *text = NULL;

        if (error_format == NVCTL_JSON_OFF) {
                fprintf(stderr, "%s\n", message);
                return;
        }

        builder = json_builder_new();
        json_builder_begin_object(builder);
        json_builder_set_member_name(builder, "Error");
        json_builder_add_string_value(builder, error_name);
        json_builder_set_member_name(builder, "Message");
        json_builder_add_string_value(builder, message);
        json_builder_end_object(builder);
        root = json_builder_get_root(builder);
        /* One line, whatever the format: the contract is one line per
         * failure on stderr. */
        text = nvctl_json_to_string(root, NVCTL_JSON_SHORT);
        fprintf(stderr, "%s\n", text);
}

int nvctl_usage_error(const char *format, ...)
{
        g_autofree char *message = NULL;
        g_autofree char *line = NULL;
        va_list args;

        va_start(args, format);
        message = g_strdup_vprintf(format, args);
        va_end(args);

        line = g_strdup_printf("%s See '%s --help'.", message, program_invocation_short_name);
        print_failure(SD_BUS_ERROR_INVALID_ARGS, line);
        return NVCTL_EXIT_USAGE;
}

static void print_failure_va(const char *error_name, const char *format, va_list args) G_GNUC_PRINTF(2, 0);

static void print_failure_va(const char *error_name, const char *format, va_list args)
{
        g_autofree char *message = g_strdup_vprintf(format, args);

        print_failure(error_name, message);
}

/* nvctl_fail() with a D-Bus error name for --json. */
static int fail_named(const char *error_name, const char *format, ...) G_GNUC_PRINTF(2, 3);

static int fail_named(const char *error_name, const char *format, ...)
{
        va_list args;

        va_start(args, format);
        print_failure_va(error_name, format, args);
        va_end(args);
        return NVCTL_EXIT_FAILURE;
}

int nvctl_fail(const char *format, ...)
{
        va_list args;

        va_start(args, format);
        print_failure_va(SD_BUS_ERROR_FAILED, format, args);
        va_end(args);
        return NVCTL_EXIT_FAILURE;
}

/* Joins a message and a hint into one sentence-like line, without doubling
 * the full stop that some D-Bus error messages already end with. */
static const char *sentence_separator(const char *message)
{
        size_t len = strlen(message);

        if (len > 0 && strchr(".!?", message[len - 1]))
                return " ";
        return ". ";
}

/* What ssh wrote to its stderr for -H: its own diagnostics ("Connection
 * refused", "Permission denied (publickey)") and the remote shell's
 * ("systemd-stdio-bridge: not found"). On our stderr they would be a
 * second line, before ours; kept here, the last of them becomes the
 * message of our one line when the connection fails, and they stay out
 * of sight when it works. -1 without -H. */
static int ssh_stderr_fd = -1;

/* sd-bus forks "ssh -xT [-p PORT] -- HOST systemd-stdio-bridge" within
 * sd_bus_open_system_remote(), and the child keeps the stderr it
 * inherits: that is pointed at a memfd for the duration of the call. */
static int open_system_remote(const char *host, sd_bus **ret_bus)
{
        int saved;
        int r;

        ssh_stderr_fd = memfd_create("nestedvirtctl-ssh-stderr", MFD_CLOEXEC);
        saved = ssh_stderr_fd < 0 ? -1 : fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
        if (saved < 0 || dup2(ssh_stderr_fd, STDERR_FILENO) < 0) {
                /* ssh's lines then come before ours; the call still works. */
                if (saved >= 0)
                        close(saved);
                return sd_bus_open_system_remote(ret_bus, host);
        }
        r = sd_bus_open_system_remote(ret_bus, host);
        dup2(saved, STDERR_FILENO);
        close(saved);
        return r;
}

/* The last line ssh wrote, or NULL. Only the end of what it wrote is
 * read: the last line is what says why it gave up. */
static char *ssh_last_line(void)
{
        g_auto(GStrv) lines = NULL;
        char tail[2048];
        off_t end;
        ssize_t n;

        if (ssh_stderr_fd < 0 || (end = lseek(ssh_stderr_fd, 0, SEEK_END)) <= 0)
                return NULL;
        n = pread(ssh_stderr_fd, tail, sizeof(tail) - 1, MAX(end - (off_t)sizeof(tail) + 1, 0));
        if (n <= 0)
                return NULL;
        tail[n] = '\0';

        lines = g_strsplit_set(tail, "\r\n", -1);
        for (guint i = g_strv_length(lines); i > 0; i--) {
                g_strstrip(lines[i - 1]);
                if (lines[i - 1][0])
                        return g_strdup(lines[i - 1]);
        }
        return NULL;
}

/* @text for a shell command line shown to be pasted: as it is when it
 * is a plain word, quoted otherwise, escaped for the terminal either way. */
static char *shell_word(const char *text)
{
        g_autofree char *shown = nvctl_escape(text);

        if (*shown && shown[strspn(shown, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                          "0123456789@%+=:,./_-[]")] == '\0')
                return g_steal_pointer(&shown);
        return g_shell_quote(shown);
}

/* What to try by hand when the connection -H asked for failed: the ssh
 * that sd-bus runs for [USER@]HOST[:PORT][/MACHINE], as sd-bus splits it
 * (bus_set_address_system_remote()), with "--" before the host so that
 * the line can never pass ssh an option, whatever -H said; and the
 * container MACHINE, which the remote systemd-stdio-bridge is asked for
 * (--machine=). */
static char *ssh_hint(const char *host)
{
        const char *bracket = strchr(host, ']');
        const char *after = bracket ? bracket + 1 : host;
        size_t host_len = (size_t)(after - host) + strcspn(after, ":/");
        const char *port = after[host_len - (size_t)(after - host)] == ':' ? host + host_len + 1 : NULL;
        const char *machine = strchr(after, '/');
        g_autofree char *name = g_strndup(host, host_len);
        g_autofree char *port_word = port ? g_strndup(port, strcspn(port, "/")) : NULL;
        g_autofree char *name_word = shell_word(name);
        g_autofree char *port_shown = port_word ? shell_word(port_word) : NULL;
        g_autofree char *machine_shown = machine ? nvctl_escape(machine + 1) : NULL;

        return g_strdup_printf(
                "Check that 'ssh%s%s -- %s' works and that the host has systemd-stdio-bridge%s%s%s.",
                port ? " -p " : "", port ? port_shown : "", name_word,
                machine ? " and a container named '" : "", machine ? machine_shown : "", machine ? "'" : "");
}

int nvctl_connect(const NvctlOptions *options, sd_bus **ret_bus)
{
        g_autoptr(sd_bus) bus = NULL;
        int r;

        if (options->host) {
                /* Runs "ssh HOST systemd-stdio-bridge", as hostnamectl -H
                 * does. ssh itself only fails later, on the first call,
                 * which is why nvctl_call() explains connection errors. */
                g_autofree char *shown = nvctl_escape(options->host);

                r = open_system_remote(options->host, &bus);
                if (r == -EINVAL)
                        return nvctl_fail("Invalid host '%s': give it as [USER@]HOST[:PORT][/MACHINE].",
                                          shown);
                if (r < 0)
                        return nvctl_fail("Failed to connect to %s over ssh: %s.", shown, g_strerror(-r));
        } else {
                /* Honours DBUS_SYSTEM_BUS_ADDRESS, which the tests use to
                 * point us at a private bus. */
                r = sd_bus_open_system(&bus);
                if (r < 0)
                        return nvctl_fail("Failed to connect to the system bus: %s. Is D-Bus running?",
                                          g_strerror(-r));
        }

        /* Marks every message we send as allowing the service to make polkit
         * ask for a password; without it, a change that needs one is
         * refused with InteractiveAuthorizationRequired. */
        r = sd_bus_set_allow_interactive_authorization(bus, options->ask_password);
        if (r < 0)
                return nvctl_fail("Failed to set up the bus connection: %s.", g_strerror(-r));

        *ret_bus = g_steal_pointer(&bus);
        return NVCTL_EXIT_SUCCESS;
}

int nvctl_new_method_call(sd_bus *bus, const char *method, sd_bus_message **ret_call)
{
        int r;

        r = sd_bus_message_new_method_call(bus, ret_call, NV_BUS_NAME, NV_OBJECT_PATH, NV_INTERFACE, method);
        if (r < 0)
                return nvctl_fail("Failed to create the %s call: %s.", method, g_strerror(-r));
        return NVCTL_EXIT_SUCCESS;
}

static gboolean error_is_connection_lost(const sd_bus_error *error, int r)
{
        return r == -ECONNRESET || r == -ENOTCONN || r == -EPIPE || r == -ESHUTDOWN ||
               sd_bus_error_has_name(error, SD_BUS_ERROR_DISCONNECTED);
}

/* What the user can do about a failed call, or NULL when the error
 * message (the service's own errors are written to be acted on) says it
 * all. *ret_replaces is set when the hint says all the message would, in
 * words for a person at the CLI rather than for a program using the API. */
static char *call_error_hint(const NvctlOptions *options, const sd_bus_error *error, int r,
                             gboolean *ret_replaces)
{
        *ret_replaces = FALSE;

        if (sd_bus_error_has_name(error, SD_BUS_ERROR_SERVICE_UNKNOWN) ||
            sd_bus_error_has_name(error, SD_BUS_ERROR_NAME_HAS_NO_OWNER)) {
                g_autofree char *shown = options->host ? nvctl_escape(options->host) : NULL;

                return g_strdup_printf("The service " NV_BUS_NAME " is not running and cannot be started "
                                       "on %s: is nestedvirtd installed, with its D-Bus activation file?",
                                       shown ? shown : "this machine");
        }

        if (sd_bus_error_has_name(error, SD_BUS_ERROR_UNKNOWN_METHOD) ||
            sd_bus_error_has_name(error, SD_BUS_ERROR_UNKNOWN_OBJECT) ||
            sd_bus_error_has_name(error, SD_BUS_ERROR_UNKNOWN_INTERFACE))
                return g_strdup(
                        "The running nestedvirtd does not offer this: update it to version " PACKAGE_VERSION
                        ", the version of nestedvirtctl.");

        /* polkit wanted a password and we could not let it ask: the
         * service's message talks about D-Bus flags, ours about what to
         * type instead. */
        if (sd_bus_error_has_name(error, SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED)) {
                *ret_replaces = TRUE;
                if (!options->ask_password)
                        return g_strdup("Authentication required: run without --no-ask-password on a "
                                        "terminal, or as root.");
                if (options->host) {
                        g_autofree char *shown = nvctl_escape(options->host);

                        return g_strdup_printf("Authentication required: run nestedvirtctl on %s itself, "
                                               "on a terminal or as root.",
                                               shown);
                }
                return g_strdup("Authentication required: run nestedvirtctl on a terminal, or as root.");
        }

        if (sd_bus_error_has_name(error, SD_BUS_ERROR_ACCESS_DENIED))
                return g_strdup(
                        "Ask an administrator, or run it as root; if even root is refused, check that "
                        "the D-Bus policy file for " NV_BUS_NAME " is installed.");

        /* ModuleInUse needs no advice of ours: the service names the
         * processes and says to shut them down. */

        if (r == -ETIMEDOUT || sd_bus_error_has_name(error, SD_BUS_ERROR_NO_REPLY) ||
            sd_bus_error_has_name(error, SD_BUS_ERROR_TIMEOUT))
                return g_strdup("nestedvirtd did not answer in time: see its log with "
                                "'journalctl -u nestedvirtd'.");

        if (error_is_connection_lost(error, r)) {
                if (options->host)
                        return ssh_hint(options->host);
                return g_strdup("Lost the connection to the system bus: is D-Bus running?");
        }

        return NULL;
}

/* nvctl_escape(), with or without doubling backslashes: without, for a
 * message that is read, not parsed, and may hold the service's own \xNN
 * already. */
static char *escape_text(const char *s, gboolean double_backslashes)
{
        g_autoptr(GString) out = g_string_new(NULL);
        const char *p = s;

        while (*p) {
                gunichar ch = g_utf8_get_char_validated(p, -1);

                if (ch == (gunichar)-1 || ch == (gunichar)-2) {
                        g_string_append_printf(out, "\\x%02x", (unsigned)(guchar)*p);
                        p++;
                        continue;
                }
                if (ch == '\\' && double_backslashes)
                        g_string_append(out, "\\\\");
                else if (g_unichar_iscntrl(ch) || g_unichar_type(ch) == G_UNICODE_FORMAT)
                        g_string_append_printf(out, ch < 0x100 ? "\\x%02x" : "\\u%04x", (unsigned)ch);
                else
                        g_string_append_unichar(out, ch);
                p = g_utf8_next_char(p);
        }
        return g_string_free(g_steal_pointer(&out), FALSE);
}

char *nvctl_escape(const char *s)
{
        return escape_text(s, TRUE);
}

/* The CLI promises one line on stderr per failure; an error message from
 * the service (or a future one) with line breaks must not break that. */
static char *to_one_line(const char *text)
{
        g_autoptr(GString) line = g_string_new(NULL);
        gboolean pending_space = FALSE;

        for (const char *p = text; *p; p++) {
                if (*p == '\n' || *p == '\r' || *p == '\t' || *p == ' ') {
                        pending_space = line->len > 0;
                        continue;
                }
                if (pending_space)
                        g_string_append_c(line, ' ');
                pending_space = FALSE;
                g_string_append_c(line, *p);
        }
        return g_string_free(g_steal_pointer(&line), FALSE);
}

/* "Failed to WHAT: MESSAGE. HINT" for a call that failed with @error
 * (as sd_bus_call() filled it) or @r. MESSAGE is the service's, or ssh's,
 * and may quote what others chose (the processes that hold the module, a
 * domain name): one line, escaped for the terminal, as any such text. */
static int call_failed(const NvctlOptions *options, const char *what, const sd_bus_error *error, int r)
{
        g_auto(sd_bus_error) from_errno = SD_BUS_ERROR_NULL;
        g_autofree char *ssh_line = NULL;
        g_autofree char *line = NULL;
        g_autofree char *message = NULL;
        g_autofree char *hint = NULL;
        const char *name;
        gboolean replaces;

        /* A failure without a D-Bus error (a lost connection) gets the
         * name sd-bus gives its errno: Timeout, NoReply, System.Error.E… */
        if (sd_bus_error_is_set(error)) {
                name = error->name;
        } else {
                sd_bus_error_set_errno(&from_errno, r);
                name = from_errno.name ? from_errno.name : SD_BUS_ERROR_FAILED;
        }

        /* Over ssh, a lost connection is ssh's doing; it said why. */
        if (options->host && error_is_connection_lost(error, r))
                ssh_line = ssh_last_line();
        if (ssh_line)
                line = to_one_line(ssh_line);
        else
                line = to_one_line(sd_bus_error_is_set(error) && error->message ? error->message
                                                                                : g_strerror(-r));
        message = escape_text(line, FALSE);
        hint = call_error_hint(options, error, r, &replaces);
        if (hint && replaces)
                return fail_named(name, "Failed to %s. %s", what, hint);
        if (hint)
                return fail_named(name, "Failed to %s: %s%s%s", what, message, sentence_separator(message),
                                  hint);
        return fail_named(name, "Failed to %s: %s", what, message);
}

/* A call that may wait for someone to type a password: longer than
 * nestedvirtd gives polkit (300 s, nestedvirtd(8)), so that the daemon's
 * answer, not sd-bus's default 25 s, ends the wait. Without interaction
 * polkit answers at once, and the default serves; so does it for the
 * methods that need no authorization at all (the daemon answers a domain
 * call within 20 s, libvirt or not). */
static uint64_t call_timeout(const NvctlOptions *options, sd_bus_message *call)
{
        static const char *const authorized[] = { "EnablePersistent", "ReloadModule", "ConfigureDomain" };
        const char *member = sd_bus_message_get_member(call);

        if (!options->ask_password)
                return 0;
        for (size_t i = 0; i < G_N_ELEMENTS(authorized); i++)
                if (g_strcmp0(member, authorized[i]) == 0)
                        return 330 * G_USEC_PER_SEC;
        return 0;
}

int nvctl_call(const NvctlOptions *options, sd_bus_message *call, const char *what,
               sd_bus_message **ret_reply)
{
        g_auto(sd_bus_error) error = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_call(NULL, call, call_timeout(options, call), &error, ret_reply);
        if (r < 0)
                return call_failed(options, what, &error, r);
        return NVCTL_EXIT_SUCCESS;
}

int nvctl_call_with_fallback(const NvctlOptions *options, sd_bus_message *call, sd_bus_message *fallback,
                             const char *what, sd_bus_message **ret_reply)
{
        g_auto(sd_bus_error) error = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_call(NULL, call, call_timeout(options, call), &error, ret_reply);
        if (r < 0 && sd_bus_error_has_name(&error, SD_BUS_ERROR_UNKNOWN_METHOD))
                return nvctl_call(options, fallback, what, ret_reply);
        if (r < 0)
                return call_failed(options, what, &error, r);
        return NVCTL_EXIT_SUCCESS;
}

int nvctl_expect_signature(sd_bus_message *reply, const char *method, const char *signature)
{
        const char *actual = sd_bus_message_get_signature(reply, TRUE);

        if (g_strcmp0(actual, signature) == 0)
                return NVCTL_EXIT_SUCCESS;
        return nvctl_fail("Unexpected reply to %s: '%s' instead of '%s'. Are nestedvirtd and nestedvirtctl "
                          "(version " PACKAGE_VERSION ") the same version?",
                          method, actual ? actual : "", signature);
}

int nvctl_bad_reply(const char *method, int r)
{
        return nvctl_fail("Failed to parse the reply to %s: %s. Are nestedvirtd and nestedvirtctl "
                          "(version " PACKAGE_VERSION ") the same version?",
                          method, g_strerror(-r));
}

typedef struct {
        char *label;
        char *value;
} NvctlField;

static void field_clear(gpointer data)
{
        NvctlField *field = data;

        g_clear_pointer(&field->label, g_free);
        g_clear_pointer(&field->value, g_free);
}

GArray *nvctl_fields_new(void)
{
        GArray *fields = g_array_new(FALSE, TRUE, sizeof(NvctlField));

        g_array_set_clear_func(fields, field_clear);
        return fields;
}

void nvctl_fields_add(GArray *fields, const char *label, const char *format, ...)
{
        NvctlField field = { .label = g_strdup(label) };
        va_list args;

        va_start(args, format);
        field.value = g_strdup_vprintf(format, args);
        va_end(args);

        g_array_append_val(fields, field);
}

void nvctl_fields_format(GArray *fields, GString *out)
{
        int width = 0;

        for (guint i = 0; i < fields->len; i++) {
                const NvctlField *field = &g_array_index(fields, NvctlField, i);

                width = MAX(width, (int)g_utf8_strlen(field->label, -1));
        }

        for (guint i = 0; i < fields->len; i++) {
                const NvctlField *field = &g_array_index(fields, NvctlField, i);
                g_auto(GStrv) lines = g_strsplit(field->value, "\n", -1);
                /* printf pads by bytes; pad by characters so that a
                 * translated label would still line up. */
                int padding = width - (int)g_utf8_strlen(field->label, -1);

                g_string_append_printf(out, "%*s%s: %s\n", padding, "", field->label, lines[0]);
                for (guint j = 1; lines[j]; j++)
                        g_string_append_printf(out, "%*s%s\n", width + 2, "", lines[j]);
        }
}

/* What JSON must not carry raw: json-glib escapes C0 and nothing else. */
static gboolean json_needs_escape(gunichar ch)
{
        return ch == 0x7f || (ch >= 0x80 && ch <= 0x9f) || ch == 0x2028 || ch == 0x2029 ||
               g_unichar_type(ch) == G_UNICODE_FORMAT;
}

char *nvctl_json_to_string(JsonNode *root, NvctlJsonFormat format)
{
        g_autoptr(JsonGenerator) generator = json_generator_new();
        g_autoptr(GString) out = g_string_new(NULL);
        g_autofree char *data = NULL;

        g_return_val_if_fail(format != NVCTL_JSON_OFF, NULL);

        json_generator_set_root(generator, root);
        json_generator_set_pretty(generator, format == NVCTL_JSON_PRETTY);
        json_generator_set_indent(generator, 2);
        data = json_generator_to_data(generator, NULL);

        /* Such characters can only be inside strings (keys or values), where
         * \uXXXX means the same character, so the whole text is rewritten
         * without parsing it again. Strings came from D-Bus: valid UTF-8. */
        for (const char *p = data; *p; p = g_utf8_next_char(p)) {
                gunichar ch = g_utf8_get_char(p);

                if (!json_needs_escape(ch)) {
                        g_string_append_len(out, p, g_utf8_next_char(p) - p);
                } else if (ch < 0x10000) {
                        g_string_append_printf(out, "\\u%04x", (unsigned)ch);
                } else {
                        /* Outside the BMP (tag characters): a UTF-16
                         * surrogate pair, as JSON spells them. */
                        ch -= 0x10000;
                        g_string_append_printf(out, "\\u%04x\\u%04x", 0xd800 + (unsigned)(ch >> 10),
                                               0xdc00 + (unsigned)(ch & 0x3ff));
                }
        }
        return g_string_free(g_steal_pointer(&out), FALSE);
}

void nvctl_print_json(const NvctlOptions *options, JsonNode *root)
{
        g_autofree char *text = nvctl_json_to_string(root, options->json);

        fputs(text, stdout);
        fputc('\n', stdout);
}

int nvctl_flush_stdout(int exit_code)
{
        /* A status that silently went nowhere (full disk, closed pipe) must
         * not count as success for a script. */
        if (fflush(stdout) != 0 || ferror(stdout)) {
                int saved_errno = errno;

                if (exit_code != NVCTL_EXIT_SUCCESS)
                        return exit_code;
                return nvctl_fail("Failed to write to standard output: %s.",
                                  g_strerror(saved_errno ? saved_errno : EIO));
        }
        return exit_code;
}

int nvctl_call_quietly(sd_bus *bus, const char *method, uint64_t timeout_usec, const char *signature,
                       sd_bus_error *error, sd_bus_message **ret_reply)
{
        g_autoptr(sd_bus_message) call = NULL;
        g_autoptr(sd_bus_message) reply = NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &call, NV_BUS_NAME, NV_OBJECT_PATH, NV_INTERFACE, method);
        if (r < 0)
                return r;
        r = sd_bus_call(NULL, call, timeout_usec, error, &reply);
        if (r < 0)
                return r;
        if (!sd_bus_message_has_signature(reply, signature))
                return -EBADMSG;
        *ret_reply = g_steal_pointer(&reply);
        return 0;
}
