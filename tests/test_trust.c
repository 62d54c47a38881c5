/*
 * test_trust.c — the runtime's readers against hostile files (issue 16):
 * only regular files are opened, every size is checked against the file
 * before it is trusted, .npy headers are parsed as numpy defines them and
 * values are range-checked where their meaning requires it.
 */
#include "tests/testing.h"
#include "runtime/model/checkpoint.h"
#include "runtime/support/input_file.h"
#include "runtime/support/npy.h"
#include "runtime/support/progress.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

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

/* ---- checkpoints: a checksum, then every field checked ---- */

enum { C_PI, C_M, C_STATE, C_MASK, C_INPUT, C_BUFFERS };

static const sasc_buffer_desc checkpoint_table[C_BUFFERS] = {
    {.name = "h.pi", .role = SASC_BUFFER_PARAMETER, .group = 0, .parameter = SASC_PI, .rows = 3, .cols = 2, .mask_buffer = C_MASK},
    {.name = "h.m", .role = SASC_BUFFER_PARAMETER, .group = 0, .parameter = SASC_M, .rows = 3, .cols = 2, .mask_buffer = C_MASK},
    {.name = "h.m.adam1", .role = SASC_BUFFER_OPTIMIZER_STATE, .group = 0, .parameter = SASC_M, .rows = 3, .cols = 2, .mask_buffer = -1},
    {.name = "h.mask", .role = SASC_BUFFER_MASK, .group = 0, .parameter = SASC_NOT_A_PARAMETER, .rows = 3, .cols = 2, .mask_buffer = -1},
    {.name = "x", .role = SASC_BUFFER_INPUT, .group = -1, .parameter = SASC_NOT_A_PARAMETER, .rows = 4, .cols = 3, .mask_buffer = -1},
};

typedef struct {
    double values[C_BUFFERS][12];
    void *pointers[C_BUFFERS];
    sasc_program program;
    sasc_task task;
    char *dir;
    char path[512];
} saved_run;

/* A checkpoint of a small valid state in a new directory. */
static void write_checkpoint(saved_run *s)
{
    memset(s, 0, sizeof *s);
    s->program = (sasc_program){.abi_version = SASC_ABI_VERSION, .model_name = "net",
                                .precision = SASC_F64, .batch = 4, .input_width = 3, .classes = 2,
                                .buffer_count = C_BUFFERS, .buffers = checkpoint_table};
    for (int b = 0; b < C_BUFFERS; b++) {
        for (int k = 0; k < 12; k++)
            s->values[b][k] = b == C_PI ? 0.25 : b == C_MASK ? k % 2 : 0.5 * k - 1;
        s->pointers[b] = s->values[b];
    }
    sasc_task_defaults(&s->task);
    s->task.epochs = 5;
    double metrics[2 * 3] = {1, 0.5, 0.5, 4, 0.001, NAN};
    sasc_checkpoint_resume resume = {1, "epochs=5"};
    sasc_checkpoint_position place = {2, 7, 57, 1.25, 300, 2, 3, metrics, "m.sas", 12.5, 1, &resume};
    char error[512];
    s->dir = temporary_directory();
    snprintf(s->path, sizeof s->path, "%s/%s", s->dir, SASC_CHECKPOINT_FILE);
    CU_ASSERT_TRUE_FATAL(sasc_checkpoint_write(s->dir, &s->program, s->pointers, &s->task, &place,
                                               error, sizeof error));
}

static unsigned char *load(const char *path, size_t *size)
{
    char reason[256];
    unsigned char *bytes = (unsigned char *)sasc_input_read_all(path, 0, size, reason, sizeof reason);
    CU_ASSERT_PTR_NOT_NULL_FATAL(bytes);
    return bytes;
}

/* Store `bytes` with a correct checksum: what a crafted file looks like. */
static void store_with_checksum(const char *path, unsigned char *bytes, size_t size)
{
    uint32_t crc = (uint32_t)crc32(0L, bytes, (uInt)(size - 4));
    memcpy(bytes + size - 4, &crc, 4);
    write_file(path, bytes, size);
}

static bool read_back(saved_run *s, sasc_checkpoint_position *place, char *error, size_t size)
{
    sasc_task task;
    double scratch[C_BUFFERS][12];
    void *pointers[C_BUFFERS];
    for (int b = 0; b < C_BUFFERS; b++)
        pointers[b] = scratch[b];
    return sasc_checkpoint_read(s->dir, &s->program, pointers, &task, place, error, size);
}

