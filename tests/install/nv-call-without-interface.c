/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nv-call-without-interface DESTINATION PATH MEMBER: calls MEMBER on the
 * system bus without an interface field, which busctl, gdbus and dbus-send
 * cannot send, and prints the error name of the reply, or "ok". The bus
 * policy test uses it: such a call must match no allow rule that names
 * send_interface.
 */
#include <stdio.h>
#include <string.h>
#include <systemd/sd-bus.h>

int main(int argc, char *argv[])
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        sd_bus_message *call = NULL;
        sd_bus *bus = NULL;
        int r;

        if (argc != 4) {
                fprintf(stderr, "usage: %s DESTINATION PATH MEMBER\n", argv[0]);
                return 2;
        }
        r = sd_bus_open_system(&bus);
        if (r >= 0)
                r = sd_bus_message_new_method_call(bus, &call, argv[1], argv[2], NULL, argv[3]);
        if (r < 0) {
                fprintf(stderr, "cannot prepare the call: %s\n", strerror(-r));
                sd_bus_flush_close_unref(bus);
                return 1;
        }

        r = sd_bus_call(bus, call, 0, &error, &reply);
        printf("%s\n", r >= 0 ? "ok" : error.name ? error.name : strerror(-r));

        sd_bus_error_free(&error);
        sd_bus_message_unref(reply);
        sd_bus_message_unref(call);
        sd_bus_flush_close_unref(bus);
        return 0;
}
