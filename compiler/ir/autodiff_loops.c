/*
 * autodiff_loops.c — reverse-mode differentiation of a function with time
 * loops (ir_differentiate_program, autodiff.h), with the rules of
 * autodiff.c. Nothing here knows what a loop's body computes: BPTT for a
 * recurrent layer, a stack of them, or layers applied at every step all
 * follow from the same few rules about memory.
 *
 * The forward part (nodes 0 .. loss) is straight code and loops. Values
 * cross a loop's boundary, and a step's boundary, only through buffers
 * (ir.h): a store writes a block, a later read reads it. So:
 *  - activity (which nodes get adjoints) flows through buffers as well as
 *    operands: a read depends on the parameters when an earlier store to
 *    its buffer (or, in a loop, any store of the body) does; a store is
 *    useful when a later read of its buffer is;
 *  - a buffer written by an active store and read by an active read gets
 *    an adjoint buffer: each read adds its adjoint into the block it read,
 *    each store takes its value's adjoint from the block it wrote. Blocks
 *    are written once and read after, so when the sweep (running backwards)
 *    reaches a store, every read of its block has contributed. A carried
 *    state's adjoint is one block (ir_add_carried_state): the reverse step
 *    t takes the adjoint of h(t + 1) from it and leaves that of h(t);
 *  - a loop [B, E] becomes a reversed loop over the same steps. Its body is
 *    the forward body rebuilt (leaves re-read: the kept states, the same
 *    noise blocks), seeded at its stores from the adjoint buffers, and
 *    swept with the rules; the reads' adjoints go back to memory, and the
 *    adjoints of loop invariants (nodes before B read in the body) are
 *    summed over the steps in accumulator buffers, from which the sweep
 *    continues before the loop;
 *  - afterwards, a rebuilt value the adjoint reads that would cost a
 *    product to recompute is kept instead (autodiff.h).
 */
#include "compiler/ir/autodiff.h"
#include "compiler/ir/autodiff_rules.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void internal_error(const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    fprintf(stderr, "sasc: internal error: autodiff: ");
    vfprintf(stderr, format, arguments);
    fprintf(stderr, "\n");
    va_end(arguments);
    exit(2);
}

static void *allocate(size_t count, size_t size)
{
    void *p = calloc(count > 0 ? count : 1, size);
    if (!p)
        internal_error("out of memory");
    return p;
}

static bool is_read(ir_opcode op)
{
    return op == IR_BUFFER || op == IR_SCALAR || op == IR_SLICE;
}

static bool is_store(ir_opcode op)
{
    return op == IR_STORE || op == IR_STORE_SLICE;
}

static int operand(const ir_node *n, int k)
{
    return k == 0 ? n->a : k == 1 ? n->b : n->c;
}

/* An adjoint buffer of a forward buffer. */
typedef struct {
    int buffer;       /* -1 until needed */
    bool rolling;     /* the one block of a carried state */
    bool started;     /* holds a value (a first contribution, or zeros) */
} memory_adjoint;

/* A reversed loop, for the keeping pass. */
typedef struct {
    int begin, end, steps;    /* the forward loop */
    int first, last;          /* its body rebuilt in the reverse loop */
    int *origin;              /* per rebuilt node (from first): the forward node it copies */
} reversed_loop;

typedef struct {
    ir_program *p;
    ir_function *f;
    int loss, count;                   /* the forward part: nodes 0 .. loss */
    int *begin, *end;                  /* per forward node: its loop's markers, or -1 */
    bool *depends, *useful, *active;   /* per forward node */
    bool *written;                     /* per buffer: an active store writes it */
    int *adjoint;                      /* per forward node: d loss / d node, or -1 */
    memory_adjoint *memory;            /* per buffer of the forward part */
    int buffer_count;
    reversed_loop *loops;
    int loop_count;
    int temporaries;                   /* numbering of the buffers added here */
} reverse;

/* ---- activity ---- */

static bool depends_pass(reverse *r, int from, int to, bool *buffer_depends)
{
    bool changed = false;
    for (int i = from; i <= to; i++) {
        const ir_node *n = &r->f->nodes[i];
        bool d = r->depends[i];
        if (is_read(n->op)) {
            d = d || buffer_depends[n->buffer];
        } else if (is_store(n->op)) {
            d = r->depends[n->a];
            if (d && !buffer_depends[n->buffer]) {
                buffer_depends[n->buffer] = true;
                changed = true;
            }
        } else {
            for (int k = 0; k < 3; k++)
                d = d || (operand(n, k) >= 0 && r->depends[operand(n, k)]);
        }
        if (d && !r->depends[i]) {
            r->depends[i] = changed = true;
        }
    }
    return changed;
}

