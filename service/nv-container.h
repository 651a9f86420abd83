/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Whether the daemon runs in a container, and which kind, in the order
 * and vocabulary of systemd-detect-virt --container, as a pure function of
 * what the caller read (files below the root, PID 1's environment). In a
 * container, modprobe.d and module loads do not reach the kernel, which
 * belongs to the host.
 */
#pragma once

#include <glib.h>

/* What detection reads; NULL and FALSE mean absent or unreadable. */
typedef struct {
        gboolean has_proc_vz;  /* /proc/vz: OpenVZ, inside or outside a container */
        gboolean has_proc_bc;  /* /proc/bc: OpenVZ, outside only */
        const char *osrelease; /* /proc/sys/kernel/osrelease */
        /* /proc/<TracerPid>/comm of the process tracing us (TracerPid of
         * /proc/self/status); NULL when nothing traces us. */
        const char *tracer_comm;
        const char *container_manager; /* /run/host/container-manager */
        const char *systemd_container; /* /run/systemd/container, written by systemd as PID 1 */
        /* /proc/1/environ: NUL-separated NAME=VALUE, @pid1_environ_len bytes
         * (reading it needs CAP_SYS_PTRACE over PID 1, which nestedvirtd.service
         * does not give: NULL there). */
        const char *pid1_environ;
        gsize pid1_environ_len;
        gboolean has_containerenv; /* /run/.containerenv, by podman */
        gboolean has_dockerenv;    /* /.dockerenv, by docker */
        /* We are in a cgroup namespace that is not the root one (systemd's
         * running_in_cgroupns(): cgroup.events in /sys/fs/cgroup, ...). */
        gboolean in_cgroup_namespace;
} NvContainerFacts;

/*
 * The container kind, in systemd's words, or "" for none. In systemd's
 * order: OpenVZ (/proc/vz without /proc/bc) "openvz"; an osrelease naming
 * Microsoft or WSL "wsl"; a tracer called proot* "proot"; then the first
 * line of /run/host/container-manager, of /run/systemd/container, or
 * container= of PID 1's environment (the first that is set and not
 * empty), which names the kind: "lxc", "lxc-libvirt", "systemd-nspawn",
 * "docker", "podman", "rkt", "wsl", "proot", "pouch"; any other name is
 * "container-other", and "oci" (which names no manager) goes on to the
 * files; then /run/.containerenv "podman", /.dockerenv "docker" (last:
 * that file may linger in an image that another manager runs); then a
 * cgroup namespace "container-other". The returned string is static.
 */
const char *nv_container_detect(const NvContainerFacts *facts);

/*
 * The value of @name in an environment block (@block, @len bytes of
 * NUL-separated NAME=VALUE entries, the last one possibly without its
 * NUL), as in /proc/PID/environ; the first entry of that name counts, as
 * for getenv(). NULL when there is none. g_free() the result.
 */
char *nv_environ_get(const char *block, gsize len, const char *name);
