/*
 * gemm.h — the runtime's side of the BLAS: how many threads matrix products use,
 * and which products go to sasc's own kernel instead.
 * (The products themselves, sasc_gemm_f32/f64, are declared in sasc_runtime.h.)
 */
#ifndef SASC_GEMM_H
#define SASC_GEMM_H

/* Use `threads` BLAS threads; 0 means one per online CPU. Under an
 * address-space limit (see sasc_gemm_preinit) OpenBLAS keeps one thread. */
void sasc_gemm_set_threads(int threads);

/* OpenBLAS's pthread build starts its worker threads in its library
 * constructor, and each at once reserves a work buffer of
 * SASC_GEMM_WORK_BYTES of address space; when that fails (an address-space
 * limit, `ulimit -v`) it retries forever, and exit() then waits forever to
 * join the thread: every command spun, even --version. OpenBLAS reads
 * OPENBLAS_NUM_THREADS in that constructor, so this function, called from an
 * executable's .preinit_array (which runs before any shared library's
 * constructor: SASC_GEMM_PREINIT below), starts the process again with the
 * variable set to 1 when the process has an address-space limit and the
 * variable is unset. Only the main thread's buffer is then needed, and sasc
 * checks that it fits before a run (sasc_gemm_work_bytes). */
void sasc_gemm_preinit(int argc, char **argv, char **envp);

/* The address space the BLAS needs besides the run's own buffers: its work
 * buffer per thread it will use (OpenBLAS: 128 MB each, BUFFER_SIZE). */
double sasc_gemm_work_bytes(void);

/* Put in one file of an executable (never a library): the entry of
 * .preinit_array that calls sasc_gemm_preinit. */
#define SASC_GEMM_PREINIT \
    __attribute__((section(".preinit_array"), used)) static void (*const sasc_gemm_preinit_entry)( \
        int, char **, char **) = sasc_gemm_preinit

/* Stop the BLAS's worker threads until the next sasc_gemm_set_threads or
 * multi-threaded product starts them again. OpenBLAS starts them when it is
 * loaded and they spin for ~0.1 s waiting for work -- exactly while sasc
 * compiles the kernels on both cores (docs/performance.md, B4). Call it only
 * while no product runs. Nothing happens with a BLAS that cannot do it. */
void sasc_gemm_park_threads(void);

/* Whether sasc_gemm_f32 sends this product to sasc's own kernel
 * (gemm_kernel.h) rather than to the BLAS under the current thread setting:
 * a fixed rule of the arguments, the thread setting and the processor. */
int sasc_gemm_uses_kernel(int transpose_a, int transpose_b, int m, int n, int k);

#endif
