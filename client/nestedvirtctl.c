/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nestedvirtctl: the command line client of nestedvirtd. This file parses
 * the global options and hands over to one verb (nvctl-<verb>.c) through
 * the table below; it also owns --help and --version.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <glib/gi18n-lib.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "nvctl-common.h"
#include "nvctl-verbs.h"

/* The options that only some verbs take; any other verb refuses them, so
 * that "status --now" does not silently do less than asked. */
typedef enum {
        NVCTL_VERB_OPTION_NOW = 1 << 0,
        NVCTL_VERB_OPTION_NESTED = 1 << 1,
        NVCTL_VERB_OPTION_EXPORT = 1 << 2,
        NVCTL_VERB_OPTION_WHEN_IDLE = 1 << 3,
        NVCTL_VERB_OPTION_CANCEL = 1 << 4,
} NvctlVerbOptions;

typedef struct {
        const char *name;
        /* Argument and option synopsis for --help and usage errors. */
        const char *synopsis;
        int min_args;
        int max_args;
        NvctlVerbOptions options;
        NvctlVerbFunc run;
        const char *help;
} NvctlVerb;

#define NVCTL_DEFAULT_VERB "status"

static const NvctlVerb verbs[] = {
        { "status", "", 0, 0, 0, nvctl_status, "Show the nested virtualization status (default)" },
        { "enable", "[--now [--when-idle]]", 0, 0, NVCTL_VERB_OPTION_NOW | NVCTL_VERB_OPTION_WHEN_IDLE,
          nvctl_enable, "Enable nested virtualization persistently" },
        { "disable", "[--now [--when-idle]]", 0, 0, NVCTL_VERB_OPTION_NOW | NVCTL_VERB_OPTION_WHEN_IDLE,
          nvctl_enable, "Disable nested virtualization persistently" },
        { "reload", "[--nested=yes|no] [--when-idle|--cancel]", 0, 0,
          NVCTL_VERB_OPTION_NESTED | NVCTL_VERB_OPTION_WHEN_IDLE | NVCTL_VERB_OPTION_CANCEL, nvctl_reload,
          "Reload the KVM module to apply the setting" },
        { "configure-domain", "DOMAIN MODE", 2, 2, 0, nvctl_configure_domain,
          "Let a libvirt guest host nested guests" },
        { "list-domains", "", 0, 0, 0, nvctl_list_domains, "List libvirt guests and their CPU mode" },
        { "export", "[--prometheus=FILE] [--nfd=FILE]", 0, 0, NVCTL_VERB_OPTION_EXPORT, nvctl_export,
          "Write the status for Prometheus and node-feature-discovery" },
};

static const NvctlVerb *verb_find(const char *name)
{
        for (size_t i = 0; i < G_N_ELEMENTS(verbs); i++)
                if (g_str_equal(verbs[i].name, name))
                        return &verbs[i];
        return NULL;
}

static char *verb_usage(const NvctlVerb *verb)
{
        return g_strstrip(g_strjoin(" ", verb->name, verb->synopsis, NULL));
}

static int help(void)
{
        int width = 0;

        printf("%s [OPTIONS...] [COMMAND]\n\n"
               "Check and enable KVM nested virtualization.\n\n"
               "Commands:\n",
               program_invocation_short_name);

        for (size_t i = 0; i < G_N_ELEMENTS(verbs); i++) {
                g_autofree char *usage = verb_usage(&verbs[i]);

                width = MAX(width, (int)strlen(usage));
        }
        for (size_t i = 0; i < G_N_ELEMENTS(verbs); i++) {
                g_autofree char *usage = verb_usage(&verbs[i]);

                printf("  %-*s  %s\n", width, usage, verbs[i].help);
        }

        printf("\nOptions:\n"
               "  -h --help                Show this help\n"
               "     --version             Show the version\n"
               "     --json[=pretty|short|off]\n"
               "                           Print the result, or the error, as JSON; without\n"
               "                           a value pretty on a terminal, short otherwise\n"
               "     --no-ask-password     Do not ask for a password to authorize a change\n"
               "  -H --host=[USER@]HOST[:PORT][/MACHINE]\n"
               "                           Operate on a remote host, over ssh, or on the\n"
               "                           container MACHINE on it\n"
               "     --now                 enable, disable: also reload the module now\n"
               "     --nested=yes|no       reload: load the module with this value instead\n"
               "                           of the persistent setting\n"
               "     --when-idle           reload, enable/disable --now: reload as soon as no\n"
               "                           virtual machine uses the module, and wait for it\n"
               "     --no-block            with --when-idle: ask, and return without waiting\n"
               "     --cancel              reload: cancel the reload that waits (--when-idle)\n"
               "     --prometheus=FILE     export: write node_exporter's textfile FILE\n"
               "     --nfd=FILE            export: write node-feature-discovery's feature FILE\n"
               "\nMODE is host-model or host-passthrough. Changes need an administrator's\n"
               "authorization through polkit, which asks for the password on a terminal.\n");
        return NVCTL_EXIT_SUCCESS;
}

