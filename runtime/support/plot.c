/*
 * plot.c — SVG figures (see plot.h). Each figure is a frame (plot area in
 * pixels plus the data ranges it shows) with axes, drawn by the shared
 * frame_* functions, and its own marks: paths for lines, rects for bars and
 * cells. Coordinates are printed with two decimals.
 */
#include "runtime/support/plot.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "runtime/support/output.h"

#define MAX_TICKS 7
#define MAX_LEGEND 64 /* legend entries of a line plot; further series have none */
#define TICK_CAPACITY 64
#define MARGIN_LEFT 78.0
#define MARGIN_RIGHT 24.0
#define MARGIN_TOP 44.0
#define MARGIN_BOTTOM 58.0
#define COLORBAR_SPACE 96.0
#define COLORBAR_STEPS 64
#define FONT "font-family=\"sans-serif\""

static const char *const palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                      "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"};
#define PALETTE_SIZE (sizeof palette / sizeof palette[0])

/* The plot area in pixels and the data window it shows; on a log axis the
 * window is in log10 units. */
typedef struct {
    double left, top, width, height;
    double x0, x1, y0, y1;
    bool log_y;
    bool integer_ticks;   /* matrix indices: only whole-number ticks */
} frame;

/* ---- ranges and ticks ---- */

/* [low, high] of the finite values, widened when empty or a single value. */
typedef struct {
    double low, high;
    bool any;
} range;

static void range_add(range *r, double v)
{
    if (!isfinite(v))
        return;
    if (!r->any || v < r->low)
        r->low = v;
    if (!r->any || v > r->high)
        r->high = v;
    r->any = true;
}

/* A drawable window: never empty, padded by `pad` of its width on both sides. */
static void range_window(const range *r, double pad, double *low, double *high)
{
    double lo = r->any ? r->low : 0.0, hi = r->any ? r->high : 1.0;
    if (hi - lo <= 0.0) {
        double half = lo != 0.0 ? 0.1 * fabs(lo) : 0.5;
        lo -= half;
        hi += half;
    }
    *low = lo - pad * (hi - lo);
    *high = hi + pad * (hi - lo);
}

static double tick_count(double low, double high, double step)
{
    return floor(high / step + 1e-9) - ceil(low / step - 1e-9) + 1.0;
}

size_t sasc_plot_nice_ticks(double low, double high, size_t max_ticks,
                            double *ticks, size_t capacity)
{
    if (!isfinite(low) || !isfinite(high) || low > high || max_ticks < 2 || capacity == 0)
        return 0;
    if (low == high) {
        ticks[0] = low;
        return 1;
    }
    double raw = (high - low) / (double)(max_ticks - 1);
    double magnitude = pow(10.0, floor(log10(raw)));
    static const double multiples[] = {1.0, 2.0, 5.0, 10.0, 20.0};
    double step = multiples[4] * magnitude;
    for (size_t i = 0; i < sizeof multiples / sizeof multiples[0]; i++) {
        if (tick_count(low, high, multiples[i] * magnitude) <= (double)max_ticks) {
            step = multiples[i] * magnitude;
            break;
        }
    }
    double first = ceil(low / step - 1e-9);
    size_t count = 0;
    for (double k = first; k * step <= high + 1e-9 * step && count < capacity; k += 1.0)
        ticks[count++] = k * step + 0.0; /* + 0.0 turns -0 into 0 */
    return count;
}

/* Decimals that show `step` exactly (step = 1, 2 or 5 times 10^e). */
static void format_tick(double value, double step, char *out, size_t size)
{
    double exponent = floor(log10(step) + 1e-9);
    if (fabs(value) >= 1e6 || exponent < -5)
        snprintf(out, size, "%g", value);
    else
        snprintf(out, size, "%.*f", exponent < 0 ? (int)-exponent : 0, value);
}

/* Nice ticks in [min(a,b), max(a,b)], only whole numbers when asked
 * (a step below 1 then leaves the integers, one apart). */