static bool useful_pass(reverse *r, int from, int to, bool *buffer_useful)
{
    bool changed = false;
    for (int i = from; i >= to; i--) {
        const ir_node *n = &r->f->nodes[i];
        if (is_store(n->op)) {
            if (buffer_useful[n->buffer] && !r->useful[i])
                r->useful[i] = changed = true;
            if (r->useful[i] && !r->useful[n->a])
                r->useful[n->a] = changed = true;
        } else if (r->useful[i] && is_read(n->op)) {
            if (!buffer_useful[n->buffer])
                buffer_useful[n->buffer] = changed = true;
        } else if (r->useful[i]) {
            for (int k = 0; k < 3; k++) {
                int o = operand(n, k);
                if (o >= 0 && !r->useful[o])
                    r->useful[o] = changed = true;
            }
        }
    }
    return changed;
}

/* active = depends on a wrt leaf and the loss depends on it; in a loop,
 * the body is swept until nothing changes (a store at its end reaches the
 * reads at its start one step later). */
static void mark_active(reverse *r, const int *wrt, int count)
{
    bool *flags = allocate((size_t)r->buffer_count, sizeof *flags);
    for (int k = 0; k < count; k++)
        if (wrt[k] >= 0 && wrt[k] <= r->loss)
            r->depends[wrt[k]] = true;
    for (int i = 0; i <= r->loss; i++) {
        if (r->f->nodes[i].op == IR_LOOP_BEGIN) {
            while (depends_pass(r, i, r->end[i], flags))
                ;
            i = r->end[i];
        } else {
            depends_pass(r, i, i, flags);
        }
    }
    memset(flags, 0, (size_t)r->buffer_count * sizeof *flags);
    r->useful[r->loss] = true;
    for (int i = r->loss; i >= 0; i--) {
        if (r->f->nodes[i].op == IR_LOOP_END) {
            while (useful_pass(r, i, r->begin[i], flags))
                ;
            i = r->begin[i];
        } else {
            useful_pass(r, i, i, flags);
        }
    }
    free(flags);
    for (int i = 0; i <= r->loss; i++) {
        const ir_node *n = &r->f->nodes[i];
        r->active[i] = r->depends[i] && r->useful[i];
        if (r->active[i] && is_store(n->op))
            r->written[n->buffer] = true;
    }
}

/* ---- memory ---- */

static int add_temporary(reverse *r, const char *what, int rows, int cols)
{
    char name[160];
    snprintf(name, sizeof name, "%s.%s%d", r->f->name, what, r->temporaries++);
    return ir_add_buffer(r->p, name, SASC_BUFFER_TEMPORARY, -1, SASC_NOT_A_PARAMETER, rows, cols);
}

static memory_adjoint *memory_of(reverse *r, int b)
{
    memory_adjoint *m = &r->memory[b];
    if (m->buffer >= 0)
        return m;
    int carried = r->p->buffers[b].carried_adjoint;
    if (carried >= 0) {
        m->buffer = carried;
        m->rolling = true;
        return m;
    }
    char name[512];
    snprintf(name, sizeof name, "%s.adjoint", r->p->buffers[b].name);
    sasc_buffer_desc d = r->p->buffers[b].desc;   /* a copy: adding moves the table */
    m->buffer = ir_add_buffer(r->p, name, SASC_BUFFER_TEMPORARY, -1, SASC_NOT_A_PARAMETER, d.rows, d.cols);
    return m;
}

static void store_zero(reverse *r, memory_adjoint *m)
{
    const sasc_buffer_desc *d = &r->p->buffers[m->buffer].desc;
    ir_store(r->f, r->p, m->buffer, ir_constant(r->f, d->rows, d->cols, 0.0));
    m->started = true;
}

/* The final block of a carried state: the one its loop stores at its last step. */
static int carried_final_block(const reverse *r, int b)
{
    for (int i = 0; i <= r->loss; i++) {
        const ir_node *n = &r->f->nodes[i];
        if (n->op == IR_STORE_SLICE && n->buffer == b && r->begin[i] >= 0)
            return n->index + r->f->nodes[r->begin[i]].steps - 1;
    }
    return -1;
}

