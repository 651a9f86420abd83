/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nestedvirtctl [status]: calls GetStatus() and shows the answer, either
 * for a person (a verdict line, the details, then advice on what to do) or,
 * with --json, as one JSON object with the D-Bus keys and types.
 *
 * The reply is read into an NvctlStatus first; everything after that is
 * plain formatting of that struct, without I/O. A key that is missing or
 * has an unexpected type is treated as unknown, never trusted, so an older
 * or newer daemon cannot crash the client or make it lie.
 *
 * The text also says how many libvirt domains could host nested guests,
 * from ListDomains(); that is a detail, and libvirt being away, slow or
 * unknown to the daemon never makes status fail.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "nv-dbus.h"
#include "nv-verdict.h"
#include "nvctl-common.h"
#include "nv-util.h"
#include "nvctl-list-domains.h"
#include "nvctl-module-users.h"
#include "nvctl-status.h"
#include "nvctl-verbs.h"

/* A key this client does not know, of a basic D-Bus type: passed through
 * to --json so that scripts see what a newer daemon adds. */
typedef struct {
        char *key;
        char type;
        union {
                gboolean boolean;
                gint64 integer;
                guint64 unsigned_integer;
                double floating;
                char *string;
        };
} NvctlExtraValue;

/* How long status waits for ListDomains(): libvirtd may first have to be
 * started by socket activation, but a status that hangs on an optional
 * detail is worse than one without it. */
#define NVCTL_STATUS_DOMAINS_TIMEOUT_USEC (10 * G_USEC_PER_SEC)

static void extra_value_free(gpointer data)
{
        NvctlExtraValue *extra = data;

        g_free(extra->key);
        if (strchr("sog", extra->type))
                g_free(extra->string);
        g_free(extra);
}

void nvctl_status_clear(NvctlStatus *status)
{
        nv_properties_clear(&status->props);
        g_clear_pointer(&status->extra, g_ptr_array_unref);
}

/* Reads the variant the reply is positioned at into @info's slot. The
 * caller checked that the variant holds info->signature. */
static int read_known_value(sd_bus_message *reply, NvctlStatus *status, const NvPropertyInfo *info)
{
        gpointer slot = NV_PROPERTY_SLOT(&status->props, info);
        int r;

        r = sd_bus_message_enter_container(reply, 'v', info->signature);
        if (r < 0)
                return r;

        switch (info->type) {
        case NV_PROPERTY_STRING: {
                const char *value;

                r = sd_bus_message_read_basic(reply, 's', &value);
                if (r < 0)
                        return r;
                /* A repeated key: the last one wins, as in a GVariant dict. */
                g_free(*(char **)slot);
                *(char **)slot = g_strdup(value);
                break;
        }
        case NV_PROPERTY_BOOLEAN: {
                int value;

                r = sd_bus_message_read_basic(reply, 'b', &value);
                if (r < 0)
                        return r;
                *(int *)slot = !!value;
                break;
        }
        }

        return sd_bus_message_exit_container(reply);
}

/* Reads the variant the reply is positioned at, which holds the basic type
 * @type, as an extra value of @key. */
static int read_extra_value(sd_bus_message *reply, NvctlStatus *status, const char *key, char type)
{
        g_autofree NvctlExtraValue *extra = g_new0(NvctlExtraValue, 1);
        union {
                guint8 y;
                gint16 n;
                guint16 q;
                gint32 i;
                guint32 u;
                gint64 x;
                guint64 t;
                double d;
                int b;
                const char *s;
        } value;
        const char contents[] = { type, '\0' };
        int r;

        r = sd_bus_message_enter_container(reply, 'v', contents);
        if (r < 0)
                return r;
        r = sd_bus_message_read_basic(reply, type, &value);
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(reply);
        if (r < 0)
                return r;

        switch (type) {
        case 'b':
                extra->boolean = !!value.b;
                break;
        case 'y':
                extra->unsigned_integer = value.y;
                break;
        case 'q':
                extra->unsigned_integer = value.q;
                break;
        case 'u':
                extra->unsigned_integer = value.u;
                break;
        case 't':
                extra->unsigned_integer = value.t;
                break;
        case 'n':
                extra->integer = value.n;
                break;
        case 'i':
                extra->integer = value.i;
                break;
        case 'x':
                extra->integer = value.x;
                break;
        case 'd':
                extra->floating = value.d;
                break;
        case 's':
        case 'o':
        case 'g':
                extra->string = g_strdup(value.s);
                break;
        default:
                g_assert_not_reached();
        }

        extra->key = g_strdup(key);
        extra->type = type;
        if (!status->extra)
                status->extra = g_ptr_array_new_with_free_func(extra_value_free);
        g_ptr_array_add(status->extra, g_steal_pointer(&extra));
        return 0;
}

