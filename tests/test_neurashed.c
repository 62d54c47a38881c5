/*
 * test_neurashed.c — the neurashed model (runtime/neurashed), the
 * Gaussian-mixture information estimator (runtime/analyses/information.h),
 * local elasticity, and the paper's three experiments as checks
 * (paper `neurashed.txt`; docs/neurashed.md).
 *
 * Scores and updates are checked against values computed by hand (written
 * out next to each assertion) on a three-level toy graph; the estimator
 * against closed forms and against an independent quadrature; the
 * experiments against the paper's qualitative findings. The experiments
 * print their numbers (lines starting "neurashed:") for docs/neurashed.md.
 */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/analyses/elasticity.h"
#include "runtime/analyses/information.h"
#include "runtime/neurashed/elasticity.h"
#include "runtime/neurashed/information_plane.h"
#include "runtime/neurashed/sparsity.h"
#include "runtime/support/output.h"
#include "runtime/support/plot.h"
#include "tests/neurashed_fixtures.h"
#include "tests/testing.h"

static void test_toy_structure(void)
{
    neurashed_fixture f;
    neurashed_toy(&f);
    neurashed_start(&f, 1, 1, SASC_NEURASHED_ETA_SAME_SAMPLE);
    const sasc_neurashed_model *m = &f.model;
    CU_ASSERT_EQUAL(m->classes, 2);
    CU_ASSERT_EQUAL(m->threshold[U], 1);
    CU_ASSERT_EQUAL(m->threshold[V], 2);   /* AND over two dependents */
    CU_ASSERT_EQUAL(m->threshold[W], 2);
    CU_ASSERT_EQUAL(m->threshold[A], 0);
    CU_ASSERT_EQUAL(m->level_start[1], 4);
    CU_ASSERT_EQUAL(m->level_start[2], 7);
    CU_ASSERT_EQUAL(m->eta_count, 4);
    /* eta slots class by class: (u,0) (v,0) (v,1) (w,1) */
    const int from[] = {U, V, V, W}, cls[] = {0, 0, 1, 1};
    for (int i = 0; i < 4; i++) {
        CU_ASSERT_EQUAL(m->eta_from[i], from[i]);
        CU_ASSERT_EQUAL(m->eta_class[i], cls[i]);
    }
    const double eta[] = {1, 1, 2, 1}, lambda[] = {1, 2, 3, 4, 0.5, 2, 1, 0, 0};
    for (int i = 0; i < 4; i++)
        CU_ASSERT_EQUAL(f.state.eta[i], eta[i]);
    for (int n = 0; n < 9; n++)
        CU_ASSERT_EQUAL(f.state.lambda[n], lambda[n]);
    neurashed_free(&f);
}

static void test_toy_forward(void)
{
    neurashed_fixture f;
    neurashed_toy(&f);
    neurashed_start(&f, 1, 1, SASC_NEURASHED_ETA_SAME_SAMPLE);
    unsigned char fire[9];
    double scores[9], z[2], p[2];
    /* P0 = {a, b}: u fires (OR), v does not (c is off), w does not (1 of 3).
     * S_a = 1, S_b = 2, S_u = 0.5 (1 + 2) = 1.5; Z_0 = 1 * 1.5 + 1 * 0 = 1.5, Z_1 = 0. */
    sasc_neurashed_pattern_logits(&f.model, &f.state, &f.patterns.items[0], fire, scores, z);
    const unsigned char fire0[] = {1, 1, 0, 0, 1, 0, 0, 1, 0};
    CU_ASSERT_EQUAL(memcmp(fire, fire0, 9), 0);
    const double s0[] = {1, 2, 0, 0, 1.5, 0, 0, 0, 0};
    for (int n = 0; n < 9; n++)
        CU_ASSERT_EQUAL(scores[n], s0[n]);
    CU_ASSERT_EQUAL(z[0], 1.5);
    CU_ASSERT_EQUAL(z[1], 0);
    sasc_neurashed_softmax(z, 2, p);
    ASSERT_CLOSE(p[0], 1 / (1 + exp(-1.5)), 1e-15);
    ASSERT_CLOSE(p[0] + p[1], 1, 1e-15);
    /* P1 = {b, c, d}: u (b), v (b and c), w (3 of 3) fire.
     * S_u = 0.5 * (0 + 2) = 1, S_v = 2 (2 + 3) = 10, S_w = 1 (2 + 3 + 4) = 9;
     * Z_0 = 1 * 1 + 1 * 10 = 11, Z_1 = 2 * 10 + 1 * 9 = 29. */
    sasc_neurashed_pattern_logits(&f.model, &f.state, &f.patterns.items[1], fire, scores, z);
    const double s1[] = {0, 2, 3, 4, 1, 10, 9, 0, 0};
    for (int n = 0; n < 9; n++)
        CU_ASSERT_EQUAL(scores[n], s1[n]);
    CU_ASSERT_EQUAL(fire[CLASS1], 1);   /* the pathway holds its class's top node */
    CU_ASSERT_EQUAL(fire[CLASS0], 0);
    CU_ASSERT_EQUAL(z[0], 11);
    CU_ASSERT_EQUAL(z[1], 29);
    /* P2 = {c, d}: only w (2 of 3). S_w = 1 (3 + 4) = 7; Z = (0, 7). */
    sasc_neurashed_pattern_logits(&f.model, &f.state, &f.patterns.items[2], fire, scores, z);
    CU_ASSERT_EQUAL(scores[W], 7);
    CU_ASSERT_EQUAL(scores[U] + scores[V], 0);
    CU_ASSERT_EQUAL(z[0], 0);
    CU_ASSERT_EQUAL(z[1], 7);
    neurashed_free(&f);
}

static void assert_state(const sasc_neurashed_state *s, const double *lambda, const double *eta)
{
    for (int n = 0; n < 7; n++)
        CU_ASSERT_EQUAL(s->lambda[n], lambda[n]);
    CU_ASSERT_EQUAL(s->lambda[CLASS0] + s->lambda[CLASS1], 0);
    for (int i = 0; i < 4; i++)
        CU_ASSERT_EQUAL(s->eta[i], eta[i]);
}

