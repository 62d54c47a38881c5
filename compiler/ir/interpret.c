/*
 * interpret.c — the reference interpreter: every node value is computed in
 * double, whatever the program's precision; buffers are read and written in
 * the program's precision through one pair of accessors, so f32 and f64 share
 * every line of arithmetic.
 *
 * Invariant: before a node is evaluated, check_node() has established that
 * its operands precede it, its buffer and element indices are in range and
 * its shape matches its operands, so evaluation never reads out of bounds.
 */
#include "compiler/ir/interpret.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const ir_program *program;
    const ir_function *function;
    void *const *buffers;
    double **values;          /* one array per node, NULL for nodes without a value */
    long step;                /* t of the loop being run; 0 outside loops */
    char *error;
    size_t error_size;
} interpreter;

static bool fail(interpreter *in, int node, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static bool fail(interpreter *in, int node, const char *format, ...)
{
    if (in->error_size == 0)
        return false;
    const char *function = in->function->name ? in->function->name : "function";
    int used = node >= 0 ? snprintf(in->error, in->error_size, "%s: node %%%d: ", function, node)
                         : snprintf(in->error, in->error_size, "%s: ", function);
    if (used < 0 || (size_t)used >= in->error_size)
        return false;
    va_list args;
    va_start(args, format);
    vsnprintf(in->error + used, in->error_size - (size_t)used, format, args);
    va_end(args);
    return false;
}

/* ---- buffer access in the program's precision ---- */

static double read_element(const interpreter *in, int buffer, long index)
{
    const void *base = in->buffers[buffer];
    if (in->program->precision == SASC_F32)
        return ((const float *)base)[index];
    return ((const double *)base)[index];
}

static void write_element(const interpreter *in, int buffer, long index, double value)
{
    void *base = in->buffers[buffer];
    if (in->program->precision == SASC_F32)
        ((float *)base)[index] = (float)value;
    else
        ((double *)base)[index] = value;
}

/* ---- validation ---- */

static bool check_operand(interpreter *in, int node, int operand, const char *which)
{
    if (operand < 0 || operand >= node)
        return fail(in, node, "operand %s (%%%d) does not precede the node", which, operand);
    if (in->values[operand] == NULL)
        return fail(in, node, "operand %s (%%%d) has no value here (a store, a loop marker, or "
                    "a value of a loop left)", which, operand);
    return true;
}

static bool check_buffer(interpreter *in, int node, int buffer)
{
    if (buffer < 0 || buffer >= in->program->buffer_count)
        return fail(in, node, "buffer index %d out of range", buffer);
    if (in->buffers[buffer] == NULL)
        return fail(in, node, "buffer '%s' has no storage", in->program->buffers[buffer].name);
    return true;
}

static bool same_shape(const ir_node *x, int rows, int cols)
{
    return x->rows == rows && x->cols == cols;
}

static bool is_scalar(const ir_node *x)
{
    return x->rows == 1 && x->cols == 1;
}

/* How many operands each opcode reads (a, then b, then c). */
static int operand_count(ir_opcode op)
{
    switch (op) {
    case IR_BUFFER: case IR_SCALAR: case IR_CONSTANT: case IR_SLICE:
    case IR_LOOP_BEGIN: case IR_LOOP_END:
        return 0;
    case IR_STORE: case IR_STORE_SLICE:
        return 1;
    case IR_MATMUL: case IR_ADD: case IR_SUB: case IR_MUL: case IR_DIV:
    case IR_SQRT_BACKWARD: case IR_CROSS_ENTROPY:
        return 2;
    case IR_CROSS_ENTROPY_BACKWARD:
        return 3;
    default:
        return 1;
    }
}

/* Block index + t of a slice (of `height` rows) must lie inside its buffer. */
static bool check_block(interpreter *in, int i, const ir_node *n, int height)
{
    const sasc_buffer_desc *d = &in->program->buffers[n->buffer].desc;
    const ir_node *shape = n->op == IR_SLICE ? n : &in->function->nodes[n->a];
    long block = n->index + in->step;
    if (height < 1 || shape->cols != d->cols || d->rows % height != 0 || block < 0 ||
        block >= d->rows / height)
        return fail(in, i, "block %ld of %d rows is outside buffer '%s' [%d x %d]", block, height,
                    d->name, d->rows, d->cols);
    return true;
}

static bool check_leaf_or_store(interpreter *in, int i, const ir_node *n)
{
    if (n->op == IR_CONSTANT)
        return true;
    if (!check_buffer(in, i, n->buffer))
        return false;
    if (n->op == IR_SLICE || n->op == IR_STORE_SLICE)
        return check_block(in, i, n, n->op == IR_SLICE ? n->rows : in->function->nodes[n->a].rows);
    const sasc_buffer_desc *d = &in->program->buffers[n->buffer].desc;
    if (n->op == IR_SCALAR) {
        if (n->index < 0 || n->index >= d->rows * d->cols)
            return fail(in, i, "element %d outside buffer '%s'", n->index, d->name);
        return true;
    }
    const ir_node *shape = n->op == IR_STORE ? &in->function->nodes[n->a] : n;
    if (!same_shape(shape, d->rows, d->cols))
        return fail(in, i, "shape [%d x %d] differs from buffer '%s' [%d x %d]",
                    shape->rows, shape->cols, d->name, d->rows, d->cols);
    return true;
}

static bool check_shape(interpreter *in, int i, const ir_node *n)
{
    const ir_node *nodes = in->function->nodes;
    const ir_node *a = n->a >= 0 ? &nodes[n->a] : NULL;
    const ir_node *b = n->b >= 0 ? &nodes[n->b] : NULL;
    switch (n->op) {
    case IR_BUFFER: case IR_SCALAR: case IR_CONSTANT: case IR_STORE:
        return true;
    case IR_MATMUL: {
        int m = n->transpose_a ? a->cols : a->rows, ka = n->transpose_a ? a->rows : a->cols;
        int kb = n->transpose_b ? b->cols : b->rows, cols = n->transpose_b ? b->rows : b->cols;
        if (ka != kb || !same_shape(n, m, cols))
            return fail(in, i, "matmul shapes do not agree");
        return true;
    }
    case IR_ADD: case IR_SUB: case IR_MUL: case IR_DIV: case IR_SQRT_BACKWARD:
        if ((!same_shape(a, n->rows, n->cols) && !is_scalar(a)) ||
            (!same_shape(b, n->rows, n->cols) && !is_scalar(b)))
            return fail(in, i, "binary operand shapes do not agree");
        return true;
    case IR_SUM:
        return is_scalar(n) ? true : fail(in, i, "sum must be [1 x 1]");
    case IR_BROADCAST:
        return is_scalar(a) ? true : fail(in, i, "broadcast needs a [1 x 1] operand");
    case IR_TRANSPOSE:
        return same_shape(a, n->cols, n->rows) ? true : fail(in, i, "transpose shapes do not agree");
    case IR_CROSS_ENTROPY:
        if (!same_shape(b, a->rows, a->cols) || !same_shape(n, a->rows, 1))
            return fail(in, i, "cross-entropy shapes do not agree");
        return true;
    case IR_CROSS_ENTROPY_BACKWARD:
        if (!same_shape(b, a->rows, a->cols) || !same_shape(&nodes[n->c], a->rows, 1) ||
            !same_shape(n, a->rows, a->cols))
            return fail(in, i, "cross-entropy backward shapes do not agree");
        return true;
    default:
        return same_shape(a, n->rows, n->cols) ? true
               : fail(in, i, "unary operand shape differs from the result");
    }
}

static bool check_node(interpreter *in, int i)
{
    const ir_node *n = &in->function->nodes[i];
    if ((int)n->op < 0 || n->op >= IR_OPCODE_COUNT)
        return fail(in, i, "unknown opcode %d", (int)n->op);
    bool valued = n->op != IR_STORE && n->op != IR_STORE_SLICE && n->op != IR_LOOP_BEGIN &&
                  n->op != IR_LOOP_END;
    if (valued && (n->rows < 1 || n->cols < 1))
        return fail(in, i, "empty shape [%d x %d]", n->rows, n->cols);
    const int operands[3] = { n->a, n->b, n->c };
    static const char *const names[3] = { "a", "b", "c" };
    int count = operand_count(n->op);
    for (int k = 0; k < count; k++)
        if (!check_operand(in, i, operands[k], names[k]))
            return false;
    if (n->op == IR_LOOP_BEGIN || n->op == IR_LOOP_END)
        return true;
    if (n->op == IR_BUFFER || n->op == IR_SCALAR || n->op == IR_CONSTANT || n->op == IR_STORE ||
        n->op == IR_SLICE || n->op == IR_STORE_SLICE)
        return check_leaf_or_store(in, i, n);
    return check_shape(in, i, n);
}

/* ---- evaluation ---- */

static double sigmoid(double x)
{
    return x >= 0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x));
}

