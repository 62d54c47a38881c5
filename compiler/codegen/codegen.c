/*
 * codegen.c — the module builder: IR program -> one LLVM module holding the
 * kernels sasc_train, sasc_update and sasc_predict (and sasc_predict_dynamic,
 * sasc_update_part when they apply) or a chosen subset of them (the JIT
 * builds two modules at once), verified and optimised
 * for the host (KERNEL_PIPELINE); and the textual printer built on it.
 * Running the module is jit.c's business (and, later, the object emitter's).
 *
 * Where each value lives (a temporary, a register inside a fused loop, the
 * destination of its store) is decided first, by codegen_plan.c; this file
 * emits one loop nest (or GEMM call) per materialised node and store.
 *
 * Arithmetic is in the program's precision through one LLVM type; only the
 * `contract` fast-math flag is used (FMA), so results are deterministic from
 * run to run; sums keep a fixed order (a fixed number of interleaved partial
 * sums combined pairwise).
 */
#include "compiler/codegen/codegen.h"
#include "compiler/codegen/codegen_internal.h"
#include "compiler/codegen/failure.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <llvm-c/Analysis.h>
#include <llvm-c/Target.h>
#include <llvm-c/Transforms/PassBuilder.h>

/* ---- messages ---- */

void codegen_error_message(LLVMErrorRef failure, const char *what, char *error, size_t error_size)
{
    char *message = LLVMGetErrorMessage(failure);
    failf(error, error_size, "%s: %s", what, message);
    LLVMDisposeErrorMessage(message);
}

const char *codegen_kernel_symbol(int k)
{
    return ir_kernel_symbol((sasc_kernel_role)k);   /* kernel k is the function of role k */
}

const char CODEGEN_UPDATE_PART_SYMBOL[] = "sasc_update_part";

bool codegen_kernel_emitted(const ir_program *p, int k)
{
    return k < 3 || p->predict_dynamic.count > 0;
}

/* ---- emission helpers ---- */

enum { LOOP_MAX_CARRIES = 16 };

typedef struct {
    ir_program *p;
    const ir_function *f;
    const codegen_node_plan *plan;
    LLVMContextRef context;
    LLVMModuleRef module;
    LLVMBuilderRef b;
    LLVMTypeRef real, i32, i64, ptr;
    unsigned real_bytes;
    LLVMValueRef *base;        /* per buffer: its base pointer in the kernel body */
    LLVMValueRef gemm;
    LLVMTypeRef gemm_type;
    LLVMValueRef step;         /* t (i64) inside a time loop, NULL outside */
    LLVMValueRef part, parts;  /* i64 in a part kernel (update_part): elementwise loops run
                                  their part's element range only; NULL in whole kernels */
} emitter;

/* A counted loop `for (index = first; index < limit; index++)`, entered
 * with first < limit (a guard branches to `exit` otherwise), with values
 * carried from one iteration to the next. */
typedef struct {
    LLVMValueRef limit;
    LLVMBasicBlockRef preheader, body, exit;
    LLVMValueRef index;
    int carries;
    LLVMValueRef phi[LOOP_MAX_CARRIES], next[LOOP_MAX_CARRIES];
} loop;

static LLVMValueRef index_constant(emitter *e, long value)
{
    return LLVMConstInt(e->i64, (unsigned long long)value, false);
}

static LLVMValueRef real_constant(emitter *e, double value)
{
    return LLVMConstReal(e->real, value);
}

/* The loop from `first` to `limit`; `guarded` when it may run no iteration. */
static void loop_open_range(emitter *e, loop *l, LLVMValueRef first, LLVMValueRef limit, bool guarded,
                            int carries, const LLVMValueRef *initial)
{
    l->limit = limit;
    l->carries = carries;
    l->preheader = LLVMGetInsertBlock(e->b);
    LLVMValueRef function = LLVMGetBasicBlockParent(l->preheader);
    l->body = LLVMAppendBasicBlockInContext(e->context, function, "loop");
    l->exit = guarded ? LLVMAppendBasicBlockInContext(e->context, function, "done") : NULL;
    if (guarded)
        LLVMBuildCondBr(e->b, LLVMBuildICmp(e->b, LLVMIntULT, first, limit, "any"), l->body, l->exit);
    else
        LLVMBuildBr(e->b, l->body);
    LLVMPositionBuilderAtEnd(e->b, l->body);
    l->index = LLVMBuildPhi(e->b, e->i64, "i");
    LLVMAddIncoming(l->index, &first, &l->preheader, 1);
    for (int k = 0; k < carries; k++) {
        l->phi[k] = LLVMBuildPhi(e->b, LLVMTypeOf(initial[k]), "carry");
        LLVMAddIncoming(l->phi[k], (LLVMValueRef *)&initial[k], &l->preheader, 1);
    }
}

/* for (index = 0; index < count; index++), count >= 1 */
static void loop_open(emitter *e, loop *l, long count, int carries, const LLVMValueRef *initial)
{
    loop_open_range(e, l, index_constant(e, 0), index_constant(e, count), false, carries, initial);
}

/* Close the loop; l->next[k] holds each carry's value for the next iteration
 * and, after the loop, its final value. */
