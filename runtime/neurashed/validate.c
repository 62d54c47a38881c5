/*
 * validate.c — the checks of a neurashed description (see validate.h).
 */
#include "runtime/neurashed/validate.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const sasc_neurashed_problem NOWHERE = {.node = -1, .edge = -1, .other = -1,
                                               .pattern = -1, .level = -1};

void sasc_neurashed_problems_init(sasc_neurashed_problems *problems)
{
    memset(problems, 0, sizeof *problems);
}

void sasc_neurashed_problems_free(sasc_neurashed_problems *problems)
{
    free(problems->items);
    memset(problems, 0, sizeof *problems);
}

void sasc_neurashed_report(sasc_neurashed_problems *problems, sasc_neurashed_problem where,
                           const char *format, ...)
{
    if (problems->count == problems->capacity) {
        int wanted = problems->capacity ? 2 * problems->capacity : 8;
        sasc_neurashed_problem *bigger = realloc(problems->items, (size_t)wanted * sizeof *bigger);
        if (!bigger) {
            problems->out_of_memory = true;
            return;
        }
        problems->items = bigger;
        problems->capacity = wanted;
    }
    va_list args;
    va_start(args, format);
    vsnprintf(where.message, sizeof where.message, format, args);
    va_end(args);
    problems->items[problems->count++] = where;
}

int sasc_neurashed_errors(const sasc_neurashed_problems *problems)
{
    int errors = problems->out_of_memory ? 1 : 0;
    for (int i = 0; i < problems->count; i++)
        errors += !problems->items[i].warning;
    return errors;
}

static sasc_neurashed_problem at(sasc_neurashed_problem_code code, int node, int edge)
{
    sasc_neurashed_problem where = NOWHERE;
    where.code = code;
    where.node = node;
    where.edge = edge;
    return where;
}

/* "node 3", "edge 5 (a weight eta)" or "the default of lambda/eta". */
static void describe(char *out, size_t size, int node, int edge, const char *parameter)
{
    if (node >= 0)
        snprintf(out, size, "node %d", node);
    else if (edge >= 0)
        snprintf(out, size, "the weight eta of edge %d", edge);
    else
        snprintf(out, size, "the default for %s", parameter);
}

static void check_rules(sasc_neurashed_problems *problems, sasc_neurashed_rules rules, int node,
                        int edge, const char *parameter)
{
    char who[64];
    describe(who, sizeof who, node, edge, parameter);
    sasc_neurashed_rule g = rules.grow, s = rules.shrink;
    bool grows = isfinite(g.value) &&
                 (g.kind == SASC_NEURASHED_MULTIPLY ? g.value > 1 : g.value > 0);
    if (!grows)
        sasc_neurashed_report(problems, at(SASC_NEURASHED_GROW_DOES_NOT_GROW, node, edge),
                              "%s: g+ is %s %g, which does not grow; g+ must be a x with a > 1 "
                              "or x + c with c > 0", who,
                              g.kind == SASC_NEURASHED_MULTIPLY ? "a x with a =" : "x + c with c =",
                              g.value);
    if (s.kind != SASC_NEURASHED_MULTIPLY || !isfinite(s.value) || !(s.value > 0) || s.value > 1)
        sasc_neurashed_report(problems, at(SASC_NEURASHED_BAD_SHRINK, node, edge),
                              "%s: g- is %s %g; g- must be b x with 0 < b <= 1", who,
                              s.kind == SASC_NEURASHED_MULTIPLY ? "b x with b =" : "x + c with c =",
                              s.value);
}

static void check_init(sasc_neurashed_problems *problems, sasc_neurashed_init init, int node,
                       int edge, const char *parameter)
{
    char who[64];
    describe(who, sizeof who, node, edge, parameter);
    bool uniform = init.kind == SASC_NEURASHED_UNIFORM;
    if (!isfinite(init.low) || !isfinite(init.high) || init.low < 0 || init.high < init.low ||
        (!uniform && init.high != init.low)) {
        if (uniform)
            sasc_neurashed_report(problems, at(SASC_NEURASHED_BAD_INIT, node, edge),
                                  "%s: initial values uniform(%g, %g); they need "
                                  "0 <= low <= high", who, init.low, init.high);
        else
            sasc_neurashed_report(problems, at(SASC_NEURASHED_BAD_INIT, node, edge),
                                  "%s: initial value %g; it must be finite and >= 0", who, init.low);
    }
}

