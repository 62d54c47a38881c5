/*
 * sema_values.c — the checker's vocabulary: names and suggestions, constant
 * expressions, initial values of pi, m and Xi, prior blocks, masks and the
 * matching of a block's settings against the keys allowed there.
 */
#include "compiler/check/sema_internal.h"
#include "runtime/support/suggest.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const sema_parameter_names[3] = { "pi", "m", "Xi" };
static const char *const init_functions[] = { "normal", "uniform", "identity", "zeros" };
static const char *const number_functions[] = { "sqrt" };
static const char *const mask_functions[] = { "density", "npy" };

/* ---------------------------------------------------------------- names */

void sema_list_choices(char *out, size_t size, const char *const *choices, int count)
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
void sema_report_unknown(sema *s, source_location where, const char *what, const char *name,
                           const char *const *candidates, int count)
{
    const char *suggestion = sasc_closest_name(name, candidates, count);
    if (suggestion) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, where, "unknown %s '%s'; did you mean '%s'?",
                          what, name, suggestion);
    } else if (count > 0 && count <= 8) {
        char choices[256];
        sema_list_choices(choices, sizeof choices, candidates, count);
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, where, "unknown %s '%s'; expected %s",
                          what, name, choices);
    } else {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, where, "unknown %s '%s'", what, name);
    }
}

int sema_find_name(const char *name, const char *const *names, int count)
{
    for (int i = 0; i < count; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

/* The name of `name` among `choices`, or -1 after reporting it unknown. */
int sema_choose(sema *s, const char *name, source_location where, const char *what,
                  const char *const *choices, int count)
{
    int found = sema_find_name(name, choices, count);
    if (found < 0)
        sema_report_unknown(s, where, what, name, choices, count);
    return found;
}

/* A setting whose value must be one of a few bare names (activation = relu). */
int sema_choose_expr(sema *s, const ast_expr *e, const char *what,
                       const char *const *choices, int count)
{
    if (e->kind == AST_ERROR)
        return -1;
    if (e->kind != AST_NAME) {
        char list[256];
        sema_list_choices(list, sizeof list, choices, count);
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, e->location, "%s must be %s", what, list);
        return -1;
    }
    return sema_choose(s, e->text, e->location, what, choices, count);
}

/* Where the callee's name is in a call (the call's location spans the arguments too). */
source_location sema_callee_location(const ast_expr *call)
{
    source_location where = call->location;
    where.last_line = where.first_line;
    where.last_column = where.first_column + (int)strlen(call->text) - 1;
    return where;
}

char *sema_copy_text(sema *s, const char *text)
{
    char *copy = strdup(text);
    if (!copy)
        s->out_of_memory = true;
    return copy;
}

void sema_report_duplicate(sema *s, const char *what, const ast_name *again, source_location first)
{
    diagnostic_report(s->d, DIAGNOSTIC_ERROR, again->location, "%s '%s' is defined twice",
                      what, again->text);
    diagnostic_report(s->d, DIAGNOSTIC_NOTE, first, "the first definition of '%s' is here", again->text);
}

/* ---------------------------------------------------------------- numbers */

const char *sema_value_description(const ast_expr *e)
{
    switch (e->kind) {
    case AST_STRING: return "a string";
    case AST_NAME: return "a name";
    case AST_CALL: return "a call";
    case AST_NUMBER: return "a number";
    case AST_LIST: return "a list";
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
    if (!sema_eval_number(s, e->args[0], &x))
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
    if (sema_find_name(e->text, init_functions, COUNT(init_functions)) >= 0 ||
        sema_find_name(e->text, mask_functions, COUNT(mask_functions)) >= 0)
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, e->location,
                          "expected a number here, but %s(...) is not a number", e->text);
    else
        sema_report_unknown(s, sema_callee_location(e), "function", e->text,
                       number_functions, COUNT(number_functions));
    return false;
}

static bool eval_binary(sema *s, const ast_expr *e, double *out)
{
    double a, b;
    bool left_ok = sema_eval_number(s, e->left, &a);
    bool right_ok = sema_eval_number(s, e->right, &b);
    if (!left_ok || !right_ok)
        return false;
    if (strchr("<>=!", e->op)) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, e->location, "a comparison is a number only "
                          "inside a trials declaration (where it is 1 or 0 per trial)");
        return false;
    }
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
bool sema_eval_number(sema *s, const ast_expr *e, double *out)
{
    bool ok;
    switch (e->kind) {
    case AST_NUMBER:
        *out = e->number;
        ok = true;
        break;
    case AST_NEGATE:
        ok = sema_eval_number(s, e->left, out);
        *out = -*out;
        break;
    case AST_BINARY:
        ok = eval_binary(s, e, out);
        break;
    case AST_CALL:
        return eval_call_number(s, e, out);
    case AST_NAME:
        return sema_constant_value(s, e, out);
    case AST_ERROR:
        return false;
    default:
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, e->location, "expected a number, found %s",
                          sema_value_description(e));
        return false;
    }
    if (ok && !isfinite(*out)) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, e->location, "the value is too large");
        return false;
    }
    return ok;
}

