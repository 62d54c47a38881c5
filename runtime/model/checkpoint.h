/*
 * checkpoint.h — the state of a run, saved so that it can be continued
 * (`sasc run --resume DIR`) or its ensemble used again (ensemble.h).
 *
 * DIR/checkpoint.sasc holds the task settings, the position in training
 * (epoch, step, optimiser update count, the epoch's partial sums, the
 * metrics of finished epochs) and every PARAMETER, OPTIMIZER_STATE and MASK
 * buffer. The random numbers need no saved state: they are keyed by (seed,
 * epoch, step) (rng.h), so the position is the RNG position. The file is
 * written atomically (output.h) and is specific to the machine's byte order
 * and to the program's buffer table, which reading checks.
 */
#ifndef SASC_CHECKPOINT_H
#define SASC_CHECKPOINT_H

#include <stdbool.h>
#include <stddef.h>

#include "runtime/sasc_runtime.h"
#include "runtime/settings/task.h"

#define SASC_CHECKPOINT_FILE "checkpoint.sasc"

typedef struct {
    int epoch;             /* the epoch to continue (0-based) */
    int step;              /* its next mini-batch */
    long updates;          /* optimiser steps taken */
    double loss_sum;       /* sums over the epoch's steps before `step` */
    long correct;
    int epochs_done;       /* rows of `metrics` */
    int metric_columns;
    double *metrics;       /* epochs_done x metric_columns; allocated by sasc_checkpoint_read */
} sasc_checkpoint_position;

/* Whether a checkpoint holds the buffers of `role` (the ensemble's state). */
bool sasc_checkpoint_saves(sasc_buffer_role role);

bool sasc_checkpoint_write(const char *dir, const sasc_program *program, void *const *buffers,
                           const sasc_task *task, const sasc_checkpoint_position *position,
                           char *error, size_t error_size);

/* Read the checkpoint in `dir` into `buffers` (which must be `program`'s),
 * `task` and `position` (any of the three may be NULL to skip it; with
 * `program` NULL only the task is read). */
bool sasc_checkpoint_read(const char *dir, const sasc_program *program, void *const *buffers,
                          sasc_task *task, sasc_checkpoint_position *position,
                          char *error, size_t error_size);

/* SIGINT and SIGTERM set a flag instead of ending the process, until released. */
void sasc_checkpoint_catch_signals(void);
void sasc_checkpoint_release_signals(void);

/* The signal caught since catch_signals, or 0. */
int sasc_checkpoint_stop_signal(void);

#endif
