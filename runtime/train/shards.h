/*
 * shards.h — data-parallel shards of a training step.
 *
 * A step of `batch` samples is split into S shards of batch / S samples
 * (the program's batch: the kernels are compiled for one shard). Each shard
 * has its own per-sample buffers (INPUT, TARGET, LOSS_MASK, NOISE, OUTPUT,
 * LOSS, TEMPORARY, STATE, GRADIENT) and shares the ensemble's (PARAMETER,
 * MASK, OPTIMIZER_STATE, SCALARS), which `train` only reads. After the S
 * `train` calls the gradients are averaged in a fixed order into shard 0's
 * gradient buffers, which `update` reads.
 *
 * Determinism: what a shard computes depends on its rows alone, and the
 * average is summed in shard order, whatever thread ran what; so results
 * depend on (seed, batch, shards) and never on the thread count.
 */
#ifndef SASC_SHARDS_H
#define SASC_SHARDS_H

#include "runtime/sasc_runtime.h"
#include "runtime/settings/task.h"
#include "runtime/support/thread_pool.h"
#include "runtime/train/clipping.h"
#include "runtime/train/distributed.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    int count;                  /* S, over all ranks */
    int step_batch;             /* samples per training step: S x program->batch */
    int first, local;           /* this process holds shards first .. first + local - 1 */
    void ***buffers;            /* `local` buffer tables, shard `first` first; [0] is the caller's */
    sasc_thread_pool *pool;     /* min(threads, local) threads, the caller included */
    sasc_distributed *ranks;    /* the ranks sharing the step (distributed.h), or NULL: one process */
    sasc_clipping clipping;     /* the task's gradient clipping (clipping.h) */
} sasc_shards;

/* Set up the shards of `task` around `main_buffers` (which become the first
 * local shard's and must outlive the shards): check that the program was
 * compiled for task->batch / S samples, allocate the other shards of this
 * process (all S without `ranks`, else the rank's range), start a pool of
 * min(threads, local) threads and make BLAS single-threaded, so there are
 * never more busy threads than task->threads. False with `error` set. */
bool sasc_shards_open(sasc_shards *shards, const sasc_program *program, const sasc_task *task,
                      void **main_buffers, sasc_distributed *ranks, char *error, size_t error_size);
void sasc_shards_close(sasc_shards *shards, const sasc_program *program);

/* Shard 0's gradients = (g_0 + g_1 + ... + g_{S-1}) / S, element by element in
 * that order, split over the pool by element range. Nothing for S = 1. One
 * process holding all S shards only. */
void sasc_shards_average_gradients(sasc_shards *shards, const sasc_program *program);

/* The optimiser step on the shards' gradients: average them into shard 0's
 * (as sasc_shards_average_gradients; over several ranks, as
 * sasc_distributed_average_gradients, into every rank's first shard's, the
 * same bits) and run `update` on those buffers.
 * With update_part and a pool of T > 1 threads, one region does both:
 * thread t averages part t of every gradient (sasc_part_boundary) and then
 * runs update_part(buffers, t, T) on the same elements, while they are in
 * its cache. update_part exists only for elementwise updates, whose parts
 * give the bits of one `update` whatever T, so results still do not depend
 * on the thread count. Otherwise the average, then `update` on the caller.
 * With clipping on (clip_spectral or clip_norm), the average, then the
 * clipping of shard 0's gradients on the caller (clipping.h: a fixed order),
 * then update_part on the pool (or `update`): the same bits for every T. */
void sasc_shards_update(sasc_shards *shards, const sasc_program *program);

/* Fill the NOISE buffers of `buffers` (one shard of `program->batch` rows per
 * block) with exactly the normals rows row0 .. row0 + batch - 1 of a whole
 * step of `step_batch` rows would get: the noise of a step is keyed by (seed,
 * buffer, epoch, step) and an element's counter by its place in the
 * unsharded buffer, so it does not depend on how the step is sharded.
 * `threads` > 1 lets one large contiguous draw use several threads. */
void sasc_shards_fill_noise(const sasc_program *program, void *const *buffers, uint64_t seed,
                            int epoch, int step, int step_batch, int row0, int threads);

#endif
