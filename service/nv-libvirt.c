/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvirt for ConfigureDomain, ListDomains and ListDomainsDetailed (see
 * nv-libvirt.h).
 *
 * libvirt is not linked: libvirt.so.0 pulls in dozens of libraries and
 * starts threads, and a daemon that is only asked for its status should
 * pay for none of that. It is dlopen()ed on the first domain call and its
 * functions are called through a table typed from <libvirt/libvirt.h>, so
 * the compiler still checks every call. Once loaded it stays loaded:
 * libvirt keeps global state and threads and cannot be unloaded safely.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "nv-dlopen.h"
#include "nv-libvirt.h"

#define NV_LIBVIRT_SONAME "libvirt.so.0"

GQuark nv_libvirt_error_quark(void)
{
        return g_quark_from_static_string("nv-libvirt-error-quark");
}

/* Every libvirt function used here; a missing one makes libvirt unusable
 * as a whole rather than failing later in the middle of an edit. All of
 * them exist since libvirt 4.5.0 (virGetLastErrorCode). */
#define NV_LIBVIRT_FOR_EACH_SYMBOL(X)      \
        X(virInitialize)                   \
        X(virSetErrorFunc)                 \
        X(virGetLastErrorCode)             \
        X(virGetLastErrorMessage)          \
        X(virConnectOpen)                  \
        X(virConnectClose)                 \
        X(virConnectIsAlive)               \
        X(virConnectListAllDomains)        \
        X(virDomainLookupByName)           \
        X(virDomainLookupByUUIDString)     \
        X(virDomainGetName)                \
        X(virDomainGetUUIDString)          \
        X(virDomainGetState)               \
        X(virDomainIsPersistent)           \
        X(virDomainGetXMLDesc)             \
        X(virDomainDefineXML)              \
        X(virDomainFree)                   \
        X(virConnectGetDomainCapabilities) \
        X(virConnectBaselineCPU)

typedef struct {
#define NV_LIBVIRT_DECLARE_SYMBOL(name) __typeof__(name) *name;
        NV_LIBVIRT_FOR_EACH_SYMBOL(NV_LIBVIRT_DECLARE_SYMBOL)
#undef NV_LIBVIRT_DECLARE_SYMBOL
} NvLibvirtApi;

/* Process-wide, like the library itself; written once
 * (nv_dl_library_load()). */
static NvLibvirtApi api;

struct NvLibvirt {
        char *uri;
        /* One call at a time: the connection is replaced when it dropped,
         * and a domain method may run in a worker thread. */
        GMutex lock;
        virConnectPtr conn;
};

static void domain_free(virDomain *domain)
{
        api.virDomainFree(domain);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virDomain, domain_free)

/* libvirt prints every error to stderr unless told otherwise; ours go
 * through GError to the caller, who decides what the user sees. */
static void ignore_libvirt_error(void *userdata, virErrorPtr error)
{
}

/* Explicitly, before any connection: libvirt's one-time setup is only
 * safe to race with other threads from this entry point. */
static char *init_api(void)
{
        if (api.virInitialize() < 0)
                return g_strdup_printf("libvirt could not be initialized: %s", api.virGetLastErrorMessage());
        api.virSetErrorFunc(NULL, ignore_libvirt_error);
        return NULL;
}

#define NV_LIBVIRT_SYMBOL_ENTRY(name) NV_DL_SYMBOL_INIT(api, name),
static const NvDlSymbol symbols[] = { NV_LIBVIRT_FOR_EACH_SYMBOL(NV_LIBVIRT_SYMBOL_ENTRY) };
#undef NV_LIBVIRT_SYMBOL_ENTRY

static NvDlLibrary library = {
        .soname = NV_LIBVIRT_SONAME,
        .install_hint = "install libvirt's client library (libvirt0 or libvirt-libs), 4.5.0 or newer, to "
                        "manage domains",
        .symbols = symbols,
        .n_symbols = G_N_ELEMENTS(symbols),
        .init = init_api,
};

static gboolean ensure_api(GError **error)
{
        const char *load_error = nv_dl_library_load(&library);

        if (load_error) {
                g_set_error_literal(error, NV_LIBVIRT_ERROR, NV_LIBVIRT_ERROR_UNAVAILABLE, load_error);
                return FALSE;
        }
        return TRUE;
}

