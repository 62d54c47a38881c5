/*
 * rng.c — Philox4x32-10 and the uniforms and normals built on it.
 */
#include "runtime/support/rng.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>
#include "runtime/support/vector_clones.h"

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
 * are within 1e-13 of libm's Box-Muller on the same uniforms. The float
 * noise of f32 programs has a transform of its own in float (below). The
 * same IEEE operations run in every clone
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

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_PHILOX_AVX512 1

/* The high and low words of m * c for the 16 words of c: vpmuludq on the
 * even and the odd words (one uop each), where GCC 12 vectorises the
 * portable (uint64_t) product as vpmullq (three uops). */
#define AVX512 __attribute__((target("arch=x86-64-v4")))
AVX512 static inline void multiply_words_avx512(__m512i c, __m512i m, __m512i *high, __m512i *low)
{
    __m512i even = _mm512_mul_epu32(c, m), odd = _mm512_mul_epu32(_mm512_srli_epi64(c, 32), m);
    const __mmask16 odd_words = 0xAAAA;
    *high = _mm512_mask_blend_epi32(odd_words, _mm512_srli_epi64(even, 32), odd);
    *low = _mm512_mask_blend_epi32(odd_words, even, _mm512_slli_epi64(odd, 32));
}

/* The ten rounds of philox_chunk with AVX-512 intrinsics: the same
 * integer operations, so the same words. */
AVX512 static inline void philox_rounds_avx512(uint32_t k0, uint32_t k1, uint32_t c0[CHUNK],
                                               uint32_t c1[CHUNK], uint32_t c2[CHUNK],
                                               uint32_t c3[CHUNK])
{
    __m512i x0 = _mm512_loadu_si512(c0), x1 = _mm512_loadu_si512(c1);
    __m512i x2 = _mm512_loadu_si512(c2), x3 = _mm512_loadu_si512(c3);
    const __m512i m0 = _mm512_set1_epi64(PHILOX_M0), m1 = _mm512_set1_epi64(PHILOX_M1);
    for (int round = 0; round < 10; round++) {
        __m512i high0, low0, high1, low1;
        multiply_words_avx512(x0, m0, &high0, &low0);
        multiply_words_avx512(x2, m1, &high1, &low1);
        x0 = _mm512_xor_si512(_mm512_xor_si512(high1, x1), _mm512_set1_epi32((int)k0));
        x2 = _mm512_xor_si512(_mm512_xor_si512(high0, x3), _mm512_set1_epi32((int)k1));
        x1 = low1;
        x3 = low0;
        k0 += PHILOX_W0;
        k1 += PHILOX_W1;
    }
    _mm512_storeu_si512(c0, x0);
    _mm512_storeu_si512(c1, x1);
    _mm512_storeu_si512(c2, x2);
    _mm512_storeu_si512(c3, x3);
}
#endif

/* Philox4x32-10 on blocks counter .. counter + CHUNK - 1 at once, words
 * in structure of arrays; inlined into each clone of the transforms (the
 * AVX-512 rounds inline into the x86-64-v4 clone, the only one that takes
 * that branch). */
INLINE void philox_chunk(uint64_t seed, uint64_t stream, uint64_t counter, uint32_t c0[CHUNK],
                         uint32_t c1[CHUNK], uint32_t c2[CHUNK], uint32_t c3[CHUNK])
{
    uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
    for (int j = 0; j < CHUNK; j++) {
        c0[j] = (uint32_t)(counter + (uint64_t)j);
        c1[j] = (uint32_t)((counter + (uint64_t)j) >> 32);
        c2[j] = (uint32_t)stream;
        c3[j] = (uint32_t)(stream >> 32);
    }
#ifdef HAVE_PHILOX_AVX512
    if (__builtin_cpu_supports("x86-64-v4")) {
        philox_rounds_avx512(k0, k1, c0, c1, c2, c3);
        return;
    }
#endif
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
}

/* 2 * CHUNK normals from blocks counter .. counter + CHUNK - 1: out[2j] =
 * r cos, out[2j+1] = r sin of block j. Each loop runs across the chunk
 * (structure of arrays) so that it vectorises; the square roots have a loop
 * of their own because libm's errno keeps sqrt scalar. */
