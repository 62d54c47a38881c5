/*
 * information.c — mutual information of a Gaussian mixture (see information.h).
 */
#include "runtime/analyses/information.h"
#include "runtime/support/rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* What both estimators share, derived once from the mixture. */
typedef struct {
    const sasc_gaussian_mixture *m;
    double *log_weight;        /* K: ln w_x (normalised), -inf for w_x = 0 */
    double *class_log_weight;  /* classes: ln W_y */
    double *log_normaliser;    /* K: -1/2 sum_k ln(2 pi v_xk) */
} prepared;

static double variance_of(const sasc_gaussian_mixture *m, size_t x, size_t k)
{
    return m->variances ? m->variances[x * m->dimension + k] : m->variance;
}

static bool check_mixture(const sasc_gaussian_mixture *m, char *error, size_t error_size)
{
    if (m->inputs < 1 || m->dimension < 1 || !m->means) {
        snprintf(error, error_size, "the representation needs at least one input and one dimension");
        return false;
    }
    if (m->labels && m->classes < 1) {
        snprintf(error, error_size, "labels are given but the number of classes is %d", m->classes);
        return false;
    }
    double total = 0;
    for (size_t x = 0; x < m->inputs; x++) {
        for (size_t k = 0; k < m->dimension; k++) {
            double mean = m->means[x * m->dimension + k], v = variance_of(m, x, k);
            if (!isfinite(mean) || !isfinite(v) || v <= 0) {
                snprintf(error, error_size, "input %zu, dimension %zu: mean %g and variance %g; "
                         "means must be finite and variances finite and > 0", x, k, mean, v);
                return false;
            }
        }
        double w = m->weights ? m->weights[x] : 1.0;
        if (!isfinite(w) || w < 0) {
            snprintf(error, error_size, "input %zu has weight %g; weights must be finite and >= 0", x, w);
            return false;
        }
        if (m->labels && (m->labels[x] < 0 || m->labels[x] >= m->classes)) {
            snprintf(error, error_size, "input %zu has label %d, outside [0, %d)", x, m->labels[x],
                     m->classes);
            return false;
        }
        total += w;
    }
    if (!(total > 0) || !isfinite(total)) {
        snprintf(error, error_size, "the input weights sum to %g; they must sum to a positive number",
                 total);
        return false;
    }
    return true;
}

static void prepared_free(prepared *p)
{
    free(p->log_weight);
    free(p->class_log_weight);
    free(p->log_normaliser);
}

static bool prepare(const sasc_gaussian_mixture *m, prepared *p, char *error, size_t error_size)
{
    size_t classes = m->labels ? (size_t)m->classes : 1;
    *p = (prepared){m, malloc(m->inputs * sizeof(double)), calloc(classes, sizeof(double)),
                    malloc(m->inputs * sizeof(double))};
    if (!p->log_weight || !p->class_log_weight || !p->log_normaliser) {
        prepared_free(p);
        snprintf(error, error_size, "out of memory for a representation of %zu inputs", m->inputs);
        return false;
    }
    double total = 0;
    for (size_t x = 0; x < m->inputs; x++)
        total += m->weights ? m->weights[x] : 1.0;
    for (size_t x = 0; x < m->inputs; x++) {
        double w = (m->weights ? m->weights[x] : 1.0) / total;
        p->log_weight[x] = log(w);   /* -inf for w = 0: such an input adds nothing to p(t) */
        p->class_log_weight[m->labels ? (size_t)m->labels[x] : 0] += w;
        double normaliser = 0;
        for (size_t k = 0; k < m->dimension; k++)
            normaliser -= 0.5 * log(2.0 * M_PI * variance_of(m, x, k));
        p->log_normaliser[x] = normaliser;
    }
    for (size_t y = 0; y < classes; y++)
        p->class_log_weight[y] = log(p->class_log_weight[y]);
    return true;
}

