/*
 * test_recurrent.c — recurrent models (lower_recurrent.c): back-propagation
 * through time checked against central finite differences of the loss
 * (f64, interpreter) with noise off and on (fixed noise draws), and the
 * JIT-compiled kernels checked against the interpreter on the same buffers.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testing.h"
#include "ir_fixtures.h"
#include "compiler/codegen/codegen.h"
#include "compiler/check/frontend.h"
#include "compiler/layers/registry.h"
#include "compiler/ir/interpret.h"
#include "compiler/lower/lower.h"
#include "runtime/ensemble/dynamic.h"
#include "runtime/data/msi.h"
#include "runtime/data/source.h"
#include "runtime/kernels/parallel_normals.h"
#include "runtime/support/rng.h"

enum { INPUTS = 3, UNITS = 4, OUTPUTS = 3, STEPS = 5, BATCH = 2 };

/* A model checked from .sas text (the front end and the registry's kinds,
 * as `sasc run` has them) and the task it is lowered with. */
typedef struct {
    checked_file file;
    model_spec *model;
    sasc_task task;
} recurrent_fixture;

/* The shape of the fixture's recurrent model: x[inputs] -> recurrent(4
 * units, `steps`) -> readout(outputs); noisy: every noise on. */
typedef struct {
    bool noisy, every_step, masked_input;
    activation_kind phi;
    int inputs, outputs, steps, test_steps;
} recurrent_shape;

static void fixture_task(sasc_task *task)
{
    memset(task, 0, sizeof *task);
    task->batch = BATCH;
    task->shards = 1;   /* kernels for the whole batch (runtime/train/shards.h splits steps) */
    task->precision = 64;
    task->optimizer = SASC_OPTIMIZER_SGD;
    task->lr = 0.1;
}

/* Check `text` (one model); false (with the messages printed) on errors. */
static bool fixture_from_text(recurrent_fixture *fx, const char *text)
{
    memset(fx, 0, sizeof *fx);
    diagnostics *d = diagnostics_new("fixture.sas", text, stderr);
    bool ok = frontend_check("fixture.sas", text, layer_kinds(), d, &fx->file);
    diagnostics_free(d);
    CU_ASSERT_TRUE_FATAL(ok && fx->file.model_count == 1);
    fx->model = &fx->file.models[0];
    fixture_task(&fx->task);
    return ok;
}

static void fixture_free(recurrent_fixture *fx)
{
    checked_file_free(&fx->file);
    memset(&fx->file, 0, sizeof fx->file);
}

static void recurrent_init_shape(recurrent_fixture *fx, recurrent_shape s)
{
    char text[2048], test_steps[64] = "";
    if (s.test_steps > 0)
        snprintf(test_steps, sizeof test_steps, "test_steps = %d", s.test_steps);
    snprintf(text, sizeof text,
             "model rnn {\n  input x[%d]\n"
             "  layer h = recurrent(x, %d) {\n"
             "    steps = %d  %s  alpha = 0.3  h0 = 0.1  activation = %s  %s\n"
             "    pi = 0.2  m = 0.1  Xi = 0.05  in_pi = 0.2  in_m = 0.1  in_Xi = 0.05  %s\n  }\n"
             "  layer y = readout(h, %d) { at = %s  activation = %s  pi = 0.2  m = 0.1  Xi = 0.05 }\n"
             "  loss %s(y)\n  l2 { m = 1e-2  Xi = 1e-2 }\n}\n",
             s.inputs, UNITS, s.steps, test_steps, layer_activation_name(s.phi),
             s.noisy ? "sigma = 0.2  sigma_in = 0.1  x0 = 0.2" : "",
             s.masked_input ? "in_mask = density(0.5)" : "", s.outputs, s.every_step ? "every" : "last",
             s.every_step ? "identity" : "softmax", s.every_step ? "mse" : "cross_entropy");
    fixture_from_text(fx, text);
}

/* x[3] -> recurrent(4 units, 5 steps) -> readout(3); noisy: every noise on. */
static void recurrent_init(recurrent_fixture *fx, bool noisy, bool every_step, activation_kind phi)
{
    recurrent_init_shape(fx, (recurrent_shape){ noisy, every_step, false, phi, INPUTS, OUTPUTS, STEPS, 0 });
}

/* Lower fx's model with its task, then release its checked file (the
 * program keeps what it needs; fx->task stays). */
static bool recurrent_lower(recurrent_fixture *fx, ir_program *p)
{
    char error[512];
    bool ok = lower_model(fx->model, &fx->task, p, error, sizeof error);
    fixture_free(fx);
    fx->model = NULL;
    if (!ok)
        fprintf(stderr, "lower_model: %s\n", error);
    CU_ASSERT_TRUE_FATAL(ok);
    bool verified = ir_verify(p, error, sizeof error);
    if (!verified)
        fprintf(stderr, "ir_verify: %s\n", error);
    CU_ASSERT_TRUE(verified);
    return ok;
}

/* Random parameters, inputs, targets and noise (noise stays 0 when quiet);
 * targets one-hot, or uniform for a loss taken at every step (LOSS_MASK). */
