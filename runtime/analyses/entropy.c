/*
 * entropy.c — gbp Eq. 8 and gbptt Eq. 14 for arrays of connections; see
 * entropy.h for the definitions, the closed forms and the decomposition.
 *
 * The cost is n * B evaluations of Gamma. Gamma is rewritten (entropy_block)
 * so that its n * B part is a softplus ln(1 + e^x) of a bounded argument,
 * evaluated in single precision (relative error ~1e-7 per term, summed in
 * double; the Monte Carlo error of B = 100 samples is ~1e-2), and everything
 * per connection or per sample is done once in double. The hot loop runs over
 * the SASC_ENTROPY_BLOCK connections of a block for one sample at a time, so
 * lanes never interact (no reduction across lanes, hence vectorisable without
 * reassociation, and each connection's sum is accumulated in sample order
 * whatever the vector width). exp and log are written here branch-free (range
 * reduction and a polynomial) because libm calls would stop the vectoriser.
 */
#include "runtime/analyses/entropy.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/support/rng.h"
#include "runtime/support/vector_clones.h"

#define TWO_PI 6.28318530717958647692
#define TWO_PI_E 17.0794684453471341309 /* 2 pi e */
/* Scaled slab centres and widths are clipped to this (in units of the delta's
 * width sqrt(2a)) so that u^2 below stays finite in float; beyond it the
 * spike term is exp(-1e18) either way. */
#define SCALED_LIMIT 1e9
/* User-supplied eps are standard normal values; this keeps u finite too. */
#define EPS_LIMIT 1e6

typedef union {
    float f;
    uint32_t u;
} bits32;

/* e^y for y in [-80, 0]: y = k ln2 + r, |r| <= ln2/2, Taylor to r^6
 * (relative error ~1e-7, float's own), times 2^k built in the exponent field. */
static inline float exp_branchless(float y)
{
    const float shifter = 0x1.8p23f; /* adding it rounds to an integer */
    bits32 k_bits = {.f = y * 1.44269504f + shifter};
    float k = k_bits.f - shifter;
    float r = y - k * 0.693145752f - k * 1.42860677e-6f;
    float p = 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    /* The low bits of k_bits hold k, and (k + 127) << 23 is 2^k for k in
     * [-126, 127]; here k >= -116. */
    bits32 scale = {.u = (k_bits.u + 127u) << 23};
    return p * scale.f;
}

/* ln z for z in [1, 2]: z = 2^k v, v in [sqrt(1/2), sqrt(2)), k in {0, 1},
 * ln v = 2 atanh(s), s = (v-1)/(v+1), |s| < 0.172, series to s^9. */
static inline float log_1_to_2(float z)
{
    const uint32_t offset = 0x3f3504f3u; /* bits of sqrt(1/2) */
    bits32 zb = {.f = z};
    uint32_t shifted = zb.u - offset;
    float k = (float)(int32_t)(shifted >> 23);
    bits32 vb = {.u = zb.u - (shifted & 0xff800000u)};
    float f = vb.f - 1.0f;
    float s = f / (2.0f + f);
    float s2 = s * s;
    float p = 1.0f / 9.0f;
    p = p * s2 + 1.0f / 7.0f;
    p = p * s2 + 1.0f / 5.0f;
    p = p * s2 + 1.0f / 3.0f;
    p = p * s2;
    return k * 0.693147181f + (2.0f * s + 2.0f * s * p);
}

/* ln(1 + e^x) = max(x, 0) + ln(1 + e^-|x|), without a branch: max(x, 0) is
 * (x + |x|)/2, and min(|x|, 80) compares the bit patterns of non-negative
 * floats as integers (monotonic), which the vectoriser turns into a vector
 * min where a floating-point select would stop it. */
static inline float softplus_branchless(float x)
{
    const bits32 cap = {.f = 80.0f};
    bits32 ax = {.f = fabsf(x)};
    ax.u = ax.u < cap.u ? ax.u : cap.u;
    return 0.5f * (x + fabsf(x)) + log_1_to_2(1.0f + exp_branchless(-ax.f));
}

/* What every block needs: the settings and the per-sample constants. */
typedef struct {
    const double *pi, *m, *xi;
    size_t n;
    const sasc_entropy_outputs *outputs;
    double a;
    bool spike_is_mass;        /* gbp Eq. 8: the first term's spike is pi, not pi delta(0) */
    size_t samples;
    const float *eps;          /* eps_s */
    const float *minus_log_gauss; /* -ln N(eps_s | 0, 1) */
    double sum_log_gauss;      /* sum_s ln N(eps_s | 0, 1) */
    double *block_sums;        /* 3 per block: total, pi part, Xi part */
} entropy_job;

