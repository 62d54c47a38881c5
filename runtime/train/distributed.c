/*
 * distributed.c — see distributed.h. Two patterns carry everything, both
 * built on sasc_transport_exchange:
 *  - a ring all-gather of per-rank blocks (shard records, statuses);
 *  - a pipelined chain through the ranks in a given order, one piece per
 *    tick: a chain reduce (each rank folds what it receives into its own
 *    piece, then passes it on) or a chain broadcast (each rank receives a
 *    piece in place and passes it on).
 */
#include "runtime/train/distributed.h"
#include "runtime/model/buffers.h"
#include "runtime/model/checkpoint.h"
#include "runtime/support/progress.h"
#include "runtime/train/gradient_sum.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A chain moves its data in pieces of at most this many bytes, so that a
 * rank forwards the first piece while later ones are still being summed
 * upstream: a chain of K ranks over G bytes takes about (G / PIECE_BYTES +
 * K - 1) piece times instead of K whole-message times. */
enum { PIECE_BYTES = 64 * 1024 };

enum { RECORD = 3 };   /* a shard's record: loss, correct count, its rank's stop signal */

typedef struct {
    int buffer;          /* a GRADIENT buffer */
    size_t first, count; /* elements */
} piece;

struct sasc_distributed {
    sasc_transport *group;
    const sasc_program *program;
    int rank, size, shards;
    int *first;               /* size + 1 entries: rank r owns shards first[r] .. first[r + 1] - 1 */
    piece *pieces;            /* the gradient buffers cut into pieces, in buffer order */
    int piece_count;
    void *scratch;            /* one piece: what a chain reduce receives */
    double *records;          /* shards x RECORD */
    size_t *offsets, *bytes;  /* size entries: per-rank blocks of a ring all-gather */
    int signal;               /* agreed at the last exchange */
    uint64_t steps;           /* training steps exchanged */
    sasc_transport_traffic step_traffic;
    double step_seconds;
    double averaged_at, step_done_at;   /* when the last average, the last step, ended; 0: none */
    double compute_seconds, update_seconds;
    uint64_t compute_steps, update_steps;
};

/* ---- the two patterns ---- */

/* Every rank's block (offset[r], bytes[r] within `all`) to every rank: at
 * hop i rank r passes block r - i to r + 1 and takes block r - i - 1 from r - 1. */
static void ring_all_gather(sasc_distributed *d, void *all, const size_t *offset,
                            const size_t *bytes)
{
    int K = d->size, r = d->rank;
    char *base = all;
    for (int hop = 0; hop < K - 1; hop++) {
        int out = ((r - hop) % K + K) % K, in = ((r - hop - 1) % K + K) % K;
        sasc_transport_exchange(d->group, (r + 1) % K, base + offset[out], bytes[out],
                                (r + K - 1) % K, base + offset[in], bytes[in]);
    }
}

/* A chain's data, one piece at a time. */
typedef struct {
    int pieces;
    void *context;
    /* Piece c on this rank: sent from here, and (a broadcast) received into here. */
    void *(*at)(void *context, int c, size_t *bytes);
    /* A reduce: fold what arrived from upstream (NULL at the head) into piece c. */
    void (*fold)(void *context, int c, const void *received);
} chain;

/* Rank order[p] is at position p. Position p works on piece c at tick p + c
 * (after receiving it from position p - 1 in that tick's exchange) and sends
 * it on at tick p + c + 1, while receiving piece c + 1: both neighbours are
 * in the same tick's exchange, so the chain never deadlocks. */
