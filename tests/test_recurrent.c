/*
 * test_recurrent.c — recurrent models (lower_recurrent.c): back-propagation
 * through time checked against central finite differences of the loss
 * (f64, interpreter) with noise off and on (fixed noise draws), and the
 * JIT-compiled kernels checked against the interpreter on the same buffers.
 */
#include <math.h>
#include <string.h>
#include "testing.h"
#include "ir_fixtures.h"
#include "../compiler/codegen.h"
#include "../compiler/interpret.h"
#include "../compiler/lower.h"

enum { INPUTS = 3, UNITS = 4, OUTPUTS = 3, STEPS = 5, BATCH = 2 };

typedef struct {
    model_spec model;
    layer_spec layers[2];
    sasc_task task;
} recurrent_fixture;

static void learnable(parameter_prior prior[3], double pi, double m, double xi)
{
    const double values[3] = { pi, m, xi };
    for (int k = 0; k < 3; k++)
        prior[k] = (parameter_prior){ { SASC_INIT_CONSTANT, values[k], 0.0 }, false };
}

/* x[3] -> recurrent(4 units, 5 steps) -> readout(3); noisy: every noise on. */
static void recurrent_init(recurrent_fixture *fx, bool noisy, bool every_step, activation_kind phi)
{
    memset(fx, 0, sizeof *fx);
    layer_spec *h = &fx->layers[0], *y = &fx->layers[1];
    h->name = "h";
    h->kind = LAYER_RECURRENT;
    h->source = -1;
    h->fan_in = INPUTS;
    h->width = UNITS;
    h->activation = phi;
    h->steps = STEPS;
    h->alpha = 0.3;
    h->sigma = noisy ? 0.2 : 0;
    h->sigma_in = noisy ? 0.1 : 0;
    h->x0 = noisy ? 0.2 : 0;
    h->h0 = 0.1;
    learnable(h->prior, 0.2, 0.1, 0.05);
    learnable(h->input_prior, 0.2, 0.1, 0.05);
    y->name = "y";
    y->kind = LAYER_READOUT;
    y->source = 0;
    y->fan_in = UNITS;
    y->width = OUTPUTS;
    y->every_step = every_step;
    y->activation = every_step ? ACTIVATION_IDENTITY : ACTIVATION_SOFTMAX;
    learnable(y->prior, 0.2, 0.1, 0.05);
    fx->model = (model_spec){ .name = "rnn", .input_name = "x", .input_width = INPUTS,
                              .layers = fx->layers, .layer_count = 2, .classes = OUTPUTS,
                              .loss = every_step ? LOSS_MEAN_SQUARED_ERROR : LOSS_CROSS_ENTROPY,
                              .l2_m = 1e-2, .l2_xi = 1e-2 };
    fx->task.batch = BATCH;
    fx->task.precision = 64;
    fx->task.optimizer = SASC_OPTIMIZER_SGD;
    fx->task.lr = 0.1;
}

static bool recurrent_lower(recurrent_fixture *fx, ir_program *p)
{
    char error[512];
    bool ok = lower_model(&fx->model, &fx->task, p, error, sizeof error);
    CU_ASSERT_TRUE_FATAL(ok);
    CU_ASSERT_TRUE(ir_verify(p, error, sizeof error));
    return ok;
}

/* Random parameters, inputs, targets and noise (noise stays 0 when quiet). */
static void randomise(const ir_program *p, void **buffers, fixture_rng *rng, bool every_step)
{
    for (int b = 0; b < p->buffer_count; b++) {
        const sasc_buffer_desc *d = &p->buffers[b].desc;
        if (d->role == SASC_BUFFER_PARAMETER) {
            double low = d->parameter == SASC_M ? -0.8 : 0.05;
            double high = d->parameter == SASC_M ? 0.8 : d->parameter == SASC_PI ? 0.6 : 0.3;
            fixture_fill(p, buffers, b, rng, low, high);
        } else if (d->role == SASC_BUFFER_NOISE) {
            fixture_fill(p, buffers, b, rng, -1.5, 1.5);
        } else if (d->role == SASC_BUFFER_INPUT || d->role == SASC_BUFFER_LOSS_MASK) {
            fixture_fill(p, buffers, b, rng, 0.0, 1.0);
        }
    }
    if (every_step)
        fixture_fill(p, buffers, p->target_buffer, rng, 0.0, 1.0);
    else
        fixture_fill_one_hot(p, buffers, p->target_buffer, rng);
}

static double loss_of(const ir_program *p, void **buffers)
{
    fixture_run(p, &p->train, buffers);
    return fixture_get(p, buffers, p->loss_buffer, 0);
}

