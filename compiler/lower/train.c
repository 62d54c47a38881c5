/*
 * train.c — the train function: the forward pass, the loss, its gradients
 * by reverse-mode differentiation (autodiff.h: through time loops too,
 * never written by hand for a model's shape), and the rules of kinds that
 * learn by rules of their own.
 */
#include "compiler/lower/lower_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include "compiler/ir/autodiff.h"

/* lambda * sum(theta^2) added to `loss`, when lambda > 0 and theta is learnt. */
static int add_l2(const ir_program *p, ir_function *f, int loss, int leaf, int buffer, double lambda)
{
    if (!(lambda > 0) || leaf < 0 || p->buffers[buffer].desc.frozen)
        return loss;
    int penalty = ir_affine(f, ir_unary(f, IR_SUM, ir_unary(f, IR_SQUARE, leaf)), lambda, 0.0);
    return ir_binary(f, IR_ADD, loss, penalty);
}

/* The mean over the batch (and over the steps, for an output at every
 * step, where the LOSS_MASK says which count) of the data loss, plus l2. */
static int build_loss(lower_context *c, int logits, int output)
{
    ir_function *f = c->f;
    const ir_program *p = c->p;
    const model_spec *model = c->model;
    const lower_layer *out = &c->layers[model->layer_count - 1];
    bool every_step = out->in_loop;   /* in train, the output is in the loop iff the loss reads every step */
    int target = ir_buffer_node(f, p, p->target_buffer);
    int per_sample, count = c->batch;
    if (model->loss == LOSS_CROSS_ENTROPY) {
        per_sample = ir_cross_entropy(f, logits, target);
    } else {
        int y = every_step ? lower_activate(f, out->spec->activation, ir_buffer_node(f, p, out->sequence)) : output;
        per_sample = ir_unary(f, IR_SQUARE, ir_binary(f, IR_SUB, y, target));
        if (every_step) {
            int mask = -1;
            for (int b = 0; b < p->buffer_count && mask < 0; b++)
                mask = p->buffers[b].desc.role == SASC_BUFFER_LOSS_MASK ? b : -1;
            per_sample = ir_binary(f, IR_MUL, per_sample, ir_buffer_node(f, p, mask));
            count *= c->steps;
        }
    }
    int loss = lower_annotate(f, ir_affine(f, ir_unary(f, IR_SUM, per_sample), 1.0 / count, 0.0),
                              every_step ? "data loss, mean over the batch and the steps"
                                         : "data loss, mean over the batch");
    for (int i = 0; i < model->layer_count; i++)
        for (int g = 0; g < model->layers[i].kind->group_count; g++) {
            const int *buffer = p->groups[lower_group(c, i, g)].parameter_buffer;
            const int *leaf = c->layers[i].leaf[g];
            loss = add_l2(p, f, loss, leaf[SASC_M], buffer[SASC_M], model->l2_m);
            loss = add_l2(p, f, loss, leaf[SASC_XI], buffer[SASC_XI], model->l2_xi);
        }
    return loss;
}

static int find_gradient_buffer(const ir_program *p, int group, int parameter)
{
    for (int i = 0; i < p->buffer_count; i++) {
        const sasc_buffer_desc *d = &p->buffers[i].desc;
        if (d->role == SASC_BUFFER_GRADIENT && d->group == group && (int)d->parameter == parameter)
            return i;
    }
    return -1;
}

/* d loss / d theta of every parameter with a GRADIENT buffer, stored there. */
static void build_gradients(lower_context *c, int loss)
{
    ir_program *p = c->p;
    size_t most = 3 * (size_t)p->group_count + 1;
    int count = 0, *wrt = malloc(most * sizeof *wrt), *target = malloc(most * sizeof *target);
    int *gradient = malloc(most * sizeof *gradient);
    if (!wrt || !target || !gradient) {
        fprintf(stderr, "sasc: internal error: out of memory lowering the model\n");
        exit(2);
    }
    for (int i = 0; i < c->model->layer_count; i++)
        for (int g = 0; g < c->model->layers[i].kind->group_count; g++)
            for (int k = 0; k < 3; k++) {
                int buffer = find_gradient_buffer(p, lower_group(c, i, g), k);
                if (buffer < 0)
                    continue;
                target[count] = buffer;
                wrt[count++] = c->layers[i].leaf[g][k];
            }
    ir_differentiate_program(p, c->f, loss, wrt, count, gradient);
    for (int k = 0; k < count; k++)
        ir_store(c->f, p, target[k], gradient[k]);
    free(wrt);
    free(target);
    free(gradient);
}

void lower_build_train(lower_context *c)
{
    lower_begin_function(c, &c->p->train, LOWER_TRAIN);
    int output, logits = lower_forward(c, &output);
    if (c->model->loss != LOSS_NONE) {
        int loss = build_loss(c, logits, output);
        ir_store(c->f, c->p, c->p->loss_buffer, loss);
        build_gradients(c, loss);
    }
    for (int i = 0; i < c->model->layer_count; i++)
        if (c->model->layers[i].kind->learn) {
            c->current = i;
            c->model->layers[i].kind->learn(c, i);
        }
}
