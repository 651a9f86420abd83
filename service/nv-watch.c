/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The uevent and inotify watchers of nv-watch.h.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "nv-inotify.h"
#include "nv-kernel-param.h"
#include "nv-modprobe.h"
#include "nv-watch.h"

struct NvWatch {
        sd_event *event;
        const NvHost *host;
        NvWatchFunc func;
        void *userdata;

        int monitor_fd; /* the kernel's uevents, -1 when none */
        sd_event_source *monitor_source;
        gboolean modules_watched;

        int config_fd; /* inotify on modprobe.d, -1 when none */
        sd_event_source *config_source;
        GHashTable *config_wds;    /* watch descriptor -> WATCHES_* */
        gboolean config_unwatched; /* a directory could not be watched */
        sd_event_source *rewatch_source;
};

/* A source for @fd dispatched before the bus's: a call that arrives
 * together with a change sees the change. */
static int add_source_ahead_of_bus(NvWatch *w, sd_event_source **ret, int fd, sd_event_io_handler_t handler)
{
        int r = sd_event_add_io(w->event, ret, fd, EPOLLIN, handler, w);

        if (r >= 0)
                r = sd_event_source_set_priority(*ret, SD_EVENT_PRIORITY_IMPORTANT);
        return r;
}

static int on_module_uevent(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        NvWatch *w = userdata;
        gboolean module_event = FALSE;

        /* The kernel group has no socket filter: every uevent of the host
         * wakes us, and those of other subsystems are dropped here. Drain
         * what is queued, then read the host once if a module came or
         * went, or if the kernel dropped events (ENOBUFS) and one may
         * have. */
        for (;;) {
                char message[8192];
                union {
                        struct cmsghdr header;
                        char buffer[CMSG_SPACE(sizeof(struct ucred))];
                } control;
                struct sockaddr_nl sender = { 0 };
                struct iovec iov = { .iov_base = message, .iov_len = sizeof(message) };
                struct msghdr header = {
                        .msg_name = &sender,
                        .msg_namelen = sizeof(sender),
                        .msg_iov = &iov,
                        .msg_iovlen = 1,
                        .msg_control = &control,
                        .msg_controllen = sizeof(control),
                };
                struct cmsghdr *cmsg;
                const struct ucred *credentials = NULL;
                ssize_t n = recvmsg(fd, &header, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        module_event |= errno == ENOBUFS;
                        if (errno == ENOBUFS)
                                continue;
                        break;
                }
                cmsg = CMSG_FIRSTHDR(&header);
                if (cmsg && cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_CREDENTIALS &&
                    cmsg->cmsg_len == CMSG_LEN(sizeof(struct ucred)))
                        credentials = (const struct ucred *)CMSG_DATA(cmsg);
                /* Only the kernel's word counts (netlink port 0, root's
                 * credentials); a message cut short is no module's we
                 * could trust. */
                if (sender.nl_pid != 0 || !credentials || credentials->uid != 0 ||
                    (header.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
                        continue;
                module_event |= nv_uevent_is_module(message, (gsize)n);
        }
        if (module_event)
                w->func(NV_WATCH_MODULES, w->userdata);
        return 0;
}

static void unwatch_modules(NvWatch *w)
{
        w->monitor_source = sd_event_source_disable_unref(w->monitor_source);
        if (w->monitor_fd >= 0)
                close(w->monitor_fd);
        w->monitor_fd = -1;
}

/*
 * Module loads and unloads, from the kernel's own uevents (the "kernel"
 * netlink group), not udev's rebroadcast of them ("udev"): udevd sends
 * those in its network namespace only, and the unit gives the daemon a
 * private one (PrivateNetwork=yes), while the kernel sends module events
 * to every network namespace of the initial user namespace. The event
 * only says "read /sys/module again", which needs nothing udev adds, and
 * the kernel sends "add" after the module's init has run. A netlink
 * socket of our own: sd-device's public monitor listens to the udev group
 * only, and libudev's would be a library loaded at each start for one
 * socket.
 */
static void watch_modules(NvWatch *w, const NvHost *host)
{
        const struct sockaddr_nl kernel_group = { .nl_family = AF_NETLINK, .nl_groups = 1 };
        const int buffer_size = 8 * 1024 * 1024;
        int r = 0;

        if (!nv_host_is_real(host))
                return;

        w->monitor_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_KOBJECT_UEVENT);
        if (w->monitor_fd < 0 ||
            setsockopt(w->monitor_fd, SOL_SOCKET, SO_PASSCRED, &(const int){ 1 }, sizeof(int)) < 0 ||
            bind(w->monitor_fd, (const struct sockaddr *)&kernel_group, sizeof(kernel_group)) < 0)
                r = -errno;
        /* Room for a burst (a boot, a hotplug storm) before ENOBUFS: past
         * the system's limit as root, within it otherwise. */
        if (r >= 0 &&
            setsockopt(w->monitor_fd, SOL_SOCKET, SO_RCVBUFFORCE, &buffer_size, sizeof(buffer_size)) < 0)
                (void)setsockopt(w->monitor_fd, SOL_SOCKET, SO_RCVBUF, &buffer_size, sizeof(buffer_size));
        /* A status call made after a modprobe returned sees the module's
         * event. */
        if (r >= 0)
                r = add_source_ahead_of_bus(w, &w->monitor_source, w->monitor_fd, on_module_uevent);
        if (r < 0) {
                g_message("Module events are unavailable (%s); module changes are seen at the next call",
                          g_strerror(-r));
                unwatch_modules(w);
                return;
        }
        w->modules_watched = TRUE;
}

static void watch_config(NvWatch *w);

/* What a watch descriptor of the inotify descriptor watches. */
enum {
        WATCHES_DIR = 1 << 0,    /* a modprobe.d directory */
        WATCHES_PARENT = 1 << 1, /* the parent of a missing one */
};

static void on_config_overflow(NvWatch *w)
{
        int enabled = SD_EVENT_OFF;

        /* Said once however many events were lost. */
        (void)sd_event_source_get_enabled(w->rewatch_source, &enabled);
        if (enabled == SD_EVENT_OFF)
                g_message("Missed changes of modprobe.d (inotify queue overflow): watching and reading it "
                          "anew");
        sd_event_source_set_enabled(w->rewatch_source, SD_EVENT_ONESHOT);
}

/* Whether @event says that modprobe.d may have changed; a directory that
 * came or went is watched anew. */
static gboolean config_event_matters(const struct inotify_event *event, gpointer user_data)
{
        NvWatch *w = user_data;
        guint watches = GPOINTER_TO_UINT(g_hash_table_lookup(w->config_wds, GINT_TO_POINTER(event->wd)));

        /* The kernel dropped events (more than max_queued_events while the
         * daemon did not read: stopped, or a busy machine): any directory
         * may have come or gone meanwhile. Watch everything anew, then
         * read it. */
        if (event->mask & IN_Q_OVERFLOW) {
                on_config_overflow(w);
                return FALSE;
        }
        if (watches & WATCHES_DIR) {
                if (event->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF))
                        sd_event_source_set_enabled(w->rewatch_source, SD_EVENT_ONESHOT);
                return TRUE;
        }
        /* Only the birth of the missing directory matters in its parent. */
        if ((watches & WATCHES_PARENT) && event->len > 0 && g_str_equal(event->name, "modprobe.d")) {
                sd_event_source_set_enabled(w->rewatch_source, SD_EVENT_ONESHOT);
                return TRUE;
        }
        return FALSE;
}

