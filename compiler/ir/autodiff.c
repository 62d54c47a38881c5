/*
 * autodiff.c — reverse-mode differentiation over an IR function.
 *
 * The sweep visits the nodes before `loss` in reverse order. A node is
 * "active" when it depends on one of the wrt leaves AND the loss depends on
 * it; only active nodes receive adjoints, so the reverse sweep contains no
 * work whose result would be discarded. Each rule adds one contribution per
 * active operand; several contributions to one node are summed with IR_ADD.
 *
 * Nodes are appended while rules run, so `f->nodes` may move: rules copy the
 * node they differentiate and never keep pointers into the array.
 *
 * This file holds the rules (one per opcode, autodiff_rules.h) and the
 * sweep over a function without loops; autodiff_loops.c applies the same
 * rules through time loops.
 */
#include "compiler/ir/autodiff.h"
#include "compiler/ir/autodiff_rules.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>


static bool is_scalar_node(const ir_function *f, int node)
{
    return f->nodes[node].rows == 1 && f->nodes[node].cols == 1;
}

/* Add `contribution` to the adjoint of `target`. A scalar operand of a
 * broadcasting binary gets the sum of its full-shaped contribution. */
void ad_accumulate(ad_sweep *s, int target, int contribution)
{
    if (!s->active[target])
        return;
    if (is_scalar_node(s->f, target) && !is_scalar_node(s->f, contribution))
        contribution = ir_unary(s->f, IR_SUM, contribution);
    if (s->adjoint[target] < 0)
        s->adjoint[target] = contribution;
    else
        s->adjoint[target] = ir_binary(s->f, IR_ADD, s->adjoint[target], contribution);
}

static int negate(ir_function *f, int x)
{
    return ir_affine(f, x, -1.0, 0.0);
}

static void matmul_rule(ad_sweep *s, const ir_node *n, int g)
{
    /* y = alpha op(A) op(B): dA = alpha g op(B)^T, dB = alpha op(A)^T g,
     * transposed back when A or B enter transposed. */
    if (s->active[n->a]) {
        int da = n->transpose_a ? ir_matmul(s->f, n->b, g, n->transpose_b, true, n->alpha)
                                : ir_matmul(s->f, g, n->b, false, !n->transpose_b, n->alpha);
        ad_accumulate(s, n->a, da);
    }
    if (s->active[n->b]) {
        int db = n->transpose_b ? ir_matmul(s->f, g, n->a, true, n->transpose_a, n->alpha)
                                : ir_matmul(s->f, n->a, g, !n->transpose_a, false, n->alpha);
        ad_accumulate(s, n->b, db);
    }
}

static void binary_rule(ad_sweep *s, const ir_node *n, int y, int g)
{
    ir_function *f = s->f;
    switch (n->op) {
    case IR_ADD:
        ad_accumulate(s, n->a, g);
        if (s->active[n->b])
            ad_accumulate(s, n->b, g);
        break;
    case IR_SUB:
        ad_accumulate(s, n->a, g);
        if (s->active[n->b])
            ad_accumulate(s, n->b, negate(f, g));
        break;
    case IR_MUL:
        if (s->active[n->a])
            ad_accumulate(s, n->a, ir_binary(f, IR_MUL, g, n->b));
        if (s->active[n->b])
            ad_accumulate(s, n->b, ir_binary(f, IR_MUL, g, n->a));
        break;
    case IR_DIV:   /* y = a / b: da = g / b, db = -g y / b */
        if (s->active[n->a])
            ad_accumulate(s, n->a, ir_binary(f, IR_DIV, g, n->b));
        if (s->active[n->b])
            ad_accumulate(s, n->b, negate(f, ir_binary(f, IR_DIV, ir_binary(f, IR_MUL, g, y), n->b)));
        break;
    default:
        break;
    }
}

/* 1 where low < x < high, else 0; an infinite bound needs no test. */
static int clamp_pass_mask(ir_function *f, const ir_node *n)
{
    int mask = -1;
    if (isfinite(n->low))
        mask = ir_unary(f, IR_STEP, ir_affine(f, n->a, 1.0, -n->low));
    if (isfinite(n->high)) {
        int below = ir_unary(f, IR_STEP, ir_affine(f, n->a, -1.0, n->high));
        mask = mask < 0 ? below : ir_binary(f, IR_MUL, mask, below);
    }
    return mask;
}

/* Softmax y of each row: da = y * (g - rowsum(g * y)), the row sums formed
 * as products with vectors of ones. */
static int softmax_rule(ir_function *f, int y, int g)
{
    int cols = f->nodes[y].cols;
    int gy = ir_binary(f, IR_MUL, g, y);
    int row_sums = ir_matmul(f, gy, ir_constant(f, cols, 1, 1.0), false, false, 1.0);
    int spread = ir_matmul(f, row_sums, ir_constant(f, 1, cols, 1.0), false, false, 1.0);
    return ir_binary(f, IR_MUL, y, ir_binary(f, IR_SUB, g, spread));
}

