/*
 * test_codegen.c — the generated kernels against values computed in C and
 * against the reference interpreter, in f32 and f64, at sizes that leave
 * vector remainders; the storage plan (fusion, temporaries, stores that
 * overwrite buffers still being read); lowered models against the
 * interpreter and finite differences; the JIT's lifetime and error paths.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "compiler/codegen/codegen.h"
#include "compiler/codegen/codegen_internal.h"
#include "compiler/ir/interpret.h"
#include "compiler/lower/lower.h"
#include "compiler/layers/registry.h"
#include "runtime/model/buffers.h"
#include "runtime/settings/task.h"
#include "tests/testing.h"

static const sasc_precision precisions[2] = { SASC_F32, SASC_F64 };

static double tolerance_of(sasc_precision precision)
{
    return precision == SASC_F64 ? 1e-12 : 1e-5;
}

/* ---- fixture: a program, its compiled kernels, two sets of buffers ---- */

typedef struct {
    ir_program program;
    compiled_model *model;
    const sasc_program *compiled;
    void **jit;         /* buffers the generated kernels run on */
    void **reference;   /* the same inputs, run by the interpreter */
} fixture;

static uint64_t random_state = 0x9E3779B97F4A7C15u;

static double uniform(double low, double high)
{
    return testing_uniform(&random_state, low, high);
}

/* Compile, allocate both buffer sets; false (with a CUnit failure) if any step fails. */
static bool compile(fixture *x)
{
    char error[512] = "";
    x->model = codegen_jit(&x->program, error, sizeof error);
    if (!x->model) {
        fprintf(stderr, "codegen_jit: %s\n", error);
        CU_FAIL("codegen_jit failed");
        return false;
    }
    x->compiled = compiled_model_program(x->model);
    x->jit = sasc_buffers_allocate(x->compiled, error, sizeof error);
    x->reference = sasc_buffers_allocate(x->compiled, error, sizeof error);
    CU_ASSERT_PTR_NOT_NULL(x->jit);
    CU_ASSERT_PTR_NOT_NULL(x->reference);
    return x->jit && x->reference;
}

static void release(fixture *x)
{
    if (x->jit)
        sasc_buffers_free(x->compiled, x->jit);
    if (x->reference)
        sasc_buffers_free(x->compiled, x->reference);
    compiled_model_free(x->model);
    ir_program_free(&x->program);
}

static double get(const fixture *x, void **set, int buffer, long i)
{
    return sasc_buffer_get(set[buffer], x->program.precision, (size_t)i);
}

static void put(fixture *x, int buffer, long i, double value)
{
    sasc_buffer_set(x->jit[buffer], x->program.precision, (size_t)i, value);
    sasc_buffer_set(x->reference[buffer], x->program.precision, (size_t)i, value);
}

static long size_of(const fixture *x, int buffer)
{
    const sasc_buffer_desc *d = &x->program.buffers[buffer].desc;
    return (long)d->rows * d->cols;
}

/* Uniform values in [low, high], every fifth exactly zero when `zeros`. */
static void fill(fixture *x, int buffer, double low, double high, bool zeros)
{
    for (long i = 0; i < size_of(x, buffer); i++)
        put(x, buffer, i, zeros && i % 5 == 0 ? 0.0 : uniform(low, high));
}

static void run(fixture *x, int kernel)
{
    const sasc_program *c = x->compiled;
    sasc_kernel kernels[3] = { sasc_program_kernel(c, SASC_KERNEL_TRAIN), sasc_program_kernel(c, SASC_KERNEL_UPDATE), sasc_program_kernel(c, SASC_KERNEL_PREDICT) };
    const ir_function *functions[3] = { &x->program.train, &x->program.update, &x->program.predict };
    kernels[kernel](x->jit);
    char error[256] = "";
    bool ok = ir_interpret(&x->program, functions[kernel], x->reference, error, sizeof error);
    if (!ok)
        fprintf(stderr, "ir_interpret: %s\n", error);
    CU_ASSERT(ok);
}

static bool close_enough(double actual, double expected, double tolerance)
{
    if (isnan(expected))
        return isnan(actual);
    if (isinf(expected))
        return actual == expected;
    return fabs(actual - expected) <= tolerance * (1.0 + fabs(expected));
}

/* Element i of `buffer` after the kernel equals `expected`; reports the first miss. */
static bool check_value(const fixture *x, int buffer, long i, double expected, double tolerance)
{
    double actual = get(x, x->jit, buffer, i);
    if (close_enough(actual, expected, tolerance))
        return true;
    fprintf(stderr, "\n  %s[%ld] (%s): %.17g, expected %.17g\n", x->program.buffers[buffer].name, i,
            x->program.precision == SASC_F32 ? "f32" : "f64", actual, expected);
    return false;
}

/* Every element of `buffer` agrees between the kernel and the interpreter. */
static void check_against_interpreter(const fixture *x, int buffer, double tolerance)
{
    bool ok = true;
    for (long i = 0; ok && i < size_of(x, buffer); i++)
        ok = check_value(x, buffer, i, get(x, x->reference, buffer, i), tolerance);
    CU_ASSERT(ok);
}

/* ---- elementwise ---- */

typedef struct {
    ir_opcode op;
    double parameter1, parameter2;   /* AFFINE scale/shift, CLAMP low/high */
    const char *name;
} unary_case;

static const unary_case unary_cases[] = {
    { IR_SQUARE, 0, 0, "square" }, { IR_SQRT, 0, 0, "sqrt" }, { IR_EXP, 0, 0, "exp" },
    { IR_LOG, 0, 0, "log" }, { IR_RELU, 0, 0, "relu" }, { IR_TANH, 0, 0, "tanh" },
    { IR_SIGMOID, 0, 0, "sigmoid" }, { IR_STEP, 0, 0, "step" },
    { IR_AFFINE, -1.5, 0.25, "affine" }, { IR_CLAMP, -0.5, INFINITY, "clamp_inf" },
    { IR_CLAMP, -0.5, 0.75, "clamp" },
};
enum { UNARY_CASES = sizeof unary_cases / sizeof unary_cases[0] };

static double unary_expected(const unary_case *u, double x)
{
    switch (u->op) {
    case IR_SQUARE:  return x * x;
    case IR_SQRT:    return x > 0 ? sqrt(x) : 0.0;
    case IR_EXP:     return exp(x);
    case IR_LOG:     return log(x);
    case IR_RELU:    return x > 0 ? x : 0.0;
    case IR_TANH:    return tanh(x);
    case IR_SIGMOID: return 1.0 / (1.0 + exp(-x));
    case IR_STEP:    return x > 0 ? 1.0 : 0.0;
    case IR_AFFINE:  return u->parameter1 * x + u->parameter2;
    default:         return fmin(fmax(x, u->parameter1), u->parameter2);
    }
}

static int add_unary(ir_function *f, const unary_case *u, int operand)
{
    if (u->op == IR_AFFINE)
        return ir_affine(f, operand, u->parameter1, u->parameter2);
    if (u->op == IR_CLAMP)
        return ir_clamp(f, operand, u->parameter1, u->parameter2);
    return ir_unary(f, u->op, operand);
}

static const int shapes[][2] = { { 7, 13 }, { 1, 1 }, { 17, 33 } };

