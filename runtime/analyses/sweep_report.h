/*
 * sweep_report.h — what a sweep leaves in its directory, from its points'
 * own outputs (DIR/POINT/run.json and metrics.csv), never from memory, so
 * that a sweep finished in several sittings reports exactly what one
 * uninterrupted sweep would:
 *
 *   sweep.csv     one row per point: its name, its value of every swept
 *                 setting, its status (completed, interrupted, failed or
 *                 missing) and the last row of its metrics.csv (timing aside)
 *   summary.csv   the completed points grouped by every swept setting but
 *                 the seed: mean, sd, standard error and n of every metric
 *                 (runtime/analyses/aggregate.h)
 *   sweep_METRIC_vs_SETTING.svg   for every swept numeric setting but the
 *                 seed: test error (1 - test accuracy) and training loss
 *                 against it, one line per combination of the other swept
 *                 settings, error bars one standard error
 */
#ifndef SASC_SWEEP_REPORT_H
#define SASC_SWEEP_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "runtime/analyses/aggregate.h"
#include "runtime/settings/sweep.h"

/* Status of the point in directory `point_dir`. */
typedef enum { SASC_POINT_MISSING, SASC_POINT_INTERRUPTED, SASC_POINT_FAILED,
               SASC_POINT_COMPLETED } sasc_point_status;
sasc_point_status sasc_sweep_point_status(const char *point_dir);
const char *sasc_point_status_name(sasc_point_status status);

/* The points of a sweep in `dir`: their names (directories) and values of
 * the swept settings, in sweep order; from the sweep itself, or read back
 * from its sweep.csv (columns point, the settings, status, ...). */
typedef struct {
    char *dir;
    int axis_count;
    char **keys;               /* axis_count */
    long count;
    char **names;              /* count */
    char **values;             /* count x axis_count */
} sasc_point_list;
bool sasc_point_list_of_sweep(const sasc_sweep *sweep, const char *dir, sasc_point_list *points,
                              char *error, size_t error_size);
bool sasc_point_list_read(const char *dir, sasc_point_list *points, char *error, size_t error_size);
void sasc_point_list_free(sasc_point_list *points);

/* A table of every point: its name, its value of every swept setting, its
 * status, then the points' files named `table_file` (the last row of each,
 * "metrics.csv"; or every row, `every_row`, for an analysis table). */
bool sasc_sweep_collect(const sasc_point_list *points, const char *table_file, bool every_row,
                        sasc_table *out, char *error, size_t error_size);

/* `in` grouped over the seed (the replicate) by the swept settings and the
 * table's own keys, completed points only: summary.csv's table. */
bool sasc_sweep_summary(const sasc_point_list *points, const sasc_table *in, sasc_table *out,
                        char *error, size_t error_size);

/* sweep.csv, summary.csv and the figures in the sweep's directory. */
bool sasc_sweep_write_report(const sasc_sweep *sweep, const char *dir, char *error, size_t error_size);

/* After an analysis of every completed point: each table NAME.csv the
 * points hold (but metrics.csv) collected into DIR/analysis/NAME.csv (every
 * row of every point, with its settings) and summarised over seeds into
 * DIR/analysis/NAME_summary.csv. The number of tables is in *tables. */
bool sasc_sweep_aggregate_tables(const sasc_point_list *points, int *tables, char *error, size_t error_size);

#endif
