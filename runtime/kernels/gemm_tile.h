/*
 * gemm_tile.h — internal interface between the kernel's driver (gemm_kernel.c)
 * and its register-blocked tiles (gemm_kernel_x86.c and the portable tile):
 * one call computes a block of at most `max_rows` rows and one panel of at most two vectors' columns of C.
 */
#ifndef SASC_GEMM_TILE_H
#define SASC_GEMM_TILE_H

#include <stddef.h>

/* One tile over one slice of K: C[0..rows)[0..cols) = alpha * op(A) op(B) +
 * beta * C, summed in the order gemm_kernel.h states. A product over several
 * slices stores the float accumulators in C between them (resume/finish), so
 * the order, and the bits, do not depend on where K is cut; beta must then be
 * 0 (C's old values are overwritten by the first slice). */
typedef struct {
    const float *a;        /* op(A)[r][k] = a[r * a_row + k * a_k] */
    ptrdiff_t a_row, a_k;  /* exactly one of them is 1 (A as stored or transposed) */
    const float *b;        /* op(B)[k][j] = b[k * b_stride + j], j < cols (B or B^T copied) */
    ptrdiff_t b_stride;
    int k;
    int rows;              /* 1 .. the path's max_rows */
    int cols;              /* 1 .. lanes * 2 */
    float *c;
    ptrdiff_t ldc;
    float alpha, beta;
    int resume;            /* C holds the raw sums of the K before this slice: continue them */
    int finish;            /* the slice ends K: C = alpha * sum (+ beta * C); else C = the raw sum */
} gemm_tile;

typedef void (*gemm_tile_fn)(const gemm_tile *tile);

/* An instruction set path: its tile and the tile's shape. */
typedef struct {
    gemm_tile_fn tile;
    int lanes;             /* floats per vector register */
    int max_rows;          /* rows of C held in registers at once */
} gemm_path_info;

/* The x86 paths (gemm_kernel_x86.c); on other processors the tiles are NULL. */
extern const gemm_path_info sasc_gemm_avx512_info;
extern const gemm_path_info sasc_gemm_avx2_info;

#endif
