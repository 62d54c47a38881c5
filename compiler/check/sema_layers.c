/*
 * sema_layers.c — the layers of a model, checked from their kinds'
 * declarations (compiler/check/layer_kind.h) alone: no rule here names a
 * kind. For each `layer NAME = kind(source, width) { settings }`:
 *   1. the kind (from the registry the driver handed to sema_check), the
 *      source and the width;
 *   2. its timing: a source with a value at every time step (a sequence)
 *      or one per sample; a kind that reads sequences refuses the latter;
 *      `at = last` reads only a sequence's last step;
 *   3. its settings: the keys its kind takes (activation, scale, at, steps
 *      and test_steps, each group's prior, pi, m, Xi and mask under the
 *      group's prefix, and the kind's own, by type, range and default),
 *      then the kind's check hook;
 *   4. each group's prior (defaults, the named prior, the layer's own
 *      settings) and mask.
 * After the last layer, the model's time axis: the kinds that carry state
 * share one `steps` (and `test_steps`).
 */
#include "compiler/check/sema_internal.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const activation_names[] = { "identity", "relu", "tanh", "sigmoid", "softmax" };
static const activation_kind activation_kinds[] = {
    ACTIVATION_IDENTITY, ACTIVATION_RELU, ACTIVATION_TANH, ACTIVATION_SIGMOID, ACTIVATION_SOFTMAX
};
static const char *const scale_names[] = { "fan_in", "none" };
static const char *const at_names[] = { "last", "every" };
static const char *const group_keys[] = { "prior", "pi", "m", "Xi", "mask" };
enum { GROUP_PRIOR, GROUP_PI, GROUP_M, GROUP_XI, GROUP_MASK, GROUP_KEY_COUNT };

/* ---------------------------------------------------------------- the keys of a kind */

enum { MAX_KEYS = 160, MAX_KEY_LENGTH = 40 };

/* The settings a layer block may hold: every key of every kind (so that a
 * key of another kind is told apart from a typo), and which the kind at
 * hand takes. */
typedef struct {
    char text[MAX_KEYS][MAX_KEY_LENGTH];
    const char *keys[MAX_KEYS];
    int count;
    const char *freezable[MAX_KEYS];
    int freezable_count;
} key_set;

static int add_key(key_set *set, const char *prefix, const char *key)
{
    char name[MAX_KEY_LENGTH];
    snprintf(name, sizeof name, "%s%s", prefix, key);
    int found = sema_find_name(name, set->keys, set->count);
    if (found >= 0)
        return found;
    if (set->count == MAX_KEYS) {
        fprintf(stderr, "sasc: internal error: the layer kinds declare more than %d settings\n", MAX_KEYS);
        exit(2);
    }
    snprintf(set->text[set->count], MAX_KEY_LENGTH, "%s", name);
    set->keys[set->count] = set->text[set->count];
    return set->count++;
}

/* The keys of `kind`, added to `set`; allowed[k] set for each (when not NULL). */
static void add_kind_keys(key_set *set, const layer_kind *kind, bool *allowed)
{
    int k = add_key(set, "", "activation");
    if (allowed)
        allowed[k] = true;
    const char *generic[] = { kind->scales_by_fan_in ? "scale" : NULL, kind->at != LAYER_AT_NONE ? "at" : NULL,
                              kind->carries_state ? "steps" : NULL, kind->carries_state ? "test_steps" : NULL };
    for (int i = 0; i < COUNT(generic); i++)
        if (generic[i] && (k = add_key(set, "", generic[i])) >= 0 && allowed)
            allowed[k] = true;
    for (int g = 0; g < kind->group_count; g++)
        for (int j = 0; j < GROUP_KEY_COUNT; j++) {
            k = add_key(set, kind->groups[g].prefix, group_keys[j]);
            if (allowed)
                allowed[k] = true;
            if (j >= GROUP_PI && j <= GROUP_XI && sema_find_name(set->keys[k], set->freezable,
                                                                 set->freezable_count) < 0)
                set->freezable[set->freezable_count++] = set->keys[k];
        }
    for (int i = 0; i < kind->setting_count; i++) {
        k = add_key(set, "", kind->settings[i].key);
        if (allowed)
            allowed[k] = true;
    }
}

