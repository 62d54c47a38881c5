/*
 * analysis.c — layer statistics of an ensemble and their record over
 * training (see analysis.h).
 */
#include "runtime/analyses/during_training.h"
#include "runtime/analyses/saved_run.h"
#include "runtime/ensemble/dynamic.h"
#include "runtime/analyses/entropy.h"
#include "runtime/analyses/psychometric.h"
#include "runtime/support/input_file.h"
#include "runtime/support/output.h"
#include "runtime/support/plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

sasc_connection_class sasc_classify_connection(const sasc_task *task, double pi, double m,
                                               double xi)
{
    double tol = task->vip_tolerance;
    if (pi >= 1.0 - tol)
        return SASC_CONNECTION_UIP;
    bool vip = task->vip_rule == SASC_VIP_RELAXED
                   ? pi < task->vip_pi_max && fabs(m) > task->vip_m_min
                   : pi <= tol && xi <= tol;
    return vip ? SASC_CONNECTION_VIP : SASC_CONNECTION_OTHER;
}

static unsigned worker_threads(const sasc_task *task)
{
    if (task->threads > 0)
        return (unsigned)task->threads;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    return cores > 0 ? (unsigned)cores : 1u;
}

/* An array of n zeros standing for a parameter the layer does not have. */
static const double *or_zeros(const double *values, double **zeros, size_t n)
{
    if (values)
        return values;
    if (!*zeros)
        *zeros = calloc(n + 1, sizeof **zeros);
    return *zeros;
}

bool sasc_layer_statistics_compute(const sasc_task *task, sasc_entropy_formula formula,
                                   const double *pi, const double *m, const double *xi, size_t n,
                                   sasc_layer_statistics *stats, double *const per_connection[3],
                                   char *error, size_t error_size)
{
    double *zeros = NULL;
    pi = or_zeros(pi, &zeros, n);
    m = or_zeros(m, &zeros, n);
    xi = or_zeros(xi, &zeros, n);
    if (!pi || !m || !xi) {
        snprintf(error, error_size, "out of memory computing layer statistics");
        return false;
    }
    sasc_entropy_settings settings;
    sasc_entropy_settings_default(&settings);
    settings.a = task->entropy_a;
    settings.samples = (size_t)task->entropy_samples;
    settings.seed = task->seed;
    settings.threads = worker_threads(task);
    settings.formula = formula;
    sasc_entropy_summary summary;
    sasc_entropy_outputs outputs = {0};
    if (per_connection)
        outputs = (sasc_entropy_outputs){per_connection[0], per_connection[1], per_connection[2]};
    bool ok = sasc_entropy_compute(pi, m, xi, n, &settings, &summary,
                                   per_connection ? &outputs : NULL, error, error_size);
    double pi_sum = 0;
    size_t vip = 0, uip = 0;
    for (size_t k = 0; ok && k < n; k++) {
        pi_sum += pi[k];
        sasc_connection_class c = sasc_classify_connection(task, pi[k], m[k], xi[k]);
        vip += c == SASC_CONNECTION_VIP;
        uip += c == SASC_CONNECTION_UIP;
    }
    double count = n ? (double)n : NAN;
    *stats = (sasc_layer_statistics){n, pi_sum / count, summary.total, summary.pi_part,
                                     summary.xi_part, (double)vip / count, (double)uip / count,
                                     NAN, NAN};
    free(zeros);
    return ok;
}

void sasc_triangle_sparsity(const double *pi, int fan_in, int width, double *i_lt_j,
                            double *i_gt_j)
{
    *i_lt_j = *i_gt_j = NAN;
    if (fan_in != width || width < 2)
        return;
    double lower = 0, upper = 0;   /* sums over i < j and over i > j */
    for (int j = 0; j < fan_in; j++)
        for (int i = 0; i < width; i++) {
            double value = pi ? pi[(size_t)j * (size_t)width + (size_t)i] : 0.0;
            if (i < j)
                lower += value;
            else if (i > j)
                upper += value;
        }
    double pairs = 0.5 * (double)width * (double)(width - 1);
    *i_lt_j = lower / pairs;
    *i_gt_j = upper / pairs;
}

