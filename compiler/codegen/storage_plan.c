/*
 * codegen_plan.c — where each IR value lives in the generated kernels.
 *
 * One plan per IR function, decided before any code is emitted:
 *  - IR_BUFFER leaves are read from their buffer where they are used;
 *    IR_SCALAR and IR_CONSTANT are recomputed wherever used (a load or an
 *    immediate) unless a product needs them in memory;
 *  - an elementwise node whose users all evaluate it element by element in
 *    one pass (elementwise ops, stores, sums) is "inline", computed in
 *    registers inside its users' loops, when it has a single user (so a
 *    chain of such nodes becomes one fused loop) or when it is one cheap
 *    operation on values already in memory (recomputed by each user rather
 *    than given a loop and a temporary of its own);
 *  - every other live node is "materialised": computed at its own position
 *    into a TEMPORARY buffer, or straight into the destination of a store of
 *    it when nothing else reads or writes that destination in between (its
 *    other users then read it from there);
 *  - temporaries are recycled once their value's last reader has run, and
 *    the three kernels share one pool (a kernel never runs inside another);
 *  - nodes no store depends on are never computed.
 *
 * Timing: code runs at "points", the indices of materialised nodes and
 * stores; an inline node's code runs at the points of its users. A leaf is
 * read at its users' points, not at its own position, so a leaf of a buffer
 * that a store overwrites before the leaf's last reader runs is first copied
 * to a temporary (a "snapshot"): every kernel then computes exactly the
 * values the IR's value semantics define (ir_interpret reads leaves in
 * order).
 *
 * Every step is linear in the number of nodes (plus, for each store whose
 * value could be written early, the accesses to that one buffer).
 */
#include "compiler/codegen/codegen_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

ir_function *codegen_kernel_function(ir_program *p, int k)
{
    ir_function *functions[CODEGEN_KERNEL_COUNT] = { &p->train, &p->update, &p->predict,
                                                      &p->predict_dynamic };
    return functions[k];
}

/* ---- IR facts ---- */

long codegen_element_count(const ir_node *n)
{
    return (long)n->rows * n->cols;
}

static bool is_leaf(ir_opcode op)
{
    return op == IR_BUFFER || op == IR_SCALAR || op == IR_CONSTANT || op == IR_SLICE;
}

static bool reads_buffer(ir_opcode op)
{
    return op == IR_BUFFER || op == IR_SCALAR || op == IR_SLICE;
}

static bool is_store(ir_opcode op)
{
    return op == IR_STORE || op == IR_STORE_SLICE;
}

/* Nodes that are emitted whether or not a store needs them. */
static bool is_effect(ir_opcode op)
{
    return is_store(op) || op == IR_LOOP_BEGIN || op == IR_LOOP_END;
}

bool codegen_is_pointwise(ir_opcode op)
{
    return (op >= IR_ADD && op <= IR_SQRT_BACKWARD) || op == IR_BROADCAST;
}

