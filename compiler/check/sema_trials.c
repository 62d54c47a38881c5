/*
 * sema_trials.c — trials declarations (docs/language.md, "Trials"): from
 * `trials NAME { ... }` to the runtime's table (sasc_runtime.h, sasc_trials),
 * and the check of a task's `data = trials(NAME)` against its model.
 *
 * Inside the block: `dt` (ms per step, default 1), `label` (a trial's class),
 * `loss` (the periods whose steps count in the loss, default all), and every
 * other setting draws a trial variable: `one_of(...)` (numbers, or bare names
 * that become the levels 0, 1, ...) or `uniform(low, high)`. Each `period NAME
 * {...}` has a `duration` (ms, a number or uniform(a, b)), an optional
 * `test_duration`, and optional `input` and `target` lists. Expressions are
 * compiled to the table's postfix code as they are checked.
 */
#include "compiler/check/sema_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_NAMES = 10 * SASC_TRIAL_MAX };   /* variables and their named levels */

/* The table being built, and the names expressions may use. */
typedef struct {
    sema *s;
    trials_spec *spec;
    sasc_trial_code *code;
    int code_count, code_capacity;
    int *starts;                  /* starts[e]: first code of expression e */
    int expression_count, expression_capacity;
    const char *names[MAX_NAMES];
    int name_variable[MAX_NAMES];   /* >= 0: a variable; -1: a level */
    double name_value[MAX_NAMES];
    int name_count;
    int depth, max_depth;         /* of the stack of the expression being compiled */
    bool noise_allowed;           /* inside an `input` list */
} builder;

static const char *const trial_keys[] = { "dt", "label", "loss" };
static const char *const period_keys[] = { "duration", "test_duration", "input", "target" };

/* ---- code ---- */

static void emit(builder *b, sasc_trial_op op, int index, double value, int stack_change)
{
    sasc_trial_code *code = ast_reserve(b->code, b->code_count, &b->code_capacity, sizeof *code);
    if (!code) {
        b->s->out_of_memory = true;
        return;
    }
    b->code = code;
    memset(&b->code[b->code_count], 0, sizeof *b->code);   /* emitted byte for byte: no stray padding */
    b->code[b->code_count].op = op;
    b->code[b->code_count].index = index;
    b->code[b->code_count].value = value;
    b->code_count++;
    b->depth += stack_change;
    if (b->depth > b->max_depth)
        b->max_depth = b->depth;
}

static bool compile(builder *b, const ast_expr *e);

static bool compile_name(builder *b, const ast_expr *e)
{
    int k = sema_find_name(e->text, b->names, b->name_count);
    double value = 0;
    if (k < 0 && sema_is_constant(b->s, e->text)) {   /* a file constant, folded */
        bool ok = sema_constant_value(b->s, e, &value);
        emit(b, SASC_TRIAL_PUSH, 0, value, 1);
        return ok;
    }
    if (k < 0) {
        sema_report_unknown(b->s, e->location, "trial variable", e->text, b->names, b->name_count);
        return false;
    }
    if (b->name_variable[k] >= 0)
        emit(b, SASC_TRIAL_VARIABLE, b->name_variable[k], 0, 1);
    else
        emit(b, SASC_TRIAL_PUSH, 0, b->name_value[k], 1);
    return true;
}

/* normal(mean, sd): noise drawn at every step, in inputs only. */
static bool compile_call(builder *b, const ast_expr *e)
{
    if (strcmp(e->text, "normal") != 0 || e->arg_count != 2) {
        diagnostic_report(b->s->d, DIAGNOSTIC_ERROR, e->location, "in a trials declaration the "
                          "only function is normal(mean, sd), the noise of an input");
        return false;
    }
    if (!b->noise_allowed) {
        diagnostic_report(b->s->d, DIAGNOSTIC_ERROR, e->location, "noise (normal(...)) is drawn "
                          "per step and belongs in a period's input, not here");
        return false;
    }
    if (b->spec->table.noise_count == SASC_TRIAL_STACK) {
        diagnostic_report(b->s->d, DIAGNOSTIC_ERROR, e->location, "a trials declaration has at "
                          "most %d noise terms", SASC_TRIAL_STACK);
        return false;
    }
    bool ok = compile(b, e->args[0]) & compile(b, e->args[1]);
    emit(b, SASC_TRIAL_NOISE, b->spec->table.noise_count++, 0, -1);
    return ok;
}

