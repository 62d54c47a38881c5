/*
 * perturbation.c — the analysis "perturbation": targeted weight
 * perturbation (gbp Fig. 4a, gbptt Figs. 7a, 17a). For each group in
 * perturb_layers, the test error of sampled networks as VIP weights are
 * turned off, as the same number of random weights are, and as UIP weights
 * are turned on with N(0, 1) values (docs/analyses.md).
 */
#include "runtime/analyses/registry.h"
#include "runtime/analyses/statistics.h"
#include "runtime/support/output.h"
#include "runtime/support/plot.h"
#include "runtime/support/rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static bool pools_build(sasc_analysis_context *c, int layer, layer_pools *pools)
{
    size_t n = sasc_group_connections(c->program, layer);
    *pools = (layer_pools){.n = n};
    pools->vip = malloc(n * sizeof(size_t));
    pools->uip = malloc(n * sizeof(size_t));
    pools->all = malloc(n * sizeof(size_t));
    pools->sampled = malloc(n * sizeof(double));
    pools->w = malloc(n * sizeof(double));
    if (!pools->vip || !pools->uip || !pools->all || !pools->sampled || !pools->w)
        return sasc_analysis_oom(c, "the perturbation");
    double *const *v = c->copy->values[layer];
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
static double perturbed_error(sasc_analysis_context *c, int layer, layer_pools *pools, int condition,
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
    sasc_set_deterministic_group(c->program, c->buffers, layer, pools->w);
    return 1.0 - c->host.accuracy(c->host.context);
}

/* errors[(condition * points + step) * reps + rep]: every repetition samples
 * one network (draw = rep) and applies every condition and fraction to it, so
 * the three curves differ by the perturbation, not by the sampling. */
static void measure_perturbation(sasc_analysis_context *c, int layer, layer_pools *pools,
                                 double *errors, double *scratch)
{
    const sasc_task *t = c->task;
    size_t points = (size_t)t->perturb_steps + 1, reps = (size_t)t->perturb_repeats;
    for (size_t rep = 0; rep < reps; rep++) {
        sasc_sample_network(c->program, c->buffers, c->copy, t->seed, rep, scratch);
        sasc_sample_weights(c->program, c->copy, layer, t->seed, rep, pools->sampled);
        for (int condition = 0; condition < CONDITIONS; condition++)
            for (size_t step = 0; step < points; step++)
                errors[(condition * points + step) * reps + rep] =
                    perturbed_error(c, layer, pools, condition, (int)step, (int)rep);
    }
    sasc_parameters_restore(c->program, c->buffers, c->copy);
}

static bool write_perturbation(sasc_analysis_context *c, int layer, const layer_pools *pools,
                               const double *errors, sasc_atomic_file *csv)
{
    const sasc_task *t = c->task;
    size_t points = (size_t)t->perturb_steps + 1, reps = (size_t)t->perturb_repeats;
    double *data = malloc((CONDITIONS * 2 + 1) * points * sizeof *data);
    if (!data)
        return sasc_analysis_oom(c, "the perturbation figure");
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
    sasc_analysis_path(c, file, path, sizeof path);
    sasc_line_plot plot = {title, "fraction of the VIP (UIP) weights perturbed",
                           "test error of sampled networks", series, CONDITIONS,
                           SASC_SPREAD_ERROR_BARS, 0, 0};
    bool ok = sasc_plot_write_lines(&plot, path, c->error, c->error_size);
    free(data);
    return ok;
}

static bool perturb_layer(sasc_analysis_context *c, int layer, sasc_atomic_file *csv)
{
    const sasc_task *t = c->task;
    size_t points = (size_t)t->perturb_steps + 1, reps = (size_t)t->perturb_repeats;
    layer_pools pools = {0};
    double *errors = malloc(CONDITIONS * points * reps * sizeof *errors);
    double *scratch = malloc(sasc_largest_group(c->program) * sizeof *scratch);
    bool ok = errors && scratch ? pools_build(c, layer, &pools) : sasc_analysis_oom(c, "the perturbation");
    if (ok)
        measure_perturbation(c, layer, &pools, errors, scratch);
    ok = ok && write_perturbation(c, layer, &pools, errors, csv);
    pools_free(&pools);
    free(errors);
    free(scratch);
    return ok;
}

static bool check_layer_list(const sasc_analysis_context *c)
{
    const char *item;
    size_t length;
    for (const char *p = c->task->perturb_layers; sasc_list_next(&p, &item, &length);) {
        bool found = false;
        for (int l = 0; l < c->program->group_count; l++)
            found = found || (strlen(c->program->groups[l].name) == length &&
                             strncmp(item, c->program->groups[l].name, length) == 0);
        if (!found) {
            snprintf(c->error, c->error_size, "perturb_layers names '%.*s', which is not a layer",
                     (int)length, item);
            return false;
        }
    }
    return true;
}

static bool run_perturbation(sasc_analysis_context *c)
{
    if (!check_layer_list(c))
        return false;
    char path[8192];
    sasc_analysis_path(c, "perturbation.csv", path, sizeof path);
    sasc_atomic_file csv;
    if (!sasc_atomic_open(&csv, path, c->error, c->error_size))
        return false;
    sasc_atomic_printf(&csv, "layer,condition,fraction,count,pool,test_error_mean,"
                             "test_error_sd,repeats\n");
    bool ok = true;
    for (int l = 0; ok && l < c->program->group_count; l++)
        if (!c->task->perturb_layers[0] || sasc_list_contains(c->task->perturb_layers,
                                                         c->program->groups[l].name))
            ok = perturb_layer(c, l, &csv);
    if (!ok) {
        sasc_atomic_abort(&csv);
        return false;
    }
    return sasc_atomic_commit(&csv, c->error, c->error_size);
}

const sasc_analysis_desc sasc_analysis_perturbation = {
    .name = "perturbation",
    .summary = "test error of sampled networks as VIP weights are turned off,\n"
               "random weights turned off, UIP weights turned on with N(0,1)",
    .outputs = "perturbation.csv, perturbation_GROUP.svg",
    .when = SASC_AFTER_TRAINING | SASC_ON_SAVED_RUN,
    .in_all = true,
    .check = check_layer_list,
    .run = run_perturbation,
};
