/*
 * diagnostics.c — printing compiler messages with the source line and a
 * caret/tilde range under the offending text.
 *
 * Columns count characters, not bytes: a UTF-8 continuation byte (10xxxxxx)
 * does not start a column. The lexer counts the same way, so carets line up
 * under non-ASCII text too. Tabs in the source line are reproduced in the
 * caret line so the caret stays under the right character in any tab width.
 */
#include "grammar/diagnostics.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct diagnostics {
    const char *path;
    const char *text;
    FILE *out;
    bool color;
    int errors;
    int shown;      /* messages printed so far */
};

/* A hostile file (10 MB of stray bytes) would otherwise print millions of
 * messages, each quoting a line that may itself be megabytes long: print the
 * first MAX_SHOWN messages, and quote at most SHOWN_LINE_MAX bytes of a line,
 * starting SHOWN_BEFORE columns before the offending text. */
enum { MAX_SHOWN = 50, SHOWN_LINE_MAX = 200, SHOWN_BEFORE = 60 };

#define COLOR_BOLD  "\033[1m"
#define COLOR_RESET "\033[0m"
#define COLOR_CARET "\033[1;32m"

static bool color_wanted(FILE *out)
{
    const char *no_color = getenv("NO_COLOR");
    if (no_color && *no_color)
        return false;
    int fd = fileno(out);
    return fd >= 0 && isatty(fd);
}

diagnostics *diagnostics_new(const char *path, const char *text, FILE *out)
{
    diagnostics *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->path = path;
    d->text = text ? text : "";
    d->out = out;
    d->color = color_wanted(out);
    return d;
}

void diagnostics_free(diagnostics *d)
{
    free(d);
}

int diagnostics_error_count(const diagnostics *d)
{
    return d->errors;
}

void diagnostics_set_color(diagnostics *d, bool color)
{
    d->color = color;
}

static const char *severity_name(diagnostic_severity severity)
{
    switch (severity) {
    case DIAGNOSTIC_ERROR: return "error";
    case DIAGNOSTIC_WARNING: return "warning";
    case DIAGNOSTIC_NOTE: return "note";
    }
    return "error";
}

static const char *severity_color(diagnostic_severity severity)
{
    switch (severity) {
    case DIAGNOSTIC_ERROR: return "\033[1;31m";
    case DIAGNOSTIC_WARNING: return "\033[1;35m";
    case DIAGNOSTIC_NOTE: return "\033[1;36m";
    }
    return "";
}

static const char *paint(const diagnostics *d, const char *code)
{
    return d->color ? code : "";
}

/* The start of line `line` (1-based) of the text, or NULL past its end. */
static const char *line_start(const char *text, int line)
{
    const char *p = text;
    for (int n = 1; n < line; n++) {
        p = strchr(p, '\n');
        if (!p)
            return NULL;
        p++;
    }
    return p;
}

static size_t line_length(const char *start)
{
    size_t n = strcspn(start, "\n");
    if (n > 0 && start[n - 1] == '\r')
        n--;
    return n;
}

static bool starts_column(char c)
{
    return ((unsigned char)c & 0xC0) != 0x80;
}

/* The caret line: blanks (tabs where the source has tabs) up to the first
 * column, then '^' and '~' up to the last column on this line. */
static void print_caret_line(const diagnostics *d, const char *line, size_t length,
                             source_location where)
{
    int column = 1;
    size_t i = 0;
    for (; i < length && column < where.first_column; i++) {
        if (!starts_column(line[i]))
            continue;
        fputc(line[i] == '\t' ? '\t' : ' ', d->out);
        column++;
    }
    for (; column < where.first_column; column++)   /* past the end of the line */
        fputc(' ', d->out);
    int last = where.last_line == where.first_line ? where.last_column : column;
    if (where.last_line > where.first_line) {       /* underline to the end of the first line */
        last = column;
        for (size_t j = i; j < length; j++)
            last += starts_column(line[j]);
        last--;
    }
    fputs(paint(d, COLOR_CARET), d->out);
    fputc('^', d->out);
    for (int c = column + 1; c <= last; c++)
        fputc('~', d->out);
    fputs(paint(d, COLOR_RESET), d->out);
    fputc('\n', d->out);
}