bool sasc_program_layer_statistics(const sasc_program *program, const sasc_task *task,
                                   const sasc_parameter_copy *copy, int layer,
                                   sasc_layer_statistics *stats, double *const per_connection[3],
                                   char *error, size_t error_size)
{
    const sasc_group_desc *d = &program->groups[layer];
    size_t n = (size_t)d->fan_in * (size_t)d->width;
    double *const *v = copy->values[layer];
    sasc_entropy_formula formula = sasc_entropy_formula_of_program(task->entropy_formula, program);
    if (!sasc_layer_statistics_compute(task, formula, v[SASC_PI], v[SASC_M], v[SASC_XI], n, stats,
                                       per_connection, error, error_size))
        return false;
    sasc_triangle_sparsity(v[SASC_PI], d->fan_in, d->width, &stats->sparsity_i_lt_j,
                           &stats->sparsity_i_gt_j);
    return true;
}

bool sasc_network_statistics(const sasc_program *program, const sasc_task *task,
                             const sasc_parameter_copy *copy, sasc_layer_statistics *stats,
                             char *error, size_t error_size)
{
    for (int l = 0; l < program->group_count; l++)
        if (!sasc_program_layer_statistics(program, task, copy, l, &stats[l], NULL, error,
                                           error_size))
            return false;
    return true;
}

/* ---- the record over training ---- */

typedef struct {
    int epoch;                      /* 1-based */
    double accuracy;                /* mean-field test accuracy */
    double sampled_mean, sampled_sd;
    double dynamic_mean, dynamic_sd; /* networks resampled every step (NaN when not measured) */
    sasc_layer_statistics *layers;  /* layer_count entries */
} analysis_row;

struct sasc_analysis {
    const sasc_program *program;
    const sasc_task *task;
    analysis_row *rows;
    int row_count, row_capacity;
    sasc_accuracy_fn dynamic_accuracy;  /* or NULL */
    bool psychometric;                  /* an MSI run: the psychometric function every epoch */
    sasc_psychometric_pass pass;        /* of this epoch's test pass */
};

void sasc_analysis_set_dynamic(sasc_analysis *analysis, sasc_accuracy_fn dynamic_accuracy)
{
    analysis->dynamic_accuracy = dynamic_accuracy;
}

/* Whether the rows have the dynamic network's columns. */
static bool has_dynamic(const sasc_analysis *a)
{
    return a->dynamic_accuracy && sasc_program_kernel(a->program, SASC_KERNEL_PREDICT_DYNAMIC) && a->task->dynamic_networks > 0;
}

/* The accuracy columns of a row: mean field, sampled mean and sd, then
 * (has_dynamic) the dynamic networks' mean and sd; returns their count. */
static size_t accuracy_columns(const sasc_analysis *a, analysis_row *row, double *columns[5])
{
    double *all[5] = {&row->accuracy, &row->sampled_mean, &row->sampled_sd, &row->dynamic_mean,
                      &row->dynamic_sd};
    size_t count = has_dynamic(a) ? 5 : 3;
    for (size_t k = 0; k < count; k++)
        columns[k] = all[k];
    return count;
}

sasc_analysis *sasc_analysis_open(const sasc_program *program, const sasc_task *task,
                                  const sasc_data_shape *data, char *error, size_t error_size)
{
    if (!sasc_analyze_check(program, task, error, error_size))
        return NULL;
    sasc_analysis *a = calloc(1, sizeof *a);
    if (!a) {
        snprintf(error, error_size, "out of memory setting up the analyses");
        return NULL;
    }
    a->program = program;
    a->task = task;
    a->psychometric = strcmp(data->kind, "msi") == 0;
    sasc_psychometric_pass_init(&a->pass, program);
    return a;
}

