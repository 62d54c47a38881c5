/*
 * embedded.h — a model compiled ahead of time (`sasc build`): the kernels,
 * the buffer, group, layer and kernel tables, the task settings and the source, all as
 * constant data in the object file the compiler emits, under one symbol.
 *
 * The compiler writes these structures byte for byte as its own C compiler
 * lays them out (same target triple), so `layout` records the sizes it
 * used; sasc_embedded_check() refuses an object built against another
 * layout (another sasc version) instead of misreading it.
 */
#ifndef SASC_EMBEDDED_H
#define SASC_EMBEDDED_H

#include <stddef.h>
#include <stdint.h>

#include "runtime/sasc_runtime.h"
#include "runtime/settings/task.h"

enum { SASC_EMBEDDED_LAYOUT_WORDS = 9 };

/* A file the program needs, carried inside it: the .npy mask a group's
 * `mask.path` names, so a built program never looks for it on disk. */
typedef struct {
    const char *path;                /* the group's mask.path, as the compiler resolved it */
    const unsigned char *bytes;      /* the whole file */
    size_t size;
} sasc_embedded_file;

typedef struct {
    uint32_t layout[SASC_EMBEDDED_LAYOUT_WORDS]; /* sasc_embedded_layout(); first, so it can always be read */
    const sasc_program *program;
    const sasc_task *task;           /* the settings the program was built with */
    const char *model_file;          /* the .sas file's path at build time */
    const char *source_text;         /* its text */
    const char *compiler;            /* e.g. "sasc 0.1.0 (LLVM 19.1.7)" */
    int file_count;
    const sasc_embedded_file *files; /* the mask files, read when the program was built */
} sasc_embedded_model;

/* ABI version and the sizes of the embedded structures, as this runtime lays them out. */
void sasc_embedded_layout(uint32_t layout[SASC_EMBEDDED_LAYOUT_WORDS]);

/* False, with one sentence in `error`, when `model` was built for another layout. */
bool sasc_embedded_check(const sasc_embedded_model *model, char *error, size_t error_size);

#endif
