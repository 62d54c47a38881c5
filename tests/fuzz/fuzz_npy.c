/*
 * fuzz_npy.c — libFuzzer target for the .npy reader (runtime/support/npy.c):
 * the header parser (a Python dict literal, formats 1.0-3.0), the size checks
 * and the decoding of every dtype and order, then the range checks.
 *
 * Input: two bytes choosing the expected shape (1-16 rows, 1-16 columns),
 * then the file. Every 16th input (by its first byte) is also written to a
 * file and read through sasc_npy_read, the path masks and parameters take.
 */
#include "runtime/support/npy.h"
#include "tests/fuzz/fuzz_files.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    int rows = 1 + data[0] % 16, cols = 1 + data[1] % 16;
    double values[256];
    char error[1024];
    if (sasc_npy_decode(data + 2, size - 2, "fuzz.npy", rows, cols, values, error, sizeof error))
        for (int range = SASC_NPY_FINITE; range <= SASC_NPY_MASK; range++)
            sasc_npy_check_values(values, (size_t)rows * (size_t)cols, (sasc_npy_range)range,
                                  "fuzz.npy", error, sizeof error);
    if (data[0] % 16 == 0) {
        fuzz_write("fuzz.npy", data + 2, size - 2);
        char path[256];
        snprintf(path, sizeof path, "%s/fuzz.npy", fuzz_scratch());
        sasc_npy_read(path, rows, cols, values, error, sizeof error);
    }
    return 0;
}
