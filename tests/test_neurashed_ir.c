/*
 * test_neurashed_ir.c — the mapping of docs/neurashed.md ("Lowering to the
 * IR") checked: a neurashed model written with the IR's existing opcodes
 * (compiler/ir/ir.h), run by the reference interpreter, agrees with the C
 * reference implementation (runtime/neurashed) on firing, scores, logits,
 * probabilities and the update, for both readings of eta's "both fire".
 *
 * Level l is a block of n_l columns (its nodes in the model's level order);
 * a batch is B rows. Per level l >= 1, buffers hold A_l [n_{l-1} x n_l] (1
 * where the column's node depends on the row's), o_l = 1/2 - k [1 x n_l]
 * and lambda_l with its rules as vectors: g+(x) = s x + t, g-(x) = b x
 * [1 x n_l each]; the weights eta [n_{L-2} x K] (0 off the edges) with
 * rules as matrices that are 0 off the edges, so eta stays 0 there.
 *   train:  F_0 = X;  S_0 = F_0 * (1_B lambda_0)
 *           F_l = step(F_{l-1} A_l + 1_B o_l);  S_l = F_l * (1_B lambda_l) * (S_{l-1} A_l)
 *           Z = S_{L-2} H;  P = softmax(Z)
 *   update: U_l = step(1_B^T F_l)   (the union over the batch: a column sum)
 *           lambda_l' = U_l * (s_l lambda_l + t_l) + (1 - U_l) * (b_l lambda_l)
 *           E = step(F_{L-2}^T Y)   (same sample)  or  U_{L-2}^T step(1_B^T Y)  (either)
 *           eta' = E * (s eta + t) + (1 - E) * (b eta)
 * (1_B is a [B x 1] column of ones; products with it broadcast a row vector
 * over the batch, the one broadcast the IR lacks.) This builder is a sketch
 * of the lowering phase 2 writes as a part (compiler/lower); the test is the
 * evidence that the opcodes suffice.
 */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/ir/interpret.h"
#include "tests/ir_fixtures.h"
#include "tests/neurashed_fixtures.h"
#include "tests/testing.h"

enum { MAX_LEVELS = 8 };

/* Buffer indices of the program. */
typedef struct {
    int levels, batch, classes, width[MAX_LEVELS];
    int input, target, logits, probabilities;
    int adjacency[MAX_LEVELS], offset[MAX_LEVELS];
    int lambda[MAX_LEVELS], scale[MAX_LEVELS], shift[MAX_LEVELS], shrink[MAX_LEVELS];
    int fire[MAX_LEVELS], scores[MAX_LEVELS];
    int eta, eta_scale, eta_shift, eta_shrink;
} layout;

static int vector_buffer(ir_program *p, const char *what, int level, int rows, int cols)
{
    char name[64];
    snprintf(name, sizeof name, "%s%d", what, level);
    return ir_add_buffer(p, name, SASC_BUFFER_TEMPORARY, -1, SASC_NOT_A_PARAMETER, rows, cols);
}

static void add_buffers(ir_program *p, layout *b)
{
    int B = b->batch, top = b->levels - 1;
    b->input = ir_add_buffer(p, "X", SASC_BUFFER_INPUT, -1, SASC_NOT_A_PARAMETER, B, b->width[0]);
    b->target = ir_add_buffer(p, "Y", SASC_BUFFER_TARGET, -1, SASC_NOT_A_PARAMETER, B, b->classes);
    for (int l = 0; l < top; l++) {
        int n = b->width[l];
        if (l > 0) {
            b->adjacency[l] = vector_buffer(p, "A", l, b->width[l - 1], n);
            b->offset[l] = vector_buffer(p, "o", l, 1, n);
        }
        b->lambda[l] = vector_buffer(p, "lambda", l, 1, n);
        b->scale[l] = vector_buffer(p, "s", l, 1, n);
        b->shift[l] = vector_buffer(p, "t", l, 1, n);
        b->shrink[l] = vector_buffer(p, "b", l, 1, n);
        b->fire[l] = l > 0 ? vector_buffer(p, "F", l, B, n) : b->input;
        b->scores[l] = vector_buffer(p, "S", l, B, n);
    }
    int f = b->width[top - 1], K = b->classes;
    b->eta = vector_buffer(p, "eta", 0, f, K);
    b->eta_scale = vector_buffer(p, "eta_s", 0, f, K);
    b->eta_shift = vector_buffer(p, "eta_t", 0, f, K);
    b->eta_shrink = vector_buffer(p, "eta_b", 0, f, K);
    b->logits = vector_buffer(p, "Z", 0, B, K);
    b->probabilities = ir_add_buffer(p, "P", SASC_BUFFER_OUTPUT, -1, SASC_NOT_A_PARAMETER, B, K);
}

