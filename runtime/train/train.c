/*
 * train.c — the training loop: set up a run, train and evaluate epoch by
 * epoch, write metrics after every epoch and the parameters at the end.
 *
 * Reproducibility: every random number is keyed by the seed and its purpose
 * (rng.h), and kernels see the same inputs in the same order, so two runs
 * with the same seed write the same bytes (except timings).
 */
#include "runtime/train/train.h"
#include "runtime/train/session.h"
#include "runtime/analyses/entropy.h"
#include "runtime/analyses/registry.h"
#include "runtime/model/buffers.h"
#include "runtime/model/checkpoint.h"
#include "runtime/model/divergence.h"
#include "runtime/ensemble/dynamic.h"
#include "runtime/kernels/gemm.h"
#include "runtime/data/source.h"
#include "runtime/model/initialize.h"
#include "runtime/support/memory.h"
#include "runtime/ensemble/snapshots.h"
#include "runtime/support/npy.h"
#include "runtime/support/output.h"
#include "runtime/kernels/parallel_normals.h"
#include "runtime/support/progress.h"
#include "runtime/support/rng.h"
#include "runtime/train/distributed.h"
#include "runtime/train/run_directory.h"
#include "runtime/train/run_history.h"
#include "runtime/train/shards.h"

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct {
    double train_loss, train_accuracy, test_accuracy, seconds, learning_rate;
    double *sparsity;                /* one per parameter group */
    double *data_metrics;            /* the data source's test metrics (source.h, contract 8) */
} epoch_metrics;

typedef struct {
    const sasc_program *program;
    const sasc_task *task;
    const sasc_run_info *info;
    void **buffers;                  /* shard 0's: the ensemble's parameters live here */
    sasc_shards shards;              /* data-parallel shards of a step (shards.h) */
    sasc_distributed *ranks;         /* the MPI ranks training with this one (distributed.h), or NULL */
    bool writes;                     /* this process writes the run's files (rank 0, or alone) */
    sasc_rank_traffic *traffic;      /* per rank, for run.json, when several ranks trained */
    double *shard_loss;              /* per shard (all S): its LOSS after `train` */
    long *shard_correct;             /* per shard (all S): its rows' correct predictions */
    sasc_data_source *data;          /* the task's samples (source.h) */
    int *labels;                     /* a test batch's labels, for the visitors of a test pass */
    size_t *order;                   /* training samples in this epoch's order */
    int steps;                       /* full mini-batches per epoch */
    double *scratch;                 /* as many doubles as the largest buffer */
    epoch_metrics *metrics;          /* task->epochs entries */
    double *metric_storage;          /* their sparsity and data_metrics arrays */
    int epochs_done;
    bool diverged;                   /* the loss became NaN or infinite */
    long updates;                    /* optimiser steps so far */
    sasc_checkpoint_position resume; /* where training starts: all zero, or a checkpoint's */
    sasc_run_history history;        /* the run's parts before this one (run_history.h) */
    sasc_run_directory directory;    /* the output directory, locked while the run works */
    int stopped_by;                  /* SIGINT or SIGTERM, when training stopped early */
    sasc_progress progress;
    sasc_training_analyses *analyses;/* the task's analyses (analyze_every, analyze; registry.h);
                                        NULL on a rank that does not write */
    double start;
    char error[8192];
} run;

static bool fail(run *r, const char *format, ...) __attribute__((format(printf, 2, 3)));

static bool fail(run *r, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(r->error, sizeof r->error, format, args);
    va_end(args);
    return false;
}

static void out_path(const run *r, const char *file, char *path, size_t size)
{
    snprintf(path, size, "%s/%s", r->task->out, file);
}

/* ---- setup ---- */

/* The task's data for a run that trains (`training`) or only tests. */
static bool open_data(run *r, bool training)
{
    const sasc_task *t = r->task;
    sasc_data_request request = {t->data, {training ? t->train : SASC_DATA_UNUSED, t->test}, t->seed,
                                 r->program->trials, t};
    r->data = sasc_data_open(&request, r->program, r->error, sizeof r->error);
    if (!r->data)
        return false;
    int batch = r->shards.step_batch;
    long count = sasc_data_count(r->data, SASC_SPLIT_TRAIN);
    r->steps = (int)(count / batch);
    if (r->steps == 0 && t->epochs > 0)
        return fail(r, "the training set has %ld images, fewer than one mini-batch of %d", count,
                    batch);
    return true;
}

/* Per epoch: the sparsity of every group, then the data source's metrics. */
static size_t metric_width(const run *r)
{
    return (size_t)r->program->group_count + (size_t)r->data->shape.metric_count;
}

static bool allocate_run_memory(run *r)
{
    const sasc_program *p = r->program;
    size_t epochs = (size_t)r->task->epochs, width = metric_width(r);
    r->order = malloc(((size_t)sasc_data_count(r->data, SASC_SPLIT_TRAIN) + 1) * sizeof *r->order);
    r->labels = malloc((size_t)p->batch * sizeof *r->labels);
    r->scratch = malloc(sasc_buffers_largest(p) * sizeof *r->scratch);
    r->metrics = calloc(epochs + 1, sizeof *r->metrics);
    r->metric_storage = calloc((epochs + 1) * (width + 1), sizeof *r->metric_storage);
    r->shard_loss = calloc((size_t)r->shards.count, sizeof *r->shard_loss);
    r->shard_correct = calloc((size_t)r->shards.count, sizeof *r->shard_correct);
    if (!r->order || !r->labels || !r->scratch || !r->metrics || !r->metric_storage ||
        !r->shard_loss || !r->shard_correct)
        return fail(r, "out of memory setting up the run");
    for (size_t e = 0; e < epochs; e++) {
        r->metrics[e].sparsity = r->metric_storage + e * width;
        r->metrics[e].data_metrics = r->metrics[e].sparsity + p->group_count;
    }
    return true;
}

/* Where the masks come from: a resumed run's own copies, a built program's
 * embedded files, else the paths the program names (initialize.h). */
