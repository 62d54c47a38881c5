/*
 * analyze.c — analyses of a trained ensemble: histograms, per-connection
 * entropy and layer summary, targeted weight perturbation, and the
 * training-set-size sweep (see analyze.h).
 */
#include "runtime/analyses/saved_run.h"
#include "runtime/analyses/during_training.h"
#include "runtime/analyses/entropy.h"
#include "runtime/ensemble/dynamic.h"
#include "runtime/support/input_file.h"
#include "runtime/support/npy.h"
#include "runtime/support/output.h"
#include "runtime/support/plot.h"
#include "runtime/support/rng.h"
#include "runtime/analyses/selectivity.h"
#include "runtime/data/msi.h"
#include "runtime/analyses/msi_selectivity.h"
#include "runtime/analyses/psychometric.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { HISTOGRAM_BINS = 50 };

typedef struct {
    const sasc_program *program;
    const sasc_task *task;
    void *const *buffers;
    const char *out;
    sasc_accuracy_fn accuracy;
    void *context;
    sasc_parameter_copy copy;      /* the trained parameters */
    char *error;
    size_t error_size;
    const char *parameter_dir;     /* the run's saved parameters (the dynamic network's session) */
} analysis_context;

static bool oom(analysis_context *c, const char *what)
{
    snprintf(c->error, c->error_size, "out of memory computing %s", what);
    return false;
}

static size_t connections(const sasc_program *p, int layer)
{
    return (size_t)p->groups[layer].fan_in * (size_t)p->groups[layer].width;
}

static void out_file(const analysis_context *c, const char *file, char *path, size_t size)
{
    snprintf(path, size, "%s/%s", c->out, file);
}

/* Per-connection entropy of every layer: entropy[l][part] (part 0 total, 1 pi, 2 Xi). */
typedef struct {
    double *(*values)[3];
    sasc_layer_statistics *stats;
    int layer_count;
} network_entropy;

static void network_entropy_free(network_entropy *e)
{
    for (int l = 0; e->values && l < e->layer_count; l++)
        for (int k = 0; k < 3; k++)
            free(e->values[l][k]);
    free(e->values);
    free(e->stats);
}

static bool network_entropy_compute(analysis_context *c, network_entropy *e)
{
    const sasc_program *p = c->program;
    e->layer_count = p->group_count;
    e->values = calloc((size_t)p->group_count + 1, sizeof *e->values);
    e->stats = calloc((size_t)p->group_count + 1, sizeof *e->stats);
    if (!e->values || !e->stats)
        return oom(c, "the entropy");
    for (int l = 0; l < p->group_count; l++) {
        size_t n = connections(p, l);
        for (int k = 0; k < 3; k++)
            if (!(e->values[l][k] = malloc(n * sizeof(double))))
                return oom(c, "the entropy");
        if (!sasc_program_layer_statistics(p, c->task, &c->copy, l, &e->stats[l], e->values[l],
                                           c->error, c->error_size))
            return false;
    }
    return true;
}

/* ---- histograms (gbp Figs. 3a-b) ---- */

/* Values of quantity q of layer l: 0-2 the parameters, 3 the entropy. */
static const double *quantity_values(const analysis_context *c, const network_entropy *e,
                                     int q, int l)
{
    return q < 3 ? c->copy.values[l][q] : e->values[l][0];
}

