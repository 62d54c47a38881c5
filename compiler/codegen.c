/*
 * codegen.c — the module builder: IR program -> one LLVM module holding the
 * kernels sasc_train, sasc_update and sasc_predict, verified and optimised at
 * O3 for the host; and the textual printer built on it. Running the module
 * is jit.c's business (and, later, the object emitter's).
 *
 * Storage plan (one per IR function, decided before any code is emitted):
 *  - IR_BUFFER leaves are read from their buffer where they are used;
 *    IR_SCALAR and IR_CONSTANT are recomputed wherever used (a load or an
 *    immediate) unless a product needs them in memory;
 *  - an elementwise node with a single user that is itself elementwise, a
 *    store or a sum is "inline": it is computed in registers inside its
 *    user's loop, so a chain of such nodes becomes one fused loop;
 *  - every other live node is "materialised": computed at its own position
 *    into a TEMPORARY buffer, or straight into the destination of a store of
 *    it when nothing else reads or writes that destination in between (its
 *    other users then read it from there);
 *  - temporaries are recycled once their value's last reader has run, and
 *    the three kernels share one pool (a kernel never runs inside another);
 *  - nodes no store depends on are never computed.
 * Reads happen where a value is consumed, not where its leaf sits in the
 * node list, so a leaf of a buffer that is stored before the leaf's last
 * reader runs is first copied to a temporary (a "snapshot"): every kernel
 * then computes exactly the values the IR's value semantics define.
 *
 * Arithmetic is in the program's precision through one LLVM type; only the
 * `contract` fast-math flag is used (FMA), so results are deterministic from
 * run to run; sums keep a fixed order (a fixed number of interleaved partial
 * sums combined pairwise).
 */
#include "codegen.h"
#include "codegen_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <llvm-c/Analysis.h>
#include <llvm-c/Target.h>
#include <llvm-c/Transforms/PassBuilder.h>

/* ---- messages ---- */

