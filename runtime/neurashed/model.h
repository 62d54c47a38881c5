/*
 * model.h — a compiled neurashed model, its state, and the forward pass
 * (paper `neurashed.txt`, Sec. 2; docs/neurashed.md).
 *
 * This is the reference implementation: generated kernels for neurashed are
 * tested against it (docs/neurashed.md, "Lowering to the IR").
 *
 * Forward pass for one input, level by level:
 *   firing  a first-level node fires when the input names it; a middle node
 *           F when at least k_F of its dependents fire (OR: k = 1, AND: k =
 *           the number of dependents); top nodes are left not firing (only
 *           the label says which one fires: sasc_neurashed_pathway);
 *   scores  S_F = lambda_F for a firing first-level node, S_F = lambda_F *
 *           sum_{f -> F} S_f for a firing middle node, S_F = 0 otherwise;
 *   logits  Z_j = sum_{f -> F_j} eta_fj S_f over class j's dependents;
 *   p       = softmax(Z).
 * Firing never depends on lambda or eta (the rules count dependents), so a
 * pattern's pathway is fixed by the graph; only the scores change in training.
 *
 * Vectors over nodes (input, fire, scores) have node_count entries, in the
 * graph's node numbering; `fire` entries are 0 or 1.
 */
#ifndef SASC_NEURASHED_MODEL_H
#define SASC_NEURASHED_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "runtime/neurashed/graph.h"
#include "runtime/neurashed/patterns.h"
#include "runtime/neurashed/validate.h"

typedef struct {
    int levels, node_count, classes;
    int *level;                    /* per node */
    int *threshold;                /* per node: k of a middle node; 0 on the first and top levels */
    int *order;                    /* the nodes level by level (graph order within a level) */
    int *level_start;              /* levels + 1: order[level_start[l] .. level_start[l+1]) */
    int *dependent_start;          /* node_count + 1, into `dependents` */
    int *dependents;               /* the dependents of each node, in edge order */
    int *class_node;               /* classes: the top node of class j */
    int *node_class;               /* per node: its class, or -1 below the top */
    sasc_neurashed_rules *lambda_rules;   /* per node (top nodes: unused) */
    sasc_neurashed_init *lambda_init;
    int eta_count;                 /* the edges into top nodes, class by class */
    int *eta_start;                /* classes + 1, into the eta arrays */
    int *eta_from;                 /* per eta: the second-last-level node f */
    int *eta_class;                /* per eta: the class j */
    sasc_neurashed_rules *eta_rules;
    sasc_neurashed_init *eta_init;
} sasc_neurashed_model;

typedef struct {
    double *lambda;                /* node_count (0 on the top level) */
    double *eta;                   /* eta_count */
    long iteration;                /* updates applied so far */
} sasc_neurashed_state;

/* Compile a graph that sasc_neurashed_validate accepted. False with a
 * sentence in `error` if it is invalid (the first problem) or on no memory. */
bool sasc_neurashed_model_compile(const sasc_neurashed_graph *g, sasc_neurashed_model *model,
                                  char *error, size_t error_size);
void sasc_neurashed_model_free(sasc_neurashed_model *model);

/* Initial values from `seed`: node n's lambda is uniform n of Philox stream
 * (SASC_STREAM_NEURASHED_INIT, 0), eta slot i's is uniform i of stream
 * (SASC_STREAM_NEURASHED_INIT, 1), each scaled into its own [low, high). */
bool sasc_neurashed_state_init(const sasc_neurashed_model *model, uint64_t seed,
                               sasc_neurashed_state *state);
bool sasc_neurashed_state_copy(const sasc_neurashed_model *model, const sasc_neurashed_state *from,
                               sasc_neurashed_state *to);
void sasc_neurashed_state_free(sasc_neurashed_state *state);

/* input[n] = 1 for the pattern's first-level nodes, 0 elsewhere. */
void sasc_neurashed_pattern_input(const sasc_neurashed_model *model,
                                  const sasc_neurashed_pattern *pattern, unsigned char *input);

/* Which nodes fire for `input` (only its first-level entries are read). */
void sasc_neurashed_fire(const sasc_neurashed_model *model, const unsigned char *input,
                         unsigned char *fire);

/* The pathway of a pattern: its firing nodes and its class's top node. */
void sasc_neurashed_pathway(const sasc_neurashed_model *model, const sasc_neurashed_pattern *pattern,
                            unsigned char *fire);

void sasc_neurashed_scores(const sasc_neurashed_model *model, const sasc_neurashed_state *state,
                           const unsigned char *fire, double *scores);

/* logits: `classes` values from the scores. */
void sasc_neurashed_logits(const sasc_neurashed_model *model, const sasc_neurashed_state *state,
                           const double *scores, double *logits);

/* p = softmax(logits), computed stably. */
void sasc_neurashed_softmax(const double *logits, int classes, double *p);

/* Logits of a pattern: pathway, scores and logits in one call; `scratch`
 * holds node_count bytes and node_count doubles (fire, scores). */
void sasc_neurashed_pattern_logits(const sasc_neurashed_model *model,
                                   const sasc_neurashed_state *state,
                                   const sasc_neurashed_pattern *pattern, unsigned char *fire,
                                   double *scores, double *logits);

/* What the patterns' pathways reach: an error for a pattern that fires no
 * dependent of its class (the class's logit is 0 for it, whatever training
 * does), a warning for a node below the top that no pattern fires. The
 * patterns must have passed sasc_neurashed_validate. */
void sasc_neurashed_check_pathways(const sasc_neurashed_model *model,
                                   const sasc_neurashed_patterns *patterns,
                                   sasc_neurashed_problems *problems);

#endif
