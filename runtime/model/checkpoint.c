/*
 * checkpoint.c — writing and reading DIR/checkpoint.sasc (format 2); the
 * stop signals.
 *
 * Layout (host byte order, which the byte-order word checks):
 *   "SASCCKPT", u32 format 2, u32 0x01020304, u32 precision, u32 saved buffers
 *   settings:  u32 count, then per setting u32 length + key, u32 length + value
 *   history:   u32 length + model file, f64 seconds before, u32 resumes, then
 *              per resume i32 epoch, u32 length + changes
 *   position:  i32 epoch, step, epochs done, metric columns; i64 updates,
 *              correct; f64 loss sum; then the metrics (f64)
 *   buffers:   per saved buffer u32 length + name, u32 rows, u32 cols, data
 *   "SASCEND2", u32 CRC-32 (zlib's) of every byte before it.
 */
#include "runtime/model/checkpoint.h"
#include "runtime/model/buffers.h"
#include "runtime/support/input_file.h"
#include "runtime/support/npy.h"
#include "runtime/support/output.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

static const char magic[8] = {'S', 'A', 'S', 'C', 'C', 'K', 'P', 'T'};
static const char old_magic[8] = {'S', 'A', 'S', 'C', 'C', 'K', 'P', '1'};
static const char end_magic[8] = {'S', 'A', 'S', 'C', 'E', 'N', 'D', '2'};
enum { FORMAT_VERSION = 2, BYTE_ORDER_MARK = 0x01020304 };

/* Bounds on what a checkpoint may declare (far above any real run). */
enum { MAX_STRING = 1 << 16, MAX_SETTINGS = 4096, MAX_RESUMES = 100000, MAX_COLUMNS = 1 << 20 };

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

void sasc_checkpoint_position_free(sasc_checkpoint_position *position)
{
    for (int k = 0; position->resumes && k < position->resume_count; k++)
        free(position->resumes[k].changes);
    free(position->resumes);
    free(position->metrics);
    free(position->model_file);
    memset(position, 0, sizeof *position);
}

/* ---- writing: every byte through `put`, which keeps the CRC ---- */

typedef struct {
    sasc_atomic_file file;
    uLong crc;
} writer;

static void put(writer *w, const void *data, size_t size)
{
    const unsigned char *bytes = data;
    for (size_t done = 0; done < size;) {   /* crc32's length is a uInt */
        uInt chunk = size - done > (1u << 30) ? (1u << 30) : (uInt)(size - done);
        w->crc = crc32(w->crc, bytes + done, chunk);
        done += chunk;
    }
    sasc_atomic_write(&w->file, data, size);
}

static void put_u32(writer *w, uint32_t value) { put(w, &value, sizeof value); }

static void put_string(writer *w, const char *text)
{
    size_t length = text ? strlen(text) : 0;
    put_u32(w, (uint32_t)length);
    put(w, text ? text : "", length);
}

static void put_settings(writer *w, const sasc_task *task)
{
    int count;
    const sasc_setting_info *settings = sasc_task_settings(&count);
    put_u32(w, (uint32_t)count);
    for (int i = 0; i < count; i++) {
        char value[8192];
        sasc_task_value_text(task, &settings[i], value, sizeof value);
        put_string(w, settings[i].key);
        put_string(w, value);
    }
}

