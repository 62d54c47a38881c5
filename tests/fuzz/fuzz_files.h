/*
 * fuzz_files.h — what the file-format fuzz targets share (fuzz_idx.c,
 * fuzz_npy.c, fuzz_checkpoint.c, fuzz_run_json.c, and fuzz_frontend.c for
 * fuzz_text): a private scratch directory that lives as long as the
 * campaign, writing an input there as the file sasc would read, an input as
 * text. Each target is also built as an ordinary
 * program with replay.c (make check runs the reproducers of
 * tests/fuzz/regressions/FORMAT/ through it).
 */
#ifndef SASC_FUZZ_FILES_H
#define SASC_FUZZ_FILES_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One directory per process, removed at exit. */
static char fuzz_directory[64] __attribute__((unused));

static inline void fuzz_remove_directory(void)
{
    char command[128];
    snprintf(command, sizeof command, "rm -rf '%s'", fuzz_directory);
    if (system(command) != 0)
        fprintf(stderr, "fuzz: could not remove %s\n", fuzz_directory);
}

static inline const char *fuzz_scratch(void)
{
    if (!fuzz_directory[0]) {
        snprintf(fuzz_directory, sizeof fuzz_directory, "/tmp/sasc-fuzz-XXXXXX");
        if (!mkdtemp(fuzz_directory))
            abort();
        atexit(fuzz_remove_directory);
    }
    return fuzz_directory;
}

/* Write `size` bytes as DIRECTORY/NAME (replacing what was there). */
static inline void fuzz_write(const char *name, const uint8_t *data, size_t size)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", fuzz_scratch(), name);
    FILE *f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
        abort();
}

/* The input as a C string (an embedded NUL ends it, as for a file sasc reads
 * as text); NULL when out of memory. The caller frees. */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text) {
        memcpy(text, data, size);
        text[size] = '\0';
    }
    return text;
}

#endif
