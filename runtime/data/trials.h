/*
 * trials.h — trial-structured tasks declared in the language (`trials NAME
 * { ... }`, docs/language.md), as a data source: `data = trials(NAME)`.
 *
 * The checker compiles the declaration into a sasc_trials table
 * (sasc_runtime.h) that travels with the program (sasc_program.trials), so
 * a standalone program from `sasc build` carries its task. This file draws
 * and lays out trials from that table alone.
 *
 * Trials. Training trial k draws, from (seed, k) alone, its variables in
 * declaration order and then the periods' drawn durations: uniform numbers
 * u_0, u_1, ... of the counter-based generator (stream SASC_STREAM_TASK 0,
 * counter k * ceil(n / 2), n the draws per trial); a variable of L levels
 * takes level floor(u L), a uniform one low + u (high - low), a duration
 * from a to b steps a + floor(u (b - a + 1)). Test trial k enumerates every
 * combination of the level variables in turn, the last declared varying
 * fastest (an odometer), so each combination gets the same number of test
 * trials, and draws the rest as training trials do (stream 1). Noise term j
 * of the inputs at step t of trial k of split s is normal number t *
 * noise_count + j of stream (SASC_STREAM_TASK, 2 + s, k).
 *
 * Steps. A training trial lasts as many steps as the program's TARGET holds
 * per sample, a test trial as many as its INPUT; the periods follow one
 * another and the last runs to the end. Inputs of every trial; targets and
 * the loss mask of training trials (test passes score labels, not targets).
 *
 * Metrics: the test accuracy per named level (test_accuracy_LEVEL).
 */
#ifndef SASC_DATA_TRIALS_H
#define SASC_DATA_TRIALS_H

#include "runtime/sasc_runtime.h"

#include <stdbool.h>

/* The value of expression `e` of `t` for a trial whose variables are
 * `values`, at a step whose noise numbers are `noise` (NULL outside
 * inputs). */
double sasc_trials_evaluate(const sasc_trials *t, int e, const double *values, const double *noise);

/* Whether the test trials of `t` are the MSI conditions in the MSI
 * generator's order (runtime/data/msi.h: sasc_msi_test_modality / _rate):
 * a variable `rate` of levels 9 .. 16 then a variable `modality` of the
 * named levels visual, auditory, multisensory, and two classes. The MSI
 * analyses (psychometric, selectivity by modality) rely on that order. */
bool sasc_trials_msi_conditions(const sasc_trials *t);

#endif