/* One program per precision and shape: every unary op of x, each stored to its own buffer. */
static void test_unary_ops(void)
{
    for (int pr = 0; pr < 2; pr++)
        for (int s = 0; s < 3; s++) {
            fixture x = { 0 };
            ir_program_init(&x.program, "unary", precisions[pr], shapes[s][0]);
            ir_program *p = &x.program;
            int in = ir_add_buffer(p, "x", SASC_BUFFER_INPUT, -1, SASC_NOT_A_PARAMETER, shapes[s][0], shapes[s][1]);
            int out[UNARY_CASES];
            int xn = ir_buffer_node(&p->train, p, in);
            for (int k = 0; k < UNARY_CASES; k++) {
                out[k] = ir_add_buffer(p, unary_cases[k].name, SASC_BUFFER_OUTPUT, -1,
                                       SASC_NOT_A_PARAMETER, shapes[s][0], shapes[s][1]);
                ir_store(&p->train, p, out[k], add_unary(&p->train, &unary_cases[k], xn));
            }
            if (!compile(&x)) {
                release(&x);
                continue;
            }
            fill(&x, in, -3.0, 3.0, true);
            if (size_of(&x, in) == 1)
                put(&x, in, 0, -0.75);   /* a 1x1 input: a value every op treats distinctly */
            run(&x, 0);
            double tolerance = tolerance_of(p->precision);
            for (int k = 0; k < UNARY_CASES; k++) {
                bool ok = true;
                for (long i = 0; ok && i < size_of(&x, in); i++)
                    ok = check_value(&x, out[k], i, unary_expected(&unary_cases[k], get(&x, x.jit, in, i)), tolerance);
                CU_ASSERT(ok);
                check_against_interpreter(&x, out[k], tolerance);
            }
            release(&x);
        }
}

static const ir_opcode binary_ops[] = { IR_ADD, IR_SUB, IR_MUL, IR_DIV, IR_SQRT_BACKWARD };
enum { BINARY_OPS = sizeof binary_ops / sizeof binary_ops[0] };

static double binary_expected(ir_opcode op, double a, double b)
{
    switch (op) {
    case IR_ADD: return a + b;
    case IR_SUB: return a - b;
    case IR_MUL: return a * b;
    case IR_DIV: return a / b;
    default:     return a > 0 ? b / (2 * a) : 0.0;
    }
}

/* Each binary op three ways: matrix-matrix, matrix-[1,1] and [1,1]-matrix. */
static void test_binary_ops(void)
{
    for (int pr = 0; pr < 2; pr++)
        for (int s = 0; s < 3; s++) {
            int rows = shapes[s][0], cols = shapes[s][1];
            fixture x = { 0 };
            ir_program *p = &x.program;
            ir_program_init(p, "binary", precisions[pr], rows);
            int a = ir_add_buffer(p, "a", SASC_BUFFER_INPUT, -1, SASC_NOT_A_PARAMETER, rows, cols);
            int b = ir_add_buffer(p, "b", SASC_BUFFER_TARGET, -1, SASC_NOT_A_PARAMETER, rows, cols);
            int c = ir_add_buffer(p, "c", SASC_BUFFER_SCALARS, -1, SASC_NOT_A_PARAMETER, 1, 1);
            int out[BINARY_OPS][3];
            ir_function *f = &p->train;
            int an = ir_buffer_node(f, p, a), bn = ir_buffer_node(f, p, b), cn = ir_buffer_node(f, p, c);
            const int lhs[3] = { an, an, cn }, rhs[3] = { bn, cn, an };
            for (int k = 0; k < BINARY_OPS; k++)
                for (int v = 0; v < 3; v++) {
                    char name[32];
                    snprintf(name, sizeof name, "%s.%d", ir_opcode_name(binary_ops[k]), v);
                    out[k][v] = ir_add_buffer(p, name, SASC_BUFFER_OUTPUT, -1, SASC_NOT_A_PARAMETER, rows, cols);
                    ir_store(f, p, out[k][v], ir_binary(f, binary_ops[k], lhs[v], rhs[v]));
                }
            if (!compile(&x)) {
                release(&x);
                continue;
            }
            fill(&x, a, -2.0, 2.0, true);
            fill(&x, b, 0.5, 2.0, false);
            put(&x, c, 0, 0.625);
            run(&x, 0);
            double tolerance = tolerance_of(p->precision);
            for (int k = 0; k < BINARY_OPS; k++)
                for (int v = 0; v < 3; v++) {
                    bool ok = true;
                    for (long i = 0; ok && i < (long)rows * cols; i++) {
                        double av = get(&x, x.jit, a, i), bv = get(&x, x.jit, b, i), cv = get(&x, x.jit, c, 0);
                        double l = v == 2 ? cv : av, r = v == 0 ? bv : v == 1 ? cv : av;
                        ok = check_value(&x, out[k][v], i, binary_expected(binary_ops[k], l, r), tolerance);
                    }
                    CU_ASSERT(ok);
                    check_against_interpreter(&x, out[k][v], tolerance);
                }
            release(&x);
        }
}

/* Where y = sqrt(x) is 0 (Delta = 0) the backward value is exactly 0, not NaN. */
static void test_sqrt_backward_at_zero(void)
{
    for (int pr = 0; pr < 2; pr++) {
        fixture x = { 0 };
        ir_program *p = &x.program;
        ir_program_init(p, "sqrt0", precisions[pr], 3);
        int y = ir_add_buffer(p, "y", SASC_BUFFER_INPUT, -1, SASC_NOT_A_PARAMETER, 3, 9);
        int g = ir_add_buffer(p, "g", SASC_BUFFER_TARGET, -1, SASC_NOT_A_PARAMETER, 3, 9);
        int out = ir_add_buffer(p, "out", SASC_BUFFER_OUTPUT, -1, SASC_NOT_A_PARAMETER, 3, 9);
        ir_function *f = &p->train;
        int yn = ir_unary(f, IR_SQRT, ir_buffer_node(f, p, y));
        ir_store(f, p, out, ir_binary(f, IR_SQRT_BACKWARD, yn, ir_buffer_node(f, p, g)));
        if (compile(&x)) {
            for (long i = 0; i < 27; i++) {
                put(&x, y, i, i % 3 == 0 ? 0.0 : i % 3 == 1 ? -1.0 : 4.0);
                put(&x, g, i, i % 2 ? 5.0 : -3.0);
            }
            run(&x, 0);
            for (long i = 0; i < 27; i++) {
                double v = get(&x, x.jit, out, i);
                double expected = i % 3 != 2 ? 0.0 : (i % 2 ? 5.0 : -3.0) / 4.0;
                CU_ASSERT_EQUAL(v, expected);
            }
        }
        release(&x);
    }
}

/* ---- leaves, broadcasts and sums ---- */

static void test_leaves_and_sums(void)
{
    for (int pr = 0; pr < 2; pr++)
        for (int s = 0; s < 3; s++) {
            int rows = shapes[s][0], cols = shapes[s][1];
            fixture x = { 0 };
            ir_program *p = &x.program;
            ir_program_init(p, "leaves", precisions[pr], rows);
            int in = ir_add_buffer(p, "x", SASC_BUFFER_INPUT, -1, SASC_NOT_A_PARAMETER, rows, cols);
            int v = ir_add_buffer(p, "v", SASC_BUFFER_SCALARS, -1, SASC_NOT_A_PARAMETER, 1, SASC_SCALAR_COUNT);
            int scaled = ir_add_buffer(p, "scaled", SASC_BUFFER_OUTPUT, -1, SASC_NOT_A_PARAMETER, rows, cols);
            int shifted = ir_add_buffer(p, "shifted", SASC_BUFFER_TEMPORARY, -1, SASC_NOT_A_PARAMETER, rows, cols);
            int spread = ir_add_buffer(p, "spread", SASC_BUFFER_TEMPORARY, -1, SASC_NOT_A_PARAMETER, rows, cols);
            int sum = ir_add_buffer(p, "sum", SASC_BUFFER_LOSS, -1, SASC_NOT_A_PARAMETER, 1, 1);
            int sum_squares = ir_add_buffer(p, "sum_squares", SASC_BUFFER_TEMPORARY, -1, SASC_NOT_A_PARAMETER, 1, 1);
            int element = ir_add_buffer(p, "element", SASC_BUFFER_TEMPORARY, -1, SASC_NOT_A_PARAMETER, 1, 1);
            ir_function *f = &p->train;
            int xn = ir_buffer_node(f, p, in), sn = ir_scalar(f, p, v, 2);
            ir_store(f, p, scaled, ir_binary(f, IR_MUL, xn, sn));
            ir_store(f, p, shifted, ir_binary(f, IR_ADD, xn, ir_constant(f, rows, cols, 2.5)));
            ir_store(f, p, spread, ir_broadcast(f, ir_scalar(f, p, v, 1), rows, cols));
            ir_store(f, p, sum, ir_unary(f, IR_SUM, xn));
            ir_store(f, p, sum_squares, ir_unary(f, IR_SUM, ir_unary(f, IR_SQUARE, xn)));
            ir_store(f, p, element, sn);
            if (!compile(&x)) {
                release(&x);
                continue;
            }
            fill(&x, in, -1.0, 1.0, false);
            put(&x, v, 1, -7.25);
            put(&x, v, 2, 0.375);
            run(&x, 0);
            double tolerance = tolerance_of(p->precision), total = 0, squares = 0;
            bool ok = true;
            for (long i = 0; i < (long)rows * cols; i++) {
                double xv = get(&x, x.jit, in, i);
                total += xv;
                squares += xv * xv;
                ok = ok && check_value(&x, scaled, i, xv * 0.375, tolerance) &&
                     check_value(&x, shifted, i, xv + 2.5, tolerance) &&
                     check_value(&x, spread, i, -7.25, 0.0);
            }
            CU_ASSERT(ok);
            CU_ASSERT(check_value(&x, sum, 0, total, tolerance * 10));
            CU_ASSERT(check_value(&x, sum_squares, 0, squares, tolerance * 10));
            CU_ASSERT(check_value(&x, element, 0, 0.375, 0.0));
            check_against_interpreter(&x, sum, tolerance * 10);
            check_against_interpreter(&x, sum_squares, tolerance * 10);
            release(&x);
        }
}

