/*
 * gradient_sum.h — the two elementwise operations of the fixed-order
 * gradient average, g = (((g_0 + g_1) + ...) + g_{S-1}) / S, shared by the
 * shards of one process (shards.c) and the ranks of an MPI run
 * (distributed.c), so that both do exactly the same roundings.
 *
 * IEEE addition is commutative (a + b and b + a are the same bits), so a
 * partial sum may be added into a shard's buffer or a shard into the sum's.
 */
#ifndef SASC_GRADIENT_SUM_H
#define SASC_GRADIENT_SUM_H

#include "runtime/sasc_runtime.h"

#include <stddef.h>

/* out[i] = out[i] + in[i] for i < n, in `precision`. out and in never overlap. */
void sasc_gradient_add(sasc_precision precision, void *out, const void *in, size_t n);

/* out[i] = (out[i] + in[i]) / count for i < n: the last sum and the
 * division of the average in one pass (the same two roundings as two passes). */
void sasc_gradient_add_divide(sasc_precision precision, void *out, const void *in, int count,
                              size_t n);

#endif
