/*
 * test_ir.c — lowering a hand-built model: the buffer table (names, roles,
 * shapes, priors, masks, noise, gradients, optimiser state), the node shapes
 * of the forward pass, ir_verify and ir_print, lowering errors, and the
 * interpreter in both precisions and on malformed input.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "testing.h"
#include "ir_fixtures.h"
#include "compiler/ir/interpret.h"
#include "compiler/lower/lower.h"

/* input 5 -> h1 (4, masked) -> h2 (3, deterministic) -> h3 (2, softmax, m frozen);
 * batch 6, f32, Adam, cross-entropy. */
static void three_layer_fixture(fixture *fx)
{
    const int widths[3] = { 4, 3, 2 };
    fixture_init(fx, 5, widths, 3, ACTIVATION_RELU, LOSS_CROSS_ENTROPY, 6, 32);
    fx->layers[0].group[0].mask = (sasc_mask){ SASC_MASK_DENSITY, 0.5, NULL };
    fixture_make_deterministic(fx, 1);
    fx->layers[2].group[0].prior[SASC_M].frozen = true;
}

static void expect_buffer(const ir_program *p, const char *name, sasc_buffer_role role,
                          int layer, int rows, int cols)
{
    int b = fixture_find_buffer(p, name);
    if (b < 0)
        fprintf(stderr, "\n  missing buffer '%s'\n", name);
    CU_ASSERT_FATAL(b >= 0);
    const sasc_buffer_desc *d = &p->buffers[b].desc;
    CU_ASSERT_EQUAL(d->role, role);
    CU_ASSERT_EQUAL(d->group, layer);
    CU_ASSERT_EQUAL(d->rows, rows);
    CU_ASSERT_EQUAL(d->cols, cols);
    CU_ASSERT_STRING_EQUAL(d->name, name);
}

static void expect_absent(const ir_program *p, const char *name)
{
    if (fixture_find_buffer(p, name) >= 0)
        fprintf(stderr, "\n  unexpected buffer '%s'\n", name);
    CU_ASSERT_EQUAL(fixture_find_buffer(p, name), -1);
}

static void test_buffer_table(void)
{
    fixture fx;
    three_layer_fixture(&fx);
    ir_program p;
    if (!fixture_lower(&fx, &p))
        return;
    CU_ASSERT_EQUAL(p.precision, SASC_F32);
    CU_ASSERT_EQUAL(p.batch, 6);
    CU_ASSERT_EQUAL(p.input_width, 5);
    CU_ASSERT_EQUAL(p.classes, 2);
    CU_ASSERT_EQUAL(p.layer_count, 3);
    CU_ASSERT_EQUAL(p.group_count, 3);
    expect_buffer(&p, "x", SASC_BUFFER_INPUT, -1, 6, 5);
    expect_buffer(&p, "target", SASC_BUFFER_TARGET, -1, 6, 2);
    expect_buffer(&p, "output", SASC_BUFFER_OUTPUT, -1, 6, 2);
    expect_buffer(&p, "loss", SASC_BUFFER_LOSS, -1, 1, 1);
    expect_buffer(&p, "scalars", SASC_BUFFER_SCALARS, -1, 1, SASC_SCALAR_COUNT);
    CU_ASSERT_EQUAL(p.input_buffer, fixture_find_buffer(&p, "x"));
    CU_ASSERT_EQUAL(p.target_buffer, fixture_find_buffer(&p, "target"));
    CU_ASSERT_EQUAL(p.output_buffer, fixture_find_buffer(&p, "output"));
    CU_ASSERT_EQUAL(p.loss_buffer, fixture_find_buffer(&p, "loss"));
    CU_ASSERT_EQUAL(p.scalars_buffer, fixture_find_buffer(&p, "scalars"));

    expect_buffer(&p, "h1.mask", SASC_BUFFER_MASK, 0, 5, 4);
    expect_buffer(&p, "h1.pi", SASC_BUFFER_PARAMETER, 0, 5, 4);
    expect_buffer(&p, "h1.m", SASC_BUFFER_PARAMETER, 0, 5, 4);
    expect_buffer(&p, "h1.Xi", SASC_BUFFER_PARAMETER, 0, 5, 4);
    expect_buffer(&p, "h1.eps", SASC_BUFFER_NOISE, 0, 6, 4);
    expect_buffer(&p, "h2.m", SASC_BUFFER_PARAMETER, 1, 4, 3);
    expect_buffer(&p, "h3.eps", SASC_BUFFER_NOISE, 2, 6, 2);
    expect_absent(&p, "h2.eps");       /* deterministic */
    expect_absent(&p, "h2.mask");
    expect_absent(&p, "h3.mask");

    int pi = fixture_find_buffer(&p, "h1.pi");
    CU_ASSERT_EQUAL(p.buffers[pi].desc.parameter, SASC_PI);
    CU_ASSERT_EQUAL(p.buffers[pi].desc.init.kind, SASC_INIT_CONSTANT);
    CU_ASSERT_DOUBLE_EQUAL(p.buffers[pi].desc.init.a, 0.2, 1e-15);
    CU_ASSERT_FALSE(p.buffers[pi].desc.frozen);
    CU_ASSERT_EQUAL(p.buffers[pi].desc.mask_buffer, fixture_find_buffer(&p, "h1.mask"));
    CU_ASSERT_EQUAL(p.buffers[fixture_find_buffer(&p, "h2.m")].desc.mask_buffer, -1);
    CU_ASSERT_TRUE(p.buffers[fixture_find_buffer(&p, "h2.pi")].desc.frozen);
    CU_ASSERT_TRUE(p.buffers[fixture_find_buffer(&p, "h3.m")].desc.frozen);
    ir_program_free(&p);
}

