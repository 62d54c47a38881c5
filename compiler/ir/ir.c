/*
 * ir.c — building, verifying, printing and exporting the tensor IR.
 *
 * Constructors check shapes with assert-like internal errors: a shape
 * disagreement here is a compiler bug (semantic analysis has already
 * rejected every user error), so it aborts with a message naming the node.
 */
#include "compiler/ir/ir.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static void *checked_realloc(void *pointer, size_t count, size_t size)
{
    if (count != 0 && size > SIZE_MAX / count) {
        fprintf(stderr, "sasc: internal error: IR too large\n");
        exit(2);
    }
    void *result = realloc(pointer, count * size);
    if (result == NULL && count != 0) {
        fprintf(stderr, "sasc: internal error: out of memory building the IR\n");
        exit(2);
    }
    return result;
}

static char *copy_string(const char *text)
{
    size_t length = strlen(text) + 1;
    char *copy = checked_realloc(NULL, length, 1);
    memcpy(copy, text, length);
    return copy;
}

static void internal_error(const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    fprintf(stderr, "sasc: internal error: ");
    vfprintf(stderr, format, arguments);
    fprintf(stderr, "\n");
    va_end(arguments);
    exit(2);
}

static void function_init(ir_function *f, const char *name)
{
    f->name = name;
    f->nodes = NULL;
    f->count = 0;
    f->capacity = 0;
}

void ir_program_init(ir_program *p, const char *model_name, sasc_precision precision, int batch)
{
    memset(p, 0, sizeof *p);
    p->model_name = copy_string(model_name);
    p->precision = precision;
    p->batch = batch;
    p->input_buffer = p->target_buffer = p->output_buffer = -1;
    p->loss_buffer = p->scalars_buffer = -1;
    function_init(&p->train, "train");
    function_init(&p->update, "update");
    function_init(&p->predict, "predict");
    function_init(&p->predict_dynamic, "predict_dynamic");
}

void ir_program_free(ir_program *p)
{
    for (int i = 0; i < p->buffer_count; i++)
        free(p->buffers[i].name);
    for (int i = 0; i < p->group_count; i++) {
        free(p->groups[i].name);
        free((char *)p->groups[i].mask.path);
    }
    for (int i = 0; i < p->layer_count; i++)
        free(p->layers[i].name);
    free(p->buffers);
    free(p->groups);
    free(p->layers);
    free(p->train.nodes);
    free(p->update.nodes);
    free(p->predict.nodes);
    free(p->predict_dynamic.nodes);
    free(p->model_name);
    memset(p, 0, sizeof *p);
}

int ir_add_buffer(ir_program *p, const char *name, sasc_buffer_role role,
                  int group, sasc_parameter parameter, int rows, int cols)
{
    if (rows <= 0 || cols <= 0)
        internal_error("buffer '%s' has shape [%d x %d]", name, rows, cols);
    if (p->buffer_count == p->buffer_capacity) {
        p->buffer_capacity = p->buffer_capacity ? 2 * p->buffer_capacity : 16;
        p->buffers = checked_realloc(p->buffers, (size_t)p->buffer_capacity, sizeof *p->buffers);
    }
    ir_buffer *b = &p->buffers[p->buffer_count];
    memset(b, 0, sizeof *b);
    b->name = copy_string(name);
    b->desc.name = b->name;
    b->desc.role = role;
    b->desc.group = group;
    b->desc.parameter = parameter;
    b->desc.rows = rows;
    b->desc.cols = cols;
    b->desc.init.kind = SASC_INIT_ZEROS;
    b->desc.mask_buffer = -1;
    b->carried_adjoint = -1;
    return p->buffer_count++;
}

int ir_add_carried_state(ir_program *p, const char *name, sasc_buffer_role role, int group, int blocks,
                         int rows, int cols)
{
    int state = ir_add_buffer(p, name, role, group, SASC_NOT_A_PARAMETER, blocks * rows, cols);
    size_t length = strlen(name) + sizeof ".adjoint";
    char *adjoint_name = checked_realloc(NULL, length, 1);
    snprintf(adjoint_name, length, "%s.adjoint", name);
    int adjoint = ir_add_buffer(p, adjoint_name, SASC_BUFFER_TEMPORARY, -1, SASC_NOT_A_PARAMETER, rows, cols);
    free(adjoint_name);
    p->buffers[state].carried_adjoint = adjoint;
    return state;
}