static void test_toy_update(void)
{
    neurashed_fixture f;
    neurashed_toy(&f);
    neurashed_start(&f, 2, 1, SASC_NEURASHED_ETA_SAME_SAMPLE);
    sasc_neurashed_state start;
    CU_ASSERT_TRUE_FATAL(sasc_neurashed_state_copy(&f.model, &f.state, &start));
    /* Batch {P0, P1}: the union fires every node. lambda: 2x, d: 4 + 1 = 5.
     * eta, same sample: (u,0) by P0 -> 3; (v,0): v fires only in P1, of
     * class 1 -> 0.5; (v,1) and (w,1) by P1 -> 6, 3. */
    sasc_neurashed_update(&f.trainer, &f.state, (const int[]){0, 1}, 2);
    assert_state(&f.state, (const double[]){2, 4, 6, 5, 1, 4, 2}, (const double[]){3, 0.5, 6, 3});
    CU_ASSERT_EQUAL(f.state.iteration, 1);
    /* Batch {P0} alone from the start: a, b, u grow; c, d, v, w shrink
     * (d's g- is 0.5 x: 2); eta (u,0) grows, the rest shrink. */
    sasc_neurashed_state one;
    CU_ASSERT_TRUE_FATAL(sasc_neurashed_state_copy(&f.model, &start, &one));
    sasc_neurashed_update(&f.trainer, &one, (const int[]){0}, 1);
    assert_state(&one, (const double[]){2, 4, 1.5, 2, 1, 1, 0.5}, (const double[]){3, 0.5, 1, 0.5});
    sasc_neurashed_state_free(&one);
    neurashed_free(&f);
    /* The other reading: f and class j each somewhere in the batch. Now
     * (v,0) grows too: v fires (P1) and class 0 fires (P0) -> 3. */
    neurashed_toy(&f);
    neurashed_start(&f, 2, 1, SASC_NEURASHED_ETA_EITHER_SAMPLE);
    sasc_neurashed_update(&f.trainer, &f.state, (const int[]){0, 1}, 2);
    assert_state(&f.state, (const double[]){2, 4, 6, 5, 1, 4, 2}, (const double[]){3, 3, 6, 3});
    sasc_neurashed_state_free(&start);
    neurashed_free(&f);
}

/* The toy's LE at its initial state, base P0, test P1, by hand.
 * After the update at P0 (test_toy_update): lambda a2 b4 c1.5 d2 u1 v1 w0.5,
 * eta (u,0) 3, (v,0) 0.5, (v,1) 1, (w,1) 0.5.
 * P1: S_u = 1 * 4 = 4, S_v = 1 (4 + 1.5) = 5.5, S_w = 0.5 (4 + 1.5 + 2) = 3.75;
 *     Z = (3 * 4 + 0.5 * 5.5, 1 * 5.5 + 0.5 * 3.75) = (14.75, 7.375), was (11, 29).
 * P0: S_u = 1 (2 + 4) = 6; Z = (18, 0), was (1.5, 0).
 * LE = |(3.75, -21.625)| / |(16.5, 0)|. */
static void test_toy_elasticity(void)
{
    neurashed_fixture f;
    neurashed_toy(&f);
    neurashed_start(&f, 1, 1, SASC_NEURASHED_ETA_SAME_SAMPLE);
    double table[9];
    char error[256];
    CU_ASSERT_TRUE_FATAL(sasc_neurashed_elasticity_table(&f.trainer, &f.state, table, error,
                                                         sizeof error));
    ASSERT_CLOSE(table[0 * 3 + 1], sqrt(3.75 * 3.75 + 21.625 * 21.625) / 16.5, 1e-14);
    CU_ASSERT_EQUAL(table[0 * 3 + 0], 1);
    CU_ASSERT_EQUAL(f.state.lambda[C], 3);   /* the state given is not changed */
    CU_ASSERT_EQUAL(f.state.iteration, 0);
    /* The ratio alone: no change at the base is undefined. */
    const double z0[] = {1, 2}, z1[] = {4, 6};
    CU_ASSERT_EQUAL(sasc_local_elasticity(z0, z1, z0, z1, 2), 1);
    CU_ASSERT_TRUE(isnan(sasc_local_elasticity(z0, z1, z0, z0, 2)));
    neurashed_free(&f);
}

/* Initial values from the seed and the data stream: reproducible, in range,
 * and patterns drawn with their frequencies (P2 has weight 2 of 4). */
static void test_seeded_values(void)
{
    neurashed_fixture f;
    neurashed_toy(&f);
    f.graph.nodes[U].init = sasc_neurashed_uniform(0.25, 0.75);
    f.graph.eta_init = sasc_neurashed_uniform(0, 0.01);
    neurashed_start(&f, 1, 7, SASC_NEURASHED_ETA_SAME_SAMPLE);
    sasc_neurashed_state again;
    CU_ASSERT_TRUE_FATAL(sasc_neurashed_state_init(&f.model, 7, &again));
    CU_ASSERT_EQUAL(again.lambda[U], f.state.lambda[U]);
    CU_ASSERT(f.state.lambda[U] >= 0.25 && f.state.lambda[U] < 0.75);
    CU_ASSERT_EQUAL(f.state.lambda[A], 1);
    for (int i = 0; i < f.model.eta_count; i++) {
        if (i == 2)
            CU_ASSERT_EQUAL(f.state.eta[i], 2)       /* v -> class 1 keeps its own constant */
        else
            CU_ASSERT(f.state.eta[i] >= 0 && f.state.eta[i] < 0.01);
        CU_ASSERT_EQUAL(f.state.eta[i], again.eta[i]);
    }
    CU_ASSERT(f.state.eta[0] != f.state.eta[3]);   /* uniform 3 != uniform 0 */
    sasc_neurashed_state_free(&again);
    sasc_neurashed_state other;
    CU_ASSERT_TRUE_FATAL(sasc_neurashed_state_init(&f.model, 8, &other));
    CU_ASSERT(other.lambda[U] != f.state.lambda[U]);
    sasc_neurashed_state_free(&other);

    enum { BATCH = 5, ITERATIONS = 8000 };
    int batch[BATCH], again_batch[BATCH];
    long counts[3] = {0, 0, 0};
    for (long t = 0; t < ITERATIONS; t++) {
        sasc_neurashed_draw_batch(&f.patterns, 7, t, BATCH, batch);
        for (int s = 0; s < BATCH; s++)
            counts[batch[s]]++;
    }
    /* 40000 draws: each count within 5 standard deviations of n p. */
    const double share[] = {0.25, 0.25, 0.5};
    for (int p = 0; p < 3; p++) {
        double n = (double)BATCH * ITERATIONS, sd = sqrt(n * share[p] * (1 - share[p]));
        CU_ASSERT(fabs((double)counts[p] - n * share[p]) < 5 * sd);
    }
    sasc_neurashed_draw_batch(&f.patterns, 7, 123, BATCH, batch);
    sasc_neurashed_draw_batch(&f.patterns, 7, 123, BATCH, again_batch);
    CU_ASSERT_EQUAL(memcmp(batch, again_batch, sizeof batch), 0);
    /* A training step draws its iteration's batch: the same as drawing it here. */
    sasc_neurashed_state stepped, by_hand;
    CU_ASSERT_TRUE_FATAL(sasc_neurashed_state_copy(&f.model, &f.state, &stepped));
    CU_ASSERT_TRUE_FATAL(sasc_neurashed_state_copy(&f.model, &f.state, &by_hand));
    sasc_neurashed_train_step(&f.trainer, &stepped);
    sasc_neurashed_draw_batch(&f.patterns, 7, 0, 1, batch);
    sasc_neurashed_update(&f.trainer, &by_hand, batch, 1);
    CU_ASSERT_EQUAL(memcmp(stepped.lambda, by_hand.lambda, 9 * sizeof(double)), 0);
    sasc_neurashed_state_free(&stepped);
    sasc_neurashed_state_free(&by_hand);
    neurashed_free(&f);
}

/* ---- validation: each problem, with the element it names ---- */

static bool has_problem(const sasc_neurashed_problems *p, sasc_neurashed_problem_code code,
                        int node, int edge, int pattern)
{
    for (int i = 0; i < p->count; i++)
        if (p->items[i].code == code && p->items[i].node == node && p->items[i].edge == edge &&
            p->items[i].pattern == pattern)
            return true;
    return false;
}

