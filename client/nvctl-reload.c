/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nestedvirtctl reload [--nested=yes|no] [--when-idle|--cancel]: unloads
 * and loads the KVM vendor module (or loads it) so that a nested setting
 * takes effect, through ReloadModule(). Without --nested it applies the
 * persistent setting, what the next boot would give; the service refuses,
 * naming them, while virtual machines hold the module. --when-idle asks
 * for the reload once they stopped instead (nvctl-when-idle.h).
 */
#include "config.h"

#include <stdio.h>

#include "nvctl-common.h"
#include "nvctl-polkit-agent.h"
#include "nvctl-reload.h"
#include "nvctl-reload-words.h"
#include "nv-verdict.h"
#include "nvctl-status.h"
#include "nvctl-verbs.h"
#include "nvctl-when-idle.h"

int nvctl_reload_module(const NvctlOptions *options, sd_bus *bus, const NvctlStatus *before, gboolean nested,
                        const char *what, char **ret_value)
{
        g_autoptr(sd_bus_message) call = NULL;
        g_autoptr(sd_bus_message) reply = NULL;
        g_autofree char *default_what = NULL;
        const char *value;
        int r;

        r = nvctl_new_method_call(bus, "ReloadModule", &call);
        if (r != NVCTL_EXIT_SUCCESS)
                return r;
        r = sd_bus_message_append(call, "b", nested);
        if (r < 0)
                return nvctl_fail("Failed to create the ReloadModule call: %s.", g_strerror(-r));

        if (!what)
                what = default_what = nvctl_reload_format_what(before);
        r = nvctl_call(options, call, what, &reply);
        if (r != NVCTL_EXIT_SUCCESS)
                return r;
        r = nvctl_expect_signature(reply, "ReloadModule", "s");
        if (r != NVCTL_EXIT_SUCCESS)
                return r;
        r = sd_bus_message_read_basic(reply, 's', &value);
        if (r < 0)
                return nvctl_bad_reply("ReloadModule", r);

        *ret_value = g_strdup(value);
        return NVCTL_EXIT_SUCCESS;
}

static int no_persistent_nested(const NvctlStatus *status)
{
        const char *source = status->props.persistent_source && *status->props.persistent_source
                                     ? status->props.persistent_source
                                     : "the configuration";

        if (g_strcmp0(status->props.persistent_nested, "invalid") == 0)
                return nvctl_fail("Cannot reload %s with the persistent setting: %s sets a nested value "
                                  "that the module refuses. Run 'nestedvirtctl enable' or 'nestedvirtctl "
                                  "disable' first, or give --nested=yes|no.",
                                  nv_verdict_module(&status->props), source);
        return nvctl_fail("Cannot reload %s with the persistent setting: nestedvirtd did not report it. "
                          "Give --nested=yes|no.",
                          nv_verdict_module(&status->props));
}

int nvctl_reload(const NvctlOptions *options, int argc, char **argv)
{
        g_autoptr(sd_bus) bus = NULL;
        g_auto(NvctlStatus) before = NVCTL_STATUS_INIT;
        g_auto(NvctlPolkitAgent) agent = 0;
        g_autofree char *value = NULL;
        int nested = options->nested;
        int r;

        r = nvctl_connect(options, &bus);
        if (r != NVCTL_EXIT_SUCCESS)
                return r;
        if (options->cancel) {
                agent = nvctl_polkit_agent_open_if_enabled(options);
                return nvctl_when_idle_cancel(options, bus);
        }
        r = nvctl_status_get(options, bus, &before);
        if (r != NVCTL_EXIT_SUCCESS)
                return r;

        if (nested < 0) {
                nested = nv_verdict_persistent_value(&before.props);
                if (nested < 0)
                        return no_persistent_nested(&before);
        }

        agent = nvctl_polkit_agent_open_if_enabled(options);
        if (options->when_idle)
                return nvctl_when_idle_reload(options, bus, &before, nested, NULL);
        r = nvctl_reload_module(options, bus, &before, nested, NULL, &value);
        if (r != NVCTL_EXIT_SUCCESS)
                return r;

        if (options->json) {
                g_autoptr(JsonBuilder) builder = json_builder_new();
                g_autoptr(JsonNode) root = NULL;

                json_builder_begin_object(builder);
                json_builder_set_member_name(builder, "NestedParameter");
                json_builder_add_string_value(builder, value);
                json_builder_end_object(builder);
                root = json_builder_get_root(builder);
                nvctl_print_json(options, root);
        } else {
                g_autofree char *done = nvctl_reload_format_done(&before, value);

                puts(done);
                /* A one-off value: the next load (a reboot) goes back. */
                if (options->nested >= 0 && nv_verdict_persistent_value(&before.props) >= 0 &&
                    nv_verdict_persistent_value(&before.props) != nested)
                        printf("The persistent setting is unchanged: make it stay with 'nestedvirtctl "
                               "%s'.\n",
                               nested ? "enable" : "disable");
        }
        return NVCTL_EXIT_SUCCESS;
}