/* [1 x n] row vector `row` repeated over the B rows of the batch. */
static int over_batch(ir_function *f, int row, int batch)
{
    return ir_matmul(f, ir_constant(f, batch, 1, 1.0), row, false, false, 1.0);
}

static void build_train(ir_program *p, const layout *b)
{
    ir_function *f = &p->train;
    int top = b->levels - 1, B = b->batch;
    int fire = ir_buffer_node(f, p, b->input);
    int scores = ir_binary(f, IR_MUL, fire, over_batch(f, ir_buffer_node(f, p, b->lambda[0]), B));
    ir_store(f, p, b->scores[0], scores);
    for (int l = 1; l < top; l++) {
        int adjacency = ir_buffer_node(f, p, b->adjacency[l]);
        int count = ir_matmul(f, fire, adjacency, false, false, 1.0);
        fire = ir_unary(f, IR_STEP, ir_binary(f, IR_ADD, count,
                                              over_batch(f, ir_buffer_node(f, p, b->offset[l]), B)));
        int sums = ir_matmul(f, scores, adjacency, false, false, 1.0);
        int amplified = ir_binary(f, IR_MUL, fire,
                                  over_batch(f, ir_buffer_node(f, p, b->lambda[l]), B));
        scores = ir_binary(f, IR_MUL, amplified, sums);
        ir_store(f, p, b->fire[l], fire);
        ir_store(f, p, b->scores[l], scores);
    }
    int logits = ir_matmul(f, scores, ir_buffer_node(f, p, b->eta), false, false, 1.0);
    ir_store(f, p, b->logits, logits);
    ir_store(f, p, b->probabilities, ir_unary(f, IR_SOFTMAX, logits));
}

/* value' = grew * (s value + t) + (1 - grew) * (b value), all the same shape. */
static int apply_rules(ir_function *f, int grew, int value, int s, int t, int b)
{
    int grown = ir_binary(f, IR_ADD, ir_binary(f, IR_MUL, s, value), t);
    int shrunk = ir_binary(f, IR_MUL, b, value);
    int silent = ir_affine(f, grew, -1.0, 1.0);
    return ir_binary(f, IR_ADD, ir_binary(f, IR_MUL, grew, grown),
                     ir_binary(f, IR_MUL, silent, shrunk));
}

/* step(1_B^T M): which columns of the [B x n] 0/1 matrix have a 1. */
static int column_union(ir_function *f, int matrix, int batch)
{
    return ir_unary(f, IR_STEP, ir_matmul(f, ir_constant(f, batch, 1, 1.0), matrix, true, false,
                                          1.0));
}

static void build_update(ir_program *p, const layout *b, sasc_neurashed_eta_firing reading)
{
    ir_function *f = &p->update;
    int top = b->levels - 1, B = b->batch, union_last = -1;
    int stores[MAX_LEVELS + 1][2], count = 0;
    for (int l = 0; l < top; l++) {
        int grew = column_union(f, ir_buffer_node(f, p, b->fire[l]), B);
        if (l == top - 1)
            union_last = grew;
        int lambda = apply_rules(f, grew, ir_buffer_node(f, p, b->lambda[l]),
                                 ir_buffer_node(f, p, b->scale[l]),
                                 ir_buffer_node(f, p, b->shift[l]),
                                 ir_buffer_node(f, p, b->shrink[l]));
        stores[count][0] = b->lambda[l];
        stores[count++][1] = lambda;
    }
    int target = ir_buffer_node(f, p, b->target), both;
    if (reading == SASC_NEURASHED_ETA_SAME_SAMPLE)
        both = ir_unary(f, IR_STEP, ir_matmul(f, ir_buffer_node(f, p, b->fire[top - 1]), target,
                                              true, false, 1.0));
    else
        both = ir_matmul(f, union_last, column_union(f, target, B), true, false, 1.0);
    int eta = apply_rules(f, both, ir_buffer_node(f, p, b->eta), ir_buffer_node(f, p, b->eta_scale),
                          ir_buffer_node(f, p, b->eta_shift), ir_buffer_node(f, p, b->eta_shrink));
    stores[count][0] = b->eta;
    stores[count++][1] = eta;
    for (int i = 0; i < count; i++)   /* every read first, then the stores */
        ir_store(f, p, stores[i][0], stores[i][1]);
}

