/*
 * sweep.c — axes and points of a sweep (sweep.h).
 */
#include "runtime/settings/sweep.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sasc_sweep_find_axis(const sasc_sweep *sweep, const char *key)
{
    for (int a = 0; a < sweep->axis_count; a++)
        if (strcmp(sweep->axes[a].key, key) == 0)
            return a;
    return -1;
}

static void axis_free(sasc_sweep_axis *axis)
{
    for (int v = 0; v < axis->count; v++)
        free(axis->values[v]);
    free(axis->values);
    free(axis->key);
    memset(axis, 0, sizeof *axis);
}

/* Split "1,2,3" into owned values; false on an empty value or too many. */
static bool split_values(const char *key, const char *text, sasc_sweep_axis *axis, char *error,
                         size_t error_size)
{
    for (const char *at = text;;) {
        const char *comma = strchr(at, ',');
        size_t length = comma ? (size_t)(comma - at) : strlen(at);
        if (length == 0) {
            snprintf(error, error_size, "sweep over '%s': an empty value in '%s'", key, text);
            return false;
        }
        if (axis->count == SASC_SWEEP_MAX_VALUES) {
            snprintf(error, error_size, "sweep over '%s': more than %d values", key, SASC_SWEEP_MAX_VALUES);
            return false;
        }
        char **grown = realloc(axis->values, (size_t)(axis->count + 1) * sizeof *grown);
        if (grown)
            axis->values = grown;
        char *value = grown ? strndup(at, length) : NULL;
        if (!value) {
            snprintf(error, error_size, "out of memory reading a sweep");
            return false;
        }
        axis->values[axis->count++] = value;
        if (!comma)
            return true;
        at = comma + 1;
    }
}

/* Each value must be one `--set KEY=VALUE` accepts, and appear once. */
static bool check_values(const sasc_task *base, const sasc_sweep_axis *axis, char *error, size_t error_size)
{
    for (int v = 0; v < axis->count; v++) {
        sasc_task copy = *base;
        char message[1024];
        if (!sasc_task_set(&copy, axis->key, axis->values[v], message, sizeof message)) {
            snprintf(error, error_size, "sweep over %s=%s: %s", axis->key, axis->values[v], message);
            return false;
        }
        for (int w = 0; w < v; w++)
            if (strcmp(axis->values[w], axis->values[v]) == 0) {
                snprintf(error, error_size, "sweep over '%s': the value '%s' is listed twice",
                         axis->key, axis->values[v]);
                return false;
            }
    }
    return true;
}

bool sasc_sweep_add_axis(sasc_sweep *sweep, const sasc_task *base, const char *key, const char *values,
                         char *error, size_t error_size)
{
    if (strcmp(key, "out") == 0 || strcmp(key, "name") == 0 || strcmp(key, "model") == 0) {
        snprintf(error, error_size, "a sweep cannot vary '%s' (every point has its own directory "
                 "under the sweep's, of the same task and model)", key);
        return false;
    }
    sasc_sweep_axis axis = {0};
    axis.key = strdup(key);
    if (!axis.key) {
        snprintf(error, error_size, "out of memory reading a sweep");
        return false;
    }
    if (!split_values(key, values, &axis, error, error_size) ||
        !check_values(base, &axis, error, error_size)) {
        axis_free(&axis);
        return false;
    }
    int existing = sasc_sweep_find_axis(sweep, key);
    if (existing >= 0) {
        axis_free(&sweep->axes[existing]);
        sweep->axes[existing] = axis;
        return true;
    }
    if (sweep->axis_count == SASC_SWEEP_MAX_AXES) {
        axis_free(&axis);
        snprintf(error, error_size, "a sweep has at most %d settings", SASC_SWEEP_MAX_AXES);
        return false;
    }
    sweep->axes[sweep->axis_count++] = axis;
    return true;
}

