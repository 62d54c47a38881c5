/*
 * selectivity.h — the selectivity index (SLI) of every recurrent unit along
 * time (gbptt Eq. 15; Pehlevan & Sompolinsky 2014), gbptt Figs. 8 and 15.
 *
 * The response of unit i at step t to a test trial is r_i(t) = max(h_i(t), 0)
 * (the rectified units of the papers), h(t) read from the program's STATE
 * buffer after `predict`. r_{i,s}(t) is its mean over the test trials of
 * class s (the label: the digit, or the MSI trial's correct choice), and
 *   SLI_i(t) = (1 - mean_s(r)^2 / mean_s(r^2)) / (1 - 1/N_s)
 * over the N_s classes that have test trials: 0 when the unit responds
 * equally to every class, 1 when it responds to one class only. A unit silent
 * for every class (mean_s(r^2) = 0) has SLI 0.
 */
#ifndef SASC_SELECTIVITY_H
#define SASC_SELECTIVITY_H

#include "runtime/sasc_runtime.h"

#include <stdbool.h>
#include <stddef.h>

/* Eq. 15 for the n >= 2 responses r[0], r[stride], ..., r[(n-1) stride]. */
double sasc_selectivity_index(const double *r, size_t n, size_t stride);

/* Class-mean responses accumulated over test batches. */
typedef struct {
    const sasc_program *program;
    int state_buffer;     /* the STATE buffer read after each predict */
    int steps, units;     /* steps t = 1 .. steps (block 0, h0, is not a response) */
    int classes;
    double *sum;          /* [classes][steps][units] sums of r */
    long *count;          /* [classes] test trials */
} sasc_selectivity;

/* Prepare for `program`; an error for a program without a STATE buffer. */
bool sasc_selectivity_init(sasc_selectivity *s, const sasc_program *program, char *error,
                           size_t error_size);
/* Add the first `rows` trials of the batch in `buffers` (a sasc_test_batch_fn,
 * `s` the context); labels outside 0 .. classes-1 are ignored. */
void sasc_selectivity_add(void *s, void *const *buffers, const int *labels, int rows);
/* The SLI [steps][units] and the class means [classes][steps][units] into
 * the caller's arrays; `used` gets N_s. False when fewer than 2 classes have
 * test trials. */
bool sasc_selectivity_compute(const sasc_selectivity *s, double *sli, double *means, int *used);
void sasc_selectivity_free(sasc_selectivity *s);

/* Compute and write selectivity.csv (step, unit, sli, then the mean
 * response per class), selectivity.npy [steps, units], responses.npy
 * [classes * steps, units] (class-major), selectivity.svg (the SLI along
 * time: mean and standard deviation over the units, and the most selective
 * unit) and selectivity_unit.svg (that unit's mean response per class). */
bool sasc_selectivity_write(const sasc_selectivity *s, const char *out_dir, char *error,
                            size_t error_size);

#endif
