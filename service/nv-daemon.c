/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nestedvirtd's bus object: the Context that holds the daemon's state, the
 * method and property handlers, and the vtable below them, which reads
 * like the API's table of contents (interfaces/org.example.NestedVirt.xml
 * documents it); last, the start, which wires the parts together, and the
 * run, which ends as nv-lifetime.h says. The properties are the lines of NV_PROPERTIES()
 * (common/nv-properties.h); their values go on the wire through
 * nv-status-bus.h.
 *
 * The status costs a few small file reads, read at most once per incoming
 * message and announced when it changes (nv-host-status.h); what needs a
 * scan of every process (who holds /dev/kvm) is a method,
 * ListModuleUsers() (nv-holders.h).
 *
 * What may block runs in a worker: the holders' scan (nv-holders.h),
 * libvirt (nv-domain-jobs.h) and the unload and load of ReloadModule
 * (nv-reload-queue.h, and nv-reload-when-idle.h for the reload that waits
 * for the module to be free). Their checks and authorization run here
 * first.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "nv-auth.h"
#include "nv-bus-error.h"
#include "nv-call-queue.h"
#include "nv-daemon.h"
#include "nv-dbus.h"
#include "nv-domain-jobs.h"
#include "nv-holders.h"
#include "nv-host-status.h"
#include "nv-lifetime.h"
#include "nv-persistent.h"
#include "nv-printable.h"
#include "nv-reload-queue.h"
#include "nv-reload-when-idle.h"
#include "nv-sd-bus.h"
#include "nv-status-bus.h"

/* libvirt accepts long names, but nothing sane is longer than this. */
#define NV_DOMAIN_ARG_MAX 1024

typedef struct {
        NvHostStatus *status;
        NvHost *host; /* the status's */
        NvKernelNewFunc kernel_new;
        NvKernel *kernel; /* created at the first module change */
        NvHolders *holders;
        NvReloadQueue *reloads;
        NvReloadWhenIdle *when_idle;
        NvDomainJobs *domains;

        sd_event *event;
        sd_bus *bus;
        NvCallQueue *calls;
        NvAuth *auth;
        NvLifetime *life;
        const char *root; /* the options' */
} Context;

static void context_clear(Context *c)
{
        /* What waits for a worker first: the replies go out on the bus. The
         * reload queue forgets what it asked of the holders' scan. */
        g_clear_pointer(&c->reloads, nv_reload_queue_free);
        g_clear_pointer(&c->when_idle, nv_reload_when_idle_free);
        g_clear_pointer(&c->holders, nv_holders_free);
        g_clear_pointer(&c->domains, nv_domain_jobs_free);
        g_clear_pointer(&c->life, nv_lifetime_free);
        g_clear_pointer(&c->auth, nv_auth_free);
        g_clear_pointer(&c->calls, nv_call_queue_free);
        c->bus = sd_bus_flush_close_unref(c->bus);
        c->event = sd_event_unref(c->event);
        g_clear_pointer(&c->kernel, nv_kernel_free);
        c->host = NULL;
        g_clear_pointer(&c->status, nv_host_status_free);
}

static int method_get_status(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Context *c = userdata;
        g_autoptr(sd_bus_message) reply = NULL;
        int r;

        r = nv_auth_verify(c->auth, m, error);
        if (r <= 0)
                return r;

        nv_host_status_refresh_for_call(c->status, NULL);
        r = sd_bus_message_new_method_return(m, &reply);
        if (r < 0)
                return r;
        r = nv_status_append_all(reply, nv_host_status_get(c->status));
        if (r < 0)
                return r;

        return sd_bus_send(NULL, reply, NULL);
}