static void test_validation(void)
{
    neurashed_fixture f;
    neurashed_toy(&f);
    sasc_neurashed_graph *g = &f.graph;
    sasc_neurashed_problems p;
    sasc_neurashed_problems_init(&p);
    CU_ASSERT_TRUE(sasc_neurashed_validate(g, &f.patterns, &p));
    CU_ASSERT_EQUAL(p.count, 0);
    /* Break it in every way at once. */
    int x = sasc_neurashed_add_node(g, 1, sasc_neurashed_at_least(3));   /* 9: needs 3 of 2 */
    sasc_neurashed_add_edge(g, A, x);
    sasc_neurashed_add_edge(g, B, x);                                     /* edges 11, 12 */
    int lonely = sasc_neurashed_add_node(g, 1, sasc_neurashed_or());     /* 10: no dependents */
    sasc_neurashed_add_node(g, 5, NEURASHED_BY_INPUT);                              /* 11: bad level */
    sasc_neurashed_add_edge(g, A, 42);                                    /* 13: dangling */
    sasc_neurashed_add_edge(g, A, CLASS0);                                /* 14: skips level 1 */
    sasc_neurashed_add_edge(g, B, U);                                     /* 15: repeats edge 1 */
    g->nodes[A].firing = sasc_neurashed_or();                             /* first level: no rule */
    g->nodes[U].own_rules = true;
    g->nodes[U].rules = (sasc_neurashed_rules){sasc_neurashed_multiply(1), sasc_neurashed_add(-1)};
    g->nodes[V].init = sasc_neurashed_uniform(0.5, 0.1);
    g->nodes[W].init = sasc_neurashed_constant(0);                        /* 2 x from 0 */
    g->edges[0].own_init = true;                                          /* a -> u has no eta */
    g->nodes[CLASS1].own_rules = true;
    neurashed_add_pattern(&f.patterns, 7, 0, (const int[]){U, A, A}, 3);           /* pattern 3 */
    neurashed_add_pattern(&f.patterns, 0, NAN, NULL, 0);                            /* pattern 4 */
    CU_ASSERT_FALSE(sasc_neurashed_validate(g, &f.patterns, &p));
    CU_ASSERT_TRUE(has_problem(&p, SASC_NEURASHED_NEVER_FIRES, x, -1, -1));
    CU_ASSERT_TRUE(has_problem(&p, SASC_NEURASHED_NO_DEPENDENTS, lonely, -1, -1));
    CU_ASSERT_TRUE(has_problem(&p, SASC_NEURASHED_BAD_LEVEL, 11, -1, -1));
    CU_ASSERT_TRUE(has_problem(&p, SASC_NEURASHED_DANGLING_EDGE, -1, 13, -1));
    CU_ASSERT_TRUE(has_problem(&p, SASC_NEURASHED_EDGE_SKIPS_LEVEL, -1, 14, -1));
    CU_ASSERT_TRUE(has_problem(&p, SASC_NEURASHED_DUPLICATE_EDGE, -1, 15, -1));
    CU_ASSERT_TRUE(has_problem(&p, SASC_NEURASHED_RULE_NOT_ALLOWED, A, -1, -1));
    CU_ASSERT_TRUE(has_problem(&p, SASC_NEURASHED_GROW_DOES_NOT_GROW, U, -1, -1));
    CU_ASSERT_TRUE(has_problem(&p, SASC_NEURASHED_BAD_SHRINK, U, -1, -1));
    CU_ASSERT_TRUE(has_problem(&p, SASC_NEURASHED_BAD_INIT, V, -1, -1));
    CU_ASSERT_TRUE(has_problem(&p, SASC_NEURASHED_STUCK_AT_ZERO, W, -1, -1));
    CU_ASSERT_TRUE(has_problem(&p, SASC_NEURASHED_NOT_A_WEIGHT, -1, 0, -1));
    CU_ASSERT_TRUE(has_problem(&p, SASC_NEURASHED_TOP_RULES, CLASS1, -1, -1));
    CU_ASSERT_TRUE(has_problem(&p, SASC_NEURASHED_BAD_LABEL, -1, -1, 3));
    CU_ASSERT_TRUE(has_problem(&p, SASC_NEURASHED_BAD_FREQUENCY, -1, -1, 3));
    CU_ASSERT_TRUE(has_problem(&p, SASC_NEURASHED_NOT_AN_INPUT, U, -1, 3));
    CU_ASSERT_TRUE(has_problem(&p, SASC_NEURASHED_REPEATED_INPUT, A, -1, 3));
    CU_ASSERT_TRUE(has_problem(&p, SASC_NEURASHED_EMPTY_PATTERN, -1, -1, 4));
    CU_ASSERT_TRUE(has_problem(&p, SASC_NEURASHED_BAD_FREQUENCY, -1, -1, 4));
    for (int i = 0; i < p.count; i++)   /* every message is one sentence that names something */
        CU_ASSERT(strlen(p.items[i].message) > 20);
    char error[256] = "";
    sasc_neurashed_model m;
    CU_ASSERT_FALSE(sasc_neurashed_model_compile(g, &m, error, sizeof error));
    CU_ASSERT(strlen(error) > 0);
    sasc_neurashed_problems_free(&p);
    neurashed_free(&f);

    /* Too few levels, an empty level, a class without a pattern, defaults that do not grow. */
    sasc_neurashed_graph small;
    sasc_neurashed_graph_init(&small, 1);
    sasc_neurashed_problems_init(&p);
    CU_ASSERT_FALSE(sasc_neurashed_validate(&small, NULL, &p));
    CU_ASSERT_EQUAL(p.items[0].code, SASC_NEURASHED_TOO_FEW_LEVELS);
    sasc_neurashed_problems_free(&p);
    sasc_neurashed_graph_free(&small);
    sasc_neurashed_graph_init(&small, 3);
    small.lambda_rules.grow = sasc_neurashed_multiply(0.9);
    sasc_neurashed_add_node(&small, 0, NEURASHED_BY_INPUT);
    sasc_neurashed_add_node(&small, 2, NEURASHED_BY_INPUT);
    sasc_neurashed_patterns none;
    sasc_neurashed_patterns_init(&none);
    sasc_neurashed_problems_init(&p);
    CU_ASSERT_FALSE(sasc_neurashed_validate(&small, &none, &p));
    CU_ASSERT_TRUE(has_problem(&p, SASC_NEURASHED_GROW_DOES_NOT_GROW, -1, -1, -1));
    bool empty_level = false;
    for (int i = 0; i < p.count; i++)
        empty_level |= p.items[i].code == SASC_NEURASHED_EMPTY_LEVEL && p.items[i].level == 1;
    CU_ASSERT_TRUE(empty_level);
    CU_ASSERT_TRUE(has_problem(&p, SASC_NEURASHED_CLASS_WITHOUT_PATTERN, 1, -1, -1));
    sasc_neurashed_problems_free(&p);
    sasc_neurashed_patterns_free(&none);
    sasc_neurashed_graph_free(&small);
}

