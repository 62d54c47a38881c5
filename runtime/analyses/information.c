/*
 * information.c — mutual information of a Gaussian mixture (see information.h).
 */
#include "runtime/analyses/information.h"
#include "runtime/analyses/information_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

typedef sasc_information_prepared prepared;

double sasc_information_variance(const sasc_gaussian_mixture *m, size_t x, size_t k)
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
            double mean = m->means[x * m->dimension + k], v = sasc_information_variance(m, x, k);
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
            normaliser -= 0.5 * log(2.0 * M_PI * sasc_information_variance(m, x, k));
        p->log_normaliser[x] = normaliser;
    }
    for (size_t y = 0; y < classes; y++)
        p->class_log_weight[y] = log(p->class_log_weight[y]);
    return true;
}

double sasc_information_log_sum_exp(const double *terms, size_t n, const int *labels,
                                    int only_label)
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

void sasc_information_integrands(const sasc_information_prepared *p, size_t x,
                                 const double *terms, double *about_input, double *about_label)
{
    const sasc_gaussian_mixture *m = p->m;
    double marginal = sasc_information_log_sum_exp(terms, m->inputs, NULL, 0);
    *about_input = terms[x] - p->log_weight[x] - marginal;
    if (m->labels) {
        int y = m->labels[x];
        *about_label = sasc_information_log_sum_exp(terms, m->inputs, m->labels, y) -
                       p->class_log_weight[y] - marginal;
    } else {
        *about_label = 0;
    }
}

/* KL(p_i || p_j) and the Bhattacharyya distance between inputs i and j. */
static void pair_distances(const sasc_gaussian_mixture *m, size_t i, size_t j, double *kl,
                           double *bhattacharyya)
{
    double sum_kl = 0, sum_bd = 0;
    for (size_t k = 0; k < m->dimension; k++) {
        double vi = sasc_information_variance(m, i, k), vj = sasc_information_variance(m, j, k);
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
        sums[0] -= w * sasc_information_log_sum_exp(bd, K, NULL, 0);
        sums[1] -= w * sasc_information_log_sum_exp(kl, K, NULL, 0);
        if (m->labels) {
            int y = m->labels[i];
            sums[2] -= w * (sasc_information_log_sum_exp(bd, K, m->labels, y) - p->class_log_weight[y]);
            sums[3] -= w * (sasc_information_log_sum_exp(kl, K, m->labels, y) - p->class_log_weight[y]);
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
    *settings = (sasc_information_settings){SASC_INFORMATION_AUTO,
                                            SASC_INFORMATION_DEFAULT_SAMPLES, 0};
}

/* nats -> bits for a computed value and its error. */
static void in_bits(sasc_information_estimate *e)
{
    e->value /= M_LN2;
    e->error /= M_LN2;
}

bool sasc_information_compute(const sasc_gaussian_mixture *mixture,
                              const sasc_information_settings *settings,
                              sasc_information_estimate *about_input,
                              sasc_information_estimate *about_label,
                              char *error, size_t error_size)
{
    if (!check_mixture(mixture, error, error_size))
        return false;
    if (settings->method == SASC_INFORMATION_MONTE_CARLO && settings->samples < 2) {
        snprintf(error, error_size, "the Monte Carlo estimate needs at least 2 samples per input, "
                 "not %zu", settings->samples);
        return false;
    }
    prepared p;
    if (!prepare(mixture, &p, error, error_size))
        return false;
    double *scratch = malloc(2 * mixture->inputs * sizeof(double));
    sasc_information_estimate input = {NAN, NAN, SASC_INFORMATION_NOT_COMPUTED, NAN, NAN};
    sasc_information_estimate label = input;
    bool ok = scratch != NULL;
    if (ok && settings->method != SASC_INFORMATION_BOUNDS) {
        bool done = settings->method == SASC_INFORMATION_AUTO &&
                    sasc_information_by_quadrature(&p, &input, &label);
        if (!done && settings->samples >= 2)
            ok = sasc_information_by_monte_carlo(&p, settings, &input, &label);
        in_bits(&input);
        in_bits(&label);
    }
    if (ok)
        pairwise_bounds(&p, scratch, &input, &label);
    else
        snprintf(error, error_size, "out of memory for a representation of %zu inputs",
                 mixture->inputs);
    if (!mixture->labels)
        label = (sasc_information_estimate){NAN, NAN, SASC_INFORMATION_NOT_COMPUTED, NAN, NAN};
    if (ok && about_input)
        *about_input = input;
    if (ok && about_label)
        *about_label = label;
    free(scratch);
    prepared_free(&p);
    return ok;
}
