/*
 * lower_dynamic.c — the network resampled at every time step ("dynamic
 * network", gBPTT Sec. III A end, Figs. 9 and 18): a concrete network whose
 * weights are drawn afresh from the learnt spike-and-slab distributions at
 * each step, as the function predict_dynamic of a recurrent program.
 *
 * Every stochastic group g (input, recurrent, readout) gets a STEP_WEIGHTS
 * buffer "<g>.step_weights" of test_steps blocks of [fan_in, width]; block t
 * holds the weights W_g(t) of step t, drawn by the runtime
 * (runtime/ensemble/dynamic.h). Inside the loop block t is sliced, masked like the
 * moments are (lower_moments), and handed to the recurrent step
 * (lower_recurrent_step, the one step builder of train and predict) as a
 * plain weight matrix (variance -1), so that
 *   u(t+1) = r(t) . W_rec(t) + x(t+1) . W_in(t),   no eps: the weights are concrete,
 *   h(t+1) = (1 - alpha) h(t) + alpha u + c_rec n(t)  (the network's own noise kept),
 * and the readout after the loop uses the last step's W_out(test_steps - 1).
 * A deterministic group (pi, Xi frozen at 0, no mask) samples to m at every
 * step, so it reads m and needs no buffer. With every W_g(t) = mu_g the
 * function is the mean-field predict with eps = 0.
 */
#include "compiler/lower/lower_internal.h"

/* The buffer of each stochastic group, -1 for deterministic ones. */
static void add_step_weights(ir_program *p, const recurrence *r, int buffer[GROUP_COUNT])
{
    for (int g = 0; g < GROUP_COUNT; g++) {
        const ir_group *layer = &p->groups[g];
        buffer[g] = !r->stochastic[g] ? -1
            : lower_add_named(p, SASC_BUFFER_STEP_WEIGHTS, g, SASC_NOT_A_PARAMETER,
                              r->test_steps * layer->fan_in, layer->width, layer->name, "step_weights");
    }
}

/* W_g of block `block` (+ t inside the loop), masked; m for a deterministic group. */
static int group_weights(const ir_program *p, ir_function *f, const int buffer[GROUP_COUNT], int g,
                         int block)
{
    const ir_group *layer = &p->groups[g];
    if (buffer[g] < 0)
        return ir_buffer_node(f, p, layer->parameter_buffer[SASC_M]);
    int w = ir_slice(f, p, buffer[g], layer->fan_in, block);
    if (layer->mask_buffer >= 0)
        w = ir_binary(f, IR_MUL, w, ir_buffer_node(f, p, layer->mask_buffer));
    return lower_annotate(f, w, "W(t): the weights drawn for this step");
}

/* The matrices one step reads (the readout's only when it reads every
 * step), every one a plain weight matrix; -1 for the others. */
static group_values step_weights(const ir_program *p, ir_function *f, const recurrence *r,
                                 const int buffer[GROUP_COUNT], int block)
{
    group_values v;
    for (int g = 0; g < GROUP_COUNT; g++) {
        v.leaf[g][SASC_PI] = v.leaf[g][SASC_M] = v.leaf[g][SASC_XI] = -1;
        bool read = g != GROUP_OUT || r->out->every_step;
        v.matrix[g][0] = read ? group_weights(p, f, buffer, g, block) : -1;
        v.matrix[g][1] = -1;
    }
    return v;
}

void lower_dynamic_predict(ir_program *p, const recurrence *r)
{
    int buffer[GROUP_COUNT];
    add_step_weights(p, r, buffer);
    ir_function *f = &p->predict_dynamic;
    ir_store_slice(f, p, r->state, 0, ir_constant(f, r->batch, r->units, r->rec->h0));
    ir_loop_begin(f, r->test_steps, false);
    group_values v = step_weights(p, f, r, buffer, 0);
    step_values s = lower_recurrent_step(p, f, r, &v, ir_slice(f, p, r->state, r->batch, 0));
    ir_store_slice(f, p, r->state, 1, s.next);
    ir_loop_end(f);
    /* The output is z(T) = r(T) . W_out(T-1), the readout of the last step. */
    group_values last = v;   /* the readout reads only GROUP_OUT */
    last.matrix[GROUP_OUT][0] = group_weights(p, f, buffer, GROUP_OUT, r->test_steps - 1);
    int rates = lower_activate(f, r->rec->activation, ir_slice(f, p, r->state, r->batch, r->test_steps));
    int logits = lower_recurrent_readout(f, &last, rates, -1);
    ir_store(f, p, p->output_buffer, lower_activate(f, r->out->activation, logits));
}