static void all_keys(const sema *s, key_set *set)
{
    set->count = set->freezable_count = 0;
    for (int i = 0; i < s->kinds->count; i++)
        add_kind_keys(set, s->kinds->kinds[i], NULL);
}

/* The setting written for `prefix` + `key`, or NULL. */
static const ast_setting *written(const key_set *set, const ast_setting *const *found, const char *prefix,
                                  const char *key)
{
    char name[MAX_KEY_LENGTH];
    snprintf(name, sizeof name, "%s%s", prefix, key);
    int k = sema_find_name(name, set->keys, set->count);
    return k < 0 ? NULL : found[k];
}

/* ---------------------------------------------------------------- own settings */

static double real_value(sema *s, const layer_setting *decl, const ast_setting *setting)
{
    double value;
    if (!sema_eval_number(s, setting->value, &value))
        return decl->fallback;
    bool low_ok = decl->low_open ? value > decl->low : value >= decl->low;
    if (!low_ok) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, setting->value->location, "'%s' must be %s %g, not %g",
                          decl->key, decl->low_open ? ">" : ">=", decl->low, value);
        return decl->fallback;
    }
    if (value > decl->high) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, setting->value->location, "'%s' must be <= %g, not %g",
                          decl->key, decl->high, value);
        return decl->fallback;
    }
    return value;
}

/* The value of one of the kind's own settings: as written, checked against
 * its declaration, or its default. */
static double own_value(sema *s, const layer_setting *decl, const ast_setting *setting)
{
    if (!setting)
        return decl->fallback;
    switch (decl->type) {
    case LAYER_SETTING_REAL:
        return real_value(s, decl, setting);
    case LAYER_SETTING_INTEGER: {
        int value;
        return sema_eval_integer(s, setting->value, decl->what, (long)decl->low, (long)decl->high, &value)
            ? value : decl->fallback;
    }
    case LAYER_SETTING_CHOICE: {
        int choice = sema_choose_expr(s, setting->value, decl->what, decl->choices, decl->choice_count);
        return choice >= 0 ? choice : decl->fallback;
    }
    case LAYER_SETTING_EXPRESSION:   /* the kind's check hook reads it */
        return decl->fallback;
    }
    return decl->fallback;
}

static bool hook_number(const layer_check *c, const ast_expr *e, double *out)
{
    return sema_eval_number(c->checker, e, out);
}

static void check_own_settings(sema *s, const key_set *set, const ast_setting *const *found, layer_spec *layer)
{
    const layer_kind *kind = layer->kind;
    const ast_setting *own[LAYER_MAX_SETTINGS];
    for (int k = 0; k < kind->setting_count; k++) {
        own[k] = written(set, found, "", kind->settings[k].key);
        layer->setting[k] = own_value(s, &kind->settings[k], own[k]);
    }
    if (kind->check) {
        layer_check c = { s->d, own, hook_number, s };
        kind->check(&c, layer);
    }
}

/* ---------------------------------------------------------------- common settings */

static void check_activation(sema *s, const ast_setting *setting, layer_spec *layer)
{
    layer->activation = layer->kind->default_activation;
    if (!setting)
        return;
    int a = sema_choose_expr(s, setting->value, "activation", activation_names, COUNT(activation_names));
    if (a < 0)
        return;
    if (layer->kind->elementwise_activation && activation_kinds[a] == ACTIVATION_SOFTMAX) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, setting->value->location,
                          "a %s layer's transfer function is elementwise; softmax is not", layer->kind->name);
        return;
    }
    layer->activation = activation_kinds[a];
}

/* `at`: which steps of its sequence the layer reads (at_last), for kinds
 * that take it; a source with one value per sample has no steps to choose. */
static void check_at(sema *s, const ast_setting *setting, const char *source, bool timing_known,
                     layer_spec *layer)
{
    layer->at_last = layer->reads_sequence && layer->kind->at == LAYER_AT_LAST_STEP;
    if (!setting)
        return;
    int at = sema_choose_expr(s, setting->value, "'at' value", at_names, COUNT(at_names));
    if (at < 0)
        return;
    if (timing_known && !layer->reads_sequence) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, setting->key.location,
                          "'at' chooses the steps of a sequence to read, but '%s' has one value per sample "
                          "(not a value at every time step); remove it", source);
        return;
    }
    layer->at_last = at == 0;
}