/* Consumers that evaluate an operand once per element, in one pass. */
static bool fuses_operands(ir_opcode op)
{
    return codegen_is_pointwise(op) || is_store(op) || op == IR_SUM;
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

/* ---- liveness, placement, timing ---- */

static void plan_usage(const ir_function *f, codegen_node_plan *plan)
{
    for (int i = f->count - 1; i >= 0; i--) {
        const ir_node *n = &f->nodes[i];
        if (is_effect(n->op))
            plan[i].live = true;
        if (!plan[i].live)
            continue;
        int operands[3], count = node_operands(n, operands);
        for (int k = 0; k < count; k++) {
            codegen_node_plan *o = &plan[operands[k]];
            o->live = true;
            o->users++;
            o->fusing_users += fuses_operands(n->op);
            o->user = i;
            o->needs_address |= n->op == IR_MATMUL;
        }
    }
}

/* One cheap operation whose operands are already in memory (or immediates):
 * recomputing it in each user costs less than a loop and a temporary. */
static bool is_cheap(const ir_function *f, const codegen_node_plan *plan, int i)
{
    switch (f->nodes[i].op) {
    case IR_ADD: case IR_SUB: case IR_MUL: case IR_AFFINE: case IR_SQUARE:
    case IR_RELU: case IR_STEP: case IR_CLAMP: case IR_BROADCAST:
        break;
    default:
        return false;
    }
    int operands[3], count = node_operands(&f->nodes[i], operands);
    for (int k = 0; k < count; k++) {
        const codegen_node_plan *o = &plan[operands[k]];
        if (!is_leaf(f->nodes[operands[k]].op) && !o->materialized)
            return false;
    }
    return true;
}

/* Decided in node order: is_cheap looks at the operands' placement. */
static bool is_inline(const ir_function *f, const codegen_node_plan *plan, int i)
{
    const ir_node *n = &f->nodes[i];
    if (n->op == IR_SCALAR || n->op == IR_CONSTANT)
        return !plan[i].needs_address;
    if (!codegen_is_pointwise(n->op) || plan[i].users == 0 || plan[i].fusing_users != plan[i].users)
        return false;
    return plan[i].users == 1 || is_cheap(f, plan, i);
}

/* Placement, then timing: walking backwards, every user of a node has
 * already contributed the points at which it runs. A node read inside a
 * loop it was defined before is read again at every step: its reading
 * point is the loop's end, so its storage outlives the loop. */
static void plan_placement(const ir_function *f, codegen_node_plan *plan, const int *loop_begin,
                           const int *loop_end)
{
    for (int i = 0; i < f->count; i++) {
        const ir_node *n = &f->nodes[i];
        plan[i].storage = n->op == IR_BUFFER ? n->buffer : -1;
        plan[i].materialized = plan[i].live && !is_effect(n->op) && n->op != IR_BUFFER &&
                               n->op != IR_SLICE && !is_inline(f, plan, i);
        plan[i].last_read = -1;
    }
    for (int i = f->count - 1; i >= 0; i--) {
        codegen_node_plan *x = &plan[i];
        bool own = is_effect(f->nodes[i].op) || x->materialized || x->users == 0;
        x->last_eval = own ? i : x->last_read;
        int operands[3], count = x->live ? node_operands(&f->nodes[i], operands) : 0;
        for (int k = 0; k < count; k++) {
            codegen_node_plan *o = &plan[operands[k]];
            int at = x->last_eval;
            if (at >= 0 && loop_begin[at] >= 0 && operands[k] < loop_begin[at])
                at = loop_end[at];
            if (at > o->last_read)
                o->last_read = at;
        }
    }
}

/* Chain the leaves and stores of each buffer in node order, and give each
 * leaf the first store to its buffer after it. */
static void plan_accesses(const ir_program *p, const ir_function *f, codegen_node_plan *plan,
                          int *first_access, int *next_store)
{
    for (int b = 0; b < p->buffer_count; b++)
        first_access[b] = next_store[b] = -1;
    for (int i = f->count - 1; i >= 0; i--) {
        const ir_node *n = &f->nodes[i];
        plan[i].next_access = -1;
        plan[i].next_store = -1;
        if (!is_store(n->op) && !reads_buffer(n->op))
            continue;
        plan[i].next_access = first_access[n->buffer];
        first_access[n->buffer] = i;
        plan[i].next_store = next_store[n->buffer];
        if (is_store(n->op))
            next_store[n->buffer] = i;
    }
}

/* ---- stores over buffers still read ---- */

/* Whether leaf reads element other than the one a loop writes at the same index. */
static bool reads_across(const ir_program *p, const ir_node *leaf)
{
    const sasc_buffer_desc *d = &p->buffers[leaf->buffer].desc;
    return leaf->op == IR_SCALAR && (long)d->rows * d->cols > 1;
}

/* Snapshot leaves whose buffer is stored to before (or, for an element read
 * across, while) their last reader runs. */
static void plan_snapshots(const ir_program *p, const ir_function *f, codegen_node_plan *plan)
{
    for (int l = 0; l < f->count; l++) {
        const ir_node *leaf = &f->nodes[l];
        int s = plan[l].next_store;
        if (!plan[l].live || plan[l].materialized || !reads_buffer(leaf->op) || s < 0)
            continue;
        if (s < plan[l].last_read || (s == plan[l].last_read && reads_across(p, leaf))) {
            plan[l].materialized = true;
            plan[l].storage = -1;
            plan[l].last_eval = l;
        }
    }
}

/* Whether buffer b can receive node v's value at point v instead of at
 * store s: between the two nothing reads b (except v's own elementwise loop
 * reading b at the element it writes) and no other store writes it. A leaf
 * read at all is read at its last point: one read after s was snapshotted
 * (s is a store to its buffer), so a last read in [v, s] decides. */
static bool can_write_early(const ir_function *f, const codegen_node_plan *plan,
                            const int *first_access, int v, int s)
{
    int b = f->nodes[s].buffer;
    for (int l = first_access[b]; l >= 0 && l < s; l = plan[l].next_access) {
        const ir_node *n = &f->nodes[l];
        if (is_store(n->op)) {
            if (l >= v)
                return false;
            continue;
        }
        if (!plan[l].live)
            continue;
        if (plan[l].materialized) {   /* a copy, taken at the leaf's own position */
            if (l >= v)
                return false;
            continue;
        }
        bool same_element = codegen_is_pointwise(f->nodes[v].op) && n->op == IR_BUFFER;
        bool clear = plan[l].last_read < v || (plan[l].last_read == v && same_element);
        if (!clear)
            return false;
    }
    return true;
}

/* Whether a store other than s writes buffer b at a point in (s, to]. */
static bool stored_later(const ir_function *f, const codegen_node_plan *plan, int s, int to)
{
    for (int i = plan[s].next_access; i >= 0 && i <= to; i = plan[i].next_access)
        if (is_store(f->nodes[i].op))
            return true;
    return false;
}

/* A materialised value that a store copies into buffer b lives in b from
 * the start: the copy disappears, and the value's other readers read b.
 * Only whole-buffer stores (a block store keeps its copy), and only within
 * one loop level (a value stored inside a loop is computed inside it). */
static void plan_direct_stores(const ir_function *f, codegen_node_plan *plan, const int *first_access,
                               const int *loop_begin)
{
    for (int s = 0; s < f->count; s++) {
        if (f->nodes[s].op != IR_STORE)
            continue;
        int v = f->nodes[s].a;
        if (loop_begin[v] != loop_begin[s])
            continue;
        if (!plan[v].materialized || is_leaf(f->nodes[v].op) || plan[v].storage >= 0)
            continue;
        if (can_write_early(f, plan, first_access, v, s) && !stored_later(f, plan, s, plan[v].last_read)) {
            plan[v].storage = f->nodes[s].buffer;
            plan[s].elided = true;
        }
    }
}

/* ---- temporaries ---- */

typedef struct {
    int buffer;
    long capacity;      /* elements */
    int busy_until;     /* last point reading the value it holds; -1 when free */
} temporary;

typedef struct {
    temporary *items;
    int count, capacity;
} temporary_pool;

static int find_buffer(const ir_program *p, const char *name)
{
    for (int i = 0; i < p->buffer_count; i++)
        if (strcmp(p->buffers[i].desc.name, name) == 0)
            return i;
    return -1;
}

/* Temporary number `number`: found by name when an earlier plan added it. */
static int temporary_buffer(ir_program *p, int number, const ir_node *shape)
{
    char name[48];
    snprintf(name, sizeof name, "codegen.tmp%d", number);
    int buffer = find_buffer(p, name);
    if (buffer < 0)
        return ir_add_buffer(p, name, SASC_BUFFER_TEMPORARY, -1, SASC_NOT_A_PARAMETER,
                             shape->rows, shape->cols);
    sasc_buffer_desc *d = &p->buffers[buffer].desc;
    if ((long)d->rows * d->cols < codegen_element_count(shape)) {   /* only if `p` changed */
        d->rows = shape->rows;
        d->cols = shape->cols;
    }
    return buffer;
}

/* The smallest free temporary of at least the node's size at `point`, or a
 * new one; busy until `until`. -1 when out of memory. */
static int take_temporary(ir_program *p, temporary_pool *pool, const ir_node *shape,
                          int point, int until)
{
    long size = codegen_element_count(shape);
    int best = -1;
    for (int t = 0; t < pool->count; t++) {
        const temporary *x = &pool->items[t];
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
        int buffer = temporary_buffer(p, pool->count, shape);
        const sasc_buffer_desc *d = &p->buffers[buffer].desc;
        pool->items[pool->count] = (temporary){ buffer, (long)d->rows * d->cols, -1 };
        best = pool->count++;
    }
    pool->items[best].busy_until = until;
    return pool->items[best].buffer;
}

static bool plan_temporaries(ir_program *p, const ir_function *f, codegen_node_plan *plan,
                             temporary_pool *pool)
{
    for (int t = 0; t < pool->count; t++)
        pool->items[t].busy_until = -1;
    for (int i = 0; i < f->count; i++) {
        if (!plan[i].materialized || plan[i].storage >= 0)
            continue;
        plan[i].storage = take_temporary(p, pool, &f->nodes[i], i, plan[i].last_read);
        if (plan[i].storage < 0)
            return false;
    }
    return true;
}

/* ---- the program ---- */

static codegen_node_plan *plan_function(ir_program *p, const ir_function *f, temporary_pool *pool)
{
    size_t buffers = p->buffer_count > 0 ? (size_t)p->buffer_count : 1;
    codegen_node_plan *plan = calloc(f->count > 0 ? (size_t)f->count : 1, sizeof *plan);
    size_t nodes = f->count > 0 ? (size_t)f->count : 1;
    int *first_access = malloc(buffers * sizeof *first_access);
    int *next_store = malloc(buffers * sizeof *next_store);
    int *loop_begin = malloc(nodes * sizeof *loop_begin), *loop_end = malloc(nodes * sizeof *loop_end);
    bool ok = plan && first_access && next_store && loop_begin && loop_end;
    if (ok) {
        ir_loop_bounds(f, loop_begin, loop_end);
        plan_usage(f, plan);
        plan_placement(f, plan, loop_begin, loop_end);
        plan_accesses(p, f, plan, first_access, next_store);
        plan_snapshots(p, f, plan);
        plan_direct_stores(f, plan, first_access, loop_begin);
        ok = plan_temporaries(p, f, plan, pool);
    }
    free(first_access);
    free(next_store);
    free(loop_begin);
    free(loop_end);
    if (!ok) {
        free(plan);
        return NULL;
    }
    return plan;
}

bool codegen_plan_program(ir_program *p, codegen_node_plan *plans[CODEGEN_KERNEL_COUNT])
{
    temporary_pool pool = { NULL, 0, 0 };
    bool ok = true;
    for (int k = 0; k < CODEGEN_KERNEL_COUNT; k++) {
        plans[k] = ok ? plan_function(p, codegen_kernel_function(p, k), &pool) : NULL;
        ok = ok && plans[k] != NULL;
    }
    free(pool.items);
    return ok;
}

/* ---- element-range parts (update_part) ---- */

/* Record that buffer b is accessed element by element over `count`
 * elements; false when another access used another count. */
static bool same_count(long *count, int b, long n)
{
    if (count[b] < 0)
        count[b] = n;
    return count[b] == n;
}

/* Every live node is a leaf, elementwise or a whole-buffer store, and each
 * buffer is written and read (element-indexed) with one element count. */
static bool accesses_agree(const ir_program *p, const ir_function *f, const codegen_node_plan *plan,
                           long *count, bool *written)
{
    for (int b = 0; b < p->buffer_count; b++) {
        count[b] = -1;
        written[b] = false;
    }
    for (int i = 0; i < f->count; i++) {
        const ir_node *n = &f->nodes[i];
        if (!plan[i].live)
            continue;
        long size = codegen_element_count(n);
        switch (n->op) {
        case IR_CONSTANT: case IR_SCALAR:
            break;
        case IR_BUFFER:
            if (!same_count(count, n->buffer, size))
                return false;
            break;
        case IR_STORE:
            written[n->buffer] = true;
            if (!same_count(count, n->buffer, codegen_element_count(&f->nodes[n->a])))
                return false;
            break;
        default:
            if (!codegen_is_pointwise(n->op))
                return false;
            break;
        }
        bool writes = plan[i].materialized && plan[i].storage >= 0;
        if (writes) {
            written[plan[i].storage] = true;
            if (!same_count(count, plan[i].storage, size))
                return false;
        }
    }
    return true;
}

bool codegen_is_partitionable(const ir_program *p, const ir_function *f, const codegen_node_plan *plan)
{
    size_t buffers = p->buffer_count > 0 ? (size_t)p->buffer_count : 1;
    long *count = malloc(buffers * sizeof *count);
    bool *written = malloc(buffers * sizeof *written);
    bool *uniform = calloc(f->count > 0 ? (size_t)f->count : 1, sizeof *uniform);
    bool ok = count && written && uniform && accesses_agree(p, f, plan, count, written);
    /* uniform: the same value for every element, computed in registers from
     * constants and buffers no part writes. */
    for (int i = 0; ok && i < f->count; i++) {
        const ir_node *n = &f->nodes[i];
        if (!plan[i].live)
            continue;
        if (n->op == IR_CONSTANT)
            uniform[i] = true;
        else if (n->op == IR_SCALAR || n->op == IR_BUFFER)
            uniform[i] = !plan[i].materialized && !written[n->buffer];
        if (!codegen_is_pointwise(n->op))
            continue;   /* a leaf, or a store (of a value with its buffer's count) */
        int operands[3], operand_count = node_operands(n, operands);
        bool all_uniform = !plan[i].materialized;
        for (int k = 0; k < operand_count; k++) {
            const ir_node *o = &f->nodes[operands[k]];
            all_uniform = all_uniform && uniform[operands[k]];
            bool broadcast = codegen_element_count(o) != codegen_element_count(n);
            /* a [1,1] operand of a larger loop is read at element 0 by every part */
            if (broadcast && (codegen_element_count(o) != 1 || !uniform[operands[k]]))
                ok = false;
        }
        uniform[i] = all_uniform;
    }
    free(count);
    free(written);
    free(uniform);
    return ok;
}
