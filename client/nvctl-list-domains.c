/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nestedvirtctl list-domains: the libvirt domains, with the CPU mode of
 * their persistent definition and whether their guest gets vmx/svm to run
 * guests of its own (ListDomainsDetailed; by the CPU mode alone from an
 * older daemon that only has ListDomains), as a table or, with --json, as
 * an array of objects.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "nv-dbus.h"
#include "nvctl-common.h"
#include "nvctl-list-domains.h"
#include "nvctl-verbs.h"

/* How the table shows a domain without <cpu>. */
#define NO_CPU_MODE "-"

static void domain_clear(gpointer data)
{
        NvctlDomain *domain = data;

        g_clear_pointer(&domain->name, g_free);
        g_clear_pointer(&domain->uuid, g_free);
        g_clear_pointer(&domain->state, g_free);
        g_clear_pointer(&domain->cpu_mode, g_free);
        g_clear_pointer(&domain->nested, g_free);
        g_clear_pointer(&domain->nested_reason, g_free);
}

GArray *nvctl_domains_new(void)
{
        GArray *domains = g_array_new(FALSE, TRUE, sizeof(NvctlDomain));

        g_array_set_clear_func(domains, domain_clear);
        return domains;
}

/* host-model and host-passthrough pass the host's vmx or svm on to the
 * guest; these are the modes ConfigureDomain() sets. A custom model can
 * do so too with <feature name='vmx'/>, which the mode alone does not
 * tell, so it counts as not capable: configure-domain is the way to be
 * sure. */
gboolean nvctl_domain_is_nested_capable(const NvctlDomain *domain)
{
        return g_strcmp0(domain->cpu_mode, "host-model") == 0 ||
               g_strcmp0(domain->cpu_mode, "host-passthrough") == 0;
}

static gint domain_compare(gconstpointer a, gconstpointer b)
{
        const NvctlDomain *x = a, *y = b;

        return strcmp(x->name, y->name);
}

