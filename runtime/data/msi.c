/*
 * msi.c — the multisensory integration task generator (see msi.h).
 *
 * Everything is a function of the seed: training trials draw (rate,
 * modality) from their own stream; test trials are laid out in a fixed
 * cycle over the (modality, rate) pairs.
 */
#include "runtime/data/msi.h"
#include "runtime/data/source.h"
#include "runtime/model/buffers.h"
#include "runtime/support/output.h"
#include "runtime/support/rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MSI_INPUTS = 4, MSI_OUTPUTS = 2 };
enum { DEFAULT_TRAIN = 4800, DEFAULT_TEST = 2400 };
static const double train_ms[3] = { 300, 900, 400 }, test_ms[3] = { 500, 1000, 300 };

bool sasc_msi_is_generator(const char *data)
{
    return strcmp(data, "msi") == 0;
}

sasc_msi_timing sasc_msi_timing_of(double dt_ms, bool test)
{
    const double *ms = test ? test_ms : train_ms;
    return (sasc_msi_timing){ (int)lround(ms[0] / dt_ms), (int)lround(ms[1] / dt_ms),
                              (int)lround(ms[2] / dt_ms) };
}

static int trial_steps(const sasc_msi_timing *t)
{
    return t->fixation + t->stimulus + t->decision;
}

int sasc_msi_choice(int rate)
{
    return rate > SASC_MSI_BOUNDARY ? SASC_MSI_HIGH : SASC_MSI_LOW;
}

void sasc_msi_inputs(const sasc_msi_timing *timing, int rate, int modality, int step, double x[4])
{
    bool stimulus = step >= timing->fixation && step < timing->fixation + timing->stimulus;
    bool visual = stimulus && modality != SASC_MSI_AUDITORY;
    bool auditory = stimulus && modality != SASC_MSI_VISUAL;
    double up = (rate - 9) / 7.0, down = (16 - rate) / 7.0;
    x[0] = visual ? up : 0;
    x[1] = visual ? down : 0;
    x[2] = auditory ? up : 0;
    x[3] = auditory ? down : 0;
}

static bool allocate_trials(sasc_msi_trials *t, long count)
{
    t->count = count;
    t->rate = malloc((size_t)count + 1);
    t->modality = malloc((size_t)count + 1);
    return t->rate && t->modality;
}

/* Training trials: rate and modality uniform, from the seed. */
static void draw_training(sasc_msi_trials *t, uint64_t seed)
{
    uint64_t stream = sasc_rng_stream(SASC_STREAM_TASK, 0, 0);
    for (long k = 0; k < t->count; k++) {
        double u[2];
        sasc_rng_uniforms(seed, stream, (uint64_t)k, u, 2);
        t->rate[k] = (unsigned char)(SASC_MSI_LOW_RATE + (int)(u[0] * SASC_MSI_RATES));
        t->modality[k] = (unsigned char)(int)(u[1] * SASC_MSI_MODALITIES);
    }
}

int sasc_msi_test_modality(long trial)
{
    return (int)(trial % SASC_MSI_MODALITIES);
}

int sasc_msi_test_rate(long trial)
{
    return SASC_MSI_LOW_RATE + (int)(trial / SASC_MSI_MODALITIES % SASC_MSI_RATES);
}

long sasc_msi_cursor_advance(sasc_msi_test_cursor *c, const int *labels, int rows)
{
    long first = c->next;
    for (int row = 0; row < rows; row++)
        c->out_of_order = c->out_of_order ||
                          labels[row] != sasc_msi_choice(sasc_msi_test_rate(first + row));
    c->next += rows;
    return first;
}

/* Test trials: every (modality, rate) pair in turn. */
static void lay_out_test(sasc_msi_trials *t)
{
    for (long k = 0; k < t->count; k++) {
        t->modality[k] = (unsigned char)sasc_msi_test_modality(k);
        t->rate[k] = (unsigned char)sasc_msi_test_rate(k);
    }
}

