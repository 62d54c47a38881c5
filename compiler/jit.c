/*
 * jit.c — running the module builder's output in this process through the
 * ORC LLJIT: one LLJIT per compiled model, owning the machine code; the
 * exported buffer/layer tables and the sasc_program that points at both.
 *
 * Symbol resolution: the runtime's GEMM routines are defined in the JIT as
 * absolute symbols taken from this binary (taking their addresses also makes
 * the static link pull them in); everything else the kernels call (libm's exp
 * and log) is found in the process by a DynamicLibrarySearchGenerator.
 */
#include "codegen.h"
#include "codegen_internal.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <llvm-c/LLJIT.h>
#include <llvm-c/Orc.h>

struct compiled_model {
    LLVMOrcLLJITRef jit;          /* owns the machine code the kernels point into */
    sasc_program program;         /* borrows from the ir_program and the tables below */
    sasc_buffer_desc *buffers;
    sasc_layer_desc *layers;
    bool has_update_part;         /* the module defines CODEGEN_UPDATE_PART_SYMBOL */
};

static void fail(char *error, size_t error_size, const char *message)
{
    if (error_size > 0)
        snprintf(error, error_size, "%s", message);
}

/* The JIT's target machine is built like the one the module was optimised
 * for (host CPU and features, -O3 code generation), not left to LLJIT's
 * defaults, so the code it emits is what the optimisation pipeline tuned for. */
static LLVMOrcLLJITRef create_jit(char *error, size_t error_size)
{
    LLVMTargetMachineRef machine = codegen_host_target_machine(error, error_size);
    if (!machine)
        return NULL;
    LLVMOrcLLJITBuilderRef builder = LLVMOrcCreateLLJITBuilder();
    LLVMOrcLLJITBuilderSetJITTargetMachineBuilder(
        builder, LLVMOrcJITTargetMachineBuilderCreateFromTargetMachine(machine));
    LLVMOrcLLJITRef jit = NULL;
    LLVMErrorRef failure = LLVMOrcCreateLLJIT(&jit, builder);   /* consumes the builder */
    if (failure) {
        codegen_error_message(failure, "cannot create the LLVM JIT", error, error_size);
        return NULL;
    }
    return jit;
}

static bool define_runtime_symbols(LLVMOrcLLJITRef jit, char *error, size_t error_size)
{
    LLVMJITSymbolFlags flags = { LLVMJITSymbolGenericFlagsExported | LLVMJITSymbolGenericFlagsCallable, 0 };
    LLVMOrcCSymbolMapPair symbols[2] = {
        { LLVMOrcLLJITMangleAndIntern(jit, "sasc_gemm_f32"), { (LLVMOrcExecutorAddress)(uintptr_t)&sasc_gemm_f32, flags } },
        { LLVMOrcLLJITMangleAndIntern(jit, "sasc_gemm_f64"), { (LLVMOrcExecutorAddress)(uintptr_t)&sasc_gemm_f64, flags } },
    };
    /* The materialization unit takes over the name references. */
    LLVMOrcMaterializationUnitRef unit = LLVMOrcAbsoluteSymbols(symbols, 2);
    LLVMErrorRef failure = LLVMOrcJITDylibDefine(LLVMOrcLLJITGetMainJITDylib(jit), unit);
    if (failure) {
        LLVMOrcDisposeMaterializationUnit(unit);
        codegen_error_message(failure, "cannot define the runtime's symbols in the JIT", error, error_size);
        return false;
    }
    return true;
}

static bool add_process_symbols(LLVMOrcLLJITRef jit, char *error, size_t error_size)
{
    LLVMOrcDefinitionGeneratorRef generator = NULL;
    LLVMErrorRef failure = LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess(
        &generator, LLVMOrcLLJITGetGlobalPrefix(jit), NULL, NULL);
    if (failure) {
        codegen_error_message(failure, "cannot search the process for symbols", error, error_size);
        return false;
    }
    LLVMOrcJITDylibAddGenerator(LLVMOrcLLJITGetMainJITDylib(jit), generator);
    return true;
}

