/*
 * samples.c — sample sets in memory and the source.h operations common to
 * the file formats: counts, checks against the model, input_scaling,
 * batches.
 */
#include "runtime/data/samples.h"
#include "runtime/model/buffers.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sasc_samples_free(sasc_samples *set)
{
    free(set->bytes);
    free(set->values);
    free(set->labels);
    free(set->target_values);
    set->bytes = NULL;
    set->values = NULL;
    set->labels = NULL;
    set->target_values = NULL;
}

bool sasc_samples_allocate(sasc_samples *set, bool bytes, char *error, size_t error_size)
{
    size_t n = (size_t)set->count, inputs = n * (size_t)set->features;
    if (bytes)
        set->bytes = malloc(inputs ? inputs : 1);
    else
        set->values = malloc((inputs ? inputs : 1) * sizeof *set->values);
    if (set->targets == SASC_TARGETS_CLASSES)
        set->labels = malloc((n ? n : 1) * sizeof *set->labels);
    else
        set->target_values = malloc((n ? n * (size_t)set->target_width : 1) *
                                    sizeof *set->target_values);
    if ((bytes ? !set->bytes : !set->values) || (!set->labels && !set->target_values)) {
        snprintf(error, error_size, "out of memory reading %s (%ld samples of %d values)",
                 set->origin, set->count, set->features);
        sasc_samples_free(set);
        return false;
    }
    return true;
}

void sasc_samples_shape_text(const sasc_samples *set, char *out, size_t size)
{
    size_t n = 0;
    out[0] = '\0';
    for (int d = 0; d < set->sample_dims && n < size; d++)
        n += (size_t)snprintf(out + n, size - n, "%s%ld", d ? "x" : "", set->sample_shape[d]);
    if (set->sample_dims > 1 && n < size)
        snprintf(out + n, size - n, "=%d", set->features);
}

/* ---- the state of an open source ---- */

typedef struct {
    sasc_samples set[SASC_SPLITS];
    sasc_input_scaling scaling;      /* as applied: never AUTO */
    float byte_f32[256];             /* a stored byte's input in each precision, so loading */
    double byte_f64[256];            /* a pixel is a table look-up, not a division */
} sample_source;

static const char *const scaling_names[] = {"auto", "as_read", "unit", "standardize"};

static sasc_input_scaling requested_scaling(const sasc_data_request *request)
{
    return request->task ? (sasc_input_scaling)request->task->input_scaling : SASC_SCALING_AUTO;
}

/* AUTO is the source's natural scaling: / 255 for byte images, else none. */
static sasc_input_scaling applied_scaling(sasc_input_scaling requested, const sasc_samples *set)
{
    if (requested != SASC_SCALING_AUTO)
        return requested;
    return set->byte_images ? SASC_SCALING_UNIT : SASC_SCALING_AS_READ;
}

/* The first `requested` samples (0: all); the split's files are read whole. */
static bool keep_requested(sasc_samples *set, long requested, char *error, size_t error_size)
{
    if (set->count == 0) {
        snprintf(error, error_size, "%s contains no samples", set->origin);
        return false;
    }
    if (requested > set->count) {
        snprintf(error, error_size, "%ld samples were asked for but %s has only %ld", requested,
                 set->origin, set->count);
        return false;
    }
    if (requested > 0)
        set->count = requested;   /* the arrays keep their size; only the first are used */
    return true;
}

/* Read split `split` of the request (header only for a probe). */
static bool read_split(sasc_samples_reader read, const sasc_data_request *request,
                       sasc_split split, bool header_only, sasc_samples *set, char *error,
                       size_t error_size)
{
    memset(set, 0, sizeof *set);
    if (!read(request, split, header_only, set, error, error_size))
        return false;
    long requested = request->count[split] == SASC_DATA_UNUSED ? 0 : request->count[split];
    if (keep_requested(set, requested, error, error_size))
        return true;
    sasc_samples_free(set);
    return false;
}