static sasc_trial_op binary_op(char op)
{
    switch (op) {
    case '+': return SASC_TRIAL_ADD;
    case '-': return SASC_TRIAL_SUBTRACT;
    case '*': return SASC_TRIAL_MULTIPLY;
    case '/': return SASC_TRIAL_DIVIDE;
    case '<': return SASC_TRIAL_LESS;
    case '>': return SASC_TRIAL_GREATER;
    case '=': return SASC_TRIAL_EQUAL;
    default: return SASC_TRIAL_NOT_EQUAL;
    }
}

static bool compile(builder *b, const ast_expr *e)
{
    switch (e->kind) {
    case AST_NUMBER:
        emit(b, SASC_TRIAL_PUSH, 0, e->number, 1);
        return true;
    case AST_NAME:
        return compile_name(b, e);
    case AST_NEGATE: {
        bool ok = compile(b, e->left);
        emit(b, SASC_TRIAL_NEGATE, 0, 0, 0);
        return ok;
    }
    case AST_BINARY: {
        bool ok = compile(b, e->left) & compile(b, e->right);
        emit(b, binary_op(e->op), 0, 0, -1);
        return ok;
    }
    case AST_CALL:
        return compile_call(b, e);
    case AST_ERROR:
        return false;
    default:
        diagnostic_report(b->s->d, DIAGNOSTIC_ERROR, e->location, "expected a number or an "
                          "expression of the trial variables, found %s", sema_value_description(e));
        return false;
    }
}

/* One expression of the table; its index, or -1. */
static int add_expression(builder *b, const ast_expr *e)
{
    int *starts = ast_reserve(b->starts, b->expression_count, &b->expression_capacity, sizeof *starts);
    if (!starts) {
        b->s->out_of_memory = true;
        return -1;
    }
    b->starts = starts;
    b->starts[b->expression_count] = b->code_count;
    b->depth = b->max_depth = 0;
    if (!compile(b, e))
        return -1;
    if (b->max_depth > SASC_TRIAL_STACK) {   /* the runtime's evaluation stack (sasc_runtime.h) */
        diagnostic_report(b->s->d, DIAGNOSTIC_ERROR, e->location, "this expression needs more "
                          "than %d intermediate values; split it", SASC_TRIAL_STACK);
        return -1;
    }
    return b->expression_count++;
}

/* `[e1, ..., en]`: n consecutive expressions, n matching `*width` (set by
 * the first list of its kind). Returns the first, or -1. */
static int add_list(builder *b, const ast_setting *setting, int *width, source_location *first_seen)
{
    const ast_expr *list = setting->value;
    if (list->kind != AST_LIST) {
        if (list->kind != AST_ERROR)
            diagnostic_report(b->s->d, DIAGNOSTIC_ERROR, list->location, "%s must be a list of "
                              "values, one per %s of a step: [a, b, ...]", setting->key.text,
                              setting->key.text);
        return -1;
    }
    if (*width == 0 && list->arg_count > 0) {
        *width = list->arg_count;
        *first_seen = list->location;
    } else if (list->arg_count != *width) {
        diagnostic_report(b->s->d, DIAGNOSTIC_ERROR, list->location, "this %s has %d values, but "
                          "the first %s of the trials (line %d) has %d", setting->key.text,
                          list->arg_count, setting->key.text, first_seen->first_line, *width);
        return -1;
    }
    int first = b->expression_count;
    bool ok = true;
    for (int i = 0; i < list->arg_count; i++)
        ok = add_expression(b, list->args[i]) >= 0 && ok;
    return ok ? first : -1;
}

/* ---- variables ---- */