static void put_history(writer *w, const sasc_checkpoint_position *position)
{
    put_string(w, position->model_file);
    put(w, &position->seconds_before, sizeof position->seconds_before);
    put_u32(w, (uint32_t)position->resume_count);
    for (int k = 0; k < position->resume_count; k++) {
        int32_t at = position->resumes[k].at_epoch;
        put(w, &at, sizeof at);
        put_string(w, position->resumes[k].changes);
    }
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
    writer w = {.crc = crc32(0L, Z_NULL, 0)};
    if (!sasc_atomic_open(&w.file, path, error, error_size))
        return false;
    uint32_t header[4] = {FORMAT_VERSION, BYTE_ORDER_MARK, (uint32_t)program->precision, 0};
    for (int i = 0; i < program->buffer_count; i++)
        header[3] += sasc_checkpoint_saves(program->buffers[i].role);
    position_record record = {position->epoch, position->step, position->epochs_done,
                              position->metric_columns, position->updates, position->correct,
                              position->loss_sum};
    put(&w, magic, sizeof magic);
    put(&w, header, sizeof header);
    put_settings(&w, task);
    put_history(&w, position);
    put(&w, &record, sizeof record);
    put(&w, position->metrics, sizeof(double) * (size_t)position->epochs_done *
        (size_t)position->metric_columns);
    for (int i = 0; i < program->buffer_count; i++) {
        const sasc_buffer_desc *b = &program->buffers[i];
        if (!sasc_checkpoint_saves(b->role))
            continue;
        put_string(&w, b->name);
        put_u32(&w, (uint32_t)b->rows);
        put_u32(&w, (uint32_t)b->cols);
        put(&w, buffers[i], sasc_buffer_elements(program, i) * program->precision);
    }
    put(&w, end_magic, sizeof end_magic);
    uint32_t crc = (uint32_t)w.crc;
    sasc_atomic_write(&w.file, &crc, sizeof crc);
    return sasc_atomic_commit(&w.file, error, error_size);
}

/* ---- reading: the checksum first, then every field with its bounds ---- */

typedef struct {
    sasc_input_file file;
    const char *path;
    uint64_t left;         /* bytes before the end magic and checksum not yet read */
    char *error;
    size_t error_size;
} reader;

static bool malformed(reader *r, const char *format, ...) __attribute__((format(printf, 2, 3)));

static bool malformed(reader *r, const char *format, ...)
{
    char what[1024];
    va_list args;
    va_start(args, format);
    vsnprintf(what, sizeof what, format, args);
    va_end(args);
    snprintf(r->error, r->error_size, "%s is not a valid checkpoint: %s", r->path, what);
    return false;
}

/* `size` bytes, which must lie before the end of the checksummed contents. */
static bool take(reader *r, void *data, size_t size, const char *what)
{
    char reason[256];
    if (size > r->left)
        return malformed(r, "%s runs past the end of the file", what);
    if (size > 0 && !sasc_input_read(&r->file, data, size, reason, sizeof reason)) {
        snprintf(r->error, r->error_size, "cannot read %s: %s", r->path, reason);
        return false;
    }
    r->left -= size;
    return true;
}

static bool take_u32(reader *r, uint32_t *value, const char *what)
{
    return take(r, value, sizeof *value, what);
}

/* A length-prefixed string of at most `capacity` - 1 bytes, without NUL bytes. */
static bool take_string(reader *r, char *out, size_t capacity, const char *what)
{
    uint32_t length;
    if (!take_u32(r, &length, what))
        return false;
    if (length >= capacity)
        return malformed(r, "%s is %u bytes long, more than the %zu allowed", what, length,
                         capacity - 1);
    if (!take(r, out, length, what))
        return false;
    out[length] = '\0';
    return strlen(out) == length ? true : malformed(r, "%s contains a NUL byte", what);
}

static char *take_new_string(reader *r, const char *what)
{
    char *text = malloc(MAX_STRING);
    if (!text) {
        snprintf(r->error, r->error_size, "out of memory reading %s", r->path);
        return NULL;
    }
    if (!take_string(r, text, MAX_STRING, what)) {
        free(text);
        return NULL;
    }
    char *fitted = realloc(text, strlen(text) + 1);
    return fitted ? fitted : text;
}

/* CRC-32 of the file's first size - 4 bytes against its last four. The
 * file is read once here, then again from the start by the parser. */
