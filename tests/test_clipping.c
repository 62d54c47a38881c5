/*
 * test_clipping.c — the spectral norm (runtime/kernels/spectral_norm.h) and
 * gradient clipping (runtime/train/clipping.h).
 *
 * The spectral norm is checked in double against matrices built with known
 * singular values (U diag(s) V^T, U and V products of Householder
 * reflections) and against an independent power iteration; clipping against
 * hand computations on a small program of gradient buffers.
 */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/kernels/spectral_norm.h"
#include "runtime/train/clipping.h"
#include "tests/testing.h"

#define ASSERT_RELATIVE(actual, expected, tolerance) \
    CU_ASSERT(fabs((actual) - (expected)) <= (tolerance) * fabs(expected))

/* Uniform in [-1, 1): the tests' shared LCG (tests/testing.h). */
static double next_uniform(uint64_t *state)
{
    return testing_uniform(state, -1.0, 1.0);
}

static double *matrix(size_t rows, size_t cols)
{
    double *m = calloc(rows * cols, sizeof *m);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    return m;
}

/* A pseudo-random n-vector v and v^T v: the direction of a reflection
 * H = I - 2 v v^T / v^T v, orthogonal up to rounding. */
static double *reflector(size_t n, uint64_t *state, double *vtv)
{
    double *v = matrix(n, 1);
    *vtv = 0.0;
    for (size_t i = 0; i < n; i++) {
        v[i] = next_uniform(state);
        *vtv += v[i] * v[i];
    }
    return v;
}

/* a (n x k, row-major) = H a: a reflection applied from the left. */
static void reflect_rows(double *a, size_t n, size_t k, uint64_t *state)
{
    double vtv, *v = reflector(n, state, &vtv);
    for (size_t j = 0; j < k; j++) {
        double dot = 0.0;
        for (size_t i = 0; i < n; i++)
            dot += v[i] * a[i * k + j];
        for (size_t i = 0; i < n; i++)
            a[i * k + j] -= 2.0 * dot / vtv * v[i];
    }
    free(v);
}

/* The same from the right: a (k x n) = a H. */
static void reflect_columns(double *a, size_t k, size_t n, uint64_t *state)
{
    double vtv, *v = reflector(n, state, &vtv);
    for (size_t r = 0; r < k; r++) {
        double dot = 0.0;
        for (size_t i = 0; i < n; i++)
            dot += a[r * n + i] * v[i];
        for (size_t i = 0; i < n; i++)
            a[r * n + i] -= 2.0 * dot / vtv * v[i];
    }
    free(v);
}

/* U diag(s) V^T for singular values s[0..min-1], U and V three reflections each. */
static double *with_singular_values(size_t rows, size_t cols, const double *s, uint64_t seed)
{
    double *a = matrix(rows, cols);
    size_t n = rows < cols ? rows : cols;
    for (size_t i = 0; i < n; i++)
        a[i * cols + i] = s[i];
    uint64_t state = seed;
    for (int r = 0; r < 3; r++) {
        reflect_rows(a, rows, cols, &state);
        reflect_columns(a, rows, cols, &state);
    }
    return a;
}

static double spectral(const double *a, int rows, int cols)
{
    double *work = matrix(sasc_spectral_norm_workspace(rows, cols), 1);
    double sigma = sasc_spectral_norm(a, rows, cols, work);
    free(work);
    return sigma;
}

/* sigma_max by power iteration on G^T G from a fixed start, in double,
 * until the estimate stops changing (an independent reference). */
static double power_iteration(const double *g, size_t rows, size_t cols)
{
    double *v = matrix(cols, 1), *w = matrix(rows, 1), estimate = 0.0;
    for (size_t j = 0; j < cols; j++)
        v[j] = 1.0 + 0.01 * (double)j;
    for (int iteration = 0; iteration < 100000; iteration++) {
        for (size_t i = 0; i < rows; i++) {
            w[i] = 0.0;
            for (size_t j = 0; j < cols; j++)
                w[i] += g[i * cols + j] * v[j];
        }
        double norm = 0.0;
        for (size_t j = 0; j < cols; j++) {
            v[j] = 0.0;
            for (size_t i = 0; i < rows; i++)
                v[j] += g[i * cols + j] * w[i];
            norm += v[j] * v[j];
        }
        norm = sqrt(norm);
        for (size_t j = 0; j < cols; j++)
            v[j] /= norm;
        double previous = estimate;
        estimate = sqrt(norm);   /* ||G^T G v|| -> sigma^2 for unit v */
        if (iteration > 50 && fabs(estimate - previous) <= 1e-15 * estimate)
            break;
    }
    free(v);
    free(w);
    return estimate;
}

