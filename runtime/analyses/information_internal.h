/*
 * information_internal.h — what the parts of the information estimator
 * (information.c, information_integral.c) share.
 */
#ifndef SASC_INFORMATION_INTERNAL_H
#define SASC_INFORMATION_INTERNAL_H

#include "runtime/analyses/information.h"

/* Derived once from a checked mixture. */
typedef struct {
    const sasc_gaussian_mixture *m;
    double *log_weight;        /* K: ln w_x (normalised), -inf for w_x = 0 */
    double *class_log_weight;  /* classes (1 without labels): ln W_y */
    double *log_normaliser;    /* K: -1/2 sum_k ln(2 pi v_xk) */
} sasc_information_prepared;

double sasc_information_variance(const sasc_gaussian_mixture *m, size_t x, size_t k);

/* ln sum_i exp(terms[i]) over i (only those with labels[i] == label when
 * labels is not NULL); -inf over nothing. */
double sasc_information_log_sum_exp(const double *terms, size_t n, const int *labels, int label);

/* The two integrands at a point: ln p(t|x) - ln p(t) and ln p(t|y_x) - ln p(t),
 * from terms[i] = ln w_i + ln p(t|i) for every input i. */
void sasc_information_integrands(const sasc_information_prepared *p, size_t x,
                                 const double *terms, double *about_input, double *about_label);

/* `value` and `error` of both estimates (in nats) by quadrature over the span
 * of the means; false when it does not apply (variances not shared and
 * isotropic, span beyond SASC_INFORMATION_MAX_QUADRATURE_RANK) or without
 * memory, leaving the estimates untouched. */
bool sasc_information_by_quadrature(const sasc_information_prepared *p,
                                    sasc_information_estimate *input,
                                    sasc_information_estimate *label);

/* The same by Monte Carlo; false without memory. */
bool sasc_information_by_monte_carlo(const sasc_information_prepared *p,
                                     const sasc_information_settings *s,
                                     sasc_information_estimate *input,
                                     sasc_information_estimate *label);

#endif