static sasc_mask_source mask_source(const run *r)
{
    const sasc_run_info *info = r->info;
    return (sasc_mask_source){info && info->resume ? r->task->out : NULL,
                              info ? info->mask_files : NULL, info ? info->mask_file_count : 0};
}

/* Each .npy mask, as read, kept in the run directory (MASK-BUFFER.npy), so
 * everything that continues or analyses the run reads it from there. */
static bool keep_mask_copies(run *r)
{
    const sasc_program *p = r->program;
    for (int g = 0; g < p->group_count; g++) {
        int m = p->groups[g].mask_buffer;
        if (m < 0 || p->groups[g].mask.kind != SASC_MASK_NPY)
            continue;
        char path[8192];
        sasc_mask_copy_path(p, m, r->task->out, path, sizeof path);
        if (!sasc_npy_write(path, r->buffers[m], p->precision, p->buffers[m].rows,
                            p->buffers[m].cols, r->error, sizeof r->error))
            return false;
    }
    return true;
}

/* The output directory, locked and checked before anything is loaded. */
static bool claim_directory(run *r)
{
    const sasc_run_info *info = r->info;
    sasc_run_directory_use use = info && info->resume ? SASC_RUN_DIRECTORY_RESUME
                               : info && info->force ? SASC_RUN_DIRECTORY_REPLACE
                               : SASC_RUN_DIRECTORY_NEW;
    return sasc_run_directory_claim(&r->directory, r->task->out, use, r->error, sizeof r->error);
}

static bool initialize(run *r)
{
    sasc_mask_source masks = mask_source(r);
    return sasc_initialize_from(r->program, r->buffers, r->task->seed, &masks, r->error,
                                sizeof r->error);
}

/* model.sas and the masks: what continuing or analysing the run needs. */
static bool prepare_output(run *r)
{
    if (!keep_mask_copies(r))
        return false;
    if (!r->info || !r->info->source_text)
        return true;
    char path[8192];
    out_path(r, "model.sas", path, sizeof path);
    return sasc_write_file_atomically(path, r->info->source_text, strlen(r->info->source_text),
                                      r->error, sizeof r->error);
}

/* Under an address-space limit the BLAS's work buffer must fit beside the
 * run's (OpenBLAS retries a failed reservation forever: gemm.h). */
static bool check_blas_room(run *r)
{
    return sasc_memory_check(sasc_gemm_work_bytes(), "OpenBLAS's work buffer (with the address "
                             "space the run already uses)", r->error, sizeof r->error);
}

static bool open_shards(run *r)
{
    return sasc_shards_open(&r->shards, r->program, r->task, r->buffers, r->ranks, r->error,
                            sizeof r->error);
}

static sasc_analysis_host run_host(run *r);

static bool open_analyses(run *r)
{
    sasc_analysis_host host = run_host(r);
    r->analyses = sasc_training_analyses_open(r->program, r->task, r->buffers, &host, r->error,
                                              sizeof r->error);
    return r->analyses != NULL;
}

/* Returns an exit code: a malformed program is the compiler's fault, the rest the user's. */
static int set_up(run *r)
{
    if (!sasc_program_validate(r->program, r->error, sizeof r->error))
        return SASC_EXIT_INTERNAL_ERROR;
    if (r->task->out[0] == '\0') {
        fail(r, "no output directory was given");
        return SASC_EXIT_INTERNAL_ERROR;
    }
    if (r->writes && !claim_directory(r))   /* only the rank that writes owns the directory */
        return SASC_EXIT_USER_ERROR;
    r->buffers = sasc_buffers_allocate(r->program, r->error, sizeof r->error);
    bool ok = r->buffers && open_shards(r) && open_data(r, true) && allocate_run_memory(r) &&
              check_blas_room(r) && initialize(r) &&
              (!r->writes || (prepare_output(r) && open_analyses(r)));
    return ok ? SASC_EXIT_OK : SASC_EXIT_USER_ERROR;
}

static void tear_down(run *r)
{
    sasc_run_directory_release(&r->directory);
    sasc_shards_close(&r->shards, r->program);
    sasc_distributed_close(r->ranks);
    free(r->traffic);
    sasc_buffers_free(r->program, r->buffers);
    free(r->shard_loss);
    free(r->shard_correct);
    sasc_data_close(r->data);
    free(r->order);
    free(r->labels);
    free(r->scratch);
    free(r->metrics);
    free(r->metric_storage);
    sasc_training_analyses_close(r->analyses);
}

/* ---- one mini-batch in and out ---- */

/* Sample number `k` of the rows loaded: through `order` when given. */
static long sample_index(const size_t *order, long k)
{
    return order ? (long)order[k] : k;
}

static int output_argmax(const run *r, void *const *buffers, int row)
{
    const sasc_program *p = r->program;
    const void *output = buffers[p->output_buffer];
    size_t base = (size_t)row * (size_t)p->buffers[p->output_buffer].cols;
    int best = 0;
    for (int c = 1; c < p->classes; c++)
        if (sasc_buffer_get(output, p->precision, base + c) >
            sasc_buffer_get(output, p->precision, base + best))
            best = c;
    return best;
}

/* How many of the first `rows` OUTPUT rows of `buffers` pick their sample's label. */
static long count_correct(const run *r, void *const *buffers, sasc_split split,
                          const size_t *order, long first, int rows)
{
    long correct = 0;
    for (int row = 0; row < rows; row++)
        correct += output_argmax(r, buffers, row) ==
                   sasc_data_label(r->data, split, sample_index(order, first + row));
    return correct;
}

/* The noise of the shard holding rows `first` .. of the data set in `buffers`:
 * those rows' part of the noise of the step they belong to (shards.h). A lone
 * shard may split its draw over the threads; shards run one per thread. */
static void fill_noise(const run *r, void *const *buffers, int epoch, long first)
{
    int batch = r->shards.step_batch;
    sasc_shards_fill_noise(r->program, buffers, r->task->seed, epoch, (int)(first / batch), batch,
                           (int)(first % batch), r->shards.count == 1 ? r->task->threads : 1);
}

