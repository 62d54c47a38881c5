/*
 * idx.c — reading IDX files (plain or gzip'd, via zlib) into sample sets:
 * the data source "idx".
 */
#include "runtime/data/idx.h"
#include "runtime/data/samples.h"
#include "runtime/support/elements.h"
#include "runtime/support/input_file.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

enum { IDX_MAX_DIMS = 1 + SASC_DATA_MAX_DIMS };   /* the count, then a sample's shape */

/* One open IDX file: the path that was found, and its header. */
typedef struct {
    char path[4200];
    gzFile file;             /* reads plain and gzip'd files alike */
    bool compressed;
    uint64_t file_size;      /* bytes on disk */
    int type_code;           /* the magic's third byte: 0x08 ubyte ... 0x0E double */
    sasc_element_type type;
    int ndims;               /* the magic's fourth byte, 1 .. IDX_MAX_DIMS */
    uint32_t dims[IDX_MAX_DIMS]; /* count, then the shape of a record */
    int header_size;         /* bytes before the records */
} idx_file;

/* Find `<prefix>-<kind>-<suffix>` or `<prefix>-<kind>.<suffix>`, plain or
 * .gz; failing those, the one file named `<prefix>-<kind>-idx...` or
 * `<prefix>-<kind>.idx...` (other element types and dimensions:
 * train-images-idx2-float). Existence is enough: a file that is there but
 * unreadable is reported by the open, with its reason, not as missing. */
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
    char start[2][256];
    for (int s = 0; s < 2; s++)
        snprintf(start[s], sizeof start[s], "%s-%s%sidx", prefix, kind, separators[s]);
    bool found = false;
    DIR *dir = opendir(directory);
    for (struct dirent *entry; dir && !found && (entry = readdir(dir)) != NULL;) {
        for (int s = 0; s < 2 && !found; s++) {
            found = strncmp(entry->d_name, start[s], strlen(start[s])) == 0;
            if (found)
                snprintf(path, size, "%s/%s", directory, entry->d_name);
        }
    }
    if (dir)
        closedir(dir);
    if (!found)
        snprintf(path, size, "%s/%s-%s-%s", directory, prefix, kind, suffix);
    return found;
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

/* The element type of an IDX type code (the magic's third byte). */
static bool idx_type(int code, sasc_element_type *type)
{
    static const struct { int code; sasc_element_type type; } types[] = {
        {0x08, SASC_ELEMENT_U8}, {0x09, SASC_ELEMENT_I8}, {0x0B, SASC_ELEMENT_I16},
        {0x0C, SASC_ELEMENT_I32}, {0x0D, SASC_ELEMENT_F32}, {0x0E, SASC_ELEMENT_F64}};
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++)
        if (types[t].code == code) {
            *type = types[t].type;
            return true;
        }
    return false;
}

/* The magic number: two zero bytes, the element type, the dimensions. */
static bool check_magic(idx_file *f, const unsigned char *magic, char *error, size_t size)
{
    uint32_t number = big_endian_u32(magic);
    if (magic[0] != 0 || magic[1] != 0) {
        snprintf(error, size, "%s is not an IDX file: its magic number 0x%08x does not start with "
                 "two zero bytes", f->path, number);
        return false;
    }
    f->type_code = magic[2];
    f->ndims = magic[3];
    if (!idx_type(f->type_code, &f->type)) {
        snprintf(error, size, "%s: its magic number 0x%08x names element type 0x%02x, which is "
                 "none of IDX's 0x08 (ubyte), 0x09 (byte), 0x0B (short), 0x0C (int), 0x0D (float), "
                 "0x0E (double)", f->path, number, f->type_code);
        return false;
    }
    if (f->ndims < 1 || f->ndims > IDX_MAX_DIMS) {
        snprintf(error, size, "%s: its magic number 0x%08x declares %d dimensions; sasc reads 1 to "
                 "%d", f->path, number, f->ndims, IDX_MAX_DIMS);
        return false;
    }
    return true;
}

/* The message for a header cut short after `got` bytes (`need` the header's
 * size, or its least size while the magic number is unread): a damaged gzip
 * first, then an empty file (or a gzip of nothing), which is not a short one. */
