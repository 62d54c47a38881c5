/*
 * rng.c — Philox4x32-10 and the uniforms and normals built on it.
 */
#include "runtime/rng.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>
#include "runtime/vector_clones.h"

enum {
    PHILOX_M0 = 0xD2511F53u, PHILOX_M1 = 0xCD9E8D57u,  /* round multipliers */
    PHILOX_W0 = 0x9E3779B9u, PHILOX_W1 = 0xBB67AE85u   /* key schedule (Weyl) increments */
};

static void philox_round(uint32_t c[4], const uint32_t k[2])
{
    uint64_t p0 = (uint64_t)PHILOX_M0 * c[0];
    uint64_t p1 = (uint64_t)PHILOX_M1 * c[2];
    uint32_t hi0 = (uint32_t)(p0 >> 32), lo0 = (uint32_t)p0;
    uint32_t hi1 = (uint32_t)(p1 >> 32), lo1 = (uint32_t)p1;
    uint32_t next[4] = {hi1 ^ c[1] ^ k[0], lo1, hi0 ^ c[3] ^ k[1], lo0};
    for (int i = 0; i < 4; i++)
        c[i] = next[i];
}

void sasc_philox4x32_10(const uint32_t counter[4], const uint32_t key[2], uint32_t out[4])
{
    uint32_t c[4] = {counter[0], counter[1], counter[2], counter[3]};
    uint32_t k[2] = {key[0], key[1]};
    for (int round = 0; round < 10; round++) {
        if (round > 0) {
            k[0] += PHILOX_W0;
            k[1] += PHILOX_W1;
        }
        philox_round(c, k);
    }
    for (int i = 0; i < 4; i++)
        out[i] = c[i];
}

uint64_t sasc_rng_stream(sasc_stream_purpose purpose, uint32_t index, uint32_t minor)
{
    return ((uint64_t)purpose << 56) | ((uint64_t)(index & 0xFFFFFFu) << 32) | minor;
}

void sasc_rng_block(uint64_t seed, uint64_t stream, uint64_t counter, uint32_t out[4])
{
    const uint32_t c[4] = {(uint32_t)counter, (uint32_t)(counter >> 32),
                           (uint32_t)stream, (uint32_t)(stream >> 32)};
    const uint32_t k[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
    sasc_philox4x32_10(c, k, out);
}

/* 53 bits from two words: a double in [0, 1) with every value k / 2^53 equally likely. */
static inline __attribute__((always_inline)) double unit_interval(uint32_t high, uint32_t low)
{
    uint64_t bits = ((uint64_t)high << 21) | (low >> 11);
    return (double)(bits & ((UINT64_C(1) << 53) - 1)) * 0x1.0p-53;
}

void sasc_rng_uniforms(uint64_t seed, uint64_t stream, uint64_t counter, double *out, size_t n)
{
    for (size_t i = 0; i < n; i += 2) {
        uint32_t w[4];
        sasc_rng_block(seed, stream, counter + i / 2, w);
        out[i] = unit_interval(w[0], w[1]);
        if (i + 1 < n)
            out[i + 1] = unit_interval(w[2], w[3]);
    }
}

/* ---- normals, a chunk of generator blocks at a time ----
 *
 * Box-Muller with a logarithm and a sine/cosine of our own: branch-free
 * polynomial code on structure-of-arrays chunks, so the compiler vectorises
 * all of it (Philox rounds included), where libm's scalar log and sincos
 * are not (measured: 52-65 ns a normal with libm, 10-17 ns here). Results
 * are within 1e-13 of libm's Box-Muller on the same uniforms, so the float
 * noise of f32 programs is, but for rare roundings (one value in millions),
 * what libm gives. The same IEEE operations run in every clone
 * (no FMA contraction under -std=c11), so values never depend on the
 * processor's vector width. */

/* Wider vectors where the processor has them (the build targets baseline x86-64). */

enum { CHUNK = 16 };   /* generator blocks per pass: two normals each */

/* The transform's helpers are inlined into each clone of normals_chunk, so
 * that its loop over the chunk vectorises. */
#define INLINE static inline __attribute__((always_inline))

INLINE uint64_t double_bits(double x)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    return bits;
}

INLINE double bits_double(uint64_t bits)
{
    double x;
    memcpy(&x, &bits, sizeof x);
    return x;
}

