/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * From host facts to the exported status: which module is the vendor's,
 * what counts as loaded, which persistent setting wins and whether the
 * running kernel differs from it. No I/O here.
 */
#include "config.h"

#include <string.h>

#include "nv-kvm-device.h"
#include "nv-status.h"
#include "nv-util.h"

static const char *persistent_to_string(NvPersistent persistent)
{
        switch (persistent) {
        case NV_PERSISTENT_ENABLED:
                return "enabled";
        case NV_PERSISTENT_DISABLED:
                return "disabled";
        case NV_PERSISTENT_INVALID:
                return "invalid";
        case NV_PERSISTENT_UNKNOWN:
                return "unknown";
        case NV_PERSISTENT_DEFAULT:
        default:
                return "default";
        }
}

const NvSetting *nv_settings_find_override(const GArray *settings, const char *file_name)
{
        const NvSetting *winner = NULL;

        for (guint i = 0; settings && i < settings->len; i++) {
                const NvSetting *s = &g_array_index(settings, NvSetting, i);
                g_autofree char *base = s->source ? g_path_get_basename(s->source) : NULL;

                if (base && strcmp(base, file_name) > 0)
                        winner = s;
        }
        return winner;
}

/* D-Bus strings must be UTF-8, and sd-bus refuses to send anything else:
 * one process name or file name in another encoding must not break the
 * status for everyone. What is not UTF-8 is shown with U+FFFD in place of
 * the bad bytes. */
static char *utf8_dup(const char *s)
{
        if (!s)
                return g_strdup("");
        if (g_utf8_validate(s, -1, NULL))
                return g_strdup(s);
        return g_utf8_make_valid(s, -1);
}

/* "Loaded" is what a person means by it: the code is in the running kernel,
 * whether modprobe put it there or it was compiled in. A module that is
 * still coming up or going away is neither. */
static gboolean module_state_loaded(NvModuleState state)
{
        return state == NV_MODULE_STATE_LIVE || state == NV_MODULE_STATE_BUILTIN;
}

static NvPersistent resolve_persistent(const NvHostFacts *facts, const NvSetting **ret_setting)
{
        const NvSetting *setting = NULL;
        int r;

        /* kmod appends the command line's options after every file's, and
         * the kernel lets the last one win; a built-in module never sees
         * modprobe.d at all. */
        if (facts->cmdline.source)
                setting = &facts->cmdline;
        else if (facts->vendor_state != NV_MODULE_STATE_BUILTIN && facts->modprobe.source)
                setting = &facts->modprobe;

        if (ret_setting)
                *ret_setting = setting;
        if (!setting)
                return NV_PERSISTENT_DEFAULT;
        if (setting->unreadable)
                return NV_PERSISTENT_UNKNOWN;

        r = nv_nested_value_parse(facts->cpu.vendor, setting->has_value ? setting->value : NULL);
        if (r < 0)
                return NV_PERSISTENT_INVALID;
        return r > 0 ? NV_PERSISTENT_ENABLED : NV_PERSISTENT_DISABLED;
}

/* The /dev/kvm properties: KvmDevice, KvmProvider and who may open it. */
/* kvm's "hpage", an int: on unless 0. */
static gboolean hpage_on(const char *value)
{
        gint64 v = 0;

        return value && g_ascii_string_to_signed(value, 10, G_MININT, G_MAXINT, &v, NULL) && v != 0;
}

/* HpageConflict: where s390's kvm has hpage=1, which kvm_s390_init()
 * refuses together with nested up to Linux 6.19; the setting the next
 * load takes first, since that is what has to change. */
static char *hpage_conflict(const NvHostFacts *facts)
{
        if (nv_arch_from_string(facts->architecture) != NV_ARCH_S390X ||
            nv_kernel_release_at_least(facts->kernel_release, 7, 0))
                return g_strdup("");
        if (hpage_on(facts->hpage.value))
                return utf8_dup(facts->hpage.source);
        if (hpage_on(facts->hpage_raw))
                return g_strdup("running");
        return g_strdup("");
}