static int on_config_changed(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        NvWatch *w = userdata;
        int errsv = 0;
        /* Drained, then announced once: modprobe.d is read once a burst. */
        gboolean changed = nv_inotify_drain(fd, config_event_matters, w, &errsv);

        if (errsv != EAGAIN && errsv != EINTR) {
                g_warning("Cannot read the changes of modprobe.d: %s; watching it anew", g_strerror(errsv));
                sd_event_source_set_enabled(w->rewatch_source, SD_EVENT_ONESHOT);
        }
        if (changed)
                w->func(NV_WATCH_CONFIG, w->userdata);
        return 0;
}

static int on_rewatch(sd_event_source *s, void *userdata)
{
        NvWatch *w = userdata;

        watch_config(w);
        w->func(NV_WATCH_CONFIG, w->userdata);
        return 0;
}

static void add_config_watch(NvWatch *w, const char *path, guint watches)
{
        const uint32_t dir_mask = IN_CREATE | IN_DELETE | IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM |
                                  IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
        const uint32_t parent_mask = IN_CREATE | IN_MOVED_TO | IN_ONLYDIR;
        int wd;

        /* Two names may be one directory (/lib and /usr/lib on a merged
         * /usr): the masks add up. */
        wd = inotify_add_watch(w->config_fd, path,
                               (watches & WATCHES_PARENT ? parent_mask : dir_mask) | IN_MASK_ADD);
        if (wd < 0) {
                if (errno != ENOENT && errno != ENOTDIR) {
                        g_message("Cannot watch %s (%s); its changes are seen at the next call", path,
                                  g_strerror(errno));
                        w->config_unwatched = TRUE;
                }
                return;
        }
        watches |= GPOINTER_TO_UINT(g_hash_table_lookup(w->config_wds, GINT_TO_POINTER(wd)));
        g_hash_table_insert(w->config_wds, GINT_TO_POINTER(wd), GUINT_TO_POINTER(watches));
}