int ir_add_group(ir_program *p, const char *name, sasc_group_kind kind, int layer, int fan_in, int width)
{
    p->groups = checked_realloc(p->groups, (size_t)p->group_count + 1, sizeof *p->groups);
    ir_group *g = &p->groups[p->group_count];
    memset(g, 0, sizeof *g);
    g->name = copy_string(name);
    g->kind = kind;
    g->layer = layer;
    g->fan_in = fan_in;
    g->width = width;
    g->parameter_buffer[0] = g->parameter_buffer[1] = g->parameter_buffer[2] = -1;
    g->noise_buffer = g->mask_buffer = -1;
    return p->group_count++;
}

int ir_add_layer(ir_program *p, const char *name, const char *kind, const char *activation, int width,
                 bool per_step)
{
    p->layers = checked_realloc(p->layers, (size_t)p->layer_count + 1, sizeof *p->layers);
    ir_layer *l = &p->layers[p->layer_count];
    memset(l, 0, sizeof *l);
    l->name = copy_string(name);
    l->kind = kind;
    l->activation = activation;
    l->width = width;
    l->per_step = per_step;
    l->first_group = p->group_count;
    l->state_buffer = -1;
    return p->layer_count++;
}

/* ---- node construction ---- */

static ir_node blank(ir_opcode op, int rows, int cols);

static int append(ir_function *f, ir_node node)
{
    if (f->count == f->capacity) {
        f->capacity = f->capacity ? 2 * f->capacity : 64;
        f->nodes = checked_realloc(f->nodes, (size_t)f->capacity, sizeof *f->nodes);
    }
    f->nodes[f->count] = node;
    return f->count++;
}

int ir_append_node(ir_function *f, ir_node node)
{
    return append(f, node);
}

void ir_insert_nodes(ir_function *f, int position, const ir_node *nodes, int count)
{
    if (position < 0 || position > f->count || count < 0)
        internal_error("insertion of %d nodes at %d of '%s' (%d nodes)", count, position, f->name, f->count);
    while (f->count + count > f->capacity) {
        f->capacity = f->capacity ? 2 * f->capacity : 64;
        f->nodes = checked_realloc(f->nodes, (size_t)f->capacity, sizeof *f->nodes);
    }
    memmove(&f->nodes[position + count], &f->nodes[position], (size_t)(f->count - position) * sizeof *f->nodes);
    memcpy(&f->nodes[position], nodes, (size_t)count * sizeof *nodes);
    f->count += count;
    for (int i = position + count; i < f->count; i++) {
        ir_node *n = &f->nodes[i];
        n->a = n->a < 0 ? n->a : ir_moved_index(n->a, position, count);
        n->b = n->b < 0 ? n->b : ir_moved_index(n->b, position, count);
        n->c = n->c < 0 ? n->c : ir_moved_index(n->c, position, count);
    }
}

ir_node ir_blank_node(ir_opcode op, int rows, int cols)
{
    return blank(op, rows, cols);
}

static ir_node blank(ir_opcode op, int rows, int cols)
{
    ir_node n;
    memset(&n, 0, sizeof n);
    n.op = op;
    n.rows = rows;
    n.cols = cols;
    n.a = n.b = n.c = -1;
    n.buffer = -1;
    return n;
}

static const ir_node *operand(const ir_function *f, int index, ir_opcode user)
{
    if (index < 0 || index >= f->count)
        internal_error("%s in '%s' refers to node %%%d, which does not exist yet",
                       ir_opcode_name(user), f->name, index);
    return &f->nodes[index];
}

static void check_buffer(const ir_program *p, int buffer)
{
    if (buffer < 0 || buffer >= p->buffer_count)
        internal_error("buffer index %d out of range (%d buffers)", buffer, p->buffer_count);
}

int ir_buffer_node(ir_function *f, const ir_program *p, int buffer)
{
    check_buffer(p, buffer);
    ir_node n = blank(IR_BUFFER, p->buffers[buffer].desc.rows, p->buffers[buffer].desc.cols);
    n.buffer = buffer;
    return append(f, n);
}

int ir_scalar(ir_function *f, const ir_program *p, int buffer, int index)
{
    check_buffer(p, buffer);
    const sasc_buffer_desc *d = &p->buffers[buffer].desc;
    if (index < 0 || index >= d->rows * d->cols)
        internal_error("scalar %d of buffer '%s' out of range", index, d->name);
    ir_node n = blank(IR_SCALAR, 1, 1);
    n.buffer = buffer;
    n.index = index;
    return append(f, n);
}

