/*
 * sweep_report.c — sweep.csv, summary.csv and figures of a sweep (sweep_report.h).
 */
#include "runtime/analyses/sweep_report.h"
#include "runtime/support/input_file.h"
#include "runtime/support/output.h"
#include "runtime/support/plot.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>

enum { PATH_SIZE = 8192 };

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

sasc_point_status sasc_sweep_point_status(const char *point_dir)
{
    char path[PATH_SIZE], reason[256];
    snprintf(path, sizeof path, "%s/checkpoint.sasc", point_dir);
    bool checkpoint = access(path, F_OK) == 0;
    snprintf(path, sizeof path, "%s/run.json", point_dir);
    char *json = sasc_input_read_all(path, 0, NULL, reason, sizeof reason);
    if (json) {   /* an interrupted run writes one too, with its status */
        bool completed = strstr(json, "\"status\": \"completed\"") != NULL;
        bool interrupted = strstr(json, "\"status\": \"interrupted\"") != NULL;
        free(json);
        return completed ? SASC_POINT_COMPLETED
             : interrupted && checkpoint ? SASC_POINT_INTERRUPTED : SASC_POINT_FAILED;
    }
    if (checkpoint)
        return SASC_POINT_INTERRUPTED;
    snprintf(path, sizeof path, "%s/metrics.csv", point_dir);
    return access(path, F_OK) == 0 ? SASC_POINT_FAILED : SASC_POINT_MISSING;
}

const char *sasc_point_status_name(sasc_point_status status)
{
    static const char *const names[] = { "missing", "interrupted", "failed", "completed" };
    return names[status];
}

/* ---- the points ---- */

static char *copy_or_fail(const char *text, bool *ok)
{
    char *copy = *ok ? strdup(text) : NULL;
    *ok = copy != NULL;
    return copy;
}

static bool point_list_alloc(sasc_point_list *points, const char *dir, int axes, long count)
{
    memset(points, 0, sizeof *points);
    bool ok = true;
    points->dir = copy_or_fail(dir, &ok);
    points->axis_count = axes;
    points->count = count;
    points->keys = calloc((size_t)(axes > 0 ? axes : 1), sizeof *points->keys);
    points->names = calloc((size_t)(count > 0 ? count : 1), sizeof *points->names);
    points->values = calloc((size_t)(count > 0 ? count : 1) * (size_t)(axes > 0 ? axes : 1), sizeof *points->values);
    return ok && points->keys && points->names && points->values;
}

void sasc_point_list_free(sasc_point_list *points)
{
    for (int a = 0; points->keys && a < points->axis_count; a++)
        free(points->keys[a]);
    for (long p = 0; points->names && p < points->count; p++)
        free(points->names[p]);
    for (long k = 0; points->values && k < points->count * points->axis_count; k++)
        free(points->values[k]);
    free(points->keys);
    free(points->names);
    free(points->values);
    free(points->dir);
    memset(points, 0, sizeof *points);
}

bool sasc_point_list_of_sweep(const sasc_sweep *sweep, const char *dir, sasc_point_list *points,
                              char *error, size_t error_size)
{
    long count = sasc_sweep_point_count(sweep);
    bool ok = point_list_alloc(points, dir, sweep->axis_count, count);
    for (int a = 0; ok && a < sweep->axis_count; a++)
        points->keys[a] = copy_or_fail(sweep->axes[a].key, &ok);
    for (long p = 0; ok && p < count; p++) {
        char name[256];
        int indices[SASC_SWEEP_MAX_AXES];
        ok = sasc_sweep_point_name(sweep, p, name, sizeof name);
        points->names[p] = copy_or_fail(name, &ok);
        sasc_sweep_point_indices(sweep, p, indices);
        for (int a = 0; ok && a < sweep->axis_count; a++)
            points->values[p * sweep->axis_count + a] = copy_or_fail(sweep->axes[a].values[indices[a]], &ok);
    }
    if (!ok) {
        snprintf(error, error_size, "out of memory listing a sweep's points");
        sasc_point_list_free(points);
    }
    return ok;
}

