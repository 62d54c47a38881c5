/*
 * sema.c — semantic analysis of a .sas syntax tree (see sema.h and
 * docs/language.md for the rules it enforces).
 *
 * Error policy: every check reports at the most precise location it has and
 * then carries on with a neutral value, so independent mistakes are all
 * reported in one run; whether the result is usable is decided once, at the
 * end, from the diagnostics' error count.
 */
#include "compiler/check/sema.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    diagnostics *d;
    const ast_file *file;
    const char *path;
    bool out_of_memory;
} sema;

#define COUNT(array) ((int)(sizeof(array) / sizeof((array)[0])))

static const char *const activation_names[] = { "identity", "relu", "tanh", "sigmoid", "softmax" };
static const activation_kind activation_kinds[] = {
    ACTIVATION_IDENTITY, ACTIVATION_RELU, ACTIVATION_TANH, ACTIVATION_SIGMOID, ACTIVATION_SOFTMAX
};
static const char *activation_name(activation_kind kind)
{
    for (int i = 0; i < (int)(sizeof activation_kinds / sizeof activation_kinds[0]); i++)
        if (activation_kinds[i] == kind)
            return activation_names[i];
    return "unknown";
}

static const char *const scale_names[] = { "fan_in", "none" };
static const char *const layer_kinds[] = { "dense", "recurrent", "readout" };
static const char *const readout_times[] = { "last", "every" };
static const char *const loss_names[] = { "cross_entropy", "mse" };
static const char *const parameter_names[] = { "pi", "m", "Xi" };   /* indexed by sasc_parameter */
static const char *const init_functions[] = { "normal", "uniform", "identity", "zeros" };
static const char *const number_functions[] = { "sqrt" };
static const char *const mask_functions[] = { "density", "npy" };

/* ---------------------------------------------------------------- names */

/* Optimal string alignment distance, capped: enough to rank typo candidates. */
static int edit_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n > 64 || m > 64)
        return INT_MAX;
    int d[65][65];
    for (size_t i = 0; i <= n; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= m; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= n; i++)
        for (size_t j = 1; j <= m; j++) {
            int cost = a[i - 1] != b[j - 1];
            int best = d[i - 1][j - 1] + cost;
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[n][m];
}

const char *sema_closest_name(const char *name, const char *const *candidates, int count)
{
    /* Short names tolerate one edit, longer ones two: beyond that a
     * suggestion is more often noise than help. */
    int allowed = strlen(name) <= 3 ? 1 : 2;
    const char *best = NULL;
    int best_distance = allowed + 1;
    for (int i = 0; i < count; i++) {
        int distance = edit_distance(name, candidates[i]);
        if (distance < best_distance) {
            best = candidates[i];
            best_distance = distance;
        }
    }
    return best;
}

static void list_choices(char *out, size_t size, const char *const *choices, int count)
{
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < count && used < size; i++) {
        const char *separator = i == 0 ? "" : i == count - 1 ? " or " : ", ";
        int n = snprintf(out + used, size - used, "%s%s", separator, choices[i]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

/* "unknown <what> 'x'; did you mean 'y'?" — or, with no close candidate and
 * a short list, the list of what is allowed. */
static void report_unknown(sema *s, source_location where, const char *what, const char *name,
                           const char *const *candidates, int count)
{
    const char *suggestion = sema_closest_name(name, candidates, count);
    if (suggestion) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, where, "unknown %s '%s'; did you mean '%s'?",
                          what, name, suggestion);
    } else if (count > 0 && count <= 8) {
        char choices[256];
        list_choices(choices, sizeof choices, candidates, count);
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, where, "unknown %s '%s'; expected %s",
                          what, name, choices);
    } else {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, where, "unknown %s '%s'", what, name);
    }
}

static int find_name(const char *name, const char *const *names, int count)
{
    for (int i = 0; i < count; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

/* The name of `name` among `choices`, or -1 after reporting it unknown. */
static int choose(sema *s, const char *name, source_location where, const char *what,
                  const char *const *choices, int count)
{
    int found = find_name(name, choices, count);
    if (found < 0)
        report_unknown(s, where, what, name, choices, count);
    return found;
}

/* A setting whose value must be one of a few bare names (activation = relu). */
static int choose_expr(sema *s, const ast_expr *e, const char *what,
                       const char *const *choices, int count)
{
    if (e->kind == AST_ERROR)
        return -1;
    if (e->kind != AST_NAME) {
        char list[256];
        list_choices(list, sizeof list, choices, count);
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, e->location, "%s must be %s", what, list);
        return -1;
    }
    return choose(s, e->text, e->location, what, choices, count);
}

/* Where the callee's name is in a call (the call's location spans the arguments too). */
static source_location callee_location(const ast_expr *call)
{
    source_location where = call->location;
    where.last_line = where.first_line;
    where.last_column = where.first_column + (int)strlen(call->text) - 1;
    return where;
}

static char *copy_text(sema *s, const char *text)
{
    char *copy = strdup(text);
    if (!copy)
        s->out_of_memory = true;
    return copy;
}

static void report_duplicate(sema *s, const char *what, const ast_name *again, source_location first)
{
    diagnostic_report(s->d, DIAGNOSTIC_ERROR, again->location, "%s '%s' is defined twice",
                      what, again->text);
    diagnostic_report(s->d, DIAGNOSTIC_NOTE, first, "the first definition of '%s' is here", again->text);
}

/* ---------------------------------------------------------------- numbers */

static bool eval_number(sema *s, const ast_expr *e, double *out);

static const char *value_description(const ast_expr *e)
{
    switch (e->kind) {
    case AST_STRING: return "a string";
    case AST_NAME: return "a name";
    case AST_CALL: return "a call";
    case AST_NUMBER: return "a number";
    default: return "an expression";
    }
}

static bool eval_sqrt(sema *s, const ast_expr *e, double *out)
{
    if (e->arg_count != 1) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, e->location,
                          "sqrt takes 1 argument, not %d", e->arg_count);
        return false;
    }
    double x;
    if (!eval_number(s, e->args[0], &x))
        return false;
    if (x < 0) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, e->args[0]->location,
                          "sqrt of a negative number (%g)", x);
        return false;
    }
    *out = sqrt(x);
    return true;
}

