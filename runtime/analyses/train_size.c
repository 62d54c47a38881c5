/*
 * train_size.c — the analysis "train_size": train the run's task again once
 * per size in train_sizes (through the host, which can train: this stage
 * never calls the training loop itself), then collect the last row of each
 * run's analysis.csv: test error against training-set size (gbp Fig. 2b),
 * sparsity and entropy per group (gbp Fig. 2b inset, Fig. 3c).
 */
#include "runtime/analyses/registry.h"
#include "runtime/support/input_file.h"
#include "runtime/support/output.h"
#include "runtime/support/plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- training-set size (gbp Fig. 2b, its inset, Fig. 3c) ---- */

/* The values of columns `names` in the last row of the CSV file `path`. */
static bool read_last_row(const char *path, const char *const *names, size_t count,
                          double *values, char *error, size_t error_size)
{
    char reason[256];
    FILE *f = sasc_input_fopen(path, reason, sizeof reason);
    if (!f) {
        snprintf(error, error_size, "cannot read %s: %s", path, reason);
        return false;
    }
    char header[65536], line[65536], last[65536] = "";
    bool ok = fgets(header, sizeof header, f) != NULL;
    while (ok && fgets(line, sizeof line, f))
        if (line[0] != '\n')
            memcpy(last, line, sizeof last);
    fclose(f);
    for (size_t i = 0; ok && i < count; i++) {
        values[i] = NAN;
        int column = 0;
        bool found = false;
        for (char *h = header; *h && !found; column++) {
            size_t length = strcspn(h, ",\n");
            found = length == strlen(names[i]) && strncmp(h, names[i], length) == 0;
            h += length + (h[length] != '\0');
        }
        const char *cell = last;
        for (int k = 1; found && k < column && cell; k++)
            cell = (cell = strchr(cell, ',')) ? cell + 1 : NULL;
        if (found && cell && last[0])
            values[i] = strtod(cell, NULL);
        else
            ok = false;
    }
    if (!ok)
        snprintf(error, error_size, "%s has no complete last row", path);
    return ok;
}

/* Results of one training-set size: error, sampled mean, sampled sd, then
 * sparsity and entropy per group. The host trains the run. */
static bool sweep_one(const sasc_analysis_context *c, long size, double *row, char *error,
                      size_t error_size)
{
    const sasc_program *program = c->program;
    const sasc_task *task = c->task;
    sasc_task sub = *task;
    sub.train = size;
    sub.analyze_every = sub.epochs > 0 ? sub.epochs : 1;
    sub.analyze[0] = '\0';
    int length = snprintf(sub.out, sizeof sub.out, "%s/train_size/T%ld", c->out, size);
    if (length < 0 || (size_t)length >= sizeof sub.out) {
        snprintf(error, error_size, "the output directory %s is too long", c->out);
        return false;
    }
    fprintf(stderr, "sasc: training with %ld images into %s\n", size, sub.out);
    if (c->host.train(c->host.context, &sub) != 0) {
        snprintf(error, error_size, "the run with train = %ld failed", size);
        return false;
    }
    size_t groups = (size_t)program->group_count, count = 3 + 2 * groups;
    char (*names)[128] = calloc(count, sizeof *names);
    const char **pointers = calloc(count, sizeof *pointers);
    bool ok = names && pointers;
    if (ok) {
        snprintf(names[0], sizeof names[0], "test_accuracy");
        snprintf(names[1], sizeof names[1], "sampled_accuracy_mean");
        snprintf(names[2], sizeof names[2], "sampled_accuracy_sd");
        for (size_t g = 0; g < groups; g++) {
            snprintf(names[3 + g], sizeof names[0], "sparsity_%s", program->groups[g].name);
            snprintf(names[3 + groups + g], sizeof names[0], "entropy_%s", program->groups[g].name);
        }
        for (size_t i = 0; i < count; i++)
            pointers[i] = names[i];
        char path[8192];
        snprintf(path, sizeof path, "%s/analysis.csv", sub.out);
        ok = read_last_row(path, pointers, count, row, error, error_size);
        row[0] = 1.0 - row[0];   /* accuracies to errors */
        row[1] = 1.0 - row[1];
    } else {
        snprintf(error, error_size, "out of memory in the train_size sweep");
    }
    free(names);
    free(pointers);
    return ok;
}

static size_t parse_sizes(const char *list, long *sizes, size_t capacity)
{
    size_t n = 0;
    for (const char *p = list; *p && n < capacity;) {
        char *end;
        long value = strtol(p, &end, 10);
        if (end == p || value <= 0 || (*end != ',' && *end != '\0'))
            return 0;
        sizes[n++] = value;
        p = *end ? end + 1 : end;
    }
    return n;
}

