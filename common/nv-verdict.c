/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "nv-hypervisor-product.h"
#include "nv-util.h"
#include "nv-verdict.h"

NvHostClass nv_host_class(const NvProperties *props)
{
        return nv_host_class_from_string(props->host_class);
}

const char *nv_verdict_yes_no(int value)
{
        return value < 0 ? _("unknown") : value ? _("yes") : _("no");
}

const char *nv_verdict_module(const NvProperties *props)
{
        return nv_str_empty(props->vendor_module) ? _("the KVM vendor module") : props->vendor_module;
}

/* ppc64le or big-endian ppc64: POWER, where kvm_hv nests. */
static gboolean is_power(const NvProperties *props)
{
        return g_str_has_prefix(props->architecture ? props->architecture : "", "ppc64");
}

const char *nv_verdict_cpu_flag(const NvProperties *props)
{
        if (g_strcmp0(props->architecture, "s390x") == 0)
                return "sie";
        if (is_power(props))
                return _("POWER9 or later in HV mode");
        if (g_strcmp0(props->cpu_vendor, "intel") == 0)
                return "vmx";
        if (g_strcmp0(props->cpu_vendor, "amd") == 0)
                return "svm";
        return _("vmx or svm");
}

char *nv_verdict_cpu_virtualization_text(const NvProperties *props)
{
        const char *yes_no = nv_verdict_yes_no(props->hardware_virtualization);
        gboolean present = props->hardware_virtualization == 1;

        /* s390x and POWER have no flag: a facility, a generation and a mode. */
        if (g_strcmp0(props->architecture, "s390x") == 0)
                return g_strdup_printf(
                        present ? _("%s (SIE facility present)") : _("%s (SIE facility missing)"), yes_no);
        if (is_power(props))
                return g_strdup_printf(present ? _("%s (POWER9 or later in HV mode)")
                                               : _("%s (needs POWER9 or later in HV mode, or as a guest, "
                                                   "nested HV from its hypervisor)"),
                                       yes_no);
        /* TRANSLATORS: "yes (vmx flag present)" */
        return g_strdup_printf(present ? _("%s (%s flag present)") : _("%s (%s flag missing)"), yes_no,
                               nv_verdict_cpu_flag(props));
}

const char *nv_verdict_hypervisor(const NvProperties *props)
{
        const char *product = nv_hypervisor_product_display_name(
                nv_hypervisor_product_from_string(props->hypervisor_product));

        if (product)
                return product;
        if (nv_str_empty(props->hypervisor) || g_str_equal(props->hypervisor, "unknown"))
                return _("an unknown hypervisor");
        return props->hypervisor;
}

char *nv_verdict_persistent_text(const NvProperties *props)
{
        const char *value = props->persistent_nested;
        const char *source = props->persistent_source;

        if (!value)
                return NULL;
        if (g_str_equal(value, "default"))
                return g_strdup(_("kernel default"));
        if (g_str_equal(value, "invalid"))
                return nv_str_empty(source) ? g_strdup(_("invalid value"))
                                            /* TRANSLATORS: %s is a file name */
                                            : g_strdup_printf(_("invalid value in %s"), source);
        if (nv_str_empty(source))
                return g_strdup(value);
        /* TRANSLATORS: "enabled by /etc/modprobe.d/kvm.conf"; the first %s
         * is "enabled" or "disabled", as the service reports it */
        return g_strdup_printf(_("%s by %s"), value, source);
}

int nv_verdict_persistent_value(const NvProperties *props)
{
        /* "default": nothing configured, and the kernel's default has been
         * on since Linux 4.20; saying so explicitly also survives an older
         * kernel. */
        if (g_strcmp0(props->persistent_nested, "default") == 0)
                /* s390's kvm is the exception: nested=0 by default. */
                return g_strcmp0(props->architecture, "s390x") == 0 ? 0 : 1;
        if (g_strcmp0(props->persistent_nested, "enabled") == 0)
                return 1;
        if (g_strcmp0(props->persistent_nested, "disabled") == 0)
                return 0;
        return -1;
}

