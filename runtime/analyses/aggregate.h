/*
 * aggregate.h — tables of results over many runs (a sweep's points), and
 * their summaries over replicates.
 *
 * A table is a header and rows of text fields, read from or written to a
 * CSV file (RFC 4180: fields with a comma, quote or line break are quoted).
 * Summarising groups the rows by their key columns and reports, for every
 * value column, the mean, the sample standard deviation (n - 1; 0 for one
 * value) and the standard error sd / sqrt(n) over the group's values that
 * are finite numbers (a diverged run's NaN is left out), and once per group
 * n, its number of rows. Groups appear in the order of their first row, so
 * a summary of the same rows is the same bytes.
 *
 * Which columns are keys: every column the caller names (a sweep's settings),
 * every column that is not numeric in every row, and the index columns of sasc's own tables
 * (sasc_aggregate_is_index: epoch, step, layer, ...), which number rows
 * rather than measure anything.
 */
#ifndef SASC_AGGREGATE_H
#define SASC_AGGREGATE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    char **header;
    int columns;
    char **fields;          /* rows x columns, row-major; owned */
    int rows, capacity;
} sasc_table;

bool sasc_table_read(const char *path, sasc_table *table, char *error, size_t error_size);
/* Append a row of `columns` fields (copied). */
bool sasc_table_add_row(sasc_table *table, const char *const *fields);
/* A table with this header and no rows. */
bool sasc_table_init(sasc_table *table, const char *const *header, int columns);
int sasc_table_column(const sasc_table *table, const char *name);
const char *sasc_table_field(const sasc_table *table, int row, int column);
bool sasc_table_write(const sasc_table *table, const char *path, char *error, size_t error_size);
void sasc_table_free(sasc_table *table);

/* True for the names of columns that index rows in sasc's tables. */
bool sasc_aggregate_is_index(const char *column);

/* The summary of `in` over the rows that differ only in `replicate` (a
 * column left out of the summary, e.g. "seed"; NULL for none), keyed by
 * the key columns above, `keys` among them. Columns named in `dropped` are
 * left out too (e.g. the point's directory). */
typedef struct {
    const char *replicate;
    const char *const *keys;
    int key_count;
    const char *const *dropped;
    int dropped_count;
} sasc_summary_columns;
bool sasc_aggregate_summary(const sasc_table *in, const sasc_summary_columns *columns, sasc_table *out,
                            char *error, size_t error_size);

#endif
