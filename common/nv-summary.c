/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "nv-hypervisor-product.h"
#include "nv-summary.h"
#include "nv-util.h"

const char *nv_summary_cpu_vendor(const NvProperties *props)
{
        const char *vendor = props->cpu_vendor;

        if (nv_str_empty(vendor))
                return NULL;
        if (g_str_equal(vendor, "intel"))
                return "Intel";
        if (g_str_equal(vendor, "amd"))
                return "AMD";
        if (g_str_equal(vendor, "unknown"))
                return _("Unknown");
        return vendor;
}

/* Why nothing here can turn it on, in one sentence. */
static char *not_available_description(const NvProperties *props)
{
        const char *product = nv_hypervisor_product_display_name(
                nv_hypervisor_product_from_string(props->hypervisor_product));

        switch (nv_host_class(props)) {
        case NV_HOST_ARM64_COMMAND_LINE:
                return g_strdup(_("The running system is too old to offer nested virtualization on this "
                                  "processor."));
        case NV_HOST_UNSUPPORTED:
                return g_strdup(_("This computer's processor does not support nested virtualization."));
        case NV_HOST_PVM:
                return g_strdup(_("Virtual machines here run without hardware support, so they cannot run "
                                  "virtual machines of their own."));
        case NV_HOST_CONTAINER:
                return g_strdup(_("This runs in a container, which cannot change the computer it runs on; "
                                  "change the setting on that computer instead."));
        case NV_HOST_MODULE_ABSENT:
        case NV_HOST_NO_MODULE_LOADING:
                return g_strdup(_("The running system has no virtualization support; install it, or "
                                  "start a system that has it."));
        default:
                break;
        }
        if (props->in_virtual_machine == 1 && product)
                /* TRANSLATORS: %s is a product, "Hyper-V", "VMware" */
                return g_strdup_printf(
                        _("This computer is a virtual machine, and %s does not pass "
                          "virtualization on to it; turn it on for this virtual machine in %s."),
                        product, product);
        if (props->in_virtual_machine == 1)
                return g_strdup(_("This computer is a virtual machine, and its host does not pass "
                                  "virtualization on to it; turn it on for this virtual machine there."));
        return g_strdup(_("The processor does not offer virtualization; it may be turned off in the "
                          "computer's firmware settings."));
}

static char *switch_blocker(const NvProperties *props, const NvSummary *summary)
{
        switch (nv_host_class(props)) {
        case NV_HOST_ARM64_COMMAND_LINE:
        case NV_HOST_MODULE_BUILTIN:
        case NV_HOST_COMMAND_LINE:
                return g_strdup(_("Set by the computer's boot options, so it cannot be changed here"));
        case NV_HOST_CONTAINER:
                return g_strdup(_("Cannot be changed from inside a container"));
        case NV_HOST_UNSUPPORTED:
        case NV_HOST_PVM:
        case NV_HOST_MODULE_ABSENT:
        case NV_HOST_NO_MODULE_LOADING:
        case NV_HOST_NO_HARDWARE_VIRTUALIZATION:
                return g_strdup(_("Not available on this computer"));
        case NV_HOST_UNKNOWN:
                return g_strdup(_("The service did not say whether it can be changed"));
        case NV_HOST_MODULE:
                break;
        }
        if (summary->state == NV_VERDICT_NOT_AVAILABLE)
                return g_strdup(_("Not available on this computer"));
        if (nv_verdict_hpage_persistent(props) && props->nested_enabled != 1)
                return g_strdup(_("Virtual machines here are set up to use large memory pages, which rules "
                                  "out nested virtualization on this computer"));
        if (summary->pending)
                return g_strdup(_("A change is waiting for the virtual machines to stop"));
        return NULL;
}

