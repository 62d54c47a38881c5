/*
 * lower.c — a checked model and its task to the IR program.
 *
 * Per dense layer with input h [batch, N] and parameters pi, m, Xi [N, width]
 * (gBP paper Eqs. 2-3), s = 1/sqrt(N) with fan-in scaling, else 1:
 *   keep  = (1 - pi) [* mask]
 *   mu    = keep m                         (the weight mean)
 *   var   = keep (Xi + pi m^2)             (= rho - mu^2, without the cancellation)
 *   G     = s h . mu,   Delta = sqrt(s^2 h^2 . var),   z = G + eps Delta
 *   h'    = activation(z)
 * A deterministic layer (pi and Xi frozen at 0, no mask) is z = s h . m:
 * standard BP, no noise buffer. The backward pass is ir_differentiate of the
 * loss, never written by hand.
 *
 * Invariant: each parameter buffer is read by exactly one node of a function
 * (its leaf), so the gradient of that leaf is the gradient of the buffer.
 */
#include "compiler/lower/lower.h"
#include "compiler/lower/lower_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "compiler/ir/autodiff.h"
#include "compiler/lower/update.h"

static const char *const parameter_names[3] = { "pi", "m", "Xi" };

/* ---- checks ---- */

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

static bool frozen_at_zero(const layer_spec *layer, sasc_parameter k)
{
    return layer->prior[k].frozen && init_is_zero(layer->prior[k].init);
}

/* Deterministic layers carry no weight uncertainty: plain BP. */
bool lower_is_deterministic(const layer_spec *layer)
{
    return frozen_at_zero(layer, SASC_PI) && frozen_at_zero(layer, SASC_XI) &&
           layer->mask.kind == SASC_MASK_NONE;
}

static int source_width(const model_spec *model, int source)
{
    return source < 0 ? model->input_width : model->layers[source].width;
}

static bool check_layer(const model_spec *model, int i, char *error, size_t error_size)
{
    const layer_spec *l = &model->layers[i];
    if (!l->name) {
        snprintf(error, error_size, "layer %d of model '%s' has no name", i, model->name);
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
    return true;
}

static bool check_model(const model_spec *model, const sasc_task *task, char *error, size_t error_size)
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
    if (!model->name || model->layer_count < 1 || model->input_width < 1 || !model->layers) {
        snprintf(error, error_size, "model '%s' needs a name, an input and at least one layer",
                 model->name ? model->name : "?");
        return false;
    }
    for (int i = 0; i < model->layer_count; i++)
        if (!check_layer(model, i, error, error_size))
            return false;
    if (!lower_recurrent_check(model, error, error_size))
        return false;
    const layer_spec *last = &model->layers[model->layer_count - 1];
    if (model->classes != last->width) {
        snprintf(error, error_size, "model '%s' has %d classes but its output layer '%s' is %d wide",
                 model->name, model->classes, last->name, last->width);
        return false;
    }
    if (model->loss == LOSS_CROSS_ENTROPY && last->activation != ACTIVATION_SOFTMAX) {
        snprintf(error, error_size, "cross-entropy loss needs a softmax output layer, but '%s' is not softmax",
                 last->name);
        return false;
    }
    if (model->loss != LOSS_CROSS_ENTROPY && model->loss != LOSS_MEAN_SQUARED_ERROR) {
        snprintf(error, error_size, "model '%s' has an unknown loss", model->name);
        return false;
    }
    return true;
}

/* ---- the buffer table ---- */

static char *copy_text(const char *text)
{
    return text ? strdup(text) : NULL;
}

int lower_add_named(ir_program *p, sasc_buffer_role role, int layer, sasc_parameter parameter,
                     int rows, int cols, const char *layer_name, const char *suffix)
{
    char name[512];
    snprintf(name, sizeof name, "%s.%s", layer_name, suffix);
    return ir_add_buffer(p, name, role, layer, parameter, rows, cols);
}