static void loop_close(emitter *e, loop *l)
{
    LLVMBasicBlockRef latch = LLVMGetInsertBlock(e->b);
    LLVMValueRef next = LLVMBuildAdd(e->b, l->index, index_constant(e, 1), "i.next");
    LLVMValueRef more = LLVMBuildICmp(e->b, LLVMIntULT, next, l->limit, "more");
    LLVMBasicBlockRef exit = l->exit ? l->exit
                                     : LLVMAppendBasicBlockInContext(e->context, LLVMGetBasicBlockParent(latch), "done");
    LLVMBuildCondBr(e->b, more, l->body, exit);
    LLVMAddIncoming(l->index, &next, &latch, 1);
    for (int k = 0; k < l->carries; k++)
        LLVMAddIncoming(l->phi[k], &l->next[k], &latch, 1);
    LLVMPositionBuilderAtEnd(e->b, exit);
}

static LLVMValueRef contract(LLVMValueRef v)
{
    if (LLVMIsAInstruction(v) && LLVMCanValueUseFastMathFlags(v))
        LLVMSetFastMathFlags(v, LLVMFastMathAllowContract);
    return v;
}

static LLVMValueRef real_add(emitter *e, LLVMValueRef x, LLVMValueRef y) { return contract(LLVMBuildFAdd(e->b, x, y, "")); }
static LLVMValueRef real_sub(emitter *e, LLVMValueRef x, LLVMValueRef y) { return contract(LLVMBuildFSub(e->b, x, y, "")); }
static LLVMValueRef real_mul(emitter *e, LLVMValueRef x, LLVMValueRef y) { return contract(LLVMBuildFMul(e->b, x, y, "")); }
static LLVMValueRef real_div(emitter *e, LLVMValueRef x, LLVMValueRef y) { return contract(LLVMBuildFDiv(e->b, x, y, "")); }

static LLVMValueRef select_positive(emitter *e, LLVMValueRef test, LLVMValueRef yes, LLVMValueRef no)
{
    LLVMValueRef positive = LLVMBuildFCmp(e->b, LLVMRealOGT, test, real_constant(e, 0.0), "");
    return LLVMBuildSelect(e->b, positive, yes, no, "");
}

static LLVMValueRef intrinsic(emitter *e, const char *name, LLVMValueRef x)
{
    unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
    LLVMValueRef function = LLVMGetIntrinsicDeclaration(e->module, id, &e->real, 1);
    LLVMTypeRef type = LLVMIntrinsicGetType(e->context, id, &e->real, 1);
    return LLVMBuildCall2(e->b, type, function, &x, 1, "");
}

static LLVMValueRef load_at(emitter *e, LLVMValueRef base, LLVMValueRef index)
{
    LLVMValueRef address = LLVMBuildInBoundsGEP2(e->b, e->real, base, &index, 1, "");
    LLVMValueRef v = LLVMBuildLoad2(e->b, e->real, address, "");
    LLVMSetAlignment(v, e->real_bytes);
    return v;
}

static void store_at(emitter *e, LLVMValueRef base, LLVMValueRef index, LLVMValueRef value)
{
    LLVMValueRef address = LLVMBuildInBoundsGEP2(e->b, e->real, base, &index, 1, "");
    LLVMValueRef v = LLVMBuildStore(e->b, value, address);
    LLVMSetAlignment(v, e->real_bytes);
}

static LLVMValueRef load_element(emitter *e, int buffer, LLVMValueRef index)
{
    return load_at(e, e->base[buffer], index);
}

static void store_element(emitter *e, int buffer, LLVMValueRef index, LLVMValueRef value)
{
    store_at(e, e->base[buffer], index, value);
}

/* The first element of block (index + t) of `buffer`, blocks of `size` elements. */
static LLVMValueRef block_pointer(emitter *e, int buffer, int index, long size)
{
    LLVMValueRef block = index_constant(e, index);
    if (e->step)
        block = LLVMBuildAdd(e->b, block, e->step, "block");
    LLVMValueRef offset = LLVMBuildMul(e->b, block, index_constant(e, size), "");
    return LLVMBuildInBoundsGEP2(e->b, e->real, e->base[buffer], &offset, 1, "");
}

/* Where a value that sits in memory starts: its storage, or its block. */
static LLVMValueRef value_pointer(emitter *e, int n)
{
    const ir_node *node = &e->f->nodes[n];
    if (e->plan[n].storage >= 0)
        return e->base[e->plan[n].storage];
    return block_pointer(e, node->buffer, node->index, codegen_element_count(node));
}

/* ---- values ---- */

static LLVMValueRef element(emitter *e, int n, LLVMValueRef index);

