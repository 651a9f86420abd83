/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reloads that wait for the module to be free (nvctl-when-idle.h). While
 * it waits, the CLI follows the service's PropertiesChanged and its name:
 * a service that leaves the bus takes the request with it, and a new one
 * (bus activation) knows nothing of it, so the name is checked first.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "nv-dbus.h"
#include "nv-verdict.h"
#include "nvctl-module-users.h"
#include "nvctl-reload-words.h"
#include "nvctl-when-idle.h"

typedef struct {
        gboolean changed;
        gboolean gone;
} Watch;

static int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Watch *watch = userdata;

        watch->changed = TRUE;
        return 0;
}

static int on_name_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Watch *watch = userdata;
        const char *name, *old_owner, *new_owner;

        if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) >= 0 &&
            g_str_equal(name, NV_BUS_NAME))
                watch->gone = TRUE;
        return 0;
}

static int watch_start(sd_bus *bus, Watch *watch)
{
        int r;

        r = sd_bus_match_signal(bus, NULL, NV_BUS_NAME, NV_OBJECT_PATH, "org.freedesktop.DBus.Properties",
                                "PropertiesChanged", on_properties_changed, watch);
        if (r >= 0)
                r = sd_bus_add_match(
                        bus, NULL,
                        "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                        "interface='org.freedesktop.DBus',member='NameOwnerChanged',"
                        "arg0='" NV_BUS_NAME "'",
                        on_name_owner_changed, watch);
        if (r < 0)
                return nvctl_fail("Failed to follow nestedvirtd's changes: %s.", g_strerror(-r));
        return NVCTL_EXIT_SUCCESS;
}

/* Whether the service still has its name: asked of the bus, which does
 * not start a new one for that question. */
static gboolean service_on_bus(sd_bus *bus)
{
        g_autoptr(sd_bus_message) reply = NULL;
        int has_owner = TRUE;

        if (sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                               "NameHasOwner", NULL, &reply, "s", NV_BUS_NAME) >= 0)
                (void)sd_bus_message_read(reply, "b", &has_owner);
        return has_owner;
}

/* Until something changed or the service left. */
static int watch_wait(sd_bus *bus, Watch *watch)
{
        int r;

        watch->changed = FALSE;
        while (!watch->changed && !watch->gone) {
                r = sd_bus_process(bus, NULL);
                if (r > 0)
                        continue;
                if (r >= 0)
                        r = sd_bus_wait(bus, UINT64_MAX);
                if (r < 0)
                        return nvctl_fail("Lost the connection to the system bus while waiting for the "
                                          "reload: %s. It may still happen; 'nestedvirtctl status' says.",
                                          g_strerror(-r));
        }
        return NVCTL_EXIT_SUCCESS;
}

static int request(const NvctlOptions *options, sd_bus *bus, gboolean nested, const char *what)
{
        g_autoptr(sd_bus_message) call = NULL;
        g_autoptr(sd_bus_message) reply = NULL;
        int r;

        r = nvctl_new_method_call(bus, "ReloadModuleWhenIdle", &call);
        if (r != NVCTL_EXIT_SUCCESS)
                return r;
        r = sd_bus_message_append(call, "b", nested);
        if (r < 0)
                return nvctl_fail("Failed to create the ReloadModuleWhenIdle call: %s.", g_strerror(-r));
        r = nvctl_call(options, call, what, &reply);
        if (r != NVCTL_EXIT_SUCCESS)
                return r;
        return nvctl_expect_signature(reply, "ReloadModuleWhenIdle", "");
}

/* What waits, and for whom, once. */
static void print_waiting(const NvctlOptions *options, sd_bus *bus, const NvctlStatus *status)
{
        g_autoptr(GArray) users = NULL;
        g_autofree char *names = NULL;
        guint32 unexamined = 0;

        if (options->json)
                return;
        if (nvctl_module_users_fetch(bus, NULL, &users, &unexamined) >= 0 && users->len > 0)
                names = nvctl_module_users_text(users, unexamined, ", ");
        printf("Waiting for %s to be free%s%s: it will be reloaded with nested=%d as soon as %s.\n"
               "Ctrl+C stops waiting and leaves the reload pending; 'nestedvirtctl reload --cancel' "
               "cancels it.\n",
               nv_verdict_module(&status->props), names ? ", in use by " : "", names ? names : "",
               g_str_equal(status->props.pending_reload, "enable") ? 1 : 0,
               names ? "these stop" : "nothing uses it");
        fflush(stdout);
}

static void print_json(const NvctlOptions *options, const NvctlStatus *status)
{
        g_autoptr(JsonBuilder) builder = json_builder_new();
        g_autoptr(JsonNode) root = NULL;

        json_builder_begin_object(builder);
        json_builder_set_member_name(builder, "PendingReload");
        json_builder_add_string_value(builder, status->props.pending_reload);
        json_builder_set_member_name(builder, "PendingReloadResult");
        json_builder_add_string_value(builder, status->props.pending_reload_result);
        if (status->props.nested_parameter) {
                json_builder_set_member_name(builder, "NestedParameter");
                json_builder_add_string_value(builder, status->props.nested_parameter);
        }
        json_builder_end_object(builder);
        root = json_builder_get_root(builder);
        nvctl_print_json(options, root);
}