/* "kvm_intel nested=Y", "kvm_intel built in", ...: the loaded module. */
static char *module_detail(const NvProperties *props)
{
        const char *module = nv_verdict_module(props);
        gboolean has_value = !nv_str_empty(props->nested_parameter);

        if (props->vendor_module_builtin == 1)
                return has_value ? g_strdup_printf(_("%s built in, nested=%s"), module,
                                                   props->nested_parameter)
                                 : g_strdup_printf(_("%s built in"), module);
        return has_value ? g_strdup_printf("%s nested=%s", module, props->nested_parameter)
                         : g_strdup(module);
}

char *nv_verdict_running_text(const NvProperties *props)
{
        g_autofree char *detail = NULL;

        if (nv_host_class(props) == NV_HOST_ARM64_COMMAND_LINE) {
                if (props->nested_enabled == 1)
                        return g_strdup(_("enabled (kvm-arm.mode=nested)"));
                if (g_strcmp0(props->nested_parameter, "nested") == 0)
                        return g_strdup(_("not available (kvm-arm.mode=nested needs Linux 6.16 or later)"));
                return g_strdup(_("disabled (no kvm-arm.mode=nested on the kernel command line)"));
        }
        if (nv_host_class(props) == NV_HOST_UNSUPPORTED)
                /* TRANSLATORS: "not supported (riscv64, unknown CPU)" */
                return g_strdup_printf(_("not supported (%s, %s CPU)"),
                                       nv_str_empty(props->architecture) ? _("unknown architecture")
                                                                         : props->architecture,
                                       nv_str_empty(props->cpu_vendor) ? _("unknown") : props->cpu_vendor);

        /* A loaded module is what decides; the CPU flag only explains why
         * a module is not there. */
        if (props->vendor_module_loaded == 1) {
                detail = module_detail(props);
                if (props->nested_enabled == 1)
                        return g_strdup_printf(_("enabled (%s)"), detail);
                if (props->nested_enabled == 0)
                        return g_strdup_printf(_("disabled (%s)"), detail);
                return g_strdup_printf(_("unknown (%s)"), detail);
        }

        switch (nv_host_class(props)) {
        case NV_HOST_PVM:
                return g_strdup_printf(_("hardware nesting not available (the CPU does not advertise %s; "
                                         "/dev/kvm is provided by kvm_pvm)"),
                                       nv_verdict_cpu_flag(props));
        case NV_HOST_MODULE_ABSENT:
                return g_strdup_printf(_("not available (%s is not in the running kernel)"),
                                       nv_verdict_module(props));
        case NV_HOST_NO_MODULE_LOADING:
                return g_strdup_printf(_("not available (%s is not built in, and the kernel cannot load "
                                         "modules)"),
                                       nv_verdict_module(props));
        default:
                break;
        }
        if (props->hardware_virtualization == 0 && is_power(props))
                return g_strdup(_("not available (kvm_hv nests on POWER9 or later in HV mode, or in a "
                                  "guest given nested HV)"));
        if (props->hardware_virtualization == 0)
                return g_strdup_printf(_("not available (the CPU does not advertise %s)"),
                                       nv_verdict_cpu_flag(props));
        if (props->vendor_module_loaded == 0)
                return g_strdup_printf(_("not available (%s not loaded)"), nv_verdict_module(props));
        return g_strdup(_("unknown"));
}

/* The ladder of nv_verdict_running_text(), in its order, without the
 * words: test-verdict checks that the two agree on every host. */
NvVerdictState nv_verdict_state(const NvProperties *props)
{
        NvHostClass host = nv_host_class(props);

        if (host == NV_HOST_ARM64_COMMAND_LINE) {
                if (props->nested_enabled == 1)
                        return NV_VERDICT_ON;
                return g_strcmp0(props->nested_parameter, "nested") == 0 ? NV_VERDICT_NOT_AVAILABLE
                                                                         : NV_VERDICT_OFF;
        }
        if (host == NV_HOST_UNSUPPORTED)
                return NV_VERDICT_NOT_AVAILABLE;
        if (props->vendor_module_loaded == 1) {
                if (props->nested_enabled < 0)
                        return NV_VERDICT_UNKNOWN;
                if (props->reload_required == 1 && nv_verdict_persistent_applies(props) &&
                    !nv_host_class_refuses_changes(host))
                        return NV_VERDICT_RESTART_REQUIRED;
                return props->nested_enabled ? NV_VERDICT_ON : NV_VERDICT_OFF;
        }
        switch (host) {
        case NV_HOST_PVM:
        case NV_HOST_MODULE_ABSENT:
        case NV_HOST_NO_MODULE_LOADING:
                return NV_VERDICT_NOT_AVAILABLE;
        default:
                break;
        }
        if (props->hardware_virtualization == 0)
                return NV_VERDICT_NOT_AVAILABLE;
        if (props->vendor_module_loaded == 0)
                /* Only where the service may load it; in a container it
                 * cannot. */
                return nv_host_class_refuses_changes(host) ? NV_VERDICT_NOT_AVAILABLE
                                                           : NV_VERDICT_NOT_LOADED;
        return NV_VERDICT_UNKNOWN;
}