int ir_constant(ir_function *f, int rows, int cols, double value)
{
    ir_node n = blank(IR_CONSTANT, rows, cols);
    n.constant = value;
    return append(f, n);
}

int ir_matmul(ir_function *f, int a, int b, bool transpose_a, bool transpose_b, double alpha)
{
    const ir_node *x = operand(f, a, IR_MATMUL), *y = operand(f, b, IR_MATMUL);
    int m = transpose_a ? x->cols : x->rows, k = transpose_a ? x->rows : x->cols;
    int k2 = transpose_b ? y->cols : y->rows, n_cols = transpose_b ? y->rows : y->cols;
    if (k != k2)
        internal_error("matmul of [%d x %d]%s by [%d x %d]%s: inner sizes differ",
                       x->rows, x->cols, transpose_a ? "^T" : "",
                       y->rows, y->cols, transpose_b ? "^T" : "");
    ir_node n = blank(IR_MATMUL, m, n_cols);
    n.a = a;
    n.b = b;
    n.transpose_a = transpose_a;
    n.transpose_b = transpose_b;
    n.alpha = alpha;
    return append(f, n);
}

static bool is_scalar_shape(const ir_node *n) { return n->rows == 1 && n->cols == 1; }

int ir_binary(ir_function *f, ir_opcode op, int a, int b)
{
    if (!(op == IR_ADD || op == IR_SUB || op == IR_MUL || op == IR_DIV || op == IR_SQRT_BACKWARD))
        internal_error("ir_binary called with %s", ir_opcode_name(op));
    const ir_node *x = operand(f, a, op), *y = operand(f, b, op);
    int rows = x->rows, cols = x->cols;
    if (x->rows != y->rows || x->cols != y->cols) {
        if (is_scalar_shape(x)) {
            rows = y->rows;
            cols = y->cols;
        } else if (!is_scalar_shape(y)) {
            internal_error("%s of [%d x %d] and [%d x %d]: shapes differ",
                           ir_opcode_name(op), x->rows, x->cols, y->rows, y->cols);
        }
    }
    ir_node n = blank(op, rows, cols);
    n.a = a;
    n.b = b;
    return append(f, n);
}

int ir_unary(ir_function *f, ir_opcode op, int a)
{
    const ir_node *x = operand(f, a, op);
    switch (op) {
    case IR_SQUARE: case IR_SQRT: case IR_EXP: case IR_LOG: case IR_RELU:
    case IR_TANH: case IR_SIGMOID: case IR_STEP: case IR_SOFTMAX: {
        ir_node n = blank(op, x->rows, x->cols);
        n.a = a;
        return append(f, n);
    }
    case IR_SUM: {
        ir_node n = blank(op, 1, 1);
        n.a = a;
        return append(f, n);
    }
    default:
        internal_error("ir_unary called with %s", ir_opcode_name(op));
    }
    return -1;
}

int ir_affine(ir_function *f, int a, double scale, double shift)
{
    const ir_node *x = operand(f, a, IR_AFFINE);
    ir_node n = blank(IR_AFFINE, x->rows, x->cols);
    n.a = a;
    n.scale = scale;
    n.shift = shift;
    return append(f, n);
}

int ir_clamp(ir_function *f, int a, double low, double high)
{
    const ir_node *x = operand(f, a, IR_CLAMP);
    if (!(low <= high))
        internal_error("clamp to [%g, %g]", low, high);
    ir_node n = blank(IR_CLAMP, x->rows, x->cols);
    n.a = a;
    n.low = low;
    n.high = high;
    return append(f, n);
}

int ir_broadcast(ir_function *f, int a, int rows, int cols)
{
    const ir_node *x = operand(f, a, IR_BROADCAST);
    if (!is_scalar_shape(x) || rows <= 0 || cols <= 0)
        internal_error("broadcast of [%d x %d] to [%d x %d]", x->rows, x->cols, rows, cols);
    ir_node n = blank(IR_BROADCAST, rows, cols);
    n.a = a;
    return append(f, n);
}

int ir_transpose(ir_function *f, int a)
{
    const ir_node *x = operand(f, a, IR_TRANSPOSE);
    ir_node n = blank(IR_TRANSPOSE, x->cols, x->rows);
    n.a = a;
    return append(f, n);
}

