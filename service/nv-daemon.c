/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nestedvirtd's bus object: the Context that holds the daemon's state, the
 * method and property handlers, and the vtable at the bottom, which reads
 * like the API's table of contents (interfaces/org.example.NestedVirt.xml
 * documents it). The properties are the lines of NV_PROPERTIES()
 * (common/nv-properties.h); their values go on the wire through
 * nv-status-bus.h.
 *
 * How the exported status stays true: the host is read by the handler or
 * property getter that returns status, at most once per incoming message
 * (a GetAll reads it once for all its properties). A change found then is
 * announced with PropertiesChanged for exactly the properties that differ.
 * Changes nobody asks about are announced too: the watchers (nv-watch.h)
 * say when a module came or went or modprobe.d changed. What an event
 * source covers is kept between reads until it fires
 * (nv_host_watch_modules(), nv_host_invalidate_config()); on a --root
 * tree, which sends no uevents, the modules are read each time. Who holds
 * /dev/kvm has no event to watch, and finding out reads every process's
 * descriptors (under systemd in the scan helper, which has the
 * capabilities for it: nv-kvm-users.h), which no caller may make the
 * daemon do at will: a call that needs it when the last scan is older
 * than NV_KVM_USERS_MAX_AGE_USEC waits, held by filter_incoming() without
 * being handled (nv-admission.h, which holds it after its user's budget),
 * while a worker scans or asks the helper; every call arriving meanwhile
 * waits for the same scan, and all are dispatched again when it ends.
 * Whatever the number of callers and of descriptors, that is one scan per
 * period, off the main loop, which goes on answering everyone else.
 *
 * What may block runs in a worker (nv-worker.h): domain calls (libvirt)
 * and the unload and load of ReloadModule. Their checks and authorization
 * run here first, and their replies are sent from here.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "nv-admission.h"
#include "nv-auth.h"
#include "nv-bus-error.h"
#include "nv-daemon.h"
#include "nv-dbus.h"
#include "nv-env.h"
#include "nv-file.h"
#include "nv-host.h"
#include "nv-kvm-users.h"
#include "nv-libvirt.h"
#include "nv-loop.h"
#include "nv-modprobe.h"
#include "nv-reload.h"
#include "nv-sd-bus.h"
#include "nv-status-bus.h"
#include "nv-watch.h"
#include "nv-worker.h"

/* The one file the daemon writes, in the first modprobe.d directory so that
 * no same-named file hides it. */
#define NV_CONFIG_DIR  "/etc/modprobe.d"
#define NV_CONFIG_NAME "kvm.conf"
#define NV_CONFIG_PATH NV_CONFIG_DIR "/" NV_CONFIG_NAME
#define NV_CONFIG_MAX  (1024 * 1024)

/* libvirt accepts long names, but nothing sane is longer than this. */
#define NV_DOMAIN_ARG_MAX 1024

typedef struct {
        NvHost *host;
        NvStatus status;
        guint64 n_calls;           /* method calls seen, counted by filter_incoming() */
        guint64 refreshed_at_call; /* n_calls when the status was last read for a call */
        NvKernelNewFunc kernel_new;
        NvKernel *kernel; /* created at the first module change */
        char *libvirt_uri;
        NvLibvirt *libvirt;            /* created at the first domain call */
        NvWorker *domain_worker;       /* DomainJob */
        NvWorker *reload_worker;       /* ReloadJob */
        NvWorker *users_worker;        /* UsersScan */
        gboolean users_scanning;       /* a UsersScan is in users_worker */
        gboolean users_partial_warned; /* a scan left processes out, and the log said so */
        gint64 users_max_age_usec;     /* the period, at least */
        gint64 users_scan_usec;        /* what the last scan took */
        gint64 users_duty;             /* NV_KVM_USERS_DUTY, or 0 with a period set for tests */
        NvAdmission *admission;        /* the calls held before their handler */
        /* The scan helper's socket (nv-kvm-users.h), asked when it exists;
         * NULL: scan in-process. */
        char *users_socket;
        GQueue reload_queue; /* ReloadJob, authorized and waiting for the one running */
        gboolean reloading;  /* a ReloadJob is in the worker */
        gboolean exiting;

        sd_event *event;
        sd_bus *bus;
        NvAuth *auth;
        GMainLoop *loop;
        int exit_status;

        guint64 idle_usec;
        sd_event_source *idle_source;

        NvWatch *watch;
} Context;

/*
 * ReloadModule's swap. Reloads are serialized: one waits in reload_queue
 * until the one before it has finished, and only then are its checks made,
 * so that they see the outcome of the one before.
 */
typedef struct {
        Context *context;
        sd_bus_message *message;
        gboolean nested;
        NvKernel *kernel;
        NvReloadPlan plan;
        gint64 queued_at; /* g_get_monotonic_time() */
        GError *error;    /* the swap's, written by the worker */
} ReloadJob;

static void reload_job_free(ReloadJob *job)
{
        sd_bus_message_unref(job->message);
        nv_reload_plan_clear(&job->plan);
        g_clear_error(&job->error);
        g_free(job);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ReloadJob, reload_job_free)

/* At exit: the reloads not started yet are refused rather than left
 * unanswered. */
static void context_cancel_reloads(Context *c)
{
        ReloadJob *job;

        while ((job = g_queue_pop_head(&c->reload_queue))) {
                int r = sd_bus_reply_method_errorf(job->message, NV_ERROR_FAILED,
                                                   "nestedvirtd is exiting; the module was not reloaded.");

                if (r < 0)
                        g_warning("Failed to answer ReloadModule: %s", g_strerror(-r));
                reload_job_free(job);
        }
}

static void context_clear(Context *c)
{
        /* The workers first, and what waits for them: their replies go out
         * on the bus. */
        c->exiting = TRUE;
        g_clear_pointer(&c->reload_worker, nv_worker_free);
        context_cancel_reloads(c);
        g_clear_pointer(&c->domain_worker, nv_worker_free);
        g_clear_pointer(&c->users_worker, nv_worker_free);
        g_clear_pointer(&c->admission, nv_admission_free);
        g_clear_pointer(&c->users_socket, g_free);
        g_clear_pointer(&c->watch, nv_watch_free);
        c->idle_source = sd_event_source_disable_unref(c->idle_source);
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

/* Reads the host again, announces what changed, and hands the facts read
 * to the caller in @ret_facts (optional). Remembers the call being
 * handled, if any, as read for: the getters that PropertiesChanged calls,
 * and those of the reply, need no second read. Calls are told apart by
 * their number, not by the message: holding a reference to it would keep
 * what it carries (file descriptors) alive until the next call. */
static void context_refresh_facts(Context *c, NvHostFacts *ret_facts)
{
        sd_bus_message *m = c->bus ? sd_bus_get_current_message(c->bus) : NULL;
        g_auto(NvHostFacts) facts = { 0 };
        g_auto(NvStatus) fresh = { 0 };
        g_auto(GStrv) changed = NULL;
        NvStatus old;
        int r;

        if (m)
                c->refreshed_at_call = c->n_calls;
        nv_host_read_facts(c->host, &facts);
        nv_status_assemble(&facts, &fresh);

        changed = nv_status_diff(&c->status, &fresh);
        if (ret_facts) {
                *ret_facts = facts;
                memset(&facts, 0, sizeof(facts));
        }
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

static void context_refresh(Context *c)
{
        context_refresh_facts(c, NULL);
}

/* For a handler or getter that returns status: reads the host unless it
 * was read for this very message already. Outside of a call (the getters
 * of a PropertiesChanged sent after a watcher's or a worker's refresh)
 * the status was just read. */
static void context_refresh_for_call(Context *c, sd_bus *bus)
{
        sd_bus_message *m = sd_bus_get_current_message(bus);

        if (!m || c->refreshed_at_call == c->n_calls)
                return;
        if (!nv_watch_covers_config(c->watch))
                nv_host_invalidate_config(c->host);
        context_refresh(c);
}

/* The same for @m, the message being handled, with the facts read. */
static void context_refresh_facts_for_call(Context *c, sd_bus_message *m, NvHostFacts *ret_facts)
{
        g_assert(m == sd_bus_get_current_message(c->bus));
        if (!nv_watch_covers_config(c->watch))
                nv_host_invalidate_config(c->host);
        context_refresh_facts(c, ret_facts);
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

static int method_get_status(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Context *c = userdata;
        g_autoptr(sd_bus_message) reply = NULL;
        int r;

        r = nv_auth_verify(c->auth, m, error);
        if (r <= 0)
                return r;

        context_refresh_for_call(c, sd_bus_message_get_bus(m));
        r = sd_bus_message_new_method_return(m, &reply);
        if (r < 0)
                return r;
        r = nv_status_append_all(reply, &c->status);
        if (r < 0)
                return r;

        return sd_bus_send(NULL, reply, NULL);
}

/* Refuses what no authorization could make possible on this host, before
 * anything is asked or changed. */
static int check_supported(Context *c, sd_bus_error *error)
{
        g_autofree char *refusal = nv_status_refusal(&c->status);

        if (refusal)
                return sd_bus_error_set(error, NV_ERROR_NOT_SUPPORTED, refusal);
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
        gsize old_len = 0, new_len = 0;
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
                return nv_bus_error_set_gerror(error, gerror);
        new = nv_modprobe_set_option(old ? old : "", old_len, module, "nested", enable ? "1" : "0", &new_len,
                                     &changed, &line);
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
        if (override && override->unreadable)
                return sd_bus_error_setf(error, NV_ERROR_FAILED,
                                         "%s is read after %s and cannot be read (%s), so a setting in it "
                                         "could override it: fix or remove that file first.",
                                         override->source, NV_CONFIG_PATH, override->unreadable);
        if (override)
                return sd_bus_error_setf(
                        error, NV_ERROR_FAILED,
                        "%s line %u sets %s nested=%s and is read after %s, so it would override "
                        "it: edit or remove that line first.",
                        override->source, override->line, module,
                        override->has_value ? override->value : "(no value)", NV_CONFIG_PATH);

        /* Already so: nothing to authorize. (This also runs when polkit's
         * answer comes back and someone made the same change meanwhile.) */
        if (!changed)
                return sd_bus_reply_method_return(m, "s", NV_CONFIG_PATH);

        r = nv_auth_verify(c->auth, m, error);
        if (r <= 0)
                return r == 0 ? 1 : r;

        if (!nv_file_replace(dir, NV_CONFIG_NAME, new, new_len, &gerror))
                return nv_bus_error_set_gerror(error, gerror);
        g_message("%s nested virtualization persistently in %s line %u", enable ? "Enabled" : "Disabled",
                  NV_CONFIG_PATH, line);
        nv_host_invalidate_config(c->host);
        context_refresh(c);

        return sd_bus_reply_method_return(m, "s", NV_CONFIG_PATH);
}

static void context_start_reload(Context *c);
static void context_scan_users(Context *c);
static gint64 context_users_period(const Context *c);

/* In the worker thread: only the kernel, and @job, are touched here. */
static void reload_job_run(gpointer data)
{
        ReloadJob *job = data;

        nv_reload_swap(job->kernel, &job->plan, &job->error);
}

static void reload_job_reply(ReloadJob *job, const char *value, const GError *gerror)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        if (value) {
                g_message("Reloaded %s with nested=%d: the kernel now says %s", job->plan.module,
                          job->nested, value);
                r = sd_bus_reply_method_return(job->message, "s", value);
        } else {
                nv_bus_error_set_gerror(&error, gerror);
                r = sd_bus_reply_method_error(job->message, &error);
                sd_bus_error_free(&error);
        }
        if (r < 0)
                g_warning("Failed to answer ReloadModule: %s", g_strerror(-r));
}

/* In the main loop: the swap is over, whatever came of it. */
static void reload_job_done(gpointer data)
{
        g_autoptr(ReloadJob) job = data;
        Context *c = job->context;
        g_auto(NvHostFacts) facts = { 0 };
        g_autoptr(GError) gerror = NULL;
        g_autofree char *value = NULL;

        /* The module as the host last read it may be gone, and its
         * uevents may still be queued. */
        nv_host_invalidate_modules(c->host);
        context_refresh_facts(c, &facts);
        if (!job->error)
                value = nv_reload_finish(&job->plan, &facts, &gerror);
        reload_job_reply(job, value, job->error ? job->error : gerror);

        c->reloading = FALSE;
        context_touch_idle(c);
        context_start_reload(c);
}

/* Starts the first reload of the queue unless one runs: its checks on the
 * host as it is now, then the swap in the worker. */
static void context_start_reload(Context *c)
{
        while (!c->reloading && !c->exiting && !g_queue_is_empty(&c->reload_queue)) {
                const ReloadJob *next = g_queue_peek_head(&c->reload_queue);
                g_autoptr(ReloadJob) job = NULL;
                g_auto(NvHostFacts) facts = { 0 };
                g_autoptr(GError) gerror = NULL;

                /* Fresh: a VM may have started since the last status
                 * read, and a module event may still be queued. Its
                 * holders, whom a refusal names, too: after a scan, which
                 * starts the queue again. */
                nv_host_invalidate_modules(c->host);
                context_refresh_facts(c, &facts);
                if (facts.module_users_possible &&
                    !nv_host_users_fresh(c->host, next->queued_at - context_users_period(c))) {
                        context_scan_users(c);
                        return;
                }
                job = g_queue_pop_head(&c->reload_queue);
                if (!nv_reload_plan(&facts, nv_host_vendor_module(c->host), job->nested, &job->plan,
                                    &gerror)) {
                        reload_job_reply(job, NULL, gerror);
                        continue;
                }
                job->kernel = c->kernel;
                c->reloading = TRUE;
                nv_worker_push(c->reload_worker, g_steal_pointer(&job), reload_job_run, reload_job_done);
        }
}

static int method_reload_module(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Context *c = userdata;
        g_autoptr(GError) gerror = NULL;
        ReloadJob *job;
        int nested, r;

        r = sd_bus_message_read(m, "b", &nested);
        if (r < 0)
                return r;

        /* The refusals rest on the host as it is now: a module file may
         * have gone since the last read. */
        context_refresh_for_call(c, sd_bus_message_get_bus(m));
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
                if (!c->kernel) {
                        g_prefix_error(&gerror, "Cannot load modules: ");
                        return nv_bus_error_set_gerror_named(error, NV_ERROR_NOT_SUPPORTED, gerror);
                }
        }

        job = g_new0(ReloadJob, 1);
        job->queued_at = g_get_monotonic_time();
        job->context = c;
        job->message = sd_bus_message_ref(m);
        job->nested = nested;
        g_queue_push_tail(&c->reload_queue, job);
        context_start_reload(c);
        return 1; /* answered later, by reload_job_reply() */
}

/* @arg as an error message may show it: the first @max_chars characters,
 * and "..." if there were more, with control characters (a newline, an
 * escape sequence for the caller's terminal) and format characters (bidi
 * overrides that make a terminal show text reordered, zero-width ones that
 * hide in it: Unicode's Cf) written as \xNN or \uNNNN.
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

                if (!g_unichar_iscntrl(ch) && g_unichar_type(ch) != G_UNICODE_FORMAT)
                        g_string_append_unichar(shown, ch);
                else if (ch < 0x80)
                        g_string_append_printf(shown, "\\x%02x", (unsigned)ch);
                else if (ch <= 0xffff)
                        g_string_append_printf(shown, "\\u%04x", (unsigned)ch);
                else
                        g_string_append_printf(shown, "\\U%08x", (unsigned)ch);
        }
        if (*p)
                g_string_append(shown, "...");
        return g_string_free(shown, FALSE);
}

/* These messages quote the caller's domain argument, ours and libvirt's
 * alike: shown as printable_arg() shows an argument, named by the one
 * table (nv-bus-error.h). */
static int libvirt_error_to_bus(const GError *gerror, sd_bus_error *error)
{
        g_autofree char *valid = g_utf8_make_valid(gerror->message, -1);
        g_autofree char *text = printable_arg(valid, G_MAXLONG);
        g_autoptr(GError) shown = g_error_new_literal(gerror->domain, gerror->code, text);

        return nv_bus_error_set_gerror(error, shown);
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
 * libvirtd, a remote URI. They run in the domain worker (one at a time;
 * the NvLibvirt is locked anyway). Arguments and authorization are checked
 * before, in the handler.
 */
typedef struct {
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

/* In the main loop: the worker is done with @data. */
static void domain_job_done(gpointer data)
{
        DomainJob *job = data;
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
        domain_job_free(job);
}

/* In the worker thread: only libvirt, and @job, are touched here. */
static void domain_job_run(gpointer data)
{
        DomainJob *job = data;

        if (job->configure)
                nv_libvirt_configure_domain(job->libvirt, job->domain, job->mode, &job->restart_required,
                                            &job->error);
        else if (job->detailed)
                job->domains = nv_libvirt_list_domains_detailed(job->libvirt, &job->nesting, &job->error);
        else
                job->domains = nv_libvirt_list_domains(job->libvirt, &job->error);
}

/* @nesting: for ListDomainsDetailed, else NULL. */
static int context_push_domain_job(Context *c, sd_bus_message *m, gboolean configure, const char *domain,
                                   NvCpuMode mode, const NvNestingHost *nesting)
{
        DomainJob *job = g_new0(DomainJob, 1);

        if (!c->libvirt)
                c->libvirt = nv_libvirt_new(c->libvirt_uri);
        job->message = sd_bus_message_ref(m);
        job->libvirt = c->libvirt;
        job->configure = configure;
        job->domain = g_strdup(domain);
        job->mode = mode;
        if (nesting) {
                job->detailed = TRUE;
                job->nesting = *nesting;
                job->nesting_reason = g_strdup(nesting->host_reason);
                job->nesting.host_reason = job->nesting_reason;
        }
        nv_worker_push(c->domain_worker, job, domain_job_run, domain_job_done);
        return 1; /* answered later, by domain_job_done() */
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
        context_refresh_for_call(c, sd_bus_message_get_bus(m));
        nesting.flag = nv_virtualization_flag(c->status.cpu_vendor);
        nesting.host = nv_nesting_host_judge(nesting.flag, c->status.hardware_virtualization,
                                             *c->status.vendor_module ? c->status.vendor_module : NULL,
                                             c->status.vendor_module_loaded, c->status.nested_enabled,
                                             &host_reason);
        nesting.host_reason = host_reason;
        return context_push_domain_job(c, m, FALSE, NULL, NV_CPU_MODE_HOST_MODEL, &nesting);
}

static int property_get(sd_bus *bus, const char *path, const char *interface, const char *property,
                        sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        Context *c = userdata;
        const NvPropertyInfo *info = nv_property_info_find(property);

        g_assert(info);
        context_refresh_for_call(c, bus);
        return nv_status_append_value(reply, info, &c->status);
}

/*
 * The scan of the holders of /dev/kvm, and the calls that wait for it.
 */
typedef struct {
        Context *context;
        char *proc_dir;
        char *socket_path;
        gint64 started;
        gint64 duration;
        GArray *users;
        guint n_unreadable; /* processes left out: their descriptors could not be read */
        GError *error;
} UsersScan;

static void users_scan_free(UsersScan *scan)
{
        g_free(scan->proc_dir);
        g_free(scan->socket_path);
        g_clear_pointer(&scan->users, g_array_unref);
        g_clear_error(&scan->error);
        g_free(scan);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(UsersScan, users_scan_free)

static void users_scan_run(gpointer data)
{
        UsersScan *scan = data;

        scan->started = g_get_monotonic_time();
        /* The helper's socket is there under systemd (the unit Wants= it);
         * once there, its answer or its failure is the truth: an
         * in-process scan without the helper's capabilities would find
         * nobody. Without it (a daemon started by hand, by dbus-daemon
         * without systemd, or on a --root tree), the scan runs here. */
        if (scan->socket_path && g_file_test(scan->socket_path, G_FILE_TEST_EXISTS))
                scan->users = nv_kvm_users_query(scan->socket_path, &scan->error);
        else
                scan->users = nv_kvm_users_scan(scan->proc_dir, &scan->n_unreadable, &scan->error);
        scan->duration = g_get_monotonic_time() - scan->started;
}

/* How old the holders may be: the period, or on a host where a scan takes
 * long (hundreds of thousands of descriptors) NV_KVM_USERS_DUTY times what
 * the last one took, so that scanning keeps a worker busy a tenth of the
 * time at most, whatever the host. */
static gint64 context_users_period(const Context *c)
{
        return MAX(c->users_max_age_usec, c->users_duty * c->users_scan_usec);
}

static void users_scan_done(gpointer data)
{
        g_autoptr(UsersScan) scan = data;
        Context *c = scan->context;
        int n_found = scan->users ? (int)scan->users->len : -1;
        guint n_waited;

        c->users_scanning = FALSE;
        c->users_scan_usec = scan->duration;
        if (c->exiting)
                return; /* the calls waiting are answered by nv_admission_free() */
        /* Said once: a daemon without the capabilities keeps lacking them,
         * and each scan after would say the same. */
        if (scan->n_unreadable > 0 && !c->users_partial_warned) {
                g_warning("Could not look at the descriptors of %u processes in %s (no CAP_SYS_PTRACE): "
                          "ModuleUsers names only the holders among the others. Under systemd, "
                          "nestedvirtd-kvm-users.socket looks at all of them; is it running?",
                          scan->n_unreadable, scan->proc_dir);
                c->users_partial_warned = TRUE;
        }
        nv_host_set_users(c->host, g_steal_pointer(&scan->users), scan->started, scan->error);
        n_waited = nv_admission_end_scan(c->admission);
        g_debug("Scanned %s for the holders of /dev/kvm in %.1f ms: %d found; %u calls waited",
                scan->proc_dir, scan->duration / 1000.0, n_found, n_waited);
        /* For everyone watching, not only for those who waited. */
        context_refresh(c);
        context_start_reload(c);
}

/* Starts a scan unless one runs; the calls waiting and the reload queue
 * go on when it ends. */
static void context_scan_users(Context *c)
{
        UsersScan *scan;

        if (c->users_scanning)
                return;
        scan = g_new0(UsersScan, 1);
        scan->context = c;
        scan->proc_dir = nv_host_path(c->host, "/proc");
        scan->socket_path = g_strdup(c->users_socket);
        c->users_scanning = TRUE;
        nv_worker_push(c->users_worker, scan, users_scan_run, users_scan_done);
}

/* The calls that read the status: those to our object, but for the
 * standard interfaces that do not. */
static gboolean call_reads_status(sd_bus_message *m)
{
        const char *interface = sd_bus_message_get_interface(m);
        const char *path = sd_bus_message_get_path(m);

        if (!path || !g_str_equal(path, NV_OBJECT_PATH))
                return FALSE;
        return !interface || (!g_str_equal(interface, "org.freedesktop.DBus.Peer") &&
                              !g_str_equal(interface, "org.freedesktop.DBus.Introspectable"));
}

/* Holds @m until the holders of /dev/kvm have been looked for. */
static int context_wait_for_users(Context *c, sd_bus_message *m)
{
        int r = nv_admission_wait_for_scan(c->admission, m);

        /* Held, or refused with NV_ADMISSION_MAX_SCAN_WAITING calls
         * waiting already (for a scan that runs): the scan is due. */
        if (r > 0)
                context_scan_users(c);
        return r;
}

/* Every call counts as activity, whatever it is for. A call that reads
 * the status first waits for its user's budget, then for the holders of
 * /dev/kvm when they are due; but not when polkit's answer brings it back
 * (it passed both the first time, and the answer is kept for that one
 * dispatch). */
static int filter_incoming(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Context *c = userdata;
        NvAdmissionStage stage;
        int r;

        if (!sd_bus_message_is_method_call(m, NULL, NULL))
                return 0;
        c->n_calls++;
        context_touch_idle(c);
        stage = nv_admission_take_stage(c->admission, m);
        if (!call_reads_status(m) || nv_auth_has_query(c->auth, m))
                return 0;
        if (stage < NV_ADMISSION_STAGE_BUDGET) {
                r = nv_admission_charge(c->admission, m);
                if (r != 0)
                        return r;
        }
        if (stage < NV_ADMISSION_STAGE_SCAN) {
                g_auto(NvHostFacts) facts = { 0 };

                /* The read the handler would make (it reads no second time
                 * for this message), with the facts that say whether
                 * holders are possible. */
                context_refresh_facts_for_call(c, m, &facts);
                if (facts.module_users_possible &&
                    !nv_host_users_fresh(c->host, g_get_monotonic_time() - context_users_period(c)))
                        return context_wait_for_users(c, m);
        }
        return 0; /* go on to the handler */
}

static int on_idle(sd_event_source *s, uint64_t usec, void *userdata)
{
        Context *c = userdata;
        int r;

        /* Someone may be typing a password right now, libvirt be working
         * on a call, or the kernel be loading a module. */
        if (nv_auth_get_n_pending(c->auth) > 0 || nv_worker_get_n_pending(c->domain_worker) > 0 ||
            c->users_scanning || nv_admission_is_holding(c->admission) || c->reloading ||
            !g_queue_is_empty(&c->reload_queue)) {
                g_debug("Idle, but an authorization or a job is pending: not exiting yet");
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

static void on_host_changed(NvWatchChange change, void *userdata)
{
        Context *c = userdata;

        if (change == NV_WATCH_MODULES)
                nv_host_invalidate_modules(c->host);
        else
                nv_host_invalidate_config(c->host);
        context_refresh(c);
}

#define NV_PROPERTY_FLAGS_CONST        SD_BUS_VTABLE_PROPERTY_CONST
#define NV_PROPERTY_FLAGS_EMITS_CHANGE SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE
#define NV_VTABLE_PROPERTY(name, field, kind, change) \
        SD_BUS_PROPERTY(#name, NV_PROPERTY_SIGNATURE_##kind, property_get, 0, NV_PROPERTY_FLAGS_##change),

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

        /* One per line of NV_PROPERTIES(), all read by property_get().
         * (clang-format takes the expansion for an unfinished expression.) */
        /* clang-format off */
        NV_PROPERTIES(NV_VTABLE_PROPERTY)

        SD_BUS_VTABLE_END
        /* clang-format on */
};
#undef NV_VTABLE_PROPERTY

/* The scan helper's socket, or NULL for none: a --root tree is not this
 * host, which the helper describes, unless the environment names one (for
 * tests). */
static char *users_socket_path(const NvHost *host)
{
        const char *value = g_getenv("NESTEDVIRTD_KVM_USERS_SOCKET");

        if (value && *value)
                return g_strdup(value);
        return nv_host_is_real(host) ? g_strdup(NV_KVM_USERS_SOCKET) : NULL;
}

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
         * services, IgnoreSIGPIPE=yes; dbus-daemon's activation does not),
         * and a libvirtd that dies mid-call closes the socket under it. */
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

        c->watch = nv_watch_new(c->event, c->host, on_host_changed, c);
        /* From here on, a status read takes the modules' state from the
         * last one unless an event came (where that is enough). */
        if (nv_watch_covers_modules(c->watch))
                nv_host_watch_modules(c->host);
        c->domain_worker = nv_worker_new("nv-domains");
        c->reload_worker = nv_worker_new("nv-reload");
        c->users_worker = nv_worker_new("nv-kvm-users");

        {
                /* How old the holders of /dev/kvm may be; the environment
                 * can set exactly that period, for tests. */
                gboolean fixed;
                guint64 msec = nv_env_get_number("NESTEDVIRTD_KVM_USERS_MAX_AGE_MSEC", 0, 3600 * 1000,
                                                 "milliseconds", NV_KVM_USERS_MAX_AGE_USEC / 1000, &fixed);

                c->users_max_age_usec = (gint64)msec * 1000;
                c->users_duty = fixed ? 0 : NV_KVM_USERS_DUTY;
        }
        c->users_socket = users_socket_path(c->host);

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
        c->admission = nv_admission_new(c->bus, c->event);
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
