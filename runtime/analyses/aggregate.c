/*
 * aggregate.c — tables over runs and their summaries (aggregate.h).
 */
#include "runtime/analyses/aggregate.h"
#include "runtime/support/input_file.h"
#include "runtime/support/output.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- tables ---- */

bool sasc_table_init(sasc_table *table, const char *const *header, int columns)
{
    memset(table, 0, sizeof *table);
    table->header = calloc((size_t)(columns > 0 ? columns : 1), sizeof *table->header);
    if (!table->header)
        return false;
    table->columns = columns;
    for (int c = 0; c < columns; c++)
        if (!(table->header[c] = strdup(header[c]))) {
            sasc_table_free(table);
            return false;
        }
    return true;
}

bool sasc_table_add_row(sasc_table *table, const char *const *fields)
{
    if (table->rows == table->capacity) {
        int capacity = table->capacity ? 2 * table->capacity : 16;
        char **grown = realloc(table->fields, (size_t)capacity * (size_t)table->columns * sizeof *grown);
        if (!grown)
            return false;
        table->fields = grown;
        table->capacity = capacity;
    }
    char **row = table->fields + (size_t)table->rows * (size_t)table->columns;
    for (int c = 0; c < table->columns; c++) {
        row[c] = strdup(fields[c] ? fields[c] : "");
        if (!row[c]) {
            while (c-- > 0)
                free(row[c]);
            return false;
        }
    }
    table->rows++;
    return true;
}

int sasc_table_column(const sasc_table *table, const char *name)
{
    for (int c = 0; c < table->columns; c++)
        if (strcmp(table->header[c], name) == 0)
            return c;
    return -1;
}

const char *sasc_table_field(const sasc_table *table, int row, int column)
{
    return table->fields[(size_t)row * (size_t)table->columns + (size_t)column];
}

void sasc_table_free(sasc_table *table)
{
    for (size_t k = 0; k < (size_t)table->rows * (size_t)table->columns; k++)
        free(table->fields[k]);
    for (int c = 0; table->header && c < table->columns; c++)
        free(table->header[c]);
    free(table->fields);
    free(table->header);
    memset(table, 0, sizeof *table);
}

/* One CSV record from `*at` into `fields` (at most `most`); the count, or
 * -1 on a malformed record (an unterminated quote) or too many fields. */
static int read_record(char **at, char **fields, int most)
{
    char *p = *at, *out = p;
    int count = 0;
    for (;;) {
        if (count == most)
            return -1;
        fields[count++] = out;
        if (*p == '"') {
            for (p++;; p++) {
                if (*p == '\0')
                    return -1;
                if (*p == '"' && p[1] == '"') {
                    *out++ = '"';
                    p++;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    *out++ = *p;
                }
            }
        } else {
            while (*p && *p != ',' && *p != '\n' && *p != '\r')
                *out++ = *p++;
        }
        /* step over the delimiter before terminating the field: the field
         * is copied in place, so `out` may have reached it */
        char end = *p;
        if (end != '\0')
            p++;
        if (end == '\r' && *p == '\n')
            p++;
        *out++ = '\0';
        if (end == ',') {
            out = p;
            continue;
        }
        *at = p;
        return count;
    }
}

enum { MAX_COLUMNS = 4096 };

bool sasc_table_read(const char *path, sasc_table *table, char *error, size_t error_size)
{
    memset(table, 0, sizeof *table);
    char reason[256];
    char *text = sasc_input_read_all(path, 0, NULL, reason, sizeof reason);
    if (!text) {
        snprintf(error, error_size, "cannot read %s: %s", path, reason);
        return false;
    }
    char **fields = malloc(MAX_COLUMNS * sizeof *fields);
    char *at = text;
    int columns = fields && *at ? read_record(&at, fields, MAX_COLUMNS) : -1;
    bool ok = columns > 0 && sasc_table_init(table, (const char *const *)fields, columns);
    for (int line = 2; ok && *at; line++) {
        int count = read_record(&at, fields, MAX_COLUMNS);
        if (count == 1 && fields[0][0] == '\0')
            continue;   /* a blank line */
        if (count != columns) {
            snprintf(error, error_size, "%s:%d: %d fields where the header has %d", path, line,
                     count < 0 ? 0 : count, columns);
            sasc_table_free(table);
            free(fields);
            free(text);
            return false;
        }
        ok = sasc_table_add_row(table, (const char *const *)fields);
    }
    if (!ok) {
        snprintf(error, error_size, columns <= 0 ? "%s is not a CSV table with a header"
                 : "out of memory reading %s", path);
        sasc_table_free(table);
    }
    free(fields);
    free(text);
    return ok;
}

