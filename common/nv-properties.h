/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The status properties of org.example.NestedVirt, named once. Each line of
 * NV_PROPERTIES() is one property (and GetStatus() key): its D-Bus name,
 * the C field that holds it, its kind, and how it changes. The daemon's
 * status struct, its vtable and GetStatus(), and the clients' decoding
 * all expand this one list, so a new property is one line here plus its
 * documentation in interfaces/org.example.NestedVirt.xml (a test compares
 * the two).
 *
 * Kinds: STRING ("s", char *), BOOLEAN ("b", int). Change: CONST (fixed
 * while the kernel runs) or EMITS_CHANGE (announced with PropertiesChanged).
 * Every value costs the daemon a few file reads at most: what needs a scan
 * (the processes holding /dev/kvm) is a method, ListModuleUsers().
 */
#pragma once

#include <glib.h>
#include <stddef.h>

#define NV_PROPERTIES(X)                                                                \
        X(Version, version, STRING, CONST)                                              \
        X(Architecture, architecture, STRING, CONST)                                    \
        X(Supported, supported, BOOLEAN, EMITS_CHANGE)                                  \
        X(CpuVendor, cpu_vendor, STRING, CONST)                                         \
        X(VendorModule, vendor_module, STRING, CONST)                                   \
        X(HardwareVirtualization, hardware_virtualization, BOOLEAN, CONST)              \
        X(InVirtualMachine, in_virtual_machine, BOOLEAN, CONST)                         \
        X(Hypervisor, hypervisor, STRING, CONST)                                        \
        X(HypervisorProduct, hypervisor_product, STRING, CONST)                         \
        X(KvmLoaded, kvm_loaded, BOOLEAN, EMITS_CHANGE)                                 \
        X(KvmBuiltin, kvm_builtin, BOOLEAN, EMITS_CHANGE)                               \
        X(VendorModuleLoaded, vendor_module_loaded, BOOLEAN, EMITS_CHANGE)              \
        X(VendorModuleBuiltin, vendor_module_builtin, BOOLEAN, EMITS_CHANGE)            \
        X(VendorModuleState, vendor_module_state, STRING, EMITS_CHANGE)                 \
        X(NestedParameter, nested_parameter, STRING, EMITS_CHANGE)                      \
        X(NestedEnabled, nested_enabled, BOOLEAN, EMITS_CHANGE)                         \
        X(NestedAcceleration, nested_acceleration, STRING, EMITS_CHANGE)                \
        X(NestedAccelerationReasons, nested_acceleration_reasons, STRING, EMITS_CHANGE) \
        X(PersistentNested, persistent_nested, STRING, EMITS_CHANGE)                    \
        X(PersistentSource, persistent_source, STRING, EMITS_CHANGE)                    \
        X(ReloadRequired, reload_required, BOOLEAN, EMITS_CHANGE)                       \
        X(HpageConflict, hpage_conflict, STRING, EMITS_CHANGE)                          \
        X(VendorModuleInUse, vendor_module_in_use, BOOLEAN, EMITS_CHANGE)               \
        X(HostClass, host_class, STRING, EMITS_CHANGE)                                  \
        X(KvmDevice, kvm_device, STRING, EMITS_CHANGE)                                  \
        X(KvmProvider, kvm_provider, STRING, EMITS_CHANGE)                              \
        X(KvmDeviceAccess, kvm_device_access, STRING, EMITS_CHANGE)                     \
        X(KvmDeviceOwner, kvm_device_owner, STRING, EMITS_CHANGE)                       \
        X(KvmDeviceGroup, kvm_device_group, STRING, EMITS_CHANGE)                       \
        X(KvmDeviceMode, kvm_device_mode, STRING, EMITS_CHANGE)                         \
        X(Container, container, STRING, CONST)                                          \
        X(PendingReload, pending_reload, STRING, EMITS_CHANGE)                          \
        X(PendingReloadResult, pending_reload_result, STRING, EMITS_CHANGE)

/* The C type and D-Bus signature of each kind. */
#define NV_PROPERTY_CTYPE_STRING      char *
#define NV_PROPERTY_CTYPE_BOOLEAN     int
#define NV_PROPERTY_SIGNATURE_STRING  "s"
#define NV_PROPERTY_SIGNATURE_BOOLEAN "b"

typedef enum {
        NV_PROPERTY_STRING,
        NV_PROPERTY_BOOLEAN,
} NvPropertyType;

/* Every property's value, one field each, in the order of NV_PROPERTIES(). */
typedef struct {
#define NV_PROPERTY_FIELD(name, field, kind, change) NV_PROPERTY_CTYPE_##kind field;
        NV_PROPERTIES(NV_PROPERTY_FIELD)
#undef NV_PROPERTY_FIELD
} NvProperties;

typedef struct {
        const char *name;      /* D-Bus property name and GetStatus() key */
        const char *signature; /* D-Bus type */
        NvPropertyType type;
        size_t offset; /* in NvProperties */
        gboolean emits_change;
} NvPropertyInfo;

/* NV_PROPERTIES() as data, in its order. */
extern const NvPropertyInfo nv_property_info[];
extern const size_t nv_n_properties;

/* The property called @name, or NULL. */
const NvPropertyInfo *nv_property_info_find(const char *name);

/* The value of @info in @props: a char ** or int * by type. */
#define NV_PROPERTY_SLOT(props, info) G_STRUCT_MEMBER_P((props), (info)->offset)

/* For a client: every boolean -1 (the service did not say), every string
 * NULL. */
#define NV_PROPERTY_UNKNOWN_STRING(field)
#define NV_PROPERTY_UNKNOWN_BOOLEAN(field)             .field = -1,
#define NV_PROPERTY_UNKNOWN(name, field, kind, change) NV_PROPERTY_UNKNOWN_##kind(field)
#define NV_PROPERTIES_INIT_UNKNOWN                 \
        {                                          \
                NV_PROPERTIES(NV_PROPERTY_UNKNOWN) \
        }
void nv_properties_init_unknown(NvProperties *props);

/* Stores @value in @info's slot of @props when it has @info's type, and
 * returns TRUE; leaves the slot alone and returns FALSE otherwise, so that
 * a value of the wrong type stays unknown. */
gboolean nv_property_set_variant(const NvPropertyInfo *info, NvProperties *props, GVariant *value);

/* Frees every string of @props and zeroes it. */
void nv_properties_clear(NvProperties *props);

/* TRUE when @info's value is the same in @a and @b (booleans compare as
 * truth values, a NULL string as an empty one). */
gboolean nv_property_equal(const NvPropertyInfo *info, const NvProperties *a, const NvProperties *b);
