/*
 * npy.h — numpy's .npy format: writing matrices (parameters) and reading
 * matrices of any numeric dtype (masks).
 *
 * Written files are format version 1.0, little-endian '<f4' or '<f8', C
 * order, with the header padded (spaces, then a newline) so the data starts
 * on a 64-byte boundary, byte for byte what numpy.save writes.
 */
#ifndef SASC_NPY_H
#define SASC_NPY_H

#include "runtime/sasc_runtime.h"

#include <stdbool.h>
#include <stddef.h>

/* The complete header (magic, version, length, dictionary, padding) for a
 * rows x cols array of `descr` (e.g. "<f4"). Returns its length, or 0 if
 * `size` is too small. */
size_t sasc_npy_header(char *out, size_t size, const char *descr, int rows, int cols);

/* Write `data` (rows x cols, row-major, of `precision`) to `path` atomically. */
bool sasc_npy_write(const char *path, const void *data, sasc_precision precision,
                    int rows, int cols, char *error, size_t error_size);

/* Read a 2-D .npy file of any boolean, integer or floating dtype, either byte
 * order and either memory order, into `out` (rows x cols, row-major). The
 * file's shape must be (rows, cols). */
bool sasc_npy_read(const char *path, int rows, int cols, double *out,
                   char *error, size_t error_size);

#endif
