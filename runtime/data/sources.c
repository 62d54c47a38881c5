/*
 * sources.c — the table of data-source kinds, and the calls of source.h
 * that go through it.
 *
 * A new kind of source is one file defining `const sasc_data_kind
 * sasc_data_NAME` and one line X(NAME) in SASC_DATA_KINDS below, before the
 * IDX line: the kinds are asked in order whether they claim a `data` value,
 * and IDX takes every value the others do not (a directory of IDX files).
 *
 * The MSI generator (msi.c, sasc_data_msi) is not in the table: models/msi.sas
 * declares its trials in the language, and the generator stays only as the
 * reference tests/test_trials.c compares those trials with, bit for bit
 * (opened with sasc_data_open_kind).
 */
#include "runtime/data/source.h"
#include "runtime/model/buffers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SASC_DATA_KINDS(X) \
    X(trials)              \
    X(idx)                 /* last: any other `data` names a directory of IDX files */

#define DECLARE(name) extern const sasc_data_kind sasc_data_##name;
SASC_DATA_KINDS(DECLARE)
#undef DECLARE

#define ENTRY(name) &sasc_data_##name,
static const sasc_data_kind *const kinds[] = {SASC_DATA_KINDS(ENTRY)};
#undef ENTRY
enum { KIND_COUNT = sizeof kinds / sizeof kinds[0] };

const sasc_data_kind *const *sasc_data_kinds(int *count)
{
    *count = KIND_COUNT;
    return kinds;
}

const sasc_data_kind *sasc_data_kind_of(const char *data)
{
    for (int k = 0; k < KIND_COUNT - 1; k++)
        if (kinds[k]->claims(data))
            return kinds[k];
    return kinds[KIND_COUNT - 1];
}

const char *sasc_data_family(const char *data, const sasc_program *program)
{
    const sasc_data_kind *kind = sasc_data_kind_of(data);
    return kind->family ? kind->family(program) : kind->name;
}

bool sasc_data_probe(const sasc_data_request *request, sasc_data_shape *shape, char *error,
                     size_t error_size)
{
    memset(shape, 0, sizeof *shape);
    return sasc_data_kind_of(request->data)->probe(request, shape, error, error_size);
}

sasc_data_source *sasc_data_open(const sasc_data_request *request, const sasc_program *program,
                                 char *error, size_t error_size)
{
    return sasc_data_open_kind(sasc_data_kind_of(request->data), request, program, error,
                               error_size);
}

sasc_data_source *sasc_data_open_kind(const sasc_data_kind *kind, const sasc_data_request *request,
                                      const sasc_program *program, char *error, size_t error_size)
{
    sasc_data_source *source = calloc(1, sizeof *source);
    if (!source) {
        snprintf(error, error_size, "out of memory opening the data");
        return NULL;
    }
    source->kind = kind;
    source->state = source->kind->open(request, program, &source->shape, error, error_size);
    if (!source->state) {
        free(source);
        return NULL;
    }
    return source;
}

void sasc_data_close(sasc_data_source *source)
{
    if (!source)
        return;
    source->kind->close(source->state);
    free(source);
}

void sasc_data_load_batch(const sasc_data_source *source, const sasc_program *program,
                          void *const *buffers, sasc_split split, const size_t *order, long first,
                          int rows)
{
    source->kind->load_batch(source->state, program, buffers, split, order, first, rows);
}

int sasc_data_label(const sasc_data_source *source, sasc_split split, long sample)
{
    return source->kind->label(source->state, split, sample);
}

void sasc_data_metrics_reset(sasc_data_source *source)
{
    if (source->shape.metric_count > 0)
        source->kind->metrics_reset(source->state);
}

void sasc_data_metrics_tally(sasc_data_source *source, const sasc_program *program,
                             void *const *buffers, long first, int rows)
{
    if (source->shape.metric_count > 0)
        source->kind->metrics_tally(source->state, program, buffers, first, rows);
}

void sasc_data_metrics_read(const sasc_data_source *source, double *values)
{
    if (source->shape.metric_count > 0)
        source->kind->metrics_read(source->state, values);
}

/* ---- for implementations ---- */

int sasc_data_find_buffer(const sasc_program *program, sasc_buffer_role role)
{
    for (int i = 0; i < program->buffer_count; i++)
        if (program->buffers[i].role == role)
            return i;
    return -1;
}

void sasc_data_zero_batch(const sasc_program *program, void *const *buffers)
{
    sasc_buffer_zero(program, buffers, program->input_buffer);
    sasc_buffer_zero(program, buffers, program->target_buffer);
    int mask = sasc_data_find_buffer(program, SASC_BUFFER_LOSS_MASK);
    if (mask >= 0)
        sasc_buffer_zero(program, buffers, mask);
}

/* Where a sample's values come from: bytes through a table, doubles or floats. */
typedef struct {
    const unsigned char *bytes;
    const void *table;
    const double *doubles;
    const float *floats;
} sample_values;

/* Values [from, from + n) of a sample into `out` (n elements of the program's
 * precision). One loop per case, so the IDX path is a plain table look-up
 * per pixel. */
static void convert(const sasc_program *program, void *out, const sample_values *v, size_t from,
                    size_t n)
{
    bool f32 = program->precision == SASC_F32;
    if (v->table && f32) {
        const float *t = v->table;
        for (size_t c = 0; c < n; c++)
            ((float *)out)[c] = t[v->bytes[from + c]];
    } else if (v->table) {
        const double *t = v->table;
        for (size_t c = 0; c < n; c++)
            ((double *)out)[c] = t[v->bytes[from + c]];
    } else if (v->floats && f32) {
        memcpy(out, v->floats + from, n * sizeof *v->floats);
    } else if (v->floats) {
        for (size_t c = 0; c < n; c++)
            ((double *)out)[c] = v->floats[from + c];
    } else if (f32) {
        for (size_t c = 0; c < n; c++)
            ((float *)out)[c] = (float)v->doubles[from + c];
    } else {
        memcpy(out, v->doubles + from, n * sizeof *v->doubles);
    }
}

static void store_sample(const sasc_program *program, void *const *buffers, int row,
                         const sample_values *v, size_t n)
{
    size_t inputs = (size_t)program->buffers[program->input_buffer].cols;
    size_t batch = (size_t)program->batch, element = (size_t)program->precision;
    char *input = buffers[program->input_buffer];
    for (size_t k = 0; k < n; k += inputs) {   /* value k + c is input c of step k / inputs */
        size_t at = ((k / inputs) * batch + (size_t)row) * inputs;
        convert(program, input + at * element, v, k, n - k < inputs ? n - k : inputs);
    }
}

void sasc_data_store_values(const sasc_program *program, void *const *buffers, int row,
                            const void *values, const void *table, size_t n)
{
    sample_values v = {table ? values : NULL, table, table ? NULL : values, NULL};
    store_sample(program, buffers, row, &v, n);
}

void sasc_data_store_floats(const sasc_program *program, void *const *buffers, int row,
                            const float *values, size_t n)
{
    sample_values v = {NULL, NULL, NULL, values};
    store_sample(program, buffers, row, &v, n);
}

void sasc_data_store_one_hot(const sasc_program *program, void *const *buffers, int row,
                             int label)
{
    size_t classes = (size_t)program->buffers[program->target_buffer].cols;
    sasc_buffer_set(buffers[program->target_buffer], program->precision,
                    (size_t)row * classes + (size_t)label, 1.0);
}
