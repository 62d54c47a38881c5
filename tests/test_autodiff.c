/*
 * test_autodiff.c — ir_differentiate against central finite differences, in
 * f64: every differentiable opcode in isolation, then whole random gBP
 * models through lower_model and the interpreter, then the Delta = 0 guard.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "testing.h"
#include "ir_fixtures.h"
#include "compiler/ir/autodiff.h"
#include "compiler/lower/lower.h"

#define FD_STEP 1e-6
#define FD_TOLERANCE 1e-6

/* ---- one opcode in isolation ----
 * Program: inputs "in0".."in2", a random weight "w" of the result's shape,
 * "loss" = sum(w * op(inputs)), and "grad0".."grad2". The weight makes every
 * element of the result matter with a different coefficient. */

typedef struct {
    const char *name;
    int inputs;
    int shape[3][2];
    bool differentiable[3];
    double low, high;          /* inputs uniform in [low, high] ... */
    double avoid;              /* ... with |x - kink| >= 0.05 for kink = avoid, -avoid */
    int (*build)(ir_function *f, const int *in);
} op_case;

static int build_matmul(ir_function *f, const int *in) { return ir_matmul(f, in[0], in[1], false, false, 0.7); }
static int build_matmul_ta(ir_function *f, const int *in) { return ir_matmul(f, in[0], in[1], true, false, 1.3); }
static int build_matmul_tb(ir_function *f, const int *in) { return ir_matmul(f, in[0], in[1], false, true, -0.4); }
static int build_matmul_tt(ir_function *f, const int *in) { return ir_matmul(f, in[0], in[1], true, true, 2.0); }
static int build_add(ir_function *f, const int *in) { return ir_binary(f, IR_ADD, in[0], in[1]); }
static int build_sub(ir_function *f, const int *in) { return ir_binary(f, IR_SUB, in[0], in[1]); }
static int build_mul(ir_function *f, const int *in) { return ir_binary(f, IR_MUL, in[0], in[1]); }
static int build_div(ir_function *f, const int *in) { return ir_binary(f, IR_DIV, in[0], in[1]); }
static int build_mul_self(ir_function *f, const int *in) { return ir_binary(f, IR_MUL, in[0], in[0]); }
static int build_affine(ir_function *f, const int *in) { return ir_affine(f, in[0], -1.7, 0.3); }
static int build_square(ir_function *f, const int *in) { return ir_unary(f, IR_SQUARE, in[0]); }
static int build_sqrt(ir_function *f, const int *in) { return ir_unary(f, IR_SQRT, in[0]); }
static int build_exp(ir_function *f, const int *in) { return ir_unary(f, IR_EXP, in[0]); }
static int build_log(ir_function *f, const int *in) { return ir_unary(f, IR_LOG, in[0]); }
static int build_relu(ir_function *f, const int *in) { return ir_unary(f, IR_RELU, in[0]); }
static int build_tanh(ir_function *f, const int *in) { return ir_unary(f, IR_TANH, in[0]); }
static int build_sigmoid(ir_function *f, const int *in) { return ir_unary(f, IR_SIGMOID, in[0]); }
static int build_clamp(ir_function *f, const int *in) { return ir_clamp(f, in[0], -0.5, 0.5); }
static int build_clamp_low(ir_function *f, const int *in) { return ir_clamp(f, in[0], -0.5, INFINITY); }
static int build_softmax(ir_function *f, const int *in) { return ir_unary(f, IR_SOFTMAX, in[0]); }
static int build_cross_entropy(ir_function *f, const int *in) { return ir_cross_entropy(f, in[0], in[1]); }
static int build_sum(ir_function *f, const int *in) { return ir_unary(f, IR_SUM, in[0]); }
static int build_broadcast(ir_function *f, const int *in) { return ir_broadcast(f, in[0], 3, 2); }

/* A chain that uses one input twice along different paths. */
static int build_shared(ir_function *f, const int *in)
{
    int t = ir_unary(f, IR_TANH, in[0]);
    return ir_binary(f, IR_MUL, ir_matmul(f, t, in[0], true, false, 1.0), ir_unary(f, IR_EXP, in[1]));
}

