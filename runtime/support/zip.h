/*
 * zip.h — reading one member of a zip archive held in memory (.npz files:
 * numpy's savez and savez_compressed write zip archives of .npy files,
 * stored or deflated).
 *
 * The member is found through the central directory (zip64 sizes and
 * offsets included); its declared size is checked against the archive
 * before anything is allocated (deflate expands at most 1032:1), and its
 * CRC-32 is checked after.
 */
#ifndef SASC_ZIP_H
#define SASC_ZIP_H

#include <stdbool.h>
#include <stddef.h>

typedef enum { SASC_ZIP_FOUND, SASC_ZIP_ABSENT, SASC_ZIP_ERROR } sasc_zip_result;

/* Member `name` of the archive `zip` (`size` bytes, named `path` in
 * messages) into a new buffer (*out, *out_size; the caller frees). ABSENT
 * without a message when the archive has no such member; ERROR with one
 * sentence when the archive or the member is damaged or uses another
 * compression. */
sasc_zip_result sasc_zip_extract(const unsigned char *zip, size_t size, const char *path,
                                 const char *name, unsigned char **out, size_t *out_size,
                                 char *error, size_t error_size);

#endif
