/*
 * registry.h — the analyses of an ensemble, each one a part registered in
 * one table (registry.c), and the only way training and `sasc analyze`
 * reach them.
 *
 * An analysis (sasc_analysis_desc) states its name, what it needs of the
 * program and the data (group kinds, a layer with hidden states, a data
 * source kind), when it can run (after every epoch, at the analysis epochs
 * of `analyze_every`, after training when the task's `analyze` names it,
 * on a saved run when `sasc analyze RUN WHAT` names it) and what it writes.
 * The registry checks the names and the needs before anything runs (so a
 * typo or an analysis the model cannot have fails before training), runs
 * the analyses in table order, and generates `sasc help analyze` and the
 * error messages from the table; tests/analyses.sh checks the man page,
 * docs/analyses.md and the `analyze` setting's help against it.
 *
 * Analyses reach the network only through the host (sasc_analysis_host):
 * the test accuracy of whatever is in the buffers, a test pass, and, for
 * train_size, training. The training loop and saved runs (runtime/train/)
 * provide them, so this stage never includes the one that trains.
 *
 * Adding an analysis: one file defining `const sasc_analysis_desc
 * sasc_analysis_NAME`, one line in SASC_ANALYSIS_TABLE (registry.c), its
 * section in docs/analyses.md, its name in docs/sasc.1.
 */
#ifndef SASC_REGISTRY_H
#define SASC_REGISTRY_H

#include "runtime/data/source.h"
#include "runtime/ensemble/sampling.h"
#include "runtime/sasc_runtime.h"
#include "runtime/settings/task.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* When an analysis can run (a bit set). */
enum {
    SASC_EVERY_EPOCH = 1 << 0,       /* after every epoch, on the epoch's test pass */
    SASC_ANALYSIS_EPOCHS = 1 << 1,   /* every analyze_every-th epoch and the last */
    SASC_AFTER_TRAINING = 1 << 2,    /* named in the task's `analyze` list */
    SASC_ON_SAVED_RUN = 1 << 3       /* named in `sasc analyze RUN_DIR WHAT` */
};
#define SASC_DURING_TRAINING (SASC_EVERY_EPOCH | SASC_ANALYSIS_EPOCHS)

/* What an analysis needs of the program and its data. Analyses that run on
 * their own during training are skipped where a need is not met; named
 * ones are refused with a message that says which need. */
typedef struct {
    unsigned group_kinds;   /* at least one group of one of these kinds (bits 1 << sasc_group_kind) */
    bool states;            /* a layer with a STATE buffer: hidden states along time */
    const char *data;       /* the data-source kind ("msi"), or NULL for any */
    bool moments;           /* every layer's pre-activation moments (mean_field.h): no time axis */
} sasc_analysis_needs;

#define SASC_GROUP_BIT(kind) (1u << (kind))

/* What the caller provides: the training loop, or a session on a saved run. */
typedef struct {
    void *context;
    /* Test accuracy of the network now in the buffers (the run's test pass). */
    sasc_accuracy_fn accuracy;
    /* The same with predict_dynamic (the STEP_WEIGHTS network), or NULL. */
    sasc_accuracy_fn dynamic_accuracy;
    /* One test pass of the network in the buffers, every batch to `visit`. */
    bool (*test_pass)(void *context, sasc_test_batch_fn visit, void *visit_context, char *error,
                      size_t error_size);
    /* A run of `task` from scratch, into task->out; an exit code of train.h.
     * NULL where nothing can be trained (during training). */
    int (*train)(void *context, const sasc_task *task);
} sasc_analysis_host;

/* Everything an analysis sees. */
typedef struct {
    const sasc_program *program;
    const sasc_task *task;
    const char *data_kind;              /* the data family of task->data ("idx", "msi"; source.h contract 9) */
    void *const *buffers;               /* the ensemble; it holds the same parameters afterwards */
    const sasc_parameter_copy *copy;    /* its parameters as doubles (NULL during training) */
    const char *out;                    /* where the analysis writes */
    sasc_analysis_host host;
    char *error;
    size_t error_size;
} sasc_analysis_context;