WIDE_VECTORS
static void normals_chunk(uint64_t seed, uint64_t stream, uint64_t counter, double out[2 * CHUNK])
{
    uint32_t c0[CHUNK], c1[CHUNK], c2[CHUNK], c3[CHUNK];
    philox_chunk(seed, stream, counter, c0, c1, c2, c3);
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

/* ---- the float transform, for the noise of f32 programs ----
 *
 * The same Box-Muller in float arithmetic on 24-bit uniforms (twice the
 * lanes of the double transform per vector), with series cut where their
 * remainder is below half an ulp of float. Its own values, not the double
 * ones rounded: within a few float ulps of the double formula on the same
 * 24-bit uniforms (tested). u1 >= 2^-24 bounds |z| by sqrt(48 ln 2) = 5.77. */

INLINE uint32_t float_bits(float x)
{
    uint32_t bits;
    memcpy(&bits, &x, sizeof bits);
    return bits;
}

INLINE float bits_float(uint32_t bits)
{
    float x;
    memcpy(&x, &bits, sizeof x);
    return x;
}

/* p[0] + p[1] z + ... + p[n-1] z^(n-1) by Horner's rule (n <= 6). */
INLINE float polynomial_f32(const float *p, int n, float z)
{
    float value = p[n - 1];
#pragma GCC unroll 5   /* as in log_unit */
    for (int k = n - 2; k >= 0; k--)
        value = value * z + p[k];
    return value;
}

/* log(u) for u in [2^-24, 1], as log_unit: |s| < 0.172, the odd series of
 * atanh to s^9 leaves under 1e-9. */
INLINE float log_unit_f32(float u)
{
    const uint32_t sqrt_half = 0x3F3504F3u;
    int32_t e = (int32_t)(float_bits(u) - sqrt_half) >> 23;
    float m = bits_float(float_bits(u) - ((uint32_t)e << 23));
    float s = (m - 1.0f) / (m + 1.0f);
    static const float odd_reciprocal[5] = { 1.0f, 1.0f / 3, 1.0f / 5, 1.0f / 7, 1.0f / 9 };
    /* ln2_high has 15 significant bits, so e * ln2_high is exact for |e| <= 24. */
    const float ln2_high = 0x1.62e4p-1f, ln2_low = 1.4286068203094172e-6f;
    return (float)e * ln2_high + ((float)e * ln2_low + 2.0f * s * polynomial_f32(odd_reciprocal, 5, s * s));
}

/* sin and cos of x in [0, pi/4] to x^9 and x^10 (remainders under 2e-9, 2e-10). */
INLINE float sin_octant_f32(float x)
{
    static const float c[5] = { 1.0f, -1.0f / 6, 1.0f / 120, -1.0f / 5040, 1.0f / 362880 };
    return x * polynomial_f32(c, 5, x * x);
}

INLINE float cos_octant_f32(float x)
{
    static const float c[6] = { 1.0f, -1.0f / 2, 1.0f / 24, -1.0f / 720, 1.0f / 40320, -1.0f / 3628800 };
    return polynomial_f32(c, 6, x * x);
}

/* box_muller_parts in float: u1 = 1 - k / 2^24 from the top 24 bits of w0,
 * the turn fraction from the top 24 bits of w2 (w1, w3 unused). */
INLINE void box_muller_parts_f32(uint32_t w0, uint32_t w2, float *radius_squared, float *cosine,
                                 float *sine)
{
    *radius_squared = -2.0f * log_unit_f32(1.0f - (float)(int32_t)(w0 >> 8) * 0x1.0p-24f);
    uint32_t quadrant = w2 >> 30;
    float f = (float)(int32_t)((w2 >> 8) & ((1u << 22) - 1)) * 0x1.0p-22f;
    const float quarter_turn = 1.57079632679489661923f;
    bool upper = f > 0.5f;
    float x = (upper ? 1.0f - f : f) * quarter_turn;
    float s0 = sin_octant_f32(x), c0 = cos_octant_f32(x);
    float s = upper ? c0 : s0, c = upper ? s0 : c0;    /* sin, cos of f * pi/2 */
    *sine = quadrant == 0 ? s : quadrant == 1 ? c : quadrant == 2 ? -s : -c;
    *cosine = quadrant == 0 ? c : quadrant == 1 ? -s : quadrant == 2 ? -c : s;
}

/* normals_chunk in float. */
WIDE_VECTORS
static void normals_chunk_f32(uint64_t seed, uint64_t stream, uint64_t counter, float out[2 * CHUNK])
{
    uint32_t c0[CHUNK], c1[CHUNK], c2[CHUNK], c3[CHUNK];
    philox_chunk(seed, stream, counter, c0, c1, c2, c3);
    float radius_squared[CHUNK], cosine[CHUNK], sine[CHUNK];
    for (int j = 0; j < CHUNK; j++)
        box_muller_parts_f32(c0[j], c2[j], &radius_squared[j], &cosine[j], &sine[j]);
    for (int j = 0; j < CHUNK; j++) {
        float r = sqrtf(radius_squared[j]);
        out[2 * j] = r * cosine[j];
        out[2 * j + 1] = r * sine[j];
    }
}

/* The same operations as normals_chunk_f32 on one block's words. */
void sasc_rng_box_muller_f32(const uint32_t words[4], float out[2])
{
    float radius_squared, cosine, sine;
    box_muller_parts_f32(words[0], words[2], &radius_squared, &cosine, &sine);
    float r = sqrtf(radius_squared);
    out[0] = r * cosine;
    out[1] = r * sine;
}

/* normals_block in float. */
static void normals_block_f32(uint64_t seed, uint64_t stream, uint64_t counter, float out[2])
{
    uint32_t w[4];
    sasc_rng_block(seed, stream, counter, w);
    sasc_rng_box_muller_f32(w, out);
}

/* n normals into out_double or (when it is NULL) out_float: whole chunks
 * straight into the output, the rest (at most a chunk) a block at a time. */
static void draw_normals(uint64_t seed, uint64_t stream, uint64_t counter, double *out_double,
                         float *out_float, size_t n)
{
    size_t whole = n / (2 * CHUNK) * (2 * CHUNK);
    for (size_t first = 0; first < whole; first += 2 * CHUNK) {
        if (out_double)
            normals_chunk(seed, stream, counter + first / 2, out_double + first);
        else
            normals_chunk_f32(seed, stream, counter + first / 2, out_float + first);
    }
    for (size_t i = whole; i < n; i += 2) {
        double pair[2];
        float pair_f32[2];
        if (out_double)
            normals_block(seed, stream, counter + i / 2, pair);
        else
            normals_block_f32(seed, stream, counter + i / 2, pair_f32);
        for (size_t k = 0; k < 2 && i + k < n; k++) {
            if (out_double)
                out_double[i + k] = pair[k];
            else
                out_float[i + k] = pair_f32[k];
        }
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
