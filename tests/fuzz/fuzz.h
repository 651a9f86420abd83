/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What every fuzz target shares: the libFuzzer entry point, and a
 * NUL-terminated copy of the input for parsers that take C strings.
 */
#pragma once

#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A copy of @data cut at its first NUL byte, as a C string would be. */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
        return g_strndup((const char *)data, size);
}

/* Fuzzers feed arbitrary bytes; GLib's assertions on bad arguments are
 * bugs of ours, so make them fatal rather than a log line. */
static inline void fuzz_setup(void)
{
        static gboolean done;

        if (!done) {
                g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
                done = TRUE;
        }
}