static void short_header(const idx_file *f, size_t got, int need, const char *least,
                         char *error, size_t size)
{
    if (damaged(f, error, size))
        return;
    if (got == 0)
        snprintf(error, size, "%s is empty%s; an IDX file starts with its magic number and "
                 "dimensions", f->path, f->compressed ? " once decompressed" : " (0 bytes)");
    else
        snprintf(error, size, "%s is too short to be an IDX file: %zu bytes%s, its header needs "
                 "%s%d", f->path, got, f->compressed ? " once decompressed" : "", least, need);
}

/* Open the file, check its magic number and read its dimensions. */
static bool open_idx(const char *directory, const char *prefix, const char *kind,
                     const char *suffix, idx_file *f, char *error, size_t size)
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
        snprintf(error, size, "cannot find %s (nor %s.gz, nor another %s-%s-idx* file)",
                 f->path, f->path, prefix, kind);
        return false;
    }
    if (!open_found(f, error, size))
        return false;
    unsigned char header[4 * (1 + IDX_MAX_DIMS)];
    size_t got = read_some(f->file, header, 4);
    if (got != 4) {
        short_header(f, got, 4 * (1 + 1), "at least ", error, size);   /* magic, one dimension */
        return false;
    }
    if (!check_magic(f, header, error, size))
        return false;
    f->header_size = 4 * (1 + f->ndims);
    got = 4 + read_some(f->file, header + 4, (size_t)f->header_size - 4);
    if (got != (size_t)f->header_size) {
        short_header(f, got, f->header_size, "", error, size);
        return false;
    }
    for (int d = 0; d < f->ndims; d++)
        f->dims[d] = big_endian_u32(header + 4 * (d + 1));
    return true;
}

