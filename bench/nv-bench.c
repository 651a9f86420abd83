/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The bench's bus client (bench/run.sh drives it). Each mode does one
 * measurement on the bus in DBUS_SYSTEM_BUS_ADDRESS and prints lines of
 * "key=value" pairs for the script to collect:
 *
 *   latency N WARMUP TARGET...           round trips of calls, one at a time,
 *                                        the TARGETs interleaved; one line
 *                                        per TARGET (ping, getstatus, getall,
 *                                        hostnamed-getall), named after it
 *   activate DEST PATH KIND COUNT        a call that starts DEST, to its reply;
 *                                        the started process is then stopped
 *   activate DEST PATH KIND COUNT LINK TREE_A TREE_B
 *                                        the same, COUNT times each with the
 *                                        symbolic link LINK (DEST's --root)
 *                                        pointing at TREE_A and at TREE_B,
 *                                        alternating; lines "a ..." and "b ..."
 *   pending N_PENDING N WARMUP           GetStatus round trips while N_PENDING
 *                                        callers, as the system's users other
 *                                        than root in turn (run as root),
 *                                        wait for polkit
 *   flood N_CLIENTS N WARMUP             root's Ping and GetStatus round trips,
 *                                        interleaved, first idle, then while
 *                                        N_CLIENTS processes of one user other
 *                                        than root (run as root) call GetStatus
 *                                        as fast as replies come; lines
 *                                        idle-ping, idle-getstatus,
 *                                        flood-ping, flood-getstatus and
 *                                        flood (the flood's call rate)
 *   flood-pipelined N_CLIENTS N WARMUP   the same, each flooding process
 *                                        sending FLOOD_PIPELINE calls at once
 *                                        on its connection, then reading the
 *                                        replies, and again
 *   flood-hit-and-run N_CLIENTS N WARMUP the same, each flooding process
 *                                        opening a connection, sending
 *                                        FLOOD_HIT_AND_RUN calls without
 *                                        waiting, closing it, and again
 *   flood-hit-and-run-elsewhere NAME N_CLIENTS N WARMUP
 *                                        the hit-and-run flood aimed at
 *                                        another service, NAME (Peer.Ping
 *                                        at /): what the flood costs root's
 *                                        calls to nestedvirtd through the bus
 *                                        alone
 *   flood-spin N_CLIENTS N WARMUP        the same processes, each only
 *                                        burning CPU, no call at all: what
 *                                        the CPUs alone cost root's calls
 *   polkit-mock                          owns org.freedesktop.PolicyKit1 and
 *                                        never answers CheckAuthorization
 *   floor-service NAME                   owns NAME and does nothing else (sd-bus
 *                                        answers Peer.Ping): the activation
 *                                        floor
 *
 * The processes that act as another user (the floods, the waiting
 * callers) first join the cgroup whose cgroup.procs file
 * $NV_BENCH_USER_CGROUP_PROCS names, when it is set.
 *
 * KIND (and what a TARGET calls) is "ping" (org.freedesktop.DBus.Peer.Ping), "getstatus"
 * (org.example.NestedVirt.GetStatus) or "getall:INTERFACE"
 * (org.freedesktop.DBus.Properties.GetAll). The reply is received and
 * checked to be a method return, not parsed further: both daemons are
 * measured the same way.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#define NV_BUS_NAME    "org.example.NestedVirt"
#define NV_OBJECT_PATH "/org/example/NestedVirt"
#define NV_INTERFACE   "org.example.NestedVirt"

/* NV_AUTH_MAX_PENDING_PER_USER of service/nv-auth.h. */
#define PER_USER_LIMIT 16

static void die(const char *what, int r)
{
        fprintf(stderr, "nv-bench: %s: %s\n", what, strerror(r < 0 ? -r : r));
        exit(1);
}

static double now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int compare_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;

        return (x > y) - (x < y);
}

/* The nearest-rank percentile of @n sorted values. */
static double percentile(const double *sorted, size_t n, double p)
{
        size_t rank = (size_t)(p / 100.0 * (double)n + 0.999999);

        if (rank < 1)
                rank = 1;
        if (rank > n)
                rank = n;
        return sorted[rank - 1];
}

static sd_bus *open_bus(void)
{
        sd_bus *bus = NULL;
        int r;

        r = sd_bus_open_system(&bus);
        if (r < 0)
                die("cannot connect to the system bus", r);
        return bus;
}

static int new_call(sd_bus *bus, const char *dest, const char *path, const char *kind, sd_bus_message **ret)
{
        int r;

        if (strcmp(kind, "ping") == 0)
                return sd_bus_message_new_method_call(bus, ret, dest, path, "org.freedesktop.DBus.Peer",
                                                      "Ping");
        if (strcmp(kind, "getstatus") == 0)
                return sd_bus_message_new_method_call(bus, ret, dest, path, NV_INTERFACE, "GetStatus");
        if (strncmp(kind, "getall:", 7) == 0) {
                r = sd_bus_message_new_method_call(bus, ret, dest, path, "org.freedesktop.DBus.Properties",
                                                   "GetAll");
                if (r >= 0)
                        r = sd_bus_message_append(*ret, "s", kind + 7);
                return r;
        }
        fprintf(stderr, "nv-bench: unknown call kind %s\n", kind);
        exit(2);
}

/* One call and its reply; returns the round trip in microseconds. */
static double timed_call(sd_bus *bus, const char *dest, const char *path, const char *kind)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *m = NULL, *reply = NULL;
        double start, end;
        int r;

        r = new_call(bus, dest, path, kind, &m);
        if (r < 0)
                die("cannot build the call", r);
        start = now_usec();
        r = sd_bus_call(bus, m, 30 * 1000 * 1000, &error, &reply);
        end = now_usec();
        if (r < 0) {
                fprintf(stderr, "nv-bench: %s on %s failed: %s\n", kind, dest,
                        error.message ? error.message : strerror(-r));
                exit(1);
        }
        sd_bus_error_free(&error);
        sd_bus_message_unref(reply);
        sd_bus_message_unref(m);
        return end - start;
}

