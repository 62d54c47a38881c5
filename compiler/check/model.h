/*
 * model.h — a checked .sas file: what semantic analysis produces and every
 * later stage (IR construction, code generation, the driver) consumes.
 *
 * Invariants once sema_check() has succeeded:
 *  - every model has >= 1 layer; layer i reads the model input (source -1) or
 *    an earlier layer (source < i); widths >= 1; fan_in equals the source width;
 *  - every layer has its kind (compiler/check/layer_kind.h) and the timing
 *    its kind's declarations give it (reads_sequence, at_last, per_step);
 *    a model has a time axis (steps >= 1) exactly when one of its kinds
 *    carries state, and its input is then a sequence of `steps` blocks;
 *  - the last layer is the output; its width is `classes`;
 *  - initial values are in range: pi in [0,1], variances >= 0, uniform lo <= hi;
 *  - identity initialisation only on square groups (fan_in == width);
 *  - a model has a loss unless none of its groups is trained by gradient;
 *  - every task names an existing model and its settings passed sasc_task_set().
 */
#ifndef SASC_MODEL_H
#define SASC_MODEL_H

#include <stdbool.h>
#include "runtime/sasc_runtime.h"
#include "runtime/settings/task.h"
#include "grammar/diagnostics.h"
#include "compiler/check/layer_kind.h"

typedef enum { LOSS_CROSS_ENTROPY, LOSS_MEAN_SQUARED_ERROR, LOSS_NONE } loss_kind;

/* The prior of one hyper-parameter (pi, m or Xi) of a connection group. */
typedef struct {
    sasc_init init;
    bool frozen;
} parameter_prior;

/* One connection group of a layer: kind->groups[g] of its layer. */
typedef struct {
    int fan_in;                   /* rows: the source's width, or the layer's for a square group */
    parameter_prior prior[3];     /* indexed by sasc_parameter: SASC_PI, SASC_M, SASC_XI */
    sasc_mask mask;               /* kind SASC_MASK_NONE when every connection may exist */
} group_spec;

typedef struct layer_spec {
    char *name;
    source_location location;
    const layer_kind *kind;
    int source;                   /* -1: the model input; else an earlier layer */
    int fan_in, width;
    activation_kind activation;
    bool fan_in_scaling;          /* multiply the mean by 1/sqrt(fan_in), the variance by 1/fan_in */
    /* timing */
    bool reads_sequence;          /* its source has a value at every time step */
    bool at_last;                 /* it reads only the source's last step (`at = last`) */
    bool per_step;                /* it has a value at every step: reads_sequence && !at_last */
    group_spec group[LAYER_MAX_GROUPS];      /* kind->group_count of them */
    double setting[LAYER_MAX_SETTINGS];      /* kind->settings[k]'s value (not EXPRESSION ones) */
    void *data;                   /* what the kind's check hook parsed, or NULL (kind->free_data) */
} layer_spec;

typedef struct {
    char *name;
    source_location location;
    char *input_name;
    int input_width;              /* per step in a model with a time axis */
    layer_spec *layers;
    int layer_count;
    int classes;                  /* width of the last layer */
    int steps;                    /* T of the time axis; 0: the model has none */
    int test_steps;               /* T of the predict kernels (test trials); 0: the same as steps */
    loss_kind loss;
    double l2_m, l2_xi;           /* loss += l2_m * sum m^2 + l2_xi * sum Xi^2 (over unfrozen groups) */
} model_spec;

typedef struct {
    sasc_task settings;
    source_location location;
    int model;                    /* index into the file's models */
} task_spec;

/* A `trials NAME {...}` declaration compiled into the runtime's table
 * (sasc_runtime.h, sasc_trials); every array and string it points to is
 * owned here (checked_file_free). */
typedef struct {
    sasc_trials table;
    source_location location;     /* the name */
    double dt;                    /* ms per step */
    int steps[SASC_TRIAL_SPLITS][2];   /* the shortest and longest trial of each split, in steps */
} trials_spec;

typedef struct {
    char *path;
    char *source_text;
    sasc_constants constants;     /* the values used (overrides applied); every task carries them */
    trials_spec *trials;          /* the file's trials declarations */
    int trials_count;
    model_spec *models;
    int model_count;
    task_spec *tasks;
    int task_count;
} checked_file;

void checked_file_free(checked_file *file);

/* A layer's own setting by key (its kind declares it); asserts it exists.
 * For code that builds layer specs without the front end (tests). */
void layer_spec_set(layer_spec *layer, const char *key, double value);
double layer_spec_get(const layer_spec *layer, const char *key);

/* The trials declaration `name`, or NULL. */
const trials_spec *checked_file_trials(const checked_file *file, const char *name);

/* The test_steps of a model's predict kernels: test_steps, or steps. */
int model_test_steps(const model_spec *model);

#endif