static void run_chain(sasc_distributed *d, const int *order, const chain *ch)
{
    int K = d->size, p = 0;
    while (order[p] != d->rank)
        p++;
    int from = p > 0 ? order[p - 1] : SASC_NO_RANK;
    int to = p < K - 1 ? order[p + 1] : SASC_NO_RANK;
    for (int tick = p; tick <= p + ch->pieces; tick++) {
        int in = tick - p, out = tick - p - 1;
        bool receiving = from != SASC_NO_RANK && in < ch->pieces;
        bool sending = to != SASC_NO_RANK && out >= 0;
        size_t send_bytes = 0, receive_bytes = 0;
        void *send = sending ? ch->at(ch->context, out, &send_bytes) : NULL;
        void *receive = NULL;
        if (receiving) {
            receive = ch->at(ch->context, in, &receive_bytes);
            if (ch->fold)
                receive = d->scratch;
        }
        sasc_transport_exchange(d->group, sending ? to : SASC_NO_RANK, send, send_bytes,
                                receiving ? from : SASC_NO_RANK, receive, receive_bytes);
        if (ch->fold && in < ch->pieces)
            ch->fold(ch->context, in, receiving ? d->scratch : NULL);
    }
}

/* ---- opening: same program and settings everywhere, the shards dealt ---- */

static uint64_t fnv1a(uint64_t hash, const void *data, size_t bytes)
{
    const unsigned char *b = data;
    for (size_t i = 0; i < bytes; i++)
        hash = (hash ^ b[i]) * 1099511628211u;
    return hash;
}

static uint64_t fnv1a_string(uint64_t hash, const char *s)
{
    return fnv1a(hash, s ? s : "", s ? strlen(s) + 1 : 1);
}

/* What must be the same on every rank: every setting but `threads`, whether
 * the run resumes, and the compiled program's shapes. */
static uint64_t fingerprint(const sasc_program *p, const sasc_task *task, bool resume)
{
    uint64_t hash = 14695981039346656037u;
    int count;
    const sasc_setting_info *settings = sasc_task_settings(&count);
    for (int i = 0; i < count; i++) {
        if (strcmp(settings[i].key, "threads") == 0)
            continue;
        char value[8192];
        sasc_task_value_json(task, &settings[i], value, sizeof value);
        hash = fnv1a_string(fnv1a_string(hash, settings[i].key), value);
    }
    int shape[] = {resume, (int)p->precision, p->batch, p->buffer_count, p->kernel_count};
    hash = fnv1a(hash, shape, sizeof shape);
    for (int i = 0; i < p->buffer_count; i++) {
        int b[] = {(int)p->buffers[i].role, p->buffers[i].rows, p->buffers[i].cols};
        hash = fnv1a(fnv1a_string(hash, p->buffers[i].name), b, sizeof b);
    }
    return hash;
}

static bool allocate(sasc_distributed *d, const sasc_program *p)
{
    int pieces = 0;
    size_t per_piece = PIECE_BYTES / (size_t)p->precision;
    for (int i = 0; i < p->buffer_count; i++)
        if (p->buffers[i].role == SASC_BUFFER_GRADIENT)
            pieces += (int)((sasc_buffer_elements(p, i) + per_piece - 1) / per_piece);
    d->first = calloc((size_t)d->size + 1, sizeof *d->first);
    d->pieces = calloc((size_t)pieces + 1, sizeof *d->pieces);
    d->scratch = malloc(PIECE_BYTES);
    d->records = calloc((size_t)d->shards * RECORD, sizeof *d->records);
    d->offsets = calloc((size_t)d->size, sizeof *d->offsets);
    d->bytes = calloc((size_t)d->size, sizeof *d->bytes);
    if (!d->first || !d->pieces || !d->scratch || !d->records || !d->offsets || !d->bytes)
        return false;
    for (int i = 0; i < p->buffer_count; i++) {
        if (p->buffers[i].role != SASC_BUFFER_GRADIENT)
            continue;
        size_t n = sasc_buffer_elements(p, i);
        for (size_t at = 0; at < n; at += per_piece)
            d->pieces[d->piece_count++] = (piece){i, at, n - at < per_piece ? n - at : per_piece};
    }
    return true;
}

