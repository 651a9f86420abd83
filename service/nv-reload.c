/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reloads the vendor module with a new value of "nested" (nv-reload.h).
 *
 * "nested" is read-only in sysfs and `modprobe kvm_intel nested=1` on a
 * loaded module silently does nothing, so the only way to change it is an
 * unload and a load. Everything that can be checked is checked before the
 * unload, because between the unload and a successful load the host has no
 * KVM at all: that window must only be entered when it can be left.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "nv-errno.h"
#include "nv-kernel-param.h"
#include "nv-reload.h"

/* clang-format off */
G_DEFINE_QUARK(nv-reload-error-quark, nv_reload_error)
/* clang-format on */

static const char *nested_option(gboolean nested)
{
        /* Never Y/N: kvm_amd's "nested" is an int and refuses them, and
         * kvm_intel's bool takes 1/0 as well. */
        return nested ? "nested=1" : "nested=0";
}

/* "virtual machine web1 (process 4242), 4300 (qemu-img)". Valid UTF-8,
 * as a D-Bus message must be, but otherwise as the processes named
 * themselves: the clients escape what they print. */
static char *format_users(const GArray *users)
{
        g_autoptr(GString) text = g_string_new(NULL);

        for (guint i = 0; i < users->len; i++) {
                const NvModuleUser *user = &g_array_index(users, NvModuleUser, i);
                g_autofree char *command =
                        g_utf8_make_valid(user->command && *user->command ? user->command : "?", -1);

                if (i > 0)
                        g_string_append(text, ", ");
                if (user->machine && *user->machine) {
                        g_autofree char *machine = g_utf8_make_valid(user->machine, -1);

                        g_string_append_printf(text, "virtual machine %s (process %" G_GUINT32_FORMAT ")",
                                               machine, user->pid);
                } else {
                        g_string_append_printf(text, "%" G_GUINT32_FORMAT " (%s)", user->pid, command);
                }
        }
        return g_string_free(g_steal_pointer(&text), FALSE);
}

/* The kernel would refuse the unload anyway; checking first keeps the
 * module untouched and lets the error name who holds it, which the
 * kernel's EBUSY does not. */
static gboolean check_not_in_use(const char *module, const NvHostFacts *facts, const GArray *holders,
                                 const char *holders_unknown, GError **error)
{
        if (holders && holders->len > 0) {
                g_autofree char *users = format_users(holders);

                g_set_error(error, NV_RELOAD_ERROR, NV_RELOAD_ERROR_IN_USE,
                            "%s is in use by %s: shut these virtual machines down and try again", module,
                            users);
                return FALSE;
        }
        if (facts->has_vendor_refcnt && facts->vendor_refcnt > 0 && !holders) {
                g_set_error(error, NV_RELOAD_ERROR, NV_RELOAD_ERROR_IN_USE,
                            "%s is in use: its reference count is %" G_GUINT64_FORMAT
                            ", and who holds it could not be found out (%s); stop the virtual "
                            "machines using it and try again",
                            module, facts->vendor_refcnt, holders_unknown ? holders_unknown : "no scan");
                return FALSE;
        }
        if (facts->has_vendor_refcnt && facts->vendor_refcnt > 0) {
                g_set_error(error, NV_RELOAD_ERROR, NV_RELOAD_ERROR_IN_USE,
                            "%s is in use: its reference count is %" G_GUINT64_FORMAT
                            ", but no process holds /dev/kvm or a virtual machine, so something in "
                            "the kernel holds it; stop what uses it and try again",
                            module, facts->vendor_refcnt);
                return FALSE;
        }
        return TRUE;
}

/* The option that gives the module back the value it had, or NULL (what
 * modprobe.d and the command line say) when sysfs did not tell. */
static const char *previous_option(const NvHostFacts *facts)
{
        int r;

        if (!facts->nested_raw)
                return NULL;
        r = nv_nested_value_parse(facts->cpu.vendor, facts->nested_raw);
        if (r < 0)
                return NULL;
        return nested_option(r > 0);
}

void nv_reload_plan_clear(NvReloadPlan *plan)
{
        g_clear_pointer(&plan->module, g_free);
        memset(plan, 0, sizeof(*plan));
}

