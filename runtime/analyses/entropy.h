/*
 * entropy.h — entropy of spike-and-slab connections (gbp Eq. 8, gbptt Eq. 14).
 *
 * A connection with parameters (pi, m, Xi) has the weight distribution
 *     P(w) = pi delta(w) + (1 - pi) N(w | m, Xi).
 *
 * THE ESTIMATE (what `total` is). For 0 < pi < 1 and Xi > a, gbptt Eq. 14:
 *     S = -pi ln[pi delta(0) + (1-pi) N(0|m,Xi)] - (1-pi)/B sum_s Gamma(eps_s),
 *     Gamma(eps) = ln[pi delta(m + sqrt(Xi) eps) + (1-pi)/sqrt(Xi) N(eps|0,1)],
 * with delta(x) = N(x | 0, a), the Gaussian of small variance a that the
 * papers use for the delta peak (gbptt, text after Eq. 14). Neither paper
 * states a value; the default a = 1e-8 is the threshold below which the
 * authors' entropy code (Chan-Li/SAS-model, entropy/Entropy.py) treats Xi as 0.
 * The second term is the exact Monte Carlo estimate of the slab's share
 * -(1-pi) E_{w~N(m,Xi)} ln P(w); the first term evaluates the spike's share
 * at the spike's centre, which is Eq. 14 as published: it is smaller than the
 * differential entropy -∫ P ln P of the regularised density by pi/2 (plus
 * O(sqrt(a/Xi))), the entropy of the regulariser's own width. We keep Eq. 14
 * so that the numbers are the papers' numbers; tests/test_analysis.c checks
 * this relation against a quadrature of -∫ P ln P.
 *
 * THE CLOSED FORMS are used as exact special cases, as both papers state them
 * ("If pi = 0 ... If Xi = 0 ...") and as the authors' code applies them; they
 * are noise-free and say that deterministic weights carry no entropy:
 *   - pi >= 1 (the weight is 0):                        S = 0;
 *   - Xi <= a and m == 0 (spike and slab coincide at 0): S = 0;
 *   - Xi <= a (the discrete limit: "Xi < a is raised to a" and a slab of
 *     variance a is a second atom):           S = -pi ln pi - (1-pi) ln(1-pi),
 *     which is 0 for pi = 0 (a VIP weight);
 *   - pi <= 0, Xi > a (a plain Gaussian):     S = 0.5 ln(2 pi e Xi).
 * So Xi is never used below a: the general formula only ever sees Xi > a.
 * The general formula at pi -> 0 is a Monte Carlo estimate of the Gaussian
 * closed form; at pi -> 1 and at Xi -> a it jumps (it then contains the
 * regulariser's entropy pi/2 ln(2 pi a)), a known property of mixing discrete
 * and continuous entropies (gbptt: "the entropy value can take negative values").
 *
 * THE DECOMPOSITION (gbptt Fig. 4 and text after Eq. 14: "one at the choice of
 * connection that is absent and the other at the Gaussian slab itself"), by
 * the chain rule over the indicator "the connection is absent":
 *   pi-part  S_pi = -pi ln pi - (1-pi) ln(1-pi)      (discrete, pi only),
 *   Xi-part  S_Xi = (1-pi) * 0.5 ln(2 pi e Xi)  for Xi > a, 0 for Xi <= a
 *                   (the slab's differential entropy times the probability
 *                   that the slab is chosen; Xi only, besides that weight),
 * both 0 for a deterministic weight (pi >= 1, or Xi <= a and m == 0). In every
 * closed-form case S_pi + S_Xi = S exactly. In the general case the parts do
 * not depend on a or on the samples, and S - (S_pi + S_Xi) is the
 * regulariser's term pi/2 ln(2 pi a) plus the spike-slab overlap correction.
 *
 * SAMPLES. The same B standard normals eps_s serve every connection (a common
 * random numbers design: differences between connections and layers are not
 * blurred by sampling noise, and a B-vector of normals is drawn once). The
 * authors' code draws fresh normals per connection; the expectation is the
 * same. Either the caller gives the eps_s, or they are drawn from `seed` with
 * the Philox generator (runtime/support/rng.h) on stream SASC_ENTROPY_STREAM,
 * counter 0, so a seed always gives the same numbers.
 *
 * PRECISION. Inputs, outputs and all per-connection work are double; the
 * n * B terms of the sample average are computed in float (relative error
 * ~1e-7 each, summed in double), far below the Monte Carlo error of B samples.
 *
 * THREADS. Connections are processed in fixed blocks of SASC_ENTROPY_BLOCK;
 * each block's result and partial sums do not depend on which thread computed
 * it, and the block sums are added in block order, so every output is
 * bit-identical for any thread count.
 *
 * Inputs outside the valid ranges are clipped as training clips them
 * (pi to [0, 1], Xi to >= 0); a NaN input gives NaN outputs for that connection.
 */
#ifndef SASC_ENTROPY_H
#define SASC_ENTROPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "runtime/settings/task.h"   /* SASC_ENTROPY_DEFAULT_A, _SAMPLES */

#define SASC_ENTROPY_BLOCK 64
/* Philox stream of the entropy samples: purpose byte 0x10, outside the
 * sasc_stream_purpose values of rng.h, so it overlaps no other stream. */
#define SASC_ENTROPY_STREAM ((uint64_t)0x10 << 56)

typedef struct {
    double a;              /* variance of the Gaussian delta, > 0 */
    size_t samples;        /* B, >= 1 */
    uint64_t seed;         /* draws eps_s when `eps` is NULL */
    const double *eps;     /* NULL, or `samples` standard normals used as eps_s */
    unsigned threads;      /* >= 1 */
} sasc_entropy_settings;

/* Per-connection results; each pointer NULL (not wanted) or n doubles. */
typedef struct {
    double *total;
    double *pi_part;
    double *xi_part;
} sasc_entropy_outputs;

/* Means over the connections of one call (one layer); 0 when count is 0. */
typedef struct {
    double total;
    double pi_part;
    double xi_part;
    size_t count;
} sasc_entropy_summary;

/* a = 1e-8, B = 100, seed 0, drawn samples, one thread. */
void sasc_entropy_settings_default(sasc_entropy_settings *settings);

/* Entropy of connections i = 0..n-1 with parameters (pi[i], m[i], xi[i]).
 * `summary` (may be NULL) receives the means, `outputs` (may be NULL) the
 * per-connection values. False with a message on bad settings or when memory
 * or threads cannot be had; outputs are then unspecified. */
bool sasc_entropy_compute(const double *pi, const double *m, const double *xi, size_t n,
                          const sasc_entropy_settings *settings,
                          sasc_entropy_summary *summary, const sasc_entropy_outputs *outputs,
                          char *error, size_t error_size);

/* The same for float parameters (converted to double, then the call above). */
bool sasc_entropy_compute_float(const float *pi, const float *m, const float *xi, size_t n,
                                const sasc_entropy_settings *settings,
                                sasc_entropy_summary *summary,
                                const sasc_entropy_outputs *outputs,
                                char *error, size_t error_size);

#endif
