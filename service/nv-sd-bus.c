/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon's connection to the system bus (nv-sd-bus.h).
 */
#include "config.h"

#include "nv-sd-bus.h"

/* What sd_bus_open_system() connects to without $DBUS_SYSTEM_BUS_ADDRESS. */
#define NV_SYSTEM_BUS_DEFAULT_ADDRESS "unix:path=/run/dbus/system_bus_socket"

/* sd_bus_open_system(), but without descriptor passing: no method takes
 * a descriptor, and a connection that negotiated none is one to which
 * the bus refuses to route a message carrying some (the caller gets
 * NotSupported). Otherwise any user could fill the daemon's descriptor
 * table with calls it would still have to read (issue 26). */
int nv_sd_bus_open_system_without_fds(sd_bus **ret)
{
        g_autoptr(sd_bus) bus = NULL;
        const char *address = g_getenv("DBUS_SYSTEM_BUS_ADDRESS");
        int r;

        r = sd_bus_new(&bus);
        if (r < 0)
                return r;
        r = sd_bus_set_address(bus, address && *address ? address : NV_SYSTEM_BUS_DEFAULT_ADDRESS);
        if (r >= 0)
                r = sd_bus_set_bus_client(bus, TRUE);
        /* Per-method access control by sd-bus, as on any system bus. */
        if (r >= 0)
                r = sd_bus_set_trusted(bus, FALSE);
        if (r >= 0)
                r = sd_bus_negotiate_fds(bus, FALSE);
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r < 0)
                return r;
        *ret = g_steal_pointer(&bus);
        return 0;
}

void nv_sd_bus_advance_start(sd_bus *bus)
{
        /* The first takes the answer if it came (0: not yet, and nothing
         * else happens), the second writes the queue. A connection that
         * broke meanwhile is left to the loop: closing, sd-bus would
         * dispatch its farewell before anyone listens. */
        for (int i = 0; i < 2; i++)
                if (sd_bus_is_open(bus) <= 0 || sd_bus_process(bus, NULL) <= 0)
                        return;
}
