/*
 * shards.c — see shards.h.
 */
#include "runtime/train/shards.h"
#include "runtime/model/buffers.h"
#include "runtime/kernels/gemm.h"
#include "runtime/kernels/parallel_normals.h"
#include "runtime/support/rng.h"
#include "runtime/train/gradient_sum.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int online_cores(void)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    return cores > 0 ? (int)cores : 1;
}

bool sasc_shards_open(sasc_shards *s, const sasc_program *p, const sasc_task *task,
                      void **main_buffers, sasc_distributed *ranks, char *error, size_t error_size)
{
    *s = (sasc_shards){.count = sasc_task_shards(task), .step_batch = task->batch, .ranks = ranks};
    s->local = s->count;
    if (ranks)
        sasc_distributed_shards(ranks, &s->first, &s->local);
    if (task->batch % s->count != 0 || task->batch / s->count != p->batch) {
        snprintf(error, error_size, "this program was compiled for shards of %d samples, but batch "
                 "%d in %d shards needs shards of %d samples; compile it with these settings",
                 p->batch, task->batch, s->count, task->batch / s->count);
        return false;
    }
    int threads = task->threads > 0 ? task->threads
                  : ranks ? sasc_distributed_default_threads(ranks, online_cores()) : online_cores();
    /* A product runs on its shard's thread alone: no oversubscription, and no
     * result that depends on how a BLAS splits a product over threads
     * (OpenBLAS's threaded and single-threaded sgemm can differ in the last
     * bit), so with any shard count the bits are independent of --threads. */
    sasc_gemm_set_threads(1);
    s->buffers = calloc((size_t)s->local, sizeof *s->buffers);
    if (!s->buffers) {
        snprintf(error, error_size, "out of memory setting up %d shards", s->local);
        return false;
    }
    s->buffers[0] = main_buffers;
    for (int k = 1; k < s->local; k++)
        if (!(s->buffers[k] = sasc_buffers_allocate_shard(p, main_buffers, error, error_size))) {
            sasc_shards_close(s, p);
            return false;
        }
    s->pool = sasc_thread_pool_create(threads < s->local ? threads : s->local, error, error_size);
    if (!s->pool || !sasc_clipping_open(&s->clipping, p, task, error, error_size)) {
        sasc_shards_close(s, p);
        return false;
    }
    return true;
}

void sasc_shards_close(sasc_shards *s, const sasc_program *p)
{
    sasc_thread_pool_destroy(s->pool);
    sasc_clipping_close(&s->clipping);
    for (int k = 1; s->buffers && k < s->local; k++)
        sasc_buffers_free(p, s->buffers[k]);
    free(s->buffers);
    *s = (sasc_shards){0};
}

/* ---- the gradient average ---- */

typedef struct {
    const sasc_shards *shards;
    const sasc_program *program;
    int parts;
} average_job;

/* g_0[i] = (... (g_0[i] + g_1[i]) + ... + g_{S-1}[i]) / S for i in [begin, end),
 * S >= 2, in the buffer's precision and in shard order (gradient_sum.h): the
 * same bits whichever part i falls in. The shards' buffers never overlap. */
static void average(const sasc_program *p, void ***buffers, int shards, int index, size_t begin,
                    size_t end)
{
    size_t at = begin * (size_t)p->precision;
    char *sum = (char *)buffers[0][index] + at;
    for (int k = 1; k < shards - 1; k++)
        sasc_gradient_add(p->precision, sum, (const char *)buffers[k][index] + at, end - begin);
    sasc_gradient_add_divide(p->precision, sum, (const char *)buffers[shards - 1][index] + at,
                             shards, end - begin);
}

/* The part's elements of every gradient, split as update_part splits them
 * (sasc_part_boundary), so that the same thread then updates exactly the
 * elements it has just averaged. */
static void average_part(void *context, int part)
{
    const average_job *job = context;
    const sasc_program *p = job->program;
    for (int i = 0; job->shards->count > 1 && i < p->buffer_count; i++) {
        if (p->buffers[i].role != SASC_BUFFER_GRADIENT)
            continue;
        size_t n = sasc_buffer_elements(p, i);
        size_t begin = sasc_part_boundary(n, part, job->parts);
        size_t end = sasc_part_boundary(n, part + 1, job->parts);
        average(p, job->shards->buffers, job->shards->count, i, begin, end);
    }
}

