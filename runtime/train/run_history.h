/*
 * run_history.h — what a run did over all its parts, so that run.json
 * describes the whole run after `sasc run --resume`, not only its last part.
 *
 * A run's history is the .sas file it began from, the wall time of every
 * part, and for each resume the epoch it began at and the settings it
 * changed. It is carried from part to part in the checkpoint (checkpoint.h).
 *
 * A resume must be honest about what it does: in the middle of an epoch
 * the settings that fix the epoch's image order (train, batch, seed,
 * shuffle) cannot change, and a resume that trains no epoch cannot change
 * any setting training uses (it would record a batch or a learning rate no
 * epoch was trained with); only `epochs`, `threads`, `out` and the settings
 * of the analyses after training may differ then.
 */
#ifndef SASC_RUN_HISTORY_H
#define SASC_RUN_HISTORY_H

#include "runtime/model/checkpoint.h"
#include "runtime/settings/task.h"
#include "runtime/support/output.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    char *model_file;                  /* the .sas file of the run's first part, or NULL */
    double seconds_before;             /* wall time of the parts before this one */
    int resume_count;
    sasc_checkpoint_resume *resumes;   /* this part's resume last, when it is one */
} sasc_run_history;

/* The history of a new run from `model_file` (may be NULL). */
bool sasc_run_history_start(sasc_run_history *history, const char *model_file,
                            char *error, size_t error_size);

/* The history of a resumed run: the checkpoint's (`restored`, whose history
 * it takes over and clears), then this resume, which runs `task` from the
 * checkpoint's settings `saved`. Refuses the changes described above, naming
 * the run directory `dir`. */
bool sasc_run_history_resume(sasc_run_history *history, sasc_checkpoint_position *restored,
                             const sasc_task *saved, const sasc_task *task,
                             const char *dir, char *error, size_t error_size);

/* Fill the history fields of a checkpoint's `position`, this part having
 * run for `seconds` so far (pointers into `history`, which must outlive it). */
void sasc_run_history_position(const sasc_run_history *history, double seconds,
                               sasc_checkpoint_position *position);

/* run.json's "model_file", "wall_seconds" (all parts) and "resumed" fields,
 * each line ending in ",\n". */
void sasc_run_history_json(const sasc_run_history *history, double seconds, sasc_atomic_file *f);

void sasc_run_history_free(sasc_run_history *history);

#endif
