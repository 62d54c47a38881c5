/*
 * patterns.c — neurashed task data (see patterns.h).
 */
#include "runtime/neurashed/patterns.h"
#include "runtime/support/rng.h"

#include <stdlib.h>
#include <string.h>

void sasc_neurashed_patterns_init(sasc_neurashed_patterns *set)
{
    memset(set, 0, sizeof *set);
}

void sasc_neurashed_patterns_free(sasc_neurashed_patterns *set)
{
    for (int p = 0; p < set->count; p++)
        free(set->items[p].nodes);
    free(set->items);
    memset(set, 0, sizeof *set);
}

int sasc_neurashed_add_pattern(sasc_neurashed_patterns *set, int label, double frequency,
                               const int *nodes, int count)
{
    if (set->count == set->capacity) {
        int wanted = set->capacity ? 2 * set->capacity : 8;
        sasc_neurashed_pattern *bigger = realloc(set->items, (size_t)wanted * sizeof *bigger);
        if (!bigger)
            return -1;
        set->items = bigger;
        set->capacity = wanted;
    }
    int *copy = malloc((count > 0 ? (size_t)count : 1) * sizeof(int));
    if (!copy)
        return -1;
    if (count > 0)
        memcpy(copy, nodes, (size_t)count * sizeof(int));
    set->items[set->count] = (sasc_neurashed_pattern){label, frequency, copy, count};
    return set->count++;
}

/* The pattern whose share of the cumulative frequency holds u * total. */
static int pick(const sasc_neurashed_patterns *set, double total, double u)
{
    double target = u * total, cumulative = 0;
    for (int p = 0; p < set->count; p++) {
        cumulative += set->items[p].frequency;
        if (target < cumulative)
            return p;
    }
    return set->count - 1;   /* u * total rounded up to the total */
}

void sasc_neurashed_draw_batch(const sasc_neurashed_patterns *set, uint64_t seed, long iteration,
                               int batch, int *out)
{
    double total = 0;
    for (int p = 0; p < set->count; p++)
        total += set->items[p].frequency;
    uint64_t stream = sasc_rng_stream(SASC_STREAM_NEURASHED_DATA, 0, 0);
    uint64_t first_block = (uint64_t)iteration * (uint64_t)((batch + 1) / 2);
    enum { CHUNK = 64 };
    double u[CHUNK];
    for (int s = 0; s < batch; s += CHUNK) {
        int n = batch - s < CHUNK ? batch - s : CHUNK;   /* CHUNK is even: blocks stay aligned */
        sasc_rng_uniforms(seed, stream, first_block + (uint64_t)s / 2, u, (size_t)n);
        for (int i = 0; i < n; i++)
            out[s + i] = pick(set, total, u[i]);
    }
}
