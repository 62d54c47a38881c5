/*
 * model.c — releasing a checked file.
 */
#include "compiler/check/model.h"

#include <stdlib.h>

static void model_spec_clear(model_spec *model)
{
    for (int i = 0; i < model->layer_count; i++) {
        free(model->layers[i].name);
        /* The checked file owns the mask path; sasc_mask declares it const
         * only because the runtime merely reads it. */
        free((char *)model->layers[i].mask.path);
        free((char *)model->layers[i].input_mask.path);
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