static bool eval_call_number(sema *s, const ast_expr *e, double *out)
{
    if (strcmp(e->text, "sqrt") == 0)
        return eval_sqrt(s, e, out);
    if (find_name(e->text, init_functions, COUNT(init_functions)) >= 0 ||
        find_name(e->text, mask_functions, COUNT(mask_functions)) >= 0)
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, e->location,
                          "expected a number here, but %s(...) is not a number", e->text);
    else
        report_unknown(s, callee_location(e), "function", e->text,
                       number_functions, COUNT(number_functions));
    return false;
}

static bool eval_binary(sema *s, const ast_expr *e, double *out)
{
    double a, b;
    bool left_ok = eval_number(s, e->left, &a);
    bool right_ok = eval_number(s, e->right, &b);
    if (!left_ok || !right_ok)
        return false;
    switch (e->op) {
    case '+': *out = a + b; break;
    case '-': *out = a - b; break;
    case '*': *out = a * b; break;
    default:
        if (b == 0) {
            diagnostic_report(s->d, DIAGNOSTIC_ERROR, e->right->location, "division by zero");
            return false;
        }
        *out = a / b;
        break;
    }
    return true;
}

/* Folds a constant expression; reports why when it is not one. */
static bool eval_number(sema *s, const ast_expr *e, double *out)
{
    bool ok;
    switch (e->kind) {
    case AST_NUMBER:
        *out = e->number;
        ok = true;
        break;
    case AST_NEGATE:
        ok = eval_number(s, e->left, out);
        *out = -*out;
        break;
    case AST_BINARY:
        ok = eval_binary(s, e, out);
        break;
    case AST_CALL:
        return eval_call_number(s, e, out);
    case AST_ERROR:
        return false;
    default:
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, e->location, "expected a number, found %s",
                          value_description(e));
        return false;
    }
    if (ok && !isfinite(*out)) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, e->location, "the value is too large");
        return false;
    }
    return ok;
}

/* An integer in [min, max], e.g. a width. */
static bool eval_integer(sema *s, const ast_expr *e, const char *what, long min, long max, int *out)
{
    double v;
    if (!eval_number(s, e, &v))
        return false;
    if (v != floor(v)) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, e->location, "%s must be an integer, not %g", what, v);
        return false;
    }
    if (v < (double)min || v > (double)max) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, e->location,
                          "%s must be between %ld and %ld; %.15g is too %s",
                          what, min, max, v, v < (double)min ? "small" : "large");
        return false;
    }
    *out = (int)v;
    return true;
}

/* ---------------------------------------------------------------- priors */

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

static bool eval_init_arguments(sema *s, const ast_expr *e, int wanted, const char *meaning, double *args)
{
    if (e->arg_count != wanted) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, e->location, "%s takes %d argument%s (%s), not %d",
                          e->text, wanted, wanted == 1 ? "" : "s", meaning, e->arg_count);
        return false;
    }
    bool ok = true;
    for (int i = 0; i < wanted; i++)
        ok = eval_number(s, e->args[i], &args[i]) && ok;
    return ok;
}

static bool eval_init_call(sema *s, const ast_expr *e, sasc_init *out)
{
    double args[2] = { 0, 0 };
    if (strcmp(e->text, "normal") == 0) {
        if (!eval_init_arguments(s, e, 2, "mean, standard deviation", args))
            return false;
        if (args[1] < 0) {
            diagnostic_report(s->d, DIAGNOSTIC_ERROR, e->args[1]->location,
                              "the standard deviation of normal(...) must be >= 0, not %g", args[1]);
            return false;
        }
        *out = (sasc_init){ SASC_INIT_NORMAL, args[0], args[1] };
    } else if (strcmp(e->text, "uniform") == 0) {
        if (!eval_init_arguments(s, e, 2, "low, high", args))
            return false;
        if (args[0] > args[1]) {
            diagnostic_report(s->d, DIAGNOSTIC_ERROR, e->location,
                              "uniform(low, high) needs low <= high, but %g > %g", args[0], args[1]);
            return false;
        }
        *out = (sasc_init){ SASC_INIT_UNIFORM, args[0], args[1] };
    } else if (strcmp(e->text, "identity") == 0) {
        if (!eval_init_arguments(s, e, 1, "the diagonal value", args))
            return false;
        *out = (sasc_init){ SASC_INIT_IDENTITY, args[0], 0 };
    } else if (strcmp(e->text, "zeros") == 0) {
        if (!eval_init_arguments(s, e, 0, "none", args))
            return false;
        *out = (sasc_init){ SASC_INIT_ZEROS, 0, 0 };
    } else if (strcmp(e->text, "sqrt") == 0) {
        double v;
        if (!eval_number(s, e, &v))
            return false;
        *out = (sasc_init){ SASC_INIT_CONSTANT, v, 0 };
    } else {
        static const char *const known[] = { "normal", "uniform", "identity", "zeros", "sqrt" };
        report_unknown(s, callee_location(e), "function", e->text, known, COUNT(known));
        return false;
    }
    return true;
}

static bool eval_init(sema *s, const ast_expr *e, sasc_init *out)
{
    if (e->kind == AST_CALL)
        return eval_init_call(s, e, out);
    if (e->kind == AST_NAME) {
        if (strcmp(e->text, "identity") == 0)
            *out = (sasc_init){ SASC_INIT_IDENTITY, 1, 0 };
        else if (strcmp(e->text, "zeros") == 0)
            *out = (sasc_init){ SASC_INIT_ZEROS, 0, 0 };
        else {
            static const char *const bare[] = { "identity", "zeros" };
            report_unknown(s, e->location, "name", e->text, bare, COUNT(bare));
            return false;
        }
        return true;
    }
    double v;
    if (!eval_number(s, e, &v))
        return false;
    *out = (sasc_init){ SASC_INIT_CONSTANT, v, 0 };
    return true;
}

