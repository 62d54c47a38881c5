/*
 * analyze.h — analyses of a trained ensemble (`sasc analyze RUN_DIR WHAT`,
 * or the task setting `analyze` after training). Each writes CSV (and .npy)
 * data and SVG figures into an output directory; docs/analyses.md lists them.
 *
 *   histograms    distributions of pi, m, Xi and of the connection entropy
 *                 per layer (gbp Figs. 3a-b)
 *   entropy       per-connection entropy, pi-part, Xi-part as LAYER.entropy*.npy;
 *                 per-layer sparsity, entropy, VIP/UIP fractions (gbp Figs.
 *                 2b inset, 3c, 4b) in layers.csv, printed as a table
 *   perturbation  test error of sampled networks as VIP weights are turned
 *                 off, the same number of random weights are turned off, and
 *                 UIP weights are turned on with N(0,1) values (gbp Fig. 4a)
 *   dynamics      recurrent (square) layers: fraction of zero weights and the
 *                 asymmetry eta of the network resampled at every time step,
 *                 along `dynamic_steps` steps (gbptt Figs. 9, 18), and the
 *                 test accuracy of `dynamic_networks` such networks next to
 *                 the mean-field and sampled networks' (runtime/ensemble/dynamic.h;
 *                 programs with predict_dynamic, from the run's saved
 *                 parameters); with
 *                 `histograms`, square layers also get heat maps of pi, m, Xi
 *                 (gbptt Figs. 6, 16)
 *   selectivity   (sasc analyze only) recurrent models: selectivity index of
 *                 every unit along time over the test set's classes (gbptt
 *                 Eq. 15, Figs. 8, 15; runtime/analyses/selectivity.h); MSI runs also
 *                 by modality and modality x choice (runtime/analyses/msi_selectivity.h)
 *   psychometric  (sasc analyze only) MSI runs: the psychometric function of
 *                 the saved network (gbptt Fig. 11; runtime/analyses/psychometric.h)
 *   train_size    (sasc analyze only) retrain with each size of `train_sizes`
 *                 and plot the test error (gbp Fig. 2b), sparsity and entropy
 *                 per layer (gbp Fig. 2b inset, Fig. 3c) against it
 */
#ifndef SASC_ANALYZE_H
#define SASC_ANALYZE_H

#include "runtime/ensemble/sampling.h"
#include "runtime/sasc_runtime.h"
#include "runtime/settings/task.h"
#include "runtime/train/train.h"

#include <stdbool.h>
#include <stddef.h>

/* Run the analyses named in the comma list `list` (histograms, entropy,
 * perturbation; an empty list runs none) on the ensemble in `buffers`,
 * writing into `out_dir`. The buffers hold the same parameters afterwards. */
bool sasc_analyze_list(const sasc_program *program, const sasc_task *task, void *const *buffers,
                       const char *list, const char *out_dir, sasc_accuracy_fn accuracy,
                       void *context, char *error, size_t error_size);

/* Check the task's `analyze` list and `perturb_layers` names before a run
 * starts, so that a typo does not surface only after training. */
bool sasc_analyze_check(const sasc_program *program, const sasc_task *task, char *error,
                        size_t error_size);

/* `sasc analyze`: the analyses in `what` (a comma list, also selectivity, train_size, or
 * "all" for histograms, entropy and perturbation) on the run saved in
 * `run_dir`, written into task->out. `info` serves the train_size runs.
 * Returns an exit code of train.h. */
int sasc_analyze_run(const sasc_program *program, const sasc_task *task, const char *run_dir,
                     const char *what, const sasc_run_info *info);

/* Fraction of zero weights and eta = mean(w_ij w_ji) / mean(w_ij^2) over the
 * reciprocal pairs i != j of the n x n matrix w (w_ij at w[j * n + i]). */
void sasc_reciprocity(const double *w, size_t n, double *zero_fraction, double *eta);

#endif
