/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nestedvirtctl configure-domain DOMAIN host-model|host-passthrough: sets
 * the CPU mode of a libvirt domain's persistent definition through
 * ConfigureDomain(), so that its guest sees the host's vmx or svm and can
 * run guests of its own, as `virsh edit` would by hand.
 */
#include "config.h"

#include <stdio.h>

#include "nvctl-common.h"
#include "nvctl-polkit-agent.h"
#include "nvctl-verbs.h"

/* The modes ConfigureDomain() accepts. Checked here too, so that a typo is
 * bad usage (exit 2) found before polkit asks for a password. */
static const char *const cpu_modes[] = { "host-model", "host-passthrough" };

static gboolean cpu_mode_is_valid(const char *mode)
{
        for (size_t i = 0; i < G_N_ELEMENTS(cpu_modes); i++)
                if (g_str_equal(cpu_modes[i], mode))
                        return TRUE;
        return FALSE;
}

char *nvctl_configure_domain_format_done(const char *domain, const char *mode, gboolean restart_required)
{
        g_autoptr(GString) text = g_string_new(NULL);
        g_autofree char *shown = nvctl_escape(domain);

        g_string_append_printf(text, "Domain %s now uses CPU mode %s.\n", shown, mode);
        /* libvirt changed the persistent definition only; the running
         * QEMU keeps its CPU until the domain is started afresh, and a
         * reboot from inside the guest keeps the same QEMU process. The
         * virsh lines are to be pasted: given only for a name that shows
         * as it is. */
        if (restart_required && g_str_equal(shown, domain)) {
                g_autofree char *quoted = g_shell_quote(domain);

                g_string_append_printf(text,
                                       "It is not shut off: the change applies after a full power-off and "
                                       "start (virsh shutdown %s; virsh start %s), not after a reboot from "
                                       "inside the guest.\n",
                                       quoted, quoted);
        } else if (restart_required) {
                g_string_append(text, "It is not shut off: the change applies after a full power-off and "
                                      "start, not after a reboot from inside the guest.\n");
        }
        return g_string_free(g_steal_pointer(&text), FALSE);
}

int nvctl_configure_domain(const NvctlOptions *options, int argc, char **argv)
{
        const char *domain = argv[1];
        const char *mode = argv[2];
        g_autoptr(sd_bus) bus = NULL;
        g_autoptr(sd_bus_message) call = NULL;
        g_autoptr(sd_bus_message) reply = NULL;
        g_auto(NvctlPolkitAgent) agent = 0;
        g_autofree char *what = NULL;
        int restart_required;
        int r;

        if (domain[0] == '\0')
                return nvctl_usage_error("The domain name or UUID must not be empty.");
        if (!cpu_mode_is_valid(mode)) {
                g_autofree char *shown = nvctl_escape(mode);

                return nvctl_usage_error("Invalid CPU mode '%s': use host-model or host-passthrough.",
                                         shown);
        }

        r = nvctl_connect(options, &bus);
        if (r != NVCTL_EXIT_SUCCESS)
                return r;
        r = nvctl_new_method_call(bus, "ConfigureDomain", &call);
        if (r != NVCTL_EXIT_SUCCESS)
                return r;
        r = sd_bus_message_append(call, "ss", domain, mode);
        if (r < 0)
                return nvctl_fail("Failed to create the ConfigureDomain call: %s.", g_strerror(-r));

        agent = nvctl_polkit_agent_open_if_enabled(options);
        {
                /* The argument, echoed in the one line of a failure. */
                g_autofree char *shown = nvctl_escape(domain);

                what = g_strdup_printf("configure domain %s", shown);
        }
        r = nvctl_call(options, call, what, &reply);
        if (r != NVCTL_EXIT_SUCCESS)
                return r;
        r = nvctl_expect_signature(reply, "ConfigureDomain", "b");
        if (r != NVCTL_EXIT_SUCCESS)
                return r;
        r = sd_bus_message_read_basic(reply, 'b', &restart_required);
        if (r < 0)
                return nvctl_bad_reply("ConfigureDomain", r);

        if (options->json) {
                g_autoptr(JsonBuilder) builder = json_builder_new();
                g_autoptr(JsonNode) root = NULL;

                json_builder_begin_object(builder);
                json_builder_set_member_name(builder, "RestartRequired");
                json_builder_add_boolean_value(builder, restart_required);
                json_builder_end_object(builder);
                root = json_builder_get_root(builder);
                nvctl_print_json(options, root);
        } else {
                g_autofree char *done = nvctl_configure_domain_format_done(domain, mode, restart_required);

                fputs(done, stdout);
        }
        return NVCTL_EXIT_SUCCESS;
}
