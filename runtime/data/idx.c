/*
 * idx.c — reading IDX image and label files (plain or gzip'd, via zlib).
 */
#include "runtime/data/idx.h"

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
    gzFile file;
    uint32_t dims[3];        /* count, then rows and cols for images */
} idx_file;

/* Find `<prefix>-<kind>-<suffix>` or `<prefix>-<kind>.<suffix>`, plain or .gz. */
static bool find_file(const char *directory, const char *prefix, const char *kind,
                      const char *suffix, char *path, size_t size)
{
    static const char *const separators[] = {"-", "."};
    static const char *const compressions[] = {"", ".gz"};
    for (int s = 0; s < 2; s++) {
        for (int c = 0; c < 2; c++) {
            snprintf(path, size, "%s/%s-%s%s%s%s", directory, prefix, kind, separators[s],
                     suffix, compressions[c]);
            if (access(path, R_OK) == 0)
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

/* Read exactly `size` bytes; false on a short read (truncation) or a zlib error. */
static bool read_exactly(gzFile file, void *data, size_t size)
{
    unsigned char *at = data;
    while (size > 0) {
        unsigned chunk = size > (1u << 30) ? (1u << 30) : (unsigned)size;
        int got = gzread(file, at, chunk);
        if (got <= 0)
            return false;
        at += got;
        size -= (size_t)got;
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
    f->file = gzopen(f->path, "rb");
    if (!f->file) {
        snprintf(error, size, "cannot open %s: %s", f->path, strerror(errno ? errno : ENOMEM));
        return false;
    }
    unsigned char header[16];
    if (!read_exactly(f->file, header, 4 * (size_t)(1 + ndims))) {
        snprintf(error, size, "%s is too short to be an IDX file", f->path);
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

/* Read `count` records of `record_size` bytes. The file must hold all the
 * records its header declares, so a truncated file is caught even when only
 * the first records are used. */
static unsigned char *read_records(idx_file *f, long count, size_t record_size,
                                   char *error, size_t size)
{
    size_t declared = (size_t)f->dims[0];
    if (record_size != 0 && declared > SIZE_MAX / record_size) {
        snprintf(error, size, "%s declares more data than can be addressed", f->path);
        return NULL;
    }
    unsigned char *data = malloc(declared * record_size > 0 ? declared * record_size : 1);
    if (!data) {
        snprintf(error, size, "out of memory reading %s", f->path);
        return NULL;
    }
    if (!read_exactly(f->file, data, declared * record_size)) {
        snprintf(error, size, "%s is truncated: its header declares %zu records of %zu bytes",
                 f->path, declared, record_size);
        free(data);
        return NULL;
    }
    unsigned char *kept = realloc(data, (size_t)count * record_size);
    return kept ? kept : data;
}

static bool load_images(const char *directory, const sasc_idx_request *r, sasc_idx_set *set,
                        char *error, size_t size)
{
    idx_file f = {0};
    bool ok = open_idx(directory, r->prefix, "images", "idx3-ubyte", IDX_IMAGES_MAGIC, 3, &f,
                       error, size);
    if (ok && (uint64_t)f.dims[1] * f.dims[2] != (uint64_t)r->pixels) {
        snprintf(error, size,
                 "the model's input has %d units but the images in %s have %ux%u=%llu pixels",
                 r->pixels, directory, f.dims[1], f.dims[2],
                 (unsigned long long)f.dims[1] * f.dims[2]);
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

static bool load_labels(const char *directory, const sasc_idx_request *r, sasc_idx_set *set,
                        char *error, size_t size)
{
    idx_file f = {0};
    bool ok = open_idx(directory, r->prefix, "labels", "idx1-ubyte", IDX_LABELS_MAGIC, 1, &f,
                       error, size);
    if (ok && (long)f.dims[0] != set->available) {
        snprintf(error, size, "%s has %u labels but the images file beside it has %ld images",
                 f.path, f.dims[0], set->available);
        ok = false;
    }
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
