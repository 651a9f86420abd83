/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The status the daemon exports, and how it follows from facts read off
 * the host. Pure: nv-host.c gathers the facts, this file decides what they
 * mean, so every rule here is unit-tested without a host (tests/test-status.c).
 */
#pragma once

#include <glib.h>
#include <stddef.h>

#include "nv-cpuinfo.h"
#include "nv-kernel-param.h"

typedef enum {
        NV_PERSISTENT_DEFAULT,
        NV_PERSISTENT_ENABLED,
        NV_PERSISTENT_DISABLED,
        NV_PERSISTENT_INVALID,
        /* A file that could set it could not be read (too large, an I/O
         * error): what the next load gets cannot be known. */
        NV_PERSISTENT_UNKNOWN,
} NvPersistent;

const char *nv_persistent_to_string(NvPersistent persistent);

/* A process holding /dev/kvm or a KVM VM open. */
typedef struct {
        guint32 pid;
        char *command;
} NvModuleUser;

/* An empty array of NvModuleUser that frees its elements' strings. */
GArray *nv_module_users_new(void);

/* Where a setting of "nested" came from, and what it says. */
typedef struct {
        char *source;       /* host path ("/etc/modprobe.d/kvm.conf", "/proc/cmdline"); NULL: not set */
        guint line;         /* line in @source, 0 when not applicable */
        gboolean has_value; /* FALSE for a bare "nested" without '=' */
        char *value;
        /* Why @source could not be read, so that whatever it sets is
         * unknown ("larger than 4194304 bytes"); NULL when it was read. */
        char *unreadable;
} NvSetting;

void nv_setting_clear(NvSetting *setting);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(NvSetting, nv_setting_clear)
void nv_setting_copy(const NvSetting *setting, NvSetting *ret);

/* An empty array of NvSetting that clears its elements. */
GArray *nv_settings_new(void);

/*
 * Which of @settings (in the order kmod applies them) would still win over
 * a setting in a file named @file_name in the first directory: the last one
 * in a file whose name sorts after it. Files of the same name elsewhere are
 * hidden by it, files sorting before it are applied before it. NULL when
 * @file_name would decide.
 */
const NvSetting *nv_settings_find_override(const GArray *settings, const char *file_name);

/* Everything read off the host that the status depends on. */
typedef struct {
        char *architecture; /* /proc/sys/kernel/arch; NULL when unreadable */
        NvCpuInfo cpu;
        char *hypervisor; /* identified hypervisor; NULL when none was identified */
        NvModuleState kvm_state;
        NvModuleState vendor_state;
        char *nested_raw;     /* parameters/nested without its newline; NULL when absent */
        NvSetting modprobe;   /* the last setting in the merged modprobe.d files */
        NvSetting cmdline;    /* the setting on the kernel command line */
        GArray *module_users; /* NvModuleUser, sorted by pid; may be NULL */
} NvHostFacts;

void nv_host_facts_clear(NvHostFacts *facts);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(NvHostFacts, nv_host_facts_clear)

/*
 * The exported status. Field types are what sd-bus reads for a property of
 * the matching signature ("s": char *, "b": int), so the daemon's vtable
 * points straight at these fields.
 */
typedef struct {
        char *version;
        char *architecture;
        int supported;
        char *cpu_vendor;
        char *vendor_module;
        int hardware_virtualization;
        int in_virtual_machine;
        char *hypervisor;
        int kvm_loaded;
        int kvm_builtin;
        int vendor_module_loaded;
        int vendor_module_builtin;
        char *nested_parameter;
        int nested_enabled;
        char *persistent_nested;
        char *persistent_source;
        int reload_required;
        GArray *module_users; /* NvModuleUser; never NULL in an assembled status */
} NvStatus;

void nv_status_clear(NvStatus *status);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(NvStatus, nv_status_clear)

/* Computes @ret (which must be zeroed or cleared) from @facts. */
void nv_status_assemble(const NvHostFacts *facts, NvStatus *ret);

/* The persistent value that wins, and the setting that decides it (NULL for
 * the default): the kernel command line beats modprobe.d, and a built-in
 * vendor module sees only the command line. */
NvPersistent nv_status_resolve_persistent(const NvHostFacts *facts, const NvSetting **ret_setting);

typedef enum {
        NV_FIELD_STRING,
        NV_FIELD_BOOLEAN,
        NV_FIELD_USERS,
} NvFieldType;

typedef struct {
        const char *name; /* D-Bus status key and property name */
        NvFieldType type;
        size_t offset; /* in NvStatus */
} NvStatusField;

/* Every status key, in the order of SPEC and the introspection XML. */
extern const NvStatusField nv_status_fields[];
extern const size_t nv_status_n_fields;

/* TRUE when field @field of @a and @b hold the same value. */
gboolean nv_status_field_equal(const NvStatusField *field, const NvStatus *a, const NvStatus *b);

/* The names of the fields whose values differ, as a NULL-terminated array
 * (g_strfreev); NULL when nothing differs. */
char **nv_status_diff(const NvStatus *a, const NvStatus *b);