static void fill_shape(sasc_data_shape *shape, const char *kind, const sample_source *s,
                       const bool used[SASC_SPLITS], int classes)
{
    const sasc_samples *any = used[SASC_SPLIT_TEST] ? &s->set[SASC_SPLIT_TEST]
                                                    : &s->set[SASC_SPLIT_TRAIN];
    *shape = (sasc_data_shape){
        .kind = kind,
        .count = {used[SASC_SPLIT_TRAIN] ? s->set[SASC_SPLIT_TRAIN].count : 0,
                  used[SASC_SPLIT_TEST] ? s->set[SASC_SPLIT_TEST].count : 0},
        .sample_dims = any->sample_dims, .features = any->features, .targets = any->targets,
        .target_width = any->targets == SASC_TARGETS_VALUES ? any->target_width : classes,
        .classes = any->targets == SASC_TARGETS_CLASSES ? classes : 0,
        .scaling = scaling_names[s->scaling]};
    memcpy(shape->sample_shape, any->sample_shape, sizeof shape->sample_shape);
}

/* Two splits of one source hold samples of one shape and one kind of targets. */
static bool splits_agree(const sample_source *s, char *error, size_t error_size)
{
    const sasc_samples *train = &s->set[SASC_SPLIT_TRAIN], *test = &s->set[SASC_SPLIT_TEST];
    if (train->features != test->features) {
        snprintf(error, error_size, "the samples of %s have %d values but those of %s have %d",
                 train->origin, train->features, test->origin, test->features);
        return false;
    }
    if (train->targets != test->targets ||
        (train->targets == SASC_TARGETS_VALUES && train->target_width != test->target_width)) {
        snprintf(error, error_size, "%s and %s hold different kinds of targets", train->label_origin,
                 test->label_origin);
        return false;
    }
    return true;
}

bool sasc_samples_probe(sasc_samples_reader read, const char *kind,
                        const sasc_data_request *request, sasc_data_shape *shape, char *error,
                        size_t error_size)
{
    sample_source s;
    memset(&s, 0, sizeof s);
    bool used[SASC_SPLITS];
    for (int k = 0; k < SASC_SPLITS; k++) {
        used[k] = request->count[k] != SASC_DATA_UNUSED;
        if (used[k] && !read_split(read, request, (sasc_split)k, true, &s.set[k], error, error_size))
            return false;
    }
    if (used[SASC_SPLIT_TRAIN] && used[SASC_SPLIT_TEST] && !splits_agree(&s, error, error_size))
        return false;
    s.scaling = applied_scaling(requested_scaling(request),
                                &s.set[used[SASC_SPLIT_TEST] ? SASC_SPLIT_TEST : SASC_SPLIT_TRAIN]);
    fill_shape(shape, kind, &s, used, 0);   /* the classes are known once labels are read */
    return true;
}

void sasc_samples_close(void *state)
{
    sample_source *s = state;
    if (!s)
        return;
    for (int k = 0; k < SASC_SPLITS; k++)
        sasc_samples_free(&s->set[k]);
    free(s);
}

/* ---- checks against the program ---- */

/* Stored samples have one target each: a program with targets at every
 * step (and their loss mask) needs a sequence source. */
static bool one_target_per_sample(const sasc_program *p, char *error, size_t error_size)
{
    if (p->buffers[p->target_buffer].rows == p->batch &&
        sasc_data_find_buffer(p, SASC_BUFFER_LOSS_MASK) < 0)
        return true;
    snprintf(error, error_size, "a readout at every step needs sequence targets, which stored "
             "samples do not have (use data = trials(NAME) or 'at = last')");
    return false;
}

static bool inputs_fit(const sasc_samples *set, const sasc_program *p, char *error,
                       size_t error_size)
{
    if (set->features == p->input_width)
        return true;
    int steps = p->input_width / p->buffers[p->input_buffer].cols;
    char model[128], shape[128];
    if (steps > 1)   /* the input width times the steps: name both, not the product alone */
        snprintf(model, sizeof model, "the model reads %d values per sample (%d steps of %d)",
                 p->input_width, steps, p->input_width / steps);
    else
        snprintf(model, sizeof model, "the model's input has %d units", p->input_width);
    sasc_samples_shape_text(set, shape, sizeof shape);
    snprintf(error, error_size, "%s but the samples of %s have %s values", model, set->origin,
             shape);
    return false;
}