static bool verify_checksum(reader *r)
{
    uint64_t size = r->file.size, minimum = sizeof magic + sizeof end_magic + 4;
    char reason[256];
    if (size < minimum) {
        snprintf(r->error, r->error_size, "%s is truncated: %llu bytes are too few for a checkpoint",
                 r->path, (unsigned long long)size);
        return false;
    }
    uLong crc = crc32(0L, Z_NULL, 0);
    unsigned char chunk[65536];
    for (uint64_t done = 0; done < size - 4;) {
        size_t n = size - 4 - done < sizeof chunk ? (size_t)(size - 4 - done) : sizeof chunk;
        if (!sasc_input_read(&r->file, chunk, n, reason, sizeof reason)) {
            snprintf(r->error, r->error_size, "cannot read %s: %s", r->path, reason);
            return false;
        }
        crc = crc32(crc, chunk, (uInt)n);
        done += n;
    }
    uint32_t stored;
    if (!sasc_input_read(&r->file, &stored, sizeof stored, reason, sizeof reason) ||
        lseek(r->file.fd, 0, SEEK_SET) != 0) {
        snprintf(r->error, r->error_size, "cannot read %s: %s", r->path, reason);
        return false;
    }
    if (stored != (uint32_t)crc) {
        snprintf(r->error, r->error_size, "%s is damaged: its checksum does not match its contents "
                 "(a changed byte, or a file cut short or copied in part); it cannot be used",
                 r->path);
        return false;
    }
    r->left = size - sizeof end_magic - 4;
    return true;
}

/* What the file is, from its first eight bytes, before its checksum. */
static bool check_magic(reader *r)
{
    char start[8];
    if (pread(r->file.fd, start, sizeof start, 0) != (ssize_t)sizeof start) {
        snprintf(r->error, r->error_size, "%s is not a sasc checkpoint: it is only %llu bytes long",
                 r->path, (unsigned long long)r->file.size);
        return false;
    }
    if (memcmp(start, old_magic, sizeof old_magic) == 0) {
        snprintf(r->error, r->error_size, "%s was written by an older sasc (checkpoint format 1, "
                 "without a checksum); this sasc reads format 2 only", r->path);
        return false;
    }
    if (memcmp(start, magic, sizeof magic) != 0) {
        snprintf(r->error, r->error_size, "%s is not a sasc checkpoint", r->path);
        return false;
    }
    return true;
}

static bool read_header(reader *r, const sasc_program *program, uint32_t *buffer_count)
{
    char start[8];
    uint32_t header[4];
    if (!take(r, start, sizeof start, "the magic string") ||
        !take(r, header, sizeof header, "the header"))
        return false;
    if (header[0] != FORMAT_VERSION)
        return malformed(r, "its format version is %u; this sasc reads format %d", header[0],
                         FORMAT_VERSION);
    if (header[1] != BYTE_ORDER_MARK)
        return malformed(r, "it was written on a machine of the other byte order");
    if (header[2] != SASC_F32 && header[2] != SASC_F64)
        return malformed(r, "its precision word is %u", header[2]);
    if (program && header[2] != (uint32_t)program->precision) {
        snprintf(r->error, r->error_size, "%s does not belong to this model: it holds %d-bit "
                 "values and the model is compiled for %d", r->path, 8 * (int)header[2],
                 8 * (int)program->precision);
        return false;
    }
    *buffer_count = header[3];
    return true;
}

/* The settings, each through sasc_task_set: the checks of --set exactly. */
static bool read_settings(reader *r, sasc_task *task)
{
    uint32_t count;
    if (!take_u32(r, &count, "the number of settings"))
        return false;
    if (count > MAX_SETTINGS)
        return malformed(r, "it declares %u settings", count);
    sasc_task_defaults(task);
    char key[256], value[8192], message[1024];
    for (uint32_t i = 0; i < count; i++) {
        if (!take_string(r, key, sizeof key, "a setting's name") ||
            !take_string(r, value, sizeof value, "a setting's value"))
            return false;
        if (!sasc_task_set(task, key, value, message, sizeof message))
            return malformed(r, "its setting %s=%s is invalid: %s", key, value, message);
    }
    return true;
}

