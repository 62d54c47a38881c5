/*
 * source.h — the data-source interface: where the samples a task trains and
 * is tested on come from.
 *
 * A task's `data` setting names a source. Each kind of source (a directory
 * of IDX files, the MSI trial generator, ...) is one file that defines a
 * sasc_data_kind and one line in the table of runtime/data/sources.c; the
 * training loop, `sasc eval` and `sasc analyze` see only this interface and
 * never ask which kind they hold.
 *
 * The contract. Every kind keeps these invariants; callers rely on nothing else.
 *
 *  1. Splits. A source holds a training and a test split (sasc_split) of
 *     sasc_data_count(source, split) samples, fixed once opened. A split the
 *     request marks SASC_DATA_UNUSED is empty (count 0) and its files are
 *     never opened, so a saved run is evaluated without its training data.
 *
 *  2. Determinism. Sample i of a split is a function of the files, the
 *     request's seed, the split and i alone: whatever order, batch, shard or
 *     thread asks for it, and whatever other splits or counts were asked
 *     for, it has the same inputs, targets, loss mask and label. So a resumed
 *     run, a saved-run analysis and `sasc eval` see exactly the samples
 *     training saw.
 *
 *  3. Batches. sasc_data_load_batch fills the INPUT, TARGET and (when the
 *     program has one) LOSS_MASK buffers of one batch completely: rows 0 ..
 *     rows - 1 get samples order[first + row] (or first + row without an
 *     order), every element of the rows beyond is zero (padding), and nothing
 *     an earlier batch left survives. It writes no other buffer and only
 *     reads the source, so shards load their own buffers concurrently.
 *
 *  4. Layout. Block t of INPUT (rows t batch .. (t + 1) batch - 1) holds
 *     step t of the batch's samples, one sample per row. A flat sample of n
 *     values (shape.sequence false: an image, a table row) is read row by row: value k is
 *     input k % inputs of step k / inputs, `inputs` the INPUT's columns
 *     (sasc_data_store_values), so a 28 x 28 image is one step of 784 inputs
 *     for a dense model and 28 steps of 28 for a row-by-row recurrent one. A
 *     sequence source (shape.sequence: MSI trials) writes its own steps,
 *     `shape.features` values each, for as many steps as the split's samples
 *     last (shape.steps; the rest of INPUT stays zero).
 *
 *  5. Targets. TARGET is one-hot of the sample's label (shape.targets
 *     SASC_TARGETS_CLASSES) or the sample's target values
 *     (SASC_TARGETS_VALUES), once per sample or per step
 *     (shape.targets_per_step). LOSS_MASK is 1 where a target counts in
 *     the loss and 0 elsewhere (padding rows included); a kind that does not
 *     set it (shape.loss_mask false) refuses programs that have one.
 *
 *  6. Labels. sasc_data_label is the sample's class in 0 .. classes - 1,
 *     what the largest OUTPUT is compared with for accuracy (for MSI the
 *     correct choice), or -1 for a sample without one (float targets).
 *
 *  7. Test noise. With shape.noisy_test the program's NOISE buffers are
 *     drawn for test batches as for training (the trials of a cognitive task
 *     are noisy); otherwise test passes run with all noise zero.
 *
 *  8. Test metrics. A kind may measure shape.metric_count numbers on a test
 *     pass (MSI: the accuracy per modality), named metric_names: reset
 *     before the pass, tallied after each test batch in order, read after.
 *
 *  9. Family. Analyses that read the conditions of test trials (the MSI
 *     psychometric curve) ask for a family of tasks, not a kind: a kind's
 *     family is its name unless its `family` says which family the
 *     program's samples follow (a declared trials task laid out as MSI's is
 *     "msi").
 *
 * 10. Errors. probe and open fail with one sentence naming the file,
 *     setting or model property at fault, and leave nothing allocated.
 *
 * 11. Scaling. A kind that reads stored inputs scales them as the task's
 *     input_scaling says (samples.h) and names what it applied in
 *     shape.scaling. Standardizing needs the training split's statistics,
 *     so it reads the training files even when that split is unused
 *     (contract 1's one exception), and a saved run's evaluation sees the
 *     inputs its training saw.
 */
#ifndef SASC_DATA_SOURCE_H
#define SASC_DATA_SOURCE_H

#include "runtime/sasc_runtime.h"
#include "runtime/settings/task.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { SASC_SPLIT_TRAIN, SASC_SPLIT_TEST, SASC_SPLITS } sasc_split;

/* A request's count for a split that is not needed. */
#define SASC_DATA_UNUSED (-1L)

enum { SASC_DATA_MAX_DIMS = 4 };

/* What to open. */
typedef struct {
    const char *data;                /* the task's `data` setting */
    long count[SASC_SPLITS];         /* the first n samples of each split; 0 = the kind's
                                        default (all of a file; MSI 4800 and 2400);
                                        SASC_DATA_UNUSED = the split is not needed */
    uint64_t seed;                   /* generated sources draw their samples from it */
    const sasc_trials *trials;       /* the program's declared trials (program->trials), or NULL */
    const sasc_task *task;           /* the task's data settings (input_scaling, CSV columns),
                                        or NULL: their defaults */
} sasc_data_request;

typedef enum { SASC_TARGETS_CLASSES, SASC_TARGETS_VALUES } sasc_target_kind;

/* What a source holds, known from its headers or its definition before any
 * sample is read (sasc_data_probe): enough to compare with a model before
 * compiling it. */
