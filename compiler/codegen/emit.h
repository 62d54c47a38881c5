/*
 * emit.h — ahead-of-time compilation: the module builder's kernels plus the
 * model's tables, task settings and source as constant data (one
 * sasc_embedded_model, runtime/settings/embedded.h), written as an object file or as
 * textual LLVM IR for an LLVM target machine. `sasc build` links the object
 * with the runtime library (link.h).
 */
#ifndef SASC_EMIT_H
#define SASC_EMIT_H

#include <stdbool.h>
#include <stddef.h>

#include "compiler/ir/ir.h"
#include "runtime/settings/embedded.h"
#include "runtime/settings/task.h"

/* What `sasc build` was asked for. */
typedef struct {
    const char *output;      /* -o: the executable, library, object or .ll file */
    const char *target_cpu;  /* NULL or "host": this machine's CPU; "generic" or an LLVM CPU name */
    bool emit_object;        /* --emit-obj: stop after the object file */
    bool emit_llvm;          /* --emit-llvm: write textual LLVM IR instead */
    bool library;            /* --library: a static library and its header */
} build_request;

/* The data embedded next to the kernels. */
typedef struct {
    const sasc_task *task;
    const char *model_file, *source_text, *compiler;
    const sasc_embedded_file *files;   /* the mask files the program carries */
    int file_count;
} emit_payload;

/* Compile `p` for `target_cpu` and write the object file (or, when
 * `llvm_text`, the LLVM IR) to `path`, the embedded model exported as
 * `symbol` and everything else local. Code generation may add TEMPORARY
 * buffers to `p` (as codegen_jit does). False with a message on failure. */
bool emit_model(ir_program *p, const emit_payload *payload, const char *symbol,
                const char *target_cpu, bool llvm_text, const char *path,
                char *error, size_t error_size);

#endif
