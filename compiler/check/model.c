/*
 * model.c — releasing a checked file, and the small accessors of model.h.
 */
#include "compiler/check/model.h"

#include <stdio.h>
#include <stdlib.h>

static void model_spec_clear(model_spec *model)
{
    for (int i = 0; i < model->layer_count; i++) {
        const layer_spec *layer = &model->layers[i];
        if (layer->data && layer->kind && layer->kind->free_data)
            layer->kind->free_data(layer->data);
        free(model->layers[i].name);
        /* The checked file owns the mask paths; sasc_mask declares them
         * const only because the runtime merely reads them. */
        for (int g = 0; g < LAYER_MAX_GROUPS; g++)
            free((char *)model->layers[i].group[g].mask.path);
    }
    free(model->layers);
    free(model->name);
    free(model->input_name);
}

void checked_file_free(checked_file *file)
{
    if (!file)
        return;
    for (int i = 0; i < file->model_count; i++)
        model_spec_clear(&file->models[i]);
    free(file->models);
    free(file->tasks);
    free(file->path);
    free(file->source_text);
}

static int setting_index(const layer_spec *layer, const char *key)
{
    int k = layer->kind ? layer_kind_setting(layer->kind, key) : -1;
    if (k < 0) {
        fprintf(stderr, "sasc: internal error: layer '%s' has no setting '%s'\n",
                layer->name ? layer->name : "?", key);
        exit(2);
    }
    return k;
}

void layer_spec_set(layer_spec *layer, const char *key, double value)
{
    layer->setting[setting_index(layer, key)] = value;
}

double layer_spec_get(const layer_spec *layer, const char *key)
{
    return layer->setting[setting_index(layer, key)];
}

int model_test_steps(const model_spec *model)
{
    return model->test_steps > 0 ? model->test_steps : model->steps;
}