/* A multiplicative g+ of a parameter that starts at exactly 0 keeps it 0. */
static void check_stuck(sasc_neurashed_problems *problems, sasc_neurashed_rules rules,
                        sasc_neurashed_init init, int node, int edge, const char *parameter)
{
    char who[64];
    describe(who, sizeof who, node, edge, parameter);
    if (rules.grow.kind == SASC_NEURASHED_MULTIPLY && init.high == 0 && init.low == 0)
        sasc_neurashed_report(problems, at(SASC_NEURASHED_STUCK_AT_ZERO, node, edge),
                              "%s starts at 0 and g+ multiplies, so it stays 0 for ever; start it "
                              "above 0 or use g+ = x + c", who);
}

/* Rules and initial values of one parameter: its own parts, and the pair. */
static void check_parameter(sasc_neurashed_problems *problems, bool own_rules, bool own_init,
                            sasc_neurashed_rules rules, sasc_neurashed_init init, int node,
                            int edge, const char *parameter)
{
    if (own_rules)
        check_rules(problems, rules, node, edge, parameter);
    if (own_init)
        check_init(problems, init, node, edge, parameter);
    if (own_rules || own_init)
        check_stuck(problems, rules, init, node, edge, parameter);
}

static bool node_exists(const sasc_neurashed_graph *g, int n)
{
    return n >= 0 && n < g->node_count && g->nodes[n].level >= 0 && g->nodes[n].level < g->levels;
}

static void check_levels(const sasc_neurashed_graph *g, sasc_neurashed_problems *problems,
                         int *per_level)
{
    for (int n = 0; n < g->node_count; n++) {
        int level = g->nodes[n].level;
        if (level < 0 || level >= g->levels)
            sasc_neurashed_report(problems, at(SASC_NEURASHED_BAD_LEVEL, n, -1),
                                  "node %d is on level %d, but the levels are 0 to %d", n, level,
                                  g->levels - 1);
        else
            per_level[level]++;
    }
    for (int level = 0; level < g->levels; level++)
        if (per_level[level] == 0) {
            sasc_neurashed_problem where = at(SASC_NEURASHED_EMPTY_LEVEL, -1, -1);
            where.level = level;
            sasc_neurashed_report(problems, where, "level %d has no node", level);
        }
}

static int compare_edges(const void *a, const void *b, void *context)
{
    const sasc_neurashed_edge *edges = context;
    const sasc_neurashed_edge *x = &edges[*(const int *)a], *y = &edges[*(const int *)b];
    if (x->node != y->node)
        return x->node < y->node ? -1 : 1;
    if (x->dependent != y->dependent)
        return x->dependent < y->dependent ? -1 : 1;
    return *(const int *)a < *(const int *)b ? -1 : 1;
}

/* Dangling, level-skipping and repeated edges; counts each node's valid dependents. */
static void check_edges(const sasc_neurashed_graph *g, sasc_neurashed_problems *problems,
                        int *dependents, bool *valid)
{
    for (int e = 0; e < g->edge_count; e++) {
        const sasc_neurashed_edge *edge = &g->edges[e];
        valid[e] = false;
        bool dependent_named = edge->dependent >= 0 && edge->dependent < g->node_count;
        bool node_named = edge->node >= 0 && edge->node < g->node_count;
        if (!dependent_named || !node_named) {
            sasc_neurashed_report(problems, at(SASC_NEURASHED_DANGLING_EDGE, -1, e),
                                  "edge %d joins node %d to node %d, but node %d does not exist",
                                  e, edge->dependent, edge->node,
                                  dependent_named ? edge->node : edge->dependent);
        } else if (!node_exists(g, edge->dependent) || !node_exists(g, edge->node)) {
            continue;   /* a node on no level: reported as BAD_LEVEL already */
        } else if (g->nodes[edge->dependent].level != g->nodes[edge->node].level - 1) {
            sasc_neurashed_report(problems, at(SASC_NEURASHED_EDGE_SKIPS_LEVEL, -1, e),
                                  "edge %d makes node %d (level %d) a dependent of node %d "
                                  "(level %d); a dependent is in the level just below", e,
                                  edge->dependent, g->nodes[edge->dependent].level, edge->node,
                                  g->nodes[edge->node].level);
        } else {
            valid[e] = true;
        }
    }
    int *order = malloc((g->edge_count > 0 ? (size_t)g->edge_count : 1) * sizeof(int));
    if (!order) {
        problems->out_of_memory = true;
        return;
    }
    int count = 0;
    for (int e = 0; e < g->edge_count; e++)
        if (valid[e])
            order[count++] = e;
    qsort_r(order, (size_t)count, sizeof(int), compare_edges, g->edges);
    for (int i = 0; i < count; i++) {
        const sasc_neurashed_edge *edge = &g->edges[order[i]];
        if (i > 0 && edge->node == g->edges[order[i - 1]].node &&
            edge->dependent == g->edges[order[i - 1]].dependent) {
            sasc_neurashed_problem where = at(SASC_NEURASHED_DUPLICATE_EDGE, -1, order[i]);
            where.other = order[i - 1];
            for (int j = i - 1; j >= 0 && g->edges[order[j]].node == edge->node &&
                                g->edges[order[j]].dependent == edge->dependent; j--)
                where.other = order[j];
            sasc_neurashed_report(problems, where, "edge %d repeats edge %d (node %d depends "
                                  "on node %d)", order[i], where.other, edge->node, edge->dependent);
            valid[order[i]] = false;
        } else {
            dependents[edge->node]++;
        }
    }
    free(order);
}

