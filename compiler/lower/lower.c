/*
 * lower.c — a checked model and its task to the IR program: the checks a
 * program needs, the buffer table (in the order lower_context.h gives), the
 * functions (forward.c, train.c), the optimiser's update (update.c) and the
 * kinds' own rules. Nothing here depends on which kinds a model uses: each
 * layer's kind (layer_kind.h) lowers itself through its hooks.
 */
#include "compiler/lower/lower.h"
#include "compiler/lower/lower_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "compiler/ir/hoist.h"
#include "compiler/lower/update.h"

/* ---- checks ---- */

static int source_width(const model_spec *model, int source)
{
    return source < 0 ? model->input_width : model->layers[source].width;
}

static bool check_layer(const model_spec *model, int i, char *error, size_t error_size)
{
    const layer_spec *l = &model->layers[i];
    if (!l->name || !l->kind || !l->kind->forward) {
        snprintf(error, error_size, "layer %d of model '%s' has no name or no kind", i, model->name);
        return false;
    }
    if (l->source < -1 || l->source >= i) {
        snprintf(error, error_size, "layer '%s' reads from layer %d, which does not precede it",
                 l->name, l->source);
        return false;
    }
    if (l->width < 1 || l->fan_in != source_width(model, l->source)) {
        snprintf(error, error_size, "layer '%s' has width %d and fan-in %d, but its source is %d wide",
                 l->name, l->width, l->fan_in, source_width(model, l->source));
        return false;
    }
    if ((int)l->activation < ACTIVATION_IDENTITY || l->activation > ACTIVATION_SOFTMAX) {
        snprintf(error, error_size, "layer '%s' has an unknown activation", l->name);
        return false;
    }
    bool source_per_step = l->source < 0 ? model->steps > 0 : model->layers[l->source].per_step;
    if (l->reads_sequence != source_per_step || (l->kind->reads_sequence && !source_per_step) ||
        (l->kind->carries_state && model->steps < 1)) {
        snprintf(error, error_size, "layer '%s' of kind %s has a timing its source does not give", l->name,
                 l->kind->name);
        return false;
    }
    return true;
}

static bool check_task(const sasc_task *task, char *error, size_t error_size)
{
    if (task->precision != 32 && task->precision != 64) {
        snprintf(error, error_size, "precision must be 32 or 64, not %d", task->precision);
        return false;
    }
    if (task->batch < 1) {
        snprintf(error, error_size, "batch size must be at least 1, not %d", task->batch);
        return false;
    }
    if (task->batch % sasc_task_shards(task) != 0) {
        snprintf(error, error_size, "batch %d cannot be split into %d equal shards; set shards "
                 "to a divisor of the batch", task->batch, sasc_task_shards(task));
        return false;
    }
    return true;
}

static bool check_model(const model_spec *model, const sasc_task *task, char *error, size_t error_size)
{
    if (!check_task(task, error, error_size))
        return false;
    if (!model->name || model->layer_count < 1 || model->input_width < 1 || !model->layers) {
        snprintf(error, error_size, "model '%s' needs a name, an input and at least one layer",
                 model->name ? model->name : "?");
        return false;
    }
    for (int i = 0; i < model->layer_count; i++)
        if (!check_layer(model, i, error, error_size))
            return false;
    const layer_spec *last = &model->layers[model->layer_count - 1];
    if (model->classes != last->width) {
        snprintf(error, error_size, "model '%s' has %d classes but its output layer '%s' is %d wide",
                 model->name, model->classes, last->name, last->width);
        return false;
    }
    if (model->loss == LOSS_CROSS_ENTROPY && (last->activation != ACTIVATION_SOFTMAX || last->per_step)) {
        snprintf(error, error_size, "cross-entropy loss needs a softmax output with one value per sample, "
                 "but '%s' is not one", last->name);
        return false;
    }
    if (model->loss != LOSS_CROSS_ENTROPY && model->loss != LOSS_MEAN_SQUARED_ERROR && model->loss != LOSS_NONE) {
        snprintf(error, error_size, "model '%s' has an unknown loss", model->name);
        return false;
    }
    return true;
}