void sasc_analysis_test_batch(void *analysis, void *const *buffers, const int *labels, int rows)
{
    sasc_analysis *a = analysis;
    if (a->psychometric)
        sasc_psychometric_add(&a->pass, buffers, labels, rows);
}

void sasc_analysis_close(sasc_analysis *analysis)
{
    if (!analysis)
        return;
    for (int r = 0; r < analysis->row_count; r++)
        free(analysis->rows[r].layers);
    free(analysis->rows);
    free(analysis);
}

static analysis_row *new_row(sasc_analysis *a)
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
    row->layers = calloc((size_t)a->program->group_count + 1, sizeof *row->layers);
    if (!row->layers)
        return NULL;
    a->row_count++;
    return row;
}

/* The per-layer columns of analysis.csv: name prefix, field, and whether
 * only square (recurrent) layers have it. */
typedef struct { const char *name; size_t offset; bool square_only; } layer_column;
static const layer_column layer_columns[] = {
    {"sparsity", offsetof(sasc_layer_statistics, sparsity), false},
    {"entropy", offsetof(sasc_layer_statistics, entropy), false},
    {"entropy_pi", offsetof(sasc_layer_statistics, entropy_pi), false},
    {"entropy_xi", offsetof(sasc_layer_statistics, entropy_xi), false},
    {"vip", offsetof(sasc_layer_statistics, vip), false},
    {"uip", offsetof(sasc_layer_statistics, uip), false},
    {"sparsity_i_lt_j", offsetof(sasc_layer_statistics, sparsity_i_lt_j), true},
    {"sparsity_i_gt_j", offsetof(sasc_layer_statistics, sparsity_i_gt_j), true},
};

static bool has_column(const sasc_program *p, int layer, int column)
{
    const sasc_group_desc *d = &p->groups[layer];
    return !layer_columns[column].square_only || (d->fan_in == d->width && d->width > 1);
}
enum { LAYER_COLUMN_COUNT = sizeof layer_columns / sizeof layer_columns[0] };

static double field(const sasc_layer_statistics *s, size_t offset)
{
    return *(const double *)((const char *)s + offset);
}

/* The header line of analysis.csv (without its newline); false if too long. */
static bool csv_header(const sasc_analysis *a, char *out, size_t size)
{
    size_t used = (size_t)snprintf(out, size, "epoch,test_accuracy,sampled_accuracy_mean,"
                                              "sampled_accuracy_sd%s",
                                   has_dynamic(a) ? ",dynamic_accuracy_mean,dynamic_accuracy_sd" : "");
    for (int l = 0; l < a->program->group_count; l++)
        for (int c = 0; c < LAYER_COLUMN_COUNT && used < size; c++)
            if (has_column(a->program, l, c))
                used += (size_t)snprintf(out + used, size - used, ",%s_%s", layer_columns[c].name,
                                         a->program->groups[l].name);
    return used < size;
}

enum { HEADER_SIZE = 65536 };