static bool check_program(sasc_msi *msi, const sasc_program *p, char *error, size_t error_size)
{
    const sasc_buffer_desc *input = &p->buffers[p->input_buffer];
    const sasc_buffer_desc *target = &p->buffers[p->target_buffer];
    if (input->cols != MSI_INPUTS || p->classes != MSI_OUTPUTS || sasc_data_find_buffer(p, SASC_BUFFER_LOSS_MASK) < 0) {
        snprintf(error, error_size, "data = \"msi\" needs a recurrent model with 4 inputs per step "
                 "(input x[4]) and a readout of 2 outputs at every step (at = every) trained by mse");
        return false;
    }
    int train_steps = target->rows / p->batch, test_steps = input->rows / p->batch;
    msi->dt_ms = (train_ms[0] + train_ms[1] + train_ms[2]) / train_steps;
    msi->train_timing = sasc_msi_timing_of(msi->dt_ms, false);
    msi->test_timing = sasc_msi_timing_of(msi->dt_ms, true);
    if (trial_steps(&msi->train_timing) != train_steps || trial_steps(&msi->test_timing) != test_steps) {
        snprintf(error, error_size, "MSI trials last 1600 ms (training) and 1800 ms (test): with %d "
                 "training steps (dt = %g ms) the model needs test_steps = %d, not %d", train_steps,
                 msi->dt_ms, trial_steps(&msi->test_timing), test_steps);
        return false;
    }
    return true;
}

/* Trials of a split: `count`, its default when 0, none when negative. */
static long trial_count(long count, long fallback)
{
    return count > 0 ? count : count == 0 ? fallback : 0;
}

bool sasc_msi_create(sasc_msi *msi, const sasc_program *p, long train, long test, uint64_t seed,
                     char *error, size_t error_size)
{
    memset(msi, 0, sizeof *msi);
    if (!check_program(msi, p, error, error_size))
        return false;
    if (!allocate_trials(&msi->train, trial_count(train, DEFAULT_TRAIN)) ||
        !allocate_trials(&msi->test, trial_count(test, DEFAULT_TEST))) {
        snprintf(error, error_size, "out of memory generating MSI trials");
        return false;
    }
    draw_training(&msi->train, seed);
    lay_out_test(&msi->test);
    return true;
}

void sasc_msi_free(sasc_msi *msi)
{
    free(msi->train.rate);
    free(msi->train.modality);
    free(msi->test.rate);
    free(msi->test.modality);
    memset(msi, 0, sizeof *msi);
}

/* Targets (and their mask) of one training trial at one step. */
static void targets(const sasc_msi_timing *t, int rate, int step, double target[2], double *mask)
{
    bool stimulus = step >= t->fixation && step < t->fixation + t->stimulus;
    bool decision = step >= t->fixation + t->stimulus;
    int choice = sasc_msi_choice(rate);
    for (int k = 0; k < MSI_OUTPUTS; k++)
        target[k] = decision && k == choice ? SASC_MSI_TARGET_ON : SASC_MSI_TARGET_OFF;
    *mask = stimulus ? 0.0 : 1.0;
}

static void load_trial(const sasc_msi *msi, const sasc_program *p, void *const *buffers, bool test,
                       long trial, int row)
{
    const sasc_msi_trials *t = test ? &msi->test : &msi->train;
    const sasc_msi_timing *timing = test ? &msi->test_timing : &msi->train_timing;
    int mask_buffer = sasc_data_find_buffer(p, SASC_BUFFER_LOSS_MASK);
    size_t batch = (size_t)p->batch;
    for (int step = 0; step < trial_steps(timing); step++) {
        double x[MSI_INPUTS], target[MSI_OUTPUTS], mask;
        sasc_msi_inputs(timing, t->rate[trial], t->modality[trial], step, x);
        for (int k = 0; k < MSI_INPUTS; k++)
            sasc_buffer_set(buffers[p->input_buffer], p->precision,
                            (step * batch + (size_t)row) * MSI_INPUTS + (size_t)k, x[k]);
        if (test)
            continue;
        targets(timing, t->rate[trial], step, target, &mask);
        for (int k = 0; k < MSI_OUTPUTS; k++) {
            size_t at = (step * batch + (size_t)row) * MSI_OUTPUTS + (size_t)k;
            sasc_buffer_set(buffers[p->target_buffer], p->precision, at, target[k]);
            sasc_buffer_set(buffers[mask_buffer], p->precision, at, mask);
        }
    }
}