static void randomise(const ir_program *p, void **buffers, fixture_rng *rng)
{
    bool every_step = false;
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
            every_step |= d->role == SASC_BUFFER_LOSS_MASK;
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

/* The elements of every unfrozen parameter of p (each must have a gradient). */
static int learnt_elements(const ir_program *p)
{
    int count = 0;
    for (int b = 0; b < p->buffer_count; b++) {
        const sasc_buffer_desc *d = &p->buffers[b].desc;
        if (d->role != SASC_BUFFER_PARAMETER || d->frozen)
            continue;
        count += d->rows * d->cols;
        bool has_gradient = false;
        for (int g = 0; g < p->buffer_count; g++)
            has_gradient |= p->buffers[g].desc.role == SASC_BUFFER_GRADIENT && p->buffers[g].desc.group == d->group &&
                            p->buffers[g].desc.parameter == d->parameter;
        CU_ASSERT_TRUE(has_gradient);
    }
    return count;
}

/* Every learnt parameter element of fx's model: d loss / d theta against
 * central differences (f64, interpreter); fx is freed. */
static void check_fixture_gradients(recurrent_fixture *fx)
{
    ir_program p;
    if (!recurrent_lower(fx, &p))
        return;
    void **buffers = fixture_buffers_new(&p);
    fixture_rng rng = { 42 };
    randomise(&p, buffers, &rng);
    fixture_run(&p, &p.train, buffers);
    int checked = 0, failed = 0, nonzero = 0;
    for (int g = 0; g < p.buffer_count; g++) {
        const sasc_buffer_desc *d = &p.buffers[g].desc;
        if (d->role != SASC_BUFFER_GRADIENT)
            continue;
        int theta = p.groups[d->group].parameter_buffer[d->parameter];
        for (int e = 0; e < d->rows * d->cols; e++) {
            double analytic = fixture_get(&p, buffers, g, e);
            double saved = fixture_get(&p, buffers, theta, e), step = 1e-6;
            fixture_set(&p, buffers, theta, e, saved + step);
            double up = loss_of(&p, buffers);
            fixture_set(&p, buffers, theta, e, saved - step);
            double down = loss_of(&p, buffers);
            fixture_set(&p, buffers, theta, e, saved);
            double numeric = (up - down) / (2 * step);
            bool close = fabs(analytic - numeric) <= 1e-6 + 1e-5 * fabs(numeric);
            CU_ASSERT_TRUE(close);
            if (!close && failed++ < 5)
                fprintf(stderr, "\n%s[%d]: autodiff %.10g, finite differences %.10g\n", d->name, e, analytic, numeric);
            checked++;
            nonzero += fabs(numeric) > 1e-7;
        }
    }
    CU_ASSERT_EQUAL(checked, learnt_elements(&p));
    /* most parameters move the loss: the comparison is not of zeros (a unit
     * that never fires, or a layer off the loss's path, gives exact zeros) */
    CU_ASSERT_TRUE(checked > 0 && nonzero >= checked / 3);
    fixture_buffers_free(&p, buffers);
    ir_program_free(&p);
}

static void check_gradients(bool noisy, bool every_step, activation_kind phi)
{
    recurrent_fixture fx;
    recurrent_init(&fx, noisy, every_step, phi);
    check_fixture_gradients(&fx);
}

static void test_bptt_quiet_last_step(void) { check_gradients(false, false, ACTIVATION_TANH); }
static void test_bptt_noisy_last_step(void) { check_gradients(true, false, ACTIVATION_TANH); }
static void test_bptt_noisy_every_step(void) { check_gradients(true, true, ACTIVATION_TANH); }
static void test_bptt_relu_every_step(void) { check_gradients(true, true, ACTIVATION_RELU); }

/* ---- architectures the layer kinds compose (each with its own noise and priors) ---- */

#define NOISY "sigma = 0.2  sigma_in = 0.1  x0 = 0.2  h0 = 0.1"
#define SAS "pi = 0.2  m = 0.1  Xi = 0.05"
#define IN_SAS "in_pi = 0.3  in_m = -0.1  in_Xi = 0.04"

/* Two recurrent layers, each with its own leak, noise and priors; the
 * readout at the last step. */
static const char stacked[] =
    "model stack { input x[3]\n"
    "  layer h1 = recurrent(x, 4) { steps = 5  alpha = 0.3  activation = tanh  " NOISY "  " SAS "  " IN_SAS " }\n"
    "  layer h2 = recurrent(h1, 3) { alpha = 0.6  sigma = 0.1  sigma_in = 0.3  h0 = -0.2  pi = 0.1  m = 0.2  Xi = 0.1  "
    IN_SAS " }\n"
    "  layer y = readout(h2, 3) { activation = softmax  " SAS " }\n"
    "  loss cross_entropy(y)  l2 { m = 1e-2  Xi = 1e-2 } }\n";

/* Two recurrent layers read at every step (masked MSE over the steps). */
static const char stacked_every[] =
    "model stack { input x[3]\n"
    "  layer h1 = recurrent(x, 4) { steps = 5  alpha = 0.3  " NOISY "  " SAS "  " IN_SAS " }\n"
    "  layer h2 = recurrent(h1, 4) { steps = 5  alpha = 0.5  activation = tanh  sigma = 0.3  " SAS "  " IN_SAS " }\n"
    "  layer y = readout(h2, 2) { at = every  " SAS " }\n"
    "  loss mse(y) }\n";

/* A dense head on the last step of a recurrent layer. */
static const char dense_head[] =
    "model head { input x[3]\n"
    "  layer h = recurrent(x, 4) { steps = 5  alpha = 0.3  activation = tanh  " NOISY "  " SAS "  " IN_SAS " }\n"
    "  layer d = dense(h, 5) { at = last  activation = relu  " SAS " }\n"
    "  layer y = dense(d, 3) { activation = softmax  " SAS " }\n"
    "  loss cross_entropy(y)  l2 { m = 1e-2  Xi = 1e-2 } }\n";

/* A dense layer applied at every step after a recurrent one, read out at the last step. */
static const char dense_every_step[] =
    "model per_step { input x[3]\n"
    "  layer h = recurrent(x, 4) { steps = 5  alpha = 0.3  " NOISY "  " SAS "  " IN_SAS " }\n"
    "  layer d = dense(h, 3) { activation = tanh  " SAS " }\n"
    "  layer y = readout(d, 3) { activation = softmax  " SAS " }\n"
    "  loss cross_entropy(y) }\n";

/* Dense layers at every step before a recurrent one. */
static const char dense_before[] =
    "model before { input x[3]\n"
    "  layer e1 = dense(x, 4) { activation = tanh  " SAS " }\n"
    "  layer e2 = dense(e1, 3) { activation = sigmoid  scale = none  " SAS " }\n"
    "  layer h = recurrent(e2, 4) { steps = 5  alpha = 0.4  activation = tanh  " NOISY "  " SAS "  " IN_SAS " }\n"
    "  layer y = readout(h, 3) { activation = softmax  " SAS " }\n"
    "  loss cross_entropy(y) }\n";

/* A dense output at every step (masked MSE), and a layer in the loop read
 * after it (its pre-activation kept per step). */
static const char dense_output_every_step[] =
    "model out { input x[3]\n"
    "  layer h = recurrent(x, 4) { steps = 5  alpha = 0.3  activation = tanh  " NOISY "  " SAS "  " IN_SAS " }\n"
    "  layer y = dense(h, 2) { activation = sigmoid  " SAS " }\n"
    "  loss mse(y) }\n";
static const char kept_across[] =
    "model kept { input x[3]\n"
    "  layer e = dense(x, 4) { activation = tanh  " SAS " }\n"
    "  layer h = recurrent(e, 4) { steps = 5  alpha = 0.3  " NOISY "  " SAS "  " IN_SAS " }\n"
    "  layer y = readout(e, 3) { activation = softmax  " SAS " }\n"
    "  loss cross_entropy(y) }\n";

static void check_text_gradients(const char *text)
{
    recurrent_fixture fx;
    if (fixture_from_text(&fx, text))
        check_fixture_gradients(&fx);
}

static void test_stacked_gradients(void) { check_text_gradients(stacked); }
static void test_stacked_every_step_gradients(void) { check_text_gradients(stacked_every); }
static void test_dense_head_gradients(void) { check_text_gradients(dense_head); }
static void test_dense_every_step_gradients(void) { check_text_gradients(dense_every_step); }
static void test_dense_before_gradients(void) { check_text_gradients(dense_before); }
static void test_dense_output_every_step_gradients(void) { check_text_gradients(dense_output_every_step); }
static void test_kept_across_gradients(void) { check_text_gradients(kept_across); }

/* The JIT's train, predict and predict_dynamic kernels write what the
 * interpreter writes (predict over a longer test sequence than training); fx is freed. */
static void check_jit(recurrent_fixture *fx)
{
    fx->task.dynamic_networks = 1;
    ir_program p;
    if (!recurrent_lower(fx, &p))
        return;
    char error[1024];
    compiled_model *compiled = codegen_jit(&p, error, sizeof error);
    CU_ASSERT_PTR_NOT_NULL_FATAL(compiled);
    const sasc_program *program = compiled_model_program(compiled);
    void **expected = fixture_buffers_new(&p), **actual = fixture_buffers_new(&p);
    fixture_rng a = { 7 }, b = { 7 };
    randomise(&p, expected, &a);
    randomise(&p, actual, &b);
    fixture_run(&p, &p.train, expected);
    sasc_program_kernel(program, SASC_KERNEL_TRAIN)(actual);
    double trained = fixture_get(&p, actual, p.loss_buffer, 0);
    CU_ASSERT_TRUE(trained > 0.01);   /* the data term counts */
    int compared = 0;
    for (int i = 0; i < p.buffer_count; i++) {
        sasc_buffer_role role = p.buffers[i].desc.role;
        if (role != SASC_BUFFER_GRADIENT && role != SASC_BUFFER_LOSS && role != SASC_BUFFER_OUTPUT &&
            role != SASC_BUFFER_STATE)
            continue;
        for (int e = 0; e < p.buffers[i].desc.rows * p.buffers[i].desc.cols; e++, compared++)
            CU_ASSERT_DOUBLE_EQUAL(fixture_get(&p, actual, i, e), fixture_get(&p, expected, i, e), 1e-10);
    }
    CU_ASSERT_TRUE(compared > 0);
    const sasc_kernel_role roles[2] = { SASC_KERNEL_PREDICT, SASC_KERNEL_PREDICT_DYNAMIC };
    const ir_function *functions[2] = { &p.predict, &p.predict_dynamic };
    for (int k = 0; k < 2; k++) {
        fixture_run(&p, functions[k], expected);
        sasc_program_kernel(program, roles[k])(actual);
        for (int e = 0; e < BATCH * p.classes; e++)
            CU_ASSERT_DOUBLE_EQUAL(fixture_get(&p, actual, p.output_buffer, e),
                                   fixture_get(&p, expected, p.output_buffer, e), 1e-10);
    }
    fixture_buffers_free(&p, expected);
    fixture_buffers_free(&p, actual);
    compiled_model_free(compiled);
    ir_program_free(&p);
}

static void test_jit_matches_interpreter(void)
{
    recurrent_fixture fx;
    recurrent_init_shape(&fx, (recurrent_shape){ true, true, false, ACTIVATION_RELU, INPUTS, OUTPUTS, STEPS,
                                                 STEPS + 2 });
    check_jit(&fx);
}

/* The same for every architecture above, with test sequences 2 steps longer. */
static void test_jit_matches_interpreter_architectures(void)
{
    const char *texts[] = { stacked, stacked_every, dense_head, dense_every_step, dense_before,
                            dense_output_every_step, kept_across };
    for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++) {
        char longer[4096];
        const char *steps = strstr(texts[k], "steps = 5");
        CU_ASSERT_PTR_NOT_NULL_FATAL(steps);
        snprintf(longer, sizeof longer, "%.*s test_steps = 7  %s", (int)(steps - texts[k]), texts[k], steps);
        recurrent_fixture fx;
        if (fixture_from_text(&fx, longer))
            check_jit(&fx);
    }
}

/* ---- the paper's equations (gBPTT Eqs. 4-13), transcribed per sample ---- */

/* Connection hyper-parameters; element [source * width + target]. */
typedef struct {
    const double *pi, *m, *xi;
    int width;
} paper_group;

static double paper_mu(const paper_group *g, int source, int target)
{
    int e = source * g->width + target;
    return (1 - g->pi[e]) * g->m[e];
}

/* rho - mu^2 */
static double paper_var(const paper_group *g, int source, int target)
{
    int e = source * g->width + target;
    double rho = (1 - g->pi[e]) * (g->xi[e] + g->m[e] * g->m[e]);
    return rho - paper_mu(g, source, target) * paper_mu(g, source, target);
}