NvLibvirt *nv_libvirt_new(const char *uri)
{
        NvLibvirt *self;

        g_return_val_if_fail(uri != NULL && *uri != '\0', NULL);

        self = g_new0(NvLibvirt, 1);
        self->uri = g_strdup(uri);
        g_mutex_init(&self->lock);
        return self;
}

void nv_libvirt_free(NvLibvirt *self)
{
        if (!self)
                return;
        /* A connection exists only when the library was loaded. */
        if (self->conn)
                api.virConnectClose(self->conn);
        g_mutex_clear(&self->lock);
        g_free(self->uri);
        g_free(self);
}

void nv_domain_info_free(NvDomainInfo *info)
{
        if (!info)
                return;
        g_free(info->name);
        g_free(info->uuid);
        g_free(info->state);
        g_free(info->cpu_mode);
        g_free(info->nested);
        g_free(info->nested_reason);
        g_free(info);
}

static virConnectPtr get_connection(NvLibvirt *self, GError **error)
{
        if (!ensure_api(error))
                return NULL;

        if (self->conn) {
                if (api.virConnectIsAlive(self->conn) == 1)
                        return self->conn;
                /* libvirtd restarted, or the socket went away: the old
                 * connection will never work again. */
                g_debug("Connection to %s dropped, opening it again", self->uri);
                api.virConnectClose(self->conn);
                self->conn = NULL;
        }

        /* Read-write: ConfigureDomain defines domains, and the read-only
         * socket would not show the secrets in the definition we write back. */
        self->conn = api.virConnectOpen(self->uri);
        if (!self->conn) {
                g_set_error(error, NV_LIBVIRT_ERROR, NV_LIBVIRT_ERROR_UNAVAILABLE,
                            "Cannot connect to libvirt at %s: %s. Is libvirtd (or virtqemud) running?",
                            self->uri, api.virGetLastErrorMessage());
                return NULL;
        }
        return self->conn;
}

/* Turns libvirt's last error of this thread into @error, prefixed with
 * @what (a sentence fragment naming what failed; never a format). */
static void set_error_from_libvirt(NvLibvirt *self, GError **error, const char *what)
{
        /* Copied first: every libvirt call, virConnectIsAlive included,
         * resets the thread's last error. */
        int code = api.virGetLastErrorCode();
        g_autofree char *message = g_strdup(api.virGetLastErrorMessage());
        NvLibvirtError nv_code = NV_LIBVIRT_ERROR_FAILED;

        if (code == VIR_ERR_NO_DOMAIN)
                nv_code = NV_LIBVIRT_ERROR_NOT_FOUND;
        else if (self->conn && api.virConnectIsAlive(self->conn) != 1)
                nv_code = NV_LIBVIRT_ERROR_UNAVAILABLE;

        g_set_error(error, NV_LIBVIRT_ERROR, nv_code, "%s on %s: %s", what, self->uri, message);
}

static virDomain *lookup_domain(NvLibvirt *self, const char *domain, GError **error)
{
        g_autofree char *what = NULL;
        virDomain *dom = NULL;

        /* Like virsh: a UUID first, then the name, because nothing stops a
         * domain from being named like a UUID. */
        if (g_uuid_string_is_valid(domain)) {
                dom = api.virDomainLookupByUUIDString(self->conn, domain);
                if (!dom && api.virGetLastErrorCode() != VIR_ERR_NO_DOMAIN) {
                        what = g_strdup_printf("Cannot look up domain %s", domain);
                        set_error_from_libvirt(self, error, what);
                        return NULL;
                }
        }
        if (!dom)
                dom = api.virDomainLookupByName(self->conn, domain);
        if (dom)
                return dom;

        if (api.virGetLastErrorCode() == VIR_ERR_NO_DOMAIN) {
                if (g_uuid_string_is_valid(domain))
                        g_set_error(error, NV_LIBVIRT_ERROR, NV_LIBVIRT_ERROR_NOT_FOUND,
                                    "No domain with UUID %s (or named so) on %s; `virsh -c %s list --all` "
                                    "shows the domains there",
                                    domain, self->uri, self->uri);
                else
                        g_set_error(error, NV_LIBVIRT_ERROR, NV_LIBVIRT_ERROR_NOT_FOUND,
                                    "No domain named '%s' on %s; `virsh -c %s list --all` shows the domains "
                                    "there",
                                    domain, self->uri, self->uri);
                return NULL;
        }

        what = g_strdup_printf("Cannot look up domain '%s'", domain);
        set_error_from_libvirt(self, error, what);
        return NULL;
}

