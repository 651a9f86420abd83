/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nestedvirtctl enable|disable [--now]: makes nested=1 (or nested=0) the
 * persistent setting of the KVM vendor module through EnablePersistent(),
 * and with --now applies it at once through ReloadModule() (with
 * --when-idle, as soon as no virtual machine holds the module). enable and
 * disable are one verb with two polarities, hence one file.
 */
#include "config.h"

#include <stdio.h>

#include "nvctl-common.h"
#include "nvctl-polkit-agent.h"
#include "nvctl-reload.h"
#include "nvctl-reload-words.h"
#include "nv-verdict.h"
#include "nvctl-module-users.h"
#include "nvctl-status.h"
#include "nvctl-verbs.h"
#include "nvctl-when-idle.h"

static int enable_persistent(const NvctlOptions *options, sd_bus *bus, gboolean enable, char **ret_file)
{
        g_autoptr(sd_bus_message) call = NULL;
        g_autoptr(sd_bus_message) reply = NULL;
        const char *file;
        int r;

        r = nvctl_new_method_call(bus, "EnablePersistent", &call);
        if (r != NVCTL_EXIT_SUCCESS)
                return r;
        r = sd_bus_message_append(call, "b", enable);
        if (r < 0)
                return nvctl_fail("Failed to create the EnablePersistent call: %s.", g_strerror(-r));

        r = nvctl_call(options, call,
                       enable ? "enable nested virtualization persistently"
                              : "disable nested virtualization persistently",
                       &reply);
        if (r != NVCTL_EXIT_SUCCESS)
                return r;
        r = nvctl_expect_signature(reply, "EnablePersistent", "s");
        if (r != NVCTL_EXIT_SUCCESS)
                return r;
        r = sd_bus_message_read_basic(reply, 's', &file);
        if (r < 0)
                return nvctl_bad_reply("EnablePersistent", r);

        *ret_file = g_strdup(file);
        return NVCTL_EXIT_SUCCESS;
}

/* Without --now: whether the running kernel already agrees, and what to
 * do if not; NULL when there is nothing to add. */
static char *format_pending(const NvctlStatus *status)
{
        if (status->props.vendor_module_loaded != 1 || status->props.reload_required != 1 ||
            !status->props.nested_parameter || !*status->props.nested_parameter)
                return NULL;
        return g_strdup_printf("%s still runs with nested=%s: apply the setting with 'nestedvirtctl reload' "
                               "once no virtual machine runs, or reboot.",
                               nv_verdict_module(&status->props), status->props.nested_parameter);
}

static void print_json(const NvctlOptions *options, const char *file, const char *value)
{
        g_autoptr(JsonBuilder) builder = json_builder_new();
        g_autoptr(JsonNode) root = NULL;

        json_builder_begin_object(builder);
        json_builder_set_member_name(builder, "File");
        json_builder_add_string_value(builder, file);
        if (value) {
                json_builder_set_member_name(builder, "NestedParameter");
                json_builder_add_string_value(builder, value);
        }
        json_builder_end_object(builder);
        root = json_builder_get_root(builder);
        nvctl_print_json(options, root);
}

/* --now: what the reload will need, checked before anything is written,
 * so that the command has one outcome. The service checks again, and
 * refuses what cannot work on this host (NotSupported, ModuleBuiltin)
 * before writing anything, so only what it would accept in the file but
 * refuse in the reload is looked at here: virtual machines holding the
 * module. */
static int check_reload_possible(sd_bus *bus, const NvctlStatus *status, gboolean enable)
{
        g_autoptr(GArray) users = NULL;
        g_autofree char *names = NULL;
        guint32 unexamined = 0;

        if (status->props.vendor_module_loaded != 1 || status->props.vendor_module_builtin == 1 ||
            status->props.vendor_module_in_use != 1)
                return NVCTL_EXIT_SUCCESS;

        if (nvctl_module_users_fetch(bus, NULL, &users, &unexamined) >= 0 && users->len > 0)
                names = nvctl_module_users_text(users, unexamined, ", ");
        return nvctl_fail("Nothing was changed: %s --now must reload %s, which is in use%s%s. Shut these "
                          "virtual machines down and try again, or run 'nestedvirtctl %s' without --now to "
                          "apply it at the next load of the module.",
                          enable ? "enable" : "disable", nv_verdict_module(&status->props),
                          names ? " by " : "", names ? names : "", enable ? "enable" : "disable");
}

int nvctl_enable(const NvctlOptions *options, int argc, char **argv)
{
        gboolean enable = g_str_equal(argv[0], "enable");
        g_autoptr(sd_bus) bus = NULL;
        g_auto(NvctlPolkitAgent) agent = 0;
        g_auto(NvctlStatus) status = NVCTL_STATUS_INIT;
        g_autofree char *file = NULL;
        g_autofree char *value = NULL;
        g_autofree char *what = NULL;
        g_autofree char *reload = NULL;
        int r;

        r = nvctl_connect(options, &bus);
        if (r != NVCTL_EXIT_SUCCESS)
                return r;

        if (options->now) {
                /* For the module's name, whether it is loaded now, and
                 * who holds it. */
                r = nvctl_status_get(options, bus, &status);
                if (r != NVCTL_EXIT_SUCCESS)
                        return r;
                /* --when-idle waits for them instead. */
                r = options->when_idle ? NVCTL_EXIT_SUCCESS : check_reload_possible(bus, &status, enable);
                if (r != NVCTL_EXIT_SUCCESS)
                        return r;
        }

        agent = nvctl_polkit_agent_open_if_enabled(options);
        r = enable_persistent(options, bus, enable, &file);
        if (r != NVCTL_EXIT_SUCCESS)
                return r;

        if (!options->now) {
                g_autofree char *pending = NULL;

                if (options->json) {
                        print_json(options, file, NULL);
                        return NVCTL_EXIT_SUCCESS;
                }
                printf("Nested virtualization %s persistently in %s.\n", enable ? "enabled" : "disabled",
                       file);
                /* A hint only: the change is made, whatever happens here. */
                if (nvctl_status_fetch(bus, NULL, &status) >= 0)
                        pending = format_pending(&status);
                if (pending)
                        puts(pending);
                return NVCTL_EXIT_SUCCESS;
        }

        /* Should the reload still fail (a VM started meanwhile, the load
         * itself), the one message says what is done and what is not. */
        reload = nvctl_reload_format_what(&status);
        what = g_strdup_printf("%s (nested virtualization is now %s persistently in %s, and that applies "
                               "at the next load of %s or at boot)",
                               reload, enable ? "enabled" : "disabled", file,
                               nv_verdict_module(&status.props));
        if (options->when_idle) {
                if (!options->json)
                        printf("Nested virtualization %s persistently in %s.\n",
                               enable ? "enabled" : "disabled", file);
                return nvctl_when_idle_reload(options, bus, &status, enable, what);
        }
        r = nvctl_reload_module(options, bus, &status, enable, what, &value);
        if (r != NVCTL_EXIT_SUCCESS)
                return r;

        if (options->json) {
                print_json(options, file, value);
        } else {
                g_autofree char *done = nvctl_reload_format_done(&status, value);

                printf("Nested virtualization %s persistently in %s.\n", enable ? "enabled" : "disabled",
                       file);
                puts(done);
        }
        return NVCTL_EXIT_SUCCESS;
}
