/*
 * build.c — `sasc build`: emit the kernels and tables as an object and link
 * it into a standalone executable or a C library (compiler/codegen/link.h).
 */
#include "compiler/driver/commands_internal.h"
#include "compiler/codegen/library.h"
#include "compiler/codegen/link.h"
#include "runtime/train/train.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* Emit the object into a private directory, then link it. */
static int build_program(const invocation *call, pipeline *state, const sasc_task *task)
{
    const build_request *b = &call->build;
    char compiler[128], error[ERROR_SIZE], name[128];
    pipeline_compiler_string(compiler, sizeof compiler);
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

int command_build(invocation *call)
{
    pipeline state = {0};
    sasc_task task;
    int model = 0;
    int status = pipeline_to_ir(call, &state, &task, &model);
    if (status == SASC_EXIT_OK)
        status = build_program(call, &state, &task);
    pipeline_free(&state);
    return status;
}
