/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Libraries the daemon needs only for some calls (libvirt, libxml2,
 * libkmod, polkit-gobject) are not linked but loaded on first use, so that
 * the activation a status call causes neither maps nor relocates them.
 * Each user lists the functions it calls in a table of pointers typed from
 * the library's own header; nv_dlopen() fills the table, all of it or
 * nothing.
 */
#pragma once

#include <glib.h>

typedef struct {
        const char *name;
        void *ret;  /* where the symbol's address goes: a pointer to a pointer */
        gsize size; /* the size of *ret, checked to be that of void * */
} NvDlSymbol;

/* An entry for field @symbol of the table @api, resolved as @symbol. */
#define NV_DL_SYMBOL(api, symbol) \
        ((NvDlSymbol){ .name = #symbol, .ret = &(api).symbol, .size = sizeof((api).symbol) })

/*
 * Loads @soname (RTLD_NOW | RTLD_LOCAL) and resolves the @n_symbols
 * @symbols. Returns TRUE when every one was found. Otherwise the library
 * is closed again, every pointer of @symbols is NULL, and *ret_error says
 * "SONAME could not be loaded (reason)" or "SONAME has no NAME", for the
 * caller to add what to install. The library stays loaded for the life of
 * the process after a success.
 */
gboolean nv_dlopen(const char *soname, const NvDlSymbol *symbols, gsize n_symbols, char **ret_error);
