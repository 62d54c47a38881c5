/*
 * information.h — mutual information of a Gaussian-mixture representation
 * with the input and with the label (the information plane).
 *
 * THE CHANNEL. An input x (one of K, probability w_x, class label y_x) is
 * represented by T ~ N(mu_x, diag(v_x)) in d dimensions. This is exactly
 * what noise added to a deterministic representation gives (neurashed
 * levels, paper `neurashed.txt` Fig. 4: "noise is added in calculating the
 * mutual information"), and what a spike-and-slab layer gives without added
 * noise (z ~ N(G, Delta^2) given the input). The marginal of T is the
 * mixture p(t) = sum_x w_x N(t | mu_x, v_x), known in closed form; so
 *     I(T; X) = sum_x w_x E_{t ~ N(mu_x, v_x)} [ln p(t | x) - ln p(t)],
 *     I(T; Y) = sum_x w_x E_{t ~ N(mu_x, v_x)} [ln p(t | y_x) - ln p(t)],
 * with p(t | y) the mixture of class y's inputs (weights w_x / W_y). This
 * module knows nothing of where the means and variances came from.
 *
 * THE VALUE (`value`) is these expectations over the exact mixture density,
 * taken one of two ways (no binning and no density estimate either way):
 *  - QUADRATURE, exact to the quadrature's error, when every input has the
 *    same isotropic variance (`variances` NULL), the means span at most 3
 *    dimensions (K inputs span at most K - 1; inputs sharing a mean count
 *    once) and K^2 times the quadrature's nodes stays within 10^8. The noise orthogonal to the span of the means is the same for
 *    every input and cancels in p(t | x) / p(t), so the integral is over the
 *    span only, by a Gauss-Hermite product rule of SASC_INFORMATION_ORDER
 *    nodes per dimension (96, 48, 24 for 1, 2, 3 dimensions). `error` is
 *    the difference from the rule with half as many nodes: a conservative
 *    estimate, as the rule converges fast for these smooth integrands.
 *    Directions in which the means differ by less than 1e-9 noise standard
 *    deviations are dropped (they carry O(1e-18) bits).
 *  - MONTE_CARLO otherwise (or when asked): `samples` draws per input,
 *    t = mu_x + sqrt(v_x) eps, eps standard normal from the Philox generator
 *    (runtime/support/rng.h) on stream SASC_INFORMATION_STREAM, input x's
 *    draws at their own counters. Unbiased; `error` is the Monte Carlo
 *    standard error (draws of different inputs are independent). The same
 *    seed gives the same eps at every call, so a curve over training (means
 *    changing, eps fixed) is smooth: common random numbers.
 * Inputs with equal means and variances need no merging: they act as one
 * component of weight w_x + w_x' in either way.
 *
 * THE BOUNDS (`lower`, `upper`). Kolchinsky & Tracey, "Estimating mixture
 * entropy with pairwise distances", Entropy 19 (2017) 361: for a mixture
 * with component index X, H(T) lies between
 *     H(T|X) - sum_i w_i ln sum_j w_j exp(-D(p_i, p_j))
 * with D the Bhattacharyya distance (lower) and the Kullback-Leibler
 * divergence (upper). Hence I(T;X) lies between -sum_i w_i ln sum_j w_j
 * exp(-BD_ij) and the same with KL_ij. For I(T;Y) = H(T) - sum_y W_y H(T|y)
 * the bounds combine a bound on H(T) with the opposite bound on each
 * class's mixture entropy: lower = -sum_i w_i ln sum_j w_j e^{-BD_ij}
 * + sum_i w_i ln sum_{j in y_i} (w_j / W_{y_i}) e^{-KL_ij}, upper the same
 * with BD and KL exchanged; they are then clipped to [0, H(Y)] (the
 * information of a discrete label is in that range). They need K^2 d work
 * and no samples, for the large K where Monte Carlo (K^2 d per draw) is too
 * costly; both bounds are exact when components are identical or far apart.
 *
 * Units: bits. Variances must be > 0 (a deterministic representation has no
 * finite-noise channel); weights >= 0 with a positive sum (normalised here).
 */
#ifndef SASC_INFORMATION_H
#define SASC_INFORMATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Philox stream of the Monte Carlo draws: purpose byte 0x11, outside the
 * sasc_stream_purpose values of rng.h and the entropy stream (0x10). */
#define SASC_INFORMATION_STREAM ((uint64_t)0x11 << 56)
#define SASC_INFORMATION_DEFAULT_SAMPLES 2000
#define SASC_INFORMATION_MAX_QUADRATURE_RANK 3

/* The representation: K inputs, each a Gaussian in d dimensions. */
typedef struct {
    size_t inputs;             /* K >= 1 */
    size_t dimension;          /* d >= 1 */
    const double *means;       /* K x d, row-major */
    const double *variances;   /* K x d diagonal variances, or NULL: all equal `variance` */
    double variance;           /* used when `variances` is NULL */
    const double *weights;     /* K input probabilities (any positive scale), NULL: uniform */
    const int *labels;         /* K labels in [0, classes), NULL: no I(T; Y) */
    int classes;
} sasc_gaussian_mixture;

typedef enum {
    SASC_INFORMATION_AUTO = 0,     /* quadrature where it applies, else Monte Carlo */
    SASC_INFORMATION_MONTE_CARLO,  /* always Monte Carlo */
    SASC_INFORMATION_BOUNDS        /* only the bounds (value and error NAN) */
} sasc_information_method;

typedef struct {
    sasc_information_method method;
    size_t samples;            /* Monte Carlo draws per input, >= 2 */
    uint64_t seed;             /* of the Monte Carlo draws */
} sasc_information_settings;

/* How `value` was computed. */
typedef enum {
    SASC_INFORMATION_BY_QUADRATURE,
    SASC_INFORMATION_BY_MONTE_CARLO,
    SASC_INFORMATION_NOT_COMPUTED
} sasc_information_way;

/* One mutual information, in bits. */
typedef struct {
    double value;              /* NAN when not computed */
    double error;              /* quadrature error estimate or Monte Carlo standard error */
    sasc_information_way way;
    double lower, upper;       /* pairwise-distance bounds */
} sasc_information_estimate;

/* AUTO, samples = SASC_INFORMATION_DEFAULT_SAMPLES, seed 0. */
void sasc_information_settings_default(sasc_information_settings *settings);

/* I(T; X) into `about_input` and, when the mixture has labels, I(T; Y) into
 * `about_label` (either pointer may be NULL: not wanted). False with one
 * sentence in `error` on an invalid mixture or settings, or without memory. */
bool sasc_information_compute(const sasc_gaussian_mixture *mixture,
                              const sasc_information_settings *settings,
                              sasc_information_estimate *about_input,
                              sasc_information_estimate *about_label,
                              char *error, size_t error_size);

#endif