static LLVMValueRef unary_value(emitter *e, const ir_node *n, LLVMValueRef x)
{
    LLVMValueRef zero = real_constant(e, 0.0), one = real_constant(e, 1.0);
    switch (n->op) {
    case IR_AFFINE:  return real_add(e, real_mul(e, real_constant(e, n->scale), x), real_constant(e, n->shift));
    case IR_SQUARE:  return real_mul(e, x, x);
    case IR_SQRT:    return intrinsic(e, "llvm.sqrt", select_positive(e, x, x, zero));
    case IR_EXP:     return intrinsic(e, "llvm.exp", x);
    case IR_LOG:     return intrinsic(e, "llvm.log", x);
    case IR_RELU:    return select_positive(e, x, x, zero);
    case IR_STEP:    return select_positive(e, x, one, zero);
    case IR_SIGMOID: /* 1/(1+exp(-x)): exp overflow gives 1/inf = 0, never NaN */
        return real_div(e, one, real_add(e, one, intrinsic(e, "llvm.exp", LLVMBuildFNeg(e->b, x, ""))));
    case IR_TANH: {  /* 1 - 2/(exp(2x)+1): saturates to +-1 without inf/inf */
        LLVMValueRef exp2x = intrinsic(e, "llvm.exp", real_mul(e, real_constant(e, 2.0), x));
        return real_sub(e, one, real_div(e, real_constant(e, 2.0), real_add(e, exp2x, one)));
    }
    case IR_CLAMP: {
        LLVMValueRef low = real_constant(e, n->low);
        LLVMValueRef below = LLVMBuildFCmp(e->b, LLVMRealOLT, x, low, "");
        LLVMValueRef y = LLVMBuildSelect(e->b, below, low, x, "");
        if (isinf(n->high) && n->high > 0)
            return y;
        LLVMValueRef high = real_constant(e, n->high);
        LLVMValueRef above = LLVMBuildFCmp(e->b, LLVMRealOGT, y, high, "");
        return LLVMBuildSelect(e->b, above, high, y, "");
    }
    default:
        return NULL;
    }
}

static LLVMValueRef binary_value(emitter *e, ir_opcode op, LLVMValueRef x, LLVMValueRef y)
{
    switch (op) {
    case IR_ADD: return real_add(e, x, y);
    case IR_SUB: return real_sub(e, x, y);
    case IR_MUL: return real_mul(e, x, y);
    case IR_DIV: return real_div(e, x, y);
    case IR_SQRT_BACKWARD: /* (y, g): y > 0 ? g/(2y) : 0, exactly 0 at y = 0 */
        return select_positive(e, x, real_div(e, y, real_mul(e, real_constant(e, 2.0), x)), real_constant(e, 0.0));
    default:
        return NULL;
    }
}

/* Compute element `index` of pointwise or leaf node n from its operands. */
static LLVMValueRef compute(emitter *e, int n, LLVMValueRef index)
{
    const ir_node *node = &e->f->nodes[n];
    switch (node->op) {
    case IR_BUFFER:   return load_element(e, node->buffer, index);
    case IR_SLICE:    return load_at(e, block_pointer(e, node->buffer, node->index,
                                                      codegen_element_count(node)), index);
    case IR_SCALAR:   return load_element(e, node->buffer, index_constant(e, node->index));
    case IR_CONSTANT: return real_constant(e, node->constant);
    case IR_BROADCAST: return element(e, node->a, index);
    case IR_ADD: case IR_SUB: case IR_MUL: case IR_DIV: case IR_SQRT_BACKWARD:
        return binary_value(e, node->op, element(e, node->a, index), element(e, node->b, index));
    default:
        return unary_value(e, node, element(e, node->a, index));
    }
}

/* Element `index` (in the consumer's flat index space) of node n's value:
 * loaded from where it is stored, or computed inline; a [1,1] value has one
 * element for every index. */
static LLVMValueRef element(emitter *e, int n, LLVMValueRef index)
{
    if (codegen_element_count(&e->f->nodes[n]) == 1)
        index = index_constant(e, 0);
    if (e->plan[n].storage >= 0)
        return load_element(e, e->plan[n].storage, index);
    return compute(e, n, index);
}

/* ---- materialised nodes ---- */

/* sasc_part_boundary(count, k, parts) of sasc_runtime.h, in i64. */
static LLVMValueRef part_boundary(emitter *e, long count, LLVMValueRef k)
{
    LLVMValueRef n = index_constant(e, count), align = index_constant(e, SASC_PART_ALIGNMENT);
    LLVMValueRef share = LLVMBuildUDiv(e->b, LLVMBuildMul(e->b, n, k, ""), e->parts, "share");
    LLVMValueRef blocks = LLVMBuildUDiv(e->b, LLVMBuildAdd(e->b, share, index_constant(e, SASC_PART_ALIGNMENT - 1), ""),
                                        align, "");
    LLVMValueRef up = LLVMBuildMul(e->b, blocks, align, "");
    return LLVMBuildSelect(e->b, LLVMBuildICmp(e->b, LLVMIntULT, up, n, ""), up, n, "boundary");
}

/* An elementwise loop over `count` elements: all of them in a whole
 * kernel, the part's range in a part kernel. */
static void element_loop_open(emitter *e, loop *l, long count)
{
    if (!e->part) {
        loop_open(e, l, count, 0, NULL);
        return;
    }
    LLVMValueRef next = LLVMBuildAdd(e->b, e->part, index_constant(e, 1), "");
    loop_open_range(e, l, part_boundary(e, count, e->part), part_boundary(e, count, next), true, 0, NULL);
}

static void emit_pointwise(emitter *e, int n, int destination)
{
    loop l;
    element_loop_open(e, &l, codegen_element_count(&e->f->nodes[n]));
    store_element(e, destination, l.index, compute(e, n, l.index));
    loop_close(e, &l);
}

/* Sum in a fixed order: `lanes` interleaved partial sums (one vector's
 * worth), then the remainder, then a pairwise combination of the lanes. */
