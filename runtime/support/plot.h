/*
 * plot.h — standalone SVG 1.1 figures: line plots, histograms, heat maps.
 *
 * A plot is described by a C struct pointing at the caller's data (nothing is
 * copied or kept) and written atomically (runtime/support/output.h: a temporary file
 * renamed over the destination, write errors reported). No dependencies.
 *
 * Every figure has a white background, a title, axes with "nice" ticks
 * (steps 1, 2 or 5 times a power of ten, or decades on a log axis), tick
 * labels and axis labels; line plots and labelled histograms have a legend
 * right of the plot area (the figure is widened for it; at most 64 entries),
 * heat maps a viridis colour bar. All text is XML-escaped. Non-finite values are
 * skipped: a NaN point breaks its line, a NaN histogram count or matrix
 * entry draws no bar or cell.
 *
 * Elements carry classes so that programs (and tests) can find them:
 * "series" (one <path> per line series), "spread" (its error bars or band),
 * "bar" (one <rect> per drawn histogram bin), "cell" (one <rect> per drawn
 * matrix entry), "colorbar", "legend", "title", "xlabel", "ylabel", "tick".
 */
#ifndef SASC_PLOT_H
#define SASC_PLOT_H

#include <stdbool.h>
#include <stddef.h>

/* Default size in pixels, used when a plot's width or height is 0. */
#define SASC_PLOT_DEFAULT_WIDTH 640.0
#define SASC_PLOT_DEFAULT_HEIGHT 440.0

typedef enum {
    SASC_SPREAD_NONE,        /* the spread array is ignored */
    SASC_SPREAD_ERROR_BARS,  /* a vertical bar y +- spread at every point */
    SASC_SPREAD_BAND         /* a shaded band between y - spread and y + spread */
} sasc_spread_style;

typedef struct {
    const char *label;       /* legend text, or NULL for no legend entry */
    const double *x, *y;     /* n points */
    const double *spread;    /* NULL, or n half-widths (mean +- spread) */
    size_t n;
} sasc_plot_series;

typedef struct {
    const char *title, *x_label, *y_label;
    const sasc_plot_series *series;
    size_t series_count;
    sasc_spread_style spread_style;
    double width, height;    /* pixels; 0 for the defaults */
} sasc_line_plot;

typedef struct {
    const char *title, *x_label, *y_label;
    const char *label;       /* legend text, or NULL */
    const double *edges;     /* bins + 1 increasing bin edges */
    const double *counts;    /* bins counts (or densities), >= 0 */
    size_t bins;
    bool log_y;              /* logarithmic count axis; zero counts draw nothing */
    double width, height;
} sasc_histogram_plot;

typedef struct {
    const char *title, *x_label, *y_label;
    const char *value_label; /* the colour bar's label, e.g. "pi" */
    const double *values;    /* rows x cols, row-major; row 0 drawn at the top */
    size_t rows, cols;
    bool fixed_range;        /* use [min, max] for the colours, else the data's range */
    double min, max;
    double width, height;
} sasc_heatmap_plot;

/* Write the figure to `path`; false with "cannot write PATH: REASON" (or a
 * description of what is wrong with the plot) in `error`. */
bool sasc_plot_write_lines(const sasc_line_plot *plot, const char *path,
                           char *error, size_t error_size);
bool sasc_plot_write_histogram(const sasc_histogram_plot *plot, const char *path,
                               char *error, size_t error_size);
bool sasc_plot_write_heatmap(const sasc_heatmap_plot *plot, const char *path,
                             char *error, size_t error_size);

/* Ticks at the multiples of a 1-2-5 step inside [low, high], the step chosen
 * so that there are at most `max_ticks` (>= 2) of them and as many as that
 * allows; e.g. [0, 0.87] with 6 gives 0, 0.2, 0.4, 0.6, 0.8. Returns the
 * number written to `ticks` (at most `capacity`), 0 for an empty or
 * non-finite range. A single-value range gives that value. */
size_t sasc_plot_nice_ticks(double low, double high, size_t max_ticks,
                            double *ticks, size_t capacity);

/* Count finite `values` into `bins` equal bins over [low, high] (the last
 * bin includes high; values outside are not counted). edges gets bins + 1
 * entries. Returns the number of values counted. */
size_t sasc_plot_bin(const double *values, size_t n, double low, double high, size_t bins,
                     double *edges, double *counts);

#endif