int ir_cross_entropy(ir_function *f, int logits, int target)
{
    const ir_node *z = operand(f, logits, IR_CROSS_ENTROPY), *t = operand(f, target, IR_CROSS_ENTROPY);
    if (z->rows != t->rows || z->cols != t->cols)
        internal_error("cross_entropy of logits [%d x %d] and targets [%d x %d]",
                       z->rows, z->cols, t->rows, t->cols);
    ir_node n = blank(IR_CROSS_ENTROPY, z->rows, 1);
    n.a = logits;
    n.b = target;
    return append(f, n);
}

int ir_cross_entropy_backward(ir_function *f, int logits, int target, int gradient)
{
    const ir_node *z = operand(f, logits, IR_CROSS_ENTROPY_BACKWARD);
    const ir_node *t = operand(f, target, IR_CROSS_ENTROPY_BACKWARD);
    const ir_node *g = operand(f, gradient, IR_CROSS_ENTROPY_BACKWARD);
    if (z->rows != t->rows || z->cols != t->cols || g->rows != z->rows || g->cols != 1)
        internal_error("cross_entropy_backward of [%d x %d], [%d x %d], [%d x %d]",
                       z->rows, z->cols, t->rows, t->cols, g->rows, g->cols);
    ir_node n = blank(IR_CROSS_ENTROPY_BACKWARD, z->rows, z->cols);
    n.a = logits;
    n.b = target;
    n.c = gradient;
    return append(f, n);
}

int ir_store(ir_function *f, const ir_program *p, int buffer, int value)
{
    check_buffer(p, buffer);
    const ir_node *v = operand(f, value, IR_STORE);
    const sasc_buffer_desc *d = &p->buffers[buffer].desc;
    if (v->rows != d->rows || v->cols != d->cols)
        internal_error("store of [%d x %d] into buffer '%s' of [%d x %d]",
                       v->rows, v->cols, d->name, d->rows, d->cols);
    ir_node n = blank(IR_STORE, 0, 0);
    n.a = value;
    n.buffer = buffer;
    return append(f, n);
}

/* ---- loops ---- */

int ir_loop_begin(ir_function *f, int steps, bool reverse)
{
    if (steps < 1)
        internal_error("a loop of %d steps in '%s'", steps, f->name);
    ir_node n = blank(IR_LOOP_BEGIN, 0, 0);
    n.steps = steps;
    n.reverse = reverse;
    return append(f, n);
}

int ir_loop_end(ir_function *f)
{
    return append(f, blank(IR_LOOP_END, 0, 0));
}

int ir_slice(ir_function *f, const ir_program *p, int buffer, int rows, int index)
{
    check_buffer(p, buffer);
    const sasc_buffer_desc *d = &p->buffers[buffer].desc;
    if (rows < 1 || d->rows % rows != 0 || index < 0 || index >= d->rows / rows)
        internal_error("slice %d of %d rows of buffer '%s' [%d x %d]", index, rows, d->name,
                       d->rows, d->cols);
    ir_node n = blank(IR_SLICE, rows, d->cols);
    n.buffer = buffer;
    n.index = index;
    return append(f, n);
}

int ir_store_slice(ir_function *f, const ir_program *p, int buffer, int index, int value)
{
    check_buffer(p, buffer);
    const ir_node *v = operand(f, value, IR_STORE_SLICE);
    const sasc_buffer_desc *d = &p->buffers[buffer].desc;
    if (v->cols != d->cols || d->rows % v->rows != 0 || index < 0 || index >= d->rows / v->rows)
        internal_error("store of [%d x %d] into block %d of buffer '%s' [%d x %d]",
                       v->rows, v->cols, index, d->name, d->rows, d->cols);
    ir_node n = blank(IR_STORE_SLICE, 0, 0);
    n.a = value;
    n.buffer = buffer;
    n.index = index;
    n.steps = v->rows;   /* the block height, kept for the checks */
    return append(f, n);
}

void ir_loop_bounds(const ir_function *f, int *begin, int *end)
{
    int open = -1;
    for (int i = 0; i < f->count; i++) {
        if (f->nodes[i].op == IR_LOOP_BEGIN)
            open = i;
        begin[i] = open;
        end[i] = -1;
        if (f->nodes[i].op == IR_LOOP_END)
            open = -1;
    }
    for (int i = f->count - 1, close = -1; i >= 0; i--) {
        if (f->nodes[i].op == IR_LOOP_END)
            close = i;
        if (begin[i] >= 0)
            end[i] = close;
        if (f->nodes[i].op == IR_LOOP_BEGIN)
            close = -1;
    }
}