int lower_add_group(ir_program *p, const layer_spec *spec, sasc_group_kind kind, int owner)
{
    int index = ir_add_group(p, spec->name, kind, owner, spec->fan_in, spec->width);
    p->layers[owner].group_count++;
    ir_group *layer = &p->groups[index];
    layer->mask = spec->mask;
    layer->mask.path = copy_text(spec->mask.path);
    layer->mask_buffer = spec->mask.kind == SASC_MASK_NONE ? -1
        : lower_add_named(p, SASC_BUFFER_MASK, index, SASC_NOT_A_PARAMETER, spec->fan_in, spec->width,
                    spec->name, "mask");
    for (int k = 0; k < 3; k++) {
        int b = lower_add_named(p, SASC_BUFFER_PARAMETER, index, (sasc_parameter)k, spec->fan_in,
                          spec->width, spec->name, parameter_names[k]);
        p->buffers[b].desc.init = spec->prior[k].init;
        p->buffers[b].desc.frozen = spec->prior[k].frozen;
        p->buffers[b].desc.mask_buffer = layer->mask_buffer;
        layer->parameter_buffer[k] = b;
    }
    layer->noise_buffer = -1;
    return index;
}

const char *lower_activation_name(activation_kind kind)
{
    static const char *const names[] = {
        [ACTIVATION_IDENTITY] = "identity", [ACTIVATION_RELU] = "relu", [ACTIVATION_TANH] = "tanh",
        [ACTIVATION_SIGMOID] = "sigmoid", [ACTIVATION_SOFTMAX] = "softmax",
    };
    return names[kind];
}

static void add_layer_buffers(ir_program *p, const layer_spec *spec)
{
    int layer = ir_add_layer(p, spec->name, "dense", lower_activation_name(spec->activation), spec->width,
                             false);
    int index = lower_add_group(p, spec, SASC_GROUP_DENSE, layer);
    p->groups[index].noise_buffer = lower_is_deterministic(spec) ? -1
        : lower_add_named(p, SASC_BUFFER_NOISE, index, SASC_NOT_A_PARAMETER, p->batch, spec->width,
                    spec->name, "eps");
}

void lower_add_gradients(ir_program *p, const layer_spec *l, int index)
{
    for (int k = 0; k < 3; k++) {
        char suffix[16];
        snprintf(suffix, sizeof suffix, "%s.grad", parameter_names[k]);
        if (!l->prior[k].frozen)
            lower_add_named(p, SASC_BUFFER_GRADIENT, index, (sasc_parameter)k, l->fan_in, l->width,
                            l->name, suffix);
    }
}

static void add_gradient_buffers(ir_program *p, const model_spec *model)
{
    for (int i = 0; i < model->layer_count; i++)
        lower_add_gradients(p, &model->layers[i], i);
}

/* The buffers every lowered program ends with, feedforward or recurrent:
 * the output the runtime scores, the loss it logs, the scalars it sets. */
void lower_add_result_buffers(ir_program *p, int classes)
{
    p->output_buffer = ir_add_buffer(p, "output", SASC_BUFFER_OUTPUT, -1, SASC_NOT_A_PARAMETER,
                                     p->batch, classes);
    p->loss_buffer = ir_add_buffer(p, "loss", SASC_BUFFER_LOSS, -1, SASC_NOT_A_PARAMETER, 1, 1);
    p->scalars_buffer = ir_add_buffer(p, "scalars", SASC_BUFFER_SCALARS, -1, SASC_NOT_A_PARAMETER,
                                      1, SASC_SCALAR_COUNT);
}

static void add_buffers(ir_program *p, const model_spec *model)
{
    p->input_width = model->input_width;
    p->classes = model->classes;
    p->input_buffer = ir_add_buffer(p, model->input_name ? model->input_name : "x",
                                    SASC_BUFFER_INPUT, -1, SASC_NOT_A_PARAMETER,
                                    p->batch, model->input_width);
    p->target_buffer = ir_add_buffer(p, "target", SASC_BUFFER_TARGET, -1, SASC_NOT_A_PARAMETER,
                                     p->batch, model->classes);
    for (int i = 0; i < model->layer_count; i++)
        add_layer_buffers(p, &model->layers[i]);
    add_gradient_buffers(p, model);
    lower_add_result_buffers(p, model->classes);
}

/* ---- the forward pass ---- */

/* The nodes a forward pass leaves behind for the loss and the reverse sweep. */
typedef struct {
    int *activation;          /* per layer: h' */
    int *leaf;                /* per layer and parameter (3 i + k): the leaf, or -1 if not read */
    int logits, output;       /* z and h' of the last layer */
} forward_pass;

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

