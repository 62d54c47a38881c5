/*
 * library.h — the C header that goes with `sasc build --library`: the
 * embedded model's symbol and inline functions binding the generic
 * ensemble API (runtime/ensemble/ensemble.h) to it.
 */
#ifndef SASC_LIBRARY_H
#define SASC_LIBRARY_H

#include <stdbool.h>
#include <stddef.h>

#include "runtime/settings/task.h"

/* Write NAME.h beside `library` (libNAME.a) for the model symbol NAME_model. */
bool library_header(const char *library, const char *name, const sasc_task *task,
                    char *error, size_t error_size);

#endif
