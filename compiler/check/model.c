/*
 * model.c — releasing a checked file, and the small accessors of model.h.
 */
#include "compiler/check/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* The checked file owns the tables' arrays and strings; sasc_trials
 * declares them const only because the runtime merely reads them. */
static void trials_spec_clear(trials_spec *spec)
{
    sasc_trials *t = &spec->table;
    for (int v = 0; t->variables && v < t->variable_count; v++) {
        const sasc_trial_variable *var = &t->variables[v];
        for (int l = 0; var->level_names && l < var->level_count; l++)
            free((char *)var->level_names[l]);
        free((void *)var->level_names);
        free((void *)var->levels);
        free((char *)var->name);
    }
    for (int p = 0; t->periods && p < t->period_count; p++)
        free((char *)t->periods[p].name);
    free((void *)t->variables);
    free((void *)t->periods);
    free((void *)t->expressions);
    free((void *)t->code);
    free((char *)t->name);
}

const trials_spec *checked_file_trials(const checked_file *file, const char *name)
{
    for (int i = 0; i < file->trials_count; i++)
        if (file->trials[i].table.name && strcmp(file->trials[i].table.name, name) == 0)
            return &file->trials[i];
    return NULL;
}

void checked_file_free(checked_file *file)
{
    if (!file)
        return;
    for (int i = 0; i < file->trials_count; i++)
        trials_spec_clear(&file->trials[i]);
    free(file->trials);
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
