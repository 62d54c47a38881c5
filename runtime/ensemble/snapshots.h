/*
 * snapshots.h — the ensemble's parameters kept over training, for the
 * analyses that follow a quantity along training (the information plane).
 *
 * With `snapshot_every = k` a run writes its PARAMETER buffers, as
 * NAME.npy (the files of a finished run, sasc_parameters_load reads them),
 * into RUN_DIR/snapshots/EPOCH/ for EPOCH = 0 (the initial ensemble), every
 * k-th epoch and the last: EPOCH is the number of epochs trained, in
 * decimal without leading zeros. A resumed run adds the later ones.
 */
#ifndef SASC_SNAPSHOTS_H
#define SASC_SNAPSHOTS_H

#include "runtime/sasc_runtime.h"
#include "runtime/settings/task.h"

#include <stdbool.h>
#include <stddef.h>

#define SASC_SNAPSHOT_FOLDER "snapshots"

/* Write every PARAMETER buffer as NAME.npy into `dir` (created). */
bool sasc_parameters_write(const sasc_program *program, void *const *buffers, const char *dir,
                           char *error, size_t error_size);

/* RUN_DIR/snapshots/EPOCH into `out`. */
void sasc_snapshot_dir(const char *run_dir, int epoch, char *out, size_t size);

/* Whether a run keeps the parameters after `epochs_done` epochs (0: the
 * initial ensemble) of a run of task->epochs. */
bool sasc_snapshot_due(const sasc_task *task, int epochs_done);

/* Write the snapshot of `epochs_done` epochs into run_dir. */
bool sasc_snapshot_write(const sasc_program *program, void *const *buffers, const char *run_dir,
                         int epochs_done, char *error, size_t error_size);

/* The epochs of run_dir's snapshots, ascending, in a new array (*count of
 * them; *epochs NULL and *count 0 when there are none, which is no error:
 * the caller says what it needs). False only without memory. */
bool sasc_snapshot_list(const char *run_dir, int **epochs, int *count, char *error,
                        size_t error_size);

#endif