/* The column of node n within its level. */
static int column_of(const sasc_neurashed_model *m, int n)
{
    int l = m->level[n];
    for (int i = m->level_start[l]; i < m->level_start[l + 1]; i++)
        if (m->order[i] == n)
            return i - m->level_start[l];
    return -1;
}

static void set_rule(const ir_program *p, void **buffers, int scale, int shift, int shrink,
                     int index, sasc_neurashed_rules r)
{
    bool add = r.grow.kind == SASC_NEURASHED_ADD;
    fixture_set(p, buffers, scale, index, add ? 1.0 : r.grow.value);
    fixture_set(p, buffers, shift, index, add ? r.grow.value : 0.0);
    fixture_set(p, buffers, shrink, index, r.shrink.value);
}

/* The model's graph, rules and state into the program's buffers. */
static void fill_model(const ir_program *p, void **buffers, const layout *b,
                       const sasc_neurashed_model *m, const sasc_neurashed_state *s)
{
    for (int n = 0; n < m->node_count; n++) {
        int l = m->level[n], column = column_of(m, n);
        if (l == b->levels - 1)
            continue;
        fixture_set(p, buffers, b->lambda[l], column, s->lambda[n]);
        set_rule(p, buffers, b->scale[l], b->shift[l], b->shrink[l], column, m->lambda_rules[n]);
        if (l == 0)
            continue;
        fixture_set(p, buffers, b->offset[l], column, 0.5 - m->threshold[n]);
        for (int d = m->dependent_start[n]; d < m->dependent_start[n + 1]; d++)
            fixture_set(p, buffers, b->adjacency[l], column_of(m, m->dependents[d]) * b->width[l] +
                        column, 1.0);
    }
    for (int i = 0; i < m->eta_count; i++) {
        int index = column_of(m, m->eta_from[i]) * b->classes + m->eta_class[i];
        fixture_set(p, buffers, b->eta, index, s->eta[i]);
        set_rule(p, buffers, b->eta_scale, b->eta_shift, b->eta_shrink, index, m->eta_rules[i]);
    }
}

/* One batch through the IR and through the reference: the same firing,
 * scores, logits, probabilities and updated state. */
