/*
 * codegen_internal.h — what the module builder (codegen.c) shares with its
 * storage planner (codegen_plan.c) and its consumers inside the compiler:
 * the JIT (jit.c) and, later, the ahead-of-time object emitter. Not part of
 * the compiler's public interface.
 *
 * The module builder knows nothing about how the module is run: it turns an
 * ir_program into one LLVM module for a given target machine, verified and
 * (optionally) optimised, with the three kernels as external functions named
 * by codegen_kernel_symbol(), and CODEGEN_UPDATE_PART_SYMBOL when the update
 * is elementwise (codegen_is_partitionable).
 */
#ifndef SASC_CODEGEN_INTERNAL_H
#define SASC_CODEGEN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <llvm-c/Core.h>
#include <llvm-c/Error.h>
#include <llvm-c/TargetMachine.h>
#include "compiler/ir/ir.h"

/* The kernels in the order train, update, predict, predict_dynamic. */
enum { CODEGEN_KERNEL_COUNT = 4 };

/* "sasc_train", "sasc_update", "sasc_predict", "sasc_predict_dynamic" for k = 0 .. 3. */
const char *codegen_kernel_symbol(int k);

/* Whether kernel k is generated: the first three always (even when empty),
 * predict_dynamic only when its function has nodes (recurrent programs). */
bool codegen_kernel_emitted(const ir_program *p, int k);

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
 * module, and run the kernel pipeline (KERNEL_PIPELINE) when `optimize`. NULL with a message in
 * `error` on failure; the caller owns the module. */
LLVMModuleRef codegen_build_module(ir_program *p, LLVMContextRef context,
                                   LLVMTargetMachineRef machine, bool optimize,
                                   char *error, size_t error_size);

/* ---- the storage plan (codegen_plan.c) ---- */

/* Where one node's value lives; see codegen_plan.c for the rules. */
typedef struct {
    bool materialized;  /* computed at its own position into `storage` */
    int storage;        /* buffer holding the value (the leaf's buffer, a temporary
                           or a store's destination); -1 when computed inline */
    bool elided;        /* IR_STORE whose value was computed straight into its buffer */
    /* planning state */
    bool live;          /* some store depends on the value */
    int users;          /* live nodes reading it (stores included) */
    int fusing_users;   /* those that evaluate it element by element in one pass */
    int user;           /* a live user: the only one when users == 1 */
    bool needs_address; /* a product reads it: it must sit in memory */
    int last_eval;      /* the last point (node index) at which its code runs */
    int last_read;      /* the last point at which its readers' code runs */
    int next_access;    /* leaves and stores: the next leaf or store of the same buffer, or -1 */
    int next_store;     /* leaves and stores: the next store to the same buffer, or -1 */
} codegen_node_plan;

/* Plan the kernels' storage, adding the TEMPORARY buffers it needs to
 * `p` (deterministically; an earlier plan's temporaries are found by name).
 * plans[k] gets one entry per node of function k (free each). False when
 * out of memory. */
bool codegen_plan_program(ir_program *p, codegen_node_plan *plans[CODEGEN_KERNEL_COUNT]);

/* codegen_build_module in two steps, so that the kernels can be built into
 * several modules on several threads: codegen_prepare verifies `p` and plans
 * its storage (the only step that changes `p`; plans[k] are NULL after a
 * failure, else freed with codegen_free_plans), then codegen_build_kernels
 * builds the kernels whose bit (CODEGEN_KERNEL_BIT(k)) is set in `kernels`
 * into one module. codegen_build_kernels only reads `p` and `plans` and
 * touches no LLVM state outside `context`, `machine` and the new module, so
 * calls with distinct contexts and machines may run concurrently. A kernel's
 * code does not depend on which other kernels share its module (update and
 * update_part always go together: update calls update_part). */
#define CODEGEN_KERNEL_BIT(k) (1u << (unsigned)(k))
#define CODEGEN_ALL_KERNELS ((1u << CODEGEN_KERNEL_COUNT) - 1u)
bool codegen_prepare(ir_program *p, codegen_node_plan *plans[CODEGEN_KERNEL_COUNT],
                     char *error, size_t error_size);
void codegen_free_plans(codegen_node_plan *plans[CODEGEN_KERNEL_COUNT]);
LLVMModuleRef codegen_build_kernels(ir_program *p, codegen_node_plan *plans[CODEGEN_KERNEL_COUNT],
                                    unsigned kernels, LLVMContextRef context,
                                    LLVMTargetMachineRef machine, bool optimize,
                                    char *error, size_t error_size);

/* Whether function f (planned as `plan`) can run in element-range parts
 * (sasc_program.update_part): every live node is a leaf, an elementwise op
 * or a whole-buffer store; every buffer is accessed element by element with
 * one element count (so sasc_part_boundary splits all its loops alike and a
 * part touches only its own elements of it, temporaries included); and a
 * [1,1] value read by every element is computed inline from constants and
 * buffers f never writes. Then the parts, run in any order or concurrently,
 * compute exactly what f computes. */
bool codegen_is_partitionable(const ir_program *p, const ir_function *f, const codegen_node_plan *plan);

/* The symbol of update_part: "sasc_update_part" (void (ptr, i32 part, i32 parts)). */
extern const char CODEGEN_UPDATE_PART_SYMBOL[];

/* train, update, predict, predict_dynamic for k = 0 .. 3. */
ir_function *codegen_kernel_function(ir_program *p, int k);

long codegen_element_count(const ir_node *n);

/* Ops computed element by element from the same element of their operands
 * (or element 0 of a [1,1] operand): the ops that fuse. */
bool codegen_is_pointwise(ir_opcode op);

/* Turn an LLVM error into "<what>: <LLVM's message>" in `error`, consuming it. */
void codegen_error_message(LLVMErrorRef failure, const char *what,
                           char *error, size_t error_size);

#endif