/* steps and test_steps of a kind that carries state; 0 when not given. */
typedef struct {
    int steps, test_steps;
    const ast_setting *steps_setting, *test_steps_setting;
} time_axis_setting;

static void check_time_axis_settings(sema *s, const key_set *set, const ast_setting *const *found,
                                     time_axis_setting *axis)
{
    axis->steps_setting = written(set, found, "", "steps");
    axis->test_steps_setting = written(set, found, "", "test_steps");
    axis->steps = axis->test_steps = 0;
    if (axis->steps_setting &&
        !sema_eval_integer(s, axis->steps_setting->value, "the number of steps", 1, 1000000, &axis->steps))
        axis->steps_setting = NULL;
    if (axis->test_steps_setting &&
        !sema_eval_integer(s, axis->test_steps_setting->value, "the number of test steps", 1, 1000000,
                           &axis->test_steps))
        axis->test_steps_setting = NULL;
}

/* ---------------------------------------------------------------- groups */

/* The default prior: pi = 0, Xi = 0 (a deterministic start) and m with an
 * effective standard deviation 1/sqrt(fan_in) whether or not the layer
 * scales by fan-in. */
static void default_prior(bool fan_in_scaling, int fan_in, parameter_prior prior[3])
{
    double sd = fan_in_scaling || !fan_in ? 1.0 : 1.0 / sqrt((double)fan_in);
    prior[SASC_PI] = (parameter_prior){ { SASC_INIT_CONSTANT, 0, 0 }, false };
    prior[SASC_M] = (parameter_prior){ { SASC_INIT_NORMAL, 0, sd }, false };
    prior[SASC_XI] = (parameter_prior){ { SASC_INIT_CONSTANT, 0, 0 }, false };
}

static const named_prior *find_prior(sema *s, const model_scope *scope, const ast_expr *e)
{
    if (e->kind == AST_ERROR)
        return NULL;
    if (e->kind != AST_NAME) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, e->location,
                          "prior must be the name of a prior block, not %s", sema_value_description(e));
        return NULL;
    }
    for (int i = 0; i < scope->prior_count; i++)
        if (strcmp(scope->priors[i].decl->name.text, e->text) == 0)
            return &scope->priors[i];
    const char **names = malloc(((size_t)scope->prior_count + 1) * sizeof *names);
    if (!names) {
        s->out_of_memory = true;
        return NULL;
    }
    for (int i = 0; i < scope->prior_count; i++)
        names[i] = scope->priors[i].decl->name.text;
    sema_report_unknown(s, e->location, "prior", e->text, names, scope->prior_count);
    free(names);
    return NULL;
}

/* pi, m and Xi of group g: defaults, then the named prior (setting
 * prefix + "prior"), then the group's own settings (prefix + pi, m, Xi);
 * and its mask (prefix + "mask"). */
static void check_group(sema *s, const model_scope *scope, const key_set *set, const ast_setting *const *found,
                        layer_spec *layer, int g)
{
    const char *prefix = layer->kind->groups[g].prefix;
    group_spec *group = &layer->group[g];
    group->fan_in = layer->kind->groups[g].square ? layer->width : layer->fan_in;
    default_prior(layer->fan_in_scaling, group->fan_in, group->prior);
    written_prior given[3] = { { .given = false } };
    const ast_setting *prior = written(set, found, prefix, group_keys[GROUP_PRIOR]);
    const named_prior *named = prior ? find_prior(s, scope, prior->value) : NULL;
    if (named)
        memcpy(given, named->parameter, sizeof given);
    for (int p = 0; p < 3; p++) {
        const ast_setting *own = written(set, found, prefix, group_keys[GROUP_PI + p]);
        if (own) {
            given[p].given = false;
            sema_eval_parameter(s, own, (sasc_parameter)p, &given[p]);
        }
        if (!given[p].given)
            continue;
        group->prior[p] = given[p].prior;
        if (given[p].prior.init.kind == SASC_INIT_IDENTITY && group->fan_in && layer->width &&
            group->fan_in != layer->width)
            diagnostic_report(s->d, DIAGNOSTIC_ERROR, given[p].where,
                              "identity initialisation needs a square connection group, but layer '%s' "
                              "is %d x %d (fan in x width)", layer->name, group->fan_in, layer->width);
    }
    group->mask = (sasc_mask){ SASC_MASK_NONE, 0, NULL };
    const ast_setting *mask = written(set, found, prefix, group_keys[GROUP_MASK]);
    if (mask)
        sema_check_mask(s, mask->value, &group->mask);
}