static void test_known_singular_values(void)
{
    const struct {
        int rows, cols;
        double s[8];   /* min(rows, cols) <= 8 values, the rest 0 */
    } cases[] = {
        {1, 1, {2.5}},                  /* a scalar: |g| */
        {1, 5, {3.0}},                  /* a row vector: its Euclidean norm */
        {6, 1, {0.7}},                  /* a column vector */
        {3, 3, {4.0, 1.0, 0.25}},
        {7, 4, {10.0, 9.999999, 3.0, 0.0}},   /* nearly equal top pair, a zero one */
        {4, 7, {1e-3, 5e-4, 1e-4, 1e-5}},
        {5, 5, {1e-150, 1e-151, 1e-152, 0.0}}, /* tiny: scaled, not underflowed */
        {5, 5, {1e150, 1e149, 1e148, 1e147}},  /* huge: scaled, not overflowed */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        double *a = with_singular_values((size_t)cases[c].rows, (size_t)cases[c].cols,
                                         cases[c].s, 11 + c);
        double sigma = spectral(a, cases[c].rows, cases[c].cols);
        if (fabs(sigma - cases[c].s[0]) > 1e-13 * cases[c].s[0])
            fprintf(stderr, "case %zu: %.17g, expected %.17g\n", c, sigma, cases[c].s[0]);
        ASSERT_RELATIVE(sigma, cases[c].s[0], 1e-13);
        free(a);
    }
    /* 100 x 100 with singular values 1..100 scaled: the papers' recurrent size */
    double s[100];
    for (int i = 0; i < 100; i++)
        s[i] = (100.0 - i) / 7.0;
    double *a = with_singular_values(100, 100, s, 5);
    ASSERT_RELATIVE(spectral(a, 100, 100), s[0], 1e-13);
    free(a);
}

static void test_against_power_iteration(void)
{
    const int shapes[][2] = {{28, 100}, {100, 28}, {100, 10}, {100, 100}, {2, 2}, {9, 13}};
    uint64_t state = 2024;
    for (size_t c = 0; c < sizeof shapes / sizeof shapes[0]; c++) {
        size_t rows = (size_t)shapes[c][0], cols = (size_t)shapes[c][1];
        double *g = matrix(rows, cols);
        for (size_t i = 0; i < rows * cols; i++)
            g[i] = next_uniform(&state);
        double reference = power_iteration(g, rows, cols);
        ASSERT_RELATIVE(spectral(g, (int)rows, (int)cols), reference, 1e-11);
        free(g);
    }
}

static void test_spectral_edge_cases(void)
{
    double zeros[6] = {0};
    CU_ASSERT_EQUAL(spectral(zeros, 2, 3), 0.0);
    double bad[4] = {1.0, NAN, 0.0, 2.0};
    CU_ASSERT_TRUE(isnan(spectral(bad, 2, 2)));
    bad[1] = INFINITY;
    CU_ASSERT_TRUE(isnan(spectral(bad, 2, 2)));
    double diagonal[9] = {-3.0, 0, 0, 0, 2.0, 0, 0, 0, 1.0};   /* |-3| is the largest */
    CU_ASSERT_EQUAL(spectral(diagonal, 3, 3), 3.0);
    double rank_one[6] = {1, 2, 2, 2, 4, 4};   /* (1, 2)^T (1, 2, 2): sqrt(5) * 3 */
    ASSERT_RELATIVE(spectral(rank_one, 2, 3), 3.0 * sqrt(5.0), 1e-15);
}

/* ---- clipping on a small program: gradients a (2 x 2), b (1 x 3, masked), c (1 x 1) ---- */

enum { A, B, C, MASK, BUFFERS };

typedef struct {
    sasc_buffer_desc buffers[BUFFERS];
    sasc_group_desc groups[3];
    sasc_program program;
    double storage_d[BUFFERS][4];
    float storage_f[BUFFERS][4];
    void *table[BUFFERS];
} small_program;