/* ln of sum_i exp(terms[i]) over i with include(i); -inf when none. */
static double log_sum_exp(const double *terms, size_t n, const int *labels, int only_label)
{
    double top = -INFINITY;
    for (size_t i = 0; i < n; i++)
        if ((!labels || labels[i] == only_label) && terms[i] > top)
            top = terms[i];
    if (top == -INFINITY)
        return -INFINITY;
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        if (!labels || labels[i] == only_label)
            sum += exp(terms[i] - top);
    return top + log(sum);
}

/* ln N(t | mu_x, v_x). */
static double log_density(const prepared *p, size_t x, const double *t)
{
    const sasc_gaussian_mixture *m = p->m;
    double quadratic = 0;
    for (size_t k = 0; k < m->dimension; k++) {
        double r = t[k] - m->means[x * m->dimension + k];
        quadratic += r * r / variance_of(m, x, k);
    }
    return p->log_normaliser[x] - 0.5 * quadratic;
}

/* Running mean and variance (Welford) of one input's Monte Carlo terms. */
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

/* Adds input x's `samples` draws to `input` (ln p(t|x) - ln p(t)) and
 * `label` (ln p(t|y_x) - ln p(t)). `terms` (K) and `t`, `eps` (d) are scratch. */
static void draw_input(const prepared *p, const sasc_information_settings *s, size_t x,
                       double *terms, double *t, double *eps, running *input, running *label)
{
    const sasc_gaussian_mixture *m = p->m;
    size_t d = m->dimension, blocks = (d + 1) / 2;
    for (size_t draw = 0; draw < s->samples; draw++) {
        sasc_rng_normals(s->seed, SASC_INFORMATION_STREAM,
                         ((uint64_t)x * s->samples + draw) * blocks, eps, d);
        for (size_t k = 0; k < d; k++)
            t[k] = m->means[x * d + k] + sqrt(variance_of(m, x, k)) * eps[k];
        for (size_t i = 0; i < m->inputs; i++)
            terms[i] = p->log_weight[i] + log_density(p, i, t);
        double marginal = log_sum_exp(terms, m->inputs, NULL, 0);
        running_add(input, terms[x] - p->log_weight[x] - marginal);
        if (m->labels) {
            int y = m->labels[x];
            double of_class = log_sum_exp(terms, m->inputs, m->labels, y) - p->class_log_weight[y];
            running_add(label, of_class - marginal);
        }
    }
}

static void monte_carlo(const prepared *p, const sasc_information_settings *s, double *scratch,
                        sasc_information_estimate *input, sasc_information_estimate *label)
{
    const sasc_gaussian_mixture *m = p->m;
    double value[2] = {0, 0}, variance[2] = {0, 0};
    for (size_t x = 0; x < m->inputs; x++) {
        double w = exp(p->log_weight[x]);
        if (w == 0)
            continue;
        running r[2] = {{0, 0, 0}, {0, 0, 0}};
        draw_input(p, s, x, scratch, scratch + m->inputs, scratch + m->inputs + m->dimension,
                   &r[0], &r[1]);
        for (int which = 0; which < 2; which++) {
            value[which] += w * r[which].mean;
            variance[which] += w * w * (r[which].n > 1 ? r[which].m2 / (double)(r[which].n - 1) : 0)
                               / (double)s->samples;
        }
    }
    input->value = value[0] / M_LN2;
    input->standard_error = sqrt(variance[0]) / M_LN2;
    label->value = value[1] / M_LN2;
    label->standard_error = sqrt(variance[1]) / M_LN2;
}

/* KL(p_i || p_j) and the Bhattacharyya distance between inputs i and j. */
static void pair_distances(const sasc_gaussian_mixture *m, size_t i, size_t j, double *kl,
                           double *bhattacharyya)
{
    double sum_kl = 0, sum_bd = 0;
    for (size_t k = 0; k < m->dimension; k++) {
        double vi = variance_of(m, i, k), vj = variance_of(m, j, k);
        double diff = m->means[i * m->dimension + k] - m->means[j * m->dimension + k];
        double mean_v = 0.5 * (vi + vj);
        sum_kl += 0.5 * (vi / vj + diff * diff / vj - 1.0 + log(vj / vi));
        sum_bd += 0.125 * diff * diff / mean_v + 0.5 * log(mean_v / sqrt(vi * vj));
    }
    *kl = sum_kl;
    *bhattacharyya = sum_bd;
}

