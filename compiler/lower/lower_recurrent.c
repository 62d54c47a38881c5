/*
 * lower_recurrent.c — a recurrent SaS network (gBPTT paper, Eqs. 1-5) and
 * its back-propagation through time (Eqs. 8-13), as IR time loops.
 *
 * Three connection groups become three layers of the program: "<h>.in"
 * (inputs x N), "<h>" (N x N, recurrent) and the readout (N x outputs). One
 * step, t -> t+1, with x = x0 + x_task(t) + c_in xi(t):
 *   G    = r(t) . mu_rec + x . mu_in          Delta^2 = r^2 . var_rec + x^2 . var_in
 *   u    = G + eps_u(t) Delta                 (eps_u only when a group is stochastic)
 *   h(t+1) = (1 - alpha) h(t) + alpha u + c_rec n(t),   r = phi(h)
 *   z    = r(t+1) . mu_out + eps_out Delta_out  (every step, or after the loop at T)
 * with c_rec = sqrt(2 alpha sigma^2) and c_in = sqrt(2 sigma_in^2 / alpha).
 *
 * Memory: the state sequence H [(T+1) batch, N] and, with a stochastic
 * group, u's spread Delta^2 [T batch, N] are kept for the reverse sweep,
 * the noise sequences eps_u and n [T batch, N], xi [T batch, inputs], and
 * with a readout at every step Z and dZ [T batch, outputs]; everything else
 * is one step's worth. So a batch needs O(T x N x batch) memory.
 *
 * The reverse sweep is ir_differentiate applied to one step: inside a
 * reversed loop the step is rebuilt by the same builder from the kept state
 * h(t) and the same (quenched) noise blocks, and the scalar
 *   sum(dH . h(t+1)) [+ sum(dZ(t) . z)]
 * is differentiated with respect to h(t) (giving dH for the step before)
 * and the loop-invariant matrices mu and var of each group, whose per-step
 * gradients are summed in accumulator buffers. After the loop one more
 * differentiation of sum(acc . matrix) carries them to pi, m and Xi.
 *
 * Two things make the reverse step cheaper than a plain rebuild (B2 in
 * docs/performance.md): it reads u's spread as the forward pass kept it
 * rather than forming its products again (its derivative then takes a
 * second pass, build_reverse_step), and it is built on the transposed
 * matrices, so that the products carrying dH back are without transposed
 * operands (step_form). The weight gradients stay one small product per
 * step: one product over all T steps (K = T batch) measured slower here,
 * its operands streamed from memory instead of cache.
 */
#include "compiler/lower/lower_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "compiler/ir/autodiff.h"

static void describe(const model_spec *model, recurrence *r)
{
    memset(r, 0, sizeof *r);
    r->rec = &model->layers[0];
    r->out = &model->layers[1];
    r->steps = r->rec->steps;
    r->test_steps = r->rec->test_steps > 0 ? r->rec->test_steps : r->steps;
    r->blocks = r->steps > r->test_steps ? r->steps : r->test_steps;
    r->inputs = r->rec->fan_in;
    r->units = r->rec->width;
    r->outputs = r->out->width;
    layer_spec *in = &r->group[GROUP_IN], *rec = &r->group[GROUP_REC];
    *in = *r->rec;
    snprintf(r->input_group_name, sizeof r->input_group_name, "%s.in", r->rec->name);
    in->name = r->input_group_name;
    memcpy(in->prior, r->rec->input_prior, sizeof in->prior);
    in->mask = r->rec->input_mask;
    *rec = *r->rec;
    rec->fan_in = r->units;
    r->group[GROUP_OUT] = *r->out;
    for (int g = 0; g < GROUP_COUNT; g++)
        r->stochastic[g] = !lower_is_deterministic(&r->group[g]);
}

bool lower_recurrent_check(const model_spec *model, char *error, size_t error_size)
{
    bool any = false;
    for (int i = 0; i < model->layer_count; i++)
        any |= model->layers[i].kind != LAYER_DENSE;
    if (!any)
        return true;
    const layer_spec *rec = &model->layers[0], *out = &model->layers[model->layer_count - 1];
    if (model->layer_count != 2 || rec->kind != LAYER_RECURRENT || out->kind != LAYER_READOUT) {
        snprintf(error, error_size, "model '%s': a recurrent model is one recurrent layer and its readout",
                 model->name);
        return false;
    }
    if (rec->steps < 1 || !(rec->alpha > 0 && rec->alpha <= 1) || rec->sigma < 0 || rec->sigma_in < 0) {
        snprintf(error, error_size, "recurrent layer '%s' needs steps >= 1, alpha in (0, 1] and "
                 "noise strengths >= 0", rec->name);
        return false;
    }
    if (model->loss == LOSS_CROSS_ENTROPY && out->every_step) {
        snprintf(error, error_size, "cross-entropy is taken at the last step; readout '%s' reads every step "
                 "(use mse, or 'at = last')", out->name);
        return false;
    }
    return true;
}