void lower_moments(const ir_program *p, ir_function *f, const ir_group *layer, int *leaf,
                   int *mu, int *variance)
{
    int pi = leaf[SASC_PI] = ir_buffer_node(f, p, layer->parameter_buffer[SASC_PI]);
    int m = leaf[SASC_M] = ir_buffer_node(f, p, layer->parameter_buffer[SASC_M]);
    int xi = leaf[SASC_XI] = ir_buffer_node(f, p, layer->parameter_buffer[SASC_XI]);
    int keep = ir_affine(f, pi, -1.0, 1.0);
    if (layer->mask_buffer >= 0)
        keep = ir_binary(f, IR_MUL, keep, ir_buffer_node(f, p, layer->mask_buffer));
    *mu = lower_annotate(f, ir_binary(f, IR_MUL, keep, m), "mu = (1 - pi) m");
    int spread = ir_binary(f, IR_ADD, xi, ir_binary(f, IR_MUL, pi, ir_unary(f, IR_SQUARE, m)));
    *variance = lower_annotate(f, ir_binary(f, IR_MUL, keep, spread), "rho - mu^2 = (1 - pi)(Xi + pi m^2)");
}

/* z = G + eps Delta of a layer with weight uncertainty; fills its leaves. */
static int stochastic_preactivation(const ir_program *p, ir_function *f, const ir_group *layer,
                                    int h, double s, int *leaf)
{
    int mu, variance;
    lower_moments(p, f, layer, leaf, &mu, &variance);
    int mean = lower_annotate(f, ir_matmul(f, h, mu, false, false, s), "G = s h . mu");
    int delta2 = lower_annotate(f, ir_matmul(f, ir_unary(f, IR_SQUARE, h), variance, false, false, s * s),
                          "Delta^2 = s^2 h^2 . (rho - mu^2)");
    int delta = lower_annotate(f, ir_unary(f, IR_SQRT, delta2), "Delta");
    int eps = ir_buffer_node(f, p, layer->noise_buffer);
    return lower_annotate(f, ir_binary(f, IR_ADD, mean, ir_binary(f, IR_MUL, eps, delta)),
                    "z = G + eps Delta");
}

static int deterministic_preactivation(const ir_program *p, ir_function *f, const ir_group *layer,
                                       int h, double s, int *leaf)
{
    int m = leaf[SASC_M] = ir_buffer_node(f, p, layer->parameter_buffer[SASC_M]);
    return lower_annotate(f, ir_matmul(f, h, m, false, false, s), "z = s h . m (deterministic)");
}

static void build_forward(const ir_program *p, ir_function *f, const model_spec *model,
                          forward_pass *fw)
{
    int x = ir_buffer_node(f, p, p->input_buffer);
    for (int i = 0; i < model->layer_count; i++) {
        const layer_spec *spec = &model->layers[i];
        const ir_group *layer = &p->groups[i];
        int *leaf = &fw->leaf[3 * i];
        leaf[0] = leaf[1] = leaf[2] = -1;
        int h = spec->source < 0 ? x : fw->activation[spec->source];
        double s = spec->fan_in_scaling ? 1.0 / sqrt((double)spec->fan_in) : 1.0;
        int z = layer->noise_buffer < 0 ? deterministic_preactivation(p, f, layer, h, s, leaf)
                                        : stochastic_preactivation(p, f, layer, h, s, leaf);
        fw->activation[i] = lower_activate(f, spec->activation, z);
        fw->logits = z;
    }
    fw->output = fw->activation[model->layer_count - 1];
}

static void forward_pass_init(forward_pass *fw, int layer_count)
{
    fw->activation = calloc((size_t)layer_count, sizeof *fw->activation);
    fw->leaf = calloc((size_t)layer_count * 3, sizeof *fw->leaf);
    if (!fw->activation || !fw->leaf) {
        fprintf(stderr, "sasc: internal error: out of memory lowering the model\n");
        exit(2);
    }
}

static void forward_pass_free(forward_pass *fw)
{
    free(fw->activation);
    free(fw->leaf);
}

/* ---- loss, train and predict ---- */

/* lambda * sum(theta^2) added to `loss`, when lambda > 0 and theta is learnt. */
int lower_add_l2(const ir_program *p, ir_function *f, int loss, int leaf, int buffer, double lambda)
{
    if (!(lambda > 0) || leaf < 0 || p->buffers[buffer].desc.frozen)
        return loss;
    int penalty = ir_affine(f, ir_unary(f, IR_SUM, ir_unary(f, IR_SQUARE, leaf)), lambda, 0.0);
    return ir_binary(f, IR_ADD, loss, penalty);
}