gboolean nv_verdict_persistent_applies(const NvProperties *props)
{
        /* The same hosts as those where the service may change it. */
        return !nv_host_class_refuses_changes(nv_host_class(props));
}

char *nv_verdict_module_state_text(const NvProperties *props)
{
        const char *state = props->vendor_module_state;

        if (g_strcmp0(state, "loaded") == 0)
                return g_strdup(_("loaded"));
        if (g_strcmp0(state, "loadable") == 0)
                return g_strdup(_("not loaded, loadable"));
        if (g_strcmp0(state, "builtin") == 0)
                return g_strdup(_("built into the kernel"));
        if (g_strcmp0(state, "absent") == 0)
                return g_strdup(_("not in the running kernel"));
        if (g_strcmp0(state, "no-module-loading") == 0)
                return g_strdup(_("not built in, and the kernel cannot load modules"));
        /* An older service: the booleans. */
        if (props->vendor_module_builtin == 1)
                return g_strdup(_("built into the kernel"));
        if (props->vendor_module_loaded == 1)
                return g_strdup(_("loaded"));
        if (props->vendor_module_loaded == 0)
                return g_strdup(_("not loaded"));
        return g_strdup(_("unknown state"));
}

char *nv_verdict_kvm_device_text(const NvProperties *props)
{
        const char *access = props->kvm_device_access;
        g_autofree char *who = NULL;
        g_autofree char *provider = NULL;

        if (!props->kvm_device)
                return NULL;
        if (!*props->kvm_device)
                return g_strdup(_("none"));

        provider = nv_str_empty(props->kvm_provider)
                           ? g_strdup(_("provider unknown"))
                           /* TRANSLATORS: %s is a kernel module, "kvm_pvm" */
                           : g_strdup_printf(_("provided by %s"), props->kvm_provider);
        if (g_strcmp0(access, "root-only") == 0)
                who = g_strdup(_("only root"));
        else if (g_strcmp0(access, "owner") == 0)
                who = g_strdup_printf(_("root and user %s"), props->kvm_device_owner);
        else if (g_strcmp0(access, "group") == 0)
                who = g_strdup_printf(_("root and the members of group %s"), props->kvm_device_group);
        else if (g_strcmp0(access, "everyone") == 0)
                who = g_strdup(_("every user"));
        else
                return g_strdup_printf(_("%s, access unknown"), provider);
        /* TRANSLATORS: "provided by kvm_amd, root and the members of group
         * kvm may open it (mode 0660, root:kvm)" */
        return g_strdup_printf(_("%s, %s may open it (mode %s, %s:%s)"), provider, who,
                               props->kvm_device_mode, props->kvm_device_owner, props->kvm_device_group);
}

char *nv_verdict_container_text(const NvProperties *props)
{
        if (nv_str_empty(props->container))
                return NULL;
        /* TRANSLATORS: %s is a container kind, "docker" */
        return g_strdup_printf(_("%s (modprobe.d and module reloads here do not reach the host's kernel)"),
                               props->container);
}

/* The reasons that name a module parameter ("kvm_intel.ept") or, in a
 * guest, a feature it lacks ("ept"), joined for a person: "ept, vpid". */
static char *acceleration_reasons_text(const NvProperties *props)
{
        g_auto(GStrv) reasons = g_strsplit(
                props->nested_acceleration_reasons ? props->nested_acceleration_reasons : "", " ", -1);

        return g_strjoinv(", ", reasons);
}