static void emit_sum(emitter *e, int n)
{
    const ir_node *node = &e->f->nodes[n];
    long count = codegen_element_count(&e->f->nodes[node->a]);
    int lanes = (int)(64 / e->real_bytes);
    if (lanes > LOOP_MAX_CARRIES)
        lanes = LOOP_MAX_CARRIES;
    LLVMValueRef partial[LOOP_MAX_CARRIES];
    for (int k = 0; k < lanes; k++)
        partial[k] = real_constant(e, 0.0);
    long chunks = count / lanes;
    if (chunks > 0) {
        loop l;
        loop_open(e, &l, chunks, lanes, partial);
        LLVMValueRef first = LLVMBuildMul(e->b, l.index, index_constant(e, lanes), "");
        for (int k = 0; k < lanes; k++) {
            LLVMValueRef at = LLVMBuildAdd(e->b, first, index_constant(e, k), "");
            l.next[k] = real_add(e, l.phi[k], element(e, node->a, at));
        }
        loop_close(e, &l);
        memcpy(partial, l.next, sizeof(LLVMValueRef) * (size_t)lanes);
    }
    for (long k = 0; k < count - chunks * lanes; k++)
        partial[k] = real_add(e, partial[k], element(e, node->a, index_constant(e, chunks * lanes + k)));
    for (int width = lanes; width > 1; width /= 2)
        for (int k = 0; k < width / 2; k++)
            partial[k] = real_add(e, partial[2 * k], partial[2 * k + 1]);
    store_element(e, e->plan[n].storage, index_constant(e, 0), partial[0]);
}

/* Per-row statistics of logits (and targets) for the row-wise ops. */
typedef struct {
    LLVMValueRef row_start;   /* r * cols */
    LLVMValueRef max;         /* max_j logits_rj */
    LLVMValueRef exp_sum;     /* sum_j exp(logits_rj - max) */
    LLVMValueRef target_sum;  /* sum_j target_rj (when a target is given) */
} row_stats;

static LLVMValueRef row_index(emitter *e, const row_stats *s, LLVMValueRef j)
{
    return LLVMBuildAdd(e->b, s->row_start, j, "");
}

static LLVMValueRef shifted_exp(emitter *e, int logits, const row_stats *s, LLVMValueRef j)
{
    return intrinsic(e, "llvm.exp", real_sub(e, element(e, logits, row_index(e, s, j)), s->max));
}

static row_stats emit_row_stats(emitter *e, int logits, int target, LLVMValueRef row, int cols)
{
    row_stats s = { LLVMBuildMul(e->b, row, index_constant(e, cols), "row"), NULL, NULL, NULL };
    loop l;
    LLVMValueRef start = real_constant(e, -INFINITY);
    loop_open(e, &l, cols, 1, &start);
    LLVMValueRef x = element(e, logits, row_index(e, &s, l.index));
    LLVMValueRef greater = LLVMBuildFCmp(e->b, LLVMRealOGT, x, l.phi[0], "");
    l.next[0] = LLVMBuildSelect(e->b, greater, x, l.phi[0], "max");
    loop_close(e, &l);
    s.max = l.next[0];

    LLVMValueRef zeros[2] = { real_constant(e, 0.0), real_constant(e, 0.0) };
    loop_open(e, &l, cols, target >= 0 ? 2 : 1, zeros);
    l.next[0] = real_add(e, l.phi[0], shifted_exp(e, logits, &s, l.index));
    if (target >= 0)
        l.next[1] = real_add(e, l.phi[1], element(e, target, row_index(e, &s, l.index)));
    loop_close(e, &l);
    s.exp_sum = l.next[0];
    s.target_sum = target >= 0 ? l.next[1] : NULL;
    return s;
}

static void emit_rowwise(emitter *e, int n)
{
    const ir_node *node = &e->f->nodes[n];
    const ir_node *logits = &e->f->nodes[node->a];
    int cols = logits->cols, target = node->op == IR_SOFTMAX ? -1 : node->b;
    int out = e->plan[n].storage;
    loop rows;
    loop_open(e, &rows, logits->rows, 0, NULL);
    row_stats s = emit_row_stats(e, node->a, target, rows.index, cols);
    LLVMValueRef zero = real_constant(e, 0.0);
    loop l;
    if (node->op == IR_CROSS_ENTROPY) {
        /* -sum_j t_j log softmax_j = sum_j t_j (lse - x_j), lse = max + log(exp_sum) */
        LLVMValueRef lse = real_add(e, s.max, intrinsic(e, "llvm.log", s.exp_sum));
        loop_open(e, &l, cols, 1, &zero);
        LLVMValueRef at = row_index(e, &s, l.index);
        l.next[0] = real_add(e, l.phi[0], real_mul(e, element(e, target, at), real_sub(e, lse, element(e, node->a, at))));
        loop_close(e, &l);
        store_element(e, out, rows.index, l.next[0]);
    } else {
        LLVMValueRef g = node->op == IR_SOFTMAX ? NULL : element(e, node->c, rows.index);
        loop_open(e, &l, cols, 0, NULL);
        LLVMValueRef at = row_index(e, &s, l.index);
        LLVMValueRef y = real_div(e, shifted_exp(e, node->a, &s, l.index), s.exp_sum);
        if (g)  /* g_r * (softmax_rj * sum_j t_rj - t_rj) */
            y = real_mul(e, g, real_sub(e, real_mul(e, y, s.target_sum), element(e, target, at)));
        store_element(e, out, at, y);
        loop_close(e, &l);
    }
    loop_close(e, &rows);
}

