/*
 * codegen.h — from the IR to machine code with the LLVM C API.
 *
 * Each IR function becomes one LLVM function `void sasc_<name>(ptr buffers)`
 * with every shape a constant; products call sasc_gemm_f32/f64 from the
 * runtime, everything else is generated loops. The module is optimised with
 * the new pass manager (a short kernel pipeline) for the host CPU and run
 * through the ORC LLJIT.
 */
#ifndef SASC_CODEGEN_H
#define SASC_CODEGEN_H

#include <stdio.h>
#include "compiler/ir/ir.h"

typedef struct compiled_model compiled_model;

/* JIT-compile the program's three functions. Code generation may add
 * TEMPORARY buffers to `p` for the values it materialises, so `p` must not be
 * changed afterwards and must outlive the result. NULL with a message in
 * `error` on failure. */
compiled_model *codegen_jit(ir_program *p, char *error, size_t error_size);

/* The runnable program: tables from `p`, kernels from the JIT. Owned by `m`. */
const sasc_program *compiled_model_program(const compiled_model *m);

void compiled_model_free(compiled_model *m);

/* Write the textual LLVM IR of the three kernels, optimised when `optimized`. */
bool codegen_print_llvm(ir_program *p, bool optimized, FILE *out, char *error, size_t error_size);

/* The LLVM version string, e.g. "19.1.7", for --version and run.json. */
const char *codegen_llvm_version(void);

#endif