static bool write_csv(const sasc_analysis *a, char *error, size_t error_size)
{
    char path[8192];
    snprintf(path, sizeof path, "%s/analysis.csv", a->task->out);
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
        for (int l = 0; l < a->program->group_count; l++)
            for (int c = 0; c < LAYER_COLUMN_COUNT; c++) {
                if (!has_column(a->program, l, c))
                    continue;
                sasc_atomic_printf(&f, ",");
                sasc_atomic_number(&f, field(&row->layers[l], layer_columns[c].offset));
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

static bool write_figure(const sasc_analysis *a, const char *file, const char *title,
                         const char *y_label, const sasc_plot_series *series, size_t count,
                         sasc_spread_style spread, char *error, size_t error_size)
{
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", a->task->out, file);
    sasc_line_plot plot = {title, "epoch", y_label, series, count, spread, 0, 0};
    return sasc_plot_write_lines(&plot, path, error, error_size);
}

/* One curve per layer (and per field in `offsets`) over the analysed epochs. */
static bool write_layer_figure(const sasc_analysis *a, const char *file, const char *title,
                               const char *y_label, const size_t *offsets,
                               const char *const *suffixes, size_t field_count, char *error,
                               size_t error_size)
{
    size_t rows = (size_t)a->row_count, layers = (size_t)a->program->group_count;
    size_t count = layers * field_count;
    curves c;
    bool ok = curves_allocate(&c, count, rows);
    if (!ok)
        snprintf(error, error_size, "out of memory drawing %s", file);
    for (size_t r = 0; ok && r < rows; r++)
        c.x[r] = a->rows[r].epoch;
    for (size_t l = 0; ok && l < layers; l++)
        for (size_t f = 0; f < field_count; f++) {
            size_t s = l * field_count + f;
            for (size_t r = 0; r < rows; r++)
                c.values[s * rows + r] = field(&a->rows[r].layers[l], offsets[f]);
            snprintf(c.labels[s], sizeof c.labels[s], "%s%s", a->program->groups[l].name,
                     suffixes[f]);
            c.series[s] = (sasc_plot_series){c.labels[s], c.x, c.values + s * rows, NULL, rows};
        }
    /* Curves a layer does not have (all NaN) get no legend entry. */
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

static bool write_accuracy_figure(const sasc_analysis *a, char *error, size_t error_size)
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
        if (has_dynamic(a))
            c.series[count++] = (sasc_plot_series){dynamic, c.x, c.values + 3 * rows,
                                                   c.values + 4 * rows, rows};
    }
    ok = ok && write_figure(a, "accuracy.svg", "Test accuracy during training", "test accuracy",
                            c.series, count, SASC_SPREAD_BAND, error, error_size);
    curves_free(&c);
    return ok;
}

static bool write_figures(const sasc_analysis *a, char *error, size_t error_size)
{
    static const char *const sparsity_curves[] = {"", " i<j (recurrent I)", " i>j (recurrent II)"};
    static const char *const none[] = {""};
    static const char *const vip_uip[] = {" VIP", " UIP"};
    const size_t sparsity[] = {offsetof(sasc_layer_statistics, sparsity),
                               offsetof(sasc_layer_statistics, sparsity_i_lt_j),
                               offsetof(sasc_layer_statistics, sparsity_i_gt_j)};
    const size_t entropy[] = {offsetof(sasc_layer_statistics, entropy)};
    const size_t entropy_pi[] = {offsetof(sasc_layer_statistics, entropy_pi)};
    const size_t entropy_xi[] = {offsetof(sasc_layer_statistics, entropy_xi)};
    const size_t fractions[] = {offsetof(sasc_layer_statistics, vip),
                                offsetof(sasc_layer_statistics, uip)};
    return write_accuracy_figure(a, error, error_size) &&
           write_layer_figure(a, "sparsity.svg", "Sparsity per connection (mean pi)",
                              "sparsity", sparsity, sparsity_curves, 3, error, error_size) &&
           write_layer_figure(a, "entropy.svg", "Entropy per connection (Eq. 14)",
                              "entropy per connection", entropy, none, 1, error, error_size) &&
           write_layer_figure(a, "entropy_pi.svg", "pi-entropy per connection",
                              "pi-entropy", entropy_pi, none, 1, error, error_size) &&
           write_layer_figure(a, "entropy_xi.svg", "Xi-entropy per connection",
                              "Xi-entropy", entropy_xi, none, 1, error, error_size) &&
           write_layer_figure(a, "vip_uip.svg", "Fractions of VIP and UIP connections",
                              "fraction of connections", fractions, vip_uip, 2, error,
                              error_size);
}

/* One row of analysis.csv as write_csv wrote it, into a new row. */
static bool parse_row(sasc_analysis *a, const char *line)
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
    for (int l = 0; l < a->program->group_count; l++)
        for (int c = 0; c < LAYER_COLUMN_COUNT; c++) {
            double *value = (double *)((char *)&row->layers[l] + layer_columns[c].offset);
            *value = has_column(a->program, l, c) ? strtod(end + (*end == ','), &end) : NAN;
        }
    return true;
}