/* Mean over the batch of the data loss, plus the l2 terms. */
static int build_loss(const ir_program *p, ir_function *f, const model_spec *model,
                      const forward_pass *fw)
{
    int target = ir_buffer_node(f, p, p->target_buffer);
    int per_sample = model->loss == LOSS_CROSS_ENTROPY
        ? ir_cross_entropy(f, fw->logits, target)
        : ir_unary(f, IR_SQUARE, ir_binary(f, IR_SUB, fw->output, target));
    int loss = lower_annotate(f, ir_affine(f, ir_unary(f, IR_SUM, per_sample), 1.0 / p->batch, 0.0),
                        "data loss, mean over the batch");
    for (int i = 0; i < model->layer_count; i++) {
        loss = lower_add_l2(p, f, loss, fw->leaf[3 * i + SASC_M], p->groups[i].parameter_buffer[SASC_M],
                      model->l2_m);
        loss = lower_add_l2(p, f, loss, fw->leaf[3 * i + SASC_XI], p->groups[i].parameter_buffer[SASC_XI],
                      model->l2_xi);
    }
    return loss;
}

int lower_find_gradient_buffer(const ir_program *p, int layer, int parameter)
{
    for (int i = 0; i < p->buffer_count; i++) {
        const sasc_buffer_desc *d = &p->buffers[i].desc;
        if (d->role == SASC_BUFFER_GRADIENT && d->group == layer && (int)d->parameter == parameter)
            return i;
    }
    return -1;
}

static void build_reverse_sweep(ir_program *p, const model_spec *model, const forward_pass *fw,
                                int loss)
{
    ir_function *f = &p->train;
    int count = 0, *wrt = malloc(3 * (size_t)model->layer_count * sizeof *wrt);
    int *target = malloc(3 * (size_t)model->layer_count * sizeof *target);
    int *gradient = malloc(3 * (size_t)model->layer_count * sizeof *gradient);
    if (!wrt || !target || !gradient) {
        fprintf(stderr, "sasc: internal error: out of memory lowering the model\n");
        exit(2);
    }
    for (int i = 0; i < 3 * model->layer_count; i++) {
        int buffer = lower_find_gradient_buffer(p, i / 3, i % 3);
        if (buffer < 0)
            continue;
        target[count] = buffer;
        wrt[count++] = fw->leaf[i];
    }
    ir_differentiate(f, loss, wrt, count, gradient);
    for (int k = 0; k < count; k++)
        ir_store(f, p, target[k], gradient[k]);
    free(wrt);
    free(target);
    free(gradient);
}

static void build_train(ir_program *p, const model_spec *model)
{
    ir_function *f = &p->train;
    forward_pass fw;
    forward_pass_init(&fw, model->layer_count);
    build_forward(p, f, model, &fw);
    ir_store(f, p, p->output_buffer, fw.output);
    int loss = build_loss(p, f, model, &fw);
    ir_store(f, p, p->loss_buffer, loss);
    build_reverse_sweep(p, model, &fw, loss);
    forward_pass_free(&fw);
}

static void build_predict(ir_program *p, const model_spec *model)
{
    forward_pass fw;
    forward_pass_init(&fw, model->layer_count);
    build_forward(p, &p->predict, model, &fw);
    ir_store(&p->predict, p, p->output_buffer, fw.output);
    forward_pass_free(&fw);
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
    recurrence *recurrent = model->layers[0].kind == LAYER_RECURRENT
        ? lower_recurrent_buffers(out, model) : NULL;
    if (!recurrent)
        add_buffers(out, model);
    if (!optimizer_add_state(out, task, error, error_size)) {
        free(recurrent);
        ir_program_free(out);
        return false;
    }
    if (recurrent) {
        lower_recurrent_functions(out, model, recurrent);
        if (task->dynamic_networks > 0)   /* the dynamics analysis's network resampled every step */
            lower_dynamic_predict(out, recurrent);
        free(recurrent);
    } else {
        build_train(out, model);
        build_predict(out, model);
    }
    optimizer_build_update(out, task);
    return true;
}
