/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The window: one GDBusProxy for org.example.NestedVirt on the system bus
 * (DBUS_SYSTEM_BUS_ADDRESS is honoured), whose cached properties are the
 * only source of what is shown. The proxy keeps them current from
 * PropertiesChanged, so the window never polls; what a click changes shows
 * up when the service announces it, never because the click happened.
 *
 * The name's owner is watched: when the service goes away (an idle exit,
 * a crash, a stop), the window asks the bus to activate it again, and
 * shows "not available" only when that fails, until the name comes back.
 * A service that vanishes again right after it came is not restarted in a
 * loop.
 *
 * Every method call carries ALLOW_INTERACTIVE_AUTHORIZATION, so that the
 * desktop's polkit agent asks for a password; a dismissed prompt changes
 * nothing and is not reported as an error.
 *
 * ListDomains() has no change signal: it is called when the service
 * (re)appears, after a change of a domain, and on the refresh button.
 *
 * The top of the page is the state in plain words, from the short form of
 * the verdict (common/nv-summary.h), and its one action as a button; the
 * CLI's detailed words (module, value, file, /dev/kvm) are in the
 * "Technical Details" expander. A reload that has to wait for the virtual
 * machines to stop is asked of the service (ReloadModuleWhenIdle) and
 * shown from PendingReload until PendingReloadResult says how it ended.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "nv-dbus.h"
#include "nv-domain-row.h"
#include "nv-holder-row.h"
#include "nv-module-users.h"
#include "nv-properties.h"
#include "nv-settings-window.h"
#include "nv-summary.h"
#include "nv-util.h"
#include "nv-verdict.h"

/* A password prompt may stay open for as long as the user likes. */
#define CALL_TIMEOUT_MSEC G_MAXINT
/* A service that leaves sooner than this after it came is not activated
 * again by the window: something is wrong with it. */
#define REACTIVATE_MIN_LIFETIME_USEC (5 * G_USEC_PER_SEC)

struct _NvSettingsWindow {
        AdwApplicationWindow parent_instance;

        AdwToastOverlay *toasts;
        GtkStack *stack;
        GtkLabel *unavailable_details; /* the service and the bus's reason */
        AdwPreferencesPage *status_page;
        GtkImage *state_icon;
        GtkLabel *headline_label;
        GtkLabel *description_label;
        GtkButton *action_button;
        AdwActionRow *persistent_row;
        GtkSwitch *persistent_switch;
        AdwPreferencesGroup *holders_group;
        AdwExpanderRow *details_row;
        AdwActionRow *verdict_row;
        AdwActionRow *advice_row;
        AdwActionRow *last_change_row;
        AdwActionRow *device_row;
        AdwActionRow *vendor_row;
        AdwActionRow *cpu_row;
        AdwActionRow *vm_row;
        AdwActionRow *acceleration_row;
        AdwActionRow *kvm_row;
        AdwActionRow *module_row;
        AdwActionRow *persistent_source_row;
        AdwPreferencesGroup *domains_group;
        GtkButton *refresh_button;
        AdwActionRow *domains_status_row;

        GCancellable *cancellable;
        GDBusProxy *proxy;
        NvProperties props;
        gboolean have_props;
        gboolean shown_once;
        gint64 owner_since;    /* monotonic time the current owner appeared */
        gboolean reactivating; /* a StartServiceByName() of ours is running */
        char *unavailable_reason;

        guint n_calls;             /* method calls in flight, for sensitivity */
        NvSummaryAction action;    /* what action_button does */
        gboolean show_holders;     /* the last ReloadModule() found the module in use */
        GArray *holders;           /* NvModuleUser, from ListModuleUsers(); NULL: not asked */
        gboolean holders_asked;    /* a ListModuleUsers() call runs */
        GPtrArray *holder_rows;    /* in holders_group */
        GPtrArray *domain_rows;    /* in domains_group */
        GHashTable *domain_states; /* name -> libvirt's state, from ListDomains() */
        GHashTable *restart_due;   /* UUIDs whose change waits for a power-off */
        gboolean showing_switch;   /* the switch is set to the service's state */
};

G_DEFINE_FINAL_TYPE(NvSettingsWindow, nv_settings_window, ADW_TYPE_APPLICATION_WINDOW)

static void list_domains(NvSettingsWindow *self);

/* --- Errors ---------------------------------------------------------------- */