/* ---- products ---- */

static void test_matmul_transposes(void)
{
    const int m = 7, n = 13, k = 17;
    const double alpha = 0.37;
    for (int pr = 0; pr < 2; pr++) {
        fixture x = { 0 };
        ir_program *p = &x.program;
        ir_program_init(p, "matmul", precisions[pr], m);
        ir_function *f = &p->train;
        int a[4], b[4], c[4];
        for (int t = 0; t < 4; t++) {
            bool ta = t & 1, tb = t & 2;
            char name[16];
            snprintf(name, sizeof name, "a%d", t);
            a[t] = ir_add_buffer(p, name, SASC_BUFFER_INPUT, -1, SASC_NOT_A_PARAMETER, ta ? k : m, ta ? m : k);
            snprintf(name, sizeof name, "b%d", t);
            b[t] = ir_add_buffer(p, name, SASC_BUFFER_INPUT, -1, SASC_NOT_A_PARAMETER, tb ? n : k, tb ? k : n);
            snprintf(name, sizeof name, "c%d", t);
            c[t] = ir_add_buffer(p, name, SASC_BUFFER_OUTPUT, -1, SASC_NOT_A_PARAMETER, m, n);
            ir_store(f, p, c[t], ir_matmul(f, ir_buffer_node(f, p, a[t]), ir_buffer_node(f, p, b[t]), ta, tb, alpha));
        }
        /* A computed operand must be placed in memory before the product. */
        int d = ir_add_buffer(p, "d", SASC_BUFFER_OUTPUT, -1, SASC_NOT_A_PARAMETER, m, n);
        int relu_a = ir_unary(f, IR_RELU, ir_buffer_node(f, p, a[0]));
        ir_store(f, p, d, ir_matmul(f, relu_a, ir_buffer_node(f, p, b[0]), false, false, 1.0));
        if (!compile(&x)) {
            release(&x);
            continue;
        }
        for (int t = 0; t < 4; t++) {
            fill(&x, a[t], -1.0, 1.0, false);
            fill(&x, b[t], -1.0, 1.0, false);
        }
        run(&x, 0);
        double tolerance = tolerance_of(p->precision);
        for (int t = 0; t < 4; t++) {
            bool ta = t & 1, tb = t & 2, ok = true;
            for (int i = 0; ok && i < m; i++)
                for (int j = 0; ok && j < n; j++) {
                    double sum = 0;
                    for (int l = 0; l < k; l++)
                        sum += get(&x, x.jit, a[t], ta ? (long)l * m + i : (long)i * k + l) *
                               get(&x, x.jit, b[t], tb ? (long)j * k + l : (long)l * n + j);
                    ok = check_value(&x, c[t], (long)i * n + j, alpha * sum, tolerance * 10);
                }
            CU_ASSERT(ok);
            check_against_interpreter(&x, c[t], tolerance * 10);
        }
        check_against_interpreter(&x, d, tolerance * 10);
        release(&x);
    }
}

/* Transposes of a buffer, of a computed value, and as a product's operand. */
static void test_transpose(void)
{
    const int rows = 7, cols = 13;
    for (int pr = 0; pr < 2; pr++) {
        fixture x = { 0 };
        ir_program *p = &x.program;
        ir_program_init(p, "transpose", precisions[pr], rows);
        ir_function *f = &p->train;
        int a = ir_add_buffer(p, "a", SASC_BUFFER_INPUT, -1, SASC_NOT_A_PARAMETER, rows, cols);
        int plain = ir_add_buffer(p, "plain", SASC_BUFFER_OUTPUT, -1, SASC_NOT_A_PARAMETER, cols, rows);
        int computed = ir_add_buffer(p, "computed", SASC_BUFFER_OUTPUT, -1, SASC_NOT_A_PARAMETER, cols, rows);
        int product = ir_add_buffer(p, "product", SASC_BUFFER_OUTPUT, -1, SASC_NOT_A_PARAMETER, rows, rows);
        int leaf = ir_buffer_node(f, p, a);
        ir_store(f, p, plain, ir_transpose(f, leaf));
        ir_store(f, p, computed, ir_transpose(f, ir_unary(f, IR_RELU, leaf)));
        ir_store(f, p, product, ir_matmul(f, leaf, ir_transpose(f, leaf), false, false, 1.0));
        if (!compile(&x)) {
            release(&x);
            continue;
        }
        fill(&x, a, -1.0, 1.0, false);
        run(&x, 0);
        bool ok = true;
        for (int r = 0; ok && r < rows; r++)
            for (int c = 0; ok && c < cols; c++) {
                double value = get(&x, x.jit, a, (long)r * cols + c);
                ok = check_value(&x, plain, (long)c * rows + r, value, 0.0) &&
                     check_value(&x, computed, (long)c * rows + r, value > 0 ? value : 0.0, 0.0);
            }
        CU_ASSERT(ok);
        check_against_interpreter(&x, plain, 0.0);
        check_against_interpreter(&x, computed, 0.0);
        check_against_interpreter(&x, product, tolerance_of(p->precision) * 10);
        release(&x);
    }
}

/* ---- row-wise ---- */