static LLVMValueRef int_constant(emitter *e, long value)
{
    return LLVMConstInt(e->i32, (unsigned long long)value, true);
}

static void emit_matmul(emitter *e, int n)
{
    const ir_node *node = &e->f->nodes[n];
    const ir_node *a = &e->f->nodes[node->a], *b = &e->f->nodes[node->b];
    int k = node->transpose_a ? a->rows : a->cols;
    LLVMValueRef args[13] = {
        int_constant(e, node->transpose_a), int_constant(e, node->transpose_b),
        int_constant(e, node->rows), int_constant(e, node->cols), int_constant(e, k),
        real_constant(e, node->alpha),
        value_pointer(e, node->a), int_constant(e, a->cols),
        value_pointer(e, node->b), int_constant(e, b->cols),
        real_constant(e, 0.0),
        e->base[e->plan[n].storage], int_constant(e, node->cols),
    };
    LLVMBuildCall2(e->b, e->gemm_type, e->gemm, args, 13, "");
}

/* out[c, r] = a[r, c], one row of a at a time. */
static void emit_transpose(emitter *e, int n)
{
    const ir_node *a = &e->f->nodes[e->f->nodes[n].a];
    loop rows, cols;
    loop_open(e, &rows, a->rows, 0, NULL);
    loop_open(e, &cols, a->cols, 0, NULL);
    LLVMValueRef from = LLVMBuildAdd(e->b, LLVMBuildMul(e->b, rows.index, index_constant(e, a->cols), ""),
                                     cols.index, "");
    LLVMValueRef to = LLVMBuildAdd(e->b, LLVMBuildMul(e->b, cols.index, index_constant(e, a->rows), ""),
                                   rows.index, "");
    store_element(e, e->plan[n].storage, to, element(e, e->f->nodes[n].a, from));
    loop_close(e, &cols);
    loop_close(e, &rows);
}

static void emit_store(emitter *e, int n)
{
    const ir_node *node = &e->f->nodes[n];
    long size = codegen_element_count(&e->f->nodes[node->a]);
    LLVMValueRef destination = node->op == IR_STORE_SLICE
        ? block_pointer(e, node->buffer, node->index, size) : e->base[node->buffer];
    loop l;
    element_loop_open(e, &l, size);
    store_at(e, destination, l.index, element(e, node->a, l.index));
    loop_close(e, &l);
}

/* A time loop: one LLVM loop around the step's code; t counts down when reversed. */
static void emit_loop_marker(emitter *e, int n, loop *time)
{
    const ir_node *node = &e->f->nodes[n];
    if (node->op == IR_LOOP_END) {
        loop_close(e, time);
        e->step = NULL;
        return;
    }
    loop_open(e, time, node->steps, 0, NULL);
    e->step = node->reverse ? LLVMBuildSub(e->b, index_constant(e, node->steps - 1), time->index, "t")
                            : time->index;
}

static void emit_node(emitter *e, int n)
{
    const ir_node *node = &e->f->nodes[n];
    if (node->op == IR_STORE_SLICE) {
        emit_store(e, n);
        return;
    }
    if (node->op == IR_STORE) {
        if (!e->plan[n].elided)
            emit_store(e, n);
        return;
    }
    if (!e->plan[n].materialized)
        return;
    switch (node->op) {
    case IR_MATMUL: emit_matmul(e, n); break;
    case IR_SUM:    emit_sum(e, n); break;
    case IR_TRANSPOSE: emit_transpose(e, n); break;
    case IR_SOFTMAX: case IR_CROSS_ENTROPY: case IR_CROSS_ENTROPY_BACKWARD:
        emit_rowwise(e, n);
        break;
    default:        emit_pointwise(e, n, e->plan[n].storage); break;
    }
}

/* ---- kernels ---- */

static void add_attribute(emitter *e, LLVMValueRef function, unsigned index, const char *name, uint64_t value)
{
    unsigned kind = LLVMGetEnumAttributeKindForName(name, strlen(name));
    LLVMAddAttributeAtIndex(function, index, LLVMCreateEnumAttribute(e->context, kind, value));
}

static void add_target_attributes(LLVMValueRef function, LLVMTargetMachineRef machine)
{
    char *cpu = LLVMGetTargetMachineCPU(machine), *features = LLVMGetTargetMachineFeatureString(machine);
    LLVMAddTargetDependentFunctionAttr(function, "target-cpu", cpu);
    LLVMAddTargetDependentFunctionAttr(function, "target-features", features);
    LLVMDisposeMessage(cpu);
    LLVMDisposeMessage(features);
}

/* The body takes every buffer as its own parameter, so that the facts the
 * runtime guarantees (distinct, 64-byte aligned, rows*cols elements) become
 * noalias / align / dereferenceable; it is inlined into the kernel. A part
 * kernel's body also takes (i32 part, i32 parts) after the buffers. */
