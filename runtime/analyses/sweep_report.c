/*
 * sweep_report.c — sweep.csv, summary.csv and figures of a sweep (sweep_report.h).
 */
#include "runtime/analyses/sweep_report.h"
#include "runtime/support/output.h"
#include "runtime/support/plot.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { PATH_SIZE = 8192 };

sasc_point_status sasc_sweep_point_status(const char *point_dir)
{
    char path[PATH_SIZE];
    snprintf(path, sizeof path, "%s/run.json", point_dir);
    char *json = sasc_read_file(path, NULL);
    if (json) {
        bool completed = strstr(json, "\"status\": \"completed\"") != NULL;
        free(json);
        return completed ? SASC_POINT_COMPLETED : SASC_POINT_FAILED;
    }
    snprintf(path, sizeof path, "%s/checkpoint.sasc", point_dir);
    if (access(path, F_OK) == 0)
        return SASC_POINT_INTERRUPTED;
    snprintf(path, sizeof path, "%s/metrics.csv", point_dir);
    return access(path, F_OK) == 0 ? SASC_POINT_FAILED : SASC_POINT_MISSING;
}

const char *sasc_point_status_name(sasc_point_status status)
{
    static const char *const names[] = { "missing", "interrupted", "failed", "completed" };
    return names[status];
}

/* The header of the collected table: point, the swept settings, status,
 * then the columns of the points' tables in order of first appearance
 * (points may differ: another depth has other per-layer columns). */
typedef struct {
    char **names;
    int count, capacity;
} column_list;

static bool column_add(column_list *list, const char *name)
{
    for (int k = 0; k < list->count; k++)
        if (strcmp(list->names[k], name) == 0)
            return true;
    if (list->count == list->capacity) {
        int capacity = list->capacity ? 2 * list->capacity : 32;
        char **grown = realloc(list->names, (size_t)capacity * sizeof *grown);
        if (!grown)
            return false;
        list->names = grown;
        list->capacity = capacity;
    }
    return (list->names[list->count++] = strdup(name)) != NULL;
}

static void column_list_free(column_list *list)
{
    for (int k = 0; k < list->count; k++)
        free(list->names[k]);
    free(list->names);
}

/* Column names whose values say nothing about the result. */
static bool is_timing(const char *name)
{
    return strcmp(name, "seconds") == 0 || strcmp(name, "wall_seconds") == 0;
}

typedef struct {
    sasc_point_status status;
    sasc_table table;          /* its file, or empty */
    bool loaded;
} point_data;

static bool load_points(const sasc_sweep *sweep, const char *dir, const char *table_file, long count,
                        point_data *points, column_list *columns, char *error, size_t error_size)
{
    for (long p = 0; p < count; p++) {
        char name[256], point_dir[PATH_SIZE], path[PATH_SIZE + 300];
        if (!sasc_sweep_point_name(sweep, p, name, sizeof name)) {
            snprintf(error, error_size, "a sweep point's name is too long");
            return false;
        }
        snprintf(point_dir, sizeof point_dir, "%s/%s", dir, name);
        points[p].status = sasc_sweep_point_status(point_dir);
        snprintf(path, sizeof path, "%s/%s", point_dir, table_file);
        if (points[p].status != SASC_POINT_COMPLETED || access(path, F_OK) != 0)
            continue;
        if (!sasc_table_read(path, &points[p].table, error, error_size))
            return false;
        points[p].loaded = true;
        for (int c = 0; c < points[p].table.columns; c++)
            if (!is_timing(points[p].table.header[c]) && !column_add(columns, points[p].table.header[c])) {
                snprintf(error, error_size, "out of memory collecting a sweep");
                return false;
            }
    }
    return true;
}

/* One row of the collected table: the point's settings and status, then
 * row `row` of its table (or nothing, row < 0). */
static bool add_point_row(const sasc_sweep *sweep, long p, const point_data *point, int row,
                          const column_list *header, sasc_table *out)
{
    const char **fields = calloc((size_t)header->count, sizeof *fields);
    if (!fields)
        return false;
    char name[256];
    sasc_sweep_point_name(sweep, p, name, sizeof name);
    int indices[SASC_SWEEP_MAX_AXES];
    sasc_sweep_point_indices(sweep, p, indices);
    int f = 0;
    fields[f++] = name;
    for (int a = 0; a < sweep->axis_count; a++)
        fields[f++] = sweep->axes[a].values[indices[a]];
    fields[f++] = sasc_point_status_name(point->status);
    for (; f < header->count; f++) {
        int c = row >= 0 ? sasc_table_column(&point->table, header->names[f]) : -1;
        fields[f] = c >= 0 ? sasc_table_field(&point->table, row, c) : "";
    }
    bool ok = sasc_table_add_row(out, fields);
    free(fields);
    return ok;
}