static void test_checkpoint_history_round_trip(void)
{
    saved_run s;
    write_checkpoint(&s);
    sasc_checkpoint_position place;
    char error[512];
    CU_ASSERT_TRUE_FATAL(read_back(&s, &place, error, sizeof error));
    CU_ASSERT_STRING_EQUAL(place.model_file, "m.sas");
    CU_ASSERT_DOUBLE_EQUAL(place.seconds_before, 12.5, 0);
    CU_ASSERT_EQUAL_FATAL(place.resume_count, 1);
    CU_ASSERT_EQUAL(place.resumes[0].at_epoch, 1);
    CU_ASSERT_STRING_EQUAL(place.resumes[0].changes, "epochs=5");
    CU_ASSERT(isnan(place.metrics[5]));   /* a layer without pi has no sparsity */
    sasc_checkpoint_position_free(&place);
    remove_directory(s.dir);
}

/* Every single flipped bit is refused (CRC-32 detects them all), never
 * read into a parameter or the metrics. */
static void test_checkpoint_every_flipped_bit_refused(void)
{
    saved_run s;
    write_checkpoint(&s);
    size_t size;
    unsigned char *bytes = load(s.path, &size);
    int accepted = 0;
    char error[512];
    for (size_t i = 0; i < size; i++) {
        for (int bit = 0; bit < 8; bit++) {
            bytes[i] ^= (unsigned char)(1u << bit);
            write_file(s.path, bytes, size);
            sasc_checkpoint_position place;
            if (read_back(&s, &place, error, sizeof error)) {
                accepted++;
                sasc_checkpoint_position_free(&place);
            }
            bytes[i] ^= (unsigned char)(1u << bit);
        }
    }
    CU_ASSERT_EQUAL(accepted, 0);
    free(bytes);
    remove_directory(s.dir);
}

/* The offset of `text` in the file (a setting's value, a buffer's name). */
static size_t find(const unsigned char *bytes, size_t size, const void *text, size_t length)
{
    const unsigned char *at = memmem(bytes, size, text, length);
    CU_ASSERT_PTR_NOT_NULL_FATAL(at);
    return (size_t)(at - bytes);
}

/* Crafted files with a correct checksum: each field is checked as --set and
 * the position rules check it. */
static void test_checkpoint_fields_rechecked(void)
{
    static const struct {
        const char *find;      /* `length` bytes to replace */
        const char *replace;
        size_t length;
        const char *message;   /* after "DIR/checkpoint.sasc is not a valid checkpoint: " */
    } cases[] = {
        {"\x07\x00\x00\x00shuffle\x04\x00\x00\x00true", "\x07\x00\x00\x00shuffle\x04\x00\x00\x00" "7   ", 19,
         "its setting shuffle=7    is invalid: shuffle must be true or false (or 1 or 0), got '7   '"},
        {"\x06\x00\x00\x00" "epochs\x01\x00\x00\x00" "5", "\x06\x00\x00\x00" "epochs\x01\x00\x00\x00" "-", 15,
         "its setting epochs=- is invalid: epochs must be a non-negative integer, got '-'"},
        {"\x05\x00\x00\x00" "batch\x03\x00\x00\x00" "100", "\x05\x00\x00\x00" "batch\x03\x00\x00\x00" "-10", 16,
         "its setting batch=-10 is invalid: batch must be a positive integer no larger than 1000000, got '-10'"},
        /* the position record: epoch 2, step 7 -> step -5 */
        {"\x02\x00\x00\x00\x07\x00\x00\x00\x02\x00\x00\x00", "\x02\x00\x00\x00\xfb\xff\xff\xff\x02\x00\x00\x00", 12,
         "its position is impossible (epoch 2, step -5, 2 epochs done of 5, 57 updates, 300 correct, "
         "loss sum 1.25, 3 metric columns)"},
        /* more metrics than the file holds */
        {"\x02\x00\x00\x00\x07\x00\x00\x00\x02\x00\x00\x00\x03\x00\x00\x00",
         "\x02\x00\x00\x00\x07\x00\x00\x00\x02\x00\x00\x00\xff\xff\x00\x00", 16,
         "its metrics (2 epochs of 65535 numbers) run past the end of the file"},
        /* an epoch beyond the task's epochs */
        {"\x02\x00\x00\x00\x07\x00\x00\x00\x02\x00\x00\x00", "\x09\x00\x00\x00\x07\x00\x00\x00\x09\x00\x00\x00", 12,
         "its position is impossible (epoch 9, step 7, 9 epochs done of 5, 57 updates, 300 correct, "
         "loss sum 1.25, 3 metric columns)"},
        {"\x04\x00\x00\x00h.pi", "\x04\x00\x00\x00h.pi", 8, NULL},   /* unchanged: the control */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        saved_run s;
        write_checkpoint(&s);
        size_t size, length = cases[c].length;
        unsigned char *bytes = load(s.path, &size);
        size_t at = find(bytes, size, cases[c].find, length);
        memcpy(bytes + at, cases[c].replace, length);
        store_with_checksum(s.path, bytes, size);
        char error[1024], expected[2048];
        sasc_checkpoint_position place;
        bool ok = read_back(&s, &place, error, sizeof error);
        if (cases[c].message) {
            snprintf(expected, sizeof expected, "%s is not a valid checkpoint: %s", s.path,
                     cases[c].message);
            CU_ASSERT_FALSE(ok);
            CU_ASSERT_STRING_EQUAL(error, expected);
        } else {
            CU_ASSERT_TRUE(ok);
            if (ok)
                sasc_checkpoint_position_free(&place);
        }
        free(bytes);
        remove_directory(s.dir);
    }
}