int nvctl_domains_read(sd_bus_message *reply, GArray **ret_domains)
{
        g_autoptr(GArray) domains = nvctl_domains_new();
        const char *name, *uuid, *state, *cpu_mode, *nested = NULL, *reason = NULL;
        gboolean detailed = sd_bus_message_has_signature(reply, "a(ssssss)");
        int r;

        r = sd_bus_message_enter_container(reply, 'a', detailed ? "(ssssss)" : "(ssss)");
        if (r < 0)
                return r;
        for (;;) {
                NvctlDomain domain = { 0 };

                if (detailed)
                        r = sd_bus_message_read(reply, "(ssssss)", &name, &uuid, &state, &cpu_mode, &nested,
                                                &reason);
                else
                        r = sd_bus_message_read(reply, "(ssss)", &name, &uuid, &state, &cpu_mode);
                if (r <= 0)
                        break;
                domain.name = g_strdup(name);
                domain.uuid = g_strdup(uuid);
                domain.state = g_strdup(state);
                domain.cpu_mode = g_strdup(cpu_mode);
                domain.nested = g_strdup(nested);
                domain.nested_reason = g_strdup(reason);
                g_array_append_val(domains, domain);
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(reply);
        if (r < 0)
                return r;

        /* libvirt lists running domains first, in no useful order. */
        g_array_sort(domains, domain_compare);
        *ret_domains = g_steal_pointer(&domains);
        return 0;
}

int nvctl_domains_list(sd_bus *bus, uint64_t timeout_usec, sd_bus_error *error, GArray **ret_domains)
{
        g_autoptr(sd_bus_message) reply = NULL;
        int r;

        r = nvctl_call_quietly(bus, "ListDomains", timeout_usec, "a(ssss)", error, &reply);
        if (r < 0)
                return r;
        return nvctl_domains_read(reply, ret_domains);
}

/* A table cell: a name is the guest's owner's choice (libvirt does not
 * refuse control characters), and a control or format character in it
 * would break the table's lines apart, reach the terminal as an escape
 * sequence (ESC, or CSI U+009B) or reorder what it shows (U+202E). */
static char *table_cell(const char *text)
{
        return nvctl_escape(text);
}

/* "yes", "no: REASON", "unknown: REASON". */
static char *nested_cell(const NvctlDomain *domain)
{
        g_autofree char *text = NULL;

        if (!domain->nested)
                return g_strdup(nvctl_domain_is_nested_capable(domain) ? "yes" : "no");
        if (g_str_equal(domain->nested, "yes") || !domain->nested_reason || !*domain->nested_reason)
                return table_cell(domain->nested);
        text = g_strdup_printf("%s: %s", domain->nested, domain->nested_reason);
        return table_cell(text);
}

static int text_width(const char *text)
{
        return (int)g_utf8_strlen(text, -1);
}

void nvctl_domains_format_table(const GArray *domains, GString *out)
{
        enum { COLUMN_NAME, COLUMN_UUID, COLUMN_STATE, COLUMN_CPU_MODE, COLUMN_NESTED, N_COLUMNS };
        static const char *const headers[N_COLUMNS] = { "NAME", "UUID", "STATE", "CPU-MODE", "NESTED" };
        g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func(g_free);
        int widths[N_COLUMNS];

        if (domains->len == 0) {
                g_string_append(out, "No libvirt domains.\n");
                return;
        }

        /* Row 0 is the header; cells are row-major. */
        for (guint column = 0; column < N_COLUMNS; column++)
                g_ptr_array_add(cells, g_strdup(headers[column]));
        for (guint i = 0; i < domains->len; i++) {
                const NvctlDomain *domain = &g_array_index(domains, NvctlDomain, i);

                g_ptr_array_add(cells, table_cell(domain->name));
                g_ptr_array_add(cells, table_cell(domain->uuid));
                g_ptr_array_add(cells, table_cell(domain->state));
                g_ptr_array_add(cells, table_cell(*domain->cpu_mode ? domain->cpu_mode : NO_CPU_MODE));
                g_ptr_array_add(cells, nested_cell(domain));
        }

        for (guint column = 0; column < N_COLUMNS; column++) {
                widths[column] = 0;
                for (guint row = 0; row <= domains->len; row++)
                        widths[column] = MAX(widths[column],
                                             text_width(g_ptr_array_index(cells, row * N_COLUMNS + column)));
        }

        for (guint row = 0; row <= domains->len; row++) {
                for (guint column = 0; column < N_COLUMNS; column++) {
                        const char *cell = g_ptr_array_index(cells, row * N_COLUMNS + column);

                        g_string_append(out, cell);
                        /* Pad by characters, not bytes; not after the
                         * last column, to leave no trailing blanks. */
                        if (column + 1 < N_COLUMNS)
                                g_string_append_printf(out, "%*s", widths[column] - text_width(cell) + 2,
                                                       "");
                }
                g_string_append_c(out, '\n');
        }
}

JsonNode *nvctl_domains_to_json(const GArray *domains)
{
        g_autoptr(JsonBuilder) builder = json_builder_new();

        json_builder_begin_array(builder);
        for (guint i = 0; i < domains->len; i++) {
                const NvctlDomain *domain = &g_array_index(domains, NvctlDomain, i);

                json_builder_begin_object(builder);
                json_builder_set_member_name(builder, "Name");
                json_builder_add_string_value(builder, domain->name);
                json_builder_set_member_name(builder, "Uuid");
                json_builder_add_string_value(builder, domain->uuid);
                json_builder_set_member_name(builder, "State");
                json_builder_add_string_value(builder, domain->state);
                json_builder_set_member_name(builder, "CpuMode");
                json_builder_add_string_value(builder, domain->cpu_mode);
                json_builder_set_member_name(builder, "NestedCapable");
                json_builder_add_boolean_value(builder, nvctl_domain_is_nested_capable(domain));
                if (domain->nested) {
                        json_builder_set_member_name(builder, "Nested");
                        json_builder_add_string_value(builder, domain->nested);
                        json_builder_set_member_name(builder, "NestedReason");
                        json_builder_add_string_value(builder, domain->nested_reason);
                }
                json_builder_end_object(builder);
        }
        json_builder_end_array(builder);
        return json_builder_get_root(builder);
}

int nvctl_list_domains(const NvctlOptions *options, int argc, char **argv)
{
        g_autoptr(sd_bus) bus = NULL;
        g_autoptr(sd_bus_message) call = NULL;
        g_autoptr(sd_bus_message) fallback = NULL;
        g_autoptr(sd_bus_message) reply = NULL;
        g_autoptr(GArray) domains = NULL;
        int r;

        r = nvctl_connect(options, &bus);
        if (r != NVCTL_EXIT_SUCCESS)
                return r;
        r = nvctl_new_method_call(bus, "ListDomainsDetailed", &call);
        if (r == NVCTL_EXIT_SUCCESS)
                r = nvctl_new_method_call(bus, "ListDomains", &fallback);
        if (r != NVCTL_EXIT_SUCCESS)
                return r;
        r = nvctl_call_with_fallback(options, call, fallback, "list the libvirt domains", &reply);
        if (r != NVCTL_EXIT_SUCCESS)
                return r;
        if (!sd_bus_message_has_signature(reply, "a(ssssss)")) {
                r = nvctl_expect_signature(reply, "ListDomains", "a(ssss)");
                if (r != NVCTL_EXIT_SUCCESS)
                        return r;
        }
        r = nvctl_domains_read(reply, &domains);
        if (r < 0)
                return nvctl_bad_reply("ListDomains", r);

        if (options->json) {
                g_autoptr(JsonNode) root = nvctl_domains_to_json(domains);

                nvctl_print_json(options, root);
        } else {
                g_autoptr(GString) text = g_string_new(NULL);

                nvctl_domains_format_table(domains, text);
                fputs(text->str, stdout);
        }
        return NVCTL_EXIT_SUCCESS;
}