/* The values an initialisation can take, as [low, high]. */
static void init_range(const sasc_init *init, double *low, double *high)
{
    switch (init->kind) {
    case SASC_INIT_CONSTANT: *low = *high = init->a; break;
    case SASC_INIT_UNIFORM: *low = init->a; *high = init->b; break;
    case SASC_INIT_IDENTITY: *low = init->a < 0 ? init->a : 0; *high = init->a > 0 ? init->a : 0; break;
    case SASC_INIT_ZEROS: *low = *high = 0; break;
    case SASC_INIT_NORMAL: *low = -INFINITY; *high = INFINITY; break;
    }
}

/* pi is a probability and Xi a variance: their initial values must be valid. */
static bool check_parameter_range(sema *s, sasc_parameter p, const sasc_init *init, source_location where)
{
    if (p == SASC_M)
        return true;
    double low, high;
    init_range(init, &low, &high);
    bool is_pi = p == SASC_PI;
    if (init->kind == SASC_INIT_NORMAL) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, where,
                          "%s cannot be drawn from normal(...), which can leave %s; "
                          "use a constant or uniform(low, high)",
                          parameter_names[p], is_pi ? "[0, 1]" : "Xi >= 0");
        return false;
    }
    if (is_pi && (low < 0 || high > 1)) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, where,
                          "pi is a probability and must be in [0, 1], but its initial value can be %g",
                          low < 0 ? low : high);
        return false;
    }
    if (!is_pi && low < 0) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, where,
                          "Xi is a variance and must be >= 0, but its initial value can be %g", low);
        return false;
    }
    return true;
}

static void eval_parameter(sema *s, const ast_setting *setting, sasc_parameter p, written_prior *out)
{
    sasc_init init;
    if (!eval_init(s, setting->value, &init) || !check_parameter_range(s, p, &init, setting->value->location))
        return;
    *out = (written_prior){ { init, setting->frozen }, true, setting->value->location };
}

/* ---------------------------------------------------------------- settings blocks */

/* Matches a block's settings against the keys allowed there: found[i] is the
 * setting for keys[i] or NULL. Reports unknown keys (with a suggestion),
 * repeated keys, and `frozen` on keys that are not in `freezable`. */
static void match_settings(sema *s, const ast_block *block, const char *what,
                           const char *const *keys, int key_count, const char *const *freezable,
                           int freezable_count, const ast_setting **found)
{
    for (int i = 0; i < key_count; i++)
        found[i] = NULL;
    if (!block)
        return;
    for (int i = 0; i < block->count; i++) {
        const ast_setting *setting = &block->settings[i];
        int k = find_name(setting->key.text, keys, key_count);
        if (k < 0) {
            report_unknown(s, setting->key.location, what, setting->key.text, keys, key_count);
            continue;
        }
        if (found[k]) {
            diagnostic_report(s->d, DIAGNOSTIC_ERROR, setting->key.location,
                              "'%s' is set twice", setting->key.text);
            diagnostic_report(s->d, DIAGNOSTIC_NOTE, found[k]->key.location, "first set here");
            continue;
        }
        if (setting->frozen && find_name(setting->key.text, freezable, freezable_count) < 0)
            diagnostic_report(s->d, DIAGNOSTIC_ERROR, setting->location,
                              "'%s' cannot be frozen; only pi, m and Xi of a prior or a layer can",
                              setting->key.text);
        found[k] = setting;
    }
}

static named_prior *check_priors(sema *s, int *count)
{
    named_prior *priors = calloc((size_t)s->file->count + 1, sizeof *priors);
    *count = 0;
    if (!priors) {
        s->out_of_memory = true;
        return NULL;
    }
    for (int i = 0; i < s->file->count; i++) {
        const ast_decl *decl = &s->file->decls[i];
        if (decl->kind != AST_PRIOR)
            continue;
        bool duplicate = false;
        for (int j = 0; j < *count && !duplicate; j++)
            if (strcmp(priors[j].decl->name.text, decl->name.text) == 0) {
                report_duplicate(s, "prior", &decl->name, priors[j].decl->name.location);
                duplicate = true;
            }
        if (duplicate)
            continue;
        named_prior *prior = &priors[(*count)++];
        prior->decl = decl;
        const ast_setting *found[3];
        match_settings(s, decl->settings, "prior setting", parameter_names, 3, parameter_names, 3, found);
        for (int p = 0; p < 3; p++)
            if (found[p])
                eval_parameter(s, found[p], (sasc_parameter)p, &prior->parameter[p]);
    }
    return priors;
}

/* ---------------------------------------------------------------- layers */

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

enum { KEY_ACTIVATION, KEY_SCALE, KEY_PRIOR, KEY_PI, KEY_M, KEY_XI, KEY_MASK,
       KEY_STEPS, KEY_ALPHA, KEY_DT, KEY_TAU, KEY_SIGMA, KEY_SIGMA_IN, KEY_X0, KEY_H0,
       KEY_IN_PRIOR, KEY_IN_PI, KEY_IN_M, KEY_IN_XI, KEY_IN_MASK, KEY_AT, KEY_TEST_STEPS,
       LAYER_KEY_COUNT };
static const char *const layer_keys[LAYER_KEY_COUNT] = {
    "activation", "scale", "prior", "pi", "m", "Xi", "mask",
    "steps", "alpha", "dt", "tau", "sigma", "sigma_in", "x0", "h0",
    "in_prior", "in_pi", "in_m", "in_Xi", "in_mask", "at", "test_steps"
};
static const char *const freezable_keys[] = { "pi", "m", "Xi", "in_pi", "in_m", "in_Xi" };
/* Which settings each layer kind takes: keys [0, first_recurrent) are the
 * dense ones; a recurrent layer takes all but scale and at; a readout the
 * dense ones but scale, plus at. */