static double relu(double h) { return h > 0 ? h : 0; }
static double relu_prime(double h) { return h > 0 ? 1 : 0; }

/* d u_i(t) / d theta of one connection: Eq. 13 (a-c for inputs, d-f for the
 * recurrent group), `a` the presynaptic activity, S the pre-activation spread. */
static double paper_du(const paper_group *g, int source, int target, int parameter, double a,
                       double eps, double spread)
{
    int e = source * g->width + target;
    double pi = g->pi[e], m = g->m[e], xi = g->xi[e], mu = (1 - pi) * m;
    switch (parameter) {
    case SASC_M:  return (1 - pi) * a + eps * mu * pi * a * a / spread;
    case SASC_PI: return -m * a + eps * (m * m * (1 - 2 * pi) - xi) * a * a / (2 * spread);
    default:      return eps * (1 - pi) * a * a / (2 * spread);
    }
}

typedef struct {
    paper_group in, rec, out;
    double alpha, h0;
    const double *x, *eps_u, *eps_out, *target;   /* program buffer layouts */
} paper_network;

/* One sample b: forward (Eq. 4-5), error signals (Eqs. 9-12), gradients
 * (Eqs. 6-8, 13) added into grad[group][parameter][element] / BATCH. */
static void paper_sample(const paper_network *net, int b, double grad[3][3][UNITS * UNITS])
{
    double h[STEPS + 1][UNITS], spread[STEPS + 1][UNITS], delta[STEPS + 1][UNITS];
    for (int i = 0; i < UNITS; i++)
        h[0][i] = net->h0;
    for (int t = 0; t < STEPS; t++)
        for (int i = 0; i < UNITS; i++) {
            double g = 0, d2 = 0;
            const double *x = net->x + (t * BATCH + b) * INPUTS;
            for (int j = 0; j < UNITS; j++) {
                g += paper_mu(&net->rec, j, i) * relu(h[t][j]);
                d2 += paper_var(&net->rec, j, i) * relu(h[t][j]) * relu(h[t][j]);
            }
            for (int j = 0; j < INPUTS; j++) {
                g += paper_mu(&net->in, j, i) * x[j];
                d2 += paper_var(&net->in, j, i) * x[j] * x[j];
            }
            spread[t + 1][i] = sqrt(d2);
            double u = g + net->eps_u[(t * BATCH + b) * UNITS + i] * spread[t + 1][i];
            h[t + 1][i] = (1 - net->alpha) * h[t][i] + net->alpha * u;
        }
    double z[OUTPUTS], d_out[OUTPUTS], y[OUTPUTS], norm = 0;
    for (int k = 0; k < OUTPUTS; k++) {
        double g = 0, d2 = 0;
        for (int i = 0; i < UNITS; i++) {
            g += paper_mu(&net->out, i, k) * relu(h[STEPS][i]);
            d2 += paper_var(&net->out, i, k) * relu(h[STEPS][i]) * relu(h[STEPS][i]);
        }
        d_out[k] = sqrt(d2);
        z[k] = g + net->eps_out[b * OUTPUTS + k] * d_out[k];
        norm += exp(z[k]);
    }
    double dz[OUTPUTS];                                   /* dL/dz_k(T) = y_k - target_k */
    for (int k = 0; k < OUTPUTS; k++) {
        y[k] = exp(z[k]) / norm;
        dz[k] = y[k] - net->target[b * OUTPUTS + k];
    }
    for (int i = 0; i < UNITS; i++) {                     /* Eq. 12 */
        double sum = 0;
        for (int k = 0; k < OUTPUTS; k++)
            sum += dz[k] * (paper_mu(&net->out, i, k) + net->eps_out[b * OUTPUTS + k] *
                            paper_var(&net->out, i, k) * relu(h[STEPS][i]) / d_out[k]);
        delta[STEPS][i] = sum * relu_prime(h[STEPS][i]);
    }
    for (int t = STEPS - 1; t >= 0; t--)                  /* Eqs. 9-10 (no readout before T) */
        for (int i = 0; i < UNITS; i++) {
            double sum = (1 - net->alpha) * delta[t + 1][i];
            for (int j = 0; j < UNITS; j++) {
                double du = paper_mu(&net->rec, i, j) * relu_prime(h[t][i]) +
                            net->eps_u[(t * BATCH + b) * UNITS + j] * paper_var(&net->rec, i, j) *
                            relu(h[t][i]) * relu_prime(h[t][i]) / spread[t + 1][j];
                sum += net->alpha * delta[t + 1][j] * du;
            }
            delta[t][i] = sum;
        }
    for (int k = 0; k < 3; k++) {
        for (int i = 0; i < UNITS; i++)                   /* Eqs. 6-7 */
            for (int o = 0; o < OUTPUTS; o++)
                grad[2][k][i * OUTPUTS + o] += dz[o] * paper_du(&net->out, i, o, k, relu(h[STEPS][i]),
                                               net->eps_out[b * OUTPUTS + o], d_out[o]) / BATCH;
        for (int t = 1; t <= STEPS; t++)                  /* Eqs. 8, 13 */
            for (int i = 0; i < UNITS; i++) {
                double eps = net->eps_u[((t - 1) * BATCH + b) * UNITS + i], a = net->alpha * delta[t][i];
                for (int j = 0; j < UNITS; j++)
                    grad[1][k][j * UNITS + i] += a * paper_du(&net->rec, j, i, k, relu(h[t - 1][j]), eps,
                                                              spread[t][i]) / BATCH;
                const double *x = net->x + ((t - 1) * BATCH + b) * INPUTS;
                for (int j = 0; j < INPUTS; j++)
                    grad[0][k][j * UNITS + i] += a * paper_du(&net->in, j, i, k, x[j], eps,
                                                              spread[t][i]) / BATCH;
            }
    }
}

static const double *buffer_f64(const ir_program *p, void **buffers, const char *name)
{
    return buffers[fixture_find_buffer(p, name)];
}

static void test_paper_equations(void)
{
    recurrent_fixture fx;
    recurrent_init(&fx, false, false, ACTIVATION_RELU);
    fx.model->l2_m = fx.model->l2_xi = 0;
    ir_program p;
    if (!recurrent_lower(&fx, &p))
        return;
    void **buffers = fixture_buffers_new(&p);
    fixture_rng rng = { 2024 };
    randomise(&p, buffers, &rng);
    fixture_run(&p, &p.train, buffers);
    const char *groups[3] = { "h.in", "h", "y" }, *names[3] = { "pi", "m", "Xi" };
    paper_group g[3];
    for (int k = 0; k < 3; k++) {
        char pi[32], m[32], xi[32];
        snprintf(pi, sizeof pi, "%s.pi", groups[k]);
        snprintf(m, sizeof m, "%s.m", groups[k]);
        snprintf(xi, sizeof xi, "%s.Xi", groups[k]);
        g[k] = (paper_group){ buffer_f64(&p, buffers, pi), buffer_f64(&p, buffers, m),
                              buffer_f64(&p, buffers, xi), k == 2 ? OUTPUTS : UNITS };
    }
    paper_network net = { g[0], g[1], g[2], 0.3, 0.1, buffers[p.input_buffer],
                          buffer_f64(&p, buffers, "h.eps"), buffer_f64(&p, buffers, "y.eps"),
                          buffers[p.target_buffer] };
    static double grad[3][3][UNITS * UNITS];
    memset(grad, 0, sizeof grad);
    for (int b = 0; b < BATCH; b++)
        paper_sample(&net, b, grad);
    const int fan_in[3] = { INPUTS, UNITS, UNITS }, width[3] = { UNITS, UNITS, OUTPUTS };
    for (int k = 0; k < 3; k++)
        for (int q = 0; q < 3; q++) {
            char name[32];
            snprintf(name, sizeof name, "%s.%s.grad", groups[k], names[q]);
            const double *generated = buffer_f64(&p, buffers, name);
            for (int e = 0; e < fan_in[k] * width[k]; e++)
                CU_ASSERT_DOUBLE_EQUAL(generated[e], grad[k][q][e], 1e-12 + 1e-9 * fabs(grad[k][q][e]));
        }
    fixture_buffers_free(&p, buffers);
    ir_program_free(&p);
}

/* ---- the network resampled at every time step (lower_dynamic.c, runtime/ensemble/dynamic.c) ---- */

/* A fixture lowered with predict_dynamic (test sequence 2 steps longer than
 * training), its exported tables and interpreter buffers. */
typedef struct {
    recurrent_fixture fx;
    ir_program p;
    sasc_program program;
    ir_tables tables;
    void **buffers;
    compiled_model *compiled;   /* or NULL */
} dynamic_fixture;

/* With `jit`, the kernels are compiled first: code generation adds the
 * temporaries the buffers must include. */
