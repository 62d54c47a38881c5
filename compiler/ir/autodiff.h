/*
 * autodiff.h — reverse-mode automatic differentiation over the IR.
 *
 * The backward pass of every model is derived here, never written by hand:
 * for gBP the result is exactly the paper's Eqs. 5-7, because those are the
 * gradient of the reparameterised forward pass z = G + eps * Delta.
 */
#ifndef SASC_AUTODIFF_H
#define SASC_AUTODIFF_H

#include "compiler/ir/ir.h"

/* Append to `f` the reverse sweep from the scalar node `loss` ([1,1]).
 * For each wrt[i] (a node of f), gradients[i] receives the node holding
 * d loss / d wrt[i], of the same shape (an IR_CONSTANT 0 when the loss does
 * not depend on it). Contributions from several uses are summed. */
void ir_differentiate(ir_function *f, int loss, const int *wrt, int count, int *gradients);

#endif