/* virsh's words, so that what a panel shows matches `virsh list --all`. */
static const char *state_to_string(int state)
{
        switch (state) {
        case VIR_DOMAIN_RUNNING:
                return "running";
        case VIR_DOMAIN_BLOCKED:
                return "idle";
        case VIR_DOMAIN_PAUSED:
                return "paused";
        case VIR_DOMAIN_SHUTDOWN:
                return "in shutdown";
        case VIR_DOMAIN_SHUTOFF:
                return "shut off";
        case VIR_DOMAIN_CRASHED:
                return "crashed";
        case VIR_DOMAIN_PMSUSPENDED:
                return "pmsuspended";
        case VIR_DOMAIN_NOSTATE:
        default:
                return "no state";
        }
}

static gboolean get_state(NvLibvirt *self, virDomain *dom, const char *name, int *ret_state, GError **error)
{
        if (api.virDomainGetState(dom, ret_state, NULL, 0) < 0) {
                g_autofree char *what = g_strdup_printf("Cannot read the state of domain '%s'", name);

                set_error_from_libvirt(self, error, what);
                return FALSE;
        }
        return TRUE;
}

static gboolean configure_once(NvLibvirt *self, const char *domain, NvCpuMode mode,
                               gboolean *ret_restart_required, GError **error)
{
        g_autoptr(virDomain) dom = NULL;
        g_autoptr(GError) local_error = NULL;
        /* libvirt's strings are free()d; g_free() is free() since GLib 2.46. */
        g_autofree char *xml = NULL;
        g_autofree char *new_xml = NULL;
        g_autofree char *what = NULL;
        const char *name;
        gboolean changed = FALSE;
        int state;

        dom = lookup_domain(self, domain, error);
        if (!dom)
                return FALSE;
        name = api.virDomainGetName(dom);

        /* The persistent definition (INACTIVE), as `virsh edit` reads it,
         * and with SECURE: without it libvirt leaves out secrets such as
         * VNC and SPICE passwords, and defining that text would drop them. */
        xml = api.virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE);
        if (!xml) {
                what = g_strdup_printf("Cannot read the definition of domain '%s'", name);
                set_error_from_libvirt(self, error, what);
                return FALSE;
        }

        /* A CPU mode cannot give a confidential guest what KVM never offers
         * it: say so, rather than change a definition for nothing. */
        {
                g_auto(NvCpuDef) cpu = { 0 };
                g_auto(NvDomainGuest) guest = { 0 };

                if (nv_domain_xml_get_cpu(xml, &cpu, &guest, NULL) &&
                    guest.launch_security != NV_LAUNCH_SECURITY_NONE) {
                        g_set_error(error, NV_LIBVIRT_ERROR, NV_LIBVIRT_ERROR_NOT_SUPPORTED,
                                    "Domain '%s' is a %s guest (<launchSecurity>): confidential guests "
                                    "cannot run KVM inside, whatever their CPU mode, so its definition "
                                    "was left as it is. Nested virtualization needs a guest without "
                                    "<launchSecurity>.",
                                    name, nv_launch_security_to_string(guest.launch_security));
                        return FALSE;
                }
        }

        new_xml = nv_domain_xml_set_cpu_mode(xml, mode, &changed, &local_error);
        if (!new_xml) {
                g_set_error(error, NV_LIBVIRT_ERROR, NV_LIBVIRT_ERROR_FAILED,
                            "Cannot edit the definition of domain '%s' on %s: %s", name, self->uri,
                            local_error->message);
                return FALSE;
        }

        if (changed) {
                /* Replaces the persistent definition only (same name and
                 * UUID); a running domain keeps its live one until it is
                 * powered off. A transient domain becomes persistent, as
                 * with `virsh edit`. */
                g_autoptr(virDomain) defined = api.virDomainDefineXML(self->conn, new_xml);

                if (!defined) {
                        what = g_strdup_printf("Cannot define domain '%s' with <cpu mode='%s'>", name,
                                               nv_cpu_mode_to_string(mode));
                        set_error_from_libvirt(self, error, what);
                        return FALSE;
                }
        }

        if (!get_state(self, dom, name, &state, error))
                return FALSE;

        /* Every state but "shut off" has a QEMU process (or the hypervisor's
         * equivalent) with the old CPU: running, idle (blocked), paused, in
         * shutdown, pmsuspended, crashed (kept for inspection by
         * on_crash='preserve') and, to be safe, "no state". Only a full
         * power-off and a new start read the persistent definition; a
         * reboot inside the guest does not. */
        if (ret_restart_required)
                *ret_restart_required = state != VIR_DOMAIN_SHUTOFF;
        /* Only what was done: asking for the mode a domain has is no
         * change worth a line in the journal. */
        if (changed)
                g_message("Set the CPU mode of domain '%s' on %s to %s%s", name, self->uri,
                          nv_cpu_mode_to_string(mode),
                          state != VIR_DOMAIN_SHUTOFF ? " (applies after a full power-off)" : "");
        return TRUE;
}

