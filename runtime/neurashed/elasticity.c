/*
 * elasticity.c — local elasticity of a neurashed model (see elasticity.h).
 */
#include "runtime/neurashed/elasticity.h"
#include "runtime/analyses/elasticity.h"

#include <stdio.h>
#include <stdlib.h>

/* logits[p * K ..] of every pattern p at `state`. */
static void all_logits(const sasc_neurashed_trainer *t, const sasc_neurashed_state *state,
                       double *scores, double *logits)
{
    const sasc_neurashed_model *m = t->model;
    for (int p = 0; p < t->patterns->count; p++) {
        sasc_neurashed_scores(m, state, t->pathways + (size_t)p * (size_t)m->node_count, scores);
        sasc_neurashed_logits(m, state, scores, logits + (size_t)p * (size_t)m->classes);
    }
}

bool sasc_neurashed_elasticity_table(sasc_neurashed_trainer *trainer,
                                     const sasc_neurashed_state *state, double *table,
                                     char *error, size_t error_size)
{
    const sasc_neurashed_model *m = trainer->model;
    size_t P = (size_t)trainer->patterns->count, K = (size_t)m->classes;
    double *scores = malloc((size_t)m->node_count * sizeof(double) + 1);
    double *before = malloc(P * K * sizeof(double) + 1), *after = malloc(P * K * sizeof(double) + 1);
    sasc_neurashed_state updated = {0};
    bool ok = scores && before && after && sasc_neurashed_state_copy(m, state, &updated);
    if (!ok) {
        snprintf(error, error_size, "out of memory for the local elasticity of %zu patterns", P);
    } else {
        all_logits(trainer, state, scores, before);
        for (size_t b = 0; b < P; b++) {
            sasc_neurashed_state_free(&updated);
            if (!sasc_neurashed_state_copy(m, state, &updated)) {
                snprintf(error, error_size, "out of memory for the local elasticity");
                ok = false;
                break;
            }
            int base = (int)b;
            sasc_neurashed_update(trainer, &updated, &base, 1);
            all_logits(trainer, &updated, scores, after);
            for (size_t t = 0; t < P; t++)
                table[b * P + t] = sasc_local_elasticity(before + t * K, after + t * K,
                                                         before + b * K, after + b * K, K);
        }
    }
    sasc_neurashed_state_free(&updated);
    free(scores);
    free(before);
    free(after);
    return ok;
}