static void quantity_range(const analysis_context *c, const network_entropy *e, int q,
                           double *low, double *high)
{
    *low = INFINITY;
    *high = -INFINITY;
    for (int l = 0; l < c->program->group_count; l++) {
        const double *v = quantity_values(c, e, q, l);
        for (size_t k = 0; v && k < connections(c->program, l); k++)
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
static bool histogram_quantity(analysis_context *c, const network_entropy *e, int q,
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
        size_t n = connections(p, l);
        const double *v = quantity_values(c, e, q, l);
        double *zeros = v ? NULL : calloc(n + 1, sizeof *zeros);
        if (!v && !zeros)
            return oom(c, "histograms");
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
    out_file(c, file, path, sizeof path);
    sasc_line_plot plot = {titles[q], q == 3 ? "connection entropy S" : names[q],
                           "fraction of connections per bin", series, (size_t)p->group_count,
                           SASC_SPREAD_NONE, 0, 0};
    return sasc_plot_write_lines(&plot, path, c->error, c->error_size);
}

static bool write_histograms(analysis_context *c, const network_entropy *e)
{
    size_t layers = (size_t)c->program->group_count;
    double *edges = malloc((HISTOGRAM_BINS + 1) * sizeof *edges);
    double *centres = malloc(HISTOGRAM_BINS * sizeof *centres);
    double *fractions = malloc(layers * HISTOGRAM_BINS * sizeof *fractions + 1);
    sasc_plot_series *series = calloc(layers + 1, sizeof *series);
    char path[8192];
    out_file(c, "histograms.csv", path, sizeof path);
    sasc_atomic_file csv;
    bool ok = edges && centres && fractions && series;
    if (!ok)
        oom(c, "histograms");
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

/* ---- matrices of square (recurrent) layers (gbptt Figs. 6, 16) ---- */

static bool is_square(const sasc_program *p, int layer)
{
    return p->groups[layer].fan_in == p->groups[layer].width && p->groups[layer].width > 1;
}

/* Heat maps of pi, m, Xi with element (i, j) the link from unit j to unit i
 * (the papers' convention; the buffers store the source j as the row). */
static bool write_matrices(analysis_context *c)
{
    static const char *const names[3] = {"pi", "m", "Xi"};
    bool ok = true;
    for (int l = 0; ok && l < c->program->group_count; l++) {
        if (!is_square(c->program, l))
            continue;
        size_t n = (size_t)c->program->groups[l].width;
        double *matrix = malloc(n * n * sizeof *matrix);
        if (!matrix)
            return oom(c, "the matrix figures");
        for (int k = 0; ok && k < 3; k++) {
            const double *v = c->copy.values[l][k];
            for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < n; j++)
                    matrix[i * n + j] = v ? v[j * n + i] : 0.0;
            char title[256], file[256], path[8192];
            snprintf(title, sizeof title, "%s of layer %s (row i, column j: the link j -> i)",
                     names[k], c->program->groups[l].name);
            snprintf(file, sizeof file, "matrix_%s_%s.svg", c->program->groups[l].name, names[k]);
            out_file(c, file, path, sizeof path);
            sasc_heatmap_plot plot = {title, "presynaptic unit j", "postsynaptic unit i", names[k],
                                      matrix, n, n, k == SASC_PI, 0, 1, 0, 0};
            ok = sasc_plot_write_heatmap(&plot, path, c->error, c->error_size);
        }
        free(matrix);
    }
    return ok;
}

/* ---- statistics of the dynamic network along time (gbptt Figs. 9, 18) ---- */

/* Fraction of zero weights and eta = mean(w_ij w_ji) / mean(w_ij^2) over the
 * reciprocal pairs i != j, of one n x n weight matrix stored source-major. */
void sasc_reciprocity(const double *w, size_t n, double *zero_fraction, double *eta)
{
    size_t zeros = 0;
    double products = 0, squares = 0;
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < n; i++) {
            double wij = w[j * n + i];
            zeros += wij == 0.0;
            if (i < j) {
                double wji = w[i * n + j];
                products += wij * wji;
                squares += 0.5 * (wij * wij + wji * wji);
            }
        }
    *zero_fraction = (double)zeros / (double)(n * n);
    *eta = squares > 0 ? products / squares : NAN;
}

/* A network resampled at every step draws its weights afresh at each step
 * from the same distribution, so the statistics of W(t) along a trial are
 * those of `dynamic_steps` independent draws; computed here without running
 * the network. */
static bool run_dynamics(analysis_context *c)
{
    const sasc_program *p = c->program;
    int steps = c->task->dynamic_steps;
    char path[8192];
    out_file(c, "dynamics.csv", path, sizeof path);
    size_t square = 0;
    for (int l = 0; l < p->group_count; l++)
        square += is_square(p, l);
    if (square == 0) {
        snprintf(c->error, c->error_size, "the dynamics analysis needs a recurrent (square) layer");
        return false;
    }
    double *w = malloc(sasc_largest_layer(p) * sizeof *w);
    double *data = malloc((2 * square + 1) * (size_t)steps * sizeof *data);
    sasc_plot_series *zeros = calloc(square, sizeof *zeros), *etas = calloc(square, sizeof *etas);
    sasc_atomic_file f;
    bool ok = w && data && zeros && etas ? sasc_atomic_open(&f, path, c->error, c->error_size)
                                         : oom(c, "the dynamics");
    if (ok)
        sasc_atomic_printf(&f, "layer,step,zero_fraction,eta\n");
    double *x = data + 2 * square * (size_t)steps;
    for (int l = 0, s = 0; ok && l < p->group_count; l++) {
        if (!is_square(p, l))
            continue;
        double *zero = data + 2 * (size_t)s * (size_t)steps, *eta = zero + steps;
        for (int t = 0; t < steps; t++) {
            sasc_sample_weights(p, &c->copy, l, c->task->seed, (uint64_t)t, w);
            sasc_reciprocity(w, (size_t)p->groups[l].width, &zero[t], &eta[t]);
            x[t] = t + 1;
            sasc_atomic_printf(&f, "%s,%d,", p->groups[l].name, t + 1);
            sasc_atomic_number(&f, zero[t]);
            sasc_atomic_printf(&f, ",");
            sasc_atomic_number(&f, eta[t]);
            sasc_atomic_printf(&f, "\n");
        }
        zeros[s] = (sasc_plot_series){p->groups[l].name, x, zero, NULL, (size_t)steps};
        etas[s++] = (sasc_plot_series){p->groups[l].name, x, eta, NULL, (size_t)steps};
    }
    ok = ok && sasc_atomic_commit(&f, c->error, c->error_size);
    char zeros_path[8192], eta_path[8192];
    out_file(c, "dynamics_zeros.svg", zeros_path, sizeof zeros_path);
    out_file(c, "dynamics_eta.svg", eta_path, sizeof eta_path);
    sasc_line_plot zero_plot = {"Fraction of zero weights of the dynamic network", "time step",
                                "fraction of zero weights", zeros, square, SASC_SPREAD_NONE, 0, 0};
    sasc_line_plot eta_plot = {"Asymmetry of the dynamic network", "time step",
                               "eta = mean(w_ij w_ji) / mean(w_ij^2)", etas, square,
                               SASC_SPREAD_NONE, 0, 0};
    ok = ok && sasc_plot_write_lines(&zero_plot, zeros_path, c->error, c->error_size) &&
         sasc_plot_write_lines(&eta_plot, eta_path, c->error, c->error_size);
    free(w);
    free(data);
    free(zeros);
    free(etas);
    return ok;
}

/* ---- test accuracy of the dynamic network (gbptt Sec. III A end, Sec. III B end) ---- */

static bool write_dynamic_accuracy(analysis_context *c, const sasc_dynamic_accuracies *a,
                                   const double *sampled, const double *dynamic)
{
    char path[8192];
    out_file(c, "dynamics_accuracy.csv", path, sizeof path);
    sasc_atomic_file f;
    if (!sasc_atomic_open(&f, path, c->error, c->error_size))
        return false;
    sasc_atomic_printf(&f, "network,kind,test_accuracy\n0,mean_field,");
    sasc_atomic_number(&f, a->mean_field);
    const char *const kinds[2] = {"sampled", "dynamic"};
    const double *values[2] = {sampled, dynamic};
    const int counts[2] = {c->task->sampled_networks, c->task->dynamic_networks};
    for (int k = 0; k < 2; k++)
        for (int n = 0; n < counts[k]; n++) {
            sasc_atomic_printf(&f, "\n%d,%s,", n + 1, kinds[k]);
            sasc_atomic_number(&f, values[k][n]);
        }
    sasc_atomic_printf(&f, "\n");
    return sasc_atomic_commit(&f, c->error, c->error_size);
}

/* Each network's accuracy against its number, the mean-field network as a level line. */
static bool plot_dynamic_accuracy(analysis_context *c, const sasc_dynamic_accuracies *a,
                                  const double *sampled, const double *dynamic)
{
    int most = c->task->sampled_networks > c->task->dynamic_networks ? c->task->sampled_networks
                                                                    : c->task->dynamic_networks;
    double *x = malloc(((size_t)most + 2) * sizeof *x);
    if (!x)
        return oom(c, "the dynamic network's figure");
    for (int n = 0; n < most; n++)
        x[n] = n + 1;
    double level_x[2] = {1, most > 1 ? most : 2}, level[2] = {a->mean_field, a->mean_field};
    char labels[3][128];
    snprintf(labels[0], sizeof labels[0], "resampled every step: %.4f +- %.4f", a->dynamic_mean,
             a->dynamic_sd);
    snprintf(labels[1], sizeof labels[1], "sampled once: %.4f +- %.4f", a->sampled_mean, a->sampled_sd);
    snprintf(labels[2], sizeof labels[2], "mean field (eps = 0): %.4f", a->mean_field);
    sasc_plot_series series[3] = {
        {labels[0], x, dynamic, NULL, (size_t)c->task->dynamic_networks},
        {labels[1], x, sampled, NULL, (size_t)c->task->sampled_networks},
        {labels[2], level_x, level, NULL, 2},
    };
    char path[8192];
    out_file(c, "dynamics_accuracy.svg", path, sizeof path);
    sasc_line_plot plot = {"Test accuracy of the network resampled at every time step", "network",
                           "test accuracy", series, 3, SASC_SPREAD_NONE, 0, 0};
    bool ok = sasc_plot_write_lines(&plot, path, c->error, c->error_size);
    free(x);
    return ok;
}

/* The dynamic, sampled and mean-field networks run by predict_dynamic in a
 * session of their own (the same test trials and noise as the run's test
 * accuracy), from the run's saved parameters. */
static bool run_dynamic_accuracy(analysis_context *c)
{
    const sasc_program *p = c->program;
    if (!sasc_program_kernel(p, SASC_KERNEL_PREDICT_DYNAMIC) || c->task->dynamic_networks < 1)
        return true;   /* docs/analyses.md: dynamic_networks = 0 skips it */
    sasc_kernel_desc kernels[SASC_KERNEL_ROLE_COUNT];
    sasc_program program = sasc_dynamic_program(p, kernels);
    double *sampled = calloc((size_t)c->task->sampled_networks + 1, sizeof *sampled);
    double *dynamic = calloc((size_t)c->task->dynamic_networks + 1, sizeof *dynamic);
    sasc_session *session = sampled && dynamic
        ? sasc_session_open(&program, c->task, c->parameter_dir, SASC_SESSION_PARAMETERS, c->error,
                            c->error_size) : NULL;
    sasc_dynamic_accuracies a;
    bool ok = session && sasc_dynamic_accuracy(&program, sasc_session_buffers(session), &c->copy,
                                                c->task, sasc_session_accuracy, session, &a, sampled,
                                                dynamic, c->error, c->error_size);
    if (!sampled || !dynamic)
        oom(c, "the dynamic network's accuracy");
    ok = ok && write_dynamic_accuracy(c, &a, sampled, dynamic) &&
         plot_dynamic_accuracy(c, &a, sampled, dynamic);
    if (ok)
        printf("test accuracy: mean field (eps = 0) %.4f; %d networks sampled once %.4f +- %.4f; "
               "%d networks resampled every step %.4f +- %.4f\n", a.mean_field,
               c->task->sampled_networks, a.sampled_mean, a.sampled_sd, c->task->dynamic_networks,
               a.dynamic_mean, a.dynamic_sd);
    sasc_session_close(session);
    free(sampled);
    free(dynamic);
    return ok;
}

/* ---- per-connection entropy and the layer summary (gbp Figs. 2b inset, 3c, 4b) ---- */

static bool write_entropy_npy(analysis_context *c, const network_entropy *e)
{
    static const char *const parts[3] = {"entropy", "entropy_pi", "entropy_xi"};
    const sasc_program *p = c->program;
    for (int l = 0; l < p->group_count; l++)
        for (int k = 0; k < 3; k++) {
            char file[256], path[8192];
            snprintf(file, sizeof file, "%s.%s.npy", p->groups[l].name, parts[k]);
            out_file(c, file, path, sizeof path);
            if (!sasc_npy_write(path, e->values[l][k], SASC_F64, p->groups[l].fan_in,
                                p->groups[l].width, c->error, c->error_size))
                return false;
        }
    return true;
}

static bool write_layers_csv(analysis_context *c, const network_entropy *e)
{
    char path[8192];
    out_file(c, "layers.csv", path, sizeof path);
    sasc_atomic_file f;
    if (!sasc_atomic_open(&f, path, c->error, c->error_size))
        return false;
    sasc_atomic_printf(&f, "layer,index,connections,sparsity,entropy,entropy_pi,entropy_xi,vip,uip,"
                       "sparsity_i_lt_j,sparsity_i_gt_j\n");
    for (int l = 0; l < c->program->group_count; l++) {
        const sasc_layer_statistics *s = &e->stats[l];
        double values[] = {s->sparsity, s->entropy, s->entropy_pi, s->entropy_xi, s->vip, s->uip,
                           s->sparsity_i_lt_j, s->sparsity_i_gt_j};
        sasc_atomic_printf(&f, "%s,%d,%zu", c->program->groups[l].name, l + 1, s->connections);
        for (size_t k = 0; k < sizeof values / sizeof values[0]; k++) {
            sasc_atomic_printf(&f, ",");
            sasc_atomic_number(&f, values[k]);
        }
        sasc_atomic_printf(&f, "\n");
    }
    return sasc_atomic_commit(&f, c->error, c->error_size);
}

/* One figure against the layer index: `count` curves of layer_count values. */
static bool write_layer_index_figure(analysis_context *c, const char *file, const char *title,
                                     const char *y_label, const sasc_plot_series *series,
                                     size_t count)
{
    char path[8192];
    out_file(c, file, path, sizeof path);
    sasc_line_plot plot = {title, "layer (connections into it, from the input)", y_label, series,
                           count, SASC_SPREAD_NONE, 0, 0};
    return sasc_plot_write_lines(&plot, path, c->error, c->error_size);
}

static bool write_layer_figures(analysis_context *c, const network_entropy *e)
{
    size_t n = (size_t)c->program->group_count;
    double *data = malloc((6 * n + 1) * sizeof *data);
    if (!data)
        return oom(c, "the layer figures");
    double *x = data, *entropy = data + n, *sparsity = data + 2 * n, *vip = data + 3 * n,
           *uip = data + 4 * n, *pi_part = data + 5 * n;
    for (size_t l = 0; l < n; l++) {
        x[l] = (double)(l + 1);
        entropy[l] = e->stats[l].entropy;
        sparsity[l] = e->stats[l].sparsity;
        vip[l] = e->stats[l].vip;
        uip[l] = e->stats[l].uip;
        pi_part[l] = e->stats[l].entropy_pi;
    }
    sasc_plot_series entropies[] = {{"entropy", x, entropy, NULL, n},
                                    {"pi-entropy", x, pi_part, NULL, n}};
    sasc_plot_series sparsities[] = {{"sparsity", x, sparsity, NULL, n}};
    sasc_plot_series fractions[] = {{"VIP", x, vip, NULL, n}, {"UIP", x, uip, NULL, n}};
    bool ok = write_layer_index_figure(c, "entropy_layers.svg", "Entropy per connection by layer",
                                       "entropy per connection", entropies, 2) &&
              write_layer_index_figure(c, "sparsity_layers.svg", "Sparsity per connection by layer",
                                       "sparsity (mean pi)", sparsities, 1) &&
              write_layer_index_figure(c, "vip_uip_layers.svg", "Fractions of VIP and UIP weights",
                                       "fraction of connections", fractions, 2);
    free(data);
    return ok;
}

static void print_layer_table(const analysis_context *c, const network_entropy *e)
{
    sasc_entropy_formula formula = sasc_entropy_formula_of_program(c->task->entropy_formula,
                                                                   c->program);
    printf("entropy: %s (entropy_formula = %s)\n",
           formula == SASC_ENTROPY_FORMULA_GBP_EQ8 ? "gbp Eq. 8" : "gbptt Eq. 14",
           sasc_task_choice_name("entropy_formula", c->task->entropy_formula));
    printf("%-12s %12s %10s %10s %10s %10s %8s %8s\n", "layer", "connections", "sparsity",
           "entropy", "S_pi", "S_Xi", "VIP", "UIP");
    for (int l = 0; l < c->program->group_count; l++) {
        const sasc_layer_statistics *s = &e->stats[l];
        printf("%-12s %12zu %10.4g %10.4g %10.4g %10.4g %8.4f %8.4f\n", c->program->groups[l].name,
               s->connections, s->sparsity, s->entropy, s->entropy_pi, s->entropy_xi, s->vip,
               s->uip);
    }
}

/* ---- targeted weight perturbation (gbp Fig. 4a, gbptt Figs. 7a, 17a) ---- */

enum { VIP_OFF, RANDOM_OFF, UIP_ON, CONDITIONS };
static const char *const condition_names[CONDITIONS] = {"vip_off", "random_off", "uip_on"};
static const char *const condition_labels[CONDITIONS] = {
    "VIP weights turned off", "random weights turned off (same number)",
    "UIP weights turned on, N(0,1)"};

/* `count` distinct entries of `pool` (n entries) chosen uniformly, moved to
 * its front by a partial Fisher-Yates shuffle on the given stream. */
static void choose(size_t *pool, size_t n, size_t count, uint64_t seed, uint64_t stream,
                   uint64_t counter)
{
    for (size_t i = 0; i < count && i < n; i++) {
        double u;
        sasc_rng_uniforms(seed, stream, counter + i, &u, 1);
        size_t j = i + (size_t)(u * (double)(n - i));   /* u < 1: j < n */
        size_t swap = pool[i];
        pool[i] = pool[j];
        pool[j] = swap;
    }
}

typedef struct {
    size_t *vip, *uip, *all;       /* indices of the layer's connections by class */
    size_t vip_count, uip_count, n;
    double *sampled;               /* the layer's weights in the sampled network */
    double *w;                     /* the perturbed weights */
} layer_pools;

static void pools_free(layer_pools *pools)
{
    free(pools->vip);
    free(pools->uip);
    free(pools->all);
    free(pools->sampled);
    free(pools->w);
}

static bool pools_build(analysis_context *c, int layer, layer_pools *pools)
{
    size_t n = connections(c->program, layer);
    *pools = (layer_pools){.n = n};
    pools->vip = malloc(n * sizeof(size_t));
    pools->uip = malloc(n * sizeof(size_t));
    pools->all = malloc(n * sizeof(size_t));
    pools->sampled = malloc(n * sizeof(double));
    pools->w = malloc(n * sizeof(double));
    if (!pools->vip || !pools->uip || !pools->all || !pools->sampled || !pools->w)
        return oom(c, "the perturbation");
    double *const *v = c->copy.values[layer];
    for (size_t k = 0; k < n; k++) {
        sasc_connection_class cls = sasc_classify_connection(
            c->task, v[SASC_PI] ? v[SASC_PI][k] : 0, v[SASC_M] ? v[SASC_M][k] : 0,
            v[SASC_XI] ? v[SASC_XI][k] : 0);
        if (cls == SASC_CONNECTION_VIP)
            pools->vip[pools->vip_count++] = k;
        else if (cls == SASC_CONNECTION_UIP)
            pools->uip[pools->uip_count++] = k;
        pools->all[k] = k;
    }
    return true;
}

/* Test error with `condition` applied to `fraction` of the layer's pool, on
 * the sampled network of repetition `rep` (already in the other layers). */
static double perturbed_error(analysis_context *c, int layer, layer_pools *pools, int condition,
                              int step, int rep)
{
    const sasc_task *t = c->task;
    double fraction = (double)step / (double)t->perturb_steps;
    size_t vip_number = (size_t)llround(fraction * (double)pools->vip_count);
    size_t *pool = condition == UIP_ON    ? pools->uip
                   : condition == VIP_OFF ? pools->vip
                                          : pools->all;
    size_t pool_size = condition == UIP_ON ? pools->uip_count
                       : condition == VIP_OFF ? pools->vip_count : pools->n;
    size_t count = condition == UIP_ON ? (size_t)llround(fraction * (double)pools->uip_count)
                                       : vip_number;
    uint64_t stream = ((uint64_t)SASC_PERTURB_PURPOSE << 56) | ((uint64_t)layer << 32) |
                      ((uint64_t)condition << 24) | (uint64_t)rep;
    uint64_t counter = (uint64_t)step << 40;
    choose(pool, pool_size, count, t->seed, stream, counter);
    memcpy(pools->w, pools->sampled, pools->n * sizeof *pools->w);
    for (size_t i = 0; i < count; i++) {
        double value = 0.0;
        if (condition == UIP_ON)
            sasc_rng_normals(t->seed, stream, counter + ((uint64_t)1 << 32) + i, &value, 1);
        pools->w[pool[i]] = value;
    }
    sasc_set_deterministic_layer(c->program, c->buffers, layer, pools->w);
    return 1.0 - c->accuracy(c->context);
}

/* errors[(condition * points + step) * reps + rep]: every repetition samples
 * one network (draw = rep) and applies every condition and fraction to it, so
 * the three curves differ by the perturbation, not by the sampling. */
static void measure_perturbation(analysis_context *c, int layer, layer_pools *pools,
                                 double *errors, double *scratch)
{
    const sasc_task *t = c->task;
    size_t points = (size_t)t->perturb_steps + 1, reps = (size_t)t->perturb_repeats;
    for (size_t rep = 0; rep < reps; rep++) {
        sasc_sample_network(c->program, c->buffers, &c->copy, t->seed, rep, scratch);
        sasc_sample_weights(c->program, &c->copy, layer, t->seed, rep, pools->sampled);
        for (int condition = 0; condition < CONDITIONS; condition++)
            for (size_t step = 0; step < points; step++)
                errors[(condition * points + step) * reps + rep] =
                    perturbed_error(c, layer, pools, condition, (int)step, (int)rep);
    }
    sasc_parameters_restore(c->program, c->buffers, &c->copy);
}

static bool write_perturbation(analysis_context *c, int layer, const layer_pools *pools,
                               const double *errors, sasc_atomic_file *csv)
{
    const sasc_task *t = c->task;
    size_t points = (size_t)t->perturb_steps + 1, reps = (size_t)t->perturb_repeats;
    double *data = malloc((CONDITIONS * 2 + 1) * points * sizeof *data);
    if (!data)
        return oom(c, "the perturbation figure");
    double *x = data + CONDITIONS * 2 * points;
    sasc_plot_series series[CONDITIONS];
    for (int condition = 0; condition < CONDITIONS; condition++) {
        double *mean = data + 2 * condition * points, *sd = mean + points;
        size_t pool = condition == UIP_ON ? pools->uip_count : pools->vip_count;
        for (size_t step = 0; step < points; step++) {
            x[step] = (double)step / (double)t->perturb_steps;
            sasc_mean_sd(errors + (condition * points + step) * reps, reps, &mean[step], &sd[step]);
            sasc_atomic_printf(csv, "%s,%s,", c->program->groups[layer].name,
                               condition_names[condition]);
            sasc_atomic_number(csv, x[step]);
            sasc_atomic_printf(csv, ",%lld,%zu,", llround(x[step] * (double)pool), pool);
            sasc_atomic_number(csv, mean[step]);
            sasc_atomic_printf(csv, ",");
            sasc_atomic_number(csv, sd[step]);
            sasc_atomic_printf(csv, ",%zu\n", reps);
        }
        series[condition] = (sasc_plot_series){condition_labels[condition], x, mean, sd, points};
    }
    char title[256], file[256], path[8192];
    snprintf(title, sizeof title,
             "Targeted weight perturbation of layer %s (%zu VIP, %zu UIP of %zu)",
             c->program->groups[layer].name, pools->vip_count, pools->uip_count, pools->n);
    snprintf(file, sizeof file, "perturbation_%s.svg", c->program->groups[layer].name);
    out_file(c, file, path, sizeof path);
    sasc_line_plot plot = {title, "fraction of the VIP (UIP) weights perturbed",
                           "test error of sampled networks", series, CONDITIONS,
                           SASC_SPREAD_ERROR_BARS, 0, 0};
    bool ok = sasc_plot_write_lines(&plot, path, c->error, c->error_size);
    free(data);
    return ok;
}

static bool perturb_layer(analysis_context *c, int layer, sasc_atomic_file *csv)
{
    const sasc_task *t = c->task;
    size_t points = (size_t)t->perturb_steps + 1, reps = (size_t)t->perturb_repeats;
    layer_pools pools = {0};
    double *errors = malloc(CONDITIONS * points * reps * sizeof *errors);
    double *scratch = malloc(sasc_largest_layer(c->program) * sizeof *scratch);
    bool ok = errors && scratch ? pools_build(c, layer, &pools) : oom(c, "the perturbation");
    if (ok)
        measure_perturbation(c, layer, &pools, errors, scratch);
    ok = ok && write_perturbation(c, layer, &pools, errors, csv);
    pools_free(&pools);
    free(errors);
    free(scratch);
    return ok;
}

/* Walk a comma list: the next item and its length; false at the end. */
static bool next_item(const char **position, const char **item, size_t *length)
{
    if (!**position)
        return false;
    const char *end = strchr(*position, ',');
    *item = *position;
    *length = end ? (size_t)(end - *position) : strlen(*position);
    *position += *length + (end != NULL);
    return true;
}

static bool item_is(const char *item, size_t length, const char *name)
{
    return strlen(name) == length && strncmp(item, name, length) == 0;
}

/* Is `name` an item of the comma list `list`? */
static bool list_contains(const char *list, const char *name)
{
    const char *item;
    size_t length;
    for (const char *p = list; next_item(&p, &item, &length);)
        if (item_is(item, length, name))
            return true;
    return false;
}

static bool check_layer_list(analysis_context *c)
{
    const char *item;
    size_t length;
    for (const char *p = c->task->perturb_layers; next_item(&p, &item, &length);) {
        bool found = false;
        for (int l = 0; l < c->program->group_count; l++)
            found = found || item_is(item, length, c->program->groups[l].name);
        if (!found) {
            snprintf(c->error, c->error_size, "perturb_layers names '%.*s', which is not a layer",
                     (int)length, item);
            return false;
        }
    }
    return true;
}

static bool run_perturbation(analysis_context *c)
{
    if (!check_layer_list(c))
        return false;
    char path[8192];
    out_file(c, "perturbation.csv", path, sizeof path);
    sasc_atomic_file csv;
    if (!sasc_atomic_open(&csv, path, c->error, c->error_size))
        return false;
    sasc_atomic_printf(&csv, "layer,condition,fraction,count,pool,test_error_mean,"
                             "test_error_sd,repeats\n");
    bool ok = true;
    for (int l = 0; ok && l < c->program->group_count; l++)
        if (!c->task->perturb_layers[0] || list_contains(c->task->perturb_layers,
                                                         c->program->groups[l].name))
            ok = perturb_layer(c, l, &csv);
    if (!ok) {
        sasc_atomic_abort(&csv);
        return false;
    }
    return sasc_atomic_commit(&csv, c->error, c->error_size);
}

/* ---- dispatch ---- */

static const char *const list_items[] = {"histograms", "entropy", "perturbation", "dynamics"};

static bool check_list(const char *list, bool allow_train_size, char *error, size_t error_size)
{
    const char *item;
    size_t length;
    for (const char *p = list; next_item(&p, &item, &length);) {
        bool known = allow_train_size &&
                     (item_is(item, length, "train_size") || item_is(item, length, "all") ||
                      item_is(item, length, "selectivity") ||
                      item_is(item, length, "psychometric"));
        for (size_t k = 0; k < sizeof list_items / sizeof list_items[0]; k++)
            known = known || item_is(item, length, list_items[k]);
        if (!known) {
            snprintf(error, error_size, "unknown analysis '%.*s'; the analyses are histograms, "
                     "entropy, perturbation, dynamics%s", (int)length, item,
                     allow_train_size ? ", selectivity, psychometric, train_size and all" : "");
            return false;
        }
    }
    return true;
}

bool sasc_analyze_check(const sasc_program *program, const sasc_task *task, char *error,
                        size_t error_size)
{
    analysis_context c = {.program = program, .task = task, .error = error,
                          .error_size = error_size};
    return check_list(task->analyze, false, error, error_size) && check_layer_list(&c);
}

/* sasc_analyze_list with the run's saved parameters in `parameter_dir`. */
static bool analyze_items(const sasc_program *program, const sasc_task *task, void *const *buffers,
                          const char *list, const char *out_dir, const char *parameter_dir,
                          sasc_accuracy_fn accuracy, void *context, char *error, size_t error_size)
{
    if (!check_list(list, false, error, error_size))
        return false;
    if (!list[0])
        return true;
    analysis_context c = {program, task, buffers, out_dir, accuracy,
                          context, {0}, error, error_size, parameter_dir};
    if (!sasc_make_directories(out_dir, error, error_size) ||
        !sasc_parameters_save(program, buffers, &c.copy, error, error_size))
        return false;
    network_entropy e = {0};
    bool want_histograms = list_contains(list, "histograms");
    bool want_entropy = list_contains(list, "entropy");
    bool ok = !(want_histograms || want_entropy) || network_entropy_compute(&c, &e);
    if (ok && want_histograms)
        ok = write_histograms(&c, &e) && write_matrices(&c);
    if (ok && want_entropy) {
        ok = write_entropy_npy(&c, &e) && write_layers_csv(&c, &e) && write_layer_figures(&c, &e);
        if (ok)
            print_layer_table(&c, &e);
    }
    if (ok && list_contains(list, "perturbation"))
        ok = run_perturbation(&c);
    if (ok && list_contains(list, "dynamics"))
        ok = run_dynamics(&c) && run_dynamic_accuracy(&c);
    network_entropy_free(&e);
    sasc_parameters_free(&c.copy);
    return ok;
}

/* After training the run has just written its parameters into out_dir. */
bool sasc_analyze_list(const sasc_program *program, const sasc_task *task, void *const *buffers,
                       const char *list, const char *out_dir, sasc_accuracy_fn accuracy,
                       void *context, char *error, size_t error_size)
{
    return analyze_items(program, task, buffers, list, out_dir, out_dir, accuracy, context, error,
                         error_size);
}

/* ---- training-set size (gbp Fig. 2b, its inset, Fig. 3c) ---- */

/* The values of columns `names` in the last row of the CSV file `path`. */
static bool read_last_row(const char *path, const char *const *names, size_t count,
                          double *values, char *error, size_t error_size)
{
    char reason[256];
    FILE *f = sasc_input_fopen(path, reason, sizeof reason);
    if (!f) {
        snprintf(error, error_size, "cannot read %s: %s", path, reason);
        return false;
    }
    char header[65536], line[65536], last[65536] = "";
    bool ok = fgets(header, sizeof header, f) != NULL;
    while (ok && fgets(line, sizeof line, f))
        if (line[0] != '\n')
            memcpy(last, line, sizeof last);
    fclose(f);
    for (size_t i = 0; ok && i < count; i++) {
        values[i] = NAN;
        int column = 0;
        bool found = false;
        for (char *h = header; *h && !found; column++) {
            size_t length = strcspn(h, ",\n");
            found = length == strlen(names[i]) && strncmp(h, names[i], length) == 0;
            h += length + (h[length] != '\0');
        }
        const char *cell = last;
        for (int k = 1; found && k < column && cell; k++)
            cell = (cell = strchr(cell, ',')) ? cell + 1 : NULL;
        if (found && cell && last[0])
            values[i] = strtod(cell, NULL);
        else
            ok = false;
    }
    if (!ok)
        snprintf(error, error_size, "%s has no complete last row", path);
    return ok;
}

/* Results of one training-set size: error, sampled mean, sampled sd, then
 * sparsity and entropy per layer. */
static bool sweep_one(const sasc_program *program, const sasc_task *task,
                      const sasc_run_info *info, long size, double *row, int *code,
                      char *error, size_t error_size)
{
    sasc_task sub = *task;
    sub.train = size;
    sub.analyze_every = sub.epochs > 0 ? sub.epochs : 1;
    sub.analyze[0] = '\0';
    int length = snprintf(sub.out, sizeof sub.out, "%s/train_size/T%ld", task->out, size);
    if (length < 0 || (size_t)length >= sizeof sub.out) {
        snprintf(error, error_size, "the output directory %s is too long", task->out);
        return false;
    }
    fprintf(stderr, "sasc: training with %ld images into %s\n", size, sub.out);
    /* Its own directory under the analysis's: an earlier sweep's run there is replaced. */
    sasc_run_info own = info ? *info : (sasc_run_info){0};
    own.resume = false;
    own.force = true;
    *code = sasc_run_task(program, &sub, &own);
    if (*code != SASC_EXIT_OK) {
        snprintf(error, error_size, "the run with train = %ld failed", size);
        return false;
    }
    size_t layers = (size_t)program->group_count, count = 3 + 2 * layers;
    char (*names)[128] = calloc(count, sizeof *names);
    const char **pointers = calloc(count, sizeof *pointers);
    bool ok = names && pointers;
    if (ok) {
        snprintf(names[0], sizeof names[0], "test_accuracy");
        snprintf(names[1], sizeof names[1], "sampled_accuracy_mean");
        snprintf(names[2], sizeof names[2], "sampled_accuracy_sd");
        for (size_t l = 0; l < layers; l++) {
            snprintf(names[3 + l], sizeof names[0], "sparsity_%s", program->groups[l].name);
            snprintf(names[3 + layers + l], sizeof names[0], "entropy_%s", program->groups[l].name);
        }
        for (size_t i = 0; i < count; i++)
            pointers[i] = names[i];
        char path[8192];
        snprintf(path, sizeof path, "%s/analysis.csv", sub.out);
        ok = read_last_row(path, pointers, count, row, error, error_size);
        row[0] = 1.0 - row[0];   /* accuracies to errors */
        row[1] = 1.0 - row[1];
    } else {
        snprintf(error, error_size, "out of memory in the train_size sweep");
    }
    free(names);
    free(pointers);
    return ok;
}

static size_t parse_sizes(const char *list, long *sizes, size_t capacity)
{
    size_t n = 0;
    for (const char *p = list; *p && n < capacity;) {
        char *end;
        long value = strtol(p, &end, 10);
        if (end == p || value <= 0 || (*end != ',' && *end != '\0'))
            return 0;
        sizes[n++] = value;
        p = *end ? end + 1 : end;
    }
    return n;
}

static bool write_sweep(const sasc_program *program, const sasc_task *task, const long *sizes,
                        size_t count, const double *rows, char *error, size_t error_size)
{
    size_t layers = (size_t)program->group_count, width = 3 + 2 * layers;
    char path[8192];
    snprintf(path, sizeof path, "%s/train_size.csv", task->out);
    sasc_atomic_file f;
    if (!sasc_atomic_open(&f, path, error, error_size))
        return false;
    sasc_atomic_printf(&f, "train,test_error,sampled_error_mean,sampled_error_sd");
    for (size_t l = 0; l < layers; l++)
        sasc_atomic_printf(&f, ",sparsity_%s", program->groups[l].name);
    for (size_t l = 0; l < layers; l++)
        sasc_atomic_printf(&f, ",entropy_%s", program->groups[l].name);
    sasc_atomic_printf(&f, "\n");
    for (size_t i = 0; i < count; i++) {
        sasc_atomic_printf(&f, "%ld", sizes[i]);
        for (size_t k = 0; k < width; k++) {
            sasc_atomic_printf(&f, ",");
            sasc_atomic_number(&f, rows[i * width + k]);
        }
        sasc_atomic_printf(&f, "\n");
    }
    return sasc_atomic_commit(&f, error, error_size);
}

/* Test error against size; sparsity and entropy against layer, one curve per size. */
static bool plot_sweep(const sasc_program *program, const sasc_task *task, const long *sizes,
                       size_t count, const double *rows, char *error, size_t error_size)
{
    size_t layers = (size_t)program->group_count, width = 3 + 2 * layers;
    double *data = malloc((4 * count + layers + 2 * count * layers + 1) * sizeof *data);
    sasc_plot_series *series = calloc(count + 2, sizeof *series);
    char (*labels)[32] = calloc(count + 1, sizeof *labels);
    bool ok = data && series && labels;
    if (!ok)
        snprintf(error, error_size, "out of memory plotting the train_size sweep");
    double *x = data, *mf = x + count, *mean = mf + count, *sd = mean + count;
    double *layer_x = sd + count, *per_layer = layer_x + layers;
    for (size_t i = 0; ok && i < count; i++) {
        x[i] = (double)sizes[i];
        mf[i] = rows[i * width];
        mean[i] = rows[i * width + 1];
        sd[i] = rows[i * width + 2];
    }
    char sampled[64], path[8192];
    snprintf(sampled, sizeof sampled, "%d sampled networks (mean +- sd)", task->sampled_networks);
    if (ok) {
        series[0] = (sasc_plot_series){sampled, x, mean, sd, count};
        series[1] = (sasc_plot_series){"mean-field network", x, mf, NULL, count};
        snprintf(path, sizeof path, "%s/train_size.svg", task->out);
        sasc_line_plot plot = {"Test error against training-set size", "training images T",
                               "test error", series, 2, SASC_SPREAD_ERROR_BARS, 0, 0};
        ok = sasc_plot_write_lines(&plot, path, error, error_size);
    }
    for (size_t l = 0; ok && l < layers; l++)
        layer_x[l] = (double)(l + 1);
    static const char *const quantity[2] = {"sparsity", "entropy"};
    static const char *const titles[2] = {"Sparsity per connection by layer",
                                          "Entropy per connection by layer"};
    for (int q = 0; ok && q < 2; q++) {
        for (size_t i = 0; i < count; i++) {
            double *values = per_layer + (q * count + i) * layers;
            for (size_t l = 0; l < layers; l++)
                values[l] = rows[i * width + 3 + q * layers + l];
            snprintf(labels[i], sizeof labels[i], "T = %ld", sizes[i]);
            series[i] = (sasc_plot_series){labels[i], layer_x, values, NULL, layers};
        }
        snprintf(path, sizeof path, "%s/train_size_%s.svg", task->out, quantity[q]);
        sasc_line_plot plot = {titles[q], "layer (connections into it, from the input)",
                               q ? "entropy per connection" : "sparsity (mean pi)", series, count,
                               SASC_SPREAD_NONE, 0, 0};
        ok = sasc_plot_write_lines(&plot, path, error, error_size);
    }
    free(data);
    free(series);
    free(labels);
    return ok;
}

static int train_size_sweep(const sasc_program *program, const sasc_task *task,
                            const sasc_run_info *info, char *error, size_t error_size)
{
    long sizes[64];
    size_t count = parse_sizes(task->train_sizes, sizes, 64);
    if (count == 0) {
        snprintf(error, error_size,
                 "train_sizes must be a comma list of positive integers, got '%s'",
                 task->train_sizes);
        return SASC_EXIT_USER_ERROR;
    }
    size_t width = 3 + 2 * (size_t)program->group_count;
    double *rows = calloc(count * width + 1, sizeof *rows);
    int code = SASC_EXIT_OK;
    bool ok = rows != NULL;
    if (!ok)
        snprintf(error, error_size, "out of memory in the train_size sweep");
    for (size_t i = 0; ok && i < count; i++)
        ok = sweep_one(program, task, info, sizes[i], rows + i * width, &code, error, error_size);
    ok = ok && write_sweep(program, task, sizes, count, rows, error, error_size) &&
         plot_sweep(program, task, sizes, count, rows, error, error_size);
    free(rows);
    return ok ? SASC_EXIT_OK : code != SASC_EXIT_OK ? code : SASC_EXIT_USER_ERROR;
}

/* ---- selectivity of the recurrent units (gbptt Eq. 15, Figs. 8, 15) ---- */

/* One test pass of the saved ensemble in `run_dir`, every batch given to
 * `visit` (the accumulators of the test-pass analyses below). */
static bool saved_test_pass(const sasc_program *program, const sasc_task *task, const char *run_dir,
                            sasc_test_batch_fn visit, void *context, char *error, size_t error_size)
{
    sasc_session *session = sasc_session_open(program, task, run_dir, SASC_SESSION_PARAMETERS, error,
                                              error_size);
    bool ok = session && sasc_session_test_pass(session, visit, context, error, error_size);
    sasc_session_close(session);
    return ok;
}

static bool run_selectivity(const sasc_program *program, const sasc_task *task, const char *run_dir,
                            char *error, size_t error_size)
{
    sasc_selectivity s;
    if (!sasc_selectivity_init(&s, program, error, error_size))
        return false;
    bool ok = saved_test_pass(program, task, run_dir, sasc_selectivity_add, &s, error, error_size) &&
              sasc_selectivity_write(&s, task->out, error, error_size);
    sasc_selectivity_free(&s);
    return ok;
}

/* MSI runs: the choice, modality and condition views (gbptt Fig. 15). */
static bool run_msi_selectivity(const sasc_program *program, const sasc_task *task,
                                const char *run_dir, char *error, size_t error_size)
{
    sasc_msi_selectivity m;
    if (!sasc_msi_selectivity_init(&m, program, error, error_size))
        return false;
    bool ok = saved_test_pass(program, task, run_dir, sasc_msi_selectivity_add, &m, error,
                              error_size) &&
              sasc_msi_selectivity_write(&m, task->out, error, error_size);
    sasc_msi_selectivity_free(&m);
    return ok;
}

/* MSI runs: the psychometric function of the saved network (gbptt Fig. 11). */
static bool run_psychometric(const sasc_program *program, const sasc_task *task,
                             const char *run_dir, char *error, size_t error_size)
{
    if (!sasc_msi_is_generator(task->data)) {
        snprintf(error, error_size, "the psychometric function needs an MSI run (data = \"msi\"), "
                 "not data = \"%s\"", task->data);
        return false;
    }
    sasc_psychometric_pass pass;
    sasc_psychometric_pass_init(&pass, program);
    return saved_test_pass(program, task, run_dir, sasc_psychometric_add, &pass, error,
                           error_size) &&
           sasc_psychometric_write(&pass, task->out, error, error_size);
}

/* `list` without its train_size and all items, all expanded. */
static void session_items(const char *list, char *out, size_t size)
{
    bool all = list_contains(list, "all");
    out[0] = '\0';
    for (size_t k = 0; k < sizeof list_items / sizeof list_items[0]; k++)
        if ((all && k < 3) || list_contains(list, list_items[k]))   /* all: not dynamics */
            snprintf(out + strlen(out), size - strlen(out), "%s%s", out[0] ? "," : "",
                     list_items[k]);
}

int sasc_analyze_run(const sasc_program *program, const sasc_task *task, const char *run_dir,
                     const char *what, const sasc_run_info *info)
{
    char error[8192] = "", items[256];
    int code = SASC_EXIT_OK;
    if (!check_list(what, true, error, sizeof error) || !what[0]) {
        if (!what[0])
            snprintf(error, sizeof error, "name an analysis: histograms, entropy, perturbation, "
                     "dynamics, selectivity, psychometric, train_size or all");
        code = SASC_EXIT_USER_ERROR;
    }
    session_items(what, items, sizeof items);
    if (code == SASC_EXIT_OK && items[0]) {
        sasc_session *session = sasc_session_open(program, task, run_dir, SASC_SESSION_PARAMETERS,
                                                  error, sizeof error);
        bool ok = session && analyze_items(program, task, sasc_session_buffers(session), items,
                                           task->out, run_dir, sasc_session_accuracy, session, error,
                                           sizeof error);
        sasc_session_close(session);
        code = ok ? SASC_EXIT_OK : SASC_EXIT_USER_ERROR;
    }
    if (code == SASC_EXIT_OK && list_contains(what, "selectivity") &&
        !(sasc_msi_is_generator(task->data) ? run_msi_selectivity : run_selectivity)(
            program, task, run_dir, error, sizeof error))
        code = SASC_EXIT_USER_ERROR;
    if (code == SASC_EXIT_OK && list_contains(what, "psychometric") &&
        !run_psychometric(program, task, run_dir, error, sizeof error))
        code = SASC_EXIT_USER_ERROR;
    if (code == SASC_EXIT_OK && list_contains(what, "train_size"))
        code = train_size_sweep(program, task, info, error, sizeof error);
    if (code != SASC_EXIT_OK && error[0])
        fprintf(stderr, "sasc: error: %s\n", error);
    else if (code == SASC_EXIT_OK)
        fprintf(stderr, "sasc: analyses in %s/\n", task->out);
    return code;
}