#define ONE(r, c) 1, { { r, c } }, { true }
static const op_case op_cases[] = {
    { "matmul", 2, { { 3, 4 }, { 4, 2 } }, { true, true }, -1, 1, -1, build_matmul },
    { "matmul a^T", 2, { { 4, 3 }, { 4, 2 } }, { true, true }, -1, 1, -1, build_matmul_ta },
    { "matmul b^T", 2, { { 3, 4 }, { 2, 4 } }, { true, true }, -1, 1, -1, build_matmul_tb },
    { "matmul a^T b^T", 2, { { 4, 3 }, { 2, 4 } }, { true, true }, -1, 1, -1, build_matmul_tt },
    { "add", 2, { { 3, 2 }, { 3, 2 } }, { true, true }, -1, 1, -1, build_add },
    { "add scalar left", 2, { { 1, 1 }, { 3, 2 } }, { true, true }, -1, 1, -1, build_add },
    { "sub", 2, { { 3, 2 }, { 3, 2 } }, { true, true }, -1, 1, -1, build_sub },
    { "sub scalar right", 2, { { 3, 2 }, { 1, 1 } }, { true, true }, -1, 1, -1, build_sub },
    { "mul", 2, { { 3, 2 }, { 3, 2 } }, { true, true }, -1, 1, -1, build_mul },
    { "mul scalar left", 2, { { 1, 1 }, { 3, 2 } }, { true, true }, -1, 1, -1, build_mul },
    { "mul by itself", ONE(3, 2), -1, 1, -1, build_mul_self },
    { "div", 2, { { 3, 2 }, { 3, 2 } }, { true, true }, 0.5, 2, -1, build_div },
    { "div scalar right", 2, { { 3, 2 }, { 1, 1 } }, { true, true }, 0.5, 2, -1, build_div },
    { "div scalar left", 2, { { 1, 1 }, { 3, 2 } }, { true, true }, 0.5, 2, -1, build_div },
    { "affine", ONE(3, 2), -1, 1, -1, build_affine },
    { "square", ONE(3, 2), -1, 1, -1, build_square },
    { "sqrt", ONE(3, 2), 0.1, 2, -1, build_sqrt },
    { "exp", ONE(3, 2), -1, 1, -1, build_exp },
    { "log", ONE(3, 2), 0.2, 2, -1, build_log },
    { "relu", ONE(4, 3), -1, 1, 0, build_relu },
    { "tanh", ONE(3, 2), -2, 2, -1, build_tanh },
    { "sigmoid", ONE(3, 2), -3, 3, -1, build_sigmoid },
    { "clamp", ONE(4, 3), -1, 1, 0.5, build_clamp },
    { "clamp to +inf", ONE(4, 3), -1, 1, 0.5, build_clamp_low },
    { "softmax", ONE(3, 4), -2, 2, -1, build_softmax },
    { "cross_entropy", 2, { { 3, 4 }, { 3, 4 } }, { true, false }, -2, 2, -1, build_cross_entropy },
    { "sum", ONE(3, 2), -1, 1, -1, build_sum },
    { "broadcast", ONE(1, 1), -1, 1, -1, build_broadcast },
    { "shared operand", 2, { { 3, 2 }, { 2, 2 } }, { true, true }, -1, 1, -1, build_shared },
};

static double sample_input(const op_case *c, fixture_rng *rng)
{
    for (;;) {
        double x = fixture_uniform(rng, c->low, c->high);
        if (c->avoid < 0 || (fabs(x - c->avoid) >= 0.05 && fabs(x + c->avoid) >= 0.05))
            return x;
    }
}

