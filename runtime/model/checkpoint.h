/*
 * checkpoint.h — the state of a run, saved so that it can be continued
 * (`sasc run --resume DIR`) or its ensemble used again (ensemble.h).
 *
 * DIR/checkpoint.sasc holds the task settings, the run's history (the .sas
 * file it began from, the wall time of its earlier parts, what each resume
 * changed), the position in training (epoch, step, optimiser update count,
 * the epoch's partial sums, the metrics of finished epochs) and every
 * PARAMETER, OPTIMIZER_STATE and MASK buffer. The random numbers need no
 * saved state: they are keyed by (seed, epoch, step) (rng.h), so the
 * position is the RNG position. The file is written atomically (output.h)
 * and is specific to the machine's byte order and to the program's buffer
 * table.
 *
 * Reading trusts nothing in the file: it carries a format version and a
 * CRC-32 of all its bytes, checked before anything else is read (a flipped
 * bit is refused, never resumed); every length is checked against the bytes
 * left before anything is allocated; the settings are stored as text and
 * read back through sasc_task_set, so they pass exactly the checks `--set`
 * applies; the position must be consistent (epochs_done == epoch, no
 * negative count) and every saved value valid for its role (pi in [0, 1],
 * Xi >= 0, masks 0 or 1, all finite).
 */
#ifndef SASC_CHECKPOINT_H
#define SASC_CHECKPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/sasc_runtime.h"
#include "runtime/settings/task.h"

#define SASC_CHECKPOINT_FILE "checkpoint.sasc"

/* One `sasc run --resume` of the run: where it began and what it changed. */
typedef struct {
    int at_epoch;          /* the finished epochs when it began */
    char *changes;         /* "KEY=VALUE, ..." of the settings it changed ("" for none) */
} sasc_checkpoint_resume;

typedef struct {
    int epoch;             /* the epoch to continue (0-based) */
    int step;              /* its next mini-batch */
    long updates;          /* optimiser steps taken */
    double loss_sum;       /* sums over the epoch's steps before `step` */
    long correct;
    int epochs_done;       /* rows of `metrics` */
    int metric_columns;
    double *metrics;       /* epochs_done x metric_columns */
    /* The run's history, so run.json describes the whole run after a resume. */
    char *model_file;              /* the .sas file the run began from, or NULL */
    double seconds_before;         /* wall time of the run's parts before the current one */
    int resume_count;
    sasc_checkpoint_resume *resumes;
} sasc_checkpoint_position;

/* Free what sasc_checkpoint_read allocated in `position` (metrics, history). */
void sasc_checkpoint_position_free(sasc_checkpoint_position *position);

/* Whether a checkpoint holds the buffers of `role` (the ensemble's state). */
bool sasc_checkpoint_saves(sasc_buffer_role role);

bool sasc_checkpoint_write(const char *dir, const sasc_program *program, void *const *buffers,
                           const sasc_task *task, const sasc_checkpoint_position *position,
                           char *error, size_t error_size);

/* Read the checkpoint in `dir` into `buffers` (which must be `program`'s),
 * `task` and `position` (any of the three may be NULL to skip it; with
 * `program` NULL only the task and the position are read). On success the
 * caller frees `position` with sasc_checkpoint_position_free. */
bool sasc_checkpoint_read(const char *dir, const sasc_program *program, void *const *buffers,
                          sasc_task *task, sasc_checkpoint_position *position,
                          char *error, size_t error_size);

/* SIGINT and SIGTERM set a flag instead of ending the process, until released. */
void sasc_checkpoint_catch_signals(void);
void sasc_checkpoint_release_signals(void);

/* The signal caught since catch_signals, or 0. */
int sasc_checkpoint_stop_signal(void);

#endif
