/*
 * constants.h — the values of a file's named constants (`const N = 100`)
 * that a run used, as they travel with the run: in its task (sasc_task's
 * `constants`), hence in run.json, in checkpoints and in embedded tasks.
 *
 * The front end decides the values (the file's expressions, overridden by
 * `--set NAME=VALUE`); what is stored here is only their result, in the
 * file's order of declaration, so that `--resume`, `sasc eval` and
 * `sasc analyze` check the same file again with exactly these values and
 * rebuild the same model.
 *
 * Text form (the `constants` setting, sasc_task_set): "N=100,sigma=0.2",
 * every value written so that it reads back as the same double; "" when the
 * file has no constants.
 */
#ifndef SASC_CONSTANTS_H
#define SASC_CONSTANTS_H

#include <stdbool.h>
#include <stddef.h>

enum { SASC_MAX_CONSTANTS = 64, SASC_CONSTANT_NAME_SIZE = 64 };

typedef struct {
    char name[SASC_CONSTANT_NAME_SIZE];
    double value;
} sasc_constant;

typedef struct {
    int count;
    sasc_constant items[SASC_MAX_CONSTANTS];
} sasc_constants;

/* The constant `name`, or NULL. */
const sasc_constant *sasc_constants_find(const sasc_constants *constants, const char *name);

/* Set `name` to `value`: replaced when present, else appended. False when
 * the name is not a valid one or the table is full. */
bool sasc_constants_put(sasc_constants *constants, const char *name, double value);

/* The value text of `--set NAME=TEXT` for a constant: a finite number
 * written whole (no blanks, no trailing junk). On error one sentence
 * ("NAME must be a number, got 'TEXT'") in `error`. */
bool sasc_constant_parse_value(const char *name, const char *text, double *value, char *error,
                               size_t error_size);

/* "N=100,sigma=0.2" into `out` (emptied first). On error one sentence. */
bool sasc_constants_parse(const char *text, sasc_constants *out, char *error, size_t error_size);

/* The text form of `constants`, exact (reads back as the same doubles). */
void sasc_constants_text(const sasc_constants *constants, char *out, size_t size);

/* A JSON object {"N": 100, "sigma": 0.2}, for run.json. */
void sasc_constants_json(const sasc_constants *constants, char *out, size_t size);

#endif