static int version(void)
{
        printf("nestedvirtctl " PACKAGE_VERSION "\n");
        return NVCTL_EXIT_SUCCESS;
}

/* As systemd's parse_boolean(): 1, 0, or -1 for neither. */
static int parse_boolean(const char *value)
{
        static const char *const yes[] = { "yes", "y", "true", "t", "on", "1" };
        static const char *const no[] = { "no", "n", "false", "f", "off", "0" };

        for (size_t i = 0; i < G_N_ELEMENTS(yes); i++) {
                if (g_ascii_strcasecmp(value, yes[i]) == 0)
                        return 1;
                if (g_ascii_strcasecmp(value, no[i]) == 0)
                        return 0;
        }
        return -1;
}

/* --json's value, as systemd's parse_json_argument() takes it. Without a
 * value, like hostnamectl's -j: indented for a person at a terminal, one
 * line for a pipe, where a line per document is what tools expect. */
static int parse_json_format(const char *value, NvctlJsonFormat *ret)
{
        if (!value)
                *ret = isatty(STDOUT_FILENO) ? NVCTL_JSON_PRETTY : NVCTL_JSON_SHORT;
        else if (g_str_equal(value, "pretty"))
                *ret = NVCTL_JSON_PRETTY;
        else if (g_str_equal(value, "short"))
                *ret = NVCTL_JSON_SHORT;
        else if (g_str_equal(value, "off"))
                *ret = NVCTL_JSON_OFF;
        else
                return -1;
        return 0;
}

/* getopt_long() is told to stay quiet (opterr = 0) so that a bad option
 * gives the same single line, with the --help hint, as any bad usage. */
static int bad_option(char **argv, int c)
{
        const char *arg = argv[optind - 1];

        if (g_str_has_prefix(arg, "--")) {
                g_autofree char *given = g_strndup(arg, strcspn(arg, "="));
                g_autofree char *name = nvctl_escape(given);

                if (c == ':')
                        return nvctl_usage_error("Option '%s' needs a value.", name);
                /* glibc leaves optopt at 0 only for an unknown long
                 * option; otherwise the option exists but got a value. */
                if (optopt != 0)
                        return nvctl_usage_error("Option '%s' takes no value.", name);
                return nvctl_usage_error("Unknown option '%s'.", name);
        }

        /* A byte of the argument: shown as is only when it is printable. */
        if (!g_ascii_isgraph(optopt)) {
                g_autofree char *shown = nvctl_escape(arg);

                return nvctl_usage_error("Unknown option in '%s'.", shown);
        }
        if (c == ':')
                return nvctl_usage_error("Option '-%c' needs a value.", optopt);
        return nvctl_usage_error("Unknown option '-%c'.", optopt);
}

/* Like systemd's tools: > 0 to go on with the verb, 0 when --help or
 * --version already did the job, < 0 (a usage error, already reported)
 * to exit with NVCTL_EXIT_USAGE. */
static int parse_argv(int argc, char **argv, NvctlOptions *options)
{
        enum {
                ARG_VERSION = 0x100,
                ARG_JSON,
                ARG_NO_ASK_PASSWORD,
                ARG_NOW,
                ARG_NESTED,
                ARG_PROMETHEUS,
                ARG_NFD,
                ARG_WHEN_IDLE,
                ARG_NO_BLOCK,
                ARG_CANCEL,
        };
        static const struct option long_options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "json", optional_argument, NULL, ARG_JSON },
                { "no-ask-password", no_argument, NULL, ARG_NO_ASK_PASSWORD },
                { "host", required_argument, NULL, 'H' },
                { "now", no_argument, NULL, ARG_NOW },
                { "nested", required_argument, NULL, ARG_NESTED },
                { "prometheus", required_argument, NULL, ARG_PROMETHEUS },
                { "nfd", required_argument, NULL, ARG_NFD },
                { "when-idle", no_argument, NULL, ARG_WHEN_IDLE },
                { "no-block", no_argument, NULL, ARG_NO_BLOCK },
                { "cancel", no_argument, NULL, ARG_CANCEL },
                { NULL, 0, NULL, 0 },
        };
        int c;

        opterr = 0;
        while ((c = getopt_long(argc, argv, ":hH:", long_options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        version();
                        return 0;
                case ARG_JSON:
                        if (parse_json_format(optarg, &options->json) < 0) {
                                g_autofree char *value = nvctl_escape(optarg);

                                nvctl_usage_error(
                                        "Invalid value '%s' for '--json': use pretty, short or off.", value);
                                return -1;
                        }
                        /* A usage error found later (a wrong verb) is
                         * reported as JSON too. */
                        nvctl_set_error_format(options->json);
                        break;
                case ARG_NO_ASK_PASSWORD:
                        options->ask_password = FALSE;
                        break;
                case 'H':
                        if (*optarg == '\0') {
                                nvctl_usage_error("Option '--host' needs a host name.");
                                return -1;
                        }
                        /* sd-bus puts "--" before the host, so ssh would
                         * take it as a host name anyway; but no host name
                         * starts with '-', and a command shown back with
                         * it could be pasted as an ssh option. */
                        if (*optarg == '-') {
                                g_autofree char *shown = nvctl_escape(optarg);

                                nvctl_usage_error("Invalid host '%s': a host name does not start with '-'.",
                                                  shown);
                                return -1;
                        }
                        options->host = optarg;
                        break;
                case ARG_NOW:
                        options->now = TRUE;
                        break;
                case ARG_WHEN_IDLE:
                        options->when_idle = TRUE;
                        break;
                case ARG_NO_BLOCK:
                        options->no_block = TRUE;
                        break;
                case ARG_CANCEL:
                        options->cancel = TRUE;
                        break;
                case ARG_NESTED:
                        options->nested = parse_boolean(optarg);
                        if (options->nested < 0) {
                                g_autofree char *shown = nvctl_escape(optarg);

                                nvctl_usage_error("Invalid value '%s' for '--nested': use yes or no.",
                                                  shown);
                                return -1;
                        }
                        break;
                case ARG_PROMETHEUS:
                case ARG_NFD:
                        if (*optarg == '\0') {
                                nvctl_usage_error("Option '--%s' needs a file name.",
                                                  c == ARG_NFD ? "nfd" : "prometheus");
                                return -1;
                        }
                        *(c == ARG_NFD ? &options->nfd_file : &options->prometheus_file) = optarg;
                        break;
                case ':':
                case '?':
                        bad_option(argv, c);
                        return -1;
                default:
                        g_assert_not_reached();
                }
        }
        return 1;
}