static void zero_noise(run *r)
{
    for (int k = 0; k < r->shards.local; k++)
        for (int i = 0; i < r->program->buffer_count; i++)
            if (r->program->buffers[i].role == SASC_BUFFER_NOISE)
                sasc_buffer_zero(r->program, r->shards.buffers[k], i);
}

/* ---- schedule and optimiser scalars ---- */

static double learning_rate(const sasc_task *task, int epoch)
{
    double lr = task->lr / (1.0 + task->lr_decay * epoch);
    if (task->halve_every > 0)
        lr = ldexp(lr, -(epoch / task->halve_every));
    return lr;
}

static void write_scalars(run *r, double lr)
{
    const sasc_program *p = r->program;
    void *scalars = r->buffers[p->scalars_buffer];
    double t = (double)r->updates;
    sasc_buffer_set(scalars, p->precision, SASC_SCALAR_LEARNING_RATE, lr);
    sasc_buffer_set(scalars, p->precision, SASC_SCALAR_BIAS_CORRECTION1, 1.0 - pow(r->task->beta1, t));
    sasc_buffer_set(scalars, p->precision, SASC_SCALAR_BIAS_CORRECTION2, 1.0 - pow(r->task->beta2, t));
}

/* ---- an epoch ---- */

/* Fisher-Yates on 0..n-1, keyed by the seed and the epoch alone. */
static void shuffle_order(run *r, int epoch)
{
    long n = sasc_data_count(r->data, SASC_SPLIT_TRAIN);
    for (long i = 0; i < n; i++)
        r->order[i] = (size_t)i;
    if (!r->task->shuffle)
        return;
    uint64_t stream = sasc_rng_stream(SASC_STREAM_SHUFFLE, 0, (uint32_t)epoch);
    for (long i = n - 1; i > 0; i--) {
        double u;
        sasc_rng_uniforms(r->task->seed, stream, (uint64_t)i, &u, 1);
        long j = (long)(u * (double)(i + 1));  /* u < 1, so j <= i */
        size_t swap = r->order[i];
        r->order[i] = r->order[j];
        r->order[j] = swap;
    }
}

/* ---- checkpoints (checkpoint.h) ---- */

enum { METRIC_COLUMNS = 5 };   /* epoch_metrics' numbers before the sparsities */

/* Numbers per epoch in a checkpoint: the five above, the sparsities, and
 * the data source's metrics (metric_width). */
static int checkpoint_columns(const run *r)
{
    return METRIC_COLUMNS + (int)metric_width(r);
}

static bool save_checkpoint(run *r, int epoch, int step, double loss_sum, long correct)
{
    int columns = checkpoint_columns(r);
    double *table = malloc(sizeof(double) * (size_t)columns * (size_t)(r->epochs_done + 1));
    if (!table)
        return fail(r, "out of memory writing the checkpoint");
    for (int e = 0; e < r->epochs_done; e++) {
        const epoch_metrics *m = &r->metrics[e];
        double row[METRIC_COLUMNS] = {m->train_loss, m->train_accuracy, m->test_accuracy,
                                      m->seconds, m->learning_rate};
        memcpy(&table[e * columns], row, sizeof row);
        memcpy(&table[e * columns + METRIC_COLUMNS], m->sparsity, sizeof(double) * metric_width(r));
    }
    sasc_checkpoint_position place = {epoch, step, r->updates, loss_sum, correct,
                                      r->epochs_done, columns, table, NULL, 0, 0, NULL};
    sasc_run_history_position(&r->history, sasc_seconds() - r->start, &place);
    bool ok = sasc_checkpoint_write(r->task->out, r->program, r->buffers, r->task, &place,
                                    r->error, sizeof r->error);
    free(table);
    return ok;
}

/* The optimiser a checkpoint was trained with must be the run's: its state
 * is what the checkpoint holds besides the parameters. */
static bool check_saved_optimizer(run *r)
{
    sasc_task saved;
    if (!sasc_checkpoint_read(r->task->out, NULL, NULL, &saved, NULL, r->error, sizeof r->error))
        return false;
    if (saved.optimizer == r->task->optimizer)
        return true;
    char before[64], after[64];
    const sasc_setting_info *optimizer = sasc_task_setting_find("optimizer");
    sasc_task_value_text(&saved, optimizer, before, sizeof before);
    sasc_task_value_text(r->task, optimizer, after, sizeof after);
    return fail(r, "the checkpoint in %s holds the state of optimizer %s; it cannot be resumed "
                "with optimizer %s", r->task->out, before, after);
}

/* Continue from the checkpoint in the output directory. */
static bool restore_checkpoint(run *r)
{
    sasc_checkpoint_position *place = &r->resume;
    sasc_task saved;
    if (!check_saved_optimizer(r) ||
        !sasc_checkpoint_read(r->task->out, r->program, r->buffers, &saved, place, r->error,
                              sizeof r->error))
        return false;
    if (place->step > r->steps)
        return fail(r, "the checkpoint in %s stopped at step %d of epoch %d, but an epoch of this "
                    "run has only %d steps", r->task->out, place->step, place->epoch + 1, r->steps);
    int columns = checkpoint_columns(r);
    if (place->metric_columns != columns || place->epochs_done > r->task->epochs)
        return fail(r, "the checkpoint in %s has %d finished epochs of %d metrics; this run has "
                    "%d epochs of %d", r->task->out, place->epochs_done, place->metric_columns,
                    r->task->epochs, columns);
    if (!sasc_run_history_resume(&r->history, place, &saved, r->task, r->task->out, r->error,
                                 sizeof r->error))
        return false;
    for (int e = 0; e < place->epochs_done; e++) {
        const double *row = &place->metrics[e * columns];
        epoch_metrics *m = &r->metrics[e];
        m->train_loss = row[0], m->train_accuracy = row[1], m->test_accuracy = row[2];
        m->seconds = row[3], m->learning_rate = row[4];
        memcpy(m->sparsity, row + METRIC_COLUMNS, sizeof(double) * metric_width(r));
    }
    r->epochs_done = place->epochs_done;
    r->updates = place->updates;
    return true;
}

