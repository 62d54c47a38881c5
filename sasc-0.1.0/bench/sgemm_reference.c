/*
 * sgemm_reference.c — the "B1 products throughput" reference of BRIEF section 6:
 * OpenBLAS cblas_sgemm timed on every matrix product of one training step of
 * the B1 model (784-100-100-10 gBP, batch 500, f32), which gives the
 * seconds per epoch that the products alone need and the GFLOP/s ceiling the
 * generated kernels are measured against.
 *
 * Usage: bench/sgemm_reference [THREADS [SECONDS]]   (defaults 2 and 0.2)
 *
 * One gBP training step of a layer with input h (B x n_in) and moments
 * mu, var = rho - mu^2 (n_in x n_out) multiplies (row-major, C = op(A) op(B)):
 *   forward   G      = h   . mu            (NN: B x n_in  times n_in x n_out)
 *             D^2    = h^2 . var           (NN, same shape)
 *   weights   dmu    = h^T   . dG          (TN: n_in x B  times B x n_out)
 *             dvar   = (h^2)^T . dD^2      (TN, same shape)
 *   inputs    dh     = dG . mu^T  and  dD^2 . var^T   (NT: B x n_out times n_out x n_in)
 * The first layer's input is data, so its two input-gradient products are not
 * needed. Elementwise work (moments, noise, relu, softmax, Adam) is not a
 * product and is left out: this is a floor for the products, not for the step.
 *
 * Output: one line per product "product NAME M N K TRANSA TRANSB COUNT
 * SECONDS GFLOPS", a "square" line (a large square sgemm, the machine's
 * peak), then "total" lines the bench/run script parses.
 */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define BATCH 500
#define TRAIN_IMAGES 60000
#define SQUARE 2048

typedef struct {
    const char *name;
    int m, n, k;             /* C is m x n, the inner dimension is k */
    int transpose_a, transpose_b;
    int count;               /* how many such products one training step does */
} product;

/* Every product of one B1 training step (see the header comment). */
static const product step_products[] = {
    {"h1.forward",        BATCH, 100, 784,   0, 0, 2},
    {"h1.weight_grad",    784,   100, BATCH, 1, 0, 2},
    {"h2.forward",        BATCH, 100, 100,   0, 0, 2},
    {"h2.weight_grad",    100,   100, BATCH, 1, 0, 2},
    {"h2.input_grad",     BATCH, 100, 100,   0, 1, 2},
    {"y.forward",         BATCH, 10,  100,   0, 0, 2},
    {"y.weight_grad",     100,   10,  BATCH, 1, 0, 2},
    {"y.input_grad",      BATCH, 100, 10,    0, 1, 2},
};
#define PRODUCTS (sizeof step_products / sizeof step_products[0])

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static float *random_matrix(size_t elements, unsigned *state)
{
    float *a = malloc(elements * sizeof *a);
    if (!a)
        return NULL;
    for (size_t i = 0; i < elements; i++) {
        *state = *state * 1664525u + 1013904223u;   /* LCG: values only need to be finite */
        a[i] = (float)(*state >> 8) / 16777216.0f - 0.5f;
    }
    return a;
}

/* Seconds per call of C = op(A) op(B) for p's shape: the best of five rounds,
 * each long enough (min_seconds) to average out timer resolution. The best
 * round is the one least disturbed by other processes on a shared machine. */
static double time_product(const product *p, double min_seconds, int *ok)
{
    unsigned state = 12345u;
    float *a = random_matrix((size_t)p->m * p->k, &state);
    float *b = random_matrix((size_t)p->k * p->n, &state);
    float *c = calloc((size_t)p->m * p->n, sizeof *c);
    double best = 0;
    *ok = a && b && c;
    if (*ok) {
        int lda = p->transpose_a ? p->m : p->k, ldb = p->transpose_b ? p->k : p->n;
        enum CBLAS_TRANSPOSE ta = p->transpose_a ? CblasTrans : CblasNoTrans;
        enum CBLAS_TRANSPOSE tb = p->transpose_b ? CblasTrans : CblasNoTrans;
        cblas_sgemm(CblasRowMajor, ta, tb, p->m, p->n, p->k, 1.0f, a, lda, b, ldb, 0.0f, c, p->n);
        for (int round = 0; round < 5; round++) {
            long calls = 0;
            double start = now(), elapsed;
            do {
                cblas_sgemm(CblasRowMajor, ta, tb, p->m, p->n, p->k, 1.0f, a, lda, b, ldb,
                            0.0f, c, p->n);
                calls++;
                elapsed = now() - start;
            } while (elapsed < min_seconds);
            double per_call = elapsed / (double)calls;
            if (round == 0 || per_call < best)
                best = per_call;
        }
    }
    free(a);
    free(b);
    free(c);
    return best;
}

static double product_flops(const product *p)
{
    return 2.0 * p->m * p->n * p->k;
}

int main(int argc, char **argv)
{
    int threads = argc > 1 ? atoi(argv[1]) : 2;
    double min_seconds = argc > 2 ? atof(argv[2]) : 0.2;
    if (threads < 1 || !(min_seconds > 0 && min_seconds < 60)) {
        fprintf(stderr, "usage: sgemm_reference [THREADS>=1 [SECONDS per round, 0..60]]\n");
        return 2;
    }
    openblas_set_num_threads(threads);
    double step_seconds = 0, step_flops = 0;
    int ok;
    printf("# name M N K transA transB count_per_step seconds_per_call GFLOP/s\n");
    for (size_t i = 0; i < PRODUCTS; i++) {
        const product *p = &step_products[i];
        double seconds = time_product(p, min_seconds, &ok);
        if (!ok) {
            fprintf(stderr, "sgemm_reference: out of memory\n");
            return 1;
        }
        printf("product %s %d %d %d %c %c %d %.9f %.2f\n", p->name, p->m, p->n, p->k,
               p->transpose_a ? 'T' : 'N', p->transpose_b ? 'T' : 'N', p->count, seconds,
               product_flops(p) / seconds * 1e-9);
        step_seconds += p->count * seconds;
        step_flops += p->count * product_flops(p);
    }
    product square = {"square", SQUARE, SQUARE, SQUARE, 0, 0, 1};
    double square_seconds = time_product(&square, min_seconds, &ok);
    if (!ok) {
        fprintf(stderr, "sgemm_reference: out of memory\n");
        return 1;
    }
    printf("square %d %.2f\n", SQUARE, product_flops(&square) / square_seconds * 1e-9);
    const double steps = (double)TRAIN_IMAGES / BATCH;
    printf("total threads %d\n", threads);
    printf("total step_gflop %.4f\n", step_flops * 1e-9);
    printf("total epoch_gflop %.3f\n", steps * step_flops * 1e-9);
    printf("total step_gflops_per_second %.2f\n", step_flops / step_seconds * 1e-9);
    printf("total epoch_seconds %.4f\n", steps * step_seconds);
    return 0;
}