static void print_latencies(const char *label, double *samples, size_t n)
{
        qsort(samples, n, sizeof(double), compare_double);
        printf("%sn=%zu p50_us=%.1f p99_us=%.1f\n", label, n, percentile(samples, n, 50),
               percentile(samples, n, 99));
}

/* A call to measure, by its short name on the command line. */
typedef struct {
        const char *name, *dest, *path, *kind;
} Target;

static const Target targets[] = {
        { "ping", NV_BUS_NAME, NV_OBJECT_PATH, "ping" },
        { "getstatus", NV_BUS_NAME, NV_OBJECT_PATH, "getstatus" },
        { "getall", NV_BUS_NAME, NV_OBJECT_PATH, "getall:" NV_INTERFACE },
        { "hostnamed-getall", "org.freedesktop.hostname1", "/org/freedesktop/hostname1",
          "getall:org.freedesktop.hostname1" },
};

/* The calls are interleaved, one of each in turn, so that whatever else the
 * machine does at the time weighs on all of them alike and their ratios
 * stay meaningful on a busy machine. */
static int mode_latency(int argc, char **argv)
{
        const Target *chosen[8];
        size_t n, warmup, n_chosen;
        double *samples;
        sd_bus *bus;

        if (argc < 3 || argc - 2 > 8)
                return 2;
        n = strtoul(argv[0], NULL, 10);
        warmup = strtoul(argv[1], NULL, 10);
        if (n == 0)
                return 2;
        n_chosen = (size_t)argc - 2;
        for (size_t t = 0; t < n_chosen; t++) {
                chosen[t] = NULL;
                for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++)
                        if (strcmp(argv[2 + t], targets[i].name) == 0)
                                chosen[t] = &targets[i];
                if (!chosen[t])
                        return 2;
        }

        bus = open_bus();
        for (size_t i = 0; i < warmup; i++)
                for (size_t t = 0; t < n_chosen; t++)
                        timed_call(bus, chosen[t]->dest, chosen[t]->path, chosen[t]->kind);
        samples = calloc(n * n_chosen, sizeof(double));
        for (size_t i = 0; i < n; i++)
                for (size_t t = 0; t < n_chosen; t++)
                        samples[t * n + i] =
                                timed_call(bus, chosen[t]->dest, chosen[t]->path, chosen[t]->kind);
        for (size_t t = 0; t < n_chosen; t++) {
                char label[64];

                snprintf(label, sizeof(label), "%s ", chosen[t]->name);
                print_latencies(label, samples + t * n, n);
        }
        free(samples);
        sd_bus_flush_close_unref(bus);
        return 0;
}

