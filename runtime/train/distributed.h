/*
 * distributed.h — one model trained by the K ranks of a transport group
 * (`mpirun -np K sasc run FILE`; transport.h), with the same bytes as one
 * process with the same `shards`, whatever K.
 *
 * Ownership: the S shards of a step (shards.h) are dealt to the ranks in
 * contiguous ranges, rank r owning shards floor(r S / K) .. floor((r + 1) S /
 * K) - 1, as even as possible and in rank order; K may or may not divide S,
 * and K > S is refused (a rank without a shard could only wait). Within a
 * rank its shards run on its threads as in one process.
 *
 * Every rank holds the whole ensemble (parameters, optimiser state) and runs
 * the same update on the same averaged gradient, so the ranks stay identical
 * without ever sending parameters; rank 0 alone writes files.
 *
 * A step's communication (all on the transport's one exchange primitive):
 *  1. the shards' losses and correct counts, and each rank's stop signal:
 *     a ring all-gather of S small records (K - 1 exchanges);
 *  2. the gradient average g = (((g_0 + g_1) + ...) + g_{S-1}) / S in exactly
 *     the order of one process: a pipelined chain reduce through ranks 0, 1,
 *     ..., K - 1 (rank r receives the sum of shards 0 .. first_r - 1 piece by
 *     piece, adds its own shards in order, passes it on; rank K - 1 divides),
 *     then a pipelined chain broadcast of the average from rank K - 1 through
 *     0, 1, ..., K - 2. A partial sum of a rank's shards alone is never sent
 *     (it would regroup the sum); MPI reductions are never used (their order
 *     is not fixed).
 * Each rank sends at most 2 G bytes per step for G bytes of gradients (a
 * middle rank G in each chain), plus 24 bytes per shard record per ring hop.
 *
 * Agreement: the ranks make every decision together, so no rank ever waits
 * for one that has left: a stop signal on any rank is seen by all at the next
 * step's exchange (they stop after the same step); a failure (set-up on any
 * rank, rank 0's writing at an epoch's end) is combined by
 * sasc_distributed_agree, which gives every rank the first failing rank's
 * exit status and message. A rank that dies ends the job through MPI.
 */
#ifndef SASC_DISTRIBUTED_H
#define SASC_DISTRIBUTED_H

#include "runtime/sasc_runtime.h"
#include "runtime/settings/task.h"
#include "runtime/support/transport.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sasc_distributed sasc_distributed;

/* Collective over `group`: check that every rank runs the same program and
 * settings (`threads` aside: results never depend on it), `resume` included,
 * and deal the task's shards to the ranks. NULL with the same `error` on
 * every rank when they differ or K > S. */
sasc_distributed *sasc_distributed_open(sasc_transport *group, const sasc_program *program,
                                        const sasc_task *task, bool resume, char *error,
                                        size_t error_size);
void sasc_distributed_close(sasc_distributed *d);

int sasc_distributed_rank(const sasc_distributed *d);
int sasc_distributed_size(const sasc_distributed *d);
/* Rank 0: the one that writes the run directory and prints. */
bool sasc_distributed_writes(const sasc_distributed *d);
/* The first of this rank's shards and how many it has. */
void sasc_distributed_shards(const sasc_distributed *d, int *first, int *count);
/* Threads for this rank when the task says 0 (all cores): the machine's
 * cores shared by the ranks on it, at least 1. */
int sasc_distributed_default_threads(const sasc_distributed *d, int cores);

/* After this rank's shards have trained: `loss` and `correct` (S entries,
 * this rank's shards' filled) get every shard's, and the ranks' stop
 * signals are combined (sasc_distributed_stop_signal). */
void sasc_distributed_share_step(sasc_distributed *d, double *loss, long *correct);

/* The averaged gradients of all S shards, in shard order, into the GRADIENT
 * buffers of this rank's first shard (`shard_buffers[0]`); `shard_buffers`
 * are this rank's shards' buffer tables in shard order. K > 1 only. */
void sasc_distributed_average_gradients(sasc_distributed *d, void ***shard_buffers);

/* After the update that followed sasc_distributed_average_gradients: marks
 * the end of a step, for the split of a step's time in sasc_rank_traffic. */
void sasc_distributed_step_done(sasc_distributed *d);

/* Collective: `status` is this rank's (0 = fine, else its exit code) with its
 * message in `error`. Returns the first failing rank's status on every rank
 * (0 when none failed), with its message in `error` ("rank R of K: ..."
 * unless R is 0). Combines the stop signals too. */
int sasc_distributed_agree(sasc_distributed *d, int status, char *error, size_t error_size);

/* The stop signal (SIGINT, SIGTERM) the ranks agreed on at the last exchange,
 * or 0; with one rank, the one caught so far (checkpoint.h). */
int sasc_distributed_stop_signal(const sasc_distributed *d);

/* Collective: rank 0's `bytes` at `data` to every rank. */
void sasc_distributed_share(sasc_distributed *d, void *data, size_t bytes);

/* What one rank's training steps cost in communication, per step. */
typedef struct {
    double bytes_sent;       /* bytes it sent (shard records and gradients) */
    double messages_sent;
    double seconds;          /* wall time inside the step's exchanges, waiting included */
    double compute_seconds;  /* its shards' work (loading, noise, `train`), from the end of
                                one step to the next exchange; steps after an epoch's end
                                (rank 0's test pass) are left out */
    double update_seconds;   /* the optimiser update (every rank runs it whole) */
} sasc_rank_traffic;

/* Collective: every rank's means over the steps so far into `report`
 * (sasc_distributed_size entries); false when no step was taken. */
bool sasc_distributed_traffic(sasc_distributed *d, sasc_rank_traffic *report);

#endif