typedef struct {
    const char *name;
    const char *summary;    /* for `sasc help analyze`: lines of at most 60 characters */
    const char *outputs;    /* the files it writes (GROUP, LAYER: their names) */
    unsigned when;          /* SASC_EVERY_EPOCH, ... */
    sasc_analysis_needs needs;
    bool in_all;            /* part of `sasc analyze RUN_DIR all` */
    /* Its settings checked before a run starts (NULL: none), whether or not it runs. */
    bool (*check)(const sasc_analysis_context *c);
    /* SASC_AFTER_TRAINING, SASC_ON_SAVED_RUN: run once. */
    bool (*run)(sasc_analysis_context *c);
    /* SASC_DURING_TRAINING: its state for the run (NULL with c->error set). */
    void *(*open)(const sasc_analysis_context *c);
    /* A resumed run: take over what epochs 1..epochs_done recorded (NULL: nothing). */
    bool (*restore)(void *state, const sasc_analysis_context *c, int epochs_done);
    /* SASC_EVERY_EPOCH: the batches of the epoch's test pass, in order (NULL: not read). */
    void (*test_batch)(void *state, void *const *buffers, const int *labels, int rows);
    /* After epoch `epoch` (0-based), when it is one of its epochs. */
    bool (*epoch)(void *state, sasc_analysis_context *c, int epoch, double mean_field_accuracy);
    void (*close)(void *state);
} sasc_analysis_desc;

/* Every analysis, in the order they run; `count` receives how many. */
const sasc_analysis_desc *const *sasc_analyses(int *count);
const sasc_analysis_desc *sasc_analysis_find(const char *name);

/* Whether `program` on the task data `data` meets `needs`; if not, one
 * sentence about analysis `name` in `error`. */
bool sasc_analysis_needs_met(const char *name, const sasc_analysis_needs *needs,
                             const sasc_program *program, const char *data, char *error,
                             size_t error_size);

/* ---- a training run ---- */

typedef struct sasc_training_analyses sasc_training_analyses;

/* Check the task's `analyze` list (names that run after training, whose
 * needs the program meets) and every analysis's settings, and open the
 * analyses that run during training and apply, on the ensemble in
 * `buffers` with the training loop's `host` (both kept for the run).
 * NULL with `error` set. */
sasc_training_analyses *sasc_training_analyses_open(const sasc_program *program,
                                                    const sasc_task *task, void *const *buffers,
                                                    const sasc_analysis_host *host, char *error,
                                                    size_t error_size);
/* A resumed run: the analyses take over what epochs 1..epochs_done recorded. */
bool sasc_training_analyses_restore(sasc_training_analyses *a, int epochs_done, char *error,
                                    size_t error_size);
/* A sasc_test_batch_fn (`a` the context) for the test pass after each epoch. */
void sasc_training_analyses_test_batch(void *a, void *const *buffers, const int *labels, int rows);
/* After epoch `epoch` (0-based; `last` for the run's last): the analyses of
 * every epoch and, at an analysis epoch, those of analysis epochs.
 * `mean_field_accuracy` is the epoch's test accuracy. */
bool sasc_training_analyses_epoch(sasc_training_analyses *a, int epoch, bool last,
                                  double mean_field_accuracy, char *error, size_t error_size);
/* After training: the task's `analyze` list, into task->out. */
bool sasc_training_analyses_after(sasc_training_analyses *a, char *error, size_t error_size);
void sasc_training_analyses_close(sasc_training_analyses *a);

/* ---- a saved run (sasc analyze RUN_DIR WHAT) ---- */

/* Check `what` (names that run on a saved run, or `all`) and the needs,
 * before anything is opened. */
bool sasc_saved_analyses_check(const sasc_program *program, const sasc_task *task,
                               const char *what, char *error, size_t error_size);
/* Check, then run them on the ensemble in `buffers`, writing into task->out. */
bool sasc_saved_analyses_run(const sasc_program *program, const sasc_task *task,
                             void *const *buffers, const sasc_analysis_host *host,
                             const char *what, char *error, size_t error_size);

/* ---- help ---- */

/* The names that run `when` (a SASC_* bit), joined by ", ", then `last`
 * (e.g. " or all"; may be ""), into `out`. */
void sasc_analysis_names(unsigned when, const char *last, char *out, size_t size);

/* The list of `sasc help analyze`: each analysis with its summary, grouped
 * by when it runs. */
void sasc_analyses_print_help(FILE *out);

/* `sasc help analyses`: every analysis with when it runs, what it needs and
 * what it writes, one block each (tests/analyses.sh reads it):
 *   NAME
 *     runs:   after every epoch, at analysis epochs, after training, on a saved run
 *     needs:  ...
 *     writes: ... */
void sasc_analyses_print_table(FILE *out);

/* ---- helpers for analyses ---- */

/* OUT/FILE into `path`. */
void sasc_analysis_path(const sasc_analysis_context *c, const char *file, char *path, size_t size);
/* "out of memory computing WHAT" into the context's error; returns false. */
bool sasc_analysis_oom(const sasc_analysis_context *c, const char *what);
/* Whether `name` is an item of the comma list `list`. */
bool sasc_list_contains(const char *list, const char *name);
/* Walk a comma list: the next item and its length; false at the end. */
bool sasc_list_next(const char **position, const char **item, size_t *length);

#endif