/* Builds the program of one case; returns the result node of the op. */
static void build_op_program(const op_case *c, ir_program *p, int *input, int *gradient,
                             int *weight, int *loss)
{
    ir_program_init(p, c->name, SASC_F64, 1);
    char name[16];
    for (int k = 0; k < c->inputs; k++) {
        snprintf(name, sizeof name, "in%d", k);
        input[k] = ir_add_buffer(p, name, SASC_BUFFER_INPUT, -1, SASC_NOT_A_PARAMETER,
                                 c->shape[k][0], c->shape[k][1]);
        snprintf(name, sizeof name, "grad%d", k);
        gradient[k] = ir_add_buffer(p, name, SASC_BUFFER_GRADIENT, -1, SASC_NOT_A_PARAMETER,
                                    c->shape[k][0], c->shape[k][1]);
    }
    *loss = ir_add_buffer(p, "loss", SASC_BUFFER_LOSS, -1, SASC_NOT_A_PARAMETER, 1, 1);
    ir_function *f = &p->train;
    int leaf[3], wrt[3], wrt_count = 0, result[3], leaf_of[3];
    for (int k = 0; k < c->inputs; k++)
        leaf[k] = ir_buffer_node(f, p, input[k]);
    int y = c->build(f, leaf);
    *weight = ir_add_buffer(p, "w", SASC_BUFFER_INPUT, -1, SASC_NOT_A_PARAMETER,
                            f->nodes[y].rows, f->nodes[y].cols);
    int total = ir_unary(f, IR_SUM, ir_binary(f, IR_MUL, y, ir_buffer_node(f, p, *weight)));
    ir_store(f, p, *loss, total);
    for (int k = 0; k < c->inputs; k++)
        if (c->differentiable[k]) {
            leaf_of[wrt_count] = k;
            wrt[wrt_count++] = leaf[k];
        }
    ir_differentiate(f, total, wrt, wrt_count, result);
    for (int j = 0; j < wrt_count; j++)
        ir_store(f, p, gradient[leaf_of[j]], result[j]);
}

/* Central difference of the LOSS buffer along one element of `buffer`. */
static double finite_difference(const ir_program *p, const ir_function *f, void **buffers,
                                int buffer, int element, int loss)
{
    double *x = (double *)buffers[buffer] + element, saved = *x;
    *x = saved + FD_STEP;
    fixture_run(p, f, buffers);
    double plus = fixture_get(p, buffers, loss, 0);
    *x = saved - FD_STEP;
    fixture_run(p, f, buffers);
    double minus = fixture_get(p, buffers, loss, 0);
    *x = saved;
    return (plus - minus) / (2 * FD_STEP);
}

/* Compare every element of `gradient` with finite differences along `buffer`;
 * returns the number of mismatches (and reports the first). */
static int compare_with_fd(const ir_program *p, const ir_function *f, void **buffers,
                           int buffer, int gradient, int loss)
{
    fixture_run(p, f, buffers);
    const sasc_buffer_desc *d = &p->buffers[buffer].desc;
    int count = d->rows * d->cols, mismatches = 0;
    double *analytic = malloc((size_t)count * sizeof *analytic);
    CU_ASSERT_PTR_NOT_NULL_FATAL(analytic);
    memcpy(analytic, buffers[gradient], (size_t)count * sizeof *analytic);
    for (int e = 0; e < count; e++) {
        double numeric = finite_difference(p, f, buffers, buffer, e, loss);
        bool close = fabs(analytic[e] - numeric) <= FD_TOLERANCE * (1 + fabs(numeric));
        if (!close && mismatches++ == 0)
            fprintf(stderr, "\n  %s: d loss / d %s[%d] = %.12g, finite difference %.12g\n",
                    f->name, d->name, e, analytic[e], numeric);
    }
    free(analytic);
    return mismatches;
}