static void write_field(sasc_atomic_file *f, const char *text)
{
    if (strpbrk(text, ",\"\r\n") == NULL) {
        sasc_atomic_printf(f, "%s", text);
        return;
    }
    sasc_atomic_printf(f, "\"");
    for (const char *c = text; *c; c++)
        sasc_atomic_printf(f, *c == '"' ? "\"\"" : "%c", *c);
    sasc_atomic_printf(f, "\"");
}

static void write_record(sasc_atomic_file *f, char *const *fields, int columns)
{
    for (int c = 0; c < columns; c++) {
        if (c > 0)
            sasc_atomic_printf(f, ",");
        write_field(f, fields[c]);
    }
    sasc_atomic_printf(f, "\n");
}

bool sasc_table_write(const sasc_table *table, const char *path, char *error, size_t error_size)
{
    sasc_atomic_file f;
    if (!sasc_atomic_open(&f, path, error, error_size))
        return false;
    write_record(&f, table->header, table->columns);
    for (int r = 0; r < table->rows; r++)
        write_record(&f, table->fields + (size_t)r * (size_t)table->columns, table->columns);
    return sasc_atomic_commit(&f, error, error_size);
}

/* ---- summaries ---- */

bool sasc_aggregate_is_index(const char *column)
{
    static const char *const indices[] = {
        "epoch", "step", "t", "time", "time_ms", "fraction", "rate", "modality", "size", "train_size",
        "layer", "index", "group", "unit", "class", "bin", "row", "col", "i", "j", "kind", "network",
    };
    for (size_t k = 0; k < sizeof indices / sizeof indices[0]; k++)
        if (strcmp(column, indices[k]) == 0)
            return true;
    return false;
}

static bool parse_number(const char *text, double *value)
{
    char *end = NULL;
    errno = 0;
    *value = strtod(text, &end);
    return end != text && *end == '\0' && errno != ERANGE;
}

static bool column_is_numeric(const sasc_table *t, int c)
{
    for (int r = 0; r < t->rows; r++) {
        double v;
        const char *field = sasc_table_field(t, r, c);
        if (field[0] != '\0' && strcmp(field, "nan") != 0 && !parse_number(field, &v))
            return false;
    }
    return true;
}

typedef enum { ROLE_KEY, ROLE_VALUE, ROLE_DROPPED } column_role;

static bool listed(const char *name, const char *const *names, int count)
{
    for (int k = 0; k < count; k++)
        if (strcmp(name, names[k]) == 0)
            return true;
    return false;
}

static column_role role_of(const sasc_table *in, int c, const sasc_summary_columns *columns)
{
    const char *name = in->header[c];
    if ((columns->replicate && strcmp(name, columns->replicate) == 0) ||
        listed(name, columns->dropped, columns->dropped_count))
        return ROLE_DROPPED;
    return listed(name, columns->keys, columns->key_count) || sasc_aggregate_is_index(name) ||
           !column_is_numeric(in, c) ? ROLE_KEY : ROLE_VALUE;
}

/* True when rows a and b agree on every key column. */
static bool same_group(const sasc_table *in, const column_role *roles, int a, int b)
{
    for (int c = 0; c < in->columns; c++)
        if (roles[c] == ROLE_KEY && strcmp(sasc_table_field(in, a, c), sasc_table_field(in, b, c)) != 0)
            return false;
    return true;
}