/* PendingReloadResult, once nothing waits any more. */
static int report_result(const NvctlOptions *options, const NvctlStatus *before, const NvctlStatus *status,
                         const char *what)
{
        const char *result = status->props.pending_reload_result ? status->props.pending_reload_result : "";

        if (g_str_has_prefix(result, "applied: ")) {
                if (options->json) {
                        print_json(options, status);
                } else {
                        g_autofree char *done =
                                nvctl_reload_format_done(before, result + strlen("applied: "));

                        puts(done);
                }
                return NVCTL_EXIT_SUCCESS;
        }
        if (g_str_has_prefix(result, "failed: ")) {
                g_autofree char *reason = nvctl_escape(result + strlen("failed: "));

                return nvctl_fail("Failed to %s: %s.", what, reason);
        }
        if (g_str_equal(result, "cancelled"))
                return nvctl_fail("The pending reload of %s was cancelled; nothing was changed.",
                                  nv_verdict_module(&before->props));
        return nvctl_fail(
                "The pending reload of %s is gone: nestedvirtd no longer has it (it was restarted?). "
                "Nothing was changed; ask again.",
                nv_verdict_module(&before->props));
}

int nvctl_when_idle_reload(const NvctlOptions *options, sd_bus *bus, const NvctlStatus *before,
                           gboolean nested, const char *what)
{
        g_autofree char *default_what = NULL;
        Watch watch = { 0 };
        gboolean told = FALSE;
        int r;

        if (!what)
                what = default_what = nvctl_reload_format_what(before);
        /* Before the request: its end may come at once. */
        if (!options->no_block) {
                r = watch_start(bus, &watch);
                if (r != NVCTL_EXIT_SUCCESS)
                        return r;
        }
        r = request(options, bus, nested, what);
        if (r != NVCTL_EXIT_SUCCESS)
                return r;

        for (;;) {
                g_auto(NvctlStatus) status = NVCTL_STATUS_INIT;
                g_auto(sd_bus_error) error = SD_BUS_ERROR_NULL;

                /* A service that left took the request along (a call to it
                 * that fails may be the first sign). */
                if (watch.gone)
                        return nvctl_fail("nestedvirtd stopped before %s was free: the pending reload is "
                                          "gone, and nothing was changed. Ask again once it runs.",
                                          nv_verdict_module(&before->props));
                r = nvctl_status_fetch(bus, &error, &status);
                if (r < 0 && !service_on_bus(bus))
                        watch.gone = TRUE;
                if (watch.gone)
                        continue;
                if (r < 0)
                        return nvctl_fail("The reload is pending, but its state could not be read: %s.",
                                          error.message ? error.message : g_strerror(-r));
                if (status.props.pending_reload && *status.props.pending_reload) {
                        if (options->no_block) {
                                if (options->json)
                                        print_json(options, &status);
                                else
                                        printf("Pending: %s will be reloaded with nested=%d as soon as it "
                                               "is no longer in use. 'nestedvirtctl reload --cancel' "
                                               "cancels it.\n",
                                               nv_verdict_module(&before->props), nested ? 1 : 0);
                                return NVCTL_EXIT_SUCCESS;
                        }
                        if (!told)
                                print_waiting(options, bus, &status);
                        told = TRUE;
                        r = watch_wait(bus, &watch);
                        if (r != NVCTL_EXIT_SUCCESS)
                                return r;
                        continue;
                }
                return report_result(options, before, &status, what);
        }
}

int nvctl_when_idle_cancel(const NvctlOptions *options, sd_bus *bus)
{
        g_autoptr(sd_bus_message) call = NULL;
        g_autoptr(sd_bus_message) reply = NULL;
        int cancelled, r;

        r = nvctl_new_method_call(bus, "CancelPendingReload", &call);
        if (r != NVCTL_EXIT_SUCCESS)
                return r;
        r = nvctl_call(options, call, "cancel the pending reload", &reply);
        if (r != NVCTL_EXIT_SUCCESS)
                return r;
        r = nvctl_expect_signature(reply, "CancelPendingReload", "b");
        if (r != NVCTL_EXIT_SUCCESS)
                return r;
        r = sd_bus_message_read_basic(reply, 'b', &cancelled);
        if (r < 0)
                return nvctl_bad_reply("CancelPendingReload", r);
        if (options->json) {
                g_autoptr(JsonBuilder) builder = json_builder_new();
                g_autoptr(JsonNode) root = NULL;

                json_builder_begin_object(builder);
                json_builder_set_member_name(builder, "Cancelled");
                json_builder_add_boolean_value(builder, cancelled);
                json_builder_end_object(builder);
                root = json_builder_get_root(builder);
                nvctl_print_json(options, root);
        } else {
                puts(cancelled ? "The pending reload is cancelled; nothing was changed."
                               : "No reload was pending (or it had already started).");
        }
        return NVCTL_EXIT_SUCCESS;
}
