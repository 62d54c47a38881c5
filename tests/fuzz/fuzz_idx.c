/*
 * fuzz_idx.c — libFuzzer target for the IDX reader (runtime/data/idx.c):
 * headers, the declared sizes against the file, gzip'd and plain data,
 * labels against images.
 *
 * Input: one byte of options (unused; kept so the corpus stays valid), a
 * 4-byte little-endian length n, then n bytes of the images file and the
 * rest as the labels file. Both are written as the training set of a
 * scratch directory (plain or gzip'd: the reader looks at the bytes, not
 * the name) and read whole, of any element type and dimensions.
 */
#include "runtime/data/idx.h"
#include "tests/fuzz/fuzz_files.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 5)
        return 0;
    uint32_t length = (uint32_t)data[1] | (uint32_t)data[2] << 8 | (uint32_t)data[3] << 16 |
                      (uint32_t)data[4] << 24;
    const uint8_t *files = data + 5;
    size_t rest = size - 5, images = length < rest ? length : rest;
    fuzz_write("train-images-idx3-ubyte", files, images);
    fuzz_write("train-labels-idx1-ubyte", files + images, rest - images);
    sasc_samples set;
    char error[8192];
    if (sasc_idx_read(fuzz_scratch(), "train", false, &set, error, sizeof error))
        sasc_samples_free(&set);
    return 0;
}
