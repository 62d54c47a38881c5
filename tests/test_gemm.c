/*
 * test_gemm.c — sasc's own f32 product (runtime/kernels/gemm_kernel.h) and the rule
 * that routes products to it (runtime/kernels/gemm.h): every instruction set path
 * this processor runs, against a double-precision triple loop, on every
 * transpose combination, odd shapes, padded leading dimensions, alpha and
 * beta; the paths agree bit for bit (one summation order); beta = 0 never
 * reads C; nothing outside C's M x N block is written.
 */
#include "testing.h"

#include "runtime/kernels/gemm.h"
#include "runtime/kernels/gemm_kernel.h"
#include "runtime/sasc_runtime.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int m, n, k;
    int pad;   /* extra floats at the end of every stored row of A, B and C */
} shape;

static const shape shapes[] = {
    {1, 1, 1, 0},      {17, 33, 5, 3},   {250, 100, 784, 0}, {100, 10, 250, 0},
    {13, 100, 1, 2},   {1, 100, 100, 0}, {37, 47, 29, 5},    {100, 100, 100, 1},
    {29, 16, 7, 0},    {7, 32, 64, 4},
};
#define SHAPES (sizeof shapes / sizeof shapes[0])

/* Operands of one product, stored as the transposes say, with padded rows. */
typedef struct {
    shape s;
    int ta, tb;
    int lda, ldb, ldc;
    float *a, *b, *c0;   /* c0: C before the product */
    size_t a_size, b_size, c_size;
} operands;

static float uniform(unsigned *state)
{
    *state = *state * 1664525u + 1013904223u;
    return (float)(*state >> 8) / 16777216.0f - 0.5f;
}

static float *filled(size_t count, unsigned *state)
{
    float *x = malloc(count * sizeof *x);
    for (size_t i = 0; x && i < count; i++)
        x[i] = uniform(state);
    return x;
}

static int make_operands(operands *o, const shape *s, int ta, int tb)
{
    unsigned state = 2024u + (unsigned)(s->m * 7 + s->n * 3 + s->k + ta * 11 + tb * 13);
    *o = (operands){.s = *s, .ta = ta, .tb = tb};
    int a_rows = ta ? s->k : s->m, a_cols = ta ? s->m : s->k;
    int b_rows = tb ? s->n : s->k, b_cols = tb ? s->k : s->n;
    o->lda = a_cols + s->pad;
    o->ldb = b_cols + s->pad;
    o->ldc = s->n + s->pad;
    o->a_size = (size_t)a_rows * o->lda;
    o->b_size = (size_t)b_rows * o->ldb;
    o->c_size = (size_t)s->m * o->ldc;
    o->a = filled(o->a_size, &state);
    o->b = filled(o->b_size, &state);
    o->c0 = filled(o->c_size, &state);
    return o->a && o->b && o->c0 ? 0 : -1;
}

static void free_operands(operands *o)
{
    free(o->a);
    free(o->b);
    free(o->c0);
}

static double op_a(const operands *o, int i, int k)
{
    return o->ta ? o->a[(size_t)k * o->lda + i] : o->a[(size_t)i * o->lda + k];
}

static double op_b(const operands *o, int k, int j)
{
    return o->tb ? o->b[(size_t)j * o->ldb + k] : o->b[(size_t)k * o->ldb + j];
}

/* The kernel's C on `path` for (alpha, beta), C's padding and (beta = 0) its
 * block first filled with NaN. NULL if out of memory. */
static float *kernel_result(const operands *o, sasc_gemm_path path, float alpha, float beta)
{
    float *c = malloc(o->c_size * sizeof *c);
    if (!c)
        return NULL;
    for (size_t i = 0; i < o->c_size; i++)
        c[i] = beta == 0.0f || (int)(i % (size_t)o->ldc) >= o->s.n ? NAN : o->c0[i];
    sasc_gemm_kernel_force_path(path);
    int status = sasc_gemm_kernel_f32(o->ta, o->tb, o->s.m, o->s.n, o->s.k, alpha, o->a, o->lda,
                                      o->b, o->ldb, beta, c, o->ldc);
    sasc_gemm_kernel_force_path(SASC_GEMM_PATHS);
    CU_ASSERT_EQUAL(status, 0);
    return c;
}

/* op(A) op(B) summed in double, and the sum of |terms| (the rounding scale),
 * element by element; NULL if out of memory. */
typedef struct {
    double *sum, *magnitude;
} reference;

