/*
 * initialize.h — the ensemble's starting point: connection masks, then every
 * PARAMETER buffer from its `init`, then masked connections made absent.
 *
 * Every random value is keyed by (seed, buffer or layer index, element index)
 * so the result depends on nothing but the seed and the program.
 */
#ifndef SASC_INITIALIZE_H
#define SASC_INITIALIZE_H

#include "runtime/sasc_runtime.h"
#include "runtime/settings/embedded.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where the .npy masks come from (groups with SASC_MASK_NPY). A run reads
 * the files the program names and keeps a copy of each in its directory
 * (MASK-BUFFER.npy, e.g. h.mask.npy); whatever continues or analyses the run
 * reads those copies, so neither the current directory nor the original
 * file matters any more. A built program carries its masks inside it. */
typedef struct {
    const char *run_dir;                 /* read RUN_DIR/MASK-BUFFER.npy, or NULL */
    const sasc_embedded_file *files;     /* else the file of this list with the group's path */
    int file_count;
} sasc_mask_source;

/* Fill MASK buffers (1 = connection exists) and PARAMETER buffers. Where a
 * mask is 0 the connection is absent: pi = 1, m = 0, Xi = 0. Masks come from
 * `masks` (NULL: the paths the program names). On error (an unreadable or
 * invalid mask file) writes one sentence into `error`. */
bool sasc_initialize_from(const sasc_program *program, void *const *buffers, uint64_t seed,
                          const sasc_mask_source *masks, char *error, size_t error_size);

/* sasc_initialize_from with the masks the program names. */
bool sasc_initialize(const sasc_program *program, void *const *buffers, uint64_t seed,
                     char *error, size_t error_size);

/* The file name a run keeps mask buffer `index` under (MASK-BUFFER.npy), in `dir`. */
void sasc_mask_copy_path(const sasc_program *program, int index, const char *dir, char *path,
                         size_t size);

#endif
