/*
 * thread_pool.h — a persistent pool of worker threads for the training step.
 *
 * The workers are created once and woken for every parallel region, so a
 * step costs no thread creation and no allocation. A region runs `tasks`
 * numbered tasks; task k always runs on thread k mod threads (the caller is
 * thread 0), so which thread runs a task is fixed, but results must never
 * depend on it: tasks write disjoint memory and the caller combines their
 * results in a fixed order after the region.
 */
#ifndef SASC_THREAD_POOL_H
#define SASC_THREAD_POOL_H

#include <stdbool.h>
#include <stddef.h>

typedef struct sasc_thread_pool sasc_thread_pool;

/* Task `task` of a region; `context` is the region's. */
typedef void (*sasc_pool_task)(void *context, int task);

/* A pool of `threads` threads in all, the caller included (so threads - 1
 * workers; 1 or less: no workers, regions run on the caller). Returns NULL
 * with `error` set when a worker cannot be started. */
sasc_thread_pool *sasc_thread_pool_create(int threads, char *error, size_t error_size);

/* Threads of the pool, the caller included. */
int sasc_thread_pool_threads(const sasc_thread_pool *pool);

/* Run tasks 0 .. tasks - 1 and return when all have finished. Not
 * reentrant: one region at a time, from the thread that created the pool. */
void sasc_thread_pool_run(sasc_thread_pool *pool, int tasks, sasc_pool_task run, void *context);

/* Stop and join the workers. NULL is allowed. */
void sasc_thread_pool_destroy(sasc_thread_pool *pool);

#endif
