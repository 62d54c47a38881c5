/*
 * idx.c — reading IDX image and label files (plain or gzip'd, via zlib).
 */
#include "runtime/data/idx.h"
#include "runtime/data/source.h"
#include "runtime/model/buffers.h"
#include "runtime/support/input_file.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

enum { IDX_IMAGES_MAGIC = 0x00000803, IDX_LABELS_MAGIC = 0x00000801 };

/* One open IDX file: the path that was found, and its header. */
typedef struct {
    char path[4200];
    gzFile file;             /* reads plain and gzip'd files alike */
    bool compressed;
    uint64_t file_size;      /* bytes on disk */
    uint32_t dims[3];        /* count, then rows and cols for images */
    int header_size;         /* bytes before the records */
} idx_file;

/* Find `<prefix>-<kind>-<suffix>` or `<prefix>-<kind>.<suffix>`, plain or
 * .gz. Existence is enough: a file that is there but unreadable is reported
 * by the open, with its reason, not as missing. */
static bool find_file(const char *directory, const char *prefix, const char *kind,
                      const char *suffix, char *path, size_t size)
{
    static const char *const separators[] = {"-", "."};
    static const char *const compressions[] = {"", ".gz"};
    for (int s = 0; s < 2; s++) {
        for (int c = 0; c < 2; c++) {
            struct stat status;
            snprintf(path, size, "%s/%s-%s%s%s%s", directory, prefix, kind, separators[s],
                     suffix, compressions[c]);
            if (lstat(path, &status) == 0)
                return true;
        }
    }
    snprintf(path, size, "%s/%s-%s-%s", directory, prefix, kind, suffix);
    return false;
}

