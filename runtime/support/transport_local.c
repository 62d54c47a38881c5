/*
 * transport_local.c — the transport of a build without MPI: every process is
 * a group of one, so no exchange ever has a peer. Started by an MPI launcher
 * as one of several ranks, it refuses (transport.h) rather than let every
 * rank train its own copy of the model into the same directory.
 */
#include "runtime/support/transport_backend.h"

#include <stdio.h>
#include <stdlib.h>

bool sasc_backend_world(sasc_transport *world, int launched, char *error, size_t error_size)
{
    if (launched <= 1)
        return true;
    int rank;
    sasc_launched_ranks(&rank);
    /* One message, from the first rank; the others fail silently. */
    if (rank == 0)
        snprintf(error, error_size, "this sasc was built without MPI, so under an MPI launcher "
                 "each of the %d ranks would train its own copy of the model; install Open MPI "
                 "(libopenmpi-dev) and rebuild sasc (./configure --with-mpi), or run without mpirun",
                 launched);
    else if (error_size > 0)
        error[0] = '\0';
    return false;
}

bool sasc_backend_split(const sasc_transport *group, int color, int key, sasc_transport *part,
                        char *error, size_t error_size)
{
    *part = (sasc_transport){.rank = 0, .size = 1, .local_size = 1};
    return true;
}

void sasc_backend_close(sasc_transport *group)
{
}

void sasc_backend_finalize(void)
{
}

void sasc_backend_exchange(sasc_transport *group, int to, const void *send, size_t send_bytes,
                           int from, void *receive, size_t receive_bytes)
{
    /* A group of one has no peer: a caller naming one is a bug. */
    fprintf(stderr, "sasc: internal error: a message to rank %d / from rank %d in a group of one\n",
            to, from);
    abort();
}

void sasc_backend_abort(sasc_transport *group, int code)
{
    exit(code);
}

const char *sasc_backend_library(void)
{
    return "none (built without MPI)";
}
