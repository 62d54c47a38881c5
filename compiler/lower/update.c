/*
 * optimizer.c — the `update` function: one optimiser step per unfrozen
 * parameter, as IR (see optimizer.h for the equations).
 *
 * Invariant kept for ir_verify: each parameter's step reads its own buffers
 * (parameter, gradient, state), the shared SCALARS and the layer's MASK, and
 * stores only its own parameter and state buffers after every read of them;
 * no other parameter's step reads those, so no buffer is read after a store.
 */
#include "compiler/lower/update.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The state buffers an optimiser keeps per parameter, by name suffix. */
typedef struct {
    const char *suffix[2];
    int count;
} state_layout;

static state_layout layout_of(const sasc_task *task)
{
    state_layout layout = { { NULL, NULL }, 0 };
    switch (task->optimizer) {
    case SASC_OPTIMIZER_ADAM:
        layout = (state_layout){ { "adam1", "adam2" }, 2 };
        break;
    case SASC_OPTIMIZER_RMSPROP:
        layout = (state_layout){ { "rms", NULL }, 1 };
        break;
    case SASC_OPTIMIZER_SGD:
        if (task->momentum > 0)
            layout = (state_layout){ { "velocity", NULL }, 1 };
        break;
    }
    return layout;
}

static int find_gradient(const ir_program *p, int parameter_buffer);

/* An unfrozen parameter with a gradient: the optimiser's (a kind with a
 * rule of its own gives its parameters no GRADIENT buffer). */
static bool is_trainable(const ir_program *p, int buffer)
{
    const sasc_buffer_desc *d = &p->buffers[buffer].desc;
    return d->role == SASC_BUFFER_PARAMETER && !d->frozen && find_gradient(p, buffer) >= 0;
}

static int find_by_name(const ir_program *p, const char *name)
{
    for (int i = 0; i < p->buffer_count; i++)
        if (strcmp(p->buffers[i].name, name) == 0)
            return i;
    return -1;
}

static int find_gradient(const ir_program *p, int parameter_buffer)
{
    const sasc_buffer_desc *d = &p->buffers[parameter_buffer].desc;
    for (int i = 0; i < p->buffer_count; i++) {
        const sasc_buffer_desc *g = &p->buffers[i].desc;
        if (g->role == SASC_BUFFER_GRADIENT && g->group == d->group && g->parameter == d->parameter)
            return i;
    }
    return -1;
}

static int state_buffer(const ir_program *p, int parameter_buffer, const char *suffix)
{
    char name[512];
    snprintf(name, sizeof name, "%s.%s", p->buffers[parameter_buffer].name, suffix);
    return find_by_name(p, name);
}

static bool check_constants(const sasc_task *task, char *error, size_t error_size)
{
    if (task->optimizer != SASC_OPTIMIZER_ADAM && task->optimizer != SASC_OPTIMIZER_RMSPROP &&
        task->optimizer != SASC_OPTIMIZER_SGD) {
        snprintf(error, error_size, "unknown optimizer %d", (int)task->optimizer);
        return false;
    }
    if (!(task->beta1 >= 0 && task->beta1 < 1) || !(task->beta2 >= 0 && task->beta2 < 1)) {
        snprintf(error, error_size, "optimizer betas must lie in [0, 1)");
        return false;
    }
    if (!(task->epsilon >= 0) || !(task->momentum >= 0) || !(task->weight_decay >= 0) ||
        !isfinite(task->epsilon) || !isfinite(task->momentum) || !isfinite(task->weight_decay)) {
        snprintf(error, error_size, "optimizer epsilon, momentum and weight decay must be finite and >= 0");
        return false;
    }
    return true;
}

bool optimizer_add_state(ir_program *p, const sasc_task *task, char *error, size_t error_size)
{
    if (!check_constants(task, error, error_size))
        return false;
    state_layout layout = layout_of(task);
    int parameter_count = p->buffer_count;   /* the loop adds buffers after these */
    for (int i = 0; i < parameter_count; i++) {
        if (!is_trainable(p, i))
            continue;
        for (int k = 0; k < layout.count; k++) {
            char name[512];
            snprintf(name, sizeof name, "%s.%s", p->buffers[i].name, layout.suffix[k]);
            sasc_buffer_desc d = p->buffers[i].desc;   /* a copy: adding may move the table */
            ir_add_buffer(p, name, SASC_BUFFER_OPTIMIZER_STATE, d.group, d.parameter, d.rows, d.cols);
        }
    }
    return true;
}

/* The per-step values read once from SCALARS. */
typedef struct {
    int learning_rate, bias_correction1, bias_correction2;
} step_scalars;

