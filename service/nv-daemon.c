/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nestedvirtd's bus object: the Context that holds the daemon's state, the
 * method and property handlers, and the vtable at the bottom, which reads
 * like the API's table of contents (interfaces/org.example.NestedVirt.xml
 * documents it).
 *
 * How the exported status stays true: the host is read when a call that
 * returns status arrives (GetStatus, Properties.Get/GetAll), once per
 * message, by a bus filter that runs before the handler. A change found
 * then is announced with PropertiesChanged for exactly the properties that
 * differ. Two sources of change are watched without polling, so a panel
 * that only listens still learns of them: kernel module uevents (a module
 * loaded or unloaded; real host only) and inotify on the modprobe.d
 * directories. What an event source covers is kept between reads until
 * it fires (nv_host_watch_modules(), nv_host_invalidate_config()); on a
 * --root tree, which sends no uevents, the modules are read each time.
 * Who holds /dev/kvm has no event to watch; it is read on each call.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>

#include <libudev.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "nv-auth.h"
#include "nv-daemon.h"
#include "nv-dbus.h"
#include "nv-file.h"
#include "nv-host.h"
#include "nv-libvirt.h"
#include "nv-loop.h"
#include "nv-modprobe.h"
#include "nv-reload.h"

/* The one file the daemon writes, in the first modprobe.d directory so that
 * no same-named file hides it. */
#define NV_CONFIG_DIR  "/etc/modprobe.d"
#define NV_CONFIG_NAME "kvm.conf"
#define NV_CONFIG_PATH NV_CONFIG_DIR "/" NV_CONFIG_NAME
#define NV_CONFIG_MAX  (1024 * 1024)

/* libvirt accepts long names, but nothing sane is longer than this. */
#define NV_DOMAIN_ARG_MAX 1024

G_DEFINE_AUTOPTR_CLEANUP_FUNC(sd_bus, sd_bus_flush_close_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sd_bus_message, sd_bus_message_unref)

typedef struct {
        NvHost *host;
        NvStatus status;
        NvKernelNewFunc kernel_new;
        NvKernel *kernel; /* created at the first module change */
        char *libvirt_uri;
        NvLibvirt *libvirt;       /* created at the first domain call */
        GThreadPool *domain_pool; /* DomainJob, one at a time */
        guint n_domain_jobs;      /* pushed and not yet answered */

        sd_event *event;
        sd_bus *bus;
        NvAuth *auth;
        GMainLoop *loop;
        int exit_status;

        guint64 idle_usec;
        sd_event_source *idle_source;

        struct udev *udev; /* libudev's context of monitor */
        struct udev_monitor *monitor;
        sd_event_source *monitor_source;
        GPtrArray *config_watches; /* sd_event_source, inotify */
        gboolean config_unwatched; /* a directory could not be watched */
        sd_event_source *rewatch_source;
} Context;

typedef struct {
        Context *context;
        gboolean parent; /* watches the parent of a missing modprobe.d */
} ConfigWatch;

static void context_finish_domain_jobs(Context *c);
static void context_unwatch_modules(Context *c);

static void context_clear(Context *c)
{
        context_finish_domain_jobs(c);
        g_clear_pointer(&c->config_watches, g_ptr_array_unref);
        c->rewatch_source = sd_event_source_disable_unref(c->rewatch_source);
        c->idle_source = sd_event_source_disable_unref(c->idle_source);
        context_unwatch_modules(c);
        g_clear_pointer(&c->auth, nv_auth_free);
        c->bus = sd_bus_flush_close_unref(c->bus);
        c->event = sd_event_unref(c->event);
        g_clear_pointer(&c->loop, g_main_loop_unref);
        nv_status_clear(&c->status);
        g_clear_pointer(&c->kernel, nv_kernel_free);
        g_clear_pointer(&c->libvirt, nv_libvirt_free);
        g_clear_pointer(&c->libvirt_uri, g_free);
        g_clear_pointer(&c->host, nv_host_free);
}

static void context_quit(Context *c, int exit_status)
{
        c->exit_status = exit_status;
        g_main_loop_quit(c->loop);
}

/* Reads the host again and announces what changed. */
static void context_refresh(Context *c)
{
        g_auto(NvHostFacts) facts = { 0 };
        g_auto(NvStatus) fresh = { 0 };
        g_auto(GStrv) changed = NULL;
        NvStatus old;
        int r;

        nv_host_read_facts(c->host, &facts);
        nv_status_assemble(&facts, &fresh);

        changed = nv_status_diff(&c->status, &fresh);
        if (!changed)
                return;

        old = c->status;
        c->status = fresh;
        fresh = old; /* the old status is freed on return */

        if (!c->bus)
                return;
        r = sd_bus_emit_properties_changed_strv(c->bus, NV_OBJECT_PATH, NV_INTERFACE, changed);
        if (r < 0)
                g_warning("Failed to emit PropertiesChanged: %s", g_strerror(-r));
}

