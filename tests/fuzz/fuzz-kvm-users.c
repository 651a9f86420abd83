/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzzes the scan helper's answer as the daemon parses it
 * (nv_kvm_users_parse()): any input gives holders or an error, never
 * both; holders come sorted, with distinct pids from 1 up; and what the
 * helper would write for them (with the count of processes it could not
 * look at) parses back to the same.
 */
#include "nv-kvm-users.h"

#include "fuzz.h"

static void assert_same(const GArray *a, const GArray *b)
{
        g_assert(a->len == b->len);
        for (guint i = 0; i < a->len; i++) {
                const NvModuleUser *x = &g_array_index(a, NvModuleUser, i);
                const NvModuleUser *y = &g_array_index(b, NvModuleUser, i);

                g_assert(x->pid == y->pid);
                g_assert(x->uid == y->uid);
                g_assert(g_str_equal(x->command, y->command));
                g_assert(g_strcmp0(x->machine, y->machine) == 0);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GArray) users = NULL;
        g_autoptr(GArray) again = NULL;
        g_autoptr(GBytes) wire = NULL;
        const char *bytes;
        gsize len;
        guint n_unexamined = 0, n_again = 0;

        fuzz_setup();
        users = nv_kvm_users_parse((const char *)data, size, &n_unexamined, &error);
        g_assert((users == NULL) != (error == NULL));
        if (!users) {
                g_assert(error->domain == NV_KVM_USERS_ERROR);
                return 0;
        }
        for (guint i = 0; i < users->len; i++) {
                const NvModuleUser *u = &g_array_index(users, NvModuleUser, i);

                g_assert(u->pid >= 1);
                g_assert(i == 0 || g_array_index(users, NvModuleUser, i - 1).pid < u->pid);
                g_assert(u->command);
        }
        wire = nv_kvm_users_format(users, n_unexamined, NULL);
        bytes = g_bytes_get_data(wire, &len);
        g_assert(len == size);
        again = nv_kvm_users_parse(bytes, len, &n_again, &error);
        g_assert(again && !error);
        g_assert(n_again == n_unexamined);
        assert_same(users, again);
        return 0;
}