static void unwatch_config(NvWatch *w)
{
        w->config_source = sd_event_source_disable_unref(w->config_source);
        if (w->config_fd >= 0)
                close(w->config_fd);
        w->config_fd = -1;
        g_hash_table_remove_all(w->config_wds);
}

/* Watches every modprobe.d directory, or for one that does not exist yet,
 * its parent, to see it appear: one inotify descriptor of our own, on one
 * source ahead of the bus, so that a status call that arrives together
 * with a change of a file sees the change. (A source of sd-event's
 * inotify would make, and close, a descriptor for each directory while
 * its priority is set: closing one waits for the kernel's grace period,
 * a good part of the start.) A new descriptor each time: what the old one
 * still held is read anew anyway. */
static void watch_config(NvWatch *w)
{
        int r;

        unwatch_config(w);
        w->config_unwatched = FALSE;
        w->config_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        r = w->config_fd < 0
                    ? -errno
                    : add_source_ahead_of_bus(w, &w->config_source, w->config_fd, on_config_changed);
        if (r < 0) {
                g_message("Cannot watch modprobe.d (%s); its changes are seen at the next call",
                          g_strerror(-r));
                unwatch_config(w);
                w->config_unwatched = TRUE;
                return;
        }

        for (const char *const *dir = nv_modprobe_dirs; *dir; dir++) {
                g_autofree char *path = nv_host_path(w->host, *dir);

                if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
                        add_config_watch(w, path, WATCHES_DIR);
                } else {
                        g_autofree char *parent = g_path_get_dirname(path);

                        add_config_watch(w, parent, WATCHES_PARENT);
                }
        }
}

NvWatch *nv_watch_new(sd_event *event, const NvHost *host, NvWatchFunc func, void *userdata)
{
        NvWatch *w = g_new0(NvWatch, 1);
        int r;

        w->event = sd_event_ref(event);
        w->host = host;
        w->func = func;
        w->userdata = userdata;
        w->config_fd = -1;
        w->config_wds = g_hash_table_new(NULL, NULL);
        w->monitor_fd = -1;

        /* A directory that went away is watched anew from the loop, not
         * from inside its own inotify callback, which is being torn down. */
        r = sd_event_add_defer(event, &w->rewatch_source, on_rewatch, w);
        if (r >= 0)
                sd_event_source_set_enabled(w->rewatch_source, SD_EVENT_OFF);
        else
                g_warning("Cannot watch modprobe.d: %s", g_strerror(-r));
        watch_config(w);
        if (!w->rewatch_source)
                w->config_unwatched = TRUE;
        watch_modules(w, host);
        return w;
}

void nv_watch_free(NvWatch *w)
{
        if (!w)
                return;
        unwatch_config(w);
        g_hash_table_unref(w->config_wds);
        w->rewatch_source = sd_event_source_disable_unref(w->rewatch_source);
        unwatch_modules(w);
        w->event = sd_event_unref(w->event);
        g_free(w);
}

gboolean nv_watch_covers_modules(const NvWatch *w)
{
        return w->modules_watched;
}

gboolean nv_watch_covers_config(const NvWatch *w)
{
        return !w->config_unwatched;
}