/* A read (outside a reverse loop's own carried reads) adds `c`, its
 * adjoint, to the block of the adjoint buffer it read. */
static void contribute(reverse *r, const ir_node *read, int c)
{
    ir_function *f = r->f;
    ir_program *p = r->p;
    memory_adjoint *m = memory_of(r, read->buffer);
    if (read->op == IR_SCALAR)
        internal_error("an element read of '%s', written in '%s', cannot be differentiated",
                       p->buffers[read->buffer].name, f->name);
    if (m->rolling && (read->op != IR_SLICE || read->index != carried_final_block(r, read->buffer)))
        internal_error("the carried state '%s' is read after its loop other than at its last block",
                       p->buffers[read->buffer].name);
    if (m->rolling || read->op == IR_BUFFER) {
        int total = m->started ? ir_binary(f, IR_ADD, ir_buffer_node(f, p, m->buffer), c) : c;
        ir_store(f, p, m->buffer, total);
        m->started = true;
        return;
    }
    if (!m->started)
        store_zero(r, m);
    int old = ir_slice(f, p, m->buffer, read->rows, read->index);
    ir_store_slice(f, p, m->buffer, read->index, ir_binary(f, IR_ADD, old, c));
}

/* A store of `value` (a node of the sweep s) takes its adjoint from the
 * block it wrote; nothing when no read of it contributed. */
static void seed(reverse *r, ad_sweep *s, const ir_node *store, int value)
{
    memory_adjoint *m = &r->memory[store->buffer];
    if (m->buffer < 0 || !m->started)
        return;
    int g = m->rolling || store->op == IR_STORE ? ir_buffer_node(r->f, r->p, m->buffer)
        : ir_slice(r->f, r->p, m->buffer, r->f->nodes[value].rows, store->index);
    ad_accumulate(s, value, g);
}

/* ---- straight code ---- */

static void reverse_node(reverse *r, int i)
{
    if (!r->active[i])
        return;
    const ir_node n = r->f->nodes[i];   /* a copy: rules append nodes */
    ad_sweep s = { r->f, r->active, r->adjoint };
    if (is_store(n.op))
        seed(r, &s, &n, n.a);
    else if (is_read(n.op) && r->written[n.buffer] && r->adjoint[i] >= 0)
        contribute(r, &n, r->adjoint[i]);
    else if (r->adjoint[i] >= 0)
        ad_node_rule(&s, i);
}

/* ---- loops ---- */

/* The active loop invariants of body (B, E): active nodes before B that an
 * active node of the body reads. */
static int find_invariants(const reverse *r, int B, int E, int *invariant)
{
    int count = 0;
    bool *seen = allocate((size_t)B + 1, sizeof *seen);
    for (int n = B + 1; n < E; n++) {
        if (!r->active[n] || is_store(r->f->nodes[n].op))
            continue;
        for (int k = 0; k < 3; k++) {
            int o = operand(&r->f->nodes[n], k);
            if (o >= 0 && o < B && r->active[o] && !seen[o]) {
                seen[o] = true;
                invariant[count++] = o;
            }
        }
    }
    free(seen);
    return count;
}

/* Before the reverse loop: every adjoint buffer the body reads or adds to
 * must hold a value (zeros when nothing after the loop contributed). */
static void start_memory(reverse *r, int B, int E)
{
    for (int n = B + 1; n < E; n++) {
        const ir_node *node = &r->f->nodes[n];
        if (!r->active[n] || !(is_store(node->op) || (is_read(node->op) && r->written[node->buffer])))
            continue;
        if (node->op == IR_STORE)
            internal_error("'%s' stores the whole of '%s' inside a loop (an accumulator); only blocks can be "
                           "differentiated", r->f->name, r->p->buffers[node->buffer].name);
        memory_adjoint *m = memory_of(r, node->buffer);
        if (!m->started && (m->rolling || is_read(node->op)))
            store_zero(r, m);
    }
}

/* Copy the forward body into the reverse loop; map[n] is the copy of n. */
static void rebuild_body(reverse *r, int B, int E, int *map)
{
    ir_function *f = r->f;
    for (int n = B + 1; n < E; n++) {
        ir_node node = f->nodes[n];
        if (is_store(node.op)) {
            map[n] = -1;
            continue;
        }
        int *operands[3] = { &node.a, &node.b, &node.c };
        for (int k = 0; k < 3; k++)
            if (*operands[k] > B)
                *operands[k] = map[*operands[k]];
        map[n] = ir_append_node(f, node);
    }
}

