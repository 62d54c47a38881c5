/*
 * sampling.c — sampled networks from a trained ensemble (see sampling.h).
 */
#include "runtime/ensemble/sampling.h"
#include "runtime/model/buffers.h"
#include "runtime/support/npy.h"
#include "runtime/support/rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t group_connections(const sasc_program *program, int group)
{
    return (size_t)program->groups[group].fan_in * (size_t)program->groups[group].width;
}

bool sasc_parameters_save(const sasc_program *program, void *const *buffers,
                          sasc_parameter_copy *copy, char *error, size_t error_size)
{
    copy->group_count = program->group_count;
    copy->values = calloc((size_t)program->group_count + 1, sizeof *copy->values);
    if (!copy->values) {
        snprintf(error, error_size, "out of memory copying the parameters");
        return false;
    }
    for (int l = 0; l < program->group_count; l++) {
        size_t n = group_connections(program, l);
        for (int k = 0; k < 3; k++) {
            int b = program->groups[l].parameter_buffer[k];
            if (b < 0)
                continue;
            copy->values[l][k] = malloc(n * sizeof(double));
            if (!copy->values[l][k]) {
                sasc_parameters_free(copy);
                snprintf(error, error_size, "out of memory copying the parameters");
                return false;
            }
            for (size_t i = 0; i < n; i++)
                copy->values[l][k][i] = sasc_buffer_get(buffers[b], program->precision, i);
        }
    }
    return true;
}

void sasc_parameters_restore(const sasc_program *program, void *const *buffers,
                             const sasc_parameter_copy *copy)
{
    for (int l = 0; l < copy->group_count; l++) {
        size_t n = group_connections(program, l);
        for (int k = 0; k < 3; k++) {
            int b = program->groups[l].parameter_buffer[k];
            if (b < 0 || !copy->values[l][k])
                continue;
            for (size_t i = 0; i < n; i++)
                sasc_buffer_set(buffers[b], program->precision, i, copy->values[l][k][i]);
        }
    }
}

void sasc_parameters_free(sasc_parameter_copy *copy)
{
    if (!copy->values)
        return;
    for (int l = 0; l < copy->group_count; l++)
        for (int k = 0; k < 3; k++)
            free(copy->values[l][k]);
    free(copy->values);
    copy->values = NULL;
}

/* The numbers of runtime/ensemble/ensemble.c's sampled networks, so that network
 * number `draw` is the same network in `sasc eval` and in the analyses: the
 * spike's uniforms on stream (purpose, 2 group, draw), the slab's normals on
 * stream (purpose, 2 group + 1, draw), both indexed by the connection. */
void sasc_sample_weights(const sasc_program *program, const sasc_parameter_copy *copy,
                         int group, uint64_t seed, uint64_t draw, double *w)
{
    size_t n = group_connections(program, group);
    double *const *v = copy->values[group];
    sasc_stream_purpose purpose = (sasc_stream_purpose)SASC_SAMPLE_PURPOSE;
    uint64_t spike = sasc_rng_stream(purpose, (uint32_t)(2 * group), (uint32_t)draw);
    uint64_t slab = sasc_rng_stream(purpose, (uint32_t)(2 * group + 1), (uint32_t)draw);
    sasc_rng_uniforms(seed, spike, 0, w, n);   /* w holds the uniforms until replaced */
    for (size_t k = 0; k < n; k++) {
        double pi = v[SASC_PI] ? v[SASC_PI][k] : 0.0;
        double m = v[SASC_M] ? v[SASC_M][k] : 0.0;
        double xi = v[SASC_XI] ? v[SASC_XI][k] : 0.0;
        double z;
        sasc_rng_normals(seed, slab, k, &z, 1);
        w[k] = w[k] < pi ? 0.0 : m + sqrt(xi > 0 ? xi : 0.0) * z;
    }
}