/* ---- buffers ---- */

static int sequence_buffer(ir_program *p, sasc_buffer_role role, int layer, int blocks, int cols,
                           const char *owner, const char *suffix)
{
    return lower_add_named(p, role, layer, SASC_NOT_A_PARAMETER, blocks * p->batch, cols, owner, suffix);
}

static void add_accumulators(ir_program *p, recurrence *r)
{
    static const char *const suffix[2] = { "mu.acc", "var.acc" };
    for (int g = 0; g < GROUP_COUNT; g++)
        for (int k = 0; k < 2; k++) {
            bool needed = (g != GROUP_OUT || r->out->every_step) && (k == 0 || r->stochastic[g]);
            /* transposed, [width, fan_in], as the reverse sweep's matrices */
            r->accumulator[g][k] = !needed ? -1
                : lower_add_named(p, SASC_BUFFER_TEMPORARY, g, SASC_NOT_A_PARAMETER,
                                  r->group[g].width, r->group[g].fan_in, r->group[g].name, suffix[k]);
        }
}

static void add_sequence_buffers(ir_program *p, recurrence *r)
{
    const char *h = r->rec->name, *y = r->out->name;
    int T = r->blocks;
    /* H is the STATE buffer: the runtime reads h(t) after `predict` (selectivity). */
    r->state = sequence_buffer(p, SASC_BUFFER_STATE, GROUP_REC, T + 1, r->units, h, "state");
    p->layers[p->groups[GROUP_REC].layer].state_buffer = r->state;
    r->state_adjoint = lower_add_named(p, SASC_BUFFER_TEMPORARY, -1, SASC_NOT_A_PARAMETER, p->batch,
                                       r->units, h, "state.adjoint");
    r->eps_u = r->stochastic[GROUP_IN] || r->stochastic[GROUP_REC]
        ? sequence_buffer(p, SASC_BUFFER_NOISE, GROUP_REC, T, r->units, h, "eps") : -1;
    r->noise_rec = r->rec->sigma > 0 ? sequence_buffer(p, SASC_BUFFER_NOISE, -1, T, r->units, h, "noise") : -1;
    r->noise_in = r->rec->sigma_in > 0
        ? sequence_buffer(p, SASC_BUFFER_NOISE, -1, T, r->inputs, h, "input_noise") : -1;
    int readout_blocks = r->out->every_step ? T : 1;
    r->eps_out = r->stochastic[GROUP_OUT]
        ? sequence_buffer(p, SASC_BUFFER_NOISE, GROUP_OUT, readout_blocks, r->outputs, y, "eps") : -1;
    r->readout_seq = r->readout_adjoint = -1;
    if (r->out->every_step) {
        r->readout_seq = sequence_buffer(p, SASC_BUFFER_TEMPORARY, -1, r->steps, r->outputs, y, "sequence");
        r->readout_adjoint = sequence_buffer(p, SASC_BUFFER_TEMPORARY, -1, r->steps, r->outputs, y,
                                             "adjoint");
    }
    /* Kept by the forward pass for the reverse sweep, which would otherwise
     * form its products (r^2 . var_rec) again at every step. Added last:
     * the noise streams are numbered by buffer index. */
    r->spread_seq = r->eps_u >= 0
        ? sequence_buffer(p, SASC_BUFFER_TEMPORARY, -1, r->steps, r->units, h, "spread") : -1;
}

