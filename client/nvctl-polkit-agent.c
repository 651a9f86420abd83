/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Runs polkit's text agent, pkttyagent, as a child of nestedvirtctl while
 * a verb changes something, as systemd's tools do (spawn-polkit-agent.c):
 * pkttyagent registers itself with polkit for its parent process, that is
 * for us, and tells us through a pipe when that is done. polkit then asks
 * for a password on our terminal when the service checks our call.
 *
 * The agent must be our direct child (it registers for getppid()), must
 * not outlive us (PR_SET_PDEATHSIG), and must be reaped: PID 1 of a
 * container may not reap orphans, and a zombie left behind is a leak.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nvctl-polkit-agent.h"

/* The agent's end of the notification pipe, in the agent. */
#define AGENT_NOTIFY_FD     3
#define AGENT_NOTIFY_FD_ARG "3"

/* Registering can wait for polkitd to be started by D-Bus activation;
 * beyond the D-Bus default call timeout, something is wrong and we go on
 * without it (the call then fails with an authentication error). */
#define AGENT_REGISTER_TIMEOUT_MS 25000

/* In the child between fork() and exec(): only async-signal-safe calls. */
G_GNUC_NORETURN static void agent_exec(pid_t parent, int notify_fd)
{
        sigset_t none;
        int fd;

        /* Our death (even by a signal) ends the agent; checking the parent
         * afterwards closes the race with a death before prctl(). */
        if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
                _exit(EXIT_FAILURE);

        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);

        /* Out of the way of stdout and stderr first (>= 3), then in place
         * as AGENT_NOTIFY_FD; F_DUPFD and dup2() leave close-on-exec off. */
        notify_fd = fcntl(notify_fd, F_DUPFD, AGENT_NOTIFY_FD);
        if (notify_fd < 0)
                _exit(EXIT_FAILURE);

        /* The text listener prompts on the controlling terminal, which it
         * opens itself. What pkttyagent writes to stdout and stderr is its
         * own diagnostics, which would break the promise of one line on
         * stderr per failure, and, were stdout a pipe, keep the reader of
         * our output waiting for an end of file. */
        fd = open("/dev/null", O_RDWR);
        if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDERR_FILENO) < 0)
                _exit(EXIT_FAILURE);

        /* No second copy may stay open: the parent waits for the last
         * one to be closed. */
        if (notify_fd != AGENT_NOTIFY_FD) {
                if (dup2(notify_fd, AGENT_NOTIFY_FD) < 0)
                        _exit(EXIT_FAILURE);
                close(notify_fd);
        }
        /* Nothing else of ours for the agent: our own descriptors are
         * close-on-exec already, this catches those we inherited. */
        (void)close_range(AGENT_NOTIFY_FD + 1, ~0U, 0);

        execl(NVCTL_POLKIT_AGENT_PATH, NVCTL_POLKIT_AGENT_PATH, "--notify-fd", AGENT_NOTIFY_FD_ARG,
              "--fallback", (char *)NULL);
        _exit(127);
}

/* Waits until pkttyagent closes its end of the pipe: after registering,
 * or by exiting when it cannot. */
static void agent_wait_registered(int fd)
{
        struct pollfd pfd = { .fd = fd, .events = POLLIN };

        while (poll(&pfd, 1, AGENT_REGISTER_TIMEOUT_MS) < 0 && errno == EINTR)
                ;
}

static void agent_reap(pid_t pid)
{
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
}

/* pkttyagent prompts on the controlling terminal (/dev/tty), not on its
 * standard input: a process can have a terminal as input and no
 * controlling terminal at all ("su -c" starts a new session), and then the
 * agent cannot register. */
static gboolean has_controlling_terminal(void)
{
        int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);

        if (fd < 0)
                return FALSE;
        close(fd);
        return TRUE;
}

NvctlPolkitAgent nvctl_polkit_agent_open_if_enabled(const NvctlOptions *options)
{
        pid_t parent = getpid();
        pid_t pid;
        int fds[2];

        if (!options->ask_password || options->host)
                return 0;
        /* polkit authorizes root without asking. */
        if (geteuid() == 0)
                return 0;
        /* Standard input, not output: a password is typed, not read, and
         * "nestedvirtctl enable --now | tee log" should still ask. */
        if (!isatty(STDIN_FILENO) || !has_controlling_terminal())
                return 0;

        if (pipe2(fds, O_CLOEXEC) < 0)
                return 0;

        pid = fork();
        if (pid == 0)
                agent_exec(parent, fds[1]);

        /* Only the agent may hold the write end, so that its close (or
         * exit) is what wakes us. */
        close(fds[1]);
        if (pid < 0) {
                close(fds[0]);
                return 0;
        }

        agent_wait_registered(fds[0]);
        close(fds[0]);

        /* An agent that could not register (no polkitd, no pkttyagent)
         * exits; reap it now rather than wait for it to be killed. */
        if (waitpid(pid, NULL, WNOHANG) == pid)
                return 0;
        return pid;
}

void nvctl_polkit_agent_close(NvctlPolkitAgent agent)
{
        if (agent <= 0)
                return;

        kill(agent, SIGTERM);
        /* A stopped agent (^Z while it prompted) would never act on
         * SIGTERM, and waitpid() would wait forever. */
        kill(agent, SIGCONT);
        agent_reap(agent);
}
