/*
 * buffers.c — checking a program's buffer table and allocating its buffers.
 *
 * All buffers live in one zero-filled block; each starts on a 64-byte
 * boundary (cache line, widest vector load). The block's address is kept
 * after the buffer pointers, so one free releases them all.
 */
#include "runtime/model/buffers.h"
#include "runtime/support/memory.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ALIGNMENT = 64 };

size_t sasc_buffer_elements(const sasc_program *program, int index)
{
    const sasc_buffer_desc *b = &program->buffers[index];
    return (size_t)b->rows * (size_t)b->cols;
}

size_t sasc_buffers_largest(const sasc_program *program)
{
    size_t largest = 1;
    for (int i = 0; i < program->buffer_count; i++)
        if (sasc_buffer_elements(program, i) > largest)
            largest = sasc_buffer_elements(program, i);
    return largest;
}

void sasc_buffer_zero(const sasc_program *program, void *const *buffers, int index)
{
    memset(buffers[index], 0, sasc_buffer_elements(program, index) * (size_t)program->precision);
}

static bool index_ok(const sasc_program *p, int index, bool optional)
{
    return (optional && index == -1) || (index >= 0 && index < p->buffer_count);
}

static bool role_ok(const sasc_program *p, int index, sasc_buffer_role role, int rows, int cols)
{
    if (!index_ok(p, index, false))
        return false;
    const sasc_buffer_desc *b = &p->buffers[index];
    return b->role == role && (rows < 0 || b->rows == rows) && (cols < 0 || b->cols >= cols);
}

/* INPUT and TARGET of a sequence model stack `rows / batch` blocks of one
 * batch each (block t holds step t); a feedforward model has one block. */
static bool blocks_ok(const sasc_program *p, int index, sasc_buffer_role role, int width)
{
    if (!index_ok(p, index, false))
        return false;
    const sasc_buffer_desc *b = &p->buffers[index];
    return b->role == role && b->rows % p->batch == 0 && (long)(b->rows / p->batch) * b->cols >= width;
}

static bool header_ok(const sasc_program *p, char *error, size_t size)
{
    if (p->abi_version != SASC_ABI_VERSION) {
        snprintf(error, size, "the compiled program has ABI version %d but this runtime expects %d",
                 p->abi_version, SASC_ABI_VERSION);
        return false;
    }
    if (p->precision != SASC_F32 && p->precision != SASC_F64) {
        snprintf(error, size, "the compiled program has precision %d bytes, expected 4 or 8",
                 (int)p->precision);
        return false;
    }
    if (p->batch <= 0 || p->input_width <= 0 || p->classes <= 0 || p->buffer_count <= 0 ||
        !p->buffers || p->group_count < 0 || (p->group_count > 0 && !p->groups) ||
        p->layer_count < 0 || (p->layer_count > 0 && !p->layers) ||
        p->kernel_count < 0 || p->kernel_count > SASC_KERNEL_ROLE_COUNT || (p->kernel_count > 0 && !p->kernels) ||
        !sasc_program_kernel(p, SASC_KERNEL_TRAIN) || !sasc_program_kernel(p, SASC_KERNEL_UPDATE) ||
        !sasc_program_kernel(p, SASC_KERNEL_PREDICT)) {
        snprintf(error, size,
                 "the compiled program is malformed (batch, widths, buffers or kernels missing)");
        return false;
    }
    return true;
}

static bool buffer_ok(const sasc_program *p, int i, char *error, size_t size)
{
    const sasc_buffer_desc *b = &p->buffers[i];
    const char *name = b->name ? b->name : "(unnamed)";
    if (!b->name || b->rows <= 0 || b->cols <= 0) {
        snprintf(error, size, "buffer %d '%s' of the compiled program has an invalid shape %dx%d",
                 i, name, b->rows, b->cols);
        return false;
    }
    /* Parameters are saved as NAME.npy in the run directory. */
    bool file_name_ok = b->name[0] != '\0' && b->name[0] != '.' && !strchr(b->name, '/');
    if (b->role == SASC_BUFFER_PARAMETER && !file_name_ok) {
        snprintf(error, size, "parameter '%s' of the compiled program has a name unfit for a file",
                 name);
        return false;
    }
    if (b->role == SASC_BUFFER_PARAMETER && b->mask_buffer != -1 &&
        (!role_ok(p, b->mask_buffer, SASC_BUFFER_MASK, b->rows, b->cols) ||
         p->buffers[b->mask_buffer].cols != b->cols)) {
        snprintf(error, size, "parameter '%s' of the compiled program names a mask buffer "
                 "that is missing or of another shape", name);
        return false;
    }
    return true;
}

static bool group_ok(const sasc_program *p, int g, char *error, size_t size)
{
    const sasc_group_desc *group = &p->groups[g];
    bool ok = group->name && index_ok(p, group->noise_buffer, true) &&
              index_ok(p, group->mask_buffer, true);
    for (int k = 0; k < 3; k++)
        ok = ok && index_ok(p, group->parameter_buffer[k], true);
    ok = ok && (group->mask_buffer == -1 || p->buffers[group->mask_buffer].role == SASC_BUFFER_MASK);
    if (!ok) {
        snprintf(error, size, "group %d of the compiled program refers to a missing buffer", g);
        return false;
    }
    const sasc_layer_desc *owner = group->layer >= 0 && group->layer < p->layer_count
        ? &p->layers[group->layer] : NULL;
    if ((int)group->kind < 0 || group->kind >= SASC_GROUP_KIND_COUNT || !owner ||
        g < owner->first_group || g >= owner->first_group + owner->group_count) {
        snprintf(error, size, "group %d of the compiled program has an unknown kind or owning layer", g);
        return false;
    }
    return true;
}

