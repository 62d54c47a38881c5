/*
 * optimizer.h — the optimiser step as IR: the `update` function of a program
 * and the OPTIMIZER_STATE buffers it keeps between steps.
 *
 * For every unfrozen PARAMETER buffer theta with its GRADIENT buffer g, with
 * lr the SCALARS learning rate and the task's constants:
 *   Adam:    a1 = beta1 a1 + (1-beta1) g;  a2 = beta2 a2 + (1-beta2) g^2;
 *            step = (a1/bc1) / (sqrt(a2/bc2) + eps) + weight_decay theta
 *            (bc1, bc2 the SCALARS bias corrections: decoupled weight decay);
 *   RMSprop: r = beta2 r + (1-beta2) g^2;  step = g / (sqrt(r) + eps) + weight_decay theta;
 *   SGD:     v = momentum v + g (state only when momentum > 0, else v = g);
 *            step = v + weight_decay theta;
 * then theta = clip(theta - lr step [* mask]): pi to [0,1], Xi to [0, inf).
 * Masked entries never move, frozen parameters are never touched.
 */
#ifndef SASC_OPTIMIZER_H
#define SASC_OPTIMIZER_H

#include <stddef.h>
#include "compiler/ir/ir.h"
#include "runtime/settings/task.h"

/* Add the OPTIMIZER_STATE buffers of every unfrozen parameter of `p`, named
 * "<parameter>.adam1" / ".adam2" (Adam), ".rms" (RMSprop) or ".velocity"
 * (SGD with momentum > 0). Call once, after the PARAMETER and GRADIENT
 * buffers exist. Returns false with one sentence in `error` for an unknown
 * optimiser or constants out of range. */
bool optimizer_add_state(ir_program *p, const sasc_task *task, char *error, size_t error_size);

/* Build p->update (which must be empty) from the buffers above and
 * p->scalars_buffer. */
void optimizer_build_update(ir_program *p, const sasc_task *task);

#endif