/* ---- inspecting ---- */

static const char *const opcode_names[IR_OPCODE_COUNT] = {
    [IR_BUFFER] = "buffer", [IR_SCALAR] = "scalar", [IR_CONSTANT] = "constant",
    [IR_MATMUL] = "matmul", [IR_ADD] = "add", [IR_SUB] = "sub", [IR_MUL] = "mul",
    [IR_DIV] = "div", [IR_AFFINE] = "affine", [IR_SQUARE] = "square", [IR_SQRT] = "sqrt",
    [IR_EXP] = "exp", [IR_LOG] = "log", [IR_RELU] = "relu", [IR_TANH] = "tanh",
    [IR_SIGMOID] = "sigmoid", [IR_STEP] = "step", [IR_CLAMP] = "clamp",
    [IR_SQRT_BACKWARD] = "sqrt_backward", [IR_SOFTMAX] = "softmax",
    [IR_CROSS_ENTROPY] = "cross_entropy", [IR_CROSS_ENTROPY_BACKWARD] = "cross_entropy_backward",
    [IR_SUM] = "sum", [IR_BROADCAST] = "broadcast", [IR_STORE] = "store",
    [IR_LOOP_BEGIN] = "loop", [IR_LOOP_END] = "end_loop", [IR_SLICE] = "slice",
    [IR_STORE_SLICE] = "store_slice", [IR_TRANSPOSE] = "transpose",
};

const char *ir_opcode_name(ir_opcode op)
{
    if ((int)op < 0 || op >= IR_OPCODE_COUNT || opcode_names[op] == NULL)
        return "?";
    return opcode_names[op];
}

bool ir_is_elementwise(ir_opcode op)
{
    switch (op) {
    case IR_ADD: case IR_SUB: case IR_MUL: case IR_DIV: case IR_AFFINE: case IR_SQUARE:
    case IR_SQRT: case IR_EXP: case IR_LOG: case IR_RELU: case IR_TANH: case IR_SIGMOID:
    case IR_STEP: case IR_CLAMP: case IR_SQRT_BACKWARD: case IR_BROADCAST: case IR_CONSTANT:
        return true;
    default:
        return false;
    }
}

static bool has_value(ir_opcode op)
{
    return op != IR_STORE && op != IR_STORE_SLICE && op != IR_LOOP_BEGIN && op != IR_LOOP_END;
}

/* Loops: balanced, not nested, values defined inside used only inside, and
 * every slice inside a loop stays within its buffer for all steps. */
static bool verify_loops(const ir_program *p, const ir_function *f, const int *begin,
                         char *error, size_t size)
{
    int open = -1;
    for (int i = 0; i < f->count; i++) {
        const ir_node *n = &f->nodes[i];
        if (n->op == IR_LOOP_BEGIN && open >= 0) {
            snprintf(error, size, "in '%s', loop %%%d opens inside loop %%%d", f->name, i, open);
            return false;
        }
        if (n->op == IR_LOOP_END && open < 0) {
            snprintf(error, size, "in '%s', node %%%d closes no loop", f->name, i);
            return false;
        }
        open = n->op == IR_LOOP_BEGIN ? i : n->op == IR_LOOP_END ? -1 : open;
        const int operands[3] = {n->a, n->b, n->c};
        for (int k = 0; k < 3; k++)
            if (operands[k] >= 0 && begin[operands[k]] >= 0 && begin[operands[k]] != begin[i]) {
                snprintf(error, size, "in '%s', node %%%d uses %%%d from inside a loop it is not in",
                         f->name, i, operands[k]);
                return false;
            }
        if ((n->op == IR_SLICE || n->op == IR_STORE_SLICE) && begin[i] >= 0) {
            int height = n->op == IR_SLICE ? n->rows : n->steps;
            int blocks = p->buffers[n->buffer].desc.rows / height;
            if (n->index + f->nodes[begin[i]].steps > blocks) {
                snprintf(error, size, "in '%s', slice %%%d runs past the end of buffer '%s'",
                         f->name, i, p->buffers[n->buffer].name);
                return false;
            }
        }
    }
    if (open >= 0) {
        snprintf(error, size, "in '%s', loop %%%d is never closed", f->name, open);
        return false;
    }
    return true;
}

/* Verify one function: operands precede users, buffers exist, loops are
 * well formed, and (in a function without loops) no buffer is read after it
 * has been stored to. Shapes were checked at construction. */