/* The stop signal caught so far; over MPI, the one the ranks agreed on at
 * the last exchange, so that they all stop after the same step. */
static int stop_signal(const run *r)
{
    return r->ranks ? sasc_distributed_stop_signal(r->ranks) : sasc_checkpoint_stop_signal();
}

/* A stop signal arrived: save where training is (rank 0), then stop. */
static bool stop_early(run *r, int epoch, int step, double loss_sum, long correct)
{
    r->stopped_by = stop_signal(r);
    if (r->writes && !save_checkpoint(r, epoch, step, loss_sum, correct))
        return false;
    return fail(r, "interrupted by %s at epoch %d, step %d; the checkpoint is saved: continue "
                "with `sasc run --resume %s`", r->stopped_by == SIGINT ? "SIGINT" : "SIGTERM",
                epoch + 1, step, r->task->out);
}

/* Stop on a NaN or infinity, naming where it is and the epoch (issue 7). The
 * epoch's checkpoint is not written, so the one on disk stays the last good state. */
static bool diverged(run *r, int epoch, int step, const char *what)
{
    char where[1024];
    sasc_describe_divergence(r->program, r->buffers, where, sizeof where);
    r->diverged = true;
    if (r->epochs_done == 0)
        return fail(r, "training diverged at epoch %d, step %d: %s (%s); no epoch finished, "
                    "so nothing was saved", epoch + 1, step + 1, what, where);
    return fail(r, "training diverged at epoch %d, step %d: %s (%s); the checkpoint in %s "
                "holds epoch %d, the last good state", epoch + 1, step + 1, what, where,
                r->task->out, r->epochs_done);
}

/* One training step's region: local shard k (shard `shards.first + k` of the
 * step) trains on positions first + shard batch .. of the epoch's order, in
 * its own buffers, and leaves its loss and count. */
typedef struct {
    run *r;
    int epoch;
    long first;
} step_job;

static void train_shard(void *context, int k)
{
    const step_job *job = context;
    run *r = job->r;
    const sasc_program *p = r->program;
    void *const *buffers = r->shards.buffers[k];
    int shard = r->shards.first + k;
    long first = job->first + (long)shard * p->batch;
    sasc_data_load_batch(r->data, p, buffers, SASC_SPLIT_TRAIN, r->order, first, p->batch);
    fill_noise(r, buffers, job->epoch, first);
    sasc_program_kernel(p, SASC_KERNEL_TRAIN)(buffers);
    r->shard_loss[shard] = sasc_buffer_get(buffers[p->loss_buffer], p->precision, 0);
    r->shard_correct[shard] = count_correct(r, buffers, SASC_SPLIT_TRAIN, r->order, first, p->batch);
}

/* Train the shards of one step; returns the step's loss (the shards' mean,
 * summed in shard order) and adds its correct predictions to `correct`.
 * Over MPI the ranks share their shards' losses and counts (and stop
 * signals) first. The shards' gradients are averaged by the update
 * (sasc_shards_update). */
static double train_step(run *r, int epoch, int step, long *correct)
{
    step_job job = {r, epoch, (long)step * r->shards.step_batch};
    sasc_thread_pool_run(r->shards.pool, r->shards.local, train_shard, &job);
    if (r->ranks)
        sasc_distributed_share_step(r->ranks, r->shard_loss, r->shard_correct);
    double loss = 0;
    for (int k = 0; k < r->shards.count; k++) {
        loss += r->shard_loss[k];
        *correct += r->shard_correct[k];
    }
    return loss / r->shards.count;
}

static bool train_epoch(run *r, int epoch, epoch_metrics *m)
{
    const sasc_program *p = r->program;
    bool resumed = epoch == r->resume.epoch;   /* continue the checkpoint's epoch */
    double loss_sum = resumed ? r->resume.loss_sum : 0;
    long correct = resumed ? r->resume.correct : 0;
    shuffle_order(r, epoch);
    m->learning_rate = learning_rate(r->task, epoch);
    int batch = r->shards.step_batch;
    for (int step = resumed ? r->resume.step : 0; step < r->steps; step++) {
        double loss = train_step(r, epoch, step, &correct);
        if (!isfinite(loss))
            return diverged(r, epoch, step, isnan(loss) ? "the loss is nan" : "the loss is inf");
        loss_sum += loss;
        r->updates++;
        write_scalars(r, m->learning_rate);
        sasc_shards_update(&r->shards, p);
        sasc_progress_step(&r->progress, epoch, step, loss_sum / (step + 1),
                           (double)correct / ((double)(step + 1) * batch));
        if (stop_signal(r) != 0)
            return stop_early(r, epoch, step + 1, loss_sum, correct);
    }
    m->train_loss = loss_sum / r->steps;
    m->train_accuracy = (double)correct / ((double)r->steps * batch);
    return true;
}

/* Accuracy of the mean-field network on the test set: all noise zero, or,
 * for a source of noisy test trials (MSI: input and recurrent noise, and
 * the ensemble's eps, a network sampled at every step), the noise drawn
 * from a stream of its own, the same at every epoch. */
static long test_count(const run *r)
{
    return sasc_data_count(r->data, SASC_SPLIT_TEST);
}

/* Valid rows of the test batch starting at `first` (the last may be short). */
static int test_rows(const run *r, long first)
{
    long left = test_count(r) - first;
    return (int)(left < r->program->batch ? left : r->program->batch);
}

/* Local shard k predicts the test batch at first + k batch (one group of
 * batches: a test pass runs in one process, over its own shards). */
static void predict_shard(void *context, int k)
{
    const step_job *job = context;
    const run *r = job->r;
    void *const *buffers = r->shards.buffers[k];
    long first = job->first + (long)k * r->program->batch;
    sasc_data_load_batch(r->data, r->program, buffers, SASC_SPLIT_TEST, NULL, first,
                         test_rows(r, first));
    if (r->data->shape.noisy_test)
        fill_noise(r, buffers, -1, first);
    sasc_program_kernel(r->program, SASC_KERNEL_PREDICT)(buffers);
}

