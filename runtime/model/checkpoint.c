/*
 * checkpoint.c — writing and reading DIR/checkpoint.sasc; the stop signals.
 */
#include "runtime/model/checkpoint.h"
#include "runtime/model/buffers.h"
#include "runtime/support/output.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char magic[8] = {'S', 'A', 'S', 'C', 'C', 'K', 'P', '1'};
static const char end_magic[8] = {'S', 'A', 'S', 'C', 'E', 'N', 'D', '1'};

/* The buffers a checkpoint holds: everything that is not recomputed. */
bool sasc_checkpoint_saves(sasc_buffer_role role)
{
    return role == SASC_BUFFER_PARAMETER || role == SASC_BUFFER_OPTIMIZER_STATE ||
           role == SASC_BUFFER_MASK;
}

static void path_in(const char *dir, char *path, size_t size)
{
    snprintf(path, size, "%s/%s", dir, SASC_CHECKPOINT_FILE);
}

/* The fixed-size part of the position, as written. */
typedef struct {
    int32_t epoch, step, epochs_done, metric_columns;
    int64_t updates, correct;
    double loss_sum;
} position_record;

bool sasc_checkpoint_write(const char *dir, const sasc_program *program, void *const *buffers,
                           const sasc_task *task, const sasc_checkpoint_position *position,
                           char *error, size_t error_size)
{
    char path[8192];
    path_in(dir, path, sizeof path);
    sasc_atomic_file f;
    if (!sasc_atomic_open(&f, path, error, error_size))
        return false;
    uint32_t header[3] = {(uint32_t)sizeof *task, (uint32_t)program->precision, 0};
    for (int i = 0; i < program->buffer_count; i++)
        header[2] += sasc_checkpoint_saves(program->buffers[i].role);
    position_record record = {position->epoch, position->step, position->epochs_done,
                              position->metric_columns, position->updates, position->correct,
                              position->loss_sum};
    sasc_atomic_write(&f, magic, sizeof magic);
    sasc_atomic_write(&f, header, sizeof header);
    sasc_atomic_write(&f, task, sizeof *task);
    sasc_atomic_write(&f, &record, sizeof record);
    sasc_atomic_write(&f, position->metrics, sizeof(double) * (size_t)position->epochs_done *
                      (size_t)position->metric_columns);
    for (int i = 0; i < program->buffer_count; i++) {
        const sasc_buffer_desc *b = &program->buffers[i];
        if (!sasc_checkpoint_saves(b->role))
            continue;
        uint32_t shape[3] = {(uint32_t)strlen(b->name), (uint32_t)b->rows, (uint32_t)b->cols};
        sasc_atomic_write(&f, shape, sizeof shape);
        sasc_atomic_write(&f, b->name, shape[0]);
        sasc_atomic_write(&f, buffers[i], sasc_buffer_elements(program, i) * program->precision);
    }
    sasc_atomic_write(&f, end_magic, sizeof end_magic);
    return sasc_atomic_commit(&f, error, error_size);
}

/* ---- reading ---- */

typedef struct {
    FILE *file;
    const char *path;
    char *error;
    size_t error_size;
} reader;

static bool read_bytes(reader *r, void *data, size_t size)
{
    if (size == 0 || fread(data, 1, size, r->file) == size)
        return true;
    snprintf(r->error, r->error_size, "%s is truncated or unreadable; it is not a complete checkpoint",
             r->path);
    return false;
}

static bool mismatch(reader *r, const char *what)
{
    snprintf(r->error, r->error_size, "%s does not belong to this model: %s", r->path, what);
    return false;
}

