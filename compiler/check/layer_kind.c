/*
 * layer_kind.c — looking kinds and their settings up (see layer_kind.h).
 */
#include "compiler/check/layer_kind.h"

#include <string.h>

const layer_kind *layer_kind_find(const layer_kind_table *table, const char *name)
{
    for (int i = 0; table && i < table->count; i++)
        if (strcmp(table->kinds[i]->name, name) == 0)
            return table->kinds[i];
    return NULL;
}

int layer_kind_setting(const layer_kind *kind, const char *key)
{
    for (int k = 0; k < kind->setting_count; k++)
        if (strcmp(kind->settings[k].key, key) == 0)
            return k;
    return -1;
}

bool layer_kind_has_gradients(const layer_kind *kind)
{
    for (int g = 0; g < kind->group_count; g++)
        if (kind->groups[g].trained_by_gradient)
            return true;
    return false;
}

const char *layer_activation_name(activation_kind kind)
{
    static const char *const names[] = {
        [ACTIVATION_IDENTITY] = "identity", [ACTIVATION_RELU] = "relu", [ACTIVATION_TANH] = "tanh",
        [ACTIVATION_SIGMOID] = "sigmoid", [ACTIVATION_SOFTMAX] = "softmax",
    };
    return (int)kind >= 0 && kind <= ACTIVATION_SOFTMAX ? names[kind] : "unknown";
}