static bool key_allowed(layer_kind kind, int key)
{
    switch (kind) {
    case LAYER_DENSE:     return key <= KEY_MASK;
    case LAYER_RECURRENT: return key != KEY_SCALE && key != KEY_AT;
    case LAYER_READOUT:   return (key <= KEY_MASK && key != KEY_SCALE) || key == KEY_AT;
    }
    return false;
}

/* The default prior: pi = 0, Xi = 0 (a deterministic start) and m with an
 * effective standard deviation 1/sqrt(fan_in) whether or not the layer
 * scales by fan-in. */
static void default_prior(const layer_spec *layer, parameter_prior prior[3])
{
    double sd = layer->fan_in_scaling || !layer->fan_in ? 1.0 : 1.0 / sqrt((double)layer->fan_in);
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
                          "prior must be the name of a prior block, not %s", value_description(e));
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
    report_unknown(s, e->location, "prior", e->text, names, scope->prior_count);
    free(names);
    return NULL;
}

/* pi, m and Xi of one connection group (fan_in x width): defaults, then
 * the named prior (setting `prior_key`), then the group's own settings
 * (keys first_key .. first_key + 2). */
static void resolve_group_prior(sema *s, const model_scope *scope, const ast_setting *const *found,
                                const layer_spec *layer, int prior_key, int first_key, int fan_in,
                                parameter_prior prior[3])
{
    layer_spec shape = *layer;
    shape.fan_in = fan_in;
    default_prior(&shape, prior);
    written_prior written[3] = { { .given = false } };
    const named_prior *named = found[prior_key] ? find_prior(s, scope, found[prior_key]->value) : NULL;
    if (named)
        memcpy(written, named->parameter, sizeof written);
    for (int p = 0; p < 3; p++) {
        const ast_setting *own = found[first_key + p];
        if (own) {
            written[p].given = false;
            eval_parameter(s, own, (sasc_parameter)p, &written[p]);
        }
        if (!written[p].given)
            continue;
        prior[p] = written[p].prior;
        if (written[p].prior.init.kind == SASC_INIT_IDENTITY && fan_in && layer->width &&
            fan_in != layer->width)
            diagnostic_report(s->d, DIAGNOSTIC_ERROR, written[p].where,
                              "identity initialisation needs a square connection group, but layer '%s' "
                              "is %d x %d (fan in x width)", layer->name, fan_in, layer->width);
    }
}

static void resolve_prior(sema *s, const model_scope *scope, const ast_setting *const *found, layer_spec *layer)
{
    int fan_in = layer->kind == LAYER_RECURRENT ? layer->width : layer->fan_in;
    resolve_group_prior(s, scope, found, layer, KEY_PRIOR, KEY_PI, fan_in, layer->prior);
    if (layer->kind == LAYER_RECURRENT)
        resolve_group_prior(s, scope, found, layer, KEY_IN_PRIOR, KEY_IN_PI, layer->fan_in,
                            layer->input_prior);
}

/* A relative .npy path is relative to the directory of the .sas file. */
static char *resolve_path(sema *s, const char *file)
{
    const char *slash = strrchr(s->path, '/');
    if (file[0] == '/' || !slash)
        return copy_text(s, file);
    size_t dir = (size_t)(slash - s->path) + 1;
    char *joined = malloc(dir + strlen(file) + 1);
    if (!joined) {
        s->out_of_memory = true;
        return NULL;
    }
    memcpy(joined, s->path, dir);
    strcpy(joined + dir, file);
    return joined;
}

static void check_mask(sema *s, const ast_expr *e, sasc_mask *mask)
{
    if (e->kind == AST_ERROR)
        return;
    if (e->kind != AST_CALL) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, e->location,
                          "mask must be density(fraction) or npy(\"file.npy\")");
        return;
    }
    if (choose(s, e->text, callee_location(e), "mask", mask_functions, COUNT(mask_functions)) < 0)
        return;
    if (e->arg_count != 1) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, e->location, "%s takes 1 argument, not %d",
                          e->text, e->arg_count);
        return;
    }
    const ast_expr *arg = e->args[0];
    if (strcmp(e->text, "npy") == 0) {
        if (arg->kind != AST_STRING) {
            diagnostic_report(s->d, DIAGNOSTIC_ERROR, arg->location,
                              "npy(...) takes the file name as a string, e.g. npy(\"mask.npy\")");
            return;
        }
        *mask = (sasc_mask){ SASC_MASK_NPY, 0, resolve_path(s, arg->text) };
        return;
    }
    double density;
    if (!eval_number(s, arg, &density))
        return;
    if (!(density > 0 && density <= 1)) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, arg->location,
                          "the density of a mask must be in (0, 1], not %g", density);
        return;
    }
    *mask = (sasc_mask){ SASC_MASK_DENSITY, density, NULL };
}

/* A real setting >= low (> low when `open`); `fallback` when not given. */
static double real_setting(sema *s, const ast_setting *setting, double fallback, double low, bool open)
{
    double value = fallback;
    if (!setting || !eval_number(s, setting->value, &value))
        return fallback;
    if (value < low || (open && value == low)) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, setting->value->location,
                          "'%s' must be %s %g, not %g", setting->key.text, open ? ">" : ">=", low, value);
        return fallback;
    }
    return value;
}

/* The leak alpha: given, or dt / tau; one way only, and in (0, 1]. */
static void check_leak(sema *s, const ast_setting *const *found, layer_spec *layer)
{
    const ast_setting *alpha = found[KEY_ALPHA], *dt = found[KEY_DT], *tau = found[KEY_TAU];
    layer->alpha = 1.0;
    if (alpha && (dt || tau)) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, (dt ? dt : tau)->key.location,
                          "give either alpha or dt and tau, not both");
        return;
    }
    if (!alpha && (!dt != !tau)) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, (dt ? dt : tau)->key.location,
                          "dt and tau go together (alpha = dt / tau); add '%s'", dt ? "tau" : "dt");
        return;
    }
    if (alpha)
        layer->alpha = real_setting(s, alpha, 1.0, 0.0, true);
    else if (dt)
        layer->alpha = real_setting(s, dt, 1.0, 0.0, true) / real_setting(s, tau, 1.0, 0.0, true);
    if (layer->alpha > 1) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, (alpha ? alpha : dt)->value->location,
                          "the leak alpha = %g must be in (0, 1]", layer->alpha);
        layer->alpha = 1.0;
    }
}