/* Rank f's fingerprint differs from rank 0's (f the first such), or -1. */
static int first_different(sasc_distributed *d, uint64_t mine)
{
    uint64_t *all = calloc((size_t)d->size, sizeof *all);
    size_t *offset = calloc((size_t)d->size, sizeof *offset), *bytes = calloc((size_t)d->size, sizeof *bytes);
    if (!all || !offset || !bytes)
        sasc_transport_abort(d->group, "out of memory comparing the ranks' settings");
    for (int r = 0; r < d->size; r++) {
        offset[r] = (size_t)r * sizeof *all;
        bytes[r] = sizeof *all;
    }
    all[d->rank] = mine;
    ring_all_gather(d, all, offset, bytes);
    int different = -1;
    for (int r = 1; r < d->size && different < 0; r++)
        if (all[r] != all[0])
            different = r;
    free(all);
    free(offset);
    free(bytes);
    return different;
}

sasc_distributed *sasc_distributed_open(sasc_transport *group, const sasc_program *program,
                                        const sasc_task *task, bool resume, char *error,
                                        size_t error_size)
{
    sasc_distributed *d = calloc(1, sizeof *d);
    if (!d)
        sasc_transport_abort(group, "out of memory setting up the MPI ranks");
    *d = (sasc_distributed){.group = group, .program = program, .rank = sasc_transport_rank(group),
                            .size = sasc_transport_size(group), .shards = sasc_task_shards(task)};
    /* Every rank takes part in the comparison before anything that could
     * fail on one rank alone, so they all leave with the same answer. */
    int different = d->size > 1 ? first_different(d, fingerprint(program, task, resume)) : -1;
    if (different >= 0) {
        snprintf(error, error_size, "MPI rank %d of %d runs another model or other settings than "
                 "rank 0; start every rank with the same command (only --threads may differ)",
                 different, d->size);
        sasc_distributed_close(d);
        return NULL;
    }
    if (d->size > d->shards) {
        snprintf(error, error_size, "%d MPI ranks for a step of %d shard%s (batch %d): every rank "
                 "needs a shard; start at most %d ranks, or set shards to a divisor of the batch "
                 "of at least %d (results depend on shards, never on the number of ranks)",
                 d->size, d->shards, d->shards == 1 ? "" : "s", task->batch, d->shards, d->size);
        sasc_distributed_close(d);
        return NULL;
    }
    if (!allocate(d, program))
        sasc_transport_abort(group, "out of memory setting up the MPI ranks");
    for (int r = 0; r <= d->size; r++)
        d->first[r] = (int)((long)r * d->shards / d->size);
    for (int r = 0; r < d->size; r++) {
        d->offsets[r] = (size_t)d->first[r] * RECORD * sizeof(double);
        d->bytes[r] = (size_t)(d->first[r + 1] - d->first[r]) * RECORD * sizeof(double);
    }
    return d;
}

void sasc_distributed_close(sasc_distributed *d)
{
    if (!d)
        return;
    free(d->first);
    free(d->pieces);
    free(d->scratch);
    free(d->records);
    free(d->offsets);
    free(d->bytes);
    free(d);
}

int sasc_distributed_rank(const sasc_distributed *d)
{
    return d->rank;
}

int sasc_distributed_size(const sasc_distributed *d)
{
    return d->size;
}

bool sasc_distributed_writes(const sasc_distributed *d)
{
    return d->rank == 0;
}

void sasc_distributed_shards(const sasc_distributed *d, int *first, int *count)
{
    *first = d->first[d->rank];
    *count = d->first[d->rank + 1] - d->first[d->rank];
}

int sasc_distributed_default_threads(const sasc_distributed *d, int cores)
{
    int share = cores / sasc_transport_local_size(d->group);
    return share > 1 ? share : 1;
}

/* ---- a step ---- */

/* Time and bytes of a step's exchanges, for sasc_distributed_traffic. */
typedef struct {
    double began;
    sasc_transport_traffic before;
} step_meter;

static step_meter meter_start(const sasc_distributed *d)
{
    return (step_meter){sasc_seconds(), sasc_transport_traffic_of(d->group)};
}

static void meter_stop(sasc_distributed *d, step_meter m)
{
    sasc_transport_traffic now = sasc_transport_traffic_of(d->group);
    d->step_traffic.bytes_sent += now.bytes_sent - m.before.bytes_sent;
    d->step_traffic.messages_sent += now.messages_sent - m.before.messages_sent;
    d->step_seconds += sasc_seconds() - m.began;
}

