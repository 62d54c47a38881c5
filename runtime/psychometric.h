/*
 * psychometric.h — the psychometric function of the MSI task (gbptt
 * Fig. 11): the percentage of "high" choices against the event rate, for
 * visual, auditory and multisensory test trials, from the generator's test
 * tallies (runtime/msi.h), drawn as psychometric.svg next to the
 * psychometric.csv the training loop writes.
 */
#ifndef SASC_PSYCHOMETRIC_H
#define SASC_PSYCHOMETRIC_H

#include "runtime/msi.h"

#include <stdbool.h>
#include <stddef.h>

/* rates[r] = 9 + r; percent_high[m][r] = 100 * high choices / trials of
 * modality m at rate rates[r], NaN where there were no trials. */
void sasc_psychometric_curves(const sasc_msi *msi, double rates[SASC_MSI_RATES],
                              double percent_high[SASC_MSI_MODALITIES][SASC_MSI_RATES]);

/* The three curves as an SVG line plot at `path`. */
bool sasc_psychometric_plot(const sasc_msi *msi, const char *path, char *error,
                            size_t error_size);

#endif
