/*
 * sampling.h — concrete networks drawn from a trained ensemble, evaluated
 * with the program's own predict kernel.
 *
 * A sampled ("effective") network has, per connection, w = 0 with
 * probability pi, else w ~ N(m, Xi) (gbp, PRL text before Fig. 2). The
 * predict kernel computes the mean-field network of the parameters in the
 * PARAMETER buffers; with pi = 0, m = w and Xi = 0 that network is exactly
 * the deterministic network of weights w (mu = w, variance 0, so Delta = 0
 * and the noise does not matter), for stochastic and deterministic groups
 * alike (a deterministic group reads only m). So a sampled network is run by
 * writing (0, w, 0) into the parameter buffers, and undone by restoring a
 * saved copy of the trained parameters.
 *
 * Random numbers: Philox (rng.h) keyed by the seed, on streams of purpose
 * byte 0x11 (sampling, the same streams as runtime/ensemble/ensemble.c, so network
 * number k is the same network there and here) and 0x12 (perturbation
 * choices), outside the sasc_stream_purpose values and the entropy's 0x10.
 * A (seed, draw, group) triple always gives the same network. Draw numbers
 * are taken modulo 2^32.
 */
#ifndef SASC_SAMPLING_H
#define SASC_SAMPLING_H

#include "runtime/sasc_runtime.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SASC_SAMPLE_PURPOSE 0x11
#define SASC_PERTURB_PURPOSE 0x12

/* Accuracy on the test set of the network now in the buffers (the
 * mean-field predict kernel, noise zero); `context` is the caller's. */
typedef double (*sasc_accuracy_fn)(void *context);

/* The trained parameters as doubles: per connection group pi, m, Xi, each
 * fan_in x width (NULL where the group has no such buffer). */
typedef struct {
    int group_count;
    double *(*values)[3];   /* values[group][parameter] */
} sasc_parameter_copy;

/* Copy every group's parameter buffers out of `buffers`. */
bool sasc_parameters_save(const sasc_program *program, void *const *buffers,
                          sasc_parameter_copy *copy, char *error, size_t error_size);

/* Write `copy` back into the buffers (the trained ensemble again). */
void sasc_parameters_restore(const sasc_program *program, void *const *buffers,
                             const sasc_parameter_copy *copy);

void sasc_parameters_free(sasc_parameter_copy *copy);

/* Draw the weights of group `group` of sampled network number `draw` from
 * the parameters in `copy`: w[k] for k < fan_in * width. */
void sasc_sample_weights(const sasc_program *program, const sasc_parameter_copy *copy,
                         int group, uint64_t seed, uint64_t draw, double *w);

/* Put a deterministic network of weights `w` (fan_in x width) into group
 * `group`'s buffers: pi = 0, m = w, Xi = 0. */
void sasc_set_deterministic_group(const sasc_program *program, void *const *buffers,
                                  int group, const double *w);

/* Put sampled network number `draw` into every group's buffers. `scratch`
 * holds at least the largest group's connections. */
void sasc_sample_network(const sasc_program *program, void *const *buffers,
                         const sasc_parameter_copy *copy, uint64_t seed, uint64_t draw,
                         double *scratch);

/* Test accuracy of `count` sampled networks (draws first_draw, first_draw+1,
 * ...): their mean and sample standard deviation (0 for one network), and
 * each value when `each` is not NULL. The trained parameters are restored
 * before returning. */
bool sasc_sampled_accuracy(const sasc_program *program, void *const *buffers, int count,
                           uint64_t seed, uint64_t first_draw, sasc_accuracy_fn accuracy,
                           void *context, double *mean, double *sd, double *each,
                           char *error, size_t error_size);

/* Read LAYER.pi.npy, LAYER.m.npy, LAYER.Xi.npy (the names of the PARAMETER
 * buffers) from `dir` into the buffers. Every file must exist with the
 * buffer's shape and valid values (pi in [0, 1], Xi >= 0, all finite). */
bool sasc_parameters_load(const sasc_program *program, void *const *buffers, const char *dir,
                          char *error, size_t error_size);

/* Connections (fan_in x width) of the program's largest group, at least 1. */
size_t sasc_largest_group(const sasc_program *program);

/* Mean and sample standard deviation of n values (sd 0 when n < 2). */
void sasc_mean_sd(const double *values, size_t n, double *mean, double *sd);

#endif