/* log(u) for u in [2^-53, 1]: u = 2^e m with m in [sqrt(1/2), sqrt(2)), then
 * log m = 2 atanh(s), s = (m-1)/(m+1), |s| < 0.172: the odd series to s^19
 * leaves under 1e-17. */
INLINE double log_unit(double u)
{
    const uint64_t sqrt_half = 0x3FE6A09E667F3BCDull;
    int64_t e = (int64_t)(double_bits(u) - sqrt_half) >> 52;
    double m = bits_double(double_bits(u) - ((uint64_t)e << 52));
    double s = (m - 1.0) / (m + 1.0), z = s * s;
    static const double odd_reciprocal[10] = {   /* 1 / (2k + 1) */
        1.0, 1.0 / 3, 1.0 / 5, 1.0 / 7, 1.0 / 9, 1.0 / 11, 1.0 / 13, 1.0 / 15, 1.0 / 17, 1.0 / 19
    };
    double series = odd_reciprocal[9];
#pragma GCC unroll 9   /* unrolled, so that the caller's loop over a chunk vectorises */
    for (int k = 8; k >= 0; k--)
        series = series * z + odd_reciprocal[k];
    const double ln2_high = 0x1.62e42fefa3800p-1, ln2_low = 0x1.ef35793c76730p-45;
    return (double)e * ln2_high + ((double)e * ln2_low + 2.0 * s * series);
}

/* c[0] + c[1] z + ... + c[8] z^8 by Horner's rule. */
INLINE double even_polynomial(const double c[9], double z)
{
    double p = c[8];
#pragma GCC unroll 8   /* as in log_unit */
    for (int k = 7; k >= 0; k--)
        p = p * z + c[k];
    return p;
}

/* sin and cos of x in [0, pi/4] by their Taylor series (to x^17 and x^16:
 * under 1e-17 there). */
INLINE double sin_octant(double x)
{
    static const double c[9] = {   /* (-1)^k / (2k+1)! */
        1.0, -1.0 / 6.0, 1.0 / 120.0, -1.0 / 5040.0, 1.0 / 362880.0, -1.0 / 39916800.0,
        1.0 / 6227020800.0, -1.0 / 1307674368000.0, 1.0 / 355687428096000.0
    };
    return x * even_polynomial(c, x * x);
}

INLINE double cos_octant(double x)
{
    static const double c[9] = {   /* (-1)^k / (2k)! */
        1.0, -1.0 / 2.0, 1.0 / 24.0, -1.0 / 720.0, 1.0 / 40320.0, -1.0 / 3628800.0,
        1.0 / 479001600.0, -1.0 / 87178291200.0, 1.0 / 20922789888000.0
    };
    return even_polynomial(c, x * x);
}

/* The Box-Muller pair of a block but for the radius: cos and sin of
 * 2 pi u2, and r^2 = -2 log u1 with u1 = 1 - uniform in (0, 1]. The turn
 * fraction u2 = k / 2^53 splits exactly into a quadrant (its top two bits)
 * and a fraction f of the quadrant; past f = 1/2 the complement is used. */
INLINE void box_muller_parts(uint32_t w0, uint32_t w1, uint32_t w2, uint32_t w3,
                             double *radius_squared, double *cosine, double *sine)
{
    *radius_squared = -2.0 * log_unit(1.0 - unit_interval(w0, w1));
    uint64_t bits = (((uint64_t)w2 << 21) | (w3 >> 11)) & ((UINT64_C(1) << 53) - 1);
    uint64_t quadrant = bits >> 51;
    double f = (double)(int64_t)(bits & ((UINT64_C(1) << 51) - 1)) * 0x1.0p-51;
    const double quarter_turn = 1.5707963267948966192313216916398;
    bool upper = f > 0.5;
    double x = (upper ? 1.0 - f : f) * quarter_turn;
    double s0 = sin_octant(x), c0 = cos_octant(x);
    double s = upper ? c0 : s0, c = upper ? s0 : c0;    /* sin, cos of f * pi/2 */
    *sine = quadrant == 0 ? s : quadrant == 1 ? c : quadrant == 2 ? -s : -c;
    *cosine = quadrant == 0 ? c : quadrant == 1 ? -s : quadrant == 2 ? -c : s;
}

