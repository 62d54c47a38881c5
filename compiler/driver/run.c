/*
 * run.c — the commands that compile and then run kernels: `sasc run` (train
 * a task, or continue one with --resume), `sasc eval` (a saved ensemble on
 * test data) and `sasc analyze` (analyses of a finished run).
 */
#include "compiler/driver/commands_internal.h"
#include "compiler/driver/run_plan.h"
#include "runtime/analyses/registry.h"
#include "runtime/train/analyze.h"
#include "runtime/settings/run_settings.h"
#include "runtime/train/evaluate.h"
#include "runtime/train/run_directory.h"
#include "runtime/train/train.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What a compiled program is used for. */
typedef int (*program_action)(const invocation *call, pipeline *state, const sasc_program *program,
                              const sasc_task *task);

/* Front end, middle end, the plan's refusal of what cannot fit (before
 * anything is allocated), the JIT, then `act`. */
static int compile_and(invocation *call, program_action act)
{
    pipeline state = {0};
    sasc_task task;
    int model = 0;
    int status = pipeline_to_ir(call, &state, &task, &model);
    char error[ERROR_SIZE];
    if (status == SASC_EXIT_OK && !plan_check_task(&state.program, &task, error, sizeof error)) {
        fprintf(stderr, "sasc: error: %s\n", error);
        status = SASC_EXIT_USER_ERROR;
    }
    const sasc_program *program = status == SASC_EXIT_OK ? pipeline_jit(&state, &status) : NULL;
    if (program)
        status = act(call, &state, program, &task);
    pipeline_free(&state);
    return status;
}

static sasc_run_info run_info(const invocation *call, const pipeline *state, char *compiler, size_t size)
{
    pipeline_compiler_string(compiler, size);
    return (sasc_run_info){.model_file = call->file, .source_text = state->text, .compiler = compiler,
                           .compile_seconds = pipeline_seconds(state), .resume = call->saved_dir != NULL,
                           .force = call->force};
}

static int train(const invocation *call, pipeline *state, const sasc_program *program, const sasc_task *task)
{
    char compiler[128];
    sasc_run_info info = run_info(call, state, compiler, sizeof compiler);
    return sasc_run_task(program, task, &info);
}

int command_run(invocation *call)
{
    int status = call->saved_dir ? invocation_prepare_saved_run(call) : SASC_EXIT_OK;
    return status == SASC_EXIT_OK ? compile_and(call, train) : status;
}

/* sasc eval DIR: the saved ensemble on the task's test set (--set data=, test=). */
static int evaluate(const invocation *call, pipeline *state, const sasc_program *program,
                    const sasc_task *task)
{
    (void)state;
    char error[ERROR_SIZE];
    bool ok = sasc_evaluate_run(program, task, call->saved_dir, stdout, error, sizeof error);
    if (!ok)
        fprintf(stderr, "sasc: error: %s\n", error);
    return ok ? SASC_EXIT_OK : SASC_EXIT_USER_ERROR;
}

int command_eval(invocation *call)
{
    if (call->task != NULL)
        return user_error("unexpected argument '%s'", call->task);
    call->saved_dir = call->file;
    int status = invocation_prepare_saved_run(call);
    return status == SASC_EXIT_OK ? compile_and(call, evaluate) : status;
}

/* sasc analyze RUN_DIR WHAT: compile RUN_DIR/model.sas with the settings of
 * RUN_DIR/run.json, then --out RUN_DIR, then the command line's settings. */
static int prepare_analyze(invocation *call, sasc_run_settings *recorded)
{
    char error[ERROR_SIZE];
    if (call->task == NULL) {
        char names[512];
        sasc_analysis_names(SASC_ON_SAVED_RUN, " or all", names, sizeof names);
        return user_error("'sasc analyze' needs RUN_DIR and WHAT (%s)", names);
    }
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

/* The analyses write into the run's directory (or --out DIR): locked like a
 * run's, so an analysis and a run, or two analyses, never write it at once. */
static int analyze(const invocation *call, pipeline *state, const sasc_program *program, const sasc_task *task)
{
    char compiler[128], error[ERROR_SIZE];
    sasc_run_info info = run_info(call, state, compiler, sizeof compiler);
    sasc_run_directory directory;
    /* what cannot run is refused before the directory is touched */
    if (!sasc_saved_analyses_check(program, task, call->task_what, error, sizeof error) ||
        !sasc_run_directory_claim(&directory, task->out, SASC_RUN_DIRECTORY_ANALYSIS, error,
                                  sizeof error)) {
        fprintf(stderr, "sasc: error: %s\n", error);
        return SASC_EXIT_USER_ERROR;
    }
    int status = sasc_analyze_run(program, task, call->run_dir, call->task_what, &info);
    sasc_run_directory_release(&directory);
    return status;
}

int command_analyze_run(invocation *call)
{
    sasc_run_settings recorded = {0};
    int status = prepare_analyze(call, &recorded);
    if (status == SASC_EXIT_OK)
        status = compile_and(call, analyze);
    sasc_run_settings_free(&recorded);
    return status;
}

/* A sweep's directory (it has sweep.json) is analysed point by point. */
int command_analyze(invocation *call)
{
    char path[8192];
    snprintf(path, sizeof path, "%s/sweep.json", call->file);
    return access(path, F_OK) == 0 ? command_analyze_sweep(call) : command_analyze_run(call);
}

/* After the head of `sasc help analyze`: the registry's analyses, then the settings. */
void command_analyze_help(FILE *out)
{
    sasc_analyses_print_help(out);
    fputs("Settings: entropy_formula, entropy_samples, entropy_a, sampled_networks,\n"
          "vip_rule, vip_tolerance, vip_pi_max, vip_m_min, perturb_steps,\n"
          "perturb_repeats, perturb_layers, train_sizes, dynamic_steps,\n"
          "dynamic_networks (`sasc help settings`; docs/analyses.md). The entropy is\n"
          "gbp Eq. 8 for feedforward models and gbptt Eq. 14 for recurrent ones unless\n"
          "entropy_formula says otherwise.\n"
          "RUN_DIR may be a sweep's directory (sasc sweep): every completed point is\n"
          "analysed, then each table NAME.csv of the points is collected into\n"
          "RUN_DIR/analysis/NAME.csv and summarised over seeds (mean, sd, sem, n) into\n"
          "RUN_DIR/analysis/NAME_summary.csv.\n", out);
}
