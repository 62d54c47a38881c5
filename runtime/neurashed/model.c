/*
 * model.c — compiling a neurashed graph and the forward pass (see model.h).
 */
#include "runtime/neurashed/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sasc_neurashed_model_free(sasc_neurashed_model *model)
{
    free(model->level);
    free(model->threshold);
    free(model->order);
    free(model->level_start);
    free(model->dependent_start);
    free(model->dependents);
    free(model->class_node);
    free(model->node_class);
    free(model->lambda_rules);
    free(model->lambda_init);
    free(model->eta_start);
    free(model->eta_from);
    free(model->eta_class);
    free(model->eta_rules);
    free(model->eta_init);
    memset(model, 0, sizeof *model);
}

/* calloc of at least one element, so that empty arrays are not NULL. */
static void *zeroed(size_t count, size_t size)
{
    return calloc(count > 0 ? count : 1, size);
}

static bool allocate(sasc_neurashed_model *m, int edges)
{
    size_t n = (size_t)m->node_count, levels = (size_t)m->levels, e = (size_t)edges;
    m->level = zeroed(n, sizeof(int));
    m->threshold = zeroed(n, sizeof(int));
    m->order = zeroed(n, sizeof(int));
    m->level_start = zeroed(levels + 1, sizeof(int));
    m->dependent_start = zeroed(n + 1, sizeof(int));
    m->dependents = zeroed(e, sizeof(int));
    m->node_class = zeroed(n, sizeof(int));
    m->lambda_rules = zeroed(n, sizeof(sasc_neurashed_rules));
    m->lambda_init = zeroed(n, sizeof(sasc_neurashed_init));
    m->eta_from = zeroed(e, sizeof(int));
    m->eta_class = zeroed(e, sizeof(int));
    m->eta_rules = zeroed(e, sizeof(sasc_neurashed_rules));
    m->eta_init = zeroed(e, sizeof(sasc_neurashed_init));
    return m->level && m->threshold && m->order && m->level_start && m->dependent_start &&
           m->dependents && m->node_class && m->lambda_rules && m->lambda_init && m->eta_from &&
           m->eta_class && m->eta_rules && m->eta_init;
}

/* order[] level by level, stable, and level_start[]; `next` is levels ints of scratch. */
static void sort_by_level(const sasc_neurashed_graph *g, sasc_neurashed_model *m, int *next)
{
    for (int n = 0; n < m->node_count; n++)
        m->level_start[g->nodes[n].level + 1]++;
    for (int l = 0; l < m->levels; l++) {
        m->level_start[l + 1] += m->level_start[l];
        next[l] = m->level_start[l];
    }
    for (int n = 0; n < m->node_count; n++)
        m->order[next[g->nodes[n].level]++] = n;
}

/* The dependents of each node in edge order; `fill` is node_count ints of scratch. */
static void link_dependents(const sasc_neurashed_graph *g, sasc_neurashed_model *m, int *fill)
{
    for (int e = 0; e < g->edge_count; e++)
        m->dependent_start[g->edges[e].node + 1]++;
    for (int n = 0; n < m->node_count; n++) {
        m->dependent_start[n + 1] += m->dependent_start[n];
        fill[n] = m->dependent_start[n];
    }
    for (int e = 0; e < g->edge_count; e++)
        m->dependents[fill[g->edges[e].node]++] = g->edges[e].dependent;
}

static int resolve_threshold(const sasc_neurashed_node *node, int dependents)
{
    switch (node->firing.kind) {
    case SASC_NEURASHED_FIRE_AND:
        return dependents;
    case SASC_NEURASHED_FIRE_AT_LEAST:
        return node->firing.k;
    default:
        return 1;   /* OR, and DEFAULT on a middle node */
    }
}

/* Classes in the order of their top nodes; the eta slots class by class,
 * each class's in edge order. `fill` is `classes` ints of scratch. */
static void assign_classes_and_weights(const sasc_neurashed_graph *g, sasc_neurashed_model *m,
                                       int *fill)
{
    int top = m->levels - 1;
    for (int n = 0; n < m->node_count; n++)
        m->node_class[n] = -1;
    for (int i = m->level_start[top], j = 0; i < m->level_start[top + 1]; i++, j++) {
        m->class_node[j] = m->order[i];
        m->node_class[m->order[i]] = j;
    }
    for (int e = 0; e < g->edge_count; e++)
        if (m->node_class[g->edges[e].node] >= 0)
            m->eta_start[m->node_class[g->edges[e].node] + 1]++;
    for (int j = 0; j < m->classes; j++) {
        m->eta_start[j + 1] += m->eta_start[j];
        fill[j] = m->eta_start[j];
    }
    m->eta_count = m->eta_start[m->classes];
    for (int e = 0; e < g->edge_count; e++) {
        int j = m->node_class[g->edges[e].node];
        if (j < 0)
            continue;
        int slot = fill[j]++;
        m->eta_from[slot] = g->edges[e].dependent;
        m->eta_class[slot] = j;
        m->eta_rules[slot] = sasc_neurashed_edge_rules(g, e);
        m->eta_init[slot] = sasc_neurashed_edge_init(g, e);
    }
}

bool sasc_neurashed_model_compile(const sasc_neurashed_graph *g, sasc_neurashed_model *model,
                                  char *error, size_t error_size)
{
    memset(model, 0, sizeof *model);
    sasc_neurashed_problems problems;
    sasc_neurashed_problems_init(&problems);
    bool valid = sasc_neurashed_validate(g, NULL, &problems);
    if (!valid) {
        for (int i = 0; i < problems.count; i++)
            if (!problems.items[i].warning) {
                snprintf(error, error_size, "%s", problems.items[i].message);
                break;
            }
        if (problems.count == 0)
            snprintf(error, error_size, "out of memory while checking the neurashed graph");
    }
    sasc_neurashed_problems_free(&problems);
    if (!valid)
        return false;
    model->levels = g->levels;
    model->node_count = g->node_count;
    for (int n = 0; n < g->node_count; n++)
        model->classes += g->nodes[n].level == g->levels - 1;
    model->class_node = zeroed((size_t)model->classes, sizeof(int));
    model->eta_start = zeroed((size_t)model->classes + 1, sizeof(int));
    int *scratch = zeroed((size_t)(g->node_count + g->levels), sizeof(int));
    if (!allocate(model, g->edge_count) || !model->class_node || !model->eta_start || !scratch) {
        free(scratch);
        sasc_neurashed_model_free(model);
        snprintf(error, error_size, "out of memory for a neurashed model of %d nodes", g->node_count);
        return false;
    }
    sort_by_level(g, model, scratch);
    link_dependents(g, model, scratch);
    for (int n = 0; n < g->node_count; n++) {
        const sasc_neurashed_node *node = &g->nodes[n];
        bool middle = node->level > 0 && node->level < g->levels - 1;
        int dependents = model->dependent_start[n + 1] - model->dependent_start[n];
        model->level[n] = node->level;
        model->threshold[n] = middle ? resolve_threshold(node, dependents) : 0;
        model->lambda_rules[n] = sasc_neurashed_node_rules(g, n);
        model->lambda_init[n] = sasc_neurashed_node_init(g, n);
    }
    assign_classes_and_weights(g, model, scratch);
    free(scratch);
    return true;
}
