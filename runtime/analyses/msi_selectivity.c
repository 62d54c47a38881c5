/*
 * msi_selectivity.c — choice, modality and condition selectivity of the
 * units of an MSI network (see msi_selectivity.h).
 */
#include "runtime/analyses/msi_selectivity.h"

#include "runtime/support/output.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const choice_names[2] = {"high", "low"};   /* SASC_MSI_HIGH, SASC_MSI_LOW */
static const char *const modality_names[SASC_MSI_MODALITIES] = {"visual", "auditory",
                                                                "multisensory"};
static const char *const condition_names[SASC_MSI_CONDITIONS] = {
    "visual_high", "visual_low", "auditory_high", "auditory_low", "multisensory_high",
    "multisensory_low"};

int sasc_msi_condition(long trial)
{
    return 2 * sasc_msi_test_modality(trial) + sasc_msi_choice(sasc_msi_test_rate(trial));
}

bool sasc_msi_selectivity_init(sasc_msi_selectivity *m, const sasc_program *program, int layer,
                               const char *tag, char *error, size_t error_size)
{
    memset(m, 0, sizeof *m);
    if (program->classes != 2) {
        snprintf(error, error_size, "the MSI selectivity views need a network with two outputs "
                 "(high, low), not %d", program->classes);
        return false;
    }
    bool ok = sasc_selectivity_init_view(&m->choice, program, layer, tag, 2, "", "choice",
                                         choice_names, error, error_size) &&
              sasc_selectivity_init_view(&m->modality, program, layer, tag, SASC_MSI_MODALITIES,
                                         "_modality", "modality", modality_names, error,
                                         error_size) &&
              sasc_selectivity_init_view(&m->condition, program, layer, tag, SASC_MSI_CONDITIONS,
                                         "_condition", "condition", condition_names, error,
                                         error_size);
    if (ok && !(m->classes = malloc(2 * (size_t)program->batch * sizeof *m->classes))) {
        snprintf(error, error_size, "out of memory for the selectivity analysis");
        ok = false;
    }
    if (!ok)
        sasc_msi_selectivity_free(m);
    return ok;
}

void sasc_msi_selectivity_add(void *context, void *const *buffers, const int *labels, int rows)
{
    sasc_msi_selectivity *m = context;
    int *modality = m->classes, *condition = m->classes + m->choice.program->batch;
    long first = sasc_msi_cursor_advance(&m->cursor, labels, rows);
    for (int row = 0; row < rows; row++) {
        modality[row] = sasc_msi_test_modality(first + row);
        condition[row] = sasc_msi_condition(first + row);
    }
    sasc_selectivity_add(&m->choice, buffers, labels, rows);
    sasc_selectivity_add(&m->modality, buffers, modality, rows);
    sasc_selectivity_add(&m->condition, buffers, condition, rows);
}

/* Each unit's SLI averaged over the steps, into units[]; false when the
 * view has fewer than two classes with trials or memory runs out. */
static bool unit_means(const sasc_selectivity *s, double *units)
{
    size_t plane = (size_t)s->steps * (size_t)s->units;
    double *sli = malloc(plane * sizeof *sli);
    double *means = malloc((size_t)s->classes * plane * sizeof *means);
    int used = 0;
    bool ok = sli && means && sasc_selectivity_compute(s, sli, means, &used);
    for (int i = 0; ok && i < s->units; i++)
        units[i] = sasc_selectivity_unit_mean(s, sli, i);
    free(sli);
    free(means);
    return ok;
}

/* The unit with the largest min(a, b) (the first of equals): with b = a the
 * most selective unit of one view, with two views the unit most selective
 * to both. */
static int best_unit(const double *a, const double *b, int units)
{
    int best = 0;
    for (int i = 1; i < units; i++)
        if (fmin(a[i], b[i]) > fmin(a[best], b[best]))
            best = i;
    return best;
}

static bool write_unit_table(const sasc_msi_selectivity *m, const double *means, const char *dir,
                             char *error, size_t error_size)
{
    char path[8192];
    snprintf(path, sizeof path, "%s/selectivity_units%s.csv", dir, m->choice.tag);
    sasc_atomic_file f;
    if (!sasc_atomic_open(&f, path, error, error_size))
        return false;
    int units = m->choice.units;
    sasc_atomic_printf(&f, "unit,sli_choice,sli_modality,sli_condition\n");
    for (int i = 0; i < units; i++) {
        sasc_atomic_printf(&f, "%d", i);
        for (int v = 0; v < 3; v++) {
            sasc_atomic_printf(&f, ",");
            sasc_atomic_number(&f, means[(size_t)v * (size_t)units + (size_t)i]);
        }
        sasc_atomic_printf(&f, "\n");
    }
    return sasc_atomic_commit(&f, error, error_size);
}

/* The responses per condition of the most choice-, modality- and
 * mixed-selective units (the example units of gbptt Fig. 15). */
static bool write_examples(const sasc_msi_selectivity *m, const double *means, const char *dir,
                           char *error, size_t error_size)
{
    int units = m->choice.units;
    const double *choice = means, *modality = means + units;
    const struct { const char *file, *what; int unit; } examples[3] = {
        {"selectivity_example_choice", "choice (Fig. 15a-b)", best_unit(choice, choice, units)},
        {"selectivity_example_modality", "modality (Fig. 15e-f)",
         best_unit(modality, modality, units)},
        {"selectivity_example_mixed", "both (Fig. 15c-d)", best_unit(choice, modality, units)}};
    bool ok = true;
    for (int k = 0; ok && k < 3; k++) {
        char title[160], path[8192];
        int unit = examples[k].unit;
        snprintf(title, sizeof title, "Unit %d, selective to %s: SLI choice %.2f, modality %.2f",
                 unit, examples[k].what, choice[unit], modality[unit]);
        snprintf(path, sizeof path, "%s/%s%s.svg", dir, examples[k].file, m->choice.tag);
        ok = sasc_selectivity_plot_unit(&m->condition, unit, title, path, error, error_size);
    }
    return ok;
}

bool sasc_msi_selectivity_write(const sasc_msi_selectivity *m, const char *out_dir, char *error,
                                size_t error_size)
{
    if (m->cursor.out_of_order) {
        snprintf(error, error_size, "the MSI test trials were not visited in order (a label "
                 "disagrees with its trial's rate); the modality of each trial is unknown");
        return false;
    }
    if (!sasc_selectivity_write(&m->choice, out_dir, error, error_size) ||
        !sasc_selectivity_write(&m->modality, out_dir, error, error_size) ||
        !sasc_selectivity_write(&m->condition, out_dir, error, error_size))
        return false;
    size_t units = (size_t)m->choice.units;
    double *means = malloc(3 * units * sizeof *means);   /* [view][unit]: choice, modality, condition */
    bool ok = means && unit_means(&m->choice, means) && unit_means(&m->modality, means + units) &&
              unit_means(&m->condition, means + 2 * units);
    if (!ok)
        snprintf(error, error_size, "out of memory for the selectivity analysis");
    ok = ok && write_unit_table(m, means, out_dir, error, error_size) &&
         write_examples(m, means, out_dir, error, error_size);
    free(means);
    return ok;
}

void sasc_msi_selectivity_free(sasc_msi_selectivity *m)
{
    sasc_selectivity_free(&m->choice);
    sasc_selectivity_free(&m->modality);
    sasc_selectivity_free(&m->condition);
    free(m->classes);
    m->classes = NULL;
}