static void check_firing(const sasc_neurashed_graph *g, sasc_neurashed_problems *problems,
                         const int *dependents)
{
    for (int n = 0; n < g->node_count; n++) {
        const sasc_neurashed_node *node = &g->nodes[n];
        if (!node_exists(g, n))
            continue;
        bool first = node->level == 0, top = node->level == g->levels - 1;
        if ((first || top) && node->firing.kind != SASC_NEURASHED_FIRE_DEFAULT)
            sasc_neurashed_report(problems, at(SASC_NEURASHED_RULE_NOT_ALLOWED, n, -1),
                                  "node %d is on the %s level, which %s; it takes no firing rule",
                                  n, first ? "first" : "top",
                                  first ? "the input switches on" : "fires by the input's label");
        if (first)
            continue;
        if (dependents[n] == 0) {
            sasc_neurashed_report(problems, at(SASC_NEURASHED_NO_DEPENDENTS, n, -1),
                                  top ? "node %d is a class without dependents: its logit is "
                                        "always 0" : "node %d has no dependents: it can never fire",
                                  n);
            continue;
        }
        if (node->firing.kind == SASC_NEURASHED_FIRE_AT_LEAST &&
            (node->firing.k < 1 || node->firing.k > dependents[n]))
            sasc_neurashed_report(problems, at(SASC_NEURASHED_NEVER_FIRES, n, -1),
                                  node->firing.k < 1
                                      ? "node %d fires when at least %d of its %d dependents fire; "
                                        "k must be at least 1"
                                      : "node %d needs at least %d firing dependents but has %d: "
                                        "it can never fire",
                                  n, node->firing.k, dependents[n]);
    }
}

static void check_parameters(const sasc_neurashed_graph *g, sasc_neurashed_problems *problems,
                             const bool *valid_edge)
{
    check_rules(problems, g->lambda_rules, -1, -1, "lambda");
    check_init(problems, g->lambda_init, -1, -1, "lambda");
    check_rules(problems, g->eta_rules, -1, -1, "eta");
    check_init(problems, g->eta_init, -1, -1, "eta");
    bool lambda_defaults_used = false, eta_defaults_used = false;
    for (int n = 0; n < g->node_count; n++) {
        const sasc_neurashed_node *node = &g->nodes[n];
        if (!node_exists(g, n))
            continue;
        if (node->level == g->levels - 1) {
            if (node->own_rules || node->own_init)
                sasc_neurashed_report(problems, at(SASC_NEURASHED_TOP_RULES, n, -1),
                                      "node %d is a class node and has no amplification factor; "
                                      "its weights eta are on the edges into it", n);
            continue;
        }
        lambda_defaults_used |= !node->own_rules && !node->own_init;
        check_parameter(problems, node->own_rules, node->own_init,
                        sasc_neurashed_node_rules(g, n), sasc_neurashed_node_init(g, n), n, -1,
                        "lambda");
    }
    for (int e = 0; e < g->edge_count; e++) {
        const sasc_neurashed_edge *edge = &g->edges[e];
        if (!valid_edge[e])
            continue;
        bool weight = g->nodes[edge->node].level == g->levels - 1;
        if (!weight) {
            if (edge->own_rules || edge->own_init)
                sasc_neurashed_report(problems, at(SASC_NEURASHED_NOT_A_WEIGHT, -1, e),
                                      "edge %d is not into a class node, so it has no weight eta "
                                      "to give rules or initial values", e);
            continue;
        }
        eta_defaults_used |= !edge->own_rules && !edge->own_init;
        check_parameter(problems, edge->own_rules, edge->own_init,
                        sasc_neurashed_edge_rules(g, e), sasc_neurashed_edge_init(g, e), -1, e,
                        "eta");
    }
    if (lambda_defaults_used)
        check_stuck(problems, g->lambda_rules, g->lambda_init, -1, -1, "lambda");
    if (eta_defaults_used)
        check_stuck(problems, g->eta_rules, g->eta_init, -1, -1, "eta");
}