static void context_touch_idle(Context *c)
{
        int r;

        if (!c->idle_source)
                return;
        r = sd_event_source_set_time_relative(c->idle_source, c->idle_usec);
        if (r >= 0)
                r = sd_event_source_set_enabled(c->idle_source, SD_EVENT_ONESHOT);
        if (r < 0)
                g_warning("Failed to re-arm the idle timer: %s", g_strerror(-r));
}

static int append_field(sd_bus_message *m, const NvStatusField *field, const NvStatus *status)
{
        const char *p = (const char *)status + field->offset;
        int r;

        switch (field->type) {
        case NV_FIELD_STRING: {
                const char *s = *(char *const *)p;

                return sd_bus_message_append(m, "s", s ? s : "");
        }
        case NV_FIELD_BOOLEAN:
                return sd_bus_message_append(m, "b", *(const int *)p);
        case NV_FIELD_USERS: {
                const GArray *users = *(GArray *const *)p;

                r = sd_bus_message_open_container(m, 'a', "(us)");
                if (r < 0)
                        return r;
                for (guint i = 0; users && i < users->len; i++) {
                        const NvModuleUser *u = &g_array_index(users, NvModuleUser, i);

                        r = sd_bus_message_append(m, "(us)", u->pid, u->command ? u->command : "");
                        if (r < 0)
                                return r;
                }
                return sd_bus_message_close_container(m);
        }
        default:
                g_assert_not_reached();
        }
}

static const char *field_signature(const NvStatusField *field)
{
        switch (field->type) {
        case NV_FIELD_STRING:
                return "s";
        case NV_FIELD_BOOLEAN:
                return "b";
        case NV_FIELD_USERS:
                return "a(us)";
        default:
                g_assert_not_reached();
        }
}