static void test_rowwise(void)
{
    const int rows = 7, cols = 13;
    for (int pr = 0; pr < 2; pr++) {
        fixture x = { 0 };
        ir_program *p = &x.program;
        ir_program_init(p, "rowwise", precisions[pr], rows);
        int logits = ir_add_buffer(p, "logits", SASC_BUFFER_INPUT, -1, SASC_NOT_A_PARAMETER, rows, cols);
        int target = ir_add_buffer(p, "target", SASC_BUFFER_TARGET, -1, SASC_NOT_A_PARAMETER, rows, cols);
        int g = ir_add_buffer(p, "g", SASC_BUFFER_INPUT, -1, SASC_NOT_A_PARAMETER, rows, 1);
        int soft = ir_add_buffer(p, "softmax", SASC_BUFFER_OUTPUT, -1, SASC_NOT_A_PARAMETER, rows, cols);
        int ce = ir_add_buffer(p, "ce", SASC_BUFFER_TEMPORARY, -1, SASC_NOT_A_PARAMETER, rows, 1);
        int back = ir_add_buffer(p, "back", SASC_BUFFER_GRADIENT, -1, SASC_NOT_A_PARAMETER, rows, cols);
        ir_function *f = &p->train;
        int ln = ir_buffer_node(f, p, logits), tn = ir_buffer_node(f, p, target);
        ir_store(f, p, soft, ir_unary(f, IR_SOFTMAX, ln));
        ir_store(f, p, ce, ir_cross_entropy(f, ln, tn));
        ir_store(f, p, back, ir_cross_entropy_backward(f, ln, tn, ir_buffer_node(f, p, g)));
        if (!compile(&x)) {
            release(&x);
            continue;
        }
        fill(&x, logits, -5.0, 5.0, false);
        fill(&x, g, -1.0, 1.0, false);
        for (int r = 0; r < rows; r++)   /* one-hot rows, and a last row of weights summing to 0.7 */
            for (int j = 0; j < cols; j++)
                put(&x, target, (long)r * cols + j, r < rows - 1 ? (j == (3 * r) % cols) : (j < 7 ? 0.1 : 0.0));
        run(&x, 0);
        double tolerance = tolerance_of(p->precision);
        bool ok = true;
        for (int r = 0; r < rows; r++) {
            double max = -INFINITY, sum = 0, target_sum = 0, loss = 0;
            for (int j = 0; j < cols; j++)
                max = fmax(max, get(&x, x.jit, logits, (long)r * cols + j));
            for (int j = 0; j < cols; j++) {
                sum += exp(get(&x, x.jit, logits, (long)r * cols + j) - max);
                target_sum += get(&x, x.jit, target, (long)r * cols + j);
            }
            for (int j = 0; j < cols; j++) {
                long at = (long)r * cols + j;
                double l = get(&x, x.jit, logits, at), t = get(&x, x.jit, target, at);
                double y = exp(l - max) / sum;
                loss -= t * (l - max - log(sum));
                ok = ok && check_value(&x, soft, at, y, tolerance) &&
                     check_value(&x, back, at, get(&x, x.jit, g, r) * (y * target_sum - t), tolerance);
            }
            ok = ok && check_value(&x, ce, r, loss, tolerance);
        }
        CU_ASSERT(ok);
        check_against_interpreter(&x, soft, tolerance);
        check_against_interpreter(&x, ce, tolerance);
        check_against_interpreter(&x, back, tolerance);
        release(&x);
    }
}

/* ---- storage plan ---- */

static int count_role(const ir_program *p, sasc_buffer_role role)
{
    int count = 0;
    for (int i = 0; i < p->buffer_count; i++)
        count += p->buffers[i].desc.role == role;
    return count;
}

/* A fused chain with two shared intermediates, and five softmaxes in a row:
 * the chain needs a temporary for each shared value; the softmaxes reuse
 * those two, alternating (the last is written straight into the output),
 * and the sum goes straight into the loss. */
static void test_fusion_and_reuse(void)
{
    for (int pr = 0; pr < 2; pr++) {
        fixture x = { 0 };
        ir_program *p = &x.program;
        ir_program_init(p, "fusion", precisions[pr], 9);
        int in = ir_add_buffer(p, "x", SASC_BUFFER_INPUT, -1, SASC_NOT_A_PARAMETER, 9, 11);
        int z = ir_add_buffer(p, "z", SASC_BUFFER_INPUT, -1, SASC_NOT_A_PARAMETER, 9, 11);
        int y = ir_add_buffer(p, "y", SASC_BUFFER_OUTPUT, -1, SASC_NOT_A_PARAMETER, 9, 11);
        int loss = ir_add_buffer(p, "loss", SASC_BUFFER_LOSS, -1, SASC_NOT_A_PARAMETER, 1, 1);
        int chain = ir_add_buffer(p, "chain", SASC_BUFFER_OUTPUT, -1, SASC_NOT_A_PARAMETER, 9, 11);
        ir_function *f = &p->train;
        int xn = ir_buffer_node(f, p, in);
        int t = ir_binary(f, IR_MUL, xn, ir_buffer_node(f, p, z));          /* two users: materialised */
        int u = ir_binary(f, IR_ADD, t, ir_unary(f, IR_EXP, t));          /* two users too */
        ir_store(f, p, chain, ir_unary(f, IR_SIGMOID, ir_affine(f, u, 0.5, -0.25)));
        ir_store(f, p, loss, ir_unary(f, IR_SUM, ir_unary(f, IR_SQUARE, u)));
        ir_unary(f, IR_TANH, xn);                                            /* dead: never computed */
        int s = xn;
        for (int k = 0; k < 5; k++)
            s = ir_unary(f, IR_SOFTMAX, s);
        ir_store(f, p, y, s);
        int before = p->buffer_count;
        if (!compile(&x)) {
            release(&x);
            continue;
        }
        CU_ASSERT_EQUAL(p->buffer_count - before, 2);
        CU_ASSERT_EQUAL(count_role(p, SASC_BUFFER_TEMPORARY), 2);
        fill(&x, in, -2.0, 2.0, false);
        fill(&x, z, -1.0, 1.0, false);
        run(&x, 0);
        double tolerance = tolerance_of(p->precision);
        check_against_interpreter(&x, chain, tolerance);
        check_against_interpreter(&x, loss, tolerance * 10);
        check_against_interpreter(&x, y, tolerance);
        release(&x);
    }
}

/* Stores that overwrite buffers other nodes still read, in an update
 * function: values must follow the IR's value semantics. */
static void test_store_hazards(void)
{
    for (int pr = 0; pr < 2; pr++) {
        fixture x = { 0 };
        ir_program *p = &x.program;
        ir_program_init(p, "hazards", precisions[pr], 6);
        int w = ir_add_buffer(p, "w", SASC_BUFFER_PARAMETER, -1, SASC_M, 6, 6);
        int g = ir_add_buffer(p, "g", SASC_BUFFER_GRADIENT, -1, SASC_M, 6, 6);
        int v = ir_add_buffer(p, "v", SASC_BUFFER_OPTIMIZER_STATE, -1, SASC_M, 6, 6);
        int q = ir_add_buffer(p, "q", SASC_BUFFER_PARAMETER, -1, SASC_PI, 6, 6);
        int r = ir_add_buffer(p, "r", SASC_BUFFER_PARAMETER, -1, SASC_XI, 6, 6);
        ir_function *f = &p->update;
        int wn = ir_buffer_node(f, p, w), gn = ir_buffer_node(f, p, g);
        int qn = ir_buffer_node(f, p, q), q0 = ir_scalar(f, p, q, 7), rn = ir_buffer_node(f, p, r);
        ir_store(f, p, w, ir_binary(f, IR_SUB, wn, ir_affine(f, gn, 0.5, 0.0)));   /* w := w - g/2 */
        ir_store(f, p, v, ir_affine(f, wn, 2.0, 0.0));                             /* v := 2 w (old w) */
        ir_store(f, p, q, ir_binary(f, IR_SUB, qn, q0));                          /* q := q - q[7] */
        ir_store(f, p, r, ir_matmul(f, rn, gn, false, false, 1.0));               /* r := r g */
        if (!compile(&x)) {
            release(&x);
            continue;
        }
        fill(&x, w, -1.0, 1.0, false);
        fill(&x, g, -1.0, 1.0, false);
        fill(&x, q, -1.0, 1.0, false);
        fill(&x, r, -1.0, 1.0, false);
        double old_w[36], old_q[36];
        for (long i = 0; i < 36; i++) {
            old_w[i] = get(&x, x.jit, w, i);
            old_q[i] = get(&x, x.jit, q, i);
        }
        run(&x, 1);
        double tolerance = tolerance_of(p->precision);
        bool ok = true;
        for (long i = 0; i < 36; i++)
            ok = ok && check_value(&x, v, i, 2 * old_w[i], tolerance) &&
                 check_value(&x, q, i, old_q[i] - old_q[7], tolerance);
        CU_ASSERT(ok);
        check_against_interpreter(&x, w, tolerance);
        check_against_interpreter(&x, r, tolerance * 10);
        release(&x);
    }
}

