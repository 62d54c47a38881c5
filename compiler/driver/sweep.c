/*
 * sweep.c — `sasc sweep FILE [TASK] --over KEY=V1,V2,...`: every point of a
 * sweep (runtime/settings/sweep.h) trained into its own run directory under
 * the sweep's, then the sweep's report (runtime/analyses/sweep_report.h).
 *
 *   1. the task, with --set, is the base of every point; each point adds
 *      its values and its directory DIR/POINT;
 *   2. DIR/sweep.json records the sweep; a directory holding another sweep
 *      is refused, so that two sweeps never mix their points;
 *   3. points already completed are skipped, interrupted ones resumed from
 *      their checkpoints (a sweep continues after Ctrl-C or a crash);
 *   4. each distinct program (ir_signature) is compiled once;
 *   5. points run --jobs at a time, each in a child process of its own
 *      (its console output in DIR/POINT.log), or one after the other
 *      in this process with --jobs 1; under mpirun (K ranks), rank r
 *      trains points r, r + K, r + 2K, ... in its process, each point on
 *      its rank alone, and rank 0 writes the report once all are done;
 *   6. the report is written from the points' files.
 *
 * Results of a point depend on its settings only (never on --jobs or
 * threads), so a sweep gives the same bytes however it is run.
 */
#include "compiler/driver/commands_internal.h"
#include "compiler/driver/run_plan.h"
#include "compiler/ir/signature.h"
#include "runtime/analyses/sweep_report.h"
#include "runtime/kernels/gemm.h"
#include "runtime/settings/sweep.h"
#include "runtime/support/output.h"
#include "runtime/support/transport.h"
#include "runtime/train/train.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { NAME_SIZE = 256 };

typedef struct {
    char *signature;
    ir_program program;
    compiled_model *compiled;
    double compile_seconds;
} sweep_shape;

typedef struct {
    char name[NAME_SIZE];
    sasc_task task;
    sasc_point_status before;   /* when the sweep started */
    int shape;                  /* -1 when completed already */
    int status;                 /* exit status of its run, -1 until run */
} sweep_point;

typedef struct {
    invocation *call;
    pipeline state;
    sasc_task base;
    int model;
    char dir[sizeof ((sasc_task *)0)->out];
    sasc_sweep sweep;
    sweep_point *points;
    long count;
    sweep_shape *shapes;
    int shape_count;
    bool claimed;               /* the directory is this sweep's (sweep.json) */
    sasc_transport *world;      /* the ranks of an MPI launch, or this process alone */
    sasc_transport *alone;      /* this rank by itself: every point trains on one rank */
    int rank, ranks;
} sweep_run;

static int fail(const char *format, const char *detail)
{
    fprintf(stderr, "sasc: error: ");
    fprintf(stderr, format, detail);
    fprintf(stderr, "\n");
    return SASC_EXIT_USER_ERROR;
}

/* ---- the sweep and its points ---- */

/* Was `out` given (in the task block, or by --set/--out)? */
static bool out_given(const invocation *call, const sasc_task *task_of_file)
{
    if (task_of_file->out[0] != '\0')
        return true;
    for (int i = 0; i < call->settings.count; i++)
        if (strncmp(call->settings.settings[i], "out=", 4) == 0)
            return true;
    return false;
}

static int define_sweep(sweep_run *s)
{
    invocation *call = s->call;
    sasc_task of_file;
    invocation without_settings = *call;
    without_settings.settings = (sasc_settings_list){0};
    int status = pipeline_choose_task(&without_settings, &s->state, &of_file, &s->model);
    if (status == SASC_EXIT_OK)
        status = pipeline_choose_task(call, &s->state, &s->base, &s->model);
    if (status != SASC_EXIT_OK)
        return status;
    if (out_given(call, &of_file))
        snprintf(s->dir, sizeof s->dir, "%s", s->base.out);
    else
        snprintf(s->dir, sizeof s->dir, "runs/%s-%s-sweep", s->base.model, s->base.name);
    if (call->over_count == 0)
        return fail("%s", "'sasc sweep' needs at least one --over KEY=VALUE,VALUE,... (e.g. --over seed=1,2,3)");
    s->sweep.combine = call->zip ? SASC_SWEEP_ZIP : SASC_SWEEP_GRID;
    char error[ERROR_SIZE];
    for (int i = 0; i < call->over_count; i++)
        if (!sasc_sweep_add_option(&s->sweep, &s->base, call->over[i], error, sizeof error))
            return fail("%s", error);
    if (!sasc_sweep_check(&s->sweep, error, sizeof error))
        return fail("%s", error);
    return SASC_EXIT_OK;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(((const sweep_point *)a)->name, ((const sweep_point *)b)->name);
}