static LLVMValueRef declare_body(emitter *e, const char *symbol, bool parted, LLVMTargetMachineRef machine)
{
    int count = e->p->buffer_count, extra = parted ? 2 : 0;
    LLVMTypeRef *params = malloc((size_t)(count + extra > 0 ? count + extra : 1) * sizeof *params);
    if (!params)
        return NULL;
    for (int i = 0; i < count; i++)
        params[i] = e->ptr;
    for (int i = count; i < count + extra; i++)
        params[i] = e->i32;
    LLVMTypeRef type = LLVMFunctionType(LLVMVoidTypeInContext(e->context), params,
                                        (unsigned)(count + extra), false);
    free(params);
    char name[64];
    snprintf(name, sizeof name, "%s.body", symbol);
    LLVMValueRef body = LLVMAddFunction(e->module, name, type);
    LLVMSetLinkage(body, LLVMInternalLinkage);
    add_attribute(e, body, LLVMAttributeFunctionIndex, "alwaysinline", 0);
    add_attribute(e, body, LLVMAttributeFunctionIndex, "nounwind", 0);
    add_target_attributes(body, machine);
    for (int i = 0; i < count; i++) {
        const sasc_buffer_desc *d = &e->p->buffers[i].desc;
        unsigned at = (unsigned)i + 1;
        add_attribute(e, body, at, "noalias", 0);
        add_attribute(e, body, at, "nonnull", 0);
        add_attribute(e, body, at, "align", 64);
        add_attribute(e, body, at, "dereferenceable", (uint64_t)d->rows * (uint64_t)d->cols * e->real_bytes);
    }
    return body;
}

/* The exported kernel `symbol`: void (ptr buffers), or for a part kernel
 * void (ptr buffers, i32 part, i32 parts); the builder is left at its entry. */
static LLVMValueRef declare_kernel(emitter *e, const char *symbol, bool parted,
                                   LLVMTargetMachineRef machine)
{
    LLVMTypeRef params[3] = { e->ptr, e->i32, e->i32 };
    LLVMTypeRef type = LLVMFunctionType(LLVMVoidTypeInContext(e->context), params,
                                        parted ? 3 : 1, false);
    LLVMValueRef kernel = LLVMAddFunction(e->module, symbol, type);
    add_attribute(e, kernel, LLVMAttributeFunctionIndex, "nounwind", 0);
    add_attribute(e, kernel, 1, "nonnull", 0);
    add_attribute(e, kernel, 1, "noalias", 0);
    add_target_attributes(kernel, machine);
    LLVMPositionBuilderAtEnd(e->b, LLVMAppendBasicBlockInContext(e->context, kernel, "entry"));
    return kernel;
}

/* The kernel `symbol`: load each base pointer, call the body. */
static bool emit_entry(emitter *e, const char *symbol, LLVMValueRef body, bool parted,
                       LLVMTargetMachineRef machine)
{
    int count = e->p->buffer_count, extra = parted ? 2 : 0;
    LLVMValueRef *args = malloc((size_t)(count + extra > 0 ? count + extra : 1) * sizeof *args);
    if (!args)
        return false;
    LLVMValueRef kernel = declare_kernel(e, symbol, parted, machine);
    for (int i = 0; i < count; i++) {
        LLVMValueRef index = index_constant(e, i);
        LLVMValueRef slot = LLVMBuildInBoundsGEP2(e->b, e->ptr, LLVMGetParam(kernel, 0), &index, 1, "");
        args[i] = LLVMBuildLoad2(e->b, e->ptr, slot, e->p->buffers[i].desc.name);
        LLVMSetAlignment(args[i], sizeof(void *));
    }
    for (int i = 0; i < extra; i++)
        args[count + i] = LLVMGetParam(kernel, 1 + (unsigned)i);
    LLVMBuildCall2(e->b, LLVMGlobalGetValueType(body), body, args, (unsigned)(count + extra), "");
    LLVMBuildRetVoid(e->b);
    free(args);
    return true;
}

/* Emit function e->f as kernel `symbol`; `parted`: as a part kernel, whose
 * elementwise loops run their part's range (codegen_is_partitionable must
 * hold for e->f). */
static bool emit_kernel(emitter *e, const char *symbol, bool parted, LLVMTargetMachineRef machine)
{
    LLVMValueRef body = declare_body(e, symbol, parted, machine);
    if (!body)
        return false;
    int count = e->p->buffer_count;
    for (int i = 0; i < count; i++) {
        e->base[i] = LLVMGetParam(body, (unsigned)i);
        LLVMSetValueName2(e->base[i], e->p->buffers[i].desc.name, strlen(e->p->buffers[i].desc.name));
    }
    LLVMPositionBuilderAtEnd(e->b, LLVMAppendBasicBlockInContext(e->context, body, "entry"));
    e->part = parted ? LLVMBuildZExt(e->b, LLVMGetParam(body, (unsigned)count), e->i64, "part") : NULL;
    e->parts = parted ? LLVMBuildZExt(e->b, LLVMGetParam(body, (unsigned)count + 1), e->i64, "parts") : NULL;
    loop time;
    e->step = NULL;
    for (int n = 0; n < e->f->count; n++) {
        ir_opcode op = e->f->nodes[n].op;
        if (op == IR_LOOP_BEGIN || op == IR_LOOP_END)
            emit_loop_marker(e, n, &time);
        else
            emit_node(e, n);
    }
    LLVMBuildRetVoid(e->b);
    e->part = e->parts = NULL;
    return emit_entry(e, symbol, body, parted, machine);
}

/* void sasc_<name>(ptr buffers) { part_symbol(buffers, 0, 1); }: the whole
 * kernel as the one part of a part kernel. The elements and the operations on
 * each are the same, so the bits are those of a kernel emitted whole, and the
 * body is compiled once instead of twice (the part kernel is not
 * alwaysinline, so the pipeline keeps one copy). */