static int name_has_owner(sd_bus *bus, const char *name)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        int owned = 0, r;

        r = sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                               "NameHasOwner", &error, &reply, "s", name);
        if (r >= 0)
                r = sd_bus_message_read(reply, "b", &owned);
        if (r < 0)
                die("NameHasOwner failed", r);
        sd_bus_message_unref(reply);
        return owned;
}

static pid_t name_pid(sd_bus *bus, const char *name)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        uint32_t pid = 0;
        int r;

        r = sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                               "GetConnectionUnixProcessID", &error, &reply, "s", name);
        if (r >= 0)
                r = sd_bus_message_read(reply, "u", &pid);
        if (r < 0)
                die("GetConnectionUnixProcessID failed", r);
        sd_bus_message_unref(reply);
        return (pid_t)pid;
}

/* Stops the activated process (dbus-daemon, its parent, reaps it) and
 * waits until its name is free again, so the next call activates anew. */
static void stop_owner(sd_bus *bus, const char *name)
{
        pid_t pid = name_pid(bus, name);

        if (pid <= 1 || kill(pid, SIGTERM) < 0)
                die("cannot stop the activated service", errno);
        for (int i = 0; name_has_owner(bus, name); i++) {
                if (i > 10000)
                        die("the activated service did not release its name", ETIMEDOUT);
                usleep(1000);
        }
}

/* Points the symbolic link @link at @target, atomically (a new link
 * renamed over the old one). */
static void point_link(const char *link, const char *target)
{
        char tmp[4096];

        snprintf(tmp, sizeof(tmp), "%s.new", link);
        unlink(tmp);
        if (symlink(target, tmp) < 0 || rename(tmp, link) < 0)
                die("cannot point the link at the tree", errno);
}

static void print_activations(const char *label, double *samples, size_t count)
{
        qsort(samples, count, sizeof(double), compare_double);
        printf("%sn=%zu median_ms=%.2f min_ms=%.2f max_ms=%.2f\n", label, count,
               percentile(samples, count, 50) / 1e3, samples[0] / 1e3, samples[count - 1] / 1e3);
}

/* activate DEST PATH KIND COUNT [LINK TREE_A TREE_B]: COUNT activations
 * of DEST; with a LINK, COUNT of each tree, alternating, DEST's Exec=
 * reading the tree that LINK points to (the daemon's --root), so that
 * whatever else the machine does weighs on both alike: lines "a ..." and
 * "b ...". */
static int mode_activate(int argc, char **argv)
{
        const char *dest, *path, *kind, *link = NULL, *trees[2] = { NULL, NULL };
        size_t count, n_trees = 1;
        double *samples[2];
        sd_bus *bus;

        if (argc != 4 && argc != 7)
                return 2;
        dest = argv[0];
        path = argv[1];
        kind = argv[2];
        count = strtoul(argv[3], NULL, 10);
        if (count == 0)
                return 2;
        if (argc == 7) {
                link = argv[4];
                trees[0] = argv[5];
                trees[1] = argv[6];
                n_trees = 2;
        }

        bus = open_bus();
        if (name_has_owner(bus, dest))
                stop_owner(bus, dest);
        samples[0] = calloc(count, sizeof(double));
        samples[1] = calloc(count, sizeof(double));
        for (size_t i = 0; i < n_trees * count; i++) {
                /* a b b a a b b a ...: neither always goes first. */
                size_t which = n_trees == 2 ? (i + i / 2) % 2 : 0;

                if (link)
                        point_link(link, trees[which]);
                samples[which][i / n_trees] = timed_call(bus, dest, path, kind);
                stop_owner(bus, dest);
        }
        print_activations(link ? "a " : "", samples[0], count);
        if (link)
                print_activations("b ", samples[1], count);
        free(samples[0]);
        free(samples[1]);
        sd_bus_flush_close_unref(bus);
        return 0;
}