static void check_recurrent_settings(sema *s, const ast_setting *const *found, layer_spec *layer)
{
    layer->steps = 0;
    if (!found[KEY_STEPS])
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, layer->location,
                          "recurrent layer '%s' needs the number of time steps, e.g. 'steps = 28'",
                          layer->name);
    else if (!eval_integer(s, found[KEY_STEPS]->value, "the number of steps", 1, 1000000, &layer->steps))
        layer->steps = 0;
    layer->test_steps = 0;
    if (found[KEY_TEST_STEPS] && !eval_integer(s, found[KEY_TEST_STEPS]->value, "the number of test steps",
                                               1, 1000000, &layer->test_steps))
        layer->test_steps = 0;
    check_leak(s, found, layer);
    layer->sigma = real_setting(s, found[KEY_SIGMA], 0.0, 0.0, false);
    layer->sigma_in = real_setting(s, found[KEY_SIGMA_IN], 0.0, 0.0, false);
    layer->x0 = real_setting(s, found[KEY_X0], 0.0, -INFINITY, false);
    layer->h0 = real_setting(s, found[KEY_H0], 0.0, -INFINITY, false);
    layer->input_mask = (sasc_mask){ SASC_MASK_NONE, 0, NULL };
    if (found[KEY_IN_MASK])
        check_mask(s, found[KEY_IN_MASK]->value, &layer->input_mask);
}

static void check_layer_settings(sema *s, const model_scope *scope, const ast_block *block, layer_spec *layer)
{
    const ast_setting *found[LAYER_KEY_COUNT];
    match_settings(s, block, "layer setting", layer_keys, LAYER_KEY_COUNT, freezable_keys,
                   COUNT(freezable_keys), found);
    for (int k = 0; k < LAYER_KEY_COUNT; k++)
        if (found[k] && !key_allowed(layer->kind, k)) {
            diagnostic_report(s->d, DIAGNOSTIC_ERROR, found[k]->key.location,
                              "'%s' is not a setting of a %s layer", layer_keys[k], layer_kinds[layer->kind]);
            found[k] = NULL;
        }
    layer->activation = layer->kind == LAYER_RECURRENT ? ACTIVATION_RELU : ACTIVATION_IDENTITY;
    if (found[KEY_ACTIVATION]) {
        int a = choose_expr(s, found[KEY_ACTIVATION]->value, "activation",
                            activation_names, COUNT(activation_names));
        if (a >= 0)
            layer->activation = activation_kinds[a];
    }
    if (layer->kind == LAYER_RECURRENT && layer->activation == ACTIVATION_SOFTMAX) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, found[KEY_ACTIVATION]->value->location,
                          "a recurrent layer's transfer function is elementwise; softmax is not");
        layer->activation = ACTIVATION_RELU;
    }
    layer->fan_in_scaling = layer->kind == LAYER_DENSE;
    if (found[KEY_SCALE])
        layer->fan_in_scaling = choose_expr(s, found[KEY_SCALE]->value, "scale",
                                            scale_names, COUNT(scale_names)) != 1;
    if (layer->kind == LAYER_RECURRENT)
        check_recurrent_settings(s, found, layer);
    if (found[KEY_AT])
        layer->every_step = choose_expr(s, found[KEY_AT]->value, "readout time",
                                        readout_times, COUNT(readout_times)) == 1;
    resolve_prior(s, scope, found, layer);
    layer->mask = (sasc_mask){ SASC_MASK_NONE, 0, NULL };
    if (found[KEY_MASK])
        check_mask(s, found[KEY_MASK]->value, &layer->mask);
}

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
    int found = find_name(e->text, scope->names, scope->name_count);
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
        report_unknown(s, e->location, "layer or input", e->text, scope->names, scope->name_count);
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

/* Source and width of `kind(source, width)`; fan_in and width stay 0 when
 * unknown (a bad source or width, reported already). */
static void check_layer_shape(sema *s, const model_scope *scope, const layer_spec *earlier,
                              const ast_item *item, layer_spec *layer)
{
    const ast_expr *call = item->call;
    if (call->arg_count != 2) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, call->location,
                          "%s takes 2 arguments (source, width), not %d", call->text, call->arg_count);
        return;
    }
    layer->source = find_source(s, scope, item, call->args[0]);
    if (!eval_integer(s, call->args[1], "a layer width", 1, SEMA_MAX_WIDTH, &layer->width))
        layer->width = 0;
    if (layer->source >= -1)
        layer->fan_in = layer->source == -1 ? scope->input_width : earlier[layer->source].width;
    if (layer->fan_in && layer->width && !check_connection_count(s, item, layer))
        layer->fan_in = layer->width = 0;
}

/* Recurrent layers read the input; a readout reads a recurrent layer; a
 * dense layer reads no recurrent layer (its output is a sequence). */
static void check_layer_source_kind(sema *s, const layer_spec *earlier, const ast_item *item,
                                    const layer_spec *layer)
{
    if (layer->source < -1)
        return;
    layer_kind source = layer->source < 0 ? LAYER_DENSE : earlier[layer->source].kind;
    const ast_expr *at = item->call->args[0];
    if (layer->kind == LAYER_RECURRENT && layer->source != -1)
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, at->location,
                          "a recurrent layer reads the model's input, not layer '%s'", at->text);
    else if (layer->kind == LAYER_READOUT && source != LAYER_RECURRENT)
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, at->location,
                          "a readout reads a recurrent layer, and '%s' is not one; use dense(...)", at->text);
    else if (layer->kind == LAYER_DENSE && source != LAYER_DENSE)
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, at->location,
                          "'%s' is a %s layer; read it with readout(%s, width)", at->text,
                          layer_kinds[source], at->text);
}

