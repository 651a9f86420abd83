/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvirt for ConfigureDomain and ListDomains (see nv-libvirt.h).
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
#define NV_LIBVIRT_FOR_EACH_SYMBOL(X)  \
        X(virInitialize)               \
        X(virSetErrorFunc)             \
        X(virGetLastErrorCode)         \
        X(virGetLastErrorMessage)      \
        X(virConnectOpen)              \
        X(virConnectClose)             \
        X(virConnectIsAlive)           \
        X(virConnectListAllDomains)    \
        X(virDomainLookupByName)       \
        X(virDomainLookupByUUIDString) \
        X(virDomainGetName)            \
        X(virDomainGetUUIDString)      \
        X(virDomainGetState)           \
        X(virDomainIsPersistent)       \
        X(virDomainGetXMLDesc)         \
        X(virDomainDefineXML)          \
        X(virDomainFree)

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

static NvDomainInfo *get_domain_info(NvLibvirt *self, virDomain *dom, GError **error)
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

        return g_steal_pointer(&info);
}

static int compare_domain_info(gconstpointer a, gconstpointer b)
{
        const NvDomainInfo *const *info_a = a;
        const NvDomainInfo *const *info_b = b;

        return strcmp((*info_a)->name, (*info_b)->name);
}

static GPtrArray *list_once(NvLibvirt *self, GError **error)
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

                        info = get_domain_info(self, doms[i], &domain_error);
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

GPtrArray *nv_libvirt_list_domains(NvLibvirt *self, GError **error)
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
                domains = list_once(self, &local_error);
                if (domains)
                        return domains;
                if (attempt > 0 ||
                    !g_error_matches(local_error, NV_LIBVIRT_ERROR, NV_LIBVIRT_ERROR_UNAVAILABLE)) {
                        g_propagate_error(error, g_steal_pointer(&local_error));
                        return NULL;
                }
        }
}