/* Two points with one directory would mix their files. */
static int check_unique_names(const sweep_run *s)
{
    sweep_point *sorted = malloc((size_t)s->count * sizeof *sorted);
    if (!sorted)
        return SASC_EXIT_INTERNAL_ERROR;
    memcpy(sorted, s->points, (size_t)s->count * sizeof *sorted);
    qsort(sorted, (size_t)s->count, sizeof *sorted, compare_names);
    int status = SASC_EXIT_OK;
    for (long p = 1; p < s->count && status == SASC_EXIT_OK; p++)
        if (strcmp(sorted[p - 1].name, sorted[p].name) == 0)
            status = fail("two points of the sweep would share the directory '%s'; choose values that "
                          "differ in letters, digits, '.', '+' or '-'", sorted[p].name);
    free(sorted);
    return status;
}

/* Points run one thread each when several run at once, else as the task says. */
static int point_threads(const sweep_run *s, int jobs)
{
    return jobs > 1 ? 1 : s->base.threads;
}

static int make_points(sweep_run *s, int jobs)
{
    s->count = sasc_sweep_point_count(&s->sweep);
    s->points = calloc((size_t)s->count, sizeof *s->points);
    if (!s->points)
        return SASC_EXIT_INTERNAL_ERROR;
    char error[ERROR_SIZE];
    for (long p = 0; p < s->count; p++) {
        sweep_point *point = &s->points[p];
        point->task = s->base;
        point->shape = -1;
        point->status = -1;
        if (!sasc_sweep_apply_point(&s->sweep, p, &point->task, error, sizeof error))
            return fail("%s", error);
        point->task.threads = point_threads(s, jobs);
        if (!sasc_sweep_point_name(&s->sweep, p, point->name, sizeof point->name) ||
            snprintf(point->task.out, sizeof point->task.out, "%s/%s", s->dir, point->name) >=
                (int)sizeof point->task.out)
            return fail("the directory of sweep point %s is too long", point->name);
        point->before = sasc_sweep_point_status(point->task.out);
    }
    return check_unique_names(s);
}

/* ---- sweep.json: which sweep owns the directory ---- */

/* The sweep's definition: the base task's settings (all but where it
 * goes and how many threads) and the swept values. */
