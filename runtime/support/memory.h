/*
 * memory.h — refusing a run that cannot fit in memory, before allocating it.
 *
 * With overcommit, a 100 GB malloc can succeed and the process is killed
 * later, mid-initialisation, with nothing said. So every large allocation of
 * a run (the buffer table, the data) is checked first against what this
 * process may use at most: the physical memory, lowered by a cgroup limit or
 * by what an address-space rlimit (ulimit -v) leaves beside what the process
 * has mapped already.
 */
#ifndef SASC_MEMORY_H
#define SASC_MEMORY_H

#include <stdbool.h>
#include <stddef.h>

/* The most memory this process may use, in bytes; 0 when it cannot be told. */
double sasc_memory_limit(void);

/* True when `bytes` fits under sasc_memory_limit() (or the limit is unknown).
 * Otherwise writes one sentence into `error`, e.g. "the model's buffers need
 * 103.1 GB of memory but at most 25.2 GB are available to this process". */
bool sasc_memory_check(double bytes, const char *what, char *error, size_t error_size);

/* "512 B", "3.4 MB", "103.1 GB": a byte count for people. */
void sasc_memory_format(double bytes, char *out, size_t size);

#endif
