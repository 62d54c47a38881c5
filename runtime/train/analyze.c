/*
 * analyze.c — `sasc analyze` on a saved run (see analyze.h).
 */
#include "runtime/train/analyze.h"
#include "runtime/analyses/registry.h"
#include "runtime/train/session.h"

#include <stdio.h>

/* The host the analyses see: the session's test pass and accuracies, and
 * training for train_size. */
typedef struct {
    sasc_analysis_host session;
    const sasc_program *program;
    const sasc_run_info *info;
    int failed_run;                /* the exit code of a run that failed, or 0 */
} saved_run_host;

static double accuracy(void *context)
{
    saved_run_host *h = context;
    return h->session.accuracy(h->session.context);
}

static double dynamic_accuracy(void *context)
{
    saved_run_host *h = context;
    return h->session.dynamic_accuracy(h->session.context);
}

static bool test_pass(void *context, sasc_test_batch_fn visit, void *visit_context, char *error,
                      size_t error_size)
{
    saved_run_host *h = context;
    return h->session.test_pass(h->session.context, visit, visit_context, error, error_size);
}

/* A new run in its own directory under the analysis's (train_size's
 * OUT/train_size/T<size>): an earlier sweep's run there is replaced. */
static int train(void *context, const sasc_task *task)
{
    saved_run_host *h = context;
    sasc_run_info own = h->info ? *h->info : (sasc_run_info){0};
    own.resume = false;
    own.force = true;
    int code = sasc_run_task(h->program, task, &own);
    if (code != SASC_EXIT_OK)
        h->failed_run = code;
    return code;
}

int sasc_analyze_run(const sasc_program *program, const sasc_task *task, const char *run_dir,
                     const char *what, const sasc_run_info *info)
{
    char error[8192] = "";
    bool ok = sasc_saved_analyses_check(program, task, what, error, sizeof error);
    sasc_session *session = ok ? sasc_session_open(program, task, run_dir, SASC_SESSION_PARAMETERS,
                                                   error, sizeof error)
                               : NULL;
    saved_run_host h = {.program = program, .info = info};
    if (session) {
        h.session = sasc_session_host(session);
        sasc_analysis_host host = {&h, accuracy, h.session.dynamic_accuracy ? dynamic_accuracy : NULL,
                                   test_pass, train};
        ok = sasc_saved_analyses_run(program, task, sasc_session_buffers(session), &host, what,
                                     error, sizeof error);
    }
    ok = ok && session;
    sasc_session_close(session);
    if (!ok && error[0])
        fprintf(stderr, "sasc: error: %s\n", error);
    else if (ok)
        fprintf(stderr, "sasc: analyses in %s/\n", task->out);
    return ok ? SASC_EXIT_OK : h.failed_run ? h.failed_run : SASC_EXIT_USER_ERROR;
}