/* Checks one `layer NAME = kind(source, width) {...}`. A layer whose shape
 * is unknown still has its settings checked, and later layers reading it get
 * no message of their own: the first mistake is the one reported. */
static void check_layer(sema *s, const model_scope *scope, const layer_spec *earlier,
                        const ast_item *item, layer_spec *layer)
{
    const ast_expr *call = item->call;
    layer->name = copy_text(s, item->name.text);
    layer->location = item->name.location;
    layer->source = -2;
    if (call->kind != AST_CALL)   /* a syntax error, reported by the parser */
        return;
    int kind = choose(s, call->text, callee_location(call), "layer kind", layer_kinds, COUNT(layer_kinds));
    if (kind < 0)
        return;
    layer->kind = (layer_kind)kind;
    check_layer_shape(s, scope, earlier, item, layer);
    check_layer_source_kind(s, earlier, item, layer);
    check_layer_settings(s, scope, item->settings, layer);
}

/* ---------------------------------------------------------------- models */

static void check_input(sema *s, model_scope *scope, model_spec *model)
{
    for (int i = 0; i < scope->decl->item_count; i++) {
        const ast_item *item = &scope->decl->items[i];
        if (item->kind != AST_ITEM_INPUT)
            continue;
        if (scope->input) {
            diagnostic_report(s->d, DIAGNOSTIC_ERROR, item->location,
                              "model '%s' has a second input; a model has exactly one",
                              scope->decl->name.text);
            continue;
        }
        scope->input = item;
        if (eval_integer(s, item->width, "the input width", 1, SEMA_MAX_WIDTH, &model->input_width))
            scope->input_width = model->input_width;
        model->input_name = copy_text(s, item->name.text);
    }
    if (!scope->input)
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, scope->decl->name.location,
                          "model '%s' has no input; add a line like 'input x[784]'", scope->decl->name.text);
    scope->names[scope->name_count++] = scope->input ? scope->input->name.text : "";
}

/* A name of a layer must not repeat the input's or an earlier layer's. */
static bool check_layer_name(sema *s, const model_scope *scope, const ast_item *item)
{
    for (const ast_item *other = scope->decl->items; other < item; other++)
        if ((other->kind == AST_ITEM_LAYER || other->kind == AST_ITEM_INPUT) &&
            strcmp(other->name.text, item->name.text) == 0) {
            report_duplicate(s, "name", &item->name, other->name.location);
            return false;
        }
    /* the input may also be written below the layers */
    if (scope->input && scope->input > item && strcmp(scope->input->name.text, item->name.text) == 0) {
        report_duplicate(s, "name", &item->name, scope->input->name.location);
        return false;
    }
    return true;
}

/* A recurrent model is one recurrent layer and its readout, the output. */
static void check_recurrent_structure(sema *s, const model_scope *scope, model_spec *model)
{
    int recurrent = 0, readouts = 0;
    for (int i = 0; i < model->layer_count; i++) {
        if (!scope->layer_ok[i])
            return;   /* that layer's error is the one to fix first */
        recurrent += model->layers[i].kind == LAYER_RECURRENT;
        readouts += model->layers[i].kind == LAYER_READOUT;
    }
    if (recurrent == 0 && readouts == 0)
        return;
    const layer_spec *last = &model->layers[model->layer_count - 1];
    if (recurrent > 1 || model->layer_count != 2 || last->kind != LAYER_READOUT)
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, scope->decl->name.location,
                          "a recurrent model has exactly two layers: 'recurrent(input, units)' and "
                          "'readout(that layer, outputs)', in that order");
}

static void check_layers(sema *s, model_scope *scope, model_spec *model)
{
    model->layers = calloc((size_t)scope->decl->item_count + 1, sizeof *model->layers);
    if (!model->layers) {
        s->out_of_memory = true;
        return;
    }
    for (int i = 0; i < scope->decl->item_count; i++) {
        const ast_item *item = &scope->decl->items[i];
        if (item->kind != AST_ITEM_LAYER || !check_layer_name(s, scope, item))
            continue;
        int errors = diagnostics_error_count(s->d);
        check_layer(s, scope, model->layers, item, &model->layers[model->layer_count]);
        scope->layer_ok[model->layer_count++] = diagnostics_error_count(s->d) == errors;
        scope->names[scope->name_count++] = item->name.text;
    }
    check_recurrent_structure(s, scope, model);
}

static void check_loss(sema *s, const model_scope *scope, const ast_item *item, model_spec *model)
{
    const ast_expr *call = item->call;
    if (call->kind != AST_CALL)
        return;
    int kind = choose(s, call->text, callee_location(call), "loss", loss_names, COUNT(loss_names));
    if (kind < 0)
        return;
    model->loss = kind == 0 ? LOSS_CROSS_ENTROPY : LOSS_MEAN_SQUARED_ERROR;
    if (call->arg_count != 1 || call->args[0]->kind != AST_NAME) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, call->location,
                          "%s takes one argument, the name of the output layer", call->text);
        return;
    }
    const ast_expr *arg = call->args[0];
    if (model->layer_count == 0)
        return;
    const layer_spec *last = &model->layers[model->layer_count - 1];
    if (strcmp(arg->text, last->name) != 0) {
        if (find_name(arg->text, scope->names, scope->name_count) >= 0)
            diagnostic_report(s->d, DIAGNOSTIC_ERROR, arg->location,
                              "the loss must be computed on the last layer '%s', not on '%s'",
                              last->name, arg->text);
        else
            report_unknown(s, arg->location, "layer", arg->text, scope->names + 1, scope->name_count - 1);
        return;
    }
    bool last_ok = scope->layer_ok[model->layer_count - 1];
    if (model->loss == LOSS_CROSS_ENTROPY && last_ok && last->activation != ACTIVATION_SOFTMAX)
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, arg->location,
                          "cross_entropy needs a softmax output, but layer '%s' has activation %s; "
                          "add 'activation = softmax' to it", last->name, activation_name(last->activation));
    if (model->loss == LOSS_CROSS_ENTROPY && last_ok && last->kind == LAYER_READOUT && last->every_step)
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, arg->location,
                          "cross_entropy is taken at the last step, but readout '%s' reads every step; "
                          "use 'loss mse(%s)' or 'at = last'", last->name, last->name);
}