/* polkit's own words for a prompt the user closed. */
static gboolean error_is_dismissal(const GError *error)
{
        g_autofree char *name = g_dbus_error_get_remote_error(error);

        if (g_strcmp0(name, "org.freedesktop.PolicyKit1.Error.Cancelled") == 0)
                return TRUE;
        /* nestedvirtd reports a dismissed prompt as AccessDenied, saying so. */
        return g_strcmp0(name, "org.freedesktop.DBus.Error.AccessDenied") == 0 && error->message &&
               strstr(error->message, "dismissed");
}

static void show_toast(NvSettingsWindow *self, const char *text)
{
        g_autoptr(AdwToast) toast = adw_toast_new("");
        GtkWidget *label = gtk_label_new(text);

        /* The service's messages are sentences: let them wrap. */
        gtk_label_set_wrap(GTK_LABEL(label), TRUE);
        gtk_label_set_max_width_chars(GTK_LABEL(label), 50);
        gtk_label_set_xalign(GTK_LABEL(label), 0);
        adw_toast_set_custom_title(toast, label);
        adw_toast_set_timeout(toast, 10);
        adw_toast_set_priority(toast, ADW_TOAST_PRIORITY_HIGH);
        adw_toast_overlay_add_toast(self->toasts, g_steal_pointer(&toast));
}

/* The service's message for a failed call, as a toast; nothing for a
 * dismissed prompt or a window being closed. */
/* The service's message for a failed call: a toast in plain words, and
 * its own words (which name actions, modules, files and commands) one
 * level down, in the Technical Details; nothing for a dismissed prompt or
 * a window being closed. */
static void show_call_error(NvSettingsWindow *self, const GError *error)
{
        g_autoptr(GError) copy = NULL;
        g_autofree char *name = NULL;

        if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || error_is_dismissal(error))
                return;
        name = g_dbus_error_get_remote_error(error);
        copy = g_error_copy(error);
        g_dbus_error_strip_remote_error(copy);
        adw_action_row_set_subtitle(self->last_change_row, copy->message);
        gtk_widget_set_visible(GTK_WIDGET(self->last_change_row), TRUE);
        if (g_strcmp0(name, "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired") == 0)
                show_toast(self, _("Nothing was changed: it needs an administrator's password, and no "
                                   "authentication agent is running to ask for it"));
        else if (g_strcmp0(name, "org.freedesktop.DBus.Error.AccessDenied") == 0)
                show_toast(self, _("Nothing was changed: you are not allowed to change this"));
        else
                show_toast(self, _("The change could not be made; Technical Details say why"));
}

/* --- Showing the status ----------------------------------------------------- */

/* Only the page shown is visible, so that screen readers (and the tests)
 * do not find the words of the others in the accessibility tree, where
 * GTK 4.8 keeps a stack's hidden pages. */
static void show_page(NvSettingsWindow *self, const char *name)
{
        GtkWidget *page = gtk_stack_get_child_by_name(self->stack, name);

        for (GtkWidget *child = gtk_widget_get_first_child(GTK_WIDGET(self->stack)); child;
             child = gtk_widget_get_next_sibling(child))
                gtk_widget_set_visible(child, child == page);
        gtk_stack_set_visible_child(self->stack, page);
}

/* A fact: hidden while the service does not know it. */
static void set_subtitle(AdwActionRow *row, const char *text)
{
        gtk_widget_set_visible(GTK_WIDGET(row), text != NULL);
        adw_action_row_set_subtitle(row, text ? text : "");
}

static void clear_rows(AdwPreferencesGroup *group, GPtrArray *rows)
{
        for (guint i = 0; i < rows->len; i++)
                adw_preferences_group_remove(group, g_ptr_array_index(rows, i));
        g_ptr_array_set_size(rows, 0);
}