static char *definition(const sweep_run *s)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    if (!out)
        return NULL;
    fprintf(out, "{\n  \"model_file\": ");
    char quoted[8192];
    sasc_json_quote(s->call->file, quoted, sizeof quoted);
    fprintf(out, "%s,\n  \"combine\": \"%s\",\n  \"base\": {", quoted,
            s->sweep.combine == SASC_SWEEP_ZIP ? "zip" : "grid");
    int count = 0;
    const sasc_setting_info *settings = sasc_task_settings(&count);
    for (int i = 0, written = 0; i < count; i++) {
        if (strcmp(settings[i].key, "out") == 0 || strcmp(settings[i].key, "threads") == 0)
            continue;
        char value[1024];
        sasc_task_value_json(&s->base, &settings[i], value, sizeof value);
        fprintf(out, "%s\n    \"%s\": %s", written++ ? "," : "", settings[i].key, value);
    }
    fprintf(out, "\n  },\n  \"over\": [");
    for (int a = 0; a < s->sweep.axis_count; a++) {
        const sasc_sweep_axis *axis = &s->sweep.axes[a];
        fprintf(out, "%s\n    {\"key\": \"%s\", \"values\": [", a ? "," : "", axis->key);
        for (int v = 0; v < axis->count; v++) {
            sasc_json_quote(axis->values[v], quoted, sizeof quoted);
            fprintf(out, "%s%s", v ? ", " : "", quoted);
        }
        fprintf(out, "]}");
    }
    fprintf(out, "\n  ]\n}\n");
    if (fclose(out) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

static int claim_directory(sweep_run *s)
{
    char *mine = definition(s), path[sizeof s->dir + 16], error[ERROR_SIZE];
    if (!mine)
        return SASC_EXIT_INTERNAL_ERROR;
    snprintf(path, sizeof path, "%s/sweep.json", s->dir);
    char *theirs = sasc_read_file(path, NULL);
    int status = SASC_EXIT_OK;
    if (theirs && strcmp(theirs, mine) != 0)
        status = fail("%s holds another sweep (its sweep.json differs: another file, task, setting or "
                      "list of values); give this one its own --out DIR", s->dir);
    else if (!theirs && (!sasc_make_directories(s->dir, error, sizeof error) ||
                         !sasc_write_file_atomically(path, mine, strlen(mine), error, sizeof error)))
        status = fail("%s", error);
    free(theirs);
    free(mine);
    s->claimed = status == SASC_EXIT_OK;
    return status;
}

/* ---- compiling each distinct program once ---- */

static int find_or_add_shape(sweep_run *s, ir_program *program, int *shape)
{
    char *signature = ir_signature(program);
    if (!signature)
        return SASC_EXIT_INTERNAL_ERROR;
    for (int k = 0; k < s->shape_count; k++)
        if (strcmp(s->shapes[k].signature, signature) == 0) {
            free(signature);
            ir_program_free(program);
            *shape = k;
            return SASC_EXIT_OK;
        }
    sweep_shape *grown = realloc(s->shapes, (size_t)(s->shape_count + 1) * sizeof *grown);
    if (!grown) {
        free(signature);
        ir_program_free(program);
        return SASC_EXIT_INTERNAL_ERROR;
    }
    s->shapes = grown;
    s->shapes[s->shape_count] = (sweep_shape){ .signature = signature, .program = *program };
    *shape = s->shape_count++;
    return SASC_EXIT_OK;
}

static int compile_points(sweep_run *s)
{
    for (long p = 0; p < s->count; p++) {
        sweep_point *point = &s->points[p];
        if (point->before == SASC_POINT_COMPLETED || p % s->ranks != s->rank)
            continue;   /* done already, or another rank's */
        ir_program program;
        int status = pipeline_lower(&s->state, s->model, &point->task, &program);
        char error[ERROR_SIZE];
        if (status == SASC_EXIT_OK && !plan_check_task(&program, &point->task, error, sizeof error)) {
            ir_program_free(&program);
            return fail("%s", error);
        }
        if (status == SASC_EXIT_OK)
            status = find_or_add_shape(s, &program, &point->shape);
        else
            ir_program_free(&program);
        if (status != SASC_EXIT_OK)
            return status;
    }
    for (int k = 0; k < s->shape_count; k++) {
        char error[ERROR_SIZE];
        pipeline timer = {0};
        clock_gettime(CLOCK_MONOTONIC, &timer.start);
        s->shapes[k].compiled = codegen_jit(&s->shapes[k].program, error, sizeof error);
        s->shapes[k].compile_seconds = pipeline_seconds(&timer);
        if (!s->shapes[k].compiled) {
            fprintf(stderr, "sasc: internal error: %s\n", error);
            return SASC_EXIT_INTERNAL_ERROR;
        }
    }
    return SASC_EXIT_OK;
}

/* ---- running the points ---- */

static int run_point(const sweep_run *s, const sweep_point *point)
{
    const sweep_shape *shape = &s->shapes[point->shape];
    char compiler[128];
    pipeline_compiler_string(compiler, sizeof compiler);
    sasc_run_info info = {.model_file = s->call->file, .source_text = s->state.text, .compiler = compiler,
                          .compile_seconds = shape->compile_seconds,
                          .resume = point->before == SASC_POINT_INTERRUPTED, .ranks = s->alone};
    return sasc_run_task(compiled_model_program(shape->compiled), &point->task, &info);
}

static volatile sig_atomic_t sweep_stop = 0;

static void on_stop(int number)
{
    sweep_stop = number;
}

/* The child's stdout and stderr go to DIR/POINT.log (appended), beside
 * the point's run directory, which belongs to the run alone. */
static bool redirect_to_log(const sweep_run *s, const sweep_point *point)
{
    char error[ERROR_SIZE], path[sizeof point->task.out + 16];
    if (!sasc_make_directories(s->dir, error, sizeof error))
        return false;
    snprintf(path, sizeof path, "%s.log", point->task.out);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        return false;
    bool ok = dup2(fd, STDOUT_FILENO) >= 0 && dup2(fd, STDERR_FILENO) >= 0;
    close(fd);
    return ok;
}

static pid_t start_point(const sweep_run *s, const sweep_point *point)
{
    fflush(NULL);
    sasc_gemm_park_threads();   /* no BLAS worker may be mid-product in the copy */
    pid_t child = fork();
    if (child == 0) {
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        int status = redirect_to_log(s, point) ? run_point(s, point) : SASC_EXIT_USER_ERROR;
        fflush(NULL);
        _exit(status);
    }
    return child;
}

static void report_point(const sweep_run *s, long done, const sweep_point *point)
{
    const char *what = point->status == SASC_EXIT_OK ? "completed"
                     : point->status == 130 || point->status == 143 ? "interrupted (resumable)"
                     : "failed";
    fprintf(stderr, "sweep: [%ld/%ld] %s: %s", done, s->count, point->name, what);
    if (point->status != SASC_EXIT_OK && point->status != 130 && point->status != 143)
        fprintf(stderr, " (exit %d; see %s.log)", point->status, point->task.out);
    fprintf(stderr, "\n");
}

static long count_done(const sweep_run *s)
{
    long done = 0;
    for (long p = 0; p < s->count; p++)
        done += s->points[p].shape < 0 || s->points[p].status >= 0;
    return done;
}

/* Every pending point, `jobs` child processes at a time. */
static void run_in_children(sweep_run *s, int jobs)
{
    pid_t *running = calloc((size_t)jobs, sizeof *running);
    long *which = calloc((size_t)jobs, sizeof *which);
    if (!running || !which) {
        free(running);
        free(which);
        return;
    }
    long next = 0;
    int active = 0;
    bool forwarded = false;
    for (;;) {
        while (!sweep_stop && active < jobs && next < s->count) {
            sweep_point *point = &s->points[next];
            if (point->shape >= 0) {
                pid_t child = start_point(s, point);
                if (child < 0) {
                    point->status = SASC_EXIT_INTERNAL_ERROR;
                    report_point(s, count_done(s), point);
                } else {
                    int slot = 0;
                    while (running[slot] != 0)
                        slot++;
                    running[slot] = child;
                    which[slot] = next;
                    active++;
                }
            }
            next++;
        }
        if (active == 0)
            break;
        /* A stop signal sent to this process alone (not to its group, as a
         * terminal's Ctrl-C is) reaches the running points too: each saves
         * its checkpoint and stops. */
        if (sweep_stop && !forwarded) {
            for (int slot = 0; slot < jobs; slot++)
                if (running[slot] > 0)
                    kill(running[slot], sweep_stop);
            forwarded = true;
        }
        int wstatus = 0;
        pid_t child = waitpid(-1, &wstatus, 0);
        if (child < 0 && errno == EINTR)
            continue;
        if (child < 0)
            break;
        for (int slot = 0; slot < jobs; slot++)
            if (running[slot] == child) {
                sweep_point *point = &s->points[which[slot]];
                point->status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus)
                              : 128 + (WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0);
                running[slot] = 0;
                active--;
                report_point(s, count_done(s), point);
            }
    }
    free(running);
    free(which);
}

