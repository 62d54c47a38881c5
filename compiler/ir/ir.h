/*
 * ir.h — the typed tensor IR: static shapes, SSA nodes, printable.
 *
 * An ir_program owns a table of buffers (it becomes the sasc_program buffer
 * table the runtime allocates) and three functions: train (forward, loss and
 * the reverse sweep), update (the optimiser step) and predict (forward only);
 * recurrent programs have a fourth, predict_dynamic (forward only, with
 * weights resampled at every time step).
 *
 * A function is a list of nodes in evaluation order; a node refers to
 * earlier nodes of the same function by index (SSA: operands always precede
 * their users). Every value is a rows x cols matrix of the program's
 * precision. Leaves read program buffers; IR_STORE writes one.
 *
 * Invariants (checked by ir_verify):
 *  - operands precede users; shapes agree as each opcode requires;
 *  - binary elementwise ops take equal shapes, or one operand [1,1] which is
 *    broadcast (a scalar);
 *  - a function without loops never reads a buffer after storing to it;
 *  - loops are well formed (see "Loops").
 *
 * Nodes are values, not storage: code generation decides where each value
 * lives (a temporary buffer, a register, fused into its consumer).
 *
 * Loops. A time loop is the nodes between IR_LOOP_BEGIN and IR_LOOP_END,
 * evaluated once per step t (0 .. steps-1, or backwards when `reverse`);
 * loops do not nest. A buffer viewed as a sequence is a stack of blocks of
 * `rows` rows (block k = rows k*rows .. k*rows+rows-1): IR_SLICE reads block
 * index + t and IR_STORE_SLICE writes it (outside a loop, t = 0), which is
 * how state crosses steps (h(t) in block t, h(t+1) stored to block t+1) and
 * how it is kept for the reverse sweep. A node inside a loop may read nodes
 * defined before the loop (loop invariants, e.g. mu = (1-pi) m, computed
 * once); a value defined inside a loop is used only inside it, so whatever
 * leaves a loop goes through a buffer. Leaves read the buffer as it is at
 * their position in the current step (a whole-buffer leaf followed by a
 * store to the same buffer is a loop-carried accumulator).
 */
#ifndef SASC_IR_H
#define SASC_IR_H

#include <stdbool.h>
#include <stdio.h>
#include "runtime/sasc_runtime.h"

typedef enum {
    /* leaves */
    IR_BUFFER,        /* the whole of buffer `buffer` */
    IR_SCALAR,        /* element `index` of buffer `buffer`, as [1,1] */
    IR_CONSTANT,      /* every element `constant` */

    /* products */
    IR_MATMUL,        /* alpha * op(a) * op(b); op transposes when transpose_a / transpose_b */

    /* elementwise binary (equal shapes, or one side [1,1]) */
    IR_ADD, IR_SUB, IR_MUL, IR_DIV,

    /* elementwise unary */
    IR_AFFINE,        /* scale * a + shift */
    IR_SQUARE,
    IR_SQRT,          /* sqrt(max(a, 0)) */
    IR_EXP, IR_LOG,
    IR_RELU, IR_TANH, IR_SIGMOID,
    IR_STEP,          /* a > 0 ? 1 : 0 (the derivative of relu) */
    IR_CLAMP,         /* min(max(a, low), high); high may be +inf */

    /* elementwise with a zero guard, for the reverse sweep of sqrt */
    IR_SQRT_BACKWARD, /* (y, g): y > 0 ? g / (2 y) : 0 where y = sqrt(x) — Delta = 0 gives 0, never NaN */

    /* row-wise */
    IR_SOFTMAX,            /* softmax of each row */
    IR_CROSS_ENTROPY,      /* (logits, target) -> [rows,1]: -sum_j target_j log softmax(logits)_j, stable */
    IR_CROSS_ENTROPY_BACKWARD, /* (logits, target, g [rows,1]) -> [rows,cols]:
                                  g_r * (softmax(logits)_rj * sum_j target_rj - target_rj) */

    /* reductions and broadcasts */
    IR_SUM,           /* all elements -> [1,1] */
    IR_BROADCAST,     /* [1,1] -> [rows, cols] */

    /* effects */
    IR_STORE,         /* buffer `buffer` := a (same shape); the node has no value */

    /* time loops (recurrent models); see "Loops" below */
    IR_LOOP_BEGIN,    /* run the nodes up to the matching IR_LOOP_END `steps` times; no value */
    IR_LOOP_END,      /* closes the innermost open loop; no value */
    IR_SLICE,         /* leaf: block `index` (+ t inside a loop) of buffer `buffer`, [rows, cols] */
    IR_STORE_SLICE,   /* block `index` (+ t inside a loop) of buffer `buffer` := a; no value */

    IR_TRANSPOSE,     /* a^T: [rows, cols] -> [cols, rows] (a loop-invariant matrix laid out for
                         the products in a loop; see hoist.h) */

    IR_OPCODE_COUNT
} ir_opcode;