/* The details, one level down: the CLI's words, with proper names. */
static void show_host_facts(NvSettingsWindow *self)
{
        const NvProperties *p = &self->props;
        g_autofree char *cpu = NULL;
        g_autofree char *vm = NULL;
        g_autofree char *acceleration = nv_verdict_acceleration_text(p);
        g_autofree char *module = NULL;
        g_autofree char *persistent = NULL;
        g_autofree char *device = nv_verdict_kvm_device_text(p);
        g_autofree char *verdict = nv_verdict_text(p);
        g_autoptr(GPtrArray) advice = nv_verdict_advice(p);

        set_subtitle(self->verdict_row, verdict);
        g_ptr_array_add(advice, NULL);
        {
                g_autofree char *advice_text = g_strjoinv("\n", (char **)advice->pdata);

                set_subtitle(self->advice_row, *advice_text ? advice_text : NULL);
        }
        set_subtitle(self->vendor_row, nv_summary_cpu_vendor(p));
        if (p->hardware_virtualization >= 0 && nv_host_class(p) != NV_HOST_UNSUPPORTED)
                /* TRANSLATORS: "Available (vmx)"; %s is the CPU flag */
                cpu = g_strdup_printf(p->hardware_virtualization ? _("Available (%s)")
                                                                 : _("Not offered (no %s)"),
                                      nv_verdict_cpu_flag(p));
        set_subtitle(self->cpu_row, cpu);
        if (p->in_virtual_machine == 1)
                vm = g_strdup_printf(_("Yes, under %s"), nv_verdict_hypervisor(p));
        else if (p->in_virtual_machine == 0)
                vm = g_strdup(_("No"));
        set_subtitle(self->vm_row, vm);
        set_subtitle(self->acceleration_row, acceleration);

        if (p->kvm_builtin == 1)
                set_subtitle(self->kvm_row, _("Built into the kernel"));
        else if (p->kvm_loaded >= 0)
                set_subtitle(self->kvm_row, p->kvm_loaded ? _("Loaded") : _("Not loaded"));
        else
                set_subtitle(self->kvm_row, NULL);

        if (p->vendor_module && *p->vendor_module) {
                const char *state = _("unknown state");

                if (p->vendor_module_builtin == 1)
                        state = _("built into the kernel");
                else if (p->vendor_module_loaded == 1 && p->nested_parameter && *p->nested_parameter)
                        state = NULL;
                else if (p->vendor_module_loaded == 1)
                        state = _("loaded");
                else if (p->vendor_module_loaded == 0)
                        state = _("not loaded");
                module = state ? g_strdup_printf("%s (%s)", p->vendor_module, state)
                               /* TRANSLATORS: "kvm_intel (loaded, nested=Y)" */
                               : g_strdup_printf(_("%s (loaded, nested=%s)"), p->vendor_module,
                                                 p->nested_parameter);
        }
        set_subtitle(self->module_row, module);

        /* Supported is false wherever the service can change nothing;
         * whether a persistent setting means anything is the verdict's. */
        if (nv_verdict_persistent_applies(p))
                persistent = nv_verdict_persistent_text(p);
        set_subtitle(self->persistent_source_row, persistent);
        set_subtitle(self->device_row, device);
}

/* The switch shows what the summary says: the persistent setting when it
 * can change it, what runs when it cannot, and why. Showing it is not the
 * user flipping it, and calls nothing (gtk_switch_set_active() emits
 * ::state-set). */
static void show_switch(NvSettingsWindow *self, const NvSummary *summary)
{
        gboolean sensitive = !summary->switch_blocker && self->n_calls == 0;

        self->showing_switch = TRUE;
        gtk_switch_set_active(self->persistent_switch, summary->switch_active);
        gtk_switch_set_state(self->persistent_switch, summary->switch_active);
        self->showing_switch = FALSE;

        /* The switch too: screen readers see its own sensitivity only. */
        gtk_widget_set_sensitive(GTK_WIDGET(self->persistent_row), sensitive);
        gtk_widget_set_sensitive(GTK_WIDGET(self->persistent_switch), sensitive);
        adw_action_row_set_subtitle(self->persistent_row,
                                    summary->switch_blocker
                                            ? summary->switch_blocker
                                            : _("Lets virtual machines run virtual machines of their own"));
}

/* The state in plain words, and the one action that helps. */
static void show_headline(NvSettingsWindow *self, const NvSummary *summary)
{
        gtk_image_set_from_icon_name(self->state_icon, summary->icon_name);
        gtk_label_set_text(self->headline_label, summary->title);
        gtk_label_set_text(self->description_label, summary->description);
        self->action = summary->action;
        gtk_widget_set_visible(GTK_WIDGET(self->action_button), summary->action_label != NULL);
        if (summary->action_label)
                gtk_button_set_label(self->action_button, summary->action_label);
        gtk_widget_set_sensitive(GTK_WIDGET(self->action_button), self->n_calls == 0);
        /* Cancelling is no suggestion. */
        if (summary->action == NV_SUMMARY_ACTION_CANCEL_PENDING)
                gtk_widget_remove_css_class(GTK_WIDGET(self->action_button), "suggested-action");
        else
                gtk_widget_add_css_class(GTK_WIDGET(self->action_button), "suggested-action");
}

