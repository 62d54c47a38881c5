/*
 * recurrent.c — the recurrent layer kind: a rate network of SaS units
 * (gBPTT paper, Eqs. 1-5) carrying its state h from step to step. Two
 * connection groups: "<h>.in" (its source's width x units, settings in_*)
 * and "<h>" (units x units, recurrent). One step t -> t+1, reading
 * x_task(t) from its source (the model's input, or a layer applied at every
 * step, e.g. another recurrent layer's rates r(t+1)), with r = phi(h):
 *   x    = x0 + x_task(t) + c_in xi(t)
 *   G    = r(t) . mu_rec + x . mu_in        Delta^2 = r^2 . var_rec + x^2 . var_in
 *   u    = G + eps_u(t) Delta               (eps_u only when a group is stochastic)
 *   h(t+1) = (1 - alpha) h(t) + alpha u + c_rec n(t)
 * with c_rec = sqrt(2 alpha sigma^2) and c_in = sqrt(2 sigma_in^2 / alpha);
 * its value is r(t+1) (the chain applies phi to what forward returns).
 *
 * Memory: the state sequence H [(T+1) batch, units] (STATE: block t is
 * h(t), block 0 = h0, kept for the reverse sweep, which autodiff derives
 * from this step; the runtime reads it after `predict`), and the noise
 * sequences eps_u and n [T batch, units], xi [T batch, inputs].
 */
#include "compiler/lower/lower_context.h"

#include <math.h>
#include <stdio.h>

enum { ALPHA, DT, TAU, SIGMA, SIGMA_IN, X0, H0, SETTING_COUNT };
static const layer_setting settings[SETTING_COUNT] = {
    [ALPHA] = { "alpha", LAYER_SETTING_REAL, 0, INFINITY, true, 1.0, NULL, 0, "the leak" },
    [DT] = { "dt", LAYER_SETTING_REAL, 0, INFINITY, true, 1.0, NULL, 0, "the time step" },
    [TAU] = { "tau", LAYER_SETTING_REAL, 0, INFINITY, true, 1.0, NULL, 0, "the time constant" },
    [SIGMA] = { "sigma", LAYER_SETTING_REAL, 0, INFINITY, false, 0.0, NULL, 0, "the recurrent noise" },
    [SIGMA_IN] = { "sigma_in", LAYER_SETTING_REAL, 0, INFINITY, false, 0.0, NULL, 0, "the input noise" },
    [X0] = { "x0", LAYER_SETTING_REAL, -INFINITY, INFINITY, false, 0.0, NULL, 0, "the input baseline" },
    [H0] = { "h0", LAYER_SETTING_REAL, -INFINITY, INFINITY, false, 0.0, NULL, 0, "the initial state" },
};

enum { INPUT_GROUP, RECURRENT_GROUP };
static const layer_group groups[] = {
    [INPUT_GROUP] = { .suffix = ".in", .prefix = "in_", .kind = SASC_GROUP_RECURRENT_INPUT, .square = false,
                      .trained_by_gradient = true },
    [RECURRENT_GROUP] = { .suffix = "", .prefix = "", .kind = SASC_GROUP_RECURRENT, .square = true,
                          .trained_by_gradient = true },
};

enum { STATE, EPS, NOISE, INPUT_NOISE };   /* its buffers, in lower_layer.own */

/* The leak alpha: given, or dt / tau; one way only, and in (0, 1]. */
static void check(const layer_check *c, layer_spec *layer)
{
    const ast_setting *alpha = c->own[ALPHA], *dt = c->own[DT], *tau = c->own[TAU];
    if (alpha && (dt || tau)) {
        diagnostic_report(c->d, DIAGNOSTIC_ERROR, (dt ? dt : tau)->key.location,
                          "give either alpha or dt and tau, not both");
        layer->setting[ALPHA] = 1.0;
        return;
    }
    if (!alpha && (!dt != !tau)) {
        diagnostic_report(c->d, DIAGNOSTIC_ERROR, (dt ? dt : tau)->key.location,
                          "dt and tau go together (alpha = dt / tau); add '%s'", dt ? "tau" : "dt");
        layer->setting[ALPHA] = 1.0;
        return;
    }
    if (dt)
        layer->setting[ALPHA] = layer->setting[DT] / layer->setting[TAU];
    if (layer->setting[ALPHA] > 1) {
        diagnostic_report(c->d, DIAGNOSTIC_ERROR, (alpha ? alpha : dt)->value->location,
                          "the leak alpha = %g must be in (0, 1]", layer->setting[ALPHA]);
        layer->setting[ALPHA] = 1.0;
    }
}

/* The state (one block more than the steps: h0 and h(1) .. h(T)), then the
 * noise sequences. */
