/*
 * transport.h — messages between the ranks that train one model together.
 *
 * With MPI (configure --with-mpi; transport_mpi.c) a process started by an
 * MPI launcher (mpirun, srun) is one rank of MPI_COMM_WORLD; without it
 * (transport_local.c) every process is a group of one. Everything above this
 * interface (runtime/train/distributed.c) is written once for both, on a
 * single primitive, `sasc_transport_exchange` (send one message while
 * receiving one: MPI_Sendrecv), so that
 *  - no MPI reduction ever sums floating-point numbers (its order is not
 *    fixed); the runtime sums in its own fixed order;
 *  - every byte a rank sends passes through one function, which counts it
 *    (sasc_transport_traffic): the bytes-per-step figures are measured, not
 *    estimated from an MPI library's collective algorithms.
 *
 * Only the calling thread of the run talks (MPI_THREAD_FUNNELED): the worker
 * threads of a rank's pool never call this interface.
 */
#ifndef SASC_TRANSPORT_H
#define SASC_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sasc_transport sasc_transport;

/* No peer: an exchange that only sends, only receives, or neither. */
enum { SASC_NO_RANK = -1 };

typedef struct {
    uint64_t bytes_sent;        /* payload bytes this rank has sent */
    uint64_t messages_sent;
} sasc_transport_traffic;

/* The group this process was launched in: MPI_COMM_WORLD when sasc has MPI
 * and a launcher started the process (MPI is initialised here, on the first
 * call), otherwise a group of one. NULL with `error` set when the process was
 * started as one of several ranks by a launcher but sasc has no MPI (it
 * would train a separate copy on every rank), or when MPI fails to start. */
sasc_transport *sasc_transport_world(char *error, size_t error_size);

/* The ranks of `group` with the same `color` form a new group, ordered by
 * `key` (then by rank): e.g. the points of a sweep, each trained on a few
 * ranks. Collective over `group`. Release it with sasc_transport_close. */
sasc_transport *sasc_transport_split(sasc_transport *group, int color, int key,
                                     char *error, size_t error_size);

/* Release a group from sasc_transport_split (the world is not released:
 * sasc_transport_finalize ends it). NULL is allowed. */
void sasc_transport_close(sasc_transport *group);

/* End MPI (MPI_Finalize) if sasc_transport_world started it; after this no
 * group may be used. Nothing without MPI. Called once, by the program's main
 * before it returns (a process that started MPI must end it, or the launcher
 * takes it for a failure), never by a run: one process may train many runs
 * (a sweep's points, the train_size analysis). */
void sasc_transport_finalize(void);

int sasc_transport_rank(const sasc_transport *group);
int sasc_transport_size(const sasc_transport *group);

/* How many ranks of `group` run on this machine (shared memory), this one
 * included: they share its cores. */
int sasc_transport_local_size(const sasc_transport *group);

/* Send `send_bytes` from `send` to rank `to` while receiving exactly
 * `receive_bytes` into `receive` from rank `from`; either rank may be
 * SASC_NO_RANK. Blocks until both are done. The receiver must expect
 * exactly what is sent: every message size follows from what all ranks
 * know. An MPI failure (a lost peer) ends the whole job (MPI's default
 * error handler), so an exchange never waits forever on a dead rank. */
void sasc_transport_exchange(sasc_transport *group, int to, const void *send, size_t send_bytes,
                             int from, void *receive, size_t receive_bytes);

/* For what a rank cannot tell the others through an exchange (it ran out of
 * memory where every rank expects a message from it): print "sasc: error:
 * MESSAGE" and end every rank of the job (MPI_Abort), or exit without MPI. */
_Noreturn void sasc_transport_abort(sasc_transport *group, const char *message);

/* Bytes and messages this rank has sent through `group` so far. */
sasc_transport_traffic sasc_transport_traffic_of(const sasc_transport *group);

/* What this build has: "MPI (Open MPI 4.1.4)"-like, or "none". */
const char *sasc_transport_library(void);

#endif