char *nv_verdict_acceleration_text(const NvProperties *props)
{
        const char *grade = props->nested_acceleration;
        gboolean amd = g_strcmp0(props->cpu_vendor, "amd") == 0;
        const char *paging = amd ? "NPT" : "EPT";
        const char *feature = amd ? "npt" : "ept";
        const char *module = nv_verdict_module(props);
        gboolean guest = props->in_virtual_machine == 1;
        g_autofree char *reasons = NULL;

        if (nv_str_empty(grade))
                return NULL;
        reasons = acceleration_reasons_text(props);
        if (g_str_equal(grade, "full"))
                /* TRANSLATORS: %s is EPT (Intel) or NPT (AMD) */
                return g_strdup_printf(_("nested guests get %s: near native speed"), paging);
        if (g_str_equal(grade, "slow") && guest)
                /* TRANSLATORS: %s are EPT/NPT, and ept/npt as /proc/cpuinfo shows it */
                return g_strdup_printf(_("no %s passed to this guest: L2 guests use shadow paging and will "
                                         "be much slower; pass %s to it (for libvirt: CPU mode "
                                         "host-passthrough)"),
                                       paging, feature);
        if (g_str_equal(grade, "slow"))
                return g_strdup_printf(_("%s runs with %s off: nested guests use shadow paging and will be "
                                         "much slower; load %s with %s=1, if the CPU has it"),
                                       module, feature, module, feature);
        if (g_str_equal(grade, "partial") && guest)
                /* TRANSLATORS: "nested guests get NPT but run somewhat
                 * slower: this guest was not given vgif, v_vmsave_vmload; ..." */
                return g_strdup_printf(_("nested guests get %s but run somewhat slower: this guest was not "
                                         "given %s; pass them to it (for libvirt: CPU mode "
                                         "host-passthrough)"),
                                       paging, reasons);
        if (g_str_equal(grade, "partial"))
                /* TRANSLATORS: "nested guests get EPT but run somewhat
                 * slower, with kvm_intel.enable_apicv off; ..." */
                return g_strdup_printf(_("nested guests get %s but run somewhat slower, with %s off; load "
                                         "the module with them on, if the CPU has them"),
                                       paging, reasons);
        return g_strdup(_("unknown"));
}

char *nv_verdict_text(const NvProperties *props)
{
        g_autofree char *running = nv_verdict_running_text(props);
        g_autofree char *persistent = NULL;

        /* Only where something reads modprobe.d or the command line for
         * the vendor module does a persistent setting mean anything. */
        if (nv_verdict_persistent_applies(props))
                persistent = nv_verdict_persistent_text(props);
        if (!persistent)
                return g_strdup_printf(_("Nested virtualization: %s"), running);
        return g_strdup_printf(_("Nested virtualization: %s, persistent: %s"), running, persistent);
}

static gboolean persistent_off(const NvProperties *props)
{
        return g_strcmp0(props->persistent_nested, "disabled") == 0 ||
               g_strcmp0(props->persistent_nested, "invalid") == 0;
}

/* A pSeries guest without kvm_hv: kvmhv_nested_init() fails its load
 * unless the hypervisor below offers nested HV
 * (arch/powerpc/kvm/book3s_hv_nested.c), which only that hypervisor's
 * switch changes; a reload here before it would fail the same way. */
static char *advice_power_guest(const NvProperties *props)
{
        NvHypervisorProduct product = nv_hypervisor_product_from_string(props->hypervisor_product);
        g_autofree char *how = NULL;

        if (product == NV_PRODUCT_KVM)
                /* QEMU's spapr capability (docs/system/ppc/pseries.rst), libvirt's
                 * <nested-hv> feature; the host's kvm_hv must nest itself. */
                how = g_strdup(_("on the host that runs it, load kvm_hv with nested=Y and start this "
                                 "guest with -machine pseries,cap-nested-hv=on (libvirt: <nested-hv "
                                 "state='on'/> in <features>), then load kvm_hv here: nestedvirtctl "
                                 "reload"));
        else if (product == NV_PRODUCT_POWERVM) {
                g_autofree char *powervm = nv_hypervisor_product_switch(product, NULL);

                /* TRANSLATORS: %s is PowerVM's switch, "on the HMC, ..." */
                how = g_strdup_printf(_("%s, then load kvm_hv here: nestedvirtctl reload"), powervm);
        } else
                how = g_strdup(_("its hypervisor must offer nested HV (QEMU: -machine "
                                 "pseries,cap-nested-hv=on; PowerVM: the partition's KVM mode), then load "
                                 "kvm_hv here: nestedvirtctl reload"));
        /* TRANSLATORS: the first %s is a product, "KVM/QEMU"; the second
         * how to give this guest nested HV */
        return g_strdup_printf(_("this machine is a pSeries guest under %s, where kvm_hv loads only on "
                                 "POWER9 or later and when the hypervisor offers nested HV: %s"),
                               nv_verdict_hypervisor(props), how);
}

