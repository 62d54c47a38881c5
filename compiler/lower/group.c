/*
 * group.c — a spike-and-slab connection group in the IR: its buffers, the
 * matrices a function reads from it (moments, or drawn weights), and the
 * pre-activation it gives (gBP paper Eqs. 2-3). Every kind with SaS groups
 * uses these; see lower_context.h.
 *
 * For a group with parameters pi, m, Xi [fan_in, width] read with h
 * [batch, fan_in], s = 1/sqrt(fan_in) with fan-in scaling, else 1:
 *   keep  = (1 - pi) [* mask]
 *   mu    = keep m                         (the weight mean)
 *   var   = keep (Xi + pi m^2)             (= rho - mu^2, without the cancellation)
 *   G     = s h . mu,   Delta = sqrt(s^2 h^2 . var),   z = G + eps Delta
 * A deterministic group (pi and Xi frozen at 0, no mask) is z = s h . m:
 * standard BP, no noise.
 *
 * Invariant: each parameter buffer is read by exactly one node of a function
 * (its leaf), so the gradient of that leaf is the gradient of the buffer.
 */
#include "compiler/lower/lower_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const parameter_names[3] = { "pi", "m", "Xi" };   /* indexed by sasc_parameter */

static bool init_is_zero(sasc_init init)
{
    switch (init.kind) {
    case SASC_INIT_ZEROS:
        return true;
    case SASC_INIT_CONSTANT: case SASC_INIT_IDENTITY:
        return init.a == 0;
    default:
        return init.a == 0 && init.b == 0;
    }
}

static bool frozen_at_zero(const group_spec *group, sasc_parameter k)
{
    return group->prior[k].frozen && init_is_zero(group->prior[k].init);
}

bool lower_group_is_deterministic(const group_spec *group)
{
    return frozen_at_zero(group, SASC_PI) && frozen_at_zero(group, SASC_XI) &&
           group->mask.kind == SASC_MASK_NONE;
}

/* ---- buffers ---- */

int lower_add_named(ir_program *p, sasc_buffer_role role, int group, sasc_parameter parameter,
                    int rows, int cols, const char *owner, const char *suffix)
{
    char name[512];
    snprintf(name, sizeof name, "%s.%s", owner, suffix);
    return ir_add_buffer(p, name, role, group, parameter, rows, cols);
}

int lower_add_group(ir_program *p, const char *name, const group_spec *spec, int width, sasc_group_kind kind,
                    int owner)
{
    int index = ir_add_group(p, name, kind, owner, spec->fan_in, width);
    p->layers[owner].group_count++;
    ir_group *group = &p->groups[index];
    group->mask.kind = spec->mask.kind;   /* field by field, as the parameters' init below */
    group->mask.density = spec->mask.density;
    group->mask.path = spec->mask.path ? strdup(spec->mask.path) : NULL;
    if (spec->mask.path && !group->mask.path) {
        fprintf(stderr, "sasc: internal error: out of memory lowering the model\n");
        exit(2);
    }
    group->mask_buffer = spec->mask.kind == SASC_MASK_NONE ? -1
        : lower_add_named(p, SASC_BUFFER_MASK, index, SASC_NOT_A_PARAMETER, spec->fan_in, width, name, "mask");
    for (int k = 0; k < 3; k++) {
        int b = lower_add_named(p, SASC_BUFFER_PARAMETER, index, (sasc_parameter)k, spec->fan_in, width, name,
                                parameter_names[k]);
        /* field by field: the table is emitted byte for byte (emit.c), and a
         * struct assignment may copy the source's padding */
        p->buffers[b].desc.init.kind = spec->prior[k].init.kind;
        p->buffers[b].desc.init.a = spec->prior[k].init.a;
        p->buffers[b].desc.init.b = spec->prior[k].init.b;
        p->buffers[b].desc.frozen = spec->prior[k].frozen;
        p->buffers[b].desc.mask_buffer = group->mask_buffer;
        p->groups[index].parameter_buffer[k] = b;
    }
    return index;
}

void lower_add_gradients(ir_program *p, const group_spec *spec, int index)
{
    const ir_group *group = &p->groups[index];
    for (int k = 0; k < 3; k++) {
        char suffix[16];
        snprintf(suffix, sizeof suffix, "%s.grad", parameter_names[k]);
        if (!spec->prior[k].frozen)
            lower_add_named(p, SASC_BUFFER_GRADIENT, index, (sasc_parameter)k, group->fan_in, group->width,
                            group->name, suffix);
    }
}