static bool dynamic_open(dynamic_fixture *d, bool noisy, bool every_step, bool masked_input, bool jit)
{
    /* with a masked input, the runtime's density draw is replaced by hand */
    recurrent_init_shape(&d->fx, (recurrent_shape){ noisy, every_step, masked_input, ACTIVATION_RELU, INPUTS,
                                                    OUTPUTS, STEPS, STEPS + 2 });
    d->fx.task.dynamic_networks = 1;
    d->fx.task.shards = 1;   /* kernels over the whole BATCH */
    if (!recurrent_lower(&d->fx, &d->p))
        return false;
    char error[1024];
    d->compiled = jit ? codegen_jit(&d->p, error, sizeof error) : NULL;
    CU_ASSERT_TRUE_FATAL(d->compiled || !jit);
    ir_export_tables(&d->p, false, &d->program, &d->tables);
    d->buffers = fixture_buffers_new(&d->p);
    return true;
}

static void dynamic_close(dynamic_fixture *d)
{
    fixture_buffers_free(&d->p, d->buffers);
    compiled_model_free(d->compiled);
    ir_free_tables(&d->tables);
    ir_program_free(&d->p);
}

/* Draw network `network` of `kind` into the STEP_WEIGHTS buffers from the parameters in the buffers. */
static void dynamic_fill(dynamic_fixture *d, sasc_step_weights kind, uint64_t network)
{
    sasc_parameter_copy copy;
    char error[256];
    double *scratch = malloc(sasc_largest_group(&d->program) * sizeof *scratch);
    CU_ASSERT_PTR_NOT_NULL_FATAL(scratch);
    CU_ASSERT_TRUE_FATAL(sasc_parameters_save(&d->program, d->buffers, &copy, error, sizeof error));
    sasc_dynamic_fill(&d->program, d->buffers, &copy, 11, kind, network, scratch);
    sasc_parameters_free(&copy);
    free(scratch);
}

static int count_role(const ir_program *p, sasc_buffer_role role)
{
    int count = 0;
    for (int i = 0; i < p->buffer_count; i++)
        count += p->buffers[i].desc.role == role;
    return count;
}

/* With pi = Xi = 0 every draw is m: the dynamic network is the deterministic
 * one, exactly, noise and all; the JIT kernel agrees with the interpreter;
 * without dynamic_networks there is no such function or buffer. */
static void test_dynamic_equals_deterministic(void)
{
    dynamic_fixture d, jit;
    if (!dynamic_open(&d, true, true, false, false) || !dynamic_open(&jit, true, true, false, true))
        return;
    CU_ASSERT_EQUAL(count_role(&d.p, SASC_BUFFER_STEP_WEIGHTS), 3);
    CU_ASSERT_TRUE(d.p.predict_dynamic.count > 0);
    dynamic_fixture *both[2] = { &d, &jit };
    for (int k = 0; k < 2; k++) {
        fixture_rng rng = { 5 };
        randomise(&both[k]->p, both[k]->buffers, &rng);
        for (int g = 0; g < both[k]->p.group_count; g++) {
            const int *b = both[k]->p.groups[g].parameter_buffer;
            for (int e = 0; e < both[k]->p.groups[g].fan_in * both[k]->p.groups[g].width; e++) {
                fixture_set(&both[k]->p, both[k]->buffers, b[SASC_PI], e, 0.0);
                fixture_set(&both[k]->p, both[k]->buffers, b[SASC_XI], e, 0.0);
            }
        }
        dynamic_fill(both[k], SASC_STEP_DYNAMIC, 3);
    }
    int state = fixture_find_buffer(&d.p, "h.state"), n = BATCH * OUTPUTS;
    int state_n = (STEPS + 3) * BATCH * UNITS;
    double *mean_field = malloc((size_t)(n + state_n) * sizeof *mean_field);
    CU_ASSERT_PTR_NOT_NULL_FATAL(mean_field);
    fixture_run(&d.p, &d.p.predict, d.buffers);
    for (int e = 0; e < n; e++)
        mean_field[e] = fixture_get(&d.p, d.buffers, d.p.output_buffer, e);
    for (int e = 0; e < state_n; e++)
        mean_field[n + e] = fixture_get(&d.p, d.buffers, state, e);
    fixture_run(&d.p, &d.p.predict_dynamic, d.buffers);
    for (int e = 0; e < n; e++)
        CU_ASSERT_EQUAL(fixture_get(&d.p, d.buffers, d.p.output_buffer, e), mean_field[e]);
    for (int e = 0; e < state_n; e++)
        CU_ASSERT_EQUAL(fixture_get(&d.p, d.buffers, state, e), mean_field[n + e]);
    const sasc_program *compiled = compiled_model_program(jit.compiled);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sasc_program_kernel(compiled, SASC_KERNEL_PREDICT_DYNAMIC));
    sasc_program_kernel(compiled, SASC_KERNEL_PREDICT_DYNAMIC)(jit.buffers);
    for (int e = 0; e < n; e++)
        CU_ASSERT_DOUBLE_EQUAL(fixture_get(&jit.p, jit.buffers, jit.p.output_buffer, e), mean_field[e], 1e-12);
    free(mean_field);
    dynamic_close(&d);
    dynamic_close(&jit);
    recurrent_fixture off;
    recurrent_init(&off, true, true, ACTIVATION_RELU);
    ir_program p;
    if (!recurrent_lower(&off, &p))   /* task.dynamic_networks = 0 */
        return;
    CU_ASSERT_EQUAL(p.predict_dynamic.count, 0);
    CU_ASSERT_EQUAL(count_role(&p, SASC_BUFFER_STEP_WEIGHTS), 0);
    ir_program_free(&p);
}

/* Entry e of every group: pi = 1 (absent at every step), pi = Xi = 0 (m at
 * every step) or stochastic, by e mod 3. */
static void hand_set_parameters(dynamic_fixture *d, fixture_rng *rng)
{
    for (int g = 0; g < d->p.group_count; g++) {
        const int *b = d->p.groups[g].parameter_buffer;
        for (int e = 0; e < d->p.groups[g].fan_in * d->p.groups[g].width; e++) {
            fixture_set(&d->p, d->buffers, b[SASC_M], e, fixture_uniform(rng, -0.8, 0.8));
            fixture_set(&d->p, d->buffers, b[SASC_PI], e, e % 3 == 0 ? 1.0 : e % 3 == 1 ? 0.0 : 0.3);
            fixture_set(&d->p, d->buffers, b[SASC_XI], e, e % 3 == 2 ? 0.05 : 0.0);
        }
    }
}

/* The drawn weights follow the parameters: 0 where pi = 1, m where pi = Xi
 * = 0, and the stochastic entries change from step to step. */
static void check_step_weights(dynamic_fixture *d)
{
    for (int b = 0; b < d->p.buffer_count; b++) {
        const sasc_buffer_desc *desc = &d->p.buffers[b].desc;
        if (desc->role != SASC_BUFFER_STEP_WEIGHTS)
            continue;
        const ir_group *layer = &d->p.groups[desc->group];
        int n = layer->fan_in * layer->width, changed = 0;
        CU_ASSERT_EQUAL(desc->rows, (STEPS + 2) * layer->fan_in);
        for (int t = 0; t < STEPS + 2; t++)
            for (int e = 0; e < n; e++) {
                double w = fixture_get(&d->p, d->buffers, b, t * n + e);
                double m = fixture_get(&d->p, d->buffers, layer->parameter_buffer[SASC_M], e);
                if (e % 3 == 0)
                    CU_ASSERT_EQUAL(w, 0.0);
                if (e % 3 == 1)
                    CU_ASSERT_EQUAL(w, m);
                changed += t > 0 && e % 3 == 2 && w != fixture_get(&d->p, d->buffers, b, e);
            }
        CU_ASSERT_TRUE(changed > 0);
    }
}

/* W_g(t)[source, target], masked. */
static double step_weight(dynamic_fixture *d, const char *group, int t, int source, int target)
{
    char name[64];
    snprintf(name, sizeof name, "%s.step_weights", group);
    int b = fixture_find_buffer(&d->p, name);
    const sasc_buffer_desc *desc = &d->p.buffers[b].desc;
    int e = source * desc->cols + target, n = d->p.groups[desc->group].fan_in * desc->cols;
    int mask = d->p.groups[desc->group].mask_buffer;
    double keep = mask >= 0 ? fixture_get(&d->p, d->buffers, mask, e) : 1.0;
    return keep * fixture_get(&d->p, d->buffers, b, t * n + e);
}

/* Per-step weights known from the parameters, a masked input group, and the
 * output of predict_dynamic against the network computed here in C. */
