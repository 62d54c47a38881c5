/*
 * gemm_kernel_x86.c — the AVX-512 and AVX2 tiles of sasc's f32 product: the
 * body of gemm_tile_simd.h instantiated for each vector width, compiled with
 * target attributes so the file builds for baseline x86-64 and the driver
 * (gemm_kernel.c) picks a path at run time. Elsewhere both tiles are NULL.
 */
#include "runtime/kernels/gemm_tile.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

/* ---- AVX-512: 16 lanes, 12 x 32 tile (24 accumulators of 32 registers). */
#define SIMD_NAME(x) avx512_##x
#define SIMD_TARGET __attribute__((target("avx512f,fma")))
#define SIMD_V __m512
#define SIMD_LANES 16
#define SIMD_MAX_ROWS 12
#define SIMD_ZERO() _mm512_setzero_ps()
#define SIMD_SET1(x) _mm512_set1_ps(x)
#define SIMD_LOADU(p) _mm512_loadu_ps(p)
#define SIMD_FMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define SIMD_MUL(a, b) _mm512_mul_ps(a, b)
#define SIMD_ADD(a, b) _mm512_add_ps(a, b)
#define SIMD_LOAD_N(p, n) _mm512_maskz_loadu_ps(avx512_first(n), p)
#define SIMD_STORE_N(p, v, n) _mm512_mask_storeu_ps(p, avx512_first(n), v)

/* The mask of the first n lanes, 1 <= n <= 16. */
static inline __mmask16 avx512_first(int n)
{
    return (__mmask16)((1u << n) - 1u);
}

#include "runtime/kernels/gemm_tile_simd.h"

#undef SIMD_NAME
#undef SIMD_TARGET
#undef SIMD_V
#undef SIMD_LANES
#undef SIMD_MAX_ROWS
#undef SIMD_ZERO
#undef SIMD_SET1
#undef SIMD_LOADU
#undef SIMD_FMA
#undef SIMD_MUL
#undef SIMD_ADD
#undef SIMD_LOAD_N
#undef SIMD_STORE_N

/* ---- AVX2 + FMA: 8 lanes, 6 x 16 tile (12 accumulators of 16 registers). */
#define SIMD_NAME(x) avx2_##x
#define SIMD_TARGET __attribute__((target("avx2,fma")))
#define SIMD_V __m256
#define SIMD_LANES 8
#define SIMD_MAX_ROWS 6
#define SIMD_ZERO() _mm256_setzero_ps()
#define SIMD_SET1(x) _mm256_set1_ps(x)
#define SIMD_LOADU(p) _mm256_loadu_ps(p)
#define SIMD_FMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define SIMD_MUL(a, b) _mm256_mul_ps(a, b)
#define SIMD_ADD(a, b) _mm256_add_ps(a, b)
#define SIMD_LOAD_N(p, n) _mm256_maskload_ps(p, avx2_first(n))
#define SIMD_STORE_N(p, v, n) _mm256_maskstore_ps(p, avx2_first(n), v)

/* All-ones in the first n lanes, 1 <= n <= 8. */
static inline SIMD_TARGET __m256i avx2_first(int n)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

#include "runtime/kernels/gemm_tile_simd.h"

const gemm_path_info sasc_gemm_avx512_info = { avx512_tile, 16, 12 };
const gemm_path_info sasc_gemm_avx2_info = { avx2_tile, 8, 6 };

#else

const gemm_path_info sasc_gemm_avx512_info = { NULL, 16, 12 };
const gemm_path_info sasc_gemm_avx2_info = { NULL, 8, 6 };

#endif
