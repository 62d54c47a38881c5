/*
 * mean_field.c — samples through the program's kernels (see mean_field.h).
 */
#include "runtime/analyses/mean_field.h"
#include "runtime/model/buffers.h"

#include <math.h>
#include <string.h>

int sasc_layer_moment_buffer(const sasc_program *program, int layer, sasc_buffer_role role)
{
    int group = program->layers[layer].first_group;
    for (int i = 0; i < program->buffer_count; i++)
        if (program->buffers[i].role == role && program->buffers[i].group == group)
            return i;
    return -1;
}

bool sasc_program_has_moments(const sasc_program *program)
{
    if (program->layer_count < 1 || program->buffers[program->input_buffer].rows != program->batch)
        return false;
    for (int l = 0; l < program->layer_count; l++)
        if (sasc_layer_moment_buffer(program, l, SASC_BUFFER_PREACTIVATION_MEAN) < 0)
            return false;
    return true;
}

/* Row `row` of the per-sample buffers from sample i (INPUT, TARGET, NOISE). */
static void fill_row(const sasc_samples *s, int row, size_t i)
{
    const sasc_program *p = s->program;
    sasc_precision precision = p->precision;
    size_t width = (size_t)p->input_width, classes = (size_t)p->classes;
    for (size_t k = 0; k < width; k++)
        sasc_buffer_set(s->buffers[p->input_buffer], precision, (size_t)row * width + k,
                        s->inputs[i * width + k]);
    for (size_t j = 0; j < classes; j++)
        sasc_buffer_set(s->buffers[p->target_buffer], precision, (size_t)row * classes + j,
                        (int)j == s->labels[i]);
    for (int b = 0; b < p->buffer_count; b++) {
        if (p->buffers[b].role != SASC_BUFFER_NOISE)
            continue;
        size_t cols = (size_t)p->buffers[b].cols;
        for (size_t k = 0; k < cols; k++)
            sasc_buffer_set(s->buffers[b], precision, (size_t)row * cols + k,
                            s->noise && s->noise[b] ? s->noise[b][i * cols + k] : 0.0);
    }
}

/* z of the output layer at `row` into z (classes values). */
static void output_logits(const sasc_samples *s, int row, double *z)
{
    const sasc_program *p = s->program;
    int layer = p->layer_count - 1;
    int mean = sasc_layer_moment_buffer(p, layer, SASC_BUFFER_PREACTIVATION_MEAN);
    int variance = sasc_layer_moment_buffer(p, layer, SASC_BUFFER_PREACTIVATION_VARIANCE);
    int noise = p->groups[p->layers[layer].first_group].noise_buffer;
    size_t classes = (size_t)p->classes;
    for (size_t j = 0; j < classes; j++) {
        size_t at = (size_t)row * classes + j;
        z[j] = sasc_buffer_get(s->buffers[mean], p->precision, at);
        if (variance >= 0 && noise >= 0)
            z[j] += sasc_buffer_get(s->buffers[noise], p->precision, at) *
                    sqrt(sasc_buffer_get(s->buffers[variance], p->precision, at));
    }
}

void sasc_samples_logits(const sasc_samples *s, double *z)
{
    const sasc_program *p = s->program;
    size_t batch = (size_t)p->batch;
    for (size_t first = 0; first < s->count; first += batch) {
        size_t rows = s->count - first < batch ? s->count - first : batch;
        for (size_t r = 0; r < batch; r++)   /* rows past the last sample repeat it */
            fill_row(s, (int)r, first + (r < rows ? r : rows - 1));
        sasc_program_kernel(p, SASC_KERNEL_PREDICT)(s->buffers);
        for (size_t r = 0; r < rows; r++)
            output_logits(s, (int)r, z + (first + r) * (size_t)p->classes);
    }
}

void sasc_samples_gradient(const sasc_samples *s, size_t i)
{
    for (int r = 0; r < s->program->batch; r++)
        fill_row(s, r, i);
    sasc_program_kernel(s->program, SASC_KERNEL_TRAIN)(s->buffers);
}

/* The GRADIENT buffer of group g's parameter k, or -1. */
static int gradient_buffer(const sasc_program *p, int g, int k)
{
    for (int i = 0; i < p->buffer_count; i++)
        if (p->buffers[i].role == SASC_BUFFER_GRADIENT && p->buffers[i].group == g &&
            (int)p->buffers[i].parameter == k)
            return i;
    return -1;
}

void sasc_sgd_step(const sasc_program *program, void *const *buffers, double step)
{
    sasc_precision precision = program->precision;
    for (int g = 0; g < program->group_count; g++) {
        const sasc_group_desc *group = &program->groups[g];
        size_t n = (size_t)group->fan_in * (size_t)group->width;
        for (int k = 0; k < 3; k++) {
            int b = group->parameter_buffer[k], grad = gradient_buffer(program, g, k);
            if (b < 0 || grad < 0 || program->buffers[b].frozen)
                continue;
            for (size_t i = 0; i < n; i++) {
                if (group->mask_buffer >= 0 &&
                    sasc_buffer_get(buffers[group->mask_buffer], precision, i) == 0)
                    continue;
                double v = sasc_buffer_get(buffers[b], precision, i) -
                           step * sasc_buffer_get(buffers[grad], precision, i);
                if (k == SASC_PI)
                    v = fmin(fmax(v, 0.0), 1.0);
                else if (k == SASC_XI)
                    v = fmax(v, 0.0);
                sasc_buffer_set(buffers[b], precision, i, v);
            }
        }
    }
}
