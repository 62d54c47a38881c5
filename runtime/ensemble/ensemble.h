/*
 * ensemble.h — a trained ensemble loaded from a run directory, for
 * inference: the mean-field network or networks sampled from it.
 *
 * An ensemble is a compiled program (sasc_runtime.h: from the JIT, or from
 * an object built by `sasc build`) with the parameters, masks and optimiser
 * state of a run's last checkpoint (checkpoint.h), which every run writes.
 *
 * A sampled network draws every weight once from its spike-and-slab
 * distribution, w = 0 with probability pi and N(m, Xi) otherwise, keyed by
 * (seed, sample) — sampling.h's draw number `sample` — and evaluates the
 * resulting deterministic network; the mean-field network is the
 * ensemble's prediction with all noise zero.
 */
#ifndef SASC_ENSEMBLE_H
#define SASC_ENSEMBLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/sasc_runtime.h"

typedef struct sasc_ensemble sasc_ensemble;

/* Predict with the mean-field network. */
#define SASC_MEAN_FIELD (-1L)

/* NULL with one sentence in `error` on failure (missing or misshapen files). */
sasc_ensemble *sasc_ensemble_load(const sasc_program *program, const char *run_dir,
                                  char *error, size_t error_size);
void sasc_ensemble_free(sasc_ensemble *ensemble);

int sasc_ensemble_input_width(const sasc_ensemble *ensemble);
int sasc_ensemble_classes(const sasc_ensemble *ensemble);

/* Class probabilities of `count` samples: `inputs` holds count rows of
 * input_width values (pixels scaled to [0, 1]; a model that reads steps
 * gets value k as input k % inputs of step k / inputs, as in training,
 * runtime/data/source.h), `probabilities` receives
 * count rows of `classes` values. `network` is SASC_MEAN_FIELD or the index
 * (>= 0) of a network sampled with `seed`. */
bool sasc_ensemble_predict(sasc_ensemble *ensemble, const double *inputs, long count,
                           long network, uint64_t seed, double *probabilities,
                           char *error, size_t error_size);

#endif
