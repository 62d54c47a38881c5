/*
 * gemm.c — matrix products for generated kernels, delegated to OpenBLAS.
 * This file is the runtime's only contact with the BLAS.
 */
#include "runtime/gemm.h"
#include "runtime/sasc_runtime.h"

#include <cblas.h>
#include <unistd.h>

static enum CBLAS_TRANSPOSE transpose_flag(int transpose)
{
    return transpose ? CblasTrans : CblasNoTrans;
}

void sasc_gemm_f32(int transpose_a, int transpose_b, int m, int n, int k,
                   float alpha, const float *a, int lda, const float *b, int ldb,
                   float beta, float *c, int ldc)
{
    cblas_sgemm(CblasRowMajor, transpose_flag(transpose_a), transpose_flag(transpose_b),
                m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void sasc_gemm_f64(int transpose_a, int transpose_b, int m, int n, int k,
                   double alpha, const double *a, int lda, const double *b, int ldb,
                   double beta, double *c, int ldc)
{
    cblas_dgemm(CblasRowMajor, transpose_flag(transpose_a), transpose_flag(transpose_b),
                m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void sasc_gemm_set_threads(int threads)
{
    if (threads <= 0) {
        long online = sysconf(_SC_NPROCESSORS_ONLN);
        threads = online > 0 ? (int)online : 1;
    }
    openblas_set_num_threads(threads);
}