static void list_module_users(NvSettingsWindow *self);

/* After ModuleInUse: who holds the module, from ListModuleUsers(), asked
 * again whenever VendorModuleInUse changes: virtual machines by the name
 * their user gave them, other processes by their command. */
static void show_holders(NvSettingsWindow *self)
{
        const GArray *users = self->holders;
        NvVerdictState state = nv_verdict_state(&self->props);
        gboolean show = self->props.vendor_module_in_use == 1 &&
                        (self->show_holders || state == NV_VERDICT_RESTART_REQUIRED);

        clear_rows(self->holders_group, self->holder_rows);
        gtk_widget_set_visible(GTK_WIDGET(self->holders_group), show);
        if (!show)
                return;
        if (!self->holders_asked)
                list_module_users(self);

        adw_preferences_group_set_description(
                self->holders_group, !nv_str_empty(self->props.pending_reload)
                                             ? _("The change is applied as soon as these have stopped.")
                                             : _("The change can be applied once these have stopped."));
        for (guint i = 0; users && i < users->len; i++) {
                const NvModuleUser *user = &g_array_index(users, NvModuleUser, i);
                const char *machine_state =
                        user->machine ? g_hash_table_lookup(self->domain_states, user->machine) : NULL;
                GtkWidget *row = nv_holder_row_new(user->pid, user->command, user->machine, machine_state);

                adw_preferences_group_add(self->holders_group, row);
                g_ptr_array_add(self->holder_rows, row);
        }
}

static void show_status(NvSettingsWindow *self)
{
        g_auto(NvSummary) summary = { 0 };

        nv_summary_init(&summary, &self->props);
        show_headline(self, &summary);
        show_switch(self, &summary);
        for (guint i = 0; i < self->domain_rows->len; i++)
                gtk_widget_set_sensitive(g_ptr_array_index(self->domain_rows, i), self->n_calls == 0);
        show_holders(self);
        show_host_facts(self);
        /* Domains do not matter where the host cannot run nested guests. */
        gtk_widget_set_visible(GTK_WIDGET(self->domains_group),
                               nv_host_class(&self->props) != NV_HOST_UNSUPPORTED);
        show_page(self, "status");
        if (!self->shown_once) {
                /* bench/panel.sh times the start up to this line. */
                g_debug("Showing the service's status");
                self->shown_once = TRUE;
        }
}

static void show_unavailable(NvSettingsWindow *self)
{
        g_autofree char *details = NULL;

        /* For whoever has to fix it: which service, and the bus's words
         * (plain text, never markup). */
        if (self->unavailable_reason)
                /* Translators: the service's program and D-Bus name, then
                 * why it could not be started, in the bus's words. */
                details = g_strdup_printf(_("nestedvirtd (%s) could not be started: %s"), NV_BUS_NAME,
                                          self->unavailable_reason);
        else
                /* Translators: the service's program and D-Bus name. */
                details = g_strdup_printf(_("nestedvirtd (%s) is not running"), NV_BUS_NAME);
        gtk_label_set_text(self->unavailable_details, details);
        show_page(self, "unavailable");
}

/* Reads the proxy's cache into self->props: everything it shows. */
static void read_properties(NvSettingsWindow *self)
{
        NvProperties props = NV_PROPERTIES_INIT_UNKNOWN;
        gboolean any = FALSE;

        for (size_t i = 0; i < nv_n_properties; i++) {
                g_autoptr(GVariant) value =
                        g_dbus_proxy_get_cached_property(self->proxy, nv_property_info[i].name);

                /* A value of another type stays unknown, as in the CLI. */
                if (value && nv_property_set_variant(&nv_property_info[i], &props, value))
                        any = TRUE;
        }
        nv_properties_clear(&self->props);
        self->props = props;
        self->have_props = any;
}

/* Whether the service has its name now (a new string each time). */
static gboolean service_present(GDBusProxy *proxy)
{
        g_autofree char *owner = g_dbus_proxy_get_name_owner(proxy);

        return owner != NULL;
}

static void update(NvSettingsWindow *self)
{
        if (!service_present(self->proxy)) {
                if (!self->reactivating)
                        show_unavailable(self);
                return;
        }
        read_properties(self);
        if (self->have_props)
                show_status(self);
        else
                show_page(self, "loading");
}

/* --- The service coming and going --------------------------------------------- */