static size_t frame_ticks(const frame *fr, double a, double b, double *ticks)
{
    size_t n = sasc_plot_nice_ticks(fmin(a, b), fmax(a, b), MAX_TICKS, ticks, TICK_CAPACITY);
    if (!fr->integer_ticks)
        return n;
    size_t kept = 0;
    for (size_t i = 0; i < n; i++)
        if (ticks[i] == round(ticks[i]))
            ticks[kept++] = ticks[i];
    return kept;
}

/* Decades 10^k for the integers k in [low, high], every `stride`-th so that
 * at most MAX_TICKS remain. */
static size_t decade_ticks(double low, double high, double *ticks)
{
    double first = ceil(low - 1e-9), last = floor(high + 1e-9);
    if (!(last >= first))
        return 0;
    double stride = ceil((last - first + 1.0) / MAX_TICKS);
    size_t n = 0;
    for (double k = first; k <= last && n < TICK_CAPACITY; k += stride)
        ticks[n++] = pow(10.0, k);
    return n;
}

static double tick_step(const double *ticks, size_t n)
{
    return n > 1 ? ticks[1] - ticks[0] : 1.0;
}

/* ---- SVG text ---- */

static void write_escaped(sasc_atomic_file *f, const char *text)
{
    for (const char *c = text ? text : ""; *c; c++) {
        switch (*c) {
        case '&': sasc_atomic_printf(f, "&amp;"); break;
        case '<': sasc_atomic_printf(f, "&lt;"); break;
        case '>': sasc_atomic_printf(f, "&gt;"); break;
        case '"': sasc_atomic_printf(f, "&quot;"); break;
        case '\'': sasc_atomic_printf(f, "&apos;"); break;
        default:
            /* XML 1.0 forbids most control characters; show them as spaces. */
            sasc_atomic_printf(f, "%c", (unsigned char)*c < 0x20 && *c != '\t' ? ' ' : *c);
        }
    }
}

/* <text class=CLASS x y ATTRS>TEXT</text> */
static void write_text(sasc_atomic_file *f, const char *class_name, double x, double y,
                       const char *attributes, const char *text)
{
    sasc_atomic_printf(f, "<text class=\"%s\" x=\"%.2f\" y=\"%.2f\" " FONT " %s>", class_name, x,
                       y, attributes);
    write_escaped(f, text);
    sasc_atomic_printf(f, "</text>\n");
}

static void write_header(sasc_atomic_file *f, double width, double height, const char *title)
{
    sasc_atomic_printf(f,
                       "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
                       "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
                       "width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">\n",
                       width, height, width, height);
    sasc_atomic_printf(f, "<title>");
    write_escaped(f, title);
    sasc_atomic_printf(f, "</title>\n<rect class=\"background\" x=\"0\" y=\"0\" width=\"%.0f\" "
                       "height=\"%.0f\" fill=\"white\"/>\n", width, height);
    write_text(f, "title", width / 2, 26, "font-size=\"16\" text-anchor=\"middle\"", title);
}

static bool finish(sasc_atomic_file *f, char *error, size_t error_size)
{
    sasc_atomic_printf(f, "</svg>\n");
    return sasc_atomic_commit(f, error, error_size);
}

/* ---- frames and axes ---- */

static frame frame_make(double width, double height, double right_space)
{
    frame fr = {0};
    fr.left = MARGIN_LEFT;
    fr.top = MARGIN_TOP;
    fr.width = width - MARGIN_LEFT - right_space;
    fr.height = height - MARGIN_TOP - MARGIN_BOTTOM;
    return fr;
}

static double frame_x(const frame *fr, double x)
{
    return fr->left + (x - fr->x0) / (fr->x1 - fr->x0) * fr->width;
}

static double frame_y(const frame *fr, double y)
{
    double v = fr->log_y ? log10(y) : y;
    return fr->top + fr->height - (v - fr->y0) / (fr->y1 - fr->y0) * fr->height;
}

