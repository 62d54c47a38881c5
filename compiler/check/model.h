/*
 * model.h — a checked .sas file: what semantic analysis produces and every
 * later stage (IR construction, code generation, the driver) consumes.
 *
 * Invariants once sema_check() has succeeded:
 *  - every model has >= 1 layer; layer i reads the model input (source -1) or
 *    an earlier layer (source < i); widths >= 1; fan_in equals the source width;
 *  - the last layer is the output; its width is `classes`;
 *  - initial values are in range: pi in [0,1], variances >= 0, uniform lo <= hi;
 *  - identity initialisation only on square groups (fan_in == width);
 *  - every task names an existing model and its settings passed sasc_task_set().
 */
#ifndef SASC_MODEL_H
#define SASC_MODEL_H

#include <stdbool.h>
#include "runtime/sasc_runtime.h"
#include "runtime/settings/task.h"
#include "grammar/diagnostics.h"

typedef enum {
    ACTIVATION_IDENTITY, ACTIVATION_RELU, ACTIVATION_TANH,
    ACTIVATION_SIGMOID, ACTIVATION_SOFTMAX
} activation_kind;

typedef enum { LOSS_CROSS_ENTROPY, LOSS_MEAN_SQUARED_ERROR } loss_kind;

/* dense: feedforward; recurrent: a rate network over `steps` steps reading
 * the input; readout: the output of a recurrent layer (gBPTT paper Eq. 1). */
typedef enum { LAYER_DENSE = 0, LAYER_RECURRENT, LAYER_READOUT } layer_kind;

/* The prior of one hyper-parameter (pi, m or Xi) of a connection group. */
typedef struct {
    sasc_init init;
    bool frozen;
} parameter_prior;

typedef struct {
    char *name;
    source_location location;
    int source;                   /* -1: the model input; else an earlier layer */
    int fan_in, width;
    activation_kind activation;
    bool fan_in_scaling;          /* multiply the mean by 1/sqrt(fan_in), the variance by 1/fan_in */
    parameter_prior prior[3];     /* indexed by sasc_parameter: SASC_PI, SASC_M, SASC_XI */
    sasc_mask mask;               /* kind SASC_MASK_NONE when every connection may exist */
    /* Recurrent layers (kind LAYER_RECURRENT): prior/mask above are the
     * recurrent group's (width x width), these the input group's. */
    layer_kind kind;
    int steps;                    /* T */
    int test_steps;               /* T of the predict kernel (test trials); 0: the same as steps */
    double alpha;                 /* leak dt / tau */
    double sigma, sigma_in;       /* recurrent and input noise strengths */
    double x0, h0;                /* input baseline; initial state of every unit */
    parameter_prior input_prior[3];
    sasc_mask input_mask;
    /* Readout layers: read at every step (true) or at the last one. */
    bool every_step;
} layer_spec;

typedef struct {
    char *name;
    source_location location;
    char *input_name;
    int input_width;
    layer_spec *layers;
    int layer_count;
    int classes;                  /* width of the last layer */
    loss_kind loss;
    double l2_m, l2_xi;           /* loss += l2_m * sum m^2 + l2_xi * sum Xi^2 (over unfrozen groups) */
} model_spec;

typedef struct {
    sasc_task settings;
    source_location location;
    int model;                    /* index into the file's models */
} task_spec;

typedef struct {
    char *path;
    char *source_text;
    model_spec *models;
    int model_count;
    task_spec *tasks;
    int task_count;
} checked_file;

void checked_file_free(checked_file *file);

#endif