gboolean nv_libvirt_configure_domain(NvLibvirt *self, const char *domain, NvCpuMode mode,
                                     gboolean *ret_restart_required, GError **error)
{
        g_autoptr(GMutexLocker) locker = NULL;

        g_return_val_if_fail(self != NULL, FALSE);
        g_return_val_if_fail(domain != NULL, FALSE);
        g_return_val_if_fail(nv_cpu_mode_to_string(mode) != NULL, FALSE);
        g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

        locker = g_mutex_locker_new(&self->lock);

        /* A dropped connection is only noticed when a call fails on it;
         * then one more try on a new connection. Safe to repeat: the
         * definition is read again, and an edit that already got through
         * is seen as no change. */
        for (guint attempt = 0;; attempt++) {
                g_autoptr(GError) local_error = NULL;

                if (!get_connection(self, error))
                        return FALSE;
                if (configure_once(self, domain, mode, ret_restart_required, &local_error))
                        return TRUE;
                if (attempt > 0 ||
                    !g_error_matches(local_error, NV_LIBVIRT_ERROR, NV_LIBVIRT_ERROR_UNAVAILABLE)) {
                        g_propagate_error(error, g_steal_pointer(&local_error));
                        return FALSE;
                }
        }
}

typedef struct NestingContext NestingContext;
static void judge_domain(NestingContext *ctx, virDomain *dom, gboolean active, gboolean persistent,
                         const char *xml, NvDomainInfo *info);

/* With @nesting (NULL for ListDomains), also whether the guest nests. */
static NvDomainInfo *get_domain_info(NvLibvirt *self, virDomain *dom, NestingContext *nesting,
                                     GError **error)
{
        g_autoptr(NvDomainInfo) info = g_new0(NvDomainInfo, 1);
        g_autoptr(GError) local_error = NULL;
        g_autofree char *xml = NULL;
        g_autofree char *what = NULL;
        char uuid[VIR_UUID_STRING_BUFLEN];
        const char *name;
        int state, persistent;

        name = api.virDomainGetName(dom);
        if (!name || api.virDomainGetUUIDString(dom, uuid) < 0) {
                set_error_from_libvirt(self, error, "Cannot read a domain's name and UUID");
                return NULL;
        }
        info->name = g_strdup(name);
        info->uuid = g_ascii_strdown(uuid, -1);

        if (!get_state(self, dom, name, &state, error))
                return NULL;
        info->state = g_strdup(state_to_string(state));

        /* The persistent definition is what ConfigureDomain edits and what
         * the next start uses; a transient domain only has its live one
         * (whose host-model CPU libvirt may show expanded as custom). */
        persistent = api.virDomainIsPersistent(dom);
        if (persistent < 0) {
                what = g_strdup_printf("Cannot tell whether domain '%s' is persistent", name);
                set_error_from_libvirt(self, error, what);
                return NULL;
        }
        xml = api.virDomainGetXMLDesc(dom, persistent ? VIR_DOMAIN_XML_INACTIVE : 0);
        if (!xml) {
                what = g_strdup_printf("Cannot read the definition of domain '%s'", name);
                set_error_from_libvirt(self, error, what);
                return NULL;
        }

        info->cpu_mode = nv_domain_xml_get_cpu_mode(xml, &local_error);
        if (!info->cpu_mode) {
                g_set_error(error, NV_LIBVIRT_ERROR, NV_LIBVIRT_ERROR_FAILED,
                            "Cannot read the definition of domain '%s' on %s: %s", name, self->uri,
                            local_error->message);
                return NULL;
        }

        if (nesting)
                judge_domain(nesting, dom, state != VIR_DOMAIN_SHUTOFF, persistent, xml, info);
        return g_steal_pointer(&info);
}