static bool layer_ok(const sasc_program *p, int l, char *error, size_t size)
{
    const sasc_layer_desc *layer = &p->layers[l];
    bool ok = layer->name && layer->kind && layer->activation && layer->width > 0 &&
              layer->first_group >= 0 && layer->group_count >= 0 &&
              layer->first_group + layer->group_count <= p->group_count &&
              index_ok(p, layer->state_buffer, true);
    if (!ok)
        snprintf(error, size, "layer %d of the compiled program is malformed (name, kind, width, "
                 "groups or state)", l);
    return ok;
}

bool sasc_program_validate(const sasc_program *p, char *error, size_t size)
{
    if (!header_ok(p, error, size))
        return false;
    for (int i = 0; i < p->buffer_count; i++)
        if (!buffer_ok(p, i, error, size))
            return false;
    for (int l = 0; l < p->layer_count; l++)
        if (!layer_ok(p, l, error, size))
            return false;
    for (int g = 0; g < p->group_count; g++)
        if (!group_ok(p, g, error, size))
            return false;
    if (!blocks_ok(p, p->input_buffer, SASC_BUFFER_INPUT, p->input_width) ||
        !blocks_ok(p, p->target_buffer, SASC_BUFFER_TARGET, p->classes) ||
        !role_ok(p, p->output_buffer, SASC_BUFFER_OUTPUT, p->batch, p->classes) ||
        !role_ok(p, p->loss_buffer, SASC_BUFFER_LOSS, -1, 1) ||
        !role_ok(p, p->scalars_buffer, SASC_BUFFER_SCALARS, -1, SASC_SCALAR_COUNT)) {
        snprintf(error, size, "the compiled program's input, target, output, loss or scalars "
                 "buffer is missing or has the wrong role or shape");
        return false;
    }
    return true;
}

/* Bytes of buffer `i` rounded up to the alignment; false on overflow. */
static bool padded_bytes(const sasc_program *p, int i, size_t *bytes)
{
    size_t elements = (size_t)p->buffers[i].rows;
    size_t cols = (size_t)p->buffers[i].cols;
    if (elements > SIZE_MAX / cols)
        return false;
    elements *= cols;
    if (elements > (SIZE_MAX - ALIGNMENT) / (size_t)p->precision)
        return false;
    *bytes = (elements * (size_t)p->precision + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    return true;
}

/* The per-sample roles are listed, so any other role (e.g. the runtime-filled
 * STEP_WEIGHTS of the dynamics analysis) is shared, never silently copied. */
bool sasc_buffer_role_shared(sasc_buffer_role role)
{
    switch (role) {
    case SASC_BUFFER_INPUT: case SASC_BUFFER_TARGET: case SASC_BUFFER_LOSS_MASK:
    case SASC_BUFFER_NOISE: case SASC_BUFFER_OUTPUT: case SASC_BUFFER_LOSS:
    case SASC_BUFFER_TEMPORARY: case SASC_BUFFER_STATE: case SASC_BUFFER_GRADIENT:
    case SASC_BUFFER_PREACTIVATION_MEAN: case SASC_BUFFER_PREACTIVATION_VARIANCE:
        return false;
    default:
        return true;
    }
}

/* Buffers this allocation owns: all, or with `shared` only the per-sample ones. */
static bool owned(const sasc_program *p, int i, void *const *shared)
{
    return !shared || !sasc_buffer_role_shared(p->buffers[i].role);
}

static bool total_bytes(const sasc_program *p, void *const *shared, size_t *total)
{
    *total = ALIGNMENT;   /* at least one line, so the block is never empty */
    for (int i = 0; i < p->buffer_count; i++) {
        size_t bytes;
        if (!padded_bytes(p, i, &bytes) || bytes > SIZE_MAX - *total)
            return false;
        if (owned(p, i, shared))
            *total += bytes;
    }
    return true;
}

/* The array holds buffer_count base pointers and, after them, the block
 * they live in (what sasc_buffers_free releases). */
static void **allocate(const sasc_program *p, void *const *shared, char *error, size_t size)
{
    size_t total;
    if (!total_bytes(p, shared, &total)) {
        snprintf(error, size, "the model's buffers are too large to address");
        return NULL;
    }
    if (!sasc_memory_check((double)total, "the model's buffers", error, size))
        return NULL;
    void **buffers = calloc((size_t)p->buffer_count + 1, sizeof *buffers);
    char *block = buffers ? aligned_alloc(ALIGNMENT, total) : NULL;
    if (!block) {
        free(buffers);
        snprintf(error, size, "out of memory allocating %.1f MB for the model's buffers",
                 (double)total / 1e6);
        return NULL;
    }
    memset(block, 0, total);
    size_t offset = 0;
    for (int i = 0; i < p->buffer_count; i++) {
        size_t bytes = 0;
        padded_bytes(p, i, &bytes);  /* cannot fail: total_bytes checked every buffer */
        if (!owned(p, i, shared)) {
            buffers[i] = shared[i];
            continue;
        }
        buffers[i] = block + offset;
        offset += bytes;
    }
    buffers[p->buffer_count] = block;
    return buffers;
}

void **sasc_buffers_allocate(const sasc_program *p, char *error, size_t size)
{
    return allocate(p, NULL, error, size);
}

void **sasc_buffers_allocate_shard(const sasc_program *p, void *const *shared, char *error,
                                   size_t size)
{
    return allocate(p, shared, error, size);
}

void sasc_buffers_free(const sasc_program *p, void **buffers)
{
    if (!buffers)
        return;
    free(buffers[p->buffer_count]);
    free(buffers);
}
