/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * polkit's text authentication agent (pkttyagent) for the lifetime of a
 * verb that changes something, so that a person at a terminal can type an
 * administrator's password when polkit asks for one, as hostnamectl and
 * systemctl do.
 */
#pragma once

#include <sys/types.h>

#include "nvctl-common.h"

/* The agent's process id, or 0 when none runs. */
typedef pid_t NvctlPolkitAgent;

/*
 * Starts the agent for this process and returns once it is registered
 * with polkit, so that the method call that follows can be authorized
 * interactively. Starts nothing (returns 0) when nobody could answer a
 * password prompt (standard input is not a terminal), when it was not
 * wanted (--no-ask-password), when it would not help (-H: polkit runs on
 * the remote host; root: polkit never asks root) or when pkttyagent cannot
 * be run: the call then fails with an error that says what to do.
 */
NvctlPolkitAgent nvctl_polkit_agent_open_if_enabled(const NvctlOptions *options);

/* Stops the agent and reaps it. */
void nvctl_polkit_agent_close(NvctlPolkitAgent agent);

G_DEFINE_AUTO_CLEANUP_FREE_FUNC(NvctlPolkitAgent, nvctl_polkit_agent_close, 0)
