/*
 * mean_field.h — chosen samples through the program's own kernels: the
 * mean-field pre-activations of every layer (ABI version 4 moment buffers,
 * written by `predict`), the output logits, the exact gradient of the loss
 * at one sample (`train`) and one plain SGD step. For the analyses that
 * measure a network on particular inputs (elasticity) or read the layers'
 * distributions given the input (information).
 *
 * A layer's pre-activation given the input is z = G + eps Delta (gBP
 * Eqs. 2-3): G in its PREACTIVATION_MEAN buffer, Delta^2 in its
 * PREACTIVATION_VARIANCE buffer (absent, i.e. 0, for a deterministic group).
 * Only layers with one value per sample have them, so these analyses need a
 * program without a time axis (sasc_program_has_moments).
 */
#ifndef SASC_MEAN_FIELD_H
#define SASC_MEAN_FIELD_H

#include "runtime/sasc_runtime.h"

#include <stdbool.h>
#include <stddef.h>

/* Layer `layer`'s PREACTIVATION_MEAN or _VARIANCE buffer, or -1. */
int sasc_layer_moment_buffer(const sasc_program *program, int layer, sasc_buffer_role role);

/* Whether every layer has its pre-activation mean and the input is one
 * sample per row: a feedforward program. */
bool sasc_program_has_moments(const sasc_program *program);

/* Samples, one per kernel row: `count` inputs (count x input_width), their
 * labels, and the eps each NOISE buffer gets for each of them (noise[b]
 * count x cols for NOISE buffer b, NULL: zero). The eps are held fixed: the
 * same in the logits and in the gradient of a sample. */
typedef struct {
    const sasc_program *program;
    void *const *buffers;
    size_t count;
    const double *inputs;
    const int *labels;
    double *const *noise;   /* program->buffer_count entries, or NULL: all noise zero */
} sasc_samples;

/* The output layer's logits z = G + eps Delta of every sample (count x
 * classes), by `predict` on batches of the samples. */
void sasc_samples_logits(const sasc_samples *s, double *z);

/* The gradient of the loss at sample i alone into the GRADIENT buffers:
 * `train` with every row of the batch holding sample i (its input, one-hot
 * label and eps), so the batch mean is that sample's gradient. */
void sasc_samples_gradient(const sasc_samples *s, size_t i);

/* theta <- theta - step * d loss / d theta for every parameter with a
 * gradient that is not frozen, masked-out entries untouched; then pi
 * clipped to [0, 1] and Xi to >= 0, as every update does. */
void sasc_sgd_step(const sasc_program *program, void *const *buffers, double step);

#endif
