/*
 * histograms.c — the analysis "histograms": the distributions of pi, m, Xi
 * and of the connection entropy per group (gbp Figs. 3a-b), and heat maps
 * of the recurrent groups' matrices (gbptt Figs. 6, 16).
 */
#include "runtime/analyses/registry.h"
#include "runtime/analyses/statistics.h"
#include "runtime/support/output.h"
#include "runtime/support/plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

enum { HISTOGRAM_BINS = 50 };

/* ---- histograms (gbp Figs. 3a-b) ---- */

/* Values of quantity q of layer l: 0-2 the parameters, 3 the entropy. */
static const double *quantity_values(const sasc_analysis_context *c, const sasc_network_entropy *e,
                                     int q, int l)
{
    return q < 3 ? c->copy->values[l][q] : e->values[l][0];
}

static void quantity_range(const sasc_analysis_context *c, const sasc_network_entropy *e, int q,
                           double *low, double *high)
{
    *low = INFINITY;
    *high = -INFINITY;
    for (int l = 0; l < c->program->group_count; l++) {
        const double *v = quantity_values(c, e, q, l);
        for (size_t k = 0; v && k < sasc_group_connections(c->program, l); k++)
            if (isfinite(v[k])) {
                *low = fmin(*low, v[k]);
                *high = fmax(*high, v[k]);
            }
    }
    if (q == SASC_PI) {
        *low = 0;
        *high = 1;
    } else if (q == SASC_M) {
        double r = fmax(fabs(*low), fabs(*high));
        *low = -r;
        *high = r;
    } else if (q == SASC_XI) {
        *low = 0;
    }
    if (!(*high > *low)) {   /* one value (or none): a unit bin around it */
        double centre = isfinite(*low) ? *low : 0;
        *low = centre - 0.5;
        *high = centre + 0.5;
    }
}

/* Bin quantity q of every layer into `fractions` (layers x bins), append
 * the rows to histograms.csv, and draw one curve per layer. */
static bool histogram_quantity(sasc_analysis_context *c, const sasc_network_entropy *e, int q,
                               sasc_atomic_file *csv, double *edges, double *centres,
                               double *fractions, sasc_plot_series *series)
{
    static const char *const names[4] = {"pi", "m", "Xi", "entropy"};
    static const char *const titles[4] = {"Distribution of pi", "Distribution of m",
                                          "Distribution of Xi",
                                          "Distribution of the connection entropy"};
    const sasc_program *p = c->program;
    double low, high;
    quantity_range(c, e, q, &low, &high);
    for (int l = 0; l < p->group_count; l++) {
        double *counts = fractions + (size_t)l * HISTOGRAM_BINS;
        size_t n = sasc_group_connections(p, l);
        const double *v = quantity_values(c, e, q, l);
        double *zeros = v ? NULL : calloc(n + 1, sizeof *zeros);
        if (!v && !zeros)
            return sasc_analysis_oom(c, "histograms");
        sasc_plot_bin(v ? v : zeros, n, low, high, HISTOGRAM_BINS, edges, counts);
        free(zeros);
        for (size_t b = 0; b < HISTOGRAM_BINS; b++) {
            sasc_atomic_printf(csv, "%s,%s,", names[q], p->groups[l].name);
            sasc_atomic_number(csv, edges[b]);
            sasc_atomic_printf(csv, ",");
            sasc_atomic_number(csv, edges[b + 1]);
            sasc_atomic_printf(csv, ",%.0f,", counts[b]);
            counts[b] /= (double)n;
            sasc_atomic_number(csv, counts[b]);
            sasc_atomic_printf(csv, "\n");
            centres[b] = 0.5 * (edges[b] + edges[b + 1]);
        }
        series[l] = (sasc_plot_series){p->groups[l].name, centres, counts, NULL, HISTOGRAM_BINS};
    }
    char file[64], path[8192];
    snprintf(file, sizeof file, "histogram_%s.svg", names[q]);
    sasc_analysis_path(c, file, path, sizeof path);
    sasc_line_plot plot = {titles[q], q == 3 ? "connection entropy S" : names[q],
                           "fraction of connections per bin", series, (size_t)p->group_count,
                           SASC_SPREAD_NONE, 0, 0};
    return sasc_plot_write_lines(&plot, path, c->error, c->error_size);
}