static void run_here(sweep_run *s)
{
    for (long p = s->rank; p < s->count && !sweep_stop; p += s->ranks) {
        sweep_point *point = &s->points[p];
        if (point->shape < 0)
            continue;
        fprintf(stderr, "sweep: [%ld/%ld] %s\n", count_done(s) + 1, s->count, point->name);
        point->status = run_point(s, point);
        if (point->status == 130 || point->status == 143)
            sweep_stop = point->status == 130 ? SIGINT : SIGTERM;
        report_point(s, count_done(s), point);
    }
}

static int online_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

static int run_points(sweep_run *s, int jobs)
{
    long pending = 0, skipped = 0;
    for (long p = 0; p < s->count; p++) {
        pending += s->points[p].shape >= 0;
        skipped += s->points[p].shape < 0;
    }
    fprintf(stderr, "sweep: %ld points in %s (%ld completed before, %d program%s compiled)\n", s->count,
            s->dir, skipped, s->shape_count, s->shape_count == 1 ? "" : "s");
    struct sigaction action, previous[2];
    memset(&action, 0, sizeof action);
    action.sa_handler = on_stop;
    sigemptyset(&action.sa_mask);
    sweep_stop = 0;
    if (jobs > 1 && pending > 1 && s->ranks == 1) {   /* the children catch their own signals */
        sigaction(SIGINT, &action, &previous[0]);
        sigaction(SIGTERM, &action, &previous[1]);
        run_in_children(s, jobs);
        sigaction(SIGINT, &previous[0], NULL);
        sigaction(SIGTERM, &previous[1], NULL);
    } else {
        run_here(s);
    }
    int failed = 0, interrupted = 0;
    for (long p = 0; p < s->count; p++) {
        int status = s->points[p].status;
        interrupted += status == 130 || status == 143 || (s->points[p].shape >= 0 && status < 0 &&
                                                          p % s->ranks == s->rank);
        failed += status > 0 && status != 130 && status != 143;
    }
    if (interrupted > 0) {
        fprintf(stderr, "sweep: stopped with %d point%s not done; run the same command again to "
                "continue\n", interrupted, interrupted == 1 ? "" : "s");
        return sweep_stop == SIGTERM ? 143 : 130;
    }
    if (failed > 0) {
        fprintf(stderr, "sasc: error: %d point%s of the sweep failed (see sweep.csv and each point's "
                "POINT.log)\n", failed, failed == 1 ? "" : "s");
        return SASC_EXIT_USER_ERROR;
    }
    return SASC_EXIT_OK;
}

