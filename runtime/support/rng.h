/*
 * rng.h — counter-based random numbers (Philox4x32-10, Salmon et al., SC'11).
 *
 * A value is a pure function of (seed, stream, counter): no hidden state, so
 * results never depend on thread count, call order or what was drawn before.
 * The seed is the key; stream and counter together form the 128-bit counter.
 * Callers give each purpose its own stream (sasc_rng_stream) and index the
 * values within a stream by counter.
 */
#ifndef SASC_RNG_H
#define SASC_RNG_H

#include <stddef.h>
#include <stdint.h>

/* The raw generator: ten rounds of Philox4x32 on `counter` under `key`. */
void sasc_philox4x32_10(const uint32_t counter[4], const uint32_t key[2], uint32_t out[4]);

/* What a stream of random numbers is for; part of the stream id. */
typedef enum {
    SASC_STREAM_INITIALIZE = 1,  /* parameter initialisation, per buffer */
    SASC_STREAM_MASK = 2,        /* random connection masks, per layer */
    SASC_STREAM_SHUFFLE = 3,     /* training order, per epoch */
    SASC_STREAM_NOISE = 4,       /* NOISE buffers, per (epoch, buffer); counter high word = step */
    SASC_STREAM_TASK = 5,        /* generated task data (MSI trials), per set */
    SASC_STREAM_NEURASHED_DATA = 6,  /* neurashed patterns drawn per sample (runtime/neurashed) */
    SASC_STREAM_NEURASHED_INIT = 7   /* neurashed initial values: index 0 lambda, 1 eta */
} sasc_stream_purpose;

/* Stream id for `purpose` and two indices (index < 2^24, minor < 2^32). */
uint64_t sasc_rng_stream(sasc_stream_purpose purpose, uint32_t index, uint32_t minor);

/* Four uniform 32-bit words for (seed, stream, counter). */
void sasc_rng_block(uint64_t seed, uint64_t stream, uint64_t counter, uint32_t out[4]);

/* out[i] uniform in [0, 1) with 53 random bits: two per block, blocks counter, counter+1, ... */
void sasc_rng_uniforms(uint64_t seed, uint64_t stream, uint64_t counter, double *out, size_t n);

/* out[i] ~ N(0, 1) by Box-Muller: two per block, blocks counter, counter+1, ...
 * The logarithm's argument is in (0, 1], so it is never log(0). */
void sasc_rng_normals(uint64_t seed, uint64_t stream, uint64_t counter, double *out, size_t n);

/* N(0, 1) in float for the noise of f32 programs: the same blocks, but the
 * transform in float on 24-bit uniforms (u1 = 1 - k / 2^24, so |out[i]| <=
 * 5.77), within a few float ulps of the double formula on those uniforms. */
void sasc_rng_normals_f32(uint64_t seed, uint64_t stream, uint64_t counter, float *out, size_t n);

/* The float transform alone: the two normals sasc_rng_normals_f32 makes of
 * a block's four words (words[1] and words[3] unused). */
void sasc_rng_box_muller_f32(const uint32_t words[4], float out[2]);

#endif
