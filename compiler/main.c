/*
 * main.c — the `sasc` command: the whole pipeline, front to back.
 *
 *   .sas text --frontend_check--> checked_file --lower_model--> ir_program
 *             --codegen_jit--> sasc_program (kernels) --sasc_run_task--> results
 *
 * Exit status (GNU style): 0 success, 1 user error (bad .sas, bad setting,
 * bad data), 2 internal error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "compiler/codegen.h"
#include "compiler/frontend.h"
#include "compiler/lower.h"
#include "runtime/task.h"
#include "runtime/train.h"

enum { ERROR_SIZE = 1024 };

typedef struct {
    const char *command;
    const char *file;
    const char *task;
    const char **settings;      /* "KEY=VALUE" strings, in command-line order */
    int setting_count;
    char **owned;               /* settings built from --out/--seed/--threads */
    int owned_count;
    bool unoptimized;           /* sasc llvm --unoptimized */
} invocation;

static const char usage_text[] =
    "Usage: sasc COMMAND [ARGUMENTS]\n"
    "Compile and train spike-and-slab ensemble networks described in .sas files.\n"
    "\n"
    "Commands:\n"
    "  check FILE                   report every problem in FILE, nothing else\n"
    "  ir FILE [TASK]               print the tensor IR of the kernels\n"
    "  llvm FILE [TASK]             print the LLVM IR of the kernels (after O3;\n"
    "                               --unoptimized for before)\n"
    "  run FILE [TASK]              compile FILE and run TASK (default: the file's\n"
    "                               only task)\n"
    "  help [COMMAND|settings]      show help for a command or list task settings\n"
    "\n"
    "Options for ir, llvm and run:\n"
    "  --set KEY=VALUE              override a task setting (repeatable);\n"
    "                               `sasc help settings` lists them\n"
    "  --out DIR                    same as --set out=DIR\n"
    "  --seed N                     same as --set seed=N\n"
    "  --threads N                  same as --set threads=N\n"
    "\n"
    "  -h, --help                   show this help and exit\n"
    "  -V, --version                show version information and exit\n"
    "\n"
    "Exit status: 0 on success, 1 on a user error (the file, a setting or the\n"
    "data), 2 on an internal error.\n"
    "\n"
    "Example:\n"
    "  sasc run examples/quickstart.sas --set epochs=5 --out runs/qs\n";

static void print_version(void)
{
    printf("sasc %s (LLVM %s)\n", PACKAGE_VERSION, codegen_llvm_version());
    printf("Copyright (C) 2026 the sasc developers.\n");
}

static int user_error(const char *format, const char *detail)
{
    fprintf(stderr, "sasc: error: ");
    fprintf(stderr, format, detail);
    fprintf(stderr, "\nTry 'sasc --help' for more information.\n");
    return SASC_EXIT_USER_ERROR;
}

static void print_settings_help(void)
{
    int count = 0;
    const sasc_setting_info *settings = sasc_task_settings(&count);
    sasc_task defaults;
    sasc_task_defaults(&defaults);
    printf("Task settings (in a task block as KEY = VALUE, or --set KEY=VALUE):\n\n");
    for (int i = 0; i < count; i++) {
        char value[256];
        sasc_task_value_json(&defaults, &settings[i], value, sizeof value);
        printf("  %-14s %s (default %s)\n", settings[i].key, settings[i].help, value);
    }
}

