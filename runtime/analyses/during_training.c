/*
 * during_training.c — the analysis "training": the record over training of
 * what the ensemble reveals (`analyze_every = k`), written as analysis.csv
 * plus SVG figures next to metrics.csv after every k-th epoch and the last
 * (docs/analyses.md). The statistics are statistics.h's, group by group.
 */
#include "runtime/analyses/registry.h"
#include "runtime/analyses/statistics.h"
#include "runtime/ensemble/dynamic.h"
#include "runtime/support/input_file.h"
#include "runtime/support/output.h"
#include "runtime/support/plot.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- the record over training ---- */

typedef struct {
    int epoch;                      /* 1-based */
    double accuracy;                /* mean-field test accuracy */
    double sampled_mean, sampled_sd;
    double dynamic_mean, dynamic_sd; /* networks resampled every step (NaN when not measured) */
    sasc_group_statistics *groups;  /* group_count entries */
} analysis_row;

typedef struct {
    const sasc_program *program;
    const sasc_task *task;
    const char *out;
    analysis_row *rows;
    int row_count, row_capacity;
    bool dynamic;                   /* the rows have the dynamic network's columns */
} training_record;

/* Whether the networks resampled at every step are measured: the host can
 * run predict_dynamic and the task asks for such networks. */
static bool measures_dynamic(const sasc_analysis_context *c)
{
    return c->host.dynamic_accuracy &&
           sasc_program_kernel(c->program, SASC_KERNEL_PREDICT_DYNAMIC) &&
           c->task->dynamic_networks > 0;
}

/* The accuracy columns of a row: mean field, sampled mean and sd, then
 * (has_dynamic) the dynamic networks' mean and sd; returns their count. */
static size_t accuracy_columns(const training_record *a, analysis_row *row, double *columns[5])
{
    double *all[5] = {&row->accuracy, &row->sampled_mean, &row->sampled_sd, &row->dynamic_mean,
                      &row->dynamic_sd};
    size_t count = a->dynamic ? 5 : 3;
    for (size_t k = 0; k < count; k++)
        columns[k] = all[k];
    return count;
}

static void *record_open(const sasc_analysis_context *c)
{
    training_record *a = calloc(1, sizeof *a);
    if (!a) {
        snprintf(c->error, c->error_size, "out of memory setting up the analyses");
        return NULL;
    }
    a->program = c->program;
    a->task = c->task;
    a->out = c->out;
    a->dynamic = measures_dynamic(c);
    return a;
}

static void record_close(void *state)
{
    training_record *a = state;
    for (int r = 0; r < a->row_count; r++)
        free(a->rows[r].groups);
    free(a->rows);
    free(a);
}

static analysis_row *new_row(training_record *a)
{
    if (a->row_count == a->row_capacity) {
        int capacity = a->row_capacity ? 2 * a->row_capacity : 16;
        analysis_row *rows = realloc(a->rows, (size_t)capacity * sizeof *rows);
        if (!rows)
            return NULL;
        a->rows = rows;
        a->row_capacity = capacity;
    }
    analysis_row *row = &a->rows[a->row_count];
    row->groups = calloc((size_t)a->program->group_count + 1, sizeof *row->groups);
    if (!row->groups)
        return NULL;
    a->row_count++;
    return row;
}

/* The per-group columns of analysis.csv: name prefix, field, and whether
 * only recurrent groups (SASC_GROUP_RECURRENT) have it. */
typedef struct { const char *name; size_t offset; bool recurrent_only; } group_column;
static const group_column group_columns[] = {
    {"sparsity", offsetof(sasc_group_statistics, sparsity), false},
    {"entropy", offsetof(sasc_group_statistics, entropy), false},
    {"entropy_pi", offsetof(sasc_group_statistics, entropy_pi), false},
    {"entropy_xi", offsetof(sasc_group_statistics, entropy_xi), false},
    {"vip", offsetof(sasc_group_statistics, vip), false},
    {"uip", offsetof(sasc_group_statistics, uip), false},
    {"sparsity_i_lt_j", offsetof(sasc_group_statistics, sparsity_i_lt_j), true},
    {"sparsity_i_gt_j", offsetof(sasc_group_statistics, sparsity_i_gt_j), true},
};

static bool has_column(const sasc_program *p, int group, int column)
{
    return !group_columns[column].recurrent_only || p->groups[group].kind == SASC_GROUP_RECURRENT;
}
enum { GROUP_COLUMN_COUNT = sizeof group_columns / sizeof group_columns[0] };

static double field(const sasc_group_statistics *s, size_t offset)
{
    return *(const double *)((const char *)s + offset);
}