/* ---- the buffer table ---- */

static void add_data_buffers(lower_context *c)
{
    ir_program *p = c->p;
    const model_spec *model = c->model;
    /* With a time axis, one sample is `blocks` steps of input_width values:
     * the input holds the longer of the train and test sequences, the
     * targets of an output at every step the training steps. */
    int blocks = c->blocks > 0 ? c->blocks : 1;
    bool every_step = model->layers[model->layer_count - 1].per_step;
    int target_blocks = every_step ? model->steps : 1;
    p->input_width = blocks * model->input_width;
    p->classes = model->classes;
    p->input_buffer = ir_add_buffer(p, model->input_name ? model->input_name : "x", SASC_BUFFER_INPUT, -1,
                                    SASC_NOT_A_PARAMETER, blocks * p->batch, model->input_width);
    p->target_buffer = ir_add_buffer(p, "target", SASC_BUFFER_TARGET, -1, SASC_NOT_A_PARAMETER,
                                     target_blocks * p->batch, model->classes);
    if (every_step)
        ir_add_buffer(p, "target.mask", SASC_BUFFER_LOSS_MASK, -1, SASC_NOT_A_PARAMETER,
                      target_blocks * p->batch, model->classes);
}

/* Every layer's table entry and groups, then its kind's buffers. */
static void add_layer_buffers(lower_context *c)
{
    ir_program *p = c->p;
    for (int i = 0; i < c->model->layer_count; i++) {
        const layer_spec *spec = &c->model->layers[i];
        const layer_kind *kind = spec->kind;
        lower_layer *l = &c->layers[i];
        l->table = ir_add_layer(p, spec->name, kind->name, layer_activation_name(spec->activation),
                                spec->width, spec->per_step);
        l->first_group = p->group_count;
        for (int g = 0; g < kind->group_count; g++) {
            char name[512];
            snprintf(name, sizeof name, "%s%s", spec->name, kind->groups[g].suffix);
            lower_add_group(p, name, &spec->group[g], spec->width, kind->groups[g].kind, l->table);
        }
        c->current = i;
        if (kind->add_buffers)
            kind->add_buffers(c, i);
    }
}

static void add_gradient_buffers(lower_context *c)
{
    for (int i = 0; i < c->model->layer_count; i++) {
        const layer_spec *spec = &c->model->layers[i];
        for (int g = 0; g < spec->kind->group_count; g++)
            if (spec->kind->groups[g].trained_by_gradient)
                lower_add_gradients(c->p, &spec->group[g], lower_group(c, i, g));
    }
}

static void add_step_buffers(lower_context *c)
{
    for (int i = 0; i < c->model->layer_count; i++) {
        c->current = i;
        if (c->model->layers[i].kind->add_step_buffers)
            c->model->layers[i].kind->add_step_buffers(c, i);
    }
}

/* The buffers every program ends with: the output the runtime scores, the
 * loss it logs, the scalars it sets. */
static void add_result_buffers(ir_program *p, int classes)
{
    p->output_buffer = ir_add_buffer(p, "output", SASC_BUFFER_OUTPUT, -1, SASC_NOT_A_PARAMETER, p->batch, classes);
    p->loss_buffer = ir_add_buffer(p, "loss", SASC_BUFFER_LOSS, -1, SASC_NOT_A_PARAMETER, 1, 1);
    p->scalars_buffer = ir_add_buffer(p, "scalars", SASC_BUFFER_SCALARS, -1, SASC_NOT_A_PARAMETER,
                                      1, SASC_SCALAR_COUNT);
}

/* predict_dynamic's STEP_WEIGHTS: per stochastic group, test_steps blocks
 * of [fan_in, width]; block t holds the weights drawn for step t. */