/* Split the arguments after the command into file, task and settings. */
static int parse_arguments(int argc, char **argv, invocation *call)
{
    call->settings = calloc((size_t)argc, sizeof *call->settings);
    call->owned = calloc((size_t)argc, sizeof *call->owned);
    if (call->settings == NULL || call->owned == NULL)
        return SASC_EXIT_INTERNAL_ERROR;
    static const char *const shortcut_keys[3] = {"out", "seed", "threads"};
    for (int i = 2; i < argc; i++) {
        const char *argument = argv[i];
        int shortcut_index = -1;
        for (int k = 0; k < 3; k++) {
            char option[16];
            snprintf(option, sizeof option, "--%s", shortcut_keys[k]);
            if (strcmp(argument, option) == 0)
                shortcut_index = k;
        }
        if (strcmp(argument, "--set") == 0 || shortcut_index >= 0) {
            if (i + 1 >= argc)
                return user_error("option '%s' needs a value", argument);
            const char *value = argv[++i];
            if (shortcut_index >= 0) {
                char *setting = NULL;
                if (asprintf(&setting, "%s=%s", shortcut_keys[shortcut_index], value) < 0)
                    return SASC_EXIT_INTERNAL_ERROR;
                call->owned[call->owned_count++] = setting;
                value = setting;
            } else if (strchr(value, '=') == NULL) {
                return user_error("'--set %s' is not of the form KEY=VALUE", value);
            }
            call->settings[call->setting_count++] = value;
        } else if (strncmp(argument, "--set=", 6) == 0) {
            call->settings[call->setting_count++] = argument + 6;
        } else if (strcmp(argument, "--unoptimized") == 0 && strcmp(call->command, "llvm") == 0) {
            call->unoptimized = true;
        } else if (argument[0] == '-' && argument[1] != '\0') {
            return user_error("unknown option '%s'", argument);
        } else if (call->file == NULL) {
            call->file = argument;
        } else if (call->task == NULL && strcmp(call->command, "check") != 0) {
            call->task = argument;
        } else {
            return user_error("unexpected argument '%s'", argument);
        }
    }
    if (call->file == NULL)
        return user_error("'sasc %s' needs a .sas file", call->command);
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
        snprintf(task->name, sizeof task->name, "default");
        snprintf(task->model, sizeof task->model, "%s", file->models[0].name);
        *model = 0;
        return SASC_EXIT_OK;
    }
    fprintf(stderr, "sasc: error: %s has %d tasks; name the one to run", file->path, file->task_count);
    for (int i = 0; i < file->task_count; i++)
        fprintf(stderr, "%s'%s'", i == 0 ? ": " : ", ", file->tasks[i].settings.name);
    fprintf(stderr, "\n");
    return SASC_EXIT_USER_ERROR;
}

static int apply_settings(const invocation *call, sasc_task *task)
{
    for (int i = 0; i < call->setting_count; i++) {
        char key[128], error[ERROR_SIZE];
        const char *equals = strchr(call->settings[i], '=');
        size_t length = (size_t)(equals - call->settings[i]);
        if (length == 0 || length >= sizeof key) {
            fprintf(stderr, "sasc: error: '--set %s': the key is %s\n", call->settings[i],
                    length == 0 ? "empty" : "too long");
            return SASC_EXIT_USER_ERROR;
        }
        memcpy(key, call->settings[i], length);
        key[length] = '\0';
        if (!sasc_task_set(task, key, equals + 1, error, sizeof error)) {
            fprintf(stderr, "sasc: error: --set %s: %s\n", call->settings[i], error);
            return SASC_EXIT_USER_ERROR;
        }
    }
    if (task->out[0] == '\0')
        snprintf(task->out, sizeof task->out, "runs/%s-%s", task->model, task->name);
    return SASC_EXIT_OK;
}

static double seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + 1e-9 * (double)(now.tv_nsec - start->tv_nsec);
}

/* Everything a command holds while it works; released by one function. */
typedef struct {
    char *text;
    checked_file file;
    bool file_checked;
    diagnostics *messages;
    ir_program program;
    bool program_built;
    compiled_model *compiled;
} pipeline;

static void pipeline_free(pipeline *state)
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

/* Read and check the file; report diagnostics. */
static int front_end(const invocation *call, pipeline *state)
{
    char error[ERROR_SIZE];
    state->text = frontend_read_file(call->file, error, sizeof error);
    if (state->text == NULL) {
        fprintf(stderr, "sasc: error: %s\n", error);
        return SASC_EXIT_USER_ERROR;
    }
    state->messages = diagnostics_new(call->file, state->text, stderr);
    if (state->messages == NULL)
        return SASC_EXIT_INTERNAL_ERROR;
    state->file_checked = frontend_check(call->file, state->text, state->messages, &state->file);
    if (!state->file_checked) {
        int errors = diagnostics_error_count(state->messages);
        fprintf(stderr, "%d error%s generated.\n", errors, errors == 1 ? "" : "s");
        return SASC_EXIT_USER_ERROR;
    }
    return SASC_EXIT_OK;
}

/* Choose the task, apply overrides, lower to IR. */
static int middle_end(const invocation *call, pipeline *state, sasc_task *task, int *model)
{
    int status = choose_task(&state->file, call->task, task, model);
    if (status == SASC_EXIT_OK)
        status = apply_settings(call, task);
    if (status != SASC_EXIT_OK)
        return status;
    char error[ERROR_SIZE];
    state->program_built = true;
    if (!lower_model(&state->file.models[*model], task, &state->program, error, sizeof error)) {
        fprintf(stderr, "sasc: error: %s\n", error);
        return SASC_EXIT_USER_ERROR;
    }
    if (!ir_verify(&state->program, error, sizeof error)) {
        fprintf(stderr, "sasc: internal error: invalid IR: %s\n", error);
        return SASC_EXIT_INTERNAL_ERROR;
    }
    return SASC_EXIT_OK;
}

