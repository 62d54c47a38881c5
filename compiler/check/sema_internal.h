/*
 * sema_internal.h — what the parts of semantic analysis share: the checker's
 * state, name and number helpers (sema_values.c), the layers (sema_layers.c)
 * and the models, tasks and file (sema.c). Not part of the checker's
 * interface (sema.h).
 *
 * Error policy: every check reports at the most precise location it has and
 * then carries on with a neutral value, so independent mistakes are all
 * reported in one run; whether the result is usable is decided once, at the
 * end, from the diagnostics' error count.
 */
#ifndef SASC_SEMA_INTERNAL_H
#define SASC_SEMA_INTERNAL_H

#include "compiler/check/sema.h"

/* The file's constants as checked so far (sema_constants.c): values in
 * declaration order; a constant whose expression failed stays listed (ok
 * false) so that its uses are not reported again as unknown. */
typedef struct {
    sasc_constants values;
    const ast_decl *decl[SASC_MAX_CONSTANTS];
    bool ok[SASC_MAX_CONSTANTS];
    bool overridden[SASC_MAX_CONSTANTS];
    int visible;                /* while constant k's expression is folded: k; then all */
} constant_scope;

typedef struct {
    diagnostics *d;
    const ast_file *file;
    const char *path;
    const layer_kind_table *kinds;
    const sasc_constants *overrides;   /* --set NAME=VALUE of constants, or NULL */
    constant_scope constants;
    bool out_of_memory;
} sema;

#define COUNT(array) ((int)(sizeof(array) / sizeof((array)[0])))

extern const char *const sema_parameter_names[3];   /* "pi", "m", "Xi", indexed by sasc_parameter */

/* ---- names (sema_values.c) ---- */

/* "a, b or c" into out. */
void sema_list_choices(char *out, size_t size, const char *const *choices, int count);
/* "unknown <what> 'x'; did you mean 'y'?" — or, with no close candidate and
 * a short list, the list of what is allowed. */
void sema_report_unknown(sema *s, source_location where, const char *what, const char *name,
                         const char *const *candidates, int count);
int sema_find_name(const char *name, const char *const *names, int count);
/* The index of `name` among `choices`, or -1 after reporting it unknown. */
int sema_choose(sema *s, const char *name, source_location where, const char *what,
                const char *const *choices, int count);
/* A setting whose value must be one of a few bare names (activation = relu). */
int sema_choose_expr(sema *s, const ast_expr *e, const char *what, const char *const *choices, int count);
/* Where the callee's name is in a call (the call's location spans the arguments too). */
source_location sema_callee_location(const ast_expr *call);
char *sema_copy_text(sema *s, const char *text);
void sema_report_duplicate(sema *s, const char *what, const ast_name *again, source_location first);

/* ---- numbers ---- */

const char *sema_value_description(const ast_expr *e);
/* Folds a constant expression; reports why when it is not one. */
bool sema_eval_number(sema *s, const ast_expr *e, double *out);
/* An integer in [min, max], e.g. a width. */
bool sema_eval_integer(sema *s, const ast_expr *e, const char *what, long min, long max, int *out);

/* ---- priors and masks ---- */

/* The prior of one parameter as written somewhere (a prior block or a layer). */
typedef struct {
    parameter_prior prior;
    bool given;
    source_location where;     /* the value's location, for later shape checks */
} written_prior;

typedef struct {
    const ast_decl *decl;
    written_prior parameter[3];
} named_prior;

void sema_eval_parameter(sema *s, const ast_setting *setting, sasc_parameter p, written_prior *out);
/* The file's prior blocks, checked (duplicates reported); *count of them. */
named_prior *sema_check_priors(sema *s, int *count);
/* mask = density(p) | npy("file"); a relative path is relative to the .sas file. */
void sema_check_mask(sema *s, const ast_expr *e, sasc_mask *mask);

/* Matches a block's settings against the keys allowed there: found[i] is the
 * setting for keys[i] or NULL. Reports unknown keys (with a suggestion),
 * repeated keys, and `frozen` on keys that are not in `freezable`. */
void sema_match_settings(sema *s, const ast_block *block, const char *what,
                         const char *const *keys, int key_count, const char *const *freezable,
                         int freezable_count, const ast_setting **found);

/* ---- constants (sema_constants.c) ---- */

/* Every `const NAME = expr` of the file, in order, into s->constants and
 * out->constants (overrides applied). Runs before anything else is checked. */
void sema_check_constants(sema *s, checked_file *out);
/* Whether `name` is one of the file's constants (then a name expression
 * with it is a number). */
bool sema_is_constant(const sema *s, const char *name);
/* The value of the constant the name expression `e` refers to; false after
 * reporting it unknown, not yet defined, or silently when its own
 * definition already failed. */
bool sema_constant_value(sema *s, const ast_expr *e, double *out);
/* After an error about the value of `e`: a note saying where a constant
 * in it got its value, when the command line overrode it. */
void sema_note_constant_origin(sema *s, const ast_expr *e);

/* ---- layers (sema_layers.c) ---- */

typedef struct {
    const ast_decl *decl;
    const ast_item *input;
    int input_width;
    const named_prior *priors;
    int prior_count;
    const char **names;        /* input and the layers checked so far, for lookups */
    int name_count;
    bool *layer_ok;            /* per layer: checked without an error */
} model_scope;

/* Every `layer` item of the model: kinds, shapes, timing, settings, priors,
 * masks, and the model's time axis (steps, test_steps). */
void sema_check_layers(sema *s, model_scope *scope, model_spec *model);

/* ---- trials (sema_trials.c) ---- */

/* A `trials NAME {...}` declaration into its table. */
void sema_check_trials(sema *s, const ast_decl *decl, trials_spec *out);
/* `data = trials(NAME)` (the call `e`) as the data setting's text
 * "trials(NAME)"; false after reporting an unknown declaration. */
bool sema_trials_data(sema *s, const ast_expr *e, const checked_file *file, char *out, size_t size);
/* The task's trials (when its data names some) against its model: widths
 * and steps, reported at `where` (the data setting). */
void sema_check_task_trials(sema *s, const checked_file *file, const task_spec *task,
                            source_location where);

#endif