static void check_op_case(const op_case *c, fixture_rng *rng)
{
    ir_program p;
    int input[3], gradient[3], weight, loss;
    build_op_program(c, &p, input, gradient, &weight, &loss);
    char error[256];
    CU_ASSERT_TRUE(ir_verify(&p, error, sizeof error));
    void **buffers = fixture_buffers_new(&p);
    for (int k = 0; k < c->inputs; k++)
        for (int e = 0; e < c->shape[k][0] * c->shape[k][1]; e++)
            fixture_set(&p, buffers, input[k], e, sample_input(c, rng));
    if (c->build == build_cross_entropy)
        fixture_fill(&p, buffers, input[1], rng, 0.0, 1.0);   /* soft targets: a general test */
    fixture_fill(&p, buffers, weight, rng, -1.0, 1.0);
    for (int k = 0; k < c->inputs; k++) {
        if (!c->differentiable[k])
            continue;
        int mismatches = compare_with_fd(&p, &p.train, buffers, input[k], gradient[k], loss);
        if (mismatches)
            fprintf(stderr, "  opcode case '%s', input %d: %d mismatches\n", c->name, k, mismatches);
        CU_ASSERT_EQUAL(mismatches, 0);
    }
    fixture_buffers_free(&p, buffers);
    ir_program_free(&p);
}

static void test_every_opcode(void)
{
    fixture_rng rng = { 1 };
    for (size_t i = 0; i < sizeof op_cases / sizeof op_cases[0]; i++)
        check_op_case(&op_cases[i], &rng);
}

/* A wrt node the loss does not depend on gets a zero gradient, and nodes off
 * the path from the wrt leaves to the loss get no adjoint computation. */
static void test_pruning(void)
{
    ir_program p;
    ir_program_init(&p, "prune", SASC_F64, 1);
    int a = ir_add_buffer(&p, "a", SASC_BUFFER_INPUT, -1, SASC_NOT_A_PARAMETER, 2, 2);
    int b = ir_add_buffer(&p, "b", SASC_BUFFER_INPUT, -1, SASC_NOT_A_PARAMETER, 2, 2);
    ir_function *f = &p.train;
    int leaf_a = ir_buffer_node(f, &p, a), leaf_b = ir_buffer_node(f, &p, b);
    int expensive = ir_unary(f, IR_EXP, ir_unary(f, IR_TANH, leaf_b));  /* no wrt leaf feeds it */
    int loss = ir_unary(f, IR_SUM, ir_binary(f, IR_MUL, ir_unary(f, IR_SQUARE, leaf_a), expensive));
    int unused = ir_unary(f, IR_SIGMOID, leaf_a);                        /* the loss does not use it */
    int before = f->count;
    int wrt[2] = { leaf_a, unused }, gradient[2];
    ir_differentiate(f, loss, wrt, 2, gradient);
    CU_ASSERT_EQUAL(f->nodes[gradient[1]].op, IR_CONSTANT);
    CU_ASSERT_EQUAL(f->nodes[gradient[1]].constant, 0.0);
    for (int i = before; i < f->count; i++) {
        CU_ASSERT_NOT_EQUAL(f->nodes[i].op, IR_TANH);
        CU_ASSERT_NOT_EQUAL(f->nodes[i].op, IR_SIGMOID);
    }
    /* d/da sum(a^2 e) = 2 a e: one square rule and one product with `expensive`. */
    bool uses_expensive = false;
    for (int i = before; i < f->count; i++)
        uses_expensive |= f->nodes[i].a == expensive || f->nodes[i].b == expensive;
    CU_ASSERT_TRUE(uses_expensive);
    ir_program_free(&p);
}

/* ---- whole models ---- */

static int count_mismatches_of_model(const ir_program *p, void **buffers)
{
    int mismatches = 0;
    for (int i = 0; i < p->buffer_count; i++) {
        const sasc_buffer_desc *d = &p->buffers[i].desc;
        if (d->role != SASC_BUFFER_GRADIENT)
            continue;
        int parameter = p->groups[d->group].parameter_buffer[d->parameter];
        mismatches += compare_with_fd(p, &p->train, buffers, parameter, i, p->loss_buffer);
    }
    return mismatches;
}

typedef struct {
    int layer_count;
    activation_kind hidden;
    loss_kind loss;
    bool fan_in_scaling;
    int deterministic_layer;   /* or -1 */
    int masked_layer;          /* or -1 */
    int frozen_m_layer;        /* or -1 */
} model_case;