static void test_gradients_and_state(void)
{
    fixture fx;
    three_layer_fixture(&fx);
    ir_program p;
    if (!fixture_lower(&fx, &p))
        return;
    expect_buffer(&p, "h1.pi.grad", SASC_BUFFER_GRADIENT, 0, 5, 4);
    expect_buffer(&p, "h1.Xi.grad", SASC_BUFFER_GRADIENT, 0, 5, 4);
    expect_buffer(&p, "h2.m.grad", SASC_BUFFER_GRADIENT, 1, 4, 3);
    expect_buffer(&p, "h3.pi.grad", SASC_BUFFER_GRADIENT, 2, 3, 2);
    expect_absent(&p, "h2.pi.grad");   /* frozen */
    expect_absent(&p, "h2.Xi.grad");
    expect_absent(&p, "h3.m.grad");
    expect_buffer(&p, "h1.m.adam1", SASC_BUFFER_OPTIMIZER_STATE, 0, 5, 4);
    expect_buffer(&p, "h1.m.adam2", SASC_BUFFER_OPTIMIZER_STATE, 0, 5, 4);
    expect_buffer(&p, "h3.Xi.adam2", SASC_BUFFER_OPTIMIZER_STATE, 2, 3, 2);
    expect_absent(&p, "h3.m.adam1");
    expect_absent(&p, "h2.pi.adam1");
    int gradients = 0, states = 0;
    for (int i = 0; i < p.buffer_count; i++) {
        gradients += p.buffers[i].desc.role == SASC_BUFFER_GRADIENT;
        states += p.buffers[i].desc.role == SASC_BUFFER_OPTIMIZER_STATE;
    }
    CU_ASSERT_EQUAL(gradients, 6);
    CU_ASSERT_EQUAL(states, 12);
    ir_program_free(&p);

    fx.task.optimizer = SASC_OPTIMIZER_RMSPROP;
    if (!fixture_lower(&fx, &p))
        return;
    expect_buffer(&p, "h1.m.rms", SASC_BUFFER_OPTIMIZER_STATE, 0, 5, 4);
    expect_absent(&p, "h1.m.adam1");
    ir_program_free(&p);

    fx.task.optimizer = SASC_OPTIMIZER_SGD;
    fx.task.momentum = 0.9;
    if (!fixture_lower(&fx, &p))
        return;
    expect_buffer(&p, "h2.m.velocity", SASC_BUFFER_OPTIMIZER_STATE, 1, 4, 3);
    ir_program_free(&p);
}