/* The per-block working set; lanes beyond the connections in the block are
 * filled with a harmless connection and ignored. With u = (m + sqrt(Xi) eps)
 * / sqrt(2a), slab = (1-pi)/sqrt(Xi) and pi delta(0) the spike's peak,
 *   Gamma(eps_s) = ln[pi delta(0) e^{-u^2} + slab N(eps_s)]
 *                = ln slab + ln N(eps_s) + softplus(log_ratio - ln N(eps_s) - u^2),
 * log_ratio = ln(pi delta(0) / slab): the hot loop only sums the softplus
 * terms. Gamma is the same in both formulas; they differ only in the first
 * term's spike (`first_spike`): pi delta(0) in gbptt Eq. 14, pi in gbp Eq. 8. */
typedef struct {
    double p[SASC_ENTROPY_BLOCK], m[SASC_ENTROPY_BLOCK], xi[SASC_ENTROPY_BLOCK];
    double first_spike[SASC_ENTROPY_BLOCK];
    double log_p[SASC_ENTROPY_BLOCK], log_q[SASC_ENTROPY_BLOCK];  /* ln pi, ln(1-pi), where finite */
    double log_xi[SASC_ENTROPY_BLOCK];                            /* ln Xi, Xi raised to a */
    float centre[SASC_ENTROPY_BLOCK], width[SASC_ENTROPY_BLOCK];  /* u = centre + width eps */
    float log_ratio[SASC_ENTROPY_BLOCK];
    double softplus_sum[SASC_ENTROPY_BLOCK];
} entropy_block;

static double clip(double v, double low, double high) { return v < low ? low : (v > high ? high : v); }

static void block_load(const entropy_job *job, size_t first, size_t count, entropy_block *b)
{
    double log_delta0 = -0.5 * log(TWO_PI * job->a), scale = sqrt(0.5 / job->a);
    for (size_t j = 0; j < SASC_ENTROPY_BLOCK; j++) {
        bool real = j < count;
        double p = real ? clip(job->pi[first + j], 0.0, 1.0) : 0.5;
        double xi = real ? clip(job->xi[first + j], 0.0, INFINITY) : 1.0;
        double m = real ? job->m[first + j] : 1.0;
        double raised = xi > job->a ? xi : job->a;
        b->p[j] = p;
        b->m[j] = m;
        b->xi[j] = xi;
        b->first_spike[j] = job->spike_is_mass ? p : p * exp(log_delta0);
        b->log_p[j] = p > 0.0 ? log(p) : 0.0;
        b->log_q[j] = p < 1.0 ? log1p(-p) : 0.0;
        b->log_xi[j] = log(raised);
        b->centre[j] = (float)clip(m * scale, -SCALED_LIMIT, SCALED_LIMIT);
        b->width[j] = (float)clip(sqrt(raised) * scale, 0.0, SCALED_LIMIT);
        /* ln(spike/slab); only 0 < pi < 1 uses the sum, elsewhere it is infinite. */
        bool mixed = p > 0.0 && p < 1.0;
        b->log_ratio[j] = mixed ? (float)(b->log_p[j] + log_delta0 - b->log_q[j]
                                          + 0.5 * b->log_xi[j])
                                : 0.0f;
        b->softplus_sum[j] = 0.0;
    }
}

/* Wider vectors where the processor has them (the build targets baseline
 * x86-64). Every clone does the same IEEE operations in the same order
 * (-std=c11 does not contract to FMA), so results do not depend on the clone. */

/* The hot loop: softplus_sum[j] = sum_s softplus(...) for every lane. */
WIDE_VECTORS static void block_softplus_sums(const entropy_job *job, entropy_block *b)
{
    for (size_t s = 0; s < job->samples; s++) {
        float e = job->eps[s], c = job->minus_log_gauss[s];
        for (size_t j = 0; j < SASC_ENTROPY_BLOCK; j++) {
            float u = b->centre[j] + b->width[j] * e;
            b->softplus_sum[j] += softplus_branchless(b->log_ratio[j] + c - u * u);
        }
    }
}

