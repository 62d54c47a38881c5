/*
 * statistics.c — per-group statistics of an ensemble (see statistics.h).
 */
#include "runtime/analyses/statistics.h"
#include "runtime/analyses/entropy.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

sasc_connection_class sasc_classify_connection(const sasc_task *task, double pi, double m,
                                               double xi)
{
    double tol = task->vip_tolerance;
    if (pi >= 1.0 - tol)
        return SASC_CONNECTION_UIP;
    bool vip = task->vip_rule == SASC_VIP_RELAXED
                   ? pi < task->vip_pi_max && fabs(m) > task->vip_m_min
                   : pi <= tol && xi <= tol;
    return vip ? SASC_CONNECTION_VIP : SASC_CONNECTION_OTHER;
}

static unsigned worker_threads(const sasc_task *task)
{
    if (task->threads > 0)
        return (unsigned)task->threads;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    return cores > 0 ? (unsigned)cores : 1u;
}

/* An array of n zeros standing for a parameter the group does not have. */
static const double *or_zeros(const double *values, double **zeros, size_t n)
{
    if (values)
        return values;
    if (!*zeros)
        *zeros = calloc(n + 1, sizeof **zeros);
    return *zeros;
}

bool sasc_connection_statistics(const sasc_task *task, sasc_entropy_formula formula,
                                const double *pi, const double *m, const double *xi, size_t n,
                                sasc_group_statistics *stats, double *const per_connection[3],
                                char *error, size_t error_size)
{
    double *zeros = NULL;
    pi = or_zeros(pi, &zeros, n);
    m = or_zeros(m, &zeros, n);
    xi = or_zeros(xi, &zeros, n);
    if (!pi || !m || !xi) {
        snprintf(error, error_size, "out of memory computing group statistics");
        return false;
    }
    sasc_entropy_settings settings;
    sasc_entropy_settings_default(&settings);
    settings.a = task->entropy_a;
    settings.samples = (size_t)task->entropy_samples;
    settings.seed = task->seed;
    settings.threads = worker_threads(task);
    settings.formula = formula;
    sasc_entropy_summary summary;
    sasc_entropy_outputs outputs = {0};
    if (per_connection)
        outputs = (sasc_entropy_outputs){per_connection[0], per_connection[1], per_connection[2]};
    bool ok = sasc_entropy_compute(pi, m, xi, n, &settings, &summary,
                                   per_connection ? &outputs : NULL, error, error_size);
    double pi_sum = 0;
    size_t vip = 0, uip = 0;
    for (size_t k = 0; ok && k < n; k++) {
        pi_sum += pi[k];
        sasc_connection_class c = sasc_classify_connection(task, pi[k], m[k], xi[k]);
        vip += c == SASC_CONNECTION_VIP;
        uip += c == SASC_CONNECTION_UIP;
    }
    double count = n ? (double)n : NAN;
    *stats = (sasc_group_statistics){n, pi_sum / count, summary.total, summary.pi_part,
                                     summary.xi_part, (double)vip / count, (double)uip / count,
                                     NAN, NAN};
    free(zeros);
    return ok;
}

void sasc_triangle_sparsity(const double *pi, int fan_in, int width, double *i_lt_j,
                            double *i_gt_j)
{
    *i_lt_j = *i_gt_j = NAN;
    if (fan_in != width || width < 2)
        return;
    double lower = 0, upper = 0;   /* sums over i < j and over i > j */
    for (int j = 0; j < fan_in; j++)
        for (int i = 0; i < width; i++) {
            double value = pi ? pi[(size_t)j * (size_t)width + (size_t)i] : 0.0;
            if (i < j)
                lower += value;
            else if (i > j)
                upper += value;
        }
    double pairs = 0.5 * (double)width * (double)(width - 1);
    *i_lt_j = lower / pairs;
    *i_gt_j = upper / pairs;
}

size_t sasc_group_connections(const sasc_program *program, int group)
{
    return (size_t)program->groups[group].fan_in * (size_t)program->groups[group].width;
}

bool sasc_program_has_group(const sasc_program *program, sasc_group_kind kind)
{
    for (int g = 0; g < program->group_count; g++)
        if (program->groups[g].kind == kind)
            return true;
    return false;
}

bool sasc_group_statistics_compute(const sasc_program *program, const sasc_task *task,
                                   const sasc_parameter_copy *copy, int group,
                                   sasc_group_statistics *stats, double *const per_connection[3],
                                   char *error, size_t error_size)
{
    const sasc_group_desc *d = &program->groups[group];
    double *const *v = copy->values[group];
    sasc_entropy_formula formula = sasc_entropy_formula_of_program(task->entropy_formula, program);
    if (!sasc_connection_statistics(task, formula, v[SASC_PI], v[SASC_M], v[SASC_XI],
                                    sasc_group_connections(program, group), stats, per_connection,
                                    error, error_size))
        return false;
    if (d->kind == SASC_GROUP_RECURRENT)   /* direction means something only here */
        sasc_triangle_sparsity(v[SASC_PI], d->fan_in, d->width, &stats->sparsity_i_lt_j,
                               &stats->sparsity_i_gt_j);
    return true;
}

bool sasc_network_statistics(const sasc_program *program, const sasc_task *task,
                             const sasc_parameter_copy *copy, sasc_group_statistics *stats,
                             char *error, size_t error_size)
{
    for (int g = 0; g < program->group_count; g++)
        if (!sasc_group_statistics_compute(program, task, copy, g, &stats[g], NULL, error,
                                           error_size))
            return false;
    return true;
}

void sasc_network_entropy_free(sasc_network_entropy *e)
{
    for (int g = 0; e->values && g < e->group_count; g++)
        for (int k = 0; k < 3; k++)
            free(e->values[g][k]);
    free(e->values);
    free(e->stats);
    *e = (sasc_network_entropy){0};
}

bool sasc_network_entropy_compute(const sasc_program *program, const sasc_task *task,
                                  const sasc_parameter_copy *copy, sasc_network_entropy *e,
                                  char *error, size_t error_size)
{
    *e = (sasc_network_entropy){0};
    e->group_count = program->group_count;
    e->values = calloc((size_t)program->group_count + 1, sizeof *e->values);
    e->stats = calloc((size_t)program->group_count + 1, sizeof *e->stats);
    bool ok = e->values && e->stats;
    for (int g = 0; ok && g < program->group_count; g++) {
        size_t n = sasc_group_connections(program, g);
        for (int k = 0; ok && k < 3; k++)
            ok = (e->values[g][k] = malloc(n * sizeof(double))) != NULL;
        if (!ok)
            break;
        if (!sasc_group_statistics_compute(program, task, copy, g, &e->stats[g], e->values[g],
                                           error, error_size)) {
            sasc_network_entropy_free(e);
            return false;
        }
    }
    if (!ok) {
        snprintf(error, error_size, "out of memory computing the entropy");
        sasc_network_entropy_free(e);
    }
    return ok;
}

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