static void small_program_init(small_program *s, sasc_precision precision, const double a[4],
                               const double b[3], const double c_value, const double mask[3])
{
    memset(s, 0, sizeof *s);
    const int shapes[BUFFERS][2] = {{2, 2}, {1, 3}, {1, 1}, {1, 3}};
    for (int i = 0; i < BUFFERS; i++)
        s->buffers[i] = (sasc_buffer_desc){.name = "g", .role = i == MASK ? SASC_BUFFER_MASK
                                                                          : SASC_BUFFER_GRADIENT,
                                           .group = i == MASK ? 1 : i, .parameter = SASC_M,
                                           .rows = shapes[i][0], .cols = shapes[i][1],
                                           .mask_buffer = -1};
    for (int g = 0; g < 3; g++)
        s->groups[g] = (sasc_group_desc){.name = "group", .mask_buffer = g == 1 ? MASK : -1};
    s->program = (sasc_program){.abi_version = SASC_ABI_VERSION, .precision = precision,
                                .buffer_count = BUFFERS, .buffers = s->buffers,
                                .group_count = 3, .groups = s->groups};
    const double *values[BUFFERS] = {a, b, &c_value, mask};
    for (int i = 0; i < BUFFERS; i++) {
        int n = shapes[i][0] * shapes[i][1];
        for (int k = 0; k < n; k++) {
            s->storage_d[i][k] = values[i][k];
            s->storage_f[i][k] = (float)values[i][k];
        }
        s->table[i] = precision == SASC_F64 ? (void *)s->storage_d[i] : (void *)s->storage_f[i];
    }
}

static void clip(small_program *s, double spectral_limit, double norm_limit, sasc_clipping *c)
{
    sasc_task task;
    sasc_task_defaults(&task);
    task.clip_spectral = spectral_limit;
    task.clip_norm = norm_limit;
    char error[256];
    CU_ASSERT_TRUE_FATAL(sasc_clipping_open(c, &s->program, &task, error, sizeof error));
    CU_ASSERT_EQUAL(sasc_clipping_active(c), spectral_limit > 0 || norm_limit > 0);
    sasc_clip_gradients(c, &s->program, s->table);
    sasc_clipping_close(c);
}

static const double mask_middle_out[3] = {1, 0, 1};

/* N = sqrt(3^2 + 4^2 + 0 + 12^2 + [b's masked 100 left out] + 0 + 0) = 13;
 * clip_norm 6.5 halves every gradient (masked entries too: never used). */
static void test_global_norm_by_hand(void)
{
    const double a[4] = {3, 0, 4, 0}, b[3] = {12, 100, 0};
    for (int f = 0; f < 2; f++) {
        small_program s;
        sasc_clipping c;
        small_program_init(&s, f ? SASC_F32 : SASC_F64, a, b, 0.0, mask_middle_out);
        clip(&s, 0.0, 6.5, &c);
        CU_ASSERT_EQUAL(c.norm_clipped, 1);
        CU_ASSERT_EQUAL(c.spectral_clipped, 0);
        const double want_a[4] = {1.5, 0, 2, 0}, want_b[3] = {6, 50, 0};
        for (int k = 0; k < 4; k++) {
            double got = f ? s.storage_f[A][k] : s.storage_d[A][k];
            CU_ASSERT_EQUAL(got, want_a[k]);
        }
        for (int k = 0; k < 3; k++) {
            double got = f ? s.storage_f[B][k] : s.storage_d[B][k];
            CU_ASSERT_EQUAL(got, want_b[k]);
        }
        CU_ASSERT_EQUAL(f ? s.storage_f[MASK][1] : s.storage_d[MASK][1], 0.0);  /* masks untouched */
        /* at the norm or below: not a bit changes */
        small_program_init(&s, f ? SASC_F32 : SASC_F64, a, b, 0.0, mask_middle_out);
        small_program before = s;
        clip(&s, 0.0, 13.0, &c);
        CU_ASSERT_EQUAL(c.norm_clipped, 0);
        CU_ASSERT_EQUAL(memcmp(s.storage_d, before.storage_d, sizeof s.storage_d), 0);
        CU_ASSERT_EQUAL(memcmp(s.storage_f, before.storage_f, sizeof s.storage_f), 0);
    }
    /* an f32 entry is scaled in double and rounded once: 0.1f * (1/3) */
    const double third_a[4] = {0.1, 0, 0, 0}, none[3] = {0, 0, 0};
    small_program s;
    sasc_clipping c;
    small_program_init(&s, SASC_F32, third_a, none, 0.0, mask_middle_out);
    double norm = (double)0.1f;
    clip(&s, 0.0, norm / 3.0, &c);
    CU_ASSERT_EQUAL(s.storage_f[A][0], (float)((double)0.1f * ((norm / 3.0) / norm)));
}

/* a = [[3, 0], [0, 4]] has sigma 4, b (masked) sigma 13 without its masked
 * 100, c = 2: clip_spectral 2 scales a by 1/2 and b by 2/13, leaves c. */