static void close_idx(idx_file *f)
{
    if (f->file)
        gzclose(f->file);
    f->file = NULL;
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

/* Read every record the header declares (so a truncated file is caught
 * even when only the first records are used). */
static unsigned char *read_records(idx_file *f, size_t record_size, char *error, size_t size)
{
    size_t declared = (size_t)f->dims[0];
    if (!check_declared_size(f, declared, record_size, error, size))
        return NULL;
    return read_all_records(f, declared * record_size, declared, record_size, error, size);
}

/* ---- IDX files as sample sets ---- */

static const char *const split_prefix[SASC_SPLITS] = {"train", "t10k"};

/* Values per record: the product of the dimensions after the count. */
static bool record_values(const idx_file *f, int *values, char *error, size_t size)
{
    uint64_t n = 1;
    for (int d = 1; d < f->ndims; d++) {
        n *= f->dims[d];
        if (n > INT32_MAX) {
            snprintf(error, size, "%s declares records of more than %d values", f->path, INT32_MAX);
            return false;
        }
    }
    *values = (int)n;
    return true;
}

/* The images file's header: a count and a sample shape of 1 to 4 dimensions. */
static bool images_header(const idx_file *f, sasc_samples *set, char *error, size_t size)
{
    if (f->ndims < 2) {
        snprintf(error, size, "%s is a 1-dimensional IDX file (magic 0x%08x): samples need at "
                 "least one dimension after the count", f->path, 0x800u | (unsigned)f->type_code << 8 |
                 (unsigned)f->ndims);
        return false;
    }
    snprintf(set->origin, sizeof set->origin, "%s", f->path);
    set->count = (long)f->dims[0];
    set->sample_dims = f->ndims - 1;
    for (int d = 1; d < f->ndims; d++)
        set->sample_shape[d - 1] = f->dims[d];
    set->byte_images = f->type == SASC_ELEMENT_U8;
    return record_values(f, &set->features, error, size);
}

/* Decode records into the set's inputs: ubyte files are kept as bytes. */
static bool decode_images(const idx_file *f, unsigned char *records, sasc_samples *set,
                          char *error, size_t size)
{
    if (f->type == SASC_ELEMENT_U8) {
        set->bytes = records;
        return true;
    }
    size_t n = (size_t)set->count * (size_t)set->features;
    set->values = malloc((n ? n : 1) * sizeof *set->values);
    if (!set->values) {
        free(records);
        snprintf(error, size, "out of memory reading %s", f->path);
        return false;
    }
    for (size_t k = 0; k < n; k++)
        set->values[k] = (float)sasc_element_get(records, k, f->type, true);
    free(records);
    return true;
}

static bool read_images(const char *directory, const char *prefix, bool header_only,
                        sasc_samples *set, char *error, size_t size)
{
    idx_file f = {0};
    bool ok = open_idx(directory, prefix, "images", "idx3-ubyte", &f, error, size) &&
              images_header(&f, set, error, size);
    if (ok && !header_only) {
        size_t record = (size_t)set->features * (size_t)sasc_element_size(f.type);
        unsigned char *records = read_records(&f, record, error, size);
        ok = records && decode_images(&f, records, set, error, size);
    }
    close_idx(&f);
    return ok;
}

/* The labels file's header: integer labels (one dimension) or float targets
 * (one or two dimensions), as many as `available` samples. */
static bool labels_header(const idx_file *f, long available, sasc_samples *set, char *error,
                          size_t size)
{
    bool integer = sasc_element_is_integer(f->type);
    if ((integer && f->ndims != 1) || f->ndims > 2) {
        snprintf(error, size, "%s holds %d-dimensional records of %s: labels are 1-dimensional "
                 "integers, targets floats or doubles of 1 or 2 dimensions", f->path, f->ndims,
                 integer ? "integers" : "floats");
        return false;
    }
    if ((long)f->dims[0] != available) {
        snprintf(error, size, "%s has %u labels but the images file beside it has %ld images",
                 f->path, f->dims[0], available);
        return false;
    }
    snprintf(set->label_origin, sizeof set->label_origin, "%s", f->path);
    set->targets = integer ? SASC_TARGETS_CLASSES : SASC_TARGETS_VALUES;
    set->target_width = f->ndims == 2 ? (int)f->dims[1] : 1;
    if (!integer && (f->dims[1] == 0 || f->dims[1] > INT32_MAX) && f->ndims == 2) {
        snprintf(error, size, "%s declares %u targets per sample", f->path, f->dims[1]);
        return false;
    }
    return true;
}

static bool decode_labels(const idx_file *f, const unsigned char *records, sasc_samples *set,
                          char *error, size_t size)
{
    size_t n = (size_t)set->count;
    if (set->targets == SASC_TARGETS_VALUES) {
        size_t values = n * (size_t)set->target_width;
        set->target_values = malloc((values ? values : 1) * sizeof *set->target_values);
        for (size_t k = 0; set->target_values && k < values; k++)
            set->target_values[k] = (float)sasc_element_get(records, k, f->type, true);
        if (!set->target_values)
            snprintf(error, size, "out of memory reading %s", f->path);
        return set->target_values != NULL;
    }
    set->labels = malloc((n ? n : 1) * sizeof *set->labels);
    if (!set->labels) {
        snprintf(error, size, "out of memory reading %s", f->path);
        return false;
    }
    for (size_t k = 0; k < n; k++) {
        double label = sasc_element_get(records, k, f->type, true);
        if (label < 0) {
            snprintf(error, size, "%s: label %.0f of sample %zu is negative", f->path, label, k);
            return false;
        }
        set->labels[k] = (int)label;
    }
    return true;
}

static bool read_labels(const char *directory, const char *prefix, bool header_only,
                        sasc_samples *set, char *error, size_t size)
{
    idx_file f = {0};
    bool ok = open_idx(directory, prefix, "labels", "idx1-ubyte", &f, error, size) &&
              labels_header(&f, set->count, set, error, size);
    if (ok && !header_only) {
        size_t record = (size_t)set->target_width * (size_t)sasc_element_size(f.type);
        unsigned char *records = read_records(&f, record, error, size);
        ok = records && decode_labels(&f, records, set, error, size);
        free(records);
    }
    close_idx(&f);
    return ok;
}

bool sasc_idx_read(const char *directory, const char *prefix, bool header_only,
                   sasc_samples *set, char *error, size_t error_size)
{
    memset(set, 0, sizeof *set);
    bool ok = read_images(directory, prefix, header_only, set, error, error_size) &&
              read_labels(directory, prefix, header_only, set, error, error_size);
    if (!ok)
        sasc_samples_free(set);
    return ok;
}

static bool idx_read(const sasc_data_request *request, sasc_split split, bool header_only,
                     sasc_samples *set, char *error, size_t error_size)
{
    return sasc_idx_read(request->data, split_prefix[split], header_only, set, error, error_size);
}

static bool idx_claims(const char *data)
{
    (void)data;
    return true;
}

SASC_SAMPLES_KIND(idx, idx_read, idx_claims,
                  "data = \"DIR\": a directory of IDX files, train-images-idx3-ubyte, "
                  "train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (or .gz; "
                  "any element type and 1-4 dimensions per sample, e.g. train-images-idx2-float; "
                  "integer labels or float targets)");