/* One pass of `predict` over the test set, giving `visit` each batch with
 * its labels, in order. Every pass sees the same inputs and noise, so the
 * accuracy and what the analyses read come from the same trials. The
 * shards predict consecutive batches at once. */
static void test_pass(run *r, sasc_test_batch_fn visit, void *context)
{
    const sasc_program *p = r->program;
    if (!r->data->shape.noisy_test)
        zero_noise(r);
    int local = r->shards.local;
    for (long group = 0; group < test_count(r); group += (long)local * p->batch) {
        long batches = (test_count(r) - group + p->batch - 1) / p->batch;
        int shards = batches < local ? (int)batches : local;
        step_job job = {r, -1, group};
        sasc_thread_pool_run(r->shards.pool, shards, predict_shard, &job);
        for (int k = 0; k < shards; k++) {
            long first = group + (long)k * p->batch;
            int rows = test_rows(r, first);
            for (int row = 0; row < rows; row++)
                r->labels[row] = sasc_data_label(r->data, SASC_SPLIT_TEST, first + row);
            visit(context, r->shards.buffers[k], r->labels, rows);
        }
    }
}

/* A test pass counting correct predictions and tallying the source's
 * metrics, handing every batch on to `also` when it is given. */
typedef struct {
    run *r;
    long first, correct;
    sasc_test_batch_fn also;
    void *also_context;
} test_tally;

static void tally_batch(void *context, void *const *buffers, const int *labels, int rows)
{
    test_tally *t = context;
    sasc_data_metrics_tally(t->r->data, t->r->program, buffers, t->first, rows);
    for (int row = 0; row < rows; row++)
        t->correct += output_argmax(t->r, buffers, row) == labels[row];
    t->first += rows;
    if (t->also)
        t->also(t->also_context, buffers, labels, rows);
}

static double tallied_accuracy(run *r, sasc_test_batch_fn also, void *also_context)
{
    test_tally t = {r, 0, 0, also, also_context};
    sasc_data_metrics_reset(r->data);
    test_pass(r, tally_batch, &t);
    return (double)t.correct / (double)test_count(r);
}

static double test_accuracy(run *r)
{
    return tallied_accuracy(r, NULL, NULL);
}

/* The test pass after an epoch, which the analyses of every epoch also read. */
static double epoch_test_accuracy(run *r)
{
    return tallied_accuracy(r, sasc_training_analyses_test_batch, r->analyses);
}

/* test_accuracy as a sasc_accuracy_fn, for the analyses. */
static double accuracy_of_buffers(void *context)
{
    return test_accuracy(context);
}

/* test_accuracy of the network in the STEP_WEIGHTS buffers: the same pass
 * with the predict_dynamic kernel (runtime/ensemble/dynamic.h), for the analyses. */
static double dynamic_accuracy_of_buffers(void *context)
{
    run *r = context;
    const sasc_program *mean_field = r->program;
    sasc_kernel_desc kernels[SASC_KERNEL_ROLE_COUNT];
    sasc_program dynamic = sasc_dynamic_program(mean_field, kernels);
    r->program = &dynamic;
    double accuracy = test_accuracy(r);
    r->program = mean_field;
    return accuracy;
}

static bool host_test_pass(void *context, sasc_test_batch_fn visit, void *visit_context,
                           char *error, size_t error_size)
{
    (void)error;
    (void)error_size;
    test_pass(context, visit, visit_context);
    return true;
}

/* What the analyses reach of a run (registry.h): its test accuracy, with
 * predict_dynamic when the program has it, and its test pass; a run trains
 * no other run. */
static sasc_analysis_host run_host(run *r)
{
    bool dynamic = sasc_program_kernel(r->program, SASC_KERNEL_PREDICT_DYNAMIC) != NULL;
    return (sasc_analysis_host){r, accuracy_of_buffers,
                                dynamic ? dynamic_accuracy_of_buffers : NULL, host_test_pass, NULL};
}

/* Mean of pi over each layer's connections (NaN for a layer without pi). */
static void measure_sparsity(run *r, double *sparsity)
{
    const sasc_program *p = r->program;
    for (int l = 0; l < p->group_count; l++) {
        int pi = p->groups[l].parameter_buffer[SASC_PI];
        if (pi < 0) {
            sparsity[l] = NAN;
            continue;
        }
        size_t n = sasc_buffer_elements(p, pi);
        double sum = 0;
        for (size_t k = 0; k < n; k++)
            sum += sasc_buffer_get(r->buffers[pi], p->precision, k);
        sparsity[l] = sum / (double)n;
    }
}

/* ---- result files ---- */

static bool write_metrics(run *r)
{
    char path[8192];
    out_path(r, "metrics.csv", path, sizeof path);
    sasc_atomic_file f;
    if (!sasc_atomic_open(&f, path, r->error, sizeof r->error))
        return false;
    sasc_atomic_printf(&f, "epoch,train_loss,train_accuracy,test_accuracy,seconds,learning_rate");
    for (int l = 0; l < r->program->group_count; l++)
        sasc_atomic_printf(&f, ",sparsity_%s", r->program->groups[l].name);
    for (int k = 0; k < r->data->shape.metric_count; k++)
        sasc_atomic_printf(&f, ",%s", r->data->shape.metric_names[k]);
    sasc_atomic_printf(&f, "\n");
    for (int e = 0; e < r->epochs_done; e++) {
        const epoch_metrics *m = &r->metrics[e];
        double columns[] = {m->train_loss, m->train_accuracy, m->test_accuracy, m->seconds,
                            m->learning_rate};
        sasc_atomic_printf(&f, "%d", e + 1);
        for (size_t c = 0; c < sizeof columns / sizeof columns[0]; c++) {
            sasc_atomic_printf(&f, ",");
            sasc_atomic_number(&f, columns[c]);
        }
        for (size_t k = 0; k < metric_width(r); k++) {   /* sparsities, then the data's metrics */
            sasc_atomic_printf(&f, ",");
            sasc_atomic_number(&f, m->sparsity[k]);
        }
        sasc_atomic_printf(&f, "\n");
    }
    return sasc_atomic_commit(&f, r->error, sizeof r->error);
}

