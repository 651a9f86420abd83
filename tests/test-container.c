/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for nv-container.c: each way systemd-detect-virt tells a
 * container, in its order, and reading PID 1's environment.
 */
#include "config.h"

#include <string.h>

#include "nv-container.h"

/* An environment block as /proc/1/environ holds it: @block of @size
 * bytes, sizeof() of a literal whose entries end in "\0". */
#define ENVIRON(facts, block)                             \
        do {                                              \
                (facts).pid1_environ = (block);           \
                (facts).pid1_environ_len = sizeof(block); \
        } while (0)

static void test_none(void)
{
        const NvContainerFacts bare = { 0 };
        NvContainerFacts host = {
                .osrelease = "6.1.0-18-amd64\n",
                .systemd_container = "",
        };

        ENVIRON(host, "HOME=/\0TERM=linux\0BOOT_IMAGE=/vmlinuz");
        g_assert_cmpstr(nv_container_detect(&bare), ==, "");
        g_assert_cmpstr(nv_container_detect(&host), ==, "");
        /* OpenVZ's host has both files. */
        host.has_proc_vz = host.has_proc_bc = TRUE;
        g_assert_cmpstr(nv_container_detect(&host), ==, "");
}

static void test_files(void)
{
        NvContainerFacts facts = { .has_dockerenv = TRUE };

        /* This kind of host. */
        g_assert_cmpstr(nv_container_detect(&facts), ==, "docker");
        facts.has_containerenv = TRUE;
        g_assert_cmpstr(nv_container_detect(&facts), ==, "podman");
        facts = (NvContainerFacts){ .in_cgroup_namespace = TRUE };
        g_assert_cmpstr(nv_container_detect(&facts), ==, "container-other");
}

static void test_manager_names(void)
{
        static const struct {
                const char *name;
                const char *kind;
        } names[] = {
                { "lxc", "lxc" },
                { "lxc-libvirt", "lxc-libvirt" },
                { "systemd-nspawn\n", "systemd-nspawn" },
                { "docker", "docker" },
                { "podman", "podman" },
                { "rkt", "rkt" },
                { "wsl", "wsl" },
                { "proot", "proot" },
                { "pouch", "pouch" },
                { "  lxc  \nsecond line", "lxc" },
                { "flatpak", "container-other" },
                { "LXC", "container-other" },
                { "oci", "container-other" },
        };

        for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
                NvContainerFacts facts = { .systemd_container = names[i].name };

                g_assert_cmpstr(nv_container_detect(&facts), ==, names[i].kind);
                facts = (NvContainerFacts){ .container_manager = names[i].name };
                g_assert_cmpstr(nv_container_detect(&facts), ==, names[i].kind);
        }
}

static void test_order(void)
{
        NvContainerFacts facts = { .has_dockerenv = TRUE };

        /* A /.dockerenv left in an image that systemd-nspawn runs. */
        facts.systemd_container = "systemd-nspawn\n";
        g_assert_cmpstr(nv_container_detect(&facts), ==, "systemd-nspawn");
        /* /run/host/container-manager first. */
        facts.container_manager = "podman\n";
        g_assert_cmpstr(nv_container_detect(&facts), ==, "podman");
        /* "oci" names no manager: the files tell. */
        facts.container_manager = "oci";
        g_assert_cmpstr(nv_container_detect(&facts), ==, "docker");
        /* An empty file says nothing. */
        facts.container_manager = "\n";
        g_assert_cmpstr(nv_container_detect(&facts), ==, "systemd-nspawn");

        /* OpenVZ, WSL and proot come before all of it. */
        facts.tracer_comm = "proot\n";
        g_assert_cmpstr(nv_container_detect(&facts), ==, "proot");
        facts.tracer_comm = "gdb\n";
        g_assert_cmpstr(nv_container_detect(&facts), ==, "systemd-nspawn");
        facts.osrelease = "5.15.146.1-microsoft-standard-WSL2\n";
        g_assert_cmpstr(nv_container_detect(&facts), ==, "wsl");
        facts.has_proc_vz = TRUE;
        g_assert_cmpstr(nv_container_detect(&facts), ==, "openvz");
}

static void test_pid1_environ(void)
{
        NvContainerFacts facts = { 0 };

        ENVIRON(facts, "PATH=/usr/bin\0container=lxc\0HOME=/");
        g_assert_cmpstr(nv_container_detect(&facts), ==, "lxc");
        /* /run/systemd/container is asked first. */
        facts.systemd_container = "docker";
        g_assert_cmpstr(nv_container_detect(&facts), ==, "docker");

        facts = (NvContainerFacts){ .has_dockerenv = TRUE };
        ENVIRON(facts, "container=podman");
        g_assert_cmpstr(nv_container_detect(&facts), ==, "podman");
        /* An empty container= does not tell. */
        ENVIRON(facts, "container=\0");
        g_assert_cmpstr(nv_container_detect(&facts), ==, "docker");
        ENVIRON(facts, "mycontainer=lxc\0");
        g_assert_cmpstr(nv_container_detect(&facts), ==, "docker");
}

static void test_environ_get(void)
{
        static const char block[] = "A=1\0container=lxc\0container=docker\0EMPTY=\0NOEQUALS\0LAST=x";
        g_autofree char *container = nv_environ_get(block, sizeof(block), "container");
        g_autofree char *a = nv_environ_get(block, sizeof(block), "A");
        g_autofree char *empty = nv_environ_get(block, sizeof(block), "EMPTY");
        g_autofree char *last = nv_environ_get(block, sizeof(block) - 1, "LAST");
        g_autofree char *cut = nv_environ_get(block, 3, "A");

        g_assert_cmpstr(container, ==, "lxc");
        g_assert_cmpstr(a, ==, "1");
        g_assert_cmpstr(empty, ==, "");
        g_assert_cmpstr(last, ==, "x");
        g_assert_cmpstr(cut, ==, "1");
        g_assert_null(nv_environ_get(block, sizeof(block), "NOEQUALS"));
        g_assert_null(nv_environ_get(block, sizeof(block), "contain"));
        g_assert_null(nv_environ_get(block, sizeof(block), "B"));
        g_assert_null(nv_environ_get(NULL, 0, "A"));
        g_assert_null(nv_environ_get(block, 1, "A"));
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);

        g_test_add_func("/container/none", test_none);
        g_test_add_func("/container/files", test_files);
        g_test_add_func("/container/manager-names", test_manager_names);
        g_test_add_func("/container/order", test_order);
        g_test_add_func("/container/pid1-environ", test_pid1_environ);
        g_test_add_func("/container/environ-get", test_environ_get);

        return g_test_run();
}