static bool targets_fit(const sasc_samples *set, const sasc_program *p, char *error,
                        size_t error_size)
{
    if (set->targets == SASC_TARGETS_VALUES) {
        if (set->target_width == p->classes)
            return true;
        snprintf(error, error_size, "%s has %d target%s per sample but the model's output has %d "
                 "units", set->label_origin, set->target_width, set->target_width == 1 ? "" : "s",
                 p->classes);
        return false;
    }
    for (long i = 0; i < set->count; i++) {
        if (set->labels[i] >= p->classes) {
            snprintf(error, error_size, "%s: label %d of sample %ld is not below the model's %d "
                     "classes", set->label_origin, set->labels[i], i, p->classes);
            return false;
        }
    }
    return true;
}

/* ---- input_scaling (contract 11) ---- */

/* Bytes become floats (standardizing needs values of any sign and size). */
static bool bytes_to_floats(sasc_samples *set, char *error, size_t error_size)
{
    size_t n = (size_t)set->count * (size_t)set->features;
    float *values = malloc((n ? n : 1) * sizeof *values);
    if (!values) {
        snprintf(error, error_size, "out of memory scaling the inputs of %s", set->origin);
        return false;
    }
    for (size_t k = 0; k < n; k++)
        values[k] = set->bytes[k];
    free(set->bytes);
    set->bytes = NULL;
    set->values = values;
    return true;
}

/* Per input: mean and standard deviation over the training split (an input
 * that never varies keeps sd 1, so it becomes 0 rather than NaN). */
static bool training_statistics(const sasc_samples *train, double **mean, double **sd,
                                char *error, size_t error_size)
{
    size_t d = (size_t)train->features;
    *mean = calloc(d ? d : 1, sizeof **mean);
    *sd = calloc(d ? d : 1, sizeof **sd);
    if (!*mean || !*sd) {
        free(*mean);
        free(*sd);
        snprintf(error, error_size, "out of memory standardizing the inputs of %s", train->origin);
        return false;
    }
    for (long i = 0; i < train->count; i++)
        for (size_t f = 0; f < d; f++)
            (*mean)[f] += train->values[(size_t)i * d + f];
    for (size_t f = 0; f < d; f++)
        (*mean)[f] /= (double)train->count;
    for (long i = 0; i < train->count; i++)
        for (size_t f = 0; f < d; f++) {
            double x = train->values[(size_t)i * d + f] - (*mean)[f];
            (*sd)[f] += x * x;
        }
    for (size_t f = 0; f < d; f++) {
        (*sd)[f] = sqrt((*sd)[f] / (double)train->count);
        if (!((*sd)[f] > 1e-12))
            (*sd)[f] = 1;
    }
    return true;
}

static bool standardize(sample_source *s, const bool read[SASC_SPLITS], char *error,
                        size_t error_size)
{
    for (int k = 0; k < SASC_SPLITS; k++)
        if (read[k] && s->set[k].bytes && !bytes_to_floats(&s->set[k], error, error_size))
            return false;
    double *mean, *sd;
    if (!training_statistics(&s->set[SASC_SPLIT_TRAIN], &mean, &sd, error, error_size))
        return false;
    for (int k = 0; k < SASC_SPLITS; k++) {
        sasc_samples *set = &s->set[k];
        size_t d = (size_t)set->features;
        for (long i = 0; read[k] && i < set->count; i++)
            for (size_t f = 0; f < d; f++)
                set->values[(size_t)i * d + f] =
                    (float)((set->values[(size_t)i * d + f] - mean[f]) / sd[f]);
    }
    free(mean);
    free(sd);
    return true;
}

static bool apply_scaling(sample_source *s, const bool read[SASC_SPLITS], char *error,
                          size_t error_size)
{
    for (int byte = 0; byte < 256; byte++) {
        s->byte_f64[byte] = s->scaling == SASC_SCALING_UNIT ? byte / 255.0 : byte;
        s->byte_f32[byte] = (float)s->byte_f64[byte];
    }
    if (s->scaling == SASC_SCALING_STANDARDIZE)
        return standardize(s, read, error, error_size);
    for (int k = 0; k < SASC_SPLITS; k++) {
        sasc_samples *set = &s->set[k];
        size_t n = (size_t)set->count * (size_t)set->features;
        if (read[k] && set->values && s->scaling == SASC_SCALING_UNIT)
            for (size_t v = 0; v < n; v++)
                set->values[v] = (float)(set->values[v] / 255.0);
    }
    return true;
}