static void restart_required(NvSummary *ret, const NvProperties *props, int persistent)
{
        gboolean in_use = props->vendor_module_in_use == 1;

        ret->icon_name = "system-reboot-symbolic";
        if (ret->pending) {
                ret->title = g_strdup(_("Waiting for Virtual Machines to Stop"));
                ret->description =
                        g_strdup(persistent ? _("Nested virtualization will be turned on as soon as no "
                                                "virtual machine is running.")
                                            : _("Nested virtualization will be turned off as soon as no "
                                                "virtual machine is running."));
                ret->action = NV_SUMMARY_ACTION_CANCEL_PENDING;
                ret->action_label = _("Cancel");
                return;
        }
        ret->title = g_strdup(_("Restart Required"));
        if (persistent)
                ret->description = g_strdup(
                        in_use ? _("Nested virtualization is turned on, and takes effect once the virtual "
                                   "machines below have stopped, or after a restart.")
                               : _("Nested virtualization is turned on, and takes effect when applied, or "
                                   "after a restart."));
        else
                ret->description = g_strdup(
                        in_use ? _("Nested virtualization is turned off, but stays on until the virtual "
                                   "machines below have stopped, or until a restart.")
                               : _("Nested virtualization is turned off, but stays on until applied, or "
                                   "until a restart."));
        if (persistent < 0)
                return;
        ret->action = in_use ? NV_SUMMARY_ACTION_APPLY_WHEN_IDLE : NV_SUMMARY_ACTION_APPLY_NOW;
        ret->action_label = in_use ? _("Apply When Virtual Machines Stop") : _("Apply Now");
}

void nv_summary_init(NvSummary *ret, const NvProperties *props)
{
        int persistent = nv_verdict_persistent_value(props);

        ret->state = nv_verdict_state(props);
        ret->pending = !nv_str_empty(props->pending_reload);
        switch (ret->state) {
        case NV_VERDICT_ON:
                ret->icon_name = "emblem-ok-symbolic";
                ret->title = g_strdup(_("Nested Virtualization Is On"));
                ret->description = g_strdup(
                        _("Virtual machines on this computer can run virtual machines of their own."));
                break;
        case NV_VERDICT_OFF:
                ret->icon_name = "computer-symbolic";
                ret->title = g_strdup(_("Nested Virtualization Is Off"));
                ret->description = g_strdup(
                        _("Virtual machines on this computer cannot run virtual machines of their own."));
                break;
        case NV_VERDICT_RESTART_REQUIRED:
                restart_required(ret, props, persistent);
                break;
        case NV_VERDICT_NOT_LOADED:
                ret->icon_name = "computer-symbolic";
                ret->title = g_strdup(_("Virtualization Is Not Started"));
                ret->description = g_strdup(_("Virtualization support is not loaded on this computer yet."));
                if (persistent >= 0) {
                        ret->action = NV_SUMMARY_ACTION_LOAD;
                        ret->action_label = _("Start Now");
                }
                break;
        case NV_VERDICT_NOT_AVAILABLE:
                ret->icon_name = "action-unavailable-symbolic";
                ret->title = g_strdup(_("Nested Virtualization Is Not Available"));
                ret->description = not_available_description(props);
                break;
        case NV_VERDICT_UNKNOWN:
                ret->icon_name = "dialog-question-symbolic";
                ret->title = g_strdup(_("State Unknown"));
                ret->description = g_strdup(
                        _("The service did not say what this computer can do; updating it may help."));
                break;
        }
        ret->switch_blocker = switch_blocker(props, ret);
        ret->switch_active = ret->switch_blocker ? props->nested_enabled == 1 : persistent == 1;
        /* While a change waits, the switch shows what it waits to apply. */
        if (ret->pending && nv_host_class(props) == NV_HOST_MODULE)
                ret->switch_active = persistent == 1;
        /* Never "on" beside "not available". */
        if (ret->state == NV_VERDICT_NOT_AVAILABLE)
                ret->switch_active = FALSE;
}

void nv_summary_clear(NvSummary *summary)
{
        g_free(summary->title);
        g_free(summary->description);
        g_free(summary->switch_blocker);
        memset(summary, 0, sizeof(*summary));
}