/* After the step's sweep: the adjoints of its reads go to memory. A
 * carried state's one block becomes the adjoint of the block the step
 * read (the sum of its reads' adjoints, or 0). */
static void return_to_memory(reverse *r, int B, int E, const int *map, const int *local)
{
    ir_function *f = r->f;
    for (int b = 0; b < r->buffer_count; b++) {
        memory_adjoint *m = &r->memory[b];
        if (!m->rolling || !r->written[b])
            continue;
        int total = -1, store_index = -1;
        bool read = false;
        for (int n = B + 1; n < E; n++) {
            const ir_node *node = &f->nodes[n];
            if (node->buffer != b || !r->active[n])
                continue;
            if (node->op == IR_STORE_SLICE)
                store_index = node->index;
            read |= is_read(node->op);
            if (node->op == IR_SLICE && local[map[n]] >= 0)
                total = total < 0 ? local[map[n]] : ir_binary(f, IR_ADD, total, local[map[n]]);
        }
        if (store_index < 0 && read)
            internal_error("the carried state '%s' is read in a loop that does not carry it",
                           r->p->buffers[b].name);
        if (store_index < 0)
            continue;   /* not this loop's state */
        for (int n = B + 1; n < E; n++)
            if (f->nodes[n].op == IR_SLICE && f->nodes[n].buffer == b && f->nodes[n].index != store_index - 1)
                internal_error("the carried state '%s' is read at block %d + t, not at the block before the "
                               "one stored (%d + t)", r->p->buffers[b].name, f->nodes[n].index, store_index);
        const sasc_buffer_desc *d = &r->p->buffers[m->buffer].desc;
        ir_store(f, r->p, m->buffer, total >= 0 ? total : ir_constant(f, d->rows, d->cols, 0.0));
    }
    for (int n = B + 1; n < E; n++) {
        const ir_node *node = &f->nodes[n];
        if (!is_read(node->op) || !r->active[n] || !r->written[node->buffer] || r->memory[node->buffer].rolling)
            continue;
        if (local[map[n]] >= 0) {
            ir_node read = f->nodes[map[n]];
            contribute(r, &read, local[map[n]]);
        }
    }
}

static void reverse_loop(reverse *r, int B, int E)
{
    ir_function *f = r->f;
    ir_program *p = r->p;
    const ir_node loop = f->nodes[B];
    int *invariant = allocate((size_t)B + 1, sizeof *invariant);
    int invariants = find_invariants(r, B, E, invariant);
    int *accumulator = allocate((size_t)invariants, sizeof *accumulator);
    for (int k = 0; k < invariants; k++) {
        const ir_node *v = &f->nodes[invariant[k]];
        accumulator[k] = add_temporary(r, "acc", v->rows, v->cols);
        ir_store(f, p, accumulator[k], ir_constant(f, v->rows, v->cols, 0.0));
    }
    start_memory(r, B, E);
    ir_loop_begin(f, loop.steps, !loop.reverse);
    int *map = allocate((size_t)E + 1, sizeof *map);
    int first = f->count;
    rebuild_body(r, B, E, map);
    int last = f->count - 1;

    int size = f->count;
    bool *active = allocate((size_t)size, sizeof *active);
    int *local = allocate((size_t)size, sizeof *local);
    for (int i = 0; i < size; i++)
        local[i] = -1;
    memcpy(active, r->active, (size_t)B * sizeof *active);
    for (int n = B + 1; n < E; n++)
        if (map[n] >= 0)
            active[map[n]] = r->active[n];
    ad_sweep s = { f, active, local };
    for (int n = B + 1; n < E; n++)
        if (r->active[n] && is_store(f->nodes[n].op)) {
            ir_node store = f->nodes[n];
            seed(r, &s, &store, map[store.a]);
        }
    for (int i = last; i >= first; i--) {
        if (!active[i] || local[i] < 0)
            continue;
        const ir_node *node = &f->nodes[i];
        if (!(is_read(node->op) && r->written[node->buffer]))
            ad_node_rule(&s, i);
    }
    return_to_memory(r, B, E, map, local);
    for (int k = 0; k < invariants; k++)
        if (local[invariant[k]] >= 0)
            ir_store(f, p, accumulator[k],
                     ir_binary(f, IR_ADD, ir_buffer_node(f, p, accumulator[k]), local[invariant[k]]));
    ir_loop_end(f);

    ad_sweep global = { f, r->active, r->adjoint };
    for (int k = 0; k < invariants; k++)
        ad_accumulate(&global, invariant[k], ir_buffer_node(f, p, accumulator[k]));

    reversed_loop *l = &r->loops[r->loop_count++];
    *l = (reversed_loop){ B, E, loop.steps, first, last, allocate((size_t)(last - first + 1), sizeof(int)) };
    for (int n = B + 1; n < E; n++)
        if (map[n] >= 0)
            l->origin[map[n] - first] = n;
    free(invariant);
    free(accumulator);
    free(map);
    free(active);
    free(local);
}

