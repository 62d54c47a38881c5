/*
 * lower.h — from a checked model and its task to the IR program: the buffer
 * table (parameters with their priors, masks, noise, data, gradients,
 * optimiser state), the forward pass (shared by train and predict), the loss
 * with l2 terms, the reverse sweep (autodiff.h) and the optimiser step.
 */
#ifndef SASC_LOWER_H
#define SASC_LOWER_H

#include "compiler/ir/ir.h"
#include "compiler/check/model.h"

/* Build `out` for `model` with the task's batch, precision and optimiser.
 * Returns false with one sentence in `error` if the model cannot be lowered;
 * `out` is then left empty (ir_program_free on it is harmless). */
bool lower_model(const model_spec *model, const sasc_task *task, ir_program *out,
                 char *error, size_t error_size);

#endif
