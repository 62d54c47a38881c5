/*
 * hoist.c — transposes of loop invariants hoisted out of time loops (see
 * hoist.h). For each loop, every operand defined before the loop that a
 * product inside reads transposed gets one IR_TRANSPOSE, inserted just
 * before the loop; the products then read it untransposed. Values are
 * unchanged: (W^T)^T = W.
 */
#include "compiler/ir/hoist.h"

#include <stdio.h>
#include <stdlib.h>

/* The loop invariants read transposed by products of loop [B, E]: their
 * nodes into `operand` (each once); returns how many. */
static int transposed_invariants(const ir_function *f, int B, int E, int *operand)
{
    int count = 0;
    for (int n = B + 1; n < E; n++) {
        const ir_node *node = &f->nodes[n];
        if (node->op != IR_MATMUL)
            continue;
        const int candidates[2] = { node->transpose_a ? node->a : -1, node->transpose_b ? node->b : -1 };
        for (int k = 0; k < 2; k++) {
            int o = candidates[k];
            bool seen = false;
            for (int j = 0; j < count; j++)
                seen |= operand[j] == o;
            if (o >= 0 && o < B && !seen)
                operand[count++] = o;
        }
    }
    return count;
}

/* Insert the transposes before loop [B, E] and point its products at them. */
static void hoist_loop(ir_function *f, int B, int E)
{
    int *operand = malloc(((size_t)(E - B) * 2 + 1) * sizeof *operand);
    ir_node *transposes = malloc(((size_t)(E - B) * 2 + 1) * sizeof *transposes);
    if (!operand || !transposes) {
        fprintf(stderr, "sasc: internal error: out of memory hoisting transposes\n");
        exit(2);
    }
    int count = transposed_invariants(f, B, E, operand);
    for (int k = 0; k < count; k++) {
        const ir_node *x = &f->nodes[operand[k]];
        transposes[k] = ir_blank_node(IR_TRANSPOSE, x->cols, x->rows);
        transposes[k].a = operand[k];
        transposes[k].comment = "a loop invariant transposed for the products in the loop";
    }
    ir_insert_nodes(f, B, transposes, count);
    for (int n = B + count + 1; n < E + count; n++) {
        ir_node *node = &f->nodes[n];
        if (node->op != IR_MATMUL)
            continue;
        for (int k = 0; k < count; k++) {
            if (node->transpose_a && node->a == operand[k]) {
                node->a = B + k;
                node->transpose_a = false;
            }
            if (node->transpose_b && node->b == operand[k]) {
                node->b = B + k;
                node->transpose_b = false;
            }
        }
    }
    free(operand);
    free(transposes);
}

void ir_hoist_loop_transposes(ir_function *f)
{
    for (int i = f->count - 1; i >= 0; i--) {   /* the last loop first: earlier positions stay */
        if (f->nodes[i].op != IR_LOOP_END)
            continue;
        int B = i;
        while (B > 0 && f->nodes[B].op != IR_LOOP_BEGIN)
            B--;
        hoist_loop(f, B, i);
        i = B;
    }
}
