/*
 * analyze.h — `sasc analyze RUN_DIR WHAT`: the analyses of the registry
 * (runtime/analyses/registry.h) named in WHAT, run on the ensemble a
 * finished run saved, through a session (session.h) on its test split; the
 * train_size analysis trains through this host, so the analyses never call
 * the training loop themselves.
 */
#ifndef SASC_ANALYZE_H
#define SASC_ANALYZE_H

#include "runtime/sasc_runtime.h"
#include "runtime/settings/task.h"
#include "runtime/train/train.h"

/* The analyses in `what` (a comma list; `all` for those the registry marks)
 * on the run saved in `run_dir`, written into task->out. `info` serves the
 * runs train_size trains. Messages on stderr; returns an exit code of
 * train.h (a failed run's own code when train_size's run fails). */
int sasc_analyze_run(const sasc_program *program, const sasc_task *task, const char *run_dir,
                     const char *what, const sasc_run_info *info);

#endif