void sasc_msi_load_batch(const sasc_msi *msi, const sasc_program *p, void *const *buffers, bool test,
                         const size_t *order, long first, int rows)
{
    sasc_data_zero_batch(p, buffers);
    for (int row = 0; row < rows; row++)
        load_trial(msi, p, buffers, test, order ? (long)order[first + row] : first + row, row);
}

void sasc_msi_tally_reset(sasc_msi *msi)
{
    memset(msi->tally, 0, sizeof msi->tally);
}

bool sasc_msi_chose_high(const sasc_program *p, void *const *buffers, int row)
{
    double high = sasc_buffer_get(buffers[p->output_buffer], p->precision, (size_t)row * MSI_OUTPUTS);
    double low = sasc_buffer_get(buffers[p->output_buffer], p->precision, (size_t)row * MSI_OUTPUTS + 1);
    return high > low;
}

void sasc_msi_tally_choice(sasc_msi *msi, int modality, int rate, bool high)
{
    long *cell = msi->tally[modality][rate - SASC_MSI_LOW_RATE];
    cell[0]++;
    cell[1] += high;
}

void sasc_msi_tally(sasc_msi *msi, const sasc_program *p, void *const *buffers, long first, int rows)
{
    for (int row = 0; row < rows; row++) {
        long trial = first + row;
        sasc_msi_tally_choice(msi, msi->test.modality[trial], msi->test.rate[trial],
                              sasc_msi_chose_high(p, buffers, row));
    }
}

/* Correct choices among a cell's trials. */
static long correct_in(const long cell[2], int rate)
{
    return sasc_msi_choice(rate) == SASC_MSI_HIGH ? cell[1] : cell[0] - cell[1];
}

void sasc_msi_modality_accuracy(const sasc_msi *msi, double accuracy[SASC_MSI_MODALITIES])
{
    for (int m = 0; m < SASC_MSI_MODALITIES; m++) {
        long trials = 0, correct = 0;
        for (int r = 0; r < SASC_MSI_RATES; r++) {
            trials += msi->tally[m][r][0];
            correct += correct_in(msi->tally[m][r], SASC_MSI_LOW_RATE + r);
        }
        accuracy[m] = trials ? (double)correct / (double)trials : NAN;
    }
}

bool sasc_msi_write_psychometric(const sasc_msi *msi, const char *path, char *error, size_t error_size)
{
    static const char *const names[SASC_MSI_MODALITIES] = { "visual", "auditory", "multisensory" };
    sasc_atomic_file f;
    if (!sasc_atomic_open(&f, path, error, error_size))
        return false;
    sasc_atomic_printf(&f, "modality,rate,trials,high_choices,correct\n");
    for (int m = 0; m < SASC_MSI_MODALITIES; m++)
        for (int r = 0; r < SASC_MSI_RATES; r++) {
            const long *cell = msi->tally[m][r];
            double trials = (double)(cell[0] ? cell[0] : 1);
            sasc_atomic_printf(&f, "%s,%d,%ld,", names[m], SASC_MSI_LOW_RATE + r, cell[0]);
            sasc_atomic_number(&f, (double)cell[1] / trials);
            sasc_atomic_printf(&f, ",");
            sasc_atomic_number(&f, (double)correct_in(cell, SASC_MSI_LOW_RATE + r) / trials);
            sasc_atomic_printf(&f, "\n");
        }
    return sasc_atomic_commit(&f, error, error_size);
}