static bool verify_function(const ir_program *p, const ir_function *f, char *error, size_t size)
{
    bool *stored = calloc((size_t)p->buffer_count + 1, sizeof *stored);
    int *begin = malloc(((size_t)f->count + 1) * sizeof *begin);
    int *end = malloc(((size_t)f->count + 1) * sizeof *end);
    if (stored == NULL || begin == NULL || end == NULL) {
        free(stored);
        free(begin);
        free(end);
        snprintf(error, size, "out of memory verifying '%s'", f->name);
        return false;
    }
    bool ok = true, loops = false;
    for (int i = 0; i < f->count; i++)
        loops |= f->nodes[i].op == IR_LOOP_BEGIN;
    for (int i = 0; i < f->count && ok; i++) {
        const ir_node *n = &f->nodes[i];
        const int operands[3] = {n->a, n->b, n->c};
        for (int k = 0; k < 3 && ok; k++)
            if (operands[k] >= i || (operands[k] < -1)) {
                snprintf(error, size, "in '%s', node %%%d uses %%%d, which does not precede it",
                         f->name, i, operands[k]);
                ok = false;
            } else if (operands[k] >= 0 && !has_value(f->nodes[operands[k]].op)) {
                snprintf(error, size, "in '%s', node %%%d uses the store %%%d as a value",
                         f->name, i, operands[k]);
                ok = false;
            }
        if (!ok)
            break;
        bool reads = n->op == IR_BUFFER || n->op == IR_SCALAR || n->op == IR_SLICE;
        bool uses_buffer = reads || n->op == IR_STORE || n->op == IR_STORE_SLICE;
        if (uses_buffer && (n->buffer < 0 || n->buffer >= p->buffer_count)) {
            snprintf(error, size, "in '%s', node %%%d refers to buffer %d, which does not exist",
                     f->name, i, n->buffer);
            ok = false;
        } else if (reads && stored[n->buffer] && !loops) {
            snprintf(error, size, "in '%s', node %%%d reads buffer '%s' after it was stored to",
                     f->name, i, p->buffers[n->buffer].name);
            ok = false;
        } else if (n->op == IR_STORE || n->op == IR_STORE_SLICE) {
            stored[n->buffer] = true;
        }
    }
    if (ok) {
        ir_loop_bounds(f, begin, end);
        ok = verify_loops(p, f, begin, error, size);
    }
    free(stored);
    free(begin);
    free(end);
    return ok;
}

bool ir_verify(const ir_program *p, char *error, size_t error_size)
{
    const ir_function *functions[4] = {&p->train, &p->update, &p->predict, &p->predict_dynamic};
    for (int i = 0; i < 4; i++)
        if (!verify_function(p, functions[i], error, error_size))
            return false;
    return true;
}

/* ---- printing ---- */

static const char *role_name(sasc_buffer_role role)
{
    static const char *const names[] = {
        "input", "target", "noise", "parameter", "gradient", "optimizer_state",
        "mask", "output", "loss", "scalars", "temporary", "loss_mask", "state", "step_weights",
        "preactivation_mean", "preactivation_variance",
    };
    return (int)role >= 0 && role <= SASC_BUFFER_PREACTIVATION_VARIANCE ? names[role] : "?";
}

static void print_init(const sasc_buffer_desc *d, FILE *out)
{
    switch (d->init.kind) {
    case SASC_INIT_CONSTANT: fprintf(out, " init=%g", d->init.a); break;
    case SASC_INIT_NORMAL: fprintf(out, " init=normal(%g, %g)", d->init.a, d->init.b); break;
    case SASC_INIT_UNIFORM: fprintf(out, " init=uniform(%g, %g)", d->init.a, d->init.b); break;
    case SASC_INIT_IDENTITY: fprintf(out, " init=identity(%g)", d->init.a); break;
    case SASC_INIT_ZEROS: break;
    }
}

static void print_buffer(const ir_program *p, int index, FILE *out)
{
    const sasc_buffer_desc *d = &p->buffers[index].desc;
    fprintf(out, "  @%-3d %-22s %-15s [%d x %d]", index, d->name, role_name(d->role), d->rows, d->cols);
    if (d->role == SASC_BUFFER_PARAMETER) {
        print_init(d, out);
        if (d->frozen)
            fprintf(out, " frozen");
        if (d->mask_buffer >= 0)
            fprintf(out, " mask=@%d", d->mask_buffer);
    }
    fputc('\n', out);
}

