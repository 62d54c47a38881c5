/*
 * psychometric.h — the psychometric function of the MSI task (gbptt
 * Fig. 11): the percentage of "high" choices against the event rate, for
 * visual, auditory and multisensory test trials, tallied from a test pass
 * by each trial's place in the test set (runtime/data/msi.h): the analysis
 * "psychometric" (registry.h) writes psychometric.csv and psychometric.svg
 * after every epoch of an MSI run and for a saved MSI network.
 */
#ifndef SASC_PSYCHOMETRIC_H
#define SASC_PSYCHOMETRIC_H

#include "runtime/data/msi.h"

#include <stdbool.h>
#include <stddef.h>

/* rates[r] = 9 + r; percent_high[m][r] = 100 * high choices / trials of
 * modality m at rate rates[r], NaN where there were no trials. */
void sasc_psychometric_curves(const sasc_msi *msi, double rates[SASC_MSI_RATES],
                              double percent_high[SASC_MSI_MODALITIES][SASC_MSI_RATES]);

/* The binomial standard error of each percentage, 100 sqrt(p (1 - p) / n)
 * for n trials of which a fraction p chose "high"; NaN where n = 0. */
void sasc_psychometric_errors(const sasc_msi *msi,
                              double error_bars[SASC_MSI_MODALITIES][SASC_MSI_RATES]);

/* The three curves as an SVG line plot at `path`, each point with its
 * standard error as an error bar. */
bool sasc_psychometric_plot(const sasc_msi *msi, const char *path, char *error,
                            size_t error_size);

/* The psychometric function of a saved MSI network (`sasc analyze RUN_DIR
 * psychometric`): one mean-field pass over the test trials, each tallied by
 * its position in the test set (msi.h), so the tallies are those of the
 * training loop's last test pass. */
typedef struct {
    const sasc_program *program;
    sasc_msi msi;                 /* only the tallies are used */
    sasc_msi_test_cursor cursor;
} sasc_psychometric_pass;

void sasc_psychometric_pass_init(sasc_psychometric_pass *pass, const sasc_program *program);
/* A sasc_test_batch_fn (train.h), `pass` the context. */
void sasc_psychometric_add(void *pass, void *const *buffers, const int *labels, int rows);
/* psychometric.csv and psychometric.svg in `out_dir`; an error when the
 * trials came out of order. */
bool sasc_psychometric_write(const sasc_psychometric_pass *pass, const char *out_dir,
                             char *error, size_t error_size);

#endif