/* A product stored over one of its own operands must not be computed in
 * place (GEMM's output may not alias its inputs); large enough for the
 * BLAS to write C while it still reads A. */
static void test_product_over_operand(void)
{
    const int n = 160;
    fixture x = { 0 };
    ir_program *p = &x.program;
    ir_program_init(p, "alias", SASC_F64, n);
    int a = ir_add_buffer(p, "a", SASC_BUFFER_PARAMETER, -1, SASC_M, n, n);
    int b = ir_add_buffer(p, "b", SASC_BUFFER_INPUT, -1, SASC_NOT_A_PARAMETER, n, n);
    ir_function *f = &p->update;
    ir_store(f, p, a, ir_matmul(f, ir_buffer_node(f, p, a), ir_buffer_node(f, p, b), false, false, 1.0));
    if (compile(&x)) {
        fill(&x, a, -1.0, 1.0, false);
        fill(&x, b, -1.0, 1.0, false);
        run(&x, 1);
        check_against_interpreter(&x, a, 1e-12);
    }
    release(&x);
}

/* Random programs over 7x7 buffers, with stores that overwrite buffers whose
 * leaves are still used later: the storage plan against the interpreter. */
enum { RANDOM_MATRICES = 4, RANDOM_SIDE = 7, RANDOM_STEPS = 30 };

typedef struct {
    ir_program *p;
    ir_function *f;
    int matrix[RANDOM_MATRICES], scalar_buffer, out;
    int square[2 * RANDOM_STEPS + 2], squares;   /* value nodes of [7,7] */
    int one[2 * RANDOM_STEPS + 2], ones;         /* value nodes of [1,1] */
    bool stored[RANDOM_MATRICES + 1];
} random_program;

static int pick(int count)
{
    return (int)uniform(0, count - 1e-9);
}

static void add_value(random_program *r, int node)
{
    if (r->f->nodes[node].rows == 1 && r->f->nodes[node].cols == 1)
        r->one[r->ones++] = node;
    else
        r->square[r->squares++] = node;
}

static int random_leaf(random_program *r, bool scalar)
{
    int k = pick(RANDOM_MATRICES);
    if (r->stored[k])   /* a buffer is never read after a store to it */
        return scalar ? ir_constant(r->f, 1, 1, uniform(-1, 1)) : r->square[pick(r->squares)];
    return scalar ? ir_scalar(r->f, r->p, r->matrix[k], pick(RANDOM_SIDE * RANDOM_SIDE))
                  : ir_buffer_node(r->f, r->p, r->matrix[k]);
}

static int random_unary(random_program *r, int operand)
{
    static const ir_opcode ops[] = { IR_RELU, IR_SQUARE, IR_TANH, IR_SIGMOID, IR_SQRT, IR_STEP };
    switch (pick(3)) {
    case 0:  return ir_affine(r->f, operand, uniform(-1, 1), uniform(-1, 1));
    case 1:  return ir_clamp(r->f, operand, -0.5, pick(2) ? INFINITY : 0.5);
    default: return ir_unary(r->f, ops[pick(sizeof ops / sizeof ops[0])], operand);
    }
}

static void random_step(random_program *r)
{
    static const ir_opcode binary[] = { IR_ADD, IR_SUB, IR_MUL, IR_SQRT_BACKWARD };
    ir_function *f = r->f;
    int x = r->square[pick(r->squares)], y = r->square[pick(r->squares)], s = r->one[pick(r->ones)];
    switch (pick(11)) {
    case 0: add_value(r, random_leaf(r, false)); break;
    case 1: add_value(r, random_leaf(r, true)); break;
    case 2: add_value(r, random_unary(r, pick(4) ? x : s)); break;
    case 3: case 4: {
        int lhs = pick(4) ? x : s, rhs = lhs == s || pick(3) ? y : s;
        add_value(r, ir_binary(f, binary[pick(4)], lhs, rhs));
        break;
    }
    case 5: add_value(r, ir_matmul(f, x, y, pick(2), pick(2), 0.3)); break;
    case 6: add_value(r, ir_unary(f, IR_SOFTMAX, x)); break;
    case 7: add_value(r, ir_unary(f, IR_SUM, x)); break;
    case 8: add_value(r, ir_broadcast(f, s, RANDOM_SIDE, RANDOM_SIDE)); break;
    default: {
        int k = pick(RANDOM_MATRICES + 1);
        if (k == RANDOM_MATRICES)
            ir_store(f, r->p, r->scalar_buffer, s);
        else
            ir_store(f, r->p, r->matrix[k], x);
        r->stored[k] = true;
    }
    }
}

static void build_random_program(ir_program *p)
{
    random_program r = { .p = p, .f = &p->train };
    ir_program_init(p, "random", SASC_F64, RANDOM_SIDE);
    for (int k = 0; k < RANDOM_MATRICES; k++) {
        char name[16];
        snprintf(name, sizeof name, "m%d", k);
        r.matrix[k] = ir_add_buffer(p, name, SASC_BUFFER_PARAMETER, -1, SASC_M, RANDOM_SIDE, RANDOM_SIDE);
    }
    r.scalar_buffer = ir_add_buffer(p, "s", SASC_BUFFER_LOSS, -1, SASC_NOT_A_PARAMETER, 1, 1);
    r.out = ir_add_buffer(p, "out", SASC_BUFFER_OUTPUT, -1, SASC_NOT_A_PARAMETER, RANDOM_SIDE, RANDOM_SIDE);
    add_value(&r, ir_buffer_node(r.f, p, r.matrix[0]));
    add_value(&r, ir_scalar(r.f, p, r.matrix[1], 3));
    for (int step = 0; step < RANDOM_STEPS; step++)
        random_step(&r);
    /* Keep the last values live. */
    int total = r.square[r.squares - 1];
    for (int k = 2; k <= 4 && k <= r.squares; k++)
        total = ir_binary(r.f, IR_ADD, total, r.square[r.squares - k]);
    ir_store(r.f, p, r.out, ir_binary(r.f, IR_MUL, total, r.one[r.ones - 1]));
}

static void test_random_programs(void)
{
    for (int seed = 0; seed < 40; seed++) {
        fixture x = { 0 };
        random_state = 0x243F6A8885A308D3u + 7919u * (uint64_t)seed;
        build_random_program(&x.program);
        if (!compile(&x)) {
            ir_print(&x.program, stderr);
            release(&x);
            continue;
        }
        for (int i = 0; i < x.program.buffer_count; i++)
            fill(&x, i, -1.0, 1.0, false);
        run(&x, 0);
        bool ok = true;
        for (int i = 0; ok && i < x.program.buffer_count; i++)
            for (long e = 0; ok && x.program.buffers[i].desc.role != SASC_BUFFER_TEMPORARY && e < size_of(&x, i); e++)
                ok = check_value(&x, i, e, get(&x, x.reference, i, e), 1e-9);
        if (!ok) {
            fprintf(stderr, "  random program %d:\n", seed);
            ir_print(&x.program, stderr);
        }
        CU_ASSERT(ok);
        release(&x);
    }
}

/* ---- lifetime, printing, errors ---- */

static void build_small_program(ir_program *p)
{
    ir_program_init(p, "small", SASC_F32, 4);
    int a = ir_add_buffer(p, "a", SASC_BUFFER_INPUT, -1, SASC_NOT_A_PARAMETER, 4, 5);
    int b = ir_add_buffer(p, "b", SASC_BUFFER_PARAMETER, 0, SASC_M, 5, 3);
    int c = ir_add_buffer(p, "c", SASC_BUFFER_OUTPUT, -1, SASC_NOT_A_PARAMETER, 4, 3);
    ir_function *f = &p->predict;
    int product = ir_matmul(f, ir_buffer_node(f, p, a), ir_buffer_node(f, p, b), false, false, 1.0);
    ir_store(f, p, c, ir_unary(f, IR_SOFTMAX, ir_unary(f, IR_RELU, product)));
}