/* The Kolchinsky-Tracey bounds. `scratch` holds 2K doubles. */
static void pairwise_bounds(const prepared *p, double *scratch, sasc_information_estimate *input,
                            sasc_information_estimate *label)
{
    const sasc_gaussian_mixture *m = p->m;
    size_t K = m->inputs;
    double *kl = scratch, *bd = scratch + K;
    /* sums[0]: -sum w ln sum w e^-BD, [1]: the same with KL; [2], [3]: within-class, BD, KL */
    double sums[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < K; i++) {
        double w = exp(p->log_weight[i]);
        if (w == 0)
            continue;
        for (size_t j = 0; j < K; j++) {
            double kl_ij, bd_ij;
            pair_distances(m, i, j, &kl_ij, &bd_ij);
            kl[j] = p->log_weight[j] - kl_ij;
            bd[j] = p->log_weight[j] - bd_ij;
        }
        sums[0] -= w * log_sum_exp(bd, K, NULL, 0);
        sums[1] -= w * log_sum_exp(kl, K, NULL, 0);
        if (m->labels) {
            int y = m->labels[i];
            sums[2] -= w * (log_sum_exp(bd, K, m->labels, y) - p->class_log_weight[y]);
            sums[3] -= w * (log_sum_exp(kl, K, m->labels, y) - p->class_log_weight[y]);
        }
    }
    input->lower = fmax(sums[0], 0) / M_LN2;
    input->upper = fmax(sums[1], 0) / M_LN2;
    if (m->labels) {
        double label_entropy = 0;
        for (int y = 0; y < m->classes; y++)
            if (p->class_log_weight[y] > -INFINITY)
                label_entropy -= exp(p->class_log_weight[y]) * p->class_log_weight[y];
        label->lower = fmin(fmax(sums[0] - sums[3], 0), label_entropy) / M_LN2;
        label->upper = fmin(fmax(sums[1] - sums[2], 0), label_entropy) / M_LN2;
    }
}

void sasc_information_settings_default(sasc_information_settings *settings)
{
    *settings = (sasc_information_settings){SASC_INFORMATION_DEFAULT_SAMPLES, 0};
}

bool sasc_information_compute(const sasc_gaussian_mixture *mixture,
                              const sasc_information_settings *settings,
                              sasc_information_estimate *about_input,
                              sasc_information_estimate *about_label,
                              char *error, size_t error_size)
{
    if (!check_mixture(mixture, error, error_size))
        return false;
    if (settings->samples == 1) {
        snprintf(error, error_size, "the Monte Carlo estimate needs at least 2 samples per input "
                 "(0 computes the bounds only)");
        return false;
    }
    prepared p;
    if (!prepare(mixture, &p, error, error_size))
        return false;
    double *scratch = malloc((2 * mixture->inputs + 2 * mixture->dimension) * sizeof(double));
    if (!scratch) {
        prepared_free(&p);
        snprintf(error, error_size, "out of memory for a representation of %zu inputs",
                 mixture->inputs);
        return false;
    }
    sasc_information_estimate input = {NAN, NAN, NAN, NAN}, label = {NAN, NAN, NAN, NAN};
    if (settings->samples > 0)
        monte_carlo(&p, settings, scratch, &input, &label);
    pairwise_bounds(&p, scratch, &input, &label);
    if (!mixture->labels)
        label = (sasc_information_estimate){NAN, NAN, NAN, NAN};
    if (about_input)
        *about_input = input;
    if (about_label)
        *about_label = label;
    free(scratch);
    prepared_free(&p);
    return true;
}