/* The contribution to operand a of a unary node y = op(a), or -1 for none. */
static int unary_rule(ir_function *f, const ir_node *n, int y, int g)
{
    switch (n->op) {
    case IR_AFFINE:  return ir_affine(f, g, n->scale, 0.0);
    case IR_SQUARE:  return ir_binary(f, IR_MUL, g, ir_affine(f, n->a, 2.0, 0.0));
    case IR_SQRT:    return ir_binary(f, IR_SQRT_BACKWARD, y, g);
    case IR_EXP:     return ir_binary(f, IR_MUL, g, y);
    case IR_LOG:     return ir_binary(f, IR_DIV, g, n->a);
    case IR_RELU:    return ir_binary(f, IR_MUL, g, ir_unary(f, IR_STEP, n->a));
    case IR_TANH:
        return ir_binary(f, IR_MUL, g, ir_affine(f, ir_unary(f, IR_SQUARE, y), -1.0, 1.0));
    case IR_SIGMOID:
        return ir_binary(f, IR_MUL, g, ir_binary(f, IR_MUL, y, ir_affine(f, y, -1.0, 1.0)));
    case IR_CLAMP: {
        int mask = clamp_pass_mask(f, n);
        return mask < 0 ? g : ir_binary(f, IR_MUL, g, mask);
    }
    case IR_SOFTMAX: return softmax_rule(f, y, g);
    case IR_SUM:     return ir_broadcast(f, g, f->nodes[n->a].rows, f->nodes[n->a].cols);
    case IR_TRANSPOSE: return ir_transpose(f, g);
    case IR_BROADCAST: return ir_unary(f, IR_SUM, g);
    default:         return -1;   /* STEP and the backward helpers: derivative zero a.e. */
    }
}

void ad_node_rule(ad_sweep *s, int y)
{
    const ir_node n = s->f->nodes[y];   /* a copy: rules append nodes */
    int g = s->adjoint[y];
    switch (n.op) {
    case IR_BUFFER: case IR_SCALAR: case IR_CONSTANT: case IR_STORE:
    case IR_SLICE: case IR_STORE_SLICE: case IR_LOOP_BEGIN: case IR_LOOP_END:
        return;
    case IR_MATMUL:
        matmul_rule(s, &n, g);
        return;
    case IR_ADD: case IR_SUB: case IR_MUL: case IR_DIV:
        binary_rule(s, &n, y, g);
        return;
    case IR_CROSS_ENTROPY:
        /* Only the logits get a gradient: targets are data, never differentiated. */
        if (s->active[n.a])
            ad_accumulate(s, n.a, ir_cross_entropy_backward(s->f, n.a, n.b, g));
        return;
    case IR_SQRT_BACKWARD: case IR_CROSS_ENTROPY_BACKWARD:
        return;
    default:
        if (s->active[n.a]) {
            int contribution = unary_rule(s->f, &n, y, g);
            if (contribution >= 0)
                ad_accumulate(s, n.a, contribution);
        }
        return;
    }
}

static int operand(const ir_node *n, int k)
{
    return k == 0 ? n->a : k == 1 ? n->b : n->c;
}

/* active[i]: node i depends on a wrt leaf and the loss depends on node i. */
static void mark_active(const ir_function *f, int loss, const int *wrt, int count, bool *active)
{
    bool *depends = calloc((size_t)loss + 1, sizeof *depends);
    assert(depends);
    for (int k = 0; k < count; k++)
        if (wrt[k] >= 0 && wrt[k] <= loss)
            depends[wrt[k]] = true;
    for (int i = 0; i <= loss; i++)
        for (int k = 0; k < 3 && !depends[i]; k++) {
            int o = operand(&f->nodes[i], k);
            depends[i] = o >= 0 && depends[o] && f->nodes[i].op != IR_STORE &&
                         f->nodes[i].op != IR_STORE_SLICE;
        }
    active[loss] = depends[loss];
    for (int i = loss; i >= 0; i--) {
        if (!active[i])
            continue;
        for (int k = 0; k < 3; k++) {
            int o = operand(&f->nodes[i], k);
            if (o >= 0 && depends[o])
                active[o] = true;
        }
    }
    free(depends);
}

void ir_differentiate(ir_function *f, int loss, const int *wrt, int count, int *gradients)
{
    assert(loss >= 0 && loss < f->count && is_scalar_node(f, loss));
    bool *active = calloc((size_t)loss + 1, sizeof *active);
    int *adjoint = malloc(((size_t)loss + 1) * sizeof *adjoint);
    assert(active && adjoint);
    for (int i = 0; i <= loss; i++)
        adjoint[i] = -1;
    mark_active(f, loss, wrt, count, active);

    ad_sweep s = { f, active, adjoint };
    if (active[loss])
        adjoint[loss] = ir_constant(f, 1, 1, 1.0);
    for (int i = loss; i >= 0; i--)
        if (active[i] && adjoint[i] >= 0)
            ad_node_rule(&s, i);

    for (int k = 0; k < count; k++) {
        int w = wrt[k];
        assert(w >= 0 && w < f->count);
        gradients[k] = w <= loss && adjoint[w] >= 0
                           ? adjoint[w]
                           : ir_constant(f, f->nodes[w].rows, f->nodes[w].cols, 0.0);
    }
    free(active);
    free(adjoint);
}