/* Build, optimise and hand the module to the JIT (which takes it over);
 * note whether it has update_part. */
static bool add_module(compiled_model *m, ir_program *p, char *error, size_t error_size)
{
    LLVMOrcLLJITRef jit = m->jit;
    LLVMTargetMachineRef machine = codegen_host_target_machine(error, error_size);
    if (!machine)
        return false;
    LLVMOrcThreadSafeContextRef context = LLVMOrcCreateNewThreadSafeContext();
    LLVMModuleRef module = codegen_build_module(p, LLVMOrcThreadSafeContextGetContext(context),
                                                machine, true, error, error_size);
    LLVMDisposeTargetMachine(machine);
    bool ok = module != NULL;
    if (ok) {
        m->has_update_part = LLVMGetNamedFunction(module, CODEGEN_UPDATE_PART_SYMBOL) != NULL;
        LLVMOrcThreadSafeModuleRef owned = LLVMOrcCreateNewThreadSafeModule(module, context);
        LLVMErrorRef failure = LLVMOrcLLJITAddLLVMIRModule(jit, LLVMOrcLLJITGetMainJITDylib(jit), owned);
        if (failure) {
            codegen_error_message(failure, "the JIT rejected the module", error, error_size);
            ok = false;
        }
    }
    LLVMOrcDisposeThreadSafeContext(context);   /* the module keeps its context alive */
    return ok;
}

/* Compiles the module on first lookup. */
static bool look_up_kernels(compiled_model *m, const ir_program *p, char *error, size_t error_size)
{
    sasc_kernel *kernels[CODEGEN_KERNEL_COUNT] = { &m->program.train, &m->program.update, &m->program.predict,
                                                   &m->program.predict_dynamic };
    for (int k = 0; k < CODEGEN_KERNEL_COUNT; k++) {
        if (!codegen_kernel_emitted(p, k))
            continue;   /* stays NULL (ir_export_tables) */
        LLVMOrcExecutorAddress address = 0;
        LLVMErrorRef failure = LLVMOrcLLJITLookup(m->jit, &address, codegen_kernel_symbol(k));
        if (failure) {
            codegen_error_message(failure, "cannot compile the kernels", error, error_size);
            return false;
        }
        *kernels[k] = (sasc_kernel)(uintptr_t)address;
    }
    if (m->has_update_part) {   /* otherwise it stays NULL: the runtime calls update */
        LLVMOrcExecutorAddress address = 0;
        LLVMErrorRef failure = LLVMOrcLLJITLookup(m->jit, &address, CODEGEN_UPDATE_PART_SYMBOL);
        if (failure) {
            codegen_error_message(failure, "cannot compile the kernels", error, error_size);
            return false;
        }
        m->program.update_part = (sasc_part_kernel)(uintptr_t)address;
    }
    return true;
}

compiled_model *codegen_jit(ir_program *p, char *error, size_t error_size)
{
    compiled_model *m = calloc(1, sizeof *m);
    if (!m) {
        fail(error, error_size, "out of memory");
        return NULL;
    }
    m->jit = create_jit(error, error_size);
    bool ok = m->jit && define_runtime_symbols(m->jit, error, error_size) &&
              add_process_symbols(m->jit, error, error_size) &&
              add_module(m, p, error, error_size);
    if (ok) {
        ir_export_tables(p, &m->program, &m->buffers, &m->layers);
        ok = look_up_kernels(m, p, error, error_size);
    }
    if (!ok) {
        compiled_model_free(m);
        return NULL;
    }
    return m;
}

const sasc_program *compiled_model_program(const compiled_model *m)
{
    return &m->program;
}

void compiled_model_free(compiled_model *m)
{
    if (!m)
        return;
    if (m->jit) {
        LLVMErrorRef failure = LLVMOrcDisposeLLJIT(m->jit);
        if (failure)   /* nothing left to act on: the memory is released regardless */
            LLVMConsumeError(failure);
    }
    free(m->buffers);
    free(m->layers);
    free(m);
}