static bool read_history(reader *r, sasc_checkpoint_position *place)
{
    uint32_t count;
    if (!(place->model_file = take_new_string(r, "the model file's name")) ||
        !take(r, &place->seconds_before, sizeof place->seconds_before, "the run's time") ||
        !take_u32(r, &count, "the number of resumes"))
        return false;
    if (!isfinite(place->seconds_before) || place->seconds_before < 0 || count > MAX_RESUMES)
        return malformed(r, "its history is impossible (%g seconds, %u resumes)",
                         place->seconds_before, count);
    place->resumes = calloc(count + 1, sizeof *place->resumes);
    if (!place->resumes) {
        snprintf(r->error, r->error_size, "out of memory reading %s", r->path);
        return false;
    }
    for (uint32_t k = 0; k < count; k++) {
        int32_t at;
        if (!take(r, &at, sizeof at, "a resume's epoch") ||
            !(place->resumes[k].changes = take_new_string(r, "a resume's changes")))
            return false;
        place->resume_count = (int)k + 1;
        place->resumes[k].at_epoch = at;
        if (at < 0)
            return malformed(r, "a resume began at epoch %d", at);
    }
    return true;
}

/* The position must describe a point a run can reach: epochs_done finished
 * epochs (one metrics row each), the next one `epoch` == epochs_done, no
 * count negative, at most the task's epochs. */
static bool check_position(reader *r, const position_record *p, const sasc_task *task)
{
    if (p->epoch < 0 || p->step < 0 || p->epochs_done != p->epoch || p->updates < 0 ||
        p->correct < 0 || p->epoch > task->epochs || !isfinite(p->loss_sum) ||
        p->metric_columns < 1 || p->metric_columns > MAX_COLUMNS ||
        (p->step == 0 && (p->correct != 0 || p->loss_sum != 0)) ||
        p->correct > (int64_t)p->step * task->batch)
        return malformed(r, "its position is impossible (epoch %d, step %d, %d epochs done of "
                         "%d, %lld updates, %lld correct, loss sum %g, %d metric columns)",
                         p->epoch, p->step, p->epochs_done, task->epochs, (long long)p->updates,
                         (long long)p->correct, p->loss_sum, p->metric_columns);
    return true;
}

static bool read_position(reader *r, const sasc_task *task, sasc_checkpoint_position *place)
{
    position_record record;
    if (!take(r, &record, sizeof record, "the position") || !check_position(r, &record, task))
        return false;
    uint64_t count = (uint64_t)record.epochs_done * (uint64_t)record.metric_columns;
    if (count * sizeof(double) > r->left)   /* before allocating */
        return malformed(r, "its metrics (%d epochs of %d numbers) run past the end of the file",
                         record.epochs_done, record.metric_columns);
    place->epoch = record.epoch;
    place->step = record.step;
    place->updates = (long)record.updates;
    place->correct = (long)record.correct;
    place->loss_sum = record.loss_sum;
    place->epochs_done = record.epochs_done;
    place->metric_columns = record.metric_columns;
    place->metrics = malloc((count ? count : 1) * sizeof *place->metrics);
    if (!place->metrics) {
        snprintf(r->error, r->error_size, "out of memory reading %s", r->path);
        return false;
    }
    if (!take(r, place->metrics, count * sizeof *place->metrics, "the metrics"))
        return false;
    for (uint64_t k = 0; k < count; k++)
        if (isinf(place->metrics[k]))   /* NaN is a layer without pi; infinity is no metric */
            return malformed(r, "a metric of epoch %llu is infinite",
                             (unsigned long long)(k / (uint64_t)record.metric_columns + 1));
    return true;
}

