/*
 * invocation.c — parsing a command's arguments (invocation.h).
 */
#include "compiler/driver/invocation.h"
#include "runtime/model/checkpoint.h"
#include "runtime/train/train.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int user_error(const char *format, const char *detail)
{
    fprintf(stderr, "sasc: error: ");
    fprintf(stderr, format, detail);
    fprintf(stderr, "\nTry 'sasc --help' for more information.\n");
    return SASC_EXIT_USER_ERROR;
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

static bool is_command(const invocation *call, const char *name)
{
    return strcmp(call->command, name) == 0;
}

/* Options of `sasc sweep`; true when argv[*i] was one. */
static bool take_sweep_option(int argc, char **argv, int *i, invocation *call, int *status)
{
    const char *argument = argv[*i];
    if (strcmp(argument, "--zip") == 0) {
        call->zip = true;
        return true;
    }
    bool over = strcmp(argument, "--over") == 0, jobs = strcmp(argument, "--jobs") == 0;
    if (!over && !jobs)
        return false;
    if (*i + 1 >= argc) {
        *status = user_error("option '%s' needs a value", argument);
        return true;
    }
    const char *value = argv[++*i];
    if (jobs) {
        char *end = NULL;
        long n = strtol(value, &end, 10);
        if (end == value || *end != '\0' || n < 1 || n > 1024)
            *status = user_error("--jobs takes a number of points from 1 to 1024, not '%s'", value);
        else
            call->jobs = (int)n;
        return true;
    }
    const char **grown = realloc(call->over, (size_t)(call->over_count + 1) * sizeof *grown);
    if (!grown) {
        *status = SASC_EXIT_INTERNAL_ERROR;
        return true;
    }
    call->over = grown;
    call->over[call->over_count++] = value;
    return true;
}

/* The options each command takes besides the task options (options.h),
 * for suggestions only: invocation_parse below is what accepts them, and
 * tests/cli.sh checks that each is accepted by its command. */
static const struct {
    const char *name, *command;
} command_options[] = {
    {"-o", "build"}, {"--target-cpu", "build"}, {"--emit-obj", "build"}, {"--emit-llvm", "build"},
    {"--library", "build"}, {"--zip", "sweep"}, {"--over", "sweep"}, {"--jobs", "sweep"},
    {"--unoptimized", "llvm"}, {"--resume", "run"}, {"--force", "run"}, {"--plan", "check"},
};
enum { COMMAND_OPTIONS = sizeof command_options / sizeof command_options[0] };

static int unknown_option(const invocation *call, const char *argument)
{
    const char *mine[COMMAND_OPTIONS];
    int count = 0;
    for (int i = 0; i < COMMAND_OPTIONS; i++)
        if (is_command(call, command_options[i].command))
            mine[count++] = command_options[i].name;
    char error[ERROR_SIZE];
    sasc_option_unknown(argument, mine, count, error, sizeof error);
    return user_error("%s", error);
}

int invocation_parse(int argc, char **argv, invocation *call)
{
    bool building = is_command(call, "build"), sweeping = is_command(call, "sweep");
    for (int i = 2; i < argc; i++) {
        const char *argument = argv[i];
        char error[ERROR_SIZE];
        int status = SASC_EXIT_OK;
        sasc_option_result taken = sasc_option_take(&call->settings, argc, argv, &i, error, sizeof error);
        if (taken == SASC_OPTION_ERROR)
            return user_error("%s", error);
        if (taken == SASC_OPTION_TAKEN)
            continue;
        if ((building && take_build_option(argc, argv, &i, &call->build, &status)) ||
            (sweeping && take_sweep_option(argc, argv, &i, call, &status))) {
            if (status != SASC_EXIT_OK)
                return status;
        } else if (strcmp(argument, "--unoptimized") == 0 && is_command(call, "llvm")) {
            call->unoptimized = true;
        } else if (strcmp(argument, "--resume") == 0 && is_command(call, "run")) {
            if (i + 1 >= argc)
                return user_error("option '%s' needs a value", argument);
            call->saved_dir = argv[++i];
        } else if (strcmp(argument, "--force") == 0 && is_command(call, "run")) {
            call->force = true;
        } else if (strcmp(argument, "--plan") == 0 && is_command(call, "check")) {
            call->plan = true;
        } else if (argument[0] == '-' && argument[1] != '\0') {
            return unknown_option(call, argument);
        } else if (call->file == NULL) {
            call->file = argument;
        } else if (call->task == NULL && !is_command(call, "check")) {
            call->task = argument;
        } else {
            return user_error("unexpected argument '%s'", argument);
        }
    }
    if (call->saved_dir && call->force)
        return user_error("%s", "--resume continues the run in its directory and --force replaces "
                          "it; give one of them");
    if (call->saved_dir && call->file)
        return user_error("%s", "'sasc run --resume RUN_DIR' takes the model from RUN_DIR; give no FILE");
    if (call->file == NULL && call->saved_dir == NULL)
        return user_error(is_command(call, "eval") ? "'sasc %s' needs a run directory"
                          : "'sasc %s' needs a .sas file", call->command);
    if (building && call->build.output == NULL)
        return user_error("%s", "'sasc build' needs -o OUTPUT");
    return SASC_EXIT_OK;
}

int invocation_prepare_saved_run(invocation *call)
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

bool invocation_copy_settings(const sasc_settings_list *from, sasc_settings_list *to)
{
    int n = from->count > 0 ? from->count : 1;
    *to = (sasc_settings_list){ .settings = calloc((size_t)n, sizeof *to->settings),
                                .owned = calloc((size_t)n, sizeof *to->owned), .capacity = n };
    bool ok = to->settings && to->owned;
    for (int i = 0; ok && i < from->count; i++) {
        char *copy = strdup(from->settings[i]);
        ok = copy != NULL;
        if (ok)
            to->settings[to->count++] = to->owned[to->owned_count++] = copy;
    }
    if (!ok)
        sasc_settings_list_free(to);
    return ok;
}

void invocation_free(invocation *call)
{
    sasc_settings_list_free(&call->settings);
    free(call->over);
}
