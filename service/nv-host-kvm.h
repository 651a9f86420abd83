/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The host reader's part for /dev/kvm's node and the container
 * (nv-host-kvm.c). Private to the reader: only nv-host.c includes this,
 * and callers get these facts from nv_host_read_facts().
 */
#pragma once

#include <glib.h>

#include "nv-host-facts.h"

/* The name of a uid or gid, with the mtime and size of the file it came
 * from, so that it is looked up again only when that file changes. */
typedef struct {
        guint id;
        char *name;
        gint64 mtime_nsec;
        goffset size;
        gboolean valid;
} NvHostIdName;

/* What nv-host-kvm.c keeps from one read to the next, owned by the host
 * reader: the names of the node's owner and group, for as long as the
 * passwd and group files are unchanged, and the container, found once. */
typedef struct {
        NvHostIdName owner, group;
        gboolean container_valid;
        char *container; /* systemd-detect-virt --container's word, or NULL */
} NvHostKvmCache;

void nv_host_kvm_cache_clear(NvHostKvmCache *cache);

/* What stat() says of /dev/kvm below @root, and the container the daemon
 * runs in: sets kvm_device when there is a node (it may be there without
 * the kernel's registration), the other kvm_* fields but kvm_provider, and
 * the container of @ret. */
void nv_host_kvm_read(const char *root, NvHostKvmCache *cache, NvHostFacts *ret);
