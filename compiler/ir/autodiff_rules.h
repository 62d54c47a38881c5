/*
 * autodiff_rules.h — the differentiation rules of autodiff.c, shared with
 * the sweep through time loops (autodiff_loops.c). Not part of the IR's
 * interface.
 */
#ifndef SASC_AUTODIFF_RULES_H
#define SASC_AUTODIFF_RULES_H

#include "compiler/ir/ir.h"

/* A sweep in progress over f: active[i] says whether node i receives an
 * adjoint, adjoint[i] is the node holding d loss / d node i (or -1); both
 * cover every node a rule may ask about (the operands of the nodes swept). */
typedef struct {
    ir_function *f;
    const bool *active;
    int *adjoint;
} ad_sweep;

/* Add `contribution` to the adjoint of `target` (when active); a scalar
 * target of a broadcasting use gets the sum of its contribution. */
void ad_accumulate(ad_sweep *s, int target, int contribution);

/* The contributions of node y (with adjoint s->adjoint[y]) to its active
 * operands. Leaves, stores and loop markers contribute nothing. */
void ad_node_rule(ad_sweep *s, int y);

#endif
