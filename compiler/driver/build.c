/*
 * build.c — `sasc build`: emit the kernels and tables as an object and link
 * it into a standalone executable or a C library (compiler/codegen/link.h).
 */
#include "compiler/driver/commands_internal.h"
#include "compiler/codegen/library.h"
#include "compiler/codegen/link.h"
#include "runtime/support/input_file.h"
#include "runtime/support/npy.h"
#include "runtime/train/train.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <llvm-c/ErrorHandling.h>

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

/* The .npy masks the program names, read now and carried inside the program
 * (so it never looks for them relative to where it was built); each checked
 * as a run would check it, so a bad mask fails the build, not the program. */
typedef struct {
    sasc_embedded_file *files;
    int count;
} mask_files;

static void mask_files_free(mask_files *m)
{
    for (int k = 0; k < m->count; k++)
        free((unsigned char *)m->files[k].bytes);
    free(m->files);
    *m = (mask_files){0};
}

static bool read_mask(const ir_group *g, sasc_embedded_file *file, char *error, size_t size)
{
    char reason[256];
    size_t length = 0;
    unsigned char *bytes = (unsigned char *)sasc_input_read_all(g->mask.path, 0, &length, reason,
                                                                sizeof reason);
    if (!bytes) {
        snprintf(error, size, "cannot open %s: %s", g->mask.path, reason);
        return false;
    }
    size_t n = (size_t)g->fan_in * (size_t)g->width;
    double *values = malloc((n ? n : 1) * sizeof *values);
    bool ok = values && sasc_npy_decode(bytes, length, g->mask.path, g->fan_in, g->width, values,
                                        error, size) &&
              sasc_npy_check_values(values, n, SASC_NPY_MASK, g->mask.path, error, size);
    if (!values)
        snprintf(error, size, "out of memory reading %s", g->mask.path);
    free(values);
    if (!ok) {
        free(bytes);
        return false;
    }
    *file = (sasc_embedded_file){g->mask.path, bytes, length};
    return true;
}

static bool read_mask_files(const ir_program *p, mask_files *m, char *error, size_t size)
{
    *m = (mask_files){calloc((size_t)p->group_count + 1, sizeof *m->files), 0};
    if (!m->files) {
        snprintf(error, size, "out of memory reading the masks");
        return false;
    }
    for (int g = 0; g < p->group_count; g++) {
        if (p->groups[g].mask.kind != SASC_MASK_NPY)
            continue;
        if (!read_mask(&p->groups[g], &m->files[m->count], error, size))
            return false;
        m->count++;
    }
    return true;
}

/* The private directory of the build under way, removed by the LLVM fatal
 * error handler too: LLVM ends the process on a fatal error, and the
 * handler is the last code of sasc that runs. */
static char build_dir[4096], build_object[4400];

static void on_llvm_fatal_error(const char *reason)
{
    if (build_object[0])
        unlink(build_object);
    if (build_dir[0])
        rmdir(build_dir);
    fprintf(stderr, "sasc: internal error: LLVM: %s\n", reason);
    _exit(SASC_EXIT_INTERNAL_ERROR);
}

/* Emit the object into a private directory, then link it. */
static int emit_and_link(const invocation *call, pipeline *state, const sasc_task *task,
                         const emit_payload *payload)
{
    const build_request *b = &call->build;
    char error[ERROR_SIZE], name[128];
    if (b->emit_llvm || b->emit_object) {
        if (emit_model(&state->program, payload, "sasc_model", b->target_cpu, b->emit_llvm,
                       b->output, error, sizeof error))
            return SASC_EXIT_OK;
        fprintf(stderr, "sasc: error: %s\n", error);
        return SASC_EXIT_USER_ERROR;
    }
    library_name(b->output, name, sizeof name);
    const char *tmp = getenv("TMPDIR");
    char *dir = build_dir, *object = build_object, symbol[200];
    snprintf(dir, sizeof build_dir, "%s/sasc-build-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        fprintf(stderr, "sasc: error: cannot create a temporary directory in %s: %s\n",
                tmp && tmp[0] ? tmp : "/tmp", strerror(errno));
        return SASC_EXIT_USER_ERROR;
    }
    snprintf(object, sizeof build_object, "%s/%s-model.o", dir, name);
    snprintf(symbol, sizeof symbol, "%s_model", b->library ? name : "sasc");
    bool ok = emit_model(&state->program, payload, symbol, b->target_cpu, false, object,
                         error, sizeof error);
    if (ok && b->library)
        ok = link_library(object, b->output, error, sizeof error) &&
             library_header(b->output, name, task, error, sizeof error);
    else if (ok)
        ok = link_executable(object, b->output, error, sizeof error);
    unlink(object);
    rmdir(dir);
    build_object[0] = build_dir[0] = '\0';
    if (!ok)
        fprintf(stderr, "sasc: error: %s\n", error);
    return ok ? SASC_EXIT_OK : SASC_EXIT_USER_ERROR;
}

/* Read the masks, then emit and link. */
static int build_program(const invocation *call, pipeline *state, const sasc_task *task)
{
    char compiler[128], error[ERROR_SIZE];
    LLVMInstallFatalErrorHandler(on_llvm_fatal_error);
    pipeline_compiler_string(compiler, sizeof compiler);
    mask_files masks;
    if (!read_mask_files(&state->program, &masks, error, sizeof error)) {
        mask_files_free(&masks);
        fprintf(stderr, "sasc: error: %s\n", error);
        return SASC_EXIT_USER_ERROR;
    }
    emit_payload payload = {task, call->file, state->text, compiler, masks.files, masks.count};
    int status = emit_and_link(call, state, task, &payload);
    mask_files_free(&masks);
    return status;
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
