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

/* The table of sweep.csv for the sweep in `dir` (points in sweep order),
 * built from the points' files named `table_file` (the last row of each:
 * "metrics.csv"; or every row, `every_row`, for an analysis table). */
bool sasc_sweep_collect(const sasc_sweep *sweep, const char *dir, const char *table_file, bool every_row,
                        sasc_table *out, char *error, size_t error_size);

/* sweep.csv, summary.csv and the figures in `dir`. */
bool sasc_sweep_write_report(const sasc_sweep *sweep, const char *dir, char *error, size_t error_size);

#endif
