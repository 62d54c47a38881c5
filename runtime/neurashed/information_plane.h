/*
 * information_plane.h — the information a neurashed level carries about the
 * input type and about the label (paper `neurashed.txt`, Fig. 4 and
 * appendix; docs/neurashed.md, "The information plane").
 *
 * The input types are the task's patterns (probability: their frequency),
 * each with its label. Level l represents pattern p by a deterministic vector
 * over the level's nodes (in the model's level order), normalised, and then
 * Gaussian noise of standard deviation `noise` is added to every coordinate
 * ("As with Shwartz-Ziv & Tishby (2017), noise is added"). That makes the
 * level a Gaussian mixture with one component per pattern, whose information
 * runtime/analyses/information.h computes.
 *
 * The paper states neither the representation nor the normalisation nor the
 * noise: each is a setting here.
 *   representation  AMPLIFICATION  lambda_F for firing nodes, 0 otherwise (the
 *                                  default: the appendix's account is in these
 *                                  terms, and only it caps level 2 at the
 *                                  appendix's log2 4 = 2 bits);
 *                   SCORES         the scores S_F (what the level sends upwards;
 *                                  they also carry lambda of the level below,
 *                                  which tells (1,2,7) from (2,3,7) apart: up to
 *                                  log2 8 = 3 bits on level 2);
 *                   FIRING         the 0/1 firing pattern (constant in training).
 *   normalisation   DIVISIVE       v_F / (c + sum_F' v_F') per input, c = `constant`
 *                                  (the default, c = 1: absolute while the level is
 *                                  weak, relative once it is strong; the only one
 *                                  of the three under which information both
 *                                  rises and falls);
 *                   LEVEL_MAX      v_F / the largest value of the level over all
 *                                  patterns (relative from the start);
 *                   NONE           v_F (raw scores grow without bound).
 */
#ifndef SASC_NEURASHED_INFORMATION_PLANE_H
#define SASC_NEURASHED_INFORMATION_PLANE_H

#include <stdbool.h>
#include <stddef.h>
#include "runtime/analyses/information.h"
#include "runtime/neurashed/update.h"

typedef enum {
    SASC_NEURASHED_REPRESENT_SCORES = 0,
    SASC_NEURASHED_REPRESENT_AMPLIFICATION,
    SASC_NEURASHED_REPRESENT_FIRING
} sasc_neurashed_representation;

typedef enum {
    SASC_NEURASHED_NORMALISE_DIVISIVE = 0,
    SASC_NEURASHED_NORMALISE_LEVEL_MAX,
    SASC_NEURASHED_NORMALISE_NONE
} sasc_neurashed_normalisation;

typedef struct {
    sasc_neurashed_representation representation;
    sasc_neurashed_normalisation normalisation;
    double constant;                     /* c of DIVISIVE, > 0 (default 1) */
    double noise;                        /* standard deviation of the added noise, > 0 (default
                                            0.01, the top of the appendix's initial range) */
    sasc_information_settings estimator;
} sasc_neurashed_information_settings;

/* The documented defaults (docs/neurashed.md). */
void sasc_neurashed_information_settings_default(sasc_neurashed_information_settings *settings);

/* The normalised representation of `level`: patterns x (nodes of the level)
 * values into `means`, row p for pattern p. False without memory. */
bool sasc_neurashed_representation_of(const sasc_neurashed_trainer *trainer,
                                      const sasc_neurashed_state *state, int level,
                                      const sasc_neurashed_information_settings *settings,
                                      double *means);

/* I(level; input type) and I(level; label), in bits. False with a sentence
 * in `error` on bad settings, a level outside [0, levels - 1) or no memory. */
bool sasc_neurashed_information(const sasc_neurashed_trainer *trainer,
                                const sasc_neurashed_state *state, int level,
                                const sasc_neurashed_information_settings *settings,
                                sasc_information_estimate *about_input,
                                sasc_information_estimate *about_label, char *error,
                                size_t error_size);

#endif
