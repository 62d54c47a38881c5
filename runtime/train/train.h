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
#include "runtime/settings/embedded.h"
#include "runtime/settings/task.h"

typedef struct {
    const char *model_file;      /* path of the .sas file, for run.json */
    const char *source_text;     /* its text, copied into the run directory as model.sas; may be NULL */
    const char *compiler;        /* e.g. "sasc 0.1.0 (LLVM 19.1.7)" */
    double compile_seconds;      /* parse + check + JIT time, for run.json */
    bool resume;                 /* continue from the checkpoint in the task's out directory */
    bool force;                  /* replace another run in the out directory (run_directory.h) */
    const sasc_embedded_file *mask_files;   /* a built program's masks (initialize.h), or NULL */
    int mask_file_count;
} sasc_run_info;

/* Exit codes shared by the whole tool (GNU style). */
enum { SASC_EXIT_OK = 0, SASC_EXIT_USER_ERROR = 1, SASC_EXIT_INTERNAL_ERROR = 2 };

/* Run `task` with `program`. Messages go to stderr ("sasc: error: ..."),
 * progress to stderr (a live line on a terminal, plain lines otherwise).
 * Returns one of the exit codes above. */
int sasc_run_task(const sasc_program *program, const sasc_task *task, const sasc_run_info *info);

/* A saved ensemble ready to evaluate, without training: the program's
 * buffers initialised (masks included), the parameters read from
 * PARAMETER_DIR/NAME.npy, and the task's test set loaded. */
typedef struct sasc_session sasc_session;
sasc_session *sasc_session_open(const sasc_program *program, const sasc_task *task,
                                const char *parameter_dir, char *error, size_t error_size);
void *const *sasc_session_buffers(sasc_session *session);
/* Test accuracy of the network in the buffers (mean-field predict, noise
 * zero); a sasc_accuracy_fn with the session as context. */
double sasc_session_accuracy(void *session);
/* One mean-field pass of `predict` over the test set, exactly the trials
 * and noise of sasc_session_accuracy; after each batch `visit` gets the
 * buffers and the labels of the batch's first `rows` rows (the valid ones). */
typedef void (*sasc_test_batch_fn)(void *context, void *const *buffers, const int *labels, int rows);
bool sasc_session_test_pass(sasc_session *session, sasc_test_batch_fn visit, void *context,
                            char *error, size_t error_size);
void sasc_session_close(sasc_session *session);

#endif