bool sasc_sweep_collect(const sasc_sweep *sweep, const char *dir, const char *table_file, bool every_row,
                        sasc_table *out, char *error, size_t error_size)
{
    memset(out, 0, sizeof *out);
    long count = sasc_sweep_point_count(sweep);
    point_data *points = calloc((size_t)count, sizeof *points);
    column_list header = {0};
    bool ok = points != NULL && column_add(&header, "point");
    for (int a = 0; ok && a < sweep->axis_count; a++)
        ok = column_add(&header, sweep->axes[a].key);
    ok = ok && column_add(&header, "status");
    int fixed = header.count;
    if (!ok)
        snprintf(error, error_size, "out of memory collecting a sweep");
    ok = ok && load_points(sweep, dir, table_file, count, points, &header, error, error_size);
    if (ok && header.count == fixed && every_row) {
        snprintf(error, error_size, "no completed point of the sweep in %s has %s", dir, table_file);
        ok = false;
    }
    ok = ok && sasc_table_init(out, (const char *const *)header.names, header.count);
    for (long p = 0; ok && p < count; p++) {
        const point_data *point = &points[p];
        int rows = point->loaded ? point->table.rows : 0;
        if (!every_row)
            ok = add_point_row(sweep, p, point, rows > 0 ? rows - 1 : -1, &header, out);
        for (int r = 0; ok && every_row && r < rows; r++)
            ok = add_point_row(sweep, p, point, r, &header, out);
        if (!ok)
            snprintf(error, error_size, "out of memory collecting a sweep");
    }
    for (long p = 0; points && p < count; p++)
        if (points[p].loaded)
            sasc_table_free(&points[p].table);
    free(points);
    column_list_free(&header);
    if (!ok)
        sasc_table_free(out);
    return ok;
}

/* ---- figures ---- */

static bool all_numeric(const sasc_sweep_axis *axis, double *values)
{
    for (int v = 0; v < axis->count; v++) {
        char *end = NULL;
        values[v] = strtod(axis->values[v], &end);
        if (end == axis->values[v] || *end != '\0' || !isfinite(values[v]))
            return false;
    }
    return axis->count >= 2;
}

/* The summary rows of one line: those whose other non-seed settings equal
 * row `first`'s, in the order of axis `x`'s values. */
typedef struct {
    const sasc_table *summary;
    const sasc_sweep *sweep;
    int x;                     /* the axis along the line */
} figure_context;

static bool same_line(const figure_context *c, int a, int b)
{
    for (int k = 0; k < c->sweep->axis_count; k++) {
        const char *key = c->sweep->axes[k].key;
        int column = sasc_table_column(c->summary, key);
        if (k == c->x || column < 0)
            continue;
        if (strcmp(sasc_table_field(c->summary, a, column), sasc_table_field(c->summary, b, column)) != 0)
            return false;
    }
    return true;
}

static void line_label(const figure_context *c, int row, char *label, size_t size)
{
    size_t used = 0;
    label[0] = '\0';
    for (int k = 0; k < c->sweep->axis_count && used < size; k++) {
        int column = sasc_table_column(c->summary, c->sweep->axes[k].key);
        if (k == c->x || column < 0)
            continue;
        used += (size_t)snprintf(label + used, size - used, "%s%s=%s", used ? ", " : "",
                                 c->sweep->axes[k].key, sasc_table_field(c->summary, row, column));
    }
}

/* Metric of a figure: the summary's column `column` (its _mean and _sem), as 1 - value when `complement`. */
typedef struct {
    const char *column, *title, *y_label, *file;
    bool complement;
} figure_metric;