/* Narrow a long line to the window quoted for `where`: moves *line and
 * *length, and the location's columns with them; returns the columns cut
 * from the front. */
static int window_of_line(const char **line, size_t *length, source_location *where)
{
    if (*length <= SHOWN_LINE_MAX)
        return 0;
    const char *end = *line + *length, *p = *line;
    int skipped = 0;
    while (p < end && skipped + 1 < where->first_column - SHOWN_BEFORE) {
        p++;
        while (p < end && !starts_column(*p))
            p++;
        skipped++;
    }
    size_t shown = (size_t)(end - p) < SHOWN_LINE_MAX ? (size_t)(end - p) : SHOWN_LINE_MAX;
    while (shown > 0 && p + shown < end && !starts_column(p[shown]))
        shown--;   /* never cut a UTF-8 character in two */
    where->first_column -= skipped;
    where->last_column -= where->last_line == where->first_line ? skipped : 0;
    *line = p;
    *length = shown;
    return skipped;
}

static void print_source(const diagnostics *d, source_location where)
{
    const char *line = line_start(d->text, where.first_line);
    if (!line)
        return;
    const char *full_end = line + line_length(line);
    size_t length = (size_t)(full_end - line);
    bool cut_front = window_of_line(&line, &length, &where) > 0;
    bool cut_back = line + length < full_end;
    fprintf(d->out, "%5d | %s%.*s%s\n", where.first_line, cut_front ? "..." : "", (int)length, line,
            cut_back ? "..." : "");
    fprintf(d->out, "%5s | %s", "", cut_front ? "   " : "");
    if (where.last_line == where.first_line && cut_back && where.last_column > SHOWN_LINE_MAX)
        where.last_column = SHOWN_LINE_MAX;
    print_caret_line(d, line, length, where);
}

/* Counts the message; false once MAX_SHOWN were printed (said once). */
static bool still_shown(diagnostics *d, diagnostic_severity severity)
{
    if (severity == DIAGNOSTIC_ERROR)
        d->errors++;
    if (d->shown > MAX_SHOWN)
        return false;
    if (d->shown++ < MAX_SHOWN)
        return true;
    fprintf(d->out, "%s: note: too many messages; only the first %d are shown\n", d->path, MAX_SHOWN);
    return false;
}

static void print_header(diagnostics *d, diagnostic_severity severity, const source_location *where)
{
    fputs(paint(d, COLOR_BOLD), d->out);
    if (where)
        fprintf(d->out, "%s:%d:%d: ", d->path, where->first_line, where->first_column);
    else
        fprintf(d->out, "%s: ", d->path);
    fprintf(d->out, "%s%s:%s%s ", paint(d, severity_color(severity)), severity_name(severity),
            paint(d, COLOR_RESET), paint(d, COLOR_BOLD));
}

static void print_message(diagnostics *d, const char *format, va_list args)
{
    vfprintf(d->out, format, args);
    fprintf(d->out, "%s\n", paint(d, COLOR_RESET));
}

void diagnostic_report(diagnostics *d, diagnostic_severity severity,
                       source_location where, const char *format, ...)
{
    if (!still_shown(d, severity))
        return;
    print_header(d, severity, &where);
    va_list args;
    va_start(args, format);
    print_message(d, format, args);
    va_end(args);
    print_source(d, where);
    fflush(d->out);
}

void diagnostic_report_file(diagnostics *d, diagnostic_severity severity, const char *format, ...)
{
    if (!still_shown(d, severity))
        return;
    print_header(d, severity, NULL);
    va_list args;
    va_start(args, format);
    print_message(d, format, args);
    va_end(args);
    fflush(d->out);
}