void sasc_distributed_share_step(sasc_distributed *d, double *loss, long *correct)
{
    int first = d->first[d->rank], last = d->first[d->rank + 1];
    int signal = sasc_checkpoint_stop_signal();
    if (d->step_done_at > 0) {
        d->compute_seconds += sasc_seconds() - d->step_done_at;
        d->compute_steps++;
    }
    for (int k = first; k < last; k++) {
        double record[RECORD] = {loss[k], (double)correct[k], (double)signal};
        memcpy(&d->records[k * RECORD], record, sizeof record);
    }
    step_meter m = meter_start(d);
    ring_all_gather(d, d->records, d->offsets, d->bytes);
    d->signal = 0;
    for (int k = 0; k < d->shards; k++) {
        loss[k] = d->records[k * RECORD];
        correct[k] = (long)d->records[k * RECORD + 1];
        int s = (int)d->records[k * RECORD + 2];
        d->signal = s > d->signal ? s : d->signal;
    }
    meter_stop(d, m);
    d->steps++;
}

typedef struct {
    sasc_distributed *d;
    void ***shards;       /* this rank's shards' buffer tables */
} gradient_chain;

static void *gradient_piece(void *context, int c, size_t *bytes)
{
    const gradient_chain *g = context;
    const sasc_program *p = g->d->program;
    const piece *pc = &g->d->pieces[c];
    *bytes = pc->count * (size_t)p->precision;
    return (char *)g->shards[0][pc->buffer] + pc->first * (size_t)p->precision;
}

/* Piece c of this rank's first shard's gradient becomes the sum over shards
 * 0 .. last of this rank: `received` (the sum of the shards before this
 * rank's; NULL on rank 0) plus its shards in order, divided by S when the
 * last shard of all is among them, one IEEE operation per shard exactly as
 * sasc_shards_average_gradients does. */
static void fold_gradient_piece(void *context, int c, const void *received)
{
    const gradient_chain *g = context;
    const sasc_distributed *d = g->d;
    const sasc_program *p = d->program;
    const piece *pc = &d->pieces[c];
    size_t bytes, at = pc->first * (size_t)p->precision;
    void *sum = gradient_piece(context, c, &bytes);
    int first = d->first[d->rank], count = d->first[d->rank + 1] - first;
    for (int k = received ? 0 : 1; k < count; k++) {
        const void *term = k == 0 ? received : (const char *)g->shards[k][pc->buffer] + at;
        if (first + k == d->shards - 1)
            sasc_gradient_add_divide(p->precision, sum, term, d->shards, pc->count);
        else
            sasc_gradient_add(p->precision, sum, term, pc->count);
    }
}

void sasc_distributed_average_gradients(sasc_distributed *d, void ***shard_buffers)
{
    step_meter m = meter_start(d);
    gradient_chain g = {d, shard_buffers};
    int *order = malloc((size_t)d->size * sizeof *order);
    if (!order)
        sasc_transport_abort(d->group, "out of memory averaging the gradients");
    for (int r = 0; r < d->size; r++)
        order[r] = r;
    run_chain(d, order, &(chain){d->piece_count, &g, gradient_piece, fold_gradient_piece});
    for (int r = 0; r < d->size; r++)   /* the average leaves rank K - 1, then 0, 1, ... */
        order[r] = (d->size - 1 + r) % d->size;
    run_chain(d, order, &(chain){d->piece_count, &g, gradient_piece, NULL});
    free(order);
    meter_stop(d, m);
    d->averaged_at = sasc_seconds();
}

void sasc_distributed_step_done(sasc_distributed *d)
{
    double now = sasc_seconds();
    if (d->averaged_at > 0) {
        d->update_seconds += now - d->averaged_at;
        d->update_steps++;
    }
    d->averaged_at = 0;
    d->step_done_at = now;
}

/* ---- agreement and sharing ---- */

typedef struct {
    char *data;
    size_t bytes;
} flat_data;