/* Saved values that no run can produce: pi = 5, a mask of 0.5, a NaN. */
static void test_checkpoint_values_rechecked(void)
{
    static const struct { int buffer; double value; const char *message; } cases[] = {
        {C_PI, 5, "element 0 of buffer 'h.pi' is 5, but every element must be a probability in [0, 1]"},
        {C_MASK, 0.5, "element 0 of buffer 'h.mask' is 0.5, but every element must be exactly 0 or 1"},
        {C_STATE, NAN, "element 0 of buffer 'h.m.adam1' is nan, but every element must be a finite number"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        saved_run s;
        write_checkpoint(&s);
        size_t size;
        unsigned char *bytes = load(s.path, &size);
        const char *name = checkpoint_table[cases[c].buffer].name;
        unsigned char record[64] = {(unsigned char)strlen(name)};   /* u32 length, then the name */
        memcpy(record + 4, name, strlen(name));
        size_t at = find(bytes, size, record, 4 + strlen(name)) + 4 + strlen(name) + 8;  /* rows, cols */
        memcpy(bytes + at, &cases[c].value, sizeof(double));
        store_with_checksum(s.path, bytes, size);
        char error[1024], expected[2048];
        sasc_checkpoint_position place;
        CU_ASSERT_FALSE(read_back(&s, &place, error, sizeof error));
        snprintf(expected, sizeof expected, "%s is not a valid checkpoint: %s", s.path, cases[c].message);
        CU_ASSERT_STRING_EQUAL(error, expected);
        free(bytes);
        remove_directory(s.dir);
    }
}

static void test_checkpoint_lengths_checked_before_allocating(void)
{
    saved_run s;
    write_checkpoint(&s);
    size_t size;
    unsigned char *bytes = load(s.path, &size);
    /* the model file's name: claim 2^31 bytes */
    size_t at = find(bytes, size, "m.sas", 5) - 4;
    uint32_t huge = 0x80000000u;
    memcpy(bytes + at, &huge, 4);
    store_with_checksum(s.path, bytes, size);
    char error[1024], expected[2048];
    sasc_checkpoint_position place;
    CU_ASSERT_FALSE(read_back(&s, &place, error, sizeof error));
    snprintf(expected, sizeof expected, "%s is not a valid checkpoint: the model file's name is "
             "2147483648 bytes long, more than the 65535 allowed", s.path);
    CU_ASSERT_STRING_EQUAL(error, expected);
    free(bytes);
    remove_directory(s.dir);
}

/* ---- what sasc says ---- */

/* Durations as people read them: never "(0.0 s)" for a short epoch, never
 * "8.07e+03 s" for a long run. */
static void test_durations_formatted(void)
{
    static const struct {
        double seconds;
        const char *text;
    } cases[] = {
        {0.0, "0 ms"}, {-1.0, "0 ms"}, {NAN, "0 ms"}, {INFINITY, "0 ms"}, {1e-9, "< 0.001 ms"},
        {0.00042, "0.42 ms"}, {0.0123, "12.3 ms"}, {0.9994, "999 ms"}, {0.9996, "1 s"},
        {2.138, "2.14 s"}, {45.21, "45.2 s"}, {59.96, "1 min 00 s"}, {725, "12 min 05 s"},
        {3599.4, "59 min 59 s"}, {3599.6, "1 h 00 min"}, {8070, "2 h 15 min"}, {1e30, "16666666666666 h 39 min"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[32];
        sasc_format_seconds(cases[i].seconds, text, sizeof text);
        CU_ASSERT_STRING_EQUAL(text, cases[i].text);
        if (strcmp(text, cases[i].text) != 0)
            printf("\n  %g s: '%s', expected '%s'", cases[i].seconds, text, cases[i].text);
    }
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
    CU_pSuite checkpoint = CU_add_suite("checkpoint", NULL, NULL);
    CU_add_test(checkpoint, "history round trip", test_checkpoint_history_round_trip);
    CU_add_test(checkpoint, "every flipped bit refused", test_checkpoint_every_flipped_bit_refused);
    CU_add_test(checkpoint, "settings and position re-checked", test_checkpoint_fields_rechecked);
    CU_add_test(checkpoint, "saved values re-checked", test_checkpoint_values_rechecked);
    CU_add_test(checkpoint, "lengths checked before allocating", test_checkpoint_lengths_checked_before_allocating);
    CU_pSuite saying = CU_add_suite("saying", NULL, NULL);
    CU_add_test(saying, "durations formatted", test_durations_formatted);
    return testing_run_registry();
}