static bool add_name(builder *b, const ast_expr *where, const char *name, int variable, double value)
{
    if (sema_find_name(name, b->names, b->name_count) >= 0) {
        diagnostic_report(b->s->d, DIAGNOSTIC_ERROR, where->location, "'%s' is already a trial "
                          "variable or level of these trials", name);
        return false;
    }
    if (b->name_count == MAX_NAMES) {
        diagnostic_report(b->s->d, DIAGNOSTIC_ERROR, where->location, "too many trial variables "
                          "and levels (at most %d)", MAX_NAMES);
        return false;
    }
    b->names[b->name_count] = name;
    b->name_variable[b->name_count] = variable;
    b->name_value[b->name_count++] = value;
    return true;
}

/* one_of(9, 10, ...) or one_of(visual, auditory, ...). */
static void check_levels(builder *b, const ast_expr *call, sasc_trial_variable *v)
{
    bool named = call->arg_count > 0 && call->args[0]->kind == AST_NAME;
    double *levels = calloc((size_t)call->arg_count + 1, sizeof *levels);
    const char **names = named ? calloc((size_t)call->arg_count + 1, sizeof *names) : NULL;
    v->levels = levels;
    v->level_names = names;
    if (!levels || (named && !names)) {
        b->s->out_of_memory = true;
        return;
    }
    for (int l = 0; l < call->arg_count; l++) {
        const ast_expr *a = call->args[l];
        if (named && a->kind != AST_NAME) {
            diagnostic_report(b->s->d, DIAGNOSTIC_ERROR, a->location, "the levels of one_of(...) "
                              "are all names or all numbers");
            continue;
        }
        if (!named) {
            sema_eval_number(b->s, a, &levels[l]);
            continue;
        }
        levels[l] = l;
        names[l] = sema_copy_text(b->s, a->text);
        v->level_count = l + 1;        /* names[0 .. l] are owned by now */
        add_name(b, a, a->text, -1, l);
    }
    v->level_count = call->arg_count;
}

static void check_variable(builder *b, const ast_setting *setting, sasc_trial_variable *v)
{
    const ast_expr *e = setting->value;
    v->name = sema_copy_text(b->s, setting->key.text);
    bool one_of = e->kind == AST_CALL && strcmp(e->text, "one_of") == 0 && e->arg_count > 0;
    bool uniform = e->kind == AST_CALL && strcmp(e->text, "uniform") == 0 && e->arg_count == 2;
    if (one_of)
        check_levels(b, e, v);
    else if (uniform && sema_eval_number(b->s, e->args[0], &v->low) &&
             sema_eval_number(b->s, e->args[1], &v->high) && v->low > v->high)
        diagnostic_report(b->s->d, DIAGNOSTIC_ERROR, e->location, "uniform(low, high) needs low "
                          "<= high");
    else if (!uniform && e->kind != AST_ERROR)
        diagnostic_report(b->s->d, DIAGNOSTIC_ERROR, e->location, "trial variable '%s' must be "
                          "drawn: one_of(a, b, ...) or uniform(low, high)", setting->key.text);
}

/* ---- periods ---- */

/* A duration in ms (a number or uniform(a, b)) as steps [min, max]. */
static bool check_duration(builder *b, const ast_expr *e, int steps[2])
{
    double ms[2];
    bool drawn = e->kind == AST_CALL && strcmp(e->text, "uniform") == 0 && e->arg_count == 2;
    if (drawn ? !sema_eval_number(b->s, e->args[0], &ms[0]) || !sema_eval_number(b->s, e->args[1], &ms[1])
              : !sema_eval_number(b->s, e, &ms[0]))
        return false;
    if (!drawn)
        ms[1] = ms[0];
    for (int k = 0; k < 2; k++)
        steps[k] = (int)lround(ms[k] / b->spec->dt);
    if (ms[0] < 0 || ms[1] < ms[0] || steps[1] > 1000000) {
        diagnostic_report(b->s->d, DIAGNOSTIC_ERROR, e->location, "a duration is a number of ms "
                          ">= 0 or uniform(a, b) with 0 <= a <= b (at most 10^6 steps)");
        return false;
    }
    return true;
}

