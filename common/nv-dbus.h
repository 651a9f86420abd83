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