gboolean nv_reload_plan(const NvHostFacts *facts, const char *module, gboolean nested, const GArray *holders,
                        const char *holders_unknown, NvReloadPlan *ret, GError **error)
{
        g_autofree char *name = NULL;
        const char *vendor_module;

        g_return_val_if_fail(facts != NULL, FALSE);
        g_return_val_if_fail(module != NULL, FALSE);
        g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

        name = nv_module_name_normalize(module);
        vendor_module = nv_nesting_module(nv_arch_from_string(facts->architecture), facts->cpu.vendor);
        /* The host's facts, in particular who holds the module, are only
         * gathered for the vendor module. */
        if (!vendor_module || !g_str_equal(name, vendor_module)) {
                g_set_error(error, NV_RELOAD_ERROR, NV_RELOAD_ERROR_FAILED,
                            "%s is not the KVM module of this host's CPU (%s)", name,
                            vendor_module ? vendor_module : "unknown vendor");
                return FALSE;
        }

        switch (facts->vendor_state) {
        case NV_MODULE_STATE_ABSENT:
                ret->was_loaded = FALSE;
                break;
        case NV_MODULE_STATE_LIVE:
                ret->was_loaded = TRUE;
                break;
        case NV_MODULE_STATE_BUILTIN:
                g_set_error(error, NV_RELOAD_ERROR, NV_RELOAD_ERROR_BUILTIN,
                            "%s is built into the kernel; set %s.nested=%d on the kernel command line and "
                            "reboot",
                            name, name, nested ? 1 : 0);
                return FALSE;
        case NV_MODULE_STATE_COMING:
        case NV_MODULE_STATE_GOING:
                g_set_error(error, NV_RELOAD_ERROR, NV_RELOAD_ERROR_FAILED,
                            "%s is being %s right now; try again in a moment", name,
                            facts->vendor_state == NV_MODULE_STATE_COMING ? "loaded" : "unloaded");
                return FALSE;
        case NV_MODULE_STATE_UNKNOWN:
        default:
                g_set_error(error, NV_RELOAD_ERROR, NV_RELOAD_ERROR_FAILED,
                            "The state of %s in /sys/module/%s/initstate is not one the kernel "
                            "documents; nothing was changed",
                            name, name);
                return FALSE;
        }

        ret->at_run_time = ret->was_loaded && nv_arch_from_string(facts->architecture) == NV_ARCH_PPC64;
        if (ret->was_loaded && !ret->at_run_time) {
                if (!check_not_in_use(name, facts, holders, holders_unknown, error))
                        return FALSE;
                ret->old_option = previous_option(facts);
        }
        ret->module = g_steal_pointer(&name);
        ret->vendor = facts->cpu.vendor;
        ret->nested = nested;
        return TRUE;
}

gboolean nv_reload_swap(NvKernel *kernel, const NvReloadPlan *plan, GError **error)
{
        g_autoptr(GError) unload_error = NULL;
        g_autoptr(GError) load_error = NULL;
        g_autoptr(GError) restore_error = NULL;
        const char *name = plan->module;
        const char *option = nested_option(plan->nested);
        const char *old_option = plan->old_option;

        g_return_val_if_fail(kernel != NULL, FALSE);
        g_return_val_if_fail(plan->module != NULL, FALSE);

        if (plan->at_run_time) {
                g_autoptr(GError) set_error = NULL;

                if (kernel->ops->set_parameter(kernel, name, "nested", plan->nested ? "1" : "0", &set_error))
                        return TRUE;
                g_set_error(error, NV_RELOAD_ERROR, NV_RELOAD_ERROR_FAILED, "%s; %s runs on as it was",
                            set_error->message, name);
                return FALSE;
        }

        if (plan->was_loaded) {
                if (!kernel->ops->unload(kernel, name, &unload_error)) {
                        /* A VM started after the check. */
                        if (g_error_matches(unload_error, NV_ERRNO_ERROR, EBUSY))
                                g_set_error(error, NV_RELOAD_ERROR, NV_RELOAD_ERROR_IN_USE,
                                            "%s; shut the virtual machines using it down and try again",
                                            unload_error->message);
                        else
                                g_set_error(error, NV_RELOAD_ERROR, NV_RELOAD_ERROR_FAILED, "%s",
                                            unload_error->message);
                        return FALSE;
                }
        }

        if (!kernel->ops->load(kernel, name, option, &load_error)) {
                /* Not loaded before: not loaded now either, as it was. */
                if (!plan->was_loaded) {
                        g_set_error(error, NV_RELOAD_ERROR, NV_RELOAD_ERROR_FAILED, "%s",
                                    load_error->message);
                        return FALSE;
                }
                if (!kernel->ops->load(kernel, name, old_option, &restore_error)) {
                        g_set_error(error, NV_RELOAD_ERROR, NV_RELOAD_ERROR_FAILED,
                                    "%s; loading it back with %s failed too: %s; %s is not loaded now",
                                    load_error->message, old_option ? old_option : "its configured options",
                                    restore_error->message, name);
                        return FALSE;
                }
                g_set_error(error, NV_RELOAD_ERROR, NV_RELOAD_ERROR_FAILED, "%s; %s was loaded back with %s",
                            load_error->message, name, old_option ? old_option : "its configured options");
                return FALSE;
        }
        return TRUE;
}

char *nv_reload_finish(const NvReloadPlan *plan, const NvHostFacts *facts, GError **error)
{
        const char *option = nested_option(plan->nested);
        int r;

        if (!facts->nested_raw) {
                g_set_error(error, NV_RELOAD_ERROR, NV_RELOAD_ERROR_FAILED,
                            "%s was loaded with %s, but /sys/module/%s/parameters/nested cannot be read",
                            plan->module, option, plan->module);
                return NULL;
        }
        r = nv_nested_value_parse(plan->vendor, facts->nested_raw);
        if (r < 0 || (r > 0) != !!plan->nested)
                g_warning("%s was loaded with %s, but the kernel reports nested=%s", plan->module, option,
                          facts->nested_raw);
        return g_strdup(facts->nested_raw);
}
