/*
 * dynamic.c — the network resampled at every time step (see dynamic.h).
 */
#include "runtime/ensemble/dynamic.h"
#include "runtime/model/buffers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

sasc_program sasc_dynamic_program(const sasc_program *program, sasc_kernel_desc kernels[SASC_KERNEL_ROLE_COUNT])
{
    sasc_program dynamic = *program;
    sasc_kernel predict_dynamic = sasc_program_kernel(program, SASC_KERNEL_PREDICT_DYNAMIC);
    for (int k = 0; k < program->kernel_count; k++) {
        kernels[k] = program->kernels[k];
        if (kernels[k].role == SASC_KERNEL_PREDICT)
            kernels[k].run = predict_dynamic;
    }
    dynamic.kernels = kernels;
    return dynamic;
}

/* mu = (1 - pi) m of layer l (the mask is applied by the kernel). */
static void mean_field_weights(const sasc_program *program, const sasc_parameter_copy *copy, int l,
                               double *w)
{
    size_t n = (size_t)program->groups[l].fan_in * (size_t)program->groups[l].width;
    double *const *v = copy->values[l];
    for (size_t k = 0; k < n; k++)
        w[k] = (1.0 - (v[SASC_PI] ? v[SASC_PI][k] : 0.0)) * (v[SASC_M] ? v[SASC_M][k] : 0.0);
}

/* Block t of buffer b: the weights `kind` gives network `network` at step t. */
static void fill_block(const sasc_program *program, void *const *buffers, const sasc_parameter_copy *copy,
                       uint64_t seed, sasc_step_weights kind, uint64_t network, int b, int t,
                       double *w)
{
    const sasc_buffer_desc *d = &program->buffers[b];
    int l = d->group, blocks = d->rows / program->groups[l].fan_in;
    size_t n = (size_t)program->groups[l].fan_in * (size_t)d->cols;
    if (kind == SASC_STEP_MEAN_FIELD)
        mean_field_weights(program, copy, l, w);
    else
        sasc_sample_weights(program, copy, l, seed,
                            kind == SASC_STEP_SAMPLED ? network : network * (uint64_t)blocks + (uint64_t)t, w);
    for (size_t k = 0; k < n; k++)
        sasc_buffer_set(buffers[b], program->precision, (size_t)t * n + k, w[k]);
}

static void copy_first_block(const sasc_program *program, void *const *buffers, int b, int t)
{
    const sasc_buffer_desc *d = &program->buffers[b];
    size_t bytes = (size_t)program->groups[d->group].fan_in * (size_t)d->cols * (size_t)program->precision;
    memcpy((char *)buffers[b] + (size_t)t * bytes, buffers[b], bytes);
}

void sasc_dynamic_fill(const sasc_program *program, void *const *buffers,
                       const sasc_parameter_copy *copy, uint64_t seed, sasc_step_weights kind,
                       uint64_t network, double *scratch)
{
    for (int b = 0; b < program->buffer_count; b++) {
        const sasc_buffer_desc *d = &program->buffers[b];
        if (d->role != SASC_BUFFER_STEP_WEIGHTS)
            continue;
        int blocks = d->rows / program->groups[d->group].fan_in;
        /* Blocks that share their weights are drawn once and copied. */
        for (int t = 0; t < blocks; t++)
            if (kind == SASC_STEP_DYNAMIC || t == 0)
                fill_block(program, buffers, copy, seed, kind, network, b, t, scratch);
            else
                copy_first_block(program, buffers, b, t);
    }
}

bool sasc_step_networks_accuracy(const sasc_program *program, void *const *buffers,
                                 const sasc_parameter_copy *copy, uint64_t seed,
                                 sasc_step_weights kind, uint64_t first, int count,
                                 sasc_accuracy_fn accuracy, void *context, double *mean, double *sd,
                                 double *each, char *error, size_t error_size)
{
    double *scratch = malloc(sasc_largest_group(program) * sizeof *scratch);
    double *values = malloc(((size_t)count + 1) * sizeof *values);
    if (!scratch || !values) {
        free(scratch);
        free(values);
        snprintf(error, error_size, "out of memory drawing the networks resampled every step");
        return false;
    }
    for (int k = 0; k < count; k++) {
        sasc_dynamic_fill(program, buffers, copy, seed, kind, first + (uint64_t)k, scratch);
        values[k] = accuracy(context);
        if (each)
            each[k] = values[k];
    }
    sasc_mean_sd(values, (size_t)count, mean, sd);
    free(scratch);
    free(values);
    return true;
}

bool sasc_dynamic_accuracy(const sasc_program *program, void *const *buffers,
                           const sasc_parameter_copy *copy, const sasc_task *task,
                           sasc_accuracy_fn accuracy, void *context, sasc_dynamic_accuracies *out,
                           double *sampled, double *dynamic, char *error, size_t error_size)
{
    double spread;
    return sasc_step_networks_accuracy(program, buffers, copy, task->seed, SASC_STEP_MEAN_FIELD, 0, 1,
                                       accuracy, context, &out->mean_field, &spread, NULL, error,
                                       error_size) &&
           sasc_step_networks_accuracy(program, buffers, copy, task->seed, SASC_STEP_SAMPLED, 0,
                                       task->sampled_networks, accuracy, context, &out->sampled_mean,
                                       &out->sampled_sd, sampled, error, error_size) &&
           sasc_step_networks_accuracy(program, buffers, copy, task->seed, SASC_STEP_DYNAMIC, 0,
                                       task->dynamic_networks, accuracy, context, &out->dynamic_mean,
                                       &out->dynamic_sd, dynamic, error, error_size);
}
