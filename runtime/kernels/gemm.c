/*
 * gemm.c — matrix products for generated kernels: sasc's own single-threaded
 * f32 kernel (gemm_kernel.h) on the shapes where it measured faster than
 * OpenBLAS, OpenBLAS everywhere else. This file is the runtime's only
 * contact with the BLAS.
 *
 * The choice is a fixed rule of (shape, transposes, thread setting, the
 * processor's instruction set), never of timings, so a product's bits are a
 * function of its operands on a given machine and thread setting
 * (docs/performance.md, "Generated/tuned products", has the measurements).
 */
#include "runtime/kernels/gemm.h"
#include "runtime/kernels/gemm_kernel.h"
#include "runtime/sasc_runtime.h"

#include <cblas.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* The BLAS thread setting (0 until set: OpenBLAS then uses every core);
 * products may read it from several threads at once. */
static atomic_int blas_threads = 0;

static enum CBLAS_TRANSPOSE transpose_flag(int transpose)
{
    return transpose ? CblasTrans : CblasNoTrans;
}

/* Measured on the B1/B2 shapes (AVX-512, one thread, docs/performance.md):
 * the kernel is 5-19% faster than OpenBLAS where OpenBLAS packs both operands
 * and zeroes C for a short product (K and M up to a few hundred, N <= 100:
 * B1's second and output layers), and 5-30% slower on OpenBLAS's small-matrix
 * path (M K < 20,000, e.g. every B2 product), on K = 784 or M = 784 (B1's
 * first layer) and on a transposed B with K = 100; those stay with OpenBLAS. */
int sasc_gemm_uses_kernel(int transpose_a, int transpose_b, int m, int n, int k)
{
    (void)transpose_a;
    if (atomic_load_explicit(&blas_threads, memory_order_relaxed) != 1 ||
        sasc_gemm_kernel_path() != SASC_GEMM_AVX512)
        return 0;
    if (n > 128 || m > 512 || k > 512)
        return 0;
    if (transpose_b)   /* the kernel copies B^T: pays only for a thin B */
        return k <= 16 && m >= 128;
    return (long)m * k >= 20000;
}

void sasc_gemm_f32(int transpose_a, int transpose_b, int m, int n, int k,
                   float alpha, const float *a, int lda, const float *b, int ldb,
                   float beta, float *c, int ldc)
{
    if (sasc_gemm_uses_kernel(transpose_a, transpose_b, m, n, k) &&
        sasc_gemm_kernel_f32(transpose_a, transpose_b, m, n, k, alpha, a, lda, b, ldb, beta, c,
                             ldc) == 0)
        return;
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

/* OpenBLAS's own fork handler (exported, undocumented): joins the worker
 * threads; OpenBLAS starts them again when a thread count is set or a
 * product is split. Weak, so that a BLAS without it leaves it NULL. */
extern int blas_thread_shutdown_(void) __attribute__((weak));

void sasc_gemm_park_threads(void)
{
    if (blas_thread_shutdown_)
        blas_thread_shutdown_();
}

/* OpenBLAS's BUFFER_SIZE on x86-64 (32 << 22 bytes) and a page of its own. */
#define OPENBLAS_WORK_BYTES (128.0 * 1024 * 1024 + 4096)

/* Set before main by sasc_gemm_preinit: the process has an address-space limit. */
static bool address_space_limited = false;

/* Whether `envp` sets `name` (NAME=...). */
static bool environment_has(char **envp, const char *name)
{
    size_t length = strlen(name);
    for (char **e = envp; e && *e; e++)
        if (strncmp(*e, name, length) == 0 && (*e)[length] == '=')
            return true;
    return false;
}

/* Runs from .preinit_array: before libc's own initialisation (which sets the
 * environment back to `envp`, so setenv() here would be undone) and before
 * OpenBLAS's constructor. Under an address-space limit without
 * OPENBLAS_NUM_THREADS the process starts again at once with
 * OPENBLAS_NUM_THREADS=1 added to its environment: execve is a plain system
 * call, nothing has started yet, and the new process finds the variable set
 * and goes on. If the exec fails (no /proc), the process goes on as it is. */
void sasc_gemm_preinit(int argc, char **argv, char **envp)
{
    (void)argc;
    struct rlimit limit;
    if (getrlimit(RLIMIT_AS, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
        return;
    address_space_limited = true;
    if (environment_has(envp, "OPENBLAS_NUM_THREADS"))
        return;
    size_t count = 0;
    while (envp && envp[count])
        count++;
    char *with_one_thread[count + 2];
    for (size_t k = 0; k < count; k++)
        with_one_thread[k] = envp[k];
    with_one_thread[count] = (char *)"OPENBLAS_NUM_THREADS=1";
    with_one_thread[count + 1] = NULL;
    execve("/proc/self/exe", argv, with_one_thread);
}

double sasc_gemm_work_bytes(void)
{
    return address_space_limited ? OPENBLAS_WORK_BYTES : 0.0;   /* unlimited: no check needed */
}

void sasc_gemm_set_threads(int threads)
{
    if (threads <= 0) {
        long online = sysconf(_SC_NPROCESSORS_ONLN);
        threads = online > 0 ? (int)online : 1;
    }
    /* The kernel rule keys on the setting asked for, so results do not
     * change; OpenBLAS itself keeps one thread under an address-space limit
     * (each more thread reserves another work buffer). */
    atomic_store_explicit(&blas_threads, threads, memory_order_relaxed);
    openblas_set_num_threads(address_space_limited ? 1 : threads);
}
