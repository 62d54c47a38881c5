/*
 * graph.h — the description of a neurashed model (paper `neurashed.txt`,
 * Sec. 2): levels of feature nodes, dependency edges, firing rules, initial
 * values and update rules. docs/neurashed.md explains the model and every
 * reading of the paper's ambiguities.
 *
 * A graph is built node by node and edge by edge (the front end builds it
 * from a .sas file, tests build it by hand), then checked by
 * sasc_neurashed_validate (validate.h) and compiled into a model (model.h).
 * The graph owns its arrays; nodes and edges are named by their index, in the
 * order they were added.
 *
 *  - Levels are 0 (the first, bottom level: features the input switches on)
 *    to levels - 1 (the top level: one node per class, classes numbered by
 *    the order of their nodes). An edge joins a node to one of its dependents
 *    in the level directly below ("edges between a node and its dependent
 *    nodes in the preceding level").
 *  - A first-level node fires when the input names it; a middle node by its
 *    firing rule over its dependents; a top node when the input's label is
 *    its class (exactly one top node fires for an input).
 *  - Every node below the top has an amplification factor lambda; every edge
 *    into a top node (f -> F_j) has a weight eta_fj. Each has an initial
 *    value and the update rules g+ (applied when it fires in a mini-batch)
 *    and g- (otherwise); a node or top edge without its own takes the
 *    graph's defaults for lambda or for eta.
 */
#ifndef SASC_NEURASHED_GRAPH_H
#define SASC_NEURASHED_GRAPH_H

#include <stdbool.h>
#include <stddef.h>

/* How a middle node fires: OR (any dependent), AND (all), AT_LEAST (k).
 * DEFAULT means "not given": OR for a middle node, and the only valid value
 * for first-level and top nodes, whose firing the input decides. */
typedef enum {
    SASC_NEURASHED_FIRE_DEFAULT = 0,
    SASC_NEURASHED_FIRE_OR,
    SASC_NEURASHED_FIRE_AND,
    SASC_NEURASHED_FIRE_AT_LEAST
} sasc_neurashed_firing_kind;

typedef struct {
    sasc_neurashed_firing_kind kind;
    int k;                       /* AT_LEAST only */
} sasc_neurashed_firing;

/* One update rule: x -> value * x (MULTIPLY) or x -> x + value (ADD).
 * g+ must grow (MULTIPLY with value > 1, or ADD with value > 0); g- must not
 * (MULTIPLY with 0 < value <= 1). */
typedef enum { SASC_NEURASHED_MULTIPLY = 0, SASC_NEURASHED_ADD } sasc_neurashed_rule_kind;

typedef struct {
    sasc_neurashed_rule_kind kind;
    double value;
} sasc_neurashed_rule;

typedef struct {
    sasc_neurashed_rule grow;    /* g+ */
    sasc_neurashed_rule shrink;  /* g- */
} sasc_neurashed_rules;

/* Initial values: every value `low` (CONSTANT), or U(low, high) drawn from
 * the seed (UNIFORM). Amplification factors and weights are >= 0. */
typedef enum { SASC_NEURASHED_CONSTANT = 0, SASC_NEURASHED_UNIFORM } sasc_neurashed_init_kind;

typedef struct {
    sasc_neurashed_init_kind kind;
    double low, high;
} sasc_neurashed_init;

typedef struct {
    int level;
    sasc_neurashed_firing firing;
    bool own_rules, own_init;    /* false: the graph's lambda defaults */
    sasc_neurashed_rules rules;
    sasc_neurashed_init init;
} sasc_neurashed_node;

typedef struct {
    int dependent, node;         /* dependent is one level below node */
    bool own_rules, own_init;    /* edges into top nodes only (eta); false: the eta defaults */
    sasc_neurashed_rules rules;
    sasc_neurashed_init init;
} sasc_neurashed_edge;

typedef struct {
    int levels;
    sasc_neurashed_rules lambda_rules, eta_rules;   /* defaults */
    sasc_neurashed_init lambda_init, eta_init;      /* defaults */
    sasc_neurashed_node *nodes;
    int node_count, node_capacity;
    sasc_neurashed_edge *edges;
    int edge_count, edge_capacity;
} sasc_neurashed_graph;

/* An empty graph of `levels` levels whose defaults, for lambda and eta
 * alike, are the only constants the paper states (appendix, Fig. 4):
 * g+ = 1.022^(11/4) x, g- = 1.022^(-1/4) x, initial values U(0, 0.01). */
void sasc_neurashed_graph_init(sasc_neurashed_graph *g, int levels);
void sasc_neurashed_graph_free(sasc_neurashed_graph *g);

/* Append a node (defaults: rules and initial values of the graph, firing
 * DEFAULT) or an edge; return its index, or -1 without memory. Neither
 * checks anything: sasc_neurashed_validate does, all at once. */
int sasc_neurashed_add_node(sasc_neurashed_graph *g, int level, sasc_neurashed_firing firing);
int sasc_neurashed_add_edge(sasc_neurashed_graph *g, int dependent, int node);

/* The rules and initial values that apply to node n's lambda or edge e's eta. */
sasc_neurashed_rules sasc_neurashed_node_rules(const sasc_neurashed_graph *g, int n);
sasc_neurashed_init sasc_neurashed_node_init(const sasc_neurashed_graph *g, int n);
sasc_neurashed_rules sasc_neurashed_edge_rules(const sasc_neurashed_graph *g, int e);
sasc_neurashed_init sasc_neurashed_edge_init(const sasc_neurashed_graph *g, int e);

/* Convenience constructors. */
sasc_neurashed_firing sasc_neurashed_or(void);
sasc_neurashed_firing sasc_neurashed_and(void);
sasc_neurashed_firing sasc_neurashed_at_least(int k);
sasc_neurashed_rule sasc_neurashed_multiply(double factor);
sasc_neurashed_rule sasc_neurashed_add(double offset);
sasc_neurashed_init sasc_neurashed_constant(double value);
sasc_neurashed_init sasc_neurashed_uniform(double low, double high);

/* g(x) for one rule. */
double sasc_neurashed_apply(sasc_neurashed_rule rule, double x);

#endif
