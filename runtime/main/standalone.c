/*
 * standalone.c — main() of the executables `sasc build` produces: the
 * embedded model (emit.c writes it as `sasc_model`) run by the same
 * training loop, with the same task options, as `sasc run`.
 *
 * Settings compiled into the kernels (batch / shards, precision) are fixed; asking
 * for other values is an error that says to rebuild.
 */
#include "runtime/kernels/gemm.h"
#include "runtime/model/checkpoint.h"
#include "runtime/settings/embedded.h"
#include "runtime/settings/options.h"
#include "runtime/train/train.h"

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

#include <stdio.h>
#include <string.h>

extern const sasc_embedded_model sasc_model;

/* OpenBLAS must not start threads it cannot give work buffers (gemm.h). */
SASC_GEMM_PREINIT;

static const char *program_name = "prog";

static int user_error(const char *message)
{
    fprintf(stderr, "%s: error: %s\nTry '%s --help' for more information.\n", program_name,
            message, program_name);
    return SASC_EXIT_USER_ERROR;
}

static void print_help(const sasc_embedded_model *model)
{
    printf("Usage: %s [OPTION]...\n"
           "Train and evaluate task '%s' of model '%s' (compiled from %s by %s).\n"
           "Writes metrics.csv, run.json, model.sas and one .npy per parameter to DIR\n"
           "(default runs/MODEL-TASK), exactly as `sasc run` does, and checkpoint.sasc\n"
           "after every epoch and on SIGINT or SIGTERM (exit status 130 or 143).\n\n"
           "Options:\n%s"
           "  --resume DIR                 continue the run in DIR from its checkpoint\n"
           "  --force                      replace another run in the output directory\n"
           "  -h, --help                   show this help and exit\n"
           "  -V, --version                show version information and exit\n\n"
           "The samples per shard (batch / shards: %d) and precision (%d bits) are compiled in.\n"
           "Exit status: 0 on success, 1 on a user error, 2 on an internal error.\n",
           program_name, model->task->name, model->task->model, model->model_file,
           model->compiler, sasc_task_options_help, model->program->batch,
           8 * (int)model->program->precision);
}

/* The samples per shard (batch / shards) and the precision were fixed when
 * the kernels were generated. */
/* Whether the task's constants are the ones the program was compiled with. */
static bool same_constants(const sasc_constants *a, const sasc_constants *b)
{
    if (a->count != b->count)
        return false;
    for (int i = 0; i < a->count; i++)
        if (strcmp(a->items[i].name, b->items[i].name) != 0 || a->items[i].value != b->items[i].value)
            return false;
    return true;
}

static int check_compiled_settings(const sasc_program *program, const sasc_task *task,
                                   const sasc_task *built)
{
    char message[SASC_MAX_CONSTANTS * 96 + 256];
    if (!same_constants(&task->constants, &built->constants)) {
        char values[SASC_MAX_CONSTANTS * 96];
        sasc_constants_text(&built->constants, values, sizeof values);
        snprintf(message, sizeof message, "the file's constants are compiled into this program "
                 "(%s); rebuild with `sasc build --set NAME=VALUE ...` to change them", values);
        return user_error(message);
    }
    if (task->batch != program->batch * sasc_task_shards(task) ||
        task->precision != 8 * (int)program->precision) {
        snprintf(message, sizeof message, "batch, shards and precision are compiled into this "
                 "program (%d samples per shard, precision %d); rebuild with `sasc build --set "
                 "...` to change them", program->batch, 8 * (int)program->precision);
        return user_error(message);
    }
    return SASC_EXIT_OK;
}

/* The task to run: the built-in one, or with --resume the checkpoint's, in
 * its own directory; then the command line's settings. */
static int choose_task(const sasc_embedded_model *model, const sasc_settings_list *options,
                       const char *resume, sasc_task *task)
{
    char error[1024];
    *task = *model->task;
    if (resume && !sasc_checkpoint_read(resume, NULL, NULL, task, NULL, error, sizeof error)) {
        fprintf(stderr, "%s: error: %s\n", program_name, error);
        return SASC_EXIT_USER_ERROR;
    }
    if (!sasc_settings_apply(options, task, error, sizeof error)) {
        fprintf(stderr, "%s: error: %s\n", program_name, error);
        return SASC_EXIT_USER_ERROR;
    }
    if (resume)
        snprintf(task->out, sizeof task->out, "%s", resume);
    if (strcmp(task->model, model->task->model) != 0) {   /* one model is compiled in */
        snprintf(error, sizeof error, "this program trains model '%s'; --set model=%s names "
                 "another one (build that model with `sasc build`)", model->task->model, task->model);
        return user_error(error);
    }
    return check_compiled_settings(model->program, task, model->task);
}

static int run(int argc, char **argv, const sasc_embedded_model *model, sasc_settings_list *options)
{
    char error[1024];
    const char *resume = NULL;
    bool force = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            print_help(model);
            return SASC_EXIT_OK;
        }
        if (strcmp(argv[i], "--version") == 0 || strcmp(argv[i], "-V") == 0) {
            printf("%s: model '%s', built by %s; sasc runtime %s\n", program_name,
                   model->task->model, model->compiler, PACKAGE_VERSION);
            return SASC_EXIT_OK;
        }
        if (strcmp(argv[i], "--force") == 0) {
            force = true;
            continue;
        }
        if (strcmp(argv[i], "--resume") == 0) {
            if (i + 1 >= argc)
                return user_error("option '--resume' needs a value");
            resume = argv[++i];
            continue;
        }
        sasc_option_result taken = sasc_option_take(options, argc, argv, &i, error, sizeof error);
        if (taken == SASC_OPTION_ERROR)
            return user_error(error);
        if (taken == SASC_OPTION_NONE) {
            static const char *const own[] = {"--resume", "--force", "--help", "--version"};
            if (argv[i][0] == '-')
                sasc_option_unknown(argv[i], own, 4, error, sizeof error);
            else
                snprintf(error, sizeof error, "unexpected argument '%s'", argv[i]);
            return user_error(error);
        }
    }
    sasc_task task;
    int status = choose_task(model, options, resume, &task);
    if (status != SASC_EXIT_OK)
        return status;
    if (resume && force)
        return user_error("--resume continues the run in its directory and --force replaces it; "
                          "give one of them");
    sasc_run_info info = {.model_file = model->model_file, .source_text = model->source_text,
                          .compiler = model->compiler, .resume = resume != NULL, .force = force,
                          .mask_files = model->files, .mask_file_count = model->file_count};
    return sasc_run_task(model->program, &task, &info);
}

int main(int argc, char **argv)
{
    const char *slash = argc > 0 ? strrchr(argv[0], '/') : NULL;
    program_name = argc > 0 ? (slash ? slash + 1 : argv[0]) : program_name;
    char error[512];
    if (!sasc_embedded_check(&sasc_model, error, sizeof error)) {
        fprintf(stderr, "%s: error: %s\n", program_name, error);
        return SASC_EXIT_INTERNAL_ERROR;
    }
    sasc_settings_list options = {0};
    int status = run(argc, argv, &sasc_model, &options);
    sasc_settings_list_free(&options);
    sasc_transport_finalize();   /* MPI, if the run under mpirun started it (transport.h) */
    return status;
}