/* What the pathways reach: a pattern that misses its class, a node never on a pathway. */
static void test_pathway_checks(void)
{
    neurashed_fixture f;
    neurashed_toy(&f);
    neurashed_add_pattern(&f.patterns, 0, 1, (const int[]){D}, 1);   /* fires nothing above */
    neurashed_start(&f, 1, 1, SASC_NEURASHED_ETA_SAME_SAMPLE);
    sasc_neurashed_problems p;
    sasc_neurashed_problems_init(&p);
    sasc_neurashed_check_pathways(&f.model, &f.patterns, &p);
    CU_ASSERT_EQUAL(p.count, 1);
    CU_ASSERT_TRUE(has_problem(&p, SASC_NEURASHED_MISSES_CLASS, CLASS0, -1, 3));
    CU_ASSERT_EQUAL(sasc_neurashed_errors(&p), 1);
    sasc_neurashed_problems_free(&p);
    neurashed_free(&f);
    neurashed_toy(&f);
    f.patterns.items[0].nodes[0] = B;   /* P0 = {b}: now no pattern fires a */
    f.patterns.items[0].count = 1;
    neurashed_start(&f, 1, 1, SASC_NEURASHED_ETA_SAME_SAMPLE);
    sasc_neurashed_problems_init(&p);
    sasc_neurashed_check_pathways(&f.model, &f.patterns, &p);
    CU_ASSERT_EQUAL(sasc_neurashed_errors(&p), 0);
    CU_ASSERT_TRUE(has_problem(&p, SASC_NEURASHED_NEVER_ON_A_PATHWAY, A, -1, -1));
    CU_ASSERT_TRUE(p.count == 1 && p.items[0].warning);
    sasc_neurashed_problems_free(&p);
    neurashed_free(&f);
}

/* ---- the information estimator ---- */

static void information(const sasc_gaussian_mixture *m, sasc_information_method method,
                        size_t samples, sasc_information_estimate *x, sasc_information_estimate *y)
{
    sasc_information_settings s = {method, samples, 3};
    char error[256] = "";
    CU_ASSERT_TRUE_FATAL(sasc_information_compute(m, &s, x, y, error, sizeof error));
}

/* Value within 5 errors (plus a small floor) of `expected`, bounds around it. */
static void assert_estimate(const sasc_information_estimate *e, double expected)
{
    CU_ASSERT(fabs(e->value - expected) <= 5 * e->error + 1e-9);
    CU_ASSERT(e->lower <= expected + 1e-9);
    CU_ASSERT(e->upper >= expected - 1e-9);
}

static void test_information_closed_forms(void)
{
    static const sasc_information_method ways[] = {SASC_INFORMATION_AUTO,
                                                   SASC_INFORMATION_MONTE_CARLO};
    for (int way = 0; way < 2; way++) {
        sasc_information_method method = ways[way];
        sasc_information_way expected_way = way == 0 ? SASC_INFORMATION_BY_QUADRATURE
                                                     : SASC_INFORMATION_BY_MONTE_CARLO;
        /* Two far-apart Gaussians, equally likely: 1 bit about the input and the label. */
        const double far[] = {0, 0, 100, 0};
        const int labels[] = {0, 1};
        sasc_gaussian_mixture m = {2, 2, far, NULL, 1.0, NULL, labels, 2};
        sasc_information_estimate x, y;
        information(&m, method, 1000, &x, &y);
        CU_ASSERT_EQUAL(x.way, expected_way);
        ASSERT_CLOSE(x.value, 1, 1e-9);
        ASSERT_CLOSE(y.value, 1, 1e-9);
        ASSERT_CLOSE(x.lower, 1, 1e-9);
        ASSERT_CLOSE(x.upper, 1, 1e-9);
        ASSERT_CLOSE(y.lower, 1, 1e-9);
        /* Identical components: nothing. */
        const double same[] = {3, -1, 3, -1};
        m.means = same;
        information(&m, method, 1000, &x, &y);
        ASSERT_CLOSE(x.value, 0, 1e-12);
        ASSERT_CLOSE(x.upper, 0, 1e-12);
        ASSERT_CLOSE(y.value, 0, 1e-12);
        /* Four far-apart inputs, weights 1:1:1:1, two per class: 2 bits about
         * the input, 1 about the label; with the two of a class coinciding, 1 and 1. */
        const double four[] = {0, 50, 100, 150}, pairs[] = {0, 0, 100, 100};
        const int two_classes[] = {0, 0, 1, 1};
        sasc_gaussian_mixture q = {4, 1, four, NULL, 1.0, NULL, two_classes, 2};
        information(&q, method, 500, &x, &y);
        ASSERT_CLOSE(x.value, 2, 1e-9);
        ASSERT_CLOSE(y.value, 1, 1e-9);
        ASSERT_CLOSE(y.upper, 1, 1e-9);
        q.means = pairs;
        information(&q, method, 500, &x, &y);
        ASSERT_CLOSE(x.value, 1, 1e-9);
        ASSERT_CLOSE(x.lower, 1, 1e-9);
        ASSERT_CLOSE(x.upper, 1, 1e-9);
        ASSERT_CLOSE(y.value, 1, 1e-9);
        /* Unequal weights 3:1, far apart: H(X) = 0.8113 bits. */
        const double weights[] = {3, 1};
        sasc_gaussian_mixture w = {2, 2, far, NULL, 1.0, weights, NULL, 0};
        information(&w, method, 500, &x, &y);
        double h = -(0.75 * log2(0.75) + 0.25 * log2(0.25));
        ASSERT_CLOSE(x.value, h, 1e-9);
        CU_ASSERT_TRUE(isnan(y.value) && isnan(y.lower));   /* no labels, no I(T; Y) */
        /* Bounds only. */
        information(&w, SASC_INFORMATION_BOUNDS, 0, &x, NULL);
        CU_ASSERT_TRUE(isnan(x.value));
        CU_ASSERT_EQUAL(x.way, SASC_INFORMATION_NOT_COMPUTED);
        ASSERT_CLOSE(x.lower, h, 1e-9);
    }
}

/* sum_x w_x int N(t|x) ln[p(t|x) / p(t)] dt in 1-D by the trapezoidal rule
 * on a fine grid over [-30, 30] (an independent computation, in logs so that
 * no density underflows). */
static double quadrature_information(const double *mean, const double *variance,
                                     const double *weight, int k)
{
    double total = 0, step = 1e-4;
    for (int x = 0; x < k; x++)
        total += weight[x];
    double information = 0;
    for (long i = 0; i <= 600000; i++) {
        double t = -30 + step * (double)i, log_density[8], top = -INFINITY, sum = 0;
        for (int x = 0; x < k; x++) {
            double r = t - mean[x];
            log_density[x] = -0.5 * r * r / variance[x] - 0.5 * log(2 * M_PI * variance[x]);
            top = fmax(top, log(weight[x] / total) + log_density[x]);
        }
        for (int x = 0; x < k; x++)
            sum += exp(log(weight[x] / total) + log_density[x] - top);
        double log_mixture = top + log(sum), end = i == 0 || i == 600000 ? 0.5 : 1.0;
        for (int x = 0; x < k; x++)
            information += end * step * weight[x] / total * exp(log_density[x]) *
                           (log_density[x] - log_mixture);
    }
    return information / M_LN2;
}

