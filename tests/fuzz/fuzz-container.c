/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzzes container detection with the input as PID 1's environment, as
 * /run/systemd/container and as /run/host/container-manager: the answer is
 * always one of systemd's names, or "" for none.
 */
#include "nv-container.h"

#include "fuzz.h"

static void assert_known(const char *kind)
{
        static const char *const kinds[] = { "",
                                             "openvz",
                                             "wsl",
                                             "proot",
                                             "lxc",
                                             "lxc-libvirt",
                                             "systemd-nspawn",
                                             "docker",
                                             "podman",
                                             "rkt",
                                             "pouch",
                                             "container-other",
                                             NULL };

        g_assert(g_strv_contains(kinds, kind));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        g_autofree char *text = fuzz_strndup(data, size);
        g_autofree char *value = NULL;
        NvContainerFacts facts = {
                .pid1_environ = (const char *)data,
                .pid1_environ_len = size,
        };

        fuzz_setup();
        value = nv_environ_get((const char *)data, size, "container");
        g_assert(!value || strlen(value) < size);
        assert_known(nv_container_detect(&facts));

        facts.has_dockerenv = TRUE;
        facts.systemd_container = text;
        assert_known(nv_container_detect(&facts));
        facts.container_manager = text;
        facts.osrelease = text;
        facts.tracer_comm = text;
        assert_known(nv_container_detect(&facts));
        return 0;
}
