/*
 * pipeline.h — the stages every compiling command runs, front to back:
 *
 *   pipeline_front_end   .sas text -> checked_file (diagnostics on stderr)
 *   pipeline_middle_end  task chosen, --set applied, lower_model -> ir_program
 *   pipeline_jit         ir_program -> sasc_program with kernels (codegen_jit)
 *
 * Each returns an exit status (runtime/train/train.h) and has printed its
 * own message when it is not SASC_EXIT_OK; pipeline_free releases whatever
 * the stages built.
 */
#ifndef SASC_PIPELINE_H
#define SASC_PIPELINE_H

#include <stdbool.h>
#include <time.h>

#include "compiler/check/frontend.h"
#include "compiler/codegen/codegen.h"
#include "compiler/driver/invocation.h"
#include "compiler/ir/ir.h"

typedef struct {
    struct timespec start;      /* when the command started: compile_seconds */
    char *text;
    checked_file file;
    bool file_checked;
    diagnostics *messages;
    ir_program program;
    bool program_built;
    compiled_model *compiled;
} pipeline;

int pipeline_front_end(const invocation *call, pipeline *state);
/* The task the command names (or the saved run's), with --set applied. */
int pipeline_choose_task(const invocation *call, const pipeline *state, sasc_task *task, int *model);
/* Lower `task` of model `model` to `program` (verified); false with a message printed. */
int pipeline_lower(const pipeline *state, int model, const sasc_task *task, ir_program *program);
/* pipeline_choose_task, then pipeline_lower into state->program. */
int pipeline_middle_end(const invocation *call, pipeline *state, sasc_task *task, int *model);
/* Both ends: the task's program as IR in state->program. */
int pipeline_to_ir(const invocation *call, pipeline *state, sasc_task *task, int *model);
/* The compiled program, or NULL (message printed; *status set). */
const sasc_program *pipeline_jit(pipeline *state, int *status);
void pipeline_free(pipeline *state);

/* "sasc VERSION (LLVM VERSION)", as run.json records it. */
void pipeline_compiler_string(char *out, size_t size);
double pipeline_seconds(const pipeline *state);

#endif
