/*
 * frontend.c — the front end as one call: parse, then check.
 *
 * Semantic analysis runs only on a file without lexical or syntax errors:
 * checking a tree with holes where the parser recovered would mostly produce
 * follow-on messages about the holes ("model has no loss" for a loss line
 * that merely had a typo).
 */
#include "compiler/check/frontend.h"

#include <stdlib.h>
#include <string.h>

#include "grammar/ast.h"
#include "compiler/check/sema.h"
#include "grammar/syntax.h"
#include "runtime/support/input_file.h"

/* Larger sources are certainly not hand-written models. */
#define FRONTEND_MAX_SOURCE (16L * 1024 * 1024)

bool frontend_check(const char *path, const char *text, const layer_kind_table *kinds, diagnostics *d,
                    checked_file *out)
{
    return frontend_check_with(path, text, kinds, NULL, d, out);
}

bool frontend_check_with(const char *path, const char *text, const layer_kind_table *kinds,
                         const sasc_constants *overrides, diagnostics *d, checked_file *out)
{
    *out = (checked_file){ 0 };
    int errors_before = diagnostics_error_count(d);
    ast_file *tree = syntax_parse(text, d);
    if (!tree) {
        diagnostic_report_file(d, DIAGNOSTIC_ERROR, "out of memory while parsing");
        return false;
    }
    bool ok = diagnostics_error_count(d) == errors_before && sema_check(tree, path, text, kinds, overrides, d, out);
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

char *frontend_read_file(const char *path, char *error, size_t error_size)
{
    char reason[256];
    size_t length = 0;
    char *text = sasc_input_read_all(path, FRONTEND_MAX_SOURCE, &length, reason, sizeof reason);
    if (!text) {
        snprintf(error, error_size, "%s: %s", path, reason);
        return NULL;
    }
    if (!check_no_nul(path, text, length, error, error_size)) {
        free(text);
        return NULL;
    }
    return text;
}