/* The header line of analysis.csv (without its newline); false if too long. */
static bool csv_header(const training_record *a, char *out, size_t size)
{
    size_t used = (size_t)snprintf(out, size, "epoch,test_accuracy,sampled_accuracy_mean,"
                                              "sampled_accuracy_sd%s",
                                   a->dynamic ? ",dynamic_accuracy_mean,dynamic_accuracy_sd" : "");
    for (int g = 0; g < a->program->group_count; g++)
        for (int c = 0; c < GROUP_COLUMN_COUNT && used < size; c++)
            if (has_column(a->program, g, c))
                used += (size_t)snprintf(out + used, size - used, ",%s_%s", group_columns[c].name,
                                         a->program->groups[g].name);
    return used < size;
}

enum { HEADER_SIZE = 65536 };

static bool write_csv(const training_record *a, char *error, size_t error_size)
{
    char path[8192];
    snprintf(path, sizeof path, "%s/analysis.csv", a->out);
    char *header = malloc(HEADER_SIZE);
    if (!header || !csv_header(a, header, HEADER_SIZE)) {
        free(header);
        snprintf(error, error_size, "the header of %s is too long", path);
        return false;
    }
    sasc_atomic_file f;
    if (!sasc_atomic_open(&f, path, error, error_size)) {
        free(header);
        return false;
    }
    sasc_atomic_printf(&f, "%s\n", header);
    free(header);
    for (int r = 0; r < a->row_count; r++) {
        analysis_row *row = &a->rows[r];
        double *values[5];
        size_t count = accuracy_columns(a, row, values);
        sasc_atomic_printf(&f, "%d", row->epoch);
        for (size_t k = 0; k < count; k++) {
            sasc_atomic_printf(&f, ",");
            sasc_atomic_number(&f, *values[k]);
        }
        for (int g = 0; g < a->program->group_count; g++)
            for (int c = 0; c < GROUP_COLUMN_COUNT; c++) {
                if (!has_column(a->program, g, c))
                    continue;
                sasc_atomic_printf(&f, ",");
                sasc_atomic_number(&f, field(&row->groups[g], group_columns[c].offset));
            }
        sasc_atomic_printf(&f, "\n");
    }
    return sasc_atomic_commit(&f, error, error_size);
}

/* Data of the figures: one array of row_count values per curve. */
typedef struct {
    double *x;
    double *values;   /* curves x rows */
    sasc_plot_series *series;
    char (*labels)[96];
} curves;

static bool curves_allocate(curves *c, size_t count, size_t rows)
{
    c->x = calloc(rows + 1, sizeof *c->x);
    c->values = calloc(count * rows + 1, sizeof *c->values);
    c->series = calloc(count + 1, sizeof *c->series);
    c->labels = calloc(count + 1, sizeof *c->labels);
    return c->x && c->values && c->series && c->labels;
}

static void curves_free(curves *c)
{
    free(c->x);
    free(c->values);
    free(c->series);
    free(c->labels);
}

static bool write_figure(const training_record *a, const char *file, const char *title,
                         const char *y_label, const sasc_plot_series *series, size_t count,
                         sasc_spread_style spread, char *error, size_t error_size)
{
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", a->out, file);
    sasc_line_plot plot = {title, "epoch", y_label, series, count, spread, 0, 0};
    return sasc_plot_write_lines(&plot, path, error, error_size);
}

/* One curve per group (and per field in `offsets`) over the analysed epochs. */
static bool write_group_figure(const training_record *a, const char *file, const char *title,
                               const char *y_label, const size_t *offsets,
                               const char *const *suffixes, size_t field_count, char *error,
                               size_t error_size)
{
    size_t rows = (size_t)a->row_count, groups = (size_t)a->program->group_count;
    size_t count = groups * field_count;
    curves c;
    bool ok = curves_allocate(&c, count, rows);
    if (!ok)
        snprintf(error, error_size, "out of memory drawing %s", file);
    for (size_t r = 0; ok && r < rows; r++)
        c.x[r] = a->rows[r].epoch;
    for (size_t g = 0; ok && g < groups; g++)
        for (size_t f = 0; f < field_count; f++) {
            size_t s = g * field_count + f;
            for (size_t r = 0; r < rows; r++)
                c.values[s * rows + r] = field(&a->rows[r].groups[g], offsets[f]);
            snprintf(c.labels[s], sizeof c.labels[s], "%s%s", a->program->groups[g].name,
                     suffixes[f]);
            c.series[s] = (sasc_plot_series){c.labels[s], c.x, c.values + s * rows, NULL, rows};
        }
    /* Curves a group does not have (all NaN) get no legend entry. */
    size_t kept = 0;
    for (size_t s = 0; ok && s < count; s++) {
        bool any = false;
        for (size_t r = 0; r < rows; r++)
            any = any || !isnan(c.series[s].y[r]);
        if (any)
            c.series[kept++] = c.series[s];
    }
    ok = ok && write_figure(a, file, title, y_label, c.series, kept, SASC_SPREAD_NONE, error,
                            error_size);
    curves_free(&c);
    return ok;
}

