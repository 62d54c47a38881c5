/*
 * zip.c — one member of a zip archive in memory, stored or deflated (zlib).
 */
#include "runtime/support/zip.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

enum { END_RECORD = 22, CENTRAL_ENTRY = 46, LOCAL_HEADER = 30, MAX_COMMENT = 65535,
       DEFLATE_MAX_RATIO = 1032 };

static uint32_t u16(const unsigned char *b) { return (uint32_t)b[0] | (uint32_t)b[1] << 8; }
static uint32_t u32(const unsigned char *b) { return u16(b) | u16(b + 2) << 16; }
static uint64_t u64(const unsigned char *b) { return u32(b) | (uint64_t)u32(b + 4) << 32; }

typedef struct {
    uint32_t method, crc;
    uint64_t compressed, uncompressed, local_offset;
} member;

static bool damaged(const char *path, const char *what, char *error, size_t error_size)
{
    snprintf(error, error_size, "%s is not a valid zip (.npz) archive: %s", path, what);
    return false;
}

/* The end-of-central-directory record: the last one within the final 64 KiB. */
static bool find_directory(const unsigned char *zip, size_t size, const char *path,
                           uint64_t *offset, uint64_t *entries, char *error, size_t error_size)
{
    if (size < END_RECORD)
        return damaged(path, "it is too short", error, error_size);
    size_t lowest = size - END_RECORD > MAX_COMMENT ? size - END_RECORD - MAX_COMMENT : 0;
    for (size_t at = size - END_RECORD + 1; at-- > lowest;) {
        if (u32(zip + at) != 0x06054b50)
            continue;
        *entries = u16(zip + at + 10);
        *offset = u32(zip + at + 16);
        if (*offset == 0xFFFFFFFFu && at >= 20 && u32(zip + at - 20) == 0x07064b50) {
            uint64_t record = u64(zip + at - 20 + 8);   /* the zip64 end record */
            if (record > size || size - record < 56)
                return damaged(path, "its zip64 directory lies outside it", error, error_size);
            *entries = u64(zip + record + 32);
            *offset = u64(zip + record + 48);
        }
        return *offset <= size ? true
               : damaged(path, "its central directory lies outside it", error, error_size);
    }
    return damaged(path, "it has no end-of-central-directory record", error, error_size);
}

/* Sizes and offset of 0xFFFFFFFF are in the entry's zip64 extra field (tag 1). */
static void zip64_fields(const unsigned char *extra, size_t length, member *m)
{
    for (size_t at = 0; at + 4 <= length;) {
        size_t field = u16(extra + at + 2);
        if (u16(extra + at) == 1) {
            const unsigned char *v = extra + at + 4, *end = extra + at + 4 + field;
            uint64_t *slots[3] = {&m->uncompressed, &m->compressed, &m->local_offset};
            for (int k = 0; k < 3; k++)
                if (*slots[k] == 0xFFFFFFFFu && v + 8 <= end && v + 8 <= extra + length) {
                    *slots[k] = u64(v);
                    v += 8;
                }
            return;
        }
        at += 4 + field;
    }
}

static sasc_zip_result find_member(const unsigned char *zip, size_t size, const char *path,
                                   const char *name, member *m, char *error, size_t error_size)
{
    uint64_t at, entries;
    if (!find_directory(zip, size, path, &at, &entries, error, error_size))
        return SASC_ZIP_ERROR;
    size_t name_length = strlen(name);
    for (uint64_t e = 0; e < entries; e++) {
        if (size - at < CENTRAL_ENTRY || u32(zip + at) != 0x02014b50) {
            damaged(path, "its central directory is cut short", error, error_size);
            return SASC_ZIP_ERROR;
        }
        const unsigned char *entry = zip + at;
        size_t n = u16(entry + 28), extra = u16(entry + 30), comment = u16(entry + 32);
        if (size - at - CENTRAL_ENTRY < n + extra + comment) {
            damaged(path, "its central directory is cut short", error, error_size);
            return SASC_ZIP_ERROR;
        }
        if (n == name_length && memcmp(entry + CENTRAL_ENTRY, name, n) == 0) {
            *m = (member){u16(entry + 10), u32(entry + 16), u32(entry + 20), u32(entry + 24),
                          u32(entry + 42)};
            zip64_fields(entry + CENTRAL_ENTRY + n, extra, m);
            return SASC_ZIP_FOUND;
        }
        at += CENTRAL_ENTRY + n + extra + comment;
    }
    return SASC_ZIP_ABSENT;
}

static bool inflate_member(const unsigned char *data, const member *m, unsigned char *out,
                           const char *path, const char *name, char *error, size_t error_size)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK) {
        snprintf(error, error_size, "out of memory inflating %s in %s", name, path);
        return false;
    }
    z.next_in = (unsigned char *)data;
    z.avail_in = (uInt)m->compressed;
    z.next_out = out;
    z.avail_out = (uInt)m->uncompressed;
    int status = inflate(&z, Z_FINISH);
    bool ok = status == Z_STREAM_END && z.total_out == m->uncompressed;
    inflateEnd(&z);
    if (!ok)
        snprintf(error, error_size, "%s in %s is damaged: its deflated data does not expand to "
                 "the %llu bytes its entry declares", name, path, (unsigned long long)m->uncompressed);
    return ok;
}

sasc_zip_result sasc_zip_extract(const unsigned char *zip, size_t size, const char *path,
                                 const char *name, unsigned char **out, size_t *out_size,
                                 char *error, size_t error_size)
{
    member m;
    sasc_zip_result found = find_member(zip, size, path, name, &m, error, error_size);
    if (found != SASC_ZIP_FOUND)
        return found;
    if (m.method != 0 && m.method != 8) {
        snprintf(error, error_size, "%s in %s uses zip compression method %u; sasc reads stored (0) "
                 "and deflated (8) members", name, path, m.method);
        return SASC_ZIP_ERROR;
    }
    uint64_t local = m.local_offset;
    if (local > size || size - local < LOCAL_HEADER || u32(zip + local) != 0x04034b50) {
        damaged(path, "a member's local header lies outside it", error, error_size);
        return SASC_ZIP_ERROR;
    }
    uint64_t data = local + LOCAL_HEADER + u16(zip + local + 26) + u16(zip + local + 28);
    bool fits = data <= size && m.compressed <= size - data &&
                (m.method == 0 ? m.uncompressed == m.compressed
                               : m.uncompressed / DEFLATE_MAX_RATIO <= m.compressed) &&
                m.uncompressed < UINT32_MAX;   /* one inflate call: avail_out is 32 bits */
    if (!fits) {
        snprintf(error, error_size, "%s in %s declares %llu bytes that the archive cannot hold",
                 name, path, (unsigned long long)m.uncompressed);
        return SASC_ZIP_ERROR;
    }
    *out = malloc(m.uncompressed ? (size_t)m.uncompressed : 1);
    if (!*out) {
        snprintf(error, error_size, "out of memory reading %s in %s", name, path);
        return SASC_ZIP_ERROR;
    }
    bool ok = m.method == 0 ? (memcpy(*out, zip + data, (size_t)m.uncompressed), true)
              : inflate_member(zip + data, &m, *out, path, name, error, error_size);
    if (ok && crc32(0, *out, (uInt)m.uncompressed) != m.crc) {
        snprintf(error, error_size, "%s in %s is damaged: its CRC-32 does not match", name, path);
        ok = false;
    }
    if (!ok) {
        free(*out);
        *out = NULL;
        return SASC_ZIP_ERROR;
    }
    *out_size = (size_t)m.uncompressed;
    return SASC_ZIP_FOUND;
}
