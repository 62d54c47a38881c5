/*
 * hoist.h — a pass over time loops: products that read a loop-invariant
 * matrix transposed (the reverse sweep's g . W^T, carrying an adjoint back
 * through a connection matrix) read instead its transpose, formed once
 * before the loop. The BLAS runs a product without transposed operands
 * faster (20 vs 13 us for one 50 x 100 x 100 product, docs/performance.md);
 * a transpose per kernel call costs one pass over the matrix.
 */
#ifndef SASC_HOIST_H
#define SASC_HOIST_H

#include "compiler/ir/ir.h"

/* Rewrite f in place: node indices held before the call are invalid after it. */
void ir_hoist_loop_transposes(ir_function *f);

#endif