static int method_get_status(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Context *c = userdata;
        g_autoptr(sd_bus_message) reply = NULL;
        int r;

        r = nv_auth_verify(c->auth, m, error);
        if (r <= 0)
                return r;

        r = sd_bus_message_new_method_return(m, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "{sv}");
        if (r < 0)
                return r;
        for (size_t i = 0; i < nv_status_n_fields; i++) {
                const NvStatusField *field = &nv_status_fields[i];

                r = sd_bus_message_open_container(reply, 'e', "sv");
                if (r >= 0)
                        r = sd_bus_message_append(reply, "s", field->name);
                if (r >= 0)
                        r = sd_bus_message_open_container(reply, 'v', field_signature(field));
                if (r >= 0)
                        r = append_field(reply, field, &c->status);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;

        return sd_bus_send(NULL, reply, NULL);
}

/* A D-Bus error carrying @gerror's message. The message may quote a file
 * name or libvirt's words in any encoding, but an error that is not UTF-8
 * cannot be sent at all and would leave the caller waiting. */
static int set_error_from_gerror(sd_bus_error *error, const char *name, const GError *gerror)
{
        g_autofree char *message = g_utf8_make_valid(gerror->message, -1);

        return sd_bus_error_setf(error, name, "%s", message);
}

/* Refuses what no authorization could make possible on this host. */
static int check_supported(Context *c, sd_bus_error *error)
{
        if (!c->status.supported)
                return sd_bus_error_setf(
                        error, NV_ERROR_NOT_SUPPORTED,
                        "Nested KVM needs an x86 machine with an Intel or AMD CPU; this one is "
                        "%s with a CPU from vendor '%s'.",
                        *c->status.architecture ? c->status.architecture : "of unknown architecture",
                        c->status.cpu_vendor);
        return 0;
}

static int check_not_builtin(Context *c, gboolean enable, sd_bus_error *error)
{
        if (c->status.vendor_module_builtin)
                return sd_bus_error_setf(
                        error, NV_ERROR_MODULE_BUILTIN,
                        "%s is built into the kernel, so modprobe.d and reloading do not apply "
                        "to it: add %s.nested=%d to the kernel command line and reboot.",
                        c->status.vendor_module, c->status.vendor_module, enable ? 1 : 0);
        return 0;
}

static int method_enable_persistent(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Context *c = userdata;
        const char *module = nv_host_vendor_module(c->host);
        g_autofree char *dir = nv_host_path(c->host, NV_CONFIG_DIR);
        g_autofree char *old = NULL;
        g_autofree char *new = NULL;
        g_autoptr(GError) gerror = NULL;
        const NvSetting *override;
        gboolean changed = FALSE;
        gsize old_len = 0;
        guint line = 0;
        int enable, r;

        r = sd_bus_message_read(m, "b", &enable);
        if (r < 0)
                return r;

        /* What gets written rests on the files as they are now, not on
         * the cache: their inotify events may still be queued behind
         * this call. */
        nv_host_invalidate_config(c->host);
        context_refresh(c);
        r = check_supported(c, error);
        if (r >= 0)
                r = check_not_builtin(c, enable, error);
        if (r < 0)
                return r;

        if (!nv_file_read(dir, NV_CONFIG_NAME, NV_CONFIG_MAX, &old, &old_len, &gerror))
                return set_error_from_gerror(error, NV_ERROR_FAILED, gerror);
        new = nv_modprobe_set_option(old ? old : "", old_len, module, "nested", enable ? "1" : "0", &changed,
                                     &line);
        if (!new)
                return sd_bus_error_setf(
                        error, NV_ERROR_FAILED,
                        "%s has an options line for %s with an unterminated quote or a bare "
                        "\"--\" that would swallow the setting: fix that line first.",
                        NV_CONFIG_PATH, module);

        /* Writing a setting that something read later overrides would
         * report success and change nothing: refuse, naming the culprit. */
        if (c->status.persistent_source && g_str_equal(c->status.persistent_source, "/proc/cmdline"))
                return sd_bus_error_setf(
                        error, NV_ERROR_FAILED,
                        "The kernel command line (/proc/cmdline) sets %s.nested, which overrides "
                        "%s: remove it from the boot loader configuration first.",
                        module, NV_CONFIG_PATH);
        override = nv_settings_find_override(nv_host_get_config_settings(c->host), NV_CONFIG_NAME);
        if (override)
                return sd_bus_error_setf(
                        error, NV_ERROR_FAILED,
                        "%s line %u sets %s nested=%s and is read after %s, so it would override "
                        "it: edit or remove that line first.",
                        override->source, override->line, module,
                        override->has_value ? override->value : "(no value)", NV_CONFIG_PATH);

        /* Already so: nothing to authorize. (This also runs when polkit's
         * answer comes back and someone made the same change meanwhile.) */
        if (!changed) {
                nv_auth_discard(c->auth, m);
                return sd_bus_reply_method_return(m, "s", NV_CONFIG_PATH);
        }

        r = nv_auth_verify(c->auth, m, error);
        if (r <= 0)
                return r == 0 ? 1 : r;

        if (!nv_file_replace(dir, NV_CONFIG_NAME, new, strlen(new), &gerror))
                return set_error_from_gerror(error, NV_ERROR_FAILED, gerror);
        g_message("%s nested virtualization persistently in %s line %u", enable ? "Enabled" : "Disabled",
                  NV_CONFIG_PATH, line);
        nv_host_invalidate_config(c->host);
        context_refresh(c);

        return sd_bus_reply_method_return(m, "s", NV_CONFIG_PATH);
}

static int method_reload_module(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Context *c = userdata;
        const char *module = nv_host_vendor_module(c->host);
        g_autoptr(GError) gerror = NULL;
        g_autofree char *value = NULL;
        int nested, r;

        r = sd_bus_message_read(m, "b", &nested);
        if (r < 0)
                return r;

        context_refresh(c);
        r = check_supported(c, error);
        if (r >= 0)
                r = check_not_builtin(c, nested, error);
        if (r < 0)
                return r;

        r = nv_auth_verify(c->auth, m, error);
        if (r <= 0)
                return r == 0 ? 1 : r;

        if (!c->kernel) {
                g_autofree char *root = nv_host_path(c->host, "/");

                c->kernel = c->kernel_new(root, &gerror);
                if (!c->kernel)
                        return sd_bus_error_setf(error, NV_ERROR_NOT_SUPPORTED, "Cannot load modules: %s",
                                                 gerror->message);
        }

        value = nv_reload_module(c->kernel, c->host, module, nested, &gerror);
        context_refresh(c);
        if (!value) {
                if (g_error_matches(gerror, NV_RELOAD_ERROR, NV_RELOAD_ERROR_IN_USE))
                        return set_error_from_gerror(error, NV_ERROR_MODULE_IN_USE, gerror);
                if (g_error_matches(gerror, NV_RELOAD_ERROR, NV_RELOAD_ERROR_BUILTIN))
                        return set_error_from_gerror(error, NV_ERROR_MODULE_BUILTIN, gerror);
                return set_error_from_gerror(error, NV_ERROR_FAILED, gerror);
        }
        g_message("Reloaded %s with nested=%d: the kernel now says %s", module, nested, value);

        return sd_bus_reply_method_return(m, "s", value);
}

static NvLibvirt *context_get_libvirt(Context *c)
{
        if (!c->libvirt)
                c->libvirt = nv_libvirt_new(c->libvirt_uri);
        return c->libvirt;
}

static int libvirt_error_to_bus(const GError *gerror, sd_bus_error *error)
{
        const char *name = NV_ERROR_FAILED;

        if (g_error_matches(gerror, NV_LIBVIRT_ERROR, NV_LIBVIRT_ERROR_UNAVAILABLE))
                name = NV_ERROR_LIBVIRT_UNAVAILABLE;
        else if (g_error_matches(gerror, NV_LIBVIRT_ERROR, NV_LIBVIRT_ERROR_NOT_FOUND))
                name = NV_ERROR_DOMAIN_NOT_FOUND;
        return set_error_from_gerror(error, name, gerror);
}

/* @arg as an error message may show it: the first @max_chars characters,
 * and "..." if there were more, with control characters (a newline, an
 * escape sequence for the caller's terminal) written as \xNN or \uNNNN.
 * Never cut in bytes: a reply that is not UTF-8 cannot be sent at all, and
 * the caller would wait for it until its timeout. (sd-bus has checked that
 * @arg is UTF-8.) */
static char *printable_arg(const char *arg, glong max_chars)
{
        GString *shown = g_string_new(NULL);
        glong n_chars = 0;
        const char *p;

        for (p = arg; *p && n_chars < max_chars; p = g_utf8_next_char(p), n_chars++) {
                gunichar ch = g_utf8_get_char(p);

                if (!g_unichar_iscntrl(ch))
                        g_string_append_unichar(shown, ch);
                else if (ch < 0x80)
                        g_string_append_printf(shown, "\\x%02x", (unsigned)ch);
                else
                        g_string_append_printf(shown, "\\u%04x", (unsigned)ch);
        }
        if (*p)
                g_string_append(shown, "...");
        return g_string_free(shown, FALSE);
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

/*
 * Domain calls go to libvirt, which may take its time: a busy or hung
 * libvirtd, a remote URI. They run in a worker thread (one at a time; the
 * NvLibvirt is locked anyway), and their reply is sent from the main loop,
 * since sd-bus is not thread-safe; meanwhile every other call is answered.
 * Arguments and authorization are checked before, in the handler.
 */
typedef struct {
        Context *context;
        sd_bus_message *message;
        NvLibvirt *libvirt;
        gboolean configure; /* else list */
        char *domain;
        NvCpuMode mode;
        /* ListDomainsDetailed: this machine as the status saw it when the
         * call came; host_reason points to nesting_reason. */
        gboolean detailed;
        NvNestingHost nesting;
        char *nesting_reason;
        /* The outcome, written by the worker. */
        gboolean restart_required;
        GPtrArray *domains;
        GError *error;
} DomainJob;

static void domain_job_free(DomainJob *job)
{
        sd_bus_message_unref(job->message);
        g_free(job->domain);
        g_free(job->nesting_reason);
        g_clear_pointer(&job->domains, g_ptr_array_unref);
        g_clear_error(&job->error);
        g_free(job);
}

/* ListDomains' a(ssss), or with @detailed ListDomainsDetailed's a(ssssss). */
static int reply_domains(sd_bus_message *m, const GPtrArray *domains, gboolean detailed)
{
        g_autoptr(sd_bus_message) reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', detailed ? "(ssssss)" : "(ssss)");
        for (guint i = 0; r >= 0 && i < domains->len; i++) {
                const NvDomainInfo *d = g_ptr_array_index(domains, i);

                if (detailed)
                        r = sd_bus_message_append(reply, "(ssssss)", d->name, d->uuid, d->state, d->cpu_mode,
                                                  d->nested, d->nested_reason ? d->nested_reason : "");
                else
                        r = sd_bus_message_append(reply, "(ssss)", d->name, d->uuid, d->state, d->cpu_mode);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* In the main loop: the worker is done with @user_data. */
static gboolean domain_job_done(gpointer user_data)
{
        DomainJob *job = user_data;
        Context *c = job->context;
        int r;

        if (job->error) {
                sd_bus_error error = SD_BUS_ERROR_NULL;

                libvirt_error_to_bus(job->error, &error);
                r = sd_bus_reply_method_error(job->message, &error);
                sd_bus_error_free(&error);
        } else if (job->configure) {
                r = sd_bus_reply_method_return(job->message, "b", job->restart_required);
        } else {
                r = reply_domains(job->message, job->domains, job->detailed);
        }
        if (r < 0)
                g_warning("Failed to answer %s: %s", sd_bus_message_get_member(job->message),
                          g_strerror(-r));

        g_assert(c->n_domain_jobs > 0);
        c->n_domain_jobs--;
        context_touch_idle(c);
        domain_job_free(job);
        return G_SOURCE_REMOVE;
}

/* In the worker thread: only libvirt, and @job, are touched here. */
static void domain_job_run(gpointer data, gpointer user_data)
{
        DomainJob *job = data;

        if (job->configure)
                nv_libvirt_configure_domain(job->libvirt, job->domain, job->mode, &job->restart_required,
                                            &job->error);
        else if (job->detailed)
                job->domains = nv_libvirt_list_domains_detailed(job->libvirt, &job->nesting, &job->error);
        else
                job->domains = nv_libvirt_list_domains(job->libvirt, &job->error);
        g_idle_add(domain_job_done, job);
}

/* @nesting: for ListDomainsDetailed, else NULL. */
static int context_push_domain_job(Context *c, sd_bus_message *m, gboolean configure, const char *domain,
                                   NvCpuMode mode, const NvNestingHost *nesting)
{
        g_autoptr(GError) gerror = NULL;
        DomainJob *job;

        if (!c->domain_pool) {
                c->domain_pool = g_thread_pool_new(domain_job_run, NULL, 1, FALSE, &gerror);
                if (!c->domain_pool)
                        return -ENOMEM;
        }
        job = g_new0(DomainJob, 1);
        job->context = c;
        job->message = sd_bus_message_ref(m);
        job->libvirt = context_get_libvirt(c);
        job->configure = configure;
        job->domain = g_strdup(domain);
        job->mode = mode;
        if (nesting) {
                job->detailed = TRUE;
                job->nesting = *nesting;
                job->nesting_reason = g_strdup(nesting->host_reason);
                job->nesting.host_reason = job->nesting_reason;
        }
        c->n_domain_jobs++;
        if (!g_thread_pool_push(c->domain_pool, job, &gerror)) {
                c->n_domain_jobs--;
                domain_job_free(job);
                return -EAGAIN;
        }
        return 1; /* answered later, by domain_job_done() */
}

/* At exit: lets the worker finish what it was given and sends the
 * answers, so that no caller waits for a reply that never comes. */
static void context_finish_domain_jobs(Context *c)
{
        if (!c->domain_pool)
                return;
        g_thread_pool_free(g_steal_pointer(&c->domain_pool), FALSE, TRUE);
        while (c->n_domain_jobs > 0)
                g_main_context_iteration(NULL, TRUE);
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
                g_autofree char *shown = printable_arg(mode_string, 64);

                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Invalid CPU mode '%s': use host-model or host-passthrough.",
                                         shown);
        }

        r = nv_auth_verify(c->auth, m, error);
        if (r <= 0)
                return r == 0 ? 1 : r;

        return context_push_domain_job(c, m, TRUE, domain, mode, NULL);
}

static int method_list_domains(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Context *c = userdata;
        int r;

        r = nv_auth_verify(c->auth, m, error);
        if (r <= 0)
                return r;

        return context_push_domain_job(c, m, FALSE, NULL, NV_CPU_MODE_HOST_MODEL, NULL);
}

static int method_list_domains_detailed(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Context *c = userdata;
        g_autofree char *host_reason = NULL;
        NvNestingHost nesting = { 0 };
        int r;

        r = nv_auth_verify(c->auth, m, error);
        if (r <= 0)
                return r;

        /* What KVM here can pass on, as of now: the worker must not
         * touch the Context. */
        context_refresh(c);
        nesting.flag = nv_virtualization_flag(c->status.cpu_vendor);
        nesting.host = nv_nesting_host_judge(nesting.flag, c->status.hardware_virtualization,
                                             *c->status.vendor_module ? c->status.vendor_module : NULL,
                                             c->status.vendor_module_loaded, c->status.nested_enabled,
                                             &host_reason);
        nesting.host_reason = host_reason;
        return context_push_domain_job(c, m, FALSE, NULL, NV_CPU_MODE_HOST_MODEL, &nesting);
}

static int property_get_module_users(sd_bus *bus, const char *path, const char *interface,
                                     const char *property, sd_bus_message *reply, void *userdata,
                                     sd_bus_error *error)
{
        Context *c = userdata;

        for (size_t i = 0; i < nv_status_n_fields; i++)
                if (nv_status_fields[i].type == NV_FIELD_USERS)
                        return append_field(reply, &nv_status_fields[i], &c->status);
        g_assert_not_reached();
}

/* Does this call return status, so that the host must be read first? */
static gboolean message_reads_status(sd_bus_message *m)
{
        const char *interface = sd_bus_message_get_interface(m);
        const char *member = sd_bus_message_get_member(m);

        if (g_strcmp0(sd_bus_message_get_path(m), NV_OBJECT_PATH) != 0 || !interface || !member)
                return FALSE;
        if (g_str_equal(interface, NV_INTERFACE))
                return g_str_equal(member, "GetStatus");
        if (g_str_equal(interface, "org.freedesktop.DBus.Properties"))
                return g_str_equal(member, "Get") || g_str_equal(member, "GetAll");
        return FALSE;
}

static int filter_incoming(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Context *c = userdata;

        if (!sd_bus_message_is_method_call(m, NULL, NULL))
                return 0;

        context_touch_idle(c);
        if (message_reads_status(m)) {
                if (c->config_unwatched)
                        nv_host_invalidate_config(c->host);
                context_refresh(c);
        }
        return 0; /* go on to the handler */
}

static int on_idle(sd_event_source *s, uint64_t usec, void *userdata)
{
        Context *c = userdata;
        int r;

        /* Someone may be typing a password right now, or libvirt be
         * working on a call. */
        if (nv_auth_get_n_pending(c->auth) > 0 || c->n_domain_jobs > 0) {
                context_touch_idle(c);
                return 0;
        }

        g_message("Exiting after %" G_GUINT64_FORMAT " s without calls", c->idle_usec / G_USEC_PER_SEC);

        /* Give the name up first, so that a call arriving from now on
         * activates a new instance instead of being lost, then answer what
         * is already queued. */
        r = sd_bus_release_name(c->bus, NV_BUS_NAME);
        if (r < 0)
                g_warning("Failed to release %s: %s", NV_BUS_NAME, g_strerror(-r));
        while (sd_bus_process(c->bus, NULL) > 0)
                ;
        sd_bus_flush(c->bus);
        context_quit(c, 0);
        return 0;
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        Context *c = userdata;

        g_message("Received %s, exiting", strsignal((int)si->ssi_signo));
        context_quit(c, 0);
        return 0;
}

static int on_disconnected(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Context *c = userdata;

        g_warning("Disconnected from the system bus, exiting");
        context_quit(c, 1);
        return 0;
}

static int on_module_uevent(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        Context *c = userdata;
        struct udev_device *device;
        gboolean module_event = FALSE;

        /* The kernel group has no socket filter: every uevent of the host
         * wakes us, and libudev drops those of other subsystems. Drain
         * what is queued, then read the host once if a module came or
         * went, or if the kernel dropped events (ENOBUFS) and one may
         * have. */
        while ((device = udev_monitor_receive_device(c->monitor))) {
                udev_device_unref(device);
                module_event = TRUE;
        }
        if (module_event || errno == ENOBUFS) {
                nv_host_invalidate_modules(c->host);
                context_refresh(c);
        }
        return 0;
}

static void context_unwatch_modules(Context *c)
{
        c->monitor_source = sd_event_source_disable_unref(c->monitor_source);
        c->monitor = udev_monitor_unref(c->monitor);
        c->udev = udev_unref(c->udev);
}

/*
 * Module loads and unloads, from the kernel's own uevents (the "kernel"
 * netlink group), not udev's rebroadcast of them ("udev"): udevd sends
 * those in its network namespace only, and the unit gives the daemon a
 * private one (PrivateNetwork=yes), while the kernel sends module events
 * to every network namespace of the initial user namespace. The event
 * only says "read /sys/module again", which needs nothing udev adds, and
 * the kernel sends "add" after the module's init has run. sd-device's
 * public monitor listens to the udev group only, hence libudev here.
 */
static void context_watch_modules(Context *c)
{
        int r;

        if (!nv_host_is_real(c->host))
                return;

        c->udev = udev_new();
        c->monitor = c->udev ? udev_monitor_new_from_netlink(c->udev, "kernel") : NULL;
        if (!c->monitor) {
                r = -(errno > 0 ? errno : ENOMEM);
        } else {
                r = udev_monitor_filter_add_match_subsystem_devtype(c->monitor, "module", NULL);
                if (r >= 0)
                        r = udev_monitor_enable_receiving(c->monitor);
                if (r >= 0)
                        r = sd_event_add_io(c->event, &c->monitor_source, udev_monitor_get_fd(c->monitor),
                                            EPOLLIN, on_module_uevent, c);
                /* Ahead of the bus, as the inotify sources: a status call
                 * made after a modprobe returned sees the module's event. */
                if (r >= 0)
                        r = sd_event_source_set_priority(c->monitor_source, SD_EVENT_PRIORITY_IMPORTANT);
        }
        if (r < 0) {
                g_message("Module events are unavailable (%s); module changes are seen at the next call",
                          g_strerror(-r));
                context_unwatch_modules(c);
                return;
        }
        /* From here on, a status read takes the modules' state from the
         * last one unless an event came (where that is enough). */
        nv_host_watch_modules(c->host);
}

static void context_watch_config(Context *c);

static void event_source_free(gpointer source)
{
        sd_event_source_disable_unref(source);
}

static int on_config_changed(sd_event_source *s, const struct inotify_event *event, void *userdata)
{
        ConfigWatch *watch = userdata;
        Context *c = watch->context;

        if (watch->parent) {
                /* Only the birth of the missing directory matters here. */
                if (event->len == 0 || !g_str_equal(event->name, "modprobe.d"))
                        return 0;
                sd_event_source_set_enabled(c->rewatch_source, SD_EVENT_ONESHOT);
        } else if (event->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) {
                sd_event_source_set_enabled(c->rewatch_source, SD_EVENT_ONESHOT);
        }

        nv_host_invalidate_config(c->host);
        context_refresh(c);
        return 0;
}

static int on_rewatch(sd_event_source *s, void *userdata)
{
        Context *c = userdata;

        context_watch_config(c);
        nv_host_invalidate_config(c->host);
        context_refresh(c);
        return 0;
}

static void add_config_watch(Context *c, const char *path, gboolean parent)
{
        const uint32_t dir_mask = IN_CREATE | IN_DELETE | IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM |
                                  IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
        const uint32_t parent_mask = IN_CREATE | IN_MOVED_TO | IN_ONLYDIR;
        sd_event_source *source = NULL;
        ConfigWatch *watch = g_new0(ConfigWatch, 1);
        int r;

        watch->context = c;
        watch->parent = parent;
        r = sd_event_add_inotify(c->event, &source, path, parent ? parent_mask : dir_mask, on_config_changed,
                                 watch);
        if (r < 0) {
                g_free(watch);
                if (r != -ENOENT && r != -ENOTDIR) {
                        g_message("Cannot watch %s (%s); its changes are seen at the next call", path,
                                  g_strerror(-r));
                        c->config_unwatched = TRUE;
                }
                return;
        }
        sd_event_source_set_destroy_callback(source, g_free);
        /* Ahead of the bus: a status call that arrives together with a
         * change of a file sees the change. */
        sd_event_source_set_priority(source, SD_EVENT_PRIORITY_IMPORTANT);
        g_ptr_array_add(c->config_watches, source);
}

/* Watches every modprobe.d directory, or for one that does not exist yet,
 * its parent, to see it appear. */
static void context_watch_config(Context *c)
{
        g_clear_pointer(&c->config_watches, g_ptr_array_unref);
        c->config_watches = g_ptr_array_new_with_free_func(event_source_free);
        c->config_unwatched = FALSE;

        for (const char *const *dir = nv_modprobe_dirs; *dir; dir++) {
                g_autofree char *path = nv_host_path(c->host, *dir);

                if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
                        add_config_watch(c, path, FALSE);
                } else {
                        g_autofree char *parent = g_path_get_dirname(path);

                        add_config_watch(c, parent, TRUE);
                }
        }
}

static const sd_bus_vtable nestedvirt_vtable[] = {
        SD_BUS_VTABLE_START(0),

        SD_BUS_METHOD_WITH_ARGS("GetStatus", SD_BUS_NO_ARGS, SD_BUS_RESULT("a{sv}", status),
                                method_get_status, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("EnablePersistent", SD_BUS_ARGS("b", enable), SD_BUS_RESULT("s", file),
                                method_enable_persistent, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ReloadModule", SD_BUS_ARGS("b", nested), SD_BUS_RESULT("s", value),
                                method_reload_module, SD_BUS_VTABLE_UNPRIVILEGED),

        SD_BUS_METHOD_WITH_ARGS("ConfigureDomain", SD_BUS_ARGS("s", domain, "s", cpu_mode),
                                SD_BUS_RESULT("b", restart_required), method_configure_domain,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListDomains", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(ssss)", domains),
                                method_list_domains, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListDomainsDetailed", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(ssssss)", domains),
                                method_list_domains_detailed, SD_BUS_VTABLE_UNPRIVILEGED),

        SD_BUS_PROPERTY("Version", "s", NULL, offsetof(Context, status.version),
                        SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Architecture", "s", NULL, offsetof(Context, status.architecture),
                        SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Supported", "b", NULL, offsetof(Context, status.supported),
                        SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("CpuVendor", "s", NULL, offsetof(Context, status.cpu_vendor),
                        SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("VendorModule", "s", NULL, offsetof(Context, status.vendor_module),
                        SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("HardwareVirtualization", "b", NULL,
                        offsetof(Context, status.hardware_virtualization), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("InVirtualMachine", "b", NULL, offsetof(Context, status.in_virtual_machine),
                        SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Hypervisor", "s", NULL, offsetof(Context, status.hypervisor),
                        SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("KvmLoaded", "b", NULL, offsetof(Context, status.kvm_loaded),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("KvmBuiltin", "b", NULL, offsetof(Context, status.kvm_builtin),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("VendorModuleLoaded", "b", NULL, offsetof(Context, status.vendor_module_loaded),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("VendorModuleBuiltin", "b", NULL, offsetof(Context, status.vendor_module_builtin),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("NestedParameter", "s", NULL, offsetof(Context, status.nested_parameter),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("NestedEnabled", "b", NULL, offsetof(Context, status.nested_enabled),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("PersistentNested", "s", NULL, offsetof(Context, status.persistent_nested),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("PersistentSource", "s", NULL, offsetof(Context, status.persistent_source),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ReloadRequired", "b", NULL, offsetof(Context, status.reload_required),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ModuleUsers", "a(us)", property_get_module_users, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),

        SD_BUS_VTABLE_END
};

static int context_start(Context *c, const NvDaemonOptions *options)
{
        sigset_t mask;
        int r;

        c->kernel_new = options->kernel_new;
        c->libvirt_uri = g_strdup(options->libvirt_uri ? options->libvirt_uri : "qemu:///system");
        c->host = nv_host_new(options->root);
        {
                /* A crash in the middle of a write leaves its temporary file. */
                g_autofree char *dir = nv_host_path(c->host, NV_CONFIG_DIR);

                nv_file_remove_stale_temporaries(dir, NV_CONFIG_NAME);
        }
        context_refresh(c); /* the first status; nobody to tell yet */

        /* Block the signals before any thread exists, so that all inherit
         * the mask and only the signalfd sees them. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return -errno;
        /* A peer that closes its socket must cost an EPIPE, not the daemon:
         * libvirt's remote driver writes with plain write() and leaves
         * SIGPIPE to its caller (virsh ignores it, and systemd does for
         * services, IgnoreSIGPIPE=yes; dbus-daemon's activation does not).
         * /domains/failure/libvirt-hangs closes libvirt's socket under it. */
        if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
                return -errno;

        r = sd_event_new(&c->event);
        if (r < 0)
                return r;
        r = sd_event_add_signal(c->event, NULL, SIGTERM, on_signal, c);
        if (r >= 0)
                r = sd_event_add_signal(c->event, NULL, SIGINT, on_signal, c);
        if (r < 0)
                return r;

        r = sd_event_add_defer(c->event, &c->rewatch_source, on_rewatch, c);
        if (r < 0)
                return r;
        sd_event_source_set_enabled(c->rewatch_source, SD_EVENT_OFF);
        context_watch_config(c);
        context_watch_modules(c);

        if (options->idle_timeout > 0) {
                c->idle_usec = (guint64)options->idle_timeout * G_USEC_PER_SEC;
                r = sd_event_add_time_relative(c->event, &c->idle_source, CLOCK_MONOTONIC, c->idle_usec, 0,
                                               on_idle, c);
                if (r < 0)
                        return r;
        }

        r = sd_bus_open_system(&c->bus);
        if (r < 0) {
                g_warning("Failed to connect to the system bus: %s", g_strerror(-r));
                return r;
        }
        c->auth = nv_auth_new(c->bus);
        r = sd_bus_add_filter(c->bus, NULL, filter_incoming, c);
        if (r < 0)
                return r;
        r = sd_bus_add_object_vtable(c->bus, NULL, NV_OBJECT_PATH, NV_INTERFACE, nestedvirt_vtable, c);
        if (r < 0)
                return r;
        r = sd_bus_match_signal(c->bus, NULL, "org.freedesktop.DBus.Local", "/org/freedesktop/DBus/Local",
                                "org.freedesktop.DBus.Local", "Disconnected", on_disconnected, c);
        if (r < 0)
                return r;
        r = sd_bus_attach_event(c->bus, c->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return r;

        r = sd_bus_request_name(c->bus, NV_BUS_NAME, 0);
        if (r < 0) {
                g_warning("Failed to acquire %s on the system bus: %s", NV_BUS_NAME, g_strerror(-r));
                return r;
        }
        return 0;
}

int nv_daemon_run(const NvDaemonOptions *options)
{
        Context c = { 0 };
        g_autoptr(GSource) source = NULL;
        int r;

        c.loop = g_main_loop_new(NULL, FALSE);
        r = context_start(&c, options);
        if (r < 0) {
                g_warning("Failed to start: %s", g_strerror(-r));
                context_clear(&c);
                return 1;
        }

        source = nv_event_source_new(c.event);
        g_source_attach(source, NULL);

        g_message("nestedvirtd %s serving %s (root %s)", PACKAGE_VERSION, NV_BUS_NAME, options->root);
        g_main_loop_run(c.loop);

        g_source_destroy(source);
        r = c.exit_status;
        context_clear(&c);
        return r;
}
