/*
 * session.h — a saved run opened again without training: its ensemble in
 * the program's buffers and its task's test split, evaluated through the
 * very test pass of training (train.c), for `sasc eval` (evaluate.h) and
 * `sasc analyze` (analyze.h).
 */
#ifndef SASC_SESSION_H
#define SASC_SESSION_H

#include "runtime/analyses/registry.h"
#include "runtime/data/source.h"
#include "runtime/sasc_runtime.h"
#include "runtime/settings/task.h"

#include <stdbool.h>
#include <stddef.h>

/* Which saved parameters a session reads from its run directory. */
typedef enum {
    SASC_SESSION_PARAMETERS,   /* NAME.npy, or for a run stopped before writing them its checkpoint */
    SASC_SESSION_CHECKPOINT    /* the checkpoint (parameters and masks as last saved) */
} sasc_session_parameters;

/* A saved ensemble ready to evaluate, without training: the program's
 * buffers initialised (masks included), the parameters read from
 * `parameter_dir` as `from` says, and the test split of the task's data
 * source opened (the training split is not needed and not read). */
typedef struct sasc_session sasc_session;
sasc_session *sasc_session_open(const sasc_program *program, const sasc_task *task,
                                const char *parameter_dir, sasc_session_parameters from,
                                char *error, size_t error_size);
void *const *sasc_session_buffers(sasc_session *session);
/* Test accuracy of the network in the buffers: training's test pass
 * (mean-field predict; noise zero, or a noisy test source's noise); a
 * sasc_accuracy_fn with the session as context. */
double sasc_session_accuracy(void *session);
/* One mean-field pass of `predict` over the test set, exactly the trials
 * and noise of sasc_session_accuracy; after each batch `visit` gets the
 * buffers and the labels of the batch's first `rows` rows (the valid ones). */
bool sasc_session_test_pass(sasc_session *session, sasc_test_batch_fn visit, void *context,
                            char *error, size_t error_size);
/* What analyses reach of the session (registry.h): its accuracy, with
 * predict_dynamic when the program has it, and its test pass (no training). */
sasc_analysis_host sasc_session_host(sasc_session *session);
void sasc_session_close(sasc_session *session);

#endif