bool sasc_point_list_read(const char *dir, sasc_point_list *points, char *error, size_t error_size)
{
    char path[PATH_SIZE];
    snprintf(path, sizeof path, "%s/sweep.csv", dir);
    sasc_table t;
    if (!sasc_table_read(path, &t, error, error_size))
        return false;
    int status = sasc_table_column(&t, "status");
    if (t.columns < 2 || strcmp(t.header[0], "point") != 0 || status < 1) {
        snprintf(error, error_size, "%s is not a sweep's table (its columns must start with point, the "
                 "swept settings, status)", path);
        sasc_table_free(&t);
        return false;
    }
    int axes = status - 1;
    bool ok = point_list_alloc(points, dir, axes, t.rows);
    for (int a = 0; ok && a < axes; a++)
        points->keys[a] = copy_or_fail(t.header[1 + a], &ok);
    for (int r = 0; ok && r < t.rows; r++) {
        points->names[r] = copy_or_fail(sasc_table_field(&t, r, 0), &ok);
        for (int a = 0; ok && a < axes; a++)
            points->values[(long)r * axes + a] = copy_or_fail(sasc_table_field(&t, r, 1 + a), &ok);
    }
    sasc_table_free(&t);
    if (!ok) {
        snprintf(error, error_size, "out of memory reading %s", path);
        sasc_point_list_free(points);
    }
    return ok;
}

/* ---- collecting the points' tables ---- */

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