static void check_l2(sema *s, const ast_item *item, model_spec *model)
{
    static const char *const keys[] = { "m", "Xi" };
    const ast_setting *found[2];
    match_settings(s, item->settings, "l2 setting", keys, 2, NULL, 0, found);
    double *strength[2] = { &model->l2_m, &model->l2_xi };
    for (int i = 0; i < 2; i++) {
        if (!found[i] || !eval_number(s, found[i]->value, strength[i]))
            continue;
        if (*strength[i] < 0)
            diagnostic_report(s->d, DIAGNOSTIC_ERROR, found[i]->value->location,
                              "an l2 strength must be >= 0, not %g", *strength[i]);
    }
}

/* Loss and l2: at most one each, the loss required. */
static void check_objective(sema *s, const model_scope *scope, model_spec *model)
{
    const ast_item *loss = NULL, *l2 = NULL;
    for (int i = 0; i < scope->decl->item_count; i++) {
        const ast_item *item = &scope->decl->items[i];
        const ast_item **seen = item->kind == AST_ITEM_LOSS ? &loss : item->kind == AST_ITEM_L2 ? &l2 : NULL;
        if (!seen)
            continue;
        if (*seen) {
            diagnostic_report(s->d, DIAGNOSTIC_ERROR, item->location, "model '%s' has a second %s",
                              scope->decl->name.text, item->kind == AST_ITEM_LOSS ? "loss" : "l2 block");
            continue;
        }
        *seen = item;
        if (item->kind == AST_ITEM_LOSS)
            check_loss(s, scope, item, model);
        else
            check_l2(s, item, model);
    }
    if (!loss)
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, scope->decl->name.location,
                          "model '%s' has no loss; add 'loss cross_entropy(%s)' or 'loss mse(%s)'",
                          scope->decl->name.text,
                          model->layer_count ? model->layers[model->layer_count - 1].name : "y",
                          model->layer_count ? model->layers[model->layer_count - 1].name : "y");
}

static bool check_name_length(sema *s, const ast_name *name, const char *what)
{
    if (strlen(name->text) <= SEMA_MAX_NAME)
        return true;
    diagnostic_report(s->d, DIAGNOSTIC_ERROR, name->location, "a %s name has at most %d characters",
                      what, SEMA_MAX_NAME);
    return false;
}

static void check_model(sema *s, const ast_decl *decl, const named_prior *priors, int prior_count,
                        model_spec *model)
{
    model->name = copy_text(s, decl->name.text);
    model->location = decl->name.location;
    check_name_length(s, &decl->name, "model");
    if (decl->item_count > SEMA_MAX_ITEMS) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, decl->items[SEMA_MAX_ITEMS].location,
                          "model '%s' has %d items (input, layer, loss and l2 lines); at most %d are supported", decl->name.text,
                          decl->item_count, SEMA_MAX_ITEMS);
        return;
    }
    const char **names = malloc(((size_t)decl->item_count + 1) * sizeof *names);
    bool *layer_ok = calloc((size_t)decl->item_count + 1, sizeof *layer_ok);
    if (!names || !layer_ok) {
        s->out_of_memory = true;
        free(names);
        free(layer_ok);
        return;
    }
    model_scope scope = { .decl = decl, .priors = priors, .prior_count = prior_count, .names = names,
                          .layer_ok = layer_ok };
    check_input(s, &scope, model);
    check_layers(s, &scope, model);
    bool has_layer_items = false;
    for (int i = 0; i < decl->item_count; i++)
        has_layer_items |= decl->items[i].kind == AST_ITEM_LAYER;
    if (!has_layer_items)
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, decl->name.location,
                          "model '%s' has no layers; add one like 'layer y = dense(x, 10)'", decl->name.text);
    if (model->layer_count)
        model->classes = model->layers[model->layer_count - 1].width;
    check_objective(s, &scope, model);
    free(names);
    free(layer_ok);
}

/* ---------------------------------------------------------------- tasks */

/* A task setting as the text sasc_task_set() reads: numbers with "%.17g",
 * names and strings as written. Paths and names must be written as strings,
 * numbers as numbers: `data = 3` or `lr = "0.1"` are mistakes. */
static bool render_setting(sema *s, const ast_setting *setting, sasc_setting_type type,
                           char *out, size_t size)
{
    const ast_expr *e = setting->value;
    if (e->kind == AST_ERROR)
        return false;
    bool is_string = e->kind == AST_STRING;
    if ((type == SASC_SETTING_STRING) != is_string) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, e->location, "%s must be %s, not %s", setting->key.text,
                          is_string ? "written without quotes" : "a string in double quotes",
                          is_string ? "a string" : value_description(e));
        return false;
    }
    if (e->kind == AST_STRING || e->kind == AST_NAME) {
        if ((size_t)snprintf(out, size, "%s", e->text) < size)
            return true;
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, e->location, "this value is too long (at most %zu characters)",
                          size - 1);
        return false;
    }
    double v;
    if (!eval_number(s, e, &v))
        return false;
    snprintf(out, size, "%.17g", v);
    return true;
}

