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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Fill MASK buffers (1 = connection exists) and PARAMETER buffers. Where a
 * mask is 0 the connection is absent: pi = 1, m = 0, Xi = 0. On error (an
 * unreadable mask file) writes one sentence into `error`. */
bool sasc_initialize(const sasc_program *program, void *const *buffers, uint64_t seed,
                     char *error, size_t error_size);

#endif
