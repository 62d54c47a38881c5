/*
 * dynamic.h — the network resampled at every time step (the "dynamic
 * network" of gBPTT, Sec. III A and Figs. 9, 18): concrete weights W(t),
 * drawn afresh at each step from the learnt spike-and-slab distributions,
 * run by a recurrent program's `predict_dynamic` kernel, which reads them
 * from the STEP_WEIGHTS buffers (block t = the weights of step t).
 *
 * Three ways of filling those buffers make three networks that the same
 * kernel runs on the same test trials and noise:
 *   mean field   every block mu = (1 - pi) m: the mean-field network with
 *                eps = 0 (the variance term vanishes);
 *   sampled      every block the weights of sampled network k (draw k of
 *                sampling.h: the same network as in `sasc eval` and the
 *                sampled accuracies), the "quenched" network;
 *   dynamic      block t of dynamic network k holds draw k T + t, T the
 *                buffer's blocks (the test sequence length). Dynamic network
 *                0 at step t is draw t, whose zero fraction and eta the
 *                dynamics analysis reports at step t + 1.
 * Groups without a STEP_WEIGHTS buffer are deterministic and read m.
 * Everything follows from the seed.
 */
#ifndef SASC_DYNAMIC_H
#define SASC_DYNAMIC_H

#include "runtime/ensemble/sampling.h"
#include "runtime/sasc_runtime.h"
#include "runtime/settings/task.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { SASC_STEP_MEAN_FIELD, SASC_STEP_SAMPLED, SASC_STEP_DYNAMIC } sasc_step_weights;

/* `program` with its predict kernel replaced by predict_dynamic, so that a
 * test pass of it (a sasc_session opened on it) runs the network in the
 * STEP_WEIGHTS buffers. Its kernel table is `kernels` (the caller's, which
 * must outlive it). Only for programs that have a predict_dynamic kernel. */
sasc_program sasc_dynamic_program(const sasc_program *program, sasc_kernel_desc kernels[SASC_KERNEL_ROLE_COUNT]);

/* Fill every STEP_WEIGHTS buffer with network `network` of kind `kind` from
 * the parameters in `copy`; `scratch` holds the largest layer's connections. */
void sasc_dynamic_fill(const sasc_program *program, void *const *buffers,
                       const sasc_parameter_copy *copy, uint64_t seed, sasc_step_weights kind,
                       uint64_t network, double *scratch);

/* Test accuracy of `count` networks of `kind` (numbers first, first + 1,
 * ...; the number is ignored for the mean field), `accuracy(context)`
 * evaluating the network in `buffers` with predict_dynamic: their mean and
 * sample standard deviation, and each value when `each` is not NULL. */
bool sasc_step_networks_accuracy(const sasc_program *program, void *const *buffers,
                                 const sasc_parameter_copy *copy, uint64_t seed,
                                 sasc_step_weights kind, uint64_t first, int count,
                                 sasc_accuracy_fn accuracy, void *context, double *mean, double *sd,
                                 double *each, char *error, size_t error_size);

/* Test accuracies of the mean-field network, of task->sampled_networks
 * sampled and task->dynamic_networks dynamic networks: `accuracy(context)`
 * evaluates the network in `buffers` with predict_dynamic. sampled[k] and
 * dynamic[k] receive each network's accuracy (arrays of the counts). */
typedef struct {
    double mean_field;
    double sampled_mean, sampled_sd;
    double dynamic_mean, dynamic_sd;
} sasc_dynamic_accuracies;

bool sasc_dynamic_accuracy(const sasc_program *program, void *const *buffers,
                           const sasc_parameter_copy *copy, const sasc_task *task,
                           sasc_accuracy_fn accuracy, void *context, sasc_dynamic_accuracies *out,
                           double *sampled, double *dynamic, char *error, size_t error_size);

#endif
