/*
 * divergence.h — noticing numerical blow-up and keeping the last good state.
 *
 * Training can diverge (a huge learning rate, an unstable model): a NaN or an
 * infinity appears in the loss or in a parameter and then spreads everywhere.
 * The training loop checks the loss at every step and the parameters after
 * every epoch, before the epoch's checkpoint is written: the checkpoint on
 * disk is always the last good state, never a broken one.
 */
#ifndef SASC_DIVERGENCE_H
#define SASC_DIVERGENCE_H

#include <stdbool.h>
#include <stddef.h>

#include "runtime/sasc_runtime.h"

/* The first PARAMETER buffer holding a NaN or an infinity, or -1; its value
 * goes to *value. */
int sasc_find_nonfinite_parameter(const sasc_program *program, void *const *buffers, double *value);

/* "parameter 'h1.m' of layer 'h1' holds nan" or, when every parameter is
 * finite, "every parameter is still finite: the forward pass overflowed ...". */
void sasc_describe_divergence(const sasc_program *program, void *const *buffers,
                              char *out, size_t size);

#endif