static void test_jit_twice(void)
{
    ir_program p;
    build_small_program(&p);
    char error[512] = "";
    compiled_model *first = codegen_jit(&p, error, sizeof error);
    CU_ASSERT_PTR_NOT_NULL(first);
    int count = p.buffer_count;
    compiled_model *second = codegen_jit(&p, error, sizeof error);
    CU_ASSERT_PTR_NOT_NULL(second);
    CU_ASSERT_EQUAL(p.buffer_count, count);   /* the plan found its own temporaries */
    if (first && second) {
        const sasc_program *a = compiled_model_program(first), *b = compiled_model_program(second);
        CU_ASSERT_EQUAL(a->buffer_count, count);
        CU_ASSERT_EQUAL(b->buffer_count, count);
        CU_ASSERT_EQUAL(a->precision, SASC_F32);
        CU_ASSERT_EQUAL(a->batch, 4);
        CU_ASSERT_STRING_EQUAL(a->buffers[2].name, "c");
        CU_ASSERT(sasc_program_kernel(a, SASC_KERNEL_TRAIN) && sasc_program_kernel(a, SASC_KERNEL_UPDATE) && sasc_program_kernel(a, SASC_KERNEL_PREDICT) && sasc_program_kernel(b, SASC_KERNEL_PREDICT));
        CU_ASSERT(sasc_program_kernel(a, SASC_KERNEL_PREDICT) != sasc_program_kernel(b, SASC_KERNEL_PREDICT));
        void **buffers = sasc_buffers_allocate(a, error, sizeof error);
        CU_ASSERT_PTR_NOT_NULL_FATAL(buffers);
        for (int i = 0; i < 20; i++)
            sasc_buffer_set(buffers[0], SASC_F32, (size_t)i, 0.1 * i);
        for (int i = 0; i < 15; i++)
            sasc_buffer_set(buffers[1], SASC_F32, (size_t)i, 0.2 - 0.03 * i);
        sasc_program_kernel(b, SASC_KERNEL_PREDICT)(buffers);
        sasc_program_kernel(a, SASC_KERNEL_TRAIN)(buffers);    /* empty kernels run too */
        sasc_program_kernel(a, SASC_KERNEL_UPDATE)(buffers);
        for (int r = 0; r < 4; r++) {
            double total = 0;
            for (int j = 0; j < 3; j++)
                total += sasc_buffer_get(buffers[2], SASC_F32, (size_t)(r * 3 + j));
            ASSERT_CLOSE(total, 1.0, 1e-6);
        }
        sasc_buffers_free(a, buffers);
    }
    compiled_model_free(first);
    compiled_model_free(second);
    compiled_model_free(NULL);
    ir_program_free(&p);
}

static char *print_to_string(ir_program *p, bool optimized, bool *ok)
{
    char *text = NULL, error[512] = "";
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    *ok = codegen_print_llvm(p, optimized, out, error, sizeof error);
    fclose(out);
    return text;
}

static void test_print_llvm(void)
{
    ir_program p;
    build_small_program(&p);
    bool ok;
    char *plain = print_to_string(&p, false, &ok);
    CU_ASSERT(ok);
    CU_ASSERT_PTR_NOT_NULL(strstr(plain, "define void @sasc_predict(ptr"));
    CU_ASSERT_PTR_NOT_NULL(strstr(plain, "@sasc_gemm_f32"));
    CU_ASSERT_PTR_NOT_NULL(strstr(plain, "noalias"));
    free(plain);
    /* Elementwise loops are vectorised by the optimisation pipeline. */
    ir_program q = { 0 };
    ir_program_init(&q, "vector", SASC_F64, 17);
    int in = ir_add_buffer(&q, "x", SASC_BUFFER_INPUT, -1, SASC_NOT_A_PARAMETER, 17, 33);
    int out = ir_add_buffer(&q, "y", SASC_BUFFER_OUTPUT, -1, SASC_NOT_A_PARAMETER, 17, 33);
    ir_store(&q.train, &q, out, ir_affine(&q.train, ir_unary(&q.train, IR_RELU, ir_buffer_node(&q.train, &q, in)), 2, 1));
    char *optimized = print_to_string(&q, true, &ok);
    CU_ASSERT(ok);
    CU_ASSERT_PTR_NOT_NULL(strstr(optimized, "define void @sasc_train(ptr"));
    CU_ASSERT_PTR_NOT_NULL(strstr(optimized, " x double>"));
    free(optimized);
    ir_program_free(&q);
    ir_program_free(&p);
}

static void test_version(void)
{
    const char *version = codegen_llvm_version();
    CU_ASSERT_EQUAL(strncmp(version, "19.", 3), 0);
    CU_ASSERT_PTR_NOT_NULL(strchr(version + 3, '.'));
}

/* A malformed program is a message, not a crash. */
static void test_errors(void)
{
    ir_program p;
    build_small_program(&p);
    p.predict.nodes[p.predict.count - 1].a = p.predict.count + 5;   /* store of a node that does not exist */
    char error[512] = "";
    CU_ASSERT_PTR_NULL(codegen_jit(&p, error, sizeof error));
    CU_ASSERT(error[0] != '\0');
    error[0] = '\0';
    FILE *sink = fopen("/dev/null", "w");
    CU_ASSERT_FALSE(codegen_print_llvm(&p, true, sink, error, sizeof error));
    CU_ASSERT(error[0] != '\0');
    fclose(sink);
    ir_program_free(&p);
    /* LLVM's own errors become a message (and are consumed: LSan would see a leak). */
    codegen_error_message(LLVMCreateStringError("symbol not found"), "cannot compile the kernels",
                          error, sizeof error);
    CU_ASSERT_STRING_EQUAL(error, "cannot compile the kernels: symbol not found");
}

/* ---- lowered models ---- */

static layer_spec make_layer(const char *name, int source, int fan_in, int width, activation_kind activation)
{
    layer_spec l;
    memset(&l, 0, sizeof l);
    l.name = (char *)name;
    l.source = source;
    l.fan_in = fan_in;
    l.width = width;
    l.activation = activation;
    l.fan_in_scaling = true;
    l.group[0].prior[SASC_PI] = (parameter_prior){ { SASC_INIT_UNIFORM, 0.1, 0.5 }, false };
    l.group[0].prior[SASC_M] = (parameter_prior){ { SASC_INIT_NORMAL, 0.0, 0.5 }, false };
    l.group[0].prior[SASC_XI] = (parameter_prior){ { SASC_INIT_UNIFORM, 0.01, 0.1 }, false };
    l.group[0].mask.kind = SASC_MASK_NONE;
    l.group[0].fan_in = fan_in;
    l.kind = layer_kind_find(layer_kinds(), "dense");
    return l;
}

static model_spec make_model(layer_spec *layers, int count, int input_width)
{
    model_spec m;
    memset(&m, 0, sizeof m);
    m.name = (char *)"net";
    m.input_name = (char *)"x";
    m.input_width = input_width;
    m.layers = layers;
    m.layer_count = count;
    m.classes = layers[count - 1].width;
    m.loss = LOSS_CROSS_ENTROPY;
    m.l2_m = 1e-3;
    m.l2_xi = 1e-2;
    return m;
}

static bool lower_with(fixture *x, const model_spec *model, int precision, int batch,
                       sasc_optimizer optimizer)
{
    sasc_task task;
    sasc_task_defaults(&task);
    task.precision = precision;
    task.batch = batch;
    task.optimizer = optimizer;
    task.momentum = 0.9;
    task.weight_decay = 1e-3;
    char error[512] = "";
    bool ok = lower_model(model, &task, &x->program, error, sizeof error);
    if (!ok)
        fprintf(stderr, "lower_model: %s\n", error);
    CU_ASSERT(ok);
    return ok;
}