recurrence *lower_recurrent_buffers(ir_program *p, const model_spec *model)
{
    recurrence *r = malloc(sizeof *r);
    if (!r) {
        fprintf(stderr, "sasc: internal error: out of memory lowering the model\n");
        exit(2);
    }
    describe(model, r);
    r->batch = p->batch;
    /* One sample is T steps of `inputs` values; the input holds the longer
     * of the train and test sequences, the targets the training steps. */
    p->input_width = r->blocks * r->inputs;
    p->classes = model->classes;
    p->input_buffer = ir_add_buffer(p, model->input_name ? model->input_name : "x", SASC_BUFFER_INPUT,
                                    -1, SASC_NOT_A_PARAMETER, r->blocks * p->batch, r->inputs);
    int target_blocks = r->out->every_step ? r->steps : 1;
    p->target_buffer = ir_add_buffer(p, "target", SASC_BUFFER_TARGET, -1, SASC_NOT_A_PARAMETER,
                                     target_blocks * p->batch, model->classes);
    r->loss_mask = r->out->every_step
        ? ir_add_buffer(p, "target.mask", SASC_BUFFER_LOSS_MASK, -1, SASC_NOT_A_PARAMETER,
                        target_blocks * p->batch, model->classes)
        : -1;
    /* groups in the order GROUP_IN, GROUP_REC (both of the recurrent layer), GROUP_OUT */
    int recurrent = ir_add_layer(p, r->rec->name, "recurrent", lower_activation_name(r->rec->activation),
                                 r->units, true);
    lower_add_group(p, &r->group[GROUP_IN], SASC_GROUP_RECURRENT_INPUT, recurrent);
    lower_add_group(p, &r->group[GROUP_REC], SASC_GROUP_RECURRENT, recurrent);
    int readout = ir_add_layer(p, r->out->name, "readout", lower_activation_name(r->out->activation),
                               r->outputs, r->out->every_step);
    lower_add_group(p, &r->group[GROUP_OUT], SASC_GROUP_READOUT, readout);
    for (int g = 0; g < GROUP_COUNT; g++)
        lower_add_gradients(p, &r->group[g], g);
    add_sequence_buffers(p, r);
    p->groups[GROUP_REC].noise_buffer = r->eps_u;
    p->groups[GROUP_OUT].noise_buffer = r->eps_out;
    add_accumulators(p, r);
    lower_add_result_buffers(p, model->classes);
    return r;
}

/* ---- one step ---- */

static void read_groups(const ir_program *p, ir_function *f, const recurrence *r, group_values *v)
{
    for (int g = 0; g < GROUP_COUNT; g++) {
        int *leaf = v->leaf[g];
        leaf[0] = leaf[1] = leaf[2] = -1;
        if (r->stochastic[g]) {
            lower_moments(p, f, &p->groups[g], leaf, &v->matrix[g][0], &v->matrix[g][1]);
        } else {
            v->matrix[g][0] = leaf[SASC_M] = ir_buffer_node(f, p, p->groups[g].parameter_buffer[SASC_M]);
            v->matrix[g][1] = -1;
        }
    }
}

static int add_optional(ir_function *f, int sum, int term)
{
    if (term < 0)
        return sum;
    return sum < 0 ? term : ir_binary(f, IR_ADD, sum, term);
}

/* How a step is built. With `transposed`, the matrices of the group values
 * are the transposes ([width, fan_in]) of mu and var: the reverse sweep
 * forms a . W as a . (W^T)^T, whose derivative with respect to a is then
 * g . W^T, a product without transposed operands, which the BLAS runs
 * faster (20 vs 13 us for one 50 x 100 x 100 product). With `kept` >= 0,
 * u's spread is taken from that node instead of its products. */
typedef struct {
    bool transposed;
    int kept;
} step_form;

/* G = a . mu and (when stochastic) Delta^2 = a^2 . var of one group, added to *mean, *spread. */
static void group_terms(ir_function *f, const group_values *v, bool transposed, int g, int a,
                        int *mean, int *spread)
{
    *mean = add_optional(f, *mean, ir_matmul(f, a, v->matrix[g][0], false, transposed, 1.0));
    if (v->matrix[g][1] >= 0)
        *spread = add_optional(f, *spread, ir_matmul(f, ir_unary(f, IR_SQUARE, a), v->matrix[g][1], false,
                                                     transposed, 1.0));
}

static int readout_terms(ir_function *f, const group_values *v, bool transposed, int rates, int eps)
{
    int mean = -1, spread = -1;
    group_terms(f, v, transposed, GROUP_OUT, rates, &mean, &spread);
    if (spread < 0)
        return lower_annotate(f, mean, "z = r . m_out (deterministic)");
    return lower_annotate(f, ir_binary(f, IR_ADD, mean, ir_binary(f, IR_MUL, eps, ir_unary(f, IR_SQRT, spread))),
                          "z = G_out + eps_out Delta_out");
}