static void check_period(builder *b, const ast_item *item, sasc_trial_period *p,
                         source_location seen[2])
{
    const ast_setting *found[COUNT(period_keys)];
    sema_match_settings(b->s, item->settings, "period setting", period_keys, COUNT(period_keys),
                        NULL, 0, found);
    p->name = sema_copy_text(b->s, item->name.text);
    p->inputs = p->targets = -1;
    p->loss = true;
    if (!found[0])
        diagnostic_report(b->s->d, DIAGNOSTIC_ERROR, item->name.location, "period '%s' has no "
                          "duration; add 'duration = MS'", item->name.text);
    else if (check_duration(b, found[0]->value, p->steps[SASC_TRIAL_TRAIN]))
        memcpy(p->steps[SASC_TRIAL_TEST], p->steps[SASC_TRIAL_TRAIN], sizeof p->steps[0]);
    if (found[1])
        check_duration(b, found[1]->value, p->steps[SASC_TRIAL_TEST]);
    sasc_trials *t = &b->spec->table;
    b->noise_allowed = true;
    if (found[2])
        p->inputs = add_list(b, found[2], &t->inputs, &seen[0]);
    b->noise_allowed = false;
    if (found[3])
        p->targets = add_list(b, found[3], &t->targets, &seen[1]);
}

/* loss = [period, ...]: the periods that count; the others do not. */
static void check_loss_periods(builder *b, const ast_decl *decl, const ast_setting *setting)
{
    sasc_trials *t = &b->spec->table;
    const ast_expr *list = setting->value;
    if (list->kind != AST_LIST || list->arg_count == 0) {
        diagnostic_report(b->s->d, DIAGNOSTIC_ERROR, list->location, "loss must list the periods "
                          "that count in the loss, at least one: loss = [NAME, ...]");
        return;
    }
    const char *names[SASC_TRIAL_MAX];
    for (int p = 0; p < t->period_count; p++) {
        names[p] = decl->items[p].name.text;
        ((sasc_trial_period *)t->periods)[p].loss = false;
    }
    for (int i = 0; i < list->arg_count; i++) {
        const ast_expr *a = list->args[i];
        int p = a->kind == AST_NAME ? sema_find_name(a->text, names, t->period_count) : -1;
        if (p >= 0)
            ((sasc_trial_period *)t->periods)[p].loss = true;
        else if (a->kind == AST_NAME)
            sema_report_unknown(b->s, a->location, "period", a->text, names, t->period_count);
        else
            diagnostic_report(b->s->d, DIAGNOSTIC_ERROR, a->location, "loss lists period names");
    }
}

/* ---- the declaration ---- */

static long level_combinations(const sasc_trials *t)
{
    long n = 1;
    for (int v = 0; v < t->variable_count; v++)
        if (t->variables[v].level_count > 0 && n < 1000000)
            n *= t->variables[v].level_count;
    return n;
}

static void check_label(builder *b, const ast_decl *decl, const ast_setting *setting)
{
    sasc_trials *t = &b->spec->table;
    if (!setting) {
        diagnostic_report(b->s->d, DIAGNOSTIC_ERROR, decl->name.location, "trials '%s' have no "
                          "label; add 'label = EXPR' (a trial's class, 0, 1, ...)", decl->name.text);
        return;
    }
    t->label = add_expression(b, setting->value);
}

static void check_variables(builder *b, const ast_decl *decl, sasc_trial_variable *variables)
{
    sasc_trials *t = &b->spec->table;
    for (int i = 0; i < decl->settings->count; i++) {
        const ast_setting *setting = &decl->settings->settings[i];
        if (sema_find_name(setting->key.text, trial_keys, COUNT(trial_keys)) >= 0)
            continue;
        if (t->variable_count == SASC_TRIAL_MAX) {
            diagnostic_report(b->s->d, DIAGNOSTIC_ERROR, setting->key.location, "trials have at "
                              "most %d variables", SASC_TRIAL_MAX);
            return;
        }
        int v = t->variable_count++;
        check_variable(b, setting, &variables[v]);
        add_name(b, setting->value, setting->key.text, v, 0);
    }
}

