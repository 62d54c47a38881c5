/*
 * frontend.c — the front end as one call: parse, then check.
 *
 * Semantic analysis runs only on a file without lexical or syntax errors:
 * checking a tree with holes where the parser recovered would mostly produce
 * follow-on messages about the holes ("model has no loss" for a loss line
 * that merely had a typo).
 */
#include "compiler/check/frontend.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "grammar/ast.h"
#include "compiler/check/sema.h"
#include "grammar/syntax.h"

/* Larger sources are certainly not hand-written models. */
#define FRONTEND_MAX_SOURCE (16L * 1024 * 1024)

bool frontend_check(const char *path, const char *text, const layer_kind_table *kinds, diagnostics *d,
                    checked_file *out)
{
    *out = (checked_file){ 0 };
    int errors_before = diagnostics_error_count(d);
    ast_file *tree = syntax_parse(text, d);
    if (!tree) {
        diagnostic_report_file(d, DIAGNOSTIC_ERROR, "out of memory while parsing");
        return false;
    }
    bool ok = diagnostics_error_count(d) == errors_before && sema_check(tree, path, text, kinds, d, out);
    ast_file_free(tree);
    return ok;
}

/* Line and column of byte `offset` of `text`, counted as the lexer does. */
static void position_of(const char *text, size_t offset, int *line, int *column)
{
    *line = 1;
    *column = 1;
    for (size_t i = 0; i < offset; i++) {
        if (text[i] == '\n') {
            ++*line;
            *column = 1;
        } else if (((unsigned char)text[i] & 0xC0) != 0x80) {
            ++*column;
        }
    }
}

/* The text is handed on as a C string, so an embedded NUL would silently cut
 * the file short: refuse it with its position instead. */
static bool check_no_nul(const char *path, const char *text, size_t length, char *error, size_t error_size)
{
    const char *nul = memchr(text, '\0', length);
    if (!nul)
        return true;
    int line, column;
    position_of(text, (size_t)(nul - text), &line, &column);
    snprintf(error, error_size, "%s:%d:%d: NUL byte in the source text (is this a binary file?)",
             path, line, column);
    return false;
}

static char *read_stream(FILE *f, const char *path, size_t *length, char *error, size_t error_size)
{
    size_t capacity = 4096, used = 0;
    char *text = malloc(capacity);
    while (text) {
        if (used + 1 >= capacity) {
            /* Room for one byte more than the limit (and the NUL): reading it
             * proves the file too large. Doubling alone overshot to 2x the limit. */
            size_t limit = (size_t)FRONTEND_MAX_SOURCE + 2;
            size_t grown = 2 * capacity < limit ? 2 * capacity : limit;
            char *bigger = capacity >= limit ? NULL : realloc(text, grown);
            if (!bigger) {
                snprintf(error, error_size, "%s: the file is too large (more than %ld bytes)",
                         path, FRONTEND_MAX_SOURCE);
                free(text);
                return NULL;
            }
            text = bigger;
            capacity = grown;
        }
        size_t n = fread(text + used, 1, capacity - used - 1, f);
        used += n;
        if (n == 0)
            break;
    }
    if (!text) {
        snprintf(error, error_size, "%s: out of memory", path);
        return NULL;
    }
    if (ferror(f)) {
        snprintf(error, error_size, "%s: %s", path, strerror(errno));
        free(text);
        return NULL;
    }
    text[used] = '\0';
    *length = used;
    return text;
}

char *frontend_read_file(const char *path, char *error, size_t error_size)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(error, error_size, "%s: %s", path, strerror(errno));
        return NULL;
    }
    size_t length = 0;
    char *text = read_stream(f, path, &length, error, error_size);
    fclose(f);
    if (text && !check_no_nul(path, text, length, error, error_size)) {
        free(text);
        return NULL;
    }
    return text;
}
