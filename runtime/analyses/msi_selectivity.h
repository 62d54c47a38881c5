/*
 * msi_selectivity.h — the selectivity index (gbptt Eq. 15) of the recurrent
 * units of an MSI network under three choices of classes, from one pass over
 * the test trials (gbptt Fig. 15: units selective to the choice, a-b; to the
 * modality, e-f; to both, c-d):
 *
 *   choice      N_s = 2: high, low (the trial's correct choice, the label);
 *               files selectivity.csv, ... as for any recurrent model;
 *   modality    N_s = 3: visual, auditory, multisensory trials;
 *               files selectivity_modality.csv, responses_modality.npy, ...;
 *   condition   N_s = 6: modality x choice (visual_high, ..., multisensory_low);
 *               files selectivity_condition.csv, ... — a unit's mean response
 *               per condition is what Fig. 15 draws for each example unit.
 *
 * Besides the three views' files (selectivity.h), selectivity_units.csv
 * holds each unit's SLI averaged over the trial's steps per view (unit,
 * sli_choice, sli_modality, sli_condition), and three figures draw the mean
 * response per condition of an example unit, as the panels of Fig. 15 do:
 * selectivity_example_choice.svg (the largest mean choice SLI),
 * selectivity_example_modality.svg (the largest mean modality SLI) and
 * selectivity_example_mixed.svg (the largest min(choice, modality) SLI).
 *
 * The modality view keeps the multisensory trials as a class of their own
 * (the trials are visual, auditory or both). A unit that follows one sense
 * only (it responds equally on that sense's unisensory and on multisensory
 * trials, not at all on the other sense's) therefore has SLI 1/2; SLI 1
 * means a response on one trial type only.
 *
 * Each trial's condition comes from its position in the test set
 * (sasc_msi_test_modality / _rate): sasc_session_test_pass visits the test
 * batches in order, first trial 0. The labels the pass hands over are checked
 * against the position's correct choice, so a pass in another order is an
 * error, not a silently wrong figure.
 */
#ifndef SASC_MSI_SELECTIVITY_H
#define SASC_MSI_SELECTIVITY_H

#include "runtime/data/msi.h"
#include "runtime/analyses/selectivity.h"

#include <stdbool.h>
#include <stddef.h>

enum { SASC_MSI_CONDITIONS = 6 };   /* modality x choice: 2 * modality + choice */

typedef struct {
    sasc_selectivity choice, modality, condition;
    int *classes;         /* [2][batch] modality and condition of the batch's rows */
    sasc_msi_test_cursor cursor;
} sasc_msi_selectivity;

/* The class of test trial `trial` in the condition view: 2 * modality + choice. */
int sasc_msi_condition(long trial);

/* Prepare the three views of layer `layer` of `program` (an MSI network:
 * a layer with a STATE buffer, two classes); `tag` as in selectivity.h, also
 * in selectivity_units<tag>.csv and the example figures' names. */
bool sasc_msi_selectivity_init(sasc_msi_selectivity *m, const sasc_program *program, int layer,
                               const char *tag, char *error, size_t error_size);
/* A sasc_test_batch_fn: the next `rows` test trials in `buffers`. */
void sasc_msi_selectivity_add(void *m, void *const *buffers, const int *labels, int rows);
/* Write the three views' files, selectivity_units.csv and the example
 * figures into `out_dir`; an error when the trials came out of order. */
bool sasc_msi_selectivity_write(const sasc_msi_selectivity *m, const char *out_dir, char *error,
                                size_t error_size);
void sasc_msi_selectivity_free(sasc_msi_selectivity *m);

#endif
