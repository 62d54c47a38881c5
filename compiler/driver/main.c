/*
 * main.c — the `sasc` command: the whole pipeline, front to back.
 *
 *   .sas text --frontend_check--> checked_file --lower_model--> ir_program
 *             --codegen_jit--> sasc_program (kernels) --sasc_run_task--> results
 *
 * Exit status (GNU style): 0 success, 1 user error (bad .sas, bad setting,
 * bad data), 2 internal error.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "compiler/codegen/codegen.h"
#include "compiler/check/frontend.h"
#include "compiler/layers/registry.h"
#include "compiler/lower/lower.h"
#include "compiler/driver/run_plan.h"
#include "compiler/codegen/emit.h"
#include "compiler/codegen/library.h"
#include "compiler/codegen/link.h"
#include "runtime/analyses/saved_run.h"
#include "runtime/model/checkpoint.h"
#include "runtime/ensemble/ensemble.h"
#include "runtime/settings/options.h"
#include "runtime/settings/run_settings.h"
#include "runtime/settings/task.h"
#include "runtime/train/train.h"

enum { ERROR_SIZE = 1024 };

typedef struct {
    const char *command;
    const char *file;
    const char *task;
    sasc_settings_list settings;  /* --set, --out, --seed, --threads in command-line order */
    bool unoptimized;           /* sasc llvm --unoptimized */
    const char *run_dir;        /* sasc analyze RUN_DIR WHAT: the run, and what */
    const char *task_what;
    char model_path[4200];      /* sasc analyze: RUN_DIR/model.sas */
    bool plan;                  /* sasc check --plan */
    build_request build;        /* sasc build: -o, --emit-obj, --emit-llvm, --target-cpu, --library */
    const char *saved_dir;      /* sasc run --resume DIR, sasc eval DIR: a run with a checkpoint */
    sasc_task saved_task;       /* that run's task, from its checkpoint */
} invocation;

static const char usage_text[] =
    "Usage: sasc COMMAND [ARGUMENTS]\n"
    "Compile and train spike-and-slab ensemble networks described in .sas files.\n"
    "\n"
    "Commands:\n"
    "  check FILE [--plan]          report every problem in FILE, nothing else;\n"
    "                               --plan: estimate memory and time of each task\n"
    "  ir FILE [TASK]               print the tensor IR of the kernels\n"
    "  llvm FILE [TASK]             print the LLVM IR of the kernels (optimised;\n"
    "                               --unoptimized for before)\n"
    "  run FILE [TASK]              compile FILE and run TASK (default: the file's\n"
    "                               only task)\n"
    "  run --resume RUN_DIR         continue a run from its last checkpoint\n"
    "  build FILE [TASK] -o PROG    compile TASK into a standalone executable\n"
    "                               (--library: a C library; see `sasc help build`)\n"
    "  eval RUN_DIR                 evaluate a saved ensemble (mean-field and\n"
    "                               sampled networks), e.g. on other data\n"
    "  analyze RUN_DIR WHAT         analyses of a finished run: histograms, entropy,\n"
    "                               perturbation, dynamics, selectivity,\n"
    "                               psychometric, train_size or all\n"
    "  help [COMMAND|settings]      show help for a command or list task settings\n"
    "\n"
    "Options for ir, llvm, run, build and eval:\n";

/* After the task options (sasc_task_options_help, shared with built programs). */
static const char usage_tail[] =
    "\n"
    "  -h, --help                   show this help and exit\n"
    "  -V, --version                show version information and exit\n"
    "\n"
    "Exit status: 0 on success, 1 on a user error (the file, a setting or the\n"
    "data), 2 on an internal error, 130/143 when a run stopped on SIGINT/SIGTERM.\n"
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
        printf("  %-17s %s (default %s)\n", settings[i].key, settings[i].help, value);
    }
}

/* Options of `sasc build` (emit.h); true when argv[*i] was one. */
static bool take_build_option(int argc, char **argv, int *i, build_request *build, int *status)
{
    const char *argument = argv[*i];
    const char **value_of = strcmp(argument, "-o") == 0 ? &build->output
                          : strcmp(argument, "--target-cpu") == 0 ? &build->target_cpu : NULL;
    if (value_of) {
        if (*i + 1 >= argc)
            *status = user_error("option '%s' needs a value", argument);
        else
            *value_of = argv[++*i];
        return true;
    }
    bool *flag = strcmp(argument, "--emit-obj") == 0 ? &build->emit_object
               : strcmp(argument, "--emit-llvm") == 0 ? &build->emit_llvm
               : strcmp(argument, "--library") == 0 ? &build->library : NULL;
    if (flag)
        *flag = true;
    return flag != NULL;
}

