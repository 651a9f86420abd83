/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Text a caller controls (an argument echoed back, a domain name quoted in
 * libvirt's error) as an error message may show it.
 */
#pragma once

#include <glib.h>

/* The first @max_chars characters of the UTF-8 string @s, and "..." if
 * there were more, with control characters (a newline, an escape sequence
 * for the caller's terminal) and format characters (bidi overrides that
 * make a terminal show text reordered, zero-width ones that hide in it:
 * Unicode's Cf) written as \xNN or \uNNNN. Never cut in bytes: a reply
 * that is not UTF-8 cannot be sent at all, and the caller would wait for
 * it until its timeout. */
char *nv_printable(const char *s, glong max_chars);
