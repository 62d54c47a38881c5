/*
 * sema.c — semantic analysis of a .sas syntax tree (see sema.h and
 * docs/language.md for the rules it enforces): the file's declarations,
 * models (their input, loss and l2; their layers are sema_layers.c's) and
 * tasks. Names, numbers and priors are sema_values.c's.
 */
#include "compiler/check/sema_internal.h"

#include <stdlib.h>
#include <string.h>

static const char *const loss_names[] = { "cross_entropy", "mse" };

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
        if (sema_eval_integer(s, item->width, "the input width", 1, SEMA_MAX_WIDTH, &model->input_width))
            scope->input_width = model->input_width;
        model->input_name = sema_copy_text(s, item->name.text);
    }
    if (!scope->input)
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, scope->decl->name.location,
                          "model '%s' has no input; add a line like 'input x[784]'", scope->decl->name.text);
    scope->names[scope->name_count++] = scope->input ? scope->input->name.text : "";
}


static void check_loss(sema *s, const model_scope *scope, const ast_item *item, model_spec *model)
{
    const ast_expr *call = item->call;
    if (call->kind != AST_CALL)
        return;
    int kind = sema_choose(s, call->text, sema_callee_location(call), "loss", loss_names, COUNT(loss_names));
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
        if (sema_find_name(arg->text, scope->names, scope->name_count) >= 0)
            diagnostic_report(s->d, DIAGNOSTIC_ERROR, arg->location,
                              "the loss must be computed on the last layer '%s', not on '%s'",
                              last->name, arg->text);
        else
            sema_report_unknown(s, arg->location, "layer", arg->text, scope->names + 1, scope->name_count - 1);
        return;
    }
    bool last_ok = scope->layer_ok[model->layer_count - 1];
    if (model->loss == LOSS_CROSS_ENTROPY && last_ok && last->activation != ACTIVATION_SOFTMAX)
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, arg->location,
                          "cross_entropy needs a softmax output, but layer '%s' has activation %s; "
                          "add 'activation = softmax' to it", last->name, layer_activation_name(last->activation));
    if (model->loss == LOSS_CROSS_ENTROPY && last_ok && last->per_step)
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, arg->location,
                          "cross_entropy is taken at the last step, but %s '%s' has a value at every step; "
                          "use 'loss mse(%s)' or 'at = last'", last->kind->name, last->name, last->name);
}

static void check_l2(sema *s, const ast_item *item, model_spec *model)
{
    static const char *const keys[] = { "m", "Xi" };
    const ast_setting *found[2];
    sema_match_settings(s, item->settings, "l2 setting", keys, 2, NULL, 0, found);
    double *strength[2] = { &model->l2_m, &model->l2_xi };
    for (int i = 0; i < 2; i++) {
        if (!found[i] || !sema_eval_number(s, found[i]->value, strength[i]))
            continue;
        if (*strength[i] < 0)
            diagnostic_report(s->d, DIAGNOSTIC_ERROR, found[i]->value->location,
                              "an l2 strength must be >= 0, not %g", *strength[i]);
    }
}

/* Whether some layer of the model has a group trained by gradient (then
 * it needs a loss); kinds with rules of their own do not. */
static bool model_trained_by_gradient(const model_spec *model)
{
    for (int i = 0; i < model->layer_count; i++)
        if (!model->layers[i].kind || layer_kind_has_gradients(model->layers[i].kind))
            return true;
    return model->layer_count == 0;
}

/* Loss and l2: at most one each; the loss required when a group learns by gradient. */
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
        model->loss = LOSS_NONE;
    if (!loss && model_trained_by_gradient(model))
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
    model->name = sema_copy_text(s, decl->name.text);
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
    sema_check_layers(s, &scope, model);
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

/* A number (constants folded) as the text sasc_task_set() reads. */
static bool render_number(sema *s, const ast_expr *e, char *out, size_t size)
{
    double v;
    if (!sema_eval_number(s, e, &v))
        return false;
    snprintf(out, size, "%.17g", v);
    return true;
}

/* A task setting as the text sasc_task_set() reads: numbers with "%.17g",
 * names and strings as written. Paths and names must be written as strings,
 * numbers as numbers: `data = 3` or `lr = "0.1"` are mistakes. */
static bool render_setting(sema *s, const ast_setting *setting, sasc_setting_type type,
                           char *out, size_t size)
{
    const ast_expr *e = setting->value;
    if (e->kind == AST_ERROR)
        return false;
    bool numeric = type == SASC_SETTING_INTEGER || type == SASC_SETTING_REAL;
    if (e->kind == AST_NAME && (numeric || sema_is_constant(s, e->text)))
        return render_number(s, e, out, size);
    bool is_string = e->kind == AST_STRING;
    if ((type == SASC_SETTING_STRING) != is_string) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, e->location, "%s must be %s, not %s", setting->key.text,
                          is_string ? "written without quotes" : "a string in double quotes",
                          is_string ? "a string" : sema_value_description(e));
        return false;
    }
    if (e->kind == AST_STRING || e->kind == AST_NAME) {
        if ((size_t)snprintf(out, size, "%s", e->text) < size)
            return true;
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, e->location, "this value is too long (at most %zu characters)",
                          size - 1);
        return false;
    }
    return render_number(s, e, out, size);
}