/* A ListModuleUsers() call waiting for the holders' scan. */
static void on_module_users(const NvHoldersResult *result, gpointer user_data)
{
        g_autoptr(sd_bus_message) m = user_data;
        g_autoptr(sd_bus_message) reply = NULL;
        int r;

        if (!result->users)
                r = sd_bus_reply_method_errorf(m, NV_ERROR_FAILED,
                                               "Could not find out which processes hold /dev/kvm: %s",
                                               result->error->message);
        else if ((r = sd_bus_message_new_method_return(m, &reply)) >= 0 &&
                 (r = nv_module_users_append(reply, result->users, result->n_unexamined)) >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        if (r < 0)
                g_warning("Failed to answer ListModuleUsers: %s", g_strerror(-r));
}

static int method_list_module_users(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Context *c = userdata;
        g_auto(NvHostFacts) facts = { 0 };
        g_autoptr(sd_bus_message) reply = NULL;
        int r;

        r = nv_auth_verify(c->auth, m, error);
        if (r <= 0)
                return r;

        /* Nobody to look for (no /dev/kvm, or a loaded vendor module that
         * nothing references): no scan. */
        nv_host_status_refresh_for_call(c->status, &facts);
        if (!facts.module_users_possible) {
                r = sd_bus_message_new_method_return(m, &reply);
                if (r >= 0)
                        r = nv_module_users_append(reply, NULL, 0);
                if (r < 0)
                        return r;
                return sd_bus_send(NULL, reply, NULL);
        }
        nv_holders_get(c->holders, nv_holders_not_before(c->holders), on_module_users,
                       sd_bus_message_ref(m));
        return 1; /* answered by on_module_users() */
}

/* Refuses what no authorization could make possible on this host, before
 * anything is asked or changed: the host class decides (nv-status.h), and
 * s390's kvm with hpage=1 cannot nest (@reload: for ReloadModule()). */
static int check_supported(Context *c, gboolean enable, gboolean reload, sd_bus_error *error)
{
        const NvStatus *status = nv_host_status_get(c->status);
        g_autofree char *refusal = nv_status_refusal(status);

        if (!refusal && enable)
                refusal = nv_status_hpage_refusal(status, reload);
        if (refusal)
                return sd_bus_error_set(error, NV_ERROR_NOT_SUPPORTED, refusal);
        if (status->vendor_module_builtin)
                return sd_bus_error_setf(
                        error, NV_ERROR_MODULE_BUILTIN,
                        "%s is built into the kernel, so modprobe.d and reloading do not apply "
                        "to it: add %s.nested=%d to the kernel command line and reboot.",
                        status->vendor_module, status->vendor_module, enable ? 1 : 0);
        return 0;
}

static int method_enable_persistent(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Context *c = userdata;
        g_auto(NvPersistentEdit) edit = { 0 };
        g_autoptr(GError) gerror = NULL;
        int enable, r;

        r = sd_bus_message_read(m, "b", &enable);
        if (r < 0)
                return r;

        /* What gets written rests on the files as they are now, not on
         * the cache: their inotify events may still be queued behind
         * this call. */
        nv_host_invalidate_config(c->host);
        nv_host_status_refresh(c->status, NULL);
        r = check_supported(c, enable, FALSE, error);
        if (r < 0)
                return r;
        if (!nv_persistent_edit_prepare(c->host, nv_host_status_get(c->status), enable, &edit, &gerror))
                return nv_bus_error_set_gerror(error, gerror);

        /* Already so: nothing to authorize. (This also runs when polkit's
         * answer comes back and someone made the same change meanwhile.) */
        if (!edit.changed)
                return sd_bus_reply_method_return(m, "s", NV_CONFIG_PATH);

        r = nv_auth_verify(c->auth, m, error);
        if (r <= 0)
                return r == 0 ? 1 : r;

        if (!nv_persistent_edit_write(&edit, &gerror))
                return nv_bus_error_set_gerror(error, gerror);
        nv_host_invalidate_config(c->host);
        nv_host_status_refresh(c->status, NULL);

        return sd_bus_reply_method_return(m, "s", NV_CONFIG_PATH);
}

/* The reload queue's read of the host: fresh, the modules read again,
 * since their uevents may still be queued behind a change. */
static void reload_read_facts(NvHostFacts *ret, gpointer user_data)
{
        Context *c = user_data;

        nv_host_invalidate_modules(c->host);
        nv_host_status_refresh(c->status, ret);
}

static void reload_done(gpointer user_data)
{
        Context *c = user_data;

        nv_lifetime_touch(c->life);
}

/* The kernel interface, made at the first module change. */
static int context_ensure_kernel(Context *c, sd_bus_error *error)
{
        g_autoptr(GError) gerror = NULL;
        g_autofree char *root = NULL;

        if (c->kernel)
                return 0;
        root = nv_host_path(c->host, "/");
        c->kernel = c->kernel_new(root, &gerror);
        if (!c->kernel) {
                g_prefix_error(&gerror, "Cannot load modules: ");
                return nv_bus_error_set_gerror_named(error, NV_ERROR_NOT_SUPPORTED, gerror);
        }
        return 0;
}

/* What ReloadModule() and ReloadModuleWhenIdle() share: the argument, the
 * refusals, the authorization and the kernel. > 0 to go on with
 * @ret_nested; 0 when polkit's answer re-dispatches the call (the handler
 * returns 1); < 0 for an error. */
static int reload_prepare(Context *c, sd_bus_message *m, int *ret_nested, sd_bus_error *error)
{
        int r;

        r = sd_bus_message_read(m, "b", ret_nested);
        if (r < 0)
                return r;

        /* The refusals rest on the host as it is now: a module file may
         * have gone since the last read. */
        nv_host_status_refresh_for_call(c->status, NULL);
        r = check_supported(c, *ret_nested, TRUE, error);
        if (r < 0)
                return r;

        r = nv_auth_verify(c->auth, m, error);
        if (r <= 0)
                return r;

        r = context_ensure_kernel(c, error);
        return r < 0 ? r : 1;
}

static int method_reload_module(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Context *c = userdata;
        int nested, r;

        r = reload_prepare(c, m, &nested, error);
        if (r <= 0)
                return r == 0 ? 1 : r;
        nv_reload_queue_push(c->reloads, m, c->kernel, nv_host_vendor_module(c->host), nested);
        return 1; /* answered by the queue */
}

static void when_idle_changed(gpointer user_data)
{
        Context *c = user_data;

        nv_host_status_set_pending_reload(c->status, nv_reload_when_idle_get_pending(c->when_idle),
                                          nv_reload_when_idle_get_result(c->when_idle));
        nv_lifetime_touch(c->life);
}

/* ReloadModule()'s checks and authorization, now; the reload itself once
 * nothing holds the module (nv-reload-when-idle.h). */
static int method_reload_module_when_idle(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Context *c = userdata;
        int nested, r;

        r = reload_prepare(c, m, &nested, error);
        if (r <= 0)
                return r == 0 ? 1 : r;
        nv_reload_when_idle_request(c->when_idle, c->kernel, nv_host_vendor_module(c->host), nested);
        return sd_bus_reply_method_return(m, "");
}

static int method_cancel_pending_reload(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Context *c = userdata;
        int r;

        /* Nothing waits: nothing to authorize. */
        if (!nv_reload_when_idle_is_busy(c->when_idle))
                return sd_bus_reply_method_return(m, "b", FALSE);

        r = nv_auth_verify(c->auth, m, error);
        if (r <= 0)
                return r == 0 ? 1 : r;

        return sd_bus_reply_method_return(m, "b", nv_reload_when_idle_cancel(c->when_idle));
}

/* Counted in characters, as the error message says, and refusing C1
 * controls (U+0085 is a line break too) as well as ASCII ones; sd-bus has
 * already checked that @domain is UTF-8. */
static gboolean domain_arg_valid(const char *domain)
{
        glong n_chars = 0;

        for (const char *p = domain; *p; p = g_utf8_next_char(p))
                if (g_unichar_iscntrl(g_utf8_get_char(p)) || ++n_chars > NV_DOMAIN_ARG_MAX)
                        return FALSE;
        return n_chars > 0;
}

static int method_configure_domain(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Context *c = userdata;
        const char *domain, *mode_string;
        NvCpuMode mode;
        int r;

        r = sd_bus_message_read(m, "ss", &domain, &mode_string);
        if (r < 0)
                return r;

        if (!domain_arg_valid(domain))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Invalid domain argument: give a domain name or UUID of 1 to %d "
                                         "characters without control characters.",
                                         NV_DOMAIN_ARG_MAX);
        if (!nv_cpu_mode_from_string(mode_string, &mode)) {
                g_autofree char *shown = nv_printable(mode_string, 64);

                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Invalid CPU mode '%s': use host-model or host-passthrough.",
                                         shown);
        }

        r = nv_auth_verify(c->auth, m, error);
        if (r <= 0)
                return r == 0 ? 1 : r;

        return nv_domain_jobs_configure(c->domains, m, domain, mode, error);
}