static void write_tick(sasc_atomic_file *f, double x1, double y1, double x2, double y2)
{
    sasc_atomic_printf(f, "<line class=\"tick\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" "
                       "stroke=\"black\"/>\n", x1, y1, x2, y2);
}

static void frame_x_axis(sasc_atomic_file *f, const frame *fr, const char *label)
{
    double ticks[TICK_CAPACITY], bottom = fr->top + fr->height;
    size_t n = frame_ticks(fr, fr->x0, fr->x1, ticks);
    for (size_t i = 0; i < n; i++) {
        char text[48];
        double x = frame_x(fr, ticks[i]);
        format_tick(ticks[i], tick_step(ticks, n), text, sizeof text);
        write_tick(f, x, bottom, x, bottom + 5);
        write_text(f, "ticklabel", x, bottom + 19, "font-size=\"12\" text-anchor=\"middle\"", text);
    }
    write_text(f, "xlabel", fr->left + fr->width / 2, bottom + 44,
               "font-size=\"14\" text-anchor=\"middle\"", label);
}

static void frame_y_axis(sasc_atomic_file *f, const frame *fr, const char *label)
{
    double ticks[TICK_CAPACITY];
    size_t n = fr->log_y ? decade_ticks(fr->y0, fr->y1, ticks)
                         : frame_ticks(fr, fr->y0, fr->y1, ticks);
    for (size_t i = 0; i < n; i++) {
        char text[48];
        double y = frame_y(fr, ticks[i]);
        if (fr->log_y)
            snprintf(text, sizeof text, "%g", ticks[i]);
        else
            format_tick(ticks[i], tick_step(ticks, n), text, sizeof text);
        write_tick(f, fr->left - 5, y, fr->left, y);
        write_text(f, "ticklabel", fr->left - 8, y + 4, "font-size=\"12\" text-anchor=\"end\"",
                   text);
    }
    double x = 20, y = fr->top + fr->height / 2;
    char attributes[96];
    snprintf(attributes, sizeof attributes,
             "font-size=\"14\" text-anchor=\"middle\" transform=\"rotate(-90 %.2f %.2f)\"", x, y);
    write_text(f, "ylabel", x, y, attributes, label);
}

static void frame_axes(sasc_atomic_file *f, const frame *fr, const char *x_label,
                       const char *y_label)
{
    sasc_atomic_printf(f, "<rect class=\"frame\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
                       "height=\"%.2f\" fill=\"none\" stroke=\"black\"/>\n",
                       fr->left, fr->top, fr->width, fr->height);
    frame_x_axis(f, fr, x_label);
    frame_y_axis(f, fr, y_label);
}

/* The legend sits right of the frame; the figure is widened by this much
 * (0 without labels) so that the plot area keeps its size. */
static double legend_space(const char *const *labels, size_t count)
{
    size_t longest = 0;
    bool any = false;
    for (size_t i = 0; i < count; i++) {
        if (labels[i]) {
            any = true;
            longest = strlen(labels[i]) > longest ? strlen(labels[i]) : longest;
        }
    }
    return any ? 56.0 + 7.0 * (double)longest : 0.0;
}

/* Legend entries (colour, text) stacked right of the frame's top. */
static void frame_legend(sasc_atomic_file *f, const frame *fr, const char *const *labels,
                         size_t count)
{
    double space = legend_space(labels, count);
    if (space == 0.0)
        return;
    size_t shown = 0;
    for (size_t i = 0; i < count; i++)
        shown += labels[i] != NULL;
    double x = fr->left + fr->width + 12, y = fr->top;
    sasc_atomic_printf(f, "<g class=\"legend\">\n<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
                       "height=\"%.2f\" fill=\"white\" stroke=\"#999999\"/>\n",
                       x, y, space - 20.0, 8.0 + 18.0 * (double)shown);
    for (size_t i = 0, row = 0; i < count; i++) {
        if (!labels[i])
            continue;
        double line_y = y + 13 + 18.0 * (double)row++;
        sasc_atomic_printf(f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"%s\" "
                           "stroke-width=\"3\"/>\n", x + 6, line_y, x + 28, line_y,
                           palette[i % PALETTE_SIZE]);
        write_text(f, "legendtext", x + 34, line_y + 4, "font-size=\"12\"", labels[i]);
    }
    sasc_atomic_printf(f, "</g>\n");
}

