/*
 * sweep.h — a sweep: lists of values for task settings, and the points
 * (one task each) they make.
 *
 * A sweep is a list of axes, each a setting KEY with one or more values as
 * `--set KEY=VALUE` would take them. Axes combine as a grid (every
 * combination; the first axis varies slowest) or zipped (point k takes value
 * k of every axis; all axes the same length). A point is named by its
 * values, "KEY-VALUE_KEY-VALUE" with every character outside [A-Za-z0-9.+-]
 * replaced by '_', which is its run directory's name under the sweep's
 * directory: the same sweep always gives the same names, so a sweep
 * started again finds its finished points.
 *
 * The axis `seed` is the replicate axis: summaries average over it.
 */
#ifndef SASC_SWEEP_H
#define SASC_SWEEP_H

#include <stdbool.h>
#include <stddef.h>

#include "runtime/settings/task.h"

enum { SASC_SWEEP_MAX_AXES = 16, SASC_SWEEP_MAX_VALUES = 1000, SASC_SWEEP_MAX_POINTS = 100000 };

typedef enum { SASC_SWEEP_GRID, SASC_SWEEP_ZIP } sasc_sweep_combine;

typedef struct {
    char *key;
    char **values;          /* owned */
    int count;
} sasc_sweep_axis;

typedef struct {
    sasc_sweep_axis axes[SASC_SWEEP_MAX_AXES];
    int axis_count;
    sasc_sweep_combine combine;
} sasc_sweep;

/* Add an axis KEY with the comma-separated VALUES ("seed", "1,2,3"); an
 * axis of a key already present replaces it. Each value is checked as
 * `--set KEY=VALUE` would be, on a copy of `base`. False with one sentence
 * in `error`. */
bool sasc_sweep_add_axis(sasc_sweep *sweep, const sasc_task *base, const char *key, const char *values,
                         char *error, size_t error_size);

/* Parse "KEY=V1,V2,..." (the --over option) into an axis. */
bool sasc_sweep_add_option(sasc_sweep *sweep, const sasc_task *base, const char *option,
                           char *error, size_t error_size);

/* The number of points (0 for a zipped sweep whose axes differ in length:
 * sasc_sweep_check says why), at most SASC_SWEEP_MAX_POINTS. */
long sasc_sweep_point_count(const sasc_sweep *sweep);
bool sasc_sweep_check(const sasc_sweep *sweep, char *error, size_t error_size);

/* The value index of every axis at point `point` (0 <= point < count). */
void sasc_sweep_point_indices(const sasc_sweep *sweep, long point, int indices[SASC_SWEEP_MAX_AXES]);

/* Apply point `point`'s values to `task` (after the task's own settings). */
bool sasc_sweep_apply_point(const sasc_sweep *sweep, long point, sasc_task *task,
                            char *error, size_t error_size);

/* The point's directory name; false when it does not fit in `size`. */
bool sasc_sweep_point_name(const sasc_sweep *sweep, long point, char *name, size_t size);

/* The index of axis `key`, or -1. */
int sasc_sweep_find_axis(const sasc_sweep *sweep, const char *key);

void sasc_sweep_free(sasc_sweep *sweep);

#endif