static void print_operands(const ir_node *n, FILE *out)
{
    const int operands[3] = {n->a, n->b, n->c};
    for (int k = 0, printed = 0; k < 3; k++)
        if (operands[k] >= 0)
            fprintf(out, "%s%%%d", printed++ ? ", " : " ", operands[k]);
}

static void print_node(const ir_program *p, const ir_node *n, int index, bool in_loop, FILE *out)
{
    const char *plus_t = in_loop ? " + t" : "";
    if (n->op == IR_STORE) {
        fprintf(out, "  store @%d (%s) <- %%%d", n->buffer, p->buffers[n->buffer].name, n->a);
    } else if (n->op == IR_STORE_SLICE) {
        fprintf(out, "  store_slice @%d (%s)[%d%s] <- %%%d", n->buffer, p->buffers[n->buffer].name,
                n->index, plus_t, n->a);
    } else if (n->op == IR_LOOP_BEGIN) {
        fprintf(out, "  loop t over %d steps%s {", n->steps, n->reverse ? ", reversed" : "");
    } else if (n->op == IR_LOOP_END) {
        fprintf(out, "  } end loop");
    } else {
        fprintf(out, "  %%%-4d = %s", index, ir_opcode_name(n->op));
        if (n->op == IR_BUFFER || n->op == IR_SCALAR || n->op == IR_SLICE)
            fprintf(out, " @%d (%s)", n->buffer, p->buffers[n->buffer].name);
        if (n->op == IR_SLICE)
            fprintf(out, "[%d%s]", n->index, plus_t);
        if (n->op == IR_SCALAR)
            fprintf(out, "[%d]", n->index);
        print_operands(n, out);
        fprintf(out, " [%d x %d]", n->rows, n->cols);
        switch (n->op) {
        case IR_CONSTANT: fprintf(out, " value=%g", n->constant); break;
        case IR_AFFINE: fprintf(out, " scale=%g shift=%g", n->scale, n->shift); break;
        case IR_CLAMP: fprintf(out, " low=%g high=%g", n->low, n->high); break;
        case IR_MATMUL:
            fprintf(out, " alpha=%g%s%s", n->alpha, n->transpose_a ? " transpose_a" : "",
                    n->transpose_b ? " transpose_b" : "");
            break;
        default: break;
        }
    }
    if (n->comment)
        fprintf(out, "  ; %s", n->comment);
    fputc('\n', out);
}

static void print_function(const ir_program *p, const ir_function *f, FILE *out)
{
    fprintf(out, "\nfunction %s (%d nodes) {\n", f->name, f->count);
    bool in_loop = false;
    for (int i = 0; i < f->count; i++) {
        in_loop = f->nodes[i].op == IR_LOOP_BEGIN || (in_loop && f->nodes[i].op != IR_LOOP_END);
        print_node(p, &f->nodes[i], i, in_loop, out);
    }
    fprintf(out, "}\n");
}

void ir_print(const ir_program *p, FILE *out)
{
    fprintf(out, "program %s: precision f%d, batch %d, input %d, classes %d\n",
            p->model_name, p->precision == SASC_F64 ? 64 : 32, p->batch, p->input_width, p->classes);
    fprintf(out, "\nbuffers (%d) {\n", p->buffer_count);
    for (int i = 0; i < p->buffer_count; i++)
        print_buffer(p, i, out);
    fprintf(out, "}\n");
    print_function(p, &p->train, out);
    print_function(p, &p->update, out);
    print_function(p, &p->predict, out);
    if (p->predict_dynamic.count > 0)   /* feedforward programs have none */
        print_function(p, &p->predict_dynamic, out);
}

/* ---- export ---- */

const char *ir_kernel_symbol(sasc_kernel_role role)
{
    static const char *const symbols[SASC_KERNEL_ROLE_COUNT] = {
        [SASC_KERNEL_TRAIN] = "sasc_train", [SASC_KERNEL_UPDATE] = "sasc_update",
        [SASC_KERNEL_PREDICT] = "sasc_predict", [SASC_KERNEL_PREDICT_DYNAMIC] = "sasc_predict_dynamic",
        [SASC_KERNEL_UPDATE_PART] = "sasc_update_part",
    };
    return symbols[role];
}

