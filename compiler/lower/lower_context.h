/*
 * lower_context.h — what a layer kind's lowering hooks (layer_kind.h) get:
 * the program being built, the function being built, and the generic
 * pieces every kind needs (its groups' weights, noise blocks, buffers).
 *
 * How a model is lowered (lower.c, forward.c, train.c), with no `if` on a
 * model's shape: the layers are a chain the checker has timed (model.h).
 *
 * Buffers, in this order (the runtime numbers noise and initialisation
 * streams by buffer index, so the order is part of what a seed means):
 *   1. the input, the target (and LOSS_MASK for an output at every step);
 *   2. per layer: its layer table entry, its groups (mask, pi, m, Xi), then
 *      kind->add_buffers;
 *   3. the GRADIENT buffers of every group trained by gradient;
 *   4. per layer: kind->add_step_buffers (state sequences, noise sequences);
 *   5. output, loss, scalars; the optimiser's state; STEP_WEIGHTS for
 *      predict_dynamic; then whatever the functions need (sequences kept
 *      across a loop, the reverse sweep's adjoints, code generation's
 *      temporaries).
 *
 * Functions. train, predict and predict_dynamic are one forward pass each,
 * built by the same code in a different mode (lower_mode):
 *   - without a time axis, every layer's forward runs once, in order;
 *   - with one, a single time loop over T steps (T = steps for train,
 *     test_steps for predict) evaluates the layers that must run at every
 *     step: those that carry state, those a layer in the loop reads, and in
 *     train the output when the loss is taken at every step. Before the
 *     loop each such layer's `begin` runs and its groups' weights are
 *     formed (loop invariants). The other layers run once after the loop,
 *     reading their source's value at the last step (kind->final_value of a
 *     layer that carries state, else its pre-activation kept per step in a
 *     sequence buffer);
 *   - the chain applies each layer's activation to what forward returns.
 * train then forms the loss, differentiates it with respect to the leaves
 * of every group trained by gradient (autodiff.h; through the time loop
 * too) and stores the gradients; kinds with rules of their own append
 * theirs (kind->learn); update is the optimiser's step (update.h) followed
 * by kind->update.
 *
 * Inside a hook: `c->f` is the function being built; node indices refer to
 * it. forward(c, layer, input) gets its source's value at this step (or the
 * source's value, once) and returns its pre-activation; it may read and
 * write its own buffers (a state sequence: block 0 + t is this step's).
 */
#ifndef SASC_LOWER_CONTEXT_H
#define SASC_LOWER_CONTEXT_H

#include "compiler/ir/ir.h"
#include "compiler/check/model.h"

typedef enum {
    LOWER_TRAIN,              /* forward over the training steps, then the loss and the reverse sweep */
    LOWER_PREDICT,            /* forward over the test steps, mean-field moments and eps */
    LOWER_PREDICT_DYNAMIC     /* forward over the test steps with every step's own weights, no eps */
} lower_mode;

enum { LOWER_OWN_BUFFERS = 8 };

/* One layer as the lowering sees it. */
typedef struct {
    const layer_spec *spec;
    int table;                /* its index in p->layers */
    int first_group;          /* its groups are p->groups[first_group .. + kind->group_count - 1] */
    int own[LOWER_OWN_BUFFERS];   /* buffers its kind added, by the kind's own numbering; -1: none */
    /* the function being built */
    bool in_loop;             /* evaluated at every step, inside the loop */
    bool kept;                /* in the loop and needed after it: pre-activation kept per step */
    int sequence;             /* that sequence's buffer, or -1 */
    int input;                /* the node its forward read (its source's value), -1 before */
    int preactivation, value; /* its nodes (this step's, inside the loop), -1 before it is built */
    int final_value;          /* after the loop: its value at the last step, -1 until asked */
    int leaf[LAYER_MAX_GROUPS][3];     /* its groups' parameter leaves, -1 when not read */
    int matrix[LAYER_MAX_GROUPS][2];   /* mean and variance (or -1) formed from them, -1 before */
} lower_layer;

typedef struct lower_context {
    ir_program *p;
    const model_spec *model;
    const sasc_task *task;
    int batch;
    int blocks;               /* blocks of a sequence buffer: max(steps, test_steps); 0 without a time axis */
    lower_layer *layers;      /* model->layer_count */
    int *step_weights;        /* per program group: its STEP_WEIGHTS buffer or -1 */
    /* the function being built */
    ir_function *f;
    lower_mode mode;
    int steps;                /* T of f's loop (0 without a time axis) */
    bool in_loop;             /* between f's loop_begin and loop_end */
    int current;              /* the layer whose hook runs */
} lower_context;

/* ---- what hooks may use ---- */

static inline const layer_spec *lower_spec(const lower_context *c, int layer)
{
    return c->layers[layer].spec;
}

/* The program index of group g of `layer`. */
static inline int lower_group(const lower_context *c, int layer, int g)
{
    return c->layers[layer].first_group + g;
}

/* pi and Xi frozen at 0 and no mask: an ordinary weight matrix m. */
bool lower_group_is_deterministic(const group_spec *group);

/* A buffer "<owner>.<suffix>". */
int lower_add_named(ir_program *p, sasc_buffer_role role, int group, sasc_parameter parameter,
                    int rows, int cols, const char *owner, const char *suffix);

/* A NOISE buffer of `cols` columns for `layer`, fed by `group` (-1: none),
 * named "<layer>.<suffix>": one block of the batch for a layer with one
 * value per sample, `blocks` blocks for a layer applied at every step. */
int lower_add_noise(lower_context *c, int layer, int group, int cols, const char *suffix);

/* This step's block of a buffer of batch rows per block: inside the loop
 * block 0 + t; after it, for a layer applied at every step, the last step's
 * block; a buffer of one block is read whole. */
int lower_step_block(lower_context *c, int buffer);

/* The matrices of group g of `layer` in the function being built: in train
 * and predict the mean mu = (1 - pi) m [* mask] and variance
 * (1 - pi)(Xi + pi m^2) [* mask] (variance -1 for a deterministic group:
 * mean is m), formed once per function; in predict_dynamic the weights
 * drawn for this step (STEP_WEIGHTS, masked; m for a deterministic group),
 * variance -1. */
typedef struct { int mean, variance; } lower_weights;
lower_weights lower_group_weights(lower_context *c, int layer, int g);

/* G = s a . mean, and with a variance, Delta^2 = s^2 a^2 . variance added to
 * *spread (which may be -1: none yet); G is added to *sum (-1: none yet). */
void lower_sas_terms(ir_function *f, lower_weights w, int a, double s, int *sum, int *spread);

/* The NOISE buffer eps of group g of `layer` ("<layer>.eps", see
 * lower_add_noise), recorded as the group's noise; -1 (and none added) for
 * a deterministic group. */
int lower_add_group_noise(lower_context *c, int layer, int g);

/* The pre-activation of a layer of one SaS group (its group 0) reading
 * `input`, scaled by 1/sqrt(fan_in) when it scales by fan-in, with its
 * noise in `noise` (lower_add_group_noise). */
int lower_single_group_preactivation(lower_context *c, int layer, int input, int noise);

/* The pre-activation of a SaS connection group read with `a`:
 * z = s a . mu + eps sqrt(s^2 a^2 . var) with eps this step's block of
 * `noise` (gBP Eqs. 2-3), or z = s a . W when the variance is -1. */
int lower_sas_preactivation(lower_context *c, lower_weights w, int a, double s, int noise);

int lower_annotate(ir_function *f, int node, const char *comment);
int lower_activate(ir_function *f, activation_kind kind, int z);

#endif
