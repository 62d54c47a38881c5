/*
 * ensemble.c — inference with a saved ensemble.
 */
#include "runtime/ensemble/ensemble.h"
#include "runtime/model/buffers.h"
#include "runtime/model/checkpoint.h"
#include "runtime/data/source.h"
#include "runtime/ensemble/sampling.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Sampled networks are sampling.h's: network k here is draw k there. */
struct sasc_ensemble {
    const sasc_program *program;
    void **buffers;
    sasc_parameter_copy trained;  /* the loaded parameters, to undo a sampled network */
    bool saved;                   /* `trained` holds them */
    double *scratch;              /* the largest layer's connections */
};

void sasc_ensemble_free(sasc_ensemble *e)
{
    if (!e)
        return;
    if (e->saved)
        sasc_parameters_free(&e->trained);
    free(e->scratch);
    sasc_buffers_free(e->program, e->buffers);
    free(e);
}

sasc_ensemble *sasc_ensemble_load(const sasc_program *program, const char *run_dir,
                                  char *error, size_t error_size)
{
    if (!sasc_program_validate(program, error, error_size))
        return NULL;
    sasc_ensemble *e = calloc(1, sizeof *e);
    if (!e) {
        snprintf(error, error_size, "out of memory");
        return NULL;
    }
    e->program = program;
    e->buffers = sasc_buffers_allocate(program, error, error_size);
    e->scratch = malloc(sasc_largest_group(program) * sizeof *e->scratch);
    if (e->buffers && !e->scratch)
        snprintf(error, error_size, "out of memory");
    bool ok = e->buffers && e->scratch &&
              sasc_checkpoint_read(run_dir, program, e->buffers, NULL, NULL, error, error_size) &&
              (e->saved = sasc_parameters_save(program, e->buffers, &e->trained, error, error_size));
    if (!ok) {
        sasc_ensemble_free(e);
        return NULL;
    }
    return e;
}

int sasc_ensemble_input_width(const sasc_ensemble *e) { return e->program->input_width; }
int sasc_ensemble_classes(const sasc_ensemble *e) { return e->program->classes; }

/* Predict up to one batch of rows. */
static void predict_batch(sasc_ensemble *e, const double *inputs, int rows, double *out)
{
    const sasc_program *p = e->program;
    size_t output_cols = (size_t)p->buffers[p->output_buffer].cols;
    sasc_buffer_zero(p, e->buffers, p->input_buffer);
    for (int r = 0; r < rows; r++)
        sasc_data_store_values(p, e->buffers, r, inputs + (size_t)r * (size_t)p->input_width, NULL,
                               (size_t)p->input_width);
    sasc_program_kernel(p, SASC_KERNEL_PREDICT)(e->buffers);
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < p->classes; c++)
            out[(size_t)r * (size_t)p->classes + (size_t)c] =
                sasc_buffer_get(e->buffers[p->output_buffer], p->precision, r * output_cols + (size_t)c);
}

bool sasc_ensemble_predict(sasc_ensemble *e, const double *inputs, long count,
                           long network, uint64_t seed, double *probabilities,
                           char *error, size_t error_size)
{
    const sasc_program *p = e->program;
    if (count < 0 || (count > 0 && (!inputs || !probabilities))) {
        snprintf(error, error_size, "sasc_ensemble_predict needs %s", count < 0 ?
                 "a non-negative count" : "input and output arrays");
        return false;
    }
    if (network < SASC_MEAN_FIELD || network > UINT32_MAX) {
        snprintf(error, error_size, "network %ld is neither SASC_MEAN_FIELD nor a sample index", network);
        return false;
    }
    for (int i = 0; i < p->buffer_count; i++)
        if (p->buffers[i].role == SASC_BUFFER_NOISE)
            sasc_buffer_zero(p, e->buffers, i);
    if (network == SASC_MEAN_FIELD)
        sasc_parameters_restore(p, e->buffers, &e->trained);
    else
        sasc_sample_network(p, e->buffers, &e->trained, seed, (uint64_t)network, e->scratch);
    for (long first = 0; first < count; first += p->batch) {
        int rows = (int)(count - first < p->batch ? count - first : p->batch);
        predict_batch(e, inputs + (size_t)first * (size_t)p->input_width, rows,
                      probabilities + (size_t)first * (size_t)p->classes);
    }
    return true;
}
