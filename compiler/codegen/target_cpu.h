/*
 * target_cpu.h — the CPU `sasc build --target-cpu` generates code for.
 *
 * LLVM reports an unknown CPU name only as a warning on stderr ("'foo' is
 * not a recognized processor for this target (ignoring processor)") and a
 * CPU without x86-64 mode (i386, pentium4) only by a fatal error that aborts
 * the process in the middle of code generation (exit 134, a temporary
 * directory left behind). Neither can be asked for through LLVM's C API, so
 * the name is probed once, in a child process: it creates the target machine
 * and emits a one-function module with its diagnostics captured; the parent
 * reads what happened and reports it as one message.
 */
#ifndef SASC_TARGET_CPU_H
#define SASC_TARGET_CPU_H

#include <stdbool.h>
#include <stddef.h>

#include <llvm-c/TargetMachine.h>

/* A target machine for the default triple and `cpu` ("host", NULL, or an LLVM
 * CPU name), after checking that LLVM knows the CPU and can generate code
 * for it; NULL with one sentence in `error` otherwise. */
LLVMTargetMachineRef codegen_cpu_target_machine(const char *cpu, char *error, size_t error_size);

#endif