static int make_reference(const operands *o, reference *ref)
{
    size_t count = (size_t)o->s.m * o->s.n;
    ref->sum = malloc(count * sizeof *ref->sum);
    ref->magnitude = malloc(count * sizeof *ref->magnitude);
    if (!ref->sum || !ref->magnitude)
        return -1;
    for (int i = 0; i < o->s.m; i++)
        for (int j = 0; j < o->s.n; j++) {
            double sum = 0, magnitude = 0;
            for (int k = 0; k < o->s.k; k++) {
                double term = op_a(o, i, k) * op_b(o, k, j);
                sum += term;
                magnitude += fabs(term);
            }
            ref->sum[(size_t)i * o->s.n + j] = sum;
            ref->magnitude[(size_t)i * o->s.n + j] = magnitude;
        }
    return 0;
}

static void free_reference(reference *ref)
{
    free(ref->sum);
    free(ref->magnitude);
}

/* Whether c matches alpha op(A) op(B) + beta C0 within float rounding of the
 * sum of |terms|, and C's padding is still NaN. */
static int matches_reference(const operands *o, const reference *ref, const float *c, float alpha,
                             float beta)
{
    int ok = 1;
    for (int i = 0; i < o->s.m; i++) {
        const float *row = c + (size_t)i * o->ldc;
        for (int j = 0; j < o->s.n; j++) {
            double sum = ref->sum[(size_t)i * o->s.n + j];
            double magnitude = ref->magnitude[(size_t)i * o->s.n + j];
            double c0 = o->c0[(size_t)i * o->ldc + j];
            double expected = alpha * sum + (beta != 0.0f ? beta * c0 : 0.0);
            double bound = 4e-7 * (o->s.k + 2) * (fabs(alpha) * magnitude + fabs(beta * c0)) + 1e-30;
            ok = ok && fabs(row[j] - expected) <= bound;
        }
        for (int j = o->s.n; j < o->ldc; j++)
            ok = ok && isnan(row[j]);
    }
    return ok;
}

/* (alpha, beta) pairs; the first is B1's (a scale folded into alpha, beta 0),
 * the only one tried on the large shapes to keep the test fast under the
 * sanitizers. */
static const float alphas[] = {0.0357143f, 1.0f, -0.75f};
static const float betas[] = {0.0f, 1.0f, 0.5f};

/* Every supported path, every transpose combination, shape, alpha and beta:
 * correct, and bit-identical to the portable path. */
static void test_paths_match_reference_and_each_other(void)
{
    for (size_t si = 0; si < SHAPES; si++)
        for (int t = 0; t < 4; t++) {
            operands o;
            reference ref = {NULL, NULL};
            if (make_operands(&o, &shapes[si], t >> 1, t & 1) != 0 || make_reference(&o, &ref) != 0) {
                CU_FAIL("out of memory");
                free_operands(&o);
                free_reference(&ref);
                return;
            }
            const int large = (long)shapes[si].m * shapes[si].n * shapes[si].k > 1000000L;
            for (size_t v = 0; v < (large ? 1 : sizeof alphas / sizeof alphas[0]); v++) {
                float alpha = alphas[v], beta = betas[v];
                float *portable = kernel_result(&o, SASC_GEMM_PORTABLE, alpha, beta);
                CU_ASSERT_FATAL(portable != NULL);
                CU_ASSERT(matches_reference(&o, &ref, portable, alpha, beta));
                for (int p = 0; p < SASC_GEMM_PORTABLE; p++) {
                    if (!sasc_gemm_kernel_path_supported((sasc_gemm_path)p))
                        continue;
                    float *c = kernel_result(&o, (sasc_gemm_path)p, alpha, beta);
                    CU_ASSERT_FATAL(c != NULL);
                    CU_ASSERT(memcmp(c, portable, o.c_size * sizeof *c) == 0);
                    free(c);
                }
                free(portable);
            }
            free_reference(&ref);
            free_operands(&o);
        }
}

/* alpha = 0 or K = 0: C = beta C without reading A or B (NaN there), and
 * beta = 0 gives zeros whatever C held. */
static void test_alpha_or_k_zero_scales_c(void)
{
    float a[6] = {NAN, NAN, NAN, NAN, NAN, NAN}, b[6] = {NAN, NAN, NAN, NAN, NAN, NAN};
    float c[4] = {1.0f, -2.0f, 3.0f, 4.0f};
    CU_ASSERT_EQUAL(sasc_gemm_kernel_f32(0, 0, 2, 2, 3, 0.0f, a, 3, b, 2, 0.5f, c, 2), 0);
    CU_ASSERT(c[0] == 0.5f && c[1] == -1.0f && c[2] == 1.5f && c[3] == 2.0f);
    float d[4] = {NAN, NAN, NAN, NAN};
    CU_ASSERT_EQUAL(sasc_gemm_kernel_f32(1, 1, 2, 2, 0, 1.0f, a, 2, b, 1, 0.0f, d, 2), 0);
    CU_ASSERT(d[0] == 0.0f && d[1] == 0.0f && d[2] == 0.0f && d[3] == 0.0f);
}

