/*
 * update.h — training a neurashed model: one update per mini-batch on the
 * union of the batch's pathways (paper `neurashed.txt`, Sec. 2).
 *
 * For each mini-batch:
 *   fired_F = 1 when node F is on the pathway of some sample of the batch
 *             (the union of the pathways), else 0;
 *   lambda_F <- g+_F(lambda_F) if fired_F, else g-_F(lambda_F), every node
 *             below the top;
 *   eta_fj   <- g+(eta_fj) when f and class j "both fire", else g-(eta_fj).
 * "Both fire" has two readings for a batch of more than one sample
 * (docs/neurashed.md): SAME_SAMPLE (the default) — some sample of the batch
 * has f on its pathway and label j, i.e. the edge f -> F_j is in the union
 * of the pathways as subgraphs; EITHER_SAMPLE — f is in the union and some
 * sample has label j. They agree for batches of one.
 * No update depends on lambda or eta, and no gradient is taken.
 */
#ifndef SASC_NEURASHED_UPDATE_H
#define SASC_NEURASHED_UPDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "runtime/neurashed/model.h"

typedef enum {
    SASC_NEURASHED_ETA_SAME_SAMPLE = 0,
    SASC_NEURASHED_ETA_EITHER_SAMPLE
} sasc_neurashed_eta_firing;

typedef struct {
    int batch;                           /* samples per mini-batch, >= 1 */
    uint64_t seed;                       /* of the data (sasc_neurashed_draw_batch) */
    sasc_neurashed_eta_firing eta_firing;
} sasc_neurashed_training;

/* What one training run needs besides its state: every pattern's pathway
 * (fixed by the graph) and the scratch of one update. */
typedef struct {
    const sasc_neurashed_model *model;
    const sasc_neurashed_patterns *patterns;
    sasc_neurashed_training settings;
    unsigned char *pathways;             /* patterns x node_count */
    unsigned char *fired;                /* node_count: the union of the last batch's pathways */
    unsigned char *eta_fired;            /* eta_count: which weights grew in the last update */
    int *batch;                          /* settings.batch pattern indices */
} sasc_neurashed_trainer;

/* False with a sentence in `error` for a batch < 1 or without memory. The
 * model and patterns must outlive the trainer; the patterns must be valid. */
bool sasc_neurashed_trainer_init(sasc_neurashed_trainer *trainer, const sasc_neurashed_model *model,
                                 const sasc_neurashed_patterns *patterns,
                                 const sasc_neurashed_training *settings, char *error,
                                 size_t error_size);
void sasc_neurashed_trainer_free(sasc_neurashed_trainer *trainer);

/* One update on the mini-batch of patterns batch[0 .. count-1] (count >= 1);
 * state->iteration advances by one. */
void sasc_neurashed_update(sasc_neurashed_trainer *trainer, sasc_neurashed_state *state,
                           const int *batch, int count);

/* Draw the batch of iteration state->iteration from the seed, then update. */
void sasc_neurashed_train_step(sasc_neurashed_trainer *trainer, sasc_neurashed_state *state);

#endif