static double unary(const ir_node *n, double x)
{
    switch (n->op) {
    case IR_AFFINE:  return n->scale * x + n->shift;
    case IR_SQUARE:  return x * x;
    case IR_SQRT:    return x > 0 ? sqrt(x) : 0.0;
    case IR_EXP:     return exp(x);
    case IR_LOG:     return log(x);
    case IR_RELU:    return x > 0 ? x : 0.0;
    case IR_TANH:    return tanh(x);
    case IR_SIGMOID: return sigmoid(x);
    case IR_STEP:    return x > 0 ? 1.0 : 0.0;
    case IR_CLAMP:   return fmin(fmax(x, n->low), n->high);
    default:         return NAN;   /* unreachable: the caller dispatches unary opcodes only */
    }
}

static double binary(ir_opcode op, double x, double y)
{
    switch (op) {
    case IR_ADD: return x + y;
    case IR_SUB: return x - y;
    case IR_MUL: return x * y;
    case IR_DIV: return x / y;
    case IR_SQRT_BACKWARD: return x > 0 ? y / (2.0 * x) : 0.0;
    default: return NAN;   /* unreachable: the caller dispatches binary opcodes only */
    }
}

static void eval_matmul(const ir_node *n, const ir_node *a, const double *va,
                        const ir_node *b, const double *vb, double *out)
{
    int k_count = n->transpose_a ? a->rows : a->cols;
    for (int r = 0; r < n->rows; r++)
        for (int c = 0; c < n->cols; c++) {
            double sum = 0;
            for (int k = 0; k < k_count; k++) {
                double x = n->transpose_a ? va[(long)k * a->cols + r] : va[(long)r * a->cols + k];
                double y = n->transpose_b ? vb[(long)c * b->cols + k] : vb[(long)k * b->cols + c];
                sum += x * y;
            }
            out[(long)r * n->cols + c] = n->alpha * sum;
        }
}

