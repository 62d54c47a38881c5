/*
 * information_integral.c — the two ways of taking the expectations of
 * information.h: Gauss-Hermite quadrature over the span of the means, and
 * Monte Carlo over the exact mixture density.
 */
#include "runtime/analyses/gauss_hermite.h"
#include "runtime/analyses/information_internal.h"
#include "runtime/support/rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_RANK = SASC_INFORMATION_MAX_QUADRATURE_RANK };
static const int ORDER[MAX_RANK + 1] = {1, 96, 48, 24};   /* nodes per dimension, by rank */
/* Beyond K^2 x nodes terms, Monte Carlo (K^2 d per draw) is the cheaper way. */
static const double QUADRATURE_BUDGET = 1e8;

/* ---- quadrature ---- */

/* An orthonormal basis (rank <= MAX_RANK vectors of d) of the span of
 * mu_x - mu_0 and each mean's coordinates in it (K x rank); false when the
 * span has more dimensions than MAX_RANK. */
static bool span_of_means(const sasc_gaussian_mixture *m, double tolerance, double *basis,
                          int *rank, double *coordinates, double *residual)
{
    size_t d = m->dimension;
    *rank = 0;
    for (size_t x = 0; x < m->inputs; x++) {
        for (size_t k = 0; k < d; k++)
            residual[k] = m->means[x * d + k] - m->means[k];
        for (int pass = 0; pass < 2; pass++)   /* twice: Gram-Schmidt that stays orthogonal */
            for (int b = 0; b < *rank; b++) {
                double dot = 0;
                for (size_t k = 0; k < d; k++)
                    dot += residual[k] * basis[b * d + k];
                for (size_t k = 0; k < d; k++)
                    residual[k] -= dot * basis[b * d + k];
            }
        double norm = 0;
        for (size_t k = 0; k < d; k++)
            norm += residual[k] * residual[k];
        norm = sqrt(norm);
        if (norm > tolerance) {
            if (*rank == MAX_RANK)
                return false;
            for (size_t k = 0; k < d; k++)
                basis[*rank * (int)d + (int)k] = residual[k] / norm;
            (*rank)++;
        }
    }
    for (size_t x = 0; x < m->inputs; x++)
        for (int b = 0; b < *rank; b++) {
            double dot = 0;
            for (size_t k = 0; k < d; k++)
                dot += (m->means[x * d + k] - m->means[k]) * basis[b * d + k];
            coordinates[x * MAX_RANK + b] = dot;
        }
    return true;
}

/* Both expectations by the product rule of `order` nodes per dimension. */
static void product_rule(const sasc_information_prepared *p, const double *coordinates, int rank,
                         int order, double *terms, double result[2])
{
    const sasc_gaussian_mixture *m = p->m;
    double z[100], w[100], sd = sqrt(m->variance);
    sasc_gauss_hermite(order, z, w);
    long points = 1;
    for (int b = 0; b < rank; b++)
        points *= order;
    result[0] = result[1] = 0;
    for (size_t x = 0; x < m->inputs; x++) {
        double weight_x = exp(p->log_weight[x]);
        if (weight_x == 0)
            continue;
        for (long point = 0; point < points; point++) {
            double t[MAX_RANK], node_weight = 1;
            for (int b = 0, rest = (int)point; b < rank; b++, rest /= order) {
                t[b] = coordinates[x * MAX_RANK + b] + sd * z[rest % order];
                node_weight *= w[rest % order];
            }
            for (size_t i = 0; i < m->inputs; i++) {
                double quadratic = 0;   /* the normalisers are equal and cancel */
                for (int b = 0; b < rank; b++) {
                    double r = t[b] - coordinates[i * MAX_RANK + b];
                    quadratic += r * r;
                }
                terms[i] = p->log_weight[i] - 0.5 * quadratic / m->variance;
            }
            double input, label;
            sasc_information_integrands(p, x, terms, &input, &label);
            result[0] += weight_x * node_weight * input;
            result[1] += weight_x * node_weight * label;
        }
    }
}