/* ---- line plots ---- */

static bool point_ok(const sasc_plot_series *s, size_t i, double *low, double *high)
{
    double y = s->y[i], spread = s->spread ? s->spread[i] : 0.0;
    *low = y - (isfinite(spread) ? fabs(spread) : 0.0);
    *high = y + (isfinite(spread) ? fabs(spread) : 0.0);
    return isfinite(s->x[i]) && isfinite(y);
}

static void lines_window(const sasc_line_plot *p, frame *fr)
{
    range x = {0}, y = {0};
    for (size_t k = 0; k < p->series_count; k++) {
        const sasc_plot_series *s = &p->series[k];
        for (size_t i = 0; i < s->n; i++) {
            double low, high;
            if (!point_ok(s, i, &low, &high))
                continue;
            range_add(&x, s->x[i]);
            range_add(&y, p->spread_style == SASC_SPREAD_NONE ? s->y[i] : low);
            range_add(&y, p->spread_style == SASC_SPREAD_NONE ? s->y[i] : high);
        }
    }
    range_window(&x, 0.02, &fr->x0, &fr->x1);
    range_window(&y, 0.05, &fr->y0, &fr->y1);
}

/* The band: one closed sub-path per run of drawable points. */
static void write_band(sasc_atomic_file *f, const frame *fr, const sasc_plot_series *s,
                       const char *colour)
{
    sasc_atomic_printf(f, "<path class=\"spread\" fill=\"%s\" fill-opacity=\"0.2\" stroke=\"none\" "
                       "d=\"", colour);
    size_t i = 0;
    while (i < s->n) {
        double low, high;
        if (!point_ok(s, i, &low, &high)) {
            i++;
            continue;
        }
        size_t end = i;
        while (end < s->n && point_ok(s, end, &low, &high))
            end++;
        for (size_t j = i; j < end; j++) {
            point_ok(s, j, &low, &high);
            sasc_atomic_printf(f, "%s%.2f %.2f ", j == i ? "M" : "L", frame_x(fr, s->x[j]),
                               frame_y(fr, high));
        }
        for (size_t j = end; j-- > i;) {
            point_ok(s, j, &low, &high);
            sasc_atomic_printf(f, "L%.2f %.2f ", frame_x(fr, s->x[j]), frame_y(fr, low));
        }
        sasc_atomic_printf(f, "Z ");
        i = end;
    }
    sasc_atomic_printf(f, "\"/>\n");
}

static void write_error_bars(sasc_atomic_file *f, const frame *fr, const sasc_plot_series *s,
                             const char *colour)
{
    sasc_atomic_printf(f, "<path class=\"spread\" fill=\"none\" stroke=\"%s\" d=\"", colour);
    for (size_t i = 0; i < s->n; i++) {
        double low, high;
        if (!point_ok(s, i, &low, &high))
            continue;
        double x = frame_x(fr, s->x[i]), y_low = frame_y(fr, low), y_high = frame_y(fr, high);
        sasc_atomic_printf(f, "M%.2f %.2f L%.2f %.2f M%.2f %.2f L%.2f %.2f M%.2f %.2f L%.2f %.2f ",
                           x, y_low, x, y_high, x - 3, y_low, x + 3, y_low, x - 3, y_high, x + 3,
                           y_high);
    }
    sasc_atomic_printf(f, "\"/>\n");
}

