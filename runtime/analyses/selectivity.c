/*
 * selectivity.c — class-mean responses of the recurrent units and their
 * selectivity index along time (see selectivity.h).
 */
#include "runtime/analyses/selectivity.h"
#include "runtime/model/buffers.h"
#include "runtime/support/npy.h"
#include "runtime/support/output.h"
#include "runtime/support/plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double sasc_selectivity_index(const double *r, size_t n, size_t stride)
{
    double mean = 0.0, square = 0.0;
    for (size_t s = 0; s < n; s++) {
        mean += r[s * stride];
        square += r[s * stride] * r[s * stride];
    }
    mean /= (double)n;
    square /= (double)n;
    if (square <= 0.0)
        return 0.0;   /* silent for every class */
    return (1.0 - mean * mean / square) / (1.0 - 1.0 / (double)n);
}

bool sasc_selectivity_init(sasc_selectivity *s, const sasc_program *program, int layer,
                           const char *tag, char *error, size_t error_size)
{
    return sasc_selectivity_init_view(s, program, layer, tag, program->classes, "", "class", NULL,
                                      error, error_size);
}

bool sasc_selectivity_init_view(sasc_selectivity *s, const sasc_program *program, int layer,
                                const char *tag, int classes, const char *suffix,
                                const char *kind, const char *const *class_names, char *error,
                                size_t error_size)
{
    memset(s, 0, sizeof *s);
    s->program = program;
    s->layer = layer;
    s->tag = tag;
    s->suffix = suffix;
    s->kind = kind;
    s->class_names = class_names;
    s->state_buffer = layer >= 0 && layer < program->layer_count
                          ? program->layers[layer].state_buffer : -1;
    if (s->state_buffer < 0) {
        snprintf(error, error_size, "the selectivity analysis needs a recurrent layer (a layer "
                 "with hidden states along time)");
        return false;
    }
    const sasc_buffer_desc *b = &program->buffers[s->state_buffer];
    s->steps = b->rows / program->batch - 1;
    s->units = b->cols;
    s->classes = classes;
    if (s->steps < 1 || s->classes < 2) {
        snprintf(error, error_size, "the selectivity analysis needs at least one step and two classes");
        return false;
    }
    s->sum = calloc((size_t)s->classes * (size_t)s->steps * (size_t)s->units, sizeof *s->sum);
    s->count = calloc((size_t)s->classes, sizeof *s->count);
    if (!s->sum || !s->count) {
        sasc_selectivity_free(s);
        snprintf(error, error_size, "out of memory for the selectivity analysis");
        return false;
    }
    return true;
}

void sasc_selectivity_add(void *context, void *const *buffers, const int *labels, int rows)
{
    sasc_selectivity *s = context;
    const sasc_program *p = s->program;
    const void *h = buffers[s->state_buffer];
    size_t units = (size_t)s->units;
    for (int row = 0; row < rows; row++) {
        if (labels[row] < 0 || labels[row] >= s->classes)
            continue;
        s->count[labels[row]]++;
        double *sum = s->sum + (size_t)labels[row] * (size_t)s->steps * units;
        for (int t = 1; t <= s->steps; t++) {   /* block t, row `row`: h(t) of this trial */
            size_t at = ((size_t)t * (size_t)p->batch + (size_t)row) * units;
            for (size_t i = 0; i < units; i++)
                sum[(size_t)(t - 1) * units + i] += fmax(sasc_buffer_get(h, p->precision, at + i), 0.0);
        }
    }
}

bool sasc_selectivity_compute(const sasc_selectivity *s, double *sli, double *means, int *used)
{
    size_t plane = (size_t)s->steps * (size_t)s->units;
    int n = 0;
    for (int c = 0; c < s->classes; c++) {
        if (s->count[c] == 0)
            continue;
        for (size_t k = 0; k < plane; k++)
            means[(size_t)n * plane + k] = s->sum[(size_t)c * plane + k] / (double)s->count[c];
        n++;
    }
    *used = n;
    if (n < 2)
        return false;
    for (size_t k = 0; k < plane; k++)
        sli[k] = sasc_selectivity_index(means + k, (size_t)n, plane);
    return true;
}