/* What the values of a saved buffer must satisfy. */
static sasc_npy_range saved_range(const sasc_buffer_desc *b)
{
    if (b->role == SASC_BUFFER_MASK)
        return SASC_NPY_MASK;
    return b->role == SASC_BUFFER_PARAMETER ? sasc_npy_parameter_range(b->parameter)
                                            : SASC_NPY_FINITE;
}

static bool check_values(reader *r, const sasc_program *program, int index, const void *data)
{
    const sasc_buffer_desc *b = &program->buffers[index];
    sasc_npy_range range = saved_range(b);
    size_t n = sasc_buffer_elements(program, index);
    for (size_t k = 0; k < n; k++) {
        double v = sasc_buffer_get(data, program->precision, k);
        if (!sasc_npy_value_valid(v, range))
            return malformed(r, "element %zu of buffer '%s' is %g, but every element must be %s",
                             k, b->name, v, sasc_npy_range_text(range));
    }
    return true;
}

static bool read_buffer(reader *r, const sasc_program *program, void *const *buffers, int i)
{
    const sasc_buffer_desc *b = &program->buffers[i];
    uint32_t shape[2];
    char name[256];
    if (!take_string(r, name, sizeof name, "a buffer's name") ||
        !take(r, shape, sizeof shape, "a buffer's shape"))
        return false;
    if (strcmp(name, b->name) != 0 || shape[0] != (uint32_t)b->rows || shape[1] != (uint32_t)b->cols) {
        snprintf(r->error, r->error_size, "%s does not belong to this model: it has buffer '%s' "
                 "(%u x %u) where the model has '%s' (%d x %d)", r->path, name, shape[0], shape[1],
                 b->name, b->rows, b->cols);
        return false;
    }
    return take(r, buffers[i], sasc_buffer_elements(program, i) * program->precision,
                "a buffer's values") &&
           check_values(r, program, i, buffers[i]);
}

static bool read_buffers(reader *r, const sasc_program *program, void *const *buffers,
                         uint32_t stored)
{
    uint32_t expected = 0;
    for (int i = 0; i < program->buffer_count; i++)
        expected += sasc_checkpoint_saves(program->buffers[i].role);
    if (stored != expected) {
        snprintf(r->error, r->error_size, "%s does not belong to this model: it holds %u "
                 "parameter, optimiser and mask buffers and the model has %u", r->path, stored,
                 expected);
        return false;
    }
    for (int i = 0; i < program->buffer_count; i++)
        if (sasc_checkpoint_saves(program->buffers[i].role) && !read_buffer(r, program, buffers, i))
            return false;
    return r->left == 0 ? true : malformed(r, "it has %llu bytes after its last buffer",
                                           (unsigned long long)r->left);
}

static bool read_all(reader *r, const sasc_program *program, void *const *buffers, sasc_task *task,
                     sasc_checkpoint_position *place)
{
    uint32_t buffer_count = 0;
    return check_magic(r) && verify_checksum(r) && read_header(r, program, &buffer_count) &&
           read_settings(r, task) && read_history(r, place) && read_position(r, task, place) &&
           (!program || read_buffers(r, program, buffers, buffer_count));
}

bool sasc_checkpoint_read(const char *dir, const sasc_program *program, void *const *buffers,
                          sasc_task *task, sasc_checkpoint_position *position,
                          char *error, size_t error_size)
{
    char path[8192], reason[256];
    path_in(dir, path, sizeof path);
    reader r = {.path = path, .error = error, .error_size = error_size};
    if (!sasc_input_open(&r.file, path, 0, reason, sizeof reason)) {
        snprintf(error, error_size, "cannot read %s: %s", path, reason);
        return false;
    }
    sasc_task stored;
    sasc_checkpoint_position place = {0};
    bool ok = read_all(&r, program, buffers, &stored, &place);
    sasc_input_close(&r.file);
    if (ok && task)
        *task = stored;
    if (ok && position)
        *position = place;
    else
        sasc_checkpoint_position_free(&place);
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