int lower_add_noise(lower_context *c, int layer, int group, int cols, const char *suffix)
{
    const layer_spec *spec = lower_spec(c, layer);
    int blocks = spec->per_step ? c->blocks : 1;
    return lower_add_named(c->p, SASC_BUFFER_NOISE, group, SASC_NOT_A_PARAMETER, blocks * c->batch, cols,
                           spec->name, suffix);
}

int lower_step_block(lower_context *c, int buffer)
{
    if (c->p->buffers[buffer].desc.rows == c->batch)
        return ir_buffer_node(c->f, c->p, buffer);
    return ir_slice(c->f, c->p, buffer, c->batch, c->in_loop ? 0 : c->steps - 1);
}

/* ---- the matrices a function reads ---- */

int lower_annotate(ir_function *f, int node, const char *comment)
{
    f->nodes[node].comment = comment;
    return node;
}

int lower_activate(ir_function *f, activation_kind kind, int z)
{
    switch (kind) {
    case ACTIVATION_RELU:    return ir_unary(f, IR_RELU, z);
    case ACTIVATION_TANH:    return ir_unary(f, IR_TANH, z);
    case ACTIVATION_SIGMOID: return ir_unary(f, IR_SIGMOID, z);
    case ACTIVATION_SOFTMAX: return ir_unary(f, IR_SOFTMAX, z);
    case ACTIVATION_IDENTITY: break;
    }
    return z;
}

/* mu = (1 - pi) m [* mask] and the variance (1 - pi)(Xi + pi m^2) [* mask]
 * of a stochastic group, or m of a deterministic one; its leaves recorded. */
static void form_moments(lower_context *c, int layer, int g)
{
    lower_layer *l = &c->layers[layer];
    const ir_group *group = &c->p->groups[lower_group(c, layer, g)];
    ir_function *f = c->f;
    int *leaf = l->leaf[g];
    if (lower_group_is_deterministic(&l->spec->group[g])) {
        l->matrix[g][0] = leaf[SASC_M] = ir_buffer_node(f, c->p, group->parameter_buffer[SASC_M]);
        l->matrix[g][1] = -1;
        return;
    }
    int pi = leaf[SASC_PI] = ir_buffer_node(f, c->p, group->parameter_buffer[SASC_PI]);
    int m = leaf[SASC_M] = ir_buffer_node(f, c->p, group->parameter_buffer[SASC_M]);
    int xi = leaf[SASC_XI] = ir_buffer_node(f, c->p, group->parameter_buffer[SASC_XI]);
    int keep = ir_affine(f, pi, -1.0, 1.0);
    if (group->mask_buffer >= 0)
        keep = ir_binary(f, IR_MUL, keep, ir_buffer_node(f, c->p, group->mask_buffer));
    l->matrix[g][0] = lower_annotate(f, ir_binary(f, IR_MUL, keep, m), "mu = (1 - pi) m");
    int spread = ir_binary(f, IR_ADD, xi, ir_binary(f, IR_MUL, pi, ir_unary(f, IR_SQUARE, m)));
    l->matrix[g][1] = lower_annotate(f, ir_binary(f, IR_MUL, keep, spread), "rho - mu^2 = (1 - pi)(Xi + pi m^2)");
}

/* predict_dynamic: W(t), the weights drawn for this step (the last step's
 * after the loop), masked like the moments; m for a deterministic group. */
static lower_weights drawn_weights(lower_context *c, int layer, int g)
{
    int index = lower_group(c, layer, g);
    const ir_group *group = &c->p->groups[index];
    int buffer = c->step_weights[index];
    if (buffer < 0)
        return (lower_weights){ ir_buffer_node(c->f, c->p, group->parameter_buffer[SASC_M]), -1 };
    int w = ir_slice(c->f, c->p, buffer, group->fan_in, c->in_loop ? 0 : c->steps - 1);
    if (group->mask_buffer >= 0)
        w = ir_binary(c->f, IR_MUL, w, ir_buffer_node(c->f, c->p, group->mask_buffer));
    return (lower_weights){ lower_annotate(c->f, w, "W(t): the weights drawn for this step"), -1 };
}

lower_weights lower_group_weights(lower_context *c, int layer, int g)
{
    if (c->mode == LOWER_PREDICT_DYNAMIC)
        return drawn_weights(c, layer, g);
    lower_layer *l = &c->layers[layer];
    if (l->matrix[g][0] < 0)
        form_moments(c, layer, g);
    return (lower_weights){ l->matrix[g][0], l->matrix[g][1] };
}

