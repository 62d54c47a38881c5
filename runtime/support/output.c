/*
 * output.c — atomic result files, directory creation, CSV/JSON number text.
 */
#include "runtime/support/output.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void write_failure(char *error, size_t size, const char *name, int error_number)
{
    snprintf(error, size, "cannot write %s: %s", name, strerror(error_number));
}

/* Results replace only ordinary files: renaming over a device or a directory
 * (as root, /dev/null or /dev/full) would destroy it. */
static bool replaceable(const char *path, char *error, size_t size)
{
    struct stat existing;
    if (lstat(path, &existing) != 0 || S_ISREG(existing.st_mode))
        return true;
    snprintf(error, size, "cannot write %s: it exists and is not a regular file", path);
    return false;
}

bool sasc_atomic_open(sasc_atomic_file *f, const char *path, char *error, size_t size)
{
    memset(f, 0, sizeof *f);
    if (!replaceable(path, error, size))
        return false;
    const char *slash = strrchr(path, '/');
    int dir_length = slash ? (int)(slash - path + 1) : 0;
    const char *base = slash ? slash + 1 : path;
    f->path = strdup(path);
    if (f->path && asprintf(&f->temp_path, "%.*s.%s.tmp.XXXXXX", dir_length, path, base) < 0)
        f->temp_path = NULL;
    if (!f->path || !f->temp_path) {
        write_failure(error, size, path, ENOMEM);
        sasc_atomic_abort(f);
        return false;
    }
    int fd = mkstemp(f->temp_path);
    if (fd < 0) {
        write_failure(error, size, path, errno);
        free(f->temp_path);
        f->temp_path = NULL;  /* nothing was created, so nothing to remove */
        sasc_atomic_abort(f);
        return false;
    }
    fchmod(fd, 0644);  /* mkstemp's 0600 would hide results from other users */
    f->file = fdopen(fd, "wb");
    if (!f->file) {
        write_failure(error, size, path, errno);
        close(fd);
        sasc_atomic_abort(f);
        return false;
    }
    return true;
}

void sasc_atomic_write(sasc_atomic_file *f, const void *data, size_t size)
{
    if (size > 0 && fwrite(data, 1, size, f->file) != size && f->error_number == 0)
        f->error_number = errno ? errno : EIO;
}

void sasc_atomic_printf(sasc_atomic_file *f, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    if (vfprintf(f->file, format, args) < 0 && f->error_number == 0)
        f->error_number = errno ? errno : EIO;
    va_end(args);
}

bool sasc_stream_finish(FILE *stream, const char *name, int earlier_errno,
                        char *error, size_t size)
{
    int failure = earlier_errno;
    if (fflush(stream) != 0 && failure == 0)
        failure = errno;
    if (ferror(stream) && failure == 0)
        failure = EIO;
    /* Devices and some file systems cannot sync; that is not a write failure. */
    if (failure == 0 && fsync(fileno(stream)) != 0 && errno != EINVAL && errno != EROFS &&
        errno != ENOTSUP)
        failure = errno;
    if (fclose(stream) != 0 && failure == 0)
        failure = errno;
    if (failure != 0)
        write_failure(error, size, name, failure);
    return failure == 0;
}

bool sasc_atomic_commit(sasc_atomic_file *f, char *error, size_t size)
{
    bool ok = sasc_stream_finish(f->file, f->path, f->error_number, error, size);
    f->file = NULL;
    if (ok && rename(f->temp_path, f->path) != 0) {
        write_failure(error, size, f->path, errno);
        ok = false;
    }
    if (ok) {
        free(f->temp_path);
        f->temp_path = NULL;
    }
    sasc_atomic_abort(f);
    return ok;
}

void sasc_atomic_abort(sasc_atomic_file *f)
{
    if (f->file)
        fclose(f->file);
    if (f->temp_path)
        unlink(f->temp_path);
    free(f->temp_path);
    free(f->path);
    memset(f, 0, sizeof *f);
}

