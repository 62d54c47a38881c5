/*
 * snapshots.c — parameters kept over training (see snapshots.h).
 */
#include "runtime/ensemble/snapshots.h"
#include "runtime/support/npy.h"
#include "runtime/support/output.h"

#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

bool sasc_parameters_write(const sasc_program *program, void *const *buffers, const char *dir,
                           char *error, size_t error_size)
{
    if (!sasc_make_directories(dir, error, error_size))
        return false;
    for (int i = 0; i < program->buffer_count; i++) {
        const sasc_buffer_desc *b = &program->buffers[i];
        if (b->role != SASC_BUFFER_PARAMETER)
            continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s.npy", dir, b->name);
        if (!sasc_npy_write(path, buffers[i], program->precision, b->rows, b->cols, error,
                            error_size))
            return false;
    }
    return true;
}

void sasc_snapshot_dir(const char *run_dir, int epoch, char *out, size_t size)
{
    snprintf(out, size, "%s/%s/%d", run_dir, SASC_SNAPSHOT_FOLDER, epoch);
}

bool sasc_snapshot_due(const sasc_task *task, int epochs_done)
{
    int k = task->snapshot_every;
    return k > 0 && (epochs_done % k == 0 || epochs_done == task->epochs);
}

bool sasc_snapshot_write(const sasc_program *program, void *const *buffers, const char *run_dir,
                         int epochs_done, char *error, size_t error_size)
{
    char dir[8192];
    sasc_snapshot_dir(run_dir, epochs_done, dir, sizeof dir);
    return sasc_parameters_write(program, buffers, dir, error, error_size);
}

/* The epoch a folder name stands for: decimal digits only, else -1. */
static int epoch_of(const char *name)
{
    long value = 0;
    if (!*name)
        return -1;
    for (const char *p = name; *p; p++) {
        if (!isdigit((unsigned char)*p) || value > INT_MAX / 10)
            return -1;
        value = value * 10 + (*p - '0');
    }
    return value <= INT_MAX ? (int)value : -1;
}

static int ascending(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

bool sasc_snapshot_list(const char *run_dir, int **epochs, int *count, char *error,
                        size_t error_size)
{
    *epochs = NULL;
    *count = 0;
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", run_dir, SASC_SNAPSHOT_FOLDER);
    DIR *dir = opendir(path);
    if (!dir)
        return true;
    int capacity = 0;
    bool ok = true;
    for (struct dirent *e; ok && (e = readdir(dir));) {
        int epoch = epoch_of(e->d_name);
        if (epoch < 0)
            continue;
        if (*count == capacity) {
            capacity = capacity ? 2 * capacity : 16;
            int *grown = realloc(*epochs, (size_t)capacity * sizeof *grown);
            ok = grown != NULL;
            if (ok)
                *epochs = grown;
        }
        if (ok)
            (*epochs)[(*count)++] = epoch;
    }
    closedir(dir);
    if (!ok) {
        free(*epochs);
        *epochs = NULL;
        *count = 0;
        snprintf(error, error_size, "out of memory listing the snapshots of %s", run_dir);
        return false;
    }
    if (*count)
        qsort(*epochs, (size_t)*count, sizeof **epochs, ascending);
    return true;
}
