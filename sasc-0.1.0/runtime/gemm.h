/*
 * gemm.h — the runtime's side of the BLAS: how many threads matrix products use.
 * (The products themselves, sasc_gemm_f32/f64, are declared in sasc_runtime.h.)
 */
#ifndef SASC_GEMM_H
#define SASC_GEMM_H

/* Use `threads` BLAS threads; 0 means one per online CPU. */
void sasc_gemm_set_threads(int threads);

#endif
