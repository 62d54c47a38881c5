/*
 * entropy_analysis.c — the analysis "entropy": the per-connection entropy,
 * pi-part and Xi-part of every group as .npy, and the per-group summary
 * (sparsity, entropy, VIP/UIP fractions: gbp Figs. 2b inset, 3c, 4b) as
 * layers.csv, figures and a printed table. The estimate is entropy.h's.
 */
#include "runtime/analyses/entropy.h"
#include "runtime/analyses/registry.h"
#include "runtime/analyses/statistics.h"
#include "runtime/support/npy.h"
#include "runtime/support/output.h"
#include "runtime/support/plot.h"

#include <stdio.h>
#include <stdlib.h>

/* ---- per-connection entropy and the layer summary (gbp Figs. 2b inset, 3c, 4b) ---- */

static bool write_entropy_npy(sasc_analysis_context *c, const sasc_network_entropy *e)
{
    static const char *const parts[3] = {"entropy", "entropy_pi", "entropy_xi"};
    const sasc_program *p = c->program;
    for (int l = 0; l < p->group_count; l++)
        for (int k = 0; k < 3; k++) {
            char file[256], path[8192];
            snprintf(file, sizeof file, "%s.%s.npy", p->groups[l].name, parts[k]);
            sasc_analysis_path(c, file, path, sizeof path);
            if (!sasc_npy_write(path, e->values[l][k], SASC_F64, p->groups[l].fan_in,
                                p->groups[l].width, c->error, c->error_size))
                return false;
        }
    return true;
}

static bool write_layers_csv(sasc_analysis_context *c, const sasc_network_entropy *e)
{
    char path[8192];
    sasc_analysis_path(c, "layers.csv", path, sizeof path);
    sasc_atomic_file f;
    if (!sasc_atomic_open(&f, path, c->error, c->error_size))
        return false;
    /* The i < j and i > j columns only for programs with recurrent groups
     * (NaN for their other groups). */
    bool recurrent = sasc_program_has_group(c->program, SASC_GROUP_RECURRENT);
    sasc_atomic_printf(&f, "layer,index,connections,sparsity,entropy,entropy_pi,entropy_xi,vip,uip%s\n",
                       recurrent ? ",sparsity_i_lt_j,sparsity_i_gt_j" : "");
    for (int l = 0; l < c->program->group_count; l++) {
        const sasc_group_statistics *s = &e->stats[l];
        double values[] = {s->sparsity, s->entropy, s->entropy_pi, s->entropy_xi, s->vip, s->uip,
                           s->sparsity_i_lt_j, s->sparsity_i_gt_j};
        size_t columns = recurrent ? 8 : 6;
        sasc_atomic_printf(&f, "%s,%d,%zu", c->program->groups[l].name, l + 1, s->connections);
        for (size_t k = 0; k < columns; k++) {
            sasc_atomic_printf(&f, ",");
            sasc_atomic_number(&f, values[k]);
        }
        sasc_atomic_printf(&f, "\n");
    }
    return sasc_atomic_commit(&f, c->error, c->error_size);
}

/* One figure against the layer index: `count` curves of layer_count values. */
static bool write_layer_index_figure(sasc_analysis_context *c, const char *file, const char *title,
                                     const char *y_label, const sasc_plot_series *series,
                                     size_t count)
{
    char path[8192];
    sasc_analysis_path(c, file, path, sizeof path);
    sasc_line_plot plot = {title, "layer (connections into it, from the input)", y_label, series,
                           count, SASC_SPREAD_NONE, 0, 0};
    return sasc_plot_write_lines(&plot, path, c->error, c->error_size);
}

static bool write_layer_figures(sasc_analysis_context *c, const sasc_network_entropy *e)
{
    size_t n = (size_t)c->program->group_count;
    double *data = malloc((6 * n + 1) * sizeof *data);
    if (!data)
        return sasc_analysis_oom(c, "the layer figures");
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

static void print_layer_table(const sasc_analysis_context *c, const sasc_network_entropy *e)
{
    sasc_entropy_formula formula = sasc_entropy_formula_of_program(c->task->entropy_formula,
                                                                   c->program);
    printf("entropy: %s (entropy_formula = %s)\n",
           formula == SASC_ENTROPY_FORMULA_GBP_EQ8 ? "gbp Eq. 8" : "gbptt Eq. 14",
           sasc_task_choice_name("entropy_formula", c->task->entropy_formula));
    printf("%-12s %12s %10s %10s %10s %10s %8s %8s\n", "layer", "connections", "sparsity",
           "entropy", "S_pi", "S_Xi", "VIP", "UIP");
    for (int l = 0; l < c->program->group_count; l++) {
        const sasc_group_statistics *s = &e->stats[l];
        printf("%-12s %12zu %10.4g %10.4g %10.4g %10.4g %8.4f %8.4f\n", c->program->groups[l].name,
               s->connections, s->sparsity, s->entropy, s->entropy_pi, s->entropy_xi, s->vip,
               s->uip);
    }
}

static bool run_entropy(sasc_analysis_context *c)
{
    sasc_network_entropy e;
    if (!sasc_network_entropy_compute(c->program, c->task, c->copy, &e, c->error, c->error_size))
        return false;
    bool ok = write_entropy_npy(c, &e) && write_layers_csv(c, &e) && write_layer_figures(c, &e);
    if (ok)
        print_layer_table(c, &e);
    sasc_network_entropy_free(&e);
    return ok;
}

const sasc_analysis_desc sasc_analysis_entropy = {
    .name = "entropy",
    .summary = "LAYER.entropy{,_pi,_xi}.npy per connection; layers.csv:\n"
               "sparsity, entropy, VIP and UIP fractions per group (printed)",
    .outputs = "GROUP.entropy.npy, GROUP.entropy_pi.npy, GROUP.entropy_xi.npy, layers.csv, "
               "entropy_layers.svg, sparsity_layers.svg, vip_uip_layers.svg",
    .when = SASC_AFTER_TRAINING | SASC_ON_SAVED_RUN,
    .in_all = true,
    .run = run_entropy,
};