static sasc_neurashed_problem at_pattern(sasc_neurashed_problem_code code, int pattern, int node)
{
    sasc_neurashed_problem where = at(code, node, -1);
    where.pattern = pattern;
    return where;
}

static void check_pattern(const sasc_neurashed_graph *g, const sasc_neurashed_pattern *pattern,
                          int p, int classes, sasc_neurashed_problems *problems)
{
    if (pattern->label < 0 || pattern->label >= classes)
        sasc_neurashed_report(problems, at_pattern(SASC_NEURASHED_BAD_LABEL, p, -1),
                              "pattern %d has label %d, but the classes are 0 to %d", p,
                              pattern->label, classes - 1);
    if (!isfinite(pattern->frequency) || !(pattern->frequency > 0))
        sasc_neurashed_report(problems, at_pattern(SASC_NEURASHED_BAD_FREQUENCY, p, -1),
                              "pattern %d has frequency %g; a frequency must be finite and > 0", p,
                              pattern->frequency);
    if (pattern->count == 0)
        sasc_neurashed_report(problems, at_pattern(SASC_NEURASHED_EMPTY_PATTERN, p, -1),
                              "pattern %d switches no first-level node on", p);
    for (int i = 0; i < pattern->count; i++) {
        int n = pattern->nodes[i];
        if (!node_exists(g, n) || g->nodes[n].level != 0) {
            sasc_neurashed_report(problems, at_pattern(SASC_NEURASHED_NOT_AN_INPUT, p, n),
                                  "pattern %d names node %d, which is not a first-level node", p, n);
            continue;
        }
        for (int j = 0; j < i; j++)
            if (pattern->nodes[j] == n) {
                sasc_neurashed_report(problems, at_pattern(SASC_NEURASHED_REPEATED_INPUT, p, n),
                                      "pattern %d names node %d twice", p, n);
                break;
            }
    }
}

static void check_patterns(const sasc_neurashed_graph *g, const sasc_neurashed_patterns *set,
                           sasc_neurashed_problems *problems)
{
    int classes = 0;
    for (int n = 0; n < g->node_count; n++)
        classes += g->nodes[n].level == g->levels - 1;
    bool *has_pattern = calloc(classes > 0 ? (size_t)classes : 1, sizeof(bool));
    if (!has_pattern) {
        problems->out_of_memory = true;
        return;
    }
    for (int p = 0; p < set->count; p++) {
        check_pattern(g, &set->items[p], p, classes, problems);
        if (set->items[p].label >= 0 && set->items[p].label < classes)
            has_pattern[set->items[p].label] = true;
    }
    for (int n = 0, j = 0; n < g->node_count; n++) {
        if (g->nodes[n].level != g->levels - 1)
            continue;
        if (!has_pattern[j]) {
            sasc_neurashed_problem where = at(SASC_NEURASHED_CLASS_WITHOUT_PATTERN, n, -1);
            where.level = j;
            sasc_neurashed_report(problems, where, "class %d (node %d) has no pattern", j, n);
        }
        j++;
    }
    free(has_pattern);
}

bool sasc_neurashed_validate(const sasc_neurashed_graph *g, const sasc_neurashed_patterns *patterns,
                             sasc_neurashed_problems *problems)
{
    int before = sasc_neurashed_errors(problems);
    if (g->levels < 2) {
        sasc_neurashed_report(problems, at(SASC_NEURASHED_TOO_FEW_LEVELS, -1, -1),
                              "a neurashed model has %d level%s; it needs at least 2 (inputs and "
                              "classes)", g->levels, g->levels == 1 ? "" : "s");
        return false;
    }
    int *per_level = calloc((size_t)g->levels, sizeof(int));
    int *dependents = calloc(g->node_count > 0 ? (size_t)g->node_count : 1, sizeof(int));
    bool *valid_edge = calloc(g->edge_count > 0 ? (size_t)g->edge_count : 1, sizeof(bool));
    if (!per_level || !dependents || !valid_edge) {
        problems->out_of_memory = true;
    } else {
        check_levels(g, problems, per_level);
        check_edges(g, problems, dependents, valid_edge);
        check_firing(g, problems, dependents);
        check_parameters(g, problems, valid_edge);
        if (patterns)
            check_patterns(g, patterns, problems);
    }
    free(per_level);
    free(dependents);
    free(valid_edge);
    return sasc_neurashed_errors(problems) == before;
}
