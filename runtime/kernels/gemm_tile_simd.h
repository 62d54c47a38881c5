/*
 * gemm_tile_simd.h — the register-blocked tile of sasc's f32 product, written
 * once over a small vector vocabulary and included by gemm_kernel_x86.c once
 * per instruction set (no include guard on purpose). The includer defines:
 *   SIMD_NAME(x)        a per-path name for x
 *   SIMD_TARGET         the target attribute of the path's functions
 *   SIMD_V, SIMD_LANES  the vector type and its floats
 *   SIMD_MAX_ROWS       rows of C per tile (accumulators: rows * 2 vectors)
 *   SIMD_ZERO(), SIMD_SET1(x), SIMD_LOADU(p) (unaligned), SIMD_FMA(a, b, c)
 *   (a * b + c, one rounding), SIMD_MUL, SIMD_ADD
 *   SIMD_LOAD_N(p, n), SIMD_STORE_N(p, v, n): the first n lanes only (1 <= n <=
 *   SIMD_LANES; lanes beyond n are neither read nor written).
 * Tiles are at most two vectors wide: two vectors times SIMD_MAX_ROWS rows of
 * accumulators, the two B vectors and the broadcast A value fill the
 * register file without spilling.
 */

#if defined(__clang__)
#define SIMD_UNROLL _Pragma("unroll")
#else
#define SIMD_UNROLL _Pragma("GCC unroll 16")
#endif

/* rows x vectors accumulators over the whole of K, then the epilogue. rows,
 * vectors, masked (the last vector is partial) and a_transposed are
 * constants at every call, so the loops unroll and the accumulators live in
 * registers. A's rows are reached from one base pointer per four rows, so a
 * strided A needs 3 pointers and 3 offsets, not 12 (no spilled addresses). */
static inline SIMD_TARGET __attribute__((always_inline)) void
SIMD_NAME(block)(const gemm_tile *t, const int rows, const int vectors, const int masked,
                 const int a_transposed)
{
    const int last = t->cols - (vectors - 1) * SIMD_LANES;  /* columns in the last vector */
    SIMD_V acc[SIMD_MAX_ROWS][2];
    SIMD_UNROLL for (int r = 0; r < rows; r++)
        SIMD_UNROLL for (int v = 0; v < vectors; v++)
            acc[r][v] = t->resume ? SIMD_LOAD_N(t->c + r * t->ldc + v * SIMD_LANES,
                                                v == vectors - 1 ? last : SIMD_LANES)
                                  : SIMD_ZERO();
    const ptrdiff_t a_row = a_transposed ? 1 : t->a_row;
    const ptrdiff_t a_k = a_transposed ? t->a_k : 1;
    const float *a4[3] = { t->a, rows > 4 ? t->a + 4 * a_row : t->a,
                           rows > 8 ? t->a + 8 * a_row : t->a };
    const float *b = t->b;
    for (int k = 0; k < t->k; k++) {
        SIMD_V bv[2];
        SIMD_UNROLL for (int v = 0; v < vectors; v++)
            bv[v] = masked && v == vectors - 1 ? SIMD_LOAD_N(b + v * SIMD_LANES, last)
                                               : SIMD_LOADU(b + v * SIMD_LANES);
        SIMD_UNROLL for (int r = 0; r < rows; r++) {
            SIMD_V av = SIMD_SET1(a4[r / 4][(r % 4) * a_row]);
            SIMD_UNROLL for (int v = 0; v < vectors; v++)
                acc[r][v] = SIMD_FMA(av, bv[v], acc[r][v]);
        }
        SIMD_UNROLL for (int g = 0; g < 3; g++)
            a4[g] += a_k;
        b += t->b_stride;
    }
    const SIMD_V alpha = SIMD_SET1(t->alpha), beta = SIMD_SET1(t->beta);
    SIMD_UNROLL for (int r = 0; r < rows; r++) {
        float *c = t->c + r * t->ldc;
        SIMD_UNROLL for (int v = 0; v < vectors; v++) {
            const int n = v == vectors - 1 ? last : SIMD_LANES;
            SIMD_V out = t->finish ? SIMD_MUL(alpha, acc[r][v]) : acc[r][v];
            if (t->finish && t->beta != 0.0f)
                out = SIMD_ADD(out, SIMD_MUL(beta, SIMD_LOAD_N(c + v * SIMD_LANES, n)));
            SIMD_STORE_N(c + v * SIMD_LANES, out, n);
        }
    }
}

/* The block of `rows` rows (a constant at every call) for the tile's width
 * and A's layout. */
static inline SIMD_TARGET __attribute__((always_inline)) void
SIMD_NAME(rows)(const gemm_tile *t, const int rows)
{
    const int transposed = t->a_k != 1;
    const int vectors = t->cols > SIMD_LANES ? 2 : 1;
    const int masked = t->cols != vectors * SIMD_LANES;
#define SIMD_BLOCK(V, M) \
    (transposed ? SIMD_NAME(block)(t, rows, V, M, 1) : SIMD_NAME(block)(t, rows, V, M, 0))
    if (vectors == 2)
        masked ? SIMD_BLOCK(2, 1) : SIMD_BLOCK(2, 0);
    else
        masked ? SIMD_BLOCK(1, 1) : SIMD_BLOCK(1, 0);
#undef SIMD_BLOCK
}

/* The gemm_tile_fn of the path: the rows in blocks of SIMD_MAX_ROWS, 8, 4, 2, 1. */
static SIMD_TARGET void SIMD_NAME(tile)(const gemm_tile *tile)
{
    gemm_tile t = *tile;
    while (t.rows > 0) {
        int done;
        if (t.rows >= SIMD_MAX_ROWS) {
            SIMD_NAME(rows)(&t, SIMD_MAX_ROWS);
            done = SIMD_MAX_ROWS;
        } else if (SIMD_MAX_ROWS > 8 && t.rows >= 8) {
            SIMD_NAME(rows)(&t, 8);
            done = 8;
        } else if (t.rows >= 4) {
            SIMD_NAME(rows)(&t, 4);
            done = 4;
        } else if (t.rows >= 2) {
            SIMD_NAME(rows)(&t, 2);
            done = 2;
        } else {
            SIMD_NAME(rows)(&t, 1);
            done = 1;
        }
        t.rows -= done;
        t.a += done * t.a_row;
        t.c += done * t.ldc;
    }
}

#undef SIMD_UNROLL