static bool load_points(const sasc_point_list *list, const char *table_file, point_data *points,
                        column_list *columns, char *error, size_t error_size)
{
    for (long p = 0; p < list->count; p++) {
        char point_dir[PATH_SIZE], path[PATH_SIZE + 300];
        snprintf(point_dir, sizeof point_dir, "%s/%s", list->dir, list->names[p]);
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
static bool add_point_row(const sasc_point_list *list, long p, const point_data *point, int row,
                          const column_list *header, sasc_table *out)
{
    const char **fields = calloc((size_t)header->count, sizeof *fields);
    if (!fields)
        return false;
    int f = 0;
    fields[f++] = list->names[p];
    for (int a = 0; a < list->axis_count; a++)
        fields[f++] = list->values[p * list->axis_count + a];
    fields[f++] = sasc_point_status_name(point->status);
    for (; f < header->count; f++) {
        int c = row >= 0 ? sasc_table_column(&point->table, header->names[f]) : -1;
        fields[f] = c >= 0 ? sasc_table_field(&point->table, row, c) : "";
    }
    bool ok = sasc_table_add_row(out, fields);
    free(fields);
    return ok;
}

bool sasc_sweep_collect(const sasc_point_list *list, const char *table_file, bool every_row,
                        sasc_table *out, char *error, size_t error_size)
{
    memset(out, 0, sizeof *out);
    point_data *points = calloc((size_t)(list->count > 0 ? list->count : 1), sizeof *points);
    column_list header = {0};
    bool ok = points != NULL && column_add(&header, "point");
    for (int a = 0; ok && a < list->axis_count; a++)
        ok = column_add(&header, list->keys[a]);
    ok = ok && column_add(&header, "status");
    int fixed = header.count;
    if (!ok)
        snprintf(error, error_size, "out of memory collecting a sweep");
    ok = ok && load_points(list, table_file, points, &header, error, error_size);
    if (ok && header.count == fixed && every_row) {
        snprintf(error, error_size, "no completed point of the sweep in %s has %s", list->dir, table_file);
        ok = false;
    }
    ok = ok && sasc_table_init(out, (const char *const *)header.names, header.count);
    for (long p = 0; ok && p < list->count; p++) {
        const point_data *point = &points[p];
        int rows = point->loaded ? point->table.rows : 0;
        if (!every_row)
            ok = add_point_row(list, p, point, rows > 0 ? rows - 1 : -1, &header, out);
        for (int r = 0; ok && every_row && r < rows; r++)
            ok = add_point_row(list, p, point, r, &header, out);
        if (!ok)
            snprintf(error, error_size, "out of memory collecting a sweep");
    }
    for (long p = 0; points && p < list->count; p++)
        if (points[p].loaded)
            sasc_table_free(&points[p].table);
    free(points);
    column_list_free(&header);
    if (!ok)
        sasc_table_free(out);
    return ok;
}

bool sasc_sweep_summary(const sasc_point_list *points, const sasc_table *in, sasc_table *out,
                        char *error, size_t error_size)
{
    sasc_table completed;
    int status = sasc_table_column(in, "status");
    bool ok = status >= 0 && sasc_table_init(&completed, (const char *const *)in->header, in->columns);
    for (int r = 0; ok && r < in->rows; r++)
        if (strcmp(sasc_table_field(in, r, status), "completed") == 0)
            ok = sasc_table_add_row(&completed, (const char *const *)&in->fields[(size_t)r * (size_t)in->columns]);
    static const char *const dropped[] = { "point", "status" };
    sasc_summary_columns columns = {"seed", (const char *const *)points->keys, points->axis_count, dropped, 2};
    if (!ok)
        snprintf(error, error_size, "out of memory summarising a sweep");
    ok = ok && sasc_aggregate_summary(&completed, &columns, out, error, error_size);
    if (status >= 0)
        sasc_table_free(&completed);
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
    sasc_point_list points;
    if (!sasc_point_list_of_sweep(sweep, dir, &points, error, error_size))
        return false;
    sasc_table table = {0}, summary = {0};
    char path[PATH_SIZE];
    snprintf(path, sizeof path, "%s/sweep.csv", dir);
    bool ok = sasc_sweep_collect(&points, "metrics.csv", false, &table, error, error_size) &&
              sasc_table_write(&table, path, error, error_size) &&
              sasc_sweep_summary(&points, &table, &summary, error, error_size);
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    ok = ok && sasc_table_write(&summary, path, error, error_size) &&
         write_figures(sweep, &summary, dir, error, error_size);
    sasc_table_free(&table);
    sasc_table_free(&summary);
    sasc_point_list_free(&points);
    return ok;
}

/* The names of the tables (NAME.csv) in the first completed point's directory. */
static int list_tables(const sasc_point_list *points, char ***names)
{
    *names = NULL;
    for (long p = 0; p < points->count; p++) {
        char point_dir[PATH_SIZE];
        snprintf(point_dir, sizeof point_dir, "%s/%s", points->dir, points->names[p]);
        if (sasc_sweep_point_status(point_dir) != SASC_POINT_COMPLETED)
            continue;
        DIR *d = opendir(point_dir);
        if (!d)
            return -1;
        int count = 0;
        for (struct dirent *e; (e = readdir(d)) != NULL;) {
            size_t n = strlen(e->d_name);
            if (n < 5 || strcmp(e->d_name + n - 4, ".csv") != 0 || strcmp(e->d_name, "metrics.csv") == 0)
                continue;
            char **grown = realloc(*names, (size_t)(count + 1) * sizeof *grown);
            if (!grown || !(grown[count] = strdup(e->d_name))) {
                *names = grown ? grown : *names;
                closedir(d);
                return -1;
            }
            *names = grown;
            count++;
        }
        closedir(d);
        qsort(*names, (size_t)count, sizeof **names, compare_strings);
        return count;
    }
    return 0;
}

bool sasc_sweep_aggregate_tables(const sasc_point_list *points, int *tables, char *error, size_t error_size)
{
    char **names = NULL, dir[PATH_SIZE];
    int count = list_tables(points, &names);
    snprintf(dir, sizeof dir, "%s/analysis", points->dir);
    bool ok = count >= 0 && sasc_make_directories(dir, error, error_size);
    if (count < 0)
        snprintf(error, error_size, "cannot list the tables of %s's points", points->dir);
    for (int k = 0; ok && k < count; k++) {
        sasc_table all = {0}, summary = {0};
        char path[PATH_SIZE + 300], stem[256];
        snprintf(stem, sizeof stem, "%.*s", (int)(strlen(names[k]) - 4), names[k]);
        snprintf(path, sizeof path, "%s/%s", dir, names[k]);
        ok = sasc_sweep_collect(points, names[k], true, &all, error, error_size) &&
             sasc_table_write(&all, path, error, error_size) &&
             sasc_sweep_summary(points, &all, &summary, error, error_size);
        snprintf(path, sizeof path, "%s/%s_summary.csv", dir, stem);
        ok = ok && sasc_table_write(&summary, path, error, error_size);
        sasc_table_free(&all);
        sasc_table_free(&summary);
    }
    for (int k = 0; k < count; k++)
        free(names[k]);
    free(names);
    *tables = count > 0 ? count : 0;
    return ok;
}
