/*
 * frontend.h — from .sas text to a checked file: lex, parse, build the AST,
 * resolve names, check types, shapes and value ranges.
 */
#ifndef SASC_FRONTEND_H
#define SASC_FRONTEND_H

#include "grammar/diagnostics.h"
#include "compiler/check/model.h"

/* Parse and check `text` (NUL-terminated, named `path` in messages) with
 * the layer kinds of `kinds` (compiler/layers/registry.h). Reports every
 * problem found to `d` (several per run). Returns true and fills `out`
 * (owned by the caller, release with checked_file_free) when there were no
 * errors; on failure `out` is left empty. */
bool frontend_check(const char *path, const char *text, const layer_kind_table *kinds, diagnostics *d,
                    checked_file *out);
/* The same with the file's constants of the names in `overrides` replaced
 * by their values there (`--set NAME=VALUE`; sema.h). */
bool frontend_check_with(const char *path, const char *text, const layer_kind_table *kinds,
                         const sasc_constants *overrides, diagnostics *d, checked_file *out);

/* Read a whole .sas file (a regular file of at most 16 MiB, no NUL byte);
 * NULL with a message in `error` ("PATH: REASON") on failure. Caller frees. */
char *frontend_read_file(const char *path, char *error, size_t error_size);

#endif
