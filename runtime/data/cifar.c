/*
 * cifar.c — the data source "cifar10": the binary version of CIFAR-10.
 *
 * `data` names the standard cifar-10-batches-bin directory, used unchanged:
 * the training split is data_batch_1.bin .. data_batch_5.bin in order, the
 * test split test_batch.bin. Each file is records of 3073 bytes: a label
 * 0-9, then a 32x32 image as 1024 red, 1024 green and 1024 blue bytes, each
 * row-major; a sample is the record's 3072 bytes as stored (3x32x32), scaled
 * to [0, 1] by byte / 255 unless input_scaling says otherwise.
 */
#include "runtime/data/samples.h"
#include "runtime/support/input_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { CIFAR_SIDE = 32, CIFAR_CHANNELS = 3, CIFAR_PIXELS = CIFAR_CHANNELS * CIFAR_SIDE * CIFAR_SIDE,
       CIFAR_RECORD = 1 + CIFAR_PIXELS, CIFAR_CLASSES = 10, TRAIN_BATCHES = 5 };

/* The files of a split: five training batches, one test batch. */
static int split_files(sasc_split split, const char *directory, char paths[TRAIN_BATCHES][4200])
{
    if (split == SASC_SPLIT_TEST) {
        snprintf(paths[0], sizeof paths[0], "%s/test_batch.bin", directory);
        return 1;
    }
    for (int b = 0; b < TRAIN_BATCHES; b++)
        snprintf(paths[b], sizeof paths[b], "%s/data_batch_%d.bin", directory, b + 1);
    return TRAIN_BATCHES;
}

static bool cifar_claims(const char *data)
{
    char paths[TRAIN_BATCHES][4200];
    struct stat status;
    split_files(SASC_SPLIT_TEST, data, paths);
    if (stat(paths[0], &status) == 0)
        return true;
    split_files(SASC_SPLIT_TRAIN, data, paths);
    return stat(paths[0], &status) == 0;
}

/* A batch file's records, from its size alone. */
static bool batch_records(const char *path, long *records, char *error, size_t error_size)
{
    sasc_input_file in;
    char reason[256];
    if (!sasc_input_open(&in, path, 0, reason, sizeof reason)) {
        snprintf(error, error_size, "cannot read %s: %s", path, reason);
        return false;
    }
    uint64_t size = in.size;
    sasc_input_close(&in);
    if (size % CIFAR_RECORD != 0) {
        snprintf(error, error_size, "%s is not a CIFAR-10 binary batch: its %llu bytes are not a "
                 "whole number of %d-byte records", path, (unsigned long long)size, CIFAR_RECORD);
        return false;
    }
    *records = (long)(size / CIFAR_RECORD);
    return true;
}

/* One batch's records into the set from sample `first` on. */
static bool read_batch(const char *path, long first, long records, sasc_samples *set,
                       char *error, size_t error_size)
{
    char reason[256];
    size_t size = 0;
    unsigned char *bytes = (unsigned char *)sasc_input_read_all(
        path, (uint64_t)records * CIFAR_RECORD, &size, reason, sizeof reason);
    if (!bytes || size != (size_t)records * CIFAR_RECORD) {
        snprintf(error, error_size, "cannot read %s: %s", path, bytes ? "it changed while read"
                 : reason);
        free(bytes);
        return false;
    }
    for (long r = 0; r < records; r++) {
        const unsigned char *record = bytes + (size_t)r * CIFAR_RECORD;
        if (record[0] >= CIFAR_CLASSES) {
            snprintf(error, error_size, "%s: label %d of record %ld is not a CIFAR-10 class (0-9)",
                     path, record[0], r);
            free(bytes);
            return false;
        }
        set->labels[first + r] = record[0];
        memcpy(set->bytes + (size_t)(first + r) * CIFAR_PIXELS, record + 1, CIFAR_PIXELS);
    }
    free(bytes);
    return true;
}

static bool cifar_read(const sasc_data_request *request, sasc_split split, bool header_only,
                       sasc_samples *set, char *error, size_t error_size)
{
    char paths[TRAIN_BATCHES][4200];
    long records[TRAIN_BATCHES];
    int files = split_files(split, request->data, paths);
    snprintf(set->origin, sizeof set->origin, "%s", split == SASC_SPLIT_TEST ? paths[0]
             : request->data);
    snprintf(set->label_origin, sizeof set->label_origin, "%s", set->origin);
    for (int f = 0; f < files; f++) {
        if (!batch_records(paths[f], &records[f], error, error_size))
            return false;
        set->count += records[f];
    }
    set->features = CIFAR_PIXELS;
    set->sample_dims = 3;
    set->sample_shape[0] = CIFAR_CHANNELS;
    set->sample_shape[1] = set->sample_shape[2] = CIFAR_SIDE;
    set->byte_images = true;
    set->targets = SASC_TARGETS_CLASSES;
    if (header_only)
        return true;
    if (!sasc_samples_allocate(set, true, error, error_size))
        return false;
    for (long f = 0, first = 0; f < files; first += records[f], f++)
        if (!read_batch(paths[f], first, records[f], set, error, error_size)) {
            sasc_samples_free(set);
            return false;
        }
    return true;
}

SASC_SAMPLES_KIND(cifar10, cifar_read, cifar_claims,
                  "data = \"DIR\": the binary CIFAR-10 directory cifar-10-batches-bin "
                  "(data_batch_1.bin .. data_batch_5.bin, test_batch.bin; 3073-byte records)");