/* ---- keeping what a product would recompute ---- */

static bool is_costly_op(ir_opcode op)
{
    return op == IR_MATMUL || op == IR_SUM || op == IR_SOFTMAX || op == IR_CROSS_ENTROPY ||
           op == IR_CROSS_ENTROPY_BACKWARD || op == IR_TRANSPOSE;
}

/* Per node of body (B, E): the body's store of its value (a block the
 * reverse step can read back), or -1. */
static int *body_stores(const ir_function *f, int B, int E)
{
    int *stored = allocate((size_t)E + 1, sizeof *stored);
    for (int n = 0; n <= E; n++)
        stored[n] = -1;
    for (int n = B + 1; n < E; n++)
        if (f->nodes[n].op == IR_STORE_SLICE && f->nodes[n].a > B)
            stored[f->nodes[n].a] = n;
    return stored;
}

/* Make rebuilt node R a read of block `index` (+ t) of `buffer`. */
static void read_back(ir_function *f, int R, int buffer, int index)
{
    ir_node slice = ir_blank_node(IR_SLICE, f->nodes[R].rows, f->nodes[R].cols);
    slice.buffer = buffer;
    slice.index = index;
    slice.comment = "kept by the forward loop";
    f->nodes[R] = slice;
}

/* In loop l, what the reverse step evaluates of its rebuilt body: the
 * values the adjoint reads and, for those recomputed, their operands. A
 * value the forward body stores is read back from its block; one whose
 * recomputation costs a product of the step (through operands that are not
 * read back) gets a kept sequence, stored by the forward loop (the stores
 * returned in *stores, to insert before its end); the rest is recomputed. */
static int keep_costly(reverse *r, const reversed_loop *l, ir_node *stores)
{
    ir_function *f = r->f;
    int B = l->begin, E = l->end, count = 0, span = l->last - l->first + 1;
    int *stored = body_stores(f, B, E);
    bool *costly = allocate((size_t)E + 1, sizeof *costly);
    for (int n = B + 1; n < E; n++) {
        const ir_node *node = &f->nodes[n];
        costly[n] = is_costly_op(node->op);
        for (int k = 0; k < 3 && !is_read(node->op); k++) {
            int o = operand(node, k);
            costly[n] = costly[n] || (o > B && stored[o] < 0 && costly[o]);
        }
    }
    bool *live = allocate((size_t)span, sizeof *live);
    int *work = allocate((size_t)span, sizeof *work), pending = 0;
    for (int i = l->last + 1; i < f->count; i++)
        for (int k = 0; k < 3; k++) {
            int o = operand(&f->nodes[i], k);
            if (o >= l->first && o <= l->last && !live[o - l->first]) {
                live[o - l->first] = true;
                work[pending++] = o;
            }
        }
    while (pending > 0) {
        int R = work[--pending], origin = l->origin[R - l->first];
        const ir_node *v = &f->nodes[origin];
        if (is_read(v->op))
            continue;
        if (stored[origin] >= 0) {
            read_back(f, R, f->nodes[stored[origin]].buffer, f->nodes[stored[origin]].index);
        } else if (costly[origin]) {
            int kept = add_temporary(r, "kept", l->steps * v->rows, v->cols);
            ir_node store = ir_blank_node(IR_STORE_SLICE, 0, 0);
            store.a = origin;
            store.buffer = kept;
            store.index = 0;
            store.steps = v->rows;
            stores[count++] = store;
            read_back(f, R, kept, 0);
        } else {
            for (int k = 0; k < 3; k++) {
                int o = operand(&f->nodes[R], k);
                if (o >= l->first && o <= l->last && !live[o - l->first]) {
                    live[o - l->first] = true;
                    work[pending++] = o;
                }
            }
        }
    }
    free(stored);
    free(costly);
    free(live);
    free(work);
    return count;
}

