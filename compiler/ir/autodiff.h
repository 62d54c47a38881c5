/*
 * autodiff.h — reverse-mode automatic differentiation over the IR.
 *
 * The backward pass of every model is derived here, never written by hand:
 * for gBP the result is exactly the paper's Eqs. 5-7, because those are the
 * gradient of the reparameterised forward pass z = G + eps * Delta; for a
 * time loop it is back-propagation through time (gBPTT Eqs. 8-13), derived
 * from the loop's body, whatever the body is.
 */
#ifndef SASC_AUTODIFF_H
#define SASC_AUTODIFF_H

#include "compiler/ir/ir.h"

/* Append to `f` (a function without loops up to `loss`) the reverse sweep
 * from the scalar node `loss` ([1,1]). For each wrt[i] (a node of f),
 * gradients[i] receives the node holding d loss / d wrt[i], of the same
 * shape (an IR_CONSTANT 0 when the loss does not depend on it).
 * Contributions from several uses are summed. */
void ir_differentiate(ir_function *f, int loss, const int *wrt, int count, int *gradients);

/* The same for a function of `p` that may hold time loops before `loss`
 * (wrt nodes outside loops). Without loops it is ir_differentiate.
 *
 * Through a loop, values flow through buffers (ir.h, "Loops"), so adjoints
 * do too: each buffer an active store writes and an active read reads gets
 * an adjoint buffer ("<name>.adjoint", added to p), to which every read adds
 * its adjoint and from which every store takes its value's; a carried state
 * (ir_add_carried_state) uses its one-block adjoint instead, carried from
 * step t + 1 to step t. Each loop gets a reversed loop over the same steps
 * holding its body rebuilt from the kept states and the same (quenched)
 * noise blocks, differentiated there with the rules of ir_differentiate;
 * loop invariants (e.g. mu) sum their per-step adjoints in accumulator
 * buffers, which the sweep before the loop then continues from.
 *
 * What the rebuilt body would recompute at a product's cost (a value the
 * adjoint needs that depends on a product of the step) is kept instead:
 * the forward loop stores it per step into a sequence buffer ("<f>.kept<k>",
 * or the buffer the body already stores it to) and the reverse body reads
 * it back. f is rebuilt for that: node indices held before the call, other
 * than those returned in `gradients`, are invalid after it. */
void ir_differentiate_program(ir_program *p, ir_function *f, int loss, const int *wrt, int count, int *gradients);

#endif
