/*
 * psychometric.c — the MSI psychometric function (see psychometric.h).
 */
#include "runtime/analyses/psychometric.h"
#include "runtime/analyses/registry.h"
#include "runtime/support/output.h"
#include "runtime/support/plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sasc_psychometric_curves(const sasc_msi *msi, double rates[SASC_MSI_RATES],
                              double percent_high[SASC_MSI_MODALITIES][SASC_MSI_RATES])
{
    for (int r = 0; r < SASC_MSI_RATES; r++) {
        rates[r] = SASC_MSI_LOW_RATE + r;
        for (int m = 0; m < SASC_MSI_MODALITIES; m++) {
            const long *cell = msi->tally[m][r];   /* trials, high choices */
            percent_high[m][r] = cell[0] > 0 ? 100.0 * (double)cell[1] / (double)cell[0] : NAN;
        }
    }
}

void sasc_psychometric_errors(const sasc_msi *msi,
                              double error_bars[SASC_MSI_MODALITIES][SASC_MSI_RATES])
{
    for (int m = 0; m < SASC_MSI_MODALITIES; m++)
        for (int r = 0; r < SASC_MSI_RATES; r++) {
            const long *cell = msi->tally[m][r];
            double n = (double)cell[0], p = n > 0 ? (double)cell[1] / n : NAN;
            error_bars[m][r] = n > 0 ? 100.0 * sqrt(p * (1.0 - p) / n) : NAN;
        }
}

bool sasc_psychometric_plot(const sasc_msi *msi, const char *path, char *error,
                            size_t error_size)
{
    static const char *const labels[SASC_MSI_MODALITIES] = {"visual", "auditory",
                                                            "multisensory"};
    double rates[SASC_MSI_RATES], percent[SASC_MSI_MODALITIES][SASC_MSI_RATES],
        bars[SASC_MSI_MODALITIES][SASC_MSI_RATES];
    sasc_psychometric_curves(msi, rates, percent);
    sasc_psychometric_errors(msi, bars);
    sasc_plot_series series[SASC_MSI_MODALITIES];
    for (int m = 0; m < SASC_MSI_MODALITIES; m++)
        series[m] = (sasc_plot_series){labels[m], rates, percent[m], bars[m], SASC_MSI_RATES};
    sasc_line_plot plot = {"Psychometric function (MSI test trials; bars: standard error)",
                           "event rate (events/s)", "high choices (%)", series,
                           SASC_MSI_MODALITIES, SASC_SPREAD_ERROR_BARS, 0, 0};
    return sasc_plot_write_lines(&plot, path, error, error_size);
}

void sasc_psychometric_pass_init(sasc_psychometric_pass *pass, const sasc_program *program)
{
    memset(pass, 0, sizeof *pass);
    pass->program = program;
}

void sasc_psychometric_add(void *context, void *const *buffers, const int *labels, int rows)
{
    sasc_psychometric_pass *pass = context;
    long first = sasc_msi_cursor_advance(&pass->cursor, labels, rows);
    for (int row = 0; row < rows; row++)
        sasc_msi_tally_choice(&pass->msi, sasc_msi_test_modality(first + row),
                              sasc_msi_test_rate(first + row),
                              sasc_msi_chose_high(pass->program, buffers, row));
}

bool sasc_psychometric_write(const sasc_psychometric_pass *pass, const char *out_dir,
                             char *error, size_t error_size)
{
    if (pass->cursor.out_of_order) {
        snprintf(error, error_size, "the MSI test trials were not visited in order (a label "
                 "disagrees with its trial's rate); their conditions are unknown");
        return false;
    }
    char path[8192];
    snprintf(path, sizeof path, "%s/psychometric.csv", out_dir);
    if (!sasc_make_directories(out_dir, error, error_size) ||
        !sasc_msi_write_psychometric(&pass->msi, path, error, error_size))
        return false;
    snprintf(path, sizeof path, "%s/psychometric.svg", out_dir);
    return sasc_psychometric_plot(&pass->msi, path, error, error_size);
}

/* ---- the analysis "psychometric" (registry.h) ---- */

/* A saved run: one test pass of the network. */
static bool run_psychometric(sasc_analysis_context *c)
{
    sasc_psychometric_pass pass;
    sasc_psychometric_pass_init(&pass, c->program);
    return c->host.test_pass(c->host.context, sasc_psychometric_add, &pass, c->error,
                             c->error_size) &&
           sasc_psychometric_write(&pass, c->out, c->error, c->error_size);
}

/* During training: the test pass after every epoch, tallied as it runs. */
static void *epoch_open(const sasc_analysis_context *c)
{
    sasc_psychometric_pass *pass = malloc(sizeof *pass);
    if (!pass) {
        snprintf(c->error, c->error_size, "out of memory setting up the analyses");
        return NULL;
    }
    sasc_psychometric_pass_init(pass, c->program);
    return pass;
}

static void epoch_test_batch(void *state, void *const *buffers, const int *labels, int rows)
{
    sasc_psychometric_add(state, buffers, labels, rows);
}

static bool epoch_write(void *state, sasc_analysis_context *c, int epoch, double accuracy)
{
    (void)epoch;
    (void)accuracy;
    sasc_psychometric_pass *pass = state;
    bool ok = sasc_psychometric_write(pass, c->out, c->error, c->error_size);
    sasc_psychometric_pass_init(pass, c->program);   /* for the next epoch's pass */
    return ok;
}

const sasc_analysis_desc sasc_analysis_psychometric = {
    .name = "psychometric",
    .summary = "MSI runs: percentage of high choices against event rate per\n"
               "modality (psychometric.csv, psychometric.svg); during\n"
               "training after every epoch",
    .outputs = "psychometric.csv, psychometric.svg",
    .when = SASC_EVERY_EPOCH | SASC_ON_SAVED_RUN,
    .needs = {.data = "msi"},
    .run = run_psychometric,
    .open = epoch_open, .test_batch = epoch_test_batch, .epoch = epoch_write, .close = free,
};
