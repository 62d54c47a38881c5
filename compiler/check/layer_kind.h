/*
 * layer_kind.h — what a layer kind is: the declarations the checker reads
 * (its settings, its parameter groups, what it reads and what it produces)
 * and the hooks with which it checks and lowers itself.
 *
 * Why here. A layer kind takes part in two stages: the checker (this
 * stage, compiler/check) and the lowering (compiler/lower, later). This
 * header declares the interface in the earlier stage: plain data that the
 * checker interprets generically, plus hooks whose lowering side is typed
 * with a forward declaration (struct lower_context, defined by
 * compiler/lower/lower_context.h), so nothing here needs a later stage.
 * Each kind is one file of compiler/layers/ (a stage after compiler/lower:
 * it uses both), filling one layer_kind; compiler/layers/registry.c lists
 * the kinds in one table, which the driver hands to the checker
 * (frontend_check) and which reaches the lowering through each checked
 * layer's `kind`. Adding a kind is one new file and one line in that table
 * (and the file's name in Makefile.am).
 *
 * The checker's structural rules follow from these declarations alone:
 *  - values flow as one value per sample ("once") or one per time step (a
 *    sequence). A model with a kind that carries state (`carries_state`)
 *    reads its input as a sequence of `steps` blocks; otherwise once;
 *  - a layer reading a sequence is applied at every step and produces a
 *    sequence, unless it reads only the last step (`at = last`, for kinds
 *    that take `at`), when it produces one value; a layer reading one value
 *    produces one value; a kind with `reads_sequence` refuses one value;
 *  - the kinds that carry state share the model's time axis (`steps`,
 *    `test_steps`): at least one gives `steps`, and all that give a value agree;
 *  - a layer is written NAME(source, width), or NAME(source) for a kind
 *    whose width is its source's (`width_from_source`);
 *  - each declared group is a connection matrix with its own prior and mask
 *    settings (prefix + prior, pi, m, Xi, mask); its shape is source width x
 *    units, or units x units when `square`;
 *  - the kind's own settings are checked against their type, range and
 *    default; its `check` hook adds what a table cannot say.
 * A kind whose groups are not trained by gradient (`trained_by_gradient`
 * false) gets no GRADIENT buffers and no optimiser step; it updates its own
 * buffers by its `learn` and `update` hooks, and a model made only of such
 * kinds needs no loss.
 */
#ifndef SASC_LAYER_KIND_H
#define SASC_LAYER_KIND_H

#include <stdbool.h>
#include "runtime/sasc_runtime.h"
#include "grammar/ast.h"
#include "grammar/diagnostics.h"

typedef enum {
    ACTIVATION_IDENTITY, ACTIVATION_RELU, ACTIVATION_TANH,
    ACTIVATION_SIGMOID, ACTIVATION_SOFTMAX
} activation_kind;

/* ---- declarations ---- */

typedef enum {
    LAYER_SETTING_REAL, LAYER_SETTING_INTEGER, LAYER_SETTING_CHOICE,
    LAYER_SETTING_EXPRESSION   /* any expression, read by the kind's check hook (e.g. any(1, 2, 3)) */
} layer_setting_type;

/* One setting of a kind's own: `key = value` in the layer's block. */
typedef struct {
    const char *key;
    layer_setting_type type;
    double low, high;            /* REAL, INTEGER: the allowed range (INFINITY for none) */
    bool low_open;               /* REAL: the value must be > low, not >= */
    double fallback;             /* its value when not given (CHOICE: the index of a choice) */
    const char *const *choices;  /* CHOICE: the names it may be */
    int choice_count;
    const char *what;            /* INTEGER and CHOICE messages: "the number of units", "scale" */
} layer_setting;

/* One connection group of a kind: a SaS parameter matrix (pi, m, Xi). */
typedef struct {
    const char *suffix;          /* the group's name is the layer's name + suffix ("", ".in") */
    const char *prefix;          /* its settings are prefix + prior, pi, m, Xi, mask ("", "in_") */
    sasc_group_kind kind;        /* what it is, for the ABI and the analyses */
    bool square;                 /* units x units; else (the source's width) x units */
    bool trained_by_gradient;    /* GRADIENT buffers and the optimiser's step; else the kind's rule */
} layer_group;

/* Which steps of a sequence a kind reads when it has the `at` setting. */
typedef enum {
    LAYER_AT_NONE,               /* no `at`: reads what its source gives */
    LAYER_AT_EVERY_STEP,         /* `at = every` (default) or `at = last` */
    LAYER_AT_LAST_STEP           /* `at = last` (default) or `at = every` */
} layer_at;

enum { LAYER_MAX_GROUPS = 4, LAYER_MAX_SETTINGS = 16 };

struct layer_spec;
struct lower_context;   /* compiler/lower/lower_context.h */

/* What a kind's `check` hook gets: the diagnostics, its own settings as
 * written (own[k] for settings[k], NULL when not given), and the checker's
 * folding of a constant expression (false after reporting why it is not a
 * number) for settings of type LAYER_SETTING_EXPRESSION. */
typedef struct layer_check {
    diagnostics *d;
    const ast_setting *const *own;
    bool (*number)(const struct layer_check *c, const ast_expr *e, double *out);
    void *checker;            /* the checker's own state, for `number` */
} layer_check;

typedef struct layer_kind {
    const char *name;                    /* as written: `layer h = NAME(source, width)` */
    const layer_setting *settings;       /* its own settings */
    int setting_count;
    const layer_group *groups;           /* its connection groups, in ABI order */
    int group_count;
    /* what it reads and produces */
    bool width_from_source;              /* written NAME(source): its width is the source's */
    bool reads_sequence;                 /* refuses a source with one value per sample */
    bool carries_state;                  /* a state from step to step: runs on the time axis */
    layer_at at;
    bool scales_by_fan_in;               /* takes `scale` (fan_in, the default, or none) */
    activation_kind default_activation;
    bool elementwise_activation;         /* softmax is not one of its transfer functions */

    /* Rules among its own settings that the table cannot say, and the
     * reading of its expression settings; runs after the settings are read
     * and before the groups' priors. It may leave what it parsed in
     * layer->data, released by free_data. Both may be NULL. */
    void (*check)(const layer_check *c, struct layer_spec *layer);
    void (*free_data)(void *data);

    /* Lowering (compiler/lower/lower_context.h says when each is called and
     * what it may use). forward is required; the others may be NULL. */
    void (*add_buffers)(struct lower_context *c, int layer);       /* after its groups */
    void (*add_step_buffers)(struct lower_context *c, int layer);  /* after every gradient */
    void (*begin)(struct lower_context *c, int layer);             /* before a time loop */
    int (*forward)(struct lower_context *c, int layer, int input); /* its pre-activation */
    int (*final_value)(struct lower_context *c, int layer);        /* after the loop: the last step's */
    void (*learn)(struct lower_context *c, int layer);             /* train: its own rule */
    void (*update)(struct lower_context *c, int layer);            /* update: its own rule */
} layer_kind;

/* The kinds a checker knows (compiler/layers/registry.h builds the table). */
typedef struct {
    const layer_kind *const *kinds;
    int count;
} layer_kind_table;

const layer_kind *layer_kind_find(const layer_kind_table *table, const char *name);

/* The index of `key` among kind's own settings, or -1. */
int layer_kind_setting(const layer_kind *kind, const char *key);

/* Whether some group of the kind is trained by gradient. */
bool layer_kind_has_gradients(const layer_kind *kind);

const char *layer_activation_name(activation_kind kind);

#endif