static char *advice_no_hardware_virtualization(const NvProperties *props)
{
        const char *flag = nv_verdict_cpu_flag(props);

        /* kvm_s390_init() refuses to load without SIE. */
        if (g_strcmp0(props->architecture, "s390x") == 0)
                return g_strdup(_("the CPU does not offer the SIE facility (sie): KVM cannot run here; a "
                                  "z/VM or KVM guest needs its hypervisor to pass SIE in"));
        /* book3s_hv.c: nesting only from POWER9, and KVM-HV in HV mode or
         * as the guest of a KVM that gives it cap-nested-hv. */
        if (is_power(props) && props->in_virtual_machine == 1)
                return advice_power_guest(props);
        if (is_power(props))
                return g_strdup(_("nested KVM on POWER needs POWER9 or later with the kernel in HV mode "
                                  "(PowerNV, bare metal), or a KVM guest started by QEMU with "
                                  "cap-nested-hv=on and kvm_hv loaded"));

        if (props->in_virtual_machine == 1) {
                g_autofree char *how = nv_hypervisor_product_switch(
                        nv_hypervisor_product_from_string(props->hypervisor_product), flag);

                /* TRANSLATORS: the last %s is the hypervisor's own switch,
                 * "turn the VM off, then ... Set-VMProcessor ..." */
                return g_strdup_printf(_("this machine is a virtual machine under %s and its CPU does not "
                                         "advertise %s: %s"),
                                       nv_verdict_hypervisor(props), flag, how);
        }
        return g_strdup_printf(_("the CPU does not advertise %s; virtualization may be disabled in the "
                                 "firmware (BIOS/UEFI) settings"),
                               flag);
}

/* PVM runs guests in a kernel built for it, without hardware support:
 * nothing here gives stock guests KVM, and only the host of this machine
 * can pass vmx/svm in. */
static char *advice_pvm(const NvProperties *props)
{
        const char *flag = nv_verdict_cpu_flag(props);

        return g_strdup_printf(_("hardware nested virtualization is not available here: /dev/kvm comes "
                                 "from kvm_pvm, which runs guests whose kernel is built for PVM "
                                 "(CONFIG_PVM_GUEST), not stock kernels; for stock guests, "
                                 "the host that runs this machine (%s) must pass %s to it"),
                               nv_verdict_hypervisor(props), flag);
}

static char *advice_container(const NvProperties *props)
{
        return g_strdup_printf(_("this runs in a container (%s): modprobe.d and module reloads here do not "
                                 "reach the kernel, which is the container host's: run nestedvirtctl on "
                                 "that host"),
                               props->container);
}

/* modprobe.d and reloading do not apply: only the kernel command line
 * does, at the next boot. */
static char *advice_builtin(const NvProperties *props)
{
        const char *module = nv_verdict_module(props);
        const char *source =
                nv_str_empty(props->persistent_source) ? _("the configuration") : props->persistent_source;

        if (props->nested_enabled == 0 && g_strcmp0(props->persistent_nested, "enabled") == 0)
                return g_strdup_printf(
                        _("%s is built into the kernel: reboot to apply the nested setting of %s"), module,
                        source);
        if (props->nested_enabled == 0 || persistent_off(props))
                return g_strdup_printf(
                        _("%s is built into the kernel: set %s.nested=1 on the kernel command "
                          "line and reboot"),
                        module, module);
        return NULL;
}

gboolean nv_verdict_hpage_persistent(const NvProperties *props)
{
        return !nv_str_empty(props->hpage_conflict) && g_strcmp0(props->hpage_conflict, "running") != 0;
}

/* s390x: kvm's hpage=1 keeps nesting off (HpageConflict), up to Linux
 * 6.19. */