static int compare_domain_info(gconstpointer a, gconstpointer b)
{
        const NvDomainInfo *const *info_a = a;
        const NvDomainInfo *const *info_b = b;

        return strcmp((*info_a)->name, (*info_b)->name);
}

static GPtrArray *list_once(NvLibvirt *self, NestingContext *nesting, GError **error)
{
        g_autoptr(GPtrArray) domains = g_ptr_array_new_with_free_func((GDestroyNotify)nv_domain_info_free);
        g_autoptr(GError) local_error = NULL;
        virDomainPtr *doms = NULL;
        int n;

        /* Flags 0: active and inactive, persistent and transient. */
        n = api.virConnectListAllDomains(self->conn, &doms, 0);
        if (n < 0) {
                set_error_from_libvirt(self, error, "Cannot list the domains");
                return NULL;
        }

        for (int i = 0; i < n; i++) {
                NvDomainInfo *info = NULL;

                if (!local_error) {
                        g_autoptr(GError) domain_error = NULL;

                        info = get_domain_info(self, doms[i], nesting, &domain_error);
                        /* Undefined between the listing and now: not an
                         * error, it is simply gone. */
                        if (!info &&
                            !g_error_matches(domain_error, NV_LIBVIRT_ERROR, NV_LIBVIRT_ERROR_NOT_FOUND))
                                local_error = g_steal_pointer(&domain_error);
                }
                if (info)
                        g_ptr_array_add(domains, info);
                /* Freed in any case, also after an error. */
                api.virDomainFree(doms[i]);
        }
        free(doms);

        if (local_error) {
                g_propagate_error(error, g_steal_pointer(&local_error));
                return NULL;
        }

        g_ptr_array_sort(domains, compare_domain_info);
        return g_steal_pointer(&domains);
}

/* ---- Does the guest get vmx/svm? -------------------------------------- */

/* libvirt's host-model CPU for one kind of guest, or why it is unknown. */
typedef struct {
        NvCpuDef cpu;
        gboolean known;
        gboolean supported;
        char *error;
} HostModel;

static void host_model_free(HostModel *hm)
{
        nv_cpu_def_clear(&hm->cpu);
        g_free(hm->error);
        g_free(hm);
}

static void cpu_def_free(NvCpuDef *cpu)
{
        if (!cpu)
                return;
        nv_cpu_def_clear(cpu);
        g_free(cpu);
}

/* What one listing learned from libvirt, asked once per kind of guest or
 * model: libvirt may answer differently on the next call (the host's
 * module was reloaded, libvirtd upgraded), so nothing is kept longer. */
struct NestingContext {
        NvLibvirt *self;
        NvNestingHost host;
        GHashTable *host_models; /* "type arch machine emulator" -> HostModel */
        GHashTable *models;      /* "arch model" -> NvCpuDef expanded, NULL when unknown */
        const char *arch;        /* of the domain being judged */
};

/* Whether @uri names a libvirt on the machine the daemon runs on, whose
 * CPU and modules the daemon sees: no host part (qemu:///system,
 * qemu+unix:///..., test:///...), or localhost. A URI that does not parse
 * (a libvirt.conf alias) may name any machine. */
static gboolean uri_is_local(const char *uri)
{
        g_autoptr(GUri) parsed = g_uri_parse(uri, G_URI_FLAGS_NON_DNS, NULL);
        const char *host;

        if (!parsed)
                return FALSE;
        host = g_uri_get_host(parsed);
        return !host || !*host || g_ascii_strcasecmp(host, "localhost") == 0;
}

