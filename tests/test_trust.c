/*
 * test_trust.c — the runtime's readers against hostile files (issue 16):
 * only regular files are opened, every size is checked against the file
 * before it is trusted, .npy headers are parsed as numpy defines them and
 * values are range-checked where their meaning requires it.
 */
#include "tests/testing.h"
#include "runtime/support/input_file.h"
#include "runtime/support/npy.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- helpers ---- */

static char *temporary_directory(void)
{
    char *dir = strdup("/tmp/sasc-test-trust-XXXXXX");
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    return dir;
}

static void remove_directory(char *dir)
{
    char command[512];
    snprintf(command, sizeof command, "rm -rf '%s'", dir);
    CU_ASSERT_EQUAL(system(command), 0);
    free(dir);
}

static void write_file(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(fwrite(data, 1, size, f), size);
    fclose(f);
}

/* A .npy file in memory: `major`.0 prefix, then `dict` padded with spaces and
 * a newline, then `data_size` bytes of `data`. Returns the total size. */
static size_t npy_bytes(unsigned char *out, int major, const char *dict, const void *data,
                        size_t data_size)
{
    size_t prefix = major == 1 ? 10 : 12, length = strlen(dict) + 1;
    memcpy(out, "\x93NUMPY", 6);
    out[6] = (unsigned char)major;
    out[7] = 0;
    for (size_t b = 8; b < prefix; b++)
        out[b] = (unsigned char)(length >> (8 * (b - 8)));
    memcpy(out + prefix, dict, length - 1);
    out[prefix + length - 1] = '\n';
    memcpy(out + prefix + length, data, data_size);
    return prefix + length + data_size;
}

static const float twelve[12] = {1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 1, 0};

/* Decode `dict` over the twelve floats as a 4 x 3 array. */
static bool decode(const char *dict, int major, double *out, char *error, size_t size)
{
    unsigned char file[1024];
    size_t n = npy_bytes(file, major, dict, twelve, sizeof twelve);
    return sasc_npy_decode(file, n, "m.npy", 4, 3, out, error, size);
}

/* ---- input files ---- */

static void test_input_refuses_special_files(void)
{
    char *dir = temporary_directory();
    char path[512], reason[256];
    sasc_input_file f;
    snprintf(path, sizeof path, "%s/fifo", dir);
    CU_ASSERT_EQUAL_FATAL(mkfifo(path, 0600), 0);
    /* would block forever in open() without O_NONBLOCK */
    CU_ASSERT_FALSE(sasc_input_open(&f, path, 0, reason, sizeof reason));
    CU_ASSERT_STRING_EQUAL(reason, "it is a FIFO, not a regular file");
    CU_ASSERT_FALSE(sasc_input_open(&f, "/dev/null", 0, reason, sizeof reason));
    CU_ASSERT_STRING_EQUAL(reason, "it is a character device, not a regular file");
    CU_ASSERT_FALSE(sasc_input_open(&f, dir, 0, reason, sizeof reason));
    CU_ASSERT_STRING_EQUAL(reason, "Is a directory");
    snprintf(path, sizeof path, "%s/none", dir);
    CU_ASSERT_PTR_NULL(sasc_input_read_all(path, 0, NULL, reason, sizeof reason));
    CU_ASSERT_STRING_EQUAL(reason, "No such file or directory");
    remove_directory(dir);
}

static void test_input_limits_and_reads(void)
{
    char *dir = temporary_directory();
    char path[512], reason[256];
    snprintf(path, sizeof path, "%s/ten", dir);
    write_file(path, "0123456789", 10);
    size_t size = 0;
    char *text = sasc_input_read_all(path, 10, &size, reason, sizeof reason);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    CU_ASSERT_EQUAL(size, 10);
    CU_ASSERT_STRING_EQUAL(text, "0123456789");
    free(text);
    CU_ASSERT_PTR_NULL(sasc_input_read_all(path, 9, &size, reason, sizeof reason));
    CU_ASSERT_STRING_EQUAL(reason, "the file is too large (more than 9 bytes)");
    sasc_input_file f;
    char buffer[16];
    CU_ASSERT_TRUE_FATAL(sasc_input_open(&f, path, 0, reason, sizeof reason));
    CU_ASSERT_EQUAL(f.size, 10);
    CU_ASSERT_TRUE(sasc_input_read(&f, buffer, 4, reason, sizeof reason));
    CU_ASSERT_FALSE(sasc_input_read(&f, buffer, 7, reason, sizeof reason));
    CU_ASSERT_STRING_EQUAL(reason, "it ends after 10 bytes");
    sasc_input_close(&f);
    remove_directory(dir);
}

/* ---- .npy headers as numpy defines them ---- */

static void test_npy_headers_any_order_and_spacing(void)
{
    static const char *const valid[] = {
        "{'descr': '<f4', 'fortran_order': False, 'shape': (4, 3), }",
        "{'shape': (4, 3), 'fortran_order': False, 'descr': '<f4'}",
        "{ 'descr' : '<f4' ,'fortran_order':False,'shape':( 4 , 3 ) }",
        "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (4, 3,)}",
        "{'descr': '<f4',\n 'fortran_order': False,\t'shape': (4L, 3L)}",
    };
    double out[12];
    char error[256];
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        for (int major = 1; major <= 3; major++) {
            memset(out, 0xff, sizeof out);
            bool ok = decode(valid[i], major, out, error, sizeof error);
            CU_ASSERT_TRUE(ok);
            if (!ok)
                fprintf(stderr, "\n  header %zu, version %d: %s\n", i, major, error);
            for (int k = 0; ok && k < 12; k++)
                CU_ASSERT_EQUAL(out[k], twelve[k]);
        }
    }
}

