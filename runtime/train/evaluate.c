/*
 * evaluate.c — `sasc eval` on a saved run (see evaluate.h).
 */
#include "runtime/train/evaluate.h"
#include "runtime/ensemble/sampling.h"
#include "runtime/train/session.h"

#include <stdlib.h>

static void print_accuracies(FILE *out, double mean_field, const double *each, int networks)
{
    fprintf(out, "network,test_accuracy\nmean_field,%.9g\n", mean_field);
    for (int k = 0; k < networks; k++)
        fprintf(out, "sample_%d,%.9g\n", k + 1, each[k]);
    if (networks > 0) {
        double mean, sd;
        sasc_mean_sd(each, (size_t)networks, &mean, &sd);
        fprintf(out, "sampled_mean,%.9g\nsampled_sd,%.9g\n", mean, sd);
    }
}

bool sasc_evaluate_run(const sasc_program *program, const sasc_task *task, const char *run_dir,
                       FILE *out, char *error, size_t error_size)
{
    int networks = task->sampled_networks > 0 ? task->sampled_networks : 0;
    double *each = malloc(((size_t)networks + 1) * sizeof *each);
    if (!each) {
        snprintf(error, error_size, "out of memory evaluating %d networks", networks);
        return false;
    }
    sasc_session *session = sasc_session_open(program, task, run_dir, SASC_SESSION_CHECKPOINT,
                                              error, error_size);
    bool ok = session != NULL;
    double mean_field = ok ? sasc_session_accuracy(session) : 0, mean, sd;
    if (ok && networks > 0)
        ok = sasc_sampled_accuracy(program, sasc_session_buffers(session), networks, task->seed, 0,
                                   sasc_session_accuracy, session, &mean, &sd, each, error,
                                   error_size);
    if (ok)
        print_accuracies(out, mean_field, each, networks);
    sasc_session_close(session);
    free(each);
    return ok;
}
