/*
 * entropy_bench.c — BRIEF benchmark B3: the entropy of every connection of a
 * 784-100-100-10 ensemble (89,400 connections) with B = 100 samples, gbp
 * Eq. 8 (what entropy_formula = auto gives a feedforward network).
 *
 * Usage: bench/entropy_bench [THREADS [REPEATS]]   (defaults 2 and 5)
 * Parameters look like a trained gBP network: pi mostly near 0 or 1, Xi
 * L-shaped, so every branch of entropy.h is exercised. Prints each repeat's
 * wall time and the median, and the authors' 28.6 s divided by the median.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "runtime/analyses/entropy.h"
#include "runtime/support/rng.h"

#define AUTHORS_SECONDS 28.6
#define MAX_REPEATS 101

static const size_t layer_sizes[] = {784 * 100, 100 * 100, 100 * 10};
#define LAYERS (sizeof layer_sizes / sizeof layer_sizes[0])

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Trained-looking parameters from uniforms u: pi U-shaped, Xi L-shaped. */
static void fill(double *pi, double *m, double *xi, size_t n, uint64_t seed)
{
    double *u = malloc(3 * n * sizeof *u);
    if (!u) {
        fprintf(stderr, "entropy_bench: out of memory\n");
        exit(1);
    }
    sasc_rng_uniforms(seed, 1, 0, u, 3 * n);
    for (size_t i = 0; i < n; i++) {
        double a = u[3 * i], b = u[3 * i + 1], c = u[3 * i + 2];
        pi[i] = a < 0.3 ? 0.0 : (a > 0.8 ? 1.0 : (a - 0.3) * 2.0);
        m[i] = (b - 0.5) * 0.2;
        xi[i] = c < 0.4 ? 0.0 : 0.01 * (c - 0.4) * (c - 0.4);
    }
    free(u);
}

static int compare(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

int main(int argc, char **argv)
{
    unsigned threads = argc > 1 ? (unsigned)atoi(argv[1]) : 2;
    int repeats = argc > 2 ? atoi(argv[2]) : 5;
    if (threads < 1 || repeats < 1 || repeats > MAX_REPEATS) {
        fprintf(stderr, "usage: entropy_bench [THREADS>=1 [REPEATS 1..%d]]\n", MAX_REPEATS);
        return 2;
    }
    size_t total = 0;
    for (size_t l = 0; l < LAYERS; l++)
        total += layer_sizes[l];
    double *pi = malloc(total * sizeof *pi), *m = malloc(total * sizeof *m);
    double *xi = malloc(total * sizeof *xi);
    if (!pi || !m || !xi) {
        fprintf(stderr, "entropy_bench: out of memory\n");
        return 1;
    }
    fill(pi, m, xi, total, 7);
    sasc_entropy_settings settings;
    sasc_entropy_settings_default(&settings);
    settings.threads = threads;
    /* a feedforward gBP network: the formula `auto` gives it (gbp Eq. 8); the
     * cost is the same for Eq. 14, which differs only per connection */
    settings.formula = SASC_ENTROPY_FORMULA_GBP_EQ8;
    double times[MAX_REPEATS];
    char error[256];
    for (int r = 0; r < repeats; r++) {
        double start = now();
        size_t offset = 0;
        for (size_t l = 0; l < LAYERS; l++) {
            sasc_entropy_summary summary;
            if (!sasc_entropy_compute(pi + offset, m + offset, xi + offset, layer_sizes[l],
                                      &settings, &summary, NULL, error, sizeof error)) {
                fprintf(stderr, "%s\n", error);
                return 1;
            }
            if (r == 0)
                printf("layer %zu: %zu connections, mean S %.6f (pi part %.6f, Xi part %.6f)\n",
                       l + 1, summary.count, summary.total, summary.pi_part, summary.xi_part);
            offset += layer_sizes[l];
        }
        times[r] = now() - start;
        printf("repeat %d: %.6f s\n", r + 1, times[r]);
    }
    qsort(times, (size_t)repeats, sizeof times[0], compare);
    double median = times[repeats / 2];
    printf("B3: %zu connections, B = %zu, %u threads: median %.6f s; authors' loop %.1f s "
           "is %.0fx slower\n", total, settings.samples, threads, median, AUTHORS_SECONDS,
           AUTHORS_SECONDS / median);
    free(pi);
    free(m);
    free(xi);
    return 0;
}
