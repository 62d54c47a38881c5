/*
 * msi.c — the multisensory integration task generator (see msi.h).
 *
 * Everything is a function of the seed: training trials draw (rate,
 * modality) from their own stream; test trials are laid out in a fixed
 * cycle over the (modality, rate) pairs.
 */
#include "runtime/data/msi.h"
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

static int find_role(const sasc_program *p, sasc_buffer_role role)
{
    for (int i = 0; i < p->buffer_count; i++)
        if (p->buffers[i].role == role)
            return i;
    return -1;
}

static bool allocate_trials(sasc_msi_trials *t, long count, sasc_idx_set *set)
{
    memset(set, 0, sizeof *set);
    t->count = set->count = set->available = count;
    t->rate = malloc((size_t)count);
    t->modality = malloc((size_t)count);
    set->labels = malloc((size_t)count);
    return t->rate && t->modality && set->labels;
}

/* Training trials: rate and modality uniform, from the seed. */
static void draw_training(sasc_msi_trials *t, uint64_t seed, unsigned char *labels)
{
    uint64_t stream = sasc_rng_stream(SASC_STREAM_TASK, 0, 0);
    for (long k = 0; k < t->count; k++) {
        double u[2];
        sasc_rng_uniforms(seed, stream, (uint64_t)k, u, 2);
        t->rate[k] = (unsigned char)(SASC_MSI_LOW_RATE + (int)(u[0] * SASC_MSI_RATES));
        t->modality[k] = (unsigned char)(int)(u[1] * SASC_MSI_MODALITIES);
        labels[k] = (unsigned char)sasc_msi_choice(t->rate[k]);
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
static void lay_out_test(sasc_msi_trials *t, unsigned char *labels)
{
    for (long k = 0; k < t->count; k++) {
        t->modality[k] = (unsigned char)sasc_msi_test_modality(k);
        t->rate[k] = (unsigned char)sasc_msi_test_rate(k);
        labels[k] = (unsigned char)sasc_msi_choice(t->rate[k]);
    }
}

static bool check_program(sasc_msi *msi, const sasc_program *p, char *error, size_t error_size)
{
    const sasc_buffer_desc *input = &p->buffers[p->input_buffer];
    const sasc_buffer_desc *target = &p->buffers[p->target_buffer];
    if (input->cols != MSI_INPUTS || p->classes != MSI_OUTPUTS || find_role(p, SASC_BUFFER_LOSS_MASK) < 0) {
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

bool sasc_msi_create(sasc_msi *msi, const sasc_program *p, long train, long test, uint64_t seed,
                     sasc_idx_set *train_set, sasc_idx_set *test_set, char *error, size_t error_size)
{
    memset(msi, 0, sizeof *msi);
    if (!check_program(msi, p, error, error_size))
        return false;
    if (!allocate_trials(&msi->train, train > 0 ? train : DEFAULT_TRAIN, train_set) ||
        !allocate_trials(&msi->test, test > 0 ? test : DEFAULT_TEST, test_set)) {
        snprintf(error, error_size, "out of memory generating MSI trials");
        return false;
    }
    draw_training(&msi->train, seed, train_set->labels);
    lay_out_test(&msi->test, test_set->labels);
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
    int mask_buffer = find_role(p, SASC_BUFFER_LOSS_MASK);
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
    sasc_buffer_zero(p, buffers, p->input_buffer);
    sasc_buffer_zero(p, buffers, p->target_buffer);
    sasc_buffer_zero(p, buffers, find_role(p, SASC_BUFFER_LOSS_MASK));
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
