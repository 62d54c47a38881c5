/*
 * neurashed_fixtures.h — the neurashed models the tests share
 * (tests/test_neurashed.c, tests/test_neurashed_ir.c): a three-level toy
 * graph with values small enough to compute by hand, the paper's Fig. 4,
 * Fig. 3 and local-elasticity models as docs/neurashed.md reads them, and
 * building each into a validated, compiled, initialised model with a trainer.
 */
#ifndef SASC_NEURASHED_FIXTURES_H
#define SASC_NEURASHED_FIXTURES_H

#include "runtime/neurashed/update.h"

/* A model with everything it needs, built and torn down together. */
typedef struct {
    sasc_neurashed_graph graph;
    sasc_neurashed_patterns patterns;
    sasc_neurashed_model model;
    sasc_neurashed_state state;
    sasc_neurashed_trainer trainer;
} neurashed_fixture;

/* The firing "rule" of first-level and top nodes: none. */
extern const sasc_neurashed_firing NEURASHED_BY_INPUT;

/* The toy graph's nodes (neurashed_fixtures.c draws it). */
enum { A, B, C, D, U, V, W, CLASS0, CLASS1 };

/* Fill f's graph and patterns (f is overwritten). */
void neurashed_toy(neurashed_fixture *f);
void neurashed_fig4(neurashed_fixture *f);
void neurashed_fig3(neurashed_fixture *f);
/* initial > 0: every lambda and eta starts at that constant; else the defaults. */
void neurashed_elasticity(neurashed_fixture *f, double initial);

/* Validate (asserting no problem), compile, initialise from `seed`, make a trainer. */
void neurashed_start(neurashed_fixture *f, int batch, uint64_t seed, sasc_neurashed_eta_firing eta);
void neurashed_free(neurashed_fixture *f);

/* sasc_neurashed_add_pattern, asserting it had memory. */
void neurashed_add_pattern(sasc_neurashed_patterns *set, int label, double frequency,
                           const int *nodes, int count);

#endif