static void test_dynamic_hand_set(void)
{
    dynamic_fixture d;
    if (!dynamic_open(&d, false, false, true, false))
        return;
    fixture_rng rng = { 99 };
    hand_set_parameters(&d, &rng);
    int mask = fixture_find_buffer(&d.p, "h.in.mask");
    for (int e = 0; e < INPUTS * UNITS; e++)
        fixture_set(&d.p, d.buffers, mask, e, e % 4 != 0);
    fixture_fill(&d.p, d.buffers, d.p.input_buffer, &rng, 0.0, 1.0);
    dynamic_fill(&d, SASC_STEP_DYNAMIC, 2);
    check_step_weights(&d);
    fixture_run(&d.p, &d.p.predict_dynamic, d.buffers);
    const double alpha = 0.3;
    const int T = STEPS + 2;
    for (int s = 0; s < BATCH; s++) {
        double h[UNITS], z[OUTPUTS], norm = 0;
        for (int i = 0; i < UNITS; i++)
            h[i] = 0.1;
        for (int t = 0; t < T; t++) {
            double next[UNITS];
            const double *x = (const double *)d.buffers[d.p.input_buffer] + (t * BATCH + s) * INPUTS;
            for (int i = 0; i < UNITS; i++) {
                double u = 0;
                for (int j = 0; j < UNITS; j++)
                    u += relu(h[j]) * step_weight(&d, "h", t, j, i);
                for (int j = 0; j < INPUTS; j++)
                    u += x[j] * step_weight(&d, "h.in", t, j, i);
                next[i] = (1 - alpha) * h[i] + alpha * u;
            }
            memcpy(h, next, sizeof h);
        }
        for (int k = 0; k < OUTPUTS; k++) {
            z[k] = 0;
            for (int i = 0; i < UNITS; i++)
                z[k] += relu(h[i]) * step_weight(&d, "y", T - 1, i, k);
            norm += exp(z[k]);
        }
        for (int k = 0; k < OUTPUTS; k++)
            CU_ASSERT_DOUBLE_EQUAL(fixture_get(&d.p, d.buffers, d.p.output_buffer, s * OUTPUTS + k),
                                   exp(z[k]) / norm, 1e-12);
    }
    dynamic_close(&d);
}

/* The draws follow the seed: network k's step t is sampled network k T + t;
 * a sampled network repeats its weights at every step; the mean field fills
 * mu = (1 - pi) m. */
static void test_dynamic_draws(void)
{
    dynamic_fixture d;
    if (!dynamic_open(&d, false, false, false, false))
        return;
    fixture_rng rng = { 3 };
    hand_set_parameters(&d, &rng);
    enum { REC = 1 };   /* the groups are h.in, h, y */
    int b = fixture_find_buffer(&d.p, "h.step_weights"), n = UNITS * UNITS, T = STEPS + 2;
    sasc_parameter_copy copy;
    char error[256];
    CU_ASSERT_TRUE_FATAL(sasc_parameters_save(&d.program, d.buffers, &copy, error, sizeof error));
    double w[UNITS * UNITS];
    const sasc_step_weights kinds[3] = { SASC_STEP_DYNAMIC, SASC_STEP_SAMPLED, SASC_STEP_MEAN_FIELD };
    for (int k = 0; k < 3; k++) {
        dynamic_fill(&d, kinds[k], 4);
        for (int t = 0; t < T; t++) {
            if (kinds[k] == SASC_STEP_MEAN_FIELD)
                for (int e = 0; e < n; e++)
                    w[e] = (1 - copy.values[REC][SASC_PI][e]) * copy.values[REC][SASC_M][e];
            else
                sasc_sample_weights(&d.program, &copy, REC, 11, kinds[k] == SASC_STEP_DYNAMIC ? 4 * T + t : 4, w);
            for (int e = 0; e < n; e++)
                CU_ASSERT_EQUAL(fixture_get(&d.p, d.buffers, b, t * n + e), w[e]);
        }
    }
    sasc_parameters_free(&copy);
    dynamic_close(&d);
}

/* Every architecture: with pi = Xi = 0 every draw is m, so predict_dynamic
 * (its weights per step, no eps) is predict exactly, layers before, in and
 * after the loop alike; the program has a STEP_WEIGHTS buffer per
 * stochastic group. */
static void test_dynamic_equals_predict_architectures(void)
{
    const char *texts[] = { stacked, stacked_every, dense_head, dense_every_step, dense_before,
                            dense_output_every_step, kept_across };
    for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++) {
        recurrent_fixture fx;
        if (!fixture_from_text(&fx, texts[k]))
            continue;
        fx.task.dynamic_networks = 1;
        dynamic_fixture d;
        memset(&d, 0, sizeof d);
        if (!recurrent_lower(&fx, &d.p))
            continue;
        ir_export_tables(&d.p, false, &d.program, &d.tables);
        d.buffers = fixture_buffers_new(&d.p);
        CU_ASSERT_EQUAL(count_role(&d.p, SASC_BUFFER_STEP_WEIGHTS), d.p.group_count);
        fixture_rng rng = { 17 };
        randomise(&d.p, d.buffers, &rng);
        for (int g = 0; g < d.p.group_count; g++)
            for (int e = 0; e < d.p.groups[g].fan_in * d.p.groups[g].width; e++) {
                fixture_set(&d.p, d.buffers, d.p.groups[g].parameter_buffer[SASC_PI], e, 0.0);
                fixture_set(&d.p, d.buffers, d.p.groups[g].parameter_buffer[SASC_XI], e, 0.0);
            }
        dynamic_fill(&d, SASC_STEP_DYNAMIC, 3);
        int n = BATCH * d.p.classes;
        double predicted[64];
        CU_ASSERT_FATAL(n <= 64);
        fixture_run(&d.p, &d.p.predict, d.buffers);
        for (int e = 0; e < n; e++)
            predicted[e] = fixture_get(&d.p, d.buffers, d.p.output_buffer, e);
        fixture_run(&d.p, &d.p.predict_dynamic, d.buffers);
        for (int e = 0; e < n; e++)
            CU_ASSERT_EQUAL(fixture_get(&d.p, d.buffers, d.p.output_buffer, e), predicted[e]);
        dynamic_close(&d);
    }
}

/* ---- IR loops: what ir_verify rejects ---- */

static void expect_verify_error(ir_program *p, const char *expected)
{
    char error[512] = "";
    CU_ASSERT_FALSE(ir_verify(p, error, sizeof error));
    CU_ASSERT_PTR_NOT_NULL(strstr(error, expected));
    if (!strstr(error, expected))
        fprintf(stderr, "\nexpected '%s', got '%s'\n", expected, error);
}

/* The exported tables say what each group is and which layer owns it, and
 * the program lists its kernels by role (sasc_runtime.h). */
static void test_tables_say_what_things_are(void)
{
    recurrent_fixture fx;
    recurrent_init(&fx, true, true, ACTIVATION_RELU);
    fx.task.dynamic_networks = 1;
    ir_program p;
    if (!recurrent_lower(&fx, &p))
        return;
    sasc_program program;
    ir_tables tables;
    ir_export_tables(&p, true, &program, &tables);
    CU_ASSERT_EQUAL_FATAL(program.layer_count, 2);
    CU_ASSERT_EQUAL_FATAL(program.group_count, 3);
    CU_ASSERT_STRING_EQUAL(program.layers[0].kind, "recurrent");
    CU_ASSERT_STRING_EQUAL(program.layers[1].kind, "readout");
    CU_ASSERT_TRUE(program.layers[0].per_step && program.layers[1].per_step);   /* readout at every step */
    CU_ASSERT_EQUAL(program.layers[0].first_group, 0);
    CU_ASSERT_EQUAL(program.layers[0].group_count, 2);
    CU_ASSERT_EQUAL(program.layers[1].first_group, 2);
    CU_ASSERT_EQUAL(program.layers[1].group_count, 1);
    CU_ASSERT_EQUAL(program.layers[0].state_buffer, fixture_find_buffer(&p, "h.state"));
    CU_ASSERT_EQUAL(program.layers[1].state_buffer, -1);
    const sasc_group_kind kinds[3] = { SASC_GROUP_RECURRENT_INPUT, SASC_GROUP_RECURRENT, SASC_GROUP_READOUT };
    const int owners[3] = { 0, 0, 1 };
    for (int g = 0; g < 3; g++) {
        CU_ASSERT_EQUAL(program.groups[g].kind, kinds[g]);
        CU_ASSERT_EQUAL(program.groups[g].layer, owners[g]);
    }
    CU_ASSERT_STRING_EQUAL(program.groups[0].name, "h.in");
    CU_ASSERT_EQUAL(program.kernel_count, 5);
    for (int role = 0; role < SASC_KERNEL_ROLE_COUNT; role++) {
        const sasc_kernel_desc *k = sasc_program_find_kernel(&program, (sasc_kernel_role)role);
        CU_ASSERT_PTR_NOT_NULL_FATAL(k);
        CU_ASSERT_STRING_EQUAL(k->symbol, ir_kernel_symbol((sasc_kernel_role)role));
    }
    ir_free_tables(&tables);
    ir_program_free(&p);
}