bool sasc_information_by_quadrature(const sasc_information_prepared *p,
                                    sasc_information_estimate *input,
                                    sasc_information_estimate *label)
{
    const sasc_gaussian_mixture *m = p->m;
    if (m->variances)
        return false;
    size_t d = m->dimension, K = m->inputs;
    double *basis = malloc(MAX_RANK * d * sizeof(double)), *residual = malloc(d * sizeof(double));
    double *coordinates = calloc(K * MAX_RANK, sizeof(double)), *terms = malloc(K * sizeof(double));
    int rank = 0;
    bool applies = basis && residual && coordinates && terms &&
                   span_of_means(m, 1e-9 * sqrt(m->variance), basis, &rank, coordinates, residual) &&
                   (double)K * (double)K * pow(ORDER[rank], rank) <= QUADRATURE_BUDGET;
    if (applies) {
        double fine[2] = {0, 0}, coarse[2] = {0, 0};
        if (rank > 0) {
            product_rule(p, coordinates, rank, ORDER[rank], terms, fine);
            product_rule(p, coordinates, rank, ORDER[rank] / 2, terms, coarse);
        }
        *input = (sasc_information_estimate){fine[0], fabs(fine[0] - coarse[0]),
                                             SASC_INFORMATION_BY_QUADRATURE, NAN, NAN};
        *label = (sasc_information_estimate){fine[1], fabs(fine[1] - coarse[1]),
                                             SASC_INFORMATION_BY_QUADRATURE, NAN, NAN};
    }
    free(basis);
    free(residual);
    free(coordinates);
    free(terms);
    return applies;
}

/* ---- Monte Carlo ---- */

/* ln N(t | mu_x, v_x). */
static double log_density(const sasc_information_prepared *p, size_t x, const double *t)
{
    const sasc_gaussian_mixture *m = p->m;
    double quadratic = 0;
    for (size_t k = 0; k < m->dimension; k++) {
        double r = t[k] - m->means[x * m->dimension + k];
        quadratic += r * r / sasc_information_variance(m, x, k);
    }
    return p->log_normaliser[x] - 0.5 * quadratic;
}

/* Running mean and variance (Welford) of one input's terms. */
typedef struct {
    double mean, m2;
    size_t n;
} running;

static void running_add(running *r, double value)
{
    r->n++;
    double delta = value - r->mean;
    r->mean += delta / (double)r->n;
    r->m2 += delta * (value - r->mean);
}

/* Input x's `samples` draws into r[0] (about the input) and r[1] (the label).
 * `terms` (K), `t` and `eps` (d) are scratch. */
static void draw_input(const sasc_information_prepared *p, const sasc_information_settings *s,
                       size_t x, double *terms, double *t, double *eps, running r[2])
{
    const sasc_gaussian_mixture *m = p->m;
    size_t d = m->dimension, blocks = (d + 1) / 2;
    for (size_t draw = 0; draw < s->samples; draw++) {
        sasc_rng_normals(s->seed, SASC_INFORMATION_STREAM,
                         ((uint64_t)x * s->samples + draw) * blocks, eps, d);
        for (size_t k = 0; k < d; k++)
            t[k] = m->means[x * d + k] + sqrt(sasc_information_variance(m, x, k)) * eps[k];
        for (size_t i = 0; i < m->inputs; i++)
            terms[i] = p->log_weight[i] + log_density(p, i, t);
        double input, label;
        sasc_information_integrands(p, x, terms, &input, &label);
        running_add(&r[0], input);
        running_add(&r[1], label);
    }
}

bool sasc_information_by_monte_carlo(const sasc_information_prepared *p,
                                     const sasc_information_settings *s,
                                     sasc_information_estimate *input,
                                     sasc_information_estimate *label)
{
    const sasc_gaussian_mixture *m = p->m;
    double *scratch = malloc((m->inputs + 2 * m->dimension) * sizeof(double));
    if (!scratch)
        return false;
    double value[2] = {0, 0}, variance[2] = {0, 0};
    for (size_t x = 0; x < m->inputs; x++) {
        double w = exp(p->log_weight[x]);
        if (w == 0)
            continue;
        running r[2] = {{0, 0, 0}, {0, 0, 0}};
        draw_input(p, s, x, scratch, scratch + m->inputs, scratch + m->inputs + m->dimension, r);
        for (int which = 0; which < 2; which++) {
            value[which] += w * r[which].mean;
            variance[which] += w * w * r[which].m2 / (double)(r[which].n - 1) / (double)s->samples;
        }
    }
    free(scratch);
    *input = (sasc_information_estimate){value[0], sqrt(variance[0]),
                                         SASC_INFORMATION_BY_MONTE_CARLO, NAN, NAN};
    *label = (sasc_information_estimate){value[1], sqrt(variance[1]),
                                         SASC_INFORMATION_BY_MONTE_CARLO, NAN, NAN};
    return true;
}
