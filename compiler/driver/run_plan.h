/*
 * plan.h — what a run will need, estimated from the lowered program before
 * anything is allocated: memory (the buffer table, values code generation
 * materialises, the data) and time (floating-point operations per epoch at
 * a nominal rate). `sasc check --plan` prints it; `sasc run` refuses a run
 * whose memory estimate exceeds what the process may use.
 */
#ifndef SASC_PLAN_H
#define SASC_PLAN_H

#include <stdbool.h>
#include <stdio.h>

#include "compiler/ir/ir.h"
#include "compiler/check/model.h"

/* The nominal speed the time estimate assumes unless the machine's speed is
 * measured (plan_measure_speed); a real run differs with the machine,
 * threads and the shapes (small layers run far below it). */
#define PLAN_NOMINAL_FLOPS 10e9

typedef struct {
    double buffer_bytes;        /* the whole buffer table the runtime allocates */
    double parameter_bytes;     /* of which the learned parameters (pi, m, Xi) */
    double working_bytes;       /* products and row-wise values codegen materialises (upper estimate) */
    double data_bytes;          /* images and labels held in memory, plus per-image tables */
    double blas_bytes;          /* the BLAS work buffer, counted under an address-space limit */
    double total_bytes;
    long train_images, test_images;
    bool train_assumed, test_assumed;  /* "all": the Fashion-MNIST sizes are assumed */
    long steps_per_epoch, test_batches;
    double train_step_flops;    /* train + update kernels, one mini-batch */
    double predict_flops;       /* predict kernel, one mini-batch */
    double epoch_flops, total_flops;
    double flops_per_second;    /* PLAN_NOMINAL_FLOPS, or measured (plan_measure_speed) */
    bool measured;
    double seconds;             /* total_flops / flops_per_second */
} run_plan;

void plan_estimate(const ir_program *p, const sasc_task *task, run_plan *out);

/* Time the program's largest matrix product (of `train`, else `predict`) on
 * this machine with the task's threads, for about 50 ms, and base the time
 * estimate on that speed instead of the nominal one. Products are most of a
 * run's operations, so this is close for large layers and optimistic for
 * small ones (elementwise work and per-step overheads are not timed). */
void plan_measure_speed(const ir_program *p, const sasc_task *task, run_plan *plan);

/* A few labelled lines, every number marked as an estimate. */
void plan_print(const run_plan *plan, const ir_program *p, const sasc_task *task, FILE *out);

/* False with one sentence in `error` when the run cannot fit in memory. */
bool plan_check_memory(const run_plan *plan, char *error, size_t error_size);

/* Estimate, then check memory: what `sasc run` does before compiling. */
bool plan_check_task(const ir_program *p, const sasc_task *task, char *error, size_t error_size);

/* `sasc check --plan`: lower every task of `file` (each model with the
 * default settings when the file has no task) and print its plan. Returns
 * false after printing the reason when a task cannot be lowered. */
bool plan_report_file(const checked_file *file, FILE *out, char *error, size_t error_size);

#endif
