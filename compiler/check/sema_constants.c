/*
 * sema_constants.c — `const NAME = expr` at file level: folded in the
 * file's order before anything else is checked, so that a constant may be
 * used wherever a number is (widths, steps, priors, noise strengths, task
 * settings, trials). A constant's expression may use the constants defined
 * above it; `--set NAME=VALUE` (sema.h's overrides) replaces its value,
 * and the constants defined after it are folded with the new value.
 */
#include "compiler/check/sema_internal.h"

#include <math.h>
#include <string.h>

static int find_constant(const constant_scope *scope, const char *name)
{
    for (int k = 0; k < scope->values.count; k++)
        if (strcmp(scope->values.items[k].name, name) == 0)
            return k;
    return -1;
}

bool sema_is_constant(const sema *s, const char *name)
{
    return find_constant(&s->constants, name) >= 0;
}

/* The file's `const` declaration named `name` that comes after the ones
 * checked so far, or NULL. */
static const ast_decl *declared_later(const sema *s, const char *name)
{
    for (int i = 0; i < s->file->count; i++) {
        const ast_decl *decl = &s->file->decls[i];
        if (decl->kind == AST_CONST && strcmp(decl->name.text, name) == 0)
            return decl;
    }
    return NULL;
}

static void report_unknown_constant(sema *s, const ast_expr *e)
{
    const constant_scope *scope = &s->constants;
    const char *names[SASC_MAX_CONSTANTS];
    for (int k = 0; k < scope->visible; k++)
        names[k] = scope->values.items[k].name;
    const ast_decl *later = declared_later(s, e->text);
    if (later) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, e->location,
                          "constant '%s' is used before its definition", e->text);
        diagnostic_report(s->d, DIAGNOSTIC_NOTE, later->name.location, "'%s' is defined here",
                          e->text);
    } else {
        sema_report_unknown(s, e->location, "constant", e->text, names, scope->visible);
    }
}

bool sema_constant_value(sema *s, const ast_expr *e, double *out)
{
    const constant_scope *scope = &s->constants;
    int k = find_constant(scope, e->text);
    if (k < 0 || k >= scope->visible) {
        report_unknown_constant(s, e);
        return false;
    }
    *out = scope->values.items[k].value;
    return scope->ok[k];
}

void sema_note_constant_origin(sema *s, const ast_expr *e)
{
    if (e->kind == AST_NEGATE || e->kind == AST_BINARY) {
        sema_note_constant_origin(s, e->left);
        if (e->kind == AST_BINARY)
            sema_note_constant_origin(s, e->right);
        return;
    }
    int k = e->kind == AST_NAME ? find_constant(&s->constants, e->text) : -1;
    if (k < 0 || !s->constants.overridden[k])
        return;
    char value[32];
    snprintf(value, sizeof value, "%.15g", s->constants.values.items[k].value);
    diagnostic_report(s->d, DIAGNOSTIC_NOTE, s->constants.decl[k]->name.location,
                      "'%s' is %s here, given by --set %s=%s", e->text, value, e->text, value);
}

/* The name may not be a task setting's (--set NAME=VALUE would be both). */
static bool check_constant_name(sema *s, const ast_decl *decl)
{
    const char *name = decl->name.text;
    if (strlen(name) >= SASC_CONSTANT_NAME_SIZE) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, decl->name.location,
                          "a constant's name has at most %d characters", SASC_CONSTANT_NAME_SIZE - 1);
        return false;
    }
    if (sasc_task_setting_find(name)) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, decl->name.location,
                          "'%s' is a task setting; give the constant another name (--set %s=VALUE "
                          "must mean one thing)", name, name);
        return false;
    }
    int k = find_constant(&s->constants, name);
    if (k >= 0) {
        sema_report_duplicate(s, "constant", &decl->name, s->constants.decl[k]->name.location);
        return false;
    }
    if (s->constants.values.count == SASC_MAX_CONSTANTS) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, decl->name.location,
                          "a file has at most %d constants", SASC_MAX_CONSTANTS);
        return false;
    }
    return true;
}

static void check_constant(sema *s, const ast_decl *decl)
{
    if (!check_constant_name(s, decl))
        return;
    constant_scope *scope = &s->constants;
    int k = scope->values.count;
    scope->visible = k;
    double value = 0;
    bool ok = sema_eval_number(s, decl->value, &value);
    const sasc_constant *given = s->overrides ? sasc_constants_find(s->overrides, decl->name.text) : NULL;
    if (given)
        value = given->value;
    sasc_constants_put(&scope->values, decl->name.text, value);   /* valid name, room checked */
    scope->decl[k] = decl;
    scope->ok[k] = ok;
    scope->overridden[k] = given != NULL;
}

void sema_check_constants(sema *s, checked_file *out)
{
    for (int i = 0; i < s->file->count; i++)
        if (s->file->decls[i].kind == AST_CONST)
            check_constant(s, &s->file->decls[i]);
    s->constants.visible = s->constants.values.count;
    out->constants = s->constants.values;
}
