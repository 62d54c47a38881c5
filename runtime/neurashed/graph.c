/*
 * graph.c — building a neurashed description (see graph.h).
 */
#include "runtime/neurashed/graph.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void sasc_neurashed_graph_init(sasc_neurashed_graph *g, int levels)
{
    memset(g, 0, sizeof *g);
    g->levels = levels;
    sasc_neurashed_rules paper = {sasc_neurashed_multiply(pow(1.022, 11.0 / 4.0)),
                                  sasc_neurashed_multiply(pow(1.022, -1.0 / 4.0))};
    g->lambda_rules = g->eta_rules = paper;
    g->lambda_init = g->eta_init = sasc_neurashed_uniform(0.0, 0.01);
}

void sasc_neurashed_graph_free(sasc_neurashed_graph *g)
{
    free(g->nodes);
    free(g->edges);
    memset(g, 0, sizeof *g);
}

/* Room for one more element of `size` bytes in *array (count, capacity). */
static bool grow(void **array, int count, int *capacity, size_t size)
{
    if (count < *capacity)
        return true;
    int wanted = *capacity ? 2 * *capacity : 16;
    void *bigger = realloc(*array, (size_t)wanted * size);
    if (!bigger)
        return false;
    *array = bigger;
    *capacity = wanted;
    return true;
}

int sasc_neurashed_add_node(sasc_neurashed_graph *g, int level, sasc_neurashed_firing firing)
{
    if (!grow((void **)&g->nodes, g->node_count, &g->node_capacity, sizeof *g->nodes))
        return -1;
    g->nodes[g->node_count] = (sasc_neurashed_node){.level = level, .firing = firing};
    return g->node_count++;
}

int sasc_neurashed_add_edge(sasc_neurashed_graph *g, int dependent, int node)
{
    if (!grow((void **)&g->edges, g->edge_count, &g->edge_capacity, sizeof *g->edges))
        return -1;
    g->edges[g->edge_count] = (sasc_neurashed_edge){.dependent = dependent, .node = node};
    return g->edge_count++;
}

sasc_neurashed_rules sasc_neurashed_node_rules(const sasc_neurashed_graph *g, int n)
{
    return g->nodes[n].own_rules ? g->nodes[n].rules : g->lambda_rules;
}

sasc_neurashed_init sasc_neurashed_node_init(const sasc_neurashed_graph *g, int n)
{
    return g->nodes[n].own_init ? g->nodes[n].init : g->lambda_init;
}

sasc_neurashed_rules sasc_neurashed_edge_rules(const sasc_neurashed_graph *g, int e)
{
    return g->edges[e].own_rules ? g->edges[e].rules : g->eta_rules;
}

sasc_neurashed_init sasc_neurashed_edge_init(const sasc_neurashed_graph *g, int e)
{
    return g->edges[e].own_init ? g->edges[e].init : g->eta_init;
}

sasc_neurashed_firing sasc_neurashed_or(void)
{
    return (sasc_neurashed_firing){SASC_NEURASHED_FIRE_OR, 1};
}

sasc_neurashed_firing sasc_neurashed_and(void)
{
    return (sasc_neurashed_firing){SASC_NEURASHED_FIRE_AND, 0};
}

sasc_neurashed_firing sasc_neurashed_at_least(int k)
{
    return (sasc_neurashed_firing){SASC_NEURASHED_FIRE_AT_LEAST, k};
}

sasc_neurashed_rule sasc_neurashed_multiply(double factor)
{
    return (sasc_neurashed_rule){SASC_NEURASHED_MULTIPLY, factor};
}

sasc_neurashed_rule sasc_neurashed_add(double offset)
{
    return (sasc_neurashed_rule){SASC_NEURASHED_ADD, offset};
}

sasc_neurashed_init sasc_neurashed_constant(double value)
{
    return (sasc_neurashed_init){SASC_NEURASHED_CONSTANT, value, value};
}

sasc_neurashed_init sasc_neurashed_uniform(double low, double high)
{
    return (sasc_neurashed_init){SASC_NEURASHED_UNIFORM, low, high};
}

double sasc_neurashed_apply(sasc_neurashed_rule rule, double x)
{
    return rule.kind == SASC_NEURASHED_ADD ? x + rule.value : rule.value * x;
}