void sasc_shards_average_gradients(sasc_shards *s, const sasc_program *p)
{
    if (s->count == 1)
        return;
    average_job job = {s, p, sasc_thread_pool_threads(s->pool)};
    sasc_thread_pool_run(s->pool, job.parts, average_part, &job);
}

static void update_part(void *context, int part)
{
    const average_job *job = context;
    sasc_program_part_kernel(job->program, SASC_KERNEL_UPDATE_PART)(job->shards->buffers[0], part, job->parts);
}

static void average_and_update_part(void *context, int part)
{
    average_part(context, part);
    update_part(context, part);
}

/* Without ranks or clipping, the average and the update by parts share one
 * region. Otherwise the whole average first (over several ranks it arrives
 * whole: distributed.h), then the clipping on the calling thread
 * (clipping.h; every rank clips the same average), then the update. */
void sasc_shards_update(sasc_shards *s, const sasc_program *p)
{
    int parts = sasc_thread_pool_threads(s->pool);
    bool ranks = s->ranks && sasc_distributed_size(s->ranks) > 1;
    bool clipping = sasc_clipping_active(&s->clipping);
    bool by_parts = sasc_program_part_kernel(p, SASC_KERNEL_UPDATE_PART) && parts > 1;
    bool fused = by_parts && !ranks && !clipping;
    if (ranks)
        sasc_distributed_average_gradients(s->ranks, s->buffers);
    else if (!fused)
        sasc_shards_average_gradients(s, p);
    if (clipping)
        sasc_clip_gradients(&s->clipping, p, s->buffers[0]);
    if (by_parts) {
        average_job job = {s, p, parts};
        sasc_thread_pool_run(s->pool, parts, fused ? average_and_update_part : update_part, &job);
    } else {
        sasc_program_kernel(p, SASC_KERNEL_UPDATE)(s->buffers[0]);
    }
    if (ranks)
        sasc_distributed_step_done(s->ranks);
}

/* ---- noise ---- */

/* n normals from element `offset` of the sequence (seed, stream, counter):
 * elements 2j and 2j + 1 come from block counter + j, so an odd offset
 * takes the second value of its block first. */
static void draw_from(uint64_t seed, uint64_t stream, uint64_t counter, size_t offset, void *out,
                      sasc_precision precision, size_t n, int threads)
{
    if (n > 0 && offset % 2 == 1) {
        double pair[2];
        sasc_rng_normals(seed, stream, counter + offset / 2, pair, 2);
        sasc_buffer_set(out, precision, 0, pair[1]);
        out = (char *)out + precision;
        offset++;
        n--;
    }
    sasc_rng_normals_fill(seed, stream, counter + offset / 2, out, precision, n, threads);
}

void sasc_shards_fill_noise(const sasc_program *p, void *const *buffers, uint64_t seed, int epoch,
                            int step, int step_batch, int row0, int threads)
{
    uint64_t counter = (uint64_t)(uint32_t)step << 32;
    for (int i = 0; i < p->buffer_count; i++) {
        const sasc_buffer_desc *b = &p->buffers[i];
        if (b->role != SASC_BUFFER_NOISE)
            continue;
        uint64_t stream = sasc_rng_stream(SASC_STREAM_NOISE, (uint32_t)i, (uint32_t)epoch);
        size_t cols = (size_t)b->cols, rows = (size_t)p->batch;
        if (p->batch == step_batch) {   /* the whole step: one contiguous draw */
            draw_from(seed, stream, counter, 0, buffers[i], p->precision,
                      sasc_buffer_elements(p, i), threads);
            continue;
        }
        /* Block t of the shard is rows row0.. of block t of the whole step. */
        for (size_t t = 0; t < (size_t)b->rows / rows; t++)
            draw_from(seed, stream, counter, (t * (size_t)step_batch + (size_t)row0) * cols,
                      (char *)buffers[i] + t * rows * cols * (size_t)p->precision, p->precision,
                      rows * cols, threads);
    }
}