/* Forcing a path is honoured only when the processor supports it, and the
 * automatic path is supported. */
static void test_path_choice(void)
{
    sasc_gemm_path automatic = sasc_gemm_kernel_path();
    CU_ASSERT(sasc_gemm_kernel_path_supported(automatic));
    CU_ASSERT(sasc_gemm_kernel_path_supported(SASC_GEMM_PORTABLE));
    sasc_gemm_kernel_force_path(SASC_GEMM_PORTABLE);
    CU_ASSERT_EQUAL(sasc_gemm_kernel_path(), SASC_GEMM_PORTABLE);
    sasc_gemm_kernel_force_path(SASC_GEMM_PATHS);
    CU_ASSERT_EQUAL(sasc_gemm_kernel_path(), automatic);
    CU_ASSERT_STRING_EQUAL(sasc_gemm_path_name(SASC_GEMM_AVX2), "avx2");
}

/* sasc_gemm_f32 gives the kernel's bits where the rule routes to it and
 * OpenBLAS's elsewhere; with more than one BLAS thread nothing is routed. */
static void check_routed_product(const shape *s, int ta, int tb)
{
    operands o;
    CU_ASSERT_FATAL(make_operands(&o, s, ta, tb) == 0);
    float *c = malloc(o.c_size * sizeof *c), *blas = malloc(o.c_size * sizeof *blas);
    CU_ASSERT_FATAL(c && blas);
    int routed = sasc_gemm_uses_kernel(ta, tb, s->m, s->n, s->k);
    sasc_gemm_f32(ta, tb, s->m, s->n, s->k, 0.5f, o.a, o.lda, o.b, o.ldb, 0.0f, c, o.ldc);
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                s->m, s->n, s->k, 0.5f, o.a, o.lda, o.b, o.ldb, 0.0f, blas, o.ldc);
    float *expected = routed ? kernel_result(&o, sasc_gemm_kernel_path(), 0.5f, 0.0f) : blas;
    CU_ASSERT_FATAL(expected != NULL);
    for (int i = 0; i < s->m; i++)
        CU_ASSERT(memcmp(c + (size_t)i * o.ldc, expected + (size_t)i * o.ldc,
                         (size_t)s->n * sizeof *c) == 0);
    if (expected != blas)
        free(expected);
    free(c);
    free(blas);
    free_operands(&o);
}

static void test_routing(void)
{
    const shape second_layer = {250, 100, 100, 0}, first_layer = {250, 100, 784, 0};
    const int avx512 = sasc_gemm_kernel_path() == SASC_GEMM_AVX512;
    sasc_gemm_set_threads(1);
    CU_ASSERT_EQUAL(sasc_gemm_uses_kernel(0, 0, 250, 100, 100), avx512);
    CU_ASSERT_EQUAL(sasc_gemm_uses_kernel(1, 0, 100, 10, 250), avx512);
    CU_ASSERT_EQUAL(sasc_gemm_uses_kernel(0, 1, 250, 100, 10), avx512);
    CU_ASSERT_FALSE(sasc_gemm_uses_kernel(0, 0, 250, 100, 784));
    CU_ASSERT_FALSE(sasc_gemm_uses_kernel(0, 1, 250, 100, 100));
    CU_ASSERT_FALSE(sasc_gemm_uses_kernel(0, 0, 100, 100, 100));
    CU_ASSERT_FALSE(sasc_gemm_uses_kernel(0, 0, 2048, 2048, 2048));
    check_routed_product(&second_layer, 0, 0);
    check_routed_product(&first_layer, 0, 0);
    sasc_gemm_set_threads(2);
    CU_ASSERT_FALSE(sasc_gemm_uses_kernel(0, 0, 250, 100, 100));
    check_routed_product(&second_layer, 0, 0);
    sasc_gemm_set_threads(1);
}

int main(void)
{
    TESTING_INIT();
    CU_pSuite suite = CU_add_suite("gemm", NULL, NULL);
    CU_add_test(suite, "every path matches a double reference and the others bit for bit",
                test_paths_match_reference_and_each_other);
    CU_add_test(suite, "alpha or K zero only scales C", test_alpha_or_k_zero_scales_c);
    CU_add_test(suite, "path choice and forcing", test_path_choice);
    CU_add_test(suite, "routing between the kernel and OpenBLAS", test_routing);
    return testing_run_registry();
}