bool sasc_sweep_add_option(sasc_sweep *sweep, const sasc_task *base, const char *option,
                           char *error, size_t error_size)
{
    const char *equals = strchr(option, '=');
    size_t length = equals ? (size_t)(equals - option) : 0;
    char key[128];
    if (!equals || length == 0 || length >= sizeof key || equals[1] == '\0') {
        snprintf(error, error_size, "'--over %s' is not of the form KEY=VALUE,VALUE,...", option);
        return false;
    }
    memcpy(key, option, length);
    key[length] = '\0';
    return sasc_sweep_add_axis(sweep, base, key, equals + 1, error, error_size);
}

long sasc_sweep_point_count(const sasc_sweep *sweep)
{
    if (sweep->axis_count == 0)
        return 1;
    long count = sweep->combine == SASC_SWEEP_ZIP ? sweep->axes[0].count : 1;
    for (int a = 0; a < sweep->axis_count; a++) {
        int n = sweep->axes[a].count;
        if (sweep->combine == SASC_SWEEP_ZIP && n != count)
            return 0;
        if (sweep->combine == SASC_SWEEP_GRID) {
            if (count > SASC_SWEEP_MAX_POINTS / n)
                return SASC_SWEEP_MAX_POINTS + 1;
            count *= n;
        }
    }
    return count;
}

bool sasc_sweep_check(const sasc_sweep *sweep, char *error, size_t error_size)
{
    long count = sasc_sweep_point_count(sweep);
    if (count == 0) {   /* zipped, and some axis differs in length from the first */
        int a = 1;
        while (sweep->axes[a].count == sweep->axes[0].count)
            a++;
        snprintf(error, error_size, "a zipped sweep needs as many values for every setting ('%s' has %d, "
                 "'%s' has %d)", sweep->axes[0].key, sweep->axes[0].count, sweep->axes[a].key,
                 sweep->axes[a].count);
        return false;
    }
    if (count > SASC_SWEEP_MAX_POINTS) {
        snprintf(error, error_size, "the sweep has more than %d points", SASC_SWEEP_MAX_POINTS);
        return false;
    }
    return true;
}

void sasc_sweep_point_indices(const sasc_sweep *sweep, long point, int indices[SASC_SWEEP_MAX_AXES])
{
    for (int a = sweep->axis_count - 1; a >= 0; a--) {
        int n = sweep->axes[a].count;
        indices[a] = sweep->combine == SASC_SWEEP_ZIP ? (int)point : (int)(point % n);
        if (sweep->combine == SASC_SWEEP_GRID)
            point /= n;
    }
}

bool sasc_sweep_apply_point(const sasc_sweep *sweep, long point, sasc_task *task,
                            char *error, size_t error_size)
{
    int indices[SASC_SWEEP_MAX_AXES];
    sasc_sweep_point_indices(sweep, point, indices);
    for (int a = 0; a < sweep->axis_count; a++) {
        const sasc_sweep_axis *axis = &sweep->axes[a];
        char message[1024];
        if (!sasc_task_set(task, axis->key, axis->values[indices[a]], message, sizeof message)) {
            snprintf(error, error_size, "sweep point %s=%s: %s", axis->key, axis->values[indices[a]],
                     message);
            return false;
        }
    }
    return true;
}

bool sasc_sweep_point_name(const sasc_sweep *sweep, long point, char *name, size_t size)
{
    int indices[SASC_SWEEP_MAX_AXES];
    sasc_sweep_point_indices(sweep, point, indices);
    size_t used = 0;
    int written = snprintf(name, size, "%s", sweep->axis_count == 0 ? "point" : "");
    used = (size_t)written;
    for (int a = 0; a < sweep->axis_count && used < size; a++) {
        written = snprintf(name + used, size - used, "%s%s-%s", a == 0 ? "" : "_", sweep->axes[a].key,
                           sweep->axes[a].values[indices[a]]);
        used += (size_t)written;
    }
    if (used >= size)
        return false;
    for (char *c = name; *c; c++) {
        bool kept = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
                    *c == '.' || *c == '+' || *c == '-' || *c == '_';
        if (!kept)
            *c = '_';
    }
    return true;
}

void sasc_sweep_free(sasc_sweep *sweep)
{
    for (int a = 0; a < sweep->axis_count; a++)
        axis_free(&sweep->axes[a]);
    sweep->axis_count = 0;
}