static char *advice_hpage(const NvProperties *props)
{
        if (nv_verdict_hpage_persistent(props))
                return g_strdup_printf(_("%s sets kvm's hpage=1 (huge-page backing of guests), which this "
                                         "kernel does not allow together with nesting: remove hpage=1 from "
                                         "the kvm options there, then run nestedvirtctl enable --now (or "
                                         "reboot)"),
                                       props->hpage_conflict);
        return g_strdup(
                _("the loaded kvm backs guests with huge pages (hpage=1), which this kernel does not "
                  "allow together with nesting: stop all VMs and load kvm again without hpage=1 (as "
                  "root: modprobe -r kvm; modprobe kvm nested=1)"));
}

/* A loadable module: "enable --now" writes the setting and loads or
 * reloads the module, the one command for when the configuration is what
 * keeps nested virtualization off. */
static char *advice_module(const NvProperties *props, NvHostClass host)
{
        const char *module = nv_verdict_module(props);
        const char *source =
                nv_str_empty(props->persistent_source) ? _("the configuration") : props->persistent_source;

        if (!nv_str_empty(props->hpage_conflict) && props->nested_enabled != 1)
                /* No nested value helps before hpage=1 goes. */
                return advice_hpage(props);
        if (host == NV_HOST_COMMAND_LINE && persistent_off(props) && props->nested_enabled != 1)
                /* No file the service writes can override the command line. */
                return g_strdup_printf(
                        _("the kernel command line (/proc/cmdline) keeps nested virtualization "
                          "off: set %s.nested=1 there and reboot"),
                        module);
        if (g_strcmp0(props->persistent_nested, "invalid") == 0)
                return g_strdup_printf(
                        _("%s sets a nested value that %s refuses: fix it with: nestedvirtctl "
                          "enable --now"),
                        source, module);
        if (g_strcmp0(props->persistent_nested, "disabled") == 0 && props->nested_enabled != 1)
                return g_strdup_printf(_("nested virtualization is disabled by %s: enable it with: "
                                         "nestedvirtctl enable --now"),
                                       source);
        if (props->vendor_module_loaded == 0)
                return g_strdup_printf(_("%s is not loaded: load it with: nestedvirtctl reload (or as root: "
                                         "modprobe %s)"),
                                       module, module);
        if (props->reload_required == 1 && props->nested_enabled == 1)
                /* Reloading would turn it off: the user more likely wants
                 * to keep what works. */
                return g_strdup_printf(_("nested virtualization is on now, but the next load of %s turns it "
                                         "off: keep it with: nestedvirtctl enable"),
                                       module);
        /* ppc64's kvm_hv takes nested while it runs (book3s_hv.c: writable,
         * read when a VM enables nesting), so no VM has to stop, and
         * "reload" is that write (nv-reload.h). */
        if (props->reload_required == 1 && is_power(props))
                return g_strdup_printf(
                        _("the running value differs from the persistent one: set it at run time "
                          "with: nestedvirtctl reload (%s takes it while virtual machines run; "
                          "those running keep theirs)"),
                        module);
        if (props->reload_required == 1 && !nv_str_empty(props->pending_reload))
                return g_strdup(_("a reload waits for the virtual machines using the module to stop; cancel "
                                  "it with: nestedvirtctl reload --cancel"));
        if (props->reload_required == 1 && props->vendor_module_in_use == 1)
                return g_strdup(_("the running value differs from the persistent one, and virtual machines "
                                  "use the module: stop them and run nestedvirtctl reload, or have it done "
                                  "when they stop: nestedvirtctl reload --when-idle"));
        if (props->reload_required == 1)
                return g_strdup(_("the running value differs from the persistent one: stop all VMs and run "
                                  "nestedvirtctl reload"));
        if (props->nested_enabled == 0)
                /* Off now, and nothing configured that would turn it on. */
                return g_strdup(_("turn it on with: nestedvirtctl enable --now"));
        return NULL;
}

