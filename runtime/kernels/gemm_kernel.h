/*
 * gemm_kernel.h — sasc's own single-threaded f32 matrix product, tuned for the
 * shapes of its models (M in the hundreds, N = 100 or 10, K <= 784): B is
 * packed once per call into zero-padded column panels, the rows of op(A) are
 * broadcast straight from A (no packing of A), and a register-blocked tile of
 * C is accumulated over the whole of K in vector registers.
 *
 * Summation order (the reproducibility contract): every element of C is
 *     acc = 0; for k = 0 .. K-1: acc = fma(op(A)[i][k], op(B)[k][j], acc);
 *     C[i][j] = alpha * acc                  (beta == 0: C is never read)
 *     C[i][j] = alpha * acc + beta * C[i][j] (otherwise; mul, mul, add)
 * in every instruction set path (AVX-512, AVX2, portable C with fmaf), so the
 * paths agree bit for bit, and nothing depends on thread counts or timing.
 */
#ifndef SASC_GEMM_KERNEL_H
#define SASC_GEMM_KERNEL_H

/* Row-major C = alpha * op(A) op(B) + beta * C with the argument meaning of
 * sasc_gemm_f32 (sasc_runtime.h). Returns 0, or -1 if the packing buffer could
 * not be allocated (C untouched; the caller falls back to the BLAS). */
int sasc_gemm_kernel_f32(int transpose_a, int transpose_b, int m, int n, int k,
                         float alpha, const float *a, int lda, const float *b, int ldb,
                         float beta, float *c, int ldc);

/* The instruction set paths of the kernel, widest first. */
typedef enum {
    SASC_GEMM_AVX512,
    SASC_GEMM_AVX2,
    SASC_GEMM_PORTABLE,
    SASC_GEMM_PATHS
} sasc_gemm_path;

/* The path the kernel uses on this processor (the widest it supports). */
sasc_gemm_path sasc_gemm_kernel_path(void);

/* Whether this processor can run `path`. */
int sasc_gemm_kernel_path_supported(sasc_gemm_path path);

/* Tests and benchmarks only: force `path` (must be supported), or go back to
 * the automatic choice with SASC_GEMM_PATHS. Not thread-safe against products
 * running at the same time. */
void sasc_gemm_kernel_force_path(sasc_gemm_path path);

/* "avx512", "avx2" or "portable". */
const char *sasc_gemm_path_name(sasc_gemm_path path);

#endif
