/*
 * lower_internal.h — what the parts of the generic lowering share (lower.c:
 * the entry and the buffer table; forward.c: the forward pass of a function;
 * train.c: the loss and the reverse sweep; group.c: SaS groups). Not part
 * of the compiler's interface, nor of what kinds use (lower_context.h).
 */
#ifndef SASC_LOWER_INTERNAL_H
#define SASC_LOWER_INTERNAL_H

#include "compiler/lower/lower_context.h"

/* A group of `kind` named `name`, owned by layer `owner` of the layer
 * table (whose group_count it increments), for the connections of `spec`
 * (fan_in x width): its mask and pi, m, Xi buffers. Returns its index. */
int lower_add_group(ir_program *p, const char *name, const group_spec *spec, int width, sasc_group_kind kind,
                    int owner);

/* GRADIENT buffers of the group's unfrozen parameters. */
void lower_add_gradients(ir_program *p, const group_spec *spec, int index);

/* Which layers run inside f's loop and which keep their pre-activation
 * for after it (lower_layer.in_loop, .kept; see lower_context.h). */
void lower_schedule(lower_context *c);

/* Build the forward pass of c->f in c->mode (its nodes in c->layers);
 * returns the output layer's pre-activation ("logits") and sets *output
 * to its activation. Stores OUTPUT. */
int lower_forward(lower_context *c, int *output);

/* train: forward, OUTPUT, the loss (LOSS), the gradients of every group
 * trained by gradient, then each kind's own rule. */
void lower_build_train(lower_context *c);

/* Start building `f` in `mode`: per-function state reset. */
void lower_begin_function(lower_context *c, ir_function *f, lower_mode mode);

#endif
