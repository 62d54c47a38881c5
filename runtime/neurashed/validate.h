/*
 * validate.h — everything that makes a neurashed description invalid or
 * suspect, found all at once and named by the element it concerns, so that
 * the front end can put each at its file:line:col (docs/errors.md).
 *
 * sasc_neurashed_validate checks a graph and, when given, its patterns
 * without running anything; sasc_neurashed_check_pathways (model.h) checks
 * what the patterns' pathways reach, which needs the compiled model.
 * A graph compiles (sasc_neurashed_model_compile) exactly when validate
 * reports no error; warnings do not stop it.
 */
#ifndef SASC_NEURASHED_VALIDATE_H
#define SASC_NEURASHED_VALIDATE_H

#include <stdbool.h>
#include "runtime/neurashed/graph.h"
#include "runtime/neurashed/patterns.h"

typedef enum {
    /* the graph */
    SASC_NEURASHED_TOO_FEW_LEVELS,     /* levels < 2: no room for inputs and classes */
    SASC_NEURASHED_EMPTY_LEVEL,        /* `level` has no node */
    SASC_NEURASHED_BAD_LEVEL,          /* `node`'s level is outside [0, levels) */
    SASC_NEURASHED_DANGLING_EDGE,      /* `edge` names a node that does not exist */
    SASC_NEURASHED_EDGE_SKIPS_LEVEL,   /* `edge`'s dependent is not in the level just below its node */
    SASC_NEURASHED_DUPLICATE_EDGE,     /* `edge` repeats an earlier edge (`other`) */
    SASC_NEURASHED_RULE_NOT_ALLOWED,   /* `node` is a first-level or top node and has a firing rule */
    SASC_NEURASHED_NO_DEPENDENTS,      /* middle or top `node` without dependents */
    SASC_NEURASHED_NEVER_FIRES,        /* `node` needs more firing dependents than it has (or k < 1) */
    SASC_NEURASHED_GROW_DOES_NOT_GROW, /* `node`'s (or `edge`'s) g+ is not a x, a > 1, or x + c, c > 0 */
    SASC_NEURASHED_BAD_SHRINK,         /* `node`'s (or `edge`'s) g- is not b x with 0 < b <= 1 */
    SASC_NEURASHED_BAD_INIT,           /* `node`'s (or `edge`'s) initial values are not >= 0 and finite */
    SASC_NEURASHED_STUCK_AT_ZERO,      /* a multiplicative g+ from the constant 0 never leaves 0 */
    SASC_NEURASHED_NOT_A_WEIGHT,       /* `edge` has rules or initial values but is not into a top node */
    SASC_NEURASHED_TOP_RULES,          /* top `node` has lambda rules or initial values (it has no lambda) */
    /* the patterns */
    SASC_NEURASHED_BAD_LABEL,          /* `pattern`'s label is not a class */
    SASC_NEURASHED_BAD_FREQUENCY,      /* `pattern`'s frequency is not finite and > 0 */
    SASC_NEURASHED_EMPTY_PATTERN,      /* `pattern` switches no node on */
    SASC_NEURASHED_NOT_AN_INPUT,       /* `pattern` names `node`, which is no first-level node */
    SASC_NEURASHED_REPEATED_INPUT,     /* `pattern` names `node` twice */
    SASC_NEURASHED_CLASS_WITHOUT_PATTERN, /* class `level` (its top node `node`) has no pattern */
    /* the pathways (sasc_neurashed_check_pathways) */
    SASC_NEURASHED_MISSES_CLASS,       /* `pattern` fires no dependent of its class: its logit stays 0 */
    SASC_NEURASHED_NEVER_ON_A_PATHWAY  /* warning: no pattern fires `node`; it only ever shrinks */
} sasc_neurashed_problem_code;

typedef struct {
    sasc_neurashed_problem_code code;
    bool warning;              /* false: an error */
    int node, edge, other, pattern, level;   /* -1 when not concerned */
    char message[240];         /* one sentence naming elements by index */
} sasc_neurashed_problem;

typedef struct {
    sasc_neurashed_problem *items;
    int count, capacity;
    bool out_of_memory;        /* some problem could not be recorded */
} sasc_neurashed_problems;

void sasc_neurashed_problems_init(sasc_neurashed_problems *problems);
void sasc_neurashed_problems_free(sasc_neurashed_problems *problems);

/* Record one problem (printf-style message). */
void sasc_neurashed_report(sasc_neurashed_problems *problems, sasc_neurashed_problem where,
                           const char *format, ...) __attribute__((format(printf, 3, 4)));

/* The number of errors (not warnings) among `problems`. */
int sasc_neurashed_errors(const sasc_neurashed_problems *problems);

/* Check graph `g` and, unless NULL, `patterns`; append what is wrong to
 * `problems`. True when no error was found (warnings allowed). */
bool sasc_neurashed_validate(const sasc_neurashed_graph *g, const sasc_neurashed_patterns *patterns,
                             sasc_neurashed_problems *problems);

#endif