/* Reads whatever the waiting connections received: on_reply() counts it. */
/* Up to @n users other than root, as the system lists them: the pending
 * mode's callers run as them, round robin. Each must exist, because the
 * bus looks up a caller's groups and refuses one it cannot; the daemon
 * caps what one user may have waiting for polkit, and 20 people clicking
 * "enable" are many users. */
static size_t list_other_users(uid_t *uids, size_t n)
{
        size_t found = 0;
        struct passwd *pw;

        setpwent();
        while (found < n && (pw = getpwent())) {
                bool seen = pw->pw_uid == 0;

                for (size_t i = 0; i < found && !seen; i++)
                        seen = uids[i] == pw->pw_uid;
                if (!seen)
                        uids[found++] = pw->pw_uid;
        }
        endpwent();
        return found;
}

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        *(int *)userdata = 1;
        return 0;
}

/* In a child, as user @uid: dies with the bench (a client that timed out
 * must not leave a flood running). After setuid(), which clears the
 * parent-death signal. */
static void become_user_for_life_of(uid_t uid, pid_t parent, const char *what)
{
        const char *procs = getenv("NV_BENCH_USER_CGROUP_PROCS");

        /* Where systemd would have the user's processes: a CPU group of
         * their own, beside the services' (bench/run.sh makes it). */
        if (procs && *procs) {
                FILE *f = fopen(procs, "we");

                if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f) != 0)
                        die("cannot join the user's CPU group", -errno);
        }
        if (setgroups(0, NULL) < 0 || setgid(uid) < 0 || setuid(uid) < 0)
                die(what, -errno);
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
                die("prctl(PR_SET_PDEATHSIG)", -errno);
        if (getppid() != parent)
                _exit(1);
}

/* A child process, as user @uid: calls EnablePersistent and waits until
 * the parent closes @done_fd. Exits 10 if the call was answered by then. */
static _Noreturn void waiting_caller(uid_t uid, pid_t parent, int done_fd)
{
        struct pollfd fds[2];
        int replied = 0, r;
        sd_bus *bus;

        become_user_for_life_of(uid, parent, "cannot become the waiting user");
        bus = open_bus();
        r = sd_bus_call_method_async(bus, NULL, NV_BUS_NAME, NV_OBJECT_PATH, NV_INTERFACE,
                                     "EnablePersistent", on_reply, &replied, "b", 1);
        if (r < 0)
                die("cannot send EnablePersistent", r);
        for (;;) {
                while ((r = sd_bus_process(bus, NULL)) > 0)
                        ;
                if (r < 0)
                        die("bus connection failed", r);
                fds[0] =
                        (struct pollfd){ .fd = sd_bus_get_fd(bus), .events = (short)sd_bus_get_events(bus) };
                fds[1] = (struct pollfd){ .fd = done_fd, .events = POLLIN };
                if (poll(fds, 2, -1) < 0 && errno != EINTR)
                        die("poll", -errno);
                if (fds[1].revents)
                        break;
        }
        while (sd_bus_process(bus, NULL) > 0)
                ;
        _exit(replied ? 10 : 0);
}

/* N_CALLERS N WARMUP, for the modes whose callers are other users: 0, or
 * the exit status of a usage error. */
static int parse_callers_args(int argc, char **argv, const char *mode, size_t *ret_n_callers, size_t *ret_n,
                              size_t *ret_warmup)
{
        if (argc != 3)
                return 2;
        *ret_n_callers = strtoul(argv[0], NULL, 10);
        *ret_n = strtoul(argv[1], NULL, 10);
        *ret_warmup = strtoul(argv[2], NULL, 10);
        if (*ret_n == 0 || *ret_n_callers == 0)
                return 2;
        if (geteuid() != 0) {
                fprintf(stderr, "nv-bench: the %s mode runs its callers as other users: run it as root\n",
                        mode);
                return 2;
        }
        return 0;
}