static void assemble_kvm_device(const NvHostFacts *facts, NvStatus *ret)
{
        NvKvmDeviceFacts device = {
                .exists = facts->has_kvm_stat,
                .uid = facts->kvm_uid,
                .gid = facts->kvm_gid,
                .mode = facts->kvm_mode,
        };

        ret->kvm_device = g_strdup(facts->kvm_device ? "/dev/kvm" : "");
        ret->kvm_provider = utf8_dup(facts->kvm_device ? facts->kvm_provider : NULL);
        if (facts->kvm_device && !facts->has_kvm_stat)
                /* Registered, but no node to look at (PrivateDevices=). */
                ret->kvm_device_access = g_strdup("unknown");
        else
                ret->kvm_device_access = g_strdup(nv_kvm_access_to_string(nv_kvm_access(&device)));
        ret->kvm_device_owner = utf8_dup(facts->has_kvm_stat ? facts->kvm_owner : NULL);
        ret->kvm_device_group = utf8_dup(facts->has_kvm_stat ? facts->kvm_group : NULL);
        ret->kvm_device_mode =
                facts->has_kvm_stat ? g_strdup_printf("%04o", facts->kvm_mode & 07777) : g_strdup("");
}

/* The ladder: the first class that applies is the host's. What makes
 * every change impossible comes first (no hardware nesting at all, a
 * container, no module to load), so that a refusal never hides behind
 * advice about the CPU; a CPU without vmx/svm next, where a setting
 * written now still applies once the firmware or the hypervisor below
 * offers it. */
NvHostClass nv_status_host_class(const NvStatus *status)
{
        const char *state = status->vendor_module_state;
        NvArch arch = nv_arch_from_string(status->architecture);
        /* A running vendor module proves the CPU can; POWER8 runs kvm_hv
         * but never nests (book3s_hv.c: nesting from POWER9). */
        gboolean no_hardware =
                !status->hardware_virtualization && (!status->vendor_module_loaded || arch == NV_ARCH_PPC64);

        if (arch == NV_ARCH_ARM64)
                return NV_HOST_ARM64_COMMAND_LINE;
        /* The module that decides nesting is the architecture's (kvm on
         * s390x, kvm_hv on ppc64) or the x86 vendor's. */
        if (nv_str_empty(status->vendor_module))
                return NV_HOST_UNSUPPORTED;
        if (no_hardware && g_strcmp0(status->kvm_provider, "kvm_pvm") == 0)
                return NV_HOST_PVM;
        if (!nv_str_empty(status->container))
                return NV_HOST_CONTAINER;
        if (g_strcmp0(state, "absent") == 0)
                return NV_HOST_MODULE_ABSENT;
        if (g_strcmp0(state, "no-module-loading") == 0)
                return NV_HOST_NO_MODULE_LOADING;
        if (no_hardware)
                return NV_HOST_NO_HARDWARE_VIRTUALIZATION;
        if (status->vendor_module_builtin)
                return NV_HOST_MODULE_BUILTIN;
        if (g_strcmp0(status->persistent_source, "/proc/cmdline") == 0)
                return NV_HOST_COMMAND_LINE;
        return NV_HOST_MODULE;
}

char *nv_status_hpage_refusal(const NvStatus *status, gboolean reload)
{
        const char *conflict = status->hpage_conflict;

        if (nv_str_empty(conflict))
                return NULL;
        if (g_str_equal(conflict, "running")) {
                /* The next load takes no hpage=1: writing nested=1 is
                 * fine, a reload would drop the running hpage=1. */
                if (!reload)
                        return NULL;
                return g_strdup("The loaded kvm backs its guests with huge pages (hpage=1), which this "
                                "kernel does not allow together with nested=1. Stop the virtual machines "
                                "that need huge pages, or remove hpage=1 from wherever kvm was loaded with "
                                "it, then reload kvm without hpage=1.");
        }
        return g_strdup_printf("%s sets kvm's hpage=1 (huge-page backing of guests), and Linux before 7.0 "
                               "does not load kvm with both hpage=1 and nested=1. To nest, remove hpage=1 "
                               "from the kvm options there, then reload kvm or reboot.",
                               conflict);
}