static void on_start_service_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
        g_autoptr(NvSettingsWindow) self = user_data;
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);

        if (!reply && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
                return;
        self->reactivating = FALSE;
        g_clear_pointer(&self->unavailable_reason, g_free);
        if (error) {
                g_dbus_error_strip_remote_error(error);
                self->unavailable_reason = g_strdup(error->message);
        }
        /* On success the owner is back already, or about to be: the
         * proxy announces it. */
        update(self);
}

static void on_name_owner(GObject *object, GParamSpec *pspec, gpointer user_data)
{
        NvSettingsWindow *self = user_data;
        g_autofree char *owner = g_dbus_proxy_get_name_owner(self->proxy);
        gboolean short_lived = g_get_monotonic_time() - self->owner_since < REACTIVATE_MIN_LIFETIME_USEC;

        if (owner) {
                self->owner_since = g_get_monotonic_time();
                self->reactivating = FALSE;
                update(self);
                list_domains(self);
                return;
        }

        /* A reload that waited went with the service. */
        if (!nv_str_empty(self->props.pending_reload)) {
                show_toast(self, _("The service stopped, so the change that waited for the virtual machines "
                                   "to stop will not be applied"));
                nv_properties_clear(&self->props);
                self->props = (NvProperties)NV_PROPERTIES_INIT_UNKNOWN;
        }

        /* The service left: an idle exit looks the same as a stop, so try
         * to bring it back (once) before saying it is not there. */
        g_clear_pointer(&self->unavailable_reason, g_free);
        if (!short_lived && !self->reactivating) {
                self->reactivating = TRUE;
                g_dbus_connection_call(g_dbus_proxy_get_connection(self->proxy), "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus", "StartServiceByName",
                                       g_variant_new("(su)", NV_BUS_NAME, 0), G_VARIANT_TYPE("(u)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, self->cancellable, on_start_service_done,
                                       g_object_ref(self));
                return;
        }
        update(self);
}

static void show_pending_result(NvSettingsWindow *self, const char *result)
{
        const char *failed = g_str_has_prefix(result, "failed: ") ? result + strlen("failed: ") : NULL;

        if (g_str_has_prefix(result, "applied: "))
                show_toast(self, _("The virtual machines stopped, and the change was applied"));
        else if (failed)
                show_toast(self, _("The change could not be applied; Technical Details say why"));
        /* The reason is the service's, in the CLI's words: one level down. */
        set_subtitle(self->last_change_row, failed);
}

static void on_properties_changed(GDBusProxy *proxy, GVariant *changed, GStrv invalidated,
                                  gpointer user_data)
{
        NvSettingsWindow *self = user_data;
        g_autoptr(GVariant) in_use = g_variant_lookup_value(changed, "VendorModuleInUse", NULL);
        const char *result = NULL;

        /* The holders are asked for again when the module's use changed. */
        if (in_use)
                self->holders_asked = FALSE;
        /* A reload that waited for the virtual machines ended. */
        if (g_variant_lookup(changed, "PendingReloadResult", "&s", &result))
                show_pending_result(self, result);
        update(self);
}

static void on_proxy_ready(GObject *source, GAsyncResult *res, gpointer user_data)
{
        g_autoptr(NvSettingsWindow) self = user_data;
        g_autoptr(GError) error = NULL;
        GDBusProxy *proxy = g_dbus_proxy_new_for_bus_finish(res, &error);

        if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
                return;
        if (!proxy) {
                /* No system bus at all: nothing will come back by itself. */
                self->unavailable_reason = g_strdup(error->message);
                show_unavailable(self);
                return;
        }

        self->proxy = proxy;
        g_signal_connect_object(proxy, "g-properties-changed", G_CALLBACK(on_properties_changed), self, 0);
        g_signal_connect_object(proxy, "notify::g-name-owner", G_CALLBACK(on_name_owner), self, 0);
        self->owner_since = g_get_monotonic_time();
        /* Created with auto-start: no owner means activation failed. */
        if (service_present(proxy))
                list_domains(self);
        else
                self->unavailable_reason = g_strdup(_("it is not installed, or failed to start"));
        update(self);
}

/* --- Calls --------------------------------------------------------------------- */

/* While a call runs, the controls that start one are insensitive. Only
 * sensitivity changes here: this runs inside the switch's state-set, where
 * setting the switch again would leave its accessible state behind. */
static void call_started(NvSettingsWindow *self)
{
        self->n_calls++;
        gtk_widget_set_sensitive(GTK_WIDGET(self->persistent_switch), FALSE);
        gtk_widget_set_sensitive(GTK_WIDGET(self->action_button), FALSE);
        for (guint i = 0; i < self->domain_rows->len; i++)
                gtk_widget_set_sensitive(g_ptr_array_index(self->domain_rows, i), FALSE);
}

static void call_finished(NvSettingsWindow *self)
{
        self->n_calls--;
        /* Whatever the reply: show the service's state again, which also
         * puts a switch the service did not follow back. */
        update(self);
}

static void call(NvSettingsWindow *self, const char *method, GVariant *parameters,
                 GAsyncReadyCallback callback)
{
        call_started(self);
        g_dbus_proxy_call(self->proxy, method, parameters, G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION,
                          CALL_TIMEOUT_MSEC, self->cancellable, callback, g_object_ref(self));
}

/* Finishes a call of ours; NULL (and a toast if it is worth one) on an
 * error. */
static GVariant *call_finish(NvSettingsWindow *self, GObject *source, GAsyncResult *res, GError **ret_error)
{
        g_autoptr(GError) error = NULL;
        GVariant *reply = g_dbus_proxy_call_finish(G_DBUS_PROXY(source), res, &error);

        if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
                return NULL; /* the window is gone */
        call_finished(self);
        if (!reply) {
                g_autofree char *name = g_dbus_error_get_remote_error(error);

                /* The page says it, and names the virtual machines. */
                if (g_strcmp0(name, NV_ERROR_MODULE_IN_USE) != 0)
                        show_call_error(self, error);
                if (ret_error)
                        *ret_error = g_steal_pointer(&error);
        }
        return reply;
}

static void on_call_done(GObject *source, GAsyncResult *res, gpointer user_data);

static gboolean on_switch_state_set(GtkSwitch *sw, gboolean state, NvSettingsWindow *self)
{
        /* Not handled: GtkSwitch takes @state, which is the service's. */
        if (self->showing_switch)
                return FALSE;
        call(self, "EnablePersistent", g_variant_new("(b)", state), on_call_done);
        /* The state stays what the service says until it says otherwise. */
        return TRUE;
}

static void on_reload_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
        g_autoptr(NvSettingsWindow) self = user_data;
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = call_finish(self, source, res, &error);
        g_autofree char *name = error ? g_dbus_error_get_remote_error(error) : NULL;

        if (g_strcmp0(name, NV_ERROR_MODULE_IN_USE) == 0) {
                /* A virtual machine started meanwhile: the page offers to
                 * wait for it, and names it. */
                self->show_holders = TRUE;
                self->holders_asked = FALSE;
                update(self);
                return;
        }
        if (!reply)
                return;
        self->show_holders = FALSE;
        show_toast(self, _("Change applied"));
        update(self);
}