/* The line: a NaN point ends a run, the next drawable point starts one (M). */
static void write_series(sasc_atomic_file *f, const frame *fr, const sasc_plot_series *s,
                         const char *colour)
{
    sasc_atomic_printf(f, "<path class=\"series\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
                       "d=\"", colour);
    bool in_run = false;
    for (size_t i = 0; i < s->n; i++) {
        double low, high;
        if (!point_ok(s, i, &low, &high)) {
            in_run = false;
            continue;
        }
        sasc_atomic_printf(f, "%s%.2f %.2f ", in_run ? "L" : "M", frame_x(fr, s->x[i]),
                           frame_y(fr, s->y[i]));
        in_run = true;
    }
    sasc_atomic_printf(f, "\"/>\n");
    /* A run of one point is invisible as a line; mark every point. */
    for (size_t i = 0; i < s->n; i++) {
        double low, high;
        if (point_ok(s, i, &low, &high))
            sasc_atomic_printf(f, "<circle class=\"point\" cx=\"%.2f\" cy=\"%.2f\" r=\"2.5\" "
                               "fill=\"%s\"/>\n", frame_x(fr, s->x[i]), frame_y(fr, s->y[i]),
                               colour);
    }
}

static double size_or(double value, double fallback)
{
    return value > 0.0 ? value : fallback;
}

static bool check_series(const sasc_line_plot *p, char *error, size_t error_size)
{
    if (p->series_count > 0 && !p->series) {
        snprintf(error, error_size, "line plot: %zu series but no series array", p->series_count);
        return false;
    }
    for (size_t k = 0; k < p->series_count; k++) {
        if (p->series[k].n > 0 && (!p->series[k].x || !p->series[k].y)) {
            snprintf(error, error_size, "line plot: series %zu has no x or y values", k);
            return false;
        }
    }
    return true;
}

bool sasc_plot_write_lines(const sasc_line_plot *p, const char *path, char *error,
                           size_t error_size)
{
    if (!check_series(p, error, error_size))
        return false;
    const char *labels[MAX_LEGEND];
    size_t labelled = p->series_count < MAX_LEGEND ? p->series_count : MAX_LEGEND;
    for (size_t k = 0; k < labelled; k++)
        labels[k] = p->series[k].label;
    double legend = legend_space(labels, labelled);
    double width = size_or(p->width, SASC_PLOT_DEFAULT_WIDTH);
    double height = size_or(p->height, SASC_PLOT_DEFAULT_HEIGHT);
    sasc_atomic_file f;
    if (!sasc_atomic_open(&f, path, error, error_size))
        return false;
    frame fr = frame_make(width, height, MARGIN_RIGHT);
    lines_window(p, &fr);
    write_header(&f, width + legend, height, p->title);
    for (size_t k = 0; k < p->series_count; k++) {
        const sasc_plot_series *s = &p->series[k];
        const char *colour = palette[k % PALETTE_SIZE];
        if (s->spread && p->spread_style == SASC_SPREAD_BAND)
            write_band(&f, &fr, s, colour);
        else if (s->spread && p->spread_style == SASC_SPREAD_ERROR_BARS)
            write_error_bars(&f, &fr, s, colour);
        write_series(&f, &fr, s, colour);
    }
    frame_axes(&f, &fr, p->x_label, p->y_label);
    frame_legend(&f, &fr, labels, labelled);
    return finish(&f, error, error_size);
}

/* ---- histograms ---- */

size_t sasc_plot_bin(const double *values, size_t n, double low, double high, size_t bins,
                     double *edges, double *counts)
{
    if (bins == 0)
        return 0;
    for (size_t b = 0; b <= bins; b++)
        edges[b] = low + (high - low) * (double)b / (double)bins;
    memset(counts, 0, bins * sizeof *counts);
    if (!(high > low))
        return 0;
    size_t counted = 0;
    for (size_t i = 0; i < n; i++) {
        double v = values[i];
        if (!isfinite(v) || v < low || v > high)
            continue;
        size_t b = (size_t)((v - low) / (high - low) * (double)bins);
        counts[b < bins ? b : bins - 1] += 1.0;
        counted++;
    }
    return counted;
}