/* An integer in [min, max], e.g. a width. */
bool sema_eval_integer(sema *s, const ast_expr *e, const char *what, long min, long max, int *out)
{
    double v;
    if (!sema_eval_number(s, e, &v))
        return false;
    if (v != floor(v)) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, e->location, "%s must be an integer, not %g", what, v);
        sema_note_constant_origin(s, e);
        return false;
    }
    if (v < (double)min || v > (double)max) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, e->location,
                          "%s must be between %ld and %ld; %.15g is too %s",
                          what, min, max, v, v < (double)min ? "small" : "large");
        sema_note_constant_origin(s, e);
        return false;
    }
    *out = (int)v;
    return true;
}

/* ---------------------------------------------------------------- priors */


static bool eval_init_arguments(sema *s, const ast_expr *e, int wanted, const char *meaning, double *args)
{
    if (e->arg_count != wanted) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, e->location, "%s takes %d argument%s (%s), not %d",
                          e->text, wanted, wanted == 1 ? "" : "s", meaning, e->arg_count);
        return false;
    }
    bool ok = true;
    for (int i = 0; i < wanted; i++)
        ok = sema_eval_number(s, e->args[i], &args[i]) && ok;
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
        if (!sema_eval_number(s, e, &v))
            return false;
        *out = (sasc_init){ SASC_INIT_CONSTANT, v, 0 };
    } else {
        static const char *const known[] = { "normal", "uniform", "identity", "zeros", "sqrt" };
        sema_report_unknown(s, sema_callee_location(e), "function", e->text, known, COUNT(known));
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
        else if (sema_is_constant(s, e->text)) {
            double v;
            if (!sema_constant_value(s, e, &v))
                return false;
            *out = (sasc_init){ SASC_INIT_CONSTANT, v, 0 };
        } else {
            static const char *const bare[] = { "identity", "zeros" };
            sema_report_unknown(s, e->location, "name", e->text, bare, COUNT(bare));
            return false;
        }
        return true;
    }
    double v;
    if (!sema_eval_number(s, e, &v))
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
                          sema_parameter_names[p], is_pi ? "[0, 1]" : "Xi >= 0");
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

void sema_eval_parameter(sema *s, const ast_setting *setting, sasc_parameter p, written_prior *out)
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
void sema_match_settings(sema *s, const ast_block *block, const char *what,
                           const char *const *keys, int key_count, const char *const *freezable,
                           int freezable_count, const ast_setting **found)
{
    for (int i = 0; i < key_count; i++)
        found[i] = NULL;
    if (!block)
        return;
    for (int i = 0; i < block->count; i++) {
        const ast_setting *setting = &block->settings[i];
        int k = sema_find_name(setting->key.text, keys, key_count);
        if (k < 0) {
            sema_report_unknown(s, setting->key.location, what, setting->key.text, keys, key_count);
            continue;
        }
        if (found[k]) {
            diagnostic_report(s->d, DIAGNOSTIC_ERROR, setting->key.location,
                              "'%s' is set twice", setting->key.text);
            diagnostic_report(s->d, DIAGNOSTIC_NOTE, found[k]->key.location, "first set here");
            continue;
        }
        if (setting->frozen && sema_find_name(setting->key.text, freezable, freezable_count) < 0)
            diagnostic_report(s->d, DIAGNOSTIC_ERROR, setting->location,
                              "'%s' cannot be frozen; only pi, m and Xi of a prior or a layer can",
                              setting->key.text);
        found[k] = setting;
    }
}

named_prior *sema_check_priors(sema *s, int *count)
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
                sema_report_duplicate(s, "prior", &decl->name, priors[j].decl->name.location);
                duplicate = true;
            }
        if (duplicate)
            continue;
        named_prior *prior = &priors[(*count)++];
        prior->decl = decl;
        const ast_setting *found[3];
        sema_match_settings(s, decl->settings, "prior setting", sema_parameter_names, 3, sema_parameter_names, 3, found);
        for (int p = 0; p < 3; p++)
            if (found[p])
                sema_eval_parameter(s, found[p], (sasc_parameter)p, &prior->parameter[p]);
    }
    return priors;
}


/* A relative .npy path is relative to the directory of the .sas file. */
static char *resolve_path(sema *s, const char *file)
{
    const char *slash = strrchr(s->path, '/');
    if (file[0] == '/' || !slash)
        return sema_copy_text(s, file);
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

void sema_check_mask(sema *s, const ast_expr *e, sasc_mask *mask)
{
    if (e->kind == AST_ERROR)
        return;
    if (e->kind != AST_CALL) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, e->location,
                          "mask must be density(fraction) or npy(\"file.npy\")");
        return;
    }
    if (sema_choose(s, e->text, sema_callee_location(e), "mask", mask_functions, COUNT(mask_functions)) < 0)
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
    if (!sema_eval_number(s, arg, &density))
        return;
    if (!(density > 0 && density <= 1)) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, arg->location,
                          "the density of a mask must be in (0, 1], not %g", density);
        return;
    }
    *mask = (sasc_mask){ SASC_MASK_DENSITY, density, NULL };
}
