/*
 * gemm.h — the runtime's side of the BLAS: how many threads matrix products use,
 * and which products go to sasc's own kernel instead.
 * (The products themselves, sasc_gemm_f32/f64, are declared in sasc_runtime.h.)
 */
#ifndef SASC_GEMM_H
#define SASC_GEMM_H

/* Use `threads` BLAS threads; 0 means one per online CPU. */
void sasc_gemm_set_threads(int threads);

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