/* Every learnt parameter element: d loss / d theta against central differences. */
static void check_gradients(bool noisy, bool every_step, activation_kind phi)
{
    recurrent_fixture fx;
    recurrent_init(&fx, noisy, every_step, phi);
    ir_program p;
    if (!recurrent_lower(&fx, &p))
        return;
    void **buffers = fixture_buffers_new(&p);
    fixture_rng rng = { 42 };
    randomise(&p, buffers, &rng, every_step);
    fixture_run(&p, &p.train, buffers);
    int checked = 0;
    for (int g = 0; g < p.buffer_count; g++) {
        const sasc_buffer_desc *d = &p.buffers[g].desc;
        if (d->role != SASC_BUFFER_GRADIENT)
            continue;
        int theta = p.layers[d->layer].parameter_buffer[d->parameter];
        for (int e = 0; e < d->rows * d->cols; e++) {
            double analytic = fixture_get(&p, buffers, g, e);
            double saved = fixture_get(&p, buffers, theta, e), step = 1e-6;
            fixture_set(&p, buffers, theta, e, saved + step);
            double up = loss_of(&p, buffers);
            fixture_set(&p, buffers, theta, e, saved - step);
            double down = loss_of(&p, buffers);
            fixture_set(&p, buffers, theta, e, saved);
            double numeric = (up - down) / (2 * step);
            CU_ASSERT_DOUBLE_EQUAL(analytic, numeric, 1e-6 + 1e-5 * fabs(numeric));
            checked++;
        }
    }
    CU_ASSERT_EQUAL(checked, 3 * (INPUTS * UNITS + UNITS * UNITS + UNITS * OUTPUTS));
    fixture_buffers_free(&p, buffers);
    ir_program_free(&p);
}

static void test_bptt_quiet_last_step(void) { check_gradients(false, false, ACTIVATION_TANH); }
static void test_bptt_noisy_last_step(void) { check_gradients(true, false, ACTIVATION_TANH); }
static void test_bptt_noisy_every_step(void) { check_gradients(true, true, ACTIVATION_TANH); }
static void test_bptt_relu_every_step(void) { check_gradients(true, true, ACTIVATION_RELU); }

/* The JIT's train and predict kernels write what the interpreter writes
 * (predict over a longer test sequence than training). */
static void test_jit_matches_interpreter(void)
{
    recurrent_fixture fx;
    recurrent_init(&fx, true, true, ACTIVATION_RELU);
    fx.layers[0].test_steps = STEPS + 2;
    ir_program p;
    if (!recurrent_lower(&fx, &p))
        return;
    char error[1024];
    compiled_model *compiled = codegen_jit(&p, error, sizeof error);
    CU_ASSERT_PTR_NOT_NULL_FATAL(compiled);
    const sasc_program *program = compiled_model_program(compiled);
    void **expected = fixture_buffers_new(&p), **actual = fixture_buffers_new(&p);
    fixture_rng a = { 7 }, b = { 7 };
    randomise(&p, expected, &a, true);
    randomise(&p, actual, &b, true);
    fixture_run(&p, &p.train, expected);
    program->train(actual);
    double trained = fixture_get(&p, actual, p.loss_buffer, 0);
    CU_ASSERT_TRUE(trained > 0.01);   /* the masked data term counts */
    for (int i = 0; i < p.buffer_count; i++) {
        sasc_buffer_role role = p.buffers[i].desc.role;
        if (role != SASC_BUFFER_GRADIENT && role != SASC_BUFFER_LOSS && role != SASC_BUFFER_OUTPUT)
            continue;
        for (int e = 0; e < p.buffers[i].desc.rows * p.buffers[i].desc.cols; e++)
            CU_ASSERT_DOUBLE_EQUAL(fixture_get(&p, actual, i, e), fixture_get(&p, expected, i, e), 1e-10);
    }
    fixture_run(&p, &p.predict, expected);
    program->predict(actual);
    for (int e = 0; e < BATCH * OUTPUTS; e++)
        CU_ASSERT_DOUBLE_EQUAL(fixture_get(&p, actual, p.output_buffer, e),
                               fixture_get(&p, expected, p.output_buffer, e), 1e-10);
    fixture_buffers_free(&p, expected);
    fixture_buffers_free(&p, actual);
    compiled_model_free(compiled);
    ir_program_free(&p);
}

int main(void)
{
    TESTING_INIT();
    CU_pSuite suite = CU_add_suite("recurrent", NULL, NULL);
    CU_add_test(suite, "BPTT = finite differences, no noise, readout at T", test_bptt_quiet_last_step);
    CU_add_test(suite, "BPTT = finite differences, all noise on, readout at T", test_bptt_noisy_last_step);
    CU_add_test(suite, "BPTT = finite differences, noise on, masked MSE every step", test_bptt_noisy_every_step);
    CU_add_test(suite, "BPTT = finite differences, relu units", test_bptt_relu_every_step);
    CU_add_test(suite, "JIT kernels = interpreter", test_jit_matches_interpreter);
    return testing_run_registry();
}
