/*
 * gradient_sum.c — see gradient_sum.h. The loops run in blocks of a fixed
 * LANES elements, which GCC vectorises at -O2, then a scalar tail; the same
 * operations in the same order in every clone (vector_clones.h).
 */
#include "runtime/train/gradient_sum.h"
#include "runtime/support/vector_clones.h"

enum { LANES = 16 };
#define DEFINE_SUMS(add, add_divide, type)                                                \
    static WIDE_VECTORS void add(type *restrict out, const type *restrict in, size_t n) { \
        size_t i = 0;                                                                     \
        for (; i + LANES <= n; i += LANES)                                                \
            for (size_t j = 0; j < LANES; j++)                                            \
                out[i + j] += in[i + j];                                                  \
        for (; i < n; i++)                                                                \
            out[i] += in[i];                                                              \
    }                                                                                     \
    static WIDE_VECTORS void add_divide(type *restrict out, const type *restrict in,      \
                                        type count, size_t n) {                           \
        size_t i = 0;                                                                     \
        for (; i + LANES <= n; i += LANES)                                                \
            for (size_t j = 0; j < LANES; j++)                                            \
                out[i + j] = (out[i + j] + in[i + j]) / count;                            \
        for (; i < n; i++)                                                                \
            out[i] = (out[i] + in[i]) / count;                                            \
    }
DEFINE_SUMS(add_f32, add_divide_f32, float)
DEFINE_SUMS(add_f64, add_divide_f64, double)

void sasc_gradient_add(sasc_precision precision, void *out, const void *in, size_t n)
{
    if (precision == SASC_F32)
        add_f32(out, in, n);
    else
        add_f64(out, in, n);
}

void sasc_gradient_add_divide(sasc_precision precision, void *out, const void *in, int count,
                              size_t n)
{
    if (precision == SASC_F32)
        add_divide_f32(out, in, (float)count, n);
    else
        add_divide_f64(out, in, (double)count, n);
}