/* ---- open ---- */

static bool read_and_check(sasc_samples_reader read, const sasc_data_request *request,
                           const sasc_program *program, sample_source *s, bool used[SASC_SPLITS],
                           char *error, size_t error_size)
{
    bool standardizing = requested_scaling(request) == SASC_SCALING_STANDARDIZE;
    bool wanted[SASC_SPLITS];
    for (int k = 0; k < SASC_SPLITS; k++) {
        used[k] = request->count[k] != SASC_DATA_UNUSED;
        wanted[k] = used[k] || (standardizing && k == SASC_SPLIT_TRAIN);
        if (wanted[k] && !read_split(read, request, (sasc_split)k, false, &s->set[k], error,
                                     error_size))
            return false;
        if (used[k] && !(inputs_fit(&s->set[k], program, error, error_size) &&
                         targets_fit(&s->set[k], program, error, error_size)))
            return false;
    }
    if (wanted[SASC_SPLIT_TRAIN] && wanted[SASC_SPLIT_TEST] && !splits_agree(s, error, error_size))
        return false;
    const sasc_samples *any = &s->set[wanted[SASC_SPLIT_TEST] ? SASC_SPLIT_TEST : SASC_SPLIT_TRAIN];
    s->scaling = applied_scaling(requested_scaling(request), any);
    if (!apply_scaling(s, wanted, error, error_size))
        return false;
    if (!used[SASC_SPLIT_TRAIN])   /* read for its statistics alone */
        sasc_samples_free(&s->set[SASC_SPLIT_TRAIN]);
    return true;
}

void *sasc_samples_open(sasc_samples_reader read, const char *kind,
                        const sasc_data_request *request, const sasc_program *program,
                        sasc_data_shape *shape, char *error, size_t error_size)
{
    if (!one_target_per_sample(program, error, error_size))
        return NULL;
    sample_source *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(error, error_size, "out of memory reading %s", request->data);
        return NULL;
    }
    bool used[SASC_SPLITS];
    if (!read_and_check(read, request, program, s, used, error, error_size)) {
        sasc_samples_close(s);
        return NULL;
    }
    fill_shape(shape, kind, s, used, program->classes);
    return s;
}

/* ---- batches (contracts 3-6) ---- */

static void store_targets(const sasc_samples *set, const sasc_program *p, void *const *buffers,
                          int row, size_t sample)
{
    if (set->targets == SASC_TARGETS_CLASSES) {
        sasc_data_store_one_hot(p, buffers, row, set->labels[sample]);
        return;
    }
    size_t width = (size_t)set->target_width;
    for (size_t t = 0; t < width; t++)
        sasc_buffer_set(buffers[p->target_buffer], p->precision, (size_t)row * width + t,
                        set->target_values[sample * width + t]);
}

void sasc_samples_load_batch(const void *state, const sasc_program *p, void *const *buffers,
                             sasc_split split, const size_t *order, long first, int rows)
{
    const sample_source *s = state;
    const sasc_samples *set = &s->set[split];
    size_t d = (size_t)set->features;
    /* Zeroing the input is only needed where the samples leave it unwritten. */
    if (rows < p->batch || d * (size_t)p->batch != sasc_buffer_elements(p, p->input_buffer))
        sasc_buffer_zero(p, buffers, p->input_buffer);
    sasc_buffer_zero(p, buffers, p->target_buffer);
    const void *table = p->precision == SASC_F32 ? (const void *)s->byte_f32 : s->byte_f64;
    for (int row = 0; row < rows; row++) {
        size_t sample = order ? order[first + row] : (size_t)(first + row);
        if (set->bytes)
            sasc_data_store_values(p, buffers, row, set->bytes + sample * d, table, d);
        else
            sasc_data_store_floats(p, buffers, row, set->values + sample * d, d);
        store_targets(set, p, buffers, row, sample);
    }
}

int sasc_samples_label(const void *state, sasc_split split, long sample)
{
    const sample_source *s = state;
    const sasc_samples *set = &s->set[split];
    return set->targets == SASC_TARGETS_CLASSES ? set->labels[sample] : -1;
}
