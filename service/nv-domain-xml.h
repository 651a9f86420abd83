/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Editing a libvirt domain definition's <cpu> element so the guest can run
 * its own guests, as pure functions over XML text (libxml2; no libvirt).
 */
#pragma once

#include <glib.h>

typedef enum {
        NV_CPU_MODE_HOST_MODEL,       /* <cpu mode='host-model' check='partial'/> */
        NV_CPU_MODE_HOST_PASSTHROUGH, /* <cpu mode='host-passthrough'/> */
} NvCpuMode;

/* Parses "host-model" or "host-passthrough" exactly (no case folding, no
 * whitespace). FALSE for anything else. */
gboolean nv_cpu_mode_from_string(const char *s, NvCpuMode *ret);
const char *nv_cpu_mode_to_string(NvCpuMode mode);

/*
 * The mode of the domain's <cpu> in @xml ("host-model", "host-passthrough",
 * "custom", "maximum", ...; a <cpu> without a mode attribute is libvirt's
 * default, "custom"), or "" when there is no <cpu>. NULL with @error set
 * when @xml is not a domain definition.
 */
char *nv_domain_xml_get_cpu_mode(const char *xml, GError **error);

/*
 * Returns @xml with its <cpu> set to @mode: the mode attribute (and
 * check='partial' for host-model; no check attribute for host-passthrough),
 * keeping the children that stay valid in that mode (topology, numa, cache,
 * feature, maxphysaddr) and dropping those that conflict with it (model,
 * vendor, and a feature that disables or forbids vmx or svm, which would
 * defeat the purpose); everything outside <cpu> is left as it was. A <cpu> is added
 * when there is none. *ret_changed (optional) tells whether anything
 * changed; when nothing would, the input is returned as is. NULL with
 * @error set when @xml is not a domain definition.
 */
char *nv_domain_xml_set_cpu_mode(const char *xml, NvCpuMode mode, gboolean *ret_changed, GError **error);

/*
 * Does a domain's guest get the vendor's virtualization flag (vmx on
 * Intel, svm on AMD), so that it can run guests of its own? Judged from
 * the domain's <cpu> and what is known of the host, in two steps: the
 * XML is parsed into an NvCpuDef (nv_domain_xml_get_cpu(), and for
 * libvirt's host-model CPU nv_domain_caps_get_host_model()), then
 * nv_cpu_def_judge_nesting() decides. No libvirt call is made here: what
 * libvirt knows (its domain capabilities, the features of a named model)
 * comes in as arguments and a callback.
 */
typedef enum {
        NV_NESTED_UNKNOWN,
        NV_NESTED_YES,
        NV_NESTED_NO,
} NvNested;

/* "unknown", "yes", "no". */
const char *nv_nested_to_string(NvNested nested);

/* A <cpu> as libvirt describes a CPU, in a domain, in the host-model
 * <mode> of its domain capabilities, or from virConnectBaselineCPU(). */
typedef struct {
        char *mode;   /* "host-model", "host-passthrough", "maximum", "custom" (also for a <cpu> without
                         mode); "" when there is no <cpu> */
        char *model;  /* the text of <model>, without surrounding blanks; NULL when there is none or it is
                         empty */
        char *vendor; /* the text of <vendor>; NULL when none */
        /* Feature name -> policy ("require", "force", "optional", "disable", "forbid"; "require" for a
         * <feature> without policy, as in capabilities). Only the first <feature> of a name counts:
         * libvirt refuses a definition that names one twice. */
        GHashTable *features;
} NvCpuDef;

void nv_cpu_def_clear(NvCpuDef *cpu);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(NvCpuDef, nv_cpu_def_clear)

/* A confidential guest's kind, from <launchSecurity type=...>: its memory
 * and state are hidden from the host, and KVM does not offer
 * virtualization to such a guest (KVM's SEV, SEV-ES, SEV-SNP and TDX
 * guests get no VMX/SVM; s390's protected guests no SIE), whatever its
 * <cpu> says. */
typedef enum {
        NV_LAUNCH_SECURITY_NONE,
        NV_LAUNCH_SECURITY_SEV,
        /* type='sev' with bit 2 (ES) of <policy> set: libvirt's
         * formatdomain, "Launch Security", and AMD's SEV API (policy). */
        NV_LAUNCH_SECURITY_SEV_ES,
        NV_LAUNCH_SECURITY_SEV_SNP,
        NV_LAUNCH_SECURITY_TDX,
        NV_LAUNCH_SECURITY_S390_PV,
        /* A type this version does not know: confidential all the same. */
        NV_LAUNCH_SECURITY_OTHER,
} NvLaunchSecurity;

/* "SEV", "SEV-ES", "SEV-SNP", "TDX", "s390 Secure Execution",
 * "confidential"; NULL for NV_LAUNCH_SECURITY_NONE. */
const char *nv_launch_security_to_string(NvLaunchSecurity kind);

/* What virConnectGetDomainCapabilities() wants to know to describe the
 * CPUs a domain can have; each NULL when the definition does not say. And
 * whether the guest is a confidential one. */