static uint32_t big_endian_u32(const unsigned char *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* Read up to `size` bytes; returns how many arrived (fewer: the data ended,
 * or zlib failed, which idx_failure tells apart). */
static size_t read_some(gzFile file, void *data, size_t size)
{
    unsigned char *at = data;
    size_t done = 0;
    while (done < size) {
        unsigned chunk = size - done > (1u << 30) ? (1u << 30) : (unsigned)(size - done);
        int got = gzread(file, at + done, chunk);
        if (got <= 0)
            break;
        done += (size_t)got;
    }
    return done;
}

/* After a short read: a damaged gzip stream, or an honest end of the data. */
static bool damaged(const idx_file *f, char *error, size_t size)
{
    int code = Z_OK;
    const char *message = gzerror(f->file, &code);
    if (code == Z_OK || code == Z_STREAM_END)
        return false;
    if (code == Z_ERRNO)
        snprintf(error, size, "cannot read %s: %s", f->path, strerror(errno));
    else {
        /* zlib names a gzdopen'ed file "<fd:N>: " in its message */
        const char *colon = strncmp(message, "<fd:", 4) == 0 ? strstr(message, ": ") : NULL;
        snprintf(error, size, "%s is a damaged gzip file (zlib: %s)", f->path,
                 colon ? colon + 2 : message);
    }
    return true;
}

/* Open the found file: a regular file only (a FIFO would block, /dev/null
 * would look empty); its first two bytes say whether it is gzip'd. */
static bool open_found(idx_file *f, char *error, size_t size)
{
    sasc_input_file in;
    char reason[256];
    if (!sasc_input_open(&in, f->path, 0, reason, sizeof reason)) {
        snprintf(error, size, "cannot read %s: %s", f->path, reason);
        return false;
    }
    unsigned char magic[2] = {0, 0};
    f->compressed = pread(in.fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    f->file_size = in.size;
    f->file = gzdopen(in.fd, "rb");   /* owns the descriptor from here on */
    if (!f->file) {
        snprintf(error, size, "cannot read %s: %s", f->path, strerror(errno ? errno : ENOMEM));
        sasc_input_close(&in);
        return false;
    }
    return true;
}

/* Open the file and check its magic number; reads `ndims` dimensions. */
static bool open_idx(const char *directory, const char *prefix, const char *kind,
                     const char *suffix, uint32_t magic, int ndims, idx_file *f,
                     char *error, size_t size)
{
    struct stat status;
    if (stat(directory, &status) == 0 && !S_ISDIR(status.st_mode)) {
        /* access() would say "Permission denied" for a plain file */
        snprintf(error, size, "the data directory %s is not a directory", directory);
        return false;
    }
    if (access(directory, R_OK | X_OK) != 0) {
        snprintf(error, size, "cannot read the data directory %s: %s", directory, strerror(errno));
        return false;
    }
    if (!find_file(directory, prefix, kind, suffix, f->path, sizeof f->path)) {
        snprintf(error, size, "cannot find %s (nor %s.gz, nor the '.%s' spelling)",
                 f->path, f->path, suffix);
        return false;
    }
    if (!open_found(f, error, size))
        return false;
    unsigned char header[16];
    f->header_size = 4 * (1 + ndims);
    size_t got = read_some(f->file, header, (size_t)f->header_size);
    if (got != (size_t)f->header_size) {
        if (damaged(f, error, size))
            return false;
        if (got == 0)   /* an empty file (or gzip of nothing) is not a short one */
            snprintf(error, size, "%s is empty%s; an IDX %s file starts with a %d-byte header", f->path,
                     f->compressed ? " once decompressed" : " (0 bytes)", kind, f->header_size);
        else
            snprintf(error, size, "%s is too short to be an IDX file: %zu bytes%s, its header needs %d",
                     f->path, got, f->compressed ? " once decompressed" : "", f->header_size);
        return false;
    }
    if (big_endian_u32(header) != magic) {
        snprintf(error, size, "%s is not an IDX %s file: its magic number is 0x%08x, expected 0x%08x",
                 f->path, kind, big_endian_u32(header), magic);
        return false;
    }
    for (int d = 0; d < ndims; d++)
        f->dims[d] = big_endian_u32(header + 4 * (d + 1));
    return true;
}

static void close_idx(idx_file *f)
{
    if (f->file)
        gzclose(f->file);
    f->file = NULL;
}

/* How many records to keep: the first `limit` (0 = all) of `available`. */
static bool records_kept(const idx_file *f, long limit, long *kept, char *error, size_t size)
{
    long available = (long)f->dims[0];
    if (available == 0) {
        snprintf(error, size, "%s contains no images", f->path);
        return false;
    }
    if (limit > available) {
        snprintf(error, size, "%ld images were asked for but %s has only %ld", limit, f->path,
                 available);
        return false;
    }
    *kept = limit > 0 ? limit : available;
    return true;
}

/* zlib never expands data by more than this factor (deflate's limit is
 * 1032:1), so a gzip'd file of n bytes cannot hold more than 1032 n. */
enum { GZIP_MAX_RATIO = 1032 };

static bool truncated(const idx_file *f, size_t declared, size_t record_size, char *error,
                      size_t size)
{
    snprintf(error, size, "%s is truncated: its header declares %zu records of %zu bytes",
             f->path, declared, record_size);
    return false;
}

/* The sizes the header declares against the bytes on disk, before anything
 * is allocated: a plain file must hold exactly header + records; a gzip'd
 * one at least enough compressed bytes to expand to them. */
static bool check_declared_size(const idx_file *f, size_t declared, size_t record_size,
                                char *error, size_t size)
{
    if (record_size != 0 && declared > SIZE_MAX / record_size) {
        snprintf(error, size, "%s declares more data than can be addressed", f->path);
        return false;
    }
    uint64_t bytes = (uint64_t)declared * record_size, on_disk = f->file_size;
    if (f->compressed)
        return bytes / GZIP_MAX_RATIO <= on_disk ? true
               : truncated(f, declared, record_size, error, size);
    if (on_disk - (uint64_t)f->header_size < bytes)
        return truncated(f, declared, record_size, error, size);
    if (on_disk - (uint64_t)f->header_size > bytes) {
        snprintf(error, size, "%s has %llu bytes after the %zu records of %zu bytes its header "
                 "declares", f->path, (unsigned long long)(on_disk - (uint64_t)f->header_size - bytes),
                 declared, record_size);
        return false;
    }
    return true;
}

/* Read all `bytes` of records into a buffer that grows as data arrives, so
 * a gzip'd file that declares more than it holds costs no more memory than
 * it holds; then check that nothing follows them. */
static unsigned char *read_all_records(idx_file *f, size_t bytes, size_t declared,
                                       size_t record_size, char *error, size_t size)
{
    enum { FIRST_CHUNK = 1 << 20 };
    size_t capacity = bytes < FIRST_CHUNK ? bytes : FIRST_CHUNK, done = 0;
    unsigned char *data = malloc(capacity > 0 ? capacity : 1);
    bool ended = false;
    while (data && done < bytes && !ended) {
        if (done == capacity) {
            size_t grown = capacity > bytes / 2 ? bytes : 2 * capacity;
            unsigned char *bigger = realloc(data, grown);
            if (!bigger) {
                free(data);
                data = NULL;
                break;
            }
            data = bigger;
            capacity = grown;
        }
        size_t want = capacity - done, got = read_some(f->file, data + done, want);
        done += got;
        ended = got < want;
    }
    if (!data) {
        snprintf(error, size, "out of memory reading %s (%zu bytes)", f->path, bytes);
        return NULL;
    }
    unsigned char extra;
    if (done < bytes || (f->compressed && read_some(f->file, &extra, 1) == 1)) {
        if (!damaged(f, error, size)) {
            if (done < bytes)
                truncated(f, declared, record_size, error, size);
            else
                snprintf(error, size, "%s holds more data than the %zu records of %zu bytes its "
                         "header declares", f->path, declared, record_size);
        }
        free(data);
        return NULL;
    }
    return data;
}

/* Read `count` records of `record_size` bytes. The file must hold all the
 * records its header declares, so a truncated file is caught even when only
 * the first records are used. */
static unsigned char *read_records(idx_file *f, long count, size_t record_size,
                                   char *error, size_t size)
{
    size_t declared = (size_t)f->dims[0];
    if (!check_declared_size(f, declared, record_size, error, size))
        return NULL;
    unsigned char *data = read_all_records(f, declared * record_size, declared, record_size,
                                           error, size);
    if (!data)
        return NULL;
    unsigned char *kept = realloc(data, (size_t)count * record_size > 0 ? (size_t)count * record_size : 1);
    return kept ? kept : data;
}

static bool load_images(const char *directory, const sasc_idx_request *r, sasc_idx_set *set,
                        char *error, size_t size)
{
    idx_file f = {0};
    bool ok = open_idx(directory, r->prefix, "images", "idx3-ubyte", IDX_IMAGES_MAGIC, 3, &f,
                       error, size);
    if (ok && (uint64_t)f.dims[1] * f.dims[2] != (uint64_t)r->pixels) {
        char model[128];
        if (r->steps > 1)   /* the input width times the steps: name both, not the product alone */
            snprintf(model, sizeof model, "the model reads %d pixels per image (%d steps of %d)",
                     r->pixels, r->steps, r->pixels / r->steps);
        else
            snprintf(model, sizeof model, "the model's input has %d units", r->pixels);
        snprintf(error, size, "%s but the images in %s have %ux%u=%llu pixels", model, directory,
                 f.dims[1], f.dims[2], (unsigned long long)f.dims[1] * f.dims[2]);
        ok = false;
    }
    ok = ok && records_kept(&f, r->limit, &set->count, error, size);
    if (ok) {
        set->available = (long)f.dims[0];
        set->rows = (int)f.dims[1];
        set->cols = (int)f.dims[2];
        set->pixels = read_records(&f, set->count, (size_t)r->pixels, error, size);
        ok = set->pixels != NULL;
    }
    close_idx(&f);
    return ok;
}

static bool check_labels(const unsigned char *labels, long count, int classes, const char *path,
                         char *error, size_t size)
{
    for (long i = 0; i < count; i++) {
        if (labels[i] >= classes) {
            snprintf(error, size, "%s: label %d of image %ld is not below the model's %d classes",
                     path, labels[i], i, classes);
            return false;
        }
    }
    return true;
}

/* The labels file's header: as many labels as `available` images. */
static bool open_labels(const char *directory, const char *prefix, long available, idx_file *f,
                        char *error, size_t size)
{
    if (!open_idx(directory, prefix, "labels", "idx1-ubyte", IDX_LABELS_MAGIC, 1, f, error, size))
        return false;
    if ((long)f->dims[0] != available) {
        snprintf(error, size, "%s has %u labels but the images file beside it has %ld images",
                 f->path, f->dims[0], available);
        return false;
    }
    return true;
}

static bool load_labels(const char *directory, const sasc_idx_request *r, sasc_idx_set *set,
                        char *error, size_t size)
{
    idx_file f = {0};
    bool ok = open_labels(directory, r->prefix, set->available, &f, error, size);
    if (ok) {
        set->labels = read_records(&f, set->count, 1, error, size);
        ok = set->labels && check_labels(set->labels, set->count, r->classes, f.path, error, size);
    }
    close_idx(&f);
    return ok;
}

bool sasc_idx_load(const char *directory, const sasc_idx_request *request,
                   sasc_idx_set *set, char *error, size_t error_size)
{
    memset(set, 0, sizeof *set);
    bool ok = load_images(directory, request, set, error, error_size) &&
              load_labels(directory, request, set, error, error_size);
    if (!ok)
        sasc_idx_free(set);
    return ok;
}

void sasc_idx_free(sasc_idx_set *set)
{
    free(set->pixels);
    free(set->labels);
    memset(set, 0, sizeof *set);
}

bool sasc_idx_probe(const char *directory, const sasc_idx_request *request, long *count,
                    int *rows, int *cols, char *error, size_t error_size)
{
    idx_file images = {0}, labels = {0};
    bool ok = open_idx(directory, request->prefix, "images", "idx3-ubyte", IDX_IMAGES_MAGIC, 3,
                       &images, error, error_size) &&
              records_kept(&images, request->limit, count, error, error_size) &&
              open_labels(directory, request->prefix, (long)images.dims[0], &labels, error,
                          error_size);
    *rows = (int)images.dims[1];
    *cols = (int)images.dims[2];
    close_idx(&images);
    close_idx(&labels);
    return ok;
}

/* ---- the data source "idx" (source.h) ---- */

static const char *const split_prefix[SASC_SPLITS] = {"train", "t10k"};

typedef struct {
    sasc_idx_set set[SASC_SPLITS];
    float pixel_f32[256];     /* byte / 255.0 in each precision: loading a pixel */
    double pixel_f64[256];    /* is a table look-up, not a division */
} idx_source;

static bool idx_claims(const char *data)
{
    (void)data;
    return true;
}

static void idx_shape(sasc_data_shape *shape, const long count[SASC_SPLITS], int rows, int cols,
                      int classes)
{
    *shape = (sasc_data_shape){
        .kind = "idx", .count = {count[SASC_SPLIT_TRAIN], count[SASC_SPLIT_TEST]},
        .sample_dims = 2, .sample_shape = {rows, cols}, .features = rows * cols,
        .targets = SASC_TARGETS_CLASSES, .target_width = classes, .classes = classes};
}

static bool idx_probe(const sasc_data_request *request, sasc_data_shape *shape, char *error,
                      size_t error_size)
{
    long count[SASC_SPLITS] = {0, 0};
    int rows = 0, cols = 0;
    for (int s = 0; s < SASC_SPLITS; s++) {
        if (request->count[s] == SASC_DATA_UNUSED)
            continue;
        sasc_idx_request r = {split_prefix[s], request->count[s], 0, 0, 1};
        if (!sasc_idx_probe(request->data, &r, &count[s], &rows, &cols, error, error_size))
            return false;
    }
    idx_shape(shape, count, rows, cols, 0);   /* the classes are known once labels are read */
    return true;
}

static void idx_close(void *state)
{
    idx_source *s = state;
    if (!s)
        return;
    for (int k = 0; k < SASC_SPLITS; k++)
        sasc_idx_free(&s->set[k]);
    free(s);
}

/* Images have one label each: a program with targets at every step (and
 * their loss mask) needs a sequence source. */
static bool one_target_per_sample(const sasc_program *p, char *error, size_t error_size)
{
    if (p->buffers[p->target_buffer].rows == p->batch &&
        sasc_data_find_buffer(p, SASC_BUFFER_LOSS_MASK) < 0)
        return true;
    snprintf(error, error_size, "a readout at every step needs sequence targets, which image sets "
             "do not have (use data = \"msi\" or 'at = last')");
    return false;
}

static void *idx_open(const sasc_data_request *request, const sasc_program *program,
                      sasc_data_shape *shape, char *error, size_t error_size)
{
    if (!one_target_per_sample(program, error, error_size))
        return NULL;
    idx_source *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(error, error_size, "out of memory reading %s", request->data);
        return NULL;
    }
    long count[SASC_SPLITS] = {0, 0};
    for (int k = 0; k < SASC_SPLITS; k++) {
        if (request->count[k] == SASC_DATA_UNUSED)
            continue;
        /* steps: how the model reads an image, to name both factors of its width in a mismatch */
        int steps = program->input_width / program->buffers[program->input_buffer].cols;
        sasc_idx_request r = {split_prefix[k], request->count[k], program->input_width,
                              program->classes, steps};
        if (!sasc_idx_load(request->data, &r, &s->set[k], error, error_size)) {
            idx_close(s);
            return NULL;
        }
        count[k] = s->set[k].count;
    }
    for (int byte = 0; byte < 256; byte++) {
        s->pixel_f64[byte] = byte / 255.0;
        s->pixel_f32[byte] = (float)s->pixel_f64[byte];
    }
    const sasc_idx_set *any = s->set[SASC_SPLIT_TEST].pixels ? &s->set[SASC_SPLIT_TEST]
                                                             : &s->set[SASC_SPLIT_TRAIN];
    idx_shape(shape, count, any->rows, any->cols, program->classes);
    return s;
}

static void idx_load_batch(const void *state, const sasc_program *p, void *const *buffers,
                           sasc_split split, const size_t *order, long first, int rows)
{
    const idx_source *s = state;
    const sasc_idx_set *set = &s->set[split];
    size_t pixels = (size_t)p->input_width;
    /* Zeroing the input is only needed where the images leave it unwritten. */
    if (rows < p->batch || pixels * (size_t)p->batch != sasc_buffer_elements(p, p->input_buffer))
        sasc_buffer_zero(p, buffers, p->input_buffer);
    sasc_buffer_zero(p, buffers, p->target_buffer);
    const void *table = p->precision == SASC_F32 ? (const void *)s->pixel_f32 : s->pixel_f64;
    for (int row = 0; row < rows; row++) {
        size_t image = order ? order[first + row] : (size_t)(first + row);
        sasc_data_store_values(p, buffers, row, set->pixels + image * pixels, table, pixels);
        sasc_data_store_one_hot(p, buffers, row, set->labels[image]);
    }
}

static int idx_label(const void *state, sasc_split split, long sample)
{
    const idx_source *s = state;
    return s->set[split].labels[sample];
}

const sasc_data_kind sasc_data_idx = {
    .name = "idx",
    .summary = "data = \"DIR\": a directory of IDX files, train-images-idx3-ubyte, "
               "train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (or .gz)",
    .claims = idx_claims, .probe = idx_probe, .open = idx_open, .load_batch = idx_load_batch,
    .label = idx_label, .close = idx_close,
};