/* The summary header: the keys, then mean/sd/sem of each value, then n. */
static bool summary_header(const sasc_table *in, const column_role *roles, sasc_table *out)
{
    char **names = calloc((size_t)in->columns * 3 + 1, sizeof *names);
    int count = 0;
    bool ok = names != NULL;
    for (int c = 0; ok && c < in->columns; c++)
        if (roles[c] == ROLE_KEY)
            ok = (names[count++] = strdup(in->header[c])) != NULL;
    static const char *const suffix[3] = { "mean", "sd", "sem" };
    for (int c = 0; ok && c < in->columns; c++)
        for (int k = 0; ok && k < 3 && roles[c] == ROLE_VALUE; k++)
            ok = asprintf(&names[count++], "%s_%s", in->header[c], suffix[k]) >= 0;
    ok = ok && (names[count++] = strdup("n")) != NULL;
    ok = ok && sasc_table_init(out, (const char *const *)names, count);
    for (int k = 0; names && k < count; k++)
        free(names[k]);
    free(names);
    return ok;
}

/* Mean, sd and sem of column c over the rows of `members` (count of them)
 * whose value is a finite number. */
static void moments(const sasc_table *in, int c, const int *members, int count, double out[3])
{
    double sum = 0, squares = 0;
    int n = 0;
    for (int k = 0; k < count; k++) {
        double v;
        if (parse_number(sasc_table_field(in, members[k], c), &v) && isfinite(v)) {
            sum += v;
            n++;
        }
    }
    double mean = n > 0 ? sum / n : NAN;
    for (int k = 0; k < count; k++) {
        double v;
        if (parse_number(sasc_table_field(in, members[k], c), &v) && isfinite(v))
            squares += (v - mean) * (v - mean);
    }
    double sd = n > 1 ? sqrt(squares / (n - 1)) : (n == 1 ? 0.0 : NAN);
    out[0] = mean;
    out[1] = sd;
    out[2] = n > 0 ? sd / sqrt((double)n) : NAN;
}

static bool summary_row(const sasc_table *in, const column_role *roles, const int *members, int count,
                        sasc_table *out)
{
    char **fields = calloc((size_t)out->columns, sizeof *fields);
    if (!fields)
        return false;
    int f = 0;
    bool ok = true;
    for (int c = 0; ok && c < in->columns; c++)
        if (roles[c] == ROLE_KEY)
            ok = (fields[f++] = strdup(sasc_table_field(in, members[0], c))) != NULL;
    for (int c = 0; ok && c < in->columns; c++) {
        if (roles[c] != ROLE_VALUE)
            continue;
        double m[3];
        moments(in, c, members, count, m);
        for (int k = 0; ok && k < 3; k++)
            ok = asprintf(&fields[f++], "%.9g", m[k]) >= 0;
    }
    ok = ok && asprintf(&fields[f++], "%d", count) >= 0;
    ok = ok && sasc_table_add_row(out, (const char *const *)fields);
    for (int k = 0; k < f; k++)
        free(fields[k]);
    free(fields);
    return ok;
}

bool sasc_aggregate_summary(const sasc_table *in, const sasc_summary_columns *columns, sasc_table *out,
                            char *error, size_t error_size)
{
    memset(out, 0, sizeof *out);
    column_role *roles = calloc((size_t)(in->columns > 0 ? in->columns : 1), sizeof *roles);
    int *members = calloc((size_t)(in->rows > 0 ? in->rows : 1), sizeof *members);
    bool *taken = calloc((size_t)(in->rows > 0 ? in->rows : 1), sizeof *taken);
    bool ok = roles && members && taken;
    for (int c = 0; ok && c < in->columns; c++)
        roles[c] = role_of(in, c, columns);
    ok = ok && summary_header(in, roles, out);
    for (int r = 0; ok && r < in->rows; r++) {
        if (taken[r])
            continue;
        int count = 0;
        for (int s = r; s < in->rows; s++)
            if (!taken[s] && same_group(in, roles, r, s)) {
                taken[s] = true;
                members[count++] = s;
            }
        ok = summary_row(in, roles, members, count, out);
    }
    if (!ok) {
        snprintf(error, error_size, "out of memory summarising a table");
        sasc_table_free(out);
    }
    free(roles);
    free(members);
    free(taken);
    return ok;
}
