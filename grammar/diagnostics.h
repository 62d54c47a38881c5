/*
 * diagnostics.h — compiler messages in the form users know from modern compilers:
 *
 *   model.sas:12:9: error: unknown activation 'rleu'; did you mean 'relu'?
 *      12 |   layer h1 = dense(x, 100) { activation = rleu }
 *         |                                           ^~~~
 *
 * A diagnostics sink collects every message of a run (several errors per run);
 * the caller decides the exit status from the error count.
 */
#ifndef SASC_DIAGNOSTICS_H
#define SASC_DIAGNOSTICS_H

#include <stdio.h>
#include <stdbool.h>

typedef struct {
    int first_line, first_column;   /* 1-based */
    int last_line, last_column;     /* inclusive */
} source_location;

typedef enum { DIAGNOSTIC_ERROR, DIAGNOSTIC_WARNING, DIAGNOSTIC_NOTE } diagnostic_severity;

typedef struct diagnostics diagnostics;

/* `path` and `text` (the whole source, NUL-terminated) are borrowed and must
 * outlive the sink; messages are written to `out` as they are reported. */
diagnostics *diagnostics_new(const char *path, const char *text, FILE *out);
void diagnostics_free(diagnostics *d);

void diagnostic_report(diagnostics *d, diagnostic_severity severity,
                       source_location where, const char *format, ...)
    __attribute__((format(printf, 4, 5)));

/* A message about the file as a whole (no line to show). */
void diagnostic_report_file(diagnostics *d, diagnostic_severity severity, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

int diagnostics_error_count(const diagnostics *d);

/* Use colour (auto-detected from isatty(out) and NO_COLOR by default). */
void diagnostics_set_color(diagnostics *d, bool color);

#endif
