/*
 * sema.h — semantic analysis: from a syntax tree to a checked file.
 *
 * Resolves names (layer sources, priors, models), checks kinds of values,
 * shapes and value ranges, folds constant expressions and applies the
 * defaults documented in docs/language.md. It keeps going after an error so
 * one run reports every problem it can find.
 */
#ifndef SASC_SEMA_H
#define SASC_SEMA_H

#include "grammar/ast.h"
#include "grammar/diagnostics.h"
#include "compiler/check/model.h"

/* Limits on what a .sas file may declare (checked with a message). */
#define SEMA_MAX_WIDTH 1000000          /* input and layer widths */
#define SEMA_MAX_NAME 63                /* model and task names (they go into sasc_task) */
/* Names are looked up by linear search, so counts are bounded to keep a
 * hostile file from taking quadratic time (fuzzing found 20000 layers = 3 s). */
#define SEMA_MAX_DECLARATIONS 1000      /* priors, models and tasks in one file */
#define SEMA_MAX_ITEMS 1000             /* input, layers, loss and l2 of one model */

/* Check `file` (parsed from `text`, named `path`) with the layer kinds of
 * `kinds` (compiler/layers/registry.h). `overrides` (NULL: none) replace
 * the values of the file's constants of those names (`--set NAME=VALUE`);
 * names the file does not declare are ignored here (the driver reports them
 * as unknown settings). Returns true and fills `out` (path and text copied;
 * release with checked_file_free) when no error was reported; otherwise
 * `out` is left empty. */
bool sema_check(const ast_file *file, const char *path, const char *text,
                const layer_kind_table *kinds, const sasc_constants *overrides, diagnostics *d,
                checked_file *out);


#endif
