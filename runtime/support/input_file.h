/*
 * input_file.h — the one way sasc opens a file it reads (a .sas file, IDX
 * data, a .npy mask or parameter, a checkpoint, run.json, a CSV it wrote).
 *
 * Only regular files are read. A FIFO, a device, a socket or a directory is
 * refused with a reason instead of being opened for reading: opening a FIFO
 * blocks until a writer comes (forever, if none does), /dev/zero never ends
 * and /dev/null looks like an empty file. The file is opened non-blocking
 * (so even a FIFO's open returns at once), checked with fstat, and only then
 * switched to ordinary blocking reads. Its size is known before anything is
 * allocated, so a reader can compare the sizes a file declares with the
 * bytes it holds first.
 *
 * Failures are reported as a reason alone ("No such file or directory",
 * "it is a FIFO, not a regular file", "the file is too large (more than N
 * bytes)"); each reader puts the path and its own context around it.
 */
#ifndef SASC_INPUT_FILE_H
#define SASC_INPUT_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct {
    int fd;           /* -1 when closed */
    uint64_t size;    /* bytes in the file when it was opened */
} sasc_input_file;

/* Open `path` for reading if it is a regular file of at most `limit` bytes
 * (0: no limit). On failure writes the reason into `reason`. */
bool sasc_input_open(sasc_input_file *file, const char *path, uint64_t limit,
                     char *reason, size_t reason_size);

/* Read exactly `size` bytes; false (with `reason`) on an error or when the
 * file ends first ("it ends after N bytes"). */
bool sasc_input_read(sasc_input_file *file, void *data, size_t size, char *reason,
                     size_t reason_size);

void sasc_input_close(sasc_input_file *file);

/* The whole regular file `path` (at most `limit` bytes, 0: none) in memory
 * with a NUL after its last byte, so text can be searched; its length in
 * *size when `size` is not NULL. NULL with `reason` on failure. The caller
 * frees. */
char *sasc_input_read_all(const char *path, uint64_t limit, size_t *size, char *reason,
                          size_t reason_size);

/* `path` as a stdio stream for line-by-line reading, if it is a regular
 * file; NULL with `reason` otherwise. Close with fclose. */
FILE *sasc_input_fopen(const char *path, char *reason, size_t reason_size);

#endif
