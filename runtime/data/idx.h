/*
 * idx.h — loading an image set in the IDX format of MNIST and Fashion-MNIST.
 *
 * A set is an images file (magic 0x00000803: count, rows, cols, then bytes)
 * and a labels file (magic 0x00000801: count, then bytes), plain or gzip'd,
 * named `<prefix>-images-idx3-ubyte` / `<prefix>-labels-idx1-ubyte`, or with
 * a dot before "idx" as some MNIST mirrors spell it.
 *
 * As a data source (source.h, the kind "idx", which takes every `data`
 * value no other kind claims): the directory's `train` and `t10k` sets,
 * pixels scaled to [0, 1] by byte / 255, one-hot labels.
 */
#ifndef SASC_IDX_H
#define SASC_IDX_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    long count;              /* images kept */
    long available;          /* images in the file */
    int rows, cols;          /* pixels per image = rows * cols */
    unsigned char *pixels;   /* count x rows x cols, row-major */
    unsigned char *labels;   /* count */
} sasc_idx_set;

/* What the loaded set must satisfy. */
typedef struct {
    const char *prefix;      /* "train" or "t10k" */
    long limit;              /* keep the first `limit` images; 0 = all */
    int pixels;              /* the model's input width */
    int classes;             /* every label must be below this */
    int steps;               /* the model reads an image in this many steps of pixels / steps
                                (a recurrent model; 0 or 1: all at once), for messages */
} sasc_idx_request;

/* Load the set `request->prefix` from `directory`. On error writes one
 * sentence naming the file into `error` and leaves `set` empty. */
bool sasc_idx_load(const char *directory, const sasc_idx_request *request,
                   sasc_idx_set *set, char *error, size_t error_size);

void sasc_idx_free(sasc_idx_set *set);

/* The header of the set `request->prefix` in `directory` without reading
 * its records: the images kept (request->limit checked as by sasc_idx_load),
 * rows and cols; the labels file's count is checked against the images'. */
bool sasc_idx_probe(const char *directory, const sasc_idx_request *request, long *count,
                    int *rows, int *cols, char *error, size_t error_size);

#endif