static void test_npy_headers_refused(void)
{
    static const char *const cases[][2] = {
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (4, 3), 'extra': 1}",
         "m.npy is not a valid .npy file: the header has a key other than 'descr', 'fortran_order' and 'shape'"},
        {"{'descr': '<f4', 'shape': (4, 3)}",
         "m.npy is not a valid .npy file: the header lacks one of 'descr', 'fortran_order' and 'shape'"},
        {"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (4, 3)}",
         "m.npy is not a valid .npy file: a key appears twice in the header"},
        /* the old parser took the first 'shape' text anywhere in the header */
        {"{'descr': '<f4', 'fortran_order': False, 'shape': [4, 3]}",
         "m.npy is not a valid .npy file: 'shape' is not a tuple"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (12)}",
         "m.npy is not a valid .npy file: 'shape' is a number in parentheses, not a tuple"},
        {"{'descr': '<c8', 'fortran_order': False, 'shape': (4, 3)}",
         "m.npy is not a valid .npy file: its dtype '<c8' is not a boolean, integer, float32 or float64 type"},
        {"{'descr': '<f4', 'fortran_order': 0, 'shape': (4, 3)}",
         "m.npy is not a valid .npy file: 'fortran_order' is neither True nor False"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (12,)}",
         "m.npy has shape (12,) but (4, 3) is needed"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (4, 3)} junk",
         "m.npy is not a valid .npy file: the header has text after its dictionary"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (4, -3)}",
         "m.npy is not a valid .npy file: 'shape' is not a tuple of non-negative integers"},
    };
    double out[12];
    char error[256];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CU_ASSERT_FALSE(decode(cases[i][0], 1, out, error, sizeof error));
        CU_ASSERT_STRING_EQUAL(error, cases[i][1]);
    }
}

static void test_npy_sizes_checked(void)
{
    unsigned char file[1024];
    double out[12];
    char error[256];
    const char *dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (4, 3)}";
    size_t n = npy_bytes(file, 1, dict, twelve, sizeof twelve);
    CU_ASSERT_FALSE(sasc_npy_decode(file, n - 1, "m.npy", 4, 3, out, error, sizeof error));
    CU_ASSERT_STRING_EQUAL(error, "m.npy is truncated: it holds fewer than 4 x 3 elements");
    file[n] = 0;
    CU_ASSERT_FALSE(sasc_npy_decode(file, n + 1, "m.npy", 4, 3, out, error, sizeof error));
    CU_ASSERT_STRING_EQUAL(error, "m.npy has 1 bytes after its 4 x 3 elements");
    /* a header length beyond the file */
    file[8] = 0xff;
    file[9] = 0x7f;
    CU_ASSERT_FALSE(sasc_npy_decode(file, n, "m.npy", 4, 3, out, error, sizeof error));
    CU_ASSERT_STRING_EQUAL(error, "m.npy is not a valid .npy file: its header is cut short");
    CU_ASSERT_FALSE(sasc_npy_decode(file, 7, "m.npy", 4, 3, out, error, sizeof error));
    CU_ASSERT_STRING_EQUAL(error, "m.npy is not a valid .npy file: it does not start with numpy's magic string");
}

static void test_npy_values_range_checked(void)
{
    char error[256];
    double mask[4] = {0, 1, 0.5, 1};
    CU_ASSERT_FALSE(sasc_npy_check_values(mask, 4, SASC_NPY_MASK, "m.npy", error, sizeof error));
    CU_ASSERT_STRING_EQUAL(error, "m.npy: element 2 is 0.5, but every element must be exactly 0 or 1");
    mask[2] = NAN;
    CU_ASSERT_FALSE(sasc_npy_check_values(mask, 4, SASC_NPY_MASK, "m.npy", error, sizeof error));
    mask[2] = 0;
    CU_ASSERT_TRUE(sasc_npy_check_values(mask, 4, SASC_NPY_MASK, "m.npy", error, sizeof error));
    double pi[3] = {0, 1, 5};
    CU_ASSERT_FALSE(sasc_npy_check_values(pi, 3, sasc_npy_parameter_range(SASC_PI), "h.pi.npy",
                                          error, sizeof error));
    CU_ASSERT_STRING_EQUAL(error, "h.pi.npy: element 2 is 5, but every element must be a probability in [0, 1]");
    double xi[2] = {0.1, -1e-9};
    CU_ASSERT_FALSE(sasc_npy_check_values(xi, 2, sasc_npy_parameter_range(SASC_XI), "h.Xi.npy",
                                          error, sizeof error));
    double m[2] = {-3, INFINITY};
    CU_ASSERT_FALSE(sasc_npy_check_values(m, 2, sasc_npy_parameter_range(SASC_M), "h.m.npy",
                                          error, sizeof error));
    m[1] = 1e30;
    CU_ASSERT_TRUE(sasc_npy_check_values(m, 2, sasc_npy_parameter_range(SASC_M), "h.m.npy",
                                         error, sizeof error));
}

int main(void)
{
    TESTING_INIT();
    CU_pSuite input = CU_add_suite("input files", NULL, NULL);
    CU_add_test(input, "FIFOs, devices and directories refused", test_input_refuses_special_files);
    CU_add_test(input, "limits and exact reads", test_input_limits_and_reads);
    CU_pSuite npy = CU_add_suite("npy", NULL, NULL);
    CU_add_test(npy, "headers in any order and spacing, versions 1-3", test_npy_headers_any_order_and_spacing);
    CU_add_test(npy, "malformed headers refused", test_npy_headers_refused);
    CU_add_test(npy, "sizes checked against the file", test_npy_sizes_checked);
    CU_add_test(npy, "values range-checked", test_npy_values_range_checked);
    return testing_run_registry();
}
