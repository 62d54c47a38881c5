/*
 * thread_pool.c — see thread_pool.h.
 *
 * Hand-off: the caller publishes a region (tasks, function, context) and
 * then increments `generation` (release, under the lock); a worker that
 * sees a new generation (acquire) runs its tasks and decrements `pending`
 * (release); the caller returns once `pending` is 0 (acquire), so every
 * write of a task happens before the caller reads it. Both sides first spin
 * briefly on the atomics (a step's serial gap is short: waking a sleeping
 * thread costs tens of microseconds) and then sleep on a condition variable;
 * the flag is re-checked under the lock before sleeping, so no wake-up is lost.
 */
#include "runtime/support/thread_pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Spin iterations before sleeping: roughly 0.1-0.3 ms with the pause
 * instruction, longer than the serial part between two regions of a step. */
enum { SPIN_LIMIT = 4000 };

typedef struct {
    sasc_thread_pool *pool;
    int index;                   /* 1 .. threads - 1; the caller is 0 */
} worker;

struct sasc_thread_pool {
    int threads;
    int started;                 /* workers running (threads - 1 once created) */
    pthread_t *ids;
    worker *workers;
    pthread_mutex_t lock;
    pthread_cond_t wake, done;
    atomic_ulong generation;     /* regions published so far */
    atomic_int pending;          /* workers still running the current region */
    atomic_bool stop;
    /* The current region, written by the caller before `generation` moves. */
    int tasks;
    sasc_pool_task run;
    void *context;
};

static inline void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static void run_share(sasc_thread_pool *pool, int index)
{
    for (int k = index; k < pool->tasks; k += pool->threads)
        pool->run(pool->context, k);
}

/* The generation after `seen`, once the caller has published it. */
static unsigned long await_region(sasc_thread_pool *pool, unsigned long seen)
{
    unsigned long now;
    for (int spin = 0; spin < SPIN_LIMIT; spin++) {
        if ((now = atomic_load_explicit(&pool->generation, memory_order_acquire)) != seen)
            return now;
        relax();
    }
    pthread_mutex_lock(&pool->lock);
    while ((now = atomic_load_explicit(&pool->generation, memory_order_acquire)) == seen)
        pthread_cond_wait(&pool->wake, &pool->lock);
    pthread_mutex_unlock(&pool->lock);
    return now;
}

static void *work(void *argument)
{
    worker *self = argument;
    sasc_thread_pool *pool = self->pool;
    unsigned long seen = 0;
    for (;;) {
        seen = await_region(pool, seen);
        if (atomic_load_explicit(&pool->stop, memory_order_acquire))
            return NULL;
        run_share(pool, self->index);
        if (atomic_fetch_sub_explicit(&pool->pending, 1, memory_order_acq_rel) == 1) {
            pthread_mutex_lock(&pool->lock);
            pthread_cond_signal(&pool->done);
            pthread_mutex_unlock(&pool->lock);
        }
    }
}

/* Wake every worker for the region just published (or to stop). */
static void publish(sasc_thread_pool *pool)
{
    atomic_store_explicit(&pool->pending, pool->started, memory_order_relaxed);
    pthread_mutex_lock(&pool->lock);
    atomic_fetch_add_explicit(&pool->generation, 1, memory_order_release);
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
}

static void await_workers(sasc_thread_pool *pool)
{
    for (int spin = 0; spin < SPIN_LIMIT; spin++) {
        if (atomic_load_explicit(&pool->pending, memory_order_acquire) == 0)
            return;
        relax();
    }
    pthread_mutex_lock(&pool->lock);
    while (atomic_load_explicit(&pool->pending, memory_order_acquire) != 0)
        pthread_cond_wait(&pool->done, &pool->lock);
    pthread_mutex_unlock(&pool->lock);
}

sasc_thread_pool *sasc_thread_pool_create(int threads, char *error, size_t error_size)
{
    sasc_thread_pool *pool = calloc(1, sizeof *pool);
    int workers = threads > 1 ? threads - 1 : 0;
    if (pool) {
        pool->ids = calloc((size_t)workers + 1, sizeof *pool->ids);
        pool->workers = calloc((size_t)workers + 1, sizeof *pool->workers);
    }
    if (!pool || !pool->ids || !pool->workers) {
        if (pool) {
            free(pool->ids);
            free(pool->workers);
        }
        free(pool);
        snprintf(error, error_size, "out of memory creating %d threads", threads);
        return NULL;
    }
    pool->threads = workers + 1;
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->wake, NULL);
    pthread_cond_init(&pool->done, NULL);
    atomic_init(&pool->generation, 0);
    atomic_init(&pool->pending, 0);
    atomic_init(&pool->stop, false);
    for (int k = 1; k <= workers; k++) {
        pool->workers[k] = (worker){pool, k};
        int code = pthread_create(&pool->ids[k], NULL, work, &pool->workers[k]);
        if (code != 0) {
            snprintf(error, error_size, "cannot start worker thread %d of %d: %s", k, workers,
                     strerror(code));
            sasc_thread_pool_destroy(pool);
            return NULL;
        }
        pool->started = k;
    }
    return pool;
}

int sasc_thread_pool_threads(const sasc_thread_pool *pool)
{
    return pool->threads;
}

void sasc_thread_pool_run(sasc_thread_pool *pool, int tasks, sasc_pool_task run, void *context)
{
    pool->tasks = tasks;
    pool->run = run;
    pool->context = context;
    if (pool->started == 0 || tasks <= 1) {
        for (int k = 0; k < tasks; k++)
            run(context, k);
        return;
    }
    publish(pool);
    run_share(pool, 0);
    await_workers(pool);
}

void sasc_thread_pool_destroy(sasc_thread_pool *pool)
{
    if (!pool)
        return;
    if (pool->started > 0) {
        atomic_store_explicit(&pool->stop, true, memory_order_release);
        publish(pool);
        for (int k = 1; k <= pool->started; k++)
            pthread_join(pool->ids[k], NULL);
    }
    pthread_cond_destroy(&pool->done);
    pthread_cond_destroy(&pool->wake);
    pthread_mutex_destroy(&pool->lock);
    free(pool->ids);
    free(pool->workers);
    free(pool);
}
