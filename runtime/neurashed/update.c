/*
 * update.c — the per-mini-batch update of a neurashed model (see update.h).
 */
#include "runtime/neurashed/update.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool sasc_neurashed_trainer_init(sasc_neurashed_trainer *trainer, const sasc_neurashed_model *model,
                                 const sasc_neurashed_patterns *patterns,
                                 const sasc_neurashed_training *settings, char *error,
                                 size_t error_size)
{
    memset(trainer, 0, sizeof *trainer);
    if (settings->batch < 1) {
        snprintf(error, error_size, "a mini-batch needs at least one sample, not %d", settings->batch);
        return false;
    }
    size_t n = (size_t)model->node_count, p = (size_t)patterns->count;
    *trainer = (sasc_neurashed_trainer){model, patterns, *settings,
                                        malloc(p * n > 0 ? p * n : 1), malloc(n > 0 ? n : 1),
                                        malloc(model->eta_count > 0 ? (size_t)model->eta_count : 1),
                                        malloc((size_t)settings->batch * sizeof(int))};
    if (!trainer->pathways || !trainer->fired || !trainer->eta_fired || !trainer->batch) {
        sasc_neurashed_trainer_free(trainer);
        snprintf(error, error_size, "out of memory for the pathways of %zu patterns", p);
        return false;
    }
    for (size_t i = 0; i < p; i++)
        sasc_neurashed_pathway(model, &patterns->items[i], trainer->pathways + i * n);
    return true;
}

void sasc_neurashed_trainer_free(sasc_neurashed_trainer *trainer)
{
    free(trainer->pathways);
    free(trainer->fired);
    free(trainer->eta_fired);
    free(trainer->batch);
    memset(trainer, 0, sizeof *trainer);
}

/* fired = the union of the batch's pathways; eta_fired by the chosen reading. */
static void batch_union(sasc_neurashed_trainer *t, const int *batch, int count)
{
    const sasc_neurashed_model *m = t->model;
    size_t n = (size_t)m->node_count;
    memset(t->fired, 0, n);
    memset(t->eta_fired, 0, (size_t)m->eta_count);
    for (int b = 0; b < count; b++) {
        const unsigned char *pathway = t->pathways + (size_t)batch[b] * n;
        for (size_t i = 0; i < n; i++)
            t->fired[i] |= pathway[i];
        int j = t->patterns->items[batch[b]].label;
        if (t->settings.eta_firing == SASC_NEURASHED_ETA_SAME_SAMPLE)
            for (int i = m->eta_start[j]; i < m->eta_start[j + 1]; i++)
                t->eta_fired[i] |= pathway[m->eta_from[i]];
    }
    if (t->settings.eta_firing == SASC_NEURASHED_ETA_EITHER_SAMPLE)
        for (int i = 0; i < m->eta_count; i++)
            t->eta_fired[i] = t->fired[m->eta_from[i]] && t->fired[m->class_node[m->eta_class[i]]];
}

void sasc_neurashed_update(sasc_neurashed_trainer *trainer, sasc_neurashed_state *state,
                           const int *batch, int count)
{
    const sasc_neurashed_model *m = trainer->model;
    batch_union(trainer, batch, count);
    for (int n = 0; n < m->node_count; n++) {
        if (m->node_class[n] >= 0)
            continue;
        sasc_neurashed_rules r = m->lambda_rules[n];
        state->lambda[n] = sasc_neurashed_apply(trainer->fired[n] ? r.grow : r.shrink,
                                                state->lambda[n]);
    }
    for (int i = 0; i < m->eta_count; i++) {
        sasc_neurashed_rules r = m->eta_rules[i];
        state->eta[i] = sasc_neurashed_apply(trainer->eta_fired[i] ? r.grow : r.shrink,
                                             state->eta[i]);
    }
    state->iteration++;
}

void sasc_neurashed_train_step(sasc_neurashed_trainer *trainer, sasc_neurashed_state *state)
{
    sasc_neurashed_draw_batch(trainer->patterns, trainer->settings.seed, state->iteration,
                              trainer->settings.batch, trainer->batch);
    sasc_neurashed_update(trainer, state, trainer->batch, trainer->settings.batch);
}
