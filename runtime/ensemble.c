/*
 * ensemble.c — inference with a saved ensemble.
 */
#include "runtime/ensemble.h"
#include "runtime/buffers.h"
#include "runtime/checkpoint.h"
#include "runtime/idx.h"
#include "runtime/rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Philox purpose of sampled networks: outside rng.h's purposes (and the
 * entropy module's 0x10) so no other random number is reused. */
enum { SAMPLE_STREAM = 0x11 };

struct sasc_ensemble {
    const sasc_program *program;
    void **buffers;
    double *scratch;          /* as many doubles as the largest buffer */
    void **saved;             /* per buffer: the loaded PARAMETER values, else NULL */
};

void sasc_ensemble_free(sasc_ensemble *e)
{
    if (!e)
        return;
    if (e->saved)
        for (int i = 0; i < e->program->buffer_count; i++)
            free(e->saved[i]);
    free(e->saved);
    free(e->scratch);
    sasc_buffers_free(e->program, e->buffers);
    free(e);
}

/* Keep a copy of every PARAMETER buffer so a sampled network can be undone. */
static bool keep_parameters(sasc_ensemble *e)
{
    const sasc_program *p = e->program;
    e->saved = calloc((size_t)p->buffer_count, sizeof *e->saved);
    if (!e->saved)
        return false;
    for (int i = 0; i < p->buffer_count; i++) {
        if (p->buffers[i].role != SASC_BUFFER_PARAMETER)
            continue;
        size_t bytes = sasc_buffer_elements(p, i) * p->precision;
        e->saved[i] = malloc(bytes);
        if (!e->saved[i])
            return false;
        memcpy(e->saved[i], e->buffers[i], bytes);
    }
    return true;
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
    e->scratch = malloc(sasc_buffers_largest(program) * sizeof *e->scratch);
    bool ok = e->buffers && e->scratch &&
              sasc_checkpoint_read(run_dir, program, e->buffers, NULL, NULL, error, error_size);
    if (ok && !keep_parameters(e)) {
        snprintf(error, error_size, "out of memory");
        ok = false;
    }
    if (!ok) {
        if (e->buffers && !e->scratch)
            snprintf(error, error_size, "out of memory");
        sasc_ensemble_free(e);
        return NULL;
    }
    return e;
}

int sasc_ensemble_input_width(const sasc_ensemble *e) { return e->program->input_width; }
int sasc_ensemble_classes(const sasc_ensemble *e) { return e->program->classes; }

/* Put the saved parameters back (the mean-field network). */
static void restore_parameters(sasc_ensemble *e)
{
    const sasc_program *p = e->program;
    for (int i = 0; i < p->buffer_count; i++)
        if (e->saved[i])
            memcpy(e->buffers[i], e->saved[i], sasc_buffer_elements(p, i) * p->precision);
}

/* Draw one network: w = 0 with probability pi, else m + sqrt(Xi) z; stored
 * as the deterministic ensemble pi = 0, m = w, Xi = 0. */
static void sample_network(sasc_ensemble *e, long network, uint64_t seed)
{
    const sasc_program *p = e->program;
    restore_parameters(e);
    for (int l = 0; l < p->layer_count; l++) {
        const int *index = p->layers[l].parameter_buffer;
        if (index[SASC_PI] < 0 || index[SASC_M] < 0 || index[SASC_XI] < 0)
            continue;
        size_t n = sasc_buffer_elements(p, index[SASC_M]);
        double *u = e->scratch;
        sasc_rng_uniforms(seed, sasc_rng_stream((sasc_stream_purpose)SAMPLE_STREAM, (uint32_t)(2 * l), (uint32_t)network), 0, u, n);
        void *pi = e->buffers[index[SASC_PI]], *m = e->buffers[index[SASC_M]], *xi = e->buffers[index[SASC_XI]];
        for (size_t k = 0; k < n; k++) {
            double z;
            sasc_rng_normals(seed, sasc_rng_stream((sasc_stream_purpose)SAMPLE_STREAM, (uint32_t)(2 * l + 1), (uint32_t)network),
                             k, &z, 1);
            double slab = sasc_buffer_get(m, p->precision, k) +
                          sqrt(fmax(sasc_buffer_get(xi, p->precision, k), 0.0)) * z;
            sasc_buffer_set(m, p->precision, k, u[k] < sasc_buffer_get(pi, p->precision, k) ? 0.0 : slab);
            sasc_buffer_set(pi, p->precision, k, 0.0);
            sasc_buffer_set(xi, p->precision, k, 0.0);
        }
    }
}

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
    p->predict(e->buffers);
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
        restore_parameters(e);
    else
        sample_network(e, network, seed);
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
    double value, sum = 0, squares = 0;
    ok = ok && accuracy(e, set, inputs, SASC_MEAN_FIELD, seed, probabilities, &value, error, error_size);
    if (ok)
        fprintf(out, "network,test_accuracy\nmean_field,%.9g\n", value);
    for (int k = 0; ok && k < networks; k++) {
        ok = accuracy(e, set, inputs, k, seed, probabilities, &value, error, error_size);
        if (ok)
            fprintf(out, "sample_%d,%.9g\n", k + 1, value);
        sum += value;
        squares += value * value;
    }
    if (ok && networks > 0) {
        double mean = sum / networks, variance = networks > 1 ?
            fmax(squares - networks * mean * mean, 0.0) / (networks - 1) : 0.0;
        fprintf(out, "sampled_mean,%.9g\nsampled_sd,%.9g\n", mean, sqrt(variance));
    }
    restore_parameters(e);
    free(inputs);
    free(probabilities);
    return ok;
}

bool sasc_ensemble_evaluate(sasc_ensemble *e, const char *data, long test, int networks,
                            uint64_t seed, FILE *out, char *error, size_t error_size)
{
    sasc_idx_request request = {"t10k", test, e->program->input_width, e->program->classes};
    sasc_idx_set set;
    if (!sasc_idx_load(data, &request, &set, error, error_size))
        return false;
    bool ok = evaluate_set(e, &set, networks, seed, out, error, error_size);
    sasc_idx_free(&set);
    return ok;
}
