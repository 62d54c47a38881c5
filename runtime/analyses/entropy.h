/*
 * entropy.h — entropy of spike-and-slab connections (gbp Eq. 8, gbptt Eq. 14).
 *
 * A connection with parameters (pi, m, Xi) has the weight distribution
 *     P(w) = pi delta(w) + (1 - pi) N(w | m, Xi).
 *
 * THE TWO FORMULAS (what `total` is). For 0 < pi < 1 and Xi > a, with
 *     Gamma(eps) = ln[pi delta(m + sqrt(Xi) eps) + (1-pi)/sqrt(Xi) N(eps|0,1)]
 * (the same in both papers) and B standard normals eps_s:
 *   gbp Eq. 8 (arXiv 2001.03354 and PRL 125, 178301, the same text):
 *     S = -pi ln[pi + (1-pi) N(0|m,Xi)]          - (1-pi)/B sum_s Gamma(eps_s);
 *   gbptt Eq. 14 (Zou, Li & Huang, PRE 107, 024307):
 *     S = -pi ln[pi delta(0) + (1-pi) N(0|m,Xi)] - (1-pi)/B sum_s Gamma(eps_s).
 * They differ only in the first term: Eq. 8 weighs the spike by its mass pi,
 * Eq. 14 by its peak density pi delta(0). delta(x) = N(x | 0, a), the
 * Gaussian of small variance a (gbptt, text after Eq. 14; gbp does not say),
 * a = entropy_a, 1e-8 by default: the threshold below which the authors' gBP
 * code (Chan-Li/SAS-model, entropy/Entropy.py) treats Xi as 0. The formula is
 * chosen by the task's `entropy_formula`; `auto` takes Eq. 8 for feedforward
 * programs and Eq. 14 for programs with a recurrent group (the paper that
 * studies each kind of network), see sasc_entropy_formula_of_program.
 * The second term is the exact Monte Carlo estimate of the slab's share
 * -(1-pi) E_{w~N(m,Xi)} ln P(w) of -∫ P ln P; the first term evaluates the
 * spike's share at the spike's centre. Eq. 14's first term is then smaller
 * than the differential entropy of the regularised density by pi/2 (plus
 * O(sqrt(a/Xi))), the entropy of the regulariser's own width; tests/
 * test_analysis.c checks that against a quadrature of -∫ P ln P, and each
 * formula's sample average against a quadrature of its own integral.
 *
 * The gbptt text prints the discrete limit as "pi ln pi + (1-pi) ln(1-pi)":
 * the minus sign is missing (a typo; an entropy of a discrete variable is
 * >= 0, and gbp and both authors' codes have -pi ln pi - (1-pi) ln(1-pi)).
 *
 * THE CLOSED FORMS are used as exact special cases, as both papers state them
 * ("If pi = 0 ... If Xi = 0 ...") and as the authors' code applies them; they
 * are noise-free, say that deterministic weights carry no entropy, and are
 * the same for both formulas:
 *   - pi >= 1 (the weight is 0):                        S = 0;
 *   - Xi <= a and m == 0 (spike and slab coincide at 0): S = 0;
 *   - Xi <= a (the discrete limit: "Xi < a is raised to a" and a slab of
 *     variance a is a second atom):           S = -pi ln pi - (1-pi) ln(1-pi),
 *     which is 0 for pi = 0 (a VIP weight);
 *   - pi <= 0, Xi > a (a plain Gaussian):     S = 0.5 ln(2 pi e Xi).
 * So Xi is never used below a: the general formula only ever sees Xi > a.
 * The general formula at pi -> 0 is a Monte Carlo estimate of the Gaussian
 * closed form; at pi -> 1 and at Xi -> a Eq. 14 jumps (it then contains the
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
 * both 0 for a deterministic weight (pi >= 1, or Xi <= a and m == 0). The
 * parts are the same for both formulas; what is left over says how each
 * formula relates to them. In every closed-form case S_pi + S_Xi = S exactly.
 * In the general case, with O the spike-slab overlap correction
 *   O = -pi ln[1 + (1-pi) N(0|m,Xi) / (pi c)] - (1-pi) E ln[1 + pi delta(w) /
 *       ((1-pi) N(w|m,Xi))]   (c = 1 for Eq. 8, delta(0) for Eq. 14; O -> 0
 *       when the slab's density at 0 is small against the spike's),
 *   Eq. 8:  S = S_pi + S_Xi + O                     (+ the sampling error),
 *   Eq. 14: S = S_pi + S_Xi + (pi/2) ln(2 pi a) + O (+ the sampling error):
 * Eq. 8's total is the sum of the parts up to the overlap, Eq. 14's carries
 * the regulariser's term besides. Per layer the same holds for the means
 * over the connections (`sasc_entropy_summary`). tests/test_analysis.c
 * checks both relations.
 *
 * THE AUTHORS' NUMERICAL CONVENTIONS, where they differ from these:
 *   - gBP (Chan-Li/SAS-model, entropy/Entropy.py; Eq. 8): delta is a box,
 *     5000 on |x| < 1e-4 (width 2e-4, mass 1), not a Gaussian; 1e-6 is added
 *     inside the first term's logarithm; Xi <= 1e-8 counts as 0 (the same
 *     closed forms); pi = 0 with Xi > 1e-8 goes through the Monte Carlo sum
 *     (an estimate of the Gaussian closed form used here); B = 100 fresh
 *     normals per connection. (That file also calls scipy.stats without
 *     importing it.)
 *   - gBPTT (ZouWenXuan/Spike-and-Slab-RNN, "Results/Multisensory
 *     integration task/sub_tasks.py", the entropy of the MSI networks;
 *     Eq. 14): delta is the Gaussian of variance a = 1e-4, and densities are
 *     floored at 1e-40; Xi <= a is raised to a and every connection goes
 *     through the general formula (no closed forms); B = 1000 normals shared
 *     by all connections; the recurrent matrix's diagonal is left out of the
 *     layer means. Its decomposition takes S_pi as here (for 0 < pi < 1) but
 *     S_Xi = 0.5 ln(2 pi e max(Xi, a)) for every connection, not weighted by
 *     (1 - pi) and not 0 for Xi <= a. The published code holds no entropy of
 *     the MNIST networks.
 *   With entropy_a and entropy_samples set to theirs, the closed forms and
 *   the common samples are what still differ here.
 *
 * SAMPLES. The same B standard normals eps_s serve every connection (a common
 * random numbers design: differences between connections and layers are not
 * blurred by sampling noise, and a B-vector of normals is drawn once). The
 * gBP code draws fresh normals per connection; the expectation is the same.
 * Either the caller gives the eps_s, or they are drawn from `seed` with
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
#include "runtime/sasc_runtime.h"
#include "runtime/settings/task.h"   /* SASC_ENTROPY_DEFAULT_A, _SAMPLES, sasc_entropy_formula */

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
    sasc_entropy_formula formula; /* SASC_ENTROPY_FORMULA_GBP_EQ8 or _GBPTT_EQ14 (not AUTO) */
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

/* a = 1e-8, B = 100, seed 0, drawn samples, one thread, gbptt Eq. 14. */
void sasc_entropy_settings_default(sasc_entropy_settings *settings);

/* The formula the setting `entropy_formula` (a sasc_entropy_formula) means
 * for `program`: GBP_EQ8 and GBPTT_EQ14 as they are; AUTO is GBPTT_EQ14 when
 * a group of the program is SASC_GROUP_RECURRENT and GBP_EQ8 otherwise
 * (group kinds, never shapes: a square dense group is feedforward). */
sasc_entropy_formula sasc_entropy_formula_of_program(int setting, const sasc_program *program);

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