/* An update in progress: the new values and where they go. */
typedef struct {
    int state_value[2];
    int state_buffer[2];
    int count;
} new_state;

/* beta * old + (1 - beta) * x */
static int moving_average(ir_function *f, int old, int x, double beta)
{
    return ir_binary(f, IR_ADD, ir_affine(f, old, beta, 0.0), ir_affine(f, x, 1.0 - beta, 0.0));
}

/* x / (sqrt(y) + eps) */
static int normalised(ir_function *f, int x, int y, double epsilon)
{
    return ir_binary(f, IR_DIV, x, ir_affine(f, ir_unary(f, IR_SQRT, y), 1.0, epsilon));
}

/* The optimiser's direction for gradient g, before weight decay; fills the
 * new state values. */
static int direction(ir_program *p, const sasc_task *task, const step_scalars *s,
                     int parameter_buffer, int g, new_state *state)
{
    ir_function *f = &p->update;
    state_layout layout = layout_of(task);
    int old[2] = { -1, -1 };
    state->count = layout.count;
    for (int k = 0; k < layout.count; k++) {
        state->state_buffer[k] = state_buffer(p, parameter_buffer, layout.suffix[k]);
        old[k] = ir_buffer_node(f, p, state->state_buffer[k]);
    }
    switch (task->optimizer) {
    case SASC_OPTIMIZER_ADAM: {
        int a1 = moving_average(f, old[0], g, task->beta1);
        int a2 = moving_average(f, old[1], ir_unary(f, IR_SQUARE, g), task->beta2);
        state->state_value[0] = a1;
        state->state_value[1] = a2;
        return normalised(f, ir_binary(f, IR_DIV, a1, s->bias_correction1),
                          ir_binary(f, IR_DIV, a2, s->bias_correction2), task->epsilon);
    }
    case SASC_OPTIMIZER_RMSPROP: {
        int r = moving_average(f, old[0], ir_unary(f, IR_SQUARE, g), task->beta2);
        state->state_value[0] = r;
        return normalised(f, g, r, task->epsilon);
    }
    case SASC_OPTIMIZER_SGD:
        if (layout.count == 0)
            return g;
        state->state_value[0] = ir_binary(f, IR_ADD, ir_affine(f, old[0], task->momentum, 0.0), g);
        return state->state_value[0];
    }
    return g;   /* unreachable: optimizer_add_state rejected unknown optimisers */
}

/* pi stays a probability, Xi a variance; m is free. */
static int clip(ir_function *f, sasc_parameter parameter, int theta)
{
    if (parameter == SASC_PI)
        return ir_clamp(f, theta, 0.0, 1.0);
    if (parameter == SASC_XI)
        return ir_clamp(f, theta, 0.0, INFINITY);
    return theta;
}

static void update_parameter(ir_program *p, const sasc_task *task, const step_scalars *s, int buffer)
{
    ir_function *f = &p->update;
    const sasc_buffer_desc d = p->buffers[buffer].desc;
    int theta = ir_buffer_node(f, p, buffer);
    int g = ir_buffer_node(f, p, find_gradient(p, buffer));
    new_state state;
    int step = direction(p, task, s, buffer, g, &state);
    if (task->weight_decay > 0)
        step = ir_binary(f, IR_ADD, step, ir_affine(f, theta, task->weight_decay, 0.0));
    int change = ir_binary(f, IR_MUL, s->learning_rate, step);
    if (d.mask_buffer >= 0)
        change = ir_binary(f, IR_MUL, change, ir_buffer_node(f, p, d.mask_buffer));
    int updated = clip(f, d.parameter, ir_binary(f, IR_SUB, theta, change));
    for (int k = 0; k < state.count; k++)
        ir_store(f, p, state.state_buffer[k], state.state_value[k]);
    ir_store(f, p, buffer, updated);
}

void optimizer_build_update(ir_program *p, const sasc_task *task)
{
    ir_function *f = &p->update;
    step_scalars s;
    s.learning_rate = ir_scalar(f, p, p->scalars_buffer, SASC_SCALAR_LEARNING_RATE);
    s.bias_correction1 = s.bias_correction2 = -1;
    if (task->optimizer == SASC_OPTIMIZER_ADAM) {
        s.bias_correction1 = ir_scalar(f, p, p->scalars_buffer, SASC_SCALAR_BIAS_CORRECTION1);
        s.bias_correction2 = ir_scalar(f, p, p->scalars_buffer, SASC_SCALAR_BIAS_CORRECTION2);
    }
    for (int i = 0; i < p->buffer_count; i++)
        if (is_trainable(p, i))
            update_parameter(p, task, &s, i);
}