typedef struct {
    const char *kind;                /* the kind's name: "idx", "msi" */
    long count[SASC_SPLITS];         /* samples kept per split (0 for an unused split) */
    int sample_dims;                 /* one sample's input as stored, e.g. 2: 28 x 28 */
    long sample_shape[SASC_DATA_MAX_DIMS];
    bool sequence;                   /* samples are steps of `features` values (contract 4) */
    int features;                    /* values per step (sequence), else values per sample */
    int steps[SASC_SPLITS];          /* sequence: steps of a sample per split, 0 while they
                                        follow from the model (MSI: 1600 ms and 1800 ms
                                        in steps of the model's dt) */
    sasc_target_kind targets;
    int target_width;                /* TARGET values per target: the classes, or targets */
    int classes;                     /* labels are 0 .. classes - 1; 0 = checked only when
                                        the labels are read (IDX) */
    bool targets_per_step;           /* a target at every step (sequence sources) */
    bool loss_mask;                  /* the source sets LOSS_MASK (contract 5) */
    bool noisy_test;                 /* contract 7 */
    int metric_count;                /* contract 8 */
    const char *const *metric_names;
    const char *scaling;             /* how inputs were scaled (input_scaling as applied:
                                        "as_read", "unit", "standardize"), or NULL */
} sasc_data_shape;

/* Called after each batch of a pass over a split, in order: the batch's
 * buffers and the labels of its first `rows` rows (the valid ones). */
typedef void (*sasc_test_batch_fn)(void *context, void *const *buffers, const int *labels, int rows);

/* One kind of source. `state` is what open returned. */
typedef struct {
    const char *name;
    const char *summary;             /* which `data` values select it, for help and docs */
    /* Whether the `data` setting names this kind; sources.c tries the kinds
     * in table order, so the last may accept whatever the others refuse. */
    bool (*claims)(const char *data);
    /* The source's shape from headers alone (no sample read, no model). */
    bool (*probe)(const sasc_data_request *request, sasc_data_shape *shape, char *error,
                  size_t error_size);
    /* Read or generate the samples for `program`, checking that the program
     * can read them (input width, classes, steps, ...). */
    void *(*open)(const sasc_data_request *request, const sasc_program *program,
                  sasc_data_shape *shape, char *error, size_t error_size);
    void (*load_batch)(const void *state, const sasc_program *program, void *const *buffers,
                       sasc_split split, const size_t *order, long first, int rows);
    int (*label)(const void *state, sasc_split split, long sample);
    void (*close)(void *state);
    /* Contract 8; NULL when shape.metric_count is 0. */
    void (*metrics_reset)(void *state);
    void (*metrics_tally)(void *state, const sasc_program *program, void *const *buffers,
                          long first, int rows);
    void (*metrics_read)(const void *state, double *values);
    /* Contract 9; NULL: the family is the kind's name. */
    const char *(*family)(const sasc_program *program);
} sasc_data_kind;

typedef struct {
    const sasc_data_kind *kind;
    sasc_data_shape shape;
    void *state;
} sasc_data_source;

/* The kind the setting `data` names (never NULL: the table ends with a kind
 * that accepts any name). */
const sasc_data_kind *sasc_data_kind_of(const char *data);

/* The family (contract 9) of the samples `data` names for `program`. */
const char *sasc_data_family(const char *data, const sasc_program *program);

/* Every kind, in table order, for help and docs; `count` receives how many. */
const sasc_data_kind *const *sasc_data_kinds(int *count);

/* The shape of the source `request->data` names, without reading samples. */
bool sasc_data_probe(const sasc_data_request *request, sasc_data_shape *shape, char *error,
                     size_t error_size);

/* Open the source `request->data` names for `program`; NULL with `error` set. */
sasc_data_source *sasc_data_open(const sasc_data_request *request, const sasc_program *program,
                                 char *error, size_t error_size);
/* The same with the kind given, whatever `request->data` says (tests open the
 * reference MSI generator, which is in no table, this way). */
sasc_data_source *sasc_data_open_kind(const sasc_data_kind *kind, const sasc_data_request *request,
                                      const sasc_program *program, char *error, size_t error_size);
void sasc_data_close(sasc_data_source *source);

static inline long sasc_data_count(const sasc_data_source *source, sasc_split split)
{
    return source->shape.count[split];
}

/* Contracts 3 and 6. */
void sasc_data_load_batch(const sasc_data_source *source, const sasc_program *program,
                          void *const *buffers, sasc_split split, const size_t *order, long first,
                          int rows);
int sasc_data_label(const sasc_data_source *source, sasc_split split, long sample);

/* Contract 8; nothing for a source without metrics. */
void sasc_data_metrics_reset(sasc_data_source *source);
void sasc_data_metrics_tally(sasc_data_source *source, const sasc_program *program,
                             void *const *buffers, long first, int rows);
void sasc_data_metrics_read(const sasc_data_source *source, double *values);

/* ---- for implementations ---- */

/* Buffer `role` of the program (the first), or -1. */
int sasc_data_find_buffer(const sasc_program *program, sasc_buffer_role role);

/* Zero INPUT, TARGET and LOSS_MASK of `buffers` (contract 3's padding). */
void sasc_data_zero_batch(const sasc_program *program, void *const *buffers);

/* Row `row` of a flat sample of `n` values (contract 4), converted by
 * `table` from bytes (IDX pixels: byte / 255 as a table of 256 values of
 * the program's precision) or given as doubles (table NULL, `values`
 * doubles). The INPUT elements the sample does not cover are left alone. */
void sasc_data_store_values(const sasc_program *program, void *const *buffers, int row,
                            const void *values, const void *table, size_t n);

/* The same for `n` floats (sample sets stored as floats, samples.h). */
void sasc_data_store_floats(const sasc_program *program, void *const *buffers, int row,
                            const float *values, size_t n);

/* TARGET row `row` one-hot of `label` (contract 5; the row must be zero). */
void sasc_data_store_one_hot(const sasc_program *program, void *const *buffers, int row,
                             int label);

#endif