static int mode_pending(int argc, char **argv)
{
        size_t n_pending, n, warmup;
        int r;
        pid_t *waiting, parent;
        uid_t *uids;
        size_t n_users;
        double *samples;
        int done_pipe[2];
        int replied = 0;
        sd_bus *bus;

        r = parse_callers_args(argc, argv, "pending", &n_pending, &n, &warmup);
        if (r != 0)
                return r;

        /* One caller per connection, each its own process, as users. */
        uids = calloc(n_pending, sizeof(uid_t));
        n_users = list_other_users(uids, n_pending);
        if (n_users == 0 || n_users * PER_USER_LIMIT < n_pending) {
                fprintf(stderr, "nv-bench: %zu users other than root for %zu waiting callers: too few\n",
                        n_users, n_pending);
                return 1;
        }
        if (pipe2(done_pipe, O_CLOEXEC) < 0)
                die("pipe", -errno);
        waiting = calloc(n_pending, sizeof(pid_t));
        parent = getpid();
        for (size_t i = 0; i < n_pending; i++) {
                waiting[i] = fork();
                if (waiting[i] < 0)
                        die("fork", -errno);
                if (waiting[i] == 0) {
                        close(done_pipe[1]);
                        waiting_caller(uids[i % n_users], parent, done_pipe[0]);
                }
        }
        close(done_pipe[0]);

        bus = open_bus();
        /* The round trips below start after the daemon saw every request
         * (these are other connections than this one's): wait a little. */
        usleep(300 * 1000);

        for (size_t i = 0; i < warmup; i++)
                timed_call(bus, NV_BUS_NAME, NV_OBJECT_PATH, "getstatus");
        samples = calloc(n, sizeof(double));
        for (size_t i = 0; i < n; i++)
                samples[i] = timed_call(bus, NV_BUS_NAME, NV_OBJECT_PATH, "getstatus");

        /* The callers learn they may go, and say whether they were
         * answered meanwhile (none should be: polkit is slow). */
        close(done_pipe[1]);
        for (size_t i = 0; i < n_pending; i++) {
                int status;

                if (waitpid(waiting[i], &status, 0) < 0)
                        die("waitpid", -errno);
                if (WIFEXITED(status) && WEXITSTATUS(status) == 10)
                        replied++;
                else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                        fprintf(stderr, "nv-bench: waiting caller %zu failed\n", i);
        }
        if (replied > 0)
                fprintf(stderr,
                        "nv-bench: %d of %zu EnablePersistent calls were answered: polkit is not slow\n",
                        replied, n_pending);
        printf("pending=%zu answered=%d ", n_pending, replied);
        print_latencies("", samples, n);
        free(samples);
        free(waiting);
        free(uids);
        sd_bus_flush_close_unref(bus);
        return 0;
}

typedef enum {
        FLOOD_WAITING,     /* one call at a time, the next when its reply came */
        FLOOD_PIPELINED,   /* FLOOD_PIPELINE at once, then their replies */
        FLOOD_HIT_AND_RUN, /* FLOOD_HIT_AND_RUN at once, then the connection closed */
        FLOOD_SPIN,        /* no calls: the CPU alone, the others' reference */
} FloodKind;

/* Below the 128 replies a connection may wait for on the system bus
 * (max_replies_per_connection): more would be refused by the bus, not
 * queued at the daemon. */
#define FLOOD_PIPELINE 100
/* Issue 26's attack: 50 calls on a connection closed right away. */
#define FLOOD_HIT_AND_RUN 50

static volatile sig_atomic_t flood_stop;

static void on_flood_stop(int sig)
{
        flood_stop = 1;
}

static int on_flood_reply(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        (*(unsigned *)userdata)--;
        return 0;
}

/* FLOOD_PIPELINE GetStatus sent at once, then their replies read. */
static unsigned long flood_pipelined_round(sd_bus *bus)
{
        unsigned in_flight = 0;

        for (unsigned i = 0; i < FLOOD_PIPELINE; i++) {
                int r = sd_bus_call_method_async(bus, NULL, NV_BUS_NAME, NV_OBJECT_PATH, NV_INTERFACE,
                                                 "GetStatus", on_flood_reply, &in_flight, "");

                if (r < 0)
                        die("cannot send GetStatus in the flood", r);
                in_flight++;
        }
        while (in_flight > 0 && !flood_stop) {
                int r = sd_bus_process(bus, NULL);

                if (r == 0)
                        r = sd_bus_wait(bus, UINT64_MAX);
                if (r < 0 && r != -EINTR)
                        die("cannot read the flood's replies", r);
        }
        return FLOOD_PIPELINE;
}

