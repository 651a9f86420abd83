/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Loading a library on first use (nv-dlopen.h).
 */
#include "config.h"

#include <dlfcn.h>
#include <string.h>

#include "nv-dlopen.h"

static void clear_symbols(const NvDlSymbol *symbols, gsize n_symbols)
{
        for (gsize i = 0; i < n_symbols; i++)
                memset(symbols[i].ret, 0, symbols[i].size);
}

gboolean nv_dlopen(const char *soname, const NvDlSymbol *symbols, gsize n_symbols, char **ret_error)
{
        void *handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL);

        if (!handle) {
                *ret_error = g_strdup_printf("%s could not be loaded (%s)", soname, dlerror());
                return FALSE;
        }
        for (gsize i = 0; i < n_symbols; i++) {
                void *sym = dlsym(handle, symbols[i].name);

                if (!sym) {
                        clear_symbols(symbols, n_symbols);
                        dlclose(handle);
                        *ret_error = g_strdup_printf("%s has no %s", soname, symbols[i].name);
                        return FALSE;
                }
                /* ISO C has no conversion from void * to a function
                 * pointer; POSIX guarantees they have the same
                 * representation. */
                g_assert(symbols[i].size == sizeof(sym));
                memcpy(symbols[i].ret, &sym, sizeof(sym));
        }
        return TRUE;
}

static char *library_load(NvDlLibrary *library)
{
        g_autofree char *dl_error = NULL;

        if (!nv_dlopen(library->soname, library->symbols, library->n_symbols, &dl_error))
                return g_strdup_printf("%s; %s", dl_error, library->install_hint);
        if (library->init)
                return library->init();
        return NULL;
}

const char *nv_dl_library_load(NvDlLibrary *library)
{
        if (g_once_init_enter(&library->once)) {
                library->error = library_load(library);
                if (library->error)
                        g_debug("%s", library->error);
                else
                        g_debug("Loaded %s", library->soname);
                g_once_init_leave(&library->once, 1);
        }
        return library->error;
}