int ir_program_kernels(const ir_program *p, bool has_update_part, sasc_kernel_desc out[SASC_KERNEL_ROLE_COUNT])
{
    const ir_function *functions[SASC_KERNEL_ROLE_COUNT] = {
        [SASC_KERNEL_TRAIN] = &p->train, [SASC_KERNEL_UPDATE] = &p->update,
        [SASC_KERNEL_PREDICT] = &p->predict, [SASC_KERNEL_PREDICT_DYNAMIC] = &p->predict_dynamic,
        [SASC_KERNEL_UPDATE_PART] = has_update_part ? &p->update : NULL,
    };
    int count = 0;
    for (int role = 0; role < SASC_KERNEL_ROLE_COUNT; role++) {
        /* train, update and predict always exist (an empty function is a kernel that does nothing) */
        bool present = role <= SASC_KERNEL_PREDICT || (functions[role] && functions[role]->count > 0);
        if (!present)
            continue;
        memset(&out[count], 0, sizeof out[count]);
        out[count].role = (sasc_kernel_role)role;
        out[count].symbol = ir_kernel_symbol((sasc_kernel_role)role);
        count++;
    }
    return count;
}

/* A zero-filled array of `count` (at least one) elements. */
static void *zeroed_table(int count, size_t size)
{
    size_t slots = (size_t)(count > 0 ? count : 1);
    void *table = checked_realloc(NULL, slots, size);
    memset(table, 0, slots * size);
    return table;
}

void ir_export_tables(const ir_program *p, bool has_update_part, sasc_program *out, ir_tables *tables)
{
    /* Tables are emitted byte for byte into object files (emit.c), so their
     * padding must be zero: copy with memcpy from zero-filled descriptors
     * into zero-filled arrays, never by struct assignment. */
    tables->buffers = zeroed_table(p->buffer_count, sizeof *tables->buffers);
    for (int i = 0; i < p->buffer_count; i++)
        memcpy(&tables->buffers[i], &p->buffers[i].desc, sizeof *tables->buffers);
    tables->groups = zeroed_table(p->group_count, sizeof *tables->groups);
    for (int i = 0; i < p->group_count; i++) {
        const ir_group *g = &p->groups[i];
        sasc_group_desc *d = &tables->groups[i];
        d->name = g->name;
        d->kind = g->kind;
        d->layer = g->layer;
        d->fan_in = g->fan_in;
        d->width = g->width;
        for (int k = 0; k < 3; k++)
            d->parameter_buffer[k] = g->parameter_buffer[k];
        d->noise_buffer = g->noise_buffer;
        d->mask_buffer = g->mask_buffer;
        d->mask.kind = g->mask.kind;   /* not by struct assignment: its padding would come along */
        d->mask.density = g->mask.density;
        d->mask.path = g->mask.path;
    }
    tables->layers = zeroed_table(p->layer_count, sizeof *tables->layers);
    for (int i = 0; i < p->layer_count; i++) {
        const ir_layer *l = &p->layers[i];
        sasc_layer_desc *d = &tables->layers[i];
        d->name = l->name;
        d->kind = l->kind;
        d->activation = l->activation;
        d->width = l->width;
        d->per_step = l->per_step;
        d->first_group = l->first_group;
        d->group_count = l->group_count;
        d->state_buffer = l->state_buffer;
    }
    sasc_kernel_desc kernels[SASC_KERNEL_ROLE_COUNT];
    int kernel_count = ir_program_kernels(p, has_update_part, kernels);
    tables->kernels = zeroed_table(kernel_count, sizeof *tables->kernels);
    memcpy(tables->kernels, kernels, (size_t)kernel_count * sizeof *kernels);
    memset(out, 0, sizeof *out);
    out->abi_version = SASC_ABI_VERSION;
    out->model_name = p->model_name;
    out->precision = p->precision;
    out->batch = p->batch;
    out->input_width = p->input_width;
    out->classes = p->classes;
    out->buffer_count = p->buffer_count;
    out->buffers = tables->buffers;
    out->group_count = p->group_count;
    out->groups = tables->groups;
    out->layer_count = p->layer_count;
    out->layers = tables->layers;
    out->kernel_count = kernel_count;
    out->kernels = tables->kernels;
    out->input_buffer = p->input_buffer;
    out->target_buffer = p->target_buffer;
    out->output_buffer = p->output_buffer;
    out->loss_buffer = p->loss_buffer;
    out->scalars_buffer = p->scalars_buffer;
    out->trials = p->trials;
}

void ir_free_tables(ir_tables *tables)
{
    free(tables->buffers);
    free(tables->groups);
    free(tables->layers);
    free(tables->kernels);
    memset(tables, 0, sizeof *tables);
}
