/*
 * pipeline.c — the compiling stages shared by every command (pipeline.h).
 */
#include "compiler/driver/pipeline.h"
#include "compiler/layers/registry.h"
#include "compiler/lower/lower.h"
#include "runtime/train/train.h"
#include "runtime/data/source.h"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A saved run keeps its constants: --set may not change one. */
static bool check_saved_constant(const invocation *call, const char *name, double value, char *error,
                                 size_t error_size)
{
    const sasc_constant *saved = sasc_constants_find(&call->saved_task.constants, name);
    if (!call->saved_dir || !saved || saved->value == value)
        return true;
    snprintf(error, error_size, "--set %s=%.15g: the run in %s was trained with %s=%.15g; a saved "
             "run's constants cannot change (train a new run for another value)", name, value,
             call->saved_dir, name, saved->value);
    return false;
}

/* The values the file's constants take from the command line, before the
 * file is checked (they may change widths): a saved run's, then each --set
 * whose key is no task setting and whose value is a number, then any
 * `constants=NAME=VALUE,...`. Keys that name no constant of the file are
 * reported later, as unknown settings, by sasc_settings_apply. */
static bool constant_overrides(const invocation *call, sasc_constants *overrides, char *error,
                               size_t error_size)
{
    *overrides = call->saved_dir ? call->saved_task.constants : (sasc_constants){0};
    for (int i = 0; i < call->settings.count; i++) {
        const char *setting = call->settings.settings[i], *equals = strchr(setting, '=');
        char key[SASC_CONSTANT_NAME_SIZE], ignored[256];
        sasc_constants listed = {0};
        double value;
        if ((size_t)(equals - setting) >= sizeof key)
            continue;
        snprintf(key, sizeof key, "%.*s", (int)(equals - setting), setting);
        if (strcmp(key, "constants") == 0)
            sasc_constants_parse(equals + 1, &listed, ignored, sizeof ignored);
        else if (!sasc_task_setting_find(key) &&
                 sasc_constant_parse_value(key, equals + 1, &value, ignored, sizeof ignored))
            sasc_constants_put(&listed, key, value);
        for (int k = 0; k < listed.count; k++) {
            if (!check_saved_constant(call, listed.items[k].name, listed.items[k].value, error, error_size))
                return false;
            sasc_constants_put(overrides, listed.items[k].name, listed.items[k].value);
        }
    }
    return true;
}

int pipeline_front_end(const invocation *call, pipeline *state)
{
    clock_gettime(CLOCK_MONOTONIC, &state->start);
    char error[ERROR_SIZE];
    state->text = frontend_read_file(call->file, error, sizeof error);
    if (state->text == NULL) {
        fprintf(stderr, "sasc: error: %s\n", error);
        return SASC_EXIT_USER_ERROR;
    }
    state->messages = diagnostics_new(call->file, state->text, stderr);
    if (state->messages == NULL)
        return SASC_EXIT_INTERNAL_ERROR;
    sasc_constants overrides;
    if (!constant_overrides(call, &overrides, error, sizeof error)) {
        fprintf(stderr, "sasc: error: %s\n", error);
        return SASC_EXIT_USER_ERROR;
    }
    state->file_checked = frontend_check_with(call->file, state->text, layer_kinds(), &overrides,
                                              state->messages, &state->file);
    if (!state->file_checked) {
        int errors = diagnostics_error_count(state->messages);
        fprintf(stderr, "%d error%s generated.\n", errors, errors == 1 ? "" : "s");
        return SASC_EXIT_USER_ERROR;
    }
    return SASC_EXIT_OK;
}

/* Pick the task to run: the named one, the file's only task, or the defaults
 * for the file's only model when the file declares no task. */
static int choose_task(const checked_file *file, const char *name, sasc_task *task, int *model)
{
    if (name != NULL) {
        for (int i = 0; i < file->task_count; i++)
            if (strcmp(file->tasks[i].settings.name, name) == 0) {
                *task = file->tasks[i].settings;
                *model = file->tasks[i].model;
                return SASC_EXIT_OK;
            }
        fprintf(stderr, "sasc: error: %s has no task named '%s'", file->path, name);
        for (int i = 0; i < file->task_count; i++)
            fprintf(stderr, "%s'%s'", i == 0 ? "; its tasks are " : ", ", file->tasks[i].settings.name);
        fprintf(stderr, "\n");
        return SASC_EXIT_USER_ERROR;
    }
    if (file->task_count == 1) {
        *task = file->tasks[0].settings;
        *model = file->tasks[0].model;
        return SASC_EXIT_OK;
    }
    if (file->task_count == 0 && file->model_count == 1) {
        sasc_task_defaults(task);
        task->constants = file->constants;
        snprintf(task->name, sizeof task->name, "default");
        snprintf(task->model, sizeof task->model, "%s", file->models[0].name);
        *model = 0;
        return SASC_EXIT_OK;
    }
    if (file->task_count == 0) {   /* "name the one to run" would name nothing */
        fprintf(stderr, "sasc: error: %s has no task and %d models; add a task block "
                "('task NAME { model = ... }') to say what to train\n", file->path, file->model_count);
        return SASC_EXIT_USER_ERROR;
    }
    fprintf(stderr, "sasc: error: %s has %d tasks; name the one to run", file->path, file->task_count);
    for (int i = 0; i < file->task_count; i++)
        fprintf(stderr, "%s'%s'", i == 0 ? ": " : ", ", file->tasks[i].settings.name);
    fprintf(stderr, "\n");
    return SASC_EXIT_USER_ERROR;
}