static bool histogram_window(const sasc_histogram_plot *p, frame *fr, char *error,
                             size_t error_size)
{
    if (p->bins == 0 || !p->edges || !p->counts) {
        snprintf(error, error_size, "histogram: no bins");
        return false;
    }
    for (size_t b = 0; b < p->bins; b++) {
        if (!(p->edges[b + 1] > p->edges[b])) {
            snprintf(error, error_size, "histogram: bin edges must increase (bin %zu)", b);
            return false;
        }
    }
    range y = {0};
    for (size_t b = 0; b < p->bins; b++)
        if (!p->log_y || p->counts[b] > 0.0)
            range_add(&y, p->log_y ? log10(p->counts[b]) : p->counts[b]);
    fr->x0 = p->edges[0];
    fr->x1 = p->edges[p->bins];
    fr->log_y = p->log_y;
    if (p->log_y) {
        fr->y0 = floor(y.any ? y.low : 0.0) - (y.any && y.low == floor(y.low) ? 0.3 : 0.0);
        fr->y1 = ceil(y.any ? y.high : 1.0) + 0.1;
    } else {
        fr->y0 = 0.0;
        fr->y1 = (y.any && y.high > 0.0 ? y.high : 1.0) * 1.05;
    }
    return true;
}

bool sasc_plot_write_histogram(const sasc_histogram_plot *p, const char *path, char *error,
                               size_t error_size)
{
    double width = size_or(p->width, SASC_PLOT_DEFAULT_WIDTH);
    double height = size_or(p->height, SASC_PLOT_DEFAULT_HEIGHT);
    frame fr = frame_make(width, height, MARGIN_RIGHT);
    if (!histogram_window(p, &fr, error, error_size))
        return false;
    sasc_atomic_file f;
    if (!sasc_atomic_open(&f, path, error, error_size))
        return false;
    write_header(&f, width + legend_space(&p->label, 1), height, p->title);
    double base = fr.top + fr.height;
    for (size_t b = 0; b < p->bins; b++) {
        double c = p->counts[b];
        if (!isfinite(c) || c <= 0.0)
            continue; /* nothing to draw (and no log of 0) */
        double x0 = frame_x(&fr, p->edges[b]), x1 = frame_x(&fr, p->edges[b + 1]);
        double top = frame_y(&fr, c);
        top = top < fr.top ? fr.top : top;
        sasc_atomic_printf(&f, "<rect class=\"bar\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
                           "height=\"%.2f\" fill=\"%s\" stroke=\"white\" stroke-width=\"0.5\"/>\n",
                           x0, top, x1 - x0, base - top > 0 ? base - top : 0.0, palette[0]);
    }
    frame_axes(&f, &fr, p->x_label, p->y_label);
    frame_legend(&f, &fr, &p->label, 1);
    return finish(&f, error, error_size);
}

/* ---- heat maps ---- */