/* Success shows through PropertiesChanged (PendingReload); a failure was
 * shown by call_finish(). */
static void on_call_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
        g_autoptr(NvSettingsWindow) self = user_data;
        g_autoptr(GVariant) reply = call_finish(self, source, res, NULL);

        (void)reply;
}

static void on_action_clicked(GtkButton *button, NvSettingsWindow *self)
{
        int nested = nv_verdict_persistent_value(&self->props);

        switch (self->action) {
        case NV_SUMMARY_ACTION_APPLY_NOW:
        case NV_SUMMARY_ACTION_LOAD:
                if (nested >= 0)
                        call(self, "ReloadModule", g_variant_new("(b)", nested), on_reload_done);
                break;
        case NV_SUMMARY_ACTION_APPLY_WHEN_IDLE:
                if (nested >= 0)
                        call(self, "ReloadModuleWhenIdle", g_variant_new("(b)", nested), on_call_done);
                break;
        case NV_SUMMARY_ACTION_CANCEL_PENDING:
                call(self, "CancelPendingReload", NULL, on_call_done);
                break;
        case NV_SUMMARY_ACTION_NONE:
                break;
        }
}

/* --- Domains -------------------------------------------------------------------- */

/* A ConfigureDomain() in flight: the row may be gone when it returns. */
typedef struct {
        NvSettingsWindow *self;
        char *uuid;
} ConfigureCall;

