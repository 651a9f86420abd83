/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The host facts' own lifetime (nv-host-facts.h): clearing and copying.
 */
#include "config.h"

#include <string.h>

#include "nv-host-facts.h"

void nv_setting_clear(NvSetting *setting)
{
        g_clear_pointer(&setting->source, g_free);
        g_clear_pointer(&setting->value, g_free);
        g_clear_pointer(&setting->unreadable, g_free);
        setting->line = 0;
        setting->has_value = FALSE;
}

void nv_setting_copy(const NvSetting *setting, NvSetting *ret)
{
        ret->source = g_strdup(setting->source);
        ret->line = setting->line;
        ret->has_value = setting->has_value;
        ret->value = g_strdup(setting->value);
        ret->unreadable = g_strdup(setting->unreadable);
}

static void setting_clear(gpointer data)
{
        nv_setting_clear(data);
}

GArray *nv_settings_new(void)
{
        GArray *settings = g_array_new(FALSE, TRUE, sizeof(NvSetting));

        g_array_set_clear_func(settings, setting_clear);
        return settings;
}

void nv_host_facts_clear(NvHostFacts *facts)
{
        g_clear_pointer(&facts->architecture, g_free);
        g_clear_pointer(&facts->hypervisor, g_free);
        g_clear_pointer(&facts->nested_raw, g_free);
        for (gsize i = 0; i < NV_ACCELERATION_N_PARAMETERS; i++)
                g_clear_pointer(&facts->acceleration_parameters[i], g_free);
        nv_setting_clear(&facts->modprobe);
        nv_setting_clear(&facts->cmdline);
        g_clear_pointer(&facts->kvm_provider, g_free);
        g_clear_pointer(&facts->kvm_owner, g_free);
        g_clear_pointer(&facts->kvm_group, g_free);
        g_clear_pointer(&facts->container, g_free);
        g_clear_pointer(&facts->kernel_release, g_free);
        g_clear_pointer(&facts->kvm_arm_mode, g_free);
        g_clear_pointer(&facts->hpage_raw, g_free);
        nv_setting_clear(&facts->hpage);
        memset(facts, 0, sizeof(*facts));
}