static bool lower(fixture *x, const model_spec *model, int precision, int batch)
{
    return lower_with(x, model, precision, batch, SASC_OPTIMIZER_ADAM);
}

/* Values in the range each role and parameter expects. */
static void fill_model_buffers(fixture *x)
{
    const ir_program *p = &x->program;
    for (int i = 0; i < p->buffer_count; i++) {
        const sasc_buffer_desc *d = &p->buffers[i].desc;
        switch (d->role) {
        case SASC_BUFFER_INPUT: fill(x, i, 0.0, 1.0, false); break;
        case SASC_BUFFER_NOISE: fill(x, i, -2.0, 2.0, false); break;
        case SASC_BUFFER_MASK:
            for (long e = 0; e < size_of(x, i); e++)
                put(x, i, e, uniform(0, 1) < 0.7);
            break;
        case SASC_BUFFER_OPTIMIZER_STATE: fill(x, i, 0.0, 0.01, false); break;
        case SASC_BUFFER_PARAMETER:
            if (d->parameter == SASC_PI)
                fill(x, i, 0.1, 0.5, false);
            else if (d->parameter == SASC_XI)
                fill(x, i, 0.01, 0.1, false);
            else
                fill(x, i, -0.5, 0.5, false);
            break;
        case SASC_BUFFER_TARGET:
            for (int r = 0; r < d->rows; r++)
                for (int j = 0; j < d->cols; j++)
                    put(x, i, (long)r * d->cols + j, j == (r * 7 + 2) % d->cols);
            break;
        case SASC_BUFFER_SCALARS:
            put(x, i, SASC_SCALAR_LEARNING_RATE, 0.01);
            put(x, i, SASC_SCALAR_BIAS_CORRECTION1, 0.1);
            put(x, i, SASC_SCALAR_BIAS_CORRECTION2, 0.001);
            break;
        default:
            break;
        }
    }
}

static void check_all_against_interpreter(const fixture *x, double tolerance)
{
    for (int i = 0; i < x->program.buffer_count; i++)
        if (x->program.buffers[i].desc.role != SASC_BUFFER_TEMPORARY)
            check_against_interpreter(x, i, tolerance);
}

static void check_lowered(const model_spec *model, int precision, sasc_optimizer optimizer)
{
    fixture x = { 0 };
    if (lower_with(&x, model, precision, 6, optimizer) && compile(&x)) {
        double tolerance = tolerance_of(x.program.precision);
        fill_model_buffers(&x);
        for (int kernel = 0; kernel < 3; kernel++) {   /* train, update, predict */
            run(&x, kernel);
            check_all_against_interpreter(&x, tolerance);
        }
    }
    release(&x);
}

/* train, update and predict of lowered models match the interpreter: a SaS
 * network with each optimiser and precision, and one with a deterministic
 * layer, a masked layer and a squared-error loss. */
static void test_lowered_model(void)
{
    layer_spec layers[2] = { make_layer("h", -1, 5, 4, ACTIVATION_RELU),
                             make_layer("out", 0, 4, 3, ACTIVATION_SOFTMAX) };
    model_spec model = make_model(layers, 2, 5);
    for (int pr = 0; pr < 2; pr++)
        check_lowered(&model, pr ? 64 : 32, SASC_OPTIMIZER_ADAM);
    check_lowered(&model, 64, SASC_OPTIMIZER_RMSPROP);
    check_lowered(&model, 64, SASC_OPTIMIZER_SGD);

    layer_spec mixed[3] = { make_layer("d", -1, 5, 6, ACTIVATION_TANH),
                            make_layer("k", 0, 6, 4, ACTIVATION_SIGMOID),
                            make_layer("y", 1, 4, 2, ACTIVATION_IDENTITY) };
    mixed[0].group[0].prior[SASC_PI] = (parameter_prior){ { SASC_INIT_ZEROS, 0, 0 }, true };
    mixed[0].group[0].prior[SASC_XI] = (parameter_prior){ { SASC_INIT_ZEROS, 0, 0 }, true };
    mixed[1].group[0].mask = (sasc_mask){ SASC_MASK_DENSITY, 0.5, NULL };
    mixed[1].group[0].prior[SASC_PI].frozen = true;
    mixed[2].fan_in_scaling = false;
    model_spec regression = make_model(mixed, 3, 5);
    regression.loss = LOSS_MEAN_SQUARED_ERROR;
    for (int pr = 0; pr < 2; pr++)
        check_lowered(&regression, pr ? 64 : 32, SASC_OPTIMIZER_ADAM);
}

static int find_gradient(const ir_program *p, const sasc_buffer_desc *parameter)
{
    for (int i = 0; i < p->buffer_count; i++) {
        const sasc_buffer_desc *d = &p->buffers[i].desc;
        if (d->role == SASC_BUFFER_GRADIENT && d->group == parameter->group && d->parameter == parameter->parameter)
            return i;
    }
    return -1;
}

static double jit_loss(fixture *x)
{
    sasc_program_kernel(x->compiled, SASC_KERNEL_TRAIN)(x->jit);
    return get(x, x->jit, x->program.loss_buffer, 0);
}

/* The train kernel's gradients against central differences of its loss (f64). */
static void test_gradient_check(void)
{
    layer_spec layers[3] = { make_layer("h1", -1, 6, 5, ACTIVATION_TANH),
                             make_layer("h2", 0, 5, 4, ACTIVATION_RELU),
                             make_layer("out", 1, 4, 3, ACTIVATION_SOFTMAX) };
    model_spec model = make_model(layers, 3, 6);
    fixture x = { 0 };
    if (!lower(&x, &model, 64, 4) || !compile(&x)) {
        release(&x);
        return;
    }
    fill_model_buffers(&x);
    const ir_program *p = &x.program;
    int checked = 0;
    for (int i = 0; i < p->buffer_count; i++) {
        const sasc_buffer_desc *d = &p->buffers[i].desc;
        int g = d->role == SASC_BUFFER_PARAMETER ? find_gradient(p, d) : -1;
        if (g < 0)
            continue;
        for (long e = 0; e < size_of(&x, i); e += 3) {
            jit_loss(&x);   /* the gradients at the unperturbed parameters */
            double analytic = get(&x, x.jit, g, e), value = get(&x, x.jit, i, e), h = 1e-5;
            sasc_buffer_set(x.jit[i], SASC_F64, (size_t)e, value + h);
            double plus = jit_loss(&x);
            sasc_buffer_set(x.jit[i], SASC_F64, (size_t)e, value - h);
            double minus = jit_loss(&x);
            sasc_buffer_set(x.jit[i], SASC_F64, (size_t)e, value);
            double numeric = (plus - minus) / (2 * h);
            /* central differences: O(h^2) truncation, O(1e-16 / h) rounding of the loss */
            bool ok = fabs(analytic - numeric) <= 1e-8 + 1e-5 * fabs(numeric);
            if (!ok)
                fprintf(stderr, "\n  d loss/d %s[%ld]: kernel %.12g, differences %.12g\n",
                        d->name, e, analytic, numeric);
            CU_ASSERT(ok);
            checked++;
        }
    }
    CU_ASSERT(checked > 20);
    release(&x);
}

/* ---- update by parts (sasc_program.update_part) ---- */

static bool same_bits(const sasc_program *c, void *const *a, void *const *b)
{
    bool same = true;
    for (int i = 0; i < c->buffer_count; i++) {
        if (c->buffers[i].role == SASC_BUFFER_TEMPORARY)
            continue;
        size_t bytes = (size_t)c->buffers[i].rows * (size_t)c->buffers[i].cols * (size_t)c->precision;
        if (memcmp(a[i], b[i], bytes) != 0) {
            fprintf(stderr, "\n  %s differs from update\n", c->buffers[i].name);
            same = false;
        }
    }
    return same;
}

static void copy_buffers(const sasc_program *c, void *const *to, void *const *from)
{
    for (int i = 0; i < c->buffer_count; i++)
        memcpy(to[i], from[i], (size_t)c->buffers[i].rows * (size_t)c->buffers[i].cols * (size_t)c->precision);
}