/* ---------------------------------------------------------------- settings */

static void check_settings(sema *s, const model_scope *scope, const ast_item *item, layer_spec *layer,
                           bool timing_known, time_axis_setting *axis)
{
    key_set *set = malloc(sizeof *set);
    bool *allowed = calloc(MAX_KEYS, sizeof *allowed);
    const ast_setting **found = calloc(MAX_KEYS, sizeof *found);
    if (!set || !allowed || !found) {
        s->out_of_memory = true;
        free(set);
        free(allowed);
        free(found);
        return;
    }
    all_keys(s, set);
    add_kind_keys(set, layer->kind, allowed);
    sema_match_settings(s, item->settings, "layer setting", set->keys, set->count, set->freezable,
                        set->freezable_count, found);
    for (int k = 0; k < set->count; k++)
        if (found[k] && !allowed[k]) {
            diagnostic_report(s->d, DIAGNOSTIC_ERROR, found[k]->key.location,
                              "'%s' is not a setting of a %s layer", set->keys[k], layer->kind->name);
            found[k] = NULL;
        }
    check_activation(s, written(set, found, "", "activation"), layer);
    const ast_setting *scale = written(set, found, "", "scale");
    layer->fan_in_scaling = layer->kind->scales_by_fan_in &&
        (!scale || sema_choose_expr(s, scale->value, "scale", scale_names, COUNT(scale_names)) != 1);
    const ast_expr *source = item->call->arg_count > 0 ? item->call->args[0] : NULL;
    check_at(s, written(set, found, "", "at"), source && source->kind == AST_NAME ? source->text : "",
             timing_known, layer);
    check_time_axis_settings(s, set, found, axis);
    check_own_settings(s, set, found, layer);
    for (int g = 0; g < layer->kind->group_count; g++)
        check_group(s, scope, set, found, layer, g);
    free(set);
    free(allowed);
    free(found);
}

/* ---------------------------------------------------------------- shape and timing */

/* Which earlier layer (or the input, -1) a layer reads; -2 when unresolved. */
static int find_source(sema *s, const model_scope *scope, const ast_item *item, const ast_expr *e)
{
    if (e->kind == AST_ERROR)
        return -2;
    if (e->kind != AST_NAME) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, e->location,
                          "the first argument of a layer must name the input or an earlier layer");
        return -2;
    }
    int found = sema_find_name(e->text, scope->names, scope->name_count);
    if (found >= 0)
        return found - 1;   /* names[0] is the input */
    if (strcmp(e->text, item->name.text) == 0) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, e->location, "layer '%s' cannot read itself", e->text);
        return -2;
    }
    for (const ast_item *later = item + 1; later < scope->decl->items + scope->decl->item_count; later++)
        if (later->kind == AST_ITEM_LAYER && strcmp(later->name.text, e->text) == 0) {
            diagnostic_report(s->d, DIAGNOSTIC_ERROR, e->location,
                              "layer '%s' is defined after '%s'; a layer reads the input or an earlier layer",
                              e->text, item->name.text);
            return -2;
        }
    if (scope->input)   /* without an input, that is the error already reported */
        sema_report_unknown(s, e->location, "layer or input", e->text, scope->names, scope->name_count);
    return -2;
}

static bool check_connection_count(sema *s, const ast_item *item, const layer_spec *layer)
{
    if ((long long)layer->fan_in * layer->width <= INT_MAX)
        return true;
    diagnostic_report(s->d, DIAGNOSTIC_ERROR, item->name.location,
                      "layer '%s' has %lld connections; at most %d are supported",
                      layer->name, (long long)layer->fan_in * layer->width, INT_MAX);
    return false;
}

/* Source and width of `kind(source, width)` (or `kind(source)` for a kind
 * whose width is its source's); fan_in and width stay 0 when
 * unknown (a bad source or width, reported already). */