void sasc_selectivity_free(sasc_selectivity *s)
{
    free(s->sum);
    free(s->count);
    s->sum = NULL;
    s->count = NULL;
}

/* ---- output ---- */

/* DIR/STEM<tag><suffix>.EXTENSION */
static void out_file(const sasc_selectivity *s, const char *dir, const char *stem,
                     const char *extension, char *path, size_t size)
{
    snprintf(path, size, "%s/%s%s%s.%s", dir, stem, s->tag, s->suffix, extension);
}

static void class_name(const sasc_selectivity *s, int c, char *name, size_t size)
{
    if (s->class_names)
        snprintf(name, size, "%s", s->class_names[c]);
    else
        snprintf(name, size, "%d", c);
}

static bool write_csv(const sasc_selectivity *s, const double *sli, const double *means, int n,
                      const char *dir, char *error, size_t error_size)
{
    char path[8192], name[64];
    out_file(s, dir, "selectivity", "csv", path, sizeof path);
    sasc_atomic_file f;
    if (!sasc_atomic_open(&f, path, error, error_size))
        return false;
    size_t plane = (size_t)s->steps * (size_t)s->units;
    sasc_atomic_printf(&f, "step,unit,sli");
    for (int c = 0; c < s->classes; c++)
        if (s->count[c] > 0) {
            class_name(s, c, name, sizeof name);
            sasc_atomic_printf(&f, ",response_%s", name);
        }
    sasc_atomic_printf(&f, "\n");
    for (size_t k = 0; k < plane; k++) {
        sasc_atomic_printf(&f, "%zu,%zu,", k / (size_t)s->units + 1, k % (size_t)s->units);
        sasc_atomic_number(&f, sli[k]);
        for (int c = 0; c < n; c++) {
            sasc_atomic_printf(&f, ",");
            sasc_atomic_number(&f, means[(size_t)c * plane + k]);
        }
        sasc_atomic_printf(&f, "\n");
    }
    return sasc_atomic_commit(&f, error, error_size);
}

double sasc_selectivity_unit_mean(const sasc_selectivity *s, const double *sli, int unit)
{
    double sum = 0.0;
    for (int t = 0; t < s->steps; t++)
        sum += sli[(size_t)t * (size_t)s->units + (size_t)unit];
    return sum / (double)s->steps;
}

int sasc_selectivity_most_selective(const sasc_selectivity *s, const double *sli)
{
    int best = 0;
    double best_mean = -1.0;
    for (int i = 0; i < s->units; i++) {
        double mean = sasc_selectivity_unit_mean(s, sli, i);
        if (mean > best_mean) {
            best_mean = mean;
            best = i;
        }
    }
    return best;
}

bool sasc_selectivity_plot_unit(const sasc_selectivity *s, int unit, const char *title,
                                const char *path, char *error, size_t error_size)
{
    size_t steps = (size_t)s->steps, units = (size_t)s->units, plane = steps * units;
    double *x = malloc((1 + (size_t)s->classes) * steps * sizeof *x);
    sasc_plot_series *series = calloc((size_t)s->classes, sizeof *series);
    char (*labels)[80] = calloc((size_t)s->classes, sizeof *labels);
    if (!x || !series || !labels) {
        free(x);
        free(series);
        free(labels);
        snprintf(error, error_size, "out of memory for the selectivity figures");
        return false;
    }
    size_t n = 0;
    for (int c = 0; c < s->classes; c++) {
        if (s->count[c] == 0)
            continue;
        double *r = x + (1 + n) * steps;   /* the class mean of relu(h) along the trial */
        for (size_t t = 0; t < steps; t++)
            r[t] = s->sum[(size_t)c * plane + t * units + (size_t)unit] / (double)s->count[c];
        char name[64];   /* the class's name, or "class 3" */
        class_name(s, c, name, sizeof name);
        snprintf(labels[n], sizeof labels[n], "%s%s", s->class_names ? "" : "class ", name);
        series[n] = (sasc_plot_series){labels[n], x, r, NULL, steps};
        n++;
    }
    for (size_t t = 0; t < steps; t++)
        x[t] = (double)(t + 1);
    sasc_line_plot plot = {title, "time step", "mean relu(h)", series, n, SASC_SPREAD_NONE, 0, 0};
    bool ok = sasc_plot_write_lines(&plot, path, error, error_size);
    free(x);
    free(series);
    free(labels);
    return ok;
}