/* ---- pre-activations ---- */

static int add_optional(ir_function *f, int sum, int term)
{
    return sum < 0 ? term : ir_binary(f, IR_ADD, sum, term);
}

void lower_sas_terms(ir_function *f, lower_weights w, int a, double s, int *sum, int *spread)
{
    *sum = add_optional(f, *sum, ir_matmul(f, a, w.mean, false, false, s));
    if (w.variance >= 0)
        *spread = add_optional(f, *spread, ir_matmul(f, ir_unary(f, IR_SQUARE, a), w.variance, false, false, s * s));
}

/* G and Delta^2 of a group read with `a` (Delta^2 -1 for a deterministic one). */
static void sas_moments(lower_context *c, lower_weights w, int a, double s, int *mean, int *delta2)
{
    ir_function *f = c->f;
    if (w.variance < 0) {
        *mean = lower_annotate(f, ir_matmul(f, a, w.mean, false, false, s),
                               c->mode == LOWER_PREDICT_DYNAMIC ? "z = s h . W(t)" : "z = s h . m (deterministic)");
        *delta2 = -1;
        return;
    }
    *mean = lower_annotate(f, ir_matmul(f, a, w.mean, false, false, s), "G = s h . mu");
    *delta2 = lower_annotate(f, ir_matmul(f, ir_unary(f, IR_SQUARE, a), w.variance, false, false, s * s),
                             "Delta^2 = s^2 h^2 . (rho - mu^2)");
}

/* z = G + eps Delta from the moments (z = G when deterministic). */
static int sas_sample(lower_context *c, int mean, int delta2, int noise)
{
    ir_function *f = c->f;
    if (delta2 < 0)
        return mean;
    int delta = lower_annotate(f, ir_unary(f, IR_SQRT, delta2), "Delta");
    int eps = lower_step_block(c, noise);
    return lower_annotate(f, ir_binary(f, IR_ADD, mean, ir_binary(f, IR_MUL, eps, delta)), "z = G + eps Delta");
}

int lower_sas_preactivation(lower_context *c, lower_weights w, int a, double s, int noise)
{
    int mean, delta2;
    sas_moments(c, w, a, s, &mean, &delta2);
    return sas_sample(c, mean, delta2, noise);
}

/* predict keeps the moments of a layer with one value per sample (ABI
 * version 4: PREACTIVATION_MEAN / _VARIANCE buffers "<layer>.G",
 * "<layer>.Delta2"), for the analyses that read a layer's distribution
 * given the input (runtime/analyses/information.c, elasticity.c). */
static void keep_moments(lower_context *c, int layer, int mean, int delta2)
{
    const layer_spec *spec = lower_spec(c, layer);
    if (c->mode != LOWER_PREDICT || c->in_loop || spec->per_step)
        return;
    int group = lower_group(c, layer, 0);
    ir_store(c->f, c->p, lower_add_named(c->p, SASC_BUFFER_PREACTIVATION_MEAN, group, SASC_NOT_A_PARAMETER,
                                         c->batch, spec->width, spec->name, "G"), mean);
    if (delta2 >= 0)
        ir_store(c->f, c->p, lower_add_named(c->p, SASC_BUFFER_PREACTIVATION_VARIANCE, group,
                                             SASC_NOT_A_PARAMETER, c->batch, spec->width, spec->name,
                                             "Delta2"), delta2);
}

int lower_add_group_noise(lower_context *c, int layer, int g)
{
    const layer_spec *spec = lower_spec(c, layer);
    if (lower_group_is_deterministic(&spec->group[g]))
        return -1;
    int group = lower_group(c, layer, g);
    int eps = lower_add_noise(c, layer, group, spec->width, "eps");
    c->p->groups[group].noise_buffer = eps;
    return eps;
}

int lower_single_group_preactivation(lower_context *c, int layer, int input, int noise)
{
    const layer_spec *spec = lower_spec(c, layer);
    double s = spec->fan_in_scaling ? 1.0 / sqrt((double)spec->fan_in) : 1.0;
    int mean, delta2;
    sas_moments(c, lower_group_weights(c, layer, 0), input, s, &mean, &delta2);
    keep_moments(c, layer, mean, delta2);
    return sas_sample(c, mean, delta2, noise);
}
