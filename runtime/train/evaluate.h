/*
 * evaluate.h — `sasc eval RUN_DIR`: the test accuracy of a saved ensemble,
 * its mean-field network and networks sampled from it, on the test split
 * of the task's data source (source.h: any source, MSI trials included),
 * through the same test pass as training's (train.h, sasc_session).
 */
#ifndef SASC_EVALUATE_H
#define SASC_EVALUATE_H

#include "runtime/sasc_runtime.h"
#include "runtime/settings/task.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* The ensemble of the checkpoint in `run_dir` on task->test samples of
 * task->data: CSV on `out`, "network,test_accuracy", the mean field, then
 * task->sampled_networks networks sampled with task->seed (network k is
 * draw k - 1 of sampling.h) and their mean and standard deviation. */
bool sasc_evaluate_run(const sasc_program *program, const sasc_task *task, const char *run_dir,
                       FILE *out, char *error, size_t error_size);

#endif