static int find_model(sema *s, const checked_file *out, const ast_expr *e)
{
    if (e->kind == AST_ERROR)
        return -1;
    if (e->kind != AST_NAME) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, e->location,
                          "model must be the name of a model of this file, not %s", sema_value_description(e));
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
        sema_report_unknown(s, e->location, "model", e->text, names, out->model_count);
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
                               const checked_file *file, task_spec *task)
{
    if (strcmp(setting->key.text, "name") == 0) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, setting->key.location,
                          "a task's name is the one after 'task'; remove this setting");
        return;
    }
    if (strcmp(setting->key.text, "constants") == 0) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, setting->key.location,
                          "constants are declared at file level ('const NAME = value') and "
                          "overridden with --set NAME=VALUE, not set in a task");
        return;
    }
    char value[4096], error[512];
    bool trials = strcmp(setting->key.text, "data") == 0 && setting->value->kind == AST_CALL &&
                  strcmp(setting->value->text, "trials") == 0;
    if (trials ? !sema_trials_data(s, setting->value, file, value, sizeof value)
               : !render_setting(s, setting, info->type, value, sizeof value))
        return;
    if (strcmp(setting->key.text, "out") == 0 && escapes_working_directory(value))
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, setting->value->location,
                          "out in a .sas file must be a relative path without '..' (the run stays "
                          "under the working directory); give other places with --out");
    else if (!sasc_task_set(&task->settings, setting->key.text, value, error, sizeof error)) {
        diagnostic_report(s->d, DIAGNOSTIC_ERROR, setting->value->location, "%s", error);
        sema_note_constant_origin(s, setting->value);
    }
}

static void check_task(sema *s, const ast_decl *decl, const checked_file *out, task_spec *task)
{
    sasc_task_defaults(&task->settings);
    task->settings.constants = out->constants;
    task->location = decl->name.location;
    if (check_name_length(s, &decl->name, "task"))
        snprintf(task->settings.name, sizeof task->settings.name, "%s", decl->name.text);
    int count;
    const sasc_setting_info *table = sasc_task_settings(&count);
    const char *keys[count + 1];
    const ast_setting *found[count + 1];
    for (int i = 0; i < count; i++)
        keys[i] = table[i].key;
    sema_match_settings(s, decl->settings, "task setting", keys, count, NULL, 0, found);
    const ast_setting *model_setting = NULL, *data_setting = NULL;
    for (int i = 0; decl->settings && i < decl->settings->count; i++) {   /* in source order */
        const ast_setting *setting = &decl->settings->settings[i];
        int k = sema_find_name(setting->key.text, keys, count);
        if (k < 0 || found[k] != setting)
            continue;
        if (strcmp(keys[k], "model") == 0)
            model_setting = setting;
        else
            apply_task_setting(s, setting, &table[k], out, task);
        if (strcmp(keys[k], "data") == 0)
            data_setting = setting;
    }
    choose_task_model(s, decl, model_setting, out, task);
    if (data_setting)
        sema_check_task_trials(s, out, task, data_setting->value->location);
}

/* ---------------------------------------------------------------- the file */

/* Duplicate model or task names are reported at the second definition. */
static bool first_definition(sema *s, int index)
{
    const ast_decl *decl = &s->file->decls[index];
    for (int i = 0; i < index; i++) {
        const ast_decl *other = &s->file->decls[i];
        if (other->kind == decl->kind && strcmp(other->name.text, decl->name.text) == 0) {
            sema_report_duplicate(s, decl->kind == AST_MODEL ? "model" : decl->kind == AST_TASK ? "task"
                                     : decl->kind == AST_SWEEP ? "sweep" : "trials",
                                  &decl->name, other->name.location);
            return false;
        }
    }
    return true;
}

static void check_declarations(sema *s, checked_file *out)
{
    sema_check_constants(s, out);
    int prior_count;
    named_prior *priors = sema_check_priors(s, &prior_count);
    out->models = calloc((size_t)s->file->count + 1, sizeof *out->models);
    out->tasks = calloc((size_t)s->file->count + 1, sizeof *out->tasks);
    out->trials = calloc((size_t)s->file->count + 1, sizeof *out->trials);
    if (!priors || !out->models || !out->tasks || !out->trials) {
        s->out_of_memory = true;
        free(priors);
        return;
    }
    for (int i = 0; i < s->file->count; i++)   /* the keyword is reserved for issue 14.1 */
        if (s->file->decls[i].kind == AST_SWEEP)
            diagnostic_report(s->d, DIAGNOSTIC_ERROR, s->file->decls[i].location,
                              "sweep declarations are not supported yet; give the sweep on the "
                              "command line: sasc sweep FILE --over KEY=V1,V2,...");
    for (int i = 0; i < s->file->count; i++)
        if (s->file->decls[i].kind == AST_MODEL && first_definition(s, i))
            check_model(s, &s->file->decls[i], priors, prior_count, &out->models[out->model_count++]);
    for (int i = 0; i < s->file->count; i++)
        if (s->file->decls[i].kind == AST_TRIALS && first_definition(s, i))
            sema_check_trials(s, &s->file->decls[i], &out->trials[out->trials_count++]);
    for (int i = 0; i < s->file->count; i++)
        if (s->file->decls[i].kind == AST_TASK && first_definition(s, i))
            check_task(s, &s->file->decls[i], out, &out->tasks[out->task_count++]);
    free(priors);
}

bool sema_check(const ast_file *file, const char *path, const char *text,
                const layer_kind_table *kinds, const sasc_constants *overrides, diagnostics *d,
                checked_file *out)
{
    sema s = { .d = d, .file = file, .path = path, .kinds = kinds, .overrides = overrides };
    int errors_before = diagnostics_error_count(d);
    *out = (checked_file){ 0 };
    out->path = sema_copy_text(&s, path);
    out->source_text = sema_copy_text(&s, text);
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