bool sasc_write_file_atomically(const char *path, const void *data, size_t size,
                                char *error, size_t error_size)
{
    sasc_atomic_file f;
    if (!sasc_atomic_open(&f, path, error, error_size))
        return false;
    sasc_atomic_write(&f, data, size);
    return sasc_atomic_commit(&f, error, error_size);
}

/* Create one directory; an existing directory is fine. */
char *sasc_read_file(const char *path, size_t *size)
{
    FILE *in = fopen(path, "rb");
    if (!in)
        return NULL;
    size_t length = 0, capacity = 65536;
    char *data = malloc(capacity);
    for (size_t got; data && (got = fread(data + length, 1, capacity - length - 1, in)) > 0;) {
        length += got;
        if (length + 1 == capacity) {
            char *bigger = realloc(data, capacity *= 2);
            if (!bigger)
                free(data);
            data = bigger;
        }
    }
    int read_error = ferror(in) ? (errno ? errno : EIO) : 0;
    fclose(in);
    if (data && read_error) {
        free(data);
        data = NULL;
        errno = read_error;
    } else if (!data) {
        errno = ENOMEM;
    } else {
        data[length] = '\0';
        if (size)
            *size = length;
    }
    return data;
}

static bool make_one_directory(const char *path, char *error, size_t size)
{
    struct stat st;
    if (mkdir(path, 0777) == 0 || (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode)))
        return true;
    int failure = errno == EEXIST ? ENOTDIR : errno;
    snprintf(error, size, "cannot create directory %s: %s", path, strerror(failure));
    return false;
}

bool sasc_make_directories(const char *path, char *error, size_t size)
{
    char *copy = strdup(path);
    if (!copy) {
        snprintf(error, size, "cannot create directory %s: %s", path, strerror(ENOMEM));
        return false;
    }
    bool ok = true;
    /* Every prefix ending before a '/' (except the root), then the whole path. */
    for (char *p = copy + 1; ok && *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        ok = make_one_directory(copy, error, size);
        *p = '/';
    }
    if (ok)
        ok = make_one_directory(copy, error, size);
    free(copy);
    return ok;
}

void sasc_atomic_number(sasc_atomic_file *f, double value)
{
    sasc_atomic_printf(f, "%.9g", value);
}

void sasc_atomic_json_number(sasc_atomic_file *f, double value)
{
    if (isfinite(value))
        sasc_atomic_number(f, value);
    else
        sasc_atomic_printf(f, "null");
}

void sasc_json_quote(const char *text, char *out, size_t size)
{
    size_t n = 0;
    if (size < 3) {
        if (size)
            out[0] = '\0';
        return;
    }
    out[n++] = '"';
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        char piece[8];
        if (*p == '"' || *p == '\\')
            snprintf(piece, sizeof piece, "\\%c", *p);
        else if (*p < 0x20)
            snprintf(piece, sizeof piece, "\\u%04x", *p);
        else
            snprintf(piece, sizeof piece, "%c", *p);
        size_t length = strlen(piece);
        if (n + length + 2 > size)
            break;
        memcpy(out + n, piece, length);
        n += length;
    }
    out[n++] = '"';
    out[n] = '\0';
}

void sasc_atomic_json_string(sasc_atomic_file *f, const char *text)
{
    size_t size = strlen(text) * 6 + 3;  /* worst case: every byte a \u00XX escape */
    char *quoted = malloc(size);
    if (!quoted) {
        if (f->error_number == 0)
            f->error_number = ENOMEM;
        return;
    }
    sasc_json_quote(text, quoted, size);
    sasc_atomic_printf(f, "%s", quoted);
    free(quoted);
}

void sasc_shorten(const char *text, size_t keep, char *out, size_t size)
{
    size_t length = strlen(text);
    if (length <= keep)
        snprintf(out, size, "%s", text);
    else
        snprintf(out, size, "%.*s...%s (%zu characters)", (int)(keep / 2), text,
                 text + length - keep / 2, length);
}