/* Split the arguments after the command into file, task and settings. */
static int parse_arguments(int argc, char **argv, invocation *call)
{
    bool building = strcmp(call->command, "build") == 0;
    for (int i = 2; i < argc; i++) {
        const char *argument = argv[i];
        char error[ERROR_SIZE];
        int status = SASC_EXIT_OK;
        sasc_option_result taken = sasc_option_take(&call->settings, argc, argv, &i, error, sizeof error);
        if (taken == SASC_OPTION_ERROR)
            return user_error("%s", error);
        if (taken == SASC_OPTION_TAKEN)
            continue;
        if (building && take_build_option(argc, argv, &i, &call->build, &status)) {
            if (status != SASC_EXIT_OK)
                return status;
        } else if (strcmp(argument, "--unoptimized") == 0 && strcmp(call->command, "llvm") == 0) {
            call->unoptimized = true;
        } else if (strcmp(argument, "--resume") == 0 && strcmp(call->command, "run") == 0) {
            if (i + 1 >= argc)
                return user_error("option '%s' needs a value", argument);
            call->saved_dir = argv[++i];
        } else if (strcmp(argument, "--plan") == 0 && strcmp(call->command, "check") == 0) {
            call->plan = true;
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
    if (call->saved_dir && call->file)
        return user_error("%s", "'sasc run --resume RUN_DIR' takes the model from RUN_DIR; give no FILE");
    if (call->file == NULL && call->saved_dir == NULL)
        return user_error(strcmp(call->command, "eval") == 0 ? "'sasc %s' needs a run directory"
                          : "'sasc %s' needs a .sas file", call->command);
    if (building && call->build.output == NULL)
        return user_error("%s", "'sasc build' needs -o OUTPUT");
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

static int apply_settings(const invocation *call, sasc_task *task)
{
    char error[ERROR_SIZE];
    if (!sasc_settings_apply(&call->settings, task, error, sizeof error)) {
        fprintf(stderr, "sasc: error: %s\n", error);
        return SASC_EXIT_USER_ERROR;
    }
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
    state->file_checked = frontend_check(call->file, state->text, layer_kinds(), state->messages, &state->file);
    if (!state->file_checked) {
        int errors = diagnostics_error_count(state->messages);
        fprintf(stderr, "%d error%s generated.\n", errors, errors == 1 ? "" : "s");
        return SASC_EXIT_USER_ERROR;
    }
    return SASC_EXIT_OK;
}

/* Choose the task, apply overrides, lower to IR. */
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

/* sasc run --resume DIR, sasc eval DIR: read the checkpoint's task; the
 * model is DIR/model.sas, which every run writes. */
static int prepare_saved_run(invocation *call)
{
    char error[ERROR_SIZE];
    if (!sasc_checkpoint_read(call->saved_dir, NULL, NULL, &call->saved_task, NULL, error, sizeof error)) {
        fprintf(stderr, "sasc: error: %s\n", error);
        return SASC_EXIT_USER_ERROR;
    }
    snprintf(call->model_path, sizeof call->model_path, "%s/model.sas", call->saved_dir);
    call->file = call->model_path;
    return SASC_EXIT_OK;
}

/* sasc eval DIR: the saved ensemble on the task's test set (--set data=, test=). */
static int eval_command(const sasc_program *program, const sasc_task *task, const char *dir)
{
    char error[ERROR_SIZE];
    sasc_ensemble *ensemble = sasc_ensemble_load(program, dir, error, sizeof error);
    bool ok = ensemble && sasc_ensemble_evaluate(ensemble, task->data, task->test,
                                                 task->sampled_networks, task->seed, stdout,
                                                 error, sizeof error);
    sasc_ensemble_free(ensemble);
    if (!ok)
        fprintf(stderr, "sasc: error: %s\n", error);
    return ok ? SASC_EXIT_OK : SASC_EXIT_USER_ERROR;
}

static int middle_end(const invocation *call, pipeline *state, sasc_task *task, int *model)
{
    int status = call->saved_dir ? saved_model(call, &state->file, task, model)
                                 : choose_task(&state->file, call->task, task, model);
    if (status == SASC_EXIT_OK)
        status = apply_settings(call, task);
    if (status != SASC_EXIT_OK)
        return status;
    if (call->saved_dir)   /* a resumed run continues in its own directory */
        snprintf(task->out, sizeof task->out, "%s", call->saved_dir);
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

static void compiler_string(char *out, size_t size)
{
    snprintf(out, size, "sasc %s (LLVM %s)", PACKAGE_VERSION, codegen_llvm_version());
}

/* The C identifier a library's symbols start with: libNAME.a -> NAME. */
static void library_name(const char *output, char *name, size_t size)
{
    const char *base = strrchr(output, '/') ? strrchr(output, '/') + 1 : output;
    if (strncmp(base, "lib", 3) == 0)
        base += 3;
    size_t length = strcspn(base, ".");
    snprintf(name, size, "%s%.*s", isdigit((unsigned char)base[0]) || length == 0 ? "m" : "",
             (int)length, base);
    for (char *c = name; *c; c++)
        if (!isalnum((unsigned char)*c))
            *c = '_';
}

/* sasc build: emit the object into a private directory, then link it. */
static int build_command(const invocation *call, pipeline *state, const sasc_task *task)
{
    const build_request *b = &call->build;
    char compiler[128], error[ERROR_SIZE], name[128];
    compiler_string(compiler, sizeof compiler);
    emit_payload payload = {task, call->file, state->text, compiler};
    if (b->emit_llvm || b->emit_object) {
        if (emit_model(&state->program, &payload, "sasc_model", b->target_cpu, b->emit_llvm,
                       b->output, error, sizeof error))
            return SASC_EXIT_OK;
        fprintf(stderr, "sasc: error: %s\n", error);
        return SASC_EXIT_USER_ERROR;
    }
    library_name(b->output, name, sizeof name);
    const char *tmp = getenv("TMPDIR");
    char dir[4096], object[4400], symbol[200];
    snprintf(dir, sizeof dir, "%s/sasc-build-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        fprintf(stderr, "sasc: error: cannot create a temporary directory in %s: %s\n",
                tmp && tmp[0] ? tmp : "/tmp", strerror(errno));
        return SASC_EXIT_USER_ERROR;
    }
    snprintf(object, sizeof object, "%s/%s-model.o", dir, name);
    snprintf(symbol, sizeof symbol, "%s_model", b->library ? name : "sasc");
    bool ok = emit_model(&state->program, &payload, symbol, b->target_cpu, false, object,
                         error, sizeof error);
    if (ok && b->library)
        ok = link_library(object, b->output, error, sizeof error) &&
             library_header(b->output, name, task, error, sizeof error);
    else if (ok)
        ok = link_executable(object, b->output, error, sizeof error);
    unlink(object);
    rmdir(dir);
    if (!ok)
        fprintf(stderr, "sasc: error: %s\n", error);
    return ok ? SASC_EXIT_OK : SASC_EXIT_USER_ERROR;
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
        char error[ERROR_SIZE];
        if (call->plan && !plan_report_file(&state.file, stdout, error, sizeof error)) {
            fprintf(stderr, "sasc: error: %s\n", error);
            status = SASC_EXIT_USER_ERROR;
        }
        pipeline_free(&state);
        return status;
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
    } else if (status == SASC_EXIT_OK && strcmp(call->command, "build") == 0) {
        status = build_command(call, &state, &task);
    } else if (status == SASC_EXIT_OK && !plan_check_task(&state.program, &task, error, sizeof error)) {
        fprintf(stderr, "sasc: error: %s\n", error);  /* refused before allocating anything */
        status = SASC_EXIT_USER_ERROR;
    } else if (status == SASC_EXIT_OK) {
        state.compiled = codegen_jit(&state.program, error, sizeof error);
        if (state.compiled == NULL) {
            fprintf(stderr, "sasc: internal error: %s\n", error);
            status = SASC_EXIT_INTERNAL_ERROR;
        } else {
            char compiler[128];
            compiler_string(compiler, sizeof compiler);
            sasc_run_info info = {.model_file = call->file, .source_text = state.text,
                                  .compiler = compiler, .compile_seconds = seconds_since(&start),
                                  .resume = call->saved_dir != NULL};
            const sasc_program *program = compiled_model_program(state.compiled);
            if (strcmp(call->command, "eval") == 0)
                status = eval_command(program, &task, call->saved_dir);
            else if (call->run_dir)
                status = sasc_analyze_run(program, &task, call->run_dir, call->task_what, &info);
            else
                status = sasc_run_task(program, &task, &info);
        }
    }
    pipeline_free(&state);
    return status;
}

/* sasc analyze RUN_DIR WHAT: compile RUN_DIR/model.sas with the settings of
 * RUN_DIR/run.json, then --out RUN_DIR, then the command line's settings. */
static int prepare_analyze(invocation *call, sasc_run_settings *recorded)
{
    char error[ERROR_SIZE];
    if (call->task == NULL)
        return user_error("%s", "'sasc analyze' needs RUN_DIR and WHAT (histograms, entropy, "
                          "perturbation, dynamics, selectivity, psychometric, train_size or all)");
    if (!sasc_run_settings_read(call->file, recorded, error, sizeof error)) {
        fprintf(stderr, "sasc: error: %s\n", error);
        return SASC_EXIT_USER_ERROR;
    }
    call->run_dir = call->file;
    call->task_what = call->task;
    snprintf(call->model_path, sizeof call->model_path, "%s/model.sas", call->run_dir);
    call->file = call->model_path;
    /* A file without tasks ran under the name "default" (choose_task). */
    call->task = strcmp(recorded->task, "default") == 0 ? NULL : recorded->task;
    sasc_settings_list given = call->settings, merged = {0};
    int total = recorded->count + 1 + given.count;
    merged.settings = calloc((size_t)total, sizeof *merged.settings);
    merged.owned = calloc((size_t)given.owned_count + 1, sizeof *merged.owned);
    merged.capacity = total;
    char *out = NULL;
    if (!merged.settings || !merged.owned || asprintf(&out, "out=%s", call->run_dir) < 0) {
        sasc_settings_list_free(&merged);
        return SASC_EXIT_INTERNAL_ERROR;
    }
    for (int i = 0; i < recorded->count; i++)
        merged.settings[merged.count++] = recorded->pairs[i];
    merged.settings[merged.count++] = out;
    merged.owned[merged.owned_count++] = out;
    for (int i = 0; i < given.count; i++)
        merged.settings[merged.count++] = given.settings[i];
    for (int i = 0; i < given.owned_count; i++)
        merged.owned[merged.owned_count++] = given.owned[i];
    free(given.settings);
    free(given.owned);
    call->settings = merged;
    return SASC_EXIT_OK;
}

static const char *const command_help[][2] = {
    {"check", "Usage: sasc check FILE [--plan]\nParse and check FILE; print every problem found, "
              "as file:line:col: error: message.\nExit 0 when the file is correct, 1 otherwise.\n"
              "--plan also estimates, for each task, the memory (buffers, working values,\n"
              "data) and the time (operations at a nominal rate) a run will need.\n"},
    {"ir", "Usage: sasc ir FILE [TASK] [--set KEY=VALUE]...\nPrint the tensor IR (buffers and the "
           "train, update and predict functions,\nand predict_dynamic for recurrent models) for the "
           "model that TASK trains, with the\ntask's batch size and precision.\n"},
    {"llvm", "Usage: sasc llvm FILE [TASK] [--set KEY=VALUE]... [--unoptimized]\nPrint the LLVM IR "
             "of the generated kernels, after the optimisation pipeline\n(before it with --unoptimized).\n"},
    {"analyze", "Usage: sasc analyze RUN_DIR WHAT [--set KEY=VALUE]... [--out DIR]\n"
                "Analyse the ensemble a finished `sasc run` saved in RUN_DIR: recompile\n"
                "RUN_DIR/model.sas with the settings of RUN_DIR/run.json, load the parameters,\n"
                "and write data (CSV, .npy) and SVG figures to RUN_DIR (or DIR). WHAT is a comma\n"
                "list of:\n"
                "  histograms    pi, m, Xi and entropy distributions per layer\n"
                "  entropy       LAYER.entropy{,_pi,_xi}.npy per connection; layers.csv:\n"
                "                sparsity, entropy, VIP and UIP fractions per layer (printed)\n"
                "  perturbation  test error of sampled networks as VIP weights are turned off,\n"
                "                random weights turned off, UIP weights turned on with N(0,1)\n"
                "  dynamics      recurrent layers: zero fraction and asymmetry eta of the\n"
                "                network resampled every step, along dynamic_steps steps; test\n"
                "                accuracy of dynamic_networks such networks, of sampled_networks\n"
                "                networks sampled once and of the mean field (dynamics_accuracy.*)\n"
                "  selectivity   recurrent models: selectivity index (gbptt Eq. 15) of every\n"
                "                unit along time, from relu(h(t)) averaged per class over the\n"
                "                test trials (selectivity.csv, .npy, selectivity{,_unit}.svg);\n"
                "                MSI runs: also by modality and by modality x choice\n"
                "                (selectivity_modality.*, selectivity_condition.*)\n"
                "  psychometric  MSI runs: percentage of high choices against event rate per\n"
                "                modality (psychometric.csv, psychometric.svg)\n"
                "  train_size    retrain with each of train_sizes; test error against size\n"
                "  all           histograms, entropy and perturbation\n"
                "Settings: entropy_samples, entropy_a, sampled_networks, vip_rule,\n"
                "vip_tolerance, vip_pi_max, vip_m_min, perturb_steps, perturb_repeats,\n"
                "perturb_layers, train_sizes, dynamic_steps, dynamic_networks (`sasc help\n"
                "settings`; docs/analyses.md). With histograms, square (recurrent) layers\n"
                "also get heat maps of pi, m and Xi.\n"},
    {"run", "Usage: sasc run FILE [TASK] [--set KEY=VALUE]... [--out DIR] [--seed N] [--threads N]\n"
            "Compile FILE, then train and evaluate TASK (the file's only task when TASK is\n"
            "omitted). Writes metrics.csv, run.json, model.sas and one .npy per parameter\n"
            "(LAYER.pi, LAYER.m, LAYER.Xi) to DIR (default runs/MODEL-TASK), and\n"
            "checkpoint.sasc after every epoch and on SIGINT or SIGTERM (exit 130 or 143).\n"
            "       sasc run --resume DIR [--set KEY=VALUE]...\n"
            "Continue the run in DIR from its checkpoint (e.g. --set epochs=N for more\n"
            "epochs): the results are those of an uninterrupted run.\n"
            "`sasc help settings` lists every KEY.\n"},
    {"build", "Usage: sasc build FILE [TASK] -o OUTPUT [--set KEY=VALUE]... [--target-cpu CPU]\n"
              "                  [--emit-obj | --emit-llvm | --library]\n"
              "Compile FILE ahead of time into the executable OUTPUT, which runs TASK exactly as\n"
              "`sasc run` does (same options --set, --out, --seed, --threads; same files) and\n"
              "needs no LLVM. Settings given here become the program's defaults; batch and\n"
              "precision are compiled in.\n"
              "  --target-cpu CPU   the CPU to generate code for: host (default), generic\n"
              "                     (any x86-64), or an LLVM CPU name such as skylake\n"
              "  --emit-obj         write the object file (kernels and tables) and stop\n"
              "  --emit-llvm        write the LLVM IR of the object instead\n"
              "  --library          make the static library OUTPUT (libNAME.a: the model and the\n"
              "                     runtime) and the header NAME.h beside it, to load a saved\n"
              "                     ensemble and predict from C (see examples/embed.c)\n"
              "The C compiler ($SASC_CC, $CC or cc) links; $SASC_RUNTIME_DIR overrides where\n"
              "the runtime library is looked for.\n"},
    {"eval", "Usage: sasc eval RUN_DIR [--set KEY=VALUE]...\n"
             "Evaluate the ensemble saved in RUN_DIR (its last checkpoint) on the test set of\n"
             "its task, or other data (--set data=DIR, --set test=N): prints CSV with the\n"
             "test accuracy of the mean-field network and of `sampled_networks` networks\n"
             "sampled from the ensemble (--set sampled_networks=K, --seed N), with their\n"
             "mean and standard deviation.\n"},
};

static int help_command(const char *topic)
{
    if (topic == NULL) {
        fputs(usage_text, stdout);
        fputs(sasc_task_options_help, stdout);
        fputs(usage_tail, stdout);
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
    sasc_run_settings recorded = {0};
    int status = parse_arguments(argc, argv, &call);
    if (status == SASC_EXIT_OK && strcmp(command, "analyze") == 0)
        status = prepare_analyze(&call, &recorded);
    if (status == SASC_EXIT_OK && strcmp(command, "eval") == 0) {
        call.saved_dir = call.file;
        if (call.task != NULL)
            status = user_error("unexpected argument '%s'", call.task);
    }
    if (status == SASC_EXIT_OK && call.saved_dir)
        status = prepare_saved_run(&call);
    if (status == SASC_EXIT_OK)
        status = run_command(&call);
    sasc_settings_list_free(&call.settings);
    sasc_run_settings_free(&recorded);
    return status;
}