static int method_list_domains(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Context *c = userdata;
        int r;

        r = nv_auth_verify(c->auth, m, error);
        if (r <= 0)
                return r;

        return nv_domain_jobs_list(c->domains, m, NULL, error);
}

static int method_list_domains_detailed(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Context *c = userdata;
        g_autofree char *host_reason = NULL;
        const NvStatus *status;
        NvNestingHost nesting = { 0 };
        int r;

        r = nv_auth_verify(c->auth, m, error);
        if (r <= 0)
                return r;

        /* What KVM here can pass on, as of now: the worker must not
         * touch the Context. */
        nv_host_status_refresh_for_call(c->status, NULL);
        status = nv_host_status_get(c->status);
        nesting.flag = nv_virtualization_flag(status->cpu_vendor);
        nesting.host =
                nv_nesting_host_judge(nesting.flag, status->hardware_virtualization,
                                      *status->vendor_module ? status->vendor_module : NULL,
                                      status->vendor_module_loaded, status->nested_enabled, &host_reason);
        nesting.host_reason = host_reason;
        return nv_domain_jobs_list(c->domains, m, &nesting, error);
}

static int property_get(sd_bus *bus, const char *path, const char *interface, const char *property,
                        sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        Context *c = userdata;
        const NvPropertyInfo *info = nv_property_info_find(property);

        g_assert(info);
        nv_host_status_refresh_for_call(c->status, NULL);
        return nv_status_append_value(reply, info, nv_host_status_get(c->status));
}

