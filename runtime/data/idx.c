/*
 * idx.c — reading IDX image and label files (plain or gzip'd, via zlib).
 */
#include "runtime/data/idx.h"
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
    if (read_some(f->file, header, (size_t)f->header_size) != (size_t)f->header_size) {
        if (!damaged(f, error, size))
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