static HostModel *get_host_model(NestingContext *ctx, const NvDomainGuest *guest)
{
        g_autofree char *key = g_strjoin(
                " ", guest->virt_type ? guest->virt_type : "", guest->arch ? guest->arch : "",
                guest->machine ? guest->machine : "", guest->emulator ? guest->emulator : "", NULL);
        g_autoptr(GError) local_error = NULL;
        g_autofree char *xml = NULL;
        HostModel *hm;

        hm = g_hash_table_lookup(ctx->host_models, key);
        if (hm)
                return hm;

        hm = g_new0(HostModel, 1);
        /* The domain's own emulator, architecture, machine type and
         * virtualization type: host-model differs between them (KVM or
         * TCG, one QEMU or another). */
        xml = api.virConnectGetDomainCapabilities(ctx->self->conn, guest->emulator, guest->arch,
                                                  guest->machine, guest->virt_type, 0);
        if (!xml)
                hm->error = g_strdup_printf("%s gives no domain capabilities: %s", ctx->self->uri,
                                            api.virGetLastErrorMessage());
        else if (!nv_domain_caps_get_host_model(xml, &hm->cpu, &hm->supported, &local_error))
                hm->error = g_strdup_printf("%s: %s", ctx->self->uri, local_error->message);
        else
                hm->known = TRUE;
        g_hash_table_insert(ctx->host_models, g_steal_pointer(&key), hm);
        return hm;
}

/* NvModelHasFeatureFunc: libvirt's CPU map, through virConnectBaselineCPU()
 * with every feature of the model spelled out. */
static NvNested model_has_feature(const char *model, const char *feature, gpointer user_data)
{
        NestingContext *ctx = user_data;
        g_autofree char *key = g_strdup_printf("%s %s", ctx->arch, model);
        NvCpuDef *expanded = NULL;
        const char *policy;

        if (!g_hash_table_lookup_extended(ctx->models, key, NULL, (gpointer *)&expanded)) {
                g_autofree char *cpu = g_markup_printf_escaped("<cpu><arch>%s</arch><model>%s</model></cpu>",
                                                               ctx->arch, model);
                const char *cpus[] = { cpu };
                g_autofree char *xml = api.virConnectBaselineCPU(ctx->self->conn, cpus, 1,
                                                                 VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES);

                if (xml) {
                        expanded = g_new0(NvCpuDef, 1);
                        if (!nv_cpu_xml_parse(xml, expanded, NULL) || g_strcmp0(expanded->model, model) != 0)
                                g_clear_pointer(&expanded, cpu_def_free);
                } else {
                        g_debug("No features of CPU model %s on %s: %s", model, ctx->self->uri,
                                api.virGetLastErrorMessage());
                }
                g_hash_table_insert(ctx->models, g_steal_pointer(&key), expanded);
        }
        if (!expanded)
                return NV_NESTED_UNKNOWN;
        policy = g_hash_table_lookup(expanded->features, feature);
        return g_strcmp0(policy, "require") == 0 || g_strcmp0(policy, "force") == 0 ? NV_NESTED_YES
                                                                                    : NV_NESTED_NO;
}

static NvNested judge_definition(NestingContext *ctx, const char *xml, char **ret_reason)
{
        g_auto(NvCpuDef) cpu = { 0 };
        g_auto(NvDomainGuest) guest = { 0 };
        g_autoptr(GError) local_error = NULL;
        NvNestingHost host = ctx->host;
        NvNested nested;

        if (!nv_domain_xml_get_cpu(xml, &cpu, &guest, &local_error)) {
                *ret_reason = g_strdup(local_error->message);
                return NV_NESTED_UNKNOWN;
        }
        /* Whatever the CPU mode, a confidential guest gets no VMX/SVM. */
        if (guest.launch_security != NV_LAUNCH_SECURITY_NONE) {
                *ret_reason = nv_launch_security_reason(guest.launch_security);
                return NV_NESTED_NO;
        }

        /* Only host-model needs the domain capabilities, or a host whose
         * vendor the daemon does not know. */
        if (g_strcmp0(cpu.mode, "host-model") == 0 || !host.flag) {
                HostModel *hm = get_host_model(ctx, &guest);

                host.host_model = hm->known ? &hm->cpu : NULL;
                host.host_model_supported = hm->supported;
                host.host_model_error = hm->error;
        }
        host.model_has_feature = model_has_feature;
        host.user_data = ctx;
        ctx->arch = guest.arch ? guest.arch : "x86_64";
        nested = nv_cpu_def_judge_nesting(&cpu, &host, ret_reason);
        ctx->arch = NULL;
        return nested;
}

