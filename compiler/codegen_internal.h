/*
 * codegen_internal.h — what the module builder (codegen.c) shares with its
 * consumers inside the compiler: the JIT (jit.c) and, later, the
 * ahead-of-time object emitter. Not part of the compiler's public interface.
 *
 * The module builder knows nothing about how the module is run: it turns an
 * ir_program into one LLVM module for a given target machine, verified and
 * (optionally) optimised, with the three kernels as external functions named
 * by codegen_kernel_symbol().
 */
#ifndef SASC_CODEGEN_INTERNAL_H
#define SASC_CODEGEN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <llvm-c/Core.h>
#include <llvm-c/Error.h>
#include <llvm-c/TargetMachine.h>
#include "ir.h"

/* The kernels in the order train, update, predict. */
enum { CODEGEN_KERNEL_COUNT = 3 };

/* "sasc_train", "sasc_update", "sasc_predict" for k = 0, 1, 2. */
const char *codegen_kernel_symbol(int k);

/* Register the host target with LLVM; safe to call any number of times. */
void codegen_initialize_native(void);

/* A target machine for the host CPU and its features, at -O3 code
 * generation. NULL with a message in `error` on failure; the caller disposes
 * of it (LLVMDisposeTargetMachine) or hands it to a consumer that does. */
LLVMTargetMachineRef codegen_host_target_machine(char *error, size_t error_size);

/* Build the module of `p`'s three kernels in `context` for `machine`: verify
 * the IR, plan storage (adding TEMPORARY buffers to `p`; planning is
 * deterministic and finds the temporaries it added on an earlier call, so
 * building twice leaves `p` as after the first time), emit, verify the
 * module, and run the O3 pipeline when `optimize`. NULL with a message in
 * `error` on failure; the caller owns the module. */
LLVMModuleRef codegen_build_module(ir_program *p, LLVMContextRef context,
                                   LLVMTargetMachineRef machine, bool optimize,
                                   char *error, size_t error_size);

/* Turn an LLVM error into "<what>: <LLVM's message>" in `error`, consuming it. */
void codegen_error_message(LLVMErrorRef failure, const char *what,
                           char *error, size_t error_size);

#endif