static bool write_histograms(sasc_analysis_context *c, const sasc_network_entropy *e)
{
    size_t layers = (size_t)c->program->group_count;
    double *edges = malloc((HISTOGRAM_BINS + 1) * sizeof *edges);
    double *centres = malloc(HISTOGRAM_BINS * sizeof *centres);
    double *fractions = malloc(layers * HISTOGRAM_BINS * sizeof *fractions + 1);
    sasc_plot_series *series = calloc(layers + 1, sizeof *series);
    char path[8192];
    sasc_analysis_path(c, "histograms.csv", path, sizeof path);
    sasc_atomic_file csv;
    bool ok = edges && centres && fractions && series;
    if (!ok)
        sasc_analysis_oom(c, "histograms");
    else if ((ok = sasc_atomic_open(&csv, path, c->error, c->error_size))) {
        sasc_atomic_printf(&csv, "quantity,layer,bin_low,bin_high,count,fraction\n");
        for (int q = 0; ok && q < 4; q++)
            ok = histogram_quantity(c, e, q, &csv, edges, centres, fractions, series);
        if (ok)
            ok = sasc_atomic_commit(&csv, c->error, c->error_size);
        else
            sasc_atomic_abort(&csv);
    }
    free(edges);
    free(centres);
    free(fractions);
    free(series);
    return ok;
}

/* ---- matrices of recurrent groups (gbptt Figs. 6, 16) ---- */

/* Heat maps of pi, m, Xi of every recurrent group (SASC_GROUP_RECURRENT:
 * units x units, never a dense group that happens to be square), element
 * (i, j) the link from unit j to unit i (the papers' convention; the
 * buffers store the source j as the row). */
static bool write_matrices(sasc_analysis_context *c)
{
    static const char *const names[3] = {"pi", "m", "Xi"};
    bool ok = true;
    for (int l = 0; ok && l < c->program->group_count; l++) {
        if (c->program->groups[l].kind != SASC_GROUP_RECURRENT)
            continue;
        size_t n = (size_t)c->program->groups[l].width;
        double *matrix = malloc(n * n * sizeof *matrix);
        if (!matrix)
            return sasc_analysis_oom(c, "the matrix figures");
        for (int k = 0; ok && k < 3; k++) {
            const double *v = c->copy->values[l][k];
            for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < n; j++)
                    matrix[i * n + j] = v ? v[j * n + i] : 0.0;
            char title[256], file[256], path[8192];
            snprintf(title, sizeof title, "%s of layer %s (row i, column j: the link j -> i)",
                     names[k], c->program->groups[l].name);
            snprintf(file, sizeof file, "matrix_%s_%s.svg", c->program->groups[l].name, names[k]);
            sasc_analysis_path(c, file, path, sizeof path);
            sasc_heatmap_plot plot = {title, "presynaptic unit j", "postsynaptic unit i", names[k],
                                      matrix, n, n, k == SASC_PI, 0, 1, 0, 0};
            ok = sasc_plot_write_heatmap(&plot, path, c->error, c->error_size);
        }
        free(matrix);
    }
    return ok;
}

static bool run_histograms(sasc_analysis_context *c)
{
    sasc_network_entropy e;
    if (!sasc_network_entropy_compute(c->program, c->task, c->copy, &e, c->error, c->error_size))
        return false;
    bool ok = write_histograms(c, &e) && write_matrices(c);
    sasc_network_entropy_free(&e);
    return ok;
}

const sasc_analysis_desc sasc_analysis_histograms = {
    .name = "histograms",
    .summary = "pi, m, Xi and entropy distributions per group; recurrent\n"
               "groups also get heat maps of pi, m and Xi",
    .outputs = "histograms.csv, histogram_pi.svg, histogram_m.svg, histogram_Xi.svg, "
               "histogram_entropy.svg; recurrent groups: matrix_GROUP_pi.svg, matrix_GROUP_m.svg, "
               "matrix_GROUP_Xi.svg",
    .when = SASC_AFTER_TRAINING | SASC_ON_SAVED_RUN,
    .in_all = true,
    .run = run_histograms,
};