static int dispatch(const NvctlOptions *options, int argc, char **argv)
{
        /* With no verb, run the default one as if it had been named. */
        char *default_argv[] = { (char *)NVCTL_DEFAULT_VERB, NULL };
        const NvctlVerb *verb;
        int n_args;

        if (argc == 0) {
                argc = 1;
                argv = default_argv;
        }

        verb = verb_find(argv[0]);
        if (!verb) {
                g_autofree char *shown = nvctl_escape(argv[0]);

                return nvctl_usage_error("Unknown command '%s'.", shown);
        }
        if (options->now && !(verb->options & NVCTL_VERB_OPTION_NOW))
                return nvctl_usage_error("Option '--now' is for 'enable' and 'disable', not '%s'.",
                                         verb->name);
        if (options->nested >= 0 && !(verb->options & NVCTL_VERB_OPTION_NESTED))
                return nvctl_usage_error("Option '--nested' is for 'reload', not '%s'.", verb->name);
        if (options->when_idle && !(verb->options & NVCTL_VERB_OPTION_WHEN_IDLE))
                return nvctl_usage_error("Option '--when-idle' is for 'reload', 'enable' and 'disable', not "
                                         "'%s'.",
                                         verb->name);
        if (options->when_idle && (verb->options & NVCTL_VERB_OPTION_NOW) && !options->now)
                return nvctl_usage_error("Option '--when-idle' is for '%s --now'.", verb->name);
        if (options->no_block && !options->when_idle)
                return nvctl_usage_error("Option '--no-block' is for '--when-idle'.");
        if (options->cancel && !(verb->options & NVCTL_VERB_OPTION_CANCEL))
                return nvctl_usage_error("Option '--cancel' is for 'reload', not '%s'.", verb->name);
        if (options->cancel && (options->when_idle || options->nested >= 0))
                return nvctl_usage_error("Option '--cancel' takes neither '--when-idle' nor '--nested'.");
        if ((options->prometheus_file || options->nfd_file) && !(verb->options & NVCTL_VERB_OPTION_EXPORT))
                return nvctl_usage_error("Options '--prometheus' and '--nfd' are for 'export', not '%s'.",
                                         verb->name);

        n_args = argc - 1;
        if (n_args < verb->min_args)
                return nvctl_usage_error("Too few arguments for '%s': expected %s.", verb->name,
                                         verb->synopsis);
        if (n_args > verb->max_args)
                return nvctl_usage_error("Too many arguments for '%s'.", verb->name);

        return verb->run(options, argc, argv);
}

int main(int argc, char **argv)
{
        NvctlOptions options = {
                .ask_password = TRUE,
                .nested = -1,
        };
        int r;

        setlocale(LC_ALL, "");
        /* The verdict and the advice (common/nv-verdict.c) are translated. */
        bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
        bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");

        r = parse_argv(argc, argv, &options);
        if (r <= 0)
                return nvctl_flush_stdout(r == 0 ? NVCTL_EXIT_SUCCESS : NVCTL_EXIT_USAGE);

        return nvctl_flush_stdout(dispatch(&options, argc - optind, argv + optind));
}
