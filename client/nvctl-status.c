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
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "nv-dbus.h"
#include "nvctl-common.h"
#include "nvctl-list-domains.h"
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

/* The known keys, in the order --json prints them, with the D-Bus type
 * the API documents and where the value goes. */
typedef struct {
        const char *key;
        const char *signature;
        size_t offset;
} NvctlStatusField;

static const NvctlStatusField status_fields[] = {
        { NV_KEY_VERSION, "s", offsetof(NvctlStatus, version) },
        { NV_KEY_ARCHITECTURE, "s", offsetof(NvctlStatus, architecture) },
        { NV_KEY_SUPPORTED, "b", offsetof(NvctlStatus, supported) },
        { NV_KEY_CPU_VENDOR, "s", offsetof(NvctlStatus, cpu_vendor) },
        { NV_KEY_VENDOR_MODULE, "s", offsetof(NvctlStatus, vendor_module) },
        { NV_KEY_HARDWARE_VIRTUALIZATION, "b", offsetof(NvctlStatus, hardware_virtualization) },
        { NV_KEY_IN_VIRTUAL_MACHINE, "b", offsetof(NvctlStatus, in_virtual_machine) },
        { NV_KEY_HYPERVISOR, "s", offsetof(NvctlStatus, hypervisor) },
        { NV_KEY_KVM_LOADED, "b", offsetof(NvctlStatus, kvm_loaded) },
        { NV_KEY_KVM_BUILTIN, "b", offsetof(NvctlStatus, kvm_builtin) },
        { NV_KEY_VENDOR_MODULE_LOADED, "b", offsetof(NvctlStatus, vendor_module_loaded) },
        { NV_KEY_VENDOR_MODULE_BUILTIN, "b", offsetof(NvctlStatus, vendor_module_builtin) },
        { NV_KEY_NESTED_PARAMETER, "s", offsetof(NvctlStatus, nested_parameter) },
        { NV_KEY_NESTED_ENABLED, "b", offsetof(NvctlStatus, nested_enabled) },
        { NV_KEY_PERSISTENT_NESTED, "s", offsetof(NvctlStatus, persistent_nested) },
        { NV_KEY_PERSISTENT_SOURCE, "s", offsetof(NvctlStatus, persistent_source) },
        { NV_KEY_RELOAD_REQUIRED, "b", offsetof(NvctlStatus, reload_required) },
        { NV_KEY_MODULE_USERS, "a(us)", offsetof(NvctlStatus, module_users) },
};

static void module_user_clear(gpointer data)
{
        NvctlModuleUser *user = data;

        g_clear_pointer(&user->command, g_free);
}

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
        for (size_t i = 0; i < G_N_ELEMENTS(status_fields); i++)
                if (g_str_equal(status_fields[i].signature, "s"))
                        g_clear_pointer((char **)G_STRUCT_MEMBER_P(status, status_fields[i].offset), g_free);
        g_clear_pointer(&status->module_users, g_array_unref);
        g_clear_pointer(&status->extra, g_ptr_array_unref);
}

static const NvctlStatusField *status_field_find(const char *key)
{
        for (size_t i = 0; i < G_N_ELEMENTS(status_fields); i++)
                if (g_str_equal(status_fields[i].key, key))
                        return &status_fields[i];
        return NULL;
}

static int read_module_users(sd_bus_message *reply, GArray **ret_users)
{
        g_autoptr(GArray) users = g_array_new(FALSE, TRUE, sizeof(NvctlModuleUser));
        guint32 pid;
        const char *command;
        int r;

        g_array_set_clear_func(users, module_user_clear);

        r = sd_bus_message_enter_container(reply, 'a', "(us)");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read(reply, "(us)", &pid, &command)) > 0) {
                NvctlModuleUser user = { .pid = pid, .command = g_strdup(command) };

                g_array_append_val(users, user);
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(reply);
        if (r < 0)
                return r;

        *ret_users = g_steal_pointer(&users);
        return 0;
}

/* Reads the variant the reply is positioned at into @field's slot. The
 * caller checked that the variant holds field->signature. */
