/*
 * train.h — running a task on a compiled program: load data, initialise the
 * ensemble, train for the task's epochs, evaluate, and write results.
 *
 * Used by `sasc run` (kernels from the JIT) and by standalone executables
 * (kernels from an object file) alike, so both produce the same bytes.
 */
#ifndef SASC_TRAIN_H
#define SASC_TRAIN_H

#include "runtime/sasc_runtime.h"
#include "runtime/settings/task.h"
#include "runtime/support/transport.h"

typedef struct {
    const char *model_file;      /* path of the .sas file, for run.json */
    const char *source_text;     /* its text, copied into the run directory as model.sas; may be NULL */
    const char *compiler;        /* e.g. "sasc 0.1.0 (LLVM 19.1.7)" */
    double compile_seconds;      /* parse + check + JIT time, for run.json */
    bool resume;                 /* continue from the checkpoint in the task's out directory */
    bool force;                  /* replace another run in the out directory (run_directory.h) */
    sasc_transport *ranks;       /* the ranks that train this model together (transport.h), e.g.
                                    a sweep's group; NULL: the ranks this process was launched
                                    among (MPI_COMM_WORLD under mpirun, else itself alone;
                                    the program's main ends MPI: sasc_transport_finalize) */
} sasc_run_info;

/* Exit codes shared by the whole tool (GNU style). */
enum { SASC_EXIT_OK = 0, SASC_EXIT_USER_ERROR = 1, SASC_EXIT_INTERNAL_ERROR = 2 };

/* Run `task` with `program`. Messages go to stderr ("sasc: error: ..."),
 * progress to stderr (a live line on a terminal, plain lines otherwise).
 * Returns one of the exit codes above. */
int sasc_run_task(const sasc_program *program, const sasc_task *task, const sasc_run_info *info);

#endif