/* Every loop's kept values first (they change nodes, never move them), then
 * the stores, the last forward loop's first so that earlier positions stay. */
static void keep_and_insert(reverse *r, int *gradients, int gradient_count)
{
    ir_node **stores = allocate((size_t)r->loop_count, sizeof *stores);
    int *counts = allocate((size_t)r->loop_count, sizeof *counts);
    for (int k = 0; k < r->loop_count; k++) {
        const reversed_loop *l = &r->loops[k];
        stores[k] = allocate((size_t)(l->last - l->first + 1), sizeof **stores);
        counts[k] = keep_costly(r, l, stores[k]);
    }
    for (int k = 0; k < r->loop_count; k++) {   /* loops were reversed last first: k = 0 ends last */
        const reversed_loop *l = &r->loops[k];
        if (counts[k] > 0) {
            ir_insert_nodes(r->f, l->end, stores[k], counts[k]);
            for (int g = 0; g < gradient_count; g++)
                gradients[g] = ir_moved_index(gradients[g], l->end, counts[k]);
        }
        free(stores[k]);
    }
    free(stores);
    free(counts);
}

/* ---- the whole ---- */

static bool has_loop(const ir_function *f, int loss)
{
    for (int i = 0; i <= loss; i++)
        if (f->nodes[i].op == IR_LOOP_BEGIN)
            return true;
    return false;
}

void ir_differentiate_program(ir_program *p, ir_function *f, int loss, const int *wrt, int count, int *gradients)
{
    if (loss < 0 || loss >= f->count || !has_loop(f, loss)) {
        ir_differentiate(f, loss, wrt, count, gradients);
        return;
    }
    reverse r = { .p = p, .f = f, .loss = loss, .count = loss + 1, .buffer_count = p->buffer_count };
    size_t n = (size_t)r.count;
    r.begin = allocate(n, sizeof *r.begin);
    r.end = allocate(n, sizeof *r.end);
    int *all_begin = allocate((size_t)f->count, sizeof *all_begin), *all_end = allocate((size_t)f->count, sizeof *all_end);
    ir_loop_bounds(f, all_begin, all_end);
    memcpy(r.begin, all_begin, n * sizeof *r.begin);
    memcpy(r.end, all_end, n * sizeof *r.end);
    free(all_begin);
    free(all_end);
    r.depends = allocate(n, sizeof *r.depends);
    r.useful = allocate(n, sizeof *r.useful);
    r.active = allocate(n, sizeof *r.active);
    r.written = allocate((size_t)r.buffer_count, sizeof *r.written);
    r.adjoint = allocate(n, sizeof *r.adjoint);
    r.memory = allocate((size_t)r.buffer_count, sizeof *r.memory);
    r.loops = allocate(n, sizeof *r.loops);
    for (int i = 0; i < r.count; i++)
        r.adjoint[i] = -1;
    for (int b = 0; b < r.buffer_count; b++)
        r.memory[b].buffer = -1;
    for (int k = 0; k < count; k++)
        if (wrt[k] < 0 || wrt[k] >= f->count || (wrt[k] <= loss && r.begin[wrt[k]] >= 0))
            internal_error("a parameter leaf of '%s' is inside a loop or not a node", f->name);
    mark_active(&r, wrt, count);
    if (r.active[loss])
        r.adjoint[loss] = ir_constant(f, 1, 1, 1.0);
    for (int i = loss; i >= 0; i--) {
        if (r.end[i] >= 0) {   /* the end of a loop, reached from after it */
            reverse_loop(&r, r.begin[i], r.end[i]);
            i = r.begin[i];
            continue;
        }
        reverse_node(&r, i);
    }
    for (int k = 0; k < count; k++) {
        int w = wrt[k];
        gradients[k] = w <= loss && r.adjoint[w] >= 0 ? r.adjoint[w]
                                                     : ir_constant(f, f->nodes[w].rows, f->nodes[w].cols, 0.0);
    }
    keep_and_insert(&r, gradients, count);
    for (int k = 0; k < r.loop_count; k++)
        free(r.loops[k].origin);
    free(r.loops);
    free(r.begin);
    free(r.end);
    free(r.depends);
    free(r.useful);
    free(r.active);
    free(r.written);
    free(r.adjoint);
    free(r.memory);
}