static int read_known_value(sd_bus_message *reply, NvctlStatus *status, const NvctlStatusField *field)
{
        gpointer slot = G_STRUCT_MEMBER_P(status, field->offset);
        int r;

        r = sd_bus_message_enter_container(reply, 'v', field->signature);
        if (r < 0)
                return r;

        if (g_str_equal(field->signature, "s")) {
                const char *value;

                r = sd_bus_message_read_basic(reply, 's', &value);
                if (r < 0)
                        return r;
                /* A repeated key: the last one wins, as in a GVariant dict. */
                g_free(*(char **)slot);
                *(char **)slot = g_strdup(value);
        } else if (g_str_equal(field->signature, "b")) {
                int value;

                r = sd_bus_message_read_basic(reply, 'b', &value);
                if (r < 0)
                        return r;
                *(int *)slot = !!value;
        } else {
                GArray *users = NULL;

                g_assert(g_str_equal(field->signature, "a(us)"));
                r = read_module_users(reply, &users);
                if (r < 0)
                        return r;
                g_clear_pointer((GArray **)slot, g_array_unref);
                *(GArray **)slot = users;
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
                const NvctlStatusField *field;
                const char *key, *contents;

                r = sd_bus_message_read_basic(reply, 's', &key);
                if (r < 0)
                        return r;
                r = sd_bus_message_peek_type(reply, NULL, &contents);
                if (r < 0)
                        return r;

                field = status_field_find(key);
                if (field && g_str_equal(contents, field->signature))
                        r = read_known_value(reply, status, field);
                else if (!field && is_json_basic_type(contents))
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

        for (size_t i = 0; i < G_N_ELEMENTS(status_fields); i++) {
                const NvctlStatusField *field = &status_fields[i];
                gconstpointer slot = G_STRUCT_MEMBER_P(status, field->offset);

                /* An unknown value is left out rather than guessed. */
                if (g_str_equal(field->signature, "s")) {
                        const char *value = *(char *const *)slot;

                        if (!value)
                                continue;
                        json_builder_set_member_name(builder, field->key);
                        json_builder_add_string_value(builder, value);
                } else if (g_str_equal(field->signature, "b")) {
                        int value = *(const int *)slot;

                        if (value < 0)
                                continue;
                        json_builder_set_member_name(builder, field->key);
                        json_builder_add_boolean_value(builder, value);
                } else {
                        GArray *users = *(GArray *const *)slot;

                        if (!users)
                                continue;
                        json_builder_set_member_name(builder, field->key);
                        json_builder_begin_array(builder);
                        for (guint j = 0; j < users->len; j++) {
                                const NvctlModuleUser *user = &g_array_index(users, NvctlModuleUser, j);

                                json_builder_begin_object(builder);
                                json_builder_set_member_name(builder, "pid");
                                json_builder_add_int_value(builder, user->pid);
                                json_builder_set_member_name(builder, "command");
                                json_builder_add_string_value(builder, user->command);
                                json_builder_end_object(builder);
                        }
                        json_builder_end_array(builder);
                }
        }

        for (guint i = 0; status->extra && i < status->extra->len; i++)
                json_add_extra(builder, g_ptr_array_index(status->extra, i));

        json_builder_end_object(builder);
        return json_builder_get_root(builder);
}

/* --- Text ---------------------------------------------------------------- */

static gboolean is_empty(const char *s)
{
        return !s || s[0] == '\0';
}

const char *nvctl_status_module(const NvctlStatus *status)
{
        return is_empty(status->vendor_module) ? "the KVM vendor module" : status->vendor_module;
}

/* The CPU flag that announces the vendor's virtualization extension. */
static const char *status_cpu_flag(const NvctlStatus *status)
{
        if (g_strcmp0(status->cpu_vendor, "intel") == 0)
                return "vmx";
        if (g_strcmp0(status->cpu_vendor, "amd") == 0)
                return "svm";
        return "vmx or svm";
}

static const char *status_hypervisor(const NvctlStatus *status)
{
        if (is_empty(status->hypervisor) || g_str_equal(status->hypervisor, "unknown"))
                return "an unknown hypervisor";
        return status->hypervisor;
}

/* "enabled by /etc/modprobe.d/kvm.conf", "kernel default", ...; NULL when
 * the daemon did not say. */
static char *status_persistent_text(const NvctlStatus *status)
{
        const char *value = status->persistent_nested;
        const char *source = status->persistent_source;

        if (!value)
                return NULL;
        if (g_str_equal(value, "default"))
                return g_strdup("kernel default");
        if (g_str_equal(value, "invalid"))
                return is_empty(source) ? g_strdup("invalid value")
                                        : g_strdup_printf("invalid value in %s", source);
        if (is_empty(source))
                return g_strdup(value);
        return g_strdup_printf("%s by %s", value, source);
}

/* The state of the running kernel, for the verdict line. */
static char *status_running_text(const NvctlStatus *status)
{
        const char *module = nvctl_status_module(status);
        g_autofree char *detail = NULL;

        if (status->supported == 0)
                return g_strdup_printf("not supported (%s, %s CPU)",
                                       is_empty(status->architecture) ? "unknown architecture"
                                                                      : status->architecture,
                                       is_empty(status->cpu_vendor) ? "unknown" : status->cpu_vendor);

        /* A loaded module is what decides; the CPU flag only explains why
         * a module is not there. */
        if (status->vendor_module_loaded == 1) {
                if (status->vendor_module_builtin == 1)
                        detail = is_empty(status->nested_parameter)
                                         ? g_strdup_printf("%s built in", module)
                                         : g_strdup_printf("%s built in, nested=%s", module,
                                                           status->nested_parameter);
                else
                        detail = is_empty(status->nested_parameter)
                                         ? g_strdup(module)
                                         : g_strdup_printf("%s nested=%s", module, status->nested_parameter);

                if (status->nested_enabled == 1)
                        return g_strdup_printf("enabled (%s)", detail);
                if (status->nested_enabled == 0)
                        return g_strdup_printf("disabled (%s)", detail);
                return g_strdup_printf("unknown (%s)", detail);
        }

        if (status->hardware_virtualization == 0)
                return g_strdup_printf("not available (the CPU does not advertise %s)",
                                       status_cpu_flag(status));
        if (status->vendor_module_loaded == 0)
                return g_strdup_printf("not available (%s not loaded)", module);
        return g_strdup("unknown");
}

static char *status_verdict(const NvctlStatus *status)
{
        g_autofree char *running = status_running_text(status);
        g_autofree char *persistent = NULL;

        if (status->supported != 0)
                persistent = status_persistent_text(status);
        if (!persistent)
                return g_strdup_printf("Nested virtualization: %s", running);
        return g_strdup_printf("Nested virtualization: %s, persistent: %s", running, persistent);
}

static const char *yes_no(int b)
{
        return b ? "yes" : "no";
}

/* The CPU and the kernel modules: what the host offers. */
static void status_add_host_fields(const NvctlStatus *status, GArray *fields)
{
        if (!is_empty(status->architecture))
                nvctl_fields_add(fields, "Architecture", "%s", status->architecture);
        if (!is_empty(status->cpu_vendor))
                nvctl_fields_add(fields, "CPU vendor", "%s", status->cpu_vendor);
        if (status->hardware_virtualization >= 0 && status->supported != 0)
                nvctl_fields_add(fields, "CPU virtualization", "%s (%s flag %s)",
                                 yes_no(status->hardware_virtualization), status_cpu_flag(status),
                                 status->hardware_virtualization ? "present" : "missing");
        if (status->in_virtual_machine == 1)
                nvctl_fields_add(fields, "Virtual machine", "yes, under %s", status_hypervisor(status));
        else if (status->in_virtual_machine == 0)
                nvctl_fields_add(fields, "Virtual machine", "no");
        if (status->kvm_builtin == 1)
                nvctl_fields_add(fields, "KVM module", "built into the kernel");
        else if (status->kvm_loaded >= 0)
                nvctl_fields_add(fields, "KVM module", "%s", status->kvm_loaded ? "loaded" : "not loaded");
}

/* The vendor module and its nested setting, now and persistently. */
static void status_add_nested_fields(const NvctlStatus *status, GArray *fields)
{
        if (!is_empty(status->vendor_module)) {
                const char *state = "unknown state";

                if (status->vendor_module_builtin == 1)
                        state = "built into the kernel";
                else if (status->vendor_module_loaded == 1)
                        state = "loaded";
                else if (status->vendor_module_loaded == 0)
                        state = "not loaded";
                nvctl_fields_add(fields, "Vendor module", "%s (%s)", status->vendor_module, state);
        }

        if (status->vendor_module_loaded == 0)
                nvctl_fields_add(fields, "Nested (running)", "n/a (module not loaded)");
        else if (status->nested_enabled >= 0 && !is_empty(status->nested_parameter))
                nvctl_fields_add(fields, "Nested (running)", "%s (nested=%s)",
                                 status->nested_enabled ? "enabled" : "disabled", status->nested_parameter);
        else if (status->nested_enabled >= 0)
                nvctl_fields_add(fields, "Nested (running)", "%s",
                                 status->nested_enabled ? "enabled" : "disabled");

        if (status->persistent_nested) {
                g_autofree char *persistent = status_persistent_text(status);

                nvctl_fields_add(fields, "Nested (persistent)", "%s", persistent);
        }
        if (status->reload_required >= 0)
                nvctl_fields_add(fields, "Reload required", "%s", yes_no(status->reload_required));

        if (status->module_users && status->module_users->len == 0) {
                nvctl_fields_add(fields, "Module users", "none");
        } else if (status->module_users) {
                g_autoptr(GString) users = g_string_new(NULL);

                for (guint i = 0; i < status->module_users->len; i++) {
                        const NvctlModuleUser *user =
                                &g_array_index(status->module_users, NvctlModuleUser, i);

                        g_string_append_printf(users, "%s%" G_GUINT32_FORMAT " (%s)", i > 0 ? "\n" : "",
                                               user->pid, user->command);
                }
                nvctl_fields_add(fields, "Module users", "%s", users->str);
        }
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

static void status_add_fields(const NvctlStatus *status, const GArray *domains, GArray *fields)
{
        status_add_host_fields(status, fields);
        /* On a host the service cannot manage, nested details would only
         * be noise ("vmx or svm flag missing", "n/a", ...). */
        if (status->supported != 0) {
                status_add_nested_fields(status, fields);
                if (domains)
                        status_add_domain_fields(domains, fields);
        }
        if (!is_empty(status->version))
                nvctl_fields_add(fields, "Service version", "%s", status->version);
}

/* What to do about what is off, most fundamental first: advice that
 * cannot help before an earlier problem is fixed is left out. */
static void status_add_advice(const NvctlStatus *status, GPtrArray *advice)
{
        const char *module = nvctl_status_module(status);
        const char *source =
                is_empty(status->persistent_source) ? "the configuration" : status->persistent_source;
        gboolean persistent_off = g_strcmp0(status->persistent_nested, "disabled") == 0 ||
                                  g_strcmp0(status->persistent_nested, "invalid") == 0;

        if (status->supported == 0) {
                g_ptr_array_add(advice, g_strdup("nested KVM needs an x86 Intel or AMD CPU"));
                return;
        }

        if (status->hardware_virtualization == 0 && status->vendor_module_loaded != 1) {
                const char *flag = status_cpu_flag(status);

                if (status->in_virtual_machine == 1)
                        g_ptr_array_add(
                                advice,
                                g_strdup_printf(
                                        "this machine is a virtual machine under %s and its CPU does "
                                        "not advertise %s: enable nested virtualization on the "
                                        "host that runs it, and pass %s to this guest",
                                        status_hypervisor(status), flag, flag));
                else
                        g_ptr_array_add(advice,
                                        g_strdup_printf("the CPU does not advertise %s; virtualization may "
                                                        "be disabled in the firmware (BIOS/UEFI) settings",
                                                        flag));
                return;
        }

        if (status->vendor_module_builtin == 1) {
                /* modprobe.d and reloading do not apply: only the kernel
                 * command line does, at the next boot. */
                if (status->nested_enabled == 0 && g_strcmp0(status->persistent_nested, "enabled") == 0)
                        g_ptr_array_add(advice,
                                        g_strdup_printf("%s is built into the kernel: reboot to apply "
                                                        "the nested setting of %s",
                                                        module, source));
                else if (status->nested_enabled == 0 || persistent_off)
                        g_ptr_array_add(advice,
                                        g_strdup_printf("%s is built into the kernel: set %s.nested=1 on "
                                                        "the kernel command line and reboot",
                                                        module, module));
                return;
        }

        /* "enable --now" writes the setting and loads or reloads the
         * module: the one command for when the configuration is what keeps
         * nested virtualization off. */
        if (g_strcmp0(status->persistent_nested, "invalid") == 0) {
                g_ptr_array_add(advice,
                                g_strdup_printf("%s sets a nested value that %s refuses: fix it with: "
                                                "nestedvirtctl enable --now",
                                                source, module));
                return;
        }
        if (g_strcmp0(status->persistent_nested, "disabled") == 0 && status->nested_enabled != 1) {
                g_ptr_array_add(advice, g_strdup_printf("nested virtualization is disabled by %s: enable it "
                                                        "with: nestedvirtctl enable --now",
                                                        source));
                return;
        }

        if (status->vendor_module_loaded == 0) {
                g_ptr_array_add(advice,
                                g_strdup_printf("%s is not loaded: load it with: nestedvirtctl reload "
                                                "(or as root: modprobe %s)",
                                                module, module));
                return;
        }

        if (status->reload_required == 1 && status->nested_enabled == 1)
                /* Reloading would turn it off: the user more likely wants
                 * to keep what works. */
                g_ptr_array_add(advice,
                                g_strdup_printf("nested virtualization is on now, but the next load "
                                                "of %s turns it off: keep it with: nestedvirtctl enable",
                                                module));
        else if (status->reload_required == 1)
                g_ptr_array_add(advice, g_strdup("the running value differs from the persistent one: stop "
                                                 "all VMs and run nestedvirtctl reload"));
        else if (status->nested_enabled == 0)
                /* Off now, and nothing configured that would turn it on. */
                g_ptr_array_add(advice, g_strdup("turn it on with: nestedvirtctl enable --now"));
}

void nvctl_status_format_text(const NvctlStatus *status, const GArray *domains, GString *out)
{
        g_autofree char *verdict = status_verdict(status);
        g_autoptr(GArray) fields = nvctl_fields_new();
        g_autoptr(GPtrArray) advice = g_ptr_array_new_with_free_func(g_free);

        g_string_append_printf(out, "%s\n", verdict);

        status_add_fields(status, domains, fields);
        if (fields->len > 0) {
                g_string_append_c(out, '\n');
                nvctl_fields_format(fields, out);
        }

        status_add_advice(status, advice);
        if (advice->len > 0)
                g_string_append_c(out, '\n');
        for (guint i = 0; i < advice->len; i++)
                g_string_append_printf(out, "Hint: %s\n", (const char *)g_ptr_array_index(advice, i));
}

int nvctl_status_fetch(sd_bus *bus, sd_bus_error *error, NvctlStatus *status)
{
        g_autoptr(sd_bus_message) call = NULL;
        g_autoptr(sd_bus_message) reply = NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &call, NV_BUS_NAME, NV_OBJECT_PATH, NV_INTERFACE,
                                           "GetStatus");
        if (r < 0)
                return r;
        r = sd_bus_call(NULL, call, 0, error, &reply);
        if (r < 0)
                return r;
        if (!sd_bus_message_has_signature(reply, "a{sv}"))
                return -EBADMSG;
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

int nvctl_status(const NvctlOptions *options, int argc, char **argv)
{
        g_autoptr(sd_bus) bus = NULL;
        g_auto(NvctlStatus) status = NVCTL_STATUS_INIT;
        g_autoptr(GArray) domains = NULL;
        g_autoptr(GString) text = g_string_new(NULL);
        int r;

        r = nvctl_connect(options, &bus);
        if (r != NVCTL_EXIT_SUCCESS)
                return r;
        r = nvctl_status_get(options, bus, &status);
        if (r != NVCTL_EXIT_SUCCESS)
                return r;

        /* --json is GetStatus() and nothing else: scripts that want the
         * domains have list-domains --json. */
        if (options->json) {
                g_autoptr(JsonNode) root = nvctl_status_to_json(&status);

                nvctl_print_json(root);
                return NVCTL_EXIT_SUCCESS;
        }

        /* Any failure (libvirt not installed or not reachable, a daemon
         * without ListDomains, a slow libvirt) only leaves the line out. */
        if (status.supported != 0)
                (void)nvctl_domains_list(bus, NVCTL_STATUS_DOMAINS_TIMEOUT_USEC, NULL, &domains);

        nvctl_status_format_text(&status, domains, text);
        fputs(text->str, stdout);
        return NVCTL_EXIT_SUCCESS;
}
