/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Libraries the daemon needs only for some calls (libvirt, libxml2,
 * libkmod, polkit-gobject) are not linked but loaded on first use, so that
 * the activation a status call causes neither maps nor relocates them.
 * Each user lists the functions it calls in a table of pointers typed from
 * the library's own header, describes the library in an NvDlLibrary, and
 * calls nv_dl_library_load() before each use: the first call loads it (all
 * of the table or nothing), every call says whether that worked, from any
 * thread. The caller turns a failure into its own error domain.
 */
#pragma once

#include <glib.h>

typedef struct {
        const char *name;
        void *ret;  /* where the symbol's address goes: a pointer to a pointer */
        gsize size; /* the size of *ret, checked to be that of void * */
} NvDlSymbol;

/* An entry for field @symbol of the table @api, resolved as @symbol; an
 * initializer, so that a static array can hold it. */
#define NV_DL_SYMBOL_INIT(api, symbol)                                              \
        {                                                                           \
                .name = #symbol, .ret = &(api).symbol, .size = sizeof((api).symbol) \
        }
/* The same as a value. */
#define NV_DL_SYMBOL(api, symbol) ((NvDlSymbol)NV_DL_SYMBOL_INIT(api, symbol))

/*
 * Loads @soname (RTLD_NOW | RTLD_LOCAL) and resolves the @n_symbols
 * @symbols. Returns TRUE when every one was found. Otherwise the library
 * is closed again, every pointer of @symbols is NULL, and *ret_error says
 * "SONAME could not be loaded (reason)" or "SONAME has no NAME", for the
 * caller to add what to install. The library stays loaded for the life of
 * the process after a success.
 */
gboolean nv_dlopen(const char *soname, const NvDlSymbol *symbols, gsize n_symbols, char **ret_error);

typedef struct {
        const char *soname;
        const char *install_hint; /* appended to a failure: "install libkmod2" */
        const NvDlSymbol *symbols;
        gsize n_symbols;
        /* Optional: the library's own one-time setup, after the symbols
         * are resolved; returns NULL, or why the library is unusable. */
        char *(*init)(void);
        /* Private. */
        gsize once;
        char *error;
} NvDlLibrary;

/*
 * Loads @library on the first call (nv_dlopen() and its init), thread-safe.
 * Returns NULL when it is usable, else why not ("SONAME could not be
 * loaded (reason); install ..."), the same message from then on, owned by
 * @library. A success is logged at debug level.
 */
const char *nv_dl_library_load(NvDlLibrary *library);