/* The task and model of a saved run (sasc run --resume, sasc eval). */
static int saved_model(const invocation *call, const checked_file *file, sasc_task *task, int *model)
{
    *task = call->saved_task;
    for (int i = 0; i < file->model_count; i++)
        if (strcmp(file->models[i].name, task->model) == 0) {
            *model = i;
            return SASC_EXIT_OK;
        }
    fprintf(stderr, "sasc: error: %s has no model '%s', the model of the checkpoint in %s\n",
            file->path, task->model, call->saved_dir);
    return SASC_EXIT_USER_ERROR;
}

static int apply_settings(const invocation *call, sasc_task *task)
{
    char error[ERROR_SIZE];
    if (!sasc_settings_apply(&call->settings, task, error, sizeof error)) {
        fprintf(stderr, "sasc: error: %s\n", error);
        return SASC_EXIT_USER_ERROR;
    }
    return SASC_EXIT_OK;
}

/* `--set model=NAME` names the model to train: one of the file's (training
 * the task's own model under another name would record a run that can never
 * be resumed or evaluated). A saved run keeps the model it trained. */
static int settings_model(const invocation *call, const checked_file *file, const sasc_task *task,
                          int *model)
{
    if (strcmp(task->model, file->models[*model].name) == 0)
        return SASC_EXIT_OK;
    if (call->saved_dir) {
        fprintf(stderr, "sasc: error: the run in %s trained model '%s'; --set model=%s cannot "
                "change it\n", call->saved_dir, file->models[*model].name, task->model);
        return SASC_EXIT_USER_ERROR;
    }
    for (int i = 0; i < file->model_count; i++)
        if (strcmp(file->models[i].name, task->model) == 0) {
            *model = i;
            return SASC_EXIT_OK;
        }
    fprintf(stderr, "sasc: error: --set model=%s: %s has no model '%s'", task->model, file->path,
            task->model);
    for (int i = 0; i < file->model_count; i++)
        fprintf(stderr, "%s'%s'", i == 0 ? "; its models are " : ", ", file->models[i].name);
    fprintf(stderr, "\n");
    return SASC_EXIT_USER_ERROR;
}

int pipeline_choose_task(const invocation *call, const pipeline *state, sasc_task *task, int *model)
{
    int status = call->saved_dir ? saved_model(call, &state->file, task, model)
                                 : choose_task(&state->file, call->task, task, model);
    if (status == SASC_EXIT_OK)
        status = apply_settings(call, task);
    if (status == SASC_EXIT_OK)
        status = settings_model(call, &state->file, task, model);
    if (status == SASC_EXIT_OK && call->saved_dir)   /* a resumed run continues in its own directory */
        snprintf(task->out, sizeof task->out, "%s", call->saved_dir);
    return status;
}

/* The declared trials `data = trials(NAME)` names (also when --set data=
 * names them), for the program to carry (sasc_program.trials). */
static int attach_trials(const checked_file *file, const sasc_task *task, ir_program *program)
{
    const char *data = task->data;
    size_t n = strlen(data);
    if (strcmp(sasc_data_kind_of(data)->name, "trials") != 0)
        return SASC_EXIT_OK;
    char name[sizeof task->data];
    snprintf(name, sizeof name, "%.*s", (int)(n - 8), data + 7);
    const trials_spec *spec = checked_file_trials(file, name);
    if (!spec) {
        fprintf(stderr, "sasc: error: data = %s, but %s declares no trials '%s'\n", data,
                file->path, name);
        return SASC_EXIT_USER_ERROR;
    }
    program->trials = &spec->table;
    return SASC_EXIT_OK;
}

int pipeline_lower(const pipeline *state, int model, const sasc_task *task, ir_program *program)
{
    char error[ERROR_SIZE];
    if (!lower_model(&state->file.models[model], task, program, error, sizeof error)) {
        fprintf(stderr, "sasc: error: %s\n", error);
        return SASC_EXIT_USER_ERROR;
    }
    int status = attach_trials(&state->file, task, program);
    if (status != SASC_EXIT_OK)
        return status;
    if (!ir_verify(program, error, sizeof error)) {
        fprintf(stderr, "sasc: internal error: invalid IR: %s\n", error);
        return SASC_EXIT_INTERNAL_ERROR;
    }
    return SASC_EXIT_OK;
}

int pipeline_middle_end(const invocation *call, pipeline *state, sasc_task *task, int *model)
{
    int status = pipeline_choose_task(call, state, task, model);
    if (status != SASC_EXIT_OK)
        return status;
    state->program_built = true;
    return pipeline_lower(state, *model, task, &state->program);
}

int pipeline_to_ir(const invocation *call, pipeline *state, sasc_task *task, int *model)
{
    int status = pipeline_front_end(call, state);
    return status == SASC_EXIT_OK ? pipeline_middle_end(call, state, task, model) : status;
}

const sasc_program *pipeline_jit(pipeline *state, int *status)
{
    char error[ERROR_SIZE];
    state->compiled = codegen_jit(&state->program, error, sizeof error);
    if (state->compiled == NULL) {
        fprintf(stderr, "sasc: internal error: %s\n", error);
        *status = SASC_EXIT_INTERNAL_ERROR;
        return NULL;
    }
    return compiled_model_program(state->compiled);
}

void pipeline_free(pipeline *state)
{
    if (state->compiled)
        compiled_model_free(state->compiled);
    if (state->program_built)
        ir_program_free(&state->program);
    if (state->file_checked)
        checked_file_free(&state->file);
    if (state->messages)
        diagnostics_free(state->messages);
    free(state->text);
}

void pipeline_compiler_string(char *out, size_t size)
{
    snprintf(out, size, "sasc %s (LLVM %s)", PACKAGE_VERSION, codegen_llvm_version());
}

double pipeline_seconds(const pipeline *state)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - state->start.tv_sec) + 1e-9 * (double)(now.tv_nsec - state->start.tv_nsec);
}
