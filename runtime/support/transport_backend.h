/*
 * transport_backend.h — what transport.c needs from a transport backend:
 * transport_mpi.c (MPI) or transport_local.c (a group of one). Private to
 * the three files; users include transport.h.
 */
#ifndef SASC_TRANSPORT_BACKEND_H
#define SASC_TRANSPORT_BACKEND_H

#include "runtime/support/transport.h"

struct sasc_transport {
    int rank, size, local_size;
    sasc_transport_traffic traffic;
    bool world;                  /* the launch group (not released by close) */
    void *backend;               /* the backend's handle, e.g. an MPI communicator */
};

/* The ranks a launcher started this process among (its environment:
 * OMPI_COMM_WORLD_SIZE, PMI_SIZE, PMIX_SIZE ...), 1 when none did; `rank`
 * gets this process's rank (0 when unknown). */
int sasc_launched_ranks(int *rank);

/* Fill `world` for a process the launcher started as one of `launched`
 * ranks (1: not launched, or launched alone). False with `error`. */
bool sasc_backend_world(sasc_transport *world, int launched, char *error, size_t error_size);
bool sasc_backend_split(const sasc_transport *group, int color, int key, sasc_transport *part,
                        char *error, size_t error_size);
void sasc_backend_close(sasc_transport *group);
void sasc_backend_finalize(void);
void sasc_backend_exchange(sasc_transport *group, int to, const void *send, size_t send_bytes,
                           int from, void *receive, size_t receive_bytes);
_Noreturn void sasc_backend_abort(sasc_transport *group, int code);
const char *sasc_backend_library(void);

#endif