/* z = G_out + eps_out Delta_out of the rates `rates` ([batch, N]); eps_out is `eps` or none. */
int lower_recurrent_readout(ir_function *f, const group_values *v, int rates, int eps)
{
    return readout_terms(f, v, false, rates, eps);
}

/* The input of step t: x0 + x_task(t) + c_in xi(t). */
static int step_input(const ir_program *p, ir_function *f, const recurrence *r)
{
    int x = ir_slice(f, p, p->input_buffer, r->batch, 0);
    if (r->noise_in >= 0) {
        double c_in = sqrt(2.0 * r->rec->sigma_in * r->rec->sigma_in / r->rec->alpha);
        x = ir_binary(f, IR_ADD, x, ir_affine(f, ir_slice(f, p, r->noise_in, r->batch, 0), c_in, 0.0));
    }
    if (r->rec->x0 != 0)
        x = ir_affine(f, x, 1.0, r->rec->x0);
    return x;
}

/* h(t+1) (and z(t+1) with a readout at every step) from h = h(t); call
 * inside a loop. With form.kept, s.spread is built but u does not depend on
 * it: a derivative of the step does not reach through it (see
 * build_reverse_step). */
static step_values build_step(const ir_program *p, ir_function *f, const recurrence *r,
                              const group_values *v, step_form form, int h)
{
    double alpha = r->rec->alpha;
    int rates = lower_activate(f, r->rec->activation, h);
    int mean = -1, spread = -1;
    group_terms(f, v, form.transposed, GROUP_REC, rates, &mean, &spread);
    group_terms(f, v, form.transposed, GROUP_IN, step_input(p, f, r), &mean, &spread);
    int u = mean;
    if (spread >= 0) {
        int eps = ir_slice(f, p, r->eps_u, r->batch, 0);
        int delta = ir_unary(f, IR_SQRT, form.kept >= 0 ? form.kept : spread);
        u = ir_binary(f, IR_ADD, mean, ir_binary(f, IR_MUL, eps, delta));
    }
    lower_annotate(f, u, "u = G_rec + G_in + eps_u sqrt(Delta_in^2 + Delta_rec^2)");
    int next = ir_binary(f, IR_ADD, ir_affine(f, h, 1.0 - alpha, 0.0), ir_affine(f, u, alpha, 0.0));
    if (r->noise_rec >= 0) {
        double c_rec = sqrt(2.0 * alpha * r->rec->sigma * r->rec->sigma);
        next = ir_binary(f, IR_ADD, next, ir_affine(f, ir_slice(f, p, r->noise_rec, r->batch, 0), c_rec, 0.0));
    }
    lower_annotate(f, next, "h(t+1) = (1 - alpha) h(t) + alpha u + sqrt(2 alpha sigma^2) n");
    step_values s = { next, -1, spread };
    if (r->out->every_step) {
        int eps = r->eps_out >= 0 ? ir_slice(f, p, r->eps_out, r->batch, 0) : -1;
        s.z = readout_terms(f, v, form.transposed, lower_activate(f, r->rec->activation, next), eps);
    }
    return s;
}

step_values lower_recurrent_step(const ir_program *p, ir_function *f, const recurrence *r,
                                 const group_values *v, int h)
{
    return build_step(p, f, r, v, (step_form){ false, -1 }, h);
}

/* ---- forward ---- */

typedef struct {
    group_values v;
    int seed;       /* what the loss reads of the loop: slice H(T), or the whole Z */
    int logits;     /* z at the last step */
    int output;
} forward_values;

/* With `training`, a readout at every step is kept in Z (steps blocks) for
 * the loss; otherwise only the last step's output is formed, after the loop. */
static void build_forward(const ir_program *p, ir_function *f, const recurrence *r, int steps,
                          bool training, forward_values *fw)
{
    bool sequence = training && r->out->every_step;
    read_groups(p, f, r, &fw->v);
    ir_store_slice(f, p, r->state, 0, ir_constant(f, r->batch, r->units, r->rec->h0));
    ir_loop_begin(f, steps, false);
    step_values s = lower_recurrent_step(p, f, r, &fw->v, ir_slice(f, p, r->state, r->batch, 0));
    ir_store_slice(f, p, r->state, 1, s.next);
    if (training && r->spread_seq >= 0)
        ir_store_slice(f, p, r->spread_seq, 0, s.spread);
    if (sequence)
        ir_store_slice(f, p, r->readout_seq, 0, s.z);
    ir_loop_end(f);
    if (sequence) {
        fw->seed = ir_buffer_node(f, p, r->readout_seq);
        fw->logits = ir_slice(f, p, r->readout_seq, r->batch, steps - 1);
    } else {
        fw->seed = ir_slice(f, p, r->state, r->batch, steps);
        int eps = r->eps_out < 0 ? -1
            : r->out->every_step ? ir_slice(f, p, r->eps_out, r->batch, steps - 1)
                                 : ir_buffer_node(f, p, r->eps_out);
        fw->logits = lower_recurrent_readout(f, &fw->v, lower_activate(f, r->rec->activation, fw->seed),
                                             eps);
    }
    fw->output = lower_activate(f, r->out->activation, fw->logits);
    ir_store(f, p, p->output_buffer, fw->output);
}