static int find_model(sema *s, const checked_file *out, const ast_expr *e)
{
    if (e->kind == AST_ERROR)
        return -1;
    if (e->kind != AST_NAME) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, e->location,
                          "model must be the name of a model of this file, not %s", value_description(e));
        return -1;
    }
    const char **names = malloc(((size_t)out->model_count + 1) * sizeof *names);
    if (!names) {
        s->out_of_memory = true;
        return -1;
    }
    int found = -1;
    for (int i = 0; i < out->model_count; i++) {
        names[i] = out->models[i].name ? out->models[i].name : "";
        if (found < 0 && strcmp(names[i], e->text) == 0)
            found = i;
    }
    if (found < 0)
        report_unknown(s, e->location, "model", e->text, names, out->model_count);
    free(names);
    return found;
}

static void choose_task_model(sema *s, const ast_decl *decl, const ast_setting *setting,
                              const checked_file *out, task_spec *task)
{
    task->model = -1;
    if (setting)
        task->model = find_model(s, out, setting->value);
    else if (out->model_count == 1)
        task->model = 0;
    else
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, decl->name.location,
                          out->model_count ? "task '%s' must say which model it trains ('model = NAME'); "
                                             "the file defines %d models"
                                           : "task '%s' has no model to train; the file defines %d models",
                          decl->name.text, out->model_count);
    if (task->model >= 0)
        snprintf(task->settings.model, sizeof task->settings.model, "%s", out->models[task->model].name);
}

/* A .sas file may be someone else's: the run directory it names must stay
 * under the working directory (relative, no '..'), so running a file can never
 * write elsewhere. The command line (--out) may name any directory. */
static bool escapes_working_directory(const char *path)
{
    if (path[0] == '/')
        return true;
    for (const char *p = path; *p; ) {
        size_t length = strcspn(p, "/");
        if (length == 2 && p[0] == '.' && p[1] == '.')
            return true;
        p += length + (p[length] == '/');
    }
    return false;
}

static void apply_task_setting(sema *s, const ast_setting *setting, const sasc_setting_info *info,
                               task_spec *task)
{
    if (strcmp(setting->key.text, "name") == 0) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, setting->key.location,
                          "a task's name is the one after 'task'; remove this setting");
        return;
    }
    char value[4096], error[512];
    if (!render_setting(s, setting, info->type, value, sizeof value))
        return;
    if (strcmp(setting->key.text, "out") == 0 && escapes_working_directory(value))
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, setting->value->location,
                          "out in a .sas file must be a relative path without '..' (the run stays "
                          "under the working directory); give other places with --out");
    else if (!sasc_task_set(&task->settings, setting->key.text, value, error, sizeof error))
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, setting->value->location, "%s", error);
}

static void check_task(sema *s, const ast_decl *decl, const checked_file *out, task_spec *task)
{
    sasc_task_defaults(&task->settings);
    task->location = decl->name.location;
    if (check_name_length(s, &decl->name, "task"))
        snprintf(task->settings.name, sizeof task->settings.name, "%s", decl->name.text);
    int count;
    const sasc_setting_info *table = sasc_task_settings(&count);
    const char *keys[count + 1];
    const ast_setting *found[count + 1];
    for (int i = 0; i < count; i++)
        keys[i] = table[i].key;
    match_settings(s, decl->settings, "task setting", keys, count, NULL, 0, found);
    const ast_setting *model_setting = NULL;
    for (int i = 0; decl->settings && i < decl->settings->count; i++) {   /* in source order */
        const ast_setting *setting = &decl->settings->settings[i];
        int k = find_name(setting->key.text, keys, count);
        if (k < 0 || found[k] != setting)
            continue;
        if (strcmp(keys[k], "model") == 0)
            model_setting = setting;
        else
            apply_task_setting(s, setting, &table[k], task);
    }
    choose_task_model(s, decl, model_setting, out, task);
}

/* ---------------------------------------------------------------- the file */

/* Duplicate model or task names are reported at the second definition. */
static bool first_definition(sema *s, int index)
{
    const ast_decl *decl = &s->file->decls[index];
    for (int i = 0; i < index; i++) {
        const ast_decl *other = &s->file->decls[i];
        if (other->kind == decl->kind && strcmp(other->name.text, decl->name.text) == 0) {
            report_duplicate(s, decl->kind == AST_MODEL ? "model" : "task", &decl->name, other->name.location);
            return false;
        }
    }
    return true;
}

static void check_declarations(sema *s, checked_file *out)
{
    int prior_count;
    named_prior *priors = check_priors(s, &prior_count);
    out->models = calloc((size_t)s->file->count + 1, sizeof *out->models);
    out->tasks = calloc((size_t)s->file->count + 1, sizeof *out->tasks);
    if (!priors || !out->models || !out->tasks) {
        s->out_of_memory = true;
        free(priors);
        return;
    }
    for (int i = 0; i < s->file->count; i++)
        if (s->file->decls[i].kind == AST_MODEL && first_definition(s, i))
            check_model(s, &s->file->decls[i], priors, prior_count, &out->models[out->model_count++]);
    for (int i = 0; i < s->file->count; i++)
        if (s->file->decls[i].kind == AST_TASK && first_definition(s, i))
            check_task(s, &s->file->decls[i], out, &out->tasks[out->task_count++]);
    free(priors);
}

bool sema_check(const ast_file *file, const char *path, const char *text,
                diagnostics *d, checked_file *out)
{
    sema s = { .d = d, .file = file, .path = path };
    int errors_before = diagnostics_error_count(d);
    *out = (checked_file){ 0 };
    out->path = copy_text(&s, path);
    out->source_text = copy_text(&s, text);
    if (file->count > SEMA_MAX_DECLARATIONS)
        diagnostic_report(d, DIAGNOSTIC_ERROR, file->decls[SEMA_MAX_DECLARATIONS].location,
                          "the file has %d definitions; at most %d are supported", file->count,
                          SEMA_MAX_DECLARATIONS);
    else
        check_declarations(&s, out);
    if (s.out_of_memory)
        diagnostic_report_file(d, DIAGNOSTIC_ERROR, "out of memory while checking the file");
    if (diagnostics_error_count(d) == errors_before)
        return true;
    checked_file_free(out);
    *out = (checked_file){ 0 };
    return false;
}
