/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A simulated kernel for the tests: the NvKernelOps of nv-kernel.h acting
 * on a fake host tree the way Linux and modprobe act on /sys/module.
 *
 * load(MODULE, OPTIONS):
 *   - fails with EEXIST when sys/module/MODULE/initstate exists (loaded) or
 *     sys/module/MODULE exists without it (built in);
 *   - gives "nested" the values modprobe would pass, in its order: the
 *     merged modprobe.d files (the last setting of each file), then
 *     proc/cmdline, then OPTIONS. The kernel checks each in turn with the
 *     vendor's parser (kvm_intel: bool, kvm_amd: int, the vendor following
 *     from the module name), so one bad value anywhere fails the load with
 *     EINVAL and "kvm_amd: `Y' invalid for parameter `nested'", even when a
 *     later value would be valid; the last value wins; none means enabled,
 *     the kernel's default;
 *   - loads "kvm" first when it is neither loaded nor built in, and counts
 *     the vendor module in its refcnt and holders/;
 *   - writes sys/module/MODULE/{refcnt "0", parameters/nested ("Y"/"N" for
 *     kvm_intel, "1"/"0" for kvm_amd), holders/} and initstate "live" last.
 * unload(MODULE): ENOENT when not loaded (or built in), EBUSY when refcnt
 *   > 0; otherwise removes sys/module/MODULE and its share of kvm's refcnt
 *   and holders/.
 *
 * Failure injection: when ROOT/sim/fail-load exists, a load whose OPTIONS
 * contain one of its lines (e.g. "nested=1") fails with EIO "simulated
 * failure" before anything changes; when ROOT/sim/fail-unload exists,
 * every unload does.
 *
 * A slow load: when ROOT/sim/load-gate exists (a FIFO), every load first
 * creates ROOT/sim/load-waiting and waits for a byte written to the gate,
 * then removes ROOT/sim/load-waiting and goes on.
 *
 * Every call appends one line to ROOT/sim/log: "load kvm_amd nested=1",
 * "unload kvm_amd", followed by ": EBUSY" (the errno name) when it failed,
 * so a test can check what was done and that nothing was.
 *
 * Errors are NV_ERRNO_ERROR with the errno, as the libkmod backend's are.
 */
#pragma once

#include <glib.h>

#include "nv-kernel.h"

/* A simulated kernel on the host tree at @root; refuses "/". Matches
 * NvKernelNewFunc, so the daemon can be built with it. */
NvKernel *nv_kernel_sim_new(const char *root, GError **error);