/* From `start`, update_part for parts 0 .. parts - 1 (run last to first)
 * must leave exactly the bits `expected` holds after one update, for 1, 2
 * and 3 parts and for more parts than some buffers have aligned blocks. */
static void check_parts_match(const sasc_program *c, void *const *start, void *const *expected)
{
    char error[256] = "";
    void **work = sasc_buffers_allocate(c, error, sizeof error);
    CU_ASSERT_PTR_NOT_NULL_FATAL(work);
    const int part_counts[4] = { 1, 2, 3, 7 };
    for (int k = 0; k < 4; k++) {
        copy_buffers(c, work, start);
        for (int part = part_counts[k] - 1; part >= 0; part--)
            sasc_program_part_kernel(c, SASC_KERNEL_UPDATE_PART)(work, part, part_counts[k]);
        CU_ASSERT(same_bits(c, work, expected));
    }
    sasc_buffers_free(c, work);
}

static void check_update_parts(const model_spec *model, int precision, sasc_optimizer optimizer)
{
    fixture x = { 0 };
    if (lower_with(&x, model, precision, 6, optimizer) && compile(&x)) {
        const sasc_program *c = x.compiled;
        CU_ASSERT_PTR_NOT_NULL_FATAL(sasc_program_part_kernel(c, SASC_KERNEL_UPDATE_PART));   /* optimiser updates are elementwise */
        fill_model_buffers(&x);
        sasc_program_kernel(c, SASC_KERNEL_TRAIN)(x.jit);               /* gradients */
        copy_buffers(c, x.reference, x.jit);
        sasc_program_kernel(c, SASC_KERNEL_UPDATE)(x.jit);
        check_parts_match(c, x.reference, x.jit);
    }
    release(&x);
}

/* update_part of lowered models: every optimiser, both precisions, masked
 * and frozen parameters, buffers of 1073 and 87 elements (split unevenly). */
static void test_update_parts(void)
{
    layer_spec layers[2] = { make_layer("h", -1, 37, 29, ACTIVATION_RELU),
                             make_layer("out", 0, 29, 3, ACTIVATION_SOFTMAX) };
    layers[0].group[0].mask = (sasc_mask){ SASC_MASK_DENSITY, 0.5, NULL };
    layers[1].group[0].prior[SASC_PI].frozen = true;
    model_spec model = make_model(layers, 2, 37);
    check_update_parts(&model, 32, SASC_OPTIMIZER_ADAM);
    check_update_parts(&model, 64, SASC_OPTIMIZER_ADAM);
    check_update_parts(&model, 32, SASC_OPTIMIZER_RMSPROP);
    check_update_parts(&model, 64, SASC_OPTIMIZER_SGD);
}

/* An update with a sum, or one that writes a [1,1] buffer every element
 * reads, is not elementwise: no update_part; one that only reads it is. */
static void test_update_parts_only_elementwise(void)
{
    for (int variant = 0; variant < 3; variant++) {
        ir_program p;
        ir_program_init(&p, "parts", SASC_F32, 4);
        int w = ir_add_buffer(&p, "w", SASC_BUFFER_PARAMETER, 0, SASC_M, 33, 5);
        int s = ir_add_buffer(&p, "s", SASC_BUFFER_PARAMETER, 0, SASC_XI, 1, 1);
        ir_function *f = &p.update;
        int wn = ir_buffer_node(f, &p, w), sn = ir_buffer_node(f, &p, s);
        if (variant == 0) {   /* w := w - sum(w) */
            ir_store(f, &p, w, ir_binary(f, IR_SUB, wn, ir_unary(f, IR_SUM, wn)));
        } else if (variant == 1) {   /* w := w + s; s := 2 s */
            ir_store(f, &p, w, ir_binary(f, IR_ADD, wn, sn));
            ir_store(f, &p, s, ir_affine(f, sn, 2.0, 0.0));
        } else {   /* w := sqrt(w) s + 1, s only read */
            ir_store(f, &p, w, ir_affine(f, ir_binary(f, IR_MUL, ir_unary(f, IR_SQRT, wn), sn), 1.0, 1.0));
        }
        char error[512] = "";
        compiled_model *m = codegen_jit(&p, error, sizeof error);
        CU_ASSERT_PTR_NOT_NULL_FATAL(m);
        const sasc_program *c = compiled_model_program(m);
        CU_ASSERT(sasc_program_kernel(c, SASC_KERNEL_UPDATE) != NULL);
        CU_ASSERT_EQUAL(sasc_program_part_kernel(c, SASC_KERNEL_UPDATE_PART) == NULL, variant < 2);
        compiled_model_free(m);
        ir_program_free(&p);
    }
}

static double seconds_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* The B4 shape: JIT time of 784-100-100-10 at batch 500, f32 (reported, not judged). */
static void test_jit_time_b1(void)
{
    layer_spec layers[3] = { make_layer("h1", -1, 784, 100, ACTIVATION_RELU),
                             make_layer("h2", 0, 100, 100, ACTIVATION_RELU),
                             make_layer("out", 1, 100, 10, ACTIVATION_SOFTMAX) };
    model_spec model = make_model(layers, 3, 784);
    fixture x = { 0 };
    if (lower(&x, &model, 32, 500)) {
        double start = seconds_now();
        char error[512] = "";
        x.model = codegen_jit(&x.program, error, sizeof error);
        double elapsed = seconds_now() - start;
        CU_ASSERT_PTR_NOT_NULL(x.model);
        if (x.model)
            printf("\n  JIT of 784-100-100-10, batch 500, f32: %.1f ms (%d buffers) ", 1e3 * elapsed,
                   compiled_model_program(x.model)->buffer_count);
    }
    release(&x);
}

void register_codegen_tests(void)
{
    CU_pSuite ops = CU_add_suite("codegen_ops", NULL, NULL);
    CU_add_test(ops, "unary ops, f32/f64, odd sizes", test_unary_ops);
    CU_add_test(ops, "binary ops and [1,1] broadcast", test_binary_ops);
    CU_add_test(ops, "sqrt backward at y = 0 is exactly 0", test_sqrt_backward_at_zero);
    CU_add_test(ops, "scalar, constant, broadcast, sum", test_leaves_and_sums);
    CU_add_test(ops, "matmul, four transposes, alpha", test_matmul_transposes);
    CU_add_test(ops, "softmax, cross-entropy and its backward", test_rowwise);
    CU_add_test(ops, "transpose", test_transpose);
    CU_pSuite plan = CU_add_suite("codegen_plan", NULL, NULL);
    CU_add_test(plan, "fusion and temporary reuse", test_fusion_and_reuse);
    CU_add_test(plan, "stores over buffers still read", test_store_hazards);
    CU_add_test(plan, "product stored over its operand", test_product_over_operand);
    CU_add_test(plan, "random programs vs interpreter", test_random_programs);
    CU_pSuite jit = CU_add_suite("codegen_jit", NULL, NULL);
    CU_add_test(jit, "jit twice, tables, free", test_jit_twice);
    CU_add_test(jit, "print LLVM IR", test_print_llvm);
    CU_add_test(jit, "LLVM version", test_version);
    CU_add_test(jit, "malformed IR is an error message", test_errors);
    CU_pSuite lowered = CU_add_suite("codegen_lowered", NULL, NULL);
    CU_add_test(lowered, "lowered model vs interpreter", test_lowered_model);
    CU_add_test(lowered, "finite-difference gradient check (f64)", test_gradient_check);
    CU_add_test(lowered, "JIT time of 784-100-100-10", test_jit_time_b1);
    CU_add_test(lowered, "update by parts: the bits of update", test_update_parts);
    CU_add_test(lowered, "update by parts: only when elementwise", test_update_parts_only_elementwise);
}

int main(void)
{
    TESTING_INIT();
    register_codegen_tests();
    return testing_run_registry();
}