/* ---- the data source "msi" (source.h) ---- */

static const char *const metric_names[SASC_MSI_MODALITIES] = {
    "test_accuracy_visual", "test_accuracy_auditory", "test_accuracy_multisensory"};

static bool msi_claims(const char *data)
{
    return sasc_msi_is_generator(data);
}

/* The shape without a model: the steps follow from the model's dt. */
static void msi_shape(const sasc_data_request *request, sasc_data_shape *shape)
{
    *shape = (sasc_data_shape){
        .kind = "msi",
        .count = {trial_count(request->count[SASC_SPLIT_TRAIN], DEFAULT_TRAIN),
                  trial_count(request->count[SASC_SPLIT_TEST], DEFAULT_TEST)},
        .sample_dims = 2, .sample_shape = {0, MSI_INPUTS}, .sequence = true,
        .features = MSI_INPUTS, .targets = SASC_TARGETS_VALUES, .target_width = MSI_OUTPUTS,
        .classes = MSI_OUTPUTS, .targets_per_step = true, .loss_mask = true, .noisy_test = true,
        .metric_count = SASC_MSI_MODALITIES, .metric_names = metric_names};
}

static bool msi_probe(const sasc_data_request *request, sasc_data_shape *shape, char *error,
                      size_t error_size)
{
    (void)error;
    (void)error_size;
    msi_shape(request, shape);
    return true;
}

static void *msi_open(const sasc_data_request *request, const sasc_program *program,
                      sasc_data_shape *shape, char *error, size_t error_size)
{
    sasc_msi *msi = malloc(sizeof *msi);
    if (!msi) {
        snprintf(error, error_size, "out of memory generating MSI trials");
        return NULL;
    }
    if (!sasc_msi_create(msi, program, request->count[SASC_SPLIT_TRAIN],
                         request->count[SASC_SPLIT_TEST], request->seed, error, error_size)) {
        sasc_msi_free(msi);
        free(msi);
        return NULL;
    }
    msi_shape(request, shape);
    shape->steps[SASC_SPLIT_TRAIN] = trial_steps(&msi->train_timing);
    shape->steps[SASC_SPLIT_TEST] = trial_steps(&msi->test_timing);
    shape->sample_shape[0] = shape->steps[SASC_SPLIT_TEST];
    return msi;
}

static void msi_load_batch(const void *state, const sasc_program *program, void *const *buffers,
                           sasc_split split, const size_t *order, long first, int rows)
{
    sasc_msi_load_batch(state, program, buffers, split == SASC_SPLIT_TEST, order, first, rows);
}

static int msi_label(const void *state, sasc_split split, long sample)
{
    const sasc_msi *msi = state;
    const sasc_msi_trials *t = split == SASC_SPLIT_TEST ? &msi->test : &msi->train;
    return sasc_msi_choice(t->rate[sample]);
}

static void msi_close(void *state)
{
    if (state)
        sasc_msi_free(state);
    free(state);
}

static void msi_metrics_reset(void *state)
{
    sasc_msi_tally_reset(state);
}

static void msi_metrics_tally(void *state, const sasc_program *program, void *const *buffers,
                              long first, int rows)
{
    sasc_msi_tally(state, program, buffers, first, rows);
}

static void msi_metrics_read(const void *state, double *values)
{
    sasc_msi_modality_accuracy(state, values);
}

const sasc_data_kind sasc_data_msi = {
    .name = "msi",
    .summary = "data = \"msi\": the multisensory integration task's trials, generated from "
               "the seed (runtime/data/msi.h)",
    .claims = msi_claims, .probe = msi_probe, .open = msi_open, .load_batch = msi_load_batch,
    .label = msi_label, .close = msi_close, .metrics_reset = msi_metrics_reset,
    .metrics_tally = msi_metrics_tally, .metrics_read = msi_metrics_read,
};
