/*
 * neurashed_fixtures.c — the neurashed models the tests share (see
 * neurashed_fixtures.h).
 */
#include "tests/neurashed_fixtures.h"

#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

const sasc_neurashed_firing NEURASHED_BY_INPUT = {SASC_NEURASHED_FIRE_DEFAULT, 0};

void neurashed_start(neurashed_fixture *f, int batch, uint64_t seed, sasc_neurashed_eta_firing eta)
{
    sasc_neurashed_problems problems;
    sasc_neurashed_problems_init(&problems);
    bool valid = sasc_neurashed_validate(&f->graph, &f->patterns, &problems);
    for (int i = 0; i < problems.count; i++)
        fprintf(stderr, "unexpected problem: %s\n", problems.items[i].message);
    CU_ASSERT_TRUE_FATAL(valid);
    sasc_neurashed_problems_free(&problems);
    char error[256] = "";
    CU_ASSERT_TRUE_FATAL(sasc_neurashed_model_compile(&f->graph, &f->model, error, sizeof error));
    CU_ASSERT_TRUE_FATAL(sasc_neurashed_state_init(&f->model, seed, &f->state));
    sasc_neurashed_training training = {batch, seed, eta};
    CU_ASSERT_TRUE_FATAL(sasc_neurashed_trainer_init(&f->trainer, &f->model, &f->patterns,
                                                     &training, error, sizeof error));
}

void neurashed_free(neurashed_fixture *f)
{
    sasc_neurashed_trainer_free(&f->trainer);
    sasc_neurashed_state_free(&f->state);
    sasc_neurashed_model_free(&f->model);
    sasc_neurashed_patterns_free(&f->patterns);
    sasc_neurashed_graph_free(&f->graph);
}

static void own_init(sasc_neurashed_graph *g, int node, double value)
{
    g->nodes[node].own_init = true;
    g->nodes[node].init = sasc_neurashed_constant(value);
}

void neurashed_add_pattern(sasc_neurashed_patterns *set, int label, double frequency,
                           const int *nodes, int count)
{
    CU_ASSERT_FATAL(sasc_neurashed_add_pattern(set, label, frequency, nodes, count) >= 0);
}

/* ---- the three-level toy graph ----
 *
 *   level 0   a0  b1  c2  d3          lambda 1, 2, 3, 4 (d: g+ = x + 1)
 *   level 1   u4 = OR(a, b)           lambda 0.5
 *             v5 = AND(b, c)          lambda 2
 *             w6 = at least 2 of (b, c, d)   lambda 1
 *   level 2   class 0 (node 7) <- u, v     eta 1, 1
 *             class 1 (node 8) <- v, w     eta 2, 1
 *   rules     lambda: g+ = 2 x, g- = 0.5 x; eta: g+ = 3 x, g- = 0.5 x
 *   patterns  P0 = {a, b} class 0;  P1 = {b, c, d} class 1;  P2 = {c, d} class 1
 */

void neurashed_toy(neurashed_fixture *f)
{
    memset(f, 0, sizeof *f);
    sasc_neurashed_graph *g = &f->graph;
    sasc_neurashed_graph_init(g, 3);
    g->lambda_rules = (sasc_neurashed_rules){sasc_neurashed_multiply(2), sasc_neurashed_multiply(0.5)};
    g->eta_rules = (sasc_neurashed_rules){sasc_neurashed_multiply(3), sasc_neurashed_multiply(0.5)};
    g->lambda_init = g->eta_init = sasc_neurashed_constant(1);
    for (int i = 0; i < 4; i++)
        sasc_neurashed_add_node(g, 0, NEURASHED_BY_INPUT);
    sasc_neurashed_add_node(g, 1, sasc_neurashed_or());
    sasc_neurashed_add_node(g, 1, sasc_neurashed_and());
    sasc_neurashed_add_node(g, 1, sasc_neurashed_at_least(2));
    sasc_neurashed_add_node(g, 2, NEURASHED_BY_INPUT);
    sasc_neurashed_add_node(g, 2, NEURASHED_BY_INPUT);
    const double lambda[] = {1, 2, 3, 4, 0.5, 2, 1};
    for (int n = 0; n < 7; n++)
        own_init(g, n, lambda[n]);
    g->nodes[D].own_rules = true;
    g->nodes[D].rules = (sasc_neurashed_rules){sasc_neurashed_add(1), sasc_neurashed_multiply(0.5)};
    const int edges[][2] = {{A, U}, {B, U}, {B, V}, {C, V}, {B, W}, {C, W}, {D, W},
                            {U, CLASS0}, {V, CLASS0}, {V, CLASS1}, {W, CLASS1}};
    for (size_t e = 0; e < sizeof edges / sizeof edges[0]; e++)
        sasc_neurashed_add_edge(g, edges[e][0], edges[e][1]);
    g->edges[9].own_init = true;   /* eta of v -> class 1 */
    g->edges[9].init = sasc_neurashed_constant(2);
    sasc_neurashed_patterns_init(&f->patterns);
    neurashed_add_pattern(&f->patterns, 0, 1, (const int[]){A, B}, 2);
    neurashed_add_pattern(&f->patterns, 1, 1, (const int[]){B, C, D}, 3);
    neurashed_add_pattern(&f->patterns, 1, 2, (const int[]){C, D}, 2);
}

