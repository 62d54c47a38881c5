/*
 * target_cpu.c — probing a CPU name in a child process (target_cpu.h).
 */
#include "compiler/codegen/target_cpu.h"
#include "compiler/codegen/codegen_internal.h"
#include "compiler/codegen/failure.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <llvm-c/Core.h>
#include <llvm-c/ErrorHandling.h>
#include <llvm-c/Target.h>

/* The machine itself: no check (the probe and the caller both use it). */
static LLVMTargetMachineRef create_machine(const char *cpu, char *error, size_t error_size)
{
    if (cpu == NULL || strcmp(cpu, "host") == 0)
        return codegen_host_target_machine(error, error_size);
    codegen_initialize_native();
    char *triple = LLVMGetDefaultTargetTriple(), *message = NULL;
    LLVMTargetRef target = NULL;
    LLVMTargetMachineRef machine = NULL;
    if (LLVMGetTargetFromTriple(triple, &target, &message))
        failf(error, error_size, "no LLVM target for '%s': %s", triple, message ? message : "");
    else {
        /* Same code generation level and relocation model as the host machine. */
        machine = LLVMCreateTargetMachine(target, triple, cpu, "", LLVMCodeGenLevelAggressive,
                                          LLVMRelocPIC, LLVMCodeModelDefault);
        if (!machine)
            failf(error, error_size, "cannot create an LLVM target machine for CPU '%s'", cpu);
    }
    LLVMDisposeMessage(message);
    LLVMDisposeMessage(triple);
    return machine;
}

/* In the child: emit `i64 probe(i64 a, i64 b) { return a * b; }` for `cpu`;
 * LLVM's warnings and fatal errors go to `fd`. Never returns. */
static void probe(const char *cpu, int fd)
{
    LLVMResetFatalErrorHandler();   /* LLVM's own: "LLVM ERROR: ...", then the end */
    dup2(fd, STDERR_FILENO);
    char error[1024];
    LLVMTargetMachineRef machine = create_machine(cpu, error, sizeof error);
    if (!machine) {
        fprintf(stderr, "%s\n", error);
        _exit(3);
    }
    LLVMContextRef context = LLVMContextCreate();
    LLVMModuleRef module = LLVMModuleCreateWithNameInContext("probe", context);
    LLVMTypeRef i64 = LLVMInt64TypeInContext(context), params[2] = {i64, i64};
    LLVMValueRef function = LLVMAddFunction(module, "probe", LLVMFunctionType(i64, params, 2, false));
    LLVMBuilderRef builder = LLVMCreateBuilderInContext(context);
    LLVMPositionBuilderAtEnd(builder, LLVMAppendBasicBlockInContext(context, function, "entry"));
    LLVMBuildRet(builder, LLVMBuildMul(builder, LLVMGetParam(function, 0), LLVMGetParam(function, 1), ""));
    char *triple = LLVMGetTargetMachineTriple(machine);
    LLVMSetTarget(module, triple);
    LLVMMemoryBufferRef object = NULL;
    char *message = NULL;
    bool failed = LLVMTargetMachineEmitToMemoryBuffer(machine, module, LLVMObjectFile, &message, &object);
    if (failed)
        fprintf(stderr, "LLVM ERROR: %s\n", message ? message : "code generation failed");
    fflush(stderr);
    _exit(failed ? 3 : 0);
}

/* Everything the child wrote, NUL-terminated (at most size - 1 bytes). */
static void collect(int fd, char *out, size_t size)
{
    size_t used = 0;
    for (ssize_t got; (got = read(fd, out + used, size - 1 - used)) != 0;) {
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            break;
        used += (size_t)got;
        if (used == size - 1) {   /* keep reading so the child never blocks */
            char sink[4096];
            while (read(fd, sink, sizeof sink) > 0) {
            }
            break;
        }
    }
    out[used] = '\0';
}

/* The reason after "LLVM ERROR: ", up to the end of its line. */
static void llvm_reason(const char *output, char *reason, size_t size)
{
    const char *at = strstr(output, "LLVM ERROR: ");
    at = at ? at + strlen("LLVM ERROR: ") : output;
    snprintf(reason, size, "%.*s", (int)strcspn(at, "\n"), at);
}

static bool check_cpu(const char *cpu, char *error, size_t error_size)
{
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0)
        return failf(error, error_size, "cannot check CPU '%s': %s", cpu, strerror(errno));
    fflush(NULL);
    pid_t child = fork();
    if (child < 0) {
        close(pipe_fds[0]);
        close(pipe_fds[1]);
        return failf(error, error_size, "cannot check CPU '%s': %s", cpu, strerror(errno));
    }
    if (child == 0) {
        close(pipe_fds[0]);
        probe(cpu, pipe_fds[1]);
    }
    close(pipe_fds[1]);
    char output[4096], reason[1024];
    collect(pipe_fds[0], output, sizeof output);
    close(pipe_fds[0]);
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    char *triple = LLVMGetDefaultTargetTriple();
    bool ok = true;
    if (strstr(output, "is not a recognized processor")) {
        ok = failf(error, error_size, "unknown CPU '%s' for %s; give host, generic or an LLVM CPU "
                   "name such as skylake or znver3 (`llc -mcpu=help` lists them)", cpu, triple);
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        llvm_reason(output, reason, sizeof reason);
        ok = failf(error, error_size, "LLVM cannot generate %s code for CPU '%s': %s", triple, cpu,
                   reason[0] ? reason : WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "it failed");
    }
    LLVMDisposeMessage(triple);
    return ok;
}

LLVMTargetMachineRef codegen_cpu_target_machine(const char *cpu, char *error, size_t error_size)
{
    if (cpu && strcmp(cpu, "host") != 0 && !check_cpu(cpu, error, error_size))
        return NULL;
    return create_machine(cpu, error, error_size);
}