static void check_shape(sema *s, const model_scope *scope, const layer_spec *earlier, const ast_item *item,
                        layer_spec *layer)
{
    const ast_expr *call = item->call;
    bool own_width = !layer->kind->width_from_source;
    if (call->arg_count != 1 + own_width) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, call->location, "%s takes %s, not %d", call->text,
                          own_width ? "2 arguments (source, width)" : "1 argument (source)", call->arg_count);
        return;
    }
    layer->source = find_source(s, scope, item, call->args[0]);
    if (layer->source >= -1)
        layer->fan_in = layer->source == -1 ? scope->input_width : earlier[layer->source].width;
    if (!own_width)
        layer->width = layer->fan_in;
    else if (!sema_eval_integer(s, call->args[1], "a layer width", 1, SEMA_MAX_WIDTH, &layer->width))
        layer->width = 0;
    if (layer->fan_in && layer->width && !check_connection_count(s, item, layer))
        layer->fan_in = layer->width = 0;
}

/* The first kind of the registry with `carries_state` (or not reading
 * sequences): named in messages as what gives or reads a value. */
static const char *kind_named(const sema *s, bool carries_state)
{
    for (int i = 0; i < s->kinds->count; i++) {
        const layer_kind *k = s->kinds->kinds[i];
        if (carries_state ? k->carries_state : !k->reads_sequence)
            return k->name;
    }
    return "?";
}

/* A kind that reads sequences given a source with one value per sample:
 * say why the source has no steps, and what reads it. */
static void report_not_a_sequence(sema *s, const model_scope *scope, const layer_spec *earlier,
                                  const ast_expr *at, const layer_spec *layer, bool time_axis)
{
    const char *source = at->text, *reader = kind_named(s, false);
    int cut = layer->source;   /* the layer that reads only a last step, if any */
    while (cut >= 0 && !earlier[cut].at_last)
        cut = earlier[cut].source;
    if (!time_axis)
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, at->location,
                          "a %s layer reads a sequence (a value at every time step), but '%s' has one value "
                          "per sample: model '%s' has no time axis (a %s layer gives it one); read '%s' with "
                          "%s(%s, width)", layer->kind->name, source, scope->decl->name.text,
                          kind_named(s, true), source, reader, source);
    else if (cut == layer->source)
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, at->location,
                          "a %s layer reads a sequence (a value at every time step), but '%s' reads only the "
                          "last step of '%s' (at = last); give '%s' 'at = every', or read it with %s(%s, width)",
                          layer->kind->name, source, earlier[cut].source >= 0 ? earlier[earlier[cut].source].name
                          : scope->input ? scope->input->name.text : "the input", source, reader, source);
    else
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, at->location,
                          "a %s layer reads a sequence (a value at every time step), but '%s' has one value "
                          "per sample: it comes after '%s', which reads only the last step (at = last); read "
                          "'%s' with %s(%s, width)", layer->kind->name, source, earlier[cut].name, source,
                          reader, source);
}

/* Whether the source gives a value at every step (reads_sequence); for a
 * kind that reads sequences, a source with one value per sample is an
 * error. Returns whether the timing is known: not when the source is
 * unknown or failed its own checks (its error is the one to fix). */
static bool check_timing(sema *s, const model_scope *scope, const layer_spec *earlier, const ast_item *item,
                         layer_spec *layer, bool time_axis)
{
    if (layer->source < -1 || (layer->source >= 0 && !scope->layer_ok[layer->source]))
        return false;
    layer->reads_sequence = layer->source < 0 ? time_axis : earlier[layer->source].per_step;
    if (layer->kind->reads_sequence && !layer->reads_sequence)
        report_not_a_sequence(s, scope, earlier, item->call->args[0], layer, time_axis);
    return true;
}

/* Checks one `layer NAME = kind(source, width) {...}`. A layer whose shape
 * is unknown still has its settings checked, and later layers reading it get
 * no message of their own: the first mistake is the one reported. */
static void check_layer(sema *s, const model_scope *scope, const layer_spec *earlier, const ast_item *item,
                        layer_spec *layer, bool time_axis, time_axis_setting *axis)
{
    const ast_expr *call = item->call;
    layer->name = sema_copy_text(s, item->name.text);
    layer->location = item->name.location;
    layer->source = -2;
    if (call->kind != AST_CALL)   /* a syntax error, reported by the parser */
        return;
    layer->kind = layer_kind_find(s->kinds, call->text);
    if (!layer->kind) {
        const char *names[64];
        int count = 0;
        for (int i = 0; i < s->kinds->count && count < 64; i++)
            names[count++] = s->kinds->kinds[i]->name;
        sema_report_unknown(s, sema_callee_location(call), "layer kind", call->text, names, count);
        return;
    }
    check_shape(s, scope, earlier, item, layer);
    bool timing_known = check_timing(s, scope, earlier, item, layer, time_axis);
    check_settings(s, scope, item, layer, timing_known, axis);
    layer->per_step = layer->kind->carries_state || (layer->reads_sequence && !layer->at_last);
}