/* ---- Fig. 4: the information plane of the appendix's binary model ----
 *
 * docs/neurashed.md ("Fig. 4") gives the reading: 13 first-level nodes
 * (1..6 of class 1, 7 shared, 8..13 of class 2, node i mirrored by 14 - i);
 * second level A1 = OR(1,2,3), B1 = at least 2 of (1..7), C1 = OR(4,5,6) and
 * their mirror images C2, B2, A2; class j depends on its three. */
void neurashed_fig4(neurashed_fixture *f)
{
    memset(f, 0, sizeof *f);
    sasc_neurashed_graph *g = &f->graph;
    sasc_neurashed_graph_init(g, 3);   /* defaults: the appendix's g+, g-, U(0, 0.01) */
    for (int i = 0; i < 13; i++)
        sasc_neurashed_add_node(g, 0, NEURASHED_BY_INPUT);
    g->nodes[6].own_rules = true;      /* "the 7th node" */
    g->nodes[6].rules = (sasc_neurashed_rules){sasc_neurashed_multiply(pow(1.022, 3.0 / 4.0)),
                                               sasc_neurashed_multiply(pow(1.022, -1.0 / 4.0))};
    int a1 = sasc_neurashed_add_node(g, 1, sasc_neurashed_or());
    int b1 = sasc_neurashed_add_node(g, 1, sasc_neurashed_at_least(2));
    int c1 = sasc_neurashed_add_node(g, 1, sasc_neurashed_or());
    int c2 = sasc_neurashed_add_node(g, 1, sasc_neurashed_or());
    int b2 = sasc_neurashed_add_node(g, 1, sasc_neurashed_at_least(2));
    int a2 = sasc_neurashed_add_node(g, 1, sasc_neurashed_or());
    for (int i = 0; i < 3; i++) {
        sasc_neurashed_add_edge(g, i, a1);
        sasc_neurashed_add_edge(g, 12 - i, a2);
        sasc_neurashed_add_edge(g, 3 + i, c1);
        sasc_neurashed_add_edge(g, 9 - i, c2);
    }
    for (int i = 0; i < 7; i++) {
        sasc_neurashed_add_edge(g, i, b1);
        sasc_neurashed_add_edge(g, 12 - i, b2);
    }
    int y1 = sasc_neurashed_add_node(g, 2, NEURASHED_BY_INPUT), y2 = sasc_neurashed_add_node(g, 2, NEURASHED_BY_INPUT);
    const int to_y1[] = {a1, b1, c1}, to_y2[] = {c2, b2, a2};
    for (int i = 0; i < 3; i++) {
        sasc_neurashed_add_edge(g, to_y1[i], y1);
        sasc_neurashed_add_edge(g, to_y2[i], y2);
    }
    const int types[4][3] = {{1, 2, 7}, {2, 3, 7}, {4, 5, 7}, {5, 6, 7}};
    sasc_neurashed_patterns_init(&f->patterns);
    for (int c = 0; c < 2; c++)
        for (int p = 0; p < 4; p++) {
            int nodes[3];
            for (int k = 0; k < 3; k++)
                nodes[k] = c == 0 ? types[p][k] - 1 : 13 - types[p][k];   /* mirror: 14 - i */
            neurashed_add_pattern(&f->patterns, c, 1, nodes, 3);
        }
}