/* work: 4 * steps doubles (x, mean, sd, best unit's SLI). */
static bool write_figures(const sasc_selectivity *s, const double *sli, const char *dir,
                          double *work, char *error, size_t error_size)
{
    size_t steps = (size_t)s->steps, units = (size_t)s->units;
    double *x = work, *mean = x + steps, *sd = mean + steps, *best = sd + steps;
    int unit = sasc_selectivity_most_selective(s, sli);
    for (size_t t = 0; t < steps; t++) {
        double m = 0.0, q = 0.0;
        for (size_t i = 0; i < units; i++)
            m += sli[t * units + i];
        m /= (double)units;
        for (size_t i = 0; i < units; i++)
            q += (sli[t * units + i] - m) * (sli[t * units + i] - m);
        x[t] = (double)(t + 1);
        mean[t] = m;
        sd[t] = units > 1 ? sqrt(q / (double)(units - 1)) : 0.0;
        best[t] = sli[t * units + (size_t)unit];
    }
    char best_label[64], title[128], path[8192];
    snprintf(best_label, sizeof best_label, "unit %d (most selective)", unit);
    snprintf(title, sizeof title, "Selectivity index of the recurrent units%s%s (%s)",
             s->tag[0] ? " of layer " : "", s->tag[0] ? s->program->layers[s->layer].name : "",
             s->kind);
    sasc_plot_series sli_series[2] = {{"mean over units (band: sd)", x, mean, sd, steps},
                                      {best_label, x, best, NULL, steps}};
    sasc_line_plot sli_plot = {title, "time step", "SLI (gbptt Eq. 15)", sli_series, 2,
                               SASC_SPREAD_BAND, 0, 0};
    out_file(s, dir, "selectivity", "svg", path, sizeof path);
    if (!sasc_plot_write_lines(&sli_plot, path, error, error_size))
        return false;
    snprintf(title, sizeof title, "Mean response of unit %d%s%s per %s", unit,
             s->tag[0] ? " of layer " : "", s->tag[0] ? s->program->layers[s->layer].name : "",
             s->kind);
    out_file(s, dir, "selectivity_unit", "svg", path, sizeof path);
    return sasc_selectivity_plot_unit(s, unit, title, path, error, error_size);
}

bool sasc_selectivity_write(const sasc_selectivity *s, const char *out_dir, char *error,
                            size_t error_size)
{
    size_t plane = (size_t)s->steps * (size_t)s->units, steps = (size_t)s->steps;
    double *sli = malloc(plane * sizeof *sli);
    double *means = malloc((size_t)s->classes * plane * sizeof *means);
    double *work = malloc(4 * steps * sizeof *work);
    int n = 0;
    bool ok = sli && means && work;
    if (!ok)
        snprintf(error, error_size, "out of memory for the selectivity analysis");
    else if (!(ok = sasc_selectivity_compute(s, sli, means, &n)))
        snprintf(error, error_size, "the selectivity index needs test trials of at least two classes");
    char path[8192];
    out_file(s, out_dir, "selectivity", "npy", path, sizeof path);
    ok = ok && sasc_make_directories(out_dir, error, error_size) &&
         write_csv(s, sli, means, n, out_dir, error, error_size) &&
         sasc_npy_write(path, sli, SASC_F64, s->steps, s->units, error, error_size);
    out_file(s, out_dir, "responses", "npy", path, sizeof path);
    ok = ok && sasc_npy_write(path, means, SASC_F64, n * s->steps, s->units, error, error_size) &&
         write_figures(s, sli, out_dir, work, error, error_size);
    free(sli);
    free(means);
    free(work);
    return ok;
}
