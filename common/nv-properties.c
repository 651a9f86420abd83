/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "nv-properties.h"

#define NV_PROPERTY_TYPE_STRING        NV_PROPERTY_STRING
#define NV_PROPERTY_TYPE_BOOLEAN       NV_PROPERTY_BOOLEAN
#define NV_PROPERTY_EMITS_CONST        FALSE
#define NV_PROPERTY_EMITS_EMITS_CHANGE TRUE

const NvPropertyInfo nv_property_info[] = {
#define NV_PROPERTY_INFO(name, field, kind, change)                                                    \
        { #name, NV_PROPERTY_SIGNATURE_##kind, NV_PROPERTY_TYPE_##kind, offsetof(NvProperties, field), \
          NV_PROPERTY_EMITS_##change },
        NV_PROPERTIES(NV_PROPERTY_INFO)
#undef NV_PROPERTY_INFO
};

const size_t nv_n_properties = G_N_ELEMENTS(nv_property_info);

const NvPropertyInfo *nv_property_info_find(const char *name)
{
        for (size_t i = 0; i < nv_n_properties; i++)
                if (g_str_equal(nv_property_info[i].name, name))
                        return &nv_property_info[i];
        return NULL;
}

void nv_properties_clear(NvProperties *props)
{
        for (size_t i = 0; i < nv_n_properties; i++) {
                const NvPropertyInfo *info = &nv_property_info[i];

                if (info->type == NV_PROPERTY_STRING)
                        g_clear_pointer((char **)NV_PROPERTY_SLOT(props, info), g_free);
        }
        memset(props, 0, sizeof(*props));
}

void nv_properties_init_unknown(NvProperties *props)
{
        *props = (NvProperties)NV_PROPERTIES_INIT_UNKNOWN;
}

gboolean nv_property_set_variant(const NvPropertyInfo *info, NvProperties *props, GVariant *value)
{
        gpointer slot = NV_PROPERTY_SLOT(props, info);

        if (!g_variant_is_of_type(value, G_VARIANT_TYPE(info->signature)))
                return FALSE;

        switch (info->type) {
        case NV_PROPERTY_STRING:
                g_free(*(char **)slot);
                *(char **)slot = g_variant_dup_string(value, NULL);
                break;
        case NV_PROPERTY_BOOLEAN:
                *(int *)slot = g_variant_get_boolean(value);
                break;
        }
        return TRUE;
}

gboolean nv_property_equal(const NvPropertyInfo *info, const NvProperties *a, const NvProperties *b)
{
        const void *pa = NV_PROPERTY_SLOT(a, info);
        const void *pb = NV_PROPERTY_SLOT(b, info);

        switch (info->type) {
        case NV_PROPERTY_STRING:
                return g_strcmp0(*(char *const *)pa ? *(char *const *)pa : "",
                                 *(char *const *)pb ? *(char *const *)pb : "") == 0;
        case NV_PROPERTY_BOOLEAN:
                return !*(const int *)pa == !*(const int *)pb;
        default:
                g_assert_not_reached();
        }
}
