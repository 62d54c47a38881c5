/*
 * parallel_normals.h — sasc_rng_normals split over threads. The generator
 * is counter-based, so each thread draws its own contiguous part and the
 * values are exactly those of one sequential call, whatever the thread
 * count. Drawing the per-step noise of recurrent models (e.g. 7.8 million
 * eps values per pixel-by-pixel mini-batch) otherwise dominates a step.
 */
#ifndef SASC_PARALLEL_NORMALS_H
#define SASC_PARALLEL_NORMALS_H

#include <stddef.h>
#include <stdint.h>

#include "runtime/sasc_runtime.h"

/* As sasc_rng_normals(seed, stream, counter, out, n), with `threads` threads
 * (0: one per online core; small n runs on the calling thread alone). */
void sasc_rng_normals_parallel(uint64_t seed, uint64_t stream, uint64_t counter, double *out,
                               size_t n, int threads);

/* The same, into `out` of the given precision (float or double elements):
 * how the runtime fills a NOISE buffer in place. */
void sasc_rng_normals_fill(uint64_t seed, uint64_t stream, uint64_t counter, void *out,
                           sasc_precision precision, size_t n, int threads);

#endif