/* ---- loss ---- */

static int build_loss(const ir_program *p, ir_function *f, const model_spec *model,
                      const recurrence *r, const forward_values *fw)
{
    int target = ir_buffer_node(f, p, p->target_buffer);
    int per_sample, count = r->batch;
    if (model->loss == LOSS_CROSS_ENTROPY) {
        per_sample = ir_cross_entropy(f, fw->logits, target);
    } else {
        int y = r->out->every_step ? lower_activate(f, r->out->activation, fw->seed) : fw->output;
        per_sample = ir_unary(f, IR_SQUARE, ir_binary(f, IR_SUB, y, target));
        if (r->out->every_step) {
            per_sample = ir_binary(f, IR_MUL, per_sample, ir_buffer_node(f, p, r->loss_mask));
            count *= r->steps;
        }
    }
    int loss = lower_annotate(f, ir_affine(f, ir_unary(f, IR_SUM, per_sample), 1.0 / count, 0.0),
                              "data loss, mean over the batch (and steps)");
    for (int g = 0; g < GROUP_COUNT; g++) {
        loss = lower_add_l2(p, f, loss, fw->v.leaf[g][SASC_M], p->groups[g].parameter_buffer[SASC_M],
                            model->l2_m);
        loss = lower_add_l2(p, f, loss, fw->v.leaf[g][SASC_XI], p->groups[g].parameter_buffer[SASC_XI],
                            model->l2_xi);
    }
    return loss;
}

/* ---- reverse sweep ---- */

/* The parameters that have gradient buffers: their leaves and buffers. */
static int learnt_parameters(const ir_program *p, const group_values *v, int *leaf, int *buffer)
{
    int count = 0;
    for (int g = 0; g < GROUP_COUNT; g++)
        for (int k = 0; k < 3; k++) {
            int b = lower_find_gradient_buffer(p, g, k);
            if (b < 0 || v->leaf[g][k] < 0)
                continue;
            leaf[count] = v->leaf[g][k];
            buffer[count++] = b;
        }
    return count;
}

/* Group g's matrix k is learnt through the loop (it has an accumulator) and
 * enters u's spread (its derivative is taken by the second pass below). */
static bool in_spread(const recurrence *r, int g, int k)
{
    return k == 1 && g != GROUP_OUT && r->accumulator[g][k] >= 0;
}

/* One reversed step: rebuild it, differentiate the adjoint-weighted outputs
 * with respect to h(t) (the adjoint carried to the step before) and the
 * loop-invariant matrices mu and var (summed in their accumulators).
 *
 * The step reads u's spread S = Delta_in^2 + Delta_rec^2 as the forward
 * pass kept it instead of forming its products again, so the derivative is
 * taken in two passes: the first gives dS (the kept spread is a leaf), the
 * second that of sum(dS . S(h, var)) with respect to h and the variances
 * of the input and recurrent groups; their sum is the step's derivative. */