/* One connection's three numbers from the block's sums (entropy.h). */
static void connection_entropy(const entropy_job *job, const entropy_block *b, size_t j,
                               double out[3])
{
    double p = b->p[j], m = b->m[j], xi = b->xi[j], a = job->a;
    if (isnan(p) || isnan(m) || isnan(xi)) {
        out[0] = out[1] = out[2] = NAN;
        return;
    }
    bool deterministic = p >= 1.0 || (xi <= a && m == 0.0);
    if (deterministic) {
        out[0] = out[1] = out[2] = 0.0;
        return;
    }
    /* pi-part: -pi ln pi - (1-pi) ln(1-pi), 0 ln 0 = 0 (here pi < 1) */
    out[1] = (p > 0.0 ? -p * b->log_p[j] : 0.0) - (1.0 - p) * b->log_q[j];
    if (xi <= a) {
        out[0] = out[1];
        out[2] = 0.0;
        return;
    }
    double slab_entropy = 0.5 * (log(TWO_PI_E) + b->log_xi[j]);
    out[2] = (1.0 - p) * slab_entropy;
    if (p <= 0.0) {
        out[0] = slab_entropy;
        return;
    }
    double density0 = exp(-0.5 * m * m / xi) / sqrt(TWO_PI * xi);
    double log_slab = b->log_q[j] - 0.5 * b->log_xi[j];
    double gamma_sum = (double)job->samples * log_slab + job->sum_log_gauss
                       + b->softplus_sum[j];
    out[0] = -p * log(b->first_spike[j] + (1.0 - p) * density0)
             - (1.0 - p) * gamma_sum / (double)job->samples;
}

static void store(double *array, size_t index, double value)
{
    if (array)
        array[index] = value;
}

static void run_block(const entropy_job *job, size_t block)
{
    size_t first = block * SASC_ENTROPY_BLOCK;
    size_t count = job->n - first < SASC_ENTROPY_BLOCK ? job->n - first : SASC_ENTROPY_BLOCK;
    entropy_block b;
    block_load(job, first, count, &b);
    block_softplus_sums(job, &b);
    double *sums = job->block_sums + 3 * block;
    sums[0] = sums[1] = sums[2] = 0.0;
    for (size_t j = 0; j < count; j++) {
        double out[3];
        connection_entropy(job, &b, j, out);
        for (int k = 0; k < 3; k++)
            sums[k] += out[k];
        if (job->outputs) {
            store(job->outputs->total, first + j, out[0]);
            store(job->outputs->pi_part, first + j, out[1]);
            store(job->outputs->xi_part, first + j, out[2]);
        }
    }
}

typedef struct {
    const entropy_job *job;
    size_t first_block, end_block;
} entropy_share;

static void *run_share(void *argument)
{
    const entropy_share *share = argument;
    for (size_t block = share->first_block; block < share->end_block; block++)
        run_block(share->job, block);
    return NULL;
}

/* Split the blocks into `threads` contiguous shares; the calling thread
 * takes share 0. */
static bool run_threads(const entropy_job *job, size_t blocks, unsigned threads,
                        char *error, size_t error_size)
{
    if (threads > blocks)
        threads = blocks > 0 ? (unsigned)blocks : 1;
    entropy_share *shares = calloc(threads, sizeof *shares);
    pthread_t *ids = calloc(threads, sizeof *ids);
    bool ok = shares && ids;
    unsigned started = 1;
    for (unsigned t = 0; ok && t < threads; t++)
        shares[t] = (entropy_share){job, blocks * t / threads, blocks * (t + 1) / threads};
    for (; ok && started < threads; started++) {
        int rc = pthread_create(&ids[started], NULL, run_share, &shares[started]);
        if (rc != 0) {
            snprintf(error, error_size, "entropy: cannot start a thread: %s", strerror(rc));
            ok = false;
            break;
        }
    }
    if (shares && ids) {
        if (ok)
            run_share(&shares[0]);
        for (unsigned t = 1; t < started; t++)
            pthread_join(ids[t], NULL);
    } else {
        snprintf(error, error_size, "entropy: out of memory");
    }
    free(shares);
    free(ids);
    return ok;
}

static bool check_settings(const sasc_entropy_settings *s, char *error, size_t error_size)
{
    if (s->formula != SASC_ENTROPY_FORMULA_GBP_EQ8 && s->formula != SASC_ENTROPY_FORMULA_GBPTT_EQ14) {
        snprintf(error, error_size, "entropy: the formula must be gbp Eq. 8 or gbptt Eq. 14 "
                 "(resolve auto with sasc_entropy_formula_of_program), got %d", (int)s->formula);
        return false;
    }
    if (!(s->a >= 1e-100 && s->a <= 1.0)) {
        snprintf(error, error_size, "entropy: the delta variance a must be in [1e-100, 1], got %g",
                 s->a);
        return false;
    }
    if (s->samples == 0 || s->threads == 0) {
        snprintf(error, error_size, "entropy: samples and threads must be at least 1");
        return false;
    }
    for (size_t i = 0; s->eps && i < s->samples; i++) {
        if (!(fabs(s->eps[i]) <= EPS_LIMIT)) {
            snprintf(error, error_size, "entropy: sample %zu is %g, not a standard normal value",
                     i, s->eps[i]);
            return false;
        }
    }
    return true;
}

/* eps_s (given or drawn) and -ln N(eps_s | 0, 1), as floats for the hot
 * loop, in one allocation; the sum of ln N(eps_s) in double. */
