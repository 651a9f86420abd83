/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Names of the org.example.NestedVirt D-Bus API, shared by the daemon, the
 * CLI and the tests so that a typo cannot split them apart. The API itself
 * is documented in interfaces/org.example.NestedVirt.xml.
 */
#pragma once

#define NV_BUS_NAME    "org.example.NestedVirt"
#define NV_OBJECT_PATH "/org/example/NestedVirt"
#define NV_INTERFACE   "org.example.NestedVirt"

#define NV_ERROR_NOT_SUPPORTED       "org.example.NestedVirt.Error.NotSupported"
#define NV_ERROR_MODULE_IN_USE       "org.example.NestedVirt.Error.ModuleInUse"
#define NV_ERROR_MODULE_BUILTIN      "org.example.NestedVirt.Error.ModuleBuiltin"
#define NV_ERROR_DOMAIN_NOT_FOUND    "org.example.NestedVirt.Error.DomainNotFound"
#define NV_ERROR_LIBVIRT_UNAVAILABLE "org.example.NestedVirt.Error.LibvirtUnavailable"
#define NV_ERROR_FAILED              "org.example.NestedVirt.Error.Failed"

/* Status keys: GetStatus() dictionary keys and property names alike. */
#define NV_KEY_VERSION                 "Version"
#define NV_KEY_ARCHITECTURE            "Architecture"
#define NV_KEY_SUPPORTED               "Supported"
#define NV_KEY_CPU_VENDOR              "CpuVendor"
#define NV_KEY_VENDOR_MODULE           "VendorModule"
#define NV_KEY_HARDWARE_VIRTUALIZATION "HardwareVirtualization"
#define NV_KEY_IN_VIRTUAL_MACHINE      "InVirtualMachine"
#define NV_KEY_HYPERVISOR              "Hypervisor"
#define NV_KEY_KVM_LOADED              "KvmLoaded"
#define NV_KEY_KVM_BUILTIN             "KvmBuiltin"
#define NV_KEY_VENDOR_MODULE_LOADED    "VendorModuleLoaded"
#define NV_KEY_VENDOR_MODULE_BUILTIN   "VendorModuleBuiltin"
#define NV_KEY_VENDOR_MODULE_STATE     "VendorModuleState"
#define NV_KEY_NESTED_PARAMETER        "NestedParameter"
#define NV_KEY_NESTED_ENABLED          "NestedEnabled"
#define NV_KEY_PERSISTENT_NESTED       "PersistentNested"
#define NV_KEY_PERSISTENT_SOURCE       "PersistentSource"
#define NV_KEY_RELOAD_REQUIRED         "ReloadRequired"
#define NV_KEY_MODULE_USERS            "ModuleUsers"
#define NV_KEY_KVM_DEVICE              "KvmDevice"
#define NV_KEY_KVM_PROVIDER            "KvmProvider"
#define NV_KEY_KVM_DEVICE_ACCESS       "KvmDeviceAccess"
#define NV_KEY_KVM_DEVICE_OWNER        "KvmDeviceOwner"
#define NV_KEY_KVM_DEVICE_GROUP        "KvmDeviceGroup"
#define NV_KEY_KVM_DEVICE_MODE         "KvmDeviceMode"
#define NV_KEY_CONTAINER               "Container"