static void build_reverse_step(const ir_program *p, ir_function *f, const recurrence *r,
                               const group_values *v)
{
    int h = ir_slice(f, p, r->state, r->batch, 0);
    int kept = r->spread_seq >= 0 ? ir_slice(f, p, r->spread_seq, r->batch, 0) : -1;
    step_values s = build_step(p, f, r, v, (step_form){ true, kept }, h);
    int pseudo = ir_unary(f, IR_SUM, ir_binary(f, IR_MUL, ir_buffer_node(f, p, r->state_adjoint), s.next));
    if (s.z >= 0)
        pseudo = ir_binary(f, IR_ADD, pseudo, ir_unary(f, IR_SUM, ir_binary(f, IR_MUL,
                           ir_slice(f, p, r->readout_adjoint, r->batch, 0), s.z)));
    enum { MOST = 2 + 2 * GROUP_COUNT };
    int wrt[MOST], target[MOST], gradient[MOST], count = 0;
    wrt[count] = h;
    target[count++] = r->state_adjoint;
    for (int g = 0; g < GROUP_COUNT; g++)
        for (int k = 0; k < 2; k++)
            if (r->accumulator[g][k] >= 0 && !(kept >= 0 && in_spread(r, g, k))) {
                wrt[count] = v->matrix[g][k];
                target[count++] = r->accumulator[g][k];
            }
    if (kept >= 0)
        wrt[count] = kept;
    ir_differentiate(f, pseudo, wrt, count + (kept >= 0), gradient);
    if (kept >= 0) {
        int second = ir_unary(f, IR_SUM, ir_binary(f, IR_MUL, gradient[count], s.spread));
        int from_spread = count;
        wrt[from_spread] = h;
        for (int g = 0; g < GROUP_COUNT; g++)
            if (in_spread(r, g, 1)) {
                wrt[count + 1] = v->matrix[g][1];
                target[count++] = r->accumulator[g][1];
            }
        int through[MOST];
        ir_differentiate(f, second, wrt + from_spread, count + 1 - from_spread, through);
        gradient[0] = ir_binary(f, IR_ADD, gradient[0], through[0]);
        for (int k = from_spread; k < count; k++)
            gradient[k] = through[k - from_spread + 1];
    }
    for (int k = 1; k < count; k++)
        gradient[k] = ir_binary(f, IR_ADD, ir_buffer_node(f, p, target[k]), gradient[k]);
    for (int k = 0; k < count; k++)
        ir_store(f, p, target[k], gradient[k]);
}

static void build_reverse_sweep(const ir_program *p, ir_function *f, const recurrence *r,
                                const forward_values *fw, int loss)
{
    int leaf[3 * GROUP_COUNT + 1], buffer[3 * GROUP_COUNT + 1], direct[3 * GROUP_COUNT + 1];
    int learnt = learnt_parameters(p, &fw->v, leaf + 1, buffer);
    leaf[0] = fw->seed;
    ir_differentiate(f, loss, leaf, learnt + 1, direct);
    if (r->out->every_step) {
        ir_store(f, p, r->readout_adjoint, direct[0]);
        ir_store(f, p, r->state_adjoint, ir_constant(f, r->batch, r->units, 0.0));
    } else {
        ir_store(f, p, r->state_adjoint, direct[0]);
    }
    group_values transposed = fw->v;
    for (int g = 0; g < GROUP_COUNT; g++)
        for (int k = 0; k < 2; k++) {
            if (fw->v.matrix[g][k] >= 0)
                transposed.matrix[g][k] = ir_transpose(f, fw->v.matrix[g][k]);
            if (r->accumulator[g][k] >= 0)
                ir_store(f, p, r->accumulator[g][k],
                         ir_constant(f, r->group[g].width, r->group[g].fan_in, 0.0));
        }
    ir_loop_begin(f, r->steps, true);
    build_reverse_step(p, f, r, &transposed);
    ir_loop_end(f);
    int carried = -1;
    for (int g = 0; g < GROUP_COUNT; g++)
        for (int k = 0; k < 2; k++)
            if (r->accumulator[g][k] >= 0)
                carried = add_optional(f, carried, ir_unary(f, IR_SUM, ir_binary(f, IR_MUL,
                                       ir_buffer_node(f, p, r->accumulator[g][k]), transposed.matrix[g][k])));
    int through[3 * GROUP_COUNT];
    if (carried >= 0)
        ir_differentiate(f, carried, leaf + 1, learnt, through);
    for (int k = 0; k < learnt; k++) {
        int total = carried >= 0 ? ir_binary(f, IR_ADD, direct[k + 1], through[k]) : direct[k + 1];
        ir_store(f, p, buffer[k], total);
    }
}

void lower_recurrent_functions(ir_program *p, const model_spec *model, const recurrence *r)
{
    forward_values fw;
    build_forward(p, &p->train, r, r->steps, true, &fw);
    int loss = build_loss(p, &p->train, model, r, &fw);
    ir_store(&p->train, p, p->loss_buffer, loss);
    build_reverse_sweep(p, &p->train, r, &fw, loss);
    forward_values predict;
    build_forward(p, &p->predict, r, r->test_steps, false, &predict);
}