static bool write_parameters(run *r)
{
    return sasc_parameters_write(r->program, r->buffers, r->task->out, r->error, sizeof r->error);
}

/* The parameters after `epochs_done` epochs into snapshots/ when the task keeps them. */
static bool write_snapshot(run *r, int epochs_done)
{
    return !sasc_snapshot_due(r->task, epochs_done) ||
           sasc_snapshot_write(r->program, r->buffers, r->task->out, epochs_done, r->error,
                               sizeof r->error);
}

static void json_settings(run *r, sasc_atomic_file *f)
{
    int count;
    const sasc_setting_info *settings = sasc_task_settings(&count);
    sasc_atomic_printf(f, "  \"settings\": {");
    for (int i = 0; i < count; i++) {
        char value[8192];
        sasc_task_value_json(r->task, &settings[i], value, sizeof value);
        sasc_atomic_printf(f, "%s\n    \"%s\": %s", i ? "," : "", settings[i].key, value);
    }
    sasc_atomic_printf(f, "\n  },\n");
}

static void json_layers(run *r, sasc_atomic_file *f)
{
    const sasc_program *p = r->program;
    sasc_atomic_printf(f, "  \"layers\": [");
    for (int l = 0; l < p->group_count; l++) {
        sasc_atomic_printf(f, "%s\n    {\"name\": ", l ? "," : "");
        sasc_atomic_json_string(f, p->groups[l].name);
        sasc_atomic_printf(f, ", \"fan_in\": %d, \"width\": %d}", p->groups[l].fan_in,
                           p->groups[l].width);
    }
    sasc_atomic_printf(f, "\n  ],\n");
}

static void json_final_metrics(run *r, sasc_atomic_file *f)
{
    if (r->epochs_done == 0) {
        sasc_atomic_printf(f, "  \"final\": null\n");
        return;
    }
    const epoch_metrics *m = &r->metrics[r->epochs_done - 1];
    const char *names[] = {"train_loss", "train_accuracy", "test_accuracy", "learning_rate"};
    double values[] = {m->train_loss, m->train_accuracy, m->test_accuracy, m->learning_rate};
    sasc_atomic_printf(f, "  \"final\": {\"epoch\": %d", r->epochs_done);
    for (size_t k = 0; k < sizeof values / sizeof values[0]; k++) {
        sasc_atomic_printf(f, ", \"%s\": ", names[k]);
        sasc_atomic_json_number(f, values[k]);
    }
    sasc_atomic_printf(f, ", \"sparsity\": {");
    for (int l = 0; l < r->program->group_count; l++) {
        sasc_atomic_printf(f, "%s", l ? ", " : "");
        sasc_atomic_json_string(f, r->program->groups[l].name);
        sasc_atomic_printf(f, ": ");
        sasc_atomic_json_number(f, m->sparsity[l]);
    }
    sasc_atomic_printf(f, "}}\n");
}

static void json_field_string(sasc_atomic_file *f, const char *key, const char *value)
{
    sasc_atomic_printf(f, "  \"%s\": ", key);
    if (value)
        sasc_atomic_json_string(f, value);
    else
        sasc_atomic_printf(f, "null");
    sasc_atomic_printf(f, ",\n");
}

/* How many ranks trained, and (several) what each sent and waited per step. */
static void json_ranks(run *r, sasc_atomic_file *f)
{
    int K = r->ranks ? sasc_distributed_size(r->ranks) : 1;
    sasc_atomic_printf(f, "  \"ranks\": %d,\n", K);
    if (!r->traffic)
        return;
    sasc_atomic_printf(f, "  \"mpi\": {\"transport\": ");
    sasc_atomic_json_string(f, sasc_transport_library());
    const char *names[] = {"bytes_sent_per_step", "messages_sent_per_step",
                           "exchange_seconds_per_step", "compute_seconds_per_step",
                           "update_seconds_per_step"};
    for (int k = 0; k < 5; k++) {
        sasc_atomic_printf(f, ",\n          \"%s\": [", names[k]);
        for (int rank = 0; rank < K; rank++) {
            const sasc_rank_traffic *t = &r->traffic[rank];
            double values[] = {t->bytes_sent, t->messages_sent, t->seconds, t->compute_seconds,
                               t->update_seconds};
            sasc_atomic_printf(f, "%s", rank ? ", " : "");
            sasc_atomic_json_number(f, values[k]);
        }
        sasc_atomic_printf(f, "]");
    }
    sasc_atomic_printf(f, "},\n");
}

static bool write_run_json(run *r, const char *status)
{
    char path[8192];
    out_path(r, "run.json", path, sizeof path);
    sasc_atomic_file f;
    if (!sasc_atomic_open(&f, path, r->error, sizeof r->error))
        return false;
    const sasc_run_info *info = r->info;
    sasc_atomic_printf(&f, "{\n");
    json_field_string(&f, "model", r->program->model_name ? r->program->model_name : r->task->model);
    sasc_run_history_json(&r->history, sasc_seconds() - r->start, &f);
    json_field_string(&f, "task", r->task->name);
    json_field_string(&f, "status", status);
    json_settings(r, &f);
    json_field_string(&f, "input_scaling_applied", r->data ? r->data->shape.scaling : NULL);
    char constants[SASC_MAX_CONSTANTS * 96];
    sasc_constants_json(&r->task->constants, constants, sizeof constants);
    sasc_atomic_printf(&f, "  \"constants\": %s,\n", constants);
    sasc_atomic_printf(&f, "  \"seed\": %llu,\n  \"precision\": %d,\n  \"batch\": %d,\n"
                       "  \"shards\": %d,\n", (unsigned long long)r->task->seed,
                       8 * (int)r->program->precision, r->shards.step_batch, r->shards.count);
    json_ranks(r, &f);
    json_field_string(&f, "entropy_formula", sasc_task_choice_name("entropy_formula",
                      sasc_entropy_formula_of_program(r->task->entropy_formula, r->program)));
    json_field_string(&f, "compiler", info ? info->compiler : NULL);
    sasc_atomic_printf(&f, "  \"compile_seconds\": ");
    sasc_atomic_json_number(&f, info ? info->compile_seconds : NAN);
    sasc_atomic_printf(&f, ",\n");
    json_field_string(&f, "runtime_version", "sasc runtime " PACKAGE_VERSION);
    json_layers(r, &f);
    json_final_metrics(r, &f);
    sasc_atomic_printf(&f, "}\n");
    return sasc_atomic_commit(&f, r->error, sizeof r->error);
}

