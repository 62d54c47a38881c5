/*
 * samples.h — a set of samples held in memory, and the data-source kinds
 * built on it.
 *
 * A sample set is N samples of D input values each (the sample's stored
 * shape flattened row-major), and per sample either an integer label (class
 * targets, one-hot in TARGET) or T float targets (loss mse). The file
 * formats (IDX, .npy/.npz, CSV, CIFAR-10) are readers that fill one sample
 * set per split; everything after reading is here and common to all of
 * them: the requested counts, the checks against the model, input_scaling,
 * and loading batches (source.h contracts 1-6, 10).
 *
 * Inputs are stored as bytes when the file holds bytes (images: 1 byte per
 * pixel, and the exact byte / 255 in either precision through a table), or
 * else as floats.
 */
#ifndef SASC_DATA_SAMPLES_H
#define SASC_DATA_SAMPLES_H

#include "runtime/data/source.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    char origin[4200];              /* the file the inputs came from, for messages */
    char label_origin[4200];        /* the file the labels or targets came from */
    long count;                     /* N */
    int features;                   /* D */
    int sample_dims;
    long sample_shape[SASC_DATA_MAX_DIMS];
    unsigned char *bytes;           /* N x D, when the file holds bytes; else NULL */
    float *values;                  /* N x D otherwise */
    bool byte_images;               /* the source's natural scaling is / 255 */
    sasc_target_kind targets;
    int target_width;               /* VALUES: T */
    int *labels;                    /* CLASSES: N labels, each >= 0 */
    float *target_values;           /* VALUES: N x T */
} sasc_samples;

/* One file format: reads split `split` of `request->data` into `set`. With
 * `header_only` it reads no records and allocates nothing, but sets the
 * count, the shapes and the kind of targets (for sasc_data_probe). Every
 * record the file declares is read and checked, whatever count is
 * requested later. On error: one sentence, nothing allocated. */
typedef bool (*sasc_samples_reader)(const sasc_data_request *request, sasc_split split,
                                    bool header_only, sasc_samples *set, char *error,
                                    size_t error_size);

void sasc_samples_free(sasc_samples *set);

/* Allocate `set`'s arrays for set->count samples of set->features inputs
 * (bytes or floats) and of its targets; false (and nothing kept) when out
 * of memory. */
bool sasc_samples_allocate(sasc_samples *set, bool bytes, char *error, size_t error_size);

/* The source.h operations of a kind whose samples come from `read`. */
bool sasc_samples_probe(sasc_samples_reader read, const char *kind,
                        const sasc_data_request *request, sasc_data_shape *shape, char *error,
                        size_t error_size);
void *sasc_samples_open(sasc_samples_reader read, const char *kind,
                        const sasc_data_request *request, const sasc_program *program,
                        sasc_data_shape *shape, char *error, size_t error_size);
void sasc_samples_load_batch(const void *state, const sasc_program *program,
                             void *const *buffers, sasc_split split, const size_t *order,
                             long first, int rows);
int sasc_samples_label(const void *state, sasc_split split, long sample);
void sasc_samples_close(void *state);

/* A data-source kind NAME (source.h) reading with READER: one line per
 * format file, so no format repeats the common operations. */
#define SASC_SAMPLES_KIND(NAME, READER, CLAIMS, SUMMARY)                                       \
    static bool NAME##_probe(const sasc_data_request *request, sasc_data_shape *shape,        \
                             char *error, size_t error_size)                                  \
    {                                                                                         \
        return sasc_samples_probe(READER, #NAME, request, shape, error, error_size);          \
    }                                                                                         \
    static void *NAME##_open(const sasc_data_request *request, const sasc_program *program,   \
                             sasc_data_shape *shape, char *error, size_t error_size)          \
    {                                                                                         \
        return sasc_samples_open(READER, #NAME, request, program, shape, error, error_size);  \
    }                                                                                         \
    const sasc_data_kind sasc_data_##NAME = {                                                 \
        .name = #NAME, .summary = SUMMARY, .claims = CLAIMS, .probe = NAME##_probe,           \
        .open = NAME##_open, .load_batch = sasc_samples_load_batch,                           \
        .label = sasc_samples_label, .close = sasc_samples_close}

/* "2x2=4": a sample shape and its number of values, for messages. */
void sasc_samples_shape_text(const sasc_samples *set, char *out, size_t size);

#endif
