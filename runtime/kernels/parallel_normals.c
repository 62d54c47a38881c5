/*
 * parallel_normals.c — see parallel_normals.h.
 *
 * Invariant: every part starts at an even index, because values 2k and
 * 2k + 1 come from one generator block (counter + k); a part starting at
 * index s is then the sequential call with counter + s / 2.
 */
#include "runtime/kernels/parallel_normals.h"
#include "runtime/support/rng.h"

#include <pthread.h>
#include <stdbool.h>
#include <unistd.h>

/* A part is worth a thread from about 1 ms of drawing (the vectorised
 * generator makes about 10^9 normals a second per core). */
enum { MAX_THREADS = 64, MIN_PART = 1 << 20 };

typedef struct {
    uint64_t seed, stream, counter;
    void *out;                /* element `start` of the whole output */
    sasc_precision precision;
    size_t n;
} part;

static void *draw_part(void *argument)
{
    const part *p = argument;
    if (p->precision == SASC_F32)
        sasc_rng_normals_f32(p->seed, p->stream, p->counter, p->out, p->n);
    else
        sasc_rng_normals(p->seed, p->stream, p->counter, p->out, p->n);
    return NULL;
}

static int thread_count(int threads, size_t n)
{
    if (threads <= 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        threads = cores > 0 ? (int)cores : 1;
    }
    if (threads > MAX_THREADS)
        threads = MAX_THREADS;
    size_t useful = n / MIN_PART;
    return useful < (size_t)threads ? (useful > 0 ? (int)useful : 1) : threads;
}

void sasc_rng_normals_fill(uint64_t seed, uint64_t stream, uint64_t counter, void *out,
                           sasc_precision precision, size_t n, int threads)
{
    int count = thread_count(threads, n);
    part parts[MAX_THREADS];
    pthread_t workers[MAX_THREADS];
    bool started[MAX_THREADS] = { false };
    size_t pairs = (n + 1) / 2, start = 0;
    for (int k = 0; k < count; k++) {
        size_t end = k + 1 == count ? n : 2 * (pairs * (size_t)(k + 1) / (size_t)count);
        parts[k] = (part){ seed, stream, counter + start / 2, (char *)out + start * (size_t)precision /* bytes */,
                           precision, end - start };
        start = end;
    }
    for (int k = 1; k < count; k++)   /* a thread that cannot start: its part runs here */
        started[k] = pthread_create(&workers[k], NULL, draw_part, &parts[k]) == 0;
    draw_part(&parts[0]);
    for (int k = 1; k < count; k++) {
        if (started[k])
            pthread_join(workers[k], NULL);
        else
            draw_part(&parts[k]);
    }
}

void sasc_rng_normals_parallel(uint64_t seed, uint64_t stream, uint64_t counter, double *out,
                               size_t n, int threads)
{
    sasc_rng_normals_fill(seed, stream, counter, out, SASC_F64, n, threads);
}