/* ---- Fig. 3: implicit regularisation ----
 *
 * One class, two pathways sharing their middle: first level 0..5, P = {0,1,2,3}
 * and Q = {2,3,4,5}; second level x = OR(0,1), y = OR(2,3) (the shared
 * feature), z = OR(4,5); the class depends on x, y, z. */
void neurashed_fig3(neurashed_fixture *f)
{
    memset(f, 0, sizeof *f);
    sasc_neurashed_graph *g = &f->graph;
    sasc_neurashed_graph_init(g, 3);
    for (int i = 0; i < 6; i++)
        sasc_neurashed_add_node(g, 0, NEURASHED_BY_INPUT);
    for (int i = 0; i < 3; i++) {
        int n = sasc_neurashed_add_node(g, 1, sasc_neurashed_or());
        sasc_neurashed_add_edge(g, 2 * i, n);
        sasc_neurashed_add_edge(g, 2 * i + 1, n);
    }
    int top = sasc_neurashed_add_node(g, 2, NEURASHED_BY_INPUT);
    for (int i = 0; i < 3; i++)
        sasc_neurashed_add_edge(g, 6 + i, top);
    sasc_neurashed_patterns_init(&f->patterns);
    neurashed_add_pattern(&f->patterns, 0, 1, (const int[]){0, 1, 2, 3}, 4);
    neurashed_add_pattern(&f->patterns, 0, 1, (const int[]){2, 3, 4, 5}, 4);
}

/* ---- local elasticity: classes 1a, 1b, 2, 3 (paper Fig. 2 and Sec. 3) ----
 *
 * Four levels. First level a..h (0..7); second u1 = OR(a,b), u2 = OR(c,d),
 * u3 = OR(e,f), u4 = OR(g,h); third v1 = AND(u1,u2) (class 1's feature),
 * v2 = AND(u2,u3) (class 2's), v3 = OR(u4) (class 3's); each class depends
 * on its v. Patterns: 1a = {a,b,c}, 1b = {b,c,d} (class 1), 2 = {c,d,e},
 * 3 = {g,h}. 1a and 1b share b, c, u1, u2, v1; class 2 shares c and u2
 * with 1a; class 3 shares nothing. */
void neurashed_elasticity(neurashed_fixture *f, double initial)
{
    memset(f, 0, sizeof *f);
    sasc_neurashed_graph *g = &f->graph;
    sasc_neurashed_graph_init(g, 4);
    if (initial > 0)
        g->lambda_init = g->eta_init = sasc_neurashed_constant(initial);
    for (int i = 0; i < 8; i++)
        sasc_neurashed_add_node(g, 0, NEURASHED_BY_INPUT);
    for (int i = 0; i < 4; i++) {
        int u = sasc_neurashed_add_node(g, 1, sasc_neurashed_or());
        sasc_neurashed_add_edge(g, 2 * i, u);
        sasc_neurashed_add_edge(g, 2 * i + 1, u);
    }
    int v1 = sasc_neurashed_add_node(g, 2, sasc_neurashed_and());
    int v2 = sasc_neurashed_add_node(g, 2, sasc_neurashed_and());
    int v3 = sasc_neurashed_add_node(g, 2, sasc_neurashed_or());
    sasc_neurashed_add_edge(g, 8, v1);
    sasc_neurashed_add_edge(g, 9, v1);
    sasc_neurashed_add_edge(g, 9, v2);
    sasc_neurashed_add_edge(g, 10, v2);
    sasc_neurashed_add_edge(g, 11, v3);
    for (int j = 0; j < 3; j++)
        sasc_neurashed_add_edge(g, v1 + j, sasc_neurashed_add_node(g, 3, NEURASHED_BY_INPUT));
    sasc_neurashed_patterns_init(&f->patterns);
    neurashed_add_pattern(&f->patterns, 0, 1, (const int[]){0, 1, 2}, 3);   /* 1a */
    neurashed_add_pattern(&f->patterns, 0, 1, (const int[]){1, 2, 3}, 3);   /* 1b */
    neurashed_add_pattern(&f->patterns, 1, 1, (const int[]){2, 3, 4}, 3);   /* 2 */
    neurashed_add_pattern(&f->patterns, 2, 1, (const int[]){6, 7}, 2);      /* 3 */
}