static bool emit_whole_part(emitter *e, const char *symbol, const char *part_symbol,
                            LLVMTargetMachineRef machine)
{
    LLVMValueRef part = LLVMGetNamedFunction(e->module, part_symbol);
    if (!part)
        return false;
    LLVMValueRef kernel = declare_kernel(e, symbol, false, machine);
    LLVMValueRef args[3] = { LLVMGetParam(kernel, 0), LLVMConstInt(e->i32, 0, false),
                             LLVMConstInt(e->i32, 1, false) };
    LLVMBuildCall2(e->b, LLVMGlobalGetValueType(part), part, args, 3, "");
    LLVMBuildRetVoid(e->b);
    return true;
}

static void declare_gemm(emitter *e)
{
    LLVMTypeRef i = e->i32, r = e->real, p = e->ptr;
    LLVMTypeRef params[13] = { i, i, i, i, i, r, p, i, p, i, r, p, i };
    e->gemm_type = LLVMFunctionType(LLVMVoidTypeInContext(e->context), params, 13, false);
    const char *name = e->p->precision == SASC_F32 ? "sasc_gemm_f32" : "sasc_gemm_f64";
    e->gemm = LLVMAddFunction(e->module, name, e->gemm_type);
    add_attribute(e, e->gemm, LLVMAttributeFunctionIndex, "nounwind", 0);
}

/* ---- module ---- */

static bool emit_program(ir_program *p, codegen_node_plan *plans[CODEGEN_KERNEL_COUNT],
                         unsigned kernels, LLVMModuleRef module, LLVMTargetMachineRef machine)
{
    LLVMContextRef context = LLVMGetModuleContext(module);
    emitter e = {
        .p = p, .context = context, .module = module,
        .b = LLVMCreateBuilderInContext(context),
        .real = p->precision == SASC_F32 ? LLVMFloatTypeInContext(context) : LLVMDoubleTypeInContext(context),
        .i32 = LLVMInt32TypeInContext(context), .i64 = LLVMInt64TypeInContext(context),
        .ptr = LLVMPointerTypeInContext(context, 0),
        .real_bytes = p->precision == SASC_F32 ? 4 : 8,
        .base = calloc(p->buffer_count > 0 ? (size_t)p->buffer_count : 1, sizeof(LLVMValueRef)),
    };
    declare_gemm(&e);
    bool ok = e.base != NULL;
    for (int k = 0; ok && k < CODEGEN_KERNEL_COUNT; k++) {
        if (!(kernels & CODEGEN_KERNEL_BIT(k)) || !codegen_kernel_emitted(p, k))
            continue;
        e.f = codegen_kernel_function(p, k);
        e.plan = plans[k];
        if (e.f == &p->update && codegen_is_partitionable(p, e.f, e.plan))
            ok = emit_kernel(&e, CODEGEN_UPDATE_PART_SYMBOL, true, machine) &&
                 emit_whole_part(&e, codegen_kernel_symbol(k), CODEGEN_UPDATE_PART_SYMBOL, machine);
        else
            ok = emit_kernel(&e, codegen_kernel_symbol(k), false, machine);
    }
    free(e.base);
    LLVMDisposeBuilder(e.b);
    return ok;
}

static void set_target(LLVMModuleRef module, LLVMTargetMachineRef machine)
{
    char *triple = LLVMGetTargetMachineTriple(machine);
    LLVMSetTarget(module, triple);
    LLVMDisposeMessage(triple);
    LLVMTargetDataRef layout = LLVMCreateTargetDataLayout(machine);
    LLVMSetModuleDataLayout(module, layout);
    LLVMDisposeTargetData(layout);
}

static bool verify_module(LLVMModuleRef module, char *error, size_t error_size)
{
    char *message = NULL;
    bool broken = LLVMVerifyModule(module, LLVMReturnStatusAction, &message);
    if (broken)
        failf(error, error_size, "internal error: the generated LLVM module does not verify: %s",
              message ? message : "(no message)");
    LLVMDisposeMessage(message);
    return !broken;
}

/* The kernels are straight-line sequences of counted loops over buffers,
 * one GEMM call per product: what pays is inlining the body, promoting the
 * base pointers, folding the index arithmetic and vectorising the loops.
 * This short pipeline does just that. Measured on the B1 model (task-clock
 * of `sasc llvm`, machine loaded): default<O3> 255-320 ms, default<O2>
 * 200-250 ms, this one 135-195 ms, with the same kernel time (share of the
 * JIT code in a B1 profile 6.0% for all three, bit-identical losses).
 * Interleaving stays off: the loops are memory-bound once vectorised, and
 * interleaving them tripled compile time with no measurable gain.
 * instcombine runs as in the default pipelines, without the fixpoint check
 * that LLVM 19's textual default adds (it aborts the process). */
static const char *const KERNEL_PIPELINE =
    "always-inline,"
    "function(sroa,early-cse,instcombine<no-verify-fixpoint>,loop-simplify,lcssa,"
    "loop-vectorize<interleave-forced-only>,instcombine<no-verify-fixpoint>,simplifycfg)";

