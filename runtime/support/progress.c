/*
 * progress.c — the live progress line and the per-epoch log lines.
 */
#include "runtime/support/progress.h"

#include <math.h>
#include <time.h>
#include <unistd.h>

enum { REDRAWS_PER_SECOND = 10 };

double sasc_seconds(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + 1e-9 * (double)now.tv_nsec;
}

void sasc_progress_start(sasc_progress *progress, FILE *stream, int epochs, int steps, int batch)
{
    progress->stream = stream;
    progress->live = stream && isatty(fileno(stream));
    progress->epochs = epochs;
    progress->steps = steps;
    progress->batch = batch;
    progress->start = sasc_seconds();
    progress->last_draw = 0;
    progress->steps_done = 0;
}

/* "m:ss" or "h:mm:ss". */
static void format_duration(double seconds, char *out, size_t size)
{
    long s = seconds > 0 && seconds < 1e9 ? (long)(seconds + 0.5) : 0;
    if (s >= 3600)
        snprintf(out, size, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(out, size, "%ld:%02ld", s / 60, s % 60);
}

void sasc_format_seconds(double seconds, char *out, size_t size)
{
    if (!(seconds > 0) || !isfinite(seconds)) {
        snprintf(out, size, "0 ms");
    } else if (seconds < 1e-6) {
        snprintf(out, size, "< 0.001 ms");
    } else if (seconds < 0.9995) {
        snprintf(out, size, "%.3g ms", seconds * 1e3);
    } else if (seconds < 59.95) {
        snprintf(out, size, "%.3g s", seconds);
    } else if (seconds < 3599.5) {
        long s = (long)(seconds + 0.5);
        snprintf(out, size, "%ld min %02ld s", s / 60, s % 60);
    } else {
        double minutes = seconds / 60 + 0.5;
        long m = minutes < 1e15 ? (long)minutes : 999999999999999L;
        snprintf(out, size, "%ld h %02ld min", m / 60, m % 60);
    }
}

void sasc_progress_step(sasc_progress *progress, int epoch, int step, double loss, double accuracy)
{
    progress->steps_done++;
    if (!progress->live)
        return;
    double now = sasc_seconds();
    if (now - progress->last_draw < 1.0 / REDRAWS_PER_SECOND)
        return;
    progress->last_draw = now;
    double elapsed = now - progress->start;
    double rate = elapsed > 0 ? (double)progress->steps_done * progress->batch / elapsed : 0;
    long steps_left = (long)progress->epochs * progress->steps - progress->steps_done;
    char eta[32];
    format_duration(rate > 0 ? (double)steps_left * progress->batch / rate : 0, eta, sizeof eta);
    fprintf(progress->stream,
            "\r\033[Kepoch %d/%d  batch %d/%d  loss %.4f  acc %.3f  %.0f samples/s  ETA %s",
            epoch + 1, progress->epochs, step + 1, progress->steps, loss, accuracy, rate, eta);
    fflush(progress->stream);
}

void sasc_progress_epoch(sasc_progress *progress, int epoch, double train_loss,
                         double train_accuracy, double test_accuracy, double seconds)
{
    if (!progress->stream)
        return;
    if (progress->live)
        fprintf(progress->stream, "\r\033[K");
    char took[32];
    sasc_format_seconds(seconds, took, sizeof took);
    fprintf(progress->stream, "epoch %d/%d: train_loss %.4g train_acc %.4g test_acc %.4g (%s)\n",
            epoch + 1, progress->epochs, train_loss, train_accuracy, test_accuracy, took);
    fflush(progress->stream);
    progress->last_draw = 0;
}

void sasc_progress_finish(sasc_progress *progress, const char *out_directory)
{
    if (!progress->stream)
        return;
    if (progress->live)
        fprintf(progress->stream, "\r\033[K");
    fprintf(progress->stream, "results in %s/\n", out_directory);
    fflush(progress->stream);
}
