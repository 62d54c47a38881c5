/*
 * lower_internal.h — what the feedforward lowering (lower.c) shares with the
 * recurrent one (lower_recurrent.c): connection groups, their moments, the
 * l2 terms and gradient buffers. Not part of the compiler's interface.
 */
#ifndef SASC_LOWER_INTERNAL_H
#define SASC_LOWER_INTERNAL_H

#include "ir.h"
#include "model.h"

/* pi and Xi frozen at 0 and no mask: the group is an ordinary weight matrix m. */
bool lower_is_deterministic(const layer_spec *layer);

/* Buffer "<layer_name>.<suffix>". */
int lower_add_named(ir_program *p, sasc_buffer_role role, int layer, sasc_parameter parameter,
                    int rows, int cols, const char *layer_name, const char *suffix);

/* Layer table entry `index` for the group `spec` (fan_in x width): its mask
 * and pi, m, Xi buffers; no noise buffer (noise_buffer = -1). */
void lower_add_group(ir_program *p, const layer_spec *spec, int index);

/* Gradient buffers of the group's unfrozen parameters. */
void lower_add_gradients(ir_program *p, const layer_spec *spec, int index);
/* The output, loss and scalars buffers, and the program's indices of them. */
void lower_add_result_buffers(ir_program *p, int classes);
int lower_find_gradient_buffer(const ir_program *p, int layer, int parameter);

/* Reads the group's pi, m, Xi (leaves into leaf[3]) and forms
 * mu = (1 - pi) m [* mask] and the variance (1 - pi)(Xi + pi m^2) [* mask]. */
void lower_moments(const ir_program *p, ir_function *f, const ir_layer *layer, int *leaf,
                   int *mu, int *variance);

int lower_annotate(ir_function *f, int node, const char *comment);
int lower_activate(ir_function *f, activation_kind kind, int z);

/* loss + lambda * sum(theta^2) when lambda > 0 and the parameter is learnt. */
int lower_add_l2(const ir_program *p, ir_function *f, int loss, int leaf, int buffer, double lambda);

/* lower_recurrent.c: models made of one recurrent layer and its readout.
 * lower_recurrent_buffers adds the buffer table and returns what the
 * functions need (free it after lower_recurrent_functions). */
typedef struct recurrence recurrence;
bool lower_recurrent_check(const model_spec *model, char *error, size_t error_size);
recurrence *lower_recurrent_buffers(ir_program *p, const model_spec *model);
void lower_recurrent_functions(ir_program *p, const model_spec *model, const recurrence *r);

#endif