char *nv_status_refusal(const NvStatus *status)
{
        const char *module = status->vendor_module;
        NvHostClass host_class = nv_host_class_from_string(status->host_class);

        switch (host_class) {
        case NV_HOST_ARM64_COMMAND_LINE:
                /* arch/arm64/kvm/arm.c, early_kvm_mode_cfg(): "nested" is
                 * a boot-time mode of the built-in KVM, not a parameter
                 * that modprobe.d or a reload could set. */
                return g_strdup("On arm64, KVM is built into the kernel and nests only when the kernel "
                                "command line has kvm-arm.mode=nested, on Linux 6.16 or later and a CPU "
                                "with FEAT_NV2. Add kvm-arm.mode=nested in the boot loader configuration "
                                "and reboot into such a kernel; no modprobe.d file or module reload can "
                                "change it.");
        case NV_HOST_UNSUPPORTED:
                if (nv_arch_from_string(status->architecture) == NV_ARCH_X86)
                        return g_strdup_printf("Nested KVM needs an x86 machine with an Intel or AMD CPU; "
                                               "this one is %s with a CPU from vendor '%s'.",
                                               status->architecture, status->cpu_vendor);
                return g_strdup_printf("Nested KVM needs x86 (Intel or AMD), s390x, ppc64le (POWER9 or "
                                       "later) or arm64; this machine is %s.",
                                       *status->architecture ? status->architecture
                                                             : "of unknown architecture");
        case NV_HOST_PVM:
                return g_strdup_printf("The CPU does not offer hardware virtualization and /dev/kvm comes "
                                       "from kvm_pvm, which runs only guests built for PVM: there is no "
                                       "nesting of %s to switch on here. The host that runs this machine "
                                       "must pass virtualization to it.",
                                       module);
        case NV_HOST_CONTAINER:
                return g_strdup_printf("nestedvirtd runs in a container (%s): its /etc/modprobe.d and "
                                       "module loads do not reach the kernel, which belongs to the "
                                       "container's host. Change nested virtualization on that host "
                                       "(with nestedvirtctl there).",
                                       status->container);
        case NV_HOST_NO_MODULE_LOADING:
                return g_strdup_printf("%s is not built into the running kernel, which cannot load "
                                       "modules (no /proc/modules: CONFIG_MODULES is off), so "
                                       "modprobe.d and reloading do not apply. Boot a kernel that has "
                                       "%s (built in, with %s.nested=1 on its command line, or as a "
                                       "module).",
                                       module, module, module);
        case NV_HOST_MODULE_ABSENT:
                return g_strdup_printf("%s is not in the running kernel: it is not built in and no module "
                                       "file of it exists for this kernel (modules.dep). Install the "
                                       "kernel's modules package, or boot a kernel that has %s.",
                                       module, module);
        case NV_HOST_NO_HARDWARE_VIRTUALIZATION:
        case NV_HOST_MODULE_BUILTIN:
        case NV_HOST_COMMAND_LINE:
        case NV_HOST_MODULE:
        case NV_HOST_UNKNOWN:
                break;
        }
        g_assert(!nv_host_class_refuses_changes(host_class));
        return NULL;
}

