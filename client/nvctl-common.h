/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What every nestedvirtctl verb shares: the parsed global options, the exit
 * codes, automatic cleanup for sd-bus objects, connecting to the (local or
 * remote) system bus, calling the service and turning any failure into the
 * single line on stderr the CLI contract promises, and printing
 * "Label: value" blocks and JSON.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <systemd/sd-bus.h>

/* The exit statuses nestedvirtctl(1) documents: nothing else may leave
 * main(). */
typedef enum {
        NVCTL_EXIT_SUCCESS = 0,
        NVCTL_EXIT_FAILURE = 1,
        NVCTL_EXIT_USAGE = 2,
} NvctlExit;

/* --json=off|short|pretty, as systemd's tools take it. OFF is 0, so that
 * "if (options->json)" reads as "JSON was asked for". */
typedef enum {
        NVCTL_JSON_OFF = 0,
        NVCTL_JSON_SHORT,
        NVCTL_JSON_PRETTY,
} NvctlJsonFormat;

/* Global options; every verb gets them, each uses what applies to it. */
typedef struct {
        NvctlJsonFormat json;
        /* Let the service ask polkit for a password (interactive
         * authorization); --no-ask-password turns it off. */
        gboolean ask_password;
        /* [USER@]HOST to reach over ssh, or NULL for this machine. */
        const char *host;
        /* enable/disable --now: also reload the vendor module. */
        gboolean now;
        /* reload --nested=yes|no: 1 or 0, -1 when not given. */
        int nested;
        /* reload, enable/disable --now: --when-idle, the reload made once
         * nothing holds the module; --no-block, without waiting for it. */
        gboolean when_idle;
        gboolean no_block;
        /* reload --cancel: cancel the reload that waits. */
        gboolean cancel;
        /* export --prometheus=FILE, --nfd=FILE, or NULL. */
        const char *prometheus_file;
        const char *nfd_file;
} NvctlOptions;

/* One verb: argv[0] is the verb name, as for main(). */
typedef int (*NvctlVerbFunc)(const NvctlOptions *options, int argc, char **argv);

/*
 * sd-bus objects under GLib's g_autoptr()/g_auto(), so that every early
 * return releases them. The bus is flushed before it is closed so that a
 * message still queued (none today, a future asynchronous call maybe) is
 * not silently dropped.
 */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sd_bus, sd_bus_flush_close_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sd_bus_message, sd_bus_message_unref)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(sd_bus_error, sd_bus_error_free)

/* Prints "MESSAGE. See 'nestedvirtctl --help'." and returns NVCTL_EXIT_USAGE. */
int nvctl_usage_error(const char *format, ...) G_GNUC_PRINTF(1, 2);

/* Prints one line on stderr and returns NVCTL_EXIT_FAILURE. */
int nvctl_fail(const char *format, ...) G_GNUC_PRINTF(1, 2);

/* From here on, nvctl_fail() and nvctl_usage_error() write their line as a
 * JSON object ({"Error": NAME, "Message": TEXT}) in @format, for scripts
 * that asked for --json and would otherwise have to parse prose. */
void nvctl_set_error_format(NvctlJsonFormat format);

/* Connects to the system bus named by @options; on failure, says so on
 * stderr and returns NVCTL_EXIT_FAILURE. */
int nvctl_connect(const NvctlOptions *options, sd_bus **ret_bus);

/* A method call on the service's object and interface, to fill in. */
int nvctl_new_method_call(sd_bus *bus, const char *method, sd_bus_message **ret_call);

/*
 * Sends @call and waits for its reply. On failure prints "Failed to
 * WHAT: <D-Bus error message>" plus what to do about it, and returns
 * NVCTL_EXIT_FAILURE.
 */
int nvctl_call(const NvctlOptions *options, sd_bus_message *call, const char *what,
               sd_bus_message **ret_reply);

/* nvctl_call(), except that when the service does not know @call's
 * method (an older nestedvirtd), @fallback is sent instead. */
int nvctl_call_with_fallback(const NvctlOptions *options, sd_bus_message *call, sd_bus_message *fallback,
                             const char *what, sd_bus_message **ret_reply);

/* Calls @method (no arguments) on the service within @timeout_usec (0:
 * sd-bus's default) and checks that the reply carries @signature. Reports
 * nothing: a negative errno (-EBADMSG for another signature), with @error
 * (may be NULL) filled for a D-Bus error; for callers to whom the answer
 * is a detail. */
int nvctl_call_quietly(sd_bus *bus, const char *method, uint64_t timeout_usec, const char *signature,
                       sd_bus_error *error, sd_bus_message **ret_reply);

/* Checks that @reply carries @signature, so a daemon speaking another
 * version of the API gets a clear message instead of a parse error.
 * Returns NVCTL_EXIT_FAILURE with a message if not. */
int nvctl_expect_signature(sd_bus_message *reply, const char *method, const char *signature);

/* Reports a reply that cannot be parsed, which means the daemon and the
 * CLI disagree about the API. Returns NVCTL_EXIT_FAILURE. */
int nvctl_bad_reply(const char *method, int r);

/*
 * A block of right-aligned "Label: value" lines, as hostnamectl prints
 * them. A value with newlines continues on lines aligned under the first.
 */
GArray *nvctl_fields_new(void);
void nvctl_fields_add(GArray *fields, const char *label, const char *format, ...) G_GNUC_PRINTF(3, 4);
void nvctl_fields_format(GArray *fields, GString *out);

/* @root as JSON text in @format (not OFF), without a final newline. Every
 * control character (C0, DEL, C1) and format character (bidi overrides,
 * zero-width ones), and U+2028/U+2029, is written as \uXXXX, so that a
 * guest's or a process's name can neither steer the terminal that shows
 * the document nor break a JavaScript consumer. */
char *nvctl_json_to_string(JsonNode *root, NvctlJsonFormat format);

/* Prints @root as a JSON document on stdout, in @options' format. */
void nvctl_print_json(const NvctlOptions *options, JsonNode *root);

/* Makes sure all output reached stdout; returns NVCTL_EXIT_FAILURE with a
 * message if it did not (a full disk, a closed pipe). */
int nvctl_flush_stdout(int exit_code);

/* @s as a terminal may show it: control characters (C0, DEL, C1: an
 * escape sequence would reach the terminal) and format characters (bidi
 * overrides, zero-width ones) written as \xNN or \uNNNN, and bytes that are
 * not UTF-8 as \xNN. For text that others choose: process, domain and
 * guest names, arguments echoed back. */
char *nvctl_escape(const char *s);
