/*
 * ir_fixtures.c — shared helpers of the test_ir program (see ir_fixtures.h).
 */
#include "ir_fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testing.h"
#include "compiler/ir/interpret.h"
#include "compiler/lower/lower.h"
#include "compiler/layers/registry.h"

static char *const layer_names[FIXTURE_MAX_LAYERS] = { "h1", "h2", "h3", "h4" };

static void layer_init(layer_spec *l, int index, int fan_in, int width, activation_kind activation)
{
    memset(l, 0, sizeof *l);
    l->name = layer_names[index];
    l->source = index - 1;
    l->fan_in = fan_in;
    l->width = width;
    l->activation = activation;
    l->fan_in_scaling = true;
    const double initial[3] = { 0.2, 0.1, 0.05 };
    for (int k = 0; k < 3; k++)
        l->group[0].prior[k] = (parameter_prior){ { SASC_INIT_CONSTANT, initial[k], 0.0 }, false };
    l->group[0].mask.kind = SASC_MASK_NONE;
    l->group[0].fan_in = fan_in;
    l->kind = layer_kind_find(layer_kinds(), "dense");
}

void fixture_init(fixture *fx, int input_width, const int *widths, int layer_count,
                  activation_kind hidden, loss_kind loss, int batch, int precision)
{
    memset(fx, 0, sizeof *fx);
    CU_ASSERT_FATAL(layer_count >= 1 && layer_count <= FIXTURE_MAX_LAYERS);
    for (int i = 0; i < layer_count; i++) {
        bool last = i == layer_count - 1;
        activation_kind activation = last && loss == LOSS_CROSS_ENTROPY ? ACTIVATION_SOFTMAX : hidden;
        layer_init(&fx->layers[i], i, i == 0 ? input_width : widths[i - 1], widths[i], activation);
    }
    fx->model.name = "net";
    fx->model.input_name = "x";
    fx->model.input_width = input_width;
    fx->model.layers = fx->layers;
    fx->model.layer_count = layer_count;
    fx->model.classes = widths[layer_count - 1];
    fx->model.loss = loss;
    fx->task.batch = batch;
    fx->task.shards = 1;   /* kernels for the whole batch (runtime/train/shards.h splits steps) */
    fx->task.precision = precision;
    fx->task.optimizer = SASC_OPTIMIZER_ADAM;
    fx->task.lr = 0.1;
    fx->task.beta1 = 0.9;
    fx->task.beta2 = 0.999;
    fx->task.epsilon = 1e-8;
}

void fixture_make_deterministic(fixture *fx, int layer)
{
    layer_spec *l = &fx->layers[layer];
    l->group[0].prior[SASC_PI] = (parameter_prior){ { SASC_INIT_ZEROS, 0.0, 0.0 }, true };
    l->group[0].prior[SASC_XI] = (parameter_prior){ { SASC_INIT_CONSTANT, 0.0, 0.0 }, true };
}

bool fixture_lower(const fixture *fx, ir_program *p)
{
    char error[256] = "";
    bool lowered = lower_model(&fx->model, &fx->task, p, error, sizeof error);
    if (!lowered)
        fprintf(stderr, "lower_model: %s\n", error);
    CU_ASSERT_TRUE(lowered);
    bool verified = lowered && ir_verify(p, error, sizeof error);
    if (lowered && !verified)
        fprintf(stderr, "ir_verify: %s\n", error);
    CU_ASSERT_TRUE(verified);
    return verified;
}