/* @xml is the persistent definition of a persistent domain, else the live
 * one. */
static void judge_domain(NestingContext *ctx, virDomain *dom, gboolean active, gboolean persistent,
                         const char *xml, NvDomainInfo *info)
{
        g_autofree char *live_xml = NULL;
        g_autofree char *reason = NULL;
        g_autofree char *next_reason = NULL;
        NvNested nested, next;

        if (!active || !persistent) {
                nested = judge_definition(ctx, xml, &reason);
        } else {
                /* The guest runs with its live CPU until a full power-off;
                 * the persistent definition is what the next start gets. */
                live_xml = api.virDomainGetXMLDesc(dom, 0);
                if (!live_xml) {
                        nested = NV_NESTED_UNKNOWN;
                        reason = g_strdup_printf("its live definition cannot be read: %s",
                                                 api.virGetLastErrorMessage());
                } else {
                        nested = judge_definition(ctx, live_xml, &reason);
                }
                next = judge_definition(ctx, xml, &next_reason);
                if (next != nested) {
                        g_autofree char *running = g_steal_pointer(&reason);

                        reason = g_strdup_printf("%s; after a full power-off and start: %s, %s", running,
                                                 nv_nested_to_string(next), next_reason);
                }
        }
        info->nested = g_strdup(nv_nested_to_string(nested));
        info->nested_reason = g_steal_pointer(&reason);
}

static GPtrArray *list_domains(NvLibvirt *self, NestingContext *nesting, GError **error)
{
        g_autoptr(GMutexLocker) locker = NULL;

        g_return_val_if_fail(self != NULL, NULL);
        g_return_val_if_fail(error == NULL || *error == NULL, NULL);

        locker = g_mutex_locker_new(&self->lock);

        /* See nv_libvirt_configure_domain(): one retry on a new connection. */
        for (guint attempt = 0;; attempt++) {
                g_autoptr(GError) local_error = NULL;
                GPtrArray *domains;

                if (!get_connection(self, error))
                        return NULL;
                if (nesting) {
                        /* Answers of the old connection's libvirt may not be those of the new one. */
                        g_hash_table_remove_all(nesting->host_models);
                        g_hash_table_remove_all(nesting->models);
                }
                domains = list_once(self, nesting, &local_error);
                if (domains)
                        return domains;
                if (attempt > 0 ||
                    !g_error_matches(local_error, NV_LIBVIRT_ERROR, NV_LIBVIRT_ERROR_UNAVAILABLE)) {
                        g_propagate_error(error, g_steal_pointer(&local_error));
                        return NULL;
                }
        }
}

GPtrArray *nv_libvirt_list_domains(NvLibvirt *self, GError **error)
{
        return list_domains(self, NULL, error);
}

GPtrArray *nv_libvirt_list_domains_detailed(NvLibvirt *self, const NvNestingHost *host, GError **error)
{
        g_autoptr(GHashTable) host_models =
                g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)host_model_free);
        g_autoptr(GHashTable) models =
                g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)cpu_def_free);
        g_autofree char *remote_reason = NULL;
        NestingContext ctx = {
                .self = self,
                .host_models = host_models,
                .models = models,
        };

        g_return_val_if_fail(self != NULL, NULL);
        g_return_val_if_fail(host != NULL, NULL);

        ctx.host.flag = host->flag;
        ctx.host.host = host->host;
        ctx.host.host_reason = host->host_reason;
        if (!uri_is_local(self->uri)) {
                /* This machine's CPU and modules say nothing of another's;
                 * libvirt's host-model <vendor> names its flag. */
                remote_reason = g_strdup_printf("libvirt at %s may run on another machine, whose CPU and "
                                                "modules this service does not see",
                                                self->uri);
                ctx.host.flag = NULL;
                ctx.host.host = NV_NESTED_UNKNOWN;
                ctx.host.host_reason = remote_reason;
        }
        return list_domains(self, &ctx, error);
}
