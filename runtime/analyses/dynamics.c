/*
 * dynamics.c — the analysis "dynamics": the network resampled at every time
 * step (gbptt end of Secs. III A, III B): the fraction of zero weights and
 * the asymmetry eta of every recurrent group's W(t) along dynamic_steps
 * steps (gbptt Figs. 9, 18), and, for programs with predict_dynamic, the
 * test accuracy of dynamic_networks such networks next to the mean-field
 * and sampled networks' (runtime/ensemble/dynamic.h).
 */
#include "runtime/analyses/registry.h"
#include "runtime/analyses/statistics.h"
#include "runtime/ensemble/dynamic.h"
#include "runtime/support/output.h"
#include "runtime/support/plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- statistics of the dynamic network along time (gbptt Figs. 9, 18) ---- */

static bool is_recurrent(const sasc_program *p, int group)
{
    return p->groups[group].kind == SASC_GROUP_RECURRENT;
}

/* A network resampled at every step draws its weights afresh at each step
 * from the same distribution, so the statistics of W(t) along a trial are
 * those of `dynamic_steps` independent draws; computed here without running
 * the network. One row block and one curve per recurrent group (the
 * registry has checked that there is one). */
static bool write_statistics(sasc_analysis_context *c)
{
    const sasc_program *p = c->program;
    int steps = c->task->dynamic_steps;
    char path[8192];
    sasc_analysis_path(c, "dynamics.csv", path, sizeof path);
    size_t square = 0;
    for (int g = 0; g < p->group_count; g++)
        square += is_recurrent(p, g);
    double *w = malloc(sasc_largest_group(p) * sizeof *w);
    double *data = malloc((2 * square + 1) * (size_t)steps * sizeof *data);
    sasc_plot_series *zeros = calloc(square, sizeof *zeros), *etas = calloc(square, sizeof *etas);
    sasc_atomic_file f;
    bool ok = w && data && zeros && etas ? sasc_atomic_open(&f, path, c->error, c->error_size)
                                         : sasc_analysis_oom(c, "the dynamics");
    if (ok)
        sasc_atomic_printf(&f, "layer,step,zero_fraction,eta\n");
    double *x = data + 2 * square * (size_t)steps;
    for (int g = 0, s = 0; ok && g < p->group_count; g++) {
        if (!is_recurrent(p, g))
            continue;
        double *zero = data + 2 * (size_t)s * (size_t)steps, *eta = zero + steps;
        for (int t = 0; t < steps; t++) {
            sasc_sample_weights(p, c->copy, g, c->task->seed, (uint64_t)t, w);
            sasc_reciprocity(w, (size_t)p->groups[g].width, &zero[t], &eta[t]);
            x[t] = t + 1;
            sasc_atomic_printf(&f, "%s,%d,", p->groups[g].name, t + 1);
            sasc_atomic_number(&f, zero[t]);
            sasc_atomic_printf(&f, ",");
            sasc_atomic_number(&f, eta[t]);
            sasc_atomic_printf(&f, "\n");
        }
        zeros[s] = (sasc_plot_series){p->groups[g].name, x, zero, NULL, (size_t)steps};
        etas[s++] = (sasc_plot_series){p->groups[g].name, x, eta, NULL, (size_t)steps};
    }
    ok = ok && sasc_atomic_commit(&f, c->error, c->error_size);
    char zeros_path[8192], eta_path[8192];
    sasc_analysis_path(c, "dynamics_zeros.svg", zeros_path, sizeof zeros_path);
    sasc_analysis_path(c, "dynamics_eta.svg", eta_path, sizeof eta_path);
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

static bool write_dynamic_accuracy(sasc_analysis_context *c, const sasc_dynamic_accuracies *a,
                                   const double *sampled, const double *dynamic)
{
    char path[8192];
    sasc_analysis_path(c, "dynamics_accuracy.csv", path, sizeof path);
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
static bool plot_dynamic_accuracy(sasc_analysis_context *c, const sasc_dynamic_accuracies *a,
                                  const double *sampled, const double *dynamic)
{
    int most = c->task->sampled_networks > c->task->dynamic_networks ? c->task->sampled_networks
                                                                    : c->task->dynamic_networks;
    double *x = malloc(((size_t)most + 2) * sizeof *x);
    if (!x)
        return sasc_analysis_oom(c, "the dynamic network's figure");
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
    sasc_analysis_path(c, "dynamics_accuracy.svg", path, sizeof path);
    sasc_line_plot plot = {"Test accuracy of the network resampled at every time step", "network",
                           "test accuracy", series, 3, SASC_SPREAD_NONE, 0, 0};
    bool ok = sasc_plot_write_lines(&plot, path, c->error, c->error_size);
    free(x);
    return ok;
}

/* The dynamic, sampled and mean-field networks run by predict_dynamic on
 * the ensemble in the buffers, through the host's test pass (the same test
 * trials and noise as the run's test accuracy). */
static bool write_accuracy(sasc_analysis_context *c)
{
    const sasc_program *p = c->program;
    if (!c->host.dynamic_accuracy || !sasc_program_kernel(p, SASC_KERNEL_PREDICT_DYNAMIC) ||
        c->task->dynamic_networks < 1)
        return true;   /* docs/analyses.md: dynamic_networks = 0 skips it */
    double *sampled = calloc((size_t)c->task->sampled_networks + 1, sizeof *sampled);
    double *dynamic = calloc((size_t)c->task->dynamic_networks + 1, sizeof *dynamic);
    sasc_dynamic_accuracies a;
    bool ok = sampled && dynamic
        ? sasc_dynamic_accuracy(p, c->buffers, c->copy, c->task, c->host.dynamic_accuracy,
                                c->host.context, &a, sampled, dynamic, c->error, c->error_size)
        : sasc_analysis_oom(c, "the dynamic network's accuracy");
    ok = ok && write_dynamic_accuracy(c, &a, sampled, dynamic) &&
         plot_dynamic_accuracy(c, &a, sampled, dynamic);
    if (ok)
        printf("test accuracy: mean field (eps = 0) %.4f; %d networks sampled once %.4f +- %.4f; "
               "%d networks resampled every step %.4f +- %.4f\n", a.mean_field,
               c->task->sampled_networks, a.sampled_mean, a.sampled_sd, c->task->dynamic_networks,
               a.dynamic_mean, a.dynamic_sd);
    free(sampled);
    free(dynamic);
    return ok;
}

static bool run_dynamics(sasc_analysis_context *c)
{
    return write_statistics(c) && write_accuracy(c);
}

const sasc_analysis_desc sasc_analysis_dynamics = {
    .name = "dynamics",
    .summary = "recurrent groups: zero fraction and asymmetry eta of the\n"
               "network resampled every step, along dynamic_steps steps; test\n"
               "accuracy of dynamic_networks such networks, of sampled_networks\n"
               "networks sampled once and of the mean field (dynamics_accuracy.*)",
    .outputs = "dynamics.csv, dynamics_zeros.svg, dynamics_eta.svg; with predict_dynamic: "
               "dynamics_accuracy.csv, dynamics_accuracy.svg",
    .when = SASC_AFTER_TRAINING | SASC_ON_SAVED_RUN,
    .needs = {.group_kinds = SASC_GROUP_BIT(SASC_GROUP_RECURRENT)},
    .run = run_dynamics,
};