double fixture_uniform(fixture_rng *rng, double low, double high)
{
    uint64_t z = (rng->state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return low + (high - low) * ((double)(z >> 11) / 9007199254740992.0);
}

void **fixture_buffers_new(const ir_program *p)
{
    void **buffers = calloc((size_t)p->buffer_count, sizeof *buffers);
    CU_ASSERT_PTR_NOT_NULL_FATAL(buffers);
    for (int i = 0; i < p->buffer_count; i++) {
        const sasc_buffer_desc *d = &p->buffers[i].desc;
        buffers[i] = calloc((size_t)d->rows * (size_t)d->cols, (size_t)p->precision);
        CU_ASSERT_PTR_NOT_NULL_FATAL(buffers[i]);
    }
    return buffers;
}

void fixture_buffers_free(const ir_program *p, void **buffers)
{
    for (int i = 0; i < p->buffer_count; i++)
        free(buffers[i]);
    free(buffers);
}

int fixture_find_buffer(const ir_program *p, const char *name)
{
    for (int i = 0; i < p->buffer_count; i++)
        if (strcmp(p->buffers[i].name, name) == 0)
            return i;
    return -1;
}

double fixture_get(const ir_program *p, void **buffers, int buffer, int index)
{
    if (p->precision == SASC_F32)
        return ((float *)buffers[buffer])[index];
    return ((double *)buffers[buffer])[index];
}

void fixture_set(const ir_program *p, void **buffers, int buffer, int index, double value)
{
    if (p->precision == SASC_F32)
        ((float *)buffers[buffer])[index] = (float)value;
    else
        ((double *)buffers[buffer])[index] = value;
}

static int element_count(const ir_program *p, int buffer)
{
    return p->buffers[buffer].desc.rows * p->buffers[buffer].desc.cols;
}

void fixture_fill(const ir_program *p, void **buffers, int buffer, fixture_rng *rng,
                  double low, double high)
{
    for (int e = 0; e < element_count(p, buffer); e++)
        fixture_set(p, buffers, buffer, e, fixture_uniform(rng, low, high));
}

void fixture_fill_one_hot(const ir_program *p, void **buffers, int buffer, fixture_rng *rng)
{
    int rows = p->buffers[buffer].desc.rows, cols = p->buffers[buffer].desc.cols;
    for (int r = 0; r < rows; r++) {
        int hot = (int)fixture_uniform(rng, 0, cols);
        for (int c = 0; c < cols; c++)
            fixture_set(p, buffers, buffer, r * cols + c, c == hot ? 1.0 : 0.0);
    }
}

bool fixture_run(const ir_program *p, const ir_function *f, void **buffers)
{
    char error[256] = "";
    bool ok = ir_interpret(p, f, buffers, error, sizeof error);
    if (!ok)
        fprintf(stderr, "ir_interpret: %s\n", error);
    CU_ASSERT_TRUE(ok);
    return ok;
}

static void fill_parameter(const ir_program *p, void **buffers, int buffer, fixture_rng *rng)
{
    const sasc_buffer_desc *d = &p->buffers[buffer].desc;
    if (d->frozen) {   /* as the runtime would: the constant the prior gives */
        double value = d->init.kind == SASC_INIT_CONSTANT ? d->init.a : 0.0;
        fixture_fill(p, buffers, buffer, rng, value, value);
        return;
    }
    static const double low[3] = { 0.05, -1.0, 0.05 }, high[3] = { 0.95, 1.0, 0.5 };
    fixture_fill(p, buffers, buffer, rng, low[d->parameter], high[d->parameter]);
}

void fixture_randomise(const ir_program *p, void **buffers, fixture_rng *rng, loss_kind loss)
{
    for (int i = 0; i < p->buffer_count; i++) {
        switch (p->buffers[i].desc.role) {
        case SASC_BUFFER_INPUT:     fixture_fill(p, buffers, i, rng, -1.0, 1.0); break;
        case SASC_BUFFER_NOISE:     fixture_fill(p, buffers, i, rng, -2.0, 2.0); break;
        case SASC_BUFFER_PARAMETER: fill_parameter(p, buffers, i, rng); break;
        case SASC_BUFFER_TARGET:
            if (loss == LOSS_CROSS_ENTROPY)
                fixture_fill_one_hot(p, buffers, i, rng);
            else
                fixture_fill(p, buffers, i, rng, -1.0, 1.0);
            break;
        default: break;
        }
    }
}