static bool write_accuracy_figure(const training_record *a, char *error, size_t error_size)
{
    size_t rows = (size_t)a->row_count;
    curves c;
    bool ok = curves_allocate(&c, 5, rows);
    if (!ok)
        snprintf(error, error_size, "out of memory drawing accuracy.svg");
    for (size_t r = 0; ok && r < rows; r++) {
        c.x[r] = a->rows[r].epoch;
        c.values[r] = a->rows[r].accuracy;
        c.values[rows + r] = a->rows[r].sampled_mean;
        c.values[2 * rows + r] = a->rows[r].sampled_sd;
        c.values[3 * rows + r] = a->rows[r].dynamic_mean;
        c.values[4 * rows + r] = a->rows[r].dynamic_sd;
    }
    char sampled[96], dynamic[96];
    snprintf(sampled, sizeof sampled, "%d sampled networks (mean +- sd)",
             a->task->sampled_networks);
    snprintf(dynamic, sizeof dynamic, "%d networks resampled every step (mean +- sd)",
             a->task->dynamic_networks);
    size_t count = 0;
    if (ok) {
        c.series[count++] = (sasc_plot_series){"mean-field network", c.x, c.values, NULL, rows};
        if (a->task->sampled_networks > 0)
            c.series[count++] = (sasc_plot_series){sampled, c.x, c.values + rows, c.values + 2 * rows,
                                                   rows};
        if (a->dynamic)
            c.series[count++] = (sasc_plot_series){dynamic, c.x, c.values + 3 * rows,
                                                   c.values + 4 * rows, rows};
    }
    ok = ok && write_figure(a, "accuracy.svg", "Test accuracy during training", "test accuracy",
                            c.series, count, SASC_SPREAD_BAND, error, error_size);
    curves_free(&c);
    return ok;
}

static bool write_figures(const training_record *a, char *error, size_t error_size)
{
    static const char *const sparsity_curves[] = {"", " i<j (recurrent I)", " i>j (recurrent II)"};
    static const char *const none[] = {""};
    static const char *const vip_uip[] = {" VIP", " UIP"};
    const size_t sparsity[] = {offsetof(sasc_group_statistics, sparsity),
                               offsetof(sasc_group_statistics, sparsity_i_lt_j),
                               offsetof(sasc_group_statistics, sparsity_i_gt_j)};
    const size_t entropy[] = {offsetof(sasc_group_statistics, entropy)};
    const size_t entropy_pi[] = {offsetof(sasc_group_statistics, entropy_pi)};
    const size_t entropy_xi[] = {offsetof(sasc_group_statistics, entropy_xi)};
    const size_t fractions[] = {offsetof(sasc_group_statistics, vip),
                                offsetof(sasc_group_statistics, uip)};
    return write_accuracy_figure(a, error, error_size) &&
           write_group_figure(a, "sparsity.svg", "Sparsity per connection (mean pi)",
                              "sparsity", sparsity, sparsity_curves, 3, error, error_size) &&
           write_group_figure(a, "entropy.svg", "Entropy per connection (Eq. 14)",
                              "entropy per connection", entropy, none, 1, error, error_size) &&
           write_group_figure(a, "entropy_pi.svg", "pi-entropy per connection",
                              "pi-entropy", entropy_pi, none, 1, error, error_size) &&
           write_group_figure(a, "entropy_xi.svg", "Xi-entropy per connection",
                              "Xi-entropy", entropy_xi, none, 1, error, error_size) &&
           write_group_figure(a, "vip_uip.svg", "Fractions of VIP and UIP connections",
                              "fraction of connections", fractions, vip_uip, 2, error,
                              error_size);
}

/* One row of analysis.csv as write_csv wrote it, into a new row. */
static bool parse_row(training_record *a, const char *line)
{
    analysis_row *row = new_row(a);
    if (!row)
        return false;
    char *end;
    row->epoch = (int)strtol(line, &end, 10);
    double *fixed[5];
    size_t count = accuracy_columns(a, row, fixed);
    for (size_t k = 0; k < count; k++)
        *fixed[k] = strtod(end + (*end == ','), &end);
    for (int g = 0; g < a->program->group_count; g++)
        for (int c = 0; c < GROUP_COLUMN_COUNT; c++) {
            double *value = (double *)((char *)&row->groups[g] + group_columns[c].offset);
            *value = has_column(a->program, g, c) ? strtod(end + (*end == ','), &end) : NAN;
        }
    return true;
}

