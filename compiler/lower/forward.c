/*
 * forward.c — the forward pass of a function, for any chain of layers
 * (lower_context.h says which layers run in the time loop and which after
 * it). The same code builds train, predict and predict_dynamic; only the
 * mode (the number of steps, and where a group's matrices come from) differs.
 */
#include "compiler/lower/lower_internal.h"

#include <stdio.h>
#include <string.h>

void lower_begin_function(lower_context *c, ir_function *f, lower_mode mode)
{
    c->f = f;
    c->mode = mode;
    c->steps = mode == LOWER_TRAIN ? c->model->steps : model_test_steps(c->model);
    c->in_loop = false;
    for (int i = 0; i < c->model->layer_count; i++) {
        lower_layer *l = &c->layers[i];
        l->input = l->preactivation = l->value = l->final_value = -1;
        l->sequence = -1;
        for (int g = 0; g < LAYER_MAX_GROUPS; g++) {
            l->leaf[g][0] = l->leaf[g][1] = l->leaf[g][2] = -1;
            l->matrix[g][0] = l->matrix[g][1] = -1;
        }
    }
    lower_schedule(c);
}

/* Whether the loss of this function reads every step of the output. */
static bool loss_reads_every_step(const lower_context *c, int layer)
{
    return c->mode == LOWER_TRAIN && layer == c->model->layer_count - 1 && lower_spec(c, layer)->per_step;
}

/* Backwards, so that every reader of a layer is scheduled before it: a
 * layer applied at every step runs in the loop when it carries state, when
 * the loss reads its every step, or when a layer in the loop reads it. It
 * keeps its pre-activation per step when something after the loop reads it
 * and it has no final value of its own. */
void lower_schedule(lower_context *c)
{
    const model_spec *model = c->model;
    for (int i = model->layer_count - 1; i >= 0; i--) {
        lower_layer *l = &c->layers[i];
        const layer_kind *kind = l->spec->kind;
        bool read_in_loop = false, read_after = loss_reads_every_step(c, i);
        for (int j = i + 1; j < model->layer_count; j++)
            if (model->layers[j].source == i) {
                read_in_loop |= c->layers[j].in_loop;
                read_after |= !c->layers[j].in_loop;
            }
        l->in_loop = model->steps > 0 && l->spec->per_step &&
                     (kind->carries_state || loss_reads_every_step(c, i) || read_in_loop);
        bool final_of_its_own = kind->final_value && !loss_reads_every_step(c, i);
        l->kept = l->in_loop && read_after && !final_of_its_own;
    }
}

/* The input as a layer reads it: this step's block inside the loop, the
 * last step's after it, the whole buffer without a time axis. */
static int input_value(lower_context *c)
{
    const ir_program *p = c->p;
    if (c->model->steps == 0)
        return ir_buffer_node(c->f, p, p->input_buffer);
    return ir_slice(c->f, p, p->input_buffer, c->batch, c->in_loop ? 0 : c->steps - 1);
}

/* After the loop: the pre-activation of layer s (run in the loop) at the
 * last step, from its kept sequence or its kind. */
static int final_preactivation(lower_context *c, int s)
{
    lower_layer *l = &c->layers[s];
    if (l->kept)
        return ir_slice(c->f, c->p, l->sequence, c->batch, c->steps - 1);
    c->current = s;
    return l->spec->kind->final_value(c, s);
}

/* After the loop: the value of layer s at the last step (computed once). */
static int final_value(lower_context *c, int s)
{
    lower_layer *l = &c->layers[s];
    if (!l->in_loop)
        return l->value;
    if (l->final_value < 0)
        l->final_value = lower_activate(c->f, l->spec->activation, final_preactivation(c, s));
    return l->final_value;
}

static int source_value(lower_context *c, int layer)
{
    int s = lower_spec(c, layer)->source;
    if (s < 0)
        return input_value(c);
    return c->in_loop ? c->layers[s].value : final_value(c, s);
}

static void evaluate(lower_context *c, int layer)
{
    lower_layer *l = &c->layers[layer];
    l->input = source_value(c, layer);
    c->current = layer;
    l->preactivation = l->spec->kind->forward(c, layer, l->input);
    l->value = lower_activate(c->f, l->spec->activation, l->preactivation);
}

/* The buffer holding a kept layer's pre-activation at every step of f. */
static int sequence_buffer(lower_context *c, int layer)
{
    const layer_spec *spec = lower_spec(c, layer);
    const char *suffix = c->mode == LOWER_TRAIN ? "sequence" : "test_sequence";
    char name[512];
    snprintf(name, sizeof name, "%s.%s", spec->name, suffix);
    for (int b = 0; b < c->p->buffer_count; b++)
        if (strcmp(c->p->buffers[b].name, name) == 0)
            return b;
    return lower_add_named(c->p, SASC_BUFFER_TEMPORARY, -1, SASC_NOT_A_PARAMETER, c->steps * c->batch,
                           spec->width, spec->name, suffix);
}

/* The time loop: weights of the layers in it (loop invariants) and their
 * begin hooks first, then one step of each, in order. */
static void build_loop(lower_context *c)
{
    const model_spec *model = c->model;
    for (int i = 0; i < model->layer_count; i++) {
        lower_layer *l = &c->layers[i];
        if (!l->in_loop)
            continue;
        for (int g = 0; g < l->spec->kind->group_count; g++)
            if (c->mode != LOWER_PREDICT_DYNAMIC)
                lower_group_weights(c, i, g);
        if (l->kept)
            l->sequence = sequence_buffer(c, i);
        c->current = i;
        if (l->spec->kind->begin)
            l->spec->kind->begin(c, i);
    }
    ir_loop_begin(c->f, c->steps, false);
    c->in_loop = true;
    for (int i = 0; i < model->layer_count; i++) {
        lower_layer *l = &c->layers[i];
        if (!l->in_loop)
            continue;
        evaluate(c, i);
        if (l->kept)
            ir_store_slice(c->f, c->p, l->sequence, 0, l->preactivation);
    }
    ir_loop_end(c->f);
    c->in_loop = false;
}

int lower_forward(lower_context *c, int *output)
{
    const model_spec *model = c->model;
    if (model->steps > 0)
        build_loop(c);
    for (int i = 0; i < model->layer_count; i++)
        if (!c->layers[i].in_loop)
            evaluate(c, i);
    int last = model->layer_count - 1;
    lower_layer *out = &c->layers[last];
    int logits = out->in_loop ? final_preactivation(c, last) : out->preactivation;
    *output = out->in_loop ? lower_activate(c->f, out->spec->activation, logits) : out->value;
    ir_store(c->f, c->p, c->p->output_buffer, *output);
    return logits;
}