/* The first non-zero status in rank order, on every rank (a chain there
 * and back over the transport's one primitive): a barrier that also says
 * whether every rank's part succeeded. */
static int agree(const sweep_run *s, int status)
{
    if (s->ranks == 1)
        return status;
    int so_far = status, result;
    if (s->rank > 0) {
        sasc_transport_exchange(s->world, SASC_NO_RANK, NULL, 0, s->rank - 1, &so_far, sizeof so_far);
        so_far = so_far != 0 ? so_far : status;
    }
    if (s->rank < s->ranks - 1)
        sasc_transport_exchange(s->world, s->rank + 1, &so_far, sizeof so_far, SASC_NO_RANK, NULL, 0);
    result = so_far;
    if (s->rank < s->ranks - 1)
        sasc_transport_exchange(s->world, SASC_NO_RANK, NULL, 0, s->rank + 1, &result, sizeof result);
    if (s->rank > 0)
        sasc_transport_exchange(s->world, s->rank - 1, &result, sizeof result, SASC_NO_RANK, NULL, 0);
    return result;
}

static int open_ranks(sweep_run *s)
{
    char error[ERROR_SIZE];
    s->world = sasc_transport_world(error, sizeof error);
    if (!s->world)
        return fail("%s", error);
    s->rank = sasc_transport_rank(s->world);
    s->ranks = sasc_transport_size(s->world);
    s->alone = sasc_transport_split(s->world, s->rank, 0, error, sizeof error);
    return s->alone ? SASC_EXIT_OK : fail("%s", error);
}

