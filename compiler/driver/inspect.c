/*
 * inspect.c — the commands that compile without running: `sasc check`
 * (diagnostics, --plan estimates), `sasc ir` and `sasc llvm` (listings).
 */
#include "compiler/driver/commands_internal.h"
#include "compiler/driver/run_plan.h"
#include "runtime/train/train.h"

#include <stdio.h>

int command_check(invocation *call)
{
    pipeline state = {0};
    int status = pipeline_front_end(call, &state);
    if (status == SASC_EXIT_OK) {
        printf("%s: ok (%d model%s, %d task%s)\n", call->file, state.file.model_count,
               state.file.model_count == 1 ? "" : "s", state.file.task_count,
               state.file.task_count == 1 ? "" : "s");
        char error[ERROR_SIZE];
        if (call->plan && !plan_report_file(&state.file, stdout, error, sizeof error)) {
            fprintf(stderr, "sasc: error: %s\n", error);
            status = SASC_EXIT_USER_ERROR;
        }
    }
    pipeline_free(&state);
    return status;
}

/* Front and middle end, then `print` the program. */
static int print_program(invocation *call, bool llvm)
{
    pipeline state = {0};
    sasc_task task;
    int model = 0;
    int status = pipeline_to_ir(call, &state, &task, &model);
    char error[ERROR_SIZE];
    if (status == SASC_EXIT_OK && !llvm) {
        ir_print(&state.program, stdout);
    } else if (status == SASC_EXIT_OK &&
               !codegen_print_llvm(&state.program, !call->unoptimized, stdout, error, sizeof error)) {
        fprintf(stderr, "sasc: internal error: %s\n", error);
        status = SASC_EXIT_INTERNAL_ERROR;
    }
    pipeline_free(&state);
    return status;
}

int command_ir(invocation *call)
{
    return print_program(call, false);
}

int command_llvm(invocation *call)
{
    return print_program(call, true);
}