static void *flat_piece(void *context, int c, size_t *bytes)
{
    const flat_data *f = context;
    size_t at = (size_t)c * PIECE_BYTES;
    *bytes = f->bytes - at < PIECE_BYTES ? f->bytes - at : PIECE_BYTES;
    return f->data + at;
}

/* Rank `root`'s bytes to every rank, through root, root + 1, ... */
static void broadcast_from(sasc_distributed *d, int root, void *data, size_t bytes)
{
    int *order = malloc((size_t)d->size * sizeof *order);
    if (!order)
        sasc_transport_abort(d->group, "out of memory sharing data between the MPI ranks");
    for (int r = 0; r < d->size; r++)
        order[r] = (root + r) % d->size;
    flat_data f = {data, bytes};
    int pieces = (int)((bytes + PIECE_BYTES - 1) / PIECE_BYTES);
    run_chain(d, order, &(chain){pieces, &f, flat_piece, NULL});
    free(order);
}

void sasc_distributed_share(sasc_distributed *d, void *data, size_t bytes)
{
    if (d->size > 1)
        broadcast_from(d, 0, data, bytes);
}

int sasc_distributed_agree(sasc_distributed *d, int status, char *error, size_t error_size)
{
    d->step_done_at = 0;   /* the next step's compute follows an epoch's end: not counted */
    if (d->size == 1)
        return status;
    int *all = calloc((size_t)d->size * 2, sizeof *all);
    size_t *offset = calloc((size_t)d->size, sizeof *offset), *bytes = calloc((size_t)d->size, sizeof *bytes);
    if (!all || !offset || !bytes)
        sasc_transport_abort(d->group, "out of memory agreeing with the other MPI ranks");
    for (int r = 0; r < d->size; r++) {
        offset[r] = (size_t)r * 2 * sizeof *all;
        bytes[r] = 2 * sizeof *all;
    }
    all[2 * d->rank] = status;
    all[2 * d->rank + 1] = sasc_checkpoint_stop_signal();
    ring_all_gather(d, all, offset, bytes);
    int failed = -1;
    d->signal = 0;
    for (int r = 0; r < d->size; r++) {
        if (failed < 0 && all[2 * r] != 0)
            failed = r;
        d->signal = all[2 * r + 1] > d->signal ? all[2 * r + 1] : d->signal;
    }
    int agreed = failed < 0 ? 0 : all[2 * failed];
    free(all);
    free(offset);
    free(bytes);
    if (failed < 0)
        return 0;
    broadcast_from(d, failed, error, error_size);
    error[error_size - 1] = '\0';
    if (failed != 0) {
        char *message = strdup(error);
        if (message)
            snprintf(error, error_size, "rank %d of %d: %s", failed, d->size, message);
        free(message);
    }
    return agreed;
}

int sasc_distributed_stop_signal(const sasc_distributed *d)
{
    return d->size == 1 ? sasc_checkpoint_stop_signal() : d->signal;
}

bool sasc_distributed_traffic(sasc_distributed *d, sasc_rank_traffic *report)
{
    if (d->steps == 0)
        return false;
    size_t *offset = calloc((size_t)d->size, sizeof *offset), *bytes = calloc((size_t)d->size, sizeof *bytes);
    if (!offset || !bytes)
        sasc_transport_abort(d->group, "out of memory gathering the MPI traffic");
    for (int r = 0; r < d->size; r++) {
        offset[r] = (size_t)r * sizeof *report;
        bytes[r] = sizeof *report;
    }
    double steps = (double)d->steps;
    double computed = d->compute_steps ? (double)d->compute_steps : 1;
    double updated = d->update_steps ? (double)d->update_steps : 1;
    report[d->rank] = (sasc_rank_traffic){(double)d->step_traffic.bytes_sent / steps,
                                          (double)d->step_traffic.messages_sent / steps,
                                          d->step_seconds / steps, d->compute_seconds / computed,
                                          d->update_seconds / updated};
    ring_all_gather(d, report, offset, bytes);
    free(offset);
    free(bytes);
    return true;
}