static int run_command(const invocation *call)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    pipeline state = {0};
    sasc_task task;
    int model = 0;
    int status = front_end(call, &state);
    if (status == SASC_EXIT_OK && strcmp(call->command, "check") == 0) {
        printf("%s: ok (%d model%s, %d task%s)\n", call->file, state.file.model_count,
               state.file.model_count == 1 ? "" : "s", state.file.task_count,
               state.file.task_count == 1 ? "" : "s");
        pipeline_free(&state);
        return SASC_EXIT_OK;
    }
    if (status == SASC_EXIT_OK)
        status = middle_end(call, &state, &task, &model);
    char error[ERROR_SIZE];
    if (status == SASC_EXIT_OK && strcmp(call->command, "ir") == 0) {
        ir_print(&state.program, stdout);
    } else if (status == SASC_EXIT_OK && strcmp(call->command, "llvm") == 0) {
        if (!codegen_print_llvm(&state.program, !call->unoptimized, stdout, error, sizeof error)) {
            fprintf(stderr, "sasc: internal error: %s\n", error);
            status = SASC_EXIT_INTERNAL_ERROR;
        }
    } else if (status == SASC_EXIT_OK) {
        state.compiled = codegen_jit(&state.program, error, sizeof error);
        if (state.compiled == NULL) {
            fprintf(stderr, "sasc: internal error: %s\n", error);
            status = SASC_EXIT_INTERNAL_ERROR;
        } else {
            char compiler[128];
            snprintf(compiler, sizeof compiler, "sasc %s (LLVM %s)", PACKAGE_VERSION, codegen_llvm_version());
            sasc_run_info info = {call->file, state.text, compiler, seconds_since(&start)};
            status = sasc_run_task(compiled_model_program(state.compiled), &task, &info);
        }
    }
    pipeline_free(&state);
    return status;
}

static const char *const command_help[][2] = {
    {"check", "Usage: sasc check FILE\nParse and check FILE; print every problem found, "
              "as file:line:col: error: message.\nExit 0 when the file is correct, 1 otherwise.\n"},
    {"ir", "Usage: sasc ir FILE [TASK] [--set KEY=VALUE]...\nPrint the tensor IR (buffers and the "
           "train, update and predict functions)\nfor the model that TASK trains, with the task's "
           "batch size and precision.\n"},
    {"llvm", "Usage: sasc llvm FILE [TASK] [--set KEY=VALUE]... [--unoptimized]\nPrint the LLVM IR "
             "of the generated kernels, after the O3 pipeline\n(before it with --unoptimized).\n"},
    {"run", "Usage: sasc run FILE [TASK] [--set KEY=VALUE]... [--out DIR] [--seed N] [--threads N]\n"
            "Compile FILE, then train and evaluate TASK (the file's only task when TASK is\n"
            "omitted). Writes metrics.csv, run.json, model.sas and one .npy per parameter\n"
            "(LAYER.pi, LAYER.m, LAYER.Xi) to DIR (default runs/MODEL-TASK).\n"
            "`sasc help settings` lists every KEY.\n"},
};

static int help_command(const char *topic)
{
    if (topic == NULL) {
        fputs(usage_text, stdout);
        return SASC_EXIT_OK;
    }
    if (strcmp(topic, "settings") == 0) {
        print_settings_help();
        return SASC_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof command_help / sizeof command_help[0]; i++)
        if (strcmp(topic, command_help[i][0]) == 0) {
            fputs(command_help[i][1], stdout);
            return SASC_EXIT_OK;
        }
    return user_error("no help for '%s'", topic);
}

static bool is_help(const char *argument)
{
    return strcmp(argument, "--help") == 0 || strcmp(argument, "-h") == 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return user_error("%s", "no command given");
    const char *command = argv[1];
    if (is_help(command))
        return help_command(NULL);
    if (strcmp(command, "--version") == 0 || strcmp(command, "-V") == 0) {
        print_version();
        return SASC_EXIT_OK;
    }
    if (strcmp(command, "help") == 0)
        return help_command(argc > 2 ? argv[2] : NULL);
    bool known = false;
    for (size_t i = 0; i < sizeof command_help / sizeof command_help[0]; i++)
        known = known || strcmp(command, command_help[i][0]) == 0;
    if (!known)
        return user_error("unknown command '%s'", command);
    for (int i = 2; i < argc; i++) {
        if (is_help(argv[i]))
            return help_command(command);
        if (strcmp(argv[i], "--version") == 0) {
            print_version();
            return SASC_EXIT_OK;
        }
    }
    invocation call = {.command = command};
    int status = parse_arguments(argc, argv, &call);
    if (status == SASC_EXIT_OK)
        status = run_command(&call);
    for (int i = 0; i < call.owned_count; i++)
        free(call.owned[i]);
    free(call.owned);
    free(call.settings);
    return status;
}