static bool read_buffers(reader *r, const sasc_program *program, void *const *buffers)
{
    for (int i = 0; i < program->buffer_count; i++) {
        const sasc_buffer_desc *b = &program->buffers[i];
        if (!sasc_checkpoint_saves(b->role))
            continue;
        uint32_t shape[3];
        char name[256];
        if (!read_bytes(r, shape, sizeof shape))
            return false;
        if (shape[0] >= sizeof name || !read_bytes(r, name, shape[0]))
            return shape[0] >= sizeof name ? mismatch(r, "a buffer name is too long") : false;
        name[shape[0]] = '\0';
        if (strcmp(name, b->name) != 0 || shape[1] != (uint32_t)b->rows || shape[2] != (uint32_t)b->cols) {
            char what[600];
            snprintf(what, sizeof what, "it has buffer '%s' (%u x %u) where the model has '%s' (%d x %d)",
                     name, shape[1], shape[2], b->name, b->rows, b->cols);
            return mismatch(r, what);
        }
        if (!read_bytes(r, buffers[i], sasc_buffer_elements(program, i) * program->precision))
            return false;
    }
    char end[8];
    if (!read_bytes(r, end, sizeof end))
        return false;
    return memcmp(end, end_magic, sizeof end) == 0 || mismatch(r, "it has more buffers than the model");
}

static bool read_position(reader *r, sasc_checkpoint_position *position)
{
    position_record record;
    if (!read_bytes(r, &record, sizeof record))
        return false;
    if (record.epochs_done < 0 || record.metric_columns < 0 || record.metric_columns > 4096 ||
        record.epochs_done > 100000000)
        return mismatch(r, "its position is malformed");
    size_t count = (size_t)record.epochs_done * (size_t)record.metric_columns;
    double *metrics = malloc((count ? count : 1) * sizeof *metrics);
    if (!metrics) {
        snprintf(r->error, r->error_size, "out of memory reading %s", r->path);
        return false;
    }
    if (!read_bytes(r, metrics, count * sizeof *metrics)) {
        free(metrics);
        return false;
    }
    *position = (sasc_checkpoint_position){record.epoch, record.step, (long)record.updates,
                                           record.loss_sum, (long)record.correct,
                                           record.epochs_done, record.metric_columns, metrics};
    return true;
}

static bool read_all(reader *r, const sasc_program *program, void *const *buffers, sasc_task *task,
                     sasc_checkpoint_position *position)
{
    char start[8];
    uint32_t header[3];
    sasc_task stored;
    if (!read_bytes(r, start, sizeof start))
        return false;
    if (memcmp(start, magic, sizeof magic) != 0) {
        snprintf(r->error, r->error_size, "%s is not a sasc checkpoint", r->path);
        return false;
    }
    if (!read_bytes(r, header, sizeof header))
        return false;
    if (header[0] != sizeof stored)
        return mismatch(r, "it was written by another version of sasc");
    if (!read_bytes(r, &stored, sizeof stored))
        return false;
    if (task)
        *task = stored;
    if (!program)
        return true;
    if (header[1] != (uint32_t)program->precision)
        return mismatch(r, "its precision differs");
    sasc_checkpoint_position place;
    if (!read_position(r, &place))
        return false;
    bool ok = read_buffers(r, program, buffers);
    if (ok && position)
        *position = place;
    else
        free(place.metrics);
    return ok;
}

bool sasc_checkpoint_read(const char *dir, const sasc_program *program, void *const *buffers,
                          sasc_task *task, sasc_checkpoint_position *position,
                          char *error, size_t error_size)
{
    char path[8192];
    path_in(dir, path, sizeof path);
    reader r = {fopen(path, "rb"), path, error, error_size};
    if (!r.file) {
        snprintf(error, error_size, "cannot read %s: %s", path, strerror(errno));
        return false;
    }
    bool ok = read_all(&r, program, buffers, task, position);
    fclose(r.file);
    return ok;
}

/* ---- signals ---- */

static volatile sig_atomic_t stop_signal = 0;
static struct sigaction previous[2];
static const int caught[2] = {SIGINT, SIGTERM};

static void on_signal(int number)
{
    stop_signal = number;
}

void sasc_checkpoint_catch_signals(void)
{
    stop_signal = 0;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    for (int k = 0; k < 2; k++)
        sigaction(caught[k], &action, &previous[k]);
}

void sasc_checkpoint_release_signals(void)
{
    for (int k = 0; k < 2; k++)
        sigaction(caught[k], &previous[k], NULL);
}

int sasc_checkpoint_stop_signal(void)
{
    return stop_signal;
}