void nv_status_assemble(const NvHostFacts *facts, NvStatus *ret)
{
        const NvSetting *setting = NULL;
        NvArch arch = nv_arch_from_string(facts->architecture);
        const char *vendor_module = nv_nesting_module(arch, facts->cpu.vendor);
        NvHostClass host_class;
        NvPersistent persistent;

        ret->version = g_strdup(PACKAGE_VERSION);
        ret->architecture = utf8_dup(facts->architecture);
        ret->cpu_vendor = g_strdup(nv_cpu_vendor_to_string(facts->cpu.vendor));
        ret->vendor_module = g_strdup(vendor_module ? vendor_module : "");
        ret->hardware_virtualization = nv_cpuinfo_has_hardware_virtualization(&facts->cpu);
        /* A pSeries kernel is a guest, and runs KVM-HV only when its
         * hypervisor offers nesting: kvmhv_nested_init() fails kvm_hv's
         * load otherwise ("Parent hypervisor does not support nesting",
         * arch/powerpc/kvm/book3s_hv_nested.c). Nothing else tells from
         * here; PowerNV runs in HV mode, and POWER9 is all it needs. */
        if (arch == NV_ARCH_PPC64 && facts->power_platform == NV_POWER_PLATFORM_PSERIES)
                ret->hardware_virtualization =
                        ret->hardware_virtualization && module_state_loaded(facts->vendor_state);
        ret->in_virtual_machine = facts->cpu.has_hypervisor || facts->hypervisor != NULL ||
                                  facts->power_platform == NV_POWER_PLATFORM_PSERIES;
        if (facts->hypervisor)
                ret->hypervisor = utf8_dup(facts->hypervisor);
        else
                ret->hypervisor = g_strdup(ret->in_virtual_machine ? "unknown" : "");
        ret->hypervisor_product = g_strdup(
                ret->in_virtual_machine ? nv_hypervisor_product_to_string(facts->hypervisor_product) : "");

        ret->kvm_loaded = module_state_loaded(facts->kvm_state);
        ret->kvm_builtin = facts->kvm_state == NV_MODULE_STATE_BUILTIN;
        ret->vendor_module_loaded = vendor_module && module_state_loaded(facts->vendor_state);
        ret->vendor_module_builtin = vendor_module && facts->vendor_state == NV_MODULE_STATE_BUILTIN;
        ret->vendor_module_state =
                g_strdup(vendor_module ? nv_module_availability_to_string(facts->vendor_availability) : "");
        ret->container = utf8_dup(facts->container);
        assemble_kvm_device(facts, ret);

        if (ret->vendor_module_loaded && facts->nested_raw) {
                ret->nested_parameter = utf8_dup(facts->nested_raw);
                ret->nested_enabled = nv_nested_value_parse(facts->cpu.vendor, facts->nested_raw) > 0 &&
                                      (arch != NV_ARCH_PPC64 || ret->hardware_virtualization);
        } else if (arch == NV_ARCH_ARM64) {
                /* The boot's kvm-arm.mode; nesting needs 6.16 as well
                 * (FEAT_NV2 cannot be told from here). */
                ret->nested_parameter = utf8_dup(facts->kvm_arm_mode);
                ret->nested_enabled = g_strcmp0(facts->kvm_arm_mode, "nested") == 0 &&
                                      nv_kernel_release_at_least(facts->kernel_release, 6, 16);
        } else {
                ret->nested_parameter = g_strdup("");
                ret->nested_enabled = FALSE;
        }

        if (vendor_module) {
                persistent = resolve_persistent(facts, &setting);
        } else {
                persistent = NV_PERSISTENT_DEFAULT;
                setting = NULL;
        }
        ret->persistent_nested = g_strdup(persistent_to_string(persistent));
        ret->persistent_source = utf8_dup(setting ? setting->source : "");

        /* Only a loaded, loadable module can be reloaded; with nothing
         * configured the next load takes the kernel's default, which has
         * been nested=1 for both x86 vendors since Linux 4.20 (and is so
         * for ppc64's kvm_hv), nested=0 for s390's kvm. An invalid value
         * makes the next load fail, which no reload fixes; an unknown one
         * may or may not differ. */
        ret->reload_required = FALSE;
        if (facts->vendor_state == NV_MODULE_STATE_LIVE && facts->nested_raw && vendor_module &&
            persistent != NV_PERSISTENT_INVALID && persistent != NV_PERSISTENT_UNKNOWN) {
                int running = nv_nested_value_parse(facts->cpu.vendor, facts->nested_raw);
                /* s390's kvm defaults to nested=0 (kvm-s390.c). */
                gboolean want = persistent == NV_PERSISTENT_DEFAULT ? arch != NV_ARCH_S390X
                                                                    : persistent != NV_PERSISTENT_DISABLED;

                ret->reload_required = running >= 0 && (running > 0) != want;
        }

        ret->hpage_conflict = hpage_conflict(facts);

        {
                const NvAccelerationFacts acceleration = {
                        .cpu = &facts->cpu,
                        .module_loaded = ret->vendor_module_loaded,
                        .parameters = (const char *const *)facts->acceleration_parameters,
                };

                nv_acceleration_assess(&acceleration, &ret->nested_acceleration,
                                       &ret->nested_acceleration_reasons);
        }

        /* The reference count is the kernel's own answer, and costs a read:
         * who holds the module is ListModuleUsers()'s question. */
        ret->vendor_module_in_use = facts->vendor_state == NV_MODULE_STATE_LIVE &&
                                    facts->has_vendor_refcnt && facts->vendor_refcnt > 0;

        /* The ladder, last: it reads the fields above. What this service
         * can change is nothing where a method would refuse, nor where the
         * module is built in (only the kernel command line is). */
        host_class = nv_status_host_class(ret);
        ret->host_class = g_strdup(nv_host_class_to_string(host_class));
        ret->supported = !nv_host_class_refuses_changes(host_class) && host_class != NV_HOST_MODULE_BUILTIN;

        /* The daemon's own state, not the host's: nv-host-status.c sets
         * them (nv-reload-when-idle.h). */
        ret->pending_reload = g_strdup("");
        ret->pending_reload_result = g_strdup("");
}

char **nv_status_diff(const NvStatus *a, const NvStatus *b)
{
        g_autoptr(GPtrArray) names = g_ptr_array_new();

        for (size_t i = 0; i < nv_n_properties; i++)
                if (!nv_property_equal(&nv_property_info[i], a, b))
                        g_ptr_array_add(names, g_strdup(nv_property_info[i].name));

        if (names->len == 0)
                return NULL;
        g_ptr_array_add(names, NULL);
        return (char **)g_ptr_array_free(g_steal_pointer(&names), FALSE);
}