static void configure(fixture *fx, const model_case *mc, fixture_rng *rng)
{
    int widths[3];
    for (int i = 0; i < mc->layer_count; i++)
        widths[i] = 2 + (int)fixture_uniform(rng, 0, 5);   /* 2..6 */
    int input_width = 2 + (int)fixture_uniform(rng, 0, 5);
    fixture_init(fx, input_width, widths, mc->layer_count, mc->hidden, mc->loss, 3, 64);
    for (int i = 0; i < mc->layer_count; i++)
        fx->layers[i].fan_in_scaling = mc->fan_in_scaling;
    if (mc->deterministic_layer >= 0)
        fixture_make_deterministic(fx, mc->deterministic_layer);
    if (mc->masked_layer >= 0)
        fx->layers[mc->masked_layer].group[0].mask = (sasc_mask){ SASC_MASK_DENSITY, 0.5, NULL };
    if (mc->frozen_m_layer >= 0)
        fx->layers[mc->frozen_m_layer].group[0].prior[SASC_M].frozen = true;
    fx->model.l2_m = 0.01;
    fx->model.l2_xi = 0.02;
}

static void fill_masks(const ir_program *p, void **buffers, fixture_rng *rng)
{
    for (int i = 0; i < p->buffer_count; i++)
        if (p->buffers[i].desc.role == SASC_BUFFER_MASK)
            for (int e = 0; e < p->buffers[i].desc.rows * p->buffers[i].desc.cols; e++)
                fixture_set(p, buffers, i, e, fixture_uniform(rng, 0, 1) < 0.5 ? 0.0 : 1.0);
}

static void check_model_case(const model_case *mc, fixture_rng *rng)
{
    fixture fx;
    configure(&fx, mc, rng);
    ir_program p;
    if (!fixture_lower(&fx, &p))
        return;
    void **buffers = fixture_buffers_new(&p);
    fixture_randomise(&p, buffers, rng, mc->loss);
    fill_masks(&p, buffers, rng);
    int mismatches = count_mismatches_of_model(&p, buffers);
    if (mismatches)
        fprintf(stderr, "  model: %d layers, activation %d, loss %d, scaling %d: %d mismatches\n",
                mc->layer_count, (int)mc->hidden, (int)mc->loss, (int)mc->fan_in_scaling, mismatches);
    CU_ASSERT_EQUAL(mismatches, 0);
    fixture_buffers_free(&p, buffers);
    ir_program_free(&p);
}

static void test_random_models(void)
{
    static const activation_kind hidden[] = { ACTIVATION_RELU, ACTIVATION_TANH, ACTIVATION_SIGMOID,
                                              ACTIVATION_IDENTITY, ACTIVATION_SOFTMAX };
    fixture_rng rng = { 7 };
    int cases = 0;
    for (size_t a = 0; a < sizeof hidden / sizeof hidden[0]; a++)
        for (int loss = 0; loss < 2; loss++)
            for (int scaling = 0; scaling < 2; scaling++) {
                model_case mc = { 2 + (cases % 2), hidden[a], (loss_kind)loss, scaling, -1, -1, -1 };
                check_model_case(&mc, &rng);
                cases++;
            }
    CU_ASSERT_EQUAL(cases, 20);
}