static void check_batch(neurashed_fixture *f, const int *batch, int size,
                        sasc_neurashed_eta_firing reading)
{
    const sasc_neurashed_model *m = &f->model;
    CU_ASSERT_FATAL(m->levels <= MAX_LEVELS);
    layout b = {.levels = m->levels, .batch = size, .classes = m->classes};
    for (int l = 0; l < m->levels; l++)
        b.width[l] = m->level_start[l + 1] - m->level_start[l];
    ir_program p;
    ir_program_init(&p, "neurashed", SASC_F64, size);
    add_buffers(&p, &b);
    build_train(&p, &b);
    build_update(&p, &b, reading);
    char error[256] = "";
    CU_ASSERT_TRUE_FATAL(ir_verify(&p, error, sizeof error));
    void **buffers = fixture_buffers_new(&p);
    fill_model(&p, buffers, &b, m, &f->state);
    for (int r = 0; r < size; r++) {
        const sasc_neurashed_pattern *pattern = &f->patterns.items[batch[r]];
        for (int i = 0; i < pattern->count; i++)
            fixture_set(&p, buffers, b.input, r * b.width[0] + column_of(m, pattern->nodes[i]), 1);
        fixture_set(&p, buffers, b.target, r * b.classes + pattern->label, 1);
    }
    CU_ASSERT_TRUE_FATAL(fixture_run(&p, &p.train, buffers));
    unsigned char *fire = malloc((size_t)m->node_count);
    double *scores = malloc((size_t)m->node_count * sizeof(double));
    double z[16], probabilities[16];
    CU_ASSERT_FATAL(fire && scores && m->classes <= 16);
    for (int r = 0; r < size; r++) {
        sasc_neurashed_pattern_logits(m, &f->state, &f->patterns.items[batch[r]], fire, scores, z);
        sasc_neurashed_softmax(z, m->classes, probabilities);
        for (int n = 0; n < m->node_count; n++) {
            int l = m->level[n], at = r * b.width[l] + column_of(m, n);
            if (l == m->levels - 1)
                continue;
            CU_ASSERT_EQUAL(fixture_get(&p, buffers, b.fire[l], at), fire[n]);
            ASSERT_CLOSE(fixture_get(&p, buffers, b.scores[l], at), scores[n], 1e-12);
        }
        for (int j = 0; j < m->classes; j++) {
            ASSERT_CLOSE(fixture_get(&p, buffers, b.logits, r * b.classes + j), z[j], 1e-12);
            ASSERT_CLOSE(fixture_get(&p, buffers, b.probabilities, r * b.classes + j),
                         probabilities[j], 1e-12);
        }
    }
    CU_ASSERT_TRUE_FATAL(fixture_run(&p, &p.update, buffers));
    sasc_neurashed_state updated;
    CU_ASSERT_TRUE_FATAL(sasc_neurashed_state_copy(m, &f->state, &updated));
    f->trainer.settings.eta_firing = reading;
    sasc_neurashed_update(&f->trainer, &updated, batch, size);
    for (int n = 0; n < m->node_count; n++)
        if (m->level[n] < m->levels - 1)
            ASSERT_CLOSE(fixture_get(&p, buffers, b.lambda[m->level[n]], column_of(m, n)),
                         updated.lambda[n], 1e-14);
    for (int i = 0; i < m->eta_count; i++)
        ASSERT_CLOSE(fixture_get(&p, buffers, b.eta,
                                 column_of(m, m->eta_from[i]) * b.classes + m->eta_class[i]),
                     updated.eta[i], 1e-14);
    sasc_neurashed_state_free(&updated);
    free(fire);
    free(scores);
    fixture_buffers_free(&p, buffers);
    ir_program_free(&p);
}

static void test_toy_through_ir(void)
{
    for (int reading = 0; reading < 2; reading++) {
        neurashed_fixture f;
        neurashed_toy(&f);
        neurashed_start(&f, 3, 1, (sasc_neurashed_eta_firing)reading);
        check_batch(&f, (const int[]){0, 1, 2}, 3, (sasc_neurashed_eta_firing)reading);
        check_batch(&f, (const int[]){0}, 1, (sasc_neurashed_eta_firing)reading);
        neurashed_free(&f);
    }
}

/* The paper's models from random starts, after some training, batches drawn from the seed. */
static void test_paper_models_through_ir(void)
{
    for (int model = 0; model < 2; model++)
        for (int reading = 0; reading < 2; reading++) {
            neurashed_fixture f;
            if (model == 0)
                neurashed_fig4(&f);
            else
                neurashed_elasticity(&f, 0);
            neurashed_start(&f, 5, 3, (sasc_neurashed_eta_firing)reading);
            for (int t = 0; t < 40; t++)
                sasc_neurashed_train_step(&f.trainer, &f.state);
            int batch[5];
            sasc_neurashed_draw_batch(&f.patterns, 3, 40, 5, batch);
            check_batch(&f, batch, 5, (sasc_neurashed_eta_firing)reading);
            neurashed_free(&f);
        }
}

int main(void)
{
    TESTING_INIT();
    CU_pSuite suite = CU_add_suite("neurashed in the IR", NULL, NULL);
    CU_add_test(suite, "toy graph: the IR program agrees with the reference", test_toy_through_ir);
    CU_add_test(suite, "Fig. 4 and the elasticity model: the IR agrees with the reference",
                test_paper_models_through_ir);
    return testing_run_registry();
}
