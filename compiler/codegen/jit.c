/*
 * jit.c — running the module builder's output in this process through the
 * ORC LLJIT: one LLJIT per compiled model, owning the machine code; the
 * exported buffer/layer tables and the sasc_program that points at both.
 * The kernels are compiled to object code here, on two threads
 * (add_kernels), and the JIT only links the objects.
 *
 * Symbol resolution: the runtime's GEMM routines are defined in the JIT as
 * absolute symbols taken from this binary (taking their addresses also makes
 * the static link pull them in); everything else the kernels call (libm's exp
 * and log) is found in the process by a DynamicLibrarySearchGenerator.
 */
#include "compiler/codegen/codegen.h"
#include "compiler/codegen/codegen_internal.h"
#include "runtime/kernels/gemm.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <llvm-c/LLJIT.h>
#include <llvm-c/Orc.h>
#include <llvm-c/TargetMachine.h>

struct compiled_model {
    LLVMOrcLLJITRef jit;          /* owns the machine code the kernels point into */
    sasc_program program;         /* borrows from the ir_program and the tables below */
    ir_tables tables;
    bool has_update_part;         /* the module defines CODEGEN_UPDATE_PART_SYMBOL */
};

static void fail(char *error, size_t error_size, const char *message)
{
    if (error_size > 0)
        snprintf(error, error_size, "%s", message);
}

/* The JIT's target machine is built like the ones the objects are compiled
 * with (host CPU and features, -O3 code generation), not left to LLJIT's
 * defaults, so that it links them for the same target. */
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

/* The kernels are compiled into object code in two modules on two threads
 * (the machine has two cores): the train kernel, and the others (update and
 * update_part, predict, predict_dynamic) — for the B1 model halves of about
 * equal size. Each job has its own LLVM context and target machine; the
 * program and the storage plan are shared read-only (codegen_build_kernels).
 * The objects are what the JIT would have compiled from the modules: the
 * same target machine settings (create_jit) and the same optimised IR. */
enum { JIT_JOBS = 2 };
static const unsigned JIT_JOB_KERNELS[JIT_JOBS] = {
    CODEGEN_KERNEL_BIT(0),
    CODEGEN_ALL_KERNELS & ~CODEGEN_KERNEL_BIT(0),
};

typedef struct {
    ir_program *p;                 /* read only while jobs run */
    codegen_node_plan **plans;     /* read only while jobs run */
    unsigned kernels;
    LLVMTargetMachineRef machine;  /* owned by the job's creator */
    LLVMMemoryBufferRef object;    /* the result, NULL on failure */
    bool has_update_part;
    char error[512];
} compile_job;

static void compile_kernels(compile_job *job)
{
    LLVMContextRef context = LLVMContextCreate();
    LLVMModuleRef module = codegen_build_kernels(job->p, job->plans, job->kernels, context, job->machine,
                                                 true, job->error, sizeof job->error);
    if (module) {
        job->has_update_part = LLVMGetNamedFunction(module, CODEGEN_UPDATE_PART_SYMBOL) != NULL;
        char *message = NULL;
        if (LLVMTargetMachineEmitToMemoryBuffer(job->machine, module, LLVMObjectFile, &message, &job->object)) {
            snprintf(job->error, sizeof job->error, "cannot compile the kernels: %s",
                     message ? message : "(no message)");
            job->object = NULL;
        }
        LLVMDisposeMessage(message);
        LLVMDisposeModule(module);
    }
    LLVMContextDispose(context);
}

static void *compile_kernels_thread(void *job)
{
    compile_kernels(job);
    return NULL;
}

/* Run the jobs, the first on a new thread and the rest here (all here if no
 * thread can be started). */
static void run_compile_jobs(compile_job jobs[JIT_JOBS])
{
    pthread_t thread;
    bool threaded = pthread_create(&thread, NULL, compile_kernels_thread, &jobs[0]) == 0;
    for (int j = threaded ? 1 : 0; j < JIT_JOBS; j++)
        compile_kernels(&jobs[j]);
    if (threaded)
        pthread_join(thread, NULL);
}

/* Hand the objects to the JIT, which takes them over (the failed jobs' and
 * the ones after a rejection are disposed of here). */
static bool add_objects(compiled_model *m, compile_job jobs[JIT_JOBS], char *error, size_t error_size)
{
    bool ok = true;
    for (int j = 0; j < JIT_JOBS; j++) {
        if (ok && !jobs[j].object) {
            fail(error, error_size, jobs[j].error);
            ok = false;
        } else if (ok) {
            m->has_update_part = m->has_update_part || jobs[j].has_update_part;
            LLVMErrorRef failure = LLVMOrcLLJITAddObjectFile(m->jit, LLVMOrcLLJITGetMainJITDylib(m->jit),
                                                             jobs[j].object);
            jobs[j].object = NULL;
            if (failure) {
                codegen_error_message(failure, "the JIT rejected the kernels", error, error_size);
                ok = false;
            }
        }
        if (jobs[j].object)
            LLVMDisposeMemoryBuffer(jobs[j].object);
    }
    return ok;
}

/* Plan the storage, compile the kernels to objects and hand them to the JIT;
 * note whether there is an update_part. */
static bool add_kernels(compiled_model *m, ir_program *p, char *error, size_t error_size)
{
    codegen_node_plan *plans[CODEGEN_KERNEL_COUNT];
    if (!codegen_prepare(p, plans, error, error_size))
        return false;
    compile_job jobs[JIT_JOBS] = {{0}};
    bool ok = true;
    for (int j = 0; j < JIT_JOBS; j++) {
        jobs[j].p = p;
        jobs[j].plans = plans;
        jobs[j].kernels = JIT_JOB_KERNELS[j];
        if (ok)
            jobs[j].machine = codegen_host_target_machine(error, error_size);
        ok = ok && jobs[j].machine;
    }
    if (ok) {
        sasc_gemm_park_threads();   /* their spinning would take the second core */
        run_compile_jobs(jobs);
        ok = add_objects(m, jobs, error, error_size);
    }
    for (int j = 0; j < JIT_JOBS; j++)
        if (jobs[j].machine)
            LLVMDisposeTargetMachine(jobs[j].machine);
    codegen_free_plans(plans);
    return ok;
}

/* Links the objects on first lookup: fills every kernel of the table. */
static bool look_up_kernels(compiled_model *m, char *error, size_t error_size)
{
    for (int k = 0; k < m->program.kernel_count; k++) {
        sasc_kernel_desc *kernel = &m->tables.kernels[k];
        LLVMOrcExecutorAddress address = 0;
        LLVMErrorRef failure = LLVMOrcLLJITLookup(m->jit, &address, kernel->symbol);
        if (failure) {
            codegen_error_message(failure, "cannot compile the kernels", error, error_size);
            return false;
        }
        if (kernel->role == SASC_KERNEL_UPDATE_PART)
            kernel->run_part = (sasc_part_kernel)(uintptr_t)address;
        else
            kernel->run = (sasc_kernel)(uintptr_t)address;
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
              add_kernels(m, p, error, error_size);
    if (ok) {
        ir_export_tables(p, m->has_update_part, &m->program, &m->tables);
        ok = look_up_kernels(m, error, error_size);
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
    ir_free_tables(&m->tables);
    free(m);
}