static void report(const char *what, const sasc_information_estimate *q,
                   const sasc_information_estimate *mc)
{
    printf("neurashed: %s:", what);
    if (q->way == SASC_INFORMATION_BY_QUADRATURE)
        printf(" Gauss-Hermite %.8f bits (error estimate %.1e),", q->value, q->error);
    printf(" Monte Carlo %.5f +- %.5f, bounds [%.5f, %.5f]\n", mc->value, mc->error, q->lower,
           q->upper);
}

static void test_information_quadrature(void)
{
    /* Two overlapping 1-D Gaussians (distance 2 sd): the quadrature to 1e-8,
     * Monte Carlo within 5 standard errors, bounds around. */
    const double mean2[] = {0, 2}, variance2[] = {1, 1}, weight2[] = {1, 1};
    sasc_gaussian_mixture m = {2, 1, mean2, NULL, 1, weight2, NULL, 0};
    sasc_information_estimate q, mc;
    information(&m, SASC_INFORMATION_AUTO, 0, &q, NULL);
    information(&m, SASC_INFORMATION_MONTE_CARLO, 20000, &mc, NULL);
    double exact = quadrature_information(mean2, variance2, weight2, 2);
    printf("\n");
    printf("neurashed: 1-D, two Gaussians 2 sd apart: trapezoid %.8f bits\n", exact);
    report("1-D, two Gaussians 2 sd apart", &q, &mc);
    CU_ASSERT_EQUAL(q.way, SASC_INFORMATION_BY_QUADRATURE);
    ASSERT_CLOSE(q.value, exact, 1e-8);
    CU_ASSERT(q.error < 1e-8);
    assert_estimate(&q, exact);
    assert_estimate(&mc, exact);
    CU_ASSERT(mc.error < 0.01);
    /* The same in 3-D, means along a diagonal: the span is one line. */
    const double diagonal[] = {0, 0, 0, 2 / sqrt(3), 2 / sqrt(3), 2 / sqrt(3)};
    sasc_gaussian_mixture tilted = {2, 3, diagonal, NULL, 1, weight2, NULL, 0};
    information(&tilted, SASC_INFORMATION_AUTO, 0, &q, NULL);
    ASSERT_CLOSE(q.value, exact, 1e-8);
    /* Three with unequal variances and weights: Monte Carlo (the variances
     * differ, so no quadrature), within 5 standard errors. */
    const double mean3[] = {-1, 0.5, 1}, variance3[] = {0.5, 2, 0.25}, weight3[] = {1, 2, 1};
    sasc_gaussian_mixture n = {3, 1, mean3, variance3, 0, weight3, NULL, 0};
    information(&n, SASC_INFORMATION_AUTO, 20000, &mc, NULL);
    CU_ASSERT_EQUAL(mc.way, SASC_INFORMATION_BY_MONTE_CARLO);
    exact = quadrature_information(mean3, variance3, weight3, 3);
    printf("neurashed: 1-D, three Gaussians, unequal variances: trapezoid %.8f bits\n", exact);
    report("1-D, three Gaussians, unequal variances", &mc, &mc);
    assert_estimate(&mc, exact);
    /* The same seed gives the same numbers; another seed other ones. */
    sasc_information_estimate again;
    information(&n, SASC_INFORMATION_AUTO, 20000, &again, NULL);
    CU_ASSERT_EQUAL(again.value, mc.value);
    sasc_information_settings other = {SASC_INFORMATION_AUTO, 20000, 4};
    char error[256];
    CU_ASSERT_TRUE(sasc_information_compute(&n, &other, &again, NULL, error, sizeof error));
    CU_ASSERT(again.value != mc.value);
    /* A 2-D diagonal mixture equals the 1-D one when the other coordinate is
     * the same for every input (it carries no information). */
    const double mean3d[] = {-1, 5, 0.5, 5, 1, 5}, variance3d[] = {0.5, 1, 2, 1, 0.25, 1};
    sasc_gaussian_mixture wide = {3, 2, mean3d, variance3d, 0, weight3, NULL, 0};
    information(&wide, SASC_INFORMATION_AUTO, 20000, &mc, NULL);
    assert_estimate(&mc, exact);
    /* Equal variances, four means spanning 3 dimensions (a tetrahedron of edge
     * 2 sd) with labels: quadrature against Monte Carlo with many draws. */
    const double tetra[] = {1, 1, 1, 1, -1, -1, -1, 1, -1, -1, -1, 1};
    const int labels[] = {0, 0, 1, 1};
    sasc_gaussian_mixture t = {4, 3, tetra, NULL, 2, NULL, labels, 2};
    sasc_information_estimate qy, mcy;
    information(&t, SASC_INFORMATION_AUTO, 0, &q, &qy);
    information(&t, SASC_INFORMATION_MONTE_CARLO, 40000, &mc, &mcy);
    report("3-D tetrahedron, I(T; X)", &q, &mc);
    report("3-D tetrahedron, I(T; Y)", &qy, &mcy);
    CU_ASSERT_EQUAL(q.way, SASC_INFORMATION_BY_QUADRATURE);
    CU_ASSERT(q.error < 1e-4);
    CU_ASSERT(fabs(mc.value - q.value) < 5 * mc.error);
    CU_ASSERT(fabs(mcy.value - qy.value) < 5 * mcy.error);
    assert_estimate(&q, q.value);
    assert_estimate(&qy, qy.value);
    /* Five means spanning 4 dimensions: beyond the quadrature, Monte Carlo. */
    const double simplex[] = {0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
    sasc_gaussian_mixture s5 = {5, 4, simplex, NULL, 1, NULL, NULL, 0};
    information(&s5, SASC_INFORMATION_AUTO, 100, &mc, NULL);
    CU_ASSERT_EQUAL(mc.way, SASC_INFORMATION_BY_MONTE_CARLO);
}

static void test_information_errors(void)
{
    const double mean[] = {0, 1}, bad_variance[] = {1, 0}, negative[] = {1, -1};
    const int labels[] = {0, 3};
    sasc_information_settings s = {SASC_INFORMATION_AUTO, 100, 1},
                              one = {SASC_INFORMATION_MONTE_CARLO, 1, 1};
    sasc_information_estimate x, y;
    char error[256];
    sasc_gaussian_mixture cases[] = {
        {0, 1, mean, NULL, 1, NULL, NULL, 0},          /* no input */
        {2, 1, mean, NULL, 0, NULL, NULL, 0},          /* variance 0 */
        {2, 1, mean, bad_variance, 0, NULL, NULL, 0},  /* a variance 0 */
        {2, 1, mean, NULL, 1, negative, NULL, 0},      /* negative weight */
        {2, 1, mean, NULL, 1, NULL, labels, 2},        /* label 3 of 2 classes */
        {2, 1, mean, NULL, NAN, NULL, NULL, 0},        /* NaN */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        error[0] = 0;
        CU_ASSERT_FALSE(sasc_information_compute(&cases[i], &s, &x, &y, error, sizeof error));
        CU_ASSERT(strlen(error) > 10);
    }
    sasc_gaussian_mixture fine = {2, 1, mean, NULL, 1, NULL, NULL, 0};
    CU_ASSERT_FALSE(sasc_information_compute(&fine, &one, &x, &y, error, sizeof error));
}

enum { FIG4_ITERATIONS = 800, FIG4_EVERY = 10, FIG4_POINTS = FIG4_ITERATIONS / FIG4_EVERY + 1 };

/* I(level; input) and I(level; label) over training, every FIG4_EVERY updates,
 * under the default settings with `normalisation`. */
static void fig4_run_normalised(int batch, uint64_t seed, sasc_neurashed_normalisation normalisation,
                                double ix[2][FIG4_POINTS], double iy[2][FIG4_POINTS],
                                double initial_level2[6])
{
    neurashed_fixture f;
    neurashed_fig4(&f);
    neurashed_start(&f, batch, seed, SASC_NEURASHED_ETA_SAME_SAMPLE);
    for (int i = 0; initial_level2 && i < 6; i++)   /* A1 B1 C1 C2 B2 A2 */
        initial_level2[i] = f.state.lambda[13 + i];
    sasc_neurashed_information_settings s;
    sasc_neurashed_information_settings_default(&s);
    s.normalisation = normalisation;
    s.estimator.samples = 400;
    char error[256] = "";
    for (int point = 0; point < FIG4_POINTS; point++) {
        for (int level = 0; level < 2; level++) {
            sasc_information_estimate x, y;
            CU_ASSERT_TRUE_FATAL(sasc_neurashed_information(&f.trainer, &f.state, level, &s, &x,
                                                            &y, error, sizeof error));
            ix[level][point] = x.value;
            iy[level][point] = y.value;
        }
        for (int k = 0; k < FIG4_EVERY && point + 1 < FIG4_POINTS; k++)
            sasc_neurashed_train_step(&f.trainer, &f.state);
    }
    neurashed_free(&f);
}

static void fig4_run(int batch, uint64_t seed, double ix[2][FIG4_POINTS],
                     double iy[2][FIG4_POINTS])
{
    fig4_run_normalised(batch, seed, SASC_NEURASHED_NORMALISE_DIVISIVE, ix, iy, NULL);
}

static int argmax(const double *v, int n)
{
    int best = 0;
    for (int i = 1; i < n; i++)
        if (v[i] > v[best])
            best = i;
    return best;
}

static void print_curve(const char *what, const double *v)
{
    printf("neurashed: %s:", what);
    for (int i = 0; i < FIG4_POINTS; i += 10)
        printf(" %d:%.3f", i * FIG4_EVERY, v[i]);
    printf("\n");
}

/* With SASC_NEURASHED_FIGURES=DIR (scripts/neurashed_checks.sh): the curves
 * as DIR/fig4_information.csv, against updates (fig4_information.svg) and in
 * the information plane (fig4_information_plane.svg). */
static void write_fig4_figures(double ix[2][FIG4_POINTS], double iy[2][FIG4_POINTS])
{
    const char *dir = getenv("SASC_NEURASHED_FIGURES");
    if (!dir || !*dir)
        return;
    char path[4096], error[512];
    CU_ASSERT_TRUE_FATAL(sasc_make_directories(dir, error, sizeof error));
    snprintf(path, sizeof path, "%s/fig4_information.csv", dir);
    FILE *csv = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(csv);
    fprintf(csv, "update,level1_input,level1_label,level2_input,level2_label\n");
    static double updates[FIG4_POINTS];
    for (int i = 0; i < FIG4_POINTS; i++) {
        updates[i] = i * FIG4_EVERY;
        fprintf(csv, "%d,%.6f,%.6f,%.6f,%.6f\n", i * FIG4_EVERY, ix[0][i], iy[0][i], ix[1][i],
                iy[1][i]);
    }
    CU_ASSERT_EQUAL(fclose(csv), 0);
    sasc_plot_series curves[] = {{"I(level 1; input)", updates, ix[0], NULL, FIG4_POINTS},
                                 {"I(level 1; label)", updates, iy[0], NULL, FIG4_POINTS},
                                 {"I(level 2; input)", updates, ix[1], NULL, FIG4_POINTS},
                                 {"I(level 2; label)", updates, iy[1], NULL, FIG4_POINTS}};
    sasc_line_plot over_time = {"neurashed Fig. 4: information over training (seed 1, batch 2)",
                                "updates", "bits", curves, 4, SASC_SPREAD_NONE, 0, 0};
    snprintf(path, sizeof path, "%s/fig4_information.svg", dir);
    CU_ASSERT_TRUE(sasc_plot_write_lines(&over_time, path, error, sizeof error));
    sasc_plot_series plane[] = {{"level 1", ix[0], iy[0], NULL, FIG4_POINTS},
                                {"level 2", ix[1], iy[1], NULL, FIG4_POINTS}};
    sasc_line_plot information_plane = {"neurashed Fig. 4: the information plane",
                                        "I(level; input) (bits)", "I(level; label) (bits)", plane,
                                        2, SASC_SPREAD_NONE, 0, 0};
    snprintf(path, sizeof path, "%s/fig4_information_plane.svg", dir);
    CU_ASSERT_TRUE(sasc_plot_write_lines(&information_plane, path, error, sizeof error));
}

static void test_fig4_information_plane(void)
{
    static double ix[2][FIG4_POINTS], iy[2][FIG4_POINTS];
    fig4_run(2, 1, ix, iy);
    write_fig4_figures(ix, iy);
    print_curve("Fig. 4, seed 1, batch 2, I(level 2; input)", ix[1]);
    print_curve("Fig. 4, seed 1, batch 2, I(level 2; label)", iy[1]);
    print_curve("Fig. 4, seed 1, batch 2, I(level 1; input)", ix[0]);
    print_curve("Fig. 4, seed 1, batch 2, I(level 1; label)", iy[0]);
    int peak = argmax(ix[1], FIG4_POINTS);
    printf("neurashed: Fig. 4, seed 1: level 2 starts at %.3f bits, peaks at %.3f after %d "
           "updates, ends at %.3f after %d\n", ix[1][0], ix[1][peak], peak * FIG4_EVERY,
           ix[1][FIG4_POINTS - 1], FIG4_ITERATIONS);
    /* The rise towards log2 4 = 2 bits, then the fall towards log2 2 = 1 bit. */
    CU_ASSERT(ix[1][0] < 0.5);
    CU_ASSERT(ix[1][peak] > 1.9 && ix[1][peak] < 2.05);
    CU_ASSERT(peak > 0 && peak < FIG4_POINTS / 2);
    ASSERT_CLOSE(ix[1][FIG4_POINTS - 1], 1.0, 0.02);
    /* The label is learned and kept: I(level 2; label) ends at 1 bit. */
    ASSERT_CLOSE(iy[1][FIG4_POINTS - 1], 1.0, 0.02);
    CU_ASSERT(iy[1][0] < 0.5);
    /* Level 1 (the appendix: "similar"): up towards log2 8 = 3, down to 2. */
    int peak1 = argmax(ix[0], FIG4_POINTS);
    CU_ASSERT(ix[0][peak1] > 2.5);
    ASSERT_CLOSE(ix[0][FIG4_POINTS - 1], 2.0, 0.02);

    /* Over seeds 1..5: the mean curve rises and falls the same way. */
    double mean_peak = 0, mean_end = 0;
    for (uint64_t seed = 1; seed <= 5; seed++) {
        double start[6];
        fig4_run_normalised(2, seed, SASC_NEURASHED_NORMALISE_DIVISIVE, ix, iy, start);
        int p = argmax(ix[1], FIG4_POINTS);
        mean_peak += ix[1][p] / 5;
        mean_end += ix[1][FIG4_POINTS - 1] / 5;
        printf("neurashed: Fig. 4, seed %d, batch 2: level 2 from %.3f up to %.3f (after %d) "
               "down to %.3f; initial lambda of A1 B1 C1 C2 B2 A2: %.5f %.5f %.5f %.5f %.5f "
               "%.5f\n", (int)seed, ix[1][0], ix[1][p], p * FIG4_EVERY, ix[1][FIG4_POINTS - 1],
               start[0], start[1], start[2], start[3], start[4], start[5]);
    }
    CU_ASSERT(mean_peak > 1.75);
    ASSERT_CLOSE(mean_end, 1.0, 0.02);
    /* Batch 1: level 2 rises and falls the same way; level 1 loses everything
     * to node 7 (docs/neurashed.md, "Fig. 4"). */
    fig4_run(1, 1, ix, iy);
    peak = argmax(ix[1], FIG4_POINTS);
    printf("neurashed: Fig. 4, seed 1, batch 1: level 2 from %.3f up to %.3f (after %d) down to "
           "%.3f; level 1 from %.3f up to %.3f down to %.3f\n", ix[1][0], ix[1][peak],
           peak * FIG4_EVERY, ix[1][FIG4_POINTS - 1], ix[0][0], ix[0][argmax(ix[0], FIG4_POINTS)],
           ix[0][FIG4_POINTS - 1]);
    CU_ASSERT(ix[1][peak] > 1.8);
    ASSERT_CLOSE(ix[1][FIG4_POINTS - 1], 1.0, 0.02);
    /* The other normalisations (docs/neurashed.md, reading 18): by the level's
     * largest value the information only falls (it is highest at the start);
     * raw, it only rises (it is highest at the end). */
    fig4_run_normalised(2, 1, SASC_NEURASHED_NORMALISE_LEVEL_MAX, ix, iy, NULL);
    peak = argmax(ix[1], FIG4_POINTS);
    printf("neurashed: Fig. 4, seed 1, batch 2, normalised by the level's largest value: level 2 "
           "from %.3f, highest %.3f after %d, down to %.3f\n", ix[1][0], ix[1][peak],
           peak * FIG4_EVERY, ix[1][FIG4_POINTS - 1]);
    CU_ASSERT(ix[1][0] > ix[1][peak] - 0.01);
    fig4_run_normalised(2, 1, SASC_NEURASHED_NORMALISE_NONE, ix, iy, NULL);
    peak = argmax(ix[1], FIG4_POINTS);
    printf("neurashed: Fig. 4, seed 1, batch 2, raw: level 2 from %.3f, highest %.3f after %d, "
           "ends at %.3f\n", ix[1][0], ix[1][peak], peak * FIG4_EVERY, ix[1][FIG4_POINTS - 1]);
    CU_ASSERT(ix[1][FIG4_POINTS - 1] > ix[1][peak] - 0.01);
    CU_ASSERT(ix[1][0] < 0.5);
}

/* The toy's level-1 representation (3 patterns x 3 nodes) under `s`. */
static void assert_representation(const neurashed_fixture *f, const sasc_neurashed_information_settings *s,
                                  const double *expected)
{
    double means[9];
    CU_ASSERT_TRUE(sasc_neurashed_representation_of(&f->trainer, &f->state, 1, s, means));
    for (int i = 0; i < 9; i++)
        ASSERT_CLOSE(means[i], expected[i], 1e-15);
}

/* The representations and normalisations by hand on the toy graph, and the
 * settings' checks. */
static void test_information_plane_settings(void)
{
    neurashed_fixture f;
    neurashed_toy(&f);
    neurashed_start(&f, 1, 1, SASC_NEURASHED_ETA_SAME_SAMPLE);
    sasc_neurashed_information_settings s;
    sasc_neurashed_information_settings_default(&s);
    CU_ASSERT_EQUAL(s.representation, SASC_NEURASHED_REPRESENT_AMPLIFICATION);
    CU_ASSERT_EQUAL(s.normalisation, SASC_NEURASHED_NORMALISE_DIVISIVE);
    /* Level 1 (u, v, w), amplification, divisive c = 1: P0 fires u (0.5):
     * (0.5, 0, 0) / 1.5; P1 fires all: (0.5, 2, 1) / 4.5; P2 fires w: (0, 0, 1) / 2. */
    assert_representation(&f, &s, (const double[]){0.5 / 1.5, 0, 0, 0.5 / 4.5, 2 / 4.5, 1 / 4.5,
                                                   0, 0, 0.5});
    /* Scores, largest over the level: P1's 10. */
    s.representation = SASC_NEURASHED_REPRESENT_SCORES;
    s.normalisation = SASC_NEURASHED_NORMALISE_LEVEL_MAX;
    assert_representation(&f, &s, (const double[]){0.15, 0, 0, 0.1, 1, 0.9, 0, 0, 0.7});
    s.representation = SASC_NEURASHED_REPRESENT_FIRING;
    s.normalisation = SASC_NEURASHED_NORMALISE_NONE;
    assert_representation(&f, &s, (const double[]){1, 0, 0, 1, 1, 1, 0, 0, 1});
    /* Firing, tiny noise: level 1 tells the three patterns apart (H(X) = 1.5
     * bits with frequencies 1:1:2) and so the classes (H(Y) = H(1/4) bits). */
    s.noise = 1e-3;
    sasc_information_estimate x, y;
    char error[256];
    CU_ASSERT_TRUE(sasc_neurashed_information(&f.trainer, &f.state, 1, &s, &x, &y, error,
                                              sizeof error));
    ASSERT_CLOSE(x.value, 1.5, 1e-9);
    ASSERT_CLOSE(y.value, -(0.25 * log2(0.25) + 0.75 * log2(0.75)), 1e-9);
    s.noise = 0;
    CU_ASSERT_FALSE(sasc_neurashed_information(&f.trainer, &f.state, 1, &s, &x, &y, error,
                                               sizeof error));
    s.noise = 0.1;
    CU_ASSERT_FALSE(sasc_neurashed_information(&f.trainer, &f.state, 2, &s, &x, &y, error,
                                               sizeof error));   /* the class level */
    s.normalisation = SASC_NEURASHED_NORMALISE_DIVISIVE;
    s.constant = 0;
    CU_ASSERT_FALSE(sasc_neurashed_information(&f.trainer, &f.state, 1, &s, &x, &y, error,
                                               sizeof error));
    /* Amplification factors beyond the double range: said, not NaN bits. */
    s.constant = 1;
    s.representation = SASC_NEURASHED_REPRESENT_SCORES;
    f.state.lambda[V] = 1e300;
    f.state.lambda[B] = 1e300;
    CU_ASSERT_FALSE(sasc_neurashed_information(&f.trainer, &f.state, 1, &s, &x, &y, error,
                                               sizeof error));
    CU_ASSERT_PTR_NOT_NULL(strstr(error, "double range"));
    neurashed_free(&f);
}

static sasc_neurashed_sparsity fig3_run(int batch, int level)
{
    neurashed_fixture f;
    neurashed_fig3(&f);
    neurashed_start(&f, batch, 1, SASC_NEURASHED_ETA_SAME_SAMPLE);
    for (int t = 0; t < 300; t++)
        sasc_neurashed_train_step(&f.trainer, &f.state);
    sasc_neurashed_sparsity s = sasc_neurashed_sparsity_of(&f.model, &f.state, level, 0.01);
    neurashed_free(&f);
    return s;
}

static void test_fig3_implicit_regularisation(void)
{
    const char *where[] = {"every level", "level 1", "level 2"};
    for (int level = -1; level <= 1; level++) {
        sasc_neurashed_sparsity small = fig3_run(1, level), large = fig3_run(16, level);
        printf("neurashed: Fig. 3, %s, 300 updates: batch 1: share above 1%% of the largest "
               "%.3f, participation ratio %.3f; batch 16: %.3f, %.3f\n", where[level + 1],
               small.share_above, small.participation_ratio, large.share_above,
               large.participation_ratio);
        /* Small batches learn sparser pathways, by both measures. */
        CU_ASSERT(small.share_above < large.share_above);
        CU_ASSERT(small.participation_ratio < large.participation_ratio);
    }
    /* Batch 1: only the shared features y and 2, 3 stay above 1% of the largest. */
    CU_ASSERT_DOUBLE_EQUAL(fig3_run(1, 1).share_above, 1.0 / 3, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(fig3_run(1, 0).share_above, 2.0 / 6, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(fig3_run(16, -1).share_above, 1.0, 1e-12);
    /* The measures by hand on the first level: lambda (4, 1, 1, 0.05, 0, 0):
     * above 1% of 4 (0.04): 4 of 6; PR = 6.05^2 / (6 * 18.0025). */
    neurashed_fixture f;
    neurashed_fig3(&f);
    neurashed_start(&f, 1, 1, SASC_NEURASHED_ETA_SAME_SAMPLE);
    const double lambda[] = {4, 1, 1, 0.05};
    for (int i = 0; i < 4; i++)
        f.state.lambda[i] = lambda[i];
    f.state.lambda[4] = f.state.lambda[5] = 0;
    sasc_neurashed_sparsity s = sasc_neurashed_sparsity_of(&f.model, &f.state, 0, 0.01);
    CU_ASSERT_EQUAL(s.nodes, 6);
    CU_ASSERT_DOUBLE_EQUAL(s.share_above, 4.0 / 6, 1e-15);
    ASSERT_CLOSE(s.participation_ratio, 6.05 * 6.05 / (6 * 18.0025), 1e-14);
    neurashed_free(&f);
}

static void test_local_elasticity(void)
{
    /* At lambda = eta = 1 with the appendix's a = 1.022^(11/4), b = 1.022^(-1/4),
     * by hand (docs/neurashed.md): the update at 1a changes
     *   Z_1(1a) = 3 -> 3 a^4,  Z_1(1b) = 3 -> a^3 (2a + b),
     *   Z_2(2) = 3 -> b^2 (a^2 + a b + b^2),  Z_3(3) = 2 -> 2 b^4. */
    neurashed_fixture f;
    neurashed_elasticity(&f, 1.0);
    neurashed_start(&f, 1, 1, SASC_NEURASHED_ETA_SAME_SAMPLE);
    double table[16];
    char error[256];
    CU_ASSERT_TRUE_FATAL(sasc_neurashed_elasticity_table(&f.trainer, &f.state, table, error,
                                                         sizeof error));
    double a = pow(1.022, 11.0 / 4.0), b = pow(1.022, -1.0 / 4.0), base = 3 * (pow(a, 4) - 1);
    ASSERT_CLOSE(table[1], (pow(a, 3) * (2 * a + b) - 3) / base, 1e-12);
    ASSERT_CLOSE(table[2], (b * b * (a * a + a * b + b * b) - 3) / base, 1e-12);
    ASSERT_CLOSE(table[3], 2 * (1 - pow(b, 4)) / base, 1e-12);
    printf("neurashed: LE at lambda = eta = 1, base 1a: on 1b %.4f, on 2 %.4f, on 3 %.4f\n",
           table[1], table[2], table[3]);
    CU_ASSERT(table[1] > table[2] && table[2] > table[3]);
    neurashed_free(&f);
    /* After training on all four types (random start U(0, 0.01), 200 updates of
     * batch 1), every base: its nearest kin is hit hardest. */
    neurashed_elasticity(&f, 0);
    neurashed_start(&f, 1, 1, SASC_NEURASHED_ETA_SAME_SAMPLE);
    for (int t = 0; t < 200; t++)
        sasc_neurashed_train_step(&f.trainer, &f.state);
    CU_ASSERT_TRUE_FATAL(sasc_neurashed_elasticity_table(&f.trainer, &f.state, table, error,
                                                         sizeof error));
    printf("neurashed: LE after 200 updates, base 1a: on 1b %.4f, on 2 %.4f, on 3 %.4f; "
           "base 1b: on 1a %.4f, on 2 %.4f, on 3 %.4f\n", table[1], table[2], table[3], table[4],
           table[6], table[7]);
    CU_ASSERT(table[1] > table[2] && table[2] > table[3]);
    CU_ASSERT(table[4] > table[6] && table[6] > table[7]);
    neurashed_free(&f);
}

int main(void)
{
    TESTING_INIT();
    CU_pSuite model = CU_add_suite("neurashed model", NULL, NULL);
    CU_add_test(model, "toy graph: compiled structure", test_toy_structure);
    CU_add_test(model, "toy graph: firing, scores, logits by hand", test_toy_forward);
    CU_add_test(model, "toy graph: updates by hand, both eta readings", test_toy_update);
    CU_add_test(model, "toy graph: local elasticity by hand", test_toy_elasticity);
    CU_add_test(model, "seeded initial values and pattern draws", test_seeded_values);
    CU_add_test(model, "validation: every problem", test_validation);
    CU_add_test(model, "pathway checks", test_pathway_checks);
    CU_pSuite info = CU_add_suite("information estimator", NULL, NULL);
    CU_add_test(info, "closed forms: 1 bit, 0 bits, 2 bits, H(X)", test_information_closed_forms);
    CU_add_test(info, "1-D mixtures against quadrature", test_information_quadrature);
    CU_add_test(info, "bad mixtures and settings", test_information_errors);
    CU_pSuite paper = CU_add_suite("neurashed paper experiments", NULL, NULL);
    CU_add_test(paper, "information plane settings by hand", test_information_plane_settings);
    CU_add_test(paper, "Fig. 4: level 2 rises towards 2 bits, falls to 1",
                test_fig4_information_plane);
    CU_add_test(paper, "Fig. 3: small batches learn sparser pathways",
                test_fig3_implicit_regularisation);
    CU_add_test(paper, "local elasticity: 1b > 2 > 3", test_local_elasticity);
    return testing_run_registry();
}