static void add_step_buffers(lower_context *c, int layer)
{
    const layer_spec *spec = lower_spec(c, layer);
    ir_program *p = c->p;
    int *own = c->layers[layer].own, recurrent = lower_group(c, layer, RECURRENT_GROUP);
    char name[512];
    snprintf(name, sizeof name, "%s.state", spec->name);
    own[STATE] = ir_add_carried_state(p, name, SASC_BUFFER_STATE, recurrent, c->blocks + 1, c->batch, spec->width);
    p->layers[c->layers[layer].table].state_buffer = own[STATE];
    bool stochastic = !lower_group_is_deterministic(&spec->group[INPUT_GROUP]) ||
                      !lower_group_is_deterministic(&spec->group[RECURRENT_GROUP]);
    own[EPS] = stochastic ? lower_add_noise(c, layer, recurrent, spec->width, "eps") : -1;
    p->groups[recurrent].noise_buffer = own[EPS];
    own[NOISE] = spec->setting[SIGMA] > 0 ? lower_add_noise(c, layer, -1, spec->width, "noise") : -1;
    own[INPUT_NOISE] = spec->setting[SIGMA_IN] > 0 ? lower_add_noise(c, layer, -1, spec->fan_in, "input_noise") : -1;
}

static void begin(lower_context *c, int layer)
{
    const layer_spec *spec = lower_spec(c, layer);
    ir_store_slice(c->f, c->p, c->layers[layer].own[STATE], 0,
                   ir_constant(c->f, c->batch, spec->width, spec->setting[H0]));
}

/* x0 + x_task(t) + c_in xi(t). */
static int step_input(lower_context *c, int layer, int input)
{
    const layer_spec *spec = lower_spec(c, layer);
    int x = input, noise = c->layers[layer].own[INPUT_NOISE];
    if (noise >= 0) {
        double sigma_in = spec->setting[SIGMA_IN], c_in = sqrt(2.0 * sigma_in * sigma_in / spec->setting[ALPHA]);
        x = ir_binary(c->f, IR_ADD, x, ir_affine(c->f, lower_step_block(c, noise), c_in, 0.0));
    }
    if (spec->setting[X0] != 0)
        x = ir_affine(c->f, x, 1.0, spec->setting[X0]);
    return x;
}

/* h(t+1) from h(t) (block 0 + t of the state) and this step's input. */
static int forward(lower_context *c, int layer, int input)
{
    const layer_spec *spec = lower_spec(c, layer);
    ir_function *f = c->f;
    const int *own = c->layers[layer].own;
    double alpha = spec->setting[ALPHA];
    int h = ir_slice(f, c->p, own[STATE], c->batch, 0);
    int rates = lower_activate(f, spec->activation, h);
    int mean = -1, spread = -1;
    lower_sas_terms(f, lower_group_weights(c, layer, RECURRENT_GROUP), rates, 1.0, &mean, &spread);
    lower_sas_terms(f, lower_group_weights(c, layer, INPUT_GROUP), step_input(c, layer, input), 1.0, &mean,
                    &spread);
    int u = mean;
    if (spread >= 0) {
        int eps = lower_step_block(c, own[EPS]);
        u = ir_binary(f, IR_ADD, mean, ir_binary(f, IR_MUL, eps, ir_unary(f, IR_SQRT, spread)));
    }
    lower_annotate(f, u, "u = G_rec + G_in + eps_u sqrt(Delta_in^2 + Delta_rec^2)");
    int next = ir_binary(f, IR_ADD, ir_affine(f, h, 1.0 - alpha, 0.0), ir_affine(f, u, alpha, 0.0));
    if (own[NOISE] >= 0) {
        double sigma = spec->setting[SIGMA], c_rec = sqrt(2.0 * alpha * sigma * sigma);
        next = ir_binary(f, IR_ADD, next, ir_affine(f, lower_step_block(c, own[NOISE]), c_rec, 0.0));
    }
    lower_annotate(f, next, "h(t+1) = (1 - alpha) h(t) + alpha u + sqrt(2 alpha sigma^2) n");
    ir_store_slice(f, c->p, own[STATE], 1, next);
    return next;
}

/* h(T), after the loop. */
static int final_value(lower_context *c, int layer)
{
    return ir_slice(c->f, c->p, c->layers[layer].own[STATE], c->batch, c->steps);
}

const layer_kind layer_kind_recurrent = {
    .name = "recurrent",
    .settings = settings, .setting_count = SETTING_COUNT,
    .groups = groups, .group_count = 2,
    .reads_sequence = true, .carries_state = true, .at = LAYER_AT_NONE,
    .scales_by_fan_in = false, .default_activation = ACTIVATION_RELU, .elementwise_activation = true,
    .check = check,
    .add_step_buffers = add_step_buffers, .begin = begin, .forward = forward, .final_value = final_value,
};
