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
#include "runtime/support/elements.h"

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
 * header is parsed as numpy defines it (format 1.0, 2.0 or 3.0: a Python
 * dict literal with exactly the keys 'descr', 'fortran_order' and 'shape',
 * in any order and spacing); the shape must be (rows, cols) and the file
 * must hold exactly its elements. Only a regular file is read. */
bool sasc_npy_read(const char *path, int rows, int cols, double *out,
                   char *error, size_t error_size);

/* The same for a whole file already in memory, named `name` in messages. */
bool sasc_npy_decode(const unsigned char *bytes, size_t size, const char *name, int rows,
                     int cols, double *out, char *error, size_t error_size);

/* What the values of a file mean, and so which values are valid. */
typedef enum {
    SASC_NPY_FINITE,        /* any finite number (m, a mean) */
    SASC_NPY_PROBABILITY,   /* pi: in [0, 1] */
    SASC_NPY_VARIANCE,      /* Xi: finite and >= 0 */
    SASC_NPY_MASK           /* a mask: exactly 0 (absent) or 1 (may exist) */
} sasc_npy_range;

/* Whether one value is valid for `range`, and the words for the valid ones. */
bool sasc_npy_value_valid(double value, sasc_npy_range range);
const char *sasc_npy_range_text(sasc_npy_range range);

/* Check `count` values read from `name` against `range`; the first invalid
 * one is reported with its index. */
bool sasc_npy_check_values(const double *values, size_t count, sasc_npy_range range,
                           const char *name, char *error, size_t error_size);
/* The range of a parameter's values: pi a probability, Xi a variance, m finite. */
sasc_npy_range sasc_npy_parameter_range(sasc_parameter parameter);

/* An array of any shape and numeric dtype in a .npy file held in memory
 * (data sources read inputs, labels and targets this way). */
typedef struct {
    sasc_element_type type;
    bool big_endian, fortran_order;
    int ndim;
    uint64_t shape[32];
    char shape_text[128];     /* "(2, 3)" as numpy prints it */
    size_t data;              /* offset of the first element */
    uint64_t elements;        /* the product of the shape */
} sasc_npy_array;

/* Parse the header of the file `bytes` (named `name` in messages) and check
 * that it holds exactly the elements its shape declares. */
bool sasc_npy_parse(const unsigned char *bytes, size_t size, const char *name,
                    sasc_npy_array *array, char *error, size_t error_size);

/* Element `k` in C order (the last index fastest), whatever the file's order. */
double sasc_npy_element(const unsigned char *bytes, const sasc_npy_array *array, uint64_t k);

#endif
