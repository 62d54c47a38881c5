/*
 * fuzz_checkpoint.c — libFuzzer target for the checkpoint reader
 * (runtime/model/checkpoint.c).
 *
 * Every input is read as DIR/checkpoint.sasc twice: as it is (the checksum
 * must refuse almost all of them) and with its last four bytes replaced by
 * the CRC-32 of the others, as a crafted file would be, so that the parser
 * behind the checksum (header, settings through sasc_task_set, history,
 * position, metrics, buffers and their values) is what the campaign
 * explores. The program is a fixed table of a small model: two groups'
 * parameters (one masked), optimiser states, a mask, an input.
 *
 * With FUZZ_WRITE_SEED=PATH in the environment the target first writes a
 * valid checkpoint of that program to PATH (the campaign's seed).
 */
#include "runtime/model/checkpoint.h"
#include "tests/fuzz/fuzz_files.h"

#include <zlib.h>

enum { PI, M, XI, M2, STATE, STATE2, MASK, INPUT, BUFFERS };

static const sasc_buffer_desc table[BUFFERS] = {
    {.name = "h.pi", .role = SASC_BUFFER_PARAMETER, .group = 0, .parameter = SASC_PI, .rows = 3, .cols = 2, .mask_buffer = MASK},
    {.name = "h.m", .role = SASC_BUFFER_PARAMETER, .group = 0, .parameter = SASC_M, .rows = 3, .cols = 2, .mask_buffer = MASK},
    {.name = "h.Xi", .role = SASC_BUFFER_PARAMETER, .group = 0, .parameter = SASC_XI, .rows = 3, .cols = 2, .mask_buffer = MASK},
    {.name = "y.m", .role = SASC_BUFFER_PARAMETER, .group = 1, .parameter = SASC_M, .rows = 2, .cols = 2, .mask_buffer = -1},
    {.name = "h.m.adam1", .role = SASC_BUFFER_OPTIMIZER_STATE, .group = 0, .parameter = SASC_M, .rows = 3, .cols = 2, .mask_buffer = -1},
    {.name = "y.m.adam1", .role = SASC_BUFFER_OPTIMIZER_STATE, .group = 1, .parameter = SASC_M, .rows = 2, .cols = 2, .mask_buffer = -1},
    {.name = "h.mask", .role = SASC_BUFFER_MASK, .group = 0, .parameter = SASC_NOT_A_PARAMETER, .rows = 3, .cols = 2, .mask_buffer = -1},
    {.name = "x", .role = SASC_BUFFER_INPUT, .group = -1, .parameter = SASC_NOT_A_PARAMETER, .rows = 4, .cols = 3, .mask_buffer = -1},
};

static sasc_program program(sasc_precision precision)
{
    return (sasc_program){.abi_version = SASC_ABI_VERSION, .model_name = "net", .precision = precision,
                          .batch = 4, .input_width = 3, .classes = 2, .buffer_count = BUFFERS,
                          .buffers = table};
}

/* A valid state of `precision`: pi 0.25, masks alternating, everything
 * else small numbers, written to `path`. */
static void write_seed(const char *path, sasc_precision precision)
{
    static double values[BUFFERS][12];
    static float narrow[BUFFERS][12];
    void *pointers[BUFFERS];
    for (int b = 0; b < BUFFERS; b++) {
        for (int k = 0; k < 12; k++) {
            values[b][k] = b == PI ? 0.25 : b == MASK ? k % 2 : b == XI ? 0.01 * k : 0.5 * k - 1;
            narrow[b][k] = (float)values[b][k];
        }
        pointers[b] = precision == SASC_F64 ? (void *)values[b] : (void *)narrow[b];
    }
    sasc_task task;
    sasc_task_defaults(&task);
    task.epochs = 4;
    double metrics[2 * 6] = {1, 0.5, 0.5, 4, 0.001, 0.3, 0.9, 0.6, 0.6, 4, 0.001, 0.2};
    sasc_checkpoint_resume resume = {1, "epochs=4"};
    sasc_checkpoint_position place = {2, 3, 57, 1.25, 7, 2, 6, metrics, "m.sas", 2.5, 1, &resume};
    sasc_program p = program(precision);
    char error[1024];
    if (!sasc_checkpoint_write(fuzz_scratch(), &p, pointers, &task, &place, error, sizeof error)) {
        fprintf(stderr, "fuzz: %s\n", error);
        abort();
    }
    char from[256];
    snprintf(from, sizeof from, "%s/%s", fuzz_scratch(), SASC_CHECKPOINT_FILE);
    if (rename(from, path) != 0)
        abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *seed = getenv("FUZZ_WRITE_SEED");
    if (seed) {
        char path[4096];
        snprintf(path, sizeof path, "%s-f64", seed);
        write_seed(path, SASC_F64);
        snprintf(path, sizeof path, "%s-f32", seed);
        write_seed(path, SASC_F32);
    }
    return 0;
}

static void read_once(const uint8_t *data, size_t size)
{
    fuzz_write(SASC_CHECKPOINT_FILE, data, size);
    static double storage[BUFFERS][12];
    void *pointers[BUFFERS];
    for (int b = 0; b < BUFFERS; b++)
        pointers[b] = storage[b];
    char error[8192];
    sasc_task task;
    sasc_checkpoint_position place;
    /* the precision word picks the program, so both element sizes are read */
    sasc_program p = program(size > 16 && data[16] == SASC_F32 ? SASC_F32 : SASC_F64);
    if (sasc_checkpoint_read(fuzz_scratch(), &p, pointers, &task, &place, error, sizeof error))
        sasc_checkpoint_position_free(&place);
    if (sasc_checkpoint_read(fuzz_scratch(), NULL, NULL, &task, &place, error, sizeof error))
        sasc_checkpoint_position_free(&place);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    read_once(data, size);
    if (size < 8 || size > (1u << 20))
        return 0;
    uint8_t *crafted = malloc(size);
    if (!crafted)
        return 0;
    memcpy(crafted, data, size);
    uint32_t crc = (uint32_t)crc32(0L, crafted, (uInt)(size - 4));
    memcpy(crafted + size - 4, &crc, 4);
    read_once(crafted, size);
    free(crafted);
    return 0;
}
