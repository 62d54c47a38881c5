/*
 * buffers.h — a program's buffer table in memory: allocation and element access.
 *
 * Every buffer is rows x cols elements of the program's precision; element
 * access goes through sasc_buffer_get/set so no routine is written twice for
 * float and double.
 */
#ifndef SASC_BUFFERS_H
#define SASC_BUFFERS_H

#include "runtime/sasc_runtime.h"

#include <stdbool.h>
#include <stddef.h>

/* Elements in buffer `index` of `program`. */
size_t sasc_buffer_elements(const sasc_program *program, int index);

/* Elements in the program's largest buffer (at least 1): the size of scratch
 * space that can hold any buffer as doubles. */
size_t sasc_buffers_largest(const sasc_program *program);

/* Check the program's header and buffer table (ABI version, precision, shapes,
 * role indices); on error writes one sentence into `error`. */
bool sasc_program_validate(const sasc_program *program, char *error, size_t error_size);

/* Allocate every buffer 64-byte aligned and zero-filled. Returns the array of
 * base pointers (freed with sasc_buffers_free), or NULL with `error` set. */
void **sasc_buffers_allocate(const sasc_program *program, char *error, size_t error_size);
void sasc_buffers_free(const sasc_program *program, void **buffers);

/* Whether a buffer of this role belongs to the whole ensemble (PARAMETER,
 * MASK, OPTIMIZER_STATE, SCALARS, ...: one copy, read-only during `train`)
 * rather than to the samples of one kernel call (INPUT, TARGET, LOSS_MASK,
 * NOISE, OUTPUT, LOSS, TEMPORARY, STATE, GRADIENT). */
bool sasc_buffer_role_shared(sasc_buffer_role role);

/* The buffers of one more data-parallel shard: the shared roles point into
 * `shared` (another allocation, which must outlive this one), the others are
 * allocated as by sasc_buffers_allocate. Freed with sasc_buffers_free. */
void **sasc_buffers_allocate_shard(const sasc_program *program, void *const *shared,
                                   char *error, size_t error_size);

static inline double sasc_buffer_get(const void *buffer, sasc_precision precision, size_t i)
{
    return precision == SASC_F64 ? ((const double *)buffer)[i] : (double)((const float *)buffer)[i];
}

static inline void sasc_buffer_set(void *buffer, sasc_precision precision, size_t i, double value)
{
    if (precision == SASC_F64)
        ((double *)buffer)[i] = value;
    else
        ((float *)buffer)[i] = (float)value;
}

/* Set all elements of buffer `index` to zero. */
void sasc_buffer_zero(const sasc_program *program, void *const *buffers, int index);

#endif
