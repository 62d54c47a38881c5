/*
 * input_file.c — opening only regular files, reading them with a bound.
 */
#include "runtime/support/input_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What a file that is not a regular one is, for the refusal. */
static const char *file_kind(mode_t mode)
{
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    if (S_ISSOCK(mode))
        return "a socket";
    return "a special file";
}

static bool check_kind(const struct stat *status, uint64_t limit, char *reason, size_t size)
{
    if (S_ISDIR(status->st_mode)) {
        snprintf(reason, size, "%s", strerror(EISDIR));
        return false;
    }
    if (!S_ISREG(status->st_mode)) {
        snprintf(reason, size, "it is %s, not a regular file", file_kind(status->st_mode));
        return false;
    }
    if (limit > 0 && (uint64_t)status->st_size > limit) {
        snprintf(reason, size, "the file is too large (more than %llu bytes)",
                 (unsigned long long)limit);
        return false;
    }
    return true;
}

bool sasc_input_open(sasc_input_file *file, const char *path, uint64_t limit,
                     char *reason, size_t reason_size)
{
    file->fd = -1;
    file->size = 0;
    /* O_NONBLOCK: the open of a FIFO without a writer returns instead of waiting. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        snprintf(reason, reason_size, "%s", strerror(errno));
        return false;
    }
    struct stat status;
    if (fstat(fd, &status) != 0) {
        snprintf(reason, reason_size, "%s", strerror(errno));
        close(fd);
        return false;
    }
    int flags = fcntl(fd, F_GETFL);
    if (!check_kind(&status, limit, reason, reason_size) || flags < 0 ||
        fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
        if (flags < 0)
            snprintf(reason, reason_size, "%s", strerror(errno));
        close(fd);
        return false;
    }
    file->fd = fd;
    file->size = (uint64_t)status.st_size;
    return true;
}

bool sasc_input_read(sasc_input_file *file, void *data, size_t size, char *reason,
                     size_t reason_size)
{
    unsigned char *at = data;
    size_t done = 0;
    while (done < size) {
        ssize_t got = read(file->fd, at + done, size - done);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            snprintf(reason, reason_size, "%s", strerror(errno));
            return false;
        }
        if (got == 0) {
            snprintf(reason, reason_size, "it ends after %llu bytes",
                     (unsigned long long)(lseek(file->fd, 0, SEEK_CUR)));
            return false;
        }
        done += (size_t)got;
    }
    return true;
}

void sasc_input_close(sasc_input_file *file)
{
    if (file->fd >= 0)
        close(file->fd);
    file->fd = -1;
}

char *sasc_input_read_all(const char *path, uint64_t limit, size_t *size, char *reason,
                          size_t reason_size)
{
    sasc_input_file file;
    if (!sasc_input_open(&file, path, limit, reason, reason_size))
        return NULL;
    if (file.size >= SIZE_MAX) {
        snprintf(reason, reason_size, "the file is too large to be read into memory");
        sasc_input_close(&file);
        return NULL;
    }
    size_t length = (size_t)file.size;
    char *data = malloc(length + 1);
    if (!data)
        snprintf(reason, reason_size, "out of memory reading %zu bytes", length);
    /* A file that grew since fstat is read as it was; one that shrank is an error. */
    if (data && !sasc_input_read(&file, data, length, reason, reason_size)) {
        free(data);
        data = NULL;
    }
    sasc_input_close(&file);
    if (data) {
        data[length] = '\0';
        if (size)
            *size = length;
    }
    return data;
}

FILE *sasc_input_fopen(const char *path, char *reason, size_t reason_size)
{
    sasc_input_file file;
    if (!sasc_input_open(&file, path, 0, reason, reason_size))
        return NULL;
    FILE *stream = fdopen(file.fd, "r");
    if (!stream) {
        snprintf(reason, reason_size, "%s", strerror(errno));
        sasc_input_close(&file);
    }
    return stream;
}
