/*
 * gemm_kernel.c — the driver of sasc's single-threaded f32 product
 * (gemm_kernel.h): picks the instruction set path and walks C by slices of K
 * (outer), panels of two vectors' columns, then blocks of the tile's rows
 * (inner), so the slice of a B panel stays in L1 while every block of rows
 * passes it. Nothing is packed when B is stored as op(B): the tiles read its
 * rows in place (masked loads for the last columns) and broadcast A's
 * elements in place; a transposed B is copied once per call into op(B)'s
 * rows. K is sliced only when beta = 0: the float accumulators wait in C
 * between slices, which keeps the one summation order of gemm_kernel.h
 * without a partial-sum buffer (with beta != 0, C's old values are needed at
 * the end, so one slice spans K).
 */
#include "runtime/kernels/gemm_kernel.h"
#include "runtime/kernels/gemm_tile.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The portable tile: the summation order of gemm_kernel.h one element at a
 * time. fmaf rounds once like the vector FMAs, and the epilogue's product and
 * sum are separate statements so no compiler contracts them into an FMA. */
static void portable_tile(const gemm_tile *t)
{
    for (int r = 0; r < t->rows; r++) {
        const float *a = t->a + r * t->a_row;
        float *c = t->c + r * t->ldc;
        for (int j = 0; j < t->cols; j++) {
            float acc = t->resume ? c[j] : 0.0f;
            for (int k = 0; k < t->k; k++)
                acc = fmaf(a[k * t->a_k], t->b[k * t->b_stride + j], acc);
            if (!t->finish) {
                c[j] = acc;
                continue;
            }
            float out = t->alpha * acc;
            if (t->beta != 0.0f) {
                float old = t->beta * c[j];
                out = out + old;
            }
            c[j] = out;
        }
    }
}

static const gemm_path_info portable_info = { portable_tile, 8, 4 };

/* Floats of K per slice: a slice of a 32-column panel of B (K_SLICE x 128
 * bytes, 24 KB) stays in L1 while every block of rows passes it. */
#ifndef K_SLICE
#define K_SLICE 192
#endif

static sasc_gemm_path forced_path = SASC_GEMM_PATHS;

int sasc_gemm_kernel_path_supported(sasc_gemm_path path)
{
    switch (path) {
#if defined(__x86_64__) && defined(__GNUC__)
    case SASC_GEMM_AVX512:
        return sasc_gemm_avx512_info.tile && __builtin_cpu_supports("avx512f") &&
               __builtin_cpu_supports("fma");
    case SASC_GEMM_AVX2:
        return sasc_gemm_avx2_info.tile && __builtin_cpu_supports("avx2") &&
               __builtin_cpu_supports("fma");
#endif
    case SASC_GEMM_PORTABLE:
        return 1;
    default:
        return 0;
    }
}

sasc_gemm_path sasc_gemm_kernel_path(void)
{
    if (forced_path != SASC_GEMM_PATHS)
        return forced_path;
    sasc_gemm_path path = SASC_GEMM_AVX512;
    while (!sasc_gemm_kernel_path_supported(path))
        path++;
    return path;
}

void sasc_gemm_kernel_force_path(sasc_gemm_path path)
{
    forced_path = path < SASC_GEMM_PATHS && sasc_gemm_kernel_path_supported(path)
                      ? path : SASC_GEMM_PATHS;
}

const char *sasc_gemm_path_name(sasc_gemm_path path)
{
    static const char *const names[SASC_GEMM_PATHS] = { "avx512", "avx2", "portable" };
    return path < SASC_GEMM_PATHS ? names[path] : "unknown";
}

static const gemm_path_info *path_info(sasc_gemm_path path)
{
    switch (path) {
    case SASC_GEMM_AVX512:
        return &sasc_gemm_avx512_info;
    case SASC_GEMM_AVX2:
        return &sasc_gemm_avx2_info;
    default:
        return &portable_info;
    }
}

/* op(B) as k rows of n floats when B is stored transposed (the tiles read
 * op(B) by rows); NULL if out of memory. Row j of B is read contiguously. */
static float *transpose_b(const float *b, int ldb, int n, int k)
{
    float *t = malloc((size_t)n * (size_t)k * sizeof *t);
    if (!t)
        return NULL;
    for (int j = 0; j < n; j++) {
        const float *row = b + (size_t)j * (size_t)ldb;
        for (int kk = 0; kk < k; kk++)
            t[(size_t)kk * (size_t)n + (size_t)j] = row[kk];
    }
    return t;
}

/* C = beta * C without reading A or B (the BLAS's answer when alpha or K is 0);
 * beta == 0 writes zeros without reading C. */
static void scale_c(int m, int n, float beta, float *c, int ldc)
{
    for (int i = 0; i < m; i++) {
        float *row = c + (size_t)i * (size_t)ldc;
        for (int j = 0; j < n; j++)
            row[j] = beta == 0.0f ? 0.0f : beta * row[j];
    }
}

int sasc_gemm_kernel_f32(int transpose_a, int b_transposed, int m, int n, int k,
                         float alpha, const float *a, int lda, const float *b, int ldb,
                         float beta, float *c, int ldc)
{
    if (m <= 0 || n <= 0)
        return 0;
    if (k <= 0 || alpha == 0.0f) {
        scale_c(m, n, beta, c, ldc);
        return 0;
    }
    const gemm_path_info *info = path_info(sasc_gemm_kernel_path());
    float *copy = b_transposed ? transpose_b(b, ldb, n, k) : NULL;
    if (b_transposed && !copy)
        return -1;
    const int panel = 2 * info->lanes;
    /* Slices of K only when C may hold partial sums (beta = 0). */
    const int slice = beta == 0.0f ? K_SLICE : k;
    gemm_tile tile = {
        .a_row = transpose_a ? 1 : lda, .a_k = transpose_a ? lda : 1,
        .b_stride = copy ? n : ldb, .ldc = ldc, .alpha = alpha, .beta = beta,
    };
    for (int k0 = 0; k0 < k; k0 += slice) {
        tile.k = k - k0 < slice ? k - k0 : slice;
        tile.resume = k0 > 0;
        tile.finish = k0 + tile.k == k;
        for (int j0 = 0; j0 < n; j0 += panel) {
            tile.cols = n - j0 < panel ? n - j0 : panel;
            tile.b = (copy ? copy : b) + (size_t)k0 * (size_t)tile.b_stride + j0;
            for (int i0 = 0; i0 < m; i0 += info->max_rows) {
                tile.rows = m - i0 < info->max_rows ? m - i0 : info->max_rows;
                tile.a = a + (ptrdiff_t)i0 * tile.a_row + (ptrdiff_t)k0 * tile.a_k;
                tile.c = c + (size_t)i0 * (size_t)ldc + (size_t)j0;
                info->tile(&tile);
            }
        }
    }
    free(copy);
    return 0;
}