static bool optimize_module(LLVMModuleRef module, LLVMTargetMachineRef machine, char *error, size_t error_size)
{
    LLVMPassBuilderOptionsRef options = LLVMCreatePassBuilderOptions();
    LLVMPassBuilderOptionsSetLoopInterleaving(options, 0);
    LLVMPassBuilderOptionsSetLoopUnrolling(options, 0);
    LLVMErrorRef failure = LLVMRunPasses(module, KERNEL_PIPELINE, machine, options);
    LLVMDisposePassBuilderOptions(options);
    if (failure) {
        codegen_error_message(failure, "internal error: the optimisation pipeline failed", error, error_size);
        return false;
    }
    return true;
}

bool codegen_prepare(ir_program *p, codegen_node_plan *plans[CODEGEN_KERNEL_COUNT],
                     char *error, size_t error_size)
{
    for (int k = 0; k < CODEGEN_KERNEL_COUNT; k++)
        plans[k] = NULL;
    if (!ir_verify(p, error, error_size))
        return false;
    if (p->precision != SASC_F32 && p->precision != SASC_F64) {
        failf(error, error_size, "internal error: unknown precision %d", (int)p->precision);
        return false;
    }
    if (!codegen_plan_program(p, plans)) {
        codegen_free_plans(plans);
        failf(error, error_size, "out of memory while planning storage");
        return false;
    }
    return true;
}

void codegen_free_plans(codegen_node_plan *plans[CODEGEN_KERNEL_COUNT])
{
    for (int k = 0; k < CODEGEN_KERNEL_COUNT; k++) {
        free(plans[k]);
        plans[k] = NULL;
    }
}

LLVMModuleRef codegen_build_kernels(ir_program *p, codegen_node_plan *plans[CODEGEN_KERNEL_COUNT],
                                    unsigned kernels, LLVMContextRef context,
                                    LLVMTargetMachineRef machine, bool optimize,
                                    char *error, size_t error_size)
{
    char name[256];
    snprintf(name, sizeof name, "sasc.%s", p->model_name ? p->model_name : "model");
    LLVMModuleRef module = LLVMModuleCreateWithNameInContext(name, context);
    set_target(module, machine);
    bool ok = emit_program(p, plans, kernels, module, machine);
    if (!ok)
        failf(error, error_size, "out of memory while generating code");
    ok = ok && verify_module(module, error, error_size);
    ok = ok && (!optimize || optimize_module(module, machine, error, error_size));
    if (!ok) {
        LLVMDisposeModule(module);
        module = NULL;
    }
    return module;
}

LLVMModuleRef codegen_build_module(ir_program *p, LLVMContextRef context,
                                   LLVMTargetMachineRef machine, bool optimize,
                                   char *error, size_t error_size)
{
    codegen_node_plan *plans[CODEGEN_KERNEL_COUNT];
    if (!codegen_prepare(p, plans, error, error_size))
        return NULL;
    LLVMModuleRef module = codegen_build_kernels(p, plans, CODEGEN_ALL_KERNELS, context, machine,
                                                 optimize, error, error_size);
    codegen_free_plans(plans);
    return module;
}

/* ---- target ---- */

void codegen_initialize_native(void)
{
    static bool done = false;   /* the compiler is single-threaded */
    if (done)
        return;
    LLVMInitializeNativeTarget();
    LLVMInitializeNativeAsmPrinter();
    done = true;
}

LLVMTargetMachineRef codegen_host_target_machine(char *error, size_t error_size)
{
    codegen_initialize_native();
    char *triple = LLVMGetDefaultTargetTriple(), *message = NULL;
    LLVMTargetRef target = NULL;
    LLVMTargetMachineRef machine = NULL;
    if (LLVMGetTargetFromTriple(triple, &target, &message)) {
        failf(error, error_size, "no LLVM target for '%s': %s", triple, message ? message : "");
    } else {
        char *cpu = LLVMGetHostCPUName(), *features = LLVMGetHostCPUFeatures();
        machine = LLVMCreateTargetMachine(target, triple, cpu, features, LLVMCodeGenLevelAggressive,
                                          LLVMRelocPIC, LLVMCodeModelDefault);
        if (!machine)
            failf(error, error_size, "cannot create an LLVM target machine for '%s' (%s)", triple, cpu);
        LLVMDisposeMessage(cpu);
        LLVMDisposeMessage(features);
    }
    LLVMDisposeMessage(message);
    LLVMDisposeMessage(triple);
    return machine;
}

/* ---- public ---- */

bool codegen_print_llvm(ir_program *p, bool optimized, FILE *out, char *error, size_t error_size)
{
    LLVMTargetMachineRef machine = codegen_host_target_machine(error, error_size);
    if (!machine)
        return false;
    LLVMContextRef context = LLVMContextCreate();
    LLVMModuleRef module = codegen_build_module(p, context, machine, optimized, error, error_size);
    bool ok = module != NULL;
    if (ok) {
        char *text = LLVMPrintModuleToString(module);
        ok = fputs(text, out) >= 0;
        if (!ok)
            failf(error, error_size, "cannot write the LLVM IR");
        LLVMDisposeMessage(text);
        LLVMDisposeModule(module);
    }
    LLVMContextDispose(context);
    LLVMDisposeTargetMachine(machine);
    return ok;
}

const char *codegen_llvm_version(void)
{
    static char version[32];
    unsigned major, minor, patch;
    LLVMGetVersion(&major, &minor, &patch);
    snprintf(version, sizeof version, "%u.%u.%u", major, minor, patch);
    return version;
}