/* Every call counts as activity, whatever it is for. */
static int filter_incoming(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Context *c = userdata;

        if (!sd_bus_message_is_method_call(m, NULL, NULL))
                return 0;
        /* Back from polkit: counted and given its turn the first time. */
        if (nv_auth_is_resuming(c->auth, m))
                return 0;
        nv_lifetime_touch(c->life);
        /* Its connection's turn comes later: taken for now. */
        if (nv_call_queue_take(c->calls, m))
                return 1;
        nv_host_status_count_call(c->status);
        return 0;
}

static gboolean context_is_busy(gpointer user_data)
{
        Context *c = user_data;

        /* Someone may be typing a password right now, libvirt be working
         * on a call, the kernel be loading a module, or a reload wait for
         * the module to be free. */
        return nv_call_queue_get_n_waiting(c->calls) > 0 || nv_auth_get_n_pending(c->auth) > 0 ||
               nv_domain_jobs_get_n_pending(c->domains) > 0 || nv_holders_is_busy(c->holders) ||
               nv_reload_queue_is_busy(c->reloads) || nv_reload_when_idle_is_busy(c->when_idle);
}

#define NV_PROPERTY_FLAGS_CONST        SD_BUS_VTABLE_PROPERTY_CONST
#define NV_PROPERTY_FLAGS_EMITS_CHANGE SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE
#define NV_VTABLE_PROPERTY(name, field, kind, change) \
        SD_BUS_PROPERTY(#name, NV_PROPERTY_SIGNATURE_##kind, property_get, 0, NV_PROPERTY_FLAGS_##change),

static const sd_bus_vtable nestedvirt_vtable[] = {
        SD_BUS_VTABLE_START(0),

        SD_BUS_METHOD_WITH_ARGS("GetStatus", SD_BUS_NO_ARGS, SD_BUS_RESULT("a{sv}", status),
                                method_get_status, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListModuleUsers", SD_BUS_NO_ARGS,
                                SD_BUS_RESULT("a(uuss)", users, "u", unexamined), method_list_module_users,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("EnablePersistent", SD_BUS_ARGS("b", enable), SD_BUS_RESULT("s", file),
                                method_enable_persistent, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ReloadModule", SD_BUS_ARGS("b", nested), SD_BUS_RESULT("s", value),
                                method_reload_module, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ReloadModuleWhenIdle", SD_BUS_ARGS("b", nested), SD_BUS_NO_RESULT,
                                method_reload_module_when_idle, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("CancelPendingReload", SD_BUS_NO_ARGS, SD_BUS_RESULT("b", cancelled),
                                method_cancel_pending_reload, SD_BUS_VTABLE_UNPRIVILEGED),

        SD_BUS_METHOD_WITH_ARGS("ConfigureDomain", SD_BUS_ARGS("s", domain, "s", cpu_mode),
                                SD_BUS_RESULT("b", restart_required), method_configure_domain,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListDomains", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(ssss)", domains),
                                method_list_domains, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListDomainsDetailed", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(ssssss)", domains),
                                method_list_domains_detailed, SD_BUS_VTABLE_UNPRIVILEGED),

        /* One per line of NV_PROPERTIES(), all read by property_get().
         * (clang-format takes the expansion for an unfinished expression.) */
        /* clang-format off */
        NV_PROPERTIES(NV_VTABLE_PROPERTY)

        SD_BUS_VTABLE_END
        /* clang-format on */
};
#undef NV_VTABLE_PROPERTY

/* The bus's answer to our request for the name: the run goes on once it
 * is ours, and ends when the bus refuses it (another owner, its policy). */
static int on_name_requested(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        Context *c = userdata;
        const sd_bus_error *error = sd_bus_message_get_error(m);
        uint32_t reply = 0;
        int r;

        r = error ? -sd_bus_error_get_errno(error) : sd_bus_message_read(m, "u", &reply);
        /* 1: DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER; 3 (exists) and 2 (in
         * the queue, which sd-bus does not ask for) are refusals. */
        if (r >= 0 && reply != 1)
                r = -EEXIST;
        if (r < 0) {
                g_warning("Failed to acquire %s on the system bus: %s", NV_BUS_NAME,
                          error ? error->message : g_strerror(-r));
                nv_lifetime_end(c->life, 1);
                return 0;
        }
        g_message("nestedvirtd %s serving %s (root %s)", PACKAGE_VERSION, NV_BUS_NAME, c->root);
        return 0;
}

static int context_start(Context *c, const NvDaemonOptions *options)
{
        g_autofree char *proc = NULL;
        g_autofree char *socket_path = NULL;
        int r;

        /* Before the first thread (modprobe.d is read in one). */
        r = nv_lifetime_prepare_process();
        if (r < 0)
                return r;
        c->root = options->root;
        r = sd_event_new(&c->event);
        if (r < 0)
                return r;
        c->life = nv_lifetime_new(c->event);

        /* First the bus: it authenticates us while we read the host. */
        r = nv_sd_bus_open_system_without_fds(&c->bus);
        if (r < 0) {
                g_warning("Failed to connect to the system bus: %s", g_strerror(-r));
                return r;
        }

        c->kernel_new = options->kernel_new;
        c->status = nv_host_status_new(options->root);
        c->host = nv_host_status_get_host(c->status);
        nv_host_status_watch(c->status, c->event);
        /* A crash in the middle of a write leaves its temporary file:
         * removed while the thread reads a large modprobe.d (a removal
         * seen by the watch only makes it read again). */
        nv_persistent_remove_stale(c->host);

        /* The status as of the start, which PropertiesChanged is measured
         * against: read once the host is watched, and before the name is
         * asked for, so that whoever sees the name and then changes the
         * host is told (meanwhile a thread has read a large modprobe.d). */
        nv_host_status_refresh(c->status, NULL);

        /* The name, without waiting: the bus greets us and gives us the
         * name on its side while we set up the rest, and a call that
         * activated us waits in the socket until the loop runs, when all
         * below is in place. */
        r = sd_bus_request_name_async(c->bus, NULL, NV_BUS_NAME, 0, on_name_requested, c);
        if (r < 0) {
                g_warning("Failed to ask for %s on the system bus: %s", NV_BUS_NAME, g_strerror(-r));
                return r;
        }
        nv_sd_bus_advance_start(c->bus);

        c->domains = nv_domain_jobs_new(options->libvirt_uri, options->libvirt_timeout_msec);
        proc = nv_host_path(c->host, "/proc");
        socket_path = nv_holders_socket_path(nv_host_is_real(c->host));
        c->holders = nv_holders_new(
                proc, socket_path, nv_host_is_real(c->host) ? NV_KVM_USERS_SCAN_CHECK_DEVICE : 0,
                (gint64)options->kvm_users_max_age_usec, options->kvm_users_max_age_fixed);
        c->reloads = nv_reload_queue_new(c->holders, reload_read_facts, reload_done, c);
        c->when_idle = nv_reload_when_idle_new(c->event, c->reloads, options->when_idle_poll_msec,
                                               reload_read_facts, when_idle_changed, c);

        c->auth = nv_auth_new(c->bus);
        c->calls = nv_call_queue_new(c->bus, c->event, options->user_calls_per_sec);
        nv_host_status_set_bus(c->status, c->bus);
        r = sd_bus_add_filter(c->bus, NULL, filter_incoming, c);
        if (r < 0)
                return r;
        r = sd_bus_add_object_vtable(c->bus, NULL, NV_OBJECT_PATH, NV_INTERFACE, nestedvirt_vtable, c);
        if (r < 0)
                return r;
        r = nv_lifetime_watch(c->life, c->bus, NV_BUS_NAME, (guint64)options->idle_timeout * G_USEC_PER_SEC,
                              context_is_busy, c);
        if (r < 0)
                return r;
        return sd_bus_attach_event(c->bus, c->event, SD_EVENT_PRIORITY_NORMAL);
}

int nv_daemon_run(const NvDaemonOptions *options)
{
        Context c = { 0 };
        int r;

        r = context_start(&c, options);
        if (r < 0) {
                g_warning("Failed to start: %s", g_strerror(-r));
                context_clear(&c);
                return 1;
        }

        r = nv_lifetime_run(c.life);
        context_clear(&c);
        return r;
}
