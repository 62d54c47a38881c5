/*
 * output.h — writing result files so that a reader never sees half a file.
 *
 * An atomic file is written to a temporary file in the destination's
 * directory, flushed, fsync'ed and renamed over the destination; on any
 * failure the temporary file is removed and the destination left as it was.
 * Write errors are remembered and reported once, at commit, as
 * "cannot write PATH: REASON".
 */
#ifndef SASC_OUTPUT_H
#define SASC_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct {
    char *path;         /* destination */
    char *temp_path;    /* where the bytes go until commit */
    FILE *file;
    int error_number;   /* first errno seen while writing, 0 if none */
} sasc_atomic_file;

/* Create the temporary file for `path`. */
bool sasc_atomic_open(sasc_atomic_file *f, const char *path, char *error, size_t error_size);

/* Append bytes / formatted text; errors are kept for commit. */
void sasc_atomic_write(sasc_atomic_file *f, const void *data, size_t size);
void sasc_atomic_printf(sasc_atomic_file *f, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* Flush, fsync, close and rename; on failure remove the temporary file.
 * Frees `f`'s memory either way. */
bool sasc_atomic_commit(sasc_atomic_file *f, char *error, size_t error_size);

/* Give up: remove the temporary file and free `f`'s memory. */
void sasc_atomic_abort(sasc_atomic_file *f);

/* Finish writing `stream` (flush, fsync, close) and say why it failed, if it did:
 * "cannot write NAME: REASON". `earlier_errno` is an error already seen, or 0. */
bool sasc_stream_finish(FILE *stream, const char *name, int earlier_errno,
                        char *error, size_t error_size);

/* The whole of `data` as the file `path`, atomically. */
bool sasc_write_file_atomically(const char *path, const void *data, size_t size,
                                char *error, size_t error_size);

/* The whole of file `path`, NUL-terminated (so text can be searched), its
 * length in *size when `size` is not NULL; NULL with errno set on failure.
 * Works on pipes too (no seeking). The caller frees. */
char *sasc_read_file(const char *path, size_t *size);

/* mkdir -p. */
bool sasc_make_directories(const char *path, char *error, size_t error_size);

/* CSV and JSON numbers print with %.9g: the same value always gives the same text.
 * JSON has no NaN or infinity; those print as null. */
void sasc_atomic_number(sasc_atomic_file *f, double value);
void sasc_atomic_json_number(sasc_atomic_file *f, double value);
void sasc_atomic_json_string(sasc_atomic_file *f, const char *text);

/* `text` as a JSON string literal (quotes included) in `out`; cut short, never
 * inside an escape, when `size` is too small. */
void sasc_json_quote(const char *text, char *out, size_t size);

/* `text` for a message: whole when at most `keep` bytes, else its first and
 * last keep / 2 bytes around "..." and its length ("aaa...aaa (5000
 * characters)"), so that what follows it in the message is never cut off. */
void sasc_shorten(const char *text, size_t keep, char *out, size_t size);

#endif