static bool write_figure(const figure_context *c, const figure_metric *m, const double *x_values,
                         const char *dir, char *error, size_t error_size)
{
    char mean_name[256], sem_name[256];
    snprintf(mean_name, sizeof mean_name, "%s_mean", m->column);
    snprintf(sem_name, sizeof sem_name, "%s_sem", m->column);
    int mean = sasc_table_column(c->summary, mean_name), sem = sasc_table_column(c->summary, sem_name);
    int xc = sasc_table_column(c->summary, c->sweep->axes[c->x].key);
    if (mean < 0 || sem < 0 || xc < 0 || c->summary->rows == 0)
        return true;   /* the metric or the axis is not in this sweep's results */
    int rows = c->summary->rows;
    double *x = calloc((size_t)rows, sizeof *x), *y = calloc((size_t)rows, sizeof *y);
    double *spread = calloc((size_t)rows, sizeof *spread);
    sasc_plot_series *series = calloc((size_t)rows, sizeof *series);
    char (*labels)[256] = calloc((size_t)rows, sizeof *labels);
    bool *used = calloc((size_t)rows, sizeof *used);
    bool ok = x && y && spread && series && labels && used;
    size_t lines = 0, at = 0;
    for (int r = 0; ok && r < rows; r++) {
        if (used[r])
            continue;
        sasc_plot_series *s = &series[lines];
        line_label(c, r, labels[lines], sizeof labels[lines]);
        s->label = labels[lines][0] ? labels[lines] : NULL;
        s->x = x + at;
        s->y = y + at;
        s->spread = spread + at;
        /* the line's points in the order of the axis's values */
        for (int v = 0; v < c->sweep->axes[c->x].count; v++)
            for (int q = r; q < rows; q++)
                if (!used[q] && same_line(c, r, q) &&
                    strcmp(sasc_table_field(c->summary, q, xc), c->sweep->axes[c->x].values[v]) == 0) {
                    used[q] = true;
                    double value = strtod(sasc_table_field(c->summary, q, mean), NULL);
                    x[at] = x_values[v];
                    y[at] = m->complement ? 1.0 - value : value;
                    spread[at] = strtod(sasc_table_field(c->summary, q, sem), NULL);
                    at++;
                    s->n++;
                }
        lines++;
    }
    char path[PATH_SIZE], title[512];
    snprintf(path, sizeof path, "%s/sweep_%s_vs_%s.svg", dir, m->file, c->sweep->axes[c->x].key);
    snprintf(title, sizeof title, "%s against %s (mean and standard error over seeds)", m->title,
             c->sweep->axes[c->x].key);
    sasc_line_plot plot = {.title = title, .x_label = c->sweep->axes[c->x].key, .y_label = m->y_label,
                           .series = series, .series_count = lines, .spread_style = SASC_SPREAD_ERROR_BARS};
    if (!ok)
        snprintf(error, error_size, "out of memory drawing a sweep figure");
    ok = ok && sasc_plot_write_lines(&plot, path, error, error_size);
    free(x);
    free(y);
    free(spread);
    free(series);
    free(labels);
    free(used);
    return ok;
}

static bool write_figures(const sasc_sweep *sweep, const sasc_table *summary, const char *dir,
                          char *error, size_t error_size)
{
    static const figure_metric metrics[] = {
        {"test_accuracy", "test error", "test error (1 - accuracy)", "test_error", true},
        {"train_loss", "training loss", "training loss", "train_loss", false},
    };
    for (int a = 0; a < sweep->axis_count; a++) {
        double values[SASC_SWEEP_MAX_VALUES];
        if (strcmp(sweep->axes[a].key, "seed") == 0 || !all_numeric(&sweep->axes[a], values))
            continue;
        figure_context c = {summary, sweep, a};
        for (size_t m = 0; m < sizeof metrics / sizeof metrics[0]; m++)
            if (!write_figure(&c, &metrics[m], values, dir, error, error_size))
                return false;
    }
    return true;
}

/* ---- the report ---- */

bool sasc_sweep_write_report(const sasc_sweep *sweep, const char *dir, char *error, size_t error_size)
{
    sasc_table table, summary = {0}, completed = {0};
    if (!sasc_sweep_collect(sweep, dir, "metrics.csv", false, &table, error, error_size))
        return false;
    char path[PATH_SIZE];
    snprintf(path, sizeof path, "%s/sweep.csv", dir);
    bool ok = sasc_table_write(&table, path, error, error_size);
    /* the summary is over the completed points only */
    int status = sasc_table_column(&table, "status");
    ok = ok && sasc_table_init(&completed, (const char *const *)table.header, table.columns);
    for (int r = 0; ok && r < table.rows; r++)
        if (strcmp(sasc_table_field(&table, r, status), "completed") == 0)
            ok = sasc_table_add_row(&completed, (const char *const *)&table.fields[(size_t)r * (size_t)table.columns]);
    const char *keys[SASC_SWEEP_MAX_AXES];
    for (int a = 0; a < sweep->axis_count; a++)
        keys[a] = sweep->axes[a].key;
    static const char *const dropped[] = { "point", "status" };
    sasc_summary_columns columns = {"seed", keys, sweep->axis_count, dropped, 2};
    ok = ok && sasc_aggregate_summary(&completed, &columns, &summary, error, error_size);
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    ok = ok && sasc_table_write(&summary, path, error, error_size);
    ok = ok && write_figures(sweep, &summary, dir, error, error_size);
    sasc_table_free(&table);
    sasc_table_free(&completed);
    sasc_table_free(&summary);
    return ok;
}
