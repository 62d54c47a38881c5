/*
 * selectivity_analysis.c — the analysis "selectivity": the selectivity
 * index (gbptt Eq. 15, Figs. 8, 15) of the units of every layer with hidden
 * states (a STATE buffer) along time, over the test set's classes
 * (selectivity.h); for an MSI run also by modality and by modality x choice
 * (msi_selectivity.h). One test pass serves every such layer. With one
 * such layer the files are named as in docs/analyses.md; with several,
 * each layer's carry "_LAYER" before the view's suffix.
 */
#include "runtime/analyses/msi_selectivity.h"
#include "runtime/analyses/registry.h"
#include "runtime/analyses/selectivity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The accumulators of one layer: the class view, or the three MSI views. */
typedef struct {
    bool msi;
    sasc_selectivity plain;
    sasc_msi_selectivity views;
    char tag[80];
} layer_selectivity;

typedef struct {
    layer_selectivity *layers;
    int count;
} selectivity_pass;

static void add_batch(void *context, void *const *buffers, const int *labels, int rows)
{
    selectivity_pass *pass = context;
    for (int k = 0; k < pass->count; k++) {
        layer_selectivity *l = &pass->layers[k];
        if (l->msi)
            sasc_msi_selectivity_add(&l->views, buffers, labels, rows);
        else
            sasc_selectivity_add(&l->plain, buffers, labels, rows);
    }
}

static void free_layers(selectivity_pass *pass)
{
    for (int k = 0; k < pass->count; k++) {
        if (pass->layers[k].msi)
            sasc_msi_selectivity_free(&pass->layers[k].views);
        else
            sasc_selectivity_free(&pass->layers[k].plain);
    }
    free(pass->layers);
}

/* One accumulator per layer with states, tagged by name when there are several. */
static bool open_layers(const sasc_analysis_context *c, selectivity_pass *pass)
{
    const sasc_program *p = c->program;
    int with_states = 0;
    for (int l = 0; l < p->layer_count; l++)
        with_states += p->layers[l].state_buffer >= 0;
    pass->layers = calloc((size_t)with_states + 1, sizeof *pass->layers);
    pass->count = 0;
    if (!pass->layers)
        return sasc_analysis_oom(c, "the selectivity");
    bool msi = strcmp(c->data_kind, "msi") == 0;
    for (int l = 0; l < p->layer_count; l++) {
        if (p->layers[l].state_buffer < 0)
            continue;
        layer_selectivity *s = &pass->layers[pass->count];
        s->msi = msi;
        if (with_states > 1)
            snprintf(s->tag, sizeof s->tag, "_%s", p->layers[l].name);
        bool ok = msi ? sasc_msi_selectivity_init(&s->views, p, l, s->tag, c->error, c->error_size)
                      : sasc_selectivity_init(&s->plain, p, l, s->tag, c->error, c->error_size);
        if (!ok) {
            free_layers(pass);
            return false;
        }
        pass->count++;
    }
    return true;
}

static bool run_selectivity(sasc_analysis_context *c)
{
    selectivity_pass pass;
    if (!open_layers(c, &pass))
        return false;
    bool ok = c->host.test_pass(c->host.context, add_batch, &pass, c->error, c->error_size);
    for (int k = 0; ok && k < pass.count; k++) {
        layer_selectivity *l = &pass.layers[k];
        ok = l->msi ? sasc_msi_selectivity_write(&l->views, c->out, c->error, c->error_size)
                    : sasc_selectivity_write(&l->plain, c->out, c->error, c->error_size);
    }
    free_layers(&pass);
    return ok;
}

const sasc_analysis_desc sasc_analysis_selectivity = {
    .name = "selectivity",
    .summary = "recurrent layers: selectivity index (gbptt Eq. 15) of every\n"
               "unit along time, from relu(h(t)) averaged per class over the\n"
               "test trials (selectivity.csv, .npy, selectivity{,_unit}.svg);\n"
               "MSI runs: also by modality and by modality x choice\n"
               "(selectivity_modality.*, selectivity_condition.*)",
    .outputs = "selectivity.csv, selectivity.npy, responses.npy, selectivity.svg, "
               "selectivity_unit.svg; MSI runs also the _modality and _condition views, "
               "selectivity_units.csv, selectivity_example_{choice,modality,mixed}.svg; several "
               "layers with states: _LAYER before each view's suffix",
    .when = SASC_ON_SAVED_RUN,
    .needs = {.states = true},
    .run = run_selectivity,
};