static void test_spectral_clipping_by_hand(void)
{
    const double a[4] = {3, 0, 0, 4}, b[3] = {5, 100, 12};
    small_program s;
    sasc_clipping c;
    small_program_init(&s, SASC_F64, a, b, 2.0, mask_middle_out);
    clip(&s, 2.0, 0.0, &c);
    CU_ASSERT_EQUAL(c.spectral_clipped, 2);
    CU_ASSERT_EQUAL(s.storage_d[A][0], 1.5);
    CU_ASSERT_EQUAL(s.storage_d[A][3], 2.0);
    ASSERT_RELATIVE(s.storage_d[B][0], 5.0 * 2.0 / 13.0, 1e-15);
    ASSERT_RELATIVE(s.storage_d[B][2], 12.0 * 2.0 / 13.0, 1e-15);
    CU_ASSERT_EQUAL(s.storage_d[C][0], 2.0);          /* at the limit: unchanged */
    /* both: spectral first (a -> sigma 2, b -> 2, c = 2), then the global
     * norm of the clipped gradients, sqrt(1.5^2 + 2^2 + (2/13)^2 (5^2 + 12^2) + 2^2)
     * = sqrt(6.25 + 4 + 4) = sqrt(14.25) */
    small_program_init(&s, SASC_F64, a, b, 2.0, mask_middle_out);
    clip(&s, 2.0, 1.0, &c);
    CU_ASSERT_EQUAL(c.spectral_clipped, 2);
    CU_ASSERT_EQUAL(c.norm_clipped, 1);
    ASSERT_RELATIVE(s.storage_d[C][0], 2.0 / sqrt(14.25), 1e-15);
    ASSERT_RELATIVE(s.storage_d[A][3], 2.0 / sqrt(14.25), 1e-15);
    /* Frobenius norm above the limit, spectral norm below: left as it is */
    const double wide[4] = {1.5, 0, 0, 1.5};
    small_program_init(&s, SASC_F64, wide, b, 0.0, mask_middle_out);
    clip(&s, 2.0, 0.0, &c);
    CU_ASSERT_EQUAL(c.spectral_clipped, 1);           /* b only */
    CU_ASSERT_EQUAL(memcmp(s.storage_d[A], wide, sizeof wide), 0);
    /* a random 2 x 2 matrix clipped to 0.75 has spectral norm 0.75 */
    uint64_t state = 9;
    double r[4];
    for (int k = 0; k < 4; k++)
        r[k] = 3.0 * next_uniform(&state);
    small_program_init(&s, SASC_F64, r, b, 0.0, mask_middle_out);
    double before = spectral(r, 2, 2);
    clip(&s, 0.75, 0.0, &c);
    CU_ASSERT(before > 0.75);
    ASSERT_RELATIVE(spectral(s.storage_d[A], 2, 2), 0.75, 1e-14);
}

/* Off: nothing is touched; a non-finite gradient is left for the divergence
 * check to report. */
static void test_clipping_off_and_nonfinite(void)
{
    const double a[4] = {30, 0, 0, 40}, b[3] = {5, 100, 12};
    small_program s, before;
    sasc_clipping c;
    small_program_init(&s, SASC_F32, a, b, 7.0, mask_middle_out);
    before = s;
    clip(&s, 0.0, 0.0, &c);
    CU_ASSERT_EQUAL(memcmp(s.storage_f, before.storage_f, sizeof s.storage_f), 0);
    const double bad[4] = {30, NAN, 0, 40};
    small_program_init(&s, SASC_F64, bad, b, 7.0, mask_middle_out);
    clip(&s, 1.0, 1.0, &c);
    CU_ASSERT_TRUE(isnan(s.storage_d[A][1]));
    CU_ASSERT_EQUAL(s.storage_d[A][0], 30.0);        /* a: sigma NaN, left */
    ASSERT_RELATIVE(s.storage_d[C][0], 1.0, 1e-15);  /* c: clipped to 1 */
    CU_ASSERT_EQUAL(c.norm_clipped, 0);              /* N is NaN: left */
}

int main(void)
{
    TESTING_INIT();
    CU_pSuite spectral_suite = CU_add_suite("spectral norm", NULL, NULL);
    CU_add_test(spectral_suite, "known singular values", test_known_singular_values);
    CU_add_test(spectral_suite, "against power iteration", test_against_power_iteration);
    CU_add_test(spectral_suite, "zero, non-finite, diagonal, rank one", test_spectral_edge_cases);
    CU_pSuite clipping = CU_add_suite("gradient clipping", NULL, NULL);
    CU_add_test(clipping, "global norm by hand, f64 and f32", test_global_norm_by_hand);
    CU_add_test(clipping, "spectral norm by hand, then both", test_spectral_clipping_by_hand);
    CU_add_test(clipping, "off, non-finite", test_clipping_off_and_nonfinite);
    return testing_run_registry();
}