GPtrArray *nv_verdict_advice(const NvProperties *props)
{
        g_autoptr(GPtrArray) advice = g_ptr_array_new_with_free_func(g_free);
        NvHostClass host = nv_host_class(props);
        char *line = NULL;

        /* One line: advice that cannot help before an earlier problem is
         * fixed is left out. */
        switch (host) {
        case NV_HOST_ARM64_COMMAND_LINE:
                if (props->nested_enabled != 1)
                        line = g_strdup(_("on arm64, add kvm-arm.mode=nested to the kernel command line and "
                                          "reboot into Linux 6.16 or later; the CPU needs FEAT_NV2"));
                break;
        case NV_HOST_UNSUPPORTED:
                line = g_strdup(_("nested KVM needs x86 (Intel or AMD), s390x, ppc64le (POWER9 or later) or "
                                  "arm64"));
                break;
        case NV_HOST_NO_HARDWARE_VIRTUALIZATION:
                line = advice_no_hardware_virtualization(props);
                break;
        case NV_HOST_PVM:
                line = advice_pvm(props);
                break;
        case NV_HOST_CONTAINER:
                line = advice_container(props);
                break;
        case NV_HOST_MODULE_ABSENT:
                line = g_strdup_printf(_("%s is not in the running kernel: install the modules package of "
                                         "this kernel, or boot a kernel that has %s"),
                                       nv_verdict_module(props), nv_verdict_module(props));
                break;
        case NV_HOST_NO_MODULE_LOADING:
                line = g_strdup_printf(_("this kernel cannot load modules and has no %s: boot a kernel with "
                                         "%s built in (and %s.nested=1 on its command line) or with "
                                         "module support"),
                                       nv_verdict_module(props), nv_verdict_module(props),
                                       nv_verdict_module(props));
                break;
        case NV_HOST_MODULE_BUILTIN:
                line = advice_builtin(props);
                break;
        case NV_HOST_COMMAND_LINE:
        case NV_HOST_MODULE:
                line = advice_module(props, host);
                break;
        case NV_HOST_UNKNOWN:
                line = g_strdup(_("the service did not say what kind of host this is: update nestedvirt on "
                                  "it"));
                break;
        }
        if (line)
                g_ptr_array_add(advice, line);
        return g_steal_pointer(&advice);
}

char *nv_verdict_persistent_blocker(const NvProperties *props)
{
        const char *module = nv_verdict_module(props);

        switch (nv_host_class(props)) {
        case NV_HOST_ARM64_COMMAND_LINE:
                return g_strdup(_("On arm64 only kvm-arm.mode=nested on the kernel command line decides "
                                  "(Linux 6.16 or later): change it in the boot loader configuration and "
                                  "reboot."));
        case NV_HOST_UNSUPPORTED:
                return g_strdup(_("Nested KVM needs x86 (Intel or AMD), s390x, ppc64le (POWER9 or later) or "
                                  "arm64."));
        case NV_HOST_NO_HARDWARE_VIRTUALIZATION:
                return g_strdup_printf(
                        _("The CPU does not advertise %s: nothing can be switched on until it "
                          "does."),
                        nv_verdict_cpu_flag(props));
        case NV_HOST_PVM:
                return g_strdup_printf(_("/dev/kvm comes from kvm_pvm and the CPU does not advertise %s: "
                                         "there is no hardware nesting to switch on."),
                                       nv_verdict_cpu_flag(props));
        case NV_HOST_CONTAINER:
                return g_strdup_printf(_("The service runs in a container (%s): modprobe.d here does not "
                                         "reach the host's kernel. Change it on the container's host."),
                                       props->container);
        case NV_HOST_MODULE_ABSENT:
                return g_strdup_printf(_("%s is not in the running kernel: nothing reads this setting "
                                         "until a kernel that has it boots."),
                                       module);
        case NV_HOST_NO_MODULE_LOADING:
                return g_strdup_printf(_("The kernel cannot load modules and has no %s: nothing reads "
                                         "modprobe.d."),
                                       module);
        case NV_HOST_MODULE_BUILTIN:
                return g_strdup_printf(_("%s is built into the kernel, which ignores modprobe.d: only "
                                         "%s.nested= on the kernel command line decides, at the next boot."),
                                       module, module);
        case NV_HOST_COMMAND_LINE:
                return g_strdup_printf(_("The kernel command line sets %s.nested, which overrides every "
                                         "modprobe.d file: change it in the boot loader configuration and "
                                         "reboot."),
                                       module);
        case NV_HOST_MODULE:
                if (nv_verdict_hpage_persistent(props))
                        return g_strdup_printf(
                                _("%s sets kvm's hpage=1 (huge-page backing of guests), which "
                                  "this kernel does not allow together with nesting: remove "
                                  "hpage=1 from the kvm options there first."),
                                props->hpage_conflict);
                return NULL;
        case NV_HOST_UNKNOWN:
                return NULL;
        }
        g_assert_not_reached();
}
