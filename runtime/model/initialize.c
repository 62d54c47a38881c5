/*
 * initialize.c — masks and parameter initialisation.
 */
#include "runtime/model/initialize.h"
#include "runtime/model/buffers.h"
#include "runtime/support/npy.h"
#include "runtime/support/rng.h"

#include <stdio.h>
#include <stdlib.h>

/* A layer's mask as doubles: 1 keeps a connection. */
static bool mask_values(const sasc_group_desc *layer, int l, const sasc_buffer_desc *b,
                        uint64_t seed, double *values, char *error, size_t size)
{
    size_t n = (size_t)b->rows * (size_t)b->cols;
    switch (layer->mask.kind) {
    case SASC_MASK_DENSITY:
        sasc_rng_uniforms(seed, sasc_rng_stream(SASC_STREAM_MASK, (uint32_t)l, 0), 0, values, n);
        for (size_t i = 0; i < n; i++)
            values[i] = values[i] < layer->mask.density;
        return true;
    case SASC_MASK_NPY:
        if (!layer->mask.path) {
            snprintf(error, size, "layer '%s' has a mask file without a path", layer->name);
            return false;
        }
        /* 0.5, NaN or inf would silently mean "keep": a mask is exactly 0 or 1. */
        return sasc_npy_read(layer->mask.path, b->rows, b->cols, values, error, size) &&
               sasc_npy_check_values(values, n, SASC_NPY_MASK, layer->mask.path, error, size);
    case SASC_MASK_NONE:
        break;
    }
    for (size_t i = 0; i < n; i++)
        values[i] = 1;
    return true;
}

static bool fill_masks(const sasc_program *p, void *const *buffers, uint64_t seed,
                       double *scratch, char *error, size_t size)
{
    /* A mask no layer describes keeps every connection. */
    for (int i = 0; i < p->buffer_count; i++) {
        if (p->buffers[i].role != SASC_BUFFER_MASK)
            continue;
        for (size_t k = 0; k < sasc_buffer_elements(p, i); k++)
            sasc_buffer_set(buffers[i], p->precision, k, 1.0);
    }
    for (int l = 0; l < p->group_count; l++) {
        int m = p->groups[l].mask_buffer;
        if (m < 0)
            continue;
        if (!mask_values(&p->groups[l], l, &p->buffers[m], seed, scratch, error, size))
            return false;
        for (size_t k = 0; k < sasc_buffer_elements(p, m); k++)
            sasc_buffer_set(buffers[m], p->precision, k, scratch[k]);
    }
    return true;
}

/* Initial values of PARAMETER buffer `index` into `values`. */
static void initial_values(const sasc_program *p, int index, uint64_t seed, double *values)
{
    const sasc_buffer_desc *b = &p->buffers[index];
    const sasc_init *init = &b->init;
    size_t n = sasc_buffer_elements(p, index);
    uint64_t stream = sasc_rng_stream(SASC_STREAM_INITIALIZE, (uint32_t)index, 0);
    if (init->kind == SASC_INIT_NORMAL)
        sasc_rng_normals(seed, stream, 0, values, n);
    else if (init->kind == SASC_INIT_UNIFORM)
        sasc_rng_uniforms(seed, stream, 0, values, n);
    for (size_t k = 0; k < n; k++) {
        switch (init->kind) {
        case SASC_INIT_CONSTANT: values[k] = init->a; break;
        case SASC_INIT_NORMAL: values[k] = init->a + init->b * values[k]; break;
        case SASC_INIT_UNIFORM: values[k] = init->a + (init->b - init->a) * values[k]; break;
        case SASC_INIT_IDENTITY:
            values[k] = (k / (size_t)b->cols == k % (size_t)b->cols) ? init->a : 0.0;
            break;
        case SASC_INIT_ZEROS: values[k] = 0.0; break;
        }
    }
}

/* An absent connection: certainly zero (pi = 1) with no slab (m = Xi = 0). */
static double absent_value(sasc_parameter parameter)
{
    return parameter == SASC_PI ? 1.0 : 0.0;
}

static void fill_parameter(const sasc_program *p, void *const *buffers, int index, uint64_t seed,
                           double *values)
{
    const sasc_buffer_desc *b = &p->buffers[index];
    initial_values(p, index, seed, values);
    const void *mask = b->mask_buffer >= 0 ? buffers[b->mask_buffer] : NULL;
    size_t n = sasc_buffer_elements(p, index);
    for (size_t k = 0; k < n; k++) {
        bool absent = mask && sasc_buffer_get(mask, p->precision, k) == 0.0;
        double value = absent ? absent_value(b->parameter) : values[k];
        sasc_buffer_set(buffers[index], p->precision, k, value);
    }
}

bool sasc_initialize(const sasc_program *p, void *const *buffers, uint64_t seed,
                     char *error, size_t size)
{
    double *scratch = malloc(sasc_buffers_largest(p) * sizeof *scratch);
    if (!scratch) {
        snprintf(error, size, "out of memory initialising the parameters");
        return false;
    }
    bool ok = fill_masks(p, buffers, seed, scratch, error, size);
    for (int i = 0; ok && i < p->buffer_count; i++)
        if (p->buffers[i].role == SASC_BUFFER_PARAMETER)
            fill_parameter(p, buffers, i, seed, scratch);
    free(scratch);
    return ok;
}
