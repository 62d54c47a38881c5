/*
 * ensemble.c — inference with a saved ensemble.
 */
#include "runtime/ensemble/ensemble.h"
#include "runtime/model/buffers.h"
#include "runtime/model/checkpoint.h"
#include "runtime/data/idx.h"
#include "runtime/ensemble/sampling.h"

#include <math.h>
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
    e->scratch = malloc(sasc_largest_layer(program) * sizeof *e->scratch);
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
    size_t input_cols = (size_t)p->buffers[p->input_buffer].cols;
    size_t output_cols = (size_t)p->buffers[p->output_buffer].cols;
    sasc_buffer_zero(p, e->buffers, p->input_buffer);
    for (int r = 0; r < rows; r++)
        for (int k = 0; k < p->input_width; k++)
            sasc_buffer_set(e->buffers[p->input_buffer], p->precision, r * input_cols + (size_t)k,
                            inputs[(size_t)r * (size_t)p->input_width + (size_t)k]);
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

/* ---- evaluation on an IDX test set ---- */

/* Fraction of the set's images whose largest predicted probability is their label. */
static bool accuracy(sasc_ensemble *e, const sasc_idx_set *set, const double *inputs, long network,
                     uint64_t seed, double *probabilities, double *result, char *error, size_t error_size)
{
    int classes = e->program->classes;
    if (!sasc_ensemble_predict(e, inputs, set->count, network, seed, probabilities, error, error_size))
        return false;
    long correct = 0;
    for (long i = 0; i < set->count; i++) {
        const double *row = probabilities + (size_t)i * (size_t)classes;
        int best = 0;
        for (int c = 1; c < classes; c++)
            if (row[c] > row[best])
                best = c;
        correct += best == set->labels[i];
    }
    *result = set->count ? (double)correct / (double)set->count : NAN;
    return true;
}

static bool evaluate_set(sasc_ensemble *e, const sasc_idx_set *set, int networks, uint64_t seed,
                         FILE *out, char *error, size_t error_size)
{
    const sasc_program *p = e->program;
    size_t pixels = (size_t)p->input_width;
    double *inputs = malloc((size_t)set->count * pixels * sizeof *inputs + 1);
    double *probabilities = malloc((size_t)set->count * (size_t)p->classes * sizeof *probabilities + 1);
    bool ok = inputs && probabilities;
    if (!ok)
        snprintf(error, error_size, "out of memory evaluating %ld images", set->count);
    for (size_t k = 0; ok && k < (size_t)set->count * pixels; k++)
        inputs[k] = set->pixels[k] / 255.0;   /* as the training loop scales them */
    double value, *each = malloc(sizeof *each * (size_t)(networks > 0 ? networks : 1));
    if (ok && !each) {
        snprintf(error, error_size, "out of memory evaluating %d networks", networks);
        ok = false;
    }
    ok = ok && accuracy(e, set, inputs, SASC_MEAN_FIELD, seed, probabilities, &value, error, error_size);
    if (ok)
        fprintf(out, "network,test_accuracy\nmean_field,%.9g\n", value);
    for (int k = 0; ok && k < networks; k++) {
        ok = accuracy(e, set, inputs, k, seed, probabilities, &each[k], error, error_size);
        if (ok)
            fprintf(out, "sample_%d,%.9g\n", k + 1, each[k]);
    }
    if (ok && networks > 0) {
        double mean, sd;
        sasc_mean_sd(each, (size_t)networks, &mean, &sd);
        fprintf(out, "sampled_mean,%.9g\nsampled_sd,%.9g\n", mean, sd);
    }
    sasc_parameters_restore(p, e->buffers, &e->trained);
    free(each);
    free(inputs);
    free(probabilities);
    return ok;
}

bool sasc_ensemble_evaluate(sasc_ensemble *e, const char *data, long test, int networks,
                            uint64_t seed, FILE *out, char *error, size_t error_size)
{
    sasc_idx_request request = {"t10k", test, e->program->input_width, e->program->classes, 1};
    sasc_idx_set set;
    if (!sasc_idx_load(data, &request, &set, error, error_size))
        return false;
    bool ok = evaluate_set(e, &set, networks, seed, out, error, error_size);
    sasc_idx_free(&set);
    return ok;
}
