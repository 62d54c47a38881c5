/*
 * clipping.c — see clipping.h.
 */
#include "runtime/train/clipping.h"
#include "runtime/kernels/spectral_norm.h"
#include "runtime/model/buffers.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static bool is_gradient(const sasc_program *p, int i)
{
    return p->buffers[i].role == SASC_BUFFER_GRADIENT;
}

/* The MASK buffer of gradient i's group, or NULL. */
static const void *mask_of(const sasc_program *p, void *const *buffers, int i)
{
    int group = p->buffers[i].group;
    if (group < 0 || group >= p->group_count || p->groups[group].mask_buffer < 0)
        return NULL;
    return buffers[p->groups[group].mask_buffer];
}

bool sasc_clipping_open(sasc_clipping *c, const sasc_program *p, const sasc_task *task,
                        char *error, size_t error_size)
{
    *c = (sasc_clipping){.spectral = task->clip_spectral, .norm = task->clip_norm};
    if (!(c->spectral > 0.0))
        return true;
    size_t largest = 1, work = 1;
    for (int i = 0; i < p->buffer_count; i++) {
        if (!is_gradient(p, i))
            continue;
        size_t n = sasc_buffer_elements(p, i);
        size_t w = sasc_spectral_norm_workspace(p->buffers[i].rows, p->buffers[i].cols);
        largest = n > largest ? n : largest;
        work = w > work ? w : work;
    }
    c->matrix = malloc(largest * sizeof *c->matrix);
    c->work = malloc(work * sizeof *c->work);
    if (!c->matrix || !c->work) {
        sasc_clipping_close(c);
        snprintf(error, error_size, "out of memory for the gradient clipping (clip_spectral)");
        return false;
    }
    return true;
}

void sasc_clipping_close(sasc_clipping *c)
{
    free(c->matrix);
    free(c->work);
    c->matrix = c->work = NULL;
}

bool sasc_clipping_active(const sasc_clipping *c)
{
    return c->spectral > 0.0 || c->norm > 0.0;
}

/* Gradient i times `factor`, each entry rounded once to the buffer's precision. */
static void scale_buffer(const sasc_program *p, void *buffer, int i, double factor)
{
    size_t n = sasc_buffer_elements(p, i);
    for (size_t k = 0; k < n; k++)
        sasc_buffer_set(buffer, p->precision, k, sasc_buffer_get(buffer, p->precision, k) * factor);
}

/* Entry k of gradient i as it counts in a norm: 0 where the mask is 0. */
static double counted(const sasc_program *p, const void *gradient, const void *mask, size_t k)
{
    double g = sasc_buffer_get(gradient, p->precision, k);
    return mask && sasc_buffer_get(mask, p->precision, k) == 0.0 ? 0.0 : g;
}

static void clip_spectral(sasc_clipping *c, const sasc_program *p, void *const *buffers)
{
    for (int i = 0; i < p->buffer_count; i++) {
        if (!is_gradient(p, i))
            continue;
        const void *mask = mask_of(p, buffers, i);
        size_t n = sasc_buffer_elements(p, i);
        double frobenius2 = 0.0;
        for (size_t k = 0; k < n; k++) {
            c->matrix[k] = counted(p, buffers[i], mask, k);
            frobenius2 += c->matrix[k] * c->matrix[k];
        }
        /* sigma <= ||G||_F: a matrix within the limit by that bound is left
         * without the O(n^3) computation of sigma (most steps of most runs) */
        if (frobenius2 <= c->spectral * c->spectral)
            continue;
        double sigma = sasc_spectral_norm(c->matrix, p->buffers[i].rows, p->buffers[i].cols,
                                          c->work);
        if (isfinite(sigma) && sigma > c->spectral) {
            scale_buffer(p, buffers[i], i, c->spectral / sigma);
            c->spectral_clipped++;
        }
    }
}

/* sum of (g / scale)^2 over every counted gradient entry, in buffer and
 * element order; with scale 0, the largest |g| instead (NaN if one is not
 * finite). */
static double gradient_pass(const sasc_program *p, void *const *buffers, double scale)
{
    double result = 0.0;
    for (int i = 0; i < p->buffer_count; i++) {
        if (!is_gradient(p, i))
            continue;
        const void *mask = mask_of(p, buffers, i);
        size_t n = sasc_buffer_elements(p, i);
        for (size_t k = 0; k < n; k++) {
            double g = counted(p, buffers[i], mask, k);
            if (scale == 0.0)
                result = isfinite(g) ? fmax(result, fabs(g)) : NAN;
            else
                result += (g / scale) * (g / scale);
        }
    }
    return result;
}

/* N = s sqrt(sum (g/s)^2) with s the power of two at or above the largest
 * |g| (an exact division): no overflow or underflow in the squares. */
static void clip_global_norm(sasc_clipping *c, const sasc_program *p, void *const *buffers)
{
    double largest = gradient_pass(p, buffers, 0.0);
    if (!(largest > 0.0) || !isfinite(largest))
        return;
    int exponent;
    frexp(largest, &exponent);
    double scale = ldexp(1.0, exponent);
    double norm = scale * sqrt(gradient_pass(p, buffers, scale));
    if (!(isfinite(norm) && norm > c->norm))
        return;
    for (int i = 0; i < p->buffer_count; i++)
        if (is_gradient(p, i))
            scale_buffer(p, buffers[i], i, c->norm / norm);
    c->norm_clipped++;
}

void sasc_clip_gradients(sasc_clipping *c, const sasc_program *p, void *const *buffers)
{
    if (c->spectral > 0.0)
        clip_spectral(c, p, buffers);
    if (c->norm > 0.0)
        clip_global_norm(c, p, buffers);
}