static void test_layer_table(void)
{
    fixture fx;
    three_layer_fixture(&fx);
    ir_program p;
    if (!fixture_lower(&fx, &p))
        return;
    CU_ASSERT_STRING_EQUAL(p.groups[0].name, "h1");
    CU_ASSERT_EQUAL(p.groups[0].fan_in, 5);
    CU_ASSERT_EQUAL(p.groups[0].width, 4);
    CU_ASSERT_EQUAL(p.groups[0].mask.kind, SASC_MASK_DENSITY);
    CU_ASSERT_EQUAL(p.groups[0].mask_buffer, fixture_find_buffer(&p, "h1.mask"));
    CU_ASSERT_EQUAL(p.groups[0].noise_buffer, fixture_find_buffer(&p, "h1.eps"));
    CU_ASSERT_EQUAL(p.groups[1].noise_buffer, -1);
    CU_ASSERT_EQUAL(p.groups[1].mask_buffer, -1);
    CU_ASSERT_EQUAL(p.groups[2].parameter_buffer[SASC_XI], fixture_find_buffer(&p, "h3.Xi"));
    ir_program_free(&p);
}

static int count_nodes(const ir_function *f, ir_opcode op)
{
    int count = 0;
    for (int i = 0; i < f->count; i++)
        count += f->nodes[i].op == op;
    return count;
}

static const ir_node *commented(const ir_function *f, const char *comment, int occurrence)
{
    for (int i = 0; i < f->count; i++)
        if (f->nodes[i].comment && strcmp(f->nodes[i].comment, comment) == 0 && occurrence-- == 0)
            return &f->nodes[i];
    return NULL;
}

static void test_forward_shapes(void)
{
    fixture fx;
    three_layer_fixture(&fx);
    fx.layers[2].fan_in_scaling = false;
    ir_program p;
    if (!fixture_lower(&fx, &p))
        return;
    const ir_node *g1 = commented(&p.predict, "G = s h . mu", 0);
    const ir_node *g3 = commented(&p.predict, "G = s h . mu", 1);
    const ir_node *d1 = commented(&p.predict, "Delta^2 = s^2 h^2 . (rho - mu^2)", 0);
    const ir_node *z2 = commented(&p.predict, "z = s h . m (deterministic)", 0);
    CU_ASSERT_FATAL(g1 && g3 && d1 && z2);
    CU_ASSERT_PTR_NULL(commented(&p.predict, "G = s h . mu", 2));   /* h2 has no variance path */
    CU_ASSERT(g1->op == IR_MATMUL && g1->rows == 6 && g1->cols == 4);
    CU_ASSERT_DOUBLE_EQUAL(g1->alpha, 1 / sqrt(5.0), 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(d1->alpha, 1 / 5.0, 1e-15);
    CU_ASSERT(z2->rows == 6 && z2->cols == 3);
    CU_ASSERT_DOUBLE_EQUAL(z2->alpha, 1 / sqrt(4.0), 1e-15);
    CU_ASSERT(g3->rows == 6 && g3->cols == 2);
    CU_ASSERT_DOUBLE_EQUAL(g3->alpha, 1.0, 0);                      /* no fan-in scaling */
    CU_ASSERT_EQUAL(count_nodes(&p.predict, IR_SQRT), 2);
    CU_ASSERT_EQUAL(count_nodes(&p.predict, IR_SOFTMAX), 1);
    CU_ASSERT_EQUAL(count_nodes(&p.predict, IR_RELU), 2);
    /* predict stores the output, each layer's G and the two stochastic layers'
     * Delta^2 (ABI 4); train stores output, loss and 6 gradients */
    CU_ASSERT_EQUAL(count_nodes(&p.predict, IR_STORE), 6);
    CU_ASSERT_EQUAL(count_nodes(&p.predict, IR_CROSS_ENTROPY), 0);
    CU_ASSERT_EQUAL(count_nodes(&p.train, IR_STORE), 8);
    CU_ASSERT_EQUAL(count_nodes(&p.train, IR_CROSS_ENTROPY), 1);
    CU_ASSERT_EQUAL(count_nodes(&p.train, IR_CROSS_ENTROPY_BACKWARD), 1);
    CU_ASSERT_EQUAL(count_nodes(&p.train, IR_SQRT_BACKWARD), 2);
    /* update: 6 learnable parameters, each stored with its two moments */
    CU_ASSERT_EQUAL(count_nodes(&p.update, IR_STORE), 6 * 3);
    ir_program_free(&p);
}

static char *printed(const ir_program *p)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    ir_print(p, out);
    fclose(out);
    return text;
}