/* log sum_j exp(row_j), shifted by the row maximum for stability. */
static double log_sum_exp(const double *row, int cols)
{
    double max = row[0];
    for (int j = 1; j < cols; j++)
        max = fmax(max, row[j]);
    double sum = 0;
    for (int j = 0; j < cols; j++)
        sum += exp(row[j] - max);
    return max + log(sum);
}

static void eval_softmax(int rows, int cols, const double *in, double *out)
{
    for (int r = 0; r < rows; r++) {
        double lse = log_sum_exp(in + (long)r * cols, cols);
        for (int j = 0; j < cols; j++)
            out[(long)r * cols + j] = exp(in[(long)r * cols + j] - lse);
    }
}

static void eval_cross_entropy(int rows, int cols, const double *logits,
                               const double *target, double *out)
{
    for (int r = 0; r < rows; r++) {
        const double *l = logits + (long)r * cols, *t = target + (long)r * cols;
        double lse = log_sum_exp(l, cols), loss = 0;
        for (int j = 0; j < cols; j++)
            loss += t[j] * (lse - l[j]);
        out[r] = loss;
    }
}

static void eval_cross_entropy_backward(int rows, int cols, const double *logits,
                                        const double *target, const double *g, double *out)
{
    eval_softmax(rows, cols, logits, out);
    for (int r = 0; r < rows; r++) {
        double *o = out + (long)r * cols;
        const double *t = target + (long)r * cols;
        double target_sum = 0;
        for (int j = 0; j < cols; j++)
            target_sum += t[j];
        for (int j = 0; j < cols; j++)
            o[j] = g[r] * (o[j] * target_sum - t[j]);
    }
}

/* The first element of a slice's block (index + t); 0 for whole buffers. */
static long block_start(const interpreter *in, const ir_node *n, const ir_node *shape)
{
    if (n->op != IR_SLICE && n->op != IR_STORE_SLICE)
        return 0;
    return (n->index + in->step) * (long)shape->rows * shape->cols;
}

static void eval_leaf(const interpreter *in, const ir_node *n, double *out)
{
    long size = (long)n->rows * n->cols, start = block_start(in, n, n);
    for (long e = 0; e < size; e++) {
        if (n->op == IR_CONSTANT)
            out[e] = n->constant;
        else
            out[e] = read_element(in, n->buffer, n->op == IR_SCALAR ? n->index : start + e);
    }
}

static void eval_store(const interpreter *in, const ir_node *n)
{
    const ir_node *a = &in->function->nodes[n->a];
    long size = (long)a->rows * a->cols, start = block_start(in, n, a);
    for (long e = 0; e < size; e++)
        write_element(in, n->buffer, start + e, in->values[n->a][e]);
}

/* Element e of a value of shape n, or its only element when it is [1,1]. */
static double broadcast_at(const ir_node *x, const double *v, long e)
{
    return is_scalar(x) ? v[0] : v[e];
}