/* ---- the run ---- */

/* The end of a trained epoch, on the process that writes: the test pass,
 * the metrics, the analyses, the checkpoint and the progress line. */
static bool record_epoch(run *r, int epoch, epoch_metrics *m, double began)
{
    m->test_accuracy = epoch_test_accuracy(r);
    sasc_data_metrics_read(r->data, m->data_metrics);
    measure_sparsity(r, m->sparsity);
    m->seconds = sasc_seconds() - began;
    /* The checkpoint first: metrics.csv never lists an epoch that is not saved. */
    if (!save_checkpoint(r, epoch + 1, 0, 0.0, 0) || !write_snapshot(r, epoch + 1) || !write_metrics(r) ||
        !sasc_training_analyses_epoch(r->analyses, epoch, epoch + 1 == r->task->epochs,
                                      m->test_accuracy, r->error, sizeof r->error))
        return false;
    sasc_progress_epoch(&r->progress, epoch, m->train_loss, m->train_accuracy,
                        m->test_accuracy, m->seconds);
    return true;
}

/* Whether every rank's part of a stage succeeded (distributed.h): false on
 * all of them, with the first failing rank's message, when one failed. */
static bool ranks_agree(run *r, bool ok)
{
    return !r->ranks ||
           sasc_distributed_agree(r->ranks, ok ? 0 : SASC_EXIT_USER_ERROR, r->error,
                                  sizeof r->error) == 0;
}

static bool train_all(run *r)
{
    sasc_progress_start(&r->progress, r->writes ? stderr : NULL, r->task->epochs, r->steps,
                        r->shards.step_batch);
    for (int epoch = r->epochs_done; epoch < r->task->epochs; epoch++) {
        double began = sasc_seconds();
        epoch_metrics *m = &r->metrics[epoch];
        if (!train_epoch(r, epoch, m))
            return false;
        double bad;
        if (sasc_find_nonfinite_parameter(r->program, r->buffers, &bad) >= 0)
            return diverged(r, epoch, r->steps - 1, "a parameter is not finite");
        r->epochs_done = epoch + 1;
        if (!ranks_agree(r, !r->writes || record_epoch(r, epoch, m, began)))
            return false;
        if (stop_signal(r) != 0)
            return stop_early(r, epoch + 1, 0, 0.0, 0);
    }
    return true;
}

/* A run that stopped early still records what it did: run.json with the
 * finished epochs and why it stopped, and for an interruption the parameters
 * its checkpoint holds (so every analysis of the run works; a diverged run's
 * are not finite, its checkpoint keeps the last good state). The stop stays
 * the error reported, whether or not these writes succeed. */
static void record_stop(run *r)
{
    char message[sizeof r->error];
    memcpy(message, r->error, sizeof message);
    if (r->diverged)
        write_run_json(r, "diverged");
    else if (r->stopped_by && write_parameters(r))
        write_run_json(r, "interrupted");
    memcpy(r->error, message, sizeof message);
}

/* The ranks training with this process (distributed.h): every rank of
 * `group` takes part, so they agree on the model and settings before
 * anything can fail on one alone. */
static int open_ranks(run *r, sasc_transport *group)
{
    r->ranks = sasc_distributed_open(group, r->program, r->task, r->info && r->info->resume,
                                     r->error, sizeof r->error);
    r->writes = r->ranks ? sasc_distributed_writes(r->ranks) : sasc_transport_rank(group) == 0;
    return r->ranks ? SASC_EXIT_OK : SASC_EXIT_USER_ERROR;
}

/* Over MPI, rank 0 alone reads the checkpoint; the other ranks get what it
 * restored: the saved buffers and the position in training. */
static void share_restored_state(run *r)
{
    const sasc_program *p = r->program;
    for (int i = 0; i < p->buffer_count; i++)
        if (sasc_checkpoint_saves(p->buffers[i].role))
            sasc_distributed_share(r->ranks, r->buffers[i],
                                   sasc_buffer_elements(p, i) * (size_t)p->precision);
    struct { sasc_checkpoint_position place; int epochs_done; long updates; } state = {
        r->resume, r->epochs_done, r->updates};
    sasc_distributed_share(r->ranks, &state, sizeof state);
    if (!r->writes) {
        r->resume = state.place;
        r->resume.metrics = NULL;   /* rank 0's table: the other ranks keep no metrics */
        r->epochs_done = state.epochs_done;
        r->updates = state.updates;
    }
}

/* Continue from the checkpoint (rank 0 reads it) and write the first
 * metrics file; then every rank has the same state or all stop. */
static int start_training(run *r)
{
    bool resume = r->info && r->info->resume;
    bool ok = !r->writes ||
              ((!resume || (restore_checkpoint(r) &&
                            sasc_training_analyses_restore(r->analyses, r->epochs_done, r->error,
                                                           sizeof r->error))) &&
               (resume || write_snapshot(r, 0)) && write_metrics(r));
    if (!ranks_agree(r, ok))
        return SASC_EXIT_USER_ERROR;
    if (resume && sasc_distributed_size(r->ranks) > 1)
        share_restored_state(r);
    return SASC_EXIT_OK;
}

/* Every rank's communication per step, for run.json (collective). */
static void gather_traffic(run *r)
{
    int K = sasc_distributed_size(r->ranks);
    if (K == 1 || !(r->traffic = calloc((size_t)K, sizeof *r->traffic)))
        return;
    if (!sasc_distributed_traffic(r->ranks, r->traffic)) {
        free(r->traffic);
        r->traffic = NULL;
    }
}