/* 2 * CHUNK normals from blocks counter .. counter + CHUNK - 1: out[2j] =
 * r cos, out[2j+1] = r sin of block j. Each loop runs across the chunk
 * (structure of arrays) so that it vectorises; the square roots have a loop
 * of their own because libm's errno keeps sqrt scalar. */
WIDE_VECTORS
static void normals_chunk(uint64_t seed, uint64_t stream, uint64_t counter, double out[2 * CHUNK])
{
    uint32_t c0[CHUNK], c1[CHUNK], c2[CHUNK], c3[CHUNK];
    uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
    for (int j = 0; j < CHUNK; j++) {
        c0[j] = (uint32_t)(counter + (uint64_t)j);
        c1[j] = (uint32_t)((counter + (uint64_t)j) >> 32);
        c2[j] = (uint32_t)stream;
        c3[j] = (uint32_t)(stream >> 32);
    }
    for (int round = 0; round < 10; round++) {
        for (int j = 0; j < CHUNK; j++) {
            uint64_t p0 = (uint64_t)PHILOX_M0 * c0[j], p1 = (uint64_t)PHILOX_M1 * c2[j];
            uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1[j] ^ k0, n2 = (uint32_t)(p0 >> 32) ^ c3[j] ^ k1;
            c0[j] = n0;
            c1[j] = (uint32_t)p1;
            c2[j] = n2;
            c3[j] = (uint32_t)p0;
        }
        k0 += PHILOX_W0;
        k1 += PHILOX_W1;
    }
    double radius_squared[CHUNK], cosine[CHUNK], sine[CHUNK];
    for (int j = 0; j < CHUNK; j++)
        box_muller_parts(c0[j], c1[j], c2[j], c3[j], &radius_squared[j], &cosine[j], &sine[j]);
    for (int j = 0; j < CHUNK; j++) {
        double r = sqrt(radius_squared[j]);
        out[2 * j] = r * cosine[j];
        out[2 * j + 1] = r * sine[j];
    }
}

/* The two normals of one block, for the ends that do not fill a chunk
 * (single draws, e.g. sampled weights, must not pay for a whole chunk).
 * The same operations as normals_chunk, so the same values. */
static void normals_block(uint64_t seed, uint64_t stream, uint64_t counter, double out[2])
{
    uint32_t w[4];
    sasc_rng_block(seed, stream, counter, w);
    double radius_squared, cosine, sine;
    box_muller_parts(w[0], w[1], w[2], w[3], &radius_squared, &cosine, &sine);
    double r = sqrt(radius_squared);
    out[0] = r * cosine;
    out[1] = r * sine;
}

/* Values first .. first + count - 1 of the sequence (first even). */
static void normals_run(uint64_t seed, uint64_t stream, uint64_t counter, size_t first,
                        size_t count, double *values)
{
    if (count == 2 * CHUNK) {
        normals_chunk(seed, stream, counter + first / 2, values);
        return;
    }
    for (size_t i = 0; i < count; i += 2) {
        double pair[2];
        normals_block(seed, stream, counter + (first + i) / 2, pair);
        values[i] = pair[0];
        if (i + 1 < count)
            values[i + 1] = pair[1];
    }
}

/* n normals into out_double or (when it is NULL) out_float. */
static void draw_normals(uint64_t seed, uint64_t stream, uint64_t counter, double *out_double,
                         float *out_float, size_t n)
{
    for (size_t first = 0; first < n; first += 2 * CHUNK) {
        double values[2 * CHUNK];
        size_t count = n - first < 2 * CHUNK ? n - first : 2 * CHUNK;
        normals_run(seed, stream, counter, first, count, values);
        if (out_double)
            memcpy(out_double + first, values, count * sizeof *values);
        else
            for (size_t i = 0; i < count; i++)
                out_float[first + i] = (float)values[i];
    }
}

void sasc_rng_normals(uint64_t seed, uint64_t stream, uint64_t counter, double *out, size_t n)
{
    draw_normals(seed, stream, counter, out, NULL, n);
}

void sasc_rng_normals_f32(uint64_t seed, uint64_t stream, uint64_t counter, float *out, size_t n)
{
    draw_normals(seed, stream, counter, NULL, out, n);
}
