/*
 * gemm_bench.c — sasc's own f32 product (runtime/kernels/gemm_kernel.h) against
 * OpenBLAS cblas_sgemm on one thread, on every product shape of the B1 step
 * (batch 500 and its data-parallel shard of 250) and of a B2 time step
 * (batch 100 and 50), then the epoch seconds of the B1 products when two
 * shards of 250 run at the same time on two threads, each with one product
 * implementation.
 *
 * Usage: bench/gemm_bench [ROUNDS [SECONDS]]   (defaults 7 and 0.05)
 *
 * Each round times OpenBLAS and the kernel back to back on the same operands
 * (interleaved, so a burst of load on the shared machine hits both), each for
 * at least SECONDS of the thread's CPU time; the figures are medians over the
 * rounds. The two-shard epoch is wall time. Output lines:
 *   shape NAME M N K TA TB  blas_GFLOPs kernel_GFLOPs kernel/blas max|diff|
 *        routed_to kernel|blas         (sasc_gemm_f32's rule, runtime/kernels/gemm.c)
 *   epoch IMPL 2x1 seconds    (the products of 120 steps, two concurrent
 *                              shards of 250; IMPL blas, kernel, or routed =
 *                              sasc_gemm_f32)
 */
#include "runtime/kernels/gemm.h"
#include "runtime/kernels/gemm_kernel.h"
#include "runtime/sasc_runtime.h"

#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    const char *name;
    int m, n, k, transpose_a, transpose_b;
} shape;

/* The B1 products of one layer step at batch BATCH (see sgemm_reference.c). */
#define B1_SHAPES(BATCH, TAG) \
    {"b1." TAG ".h1.forward", BATCH, 100, 784, 0, 0}, \
    {"b1." TAG ".h1.weight_grad", 784, 100, BATCH, 1, 0}, \
    {"b1." TAG ".h2.forward", BATCH, 100, 100, 0, 0}, \
    {"b1." TAG ".h2.weight_grad", 100, 100, BATCH, 1, 0}, \
    {"b1." TAG ".h2.input_grad", BATCH, 100, 100, 0, 1}, \
    {"b1." TAG ".y.forward", BATCH, 10, 100, 0, 0}, \
    {"b1." TAG ".y.weight_grad", 100, 10, BATCH, 1, 0}, \
    {"b1." TAG ".y.input_grad", BATCH, 100, 10, 0, 1}
/* The products of one gBPTT time step at batch BATCH (N = 100, one pixel). */
#define B2_SHAPES(BATCH, TAG) \
    {"b2." TAG ".recurrent", BATCH, 100, 100, 0, 0}, \
    {"b2." TAG ".input", BATCH, 100, 1, 0, 0}, \
    {"b2." TAG ".recurrent_grad", 100, 100, BATCH, 1, 0}, \
    {"b2." TAG ".input_weight_grad", 1, 100, BATCH, 1, 0}, \
    {"b2." TAG ".state_grad", BATCH, 100, 100, 0, 1}

static const shape shapes[] = {
    B1_SHAPES(250, "250"), B1_SHAPES(500, "500"), B2_SHAPES(100, "100"), B2_SHAPES(50, "50"),
};
#define SHAPES (sizeof shapes / sizeof shapes[0])

/* The B1 step at shard size 250: every product twice (mean and variance). */
static const shape shard_step[] = { B1_SHAPES(250, "250") };
#define SHARD_PRODUCTS (sizeof shard_step / sizeof shard_step[0])
#define STEPS_PER_EPOCH 120

/* OpenBLAS, the kernel, or sasc_gemm_f32 (the routing rule of gemm.c). */
typedef enum { USE_BLAS, USE_KERNEL, USE_ROUTED } implementation;