/* A connection of its own, FLOOD_HIT_AND_RUN GetStatus sent on it (or
 * Peer.Ping to the service @elsewhere), and closed before any reply: the
 * daemon answers callers that are gone. */
static unsigned long flood_hit_and_run_round(const char *elsewhere)
{
        sd_bus *bus = open_bus();

        for (unsigned i = 0; i < FLOOD_HIT_AND_RUN; i++) {
                sd_bus_message *m = NULL;
                int r = elsewhere ? new_call(bus, elsewhere, "/", "ping", &m)
                                  : new_call(bus, NV_BUS_NAME, NV_OBJECT_PATH, "getstatus", &m);

                if (r >= 0)
                        r = sd_bus_send(bus, m, NULL);
                sd_bus_message_unref(m);
                if (r < 0)
                        die("cannot send GetStatus in the flood", r);
        }
        sd_bus_flush_close_unref(bus);
        return FLOOD_HIT_AND_RUN;
}

/* A child process, as user @uid: GetStatus calls as @kind says until
 * SIGTERM, then writes how many it made to @count_fd. */
static _Noreturn void flooding_caller(uid_t uid, pid_t parent, FloodKind kind, const char *elsewhere,
                                      int count_fd)
{
        struct sigaction sa = { .sa_handler = on_flood_stop };
        unsigned long n = 0;
        sd_bus *bus = NULL;

        sigaction(SIGTERM, &sa, NULL);
        become_user_for_life_of(uid, parent, "cannot become the flooding user");
        if (kind == FLOOD_WAITING || kind == FLOOD_PIPELINED)
                bus = open_bus();
        while (!flood_stop) {
                sd_bus_message *reply = NULL;
                int r;

                if (kind == FLOOD_PIPELINED) {
                        n += flood_pipelined_round(bus);
                        continue;
                }
                if (kind == FLOOD_HIT_AND_RUN) {
                        n += flood_hit_and_run_round(elsewhere);
                        continue;
                }
                if (kind == FLOOD_SPIN) {
                        /* A round of work the size of a call's, no system call. */
                        for (volatile unsigned i = 0; i < 10000; i++)
                                ;
                        continue;
                }
                r = sd_bus_call_method(bus, NV_BUS_NAME, NV_OBJECT_PATH, NV_INTERFACE, "GetStatus", NULL,
                                       &reply, "");
                if (r < 0 && r != -EINTR)
                        die("GetStatus failed in the flood", r);
                sd_bus_message_unref(reply);
                n++;
        }
        if (write(count_fd, &n, sizeof(n)) != sizeof(n))
                die("cannot report the flood's count", -errno);
        _exit(0);
}

/* Ping and GetStatus, interleaved, @n times after @warmup: into @samples
 * (2 * @n: the pings, then the GetStatus calls). */
static void ping_and_status(sd_bus *bus, size_t n, size_t warmup, double *samples)
{
        for (size_t i = 0; i < warmup; i++) {
                timed_call(bus, NV_BUS_NAME, NV_OBJECT_PATH, "ping");
                timed_call(bus, NV_BUS_NAME, NV_OBJECT_PATH, "getstatus");
        }
        for (size_t i = 0; i < n; i++) {
                samples[i] = timed_call(bus, NV_BUS_NAME, NV_OBJECT_PATH, "ping");
                samples[n + i] = timed_call(bus, NV_BUS_NAME, NV_OBJECT_PATH, "getstatus");
        }
}

static const char *const flood_kind_names[] = {
        [FLOOD_WAITING] = "waiting",
        [FLOOD_PIPELINED] = "pipelined",
        [FLOOD_HIT_AND_RUN] = "hit-and-run",
        [FLOOD_SPIN] = "spin",
};