static float *sample_table(const sasc_entropy_settings *s, double *sum_log_gauss)
{
    double *eps = malloc(s->samples * sizeof *eps);
    float *table = malloc(2 * s->samples * sizeof *table);
    if (!eps || !table) {
        free(eps);
        free(table);
        return NULL;
    }
    if (s->eps)
        memcpy(eps, s->eps, s->samples * sizeof *eps);
    else
        sasc_rng_normals(s->seed, SASC_ENTROPY_STREAM, 0, eps, s->samples);
    *sum_log_gauss = 0.0;
    for (size_t i = 0; i < s->samples; i++) {
        double minus_log_gauss = 0.5 * eps[i] * eps[i] + 0.5 * log(TWO_PI);
        table[i] = (float)eps[i];
        table[s->samples + i] = (float)minus_log_gauss;
        *sum_log_gauss -= minus_log_gauss;
    }
    free(eps);
    return table;
}

static void summarise(const double *block_sums, size_t blocks, size_t n,
                      sasc_entropy_summary *summary)
{
    double sums[3] = {0.0, 0.0, 0.0};
    for (size_t b = 0; b < blocks; b++)
        for (int k = 0; k < 3; k++)
            sums[k] += block_sums[3 * b + k];
    double scale = n > 0 ? 1.0 / (double)n : 0.0;
    *summary = (sasc_entropy_summary){sums[0] * scale, sums[1] * scale, sums[2] * scale, n};
}

void sasc_entropy_settings_default(sasc_entropy_settings *settings)
{
    *settings = (sasc_entropy_settings){
        .a = SASC_ENTROPY_DEFAULT_A,
        .samples = SASC_ENTROPY_DEFAULT_SAMPLES,
        .seed = 0,
        .eps = NULL,
        .threads = 1,
        .formula = SASC_ENTROPY_FORMULA_GBPTT_EQ14,
    };
}

sasc_entropy_formula sasc_entropy_formula_of_program(int setting, const sasc_program *program)
{
    if (setting == SASC_ENTROPY_FORMULA_GBP_EQ8 || setting == SASC_ENTROPY_FORMULA_GBPTT_EQ14)
        return (sasc_entropy_formula)setting;
    for (int g = 0; program && g < program->group_count; g++)
        if (program->groups[g].kind == SASC_GROUP_RECURRENT)
            return SASC_ENTROPY_FORMULA_GBPTT_EQ14;
    return SASC_ENTROPY_FORMULA_GBP_EQ8;
}

bool sasc_entropy_compute(const double *pi, const double *m, const double *xi, size_t n,
                          const sasc_entropy_settings *settings,
                          sasc_entropy_summary *summary, const sasc_entropy_outputs *outputs,
                          char *error, size_t error_size)
{
    if (!check_settings(settings, error, error_size))
        return false;
    if (n > 0 && (!pi || !m || !xi)) {
        snprintf(error, error_size, "entropy: %zu connections but no parameter arrays", n);
        return false;
    }
    size_t blocks = (n + SASC_ENTROPY_BLOCK - 1) / SASC_ENTROPY_BLOCK;
    double sum_log_gauss = 0.0;
    float *table = sample_table(settings, &sum_log_gauss);
    double *block_sums = malloc((blocks > 0 ? blocks : 1) * 3 * sizeof *block_sums);
    bool ok = table && block_sums;
    if (!ok)
        snprintf(error, error_size, "entropy: out of memory for %zu connections", n);
    if (ok) {
        entropy_job job = {pi, m, xi, n, outputs, settings->a,
                           settings->formula == SASC_ENTROPY_FORMULA_GBP_EQ8, settings->samples,
                           table, table + settings->samples, sum_log_gauss, block_sums};
        ok = run_threads(&job, blocks, settings->threads, error, error_size);
    }
    if (ok && summary)
        summarise(block_sums, blocks, n, summary);
    free(table);
    free(block_sums);
    return ok;
}

static double *to_double(const float *values, size_t n)
{
    double *out = malloc((n > 0 ? n : 1) * sizeof *out);
    for (size_t i = 0; out && i < n; i++)
        out[i] = values[i];
    return out;
}

bool sasc_entropy_compute_float(const float *pi, const float *m, const float *xi, size_t n,
                                const sasc_entropy_settings *settings,
                                sasc_entropy_summary *summary,
                                const sasc_entropy_outputs *outputs,
                                char *error, size_t error_size)
{
    double *pd = to_double(pi, n), *md = to_double(m, n), *xd = to_double(xi, n);
    bool ok = pd && md && xd;
    if (!ok)
        snprintf(error, error_size, "entropy: out of memory for %zu connections", n);
    else
        ok = sasc_entropy_compute(pd, md, xd, n, settings, summary, outputs, error, error_size);
    free(pd);
    free(md);
    free(xd);
    return ok;
}
