/*
 * idx.h — reading the IDX format of MNIST and Fashion-MNIST, of every
 * element type and dimension, into a sample set (samples.h).
 *
 * A split is an images file and a labels file, plain or gzip'd, named
 * `<prefix>-images-idx3-ubyte` / `<prefix>-labels-idx1-ubyte` (or with a dot
 * before "idx", as some MNIST mirrors spell it; failing those, the one file
 * `<prefix>-images-idx...` / `<prefix>-labels-idx...`, e.g.
 * train-images-idx2-float). The magic number is two zero bytes, the element
 * type (0x08 ubyte, 0x09 byte, 0x0B short, 0x0C int, 0x0D float, 0x0E
 * double) and the number of dimensions; the dimensions and elements are
 * big-endian. Images: a count and 1 to 4 more dimensions, flattened per
 * sample. Labels: a count of integers (class labels), or of floats, one or
 * two dimensions (targets, loss mse).
 *
 * As a data source (source.h, the kind "idx", which takes every `data`
 * value no other kind claims): the directory's `train` and `t10k` splits;
 * ubyte images are scaled to [0, 1] by byte / 255 unless input_scaling says
 * otherwise.
 */
#ifndef SASC_IDX_H
#define SASC_IDX_H

#include "runtime/data/samples.h"

#include <stdbool.h>
#include <stddef.h>

/* Read the split `prefix` ("train", "t10k") of `directory`: every record the
 * files declare, checked against the file sizes before anything is
 * allocated (with `header_only`, nothing is read past the headers). On error
 * one sentence naming the file, and `set` empty. */
bool sasc_idx_read(const char *directory, const char *prefix, bool header_only,
                   sasc_samples *set, char *error, size_t error_size);

#endif
