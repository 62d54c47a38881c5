/*
 * transport.c — see transport.h: the part common to both backends (the
 * world, the counters, the launcher's environment).
 */
#include "runtime/support/transport_backend.h"

#include <stdio.h>
#include <stdlib.h>

static sasc_transport world;
static bool world_open;

/* Launchers say how many ranks they started in the environment: Open MPI's
 * mpirun (OMPI_*), PMIx launchers such as srun --mpi=pmix (PMIX_*, with the
 * size in OMPI_* under Open MPI), MPICH's Hydra and PMI-2 (PMI_*). */
int sasc_launched_ranks(int *rank)
{
    static const char *const sizes[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "MPI_LOCALNRANKS"};
    static const char *const ranks[] = {"OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK"};
    *rank = 0;
    for (size_t k = 0; k < sizeof ranks / sizeof ranks[0]; k++)
        if (getenv(ranks[k])) {
            *rank = atoi(getenv(ranks[k]));
            break;
        }
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
        if (getenv(sizes[k]) && atoi(getenv(sizes[k])) > 0)
            return atoi(getenv(sizes[k]));
    return 1;
}

sasc_transport *sasc_transport_world(char *error, size_t error_size)
{
    if (world_open)
        return &world;
    int rank, launched = sasc_launched_ranks(&rank);
    world = (sasc_transport){.rank = 0, .size = 1, .local_size = 1, .world = true};
    if (!sasc_backend_world(&world, launched, error, error_size))
        return NULL;
    world_open = true;
    return &world;
}

sasc_transport *sasc_transport_split(sasc_transport *group, int color, int key,
                                     char *error, size_t error_size)
{
    sasc_transport *part = calloc(1, sizeof *part);
    if (!part) {
        snprintf(error, error_size, "out of memory splitting the MPI ranks");
        return NULL;
    }
    if (group->backend == NULL) {   /* a process alone (no MPI started): its only part is itself */
        *part = (sasc_transport){.rank = 0, .size = 1, .local_size = 1};
        return part;
    }
    if (!sasc_backend_split(group, color, key, part, error, error_size)) {
        free(part);
        return NULL;
    }
    return part;
}

void sasc_transport_close(sasc_transport *group)
{
    if (!group || group->world)
        return;
    sasc_backend_close(group);
    free(group);
}

void sasc_transport_finalize(void)
{
    if (!world_open)
        return;
    sasc_backend_finalize();
    world_open = false;
}

int sasc_transport_rank(const sasc_transport *group)
{
    return group->rank;
}

int sasc_transport_size(const sasc_transport *group)
{
    return group->size;
}

int sasc_transport_local_size(const sasc_transport *group)
{
    return group->local_size;
}

void sasc_transport_exchange(sasc_transport *group, int to, const void *send, size_t send_bytes,
                             int from, void *receive, size_t receive_bytes)
{
    if (to == SASC_NO_RANK && from == SASC_NO_RANK)
        return;
    if (to != SASC_NO_RANK) {
        group->traffic.bytes_sent += send_bytes;
        group->traffic.messages_sent++;
    }
    sasc_backend_exchange(group, to, send, send_bytes, from, receive, receive_bytes);
}

void sasc_transport_abort(sasc_transport *group, const char *message)
{
    fprintf(stderr, "sasc: error: rank %d of %d: %s\n", group->rank, group->size, message);
    fflush(stderr);
    sasc_backend_abort(group, 1);
}

sasc_transport_traffic sasc_transport_traffic_of(const sasc_transport *group)
{
    return group->traffic;
}

const char *sasc_transport_library(void)
{
    return sasc_backend_library();
}