static void test_ir_loop_verification(void)
{
    ir_program p;
    ir_program_init(&p, "loops", SASC_F64, 2);
    int seq = ir_add_buffer(&p, "seq", SASC_BUFFER_TEMPORARY, -1, SASC_NOT_A_PARAMETER, 8, 3);
    int out = ir_add_buffer(&p, "out", SASC_BUFFER_TEMPORARY, -1, SASC_NOT_A_PARAMETER, 2, 3);
    ir_function *f = &p.train;
    ir_loop_begin(f, 3, false);                       /* blocks t and t+1 of 4: fine */
    int x = ir_slice(f, &p, seq, 2, 0);
    ir_store_slice(f, &p, seq, 1, ir_unary(f, IR_RELU, x));
    ir_loop_end(f);
    char error[512];
    CU_ASSERT_TRUE(ir_verify(&p, error, sizeof error));
    int valid = f->count;
    ir_loop_begin(f, 4, false);                       /* block t+1 of 4 for t = 3: past the end */
    ir_store_slice(f, &p, seq, 1, ir_slice(f, &p, seq, 2, 0));
    ir_loop_end(f);
    expect_verify_error(&p, "runs past the end of buffer 'seq'");
    f->count = valid;
    ir_store(f, &p, out, x);                          /* a loop's value used after it */
    expect_verify_error(&p, "uses %1 from inside a loop it is not in");
    f->count = valid;
    ir_loop_begin(f, 2, false);
    ir_loop_begin(f, 2, false);
    expect_verify_error(&p, "opens inside loop");
    f->count = valid + 1;
    expect_verify_error(&p, "is never closed");
    f->count = valid;
    ir_loop_end(f);
    expect_verify_error(&p, "closes no loop");
    ir_program_free(&p);
}

/* ---- the language: recurrent layers and their diagnostics ---- */

#define RNN_HEAD "model m {\n  input x[4]\n"
#define RNN_LAYER "  layer h = recurrent(x, 6) { steps = 3  alpha = 0.5 }\n"
#define RNN_TAIL "  layer y = readout(h, 2) { activation = softmax }\n  loss cross_entropy(y)\n}\n"

/* Check `text`; returns the number of errors and the messages (free them). */
static int check_source(const char *text, char **messages, checked_file *file)
{
    size_t size;
    FILE *out = open_memstream(messages, &size);
    diagnostics *d = diagnostics_new("t.sas", text, out);
    memset(file, 0, sizeof *file);
    frontend_check("t.sas", text, layer_kinds(), d, file);
    int errors = diagnostics_error_count(d);
    diagnostics_free(d);
    fclose(out);
    return errors;
}

static void expect_diagnostic(const char *text, const char *expected)
{
    char *messages;
    checked_file file;
    int errors = check_source(text, &messages, &file);
    CU_ASSERT_EQUAL(errors, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(messages, expected));
    if (errors != 1 || !strstr(messages, expected))
        fprintf(stderr, "\nexpected: %s\ngot %d error(s):\n%s\n", expected, errors, messages);
    free(messages);
    checked_file_free(&file);
}

