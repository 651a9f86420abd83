/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Container detection from facts the caller read, in systemd-detect-virt's
 * order and words (see nv-container.h). Pure: unit-tested alone.
 */
#include "config.h"

#include <string.h>

#include "nv-container.h"

/* The names systemd knows for container=, and so reports as they are. */
static const char *const container_kinds[] = {
        "lxc", "lxc-libvirt", "systemd-nspawn", "docker", "podman", "rkt", "wsl", "proot", "pouch",
};

char *nv_environ_get(const char *block, gsize len, const char *name)
{
        const char *p, *end;
        gsize name_len;

        g_return_val_if_fail(block != NULL || len == 0, NULL);
        g_return_val_if_fail(name != NULL, NULL);

        if (len == 0)
                return NULL;
        name_len = strlen(name);
        p = block;
        end = block + len;
        while (p < end) {
                const char *nul = memchr(p, '\0', (size_t)(end - p));

                if (!nul)
                        nul = end;
                if ((gsize)(nul - p) > name_len && memcmp(p, name, name_len) == 0 && p[name_len] == '=')
                        return g_strndup(p + name_len + 1, (gsize)(nul - p) - name_len - 1);
                p = nul + 1;
        }
        return NULL;
}

/* The first line of @text without surrounding blanks; NULL when empty. */
static char *first_line(const char *text)
{
        g_autofree char *line = NULL;

        if (!text)
                return NULL;
        line = g_strndup(text, strcspn(text, "\n"));
        g_strstrip(line);
        return *line ? g_steal_pointer(&line) : NULL;
}

static const char *detect_from_files(const NvContainerFacts *facts)
{
        if (facts->has_containerenv)
                return "podman";
        if (facts->has_dockerenv)
                return "docker";
        return NULL;
}

/* A container manager's name for itself, in systemd's vocabulary. */
static const char *translate_name(const NvContainerFacts *facts, const char *name)
{
        const char *kind;

        /* Some images hard-code container=oci, which is a format, not a
         * manager. */
        if (strcmp(name, "oci") == 0) {
                kind = detect_from_files(facts);
                return kind ? kind : "container-other";
        }
        for (gsize i = 0; i < G_N_ELEMENTS(container_kinds); i++)
                if (strcmp(name, container_kinds[i]) == 0)
                        return container_kinds[i];
        return "container-other";
}

const char *nv_container_detect(const NvContainerFacts *facts)
{
        g_autofree char *manager = NULL;
        g_autofree char *pid1_container = NULL;
        const char *kind;

        g_return_val_if_fail(facts != NULL, "");

        if (facts->has_proc_vz && !facts->has_proc_bc)
                return "openvz";
        if (facts->osrelease && (strstr(facts->osrelease, "Microsoft") || strstr(facts->osrelease, "WSL")))
                return "wsl";
        if (facts->tracer_comm && g_str_has_prefix(facts->tracer_comm, "proot"))
                return "proot";

        /* What the manager says of itself beats the files, which may come
         * with an image. */
        manager = first_line(facts->container_manager);
        if (!manager)
                manager = first_line(facts->systemd_container);
        if (!manager) {
                /* An empty container= is "none" for PID 1 itself; here it
                 * only means PID 1 does not tell. */
                pid1_container = nv_environ_get(facts->pid1_environ, facts->pid1_environ_len, "container");
                if (pid1_container && *pid1_container)
                        manager = g_steal_pointer(&pid1_container);
        }
        if (manager)
                return translate_name(facts, manager);

        kind = detect_from_files(facts);
        if (kind)
                return kind;
        if (facts->in_cgroup_namespace)
                return "container-other";
        return "";
}
