/*
 * analysis.h — what a trained (or training) ensemble reveals, layer by
 * layer: sparsity, entropy (total, pi-part, Xi-part), the fractions of very
 * important (VIP) and unimportant (UIP) connections, and the accuracy of
 * networks sampled from it; and the record of these over training
 * (`analyze_every`), written as analysis.csv plus SVG figures next to
 * metrics.csv. docs/analyses.md describes every file.
 *
 * VIP / UIP (gbp PRL, Fig. 4; gbptt Fig. 17):
 *   strict rule:  VIP  pi <= tol and Xi <= tol   (the authors' code: pi == 0, Xi == 0)
 *   relaxed rule: VIP  pi < vip_pi_max and |m| > vip_m_min  (gbptt Fig. 17: 0.1, 0.05)
 *   either rule:  UIP  pi >= 1 - tol
 * tol = vip_tolerance, 0 by default: training clips pi to [0, 1] and Xi to
 * >= 0, so the exact values occur.
 */
#ifndef SASC_ANALYSIS_H
#define SASC_ANALYSIS_H

#include "runtime/data/source.h"
#include "runtime/ensemble/sampling.h"
#include "runtime/sasc_runtime.h"
#include "runtime/settings/task.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    SASC_CONNECTION_OTHER,
    SASC_CONNECTION_VIP,
    SASC_CONNECTION_UIP
} sasc_connection_class;

/* The class of one connection under the task's rule. */
sasc_connection_class sasc_classify_connection(const sasc_task *task, double pi, double m,
                                               double xi);

typedef struct {
    size_t connections;
    double sparsity;                       /* mean pi */
    double entropy, entropy_pi, entropy_xi;/* means per connection */
    double vip, uip;                       /* fractions of the connections */
    /* Square (recurrent) layers: mean pi of w_ij with i < j and with i > j,
     * w_ij the link from unit j to unit i (gbptt Fig. 3b "recurrent I, II");
     * NaN for other layers. */
    double sparsity_i_lt_j, sparsity_i_gt_j;
} sasc_layer_statistics;

/* The two triangle sparsities of a fan_in x width pi matrix (stored with
 * the source unit j as the row and the target i as the column); NaN unless
 * fan_in == width > 1. */
void sasc_triangle_sparsity(const double *pi, int fan_in, int width, double *i_lt_j,
                            double *i_gt_j);

/* Statistics of layer `layer` from its parameters (doubles, fan_in x width;
 * a NULL array counts as all zeros). Entropy by `formula` (gbp Eq. 8 or
 * gbptt Eq. 14, not AUTO) with the task's B and a, seed the task's seed;
 * `per_connection` (NULL or 3 arrays) receives the per-connection entropy
 * total, pi-part and Xi-part. */
bool sasc_layer_statistics_compute(const sasc_task *task, sasc_entropy_formula formula,
                                   const double *pi, const double *m, const double *xi, size_t n,
                                   sasc_layer_statistics *stats, double *const per_connection[3],
                                   char *error, size_t error_size);

/* sasc_layer_statistics_compute for layer `layer` of `program`, triangle
 * sparsities included, with the formula the task's entropy_formula means for
 * the program (sasc_entropy_formula_of_program). */
bool sasc_program_layer_statistics(const sasc_program *program, const sasc_task *task,
                                   const sasc_parameter_copy *copy, int layer,
                                   sasc_layer_statistics *stats, double *const per_connection[3],
                                   char *error, size_t error_size);

/* Statistics of every layer of the parameters in `copy`; stats has
 * program->group_count entries. */
bool sasc_network_statistics(const sasc_program *program, const sasc_task *task,
                             const sasc_parameter_copy *copy, sasc_layer_statistics *stats,
                             char *error, size_t error_size);

/* ---- during training ---- */

typedef struct sasc_analysis sasc_analysis;

/* Analyses for a run of `task` (writes into task->out). NULL with `error`
 * set when the task's `analyze` or `perturb_layers` names something unknown
 * or memory is short; a task with analyze_every = 0 still gets an object
 * whose epoch calls do nothing. */
sasc_analysis *sasc_analysis_open(const sasc_program *program, const sasc_task *task,
                                  const sasc_data_shape *data, char *error, size_t error_size);

/* A sasc_test_batch_fn with the analysis as context: the batches of the
 * test pass after each epoch, in order, which the analyses of every epoch
 * read (MSI runs: psychometric.csv and psychometric.svg). */
void sasc_analysis_test_batch(void *analysis, void *const *buffers, const int *labels, int rows);

/* Also measure, at every analysis epoch, the test accuracy of
 * task->dynamic_networks networks resampled at every time step
 * (runtime/ensemble/dynamic.h): `dynamic_accuracy(context)` evaluates the network in
 * the STEP_WEIGHTS buffers with predict_dynamic. Without this call, or for
 * a program without predict_dynamic, analysis.csv has no such columns. */
void sasc_analysis_set_dynamic(sasc_analysis *analysis, sasc_accuracy_fn dynamic_accuracy);

/* After epoch `epoch` (0-based) of training: when it is an analysis epoch
 * (every analyze_every-th, and the last), compute the statistics and the
 * sampled networks' accuracy, and rewrite analysis.csv and its figures.
 * `mean_field_accuracy` is the test accuracy train.c just measured. */
bool sasc_analysis_epoch(sasc_analysis *analysis, void *const *buffers, int epoch, bool last,
                         double mean_field_accuracy, sasc_accuracy_fn accuracy, void *context,
                         char *error, size_t error_size);

/* A resumed run: take over the rows of an existing analysis.csv for
 * epochs 1..epochs_done (the epochs the checkpoint holds), so the file
 * continues instead of restarting. A missing file, or one written for
 * another model, is not an error (it is replaced). */
bool sasc_analysis_restore(sasc_analysis *analysis, int epochs_done, char *error,
                           size_t error_size);

void sasc_analysis_close(sasc_analysis *analysis);

#endif
