/*
 * psychometric.c — the MSI psychometric function (see psychometric.h).
 */
#include "runtime/psychometric.h"
#include "runtime/plot.h"

#include <math.h>

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

bool sasc_psychometric_plot(const sasc_msi *msi, const char *path, char *error,
                            size_t error_size)
{
    static const char *const labels[SASC_MSI_MODALITIES] = {"visual", "auditory",
                                                            "multisensory"};
    double rates[SASC_MSI_RATES], percent[SASC_MSI_MODALITIES][SASC_MSI_RATES];
    sasc_psychometric_curves(msi, rates, percent);
    sasc_plot_series series[SASC_MSI_MODALITIES];
    for (int m = 0; m < SASC_MSI_MODALITIES; m++)
        series[m] = (sasc_plot_series){labels[m], rates, percent[m], NULL, SASC_MSI_RATES};
    sasc_line_plot plot = {"Psychometric function (MSI test trials)", "event rate (events/s)",
                           "high choices (%)", series, SASC_MSI_MODALITIES, SASC_SPREAD_NONE,
                           0, 0};
    return sasc_plot_write_lines(&plot, path, error, error_size);
}