/* @elsewhere: the service a hit-and-run flood calls instead of nestedvirtd. */
static int mode_flood(int argc, char **argv, FloodKind kind, const char *elsewhere)
{
        size_t n_clients, n, warmup;
        int r;
        unsigned long total = 0;
        double *samples, started, elapsed;
        pid_t *clients, parent;
        int count_pipe[2];
        uid_t uid;
        sd_bus *bus;

        r = parse_callers_args(argc, argv, "flood", &n_clients, &n, &warmup);
        if (r != 0)
                return r;
        if (list_other_users(&uid, 1) != 1) {
                fprintf(stderr, "nv-bench: no user other than root to flood as\n");
                return 1;
        }

        bus = open_bus();
        samples = calloc(2 * n, sizeof(double));
        ping_and_status(bus, n, warmup, samples);
        print_latencies("idle-ping ", samples, n);
        print_latencies("idle-getstatus ", samples + n, n);

        if (pipe2(count_pipe, O_CLOEXEC) < 0)
                die("pipe", -errno);
        clients = calloc(n_clients, sizeof(pid_t));
        parent = getpid();
        /* What is printed stays printed once: a child that dies flushes
         * the buffer it inherited. */
        fflush(stdout);
        started = now_usec();
        for (size_t i = 0; i < n_clients; i++) {
                clients[i] = fork();
                if (clients[i] < 0)
                        die("fork", -errno);
                if (clients[i] == 0) {
                        close(count_pipe[0]);
                        flooding_caller(uid, parent, kind, elsewhere, count_pipe[1]);
                }
        }
        close(count_pipe[1]);
        /* Let every client connect and start calling. */
        usleep(300 * 1000);
        ping_and_status(bus, n, warmup, samples);

        for (size_t i = 0; i < n_clients; i++)
                kill(clients[i], SIGTERM);
        for (size_t i = 0; i < n_clients; i++) {
                unsigned long count;
                int status;

                if (read(count_pipe[0], &count, sizeof(count)) == sizeof(count))
                        total += count;
                if (waitpid(clients[i], &status, 0) < 0)
                        die("waitpid", -errno);
                if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                        fprintf(stderr, "nv-bench: flooding caller %zu failed\n", i);
        }
        elapsed = (now_usec() - started) / 1e6;
        print_latencies("flood-ping ", samples, n);
        print_latencies("flood-getstatus ", samples + n, n);
        printf("flood kind=%s%s%s clients=%zu uid=%u calls=%lu seconds=%.1f calls_per_s=%.0f\n",
               flood_kind_names[kind], elsewhere ? " at " : "", elsewhere ? elsewhere : "", n_clients,
               (unsigned)uid, total, elapsed, total / elapsed);
        close(count_pipe[0]);
        free(clients);
        free(samples);
        sd_bus_flush_close_unref(bus);
        return 0;
}

/* CheckAuthorization that never answers: the message is dropped without a
 * reply, so polkit-gobject's call in the daemon stays outstanding. */
static int method_check_authorization(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        unsigned *n_checks = userdata;

        (*n_checks)++;
        return 1;
}

