/*
 * lower_internal.h — what the feedforward lowering (lower.c) shares with the
 * recurrent one (lower_recurrent.c): connection groups, their moments, the
 * l2 terms and gradient buffers. Not part of the compiler's interface.
 */
#ifndef SASC_LOWER_INTERNAL_H
#define SASC_LOWER_INTERNAL_H

#include "compiler/ir/ir.h"
#include "compiler/check/model.h"

/* pi and Xi frozen at 0 and no mask: the group is an ordinary weight matrix m. */
bool lower_is_deterministic(const layer_spec *layer);

/* Buffer "<layer_name>.<suffix>". */
int lower_add_named(ir_program *p, sasc_buffer_role role, int layer, sasc_parameter parameter,
                    int rows, int cols, const char *layer_name, const char *suffix);

/* A group of `kind` owned by layer `owner` (the last layer added, whose
 * group_count it increments) for the connections of `spec` (fan_in x
 * width): its mask and pi, m, Xi buffers; no noise buffer (noise_buffer =
 * -1). Returns the group's index. */
int lower_add_group(ir_program *p, const layer_spec *spec, sasc_group_kind kind, int owner);

/* "relu", "softmax", ...: the layer table's activation names. */
const char *lower_activation_name(activation_kind kind);

/* Gradient buffers of the group's unfrozen parameters. */
void lower_add_gradients(ir_program *p, const layer_spec *spec, int index);
/* The output, loss and scalars buffers, and the program's indices of them. */
void lower_add_result_buffers(ir_program *p, int classes);
int lower_find_gradient_buffer(const ir_program *p, int layer, int parameter);

/* Reads the group's pi, m, Xi (leaves into leaf[3]) and forms
 * mu = (1 - pi) m [* mask] and the variance (1 - pi)(Xi + pi m^2) [* mask]. */
void lower_moments(const ir_program *p, ir_function *f, const ir_group *layer, int *leaf,
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

/* What the recurrent step builder shares with lower_dynamic.c (the network
 * resampled at every step reuses the step with concrete weights). */
enum { GROUP_IN, GROUP_REC, GROUP_OUT, GROUP_COUNT };

struct recurrence {
    char input_group_name[512];
    const layer_spec *rec, *out;
    layer_spec group[GROUP_COUNT];   /* the three groups as layer specs (names borrowed) */
    bool stochastic[GROUP_COUNT];
    int steps, test_steps, blocks;    /* T of train, T of predict, max of the two */
    int batch, inputs, units, outputs;
    /* buffers (-1 when absent) */
    int state, eps_u, noise_rec, noise_in, eps_out, readout_seq, readout_adjoint, state_adjoint;
    int loss_mask;
    int accumulator[GROUP_COUNT][2];  /* per group: d/d mu, d/d var summed over steps */
    int spread_seq;                   /* Delta_in^2 + Delta_rec^2 of every training step, or -1 */
};

/* The loop-invariant values of one function: leaves and moments per group. */
typedef struct {
    int leaf[GROUP_COUNT][3];
    int matrix[GROUP_COUNT][2];       /* mu (or m) and the variance (-1 when deterministic) */
} group_values;

/* One step's values: h(t+1), z (-1 without a readout at every step), and
 * the spread of u, Delta_in^2 + Delta_rec^2 as formed from h(t) (-1 when
 * both groups are deterministic). */
typedef struct { int next, z, spread; } step_values;

/* h(t+1) (and z(t+1) with a readout at every step) from h = h(t), the
 * connection matrices taken from `v` (a group whose variance is -1 is a
 * plain weight matrix); call inside a loop. */
step_values lower_recurrent_step(const ir_program *p, ir_function *f, const recurrence *r,
                                 const group_values *v, int h);

/* z = G_out + eps_out Delta_out of the rates `rates` ([batch, N]); eps_out is `eps` or none (-1). */
int lower_recurrent_readout(ir_function *f, const group_values *v, int rates, int eps);

/* lower_dynamic.c: the predict_dynamic function of a recurrent program and
 * its STEP_WEIGHTS buffers (appended to the table); called after
 * lower_recurrent_functions. */
void lower_dynamic_predict(ir_program *p, const recurrence *r);

#endif