/* Deterministic, masked and frozen layers mixed with stochastic ones. */
static void test_mixed_models(void)
{
    fixture_rng rng = { 11 };
    const model_case cases[] = {
        { 3, ACTIVATION_RELU, LOSS_CROSS_ENTROPY, true, 0, -1, -1 },
        { 3, ACTIVATION_TANH, LOSS_MEAN_SQUARED_ERROR, true, 2, 1, -1 },
        { 2, ACTIVATION_RELU, LOSS_CROSS_ENTROPY, false, -1, 0, 1 },
        { 3, ACTIVATION_SIGMOID, LOSS_CROSS_ENTROPY, true, 1, 0, 2 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_model_case(&cases[i], &rng);
}

/* ---- Delta = 0: the Delta-dependent terms vanish, nothing is NaN ---- */

static void check_finite_gradients(const ir_program *p, void **buffers)
{
    for (int i = 0; i < p->buffer_count; i++) {
        const sasc_buffer_desc *d = &p->buffers[i].desc;
        if (d->role != SASC_BUFFER_GRADIENT && d->role != SASC_BUFFER_LOSS)
            continue;
        for (int e = 0; e < d->rows * d->cols; e++)
            CU_ASSERT_TRUE(isfinite(fixture_get(p, buffers, i, e)));
    }
}

static void set_parameter(const ir_program *p, void **buffers, sasc_parameter k, double value)
{
    for (int l = 0; l < p->group_count; l++) {
        int b = p->groups[l].parameter_buffer[k];
        for (int e = 0; e < p->buffers[b].desc.rows * p->buffers[b].desc.cols; e++)
            fixture_set(p, buffers, b, e, value);
    }
}

static void test_zero_delta_from_parameters(void)
{
    fixture fx;
    const int widths[2] = { 4, 3 };
    fixture_init(&fx, 5, widths, 2, ACTIVATION_RELU, LOSS_CROSS_ENTROPY, 3, 64);
    ir_program p;
    if (!fixture_lower(&fx, &p))
        return;
    void **buffers = fixture_buffers_new(&p);
    fixture_rng rng = { 3 };
    fixture_randomise(&p, buffers, &rng, LOSS_CROSS_ENTROPY);
    set_parameter(&p, buffers, SASC_PI, 0.0);
    set_parameter(&p, buffers, SASC_XI, 0.0);
    fixture_run(&p, &p.train, buffers);
    check_finite_gradients(&p, buffers);
    /* Delta stays 0 when m moves (pi = Xi = 0), so m's gradient is the plain BP one. */
    for (int l = 0; l < p.group_count; l++) {
        char name[32];
        snprintf(name, sizeof name, "h%d.m.grad", l + 1);
        int mismatches = compare_with_fd(&p, &p.train, buffers, p.groups[l].parameter_buffer[SASC_M],
                                         fixture_find_buffer(&p, name), p.loss_buffer);
        CU_ASSERT_EQUAL(mismatches, 0);
    }
    /* The Xi gradient is made of Delta-terms only: all of them are 0. */
    int xi_grad = fixture_find_buffer(&p, "h1.Xi.grad");
    CU_ASSERT_FATAL(xi_grad >= 0);
    for (int e = 0; e < 5 * 4; e++)
        CU_ASSERT_EQUAL(fixture_get(&p, buffers, xi_grad, e), 0.0);
    fixture_buffers_free(&p, buffers);
    ir_program_free(&p);
}

static void test_zero_delta_from_input(void)
{
    fixture fx;
    const int widths[3] = { 4, 3, 2 };
    fixture_init(&fx, 3, widths, 3, ACTIVATION_RELU, LOSS_MEAN_SQUARED_ERROR, 2, 64);
    ir_program p;
    if (!fixture_lower(&fx, &p))
        return;
    void **buffers = fixture_buffers_new(&p);
    fixture_rng rng = { 5 };
    fixture_randomise(&p, buffers, &rng, LOSS_MEAN_SQUARED_ERROR);
    fixture_fill(&p, buffers, p.input_buffer, &rng, 0.0, 0.0);   /* h = 0 feeds layer 1 */
    fixture_run(&p, &p.train, buffers);
    check_finite_gradients(&p, buffers);
    fixture_buffers_free(&p, buffers);
    ir_program_free(&p);
}

void register_autodiff_tests(void)
{
    CU_pSuite suite = CU_add_suite("autodiff", NULL, NULL);
    CU_add_test(suite, "every opcode against finite differences", test_every_opcode);
    CU_add_test(suite, "only the path from wrt to the loss is differentiated", test_pruning);
    CU_add_test(suite, "random models: each activation, loss, scaling", test_random_models);
    CU_add_test(suite, "deterministic, masked and frozen layers", test_mixed_models);
    CU_add_test(suite, "Delta = 0 from pi = Xi = 0 gives finite gradients", test_zero_delta_from_parameters);
    CU_add_test(suite, "Delta = 0 from a zero input gives finite gradients", test_zero_delta_from_input);
}