/* The first setting `key` of the block; a second one is reported. */
static const ast_setting *find_setting(sema *s, const ast_block *block, const char *key)
{
    const ast_setting *found = NULL;
    for (int i = 0; i < block->count; i++) {
        if (strcmp(block->settings[i].key.text, key) != 0)
            continue;
        if (found)
            sema_report_duplicate(s, "setting", &block->settings[i].key, found->key.location);
        else
            found = &block->settings[i];
    }
    return found;
}

static void check_body(builder *b, const ast_decl *decl)
{
    sasc_trials *t = &b->spec->table;
    const ast_setting *dt = find_setting(b->s, decl->settings, "dt");
    b->spec->dt = 1;
    if (dt && sema_eval_number(b->s, dt->value, &b->spec->dt) && !(b->spec->dt > 0)) {
        diagnostic_report(b->s->d, DIAGNOSTIC_ERROR, dt->value->location, "dt must be > 0 ms");
        b->spec->dt = 1;
    }
    sasc_trial_variable *variables = calloc(SASC_TRIAL_MAX, sizeof *variables);
    sasc_trial_period *periods = calloc((size_t)decl->item_count + 1, sizeof *periods);
    t->variables = variables;
    t->periods = periods;
    if (!variables || !periods) {
        b->s->out_of_memory = true;
        return;
    }
    check_variables(b, decl, variables);
    source_location seen[2] = { { 0 } };
    for (int p = 0; p < decl->item_count; p++) {
        for (int q = 0; q < p; q++)
            if (strcmp(decl->items[q].name.text, decl->items[p].name.text) == 0) {
                sema_report_duplicate(b->s, "period", &decl->items[p].name, decl->items[q].name.location);
                break;
            }
        check_period(b, &decl->items[p], &periods[p], seen);
        t->period_count = p + 1;
    }
    const ast_setting *loss = find_setting(b->s, decl->settings, "loss");
    if (loss)
        check_loss_periods(b, decl, loss);
    check_label(b, decl, find_setting(b->s, decl->settings, "label"));
}

/* Every period's steps must fit: the shortest and longest trial per split. */
static void trial_lengths(trials_spec *spec)
{
    const sasc_trials *t = &spec->table;
    for (int split = 0; split < SASC_TRIAL_SPLITS; split++)
        for (int p = 0; p < t->period_count; p++)
            for (int k = 0; k < 2; k++)
                spec->steps[split][k] += t->periods[p].steps[split][k];
}

static void check_counts(builder *b, const ast_decl *decl)
{
    sasc_trials *t = &b->spec->table;
    if (t->period_count == 0)
        diagnostic_report(b->s->d, DIAGNOSTIC_ERROR, decl->name.location, "trials '%s' have no "
                          "period; add one like 'period stimulus { duration = 500 ... }'",
                          decl->name.text);
    if (t->period_count > SASC_TRIAL_MAX)
        diagnostic_report(b->s->d, DIAGNOSTIC_ERROR, decl->items[SASC_TRIAL_MAX].location,
                          "trials have at most %d periods", SASC_TRIAL_MAX);
    if (t->inputs == 0 && t->period_count > 0)
        diagnostic_report(b->s->d, DIAGNOSTIC_ERROR, decl->name.location, "no period of trials "
                          "'%s' has an input; add 'input = [...]' to one", decl->name.text);
    if (t->targets == 0 && t->period_count > 0)
        diagnostic_report(b->s->d, DIAGNOSTIC_ERROR, decl->name.location, "no period of trials "
                          "'%s' has a target; add 'target = [...]' to one", decl->name.text);
    t->classes = t->targets;
    long combinations = level_combinations(t);
    t->count[SASC_TRIAL_TRAIN] = 1000;
    t->count[SASC_TRIAL_TEST] = combinations * ((1000 + combinations - 1) / combinations);
}