static void sweep_free(sweep_run *s)
{
    for (int k = 0; k < s->shape_count; k++) {
        if (s->shapes[k].compiled)
            compiled_model_free(s->shapes[k].compiled);
        ir_program_free(&s->shapes[k].program);
        free(s->shapes[k].signature);
    }
    free(s->shapes);
    free(s->points);
    sasc_sweep_free(&s->sweep);
    sasc_transport_close(s->alone);
    pipeline_free(&s->state);
}

int command_sweep(invocation *call)
{
    sweep_run s = {.call = call};
    int status = open_ranks(&s);
    /* under mpirun every rank trains its points in its own process, one thread per rank and core */
    int jobs = s.ranks > 1 ? 1 : call->jobs > 0 ? call->jobs : online_cores();
    if (status == SASC_EXIT_OK)
        status = pipeline_front_end(call, &s.state);
    if (status == SASC_EXIT_OK)
        status = define_sweep(&s);
    if (status == SASC_EXIT_OK)
        status = make_points(&s, s.ranks > 1 ? 2 : jobs);
    if (status == SASC_EXIT_OK && s.rank == 0)
        status = claim_directory(&s);
    if (s.world)
        status = agree(&s, status);   /* the others wait for rank 0's claim */
    if (status == SASC_EXIT_OK)
        status = compile_points(&s);
    if (status == SASC_EXIT_OK)
        status = run_points(&s, jobs);
    if (s.world)
        status = agree(&s, status);   /* every point of every rank is done */
    s.claimed = s.claimed && s.rank == 0;
    char error[ERROR_SIZE];
    if (s.claimed && status != SASC_EXIT_INTERNAL_ERROR &&
        !sasc_sweep_write_report(&s.sweep, s.dir, error, sizeof error)) {
        fprintf(stderr, "sasc: error: %s\n", error);
        status = status == SASC_EXIT_OK ? SASC_EXIT_USER_ERROR : status;
    } else if (status == SASC_EXIT_OK && s.rank == 0) {
        fprintf(stderr, "sweep: results in %s/ (sweep.csv, summary.csv, sweep_*.svg)\n", s.dir);
    }
    sweep_free(&s);
    return status;
}

/* ---- sasc analyze SWEEP_DIR WHAT ---- */

int command_analyze_sweep(invocation *call)
{
    char error[ERROR_SIZE];
    if (call->task == NULL)
        return user_error("%s", "'sasc analyze' needs RUN_DIR and WHAT (histograms, entropy, "
                          "perturbation, dynamics, selectivity, psychometric, train_size or all)");
    sasc_point_list points;
    if (!sasc_point_list_read(call->file, &points, error, sizeof error))
        return fail("%s", error);
    int status = SASC_EXIT_OK;
    long analysed = 0;
    for (long p = 0; p < points.count && status == SASC_EXIT_OK; p++) {
        char dir[8192];
        snprintf(dir, sizeof dir, "%s/%s", points.dir, points.names[p]);
        if (sasc_sweep_point_status(dir) != SASC_POINT_COMPLETED)
            continue;
        fprintf(stderr, "sweep: analysing %s\n", points.names[p]);
        invocation one = *call;
        one.file = dir;
        if (!invocation_copy_settings(&call->settings, &one.settings)) {
            status = SASC_EXIT_INTERNAL_ERROR;
            break;
        }
        status = command_analyze_run(&one);   /* it merges the run's own settings into the copy */
        sasc_settings_list_free(&one.settings);
        analysed++;
    }
    int tables = 0;
    if (status == SASC_EXIT_OK && analysed == 0)
        status = fail("%s has no completed point to analyse", call->file);
    if (status == SASC_EXIT_OK && !sasc_sweep_aggregate_tables(&points, &tables, error, sizeof error))
        status = fail("%s", error);
    if (status == SASC_EXIT_OK)
        fprintf(stderr, "sweep: %ld points analysed; %d table%s aggregated over seeds in %s/analysis/\n",
                analysed, tables, tables == 1 ? "" : "s", points.dir);
    sasc_point_list_free(&points);
    return status;
}