static void add_step_weights(lower_context *c)
{
    ir_program *p = c->p;
    for (int i = 0; i < c->model->layer_count; i++)
        for (int g = 0; g < c->model->layers[i].kind->group_count; g++) {
            int index = lower_group(c, i, g);
            const ir_group *group = &p->groups[index];
            c->step_weights[index] = lower_group_is_deterministic(&c->model->layers[i].group[g]) ? -1
                : lower_add_named(p, SASC_BUFFER_STEP_WEIGHTS, index, SASC_NOT_A_PARAMETER,
                                  model_test_steps(c->model) * group->fan_in, group->width, group->name,
                                  "step_weights");
        }
}

/* ---- functions ---- */

static void build_predict(lower_context *c, ir_function *f, lower_mode mode)
{
    lower_begin_function(c, f, mode);
    int output;
    lower_forward(c, &output);
}

static void build_update(lower_context *c)
{
    optimizer_build_update(c->p, c->task);
    lower_begin_function(c, &c->p->update, LOWER_TRAIN);
    for (int i = 0; i < c->model->layer_count; i++)
        if (c->model->layers[i].kind->update) {
            c->current = i;
            c->model->layers[i].kind->update(c, i);
        }
}

static void context_init(lower_context *c, ir_program *p, const model_spec *model, const sasc_task *task)
{
    memset(c, 0, sizeof *c);
    c->p = p;
    c->model = model;
    c->task = task;
    c->batch = p->batch;
    int test_steps = model_test_steps(model);
    c->blocks = model->steps > test_steps ? model->steps : test_steps;
    c->layers = calloc((size_t)model->layer_count, sizeof *c->layers);
    c->step_weights = calloc((size_t)model->layer_count * LAYER_MAX_GROUPS + 1, sizeof *c->step_weights);
    if (!c->layers || !c->step_weights) {
        fprintf(stderr, "sasc: internal error: out of memory lowering the model\n");
        exit(2);
    }
    for (int i = 0; i < model->layer_count; i++) {
        c->layers[i].spec = &model->layers[i];
        for (int k = 0; k < LOWER_OWN_BUFFERS; k++)
            c->layers[i].own[k] = -1;
    }
    for (int g = 0; g < model->layer_count * LAYER_MAX_GROUPS; g++)
        c->step_weights[g] = -1;
}

bool lower_model(const model_spec *model, const sasc_task *task, ir_program *out,
                 char *error, size_t error_size)
{
    memset(out, 0, sizeof *out);
    if (!check_model(model, task, error, error_size))
        return false;
    /* Kernels process one shard: a training step runs sasc_task_shards of them (train.c). */
    ir_program_init(out, model->name, task->precision == 64 ? SASC_F64 : SASC_F32,
                    task->batch / sasc_task_shards(task));
    lower_context c;
    context_init(&c, out, model, task);
    add_data_buffers(&c);
    add_layer_buffers(&c);
    add_gradient_buffers(&c);
    add_step_buffers(&c);
    add_result_buffers(out, model->classes);
    bool ok = optimizer_add_state(out, task, error, error_size);
    if (ok) {
        /* the dynamics analysis's network resampled at every step */
        bool dynamic = model->steps > 0 && task->dynamic_networks > 0;
        if (dynamic)
            add_step_weights(&c);
        lower_build_train(&c);
        build_predict(&c, &out->predict, LOWER_PREDICT);
        if (dynamic)
            build_predict(&c, &out->predict_dynamic, LOWER_PREDICT_DYNAMIC);
        build_update(&c);
        ir_hoist_loop_transposes(&out->train);
        ir_hoist_loop_transposes(&out->predict);
        ir_hoist_loop_transposes(&out->predict_dynamic);
    }
    free(c.layers);
    free(c.step_weights);
    if (!ok)
        ir_program_free(out);
    return ok;
}
