/*
 * transport_mpi.c — the transport over MPI (the only runtime file that
 * includes mpi.h; compiled with MPI_CFLAGS when configure found MPI).
 *
 * MPI is initialised only for a process a launcher started (its environment
 * says so, transport_backend.h): a plain `sasc run` never starts MPI (no
 * singleton init, no daemon). Messages are bytes (MPI_BYTE): the ranks of
 * one run are the same build on machines of one byte order and one
 * floating-point format, which the run's checks assume anyway (checkpoints
 * are byte-order specific). Errors keep MPI's default handler,
 * MPI_ERRORS_ARE_FATAL: a failed exchange (a rank that died) ends the whole
 * job through the launcher instead of leaving the other ranks waiting.
 */
#include "runtime/support/transport_backend.h"

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static bool started;    /* MPI_Init_thread was called here */

/* MPI counts are ints: a message is sent in pieces of at most this many bytes. */
enum { LARGEST_MESSAGE = 1 << 30 };

static MPI_Comm communicator(const sasc_transport *group)
{
    return group->backend ? *(MPI_Comm *)group->backend : MPI_COMM_SELF;
}

/* Ranks of `comm` that share this machine's memory, this one included. */
static int ranks_on_this_machine(MPI_Comm comm)
{
    MPI_Comm local;
    int size = 1;
    if (MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &local) == MPI_SUCCESS) {
        MPI_Comm_size(local, &size);
        MPI_Comm_free(&local);
    }
    return size;
}

static bool describe(const sasc_transport *group, MPI_Comm comm)
{
    sasc_transport *g = (sasc_transport *)group;
    MPI_Comm_rank(comm, &g->rank);
    MPI_Comm_size(comm, &g->size);
    g->local_size = ranks_on_this_machine(comm);
    return true;
}

bool sasc_backend_world(sasc_transport *world, int launched, char *error, size_t error_size)
{
    int initialised = 0;
    MPI_Initialized(&initialised);
    if (!initialised && launched <= 1)
        return true;          /* not under a launcher (or alone): one rank, no MPI */
    if (!initialised) {
        int provided = MPI_THREAD_SINGLE;
        if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
            snprintf(error, error_size, "MPI failed to start (MPI_Init_thread)");
            return false;
        }
        started = true;
        if (provided < MPI_THREAD_FUNNELED) {
            snprintf(error, error_size, "this MPI library cannot be used from a threaded "
                     "program (MPI_THREAD_FUNNELED not provided)");
            return false;
        }
    }
    static MPI_Comm world_comm;
    world_comm = MPI_COMM_WORLD;
    world->backend = &world_comm;
    return describe(world, world_comm);
}

bool sasc_backend_split(const sasc_transport *group, int color, int key, sasc_transport *part,
                        char *error, size_t error_size)
{
    MPI_Comm *comm = malloc(sizeof *comm);
    if (!comm || MPI_Comm_split(communicator(group), color, key, comm) != MPI_SUCCESS) {
        free(comm);
        snprintf(error, error_size, "splitting the MPI ranks failed");
        return false;
    }
    *part = (sasc_transport){.backend = comm};
    return describe(part, *comm);
}

void sasc_backend_close(sasc_transport *group)
{
    MPI_Comm *comm = group->backend;
    if (comm) {
        MPI_Comm_free(comm);
        free(comm);
    }
}

void sasc_backend_finalize(void)
{
    if (started)
        MPI_Finalize();
    started = false;
}

void sasc_backend_exchange(sasc_transport *group, int to, const void *send, size_t send_bytes,
                           int from, void *receive, size_t receive_bytes)
{
    MPI_Comm comm = communicator(group);
    int dest = to == SASC_NO_RANK ? MPI_PROC_NULL : to;
    int source = from == SASC_NO_RANK ? MPI_PROC_NULL : from;
    if (dest == MPI_PROC_NULL)
        send_bytes = 0;
    if (source == MPI_PROC_NULL)
        receive_bytes = 0;
    /* A message of n bytes goes as max(1, ceil(n / LARGEST_MESSAGE)) pieces,
     * the same count on both sides; a side with nothing left in a round
     * names no peer, so no empty piece is ever left unmatched. */
    size_t sent = 0, received = 0;
    for (bool first = true; first || sent < send_bytes || received < receive_bytes; first = false) {
        size_t s = send_bytes - sent < LARGEST_MESSAGE ? send_bytes - sent : LARGEST_MESSAGE;
        size_t r = receive_bytes - received < LARGEST_MESSAGE ? receive_bytes - received
                                                              : LARGEST_MESSAGE;
        int round_dest = first || sent < send_bytes ? dest : MPI_PROC_NULL;
        int round_source = first || received < receive_bytes ? source : MPI_PROC_NULL;
        MPI_Sendrecv(send ? (const char *)send + sent : NULL, (int)s, MPI_BYTE, round_dest, 0,
                     receive ? (char *)receive + received : NULL, (int)r, MPI_BYTE, round_source,
                     0, comm, MPI_STATUS_IGNORE);
        sent += s;
        received += r;
    }
}

void sasc_backend_abort(sasc_transport *group, int code)
{
    MPI_Abort(communicator(group), code);
    exit(code);   /* MPI_Abort does not return; this satisfies _Noreturn */
}

const char *sasc_backend_library(void)
{
    static char name[MPI_MAX_LIBRARY_VERSION_STRING + 8];
    if (name[0] == '\0') {
        char version[MPI_MAX_LIBRARY_VERSION_STRING] = "";
        int length = 0;
        MPI_Get_library_version(version, &length);
        /* "Open MPI v4.1.4, package: ..." -> the part before the first comma */
        int n = 0;
        while (n < length && version[n] != ',' && version[n] != '\n')
            n++;
        snprintf(name, sizeof name, "MPI (%.*s)", n, version);
    }
    return name;
}