static double seconds_of(clockid_t clock)
{
    struct timespec t;
    clock_gettime(clock, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Wall time, for the two concurrent shards. */
static double now(void)
{
    return seconds_of(CLOCK_MONOTONIC);
}

/* This thread's CPU time, for one product: on the shared machine it leaves
 * out the time other processes hold the core (not their cache pollution). */
static double cpu_now(void)
{
    return seconds_of(CLOCK_THREAD_CPUTIME_ID);
}

typedef struct {
    float *a, *b, *c;
} operands;

static int make_operands(const shape *s, operands *o, unsigned seed)
{
    size_t na = (size_t)s->m * s->k, nb = (size_t)s->k * s->n;
    o->a = malloc(na * sizeof *o->a);
    o->b = malloc(nb * sizeof *o->b);
    o->c = calloc((size_t)s->m * s->n, sizeof *o->c);
    if (!o->a || !o->b || !o->c)
        return -1;
    for (size_t i = 0; i < na + nb; i++) {
        seed = seed * 1664525u + 1013904223u;   /* LCG: values only need to be finite */
        float v = (float)(seed >> 8) / 16777216.0f - 0.5f;
        if (i < na)
            o->a[i] = v;
        else
            o->b[i - na] = v;
    }
    return 0;
}

static void free_operands(operands *o)
{
    free(o->a);
    free(o->b);
    free(o->c);
}

static void product(implementation impl, const shape *s, const operands *o)
{
    int lda = s->transpose_a ? s->m : s->k, ldb = s->transpose_b ? s->k : s->n;
    if (impl == USE_ROUTED) {
        sasc_gemm_f32(s->transpose_a, s->transpose_b, s->m, s->n, s->k, 0.5f, o->a, lda, o->b, ldb,
                      0.0f, o->c, s->n);
        return;
    }
    if (impl == USE_KERNEL && sasc_gemm_kernel_f32(s->transpose_a, s->transpose_b, s->m, s->n,
                                                   s->k, 0.5f, o->a, lda, o->b, ldb, 0.0f,
                                                   o->c, s->n) == 0)
        return;
    cblas_sgemm(CblasRowMajor, s->transpose_a ? CblasTrans : CblasNoTrans,
                s->transpose_b ? CblasTrans : CblasNoTrans, s->m, s->n, s->k, 0.5f, o->a, lda,
                o->b, ldb, 0.0f, o->c, s->n);
}

/* CPU seconds per call, over at least min_seconds. */
static double time_calls(implementation impl, const shape *s, const operands *o, double min_seconds)
{
    long calls = 0;
    double start = cpu_now(), elapsed;
    do {
        product(impl, s, o);
        calls++;
        elapsed = cpu_now() - start;
    } while (elapsed < min_seconds);
    return elapsed / (double)calls;
}

static int compare_doubles(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, compare_doubles);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Largest |kernel - blas| over C, a sanity check of the timed results. */
static double max_difference(const shape *s, operands *o)
{
    size_t nc = (size_t)s->m * s->n;
    float *blas = malloc(nc * sizeof *blas);
    double worst = INFINITY;
    if (blas) {
        product(USE_BLAS, s, o);
        memcpy(blas, o->c, nc * sizeof *blas);
        product(USE_KERNEL, s, o);
        worst = 0;
        for (size_t i = 0; i < nc; i++)
            worst = fmax(worst, fabs((double)o->c[i] - (double)blas[i]));
    }
    free(blas);
    return worst;
}

static int bench_shape(const shape *s, int rounds, double min_seconds)
{
    operands o;
    if (make_operands(s, &o, 12345u) != 0) {
        free_operands(&o);
        return -1;
    }
    double blas[64], kernel[64];
    product(USE_BLAS, s, &o);
    product(USE_KERNEL, s, &o);
    for (int r = 0; r < rounds; r++) {
        blas[r] = time_calls(USE_BLAS, s, &o, min_seconds);
        kernel[r] = time_calls(USE_KERNEL, s, &o, min_seconds);
    }
    double flop = 2.0 * s->m * s->n * s->k;
    double b = flop / median(blas, rounds) * 1e-9, k = flop / median(kernel, rounds) * 1e-9;
    printf("shape %-26s %4d %4d %4d %c %c  blas %7.2f  kernel %7.2f  ratio %5.2f  maxdiff %.2g"
           "  routed_to %s\n", s->name, s->m, s->n, s->k, s->transpose_a ? 'T' : 'N',
           s->transpose_b ? 'T' : 'N', b, k, k / b, max_difference(s, &o),
           sasc_gemm_uses_kernel(s->transpose_a, s->transpose_b, s->m, s->n, s->k) ? "kernel"
                                                                                  : "blas");
    fflush(stdout);
    free_operands(&o);
    return 0;
}

/* One shard: `steps` B1 steps of the 250-row products (each twice). */
typedef struct {
    implementation impl;
    int steps;
    operands o[SHARD_PRODUCTS];
    int ok;
} shard;

static void *run_shard(void *arg)
{
    shard *sh = arg;
    for (int step = 0; step < sh->steps; step++)
        for (size_t p = 0; p < SHARD_PRODUCTS; p++) {
            product(sh->impl, &shard_step[p], &sh->o[p]);
            product(sh->impl, &shard_step[p], &sh->o[p]);
        }
    return NULL;
}

/* Seconds of `steps` steps with two shards on two threads at once. */
static double time_two_shards(shard shards[2], implementation impl, int steps)
{
    pthread_t thread[2];
    double start = now();
    for (int t = 0; t < 2; t++) {
        shards[t].impl = impl;
        shards[t].steps = steps;
        if (pthread_create(&thread[t], NULL, run_shard, &shards[t]) != 0)
            return -1;
    }
    for (int t = 0; t < 2; t++)
        pthread_join(thread[t], NULL);
    return now() - start;
}

static int bench_epoch(int rounds)
{
    shard shards[2];
    memset(shards, 0, sizeof shards);
    int ok = 1;
    for (int t = 0; t < 2; t++)
        for (size_t p = 0; p < SHARD_PRODUCTS; p++)
            ok = ok && make_operands(&shard_step[p], &shards[t].o[p], 777u + (unsigned)t) == 0;
    static const char *const names[3] = {"blas", "kernel", "routed"};
    double seconds[3][64];
    const int steps = 12;
    for (int r = 0; ok && r < rounds; r++)
        for (int i = 0; ok && i < 3; i++) {
            seconds[i][r] = time_two_shards(shards, (implementation)i, steps) * STEPS_PER_EPOCH / steps;
            ok = seconds[i][r] > 0;
        }
    for (int i = 0; ok && i < 3; i++)
        printf("epoch %s 2x1 %.4f\n", names[i], median(seconds[i], rounds));
    for (int t = 0; t < 2; t++)
        for (size_t p = 0; p < SHARD_PRODUCTS; p++)
            free_operands(&shards[t].o[p]);
    return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 7;
    double min_seconds = argc > 2 ? atof(argv[2]) : 0.05;
    if (rounds < 1 || rounds > 64 || !(min_seconds > 0 && min_seconds < 60)) {
        fprintf(stderr, "usage: gemm_bench [ROUNDS 1..64 [SECONDS per timing, 0..60]]\n");
        return 2;
    }
    sasc_gemm_set_threads(1);
    printf("# kernel path %s; OpenBLAS on 1 thread; medians of %d rounds\n",
           sasc_gemm_path_name(sasc_gemm_kernel_path()), rounds);
    for (size_t i = 0; i < SHAPES; i++)
        if (bench_shape(&shapes[i], rounds, min_seconds) != 0) {
            fprintf(stderr, "gemm_bench: out of memory\n");
            return 1;
        }
    if (bench_epoch(rounds) != 0) {
        fprintf(stderr, "gemm_bench: out of memory or no threads\n");
        return 1;
    }
    return 0;
}