static bool write_sweep(const sasc_program *program, const char *out, const long *sizes,
                        size_t count, const double *rows, char *error, size_t error_size)
{
    size_t layers = (size_t)program->group_count, width = 3 + 2 * layers;
    char path[8192];
    snprintf(path, sizeof path, "%s/train_size.csv", out);
    sasc_atomic_file f;
    if (!sasc_atomic_open(&f, path, error, error_size))
        return false;
    sasc_atomic_printf(&f, "train,test_error,sampled_error_mean,sampled_error_sd");
    for (size_t l = 0; l < layers; l++)
        sasc_atomic_printf(&f, ",sparsity_%s", program->groups[l].name);
    for (size_t l = 0; l < layers; l++)
        sasc_atomic_printf(&f, ",entropy_%s", program->groups[l].name);
    sasc_atomic_printf(&f, "\n");
    for (size_t i = 0; i < count; i++) {
        sasc_atomic_printf(&f, "%ld", sizes[i]);
        for (size_t k = 0; k < width; k++) {
            sasc_atomic_printf(&f, ",");
            sasc_atomic_number(&f, rows[i * width + k]);
        }
        sasc_atomic_printf(&f, "\n");
    }
    return sasc_atomic_commit(&f, error, error_size);
}

/* Test error against size; sparsity and entropy against layer, one curve per size. */
static bool plot_sweep(const sasc_program *program, const sasc_task *task, const char *out,
                       const long *sizes, size_t count, const double *rows, char *error,
                       size_t error_size)
{
    size_t layers = (size_t)program->group_count, width = 3 + 2 * layers;
    double *data = malloc((4 * count + layers + 2 * count * layers + 1) * sizeof *data);
    sasc_plot_series *series = calloc(count + 2, sizeof *series);
    char (*labels)[32] = calloc(count + 1, sizeof *labels);
    bool ok = data && series && labels;
    if (!ok)
        snprintf(error, error_size, "out of memory plotting the train_size sweep");
    double *x = data, *mf = x + count, *mean = mf + count, *sd = mean + count;
    double *layer_x = sd + count, *per_layer = layer_x + layers;
    for (size_t i = 0; ok && i < count; i++) {
        x[i] = (double)sizes[i];
        mf[i] = rows[i * width];
        mean[i] = rows[i * width + 1];
        sd[i] = rows[i * width + 2];
    }
    char sampled[64], path[8192];
    snprintf(sampled, sizeof sampled, "%d sampled networks (mean +- sd)", task->sampled_networks);
    if (ok) {
        series[0] = (sasc_plot_series){sampled, x, mean, sd, count};
        series[1] = (sasc_plot_series){"mean-field network", x, mf, NULL, count};
        snprintf(path, sizeof path, "%s/train_size.svg", out);
        sasc_line_plot plot = {"Test error against training-set size", "training images T",
                               "test error", series, 2, SASC_SPREAD_ERROR_BARS, 0, 0};
        ok = sasc_plot_write_lines(&plot, path, error, error_size);
    }
    for (size_t l = 0; ok && l < layers; l++)
        layer_x[l] = (double)(l + 1);
    static const char *const quantity[2] = {"sparsity", "entropy"};
    static const char *const titles[2] = {"Sparsity per connection by layer",
                                          "Entropy per connection by layer"};
    for (int q = 0; ok && q < 2; q++) {
        for (size_t i = 0; i < count; i++) {
            double *values = per_layer + (q * count + i) * layers;
            for (size_t l = 0; l < layers; l++)
                values[l] = rows[i * width + 3 + q * layers + l];
            snprintf(labels[i], sizeof labels[i], "T = %ld", sizes[i]);
            series[i] = (sasc_plot_series){labels[i], layer_x, values, NULL, layers};
        }
        snprintf(path, sizeof path, "%s/train_size_%s.svg", out, quantity[q]);
        sasc_line_plot plot = {titles[q], "layer (connections into it, from the input)",
                               q ? "entropy per connection" : "sparsity (mean pi)", series, count,
                               SASC_SPREAD_NONE, 0, 0};
        ok = sasc_plot_write_lines(&plot, path, error, error_size);
    }
    free(data);
    free(series);
    free(labels);
    return ok;
}

static bool check_sizes(const sasc_task *task, long *sizes, size_t *count, char *error,
                        size_t error_size)
{
    *count = parse_sizes(task->train_sizes, sizes, 64);
    if (*count > 0)
        return true;
    snprintf(error, error_size, "train_sizes must be a comma list of positive integers, got '%s'",
             task->train_sizes);
    return false;
}

static bool run_train_size(sasc_analysis_context *c)
{
    const sasc_program *program = c->program;
    long sizes[64];
    size_t count;
    if (!check_sizes(c->task, sizes, &count, c->error, c->error_size))
        return false;
    if (!c->host.train) {
        snprintf(c->error, c->error_size, "the train_size analysis cannot train here");
        return false;
    }
    size_t width = 3 + 2 * (size_t)program->group_count;
    double *rows = calloc(count * width + 1, sizeof *rows);
    bool ok = rows != NULL;
    if (!ok)
        snprintf(c->error, c->error_size, "out of memory in the train_size sweep");
    for (size_t i = 0; ok && i < count; i++)
        ok = sweep_one(c, sizes[i], rows + i * width, c->error, c->error_size);
    ok = ok && write_sweep(program, c->out, sizes, count, rows, c->error, c->error_size) &&
         plot_sweep(program, c->task, c->out, sizes, count, rows, c->error, c->error_size);
    free(rows);
    return ok;
}

const sasc_analysis_desc sasc_analysis_train_size = {
    .name = "train_size",
    .summary = "retrain with each of train_sizes; test error against size",
    .outputs = "train_size.csv, train_size.svg, train_size_sparsity.svg, train_size_entropy.svg, "
               "train_size/T<size>/ (each run)",
    .when = SASC_ON_SAVED_RUN,
    .run = run_train_size,
};