static bool write_results(run *r)
{
    return write_parameters(r) && write_run_json(r, "completed") &&
           sasc_training_analyses_after(r->analyses, r->error, sizeof r->error);
}

int sasc_run_task(const sasc_program *program, const sasc_task *task, const sasc_run_info *info)
{
    run r = {.program = program, .task = task, .info = info, .start = sasc_seconds(),
             .directory = {-1}};
    sasc_transport *group = info && info->ranks ? info->ranks
                                                : sasc_transport_world(r.error, sizeof r.error);
    if (!group) {
        if (r.error[0] != '\0')
            fprintf(stderr, "sasc: error: %s\n", r.error);
        return SASC_EXIT_USER_ERROR;
    }
    int code = open_ranks(&r, group);
    if (code == SASC_EXIT_OK) {
        code = set_up(&r);
        if (code == SASC_EXIT_OK && r.writes && !(info && info->resume) &&
            !sasc_run_history_start(&r.history, info ? info->model_file : NULL, r.error, sizeof r.error))
            code = SASC_EXIT_USER_ERROR;
        if (r.ranks)
            code = sasc_distributed_agree(r.ranks, code, r.error, sizeof r.error);
    }
    sasc_checkpoint_catch_signals();
    if (code == SASC_EXIT_OK)
        code = start_training(&r);
    if (code == SASC_EXIT_OK && !train_all(&r)) {
        code = r.stopped_by ? 128 + r.stopped_by : SASC_EXIT_USER_ERROR;
        if (r.writes)
            record_stop(&r);
    }
    if (code == SASC_EXIT_OK)
        gather_traffic(&r);
    if (code == SASC_EXIT_OK && r.writes && !write_results(&r))
        code = SASC_EXIT_USER_ERROR;
    if (code != SASC_EXIT_OK && r.writes) {
        if (r.progress.live)
            fprintf(stderr, "\r\033[K");
        fprintf(stderr, "sasc: error: %s\n", r.error);
    } else if (code == SASC_EXIT_OK && r.writes) {
        sasc_progress_finish(&r.progress, task->out);
    }
    sasc_checkpoint_release_signals();
    sasc_checkpoint_position_free(&r.resume);
    sasc_run_history_free(&r.history);
    tear_down(&r);
    return code;
}

/* ---- a saved ensemble without training (sasc analyze) ---- */

/* Whether none of the run's parameter files exists: a run that diverged
 * before writing them (its checkpoint holds the last good state). */
static bool no_parameter_files(const sasc_program *p, const char *dir)
{
    for (int i = 0; i < p->buffer_count; i++) {
        char path[8192];
        struct stat status;
        snprintf(path, sizeof path, "%s/%s.npy", dir, p->buffers[i].name);
        if (p->buffers[i].role == SASC_BUFFER_PARAMETER && lstat(path, &status) == 0)
            return false;
    }
    return true;
}

/* The parameters a run saved (`from` SASC_SESSION_PARAMETERS): its
 * LAYER.pi/m/Xi.npy files, each of the right shape and with valid values;
 * only when there are none at all (a diverged run) its last checkpoint, and
 * it says so. A wrong or missing file among them is an error, never silently
 * replaced by the checkpoint. Or the checkpoint alone (SASC_SESSION_CHECKPOINT). */
static bool load_saved_parameters(run *r, const char *dir, sasc_session_parameters from)
{
    if (from == SASC_SESSION_CHECKPOINT)
        return sasc_checkpoint_read(dir, r->program, r->buffers, NULL, NULL, r->error,
                                    sizeof r->error);
    if (!no_parameter_files(r->program, dir))
        return sasc_parameters_load(r->program, r->buffers, dir, r->error, sizeof r->error);
    sasc_checkpoint_position place;
    if (!sasc_checkpoint_read(dir, r->program, r->buffers, NULL, &place, r->error, sizeof r->error))
        return false;
    fprintf(stderr, "sasc: note: %s has no parameter files (the run stopped before writing them); "
            "using its checkpoint, which holds epoch %d\n", dir, place.epochs_done);
    sasc_checkpoint_position_free(&place);
    return true;
}

struct sasc_session {
    run r;
    sasc_task task;      /* the caller's task, without epochs */
};

sasc_session *sasc_session_open(const sasc_program *program, const sasc_task *task,
                                const char *parameter_dir, sasc_session_parameters from,
                                char *error, size_t error_size)
{
    sasc_session *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(error, error_size, "out of memory opening the run");
        return NULL;
    }
    s->task = *task;
    s->task.epochs = 0;   /* only the test split is opened */
    s->r = (run){.program = program, .task = &s->task, .start = sasc_seconds(), .directory = {-1}};
    run *r = &s->r;
    sasc_mask_source saved_masks = {parameter_dir, NULL, 0};   /* the run's own copies */
    bool ok = sasc_program_validate(program, r->error, sizeof r->error);
    if (ok) {
        r->buffers = sasc_buffers_allocate(program, r->error, sizeof r->error);
        ok = r->buffers && open_shards(r) && open_data(r, false) && allocate_run_memory(r) &&
             sasc_initialize_from(program, r->buffers, task->seed, &saved_masks, r->error,
                                  sizeof r->error) &&
             load_saved_parameters(r, parameter_dir, from);
    }
    if (!ok) {
        snprintf(error, error_size, "%s", r->error);
        sasc_session_close(s);
        return NULL;
    }
    return s;
}

void *const *sasc_session_buffers(sasc_session *session)
{
    return session->r.buffers;
}

double sasc_session_accuracy(void *session)
{
    return test_accuracy(&((sasc_session *)session)->r);
}

bool sasc_session_test_pass(sasc_session *session, sasc_test_batch_fn visit, void *context,
                            char *error, size_t error_size)
{
    return host_test_pass(&session->r, visit, context, error, error_size);
}

sasc_analysis_host sasc_session_host(sasc_session *session)
{
    return run_host(&session->r);
}

void sasc_session_close(sasc_session *session)
{
    if (!session)
        return;
    tear_down(&session->r);
    free(session);
}