static void test_language_recurrent_model(void)
{
    char *messages;
    checked_file file;
    int errors = check_source(RNN_HEAD "  layer h = recurrent(x, 6) {\n"
                              "    steps = 7  dt = 20  tau = 100  sigma = 0.15  sigma_in = 0.01  x0 = 0.2\n"
                              "    m = identity  in_pi = 0 frozen  in_Xi = 0 frozen  test_steps = 9\n  }\n"
                              "  layer y = readout(h, 2) { at = every }\n  loss mse(y)\n}\n",
                              &messages, &file);
    CU_ASSERT_EQUAL_FATAL(errors, 0);
    const model_spec *model = &file.models[0];
    const layer_spec *h = &model->layers[0], *y = &model->layers[1];
    enum { INPUT_GROUP, RECURRENT_GROUP };
    CU_ASSERT_STRING_EQUAL(h->kind->name, "recurrent");
    CU_ASSERT_EQUAL(model->steps, 7);
    CU_ASSERT_EQUAL(model->test_steps, 9);
    CU_ASSERT_DOUBLE_EQUAL(layer_spec_get(h, "alpha"), 0.2, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(layer_spec_get(h, "sigma"), 0.15, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(layer_spec_get(h, "x0"), 0.2, 1e-15);
    CU_ASSERT_EQUAL(h->activation, ACTIVATION_RELU);
    CU_ASSERT_EQUAL(h->group[RECURRENT_GROUP].prior[SASC_M].init.kind, SASC_INIT_IDENTITY);
    CU_ASSERT_EQUAL(h->group[RECURRENT_GROUP].fan_in, 6);
    CU_ASSERT_TRUE(h->group[INPUT_GROUP].prior[SASC_PI].frozen && h->group[INPUT_GROUP].prior[SASC_XI].frozen);
    CU_ASSERT_FALSE(h->group[RECURRENT_GROUP].prior[SASC_PI].frozen);
    CU_ASSERT_EQUAL(h->fan_in, 4);
    CU_ASSERT_EQUAL(h->group[INPUT_GROUP].fan_in, 4);
    CU_ASSERT_TRUE(h->reads_sequence && h->per_step);
    CU_ASSERT_STRING_EQUAL(y->kind->name, "readout");
    CU_ASSERT_TRUE(y->per_step);
    CU_ASSERT_FALSE(y->at_last);
    CU_ASSERT_FALSE(y->fan_in_scaling);
    free(messages);
    checked_file_free(&file);
}

/* Stacked recurrent layers and dense layers before and after them: each
 * layer's timing follows from its kind and its source. */
static void test_language_chains(void)
{
    char *messages;
    checked_file file;
    int errors = check_source(RNN_HEAD "  layer e = dense(x, 5) { activation = tanh }\n"
                              "  layer h1 = recurrent(e, 6) { steps = 3 }\n"
                              "  layer h2 = recurrent(h1, 4) { alpha = 0.5  test_steps = 4 }\n"
                              "  layer d = dense(h2, 3) { at = last  activation = relu }\n"
                              "  layer y = dense(d, 2) { activation = softmax }\n"
                              "  loss cross_entropy(y)\n}\n", &messages, &file);
    CU_ASSERT_EQUAL_FATAL(errors, 0);
    const model_spec *model = &file.models[0];
    CU_ASSERT_EQUAL(model->steps, 3);
    CU_ASSERT_EQUAL(model->test_steps, 4);
    const bool per_step[5] = { true, true, true, false, false };
    const bool at_last[5] = { false, false, false, true, false };
    for (int i = 0; i < 5; i++) {
        CU_ASSERT_EQUAL(model->layers[i].per_step, per_step[i]);
        CU_ASSERT_EQUAL(model->layers[i].at_last, at_last[i]);
    }
    CU_ASSERT_TRUE(model->layers[0].fan_in_scaling);
    CU_ASSERT_DOUBLE_EQUAL(layer_spec_get(&model->layers[2], "alpha"), 0.5, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(layer_spec_get(&model->layers[1], "alpha"), 1.0, 1e-15);
    free(messages);
    checked_file_free(&file);
}

static void test_language_recurrent_diagnostics(void)
{
    expect_diagnostic(RNN_HEAD "  layer h = recurrent(x, 6) { alpha = 0.5 }\n" RNN_TAIL,
                      "t.sas:3:9: error: recurrent layer 'h' needs the number of time steps, e.g. 'steps = 28'");
    expect_diagnostic(RNN_HEAD "  layer h = recurrent(x, 6) { steps = 3  alpha = 1.5 }\n" RNN_TAIL,
                      "error: the leak alpha = 1.5 must be in (0, 1]");
    expect_diagnostic(RNN_HEAD "  layer h = recurrent(x, 6) { steps = 3  dt = 20 }\n" RNN_TAIL,
                      "error: dt and tau go together (alpha = dt / tau); add 'tau'");
    expect_diagnostic(RNN_HEAD "  layer h = recurrent(x, 6) { steps = 3  alpha = 0.5  dt = 1  tau = 2 }\n" RNN_TAIL,
                      "error: give either alpha or dt and tau, not both");
    expect_diagnostic(RNN_HEAD "  layer h = recurrent(x, 6) { steps = 3  scale = none }\n" RNN_TAIL,
                      "t.sas:3:42: error: 'scale' is not a setting of a recurrent layer");
    expect_diagnostic(RNN_HEAD "  layer h = recurrent(x, 6) { steps = 3  sigma = -1 }\n" RNN_TAIL,
                      "error: 'sigma' must be >= 0, not -1");
    expect_diagnostic(RNN_HEAD "  layer h = recurrent(x, 6) { steps = 3  in_m = identity }\n" RNN_TAIL,
                      "identity initialisation needs a square connection group, but layer 'h' is 4 x 6");
    expect_diagnostic(RNN_HEAD "  layer h = recurrent(x, 6) { steps = 3  activation = softmax }\n" RNN_TAIL,
                      "t.sas:3:55: error: a recurrent layer's transfer function is elementwise; softmax is not");
    expect_diagnostic(RNN_HEAD "  layer y = readout(x, 2) { activation = softmax }\n  loss cross_entropy(y)\n}\n",
                      "t.sas:3:21: error: a readout layer reads a sequence (a value at every time step), but 'x' has "
                      "one value per sample: model 'm' has no time axis (a recurrent layer gives it one); read 'x' "
                      "with dense(x, width)");
    expect_diagnostic(RNN_HEAD RNN_LAYER "  layer y = readout(h, 2) { activation = softmax  at = evry }\n"
                      "  loss cross_entropy(y)\n}\n",
                      "unknown 'at' value 'evry'; did you mean 'every'?");
    expect_diagnostic(RNN_HEAD RNN_LAYER "  layer y = readout(h, 2) { activation = softmax  at = every }\n"
                      "  loss cross_entropy(y)\n}\n",
                      "t.sas:5:22: error: cross_entropy is taken at the last step, but readout 'y' has a value at "
                      "every step; use 'loss mse(y)' or 'at = last'");
    expect_diagnostic(RNN_HEAD RNN_LAYER "  layer d = dense(h, 3)\n  layer y = dense(d, 2) { activation = softmax }\n"
                      "  loss cross_entropy(y)\n}\n",
                      "t.sas:6:22: error: cross_entropy is taken at the last step, but dense 'y' has a value at "
                      "every step; use 'loss mse(y)' or 'at = last'");
    expect_diagnostic(RNN_HEAD RNN_LAYER "  layer g = recurrent(h, 6) { steps = 4 }\n" RNN_TAIL,
                      "t.sas:4:39: error: layer 'g' has steps = 4, but 'h' has 3; the layers of a model share one "
                      "time axis");
    expect_diagnostic(RNN_HEAD RNN_LAYER "  layer d = dense(h, 3) { at = last }\n"
                      "  layer g = recurrent(d, 6)\n  layer y = readout(g, 2) { activation = softmax }\n"
                      "  loss cross_entropy(y)\n}\n",
                      "t.sas:5:23: error: a recurrent layer reads a sequence (a value at every time step), but 'd' "
                      "reads only the last step of 'h' (at = last); give 'd' 'at = every', or read it with "
                      "dense(d, width)");
    expect_diagnostic(RNN_HEAD RNN_LAYER "  layer d = dense(h, 3) { at = last }\n  layer e = dense(d, 3)\n"
                      "  layer y = readout(e, 2) { activation = softmax }\n  loss cross_entropy(y)\n}\n",
                      "t.sas:6:21: error: a readout layer reads a sequence (a value at every time step), but 'e' "
                      "has one value per sample: it comes after 'd', which reads only the last step (at = last); "
                      "read 'e' with dense(e, width)");
    expect_diagnostic(RNN_HEAD "  layer d = dense(x, 3) { at = last }\n  layer y = dense(d, 2) { activation = softmax }\n"
                      "  loss cross_entropy(y)\n}\n",
                      "t.sas:3:27: error: 'at' chooses the steps of a sequence to read, but 'x' has one value per "
                      "sample (not a value at every time step); remove it");
}

/* ---- the MSI generator ---- */

static void test_msi_timings(void)
{
    sasc_msi_timing train = sasc_msi_timing_of(20, false), test = sasc_msi_timing_of(20, true);
    CU_ASSERT_EQUAL(train.fixation, 15);
    CU_ASSERT_EQUAL(train.stimulus, 45);
    CU_ASSERT_EQUAL(train.decision, 20);
    CU_ASSERT_EQUAL(test.fixation, 25);
    CU_ASSERT_EQUAL(test.stimulus, 50);
    CU_ASSERT_EQUAL(test.decision, 15);
}

static void test_msi_tuning(void)
{
    sasc_msi_timing t = sasc_msi_timing_of(20, false);
    double x[4];
    sasc_msi_inputs(&t, 16, SASC_MSI_VISUAL, 20, x);
    CU_ASSERT_DOUBLE_EQUAL(x[0], 1.0, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(x[1], 0.0, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(x[2] + x[3], 0.0, 1e-15);
    sasc_msi_inputs(&t, 12, SASC_MSI_BOTH, 15, x);          /* first stimulus step */
    CU_ASSERT_DOUBLE_EQUAL(x[0], 3 / 7.0, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(x[1], 4 / 7.0, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(x[2], 3 / 7.0, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(x[3], 4 / 7.0, 1e-15);
    sasc_msi_inputs(&t, 9, SASC_MSI_AUDITORY, 40, x);
    CU_ASSERT_DOUBLE_EQUAL(x[0] + x[1], 0.0, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(x[3], 1.0, 1e-15);
    const int silent[2] = { 14, 60 };                        /* last fixation, first decision step */
    for (int k = 0; k < 2; k++) {
        sasc_msi_inputs(&t, 14, SASC_MSI_BOTH, silent[k], x);
        CU_ASSERT_DOUBLE_EQUAL(x[0] + x[1] + x[2] + x[3], 0.0, 1e-15);
    }
    CU_ASSERT_EQUAL(sasc_msi_choice(12), SASC_MSI_LOW);
    CU_ASSERT_EQUAL(sasc_msi_choice(13), SASC_MSI_HIGH);
}

/* An MSI-shaped program (4 inputs, 2 outputs every step, 80/90 steps). */
static bool msi_program(ir_program *ir, sasc_program *program, ir_tables *tables)
{
    recurrent_fixture fx;
    recurrent_init_shape(&fx, (recurrent_shape){ true, true, false, ACTIVATION_RELU, 4, 2, 80, 90 });
    if (!recurrent_lower(&fx, ir))
        return false;
    ir_export_tables(ir, false, program, tables);
    return true;
}

static void test_msi_trials_targets_masks(void)
{
    ir_program ir;
    sasc_program program;
    ir_tables tables;
    if (!msi_program(&ir, &program, &tables))
        return;
    sasc_msi msi, again;
    char error[512];
    CU_ASSERT_TRUE_FATAL(sasc_msi_create(&msi, &program, 300, 48, 9, error, sizeof error));
    CU_ASSERT_TRUE_FATAL(sasc_msi_create(&again, &program, 300, 48, 9, error, sizeof error));
    CU_ASSERT_DOUBLE_EQUAL(msi.dt_ms, 20.0, 1e-12);
    CU_ASSERT_EQUAL(memcmp(msi.train.rate, again.train.rate, 300), 0);        /* from the seed */
    CU_ASSERT_EQUAL(memcmp(msi.train.modality, again.train.modality, 300), 0);
    int seen[SASC_MSI_MODALITIES][SASC_MSI_RATES] = { { 0 } };
    for (long k = 0; k < 48; k++)
        seen[msi.test.modality[k]][msi.test.rate[k] - SASC_MSI_LOW_RATE]++;
    for (int m = 0; m < SASC_MSI_MODALITIES; m++)
        for (int r = 0; r < SASC_MSI_RATES; r++)
            CU_ASSERT_EQUAL(seen[m][r], 2);                               /* every pair equally */
    for (long k = 0; k < 300; k++)
        CU_ASSERT_TRUE(msi.train.rate[k] >= 9 && msi.train.rate[k] <= 16 && msi.train.modality[k] < 3);
    void **buffers = fixture_buffers_new(&ir);
    sasc_msi_load_batch(&msi, &program, buffers, false, NULL, 0, 1);       /* trial 0 in row 0 */
    int mask = fixture_find_buffer(&ir, "target.mask"), choice = sasc_msi_choice(msi.train.rate[0]);
    const int steps[3] = { 3, 30, 70 };                                    /* one per period */
    for (int k = 0; k < 3; k++) {
        int at = steps[k] * BATCH * 2;
        CU_ASSERT_DOUBLE_EQUAL(fixture_get(&ir, buffers, mask, at), k == 1 ? 0.0 : 1.0, 0);
        CU_ASSERT_DOUBLE_EQUAL(fixture_get(&ir, buffers, ir.target_buffer, at + choice), k == 2 ? 1.0 : 0.2, 1e-7);
        CU_ASSERT_DOUBLE_EQUAL(fixture_get(&ir, buffers, ir.target_buffer, at + 1 - choice), 0.2, 1e-7);
        CU_ASSERT_DOUBLE_EQUAL(fixture_get(&ir, buffers, mask, at + 2), 0.0, 0);   /* row 1: padding */
    }
    fixture_buffers_free(&ir, buffers);
    sasc_msi_free(&msi);
    sasc_msi_free(&again);
    ir_free_tables(&tables);
    ir_program_free(&ir);
}

static void test_msi_rejects_wrong_steps(void)
{
    ir_program ir;
    sasc_program program;
    ir_tables tables;
    if (!msi_program(&ir, &program, &tables))
        return;
    for (int i = 0; i < ir.buffer_count; i++)   /* pretend the test sequence is 85 steps */
        if (tables.buffers[i].role == SASC_BUFFER_INPUT)
            tables.buffers[i].rows = 85 * BATCH;
    sasc_msi msi;
    char error[512];
    CU_ASSERT_FALSE(sasc_msi_create(&msi, &program, 10, 10, 1, error, sizeof error));
    CU_ASSERT_PTR_NOT_NULL(strstr(error, "test_steps = 90"));
    sasc_msi_free(&msi);
    ir_free_tables(&tables);
    ir_program_free(&ir);
}

/* The MSI generator as a data source (source.h): its shape, unused
 * splits, labels, deterministic batches (contract 2) and test metrics. */
static void test_msi_source(void)
{
    ir_program ir;
    sasc_program program;
    ir_tables tables;
    if (!msi_program(&ir, &program, &tables))
        return;
    char error[512];
    sasc_data_request probe = {"msi", {0, 0}, 9, NULL, NULL};
    sasc_data_shape shape;
    CU_ASSERT_TRUE_FATAL(sasc_data_msi.probe(&probe, &shape, error, sizeof error));
    CU_ASSERT_EQUAL(shape.count[SASC_SPLIT_TRAIN], 4800);
    CU_ASSERT_EQUAL(shape.count[SASC_SPLIT_TEST], 2400);
    CU_ASSERT_TRUE(shape.sequence && shape.targets_per_step && shape.loss_mask && shape.noisy_test);
    CU_ASSERT_EQUAL(shape.steps[SASC_SPLIT_TRAIN], 0);       /* follows the model's dt */
    CU_ASSERT_EQUAL(shape.features, 4);
    CU_ASSERT_EQUAL(shape.targets, SASC_TARGETS_VALUES);
    sasc_data_request test_only = {"msi", {SASC_DATA_UNUSED, 48}, 9, NULL, NULL};
    sasc_data_source *source = sasc_data_open_kind(&sasc_data_msi, &test_only, &program, error, sizeof error);
    CU_ASSERT_PTR_NOT_NULL_FATAL(source);
    CU_ASSERT_EQUAL(sasc_data_count(source, SASC_SPLIT_TRAIN), 0);
    CU_ASSERT_EQUAL(sasc_data_count(source, SASC_SPLIT_TEST), 48);
    CU_ASSERT_EQUAL(source->shape.steps[SASC_SPLIT_TRAIN], 80);
    CU_ASSERT_EQUAL(source->shape.steps[SASC_SPLIT_TEST], 90);
    CU_ASSERT_EQUAL_FATAL(source->shape.metric_count, 3);
    CU_ASSERT_STRING_EQUAL(source->shape.metric_names[2], "test_accuracy_multisensory");
    for (long k = 0; k < 48; k++)
        CU_ASSERT_EQUAL(sasc_data_label(source, SASC_SPLIT_TEST, k),
                        sasc_msi_choice(sasc_msi_test_rate(k)));
    /* training trial k does not depend on how many trials were asked for */
    sasc_data_request few = {"msi", {10, SASC_DATA_UNUSED}, 9, NULL, NULL}, many = {"msi", {300, 1}, 9, NULL, NULL};
    sasc_data_source *a = sasc_data_open_kind(&sasc_data_msi, &few, &program, error, sizeof error);
    sasc_data_source *b = sasc_data_open_kind(&sasc_data_msi, &many, &program, error, sizeof error);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    void **one = fixture_buffers_new(&ir), **two = fixture_buffers_new(&ir);
    const size_t order[2] = {7, 3};
    sasc_data_load_batch(a, &program, one, SASC_SPLIT_TRAIN, order, 0, 2);
    sasc_data_load_batch(b, &program, two, SASC_SPLIT_TRAIN, NULL, 0, BATCH);  /* junk first */
    sasc_data_load_batch(b, &program, two, SASC_SPLIT_TRAIN, order, 0, 2);
    int mask = fixture_find_buffer(&ir, "target.mask");
    const int filled[3] = {ir.input_buffer, ir.target_buffer, mask};
    for (int f = 0; f < 3; f++) {
        int n = tables.buffers[filled[f]].rows * tables.buffers[filled[f]].cols;
        bool same = true;
        for (int k = 0; k < n; k++)
            same = same && fixture_get(&ir, one, filled[f], k) == fixture_get(&ir, two, filled[f], k);
        CU_ASSERT_TRUE(same);
    }
    for (int k = 0; k < 2; k++)
        CU_ASSERT_EQUAL(sasc_data_label(a, SASC_SPLIT_TRAIN, (long)order[k]),
                        sasc_data_label(b, SASC_SPLIT_TRAIN, (long)order[k]));
    /* metrics: every output "high" is right on the high-rate trials only */
    double values[3];
    sasc_data_metrics_reset(source);
    for (int row = 0; row < BATCH; row++) {
        fixture_set(&ir, one, ir.output_buffer, row * 2, 1.0);
        fixture_set(&ir, one, ir.output_buffer, row * 2 + 1, 0.0);
    }
    for (long first = 0; first < 48; first += BATCH)
        sasc_data_metrics_tally(source, &program, one, first, BATCH);
    sasc_data_metrics_read(source, values);
    for (int m = 0; m < 3; m++)
        CU_ASSERT_DOUBLE_EQUAL(values[m], 0.5, 1e-15);   /* rates 13..16 of 9..16 */
    fixture_buffers_free(&ir, one);
    fixture_buffers_free(&ir, two);
    sasc_data_close(a);
    sasc_data_close(b);
    sasc_data_close(source);
    ir_free_tables(&tables);
    ir_program_free(&ir);
}

/* ---- per-step noise ---- */

/* Split over threads, the draws are those of one sequential call. */
static void test_parallel_normals_identical(void)
{
    const size_t sizes[3] = { 7, (1 << 17) + 1, 3 << 17 };
    for (int s = 0; s < 3; s++) {
        size_t n = sizes[s];
        double *one = malloc(n * sizeof *one), *many = malloc(n * sizeof *many);
        CU_ASSERT_PTR_NOT_NULL_FATAL(one);
        CU_ASSERT_PTR_NOT_NULL_FATAL(many);
        sasc_rng_normals(5, 77, (uint64_t)3 << 32, one, n);
        const int threads[3] = { 1, 2, 5 };
        for (int t = 0; t < 3; t++) {
            sasc_rng_normals_parallel(5, 77, (uint64_t)3 << 32, many, n, threads[t]);
            CU_ASSERT_EQUAL(memcmp(one, many, n * sizeof *one), 0);
        }
        free(one);
        free(many);
    }
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
    CU_add_test(suite, "stacked recurrent layers: gradients = finite differences", test_stacked_gradients);
    CU_add_test(suite, "stacked recurrent layers read every step: gradients = finite differences",
                test_stacked_every_step_gradients);
    CU_add_test(suite, "a dense head at the last step: gradients = finite differences", test_dense_head_gradients);
    CU_add_test(suite, "a dense layer at every step after a recurrent one: gradients = finite differences",
                test_dense_every_step_gradients);
    CU_add_test(suite, "dense layers at every step before a recurrent one: gradients = finite differences",
                test_dense_before_gradients);
    CU_add_test(suite, "a dense output at every step: gradients = finite differences",
                test_dense_output_every_step_gradients);
    CU_add_test(suite, "a layer in the loop read after it: gradients = finite differences",
                test_kept_across_gradients);
    CU_add_test(suite, "JIT kernels = interpreter, every architecture", test_jit_matches_interpreter_architectures);
    CU_add_test(suite, "gradients = the paper's Eqs. 8-13 transcribed", test_paper_equations);
    CU_add_test(suite, "malformed loops are rejected", test_ir_loop_verification);
    CU_add_test(suite, "the tables say what layers, groups and kernels are", test_tables_say_what_things_are);
    CU_add_test(suite, "dynamic network with pi = Xi = 0 = the deterministic one", test_dynamic_equals_deterministic);
    CU_add_test(suite, "dynamic network = its per-step weights computed in C", test_dynamic_hand_set);
    CU_add_test(suite, "dynamic network draws follow the seed", test_dynamic_draws);
    CU_add_test(suite, "dynamic network with pi = Xi = 0 = predict, every architecture",
                test_dynamic_equals_predict_architectures);
    CU_add_test(suite, "noise drawn in parallel = drawn in sequence", test_parallel_normals_identical);
    CU_pSuite language = CU_add_suite("recurrent language", NULL, NULL);
    CU_add_test(language, "a recurrent model is checked into its layer specs", test_language_recurrent_model);
    CU_add_test(language, "chains of kinds are timed from their declarations", test_language_chains);
    CU_add_test(language, "diagnostics", test_language_recurrent_diagnostics);
    CU_pSuite msi = CU_add_suite("msi generator", NULL, NULL);
    CU_add_test(msi, "periods in steps of dt", test_msi_timings);
    CU_add_test(msi, "tuned inputs and choices", test_msi_tuning);
    CU_add_test(msi, "trials, targets and loss masks", test_msi_trials_targets_masks);
    CU_add_test(msi, "test sequence length is checked", test_msi_rejects_wrong_steps);
    CU_add_test(msi, "as a data source: shape, splits, batches, metrics", test_msi_source);
    return testing_run_registry();
}