typedef struct {
    ir_opcode op;
    int rows, cols;           /* shape of the value ([0,0] for IR_STORE) */
    int a, b, c;              /* operand node indices, -1 when unused */
    int buffer;               /* IR_BUFFER, IR_SCALAR, IR_STORE: program buffer index */
    int index;                /* IR_SCALAR: element index */
    double constant;          /* IR_CONSTANT */
    double scale, shift;      /* IR_AFFINE */
    double low, high;         /* IR_CLAMP */
    double alpha;             /* IR_MATMUL */
    bool transpose_a, transpose_b;  /* IR_MATMUL */
    const char *comment;      /* optional, static string, shown by the printer */
    int steps;                /* IR_LOOP_BEGIN: trip count T >= 1 */
    bool reverse;             /* IR_LOOP_BEGIN: t runs T-1 .. 0 instead of 0 .. T-1 */
} ir_node;

typedef struct {
    const char *name;         /* "train", "update", "predict", "predict_dynamic" */
    ir_node *nodes;
    int count, capacity;
} ir_function;

typedef struct {
    char *name;               /* owned copy */
    sasc_buffer_desc desc;    /* desc.name points at `name` */
    int carried_adjoint;      /* a carried state (ir_add_carried_state): its one-block adjoint; else -1 */
} ir_buffer;

/* A connection group (sasc_group_desc): one SaS parameter matrix. */
typedef struct {
    char *name;               /* owned */
    sasc_group_kind kind;
    int layer;                /* index into the program's layers */
    int fan_in, width;
    int parameter_buffer[3];
    int noise_buffer, mask_buffer;
    sasc_mask mask;           /* mask.path owned */
} ir_group;

/* A layer of the model (sasc_layer_desc); its groups are
 * groups[first_group .. first_group + group_count - 1]. */
typedef struct {
    char *name;               /* owned */
    const char *kind;         /* static: the layer kind's name */
    const char *activation;   /* static */
    int width;
    bool per_step;
    int first_group, group_count;
    int state_buffer;         /* or -1 */
} ir_layer;

typedef struct {
    char *model_name;         /* owned */
    sasc_precision precision;
    int batch, input_width, classes;
    ir_buffer *buffers;
    int buffer_count, buffer_capacity;
    ir_group *groups;
    int group_count;
    ir_layer *layers;
    int layer_count;
    int input_buffer, target_buffer, output_buffer, loss_buffer, scalars_buffer;
    ir_function train, update, predict;
    /* predict with per-step weights (SASC_BUFFER_STEP_WEIGHTS; compiler/lower/group.c):
     * programs with a time axis only, empty otherwise (then no kernel is emitted). */
    ir_function predict_dynamic;
    /* The task's declared trials (sasc_program.trials), borrowed from the
     * checked file that outlives the program; NULL for other data. */
    const sasc_trials *trials;
} ir_program;

/* ---- building ---- */

void ir_program_init(ir_program *p, const char *model_name, sasc_precision precision, int batch);
void ir_program_free(ir_program *p);

/* Add a buffer; returns its index. `name` is copied. */
int ir_add_buffer(ir_program *p, const char *name, sasc_buffer_role role,
                  int group, sasc_parameter parameter, int rows, int cols);
/* A state carried by a time loop: a sequence of `blocks` blocks of [rows,
 * cols] (block 0 the initial state, stored before the loop; the loop reads
 * block t and stores block t + 1, and after it block `steps` may be read),
 * followed in the table by "<name>.adjoint", one TEMPORARY block in which
 * the reverse sweep carries d loss / d state from step t + 1 back to step t
 * (autodiff.h). Returns the state's index. */
int ir_add_carried_state(ir_program *p, const char *name, sasc_buffer_role role, int group, int blocks,
                         int rows, int cols);
/* Append a group / a layer (zero-filled but for the given fields; buffers
 * -1); returns its index. `name` is copied. The arrays may move. */