/* Basic types that JSON can represent: all but 'h', a file descriptor,
 * which means nothing outside this process. */
static gboolean is_json_basic_type(const char *signature)
{
        return signature[0] != '\0' && signature[1] == '\0' && strchr("ybnqiuxtdsog", signature[0]);
}

int nvctl_status_read(sd_bus_message *reply, NvctlStatus *status)
{
        int r;

        r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        if (r < 0)
                return r;

        while ((r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
                const NvPropertyInfo *info;
                const char *key, *contents;

                r = sd_bus_message_read_basic(reply, 's', &key);
                if (r < 0)
                        return r;
                r = sd_bus_message_peek_type(reply, NULL, &contents);
                if (r < 0)
                        return r;

                info = nv_property_info_find(key);
                if (info && g_str_equal(contents, info->signature))
                        r = read_known_value(reply, status, info);
                else if (!info && is_json_basic_type(contents))
                        r = read_extra_value(reply, status, key, contents[0]);
                else
                        /* A known key of another type, or a container we
                         * have no JSON shape for: unknown, skip it. */
                        r = sd_bus_message_skip(reply, "v");
                if (r < 0)
                        return r;

                r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;

        return sd_bus_message_exit_container(reply);
}

/* --- JSON ---------------------------------------------------------------- */

static void json_add_extra(JsonBuilder *builder, const NvctlExtraValue *extra)
{
        json_builder_set_member_name(builder, extra->key);
        switch (extra->type) {
        case 'b':
                json_builder_add_boolean_value(builder, extra->boolean);
                break;
        case 'y':
        case 'q':
        case 'u':
        case 't':
                /* JSON-GLib integers are signed 64-bit: a larger 't' can
                 * only be represented, approximately, as a double. */
                if (extra->unsigned_integer > G_MAXINT64)
                        json_builder_add_double_value(builder, (double)extra->unsigned_integer);
                else
                        json_builder_add_int_value(builder, (gint64)extra->unsigned_integer);
                break;
        case 'n':
        case 'i':
        case 'x':
                json_builder_add_int_value(builder, extra->integer);
                break;
        case 'd':
                json_builder_add_double_value(builder, extra->floating);
                break;
        default:
                json_builder_add_string_value(builder, extra->string);
                break;
        }
}

JsonNode *nvctl_status_to_json(const NvctlStatus *status)
{
        g_autoptr(JsonBuilder) builder = json_builder_new();

        json_builder_begin_object(builder);

        /* In the order of NV_PROPERTIES(). */
        for (size_t i = 0; i < nv_n_properties; i++) {
                const NvPropertyInfo *info = &nv_property_info[i];
                gconstpointer slot = NV_PROPERTY_SLOT(&status->props, info);

                /* An unknown value is left out rather than guessed. */
                if (info->type == NV_PROPERTY_STRING) {
                        const char *value = *(char *const *)slot;

                        if (!value)
                                continue;
                        json_builder_set_member_name(builder, info->name);
                        json_builder_add_string_value(builder, value);
                } else {
                        int value = *(const int *)slot;

                        if (value < 0)
                                continue;
                        json_builder_set_member_name(builder, info->name);
                        json_builder_add_boolean_value(builder, value);
                }
        }

        for (guint i = 0; status->extra && i < status->extra->len; i++)
                json_add_extra(builder, g_ptr_array_index(status->extra, i));

        json_builder_end_object(builder);
        return json_builder_get_root(builder);
}

/* --- Text ---------------------------------------------------------------- */

/* The verdict line and the advice come from nv-verdict.c, which the panel
 * shares; the details below are this client's own. */

/* The CPU and the kernel modules: what the host offers. */
static void status_add_host_fields(const NvProperties *props, GArray *fields)
{
        if (!nv_str_empty(props->architecture))
                nvctl_fields_add(fields, "Architecture", "%s", props->architecture);
        if (!nv_str_empty(props->cpu_vendor))
                nvctl_fields_add(fields, "CPU vendor", "%s", props->cpu_vendor);
        if (props->hardware_virtualization >= 0 && nv_host_class(props) != NV_HOST_UNSUPPORTED) {
                g_autofree char *virtualization = nv_verdict_cpu_virtualization_text(props);

                nvctl_fields_add(fields, "CPU virtualization", "%s", virtualization);
        }
        if (props->in_virtual_machine == 1)
                nvctl_fields_add(fields, "Virtual machine", "yes, under %s", nv_verdict_hypervisor(props));
        else if (props->in_virtual_machine == 0)
                nvctl_fields_add(fields, "Virtual machine", "no");
        {
                g_autofree char *acceleration = nv_verdict_acceleration_text(props);

                if (acceleration)
                        nvctl_fields_add(fields, "Nested guests", "%s", acceleration);
        }
        if (props->kvm_builtin == 1)
                nvctl_fields_add(fields, "KVM module", "built into the kernel");
        else if (props->kvm_loaded >= 0)
                nvctl_fields_add(fields, "KVM module", "%s", props->kvm_loaded ? "loaded" : "not loaded");
        {
                g_autofree char *device = nv_verdict_kvm_device_text(props);
                g_autofree char *container = nv_verdict_container_text(props);

                if (device)
                        nvctl_fields_add(fields, "/dev/kvm", "%s", device);
                if (container)
                        nvctl_fields_add(fields, "Container", "%s", container);
        }
}

/* The vendor module and its nested setting, now and persistently, and
 * @holders (NULL: nothing holds the module, or they were not found). */
static void status_add_nested_fields(const NvProperties *props, const char *holders, GArray *fields)
{
        gboolean persistent_applies = nv_verdict_persistent_applies(props);

        if (!nv_str_empty(props->vendor_module)) {
                g_autofree char *state = nv_verdict_module_state_text(props);

                nvctl_fields_add(fields, "Vendor module", "%s (%s)", props->vendor_module, state);
        }

        if (props->vendor_module_loaded == 0)
                nvctl_fields_add(fields, "Nested (running)", "n/a (module not loaded)");
        else if (props->nested_enabled >= 0 && !nv_str_empty(props->nested_parameter))
                nvctl_fields_add(fields, "Nested (running)", "%s (nested=%s)",
                                 props->nested_enabled ? "enabled" : "disabled", props->nested_parameter);
        else if (props->nested_enabled >= 0)
                nvctl_fields_add(fields, "Nested (running)", "%s",
                                 props->nested_enabled ? "enabled" : "disabled");

        if (props->persistent_nested && persistent_applies) {
                g_autofree char *persistent = nv_verdict_persistent_text(props);

                nvctl_fields_add(fields, "Nested (persistent)", "%s", persistent);
        }
        if (props->reload_required >= 0 && persistent_applies)
                nvctl_fields_add(fields, "Reload required", "%s", nv_verdict_yes_no(props->reload_required));

        if (props->pending_reload && *props->pending_reload)
                nvctl_fields_add(fields, "Pending reload", "nested=%d as soon as %s is no longer in use",
                                 g_str_equal(props->pending_reload, "enable") ? 1 : 0,
                                 nv_verdict_module(props));

        if (props->vendor_module_in_use == 1)
                nvctl_fields_add(fields, "Module users", "%s", holders ? holders : "unknown");
}

/* "2 of 3 can host nested guests": how far the guests are, the step
 * after the host (configure-domain). */
static void status_add_domain_fields(const GArray *domains, GArray *fields)
{
        guint capable = 0;

        if (domains->len == 0) {
                nvctl_fields_add(fields, "Domains", "none defined in libvirt");
                return;
        }
        for (guint i = 0; i < domains->len; i++)
                capable += nvctl_domain_is_nested_capable(&g_array_index(domains, NvctlDomain, i));
        nvctl_fields_add(fields, "Domains", "%u of %u can host nested guests", capable, domains->len);
}

static void status_add_fields(const NvProperties *props, const char *holders, const GArray *domains,
                              GArray *fields)
{
        status_add_host_fields(props, fields);
        /* On a host the service cannot manage, nested details would only
         * be noise ("vmx or svm flag missing", "n/a", ...). */
        if (nv_host_class(props) != NV_HOST_UNSUPPORTED) {
                status_add_nested_fields(props, holders, fields);
                if (domains)
                        status_add_domain_fields(domains, fields);
        }
        if (!nv_str_empty(props->version))
                nvctl_fields_add(fields, "Service version", "%s", props->version);
}

void nvctl_status_format_text(const NvctlStatus *status, const char *holders, const GArray *domains,
                              GString *out)
{
        g_autofree char *verdict = nv_verdict_text(&status->props);
        g_autoptr(GArray) fields = nvctl_fields_new();
        g_autoptr(GPtrArray) advice = nv_verdict_advice(&status->props);

        g_string_append_printf(out, "%s\n", verdict);

        status_add_fields(&status->props, holders, domains, fields);
        if (fields->len > 0) {
                g_string_append_c(out, '\n');
                nvctl_fields_format(fields, out);
        }

        if (advice->len > 0)
                g_string_append_c(out, '\n');
        for (guint i = 0; i < advice->len; i++)
                g_string_append_printf(out, "Hint: %s\n", (const char *)g_ptr_array_index(advice, i));
}

int nvctl_status_fetch(sd_bus *bus, sd_bus_error *error, NvctlStatus *status)
{
        g_autoptr(sd_bus_message) reply = NULL;
        int r;

        r = nvctl_call_quietly(bus, "GetStatus", 0, "a{sv}", error, &reply);
        if (r < 0)
                return r;
        return nvctl_status_read(reply, status);
}

int nvctl_status_get(const NvctlOptions *options, sd_bus *bus, NvctlStatus *status)
{
        g_autoptr(sd_bus_message) call = NULL;
        g_autoptr(sd_bus_message) reply = NULL;
        int r;

        r = nvctl_new_method_call(bus, "GetStatus", &call);
        if (r != NVCTL_EXIT_SUCCESS)
                return r;
        r = nvctl_call(options, call, "get the nested virtualization status", &reply);
        if (r != NVCTL_EXIT_SUCCESS)
                return r;

        r = nvctl_expect_signature(reply, "GetStatus", "a{sv}");
        if (r != NVCTL_EXIT_SUCCESS)
                return r;
        r = nvctl_status_read(reply, status);
        if (r < 0)
                return nvctl_bad_reply("GetStatus", r);
        return NVCTL_EXIT_SUCCESS;
}

int nvctl_status_connect_and_get(const NvctlOptions *options, sd_bus **ret_bus, NvctlStatus *status)
{
        int r;

        r = nvctl_connect(options, ret_bus);
        if (r != NVCTL_EXIT_SUCCESS)
                return r;
        return nvctl_status_get(options, *ret_bus, status);
}

int nvctl_status(const NvctlOptions *options, int argc, char **argv)
{
        g_autoptr(sd_bus) bus = NULL;
        g_auto(NvctlStatus) status = NVCTL_STATUS_INIT;
        g_autoptr(GArray) domains = NULL;
        g_autoptr(GArray) users = NULL;
        g_autofree char *holders = NULL;
        g_autoptr(GString) text = g_string_new(NULL);
        guint32 unexamined = 0;
        int r;

        r = nvctl_status_connect_and_get(options, &bus, &status);
        if (r != NVCTL_EXIT_SUCCESS)
                return r;

        /* --json is GetStatus() and nothing else: scripts that want the
         * domains have list-domains --json. */
        if (options->json) {
                g_autoptr(JsonNode) root = nvctl_status_to_json(&status);

                nvctl_print_json(options, root);
                return NVCTL_EXIT_SUCCESS;
        }

        /* Any failure (libvirt not installed or not reachable, a daemon
         * without ListDomains, a slow libvirt) only leaves the line out. */
        if (nv_host_class(&status.props) != NV_HOST_UNSUPPORTED)
                (void)nvctl_domains_list(bus, NVCTL_STATUS_DOMAINS_TIMEOUT_USEC, NULL, &domains);
        /* Who holds the module, only when something does: finding out
         * costs the service a look at every process. A failure says
         * "unknown", never "none". */
        if (status.props.vendor_module_in_use == 1 &&
            nvctl_module_users_fetch(bus, NULL, &users, &unexamined) >= 0)
                holders = nvctl_module_users_text(users, unexamined, "\n");

        nvctl_status_format_text(&status, holders, domains, text);
        fputs(text->str, stdout);
        return NVCTL_EXIT_SUCCESS;
}
