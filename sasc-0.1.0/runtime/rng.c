/*
 * rng.c — Philox4x32-10 and the uniforms and normals built on it.
 */
#include "runtime/rng.h"

#include <math.h>

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
static double unit_interval(uint32_t high, uint32_t low)
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

void sasc_rng_normals(uint64_t seed, uint64_t stream, uint64_t counter, double *out, size_t n)
{
    const double two_pi = 6.283185307179586476925286766559;
    for (size_t i = 0; i < n; i += 2) {
        uint32_t w[4];
        sasc_rng_block(seed, stream, counter + i / 2, w);
        double u1 = 1.0 - unit_interval(w[0], w[1]);  /* (0, 1]: log never sees 0 */
        double u2 = unit_interval(w[2], w[3]);
        double r = sqrt(-2.0 * log(u1));
        out[i] = r * cos(two_pi * u2);
        if (i + 1 < n)
            out[i + 1] = r * sin(two_pi * u2);
    }
}
