/*
 * patterns.h — the data of a neurashed task: firing patterns of the first
 * level, each with its class and frequency, drawn per sample from the seed.
 *
 * A pattern is an input type: the set of first-level nodes an input of that
 * type switches on, and its label. Its frequency is a relative weight (> 0):
 * a sample is pattern p with probability frequency_p / sum of frequencies, so
 * a class's frequency is the sum of its patterns'. Sample s of iteration t
 * (both from 0) is picked by uniform number s of the Philox stream
 * SASC_STREAM_NEURASHED_DATA (runtime/support/rng.h) counted from block
 * t * ceil(batch / 2), two uniforms per block. So the data of a run depend
 * on (seed, batch, t) only, never on what else was computed.
 */
#ifndef SASC_NEURASHED_PATTERNS_H
#define SASC_NEURASHED_PATTERNS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    int label;          /* class index: the rank of the class's top node among the top nodes */
    double frequency;   /* relative weight, > 0 */
    int *nodes;         /* the first-level nodes that fire (graph node indices), owned */
    int count;
} sasc_neurashed_pattern;

typedef struct {
    sasc_neurashed_pattern *items;
    int count, capacity;
} sasc_neurashed_patterns;

void sasc_neurashed_patterns_init(sasc_neurashed_patterns *set);
void sasc_neurashed_patterns_free(sasc_neurashed_patterns *set);

/* Append a pattern (`nodes` copied); its index, or -1 without memory.
 * Nothing is checked here: sasc_neurashed_validate does. */
int sasc_neurashed_add_pattern(sasc_neurashed_patterns *set, int label, double frequency,
                               const int *nodes, int count);

/* The `batch` patterns of iteration t under `seed`, into out[0 .. batch-1].
 * Frequencies must be valid (validated): finite, > 0. */
void sasc_neurashed_draw_batch(const sasc_neurashed_patterns *set, uint64_t seed, long iteration,
                               int batch, int *out);

#endif
