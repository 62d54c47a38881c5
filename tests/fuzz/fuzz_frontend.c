/*
 * fuzz_frontend.c — libFuzzer target for the whole front end: lexer, parser,
 * semantic analysis, IR construction (lower_model + ir_verify) and the run
 * plan (plan.h) of every task an accepted input declares.
 *
 * Built twice by `make fuzz` (tests/fuzz/build):
 *  - fuzz_frontend: as above; thousands of inputs per second.
 *  - fuzz_codegen (-DFUZZ_CODEGEN): also builds the LLVM module of each
 *    lowered program (codegen_print_llvm). Building a module costs
 *    milliseconds, a hundred times the front end, so it gets its own campaign
 *    instead of slowing every front-end input down; one input in eight (by a
 *    hash of its bytes, so a finding reproduces) also runs the O3 pipeline,
 *    which costs ten times more again and is where LLVM itself may abort.
 *
 * An input is treated as the driver treats a file: the bytes become a C
 * string (an embedded NUL ends it, as frontend_read_file refuses such files
 * before the front end sees them).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/codegen/codegen.h"
#include "compiler/check/frontend.h"
#include "compiler/layers/registry.h"
#include "compiler/lower/lower.h"
#include "compiler/driver/run_plan.h"

/* Diagnostics and LLVM text go here; opened once, never closed (the process
 * ends with the campaign). */
static FILE *sink(void)
{
    static FILE *null_stream;
    if (!null_stream)
        null_stream = fopen("/dev/null", "w");
    if (!null_stream)
        abort();
    return null_stream;
}

/* Lower one task's model; with FUZZ_CODEGEN, generate its module too. A
 * lowering refusal is a user error (a message), never a crash; an IR that
 * fails verification after a successful lowering is a compiler bug. */
static void lower_task(const model_spec *model, const sasc_task *task, bool optimize)
{
    char error[1024];
    ir_program program;
    if (lower_model(model, task, &program, error, sizeof error)) {
        if (!ir_verify(&program, error, sizeof error)) {
            fprintf(stderr, "invalid IR after lowering: %s\n", error);
            abort();
        }
        run_plan plan;   /* what `sasc check --plan` and `sasc run` compute */
        plan_estimate(&program, task, &plan);
        plan_print(&plan, &program, task, sink());
#ifdef FUZZ_CODEGEN
        if (!codegen_print_llvm(&program, optimize, sink(), error, sizeof error)) {
            fprintf(stderr, "code generation failed: %s\n", error);
            abort();
        }
#else
        (void)optimize;
#endif
    }
    ir_program_free(&program);
}

/* Every task of the file; a file without tasks: each model with the defaults. */
static void lower_file(const checked_file *file, bool optimize)
{
    for (int t = 0; t < file->task_count; t++)
        lower_task(&file->models[file->tasks[t].model], &file->tasks[t].settings, optimize);
    if (file->task_count > 0)
        return;
    sasc_task defaults;
    sasc_task_defaults(&defaults);
    for (int m = 0; m < file->model_count; m++)
        lower_task(&file->models[m], &defaults, optimize);
}

/* FNV-1a of the input: which inputs also get the O3 pipeline. */
static uint32_t input_hash(const uint8_t *data, size_t size)
{
    uint32_t hash = 2166136261u;
    for (size_t i = 0; i < size; i++)
        hash = (hash ^ data[i]) * 16777619u;
    return hash;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    diagnostics *messages = diagnostics_new("fuzz.sas", text, sink());
    if (messages) {
        checked_file file;
        if (frontend_check("fuzz.sas", text, layer_kinds(), messages, &file)) {
            lower_file(&file, input_hash(data, size) % 8 == 0);
            checked_file_free(&file);
        }
        diagnostics_free(messages);
    }
    free(text);
    return 0;
}
