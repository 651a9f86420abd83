/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The uevent and inotify watchers of nv-watch.h.
 */
#include "config.h"

#include <errno.h>
#include <sys/epoll.h>
#include <sys/inotify.h>

#include <libudev.h>

#include "nv-modprobe.h"
#include "nv-watch.h"

struct NvWatch {
        sd_event *event;
        const NvHost *host;
        NvWatchFunc func;
        void *userdata;

        struct udev *udev; /* libudev's context of monitor */
        struct udev_monitor *monitor;
        sd_event_source *monitor_source;
        gboolean modules_watched;

        GPtrArray *config_watches; /* sd_event_source, inotify */
        gboolean config_unwatched; /* a directory could not be watched */
        sd_event_source *rewatch_source;
};

typedef struct {
        NvWatch *watch;
        gboolean parent; /* watches the parent of a missing modprobe.d */
} ConfigWatch;

static int on_module_uevent(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        NvWatch *w = userdata;
        struct udev_device *device;
        gboolean module_event = FALSE;

        /* The kernel group has no socket filter: every uevent of the host
         * wakes us, and libudev drops those of other subsystems. Drain
         * what is queued, then read the host once if a module came or
         * went, or if the kernel dropped events (ENOBUFS) and one may
         * have. */
        while ((device = udev_monitor_receive_device(w->monitor))) {
                udev_device_unref(device);
                module_event = TRUE;
        }
        if (module_event || errno == ENOBUFS)
                w->func(NV_WATCH_MODULES, w->userdata);
        return 0;
}

static void unwatch_modules(NvWatch *w)
{
        w->monitor_source = sd_event_source_disable_unref(w->monitor_source);
        w->monitor = udev_monitor_unref(w->monitor);
        w->udev = udev_unref(w->udev);
}

/*
 * Module loads and unloads, from the kernel's own uevents (the "kernel"
 * netlink group), not udev's rebroadcast of them ("udev"): udevd sends
 * those in its network namespace only, and the unit gives the daemon a
 * private one (PrivateNetwork=yes), while the kernel sends module events
 * to every network namespace of the initial user namespace. The event
 * only says "read /sys/module again", which needs nothing udev adds, and
 * the kernel sends "add" after the module's init has run. sd-device's
 * public monitor listens to the udev group only, hence libudev here.
 */
static void watch_modules(NvWatch *w, const NvHost *host)
{
        int r;

        if (!nv_host_is_real(host))
                return;

        w->udev = udev_new();
        w->monitor = w->udev ? udev_monitor_new_from_netlink(w->udev, "kernel") : NULL;
        if (!w->monitor) {
                r = -(errno > 0 ? errno : ENOMEM);
        } else {
                r = udev_monitor_filter_add_match_subsystem_devtype(w->monitor, "module", NULL);
                if (r >= 0)
                        r = udev_monitor_enable_receiving(w->monitor);
                if (r >= 0)
                        r = sd_event_add_io(w->event, &w->monitor_source, udev_monitor_get_fd(w->monitor),
                                            EPOLLIN, on_module_uevent, w);
                /* Ahead of the bus, as the inotify sources: a status call
                 * made after a modprobe returned sees the module's event. */
                if (r >= 0)
                        r = sd_event_source_set_priority(w->monitor_source, SD_EVENT_PRIORITY_IMPORTANT);
        }
        if (r < 0) {
                g_message("Module events are unavailable (%s); module changes are seen at the next call",
                          g_strerror(-r));
                unwatch_modules(w);
                return;
        }
        w->modules_watched = TRUE;
}

static void watch_config(NvWatch *w);

static void event_source_free(gpointer source)
{
        sd_event_source_disable_unref(source);
}

static int on_config_changed(sd_event_source *s, const struct inotify_event *event, void *userdata)
{
        ConfigWatch *watch = userdata;
        NvWatch *w = watch->watch;

        /* The kernel dropped events (more than max_queued_events while the
         * daemon did not read: stopped, or a busy machine), and sd-event
         * passes the overflow to every source: any directory may have
         * come or gone meanwhile. Watch everything anew, then read it. */
        if (event->mask & IN_Q_OVERFLOW) {
                int enabled = SD_EVENT_OFF;

                /* Each source gets it: said once. */
                (void)sd_event_source_get_enabled(w->rewatch_source, &enabled);
                if (enabled == SD_EVENT_OFF)
                        g_message("Missed changes of modprobe.d (inotify queue overflow): watching and "
                                  "reading it anew");
                sd_event_source_set_enabled(w->rewatch_source, SD_EVENT_ONESHOT);
                return 0;
        }
        if (watch->parent) {
                /* Only the birth of the missing directory matters here. */
                if (event->len == 0 || !g_str_equal(event->name, "modprobe.d"))
                        return 0;
                sd_event_source_set_enabled(w->rewatch_source, SD_EVENT_ONESHOT);
        } else if (event->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) {
                sd_event_source_set_enabled(w->rewatch_source, SD_EVENT_ONESHOT);
        }

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

static void add_config_watch(NvWatch *w, const char *path, gboolean parent)
{
        const uint32_t dir_mask = IN_CREATE | IN_DELETE | IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM |
                                  IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
        const uint32_t parent_mask = IN_CREATE | IN_MOVED_TO | IN_ONLYDIR;
        sd_event_source *source = NULL;
        ConfigWatch *watch = g_new0(ConfigWatch, 1);
        int r;

        watch->watch = w;
        watch->parent = parent;
        r = sd_event_add_inotify(w->event, &source, path, parent ? parent_mask : dir_mask, on_config_changed,
                                 watch);
        if (r < 0) {
                g_free(watch);
                if (r != -ENOENT && r != -ENOTDIR) {
                        g_message("Cannot watch %s (%s); its changes are seen at the next call", path,
                                  g_strerror(-r));
                        w->config_unwatched = TRUE;
                }
                return;
        }
        sd_event_source_set_destroy_callback(source, g_free);
        /* Ahead of the bus: a status call that arrives together with a
         * change of a file sees the change. */
        sd_event_source_set_priority(source, SD_EVENT_PRIORITY_IMPORTANT);
        g_ptr_array_add(w->config_watches, source);
}

/* Watches every modprobe.d directory, or for one that does not exist yet,
 * its parent, to see it appear. */
static void watch_config(NvWatch *w)
{
        g_clear_pointer(&w->config_watches, g_ptr_array_unref);
        w->config_watches = g_ptr_array_new_with_free_func(event_source_free);
        w->config_unwatched = FALSE;

        for (const char *const *dir = nv_modprobe_dirs; *dir; dir++) {
                g_autofree char *path = nv_host_path(w->host, *dir);

                if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
                        add_config_watch(w, path, FALSE);
                } else {
                        g_autofree char *parent = g_path_get_dirname(path);

                        add_config_watch(w, parent, TRUE);
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
        g_clear_pointer(&w->config_watches, g_ptr_array_unref);
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