static const sd_bus_vtable polkit_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("CheckAuthorization", "(sa{sv})sa{ss}us", "(bba{ss})", method_check_authorization,
                      SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

/* The activation floor: a service that does nothing but take its name
 * with sd-bus and let sd-bus answer Peer.Ping, started by D-Bus activation
 * like the daemons; what a service cannot start faster than on this
 * machine and bus. */
static int mode_floor_service(int argc, char **argv)
{
        sd_event *event = NULL;
        sd_bus *bus;
        sigset_t mask;
        int r;

        if (argc != 1)
                return 2;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigprocmask(SIG_BLOCK, &mask, NULL);

        bus = open_bus();
        r = sd_event_default(&event);
        if (r >= 0)
                r = sd_event_add_signal(event, NULL, SIGTERM, NULL, NULL);
        if (r >= 0)
                r = sd_bus_attach_event(bus, event, SD_EVENT_PRIORITY_NORMAL);
        if (r >= 0)
                r = sd_bus_request_name(bus, argv[0], 0);
        if (r >= 0)
                r = sd_bus_set_exit_on_disconnect(bus, 1);
        if (r < 0)
                die("cannot serve the floor service's name", r);
        r = sd_event_loop(event);
        sd_bus_flush_close_unref(bus);
        sd_event_unref(event);
        return r < 0 ? 1 : 0;
}

static int mode_polkit_mock(int argc, char **argv)
{
        unsigned n_checks = 0;
        sd_event *event = NULL;
        sd_bus *bus;
        sigset_t mask;
        int r;

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigprocmask(SIG_BLOCK, &mask, NULL);

        bus = open_bus();
        r = sd_event_default(&event);
        if (r >= 0)
                r = sd_event_add_signal(event, NULL, SIGTERM, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(event, NULL, SIGINT, NULL, NULL);
        if (r >= 0)
                r = sd_bus_add_object_vtable(bus, NULL, "/org/freedesktop/PolicyKit1/Authority",
                                             "org.freedesktop.PolicyKit1.Authority", polkit_vtable,
                                             &n_checks);
        if (r >= 0)
                r = sd_bus_attach_event(bus, event, SD_EVENT_PRIORITY_NORMAL);
        if (r >= 0)
                r = sd_bus_request_name(bus, "org.freedesktop.PolicyKit1", 0);
        if (r >= 0)
                r = sd_bus_set_exit_on_disconnect(bus, 1);
        if (r < 0)
                die("cannot serve org.freedesktop.PolicyKit1", r);

        r = sd_event_loop(event);
        fprintf(stderr, "nv-bench: polkit mock left %u CheckAuthorization calls unanswered\n", n_checks);
        sd_bus_flush_close_unref(bus);
        sd_event_unref(event);
        return r < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
        int r = 2;

        if (argc >= 2 && strcmp(argv[1], "latency") == 0)
                r = mode_latency(argc - 2, argv + 2);
        else if (argc >= 2 && strcmp(argv[1], "activate") == 0)
                r = mode_activate(argc - 2, argv + 2);
        else if (argc >= 2 && strcmp(argv[1], "pending") == 0)
                r = mode_pending(argc - 2, argv + 2);
        else if (argc >= 2 && strcmp(argv[1], "flood") == 0)
                r = mode_flood(argc - 2, argv + 2, FLOOD_WAITING, NULL);
        else if (argc >= 2 && strcmp(argv[1], "flood-pipelined") == 0)
                r = mode_flood(argc - 2, argv + 2, FLOOD_PIPELINED, NULL);
        else if (argc >= 2 && strcmp(argv[1], "flood-hit-and-run") == 0)
                r = mode_flood(argc - 2, argv + 2, FLOOD_HIT_AND_RUN, NULL);
        else if (argc >= 3 && strcmp(argv[1], "flood-hit-and-run-elsewhere") == 0)
                r = mode_flood(argc - 3, argv + 3, FLOOD_HIT_AND_RUN, argv[2]);
        else if (argc >= 2 && strcmp(argv[1], "flood-spin") == 0)
                r = mode_flood(argc - 2, argv + 2, FLOOD_SPIN, NULL);
        else if (argc >= 2 && strcmp(argv[1], "polkit-mock") == 0)
                r = mode_polkit_mock(argc - 2, argv + 2);
        else if (argc >= 2 && strcmp(argv[1], "floor-service") == 0)
                r = mode_floor_service(argc - 2, argv + 2);
        if (r == 2)
                fprintf(stderr,
                        "Usage: nv-bench latency N WARMUP ping|getstatus|getall|hostnamed-getall...\n"
                        "       nv-bench activate DEST PATH KIND COUNT [LINK TREE_A TREE_B]\n"
                        "       nv-bench pending N_PENDING N WARMUP\n"
                        "       nv-bench flood|flood-pipelined|flood-hit-and-run|flood-spin N_CLIENTS N "
                        "WARMUP\n"
                        "       nv-bench flood-hit-and-run-elsewhere NAME N_CLIENTS N WARMUP\n"
                        "       nv-bench polkit-mock\n"
                        "       nv-bench floor-service NAME\n");
        return r;
}
