/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The inotify drain of nv-inotify.h.
 */
#include "config.h"

#include <errno.h>
#include <unistd.h>

#include "nv-inotify.h"

gboolean nv_inotify_drain(int fd, NvInotifyFunc func, gpointer user_data, int *ret_errno)
{
        char buffer[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
        gboolean any = FALSE;
        ssize_t n;

        while ((n = read(fd, buffer, sizeof(buffer))) > 0) {
                for (char *p = buffer; p < buffer + n;) {
                        const struct inotify_event *event = (const struct inotify_event *)p;

                        any |= func(event, user_data);
                        p += sizeof(struct inotify_event) + event->len;
                }
        }
        /* A read of an inotify descriptor does not return 0; were it to,
         * there would be nothing more to read either. */
        *ret_errno = n < 0 ? errno : EAGAIN;
        return any;
}