static void test_print(void)
{
    fixture fx;
    three_layer_fixture(&fx);
    ir_program p;
    if (!fixture_lower(&fx, &p))
        return;
    char *text = printed(&p);
    const char *expected[] = {
        "program net", "function train", "function update", "function predict",
        "h1.pi", "h1.eps", "h2.m.grad", "scalars", "; G = s h . mu", "; Delta",
        "cross_entropy_backward", "sqrt_backward", "store", "clamp",
    };
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
        if (!strstr(text, expected[i]))
            fprintf(stderr, "\n  ir_print lacks '%s'\n", expected[i]);
        CU_ASSERT_PTR_NOT_NULL(strstr(text, expected[i]));
    }
    free(text);
    ir_program_free(&p);
}

static void expect_lowering_error(const fixture *fx, const char *fragment)
{
    ir_program p;
    char error[256] = "";
    CU_ASSERT_FALSE(lower_model(&fx->model, &fx->task, &p, error, sizeof error));
    if (!strstr(error, fragment))
        fprintf(stderr, "\n  error '%s' lacks '%s'\n", error, fragment);
    CU_ASSERT_PTR_NOT_NULL(strstr(error, fragment));
    CU_ASSERT_EQUAL(p.buffer_count, 0);
    ir_program_free(&p);   /* harmless on the emptied program */
}

static void test_lowering_errors(void)
{
    fixture fx;
    three_layer_fixture(&fx);
    fx.task.precision = 16;
    expect_lowering_error(&fx, "precision");
    three_layer_fixture(&fx);
    fx.layers[2].activation = ACTIVATION_RELU;
    expect_lowering_error(&fx, "softmax");
    three_layer_fixture(&fx);
    fx.layers[1].fan_in = 7;
    expect_lowering_error(&fx, "fan-in");
    three_layer_fixture(&fx);
    fx.task.optimizer = (sasc_optimizer)9;
    expect_lowering_error(&fx, "optimizer");
    three_layer_fixture(&fx);
    fx.task.batch = 0;
    expect_lowering_error(&fx, "batch");
}

/* A deterministic one-layer identity model computes s x . m exactly. */
static void test_deterministic_forward(void)
{
    fixture fx;
    const int widths[1] = { 2 };
    fixture_init(&fx, 3, widths, 1, ACTIVATION_IDENTITY, LOSS_MEAN_SQUARED_ERROR, 2, 64);
    fixture_make_deterministic(&fx, 0);
    ir_program p;
    if (!fixture_lower(&fx, &p))
        return;
    void **buffers = fixture_buffers_new(&p);
    fixture_rng rng = { 4 };
    fixture_randomise(&p, buffers, &rng, LOSS_MEAN_SQUARED_ERROR);
    fixture_run(&p, &p.predict, buffers);
    const double *x = buffers[p.input_buffer], *m = buffers[p.groups[0].parameter_buffer[SASC_M]];
    for (int b = 0; b < 2; b++)
        for (int i = 0; i < 2; i++) {
            double z = 0;
            for (int k = 0; k < 3; k++)
                z += x[b * 3 + k] * m[k * 2 + i] / sqrt(3.0);
            ASSERT_CLOSE(fixture_get(&p, buffers, p.output_buffer, b * 2 + i), z, 1e-14);
        }
    fixture_buffers_free(&p, buffers);
    ir_program_free(&p);
}