int ir_add_group(ir_program *p, const char *name, sasc_group_kind kind, int layer, int fan_in, int width);
int ir_add_layer(ir_program *p, const char *name, const char *kind, const char *activation, int width,
                 bool per_step);

/* Node constructors append to `f` and return the new node's index. They
 * assert shape agreement (a violation is a compiler bug, not a user error). */
int ir_buffer_node(ir_function *f, const ir_program *p, int buffer);
int ir_scalar(ir_function *f, const ir_program *p, int buffer, int index);
int ir_constant(ir_function *f, int rows, int cols, double value);
int ir_matmul(ir_function *f, int a, int b, bool transpose_a, bool transpose_b, double alpha);
int ir_binary(ir_function *f, ir_opcode op, int a, int b);   /* IR_ADD .. IR_DIV, IR_SQRT_BACKWARD */
int ir_unary(ir_function *f, ir_opcode op, int a);           /* IR_SQUARE .. IR_STEP, IR_SOFTMAX, IR_SUM */
int ir_affine(ir_function *f, int a, double scale, double shift);
int ir_clamp(ir_function *f, int a, double low, double high);
int ir_broadcast(ir_function *f, int a, int rows, int cols);
int ir_transpose(ir_function *f, int a);
int ir_cross_entropy(ir_function *f, int logits, int target);
int ir_cross_entropy_backward(ir_function *f, int logits, int target, int gradient);
int ir_store(ir_function *f, const ir_program *p, int buffer, int value);
/* Append `node` as it is (its operands must precede it): for passes that
 * copy or rebuild nodes. */
int ir_append_node(ir_function *f, ir_node node);
/* Insert `count` nodes before node `position` (their operands must precede
 * it); every later node moves up by `count` and its operands follow.
 * An index i held outside becomes ir_moved_index(i, position, count). */
void ir_insert_nodes(ir_function *f, int position, const ir_node *nodes, int count);
static inline int ir_moved_index(int index, int position, int count)
{
    return index >= position ? index + count : index;
}
/* A node of `op` and shape [rows, cols] with no operands, buffer or fields
 * set (operands -1): to fill in and append. */
ir_node ir_blank_node(ir_opcode op, int rows, int cols);
/* Time loops and sequence blocks (see "Loops" above). */
int ir_loop_begin(ir_function *f, int steps, bool reverse);
int ir_loop_end(ir_function *f);
int ir_slice(ir_function *f, const ir_program *p, int buffer, int rows, int index);
int ir_store_slice(ir_function *f, const ir_program *p, int buffer, int index, int value);
/* For every node i of f: begin[i] and end[i] are the IR_LOOP_BEGIN and
 * IR_LOOP_END of the loop holding it (markers included), or -1 and -1. */
void ir_loop_bounds(const ir_function *f, int *begin, int *end);

/* ---- inspecting ---- */

const char *ir_opcode_name(ir_opcode op);
bool ir_is_elementwise(ir_opcode op);

/* Check the invariants above; on failure write one sentence into `error`. */
bool ir_verify(const ir_program *p, char *error, size_t error_size);

/* Human-readable listing: buffers, then each function, one node per line:
 *   %12 = matmul %3, %11 [500 x 100] alpha=0.0357  ; G of h1 */
void ir_print(const ir_program *p, FILE *out);

/* The tables of a sasc_program, allocated by ir_export_tables and owned by
 * the caller (ir_free_tables). */
typedef struct {
    sasc_buffer_desc *buffers;
    sasc_group_desc *groups;
    sasc_layer_desc *layers;
    sasc_kernel_desc *kernels;
} ir_tables;

/* The symbol of the kernel of `role` in generated code ("sasc_train", ...). */
const char *ir_kernel_symbol(sasc_kernel_role role);

/* The kernels a program has: each role whose function is not empty (and
 * SASC_KERNEL_UPDATE_PART when `has_update_part`), with its symbol. */
int ir_program_kernels(const ir_program *p, bool has_update_part, sasc_kernel_desc out[SASC_KERNEL_ROLE_COUNT]);

/* Copy the buffer, group, layer and kernel tables into a sasc_program (the
 * kernels' functions left NULL: the JIT or the object emitter fills them).
 * The sasc_program borrows from `p`: `p` must outlive it. */
void ir_export_tables(const ir_program *p, bool has_update_part, sasc_program *out, ir_tables *tables);
void ir_free_tables(ir_tables *tables);

#endif
