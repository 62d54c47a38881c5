/*
 * information_plane.c — the information of a neurashed level (see
 * information_plane.h).
 */
#include "runtime/neurashed/information_plane.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void sasc_neurashed_information_settings_default(sasc_neurashed_information_settings *settings)
{
    *settings = (sasc_neurashed_information_settings){
        .representation = SASC_NEURASHED_REPRESENT_AMPLIFICATION,
        .normalisation = SASC_NEURASHED_NORMALISE_DIVISIVE, .constant = 1.0, .noise = 0.01};
    sasc_information_settings_default(&settings->estimator);
}

/* The raw value of node n for a pathway `fire` with scores `scores`. */
static double raw_value(const sasc_neurashed_state *state, sasc_neurashed_representation r,
                        int n, const unsigned char *fire, const double *scores)
{
    switch (r) {
    case SASC_NEURASHED_REPRESENT_AMPLIFICATION:
        return fire[n] ? state->lambda[n] : 0.0;
    case SASC_NEURASHED_REPRESENT_FIRING:
        return fire[n];
    default:
        return scores[n];
    }
}

static void normalise(double *means, int patterns, int width,
                      const sasc_neurashed_information_settings *s)
{
    if (s->normalisation == SASC_NEURASHED_NORMALISE_LEVEL_MAX) {
        double top = 0;
        for (int i = 0; i < patterns * width; i++)
            top = fmax(top, means[i]);
        for (int i = 0; top > 0 && i < patterns * width; i++)
            means[i] /= top;
    } else if (s->normalisation == SASC_NEURASHED_NORMALISE_DIVISIVE) {
        for (int p = 0; p < patterns; p++) {
            double total = s->constant;
            for (int k = 0; k < width; k++)
                total += means[p * width + k];
            for (int k = 0; k < width; k++)
                means[p * width + k] /= total;
        }
    }
}

bool sasc_neurashed_representation_of(const sasc_neurashed_trainer *trainer,
                                      const sasc_neurashed_state *state, int level,
                                      const sasc_neurashed_information_settings *settings,
                                      double *means)
{
    const sasc_neurashed_model *m = trainer->model;
    int first = m->level_start[level], width = m->level_start[level + 1] - first;
    int patterns = trainer->patterns->count;
    double *scores = malloc((size_t)m->node_count * sizeof(double));
    if (!scores)
        return false;
    for (int p = 0; p < patterns; p++) {
        const unsigned char *fire = trainer->pathways + (size_t)p * (size_t)m->node_count;
        sasc_neurashed_scores(m, state, fire, scores);
        for (int k = 0; k < width; k++)
            means[p * width + k] = raw_value(state, settings->representation, m->order[first + k],
                                             fire, scores);
    }
    free(scores);
    normalise(means, patterns, width, settings);
    return true;
}

static bool all_finite(const double *values, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(values[i]))
            return false;
    return true;
}

static bool check_settings(const sasc_neurashed_model *m, int level,
                           const sasc_neurashed_information_settings *s, char *error,
                           size_t error_size)
{
    if (level < 0 || level >= m->levels - 1) {
        snprintf(error, error_size, "level %d has no representation to measure; the levels below "
                 "the classes are 0 to %d", level, m->levels - 2);
        return false;
    }
    if (!isfinite(s->noise) || !(s->noise > 0)) {
        snprintf(error, error_size, "the noise added to a level must be finite and > 0, not %g",
                 s->noise);
        return false;
    }
    if (s->normalisation == SASC_NEURASHED_NORMALISE_DIVISIVE &&
        (!isfinite(s->constant) || !(s->constant > 0))) {
        snprintf(error, error_size, "the constant of divisive normalisation must be finite and "
                 "> 0, not %g", s->constant);
        return false;
    }
    return true;
}

bool sasc_neurashed_information(const sasc_neurashed_trainer *trainer,
                                const sasc_neurashed_state *state, int level,
                                const sasc_neurashed_information_settings *settings,
                                sasc_information_estimate *about_input,
                                sasc_information_estimate *about_label, char *error,
                                size_t error_size)
{
    const sasc_neurashed_model *m = trainer->model;
    if (!check_settings(m, level, settings, error, error_size))
        return false;
    int width = m->level_start[level + 1] - m->level_start[level];
    int patterns = trainer->patterns->count;
    double *means = malloc((size_t)patterns * (size_t)width * sizeof(double));
    double *weights = malloc((size_t)patterns * sizeof(double));
    int *labels = malloc((size_t)patterns * sizeof(int));
    bool ok = means && weights && labels &&
              sasc_neurashed_representation_of(trainer, state, level, settings, means);
    if (!ok) {
        snprintf(error, error_size, "out of memory for the representation of level %d", level);
    } else if (!all_finite(means, (size_t)patterns * (size_t)width)) {
        snprintf(error, error_size, "level %d's representation is not finite after %ld updates: "
                 "the amplification factors have grown beyond the double range", level,
                 state->iteration);
        ok = false;
    } else {
        for (int p = 0; p < patterns; p++) {
            weights[p] = trainer->patterns->items[p].frequency;
            labels[p] = trainer->patterns->items[p].label;
        }
        sasc_gaussian_mixture mixture = {(size_t)patterns, (size_t)width, means, NULL,
                                         settings->noise * settings->noise, weights, labels,
                                         m->classes};
        ok = sasc_information_compute(&mixture, &settings->estimator, about_input, about_label,
                                      error, error_size);
    }
    free(means);
    free(weights);
    free(labels);
    return ok;
}