static void on_configure_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
        ConfigureCall *c = user_data;
        g_autoptr(NvSettingsWindow) self = c->self;
        g_autofree char *uuid = c->uuid;
        g_autoptr(GVariant) reply = NULL;
        gboolean restart = FALSE;

        g_free(c);
        reply = call_finish(self, source, res, NULL);
        if (reply) {
                g_variant_get(reply, "(b)", &restart);
                if (restart)
                        g_hash_table_add(self->restart_due, g_steal_pointer(&uuid));
        }
        if (g_cancellable_is_cancelled(self->cancellable))
                return;
        /* Shows the new mode, or puts the old one back after an error. */
        list_domains(self);
}

static void on_domain_mode_selected(NvDomainRow *row, const char *mode, NvSettingsWindow *self)
{
        ConfigureCall *c = g_new0(ConfigureCall, 1);

        c->self = g_object_ref(self);
        c->uuid = g_strdup(nv_domain_row_get_uuid(row));
        call_started(self);
        g_dbus_proxy_call(self->proxy, "ConfigureDomain", g_variant_new("(ss)", c->uuid, mode),
                          G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION, CALL_TIMEOUT_MSEC,
                          self->cancellable, on_configure_done, c);
}

static void show_domains_message(NvSettingsWindow *self, const char *title, const char *subtitle)
{
        gtk_widget_set_tooltip_text(GTK_WIDGET(self->domains_status_row), NULL);
        adw_preferences_row_set_title(ADW_PREFERENCES_ROW(self->domains_status_row), title ? title : "");
        adw_action_row_set_subtitle(self->domains_status_row, subtitle ? subtitle : "");
        gtk_widget_set_visible(GTK_WIDGET(self->domains_status_row), title != NULL);
}

static void on_list_domains_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
        g_autoptr(NvSettingsWindow) self = user_data;
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = g_dbus_proxy_call_finish(G_DBUS_PROXY(source), res, &error);
        g_autoptr(GVariantIter) iter = NULL;
        const char *name, *uuid, *state, *mode;

        if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
                return;
        gtk_widget_set_sensitive(GTK_WIDGET(self->refresh_button), TRUE);
        clear_rows(self->domains_group, self->domain_rows);
        if (!reply) {
                g_autofree char *error_name = g_dbus_error_get_remote_error(error);

                /* The service's message names a URI and sockets: one level
                 * down, in the tooltip. */
                g_dbus_error_strip_remote_error(error);
                show_domains_message(self, _("Virtual machines cannot be listed"),
                                     g_strcmp0(error_name, NV_ERROR_LIBVIRT_UNAVAILABLE) == 0
                                             ? _("The virtual machine manager (libvirt) is not running, or "
                                                 "cannot be reached.")
                                             : _("The service could not list them."));
                gtk_widget_set_tooltip_text(GTK_WIDGET(self->domains_status_row), error->message);
                return;
        }

        g_hash_table_remove_all(self->domain_states);
        g_variant_get(reply, "(a(ssss))", &iter);
        while (g_variant_iter_next(iter, "(&s&s&s&s)", &name, &uuid, &state, &mode)) {
                g_hash_table_insert(self->domain_states, g_strdup(name), g_strdup(state));
                GtkWidget *row = nv_domain_row_new(name, uuid, state, mode);

                nv_domain_row_set_restart_due(NV_DOMAIN_ROW(row),
                                              g_hash_table_contains(self->restart_due, uuid));
                gtk_widget_set_sensitive(row, self->n_calls == 0);
                g_signal_connect(row, "mode-selected", G_CALLBACK(on_domain_mode_selected), self);
                adw_preferences_group_add(self->domains_group, row);
                g_ptr_array_add(self->domain_rows, row);
        }
        show_domains_message(
                self, self->domain_rows->len == 0 ? _("No virtual machines are defined in libvirt") : NULL,
                NULL);
        /* The holders' states come from here. */
        if (self->holders)
                show_holders(self);
}

static void list_domains(NvSettingsWindow *self)
{
        if (!self->proxy)
                return;
        gtk_widget_set_sensitive(GTK_WIDGET(self->refresh_button), FALSE);
        g_dbus_proxy_call(self->proxy, "ListDomains", NULL, G_DBUS_CALL_FLAGS_NONE, -1, self->cancellable,
                          on_list_domains_done, g_object_ref(self));
}

static void on_module_users_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
        g_autoptr(NvSettingsWindow) self = user_data;
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = g_dbus_proxy_call_finish(G_DBUS_PROXY(source), res, &error);

        if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
                return;
        g_clear_pointer(&self->holders, g_array_unref);
        if (reply)
                self->holders = nv_module_users_from_variant(reply, NULL);
        else
                g_debug("ListModuleUsers failed: %s", error->message);
        show_holders(self);
}