/* ---------------------------------------------------------------- models */

/* A name of a layer must not repeat the input's or an earlier layer's. */
static bool check_layer_name(sema *s, const model_scope *scope, const ast_item *item)
{
    for (const ast_item *other = scope->decl->items; other < item; other++)
        if ((other->kind == AST_ITEM_LAYER || other->kind == AST_ITEM_INPUT) &&
            strcmp(other->name.text, item->name.text) == 0) {
            sema_report_duplicate(s, "name", &item->name, other->name.location);
            return false;
        }
    /* the input may also be written below the layers */
    if (scope->input && scope->input > item && strcmp(scope->input->name.text, item->name.text) == 0) {
        sema_report_duplicate(s, "name", &item->name, scope->input->name.location);
        return false;
    }
    return true;
}

/* Whether a layer item names a kind that carries state: then the model has
 * a time axis, and its input is a sequence for every layer. */
static bool has_time_axis(const sema *s, const model_scope *scope)
{
    for (int i = 0; i < scope->decl->item_count; i++) {
        const ast_item *item = &scope->decl->items[i];
        const layer_kind *kind = item->kind == AST_ITEM_LAYER && item->call->kind == AST_CALL
            ? layer_kind_find(s->kinds, item->call->text) : NULL;
        if (kind && kind->carries_state)
            return true;
    }
    return false;
}

/* One of steps or test_steps of the time axis: the first value given;
 * every other one must agree (reported at the disagreeing value). */
static void agree(sema *s, const model_spec *model, int i, const ast_setting *setting, int value,
                  const char *key, int *axis, int *from)
{
    if (!setting)
        return;
    if (*from < 0) {
        *axis = value;
        *from = i;
        return;
    }
    if (value != *axis)
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, setting->value->location,
                          "layer '%s' has %s = %d, but '%s' has %d; the layers of a model share one time axis",
                          model->layers[i].name, key, value, model->layers[*from].name, *axis);
}

static void check_time_axis(sema *s, model_spec *model, const time_axis_setting *axis)
{
    int first = -1, steps_from = -1, test_from = -1;
    for (int i = 0; i < model->layer_count; i++) {
        const layer_kind *kind = model->layers[i].kind;
        if (!kind || !kind->carries_state)
            continue;
        if (first < 0)
            first = i;
        agree(s, model, i, axis[i].steps_setting, axis[i].steps, "steps", &model->steps, &steps_from);
        agree(s, model, i, axis[i].test_steps_setting, axis[i].test_steps, "test_steps", &model->test_steps,
              &test_from);
    }
    if (first >= 0 && steps_from < 0)
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, model->layers[first].location,
                          "%s layer '%s' needs the number of time steps, e.g. 'steps = 28'",
                          model->layers[first].kind->name, model->layers[first].name);
}

void sema_check_layers(sema *s, model_scope *scope, model_spec *model)
{
    int items = scope->decl->item_count;
    model->layers = calloc((size_t)items + 1, sizeof *model->layers);
    time_axis_setting *axis = calloc((size_t)items + 1, sizeof *axis);
    if (!model->layers || !axis) {
        s->out_of_memory = true;
        free(axis);
        return;
    }
    bool time_axis = has_time_axis(s, scope);
    for (int i = 0; i < items; i++) {
        const ast_item *item = &scope->decl->items[i];
        if (item->kind != AST_ITEM_LAYER || !check_layer_name(s, scope, item))
            continue;
        int errors = diagnostics_error_count(s->d);
        int index = model->layer_count;
        check_layer(s, scope, model->layers, item, &model->layers[index], time_axis, &axis[index]);
        scope->layer_ok[model->layer_count++] = diagnostics_error_count(s->d) == errors;
        scope->names[scope->name_count++] = item->name.text;
    }
    check_time_axis(s, model, axis);
    free(axis);
}