/* The same model in f32 and f64 gives the same output and loss to f32 accuracy,
 * and train's output equals predict's. */
static void test_precisions_agree(void)
{
    double output[2][12], loss[2];
    for (int run = 0; run < 2; run++) {
        fixture fx;
        const int widths[2] = { 4, 3 };
        fixture_init(&fx, 5, widths, 2, ACTIVATION_TANH, LOSS_CROSS_ENTROPY, 4, run ? 64 : 32);
        ir_program p;
        if (!fixture_lower(&fx, &p))
            return;
        void **buffers = fixture_buffers_new(&p);
        fixture_rng rng = { 99 };
        fixture_randomise(&p, buffers, &rng, LOSS_CROSS_ENTROPY);
        fixture_run(&p, &p.predict, buffers);
        for (int e = 0; e < 12; e++)
            output[run][e] = fixture_get(&p, buffers, p.output_buffer, e);
        fixture_run(&p, &p.train, buffers);
        for (int e = 0; e < 12; e++)
            CU_ASSERT_EQUAL(fixture_get(&p, buffers, p.output_buffer, e), output[run][e]);
        loss[run] = fixture_get(&p, buffers, p.loss_buffer, 0);
        fixture_buffers_free(&p, buffers);
        ir_program_free(&p);
    }
    for (int e = 0; e < 12; e++)
        ASSERT_CLOSE(output[0][e], output[1][e], 1e-6);
    ASSERT_CLOSE(loss[0], loss[1], 1e-6);
    CU_ASSERT(loss[1] > 0);
}

static void test_interpreter_rejects_malformed(void)
{
    ir_program p;
    ir_program_init(&p, "bad", SASC_F64, 1);
    int b = ir_add_buffer(&p, "a", SASC_BUFFER_INPUT, -1, SASC_NOT_A_PARAMETER, 2, 2);
    int leaf = ir_buffer_node(&p.train, &p, b);
    int y = ir_unary(&p.train, IR_EXP, leaf);
    p.train.nodes[y].a = y;                     /* refers to itself */
    double storage[4] = { 0 };
    void *buffers[1] = { storage };
    char error[256] = "";
    CU_ASSERT_FALSE(ir_interpret(&p, &p.train, buffers, error, sizeof error));
    CU_ASSERT_PTR_NOT_NULL(strstr(error, "precede"));
    p.train.nodes[y].a = leaf;
    p.train.nodes[y].rows = 3;                  /* disagrees with its operand */
    CU_ASSERT_FALSE(ir_interpret(&p, &p.train, buffers, error, sizeof error));
    p.train.nodes[y].rows = 2;
    buffers[0] = NULL;                           /* no storage */
    CU_ASSERT_FALSE(ir_interpret(&p, &p.train, buffers, error, sizeof error));
    buffers[0] = storage;
    CU_ASSERT_TRUE(ir_interpret(&p, &p.train, buffers, error, sizeof error));
    ir_program_free(&p);
}

void register_ir_tests(void)
{
    CU_pSuite suite = CU_add_suite("lowering", NULL, NULL);
    CU_add_test(suite, "buffer table: names, roles, shapes, priors", test_buffer_table);
    CU_add_test(suite, "gradients only for unfrozen parameters; optimiser state", test_gradients_and_state);
    CU_add_test(suite, "layer table", test_layer_table);
    CU_add_test(suite, "forward pass node shapes and scaling", test_forward_shapes);
    CU_add_test(suite, "ir_print shows buffers, functions and comments", test_print);
    CU_add_test(suite, "lowering errors", test_lowering_errors);
    CU_add_test(suite, "deterministic layer is plain s x . m", test_deterministic_forward);
    CU_add_test(suite, "f32 and f64 agree; train's output is predict's", test_precisions_agree);
    CU_add_test(suite, "interpreter rejects malformed functions", test_interpreter_rejects_malformed);
}