/* Viridis, sampled at five points and interpolated linearly. */
static void colour_of(double t, char out[8])
{
    static const unsigned char anchors[5][3] = {
        {0x44, 0x01, 0x54}, {0x3b, 0x52, 0x8b}, {0x21, 0x91, 0x8c}, {0x5e, 0xc9, 0x62},
        {0xfd, 0xe7, 0x25}};
    t = isfinite(t) ? (t < 0.0 ? 0.0 : (t > 1.0 ? 1.0 : t)) : 0.0;
    double position = t * 4.0;
    int i = position >= 4.0 ? 3 : (int)position;
    double w = position - i;
    unsigned rgb[3];
    for (int c = 0; c < 3; c++)
        rgb[c] = (unsigned)lround((1.0 - w) * anchors[i][c] + w * anchors[i + 1][c]);
    snprintf(out, 8, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
}

static void heatmap_range(const sasc_heatmap_plot *p, double *low, double *high)
{
    range r = {0};
    for (size_t i = 0; i < p->rows * p->cols; i++)
        range_add(&r, p->values[i]);
    if (p->fixed_range) {
        *low = p->min;
        *high = p->max;
    } else {
        range_window(&r, 0.0, low, high);
        if (r.any && r.low == r.high) { /* a constant matrix: keep its value at the bottom */
            *high = r.low + (*high - *low);
            *low = r.low;
        }
    }
}

static void write_cells(sasc_atomic_file *f, const frame *fr, const sasc_heatmap_plot *p,
                        double low, double high)
{
    double cell_w = fr->width / (double)p->cols, cell_h = fr->height / (double)p->rows;
    for (size_t r = 0; r < p->rows; r++) {
        for (size_t c = 0; c < p->cols; c++) {
            double v = p->values[r * p->cols + c];
            if (!isfinite(v))
                continue;
            char colour[8];
            colour_of((v - low) / (high - low), colour);
            /* Cells overlap by a fraction of a pixel so no seams show. */
            sasc_atomic_printf(f, "<rect class=\"cell\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
                               "height=\"%.2f\" fill=\"%s\"/>\n", fr->left + cell_w * (double)c,
                               fr->top + cell_h * (double)r, cell_w + 0.3, cell_h + 0.3, colour);
        }
    }
}

static void write_colorbar(sasc_atomic_file *f, const frame *plot_frame, double low, double high,
                           const char *label)
{
    frame bar = *plot_frame;
    bar.integer_ticks = false;
    bar.left = plot_frame->left + plot_frame->width + 18;
    bar.width = 16;
    bar.x0 = 0;
    bar.x1 = 1;
    bar.y0 = low;
    bar.y1 = high;
    sasc_atomic_printf(f, "<g class=\"colorbar\">\n");
    double step_h = bar.height / COLORBAR_STEPS;
    for (int i = 0; i < COLORBAR_STEPS; i++) {
        char colour[8];
        colour_of((i + 0.5) / COLORBAR_STEPS, colour);
        sasc_atomic_printf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" "
                           "fill=\"%s\"/>\n", bar.left, bar.top + bar.height - step_h * (i + 1),
                           bar.width, step_h + 0.3, colour);
    }
    double ticks[TICK_CAPACITY];
    size_t n = frame_ticks(&bar, low, high, ticks);
    for (size_t i = 0; i < n; i++) {
        char text[48];
        double y = frame_y(&bar, ticks[i]);
        format_tick(ticks[i], tick_step(ticks, n), text, sizeof text);
        write_tick(f, bar.left + bar.width, y, bar.left + bar.width + 4, y);
        write_text(f, "ticklabel", bar.left + bar.width + 7, y + 4, "font-size=\"11\"", text);
    }
    write_text(f, "colorbarlabel", bar.left + bar.width / 2, bar.top - 8,
               "font-size=\"13\" text-anchor=\"middle\"", label);
    sasc_atomic_printf(f, "</g>\n");
}

bool sasc_plot_write_heatmap(const sasc_heatmap_plot *p, const char *path, char *error,
                             size_t error_size)
{
    if (p->rows == 0 || p->cols == 0 || !p->values) {
        snprintf(error, error_size, "heat map: empty matrix");
        return false;
    }
    double low, high;
    heatmap_range(p, &low, &high);
    if (!(high > low) || !isfinite(low) || !isfinite(high)) {
        snprintf(error, error_size, "heat map: colour range [%g, %g] is empty", low, high);
        return false;
    }
    double width = size_or(p->width, SASC_PLOT_DEFAULT_WIDTH);
    double height = size_or(p->height, SASC_PLOT_DEFAULT_HEIGHT);
    sasc_atomic_file f;
    if (!sasc_atomic_open(&f, path, error, error_size))
        return false;
    frame fr = frame_make(width, height, COLORBAR_SPACE);
    /* Column c covers [c - 1/2, c + 1/2): integer ticks fall on cell
     * centres. Row 0 is at the top, so the y window runs downwards. */
    fr.x0 = -0.5;
    fr.x1 = (double)p->cols - 0.5;
    fr.y0 = (double)p->rows - 0.5;
    fr.y1 = -0.5;
    fr.integer_ticks = true;
    write_header(&f, width, height, p->title);
    write_cells(&f, &fr, p, low, high);
    frame_axes(&f, &fr, p->x_label, p->y_label);
    write_colorbar(&f, &fr, low, high, p->value_label);
    return finish(&f, error, error_size);
}