void sasc_set_deterministic_group(const sasc_program *program, void *const *buffers,
                                  int group, const double *w)
{
    size_t n = group_connections(program, group);
    const int *b = program->groups[group].parameter_buffer;
    for (size_t k = 0; k < n; k++) {
        if (b[SASC_PI] >= 0)
            sasc_buffer_set(buffers[b[SASC_PI]], program->precision, k, 0.0);
        if (b[SASC_M] >= 0)
            sasc_buffer_set(buffers[b[SASC_M]], program->precision, k, w[k]);
        if (b[SASC_XI] >= 0)
            sasc_buffer_set(buffers[b[SASC_XI]], program->precision, k, 0.0);
    }
}

void sasc_sample_network(const sasc_program *program, void *const *buffers,
                         const sasc_parameter_copy *copy, uint64_t seed, uint64_t draw,
                         double *scratch)
{
    for (int l = 0; l < program->group_count; l++) {
        sasc_sample_weights(program, copy, l, seed, draw, scratch);
        sasc_set_deterministic_group(program, buffers, l, scratch);
    }
}

/* Sums of the values shifted by the first one, so that equal values give
 * exactly their value and a standard deviation of exactly 0. */
void sasc_mean_sd(const double *values, size_t n, double *mean, double *sd)
{
    if (n == 0) {
        *mean = NAN;
        *sd = 0.0;
        return;
    }
    double shift = values[0], sum = 0, squares = 0;
    for (size_t i = 0; i < n; i++)
        sum += values[i] - shift;
    double offset = sum / (double)n;
    for (size_t i = 0; i < n; i++)
        squares += (values[i] - shift - offset) * (values[i] - shift - offset);
    *mean = shift + offset;
    *sd = n > 1 ? sqrt(squares / (double)(n - 1)) : 0.0;
}

size_t sasc_largest_group(const sasc_program *program)
{
    size_t largest = 1;
    for (int l = 0; l < program->group_count; l++)
        if (group_connections(program, l) > largest)
            largest = group_connections(program, l);
    return largest;
}

bool sasc_sampled_accuracy(const sasc_program *program, void *const *buffers, int count,
                           uint64_t seed, uint64_t first_draw, sasc_accuracy_fn accuracy,
                           void *context, double *mean, double *sd, double *each,
                           char *error, size_t error_size)
{
    sasc_parameter_copy copy;
    double *scratch = malloc(sasc_largest_group(program) * sizeof *scratch);
    double *values = malloc(((size_t)count + 1) * sizeof *values);
    if (!scratch || !values || !sasc_parameters_save(program, buffers, &copy, error, error_size)) {
        if (!scratch || !values)
            snprintf(error, error_size, "out of memory sampling networks");
        free(scratch);
        free(values);
        return false;
    }
    for (int s = 0; s < count; s++) {
        sasc_sample_network(program, buffers, &copy, seed, first_draw + (uint64_t)s, scratch);
        values[s] = accuracy(context);
        if (each)
            each[s] = values[s];
    }
    sasc_parameters_restore(program, buffers, &copy);
    sasc_mean_sd(values, (size_t)count, mean, sd);
    sasc_parameters_free(&copy);
    free(scratch);
    free(values);
    return true;
}

bool sasc_parameters_load(const sasc_program *program, void *const *buffers, const char *dir,
                          char *error, size_t error_size)
{
    double *values = malloc(sasc_buffers_largest(program) * sizeof *values);
    if (!values) {
        snprintf(error, error_size, "out of memory loading the parameters");
        return false;
    }
    bool ok = true;
    for (int i = 0; ok && i < program->buffer_count; i++) {
        const sasc_buffer_desc *b = &program->buffers[i];
        if (b->role != SASC_BUFFER_PARAMETER)
            continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s.npy", dir, b->name);
        ok = sasc_npy_read(path, b->rows, b->cols, values, error, error_size) &&
             sasc_npy_check_values(values, sasc_buffer_elements(program, i),
                                   sasc_npy_parameter_range(b->parameter), path, error, error_size);
        for (size_t k = 0; ok && k < sasc_buffer_elements(program, i); k++)
            sasc_buffer_set(buffers[i], program->precision, k, values[k]);
    }
    free(values);
    return ok;
}