static void eval_node(interpreter *in, int i)
{
    const ir_node *nodes = in->function->nodes, *n = &nodes[i];
    double *out = in->values[i];
    const double *va = n->a >= 0 ? in->values[n->a] : NULL;
    const double *vb = n->b >= 0 ? in->values[n->b] : NULL;
    long size = (long)n->rows * n->cols;
    switch (n->op) {
    case IR_BUFFER: case IR_SCALAR: case IR_CONSTANT: case IR_SLICE:
        eval_leaf(in, n, out);
        break;
    case IR_STORE: case IR_STORE_SLICE:
        eval_store(in, n);
        break;
    case IR_LOOP_BEGIN: case IR_LOOP_END:
        break;
    case IR_MATMUL:
        eval_matmul(n, &nodes[n->a], va, &nodes[n->b], vb, out);
        break;
    case IR_ADD: case IR_SUB: case IR_MUL: case IR_DIV: case IR_SQRT_BACKWARD:
        for (long e = 0; e < size; e++)
            out[e] = binary(n->op, broadcast_at(&nodes[n->a], va, e),
                            broadcast_at(&nodes[n->b], vb, e));
        break;
    case IR_SOFTMAX:
        eval_softmax(n->rows, n->cols, va, out);
        break;
    case IR_CROSS_ENTROPY:
        eval_cross_entropy(nodes[n->a].rows, nodes[n->a].cols, va, vb, out);
        break;
    case IR_CROSS_ENTROPY_BACKWARD:
        eval_cross_entropy_backward(n->rows, n->cols, va, vb, in->values[n->c], out);
        break;
    case IR_SUM: {
        long count = (long)nodes[n->a].rows * nodes[n->a].cols;
        double sum = 0;
        for (long e = 0; e < count; e++)
            sum += va[e];
        out[0] = sum;
        break;
    }
    case IR_BROADCAST:
        for (long e = 0; e < size; e++)
            out[e] = va[0];
        break;
    case IR_TRANSPOSE:
        for (int r = 0; r < n->rows; r++)
            for (int c = 0; c < n->cols; c++)
                out[(long)r * n->cols + c] = va[(long)c * n->rows + r];
        break;
    default:
        for (long e = 0; e < size; e++)
            out[e] = unary(n, va[e]);
        break;
    }
}

static void free_values(interpreter *in, int count)
{
    for (int i = 0; i < count; i++)
        free(in->values[i]);
    free(in->values);
}

/* Loop control: at a loop's end, go back to its first node while steps
 * remain; returns the index of the node to run next. */
static int next_node(interpreter *in, int i, int *open, long *done)
{
    const ir_node *n = &in->function->nodes[i];
    if (n->op == IR_LOOP_BEGIN) {
        *open = i;
        *done = 0;
        in->step = n->reverse ? n->steps - 1 : 0;
    } else if (n->op == IR_LOOP_END && *open >= 0) {
        const ir_node *begin = &in->function->nodes[*open];
        if (++*done < begin->steps) {
            in->step = begin->reverse ? begin->steps - 1 - *done : *done;
            return *open + 1;
        }
        *open = -1;
        in->step = 0;
    }
    return i + 1;
}

static bool has_value(ir_opcode op)
{
    return op != IR_STORE && op != IR_STORE_SLICE && op != IR_LOOP_BEGIN && op != IR_LOOP_END;
}

bool ir_interpret(const ir_program *p, const ir_function *f, void *const *buffers,
                  char *error, size_t error_size)
{
    interpreter in = { p, f, buffers, NULL, 0, error, error_size };
    if (p->precision != SASC_F32 && p->precision != SASC_F64)
        return fail(&in, -1, "unknown precision %d", (int)p->precision);
    in.values = calloc(f->count > 0 ? (size_t)f->count : 1, sizeof *in.values);
    if (!in.values)
        return fail(&in, -1, "out of memory");
    bool ok = true;
    int open = -1;
    long done = 0;
    for (int i = 0; i < f->count && ok; i = next_node(&in, i, &open, &done)) {
        if (f->nodes[i].op == IR_LOOP_BEGIN && open >= 0)
            ok = fail(&in, i, "loops do not nest");
        ok = ok && check_node(&in, i);
        if (ok && has_value(f->nodes[i].op) && !in.values[i]) {
            in.values[i] = malloc((size_t)f->nodes[i].rows * (size_t)f->nodes[i].cols * sizeof(double));
            if (!in.values[i])
                ok = fail(&in, i, "out of memory");
        }
        if (ok)
            eval_node(&in, i);
    }
    free_values(&in, f->count);
    return ok;
}