/* A resumed run: take over the rows of an existing analysis.csv for epochs
 * 1..epochs_done (the epochs the checkpoint holds), so the file continues
 * instead of restarting. A missing file, or one written for another model
 * or by an older sasc, is not an error (it is replaced). */
static bool record_restore(void *state, const sasc_analysis_context *c, int epochs_done)
{
    training_record *analysis = state;
    char path[8192];
    snprintf(path, sizeof path, "%s/analysis.csv", analysis->out);
    struct stat status;
    if (lstat(path, &status) != 0)
        return true;   /* nothing recorded yet */
    char reason[256];
    FILE *f = sasc_input_fopen(path, reason, sizeof reason);
    if (!f) {
        snprintf(c->error, c->error_size, "cannot read %s: %s", path, reason);
        return false;
    }
    char *header = malloc(HEADER_SIZE), *line = malloc(HEADER_SIZE);
    bool ok = header && line && csv_header(analysis, header, HEADER_SIZE);
    bool same = ok && fgets(line, HEADER_SIZE, f) && strcspn(line, "\n") == strlen(header) &&
                strncmp(line, header, strlen(header)) == 0;
    while (ok && same && fgets(line, HEADER_SIZE, f))
        if (atoi(line) >= 1 && atoi(line) <= epochs_done)
            ok = parse_row(analysis, line);
    fclose(f);
    free(header);
    free(line);
    if (!ok)
        snprintf(c->error, c->error_size, "out of memory reading %s", path);
    return ok;
}

/* An analysis epoch: the statistics of every group, the sampled networks'
 * (and the dynamic networks') accuracy; analysis.csv and its figures rewritten. */
static bool record_epoch(void *state, sasc_analysis_context *c, int epoch, double mean_field_accuracy)
{
    training_record *analysis = state;
    const sasc_program *p = c->program;
    const sasc_task *task = c->task;
    analysis_row *row = new_row(analysis);
    if (!row) {
        snprintf(c->error, c->error_size, "out of memory recording the analyses");
        return false;
    }
    row->epoch = epoch + 1;
    row->accuracy = mean_field_accuracy;
    row->sampled_mean = row->sampled_sd = row->dynamic_mean = row->dynamic_sd = NAN;
    sasc_parameter_copy copy;
    if (!sasc_parameters_save(p, c->buffers, &copy, c->error, c->error_size))
        return false;
    bool ok = sasc_network_statistics(p, task, &copy, row->groups, c->error, c->error_size);
    if (ok && analysis->dynamic)
        ok = sasc_step_networks_accuracy(p, c->buffers, &copy, task->seed, SASC_STEP_DYNAMIC,
                                         (uint64_t)epoch * (uint64_t)task->dynamic_networks,
                                         task->dynamic_networks, c->host.dynamic_accuracy,
                                         c->host.context, &row->dynamic_mean, &row->dynamic_sd,
                                         NULL, c->error, c->error_size);
    sasc_parameters_free(&copy);
    /* Draw numbers advance with the epoch so that every evaluation sees new networks. */
    uint64_t first_draw = (uint64_t)epoch * (uint64_t)task->sampled_networks;
    if (ok && task->sampled_networks > 0)
        ok = sasc_sampled_accuracy(p, c->buffers, task->sampled_networks, task->seed, first_draw,
                                   c->host.accuracy, c->host.context, &row->sampled_mean,
                                   &row->sampled_sd, NULL, c->error, c->error_size);
    return ok && write_csv(analysis, c->error, c->error_size) &&
           write_figures(analysis, c->error, c->error_size);
}

const sasc_analysis_desc sasc_analysis_training = {
    .name = "training",
    .summary = "analyze_every = k: after every k-th epoch and the last, per\n"
               "group sparsity, entropy, VIP and UIP fractions (recurrent\n"
               "groups: also i<j, i>j sparsity), the test accuracy of\n"
               "sampled_networks sampled networks (and of dynamic_networks\n"
               "networks resampled every step)",
    .outputs = "analysis.csv, accuracy.svg, sparsity.svg, entropy.svg, entropy_pi.svg, "
               "entropy_xi.svg, vip_uip.svg",
    .when = SASC_ANALYSIS_EPOCHS,
    .open = record_open, .restore = record_restore, .epoch = record_epoch, .close = record_close,
};