typedef struct {
        char *virt_type; /* <domain type=...>: "kvm", "qemu", ... */
        char *arch;      /* <os><type arch=...> */
        char *machine;   /* <os><type machine=...> */
        char *emulator;  /* <devices><emulator> */
        NvLaunchSecurity launch_security;
} NvDomainGuest;

/* Why a confidential guest of @kind can never nest, for people:
 * "SEV-SNP guest: confidential guests cannot run KVM inside". */
char *nv_launch_security_reason(NvLaunchSecurity kind);

void nv_domain_guest_clear(NvDomainGuest *guest);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(NvDomainGuest, nv_domain_guest_clear)

/*
 * Fills @ret_cpu (zeroed or cleared) from the first <cpu> of the domain
 * definition @xml, and @ret_guest (optional, zeroed or cleared) from its
 * type, <os> and <emulator>. FALSE with @error set when @xml is not a
 * domain definition.
 */
gboolean nv_domain_xml_get_cpu(const char *xml, NvCpuDef *ret_cpu, NvDomainGuest *ret_guest, GError **error);

/*
 * Fills @ret_cpu from the <mode name='host-model'> of libvirt's domain
 * capabilities @xml (<domainCapabilities>; mode is set to "host-model"):
 * the CPU libvirt gives a host-model domain on that host, which it
 * computes from what the hypervisor can provide there, so a flag the host
 * cannot pass on is absent or disabled in it. *ret_supported is its
 * supported= attribute. FALSE with @error set when @xml is not domain
 * capabilities or has no host-model mode.
 */
gboolean nv_domain_caps_get_host_model(const char *xml, NvCpuDef *ret_cpu, gboolean *ret_supported,
                                       GError **error);

/* Fills @ret_cpu from a bare <cpu> document (what virConnectBaselineCPU()
 * returns). FALSE with @error set when @xml is not one. */
gboolean nv_cpu_xml_parse(const char *xml, NvCpuDef *ret_cpu, GError **error);

/* The virtualization flag of a CPU vendor, named as the daemon's status
 * ("intel", "amd") or libvirt's <vendor> ("Intel", "AMD", "Hygon") does:
 * "vmx" or "svm"; NULL for any other. */
const char *nv_virtualization_flag(const char *vendor);

/* Whether libvirt's named CPU @model has @feature (for a custom model
 * without the flag among its <feature>s); NV_NESTED_UNKNOWN when that
 * cannot be found out. */
typedef NvNested (*NvModelHasFeatureFunc)(const char *model, const char *feature, gpointer user_data);

/* What is known about the host for nv_cpu_def_judge_nesting(). */
typedef struct {
        /* The flag that counts, "vmx" or "svm"; NULL when the host's CPU
         * vendor is unknown, and then @host_model's <vendor> decides. */
        const char *flag;
        /* Whether the hypervisor on the host can give @flag to a guest at
         * all (nv_nesting_host_judge()), and a reason when it cannot or
         * that is unknown. */
        NvNested host;
        const char *host_reason;
        /* libvirt's host-model CPU (nv_domain_caps_get_host_model()), and
         * whether it is supported; NULL with @host_model_error saying why
         * when libvirt did not tell. */
        const NvCpuDef *host_model;
        gboolean host_model_supported;
        const char *host_model_error;
        /* Optional: without it, a named model's own features are unknown. */
        NvModelHasFeatureFunc model_has_feature;
        gpointer user_data;
} NvNestingHost;

/*
 * Whether a guest with the CPU @cpu (its live definition when it runs, its
 * persistent one otherwise) gets the flag, in this order:
 * - a <feature> with policy disable or forbid for the flag: no;
 * - host-passthrough and maximum: what the host can give (@host->host);
 * - host-model: libvirt's host-model CPU, when known: yes when it requires
 *   the flag, no when it disables it, otherwise what its named model has;
 *   unknown when libvirt did not tell, unless the host cannot give the
 *   flag at all (then no, since host-model never exceeds the host);
 * - custom, and a <feature> for the flag with policy require, force or
 *   optional in any mode: what the host can give;
 * - custom with a named model: what the model has (@host->model_has_feature),
 *   then what the host can give; a model whose features are not known
 *   gives unknown, never a guess;
 * - no <cpu>, or one without a model: unknown (the hypervisor's default
 *   CPU decides).
 * *ret_reason (optional; g_free) gets a sentence fragment saying why, for
 * people: "svm disabled by <feature policy='disable'>", "the host CPU has
 * no svm", ...
 */
NvNested nv_cpu_def_judge_nesting(const NvCpuDef *cpu, const NvNestingHost *host, char **ret_reason);

/*
 * Whether KVM on this host can give @flag ("vmx"/"svm"; NULL: the vendor
 * is unknown) to a guest at all: the CPU must show it (@cpu_has_flag) and
 * the vendor module @vendor_module must be loaded (@module_loaded) with
 * nested enabled (@nested_enabled). An unloaded module gives unknown: its
 * setting is read when it loads. *ret_reason (optional; g_free) says why
 * when the answer is not yes.
 */
NvNested nv_nesting_host_judge(const char *flag, gboolean cpu_has_flag, const char *vendor_module,
                               gboolean module_loaded, gboolean nested_enabled, char **ret_reason);
