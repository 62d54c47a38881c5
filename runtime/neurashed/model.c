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

/* A stable counting sort of items 0..n-1 by key (keys < 0 are left out):
 * start[0..buckets] are the buckets' bounds, order[start[k] ..] the items
 * of bucket k in increasing order. `fill` is `buckets` ints of scratch. */
static void bucket_sort(const int *keys, int n, int buckets, int *start, int *order, int *fill)
{
    memset(start, 0, (size_t)(buckets + 1) * sizeof(int));
    for (int i = 0; i < n; i++)
        if (keys[i] >= 0)
            start[keys[i] + 1]++;
    for (int k = 0; k < buckets; k++) {
        start[k + 1] += start[k];
        fill[k] = start[k];
    }
    for (int i = 0; i < n; i++)
        if (keys[i] >= 0)
            order[fill[keys[i]]++] = i;
}

/* The scratch of compiling: a key and a position per node or edge, and the
 * fill counters of bucket_sort. */
typedef struct {
    int *keys, *order, *fill;
} scratch;

/* The dependents of each node, in edge order. */
static void link_dependents(const sasc_neurashed_graph *g, sasc_neurashed_model *m, scratch *s)
{
    for (int e = 0; e < g->edge_count; e++)
        s->keys[e] = g->edges[e].node;
    bucket_sort(s->keys, g->edge_count, m->node_count, m->dependent_start, s->order, s->fill);
    for (int i = 0; i < g->edge_count; i++)
        m->dependents[i] = g->edges[s->order[i]].dependent;
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
 * each class's in edge order. */
static void assign_classes_and_weights(const sasc_neurashed_graph *g, sasc_neurashed_model *m,
                                       scratch *s)
{
    int top = m->levels - 1;
    for (int n = 0; n < m->node_count; n++)
        m->node_class[n] = -1;
    for (int i = m->level_start[top], j = 0; i < m->level_start[top + 1]; i++, j++) {
        m->class_node[j] = m->order[i];
        m->node_class[m->order[i]] = j;
    }
    for (int e = 0; e < g->edge_count; e++)
        s->keys[e] = m->node_class[g->edges[e].node];   /* -1 below the top: no eta */
    bucket_sort(s->keys, g->edge_count, m->classes, m->eta_start, s->order, s->fill);
    m->eta_count = m->eta_start[m->classes];
    for (int slot = 0; slot < m->eta_count; slot++) {
        int e = s->order[slot];
        m->eta_from[slot] = g->edges[e].dependent;
        m->eta_class[slot] = s->keys[e];
        m->eta_rules[slot] = sasc_neurashed_edge_rules(g, e);
        m->eta_init[slot] = sasc_neurashed_edge_init(g, e);
    }
}

/* Whether validate accepts g; if not, its first error into `error`. */
static bool valid_graph(const sasc_neurashed_graph *g, char *error, size_t error_size)
{
    sasc_neurashed_problems problems;
    sasc_neurashed_problems_init(&problems);
    bool valid = sasc_neurashed_validate(g, NULL, &problems);
    if (!valid)   /* an error, or no memory to record one */
        snprintf(error, error_size, "out of memory while checking the neurashed graph");
    for (int i = 0; !valid && i < problems.count; i++)
        if (!problems.items[i].warning) {
            snprintf(error, error_size, "%s", problems.items[i].message);
            break;
        }
    sasc_neurashed_problems_free(&problems);
    return valid;
}

bool sasc_neurashed_model_compile(const sasc_neurashed_graph *g, sasc_neurashed_model *model,
                                  char *error, size_t error_size)
{
    memset(model, 0, sizeof *model);
    if (!valid_graph(g, error, error_size))
        return false;
    model->levels = g->levels;
    model->node_count = g->node_count;
    for (int n = 0; n < g->node_count; n++)
        model->classes += g->nodes[n].level == g->levels - 1;
    model->class_node = zeroed((size_t)model->classes, sizeof(int));
    model->eta_start = zeroed((size_t)model->classes + 1, sizeof(int));
    size_t items = (size_t)(g->node_count > g->edge_count ? g->node_count : g->edge_count);
    scratch s = {zeroed(items, sizeof(int)), zeroed(items, sizeof(int)),
                 zeroed(items + (size_t)g->levels, sizeof(int))};
    if (!allocate(model, g->edge_count) || !model->class_node || !model->eta_start || !s.keys ||
        !s.order || !s.fill) {
        free(s.keys);
        free(s.order);
        free(s.fill);
        sasc_neurashed_model_free(model);
        snprintf(error, error_size, "out of memory for a neurashed model of %d nodes", g->node_count);
        return false;
    }
    for (int n = 0; n < g->node_count; n++)
        s.keys[n] = g->nodes[n].level;   /* nodes level by level */
    bucket_sort(s.keys, g->node_count, g->levels, model->level_start, model->order, s.fill);
    link_dependents(g, model, &s);
    for (int n = 0; n < g->node_count; n++) {
        const sasc_neurashed_node *node = &g->nodes[n];
        bool middle = node->level > 0 && node->level < g->levels - 1;
        int dependents = model->dependent_start[n + 1] - model->dependent_start[n];
        model->level[n] = node->level;
        model->threshold[n] = middle ? resolve_threshold(node, dependents) : 0;
        model->lambda_rules[n] = sasc_neurashed_node_rules(g, n);
        model->lambda_init[n] = sasc_neurashed_node_init(g, n);
    }
    assign_classes_and_weights(g, model, &s);
    free(s.keys);
    free(s.order);
    free(s.fill);
    return true;
}