static bool failf(char *error, size_t error_size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static bool failf(char *error, size_t error_size, const char *format, ...)
{
    if (error_size > 0) {
        va_list args;
        va_start(args, format);
        vsnprintf(error, error_size, format, args);
        va_end(args);
    }
    return false;
}

void codegen_error_message(LLVMErrorRef failure, const char *what, char *error, size_t error_size)
{
    char *message = LLVMGetErrorMessage(failure);
    failf(error, error_size, "%s: %s", what, message);
    LLVMDisposeErrorMessage(message);
}

const char *codegen_kernel_symbol(int k)
{
    static const char *const symbols[CODEGEN_KERNEL_COUNT] = { "sasc_train", "sasc_update", "sasc_predict" };
    return symbols[k];
}

static ir_function *kernel_function(ir_program *p, int k)
{
    ir_function *functions[CODEGEN_KERNEL_COUNT] = { &p->train, &p->update, &p->predict };
    return functions[k];
}

/* ---- IR facts ---- */

static long element_count(const ir_node *n)
{
    return (long)n->rows * n->cols;
}

static bool is_leaf(ir_opcode op)
{
    return op == IR_BUFFER || op == IR_SCALAR || op == IR_CONSTANT;
}

/* Ops computed element by element from the same element of their operands
 * (or element 0 of a [1,1] operand): these can be fused. */
static bool is_pointwise(ir_opcode op)
{
    return (op >= IR_ADD && op <= IR_SQRT_BACKWARD) || op == IR_BROADCAST;
}

/* Consumers that evaluate an operand once per element, in one pass. */
static bool fuses_operands(ir_opcode op)
{
    return is_pointwise(op) || op == IR_STORE || op == IR_SUM;
}

static int node_operands(const ir_node *n, int out[3])
{
    int count = 0;
    const int all[3] = { n->a, n->b, n->c };
    if (is_leaf(n->op))
        return 0;
    for (int k = 0; k < 3; k++)
        if (all[k] >= 0)
            out[count++] = all[k];
    return count;
}

/* ---- storage plan ---- */

typedef struct {
    bool live;          /* some store depends on the value */
    int users;          /* live nodes reading it (stores included) */
    int user;           /* a live user: the only one when users == 1 */
    bool needs_address; /* a product reads it: it must sit in memory */
    bool materialized;  /* computed at its own position into `storage` */
    int storage;        /* buffer holding the value (leaf buffer, temporary or
                           store destination); -1 when computed inline */
    int point;          /* index of the node whose code computes the value */
    bool elided;        /* IR_STORE whose value was written straight into the buffer */
} node_plan;

typedef struct {
    int buffer;
    long capacity;      /* elements */
    int busy_until;     /* last point reading the value it holds; -1 when free */
} temporary;

typedef struct {
    temporary *items;
    int count, capacity;
} temporary_pool;

static void plan_usage(const ir_function *f, node_plan *plan)
{
    for (int i = f->count - 1; i >= 0; i--) {
        const ir_node *n = &f->nodes[i];
        if (n->op == IR_STORE)
            plan[i].live = true;
        if (!plan[i].live)
            continue;
        int operands[3], count = node_operands(n, operands);
        for (int k = 0; k < count; k++) {
            node_plan *o = &plan[operands[k]];
            o->live = true;
            o->users++;
            o->user = i;
            o->needs_address |= n->op == IR_MATMUL;
        }
    }
}

static bool is_inline(const ir_function *f, const node_plan *plan, int i)
{
    const ir_node *n = &f->nodes[i];
    if (n->op == IR_SCALAR || n->op == IR_CONSTANT)
        return !plan[i].needs_address;
    return is_pointwise(n->op) && plan[i].users == 1 && fuses_operands(f->nodes[plan[i].user].op);
}

static void plan_placement(const ir_function *f, node_plan *plan)
{
    for (int i = 0; i < f->count; i++) {
        const ir_node *n = &f->nodes[i];
        plan[i].storage = n->op == IR_BUFFER ? n->buffer : -1;
        plan[i].materialized = plan[i].live && n->op != IR_STORE && n->op != IR_BUFFER &&
                               !is_inline(f, plan, i);
    }
    /* Users follow their operands, so walking backwards sees a user's point first. */
    for (int i = f->count - 1; i >= 0; i--) {
        bool own = f->nodes[i].op == IR_STORE || plan[i].materialized || plan[i].users != 1;
        plan[i].point = own ? i : plan[plan[i].user].point;
    }
}

/* The last point at which node i's value is read. */
static int last_read(const ir_function *f, const node_plan *plan, int i)
{
    int last = i;
    for (int u = i + 1; u < f->count; u++) {
        if (!plan[u].live)
            continue;
        int operands[3], count = node_operands(&f->nodes[u], operands);
        for (int k = 0; k < count; k++)
            if (operands[k] == i && plan[u].point > last)
                last = plan[u].point;
    }
    return last;
}

/* Whether leaf `l` (of the stored buffer) is read at `point` at an element
 * other than the one the store loop writes in the same iteration. */
static bool reads_across(const ir_program *p, const ir_node *leaf)
{
    const sasc_buffer_desc *d = &p->buffers[leaf->buffer].desc;
    return leaf->op == IR_SCALAR && (long)d->rows * d->cols > 1;
}

/* Copy leaves of buffers that a store overwrites before the leaf's readers run. */
static void plan_snapshots(const ir_program *p, const ir_function *f, node_plan *plan)
{
    for (int s = 0; s < f->count; s++) {
        if (f->nodes[s].op != IR_STORE)
            continue;
        for (int l = 0; l < s; l++) {
            const ir_node *leaf = &f->nodes[l];
            if (!plan[l].live || plan[l].materialized || leaf->op == IR_CONSTANT ||
                !is_leaf(leaf->op) || leaf->buffer != f->nodes[s].buffer)
                continue;
            int last = last_read(f, plan, l);
            bool same_point = false;
            for (int u = l + 1; u < f->count; u++) {
                int operands[3], count = plan[u].live ? node_operands(&f->nodes[u], operands) : 0;
                for (int k = 0; k < count; k++)
                    same_point |= operands[k] == l && plan[u].point == s;
            }
            if (last > s || (same_point && reads_across(p, leaf))) {
                plan[l].materialized = true;
                plan[l].storage = -1;
                plan[l].point = l;
            }
        }
    }
}

/* Whether buffer `b` can receive node v's value at v's point instead of at
 * store s: nothing reads or writes b between the two, except v's own
 * elementwise loop reading b at the element it writes. */
static bool can_write_early(const ir_function *f, const node_plan *plan, int v, int s, int b)
{
    for (int l = 0; l < s; l++) {
        const ir_node *n = &f->nodes[l];
        if (n->op == IR_STORE && l >= v && n->buffer == b)
            return false;
        if (!plan[l].live || (n->op != IR_BUFFER && n->op != IR_SCALAR) || n->buffer != b)
            continue;
        if (plan[l].materialized) {
            if (l >= v)
                return false;
            continue;
        }
        for (int u = l + 1; u < f->count; u++) {
            int operands[3], count = plan[u].live ? node_operands(&f->nodes[u], operands) : 0;
            for (int k = 0; k < count; k++) {
                int q = plan[u].point;
                if (operands[k] != l || q < v || q > s)
                    continue;
                bool same_element = q == v && is_pointwise(f->nodes[v].op) && n->op == IR_BUFFER;
                if (!same_element)
                    return false;
            }
        }
    }
    return true;
}

/* Whether some store other than s writes buffer b at a point in (from, to]. */
static bool stored_between(const ir_function *f, int s, int b, int from, int to)
{
    for (int i = from + 1; i <= to && i < f->count; i++)
        if (i != s && f->nodes[i].op == IR_STORE && f->nodes[i].buffer == b)
            return true;
    return false;
}

/* A materialised value that a store copies into buffer b lives in b from
 * the start: the copy disappears, and the value's other readers read b. */
static void plan_direct_stores(const ir_function *f, node_plan *plan)
{
    for (int s = 0; s < f->count; s++) {
        const ir_node *store = &f->nodes[s];
        if (store->op != IR_STORE)
            continue;
        int v = store->a;
        if (!plan[v].materialized || is_leaf(f->nodes[v].op) || plan[v].storage >= 0)
            continue;
        if (can_write_early(f, plan, v, s, store->buffer) &&
            !stored_between(f, s, store->buffer, s, last_read(f, plan, v))) {
            plan[v].storage = store->buffer;
            plan[s].elided = true;
        }
    }
}

static int find_buffer(const ir_program *p, const char *name)
{
    for (int i = 0; i < p->buffer_count; i++)
        if (strcmp(p->buffers[i].desc.name, name) == 0)
            return i;
    return -1;
}

/* A temporary of at least `size` elements, free at `point`, busy until `until`. */
static int take_temporary(ir_program *p, temporary_pool *pool, const ir_node *shape,
                          int point, int until)
{
    long size = element_count(shape);
    int best = -1;
    for (int t = 0; t < pool->count; t++) {
        temporary *x = &pool->items[t];
        if (x->busy_until < point && x->capacity >= size &&
            (best < 0 || x->capacity < pool->items[best].capacity))
            best = t;
    }
    if (best < 0) {
        if (pool->count == pool->capacity) {
            int capacity = pool->capacity ? 2 * pool->capacity : 16;
            temporary *items = realloc(pool->items, (size_t)capacity * sizeof *items);
            if (!items)
                return -1;
            pool->items = items;
            pool->capacity = capacity;
        }
        char name[48];
        snprintf(name, sizeof name, "codegen.tmp%d", pool->count);
        int buffer = find_buffer(p, name);
        if (buffer < 0)
            buffer = ir_add_buffer(p, name, SASC_BUFFER_TEMPORARY, -1, SASC_NOT_A_PARAMETER,
                                   shape->rows, shape->cols);
        sasc_buffer_desc *d = &p->buffers[buffer].desc;
        if ((long)d->rows * d->cols < size) {   /* only if `p` changed since an earlier plan */
            d->rows = shape->rows;
            d->cols = shape->cols;
        }
        pool->items[pool->count] = (temporary){ buffer, (long)d->rows * d->cols, -1 };
        best = pool->count++;
    }
    pool->items[best].busy_until = until;
    return pool->items[best].buffer;
}

static bool plan_temporaries(ir_program *p, const ir_function *f, node_plan *plan,
                             temporary_pool *pool)
{
    for (int t = 0; t < pool->count; t++)
        pool->items[t].busy_until = -1;
    for (int i = 0; i < f->count; i++) {
        if (!plan[i].materialized || plan[i].storage >= 0)
            continue;
        plan[i].storage = take_temporary(p, pool, &f->nodes[i], i, last_read(f, plan, i));
        if (plan[i].storage < 0)
            return false;
    }
    return true;
}

static node_plan *plan_function(ir_program *p, const ir_function *f, temporary_pool *pool)
{
    node_plan *plan = calloc(f->count > 0 ? (size_t)f->count : 1, sizeof *plan);
    if (!plan)
        return NULL;
    plan_usage(f, plan);
    plan_placement(f, plan);
    plan_snapshots(p, f, plan);
    plan_direct_stores(f, plan);
    if (!plan_temporaries(p, f, plan, pool)) {
        free(plan);
        return NULL;
    }
    return plan;
}

/* ---- emission helpers ---- */

enum { LOOP_MAX_CARRIES = 16 };

typedef struct {
    ir_program *p;
    const ir_function *f;
    const node_plan *plan;
    LLVMContextRef context;
    LLVMModuleRef module;
    LLVMBuilderRef b;
    LLVMTypeRef real, i32, i64, ptr;
    unsigned real_bytes;
    LLVMValueRef *base;        /* per buffer: its base pointer in the kernel body */
    LLVMValueRef gemm;
    LLVMTypeRef gemm_type;
} emitter;

/* A counted loop `for (index = 0; index < count; index++)`, count >= 1,
 * with values carried from one iteration to the next. */
typedef struct {
    long count;
    LLVMBasicBlockRef preheader, body;
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

static void loop_open(emitter *e, loop *l, long count, int carries, const LLVMValueRef *initial)
{
    l->count = count;
    l->carries = carries;
    l->preheader = LLVMGetInsertBlock(e->b);
    LLVMValueRef function = LLVMGetBasicBlockParent(l->preheader);
    l->body = LLVMAppendBasicBlockInContext(e->context, function, "loop");
    LLVMBuildBr(e->b, l->body);
    LLVMPositionBuilderAtEnd(e->b, l->body);
    l->index = LLVMBuildPhi(e->b, e->i64, "i");
    LLVMValueRef zero = index_constant(e, 0);
    LLVMAddIncoming(l->index, &zero, &l->preheader, 1);
    for (int k = 0; k < carries; k++) {
        l->phi[k] = LLVMBuildPhi(e->b, LLVMTypeOf(initial[k]), "carry");
        LLVMAddIncoming(l->phi[k], (LLVMValueRef *)&initial[k], &l->preheader, 1);
    }
}

/* Close the loop; l->next[k] holds each carry's value for the next iteration
 * and, after the loop, its final value. */
static void loop_close(emitter *e, loop *l)
{
    LLVMBasicBlockRef latch = LLVMGetInsertBlock(e->b);
    LLVMValueRef next = LLVMBuildAdd(e->b, l->index, index_constant(e, 1), "i.next");
    LLVMValueRef more = LLVMBuildICmp(e->b, LLVMIntULT, next, index_constant(e, l->count), "more");
    LLVMBasicBlockRef exit = LLVMAppendBasicBlockInContext(e->context, LLVMGetBasicBlockParent(latch), "done");
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

static LLVMValueRef element_address(emitter *e, int buffer, LLVMValueRef index)
{
    return LLVMBuildInBoundsGEP2(e->b, e->real, e->base[buffer], &index, 1, "");
}

static LLVMValueRef load_element(emitter *e, int buffer, LLVMValueRef index)
{
    LLVMValueRef v = LLVMBuildLoad2(e->b, e->real, element_address(e, buffer, index), "");
    LLVMSetAlignment(v, e->real_bytes);
    return v;
}

static void store_element(emitter *e, int buffer, LLVMValueRef index, LLVMValueRef value)
{
    LLVMValueRef v = LLVMBuildStore(e->b, value, element_address(e, buffer, index));
    LLVMSetAlignment(v, e->real_bytes);
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
    if (element_count(&e->f->nodes[n]) == 1)
        index = index_constant(e, 0);
    if (e->plan[n].storage >= 0)
        return load_element(e, e->plan[n].storage, index);
    return compute(e, n, index);
}

/* ---- materialised nodes ---- */

static void emit_pointwise(emitter *e, int n, int destination)
{
    loop l;
    loop_open(e, &l, element_count(&e->f->nodes[n]), 0, NULL);
    store_element(e, destination, l.index, compute(e, n, l.index));
    loop_close(e, &l);
}

/* Sum in a fixed order: `lanes` interleaved partial sums (one vector's
 * worth), then the remainder, then a pairwise combination of the lanes. */
static void emit_sum(emitter *e, int n)
{
    const ir_node *node = &e->f->nodes[n];
    long count = element_count(&e->f->nodes[node->a]);
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
        e->base[e->plan[node->a].storage], int_constant(e, a->cols),
        e->base[e->plan[node->b].storage], int_constant(e, b->cols),
        real_constant(e, 0.0),
        e->base[e->plan[n].storage], int_constant(e, node->cols),
    };
    LLVMBuildCall2(e->b, e->gemm_type, e->gemm, args, 13, "");
}

static void emit_store(emitter *e, int n)
{
    const ir_node *node = &e->f->nodes[n];
    loop l;
    loop_open(e, &l, element_count(&e->f->nodes[node->a]), 0, NULL);
    store_element(e, node->buffer, l.index, element(e, node->a, l.index));
    loop_close(e, &l);
}

static void emit_node(emitter *e, int n)
{
    const ir_node *node = &e->f->nodes[n];
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
 * noalias / align / dereferenceable; it is inlined into the kernel. */
static LLVMValueRef declare_body(emitter *e, const char *symbol, LLVMTargetMachineRef machine)
{
    int count = e->p->buffer_count;
    LLVMTypeRef *params = malloc((size_t)(count > 0 ? count : 1) * sizeof *params);
    if (!params)
        return NULL;
    for (int i = 0; i < count; i++)
        params[i] = e->ptr;
    LLVMTypeRef type = LLVMFunctionType(LLVMVoidTypeInContext(e->context), params, (unsigned)count, false);
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

/* void sasc_<name>(ptr buffers): load each base pointer, call the body. */
static void emit_entry(emitter *e, const char *symbol, LLVMValueRef body, LLVMTargetMachineRef machine)
{
    LLVMTypeRef type = LLVMFunctionType(LLVMVoidTypeInContext(e->context), &e->ptr, 1, false);
    LLVMValueRef kernel = LLVMAddFunction(e->module, symbol, type);
    add_attribute(e, kernel, LLVMAttributeFunctionIndex, "nounwind", 0);
    add_attribute(e, kernel, 1, "nonnull", 0);
    add_attribute(e, kernel, 1, "noalias", 0);
    add_target_attributes(kernel, machine);
    LLVMPositionBuilderAtEnd(e->b, LLVMAppendBasicBlockInContext(e->context, kernel, "entry"));
    int count = e->p->buffer_count;
    LLVMValueRef *args = malloc((size_t)(count > 0 ? count : 1) * sizeof *args);
    for (int i = 0; args && i < count; i++) {
        LLVMValueRef index = index_constant(e, i);
        LLVMValueRef slot = LLVMBuildInBoundsGEP2(e->b, e->ptr, LLVMGetParam(kernel, 0), &index, 1, "");
        args[i] = LLVMBuildLoad2(e->b, e->ptr, slot, e->p->buffers[i].desc.name);
        LLVMSetAlignment(args[i], sizeof(void *));
    }
    if (args)
        LLVMBuildCall2(e->b, LLVMGlobalGetValueType(body), body, args, (unsigned)count, "");
    LLVMBuildRetVoid(e->b);
    free(args);
}

static bool emit_kernel(emitter *e, const char *symbol, LLVMTargetMachineRef machine)
{
    LLVMValueRef body = declare_body(e, symbol, machine);
    if (!body)
        return false;
    for (int i = 0; i < e->p->buffer_count; i++) {
        e->base[i] = LLVMGetParam(body, (unsigned)i);
        LLVMSetValueName2(e->base[i], e->p->buffers[i].desc.name, strlen(e->p->buffers[i].desc.name));
    }
    LLVMPositionBuilderAtEnd(e->b, LLVMAppendBasicBlockInContext(e->context, body, "entry"));
    for (int n = 0; n < e->f->count; n++)
        emit_node(e, n);
    LLVMBuildRetVoid(e->b);
    emit_entry(e, symbol, body, machine);
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

static bool plan_program(ir_program *p, node_plan *plans[CODEGEN_KERNEL_COUNT])
{
    temporary_pool pool = { NULL, 0, 0 };
    bool ok = true;
    for (int k = 0; k < CODEGEN_KERNEL_COUNT; k++) {
        plans[k] = ok ? plan_function(p, kernel_function(p, k), &pool) : NULL;
        ok = ok && plans[k] != NULL;
    }
    free(pool.items);
    return ok;
}

static bool emit_program(ir_program *p, node_plan *plans[CODEGEN_KERNEL_COUNT],
                         LLVMModuleRef module, LLVMTargetMachineRef machine)
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
        e.f = kernel_function(p, k);
        e.plan = plans[k];
        ok = emit_kernel(&e, codegen_kernel_symbol(k), machine);
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

static bool optimize_module(LLVMModuleRef module, LLVMTargetMachineRef machine, char *error, size_t error_size)
{
    LLVMPassBuilderOptionsRef options = LLVMCreatePassBuilderOptions();
    LLVMPassBuilderOptionsSetLoopVectorization(options, 1);
    LLVMPassBuilderOptionsSetSLPVectorization(options, 1);
    LLVMPassBuilderOptionsSetLoopInterleaving(options, 1);
    /* The loops are memory-bound once vectorised (and interleaved); unrolling
     * them further more than doubled compile time for no measurable gain. */
    LLVMPassBuilderOptionsSetLoopUnrolling(options, 0);
    LLVMErrorRef failure = LLVMRunPasses(module, "default<O3>", machine, options);
    LLVMDisposePassBuilderOptions(options);
    if (failure) {
        codegen_error_message(failure, "internal error: the O3 pipeline failed", error, error_size);
        return false;
    }
    return true;
}

LLVMModuleRef codegen_build_module(ir_program *p, LLVMContextRef context,
                                   LLVMTargetMachineRef machine, bool optimize,
                                   char *error, size_t error_size)
{
    if (!ir_verify(p, error, error_size))
        return NULL;
    if (p->precision != SASC_F32 && p->precision != SASC_F64) {
        failf(error, error_size, "internal error: unknown precision %d", (int)p->precision);
        return NULL;
    }
    node_plan *plans[CODEGEN_KERNEL_COUNT] = { NULL, NULL, NULL };
    LLVMModuleRef module = NULL;
    if (!plan_program(p, plans)) {
        failf(error, error_size, "out of memory while planning storage");
    } else {
        char name[256];
        snprintf(name, sizeof name, "sasc.%s", p->model_name ? p->model_name : "model");
        module = LLVMModuleCreateWithNameInContext(name, context);
        set_target(module, machine);
        bool ok = emit_program(p, plans, module, machine);
        if (!ok)
            failf(error, error_size, "out of memory while generating code");
        ok = ok && verify_module(module, error, error_size);
        ok = ok && (!optimize || optimize_module(module, machine, error, error_size));
        if (!ok) {
            LLVMDisposeModule(module);
            module = NULL;
        }
    }
    for (int k = 0; k < CODEGEN_KERNEL_COUNT; k++)
        free(plans[k]);
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