bool sasc_analysis_restore(sasc_analysis *analysis, int epochs_done, char *error,
                           size_t error_size)
{
    char path[8192];
    snprintf(path, sizeof path, "%s/analysis.csv", analysis->task->out);
    struct stat status;
    if (lstat(path, &status) != 0)
        return true;   /* nothing recorded yet */
    char reason[256];
    FILE *f = sasc_input_fopen(path, reason, sizeof reason);
    if (!f) {
        snprintf(error, error_size, "cannot read %s: %s", path, reason);
        return false;
    }
    char *header = malloc(HEADER_SIZE), *line = malloc(HEADER_SIZE);
    bool ok = header && line && csv_header(analysis, header, HEADER_SIZE);
    /* A file of another model or of an older sasc is not continued, only replaced. */
    bool same = ok && fgets(line, HEADER_SIZE, f) && strcspn(line, "\n") == strlen(header) &&
                strncmp(line, header, strlen(header)) == 0;
    while (ok && same && fgets(line, HEADER_SIZE, f))
        if (atoi(line) >= 1 && atoi(line) <= epochs_done)
            ok = parse_row(analysis, line);
    fclose(f);
    free(header);
    free(line);
    if (!ok)
        snprintf(error, error_size, "out of memory reading %s", path);
    return ok;
}

static bool is_analysis_epoch(const sasc_task *task, int epoch, bool last)
{
    return task->analyze_every > 0 && (last || (epoch + 1) % task->analyze_every == 0);
}

bool sasc_analysis_epoch(sasc_analysis *analysis, void *const *buffers, int epoch, bool last,
                         double mean_field_accuracy, sasc_accuracy_fn accuracy, void *context,
                         char *error, size_t error_size)
{
    const sasc_program *p = analysis->program;
    const sasc_task *task = analysis->task;
    if (analysis->psychometric) {
        bool written = sasc_psychometric_write(&analysis->pass, task->out, error, error_size);
        sasc_psychometric_pass_init(&analysis->pass, p);   /* for the next epoch's pass */
        if (!written)
            return false;
    }
    if (!is_analysis_epoch(task, epoch, last))
        return true;
    analysis_row *row = new_row(analysis);
    if (!row) {
        snprintf(error, error_size, "out of memory recording the analyses");
        return false;
    }
    row->epoch = epoch + 1;
    row->accuracy = mean_field_accuracy;
    row->sampled_mean = row->sampled_sd = row->dynamic_mean = row->dynamic_sd = NAN;
    sasc_parameter_copy copy;
    if (!sasc_parameters_save(p, buffers, &copy, error, error_size))
        return false;
    bool ok = sasc_network_statistics(p, task, &copy, row->layers, error, error_size);
    if (ok && has_dynamic(analysis))
        ok = sasc_step_networks_accuracy(p, buffers, &copy, task->seed, SASC_STEP_DYNAMIC,
                                         (uint64_t)epoch * (uint64_t)task->dynamic_networks,
                                         task->dynamic_networks, analysis->dynamic_accuracy,
                                         context, &row->dynamic_mean, &row->dynamic_sd, NULL, error,
                                         error_size);
    sasc_parameters_free(&copy);
    /* Draw numbers advance with the epoch so that every evaluation sees new networks. */
    uint64_t first_draw = (uint64_t)epoch * (uint64_t)task->sampled_networks;
    if (ok && task->sampled_networks > 0)
        ok = sasc_sampled_accuracy(p, buffers, task->sampled_networks, task->seed, first_draw,
                                   accuracy, context, &row->sampled_mean, &row->sampled_sd, NULL,
                                   error, error_size);
    return ok && write_csv(analysis, error, error_size) &&
           write_figures(analysis, error, error_size);
}
