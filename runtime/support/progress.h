/*
 * progress.h — telling the user how training goes, on stderr.
 *
 * On a terminal: one live line, redrawn at most ten times a second,
 *   epoch 3/10  batch 45/100  loss 0.4123  acc 0.861  12345 samples/s  ETA 0:42
 * Otherwise (a log file, a pipe): one plain line per epoch,
 *   epoch 3/10: train_loss 0.41 train_acc 0.86 test_acc 0.84 (2.14 s)
 */
#ifndef SASC_PROGRESS_H
#define SASC_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct {
    FILE *stream;
    bool live;               /* stream is a terminal */
    int epochs, steps;       /* steps per epoch */
    int batch;
    double start;            /* monotonic seconds when training began */
    double last_draw;        /* when the live line was last drawn */
    long steps_done;         /* over the whole run */
} sasc_progress;

/* Monotonic seconds since an arbitrary origin. */
double sasc_seconds(void);

/* A duration as people read it, with three significant digits where it is
 * short: "0.42 ms", "12.3 ms", "2.14 s", "45.2 s", "12 min 05 s",
 * "2 h 14 min". Never an exponent; a negative or non-finite value is "0 ms". */
void sasc_format_seconds(double seconds, char *out, size_t size);

/* `stream` NULL: a silent progress (the MPI ranks other than rank 0). */
void sasc_progress_start(sasc_progress *progress, FILE *stream, int epochs, int steps, int batch);

/* After training step `step` (from 0) of epoch `epoch` (from 0); loss and
 * accuracy are the epoch's running means. */
void sasc_progress_step(sasc_progress *progress, int epoch, int step, double loss, double accuracy);

/* After epoch `epoch` (from 0) has been trained and evaluated. */
void sasc_progress_epoch(sasc_progress *progress, int epoch, double train_loss,
                         double train_accuracy, double test_accuracy, double seconds);

/* Clear the live line; say where the results are. */
void sasc_progress_finish(sasc_progress *progress, const char *out_directory);

#endif