static void list_module_users(NvSettingsWindow *self)
{
        self->holders_asked = TRUE;
        g_dbus_proxy_call(self->proxy, "ListModuleUsers", NULL, G_DBUS_CALL_FLAGS_NONE, -1,
                          self->cancellable, on_module_users_done, g_object_ref(self));
}

static void on_refresh_clicked(GtkButton *button, NvSettingsWindow *self)
{
        list_domains(self);
}

/* --- The object --------------------------------------------------------------------- */

static void nv_settings_window_dispose(GObject *object)
{
        NvSettingsWindow *self = NV_SETTINGS_WINDOW(object);

        g_cancellable_cancel(self->cancellable);
        g_clear_object(&self->proxy);
        G_OBJECT_CLASS(nv_settings_window_parent_class)->dispose(object);
}

static void nv_settings_window_finalize(GObject *object)
{
        NvSettingsWindow *self = NV_SETTINGS_WINDOW(object);

        nv_properties_clear(&self->props);
        g_clear_object(&self->cancellable);
        g_clear_pointer(&self->unavailable_reason, g_free);
        g_clear_pointer(&self->holder_rows, g_ptr_array_unref);
        g_clear_pointer(&self->holders, g_array_unref);
        g_clear_pointer(&self->domain_rows, g_ptr_array_unref);
        g_clear_pointer(&self->restart_due, g_hash_table_unref);
        g_clear_pointer(&self->domain_states, g_hash_table_unref);
        G_OBJECT_CLASS(nv_settings_window_parent_class)->finalize(object);
}

static void nv_settings_window_class_init(NvSettingsWindowClass *klass)
{
        GObjectClass *object_class = G_OBJECT_CLASS(klass);
        GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

        object_class->dispose = nv_settings_window_dispose;
        object_class->finalize = nv_settings_window_finalize;

        gtk_widget_class_set_template_from_resource(
                widget_class, "/org/example/NestedVirt/Settings/nv-settings-window.ui");
#define BIND(name) gtk_widget_class_bind_template_child(widget_class, NvSettingsWindow, name)
        BIND(toasts);
        BIND(stack);
        BIND(unavailable_details);
        BIND(status_page);
        BIND(state_icon);
        BIND(headline_label);
        BIND(description_label);
        BIND(action_button);
        BIND(persistent_row);
        BIND(persistent_switch);
        BIND(holders_group);
        BIND(details_row);
        BIND(verdict_row);
        BIND(advice_row);
        BIND(last_change_row);
        BIND(device_row);
        BIND(vendor_row);
        BIND(cpu_row);
        BIND(vm_row);
        BIND(acceleration_row);
        BIND(kvm_row);
        BIND(module_row);
        BIND(persistent_source_row);
        BIND(domains_group);
        BIND(refresh_button);
        BIND(domains_status_row);
#undef BIND
        gtk_widget_class_bind_template_callback(widget_class, on_switch_state_set);
        gtk_widget_class_bind_template_callback(widget_class, on_action_clicked);
        gtk_widget_class_bind_template_callback(widget_class, on_refresh_clicked);
}

static void nv_settings_window_init(NvSettingsWindow *self)
{
        gtk_widget_init_template(GTK_WIDGET(self));

        self->props = (NvProperties)NV_PROPERTIES_INIT_UNKNOWN;
        self->cancellable = g_cancellable_new();
        self->holder_rows = g_ptr_array_new();
        self->domain_rows = g_ptr_array_new();
        self->restart_due = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        self->domain_states = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

        /* Screen readers: the icon-only button says what it does (the
         * switch is labelled by its row's title, the row being its
         * activatable widget's). */
        gtk_accessible_update_property(GTK_ACCESSIBLE(self->refresh_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       _("Refresh the list of virtual machines"), -1);

        show_page(self, "loading");
        /* Auto-start on: D-Bus activation starts the service if it is not
         * running. */
        g_dbus_proxy_new_for_bus(G_BUS_TYPE_SYSTEM, G_DBUS_PROXY_FLAGS_NONE, NULL, NV_BUS_NAME,
                                 NV_OBJECT_PATH, NV_INTERFACE, self->cancellable, on_proxy_ready,
                                 g_object_ref(self));
}

NvSettingsWindow *nv_settings_window_new(AdwApplication *app)
{
        return g_object_new(NV_TYPE_SETTINGS_WINDOW, "application", app, NULL);
}