void sema_check_trials(sema *s, const ast_decl *decl, trials_spec *out)
{
    builder b = { .s = s, .spec = out };
    out->location = decl->name.location;
    out->table.name = sema_copy_text(s, decl->name.text);
    out->table.label = -1;
    for (int i = 0; i < decl->settings->count; i++)
        if (decl->settings->settings[i].frozen)
            diagnostic_report(s->d, DIAGNOSTIC_ERROR, decl->settings->settings[i].location,
                              "'frozen' applies to priors, not to trials");
    check_body(&b, decl);
    check_counts(&b, decl);
    trial_lengths(out);
    int *starts = ast_reserve(b.starts, b.expression_count, &b.expression_capacity, sizeof *starts);
    if (starts) {
        starts[b.expression_count] = b.code_count;
        b.starts = starts;
    } else
        s->out_of_memory = true;
    out->table.expressions = b.starts;
    out->table.expression_count = b.expression_count;
    out->table.code = b.code;
    out->table.code_count = b.code_count;
}

/* ---- a task's `data = trials(NAME)` ---- */

static void check_model_steps(sema *s, const trials_spec *spec, const model_spec *model,
                              source_location where)
{
    int steps[SASC_TRIAL_SPLITS] = { model->steps, model_test_steps(model) };
    static const char *const names[] = { "steps", "test_steps" };
    for (int split = 0; split < SASC_TRIAL_SPLITS; split++) {
        const int *range = spec->steps[split];
        bool fixed = range[0] == range[1];
        if (fixed ? range[1] == steps[split] : range[1] <= steps[split])
            continue;
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, where, "%s trials of '%s' last %s%d steps "
                          "(dt = %g ms), but model '%s' has %s = %d",
                          split == SASC_TRIAL_TEST ? "test" : "training", spec->table.name,
                          fixed ? "" : "up to ", range[1], spec->dt, model->name, names[split],
                          steps[split]);
    }
}

/* The trials' widths and steps against the model the task trains. */
static void check_against_model(sema *s, const trials_spec *spec, const model_spec *model,
                                source_location where)
{
    const sasc_trials *t = &spec->table;
    if (model->steps == 0) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, where, "trials need a recurrent model (one "
                          "with steps); model '%s' has no time axis", model->name);
        return;
    }
    if (t->inputs != model->input_width)
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, where, "trials '%s' have %d inputs per step, "
                          "but model '%s' reads %d", t->name, t->inputs, model->name,
                          model->input_width);
    if (t->targets != model->classes)
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, where, "trials '%s' have %d targets per step, "
                          "but model '%s' has %d outputs", t->name, t->targets, model->name,
                          model->classes);
    check_model_steps(s, spec, model, where);
}

bool sema_trials_data(sema *s, const ast_expr *e, const checked_file *file, char *out, size_t size)
{
    if (e->arg_count != 1 || e->args[0]->kind != AST_NAME) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, e->location, "trials(...) takes the name of a "
                          "trials declaration of this file");
        return false;
    }
    const char *name = e->args[0]->text;
    if (checked_file_trials(file, name)) {
        snprintf(out, size, "trials(%s)", name);
        return true;
    }
    const char *names[SEMA_MAX_DECLARATIONS];
    int count = 0;
    for (int i = 0; i < file->trials_count && count < SEMA_MAX_DECLARATIONS; i++)
        names[count++] = file->trials[i].table.name ? file->trials[i].table.name : "";
    sema_report_unknown(s, e->args[0]->location, "trials", name, names, count);
    return false;
}

void sema_check_task_trials(sema *s, const checked_file *file, const task_spec *task,
                            source_location where)
{
    const char *data = task->settings.data;
    size_t n = strlen(data);
    if (task->model < 0 || n < 9 || strncmp(data, "trials(", 7) != 0)
        return;
    char name[64];
    snprintf(name, sizeof name, "%.*s", (int)(n - 8), data + 7);
    const trials_spec *spec = checked_file_trials(file, name);
    if (spec && spec->table.label >= 0)
        check_against_model(s, spec, &file->models[task->model], where);
}
