/*
 * elasticity_analysis.c — the analysis "elasticity": local elasticity of a
 * SaS network (He & Su 2020; neurashed paper Sec. 3, Fig. 5) over pairs of
 * test images.
 *
 * Images: elasticity_images test images of each class, drawn without
 * replacement from the seed (Philox stream ELASTICITY_STREAM, a partial
 * Fisher-Yates shuffle of each class's test indices). Every ordered pair
 * (x, x') of distinct drawn images is measured: w+ is the ensemble after one
 * plain SGD step w+ = w - elasticity_step * grad L(x) at the base x alone (L
 * the task's loss, its exact gradient from the train kernel; pi clipped to
 * [0, 1], Xi to >= 0), and
 *     LE(x, x') = ||z(x', w+) - z(x', w)|| / ||z(x, w+) - z(x, w)||
 * with z the mean-field logits z = G + eps Delta of the output layer (the
 * pre-softmax values), eps per image drawn once (elasticity_noise = drawn)
 * or zero, the same before and after the step and in the step itself.
 * Groups of pairs: same class; similar (both classes in
 * elasticity_similar, different); dissimilar (one in elasticity_similar,
 * the other in elasticity_dissimilar).
 */
#include "runtime/analyses/elasticity.h"
#include "runtime/analyses/mean_field.h"
#include "runtime/analyses/registry.h"
#include "runtime/model/buffers.h"
#include "runtime/support/output.h"
#include "runtime/support/plot.h"
#include "runtime/support/rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ELASTICITY_STREAM ((uint64_t)0x13 << 56)
enum { HISTOGRAM_BINS = 40, GROUPS = 3 };
enum { SAME, SIMILAR, DISSIMILAR };
static const char *const group_names[GROUPS] = {"same_class", "similar", "dissimilar"};

/* ---- the class lists ---- */

/* Parse a comma list of classes into `in` (classes flags); false with a message. */
static bool parse_classes(const sasc_analysis_context *c, const char *key, const char *list, bool *in)
{
    int classes = c->program->classes;
    memset(in, 0, (size_t)classes * sizeof *in);
    const char *item;
    size_t length;
    for (const char *p = list; sasc_list_next(&p, &item, &length);) {
        char text[32];
        char *end;
        snprintf(text, sizeof text, "%.*s", (int)(length < 31 ? length : 31), item);
        long k = strtol(text, &end, 10);
        if (length == 0 || length > 30 || *end || k < 0 || k >= classes) {
            snprintf(c->error, c->error_size, "%s names '%.*s', which is not a class of model '%s' "
                     "(0 to %d)", key, (int)length, item, c->program->model_name, classes - 1);
            return false;
        }
        in[k] = true;
    }
    return true;
}

/* Both lists name classes of the model (checked when the analysis runs: the
 * defaults are Fashion-MNIST's, which a model of fewer classes that never
 * runs it must not be refused for). */
static bool check_elasticity(const sasc_analysis_context *c)
{
    bool *in = malloc((size_t)c->program->classes * sizeof *in);
    if (!in)
        return sasc_analysis_oom(c, "the elasticity's classes");
    bool ok = parse_classes(c, "elasticity_similar", c->task->elasticity_similar, in) &&
              parse_classes(c, "elasticity_dissimilar", c->task->elasticity_dissimilar, in);
    free(in);
    return ok;
}

/* ---- the drawn images ---- */

typedef struct {
    long *chosen;        /* test index of each drawn image, grouped by class */
    long *slot;          /* test index -> drawn image, or -1 */
    int *labels;         /* per test image (collect), then per drawn image */
    long tests;          /* test images seen */
    long capacity;
    size_t count;        /* drawn images */
    double *inputs;      /* count x input_width */
    double **noise;      /* per buffer: count x cols, or NULL */
    int input_width;
    bool failed;
} drawn;

static void collect_labels(void *context, void *const *buffers, const int *labels, int rows)
{
    (void)buffers;
    drawn *d = context;
    if (d->failed)
        return;
    if (d->tests + rows > d->capacity) {
        long grown = 2 * (d->tests + rows);
        int *more = realloc(d->labels, (size_t)grown * sizeof *more);
        if (!more) {
            d->failed = true;
            return;
        }
        d->labels = more;
        d->capacity = grown;
    }
    memcpy(d->labels + d->tests, labels, (size_t)rows * sizeof *labels);
    d->tests += rows;
}

/* The inputs of the drawn images, as the test pass loads them. */
typedef struct {
    drawn *d;
    const sasc_program *p;
    long first;
} input_copy;

static void collect_inputs(void *context, void *const *buffers, const int *labels, int rows)
{
    (void)labels;
    input_copy *copy = context;
    size_t width = (size_t)copy->p->input_width;
    for (int r = 0; r < rows; r++) {
        long s = copy->d->slot[copy->first + r];
        for (size_t k = 0; s >= 0 && k < width; k++)
            copy->d->inputs[(size_t)s * width + k] =
                sasc_buffer_get(buffers[copy->p->input_buffer], copy->p->precision, (size_t)r * width + k);
    }
    copy->first += rows;
}

static void drawn_free(drawn *d, const sasc_program *p)
{
    free(d->chosen);
    free(d->slot);
    free(d->labels);
    free(d->inputs);
    for (int b = 0; d->noise && b < p->buffer_count; b++)
        free(d->noise[b]);
    free(d->noise);
}

/* Per class, `per_class` of its test images (all when it has fewer). */
static bool choose_images(const sasc_analysis_context *c, drawn *d)
{
    int classes = c->program->classes, per_class = c->task->elasticity_images;
    d->chosen = malloc((size_t)d->tests * sizeof *d->chosen);
    d->slot = malloc((size_t)d->tests * sizeof *d->slot);
    long *pool = malloc((size_t)d->tests * sizeof *pool);
    int *chosen_labels = malloc((size_t)d->tests * sizeof *chosen_labels);
    if (!d->chosen || !d->slot || !pool || !chosen_labels) {
        free(pool);
        free(chosen_labels);
        return sasc_analysis_oom(c, "the elasticity's images");
    }
    for (long i = 0; i < d->tests; i++)
        d->slot[i] = -1;
    for (int y = 0; y < classes; y++) {
        long n = 0;
        for (long i = 0; i < d->tests; i++)
            if (d->labels[i] == y)
                pool[n++] = i;
        long take = n < per_class ? n : per_class;
        for (long i = 0; i < take; i++) {
            double u;
            sasc_rng_uniforms(c->task->seed, ELASTICITY_STREAM, ((uint64_t)y << 32) + (uint64_t)i, &u, 1);
            long j = i + (long)(u * (double)(n - i));
            long swap = pool[i];
            pool[i] = pool[j];
            pool[j] = swap;
            d->slot[pool[i]] = (long)d->count;
            chosen_labels[d->count] = y;
            d->chosen[d->count++] = pool[i];
        }
    }
    free(pool);
    free(d->labels);
    d->labels = chosen_labels;
    return true;
}

/* eps of every NOISE buffer for every drawn image: drawn from the seed on
 * stream (ELASTICITY_STREAM | 1 << 32 | buffer), counter test index x cols,
 * or all zero. */
static bool draw_noise(const sasc_analysis_context *c, drawn *d)
{
    const sasc_program *p = c->program;
    d->noise = calloc((size_t)p->buffer_count, sizeof *d->noise);
    if (!d->noise)
        return sasc_analysis_oom(c, "the elasticity's noise");
    if (c->task->elasticity_noise == SASC_ELASTICITY_NOISE_ZERO)
        return true;
    for (int b = 0; b < p->buffer_count; b++) {
        if (p->buffers[b].role != SASC_BUFFER_NOISE)
            continue;
        size_t cols = (size_t)p->buffers[b].cols;
        if (!(d->noise[b] = malloc(d->count * cols * sizeof **d->noise)))
            return sasc_analysis_oom(c, "the elasticity's noise");
        uint64_t stream = ELASTICITY_STREAM | ((uint64_t)1 << 32) | (uint64_t)b;
        for (size_t i = 0; i < d->count; i++)
            sasc_rng_normals(c->task->seed, stream, (uint64_t)d->chosen[i] * cols, d->noise[b] + i * cols, cols);
    }
    return true;
}

static bool draw_images(sasc_analysis_context *c, drawn *d)
{
    if (!c->host.test_pass(c->host.context, collect_labels, d, c->error, c->error_size))
        return false;
    if (d->failed)
        return sasc_analysis_oom(c, "the elasticity's labels");
    if (!choose_images(c, d))
        return false;
    if (d->count < 2) {
        snprintf(c->error, c->error_size, "the elasticity analysis needs at least two test images");
        return false;
    }
    d->inputs = malloc(d->count * (size_t)c->program->input_width * sizeof *d->inputs);
    if (!d->inputs)
        return sasc_analysis_oom(c, "the elasticity's images");
    input_copy copy = {d, c->program, 0};
    return c->host.test_pass(c->host.context, collect_inputs, &copy, c->error, c->error_size) &&
           draw_noise(c, d);
}

/* ---- the measurement ---- */

/* le[b * n + t]: LE of base b on test t (NAN on the diagonal). */
static bool measure(sasc_analysis_context *c, const drawn *d, double *le)
{
    const sasc_program *p = c->program;
    size_t n = d->count, K = (size_t)p->classes;
    double *before = malloc(n * K * sizeof *before), *after = malloc(n * K * sizeof *after);
    if (!before || !after) {
        free(before);
        free(after);
        return sasc_analysis_oom(c, "the elasticity");
    }
    sasc_samples s = {p, c->buffers, n, d->inputs, d->labels, d->noise};
    sasc_samples_logits(&s, before);
    for (size_t b = 0; b < n; b++) {
        sasc_samples_gradient(&s, b);
        sasc_sgd_step(p, c->buffers, c->task->elasticity_step);
        sasc_samples_logits(&s, after);
        sasc_parameters_restore(p, c->buffers, c->copy);
        for (size_t t = 0; t < n; t++)
            le[b * n + t] = t == b ? NAN
                                   : sasc_local_elasticity(before + t * K, after + t * K, before + b * K,
                                                           after + b * K, K);
    }
    free(before);
    free(after);
    return true;
}

/* ---- outputs ---- */

static int pair_group(const bool *similar, const bool *dissimilar, int x, int y)
{
    if (x == y)
        return SAME;
    if (similar[x] && similar[y])
        return SIMILAR;
    if ((similar[x] && dissimilar[y]) || (dissimilar[x] && similar[y]))
        return DISSIMILAR;
    return -1;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Mean and median of the finite values (sorted in place); NAN for none. */
static void mean_median(double *v, size_t n, size_t *finite, double *mean, double *median)
{
    size_t m = 0;
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i])) {
            sum += v[i];
            v[m++] = v[i];
        }
    qsort(v, m, sizeof *v, compare_doubles);
    *finite = m;
    *mean = m ? sum / (double)m : NAN;
    *median = !m ? NAN : m % 2 ? v[m / 2] : 0.5 * (v[m / 2 - 1] + v[m / 2]);
}

static void summary_row(sasc_atomic_file *f, const char *what, double *v, size_t n)
{
    size_t finite;
    double mean, median;
    mean_median(v, n, &finite, &mean, &median);
    sasc_atomic_printf(f, "%s,%zu,", what, finite);
    sasc_atomic_number(f, mean);
    sasc_atomic_printf(f, ",");
    sasc_atomic_number(f, median);
    sasc_atomic_printf(f, "\n");
}

static bool write_pairs(sasc_analysis_context *c, const drawn *d, const double *le, const bool *similar,
                        const bool *dissimilar)
{
    char path[8192];
    sasc_analysis_path(c, "elasticity.csv", path, sizeof path);
    sasc_atomic_file f;
    if (!sasc_atomic_open(&f, path, c->error, c->error_size))
        return false;
    sasc_atomic_printf(&f, "base_image,base_class,test_image,test_class,group,le\n");
    for (size_t b = 0; b < d->count; b++)
        for (size_t t = 0; t < d->count; t++) {
            if (t == b)
                continue;
            int g = pair_group(similar, dissimilar, d->labels[b], d->labels[t]);
            sasc_atomic_printf(&f, "%ld,%d,%ld,%d,%s,", d->chosen[b], d->labels[b], d->chosen[t],
                               d->labels[t], g < 0 ? "other" : group_names[g]);
            sasc_atomic_number(&f, le[b * d->count + t]);
            sasc_atomic_printf(&f, "\n");
        }
    return sasc_atomic_commit(&f, c->error, c->error_size);
}

/* The LE of the pairs whose (base class, test class) pass `keep`, into v. */
static size_t select_pairs(const drawn *d, const double *le, const bool *similar, const bool *dissimilar,
                           int base_class, int test_class, int group, double *v)
{
    size_t m = 0;
    for (size_t b = 0; b < d->count; b++)
        for (size_t t = 0; t < d->count; t++) {
            int x = d->labels[b], y = d->labels[t];
            bool keep = t != b && (base_class < 0 || x == base_class) && (test_class < 0 || y == test_class) &&
                        (group < 0 || pair_group(similar, dissimilar, x, y) == group);
            if (keep)
                v[m++] = le[b * d->count + t];
        }
    return m;
}

static bool write_summaries(sasc_analysis_context *c, const drawn *d, const double *le, const bool *similar,
                            const bool *dissimilar, double *v)
{
    char path[8192];
    sasc_analysis_path(c, "elasticity_classes.csv", path, sizeof path);
    sasc_atomic_file f;
    if (!sasc_atomic_open(&f, path, c->error, c->error_size))
        return false;
    sasc_atomic_printf(&f, "base_class,test_class,pairs,mean,median\n");
    for (int x = 0; x < c->program->classes; x++)
        for (int y = 0; y < c->program->classes; y++) {
            char what[64];
            snprintf(what, sizeof what, "%d,%d", x, y);
            summary_row(&f, what, v, select_pairs(d, le, similar, dissimilar, x, y, -1, v));
        }
    if (!sasc_atomic_commit(&f, c->error, c->error_size))
        return false;
    sasc_analysis_path(c, "elasticity_groups.csv", path, sizeof path);
    if (!sasc_atomic_open(&f, path, c->error, c->error_size))
        return false;
    sasc_atomic_printf(&f, "group,pairs,mean,median\n");
    for (int g = 0; g < GROUPS; g++)
        summary_row(&f, group_names[g], v, select_pairs(d, le, similar, dissimilar, -1, -1, g, v));
    return sasc_atomic_commit(&f, c->error, c->error_size);
}

/* Fig. 5: histograms of log10 LE for the three groups, as fractions of each group's pairs. */
static bool write_figure(sasc_analysis_context *c, const drawn *d, const double *le, const bool *similar,
                         const bool *dissimilar, double *v)
{
    double low = INFINITY, high = -INFINITY;
    size_t pairs = d->count * d->count;
    for (size_t i = 0; i < pairs; i++)
        if (isfinite(le[i]) && le[i] > 0) {
            low = fmin(low, log10(le[i]));
            high = fmax(high, log10(le[i]));
        }
    if (!(high > low)) {
        low = isfinite(low) ? low - 0.5 : -1;
        high = low + 1;
    }
    double edges[HISTOGRAM_BINS + 1], centres[HISTOGRAM_BINS], counts[GROUPS][HISTOGRAM_BINS];
    sasc_plot_series series[GROUPS];
    char labels[GROUPS][128];
    for (int g = 0; g < GROUPS; g++) {
        size_t m = select_pairs(d, le, similar, dissimilar, -1, -1, g, v);
        for (size_t i = 0; i < m; i++)
            v[i] = v[i] > 0 ? log10(v[i]) : NAN;
        size_t counted = sasc_plot_bin(v, m, low, high, HISTOGRAM_BINS, edges, counts[g]);
        for (int k = 0; k < HISTOGRAM_BINS; k++) {
            centres[k] = 0.5 * (edges[k] + edges[k + 1]);
            counts[g][k] = counted ? counts[g][k] / (double)counted : 0;
        }
        snprintf(labels[g], sizeof labels[g], "%s pairs (%zu)", group_names[g], counted);
        series[g] = (sasc_plot_series){labels[g], centres, counts[g], NULL, HISTOGRAM_BINS};
    }
    char title[256], path[8192];
    snprintf(title, sizeof title, "Local elasticity of model %s (one SGD step of %g at the base)",
             c->program->model_name, c->task->elasticity_step);
    sasc_analysis_path(c, "elasticity.svg", path, sizeof path);
    sasc_line_plot plot = {title, "log10 LE(x, x')", "fraction of the group's pairs", series, GROUPS,
                           SASC_SPREAD_ERROR_BARS, 0, 0};
    return sasc_plot_write_lines(&plot, path, c->error, c->error_size);
}

static bool write_outputs(sasc_analysis_context *c, const drawn *d, const double *le)
{
    int classes = c->program->classes;
    bool *similar = malloc((size_t)classes * sizeof *similar);
    bool *dissimilar = malloc((size_t)classes * sizeof *dissimilar);
    double *v = malloc(d->count * d->count * sizeof *v);
    bool ok = similar && dissimilar && v ? true : sasc_analysis_oom(c, "the elasticity's summary");
    ok = ok && parse_classes(c, "elasticity_similar", c->task->elasticity_similar, similar) &&
         parse_classes(c, "elasticity_dissimilar", c->task->elasticity_dissimilar, dissimilar) &&
         write_pairs(c, d, le, similar, dissimilar) && write_summaries(c, d, le, similar, dissimilar, v) &&
         write_figure(c, d, le, similar, dissimilar, v);
    free(similar);
    free(dissimilar);
    free(v);
    return ok;
}

static bool run_elasticity(sasc_analysis_context *c)
{
    drawn d = {.input_width = c->program->input_width};
    double *le = NULL;
    bool ok = check_elasticity(c) && draw_images(c, &d);
    if (ok && !(le = malloc(d.count * d.count * sizeof *le)))
        ok = sasc_analysis_oom(c, "the elasticity");
    ok = ok && measure(c, &d, le) && write_outputs(c, &d, le);
    free(le);
    drawn_free(&d, c->program);
    return ok;
}

const sasc_analysis_desc sasc_analysis_elasticity = {
    .name = "elasticity",
    .summary = "local elasticity LE(x, x') of one plain SGD step at a base\n"
               "test image on the logits of others, by class pair",
    .outputs = "elasticity.csv, elasticity_classes.csv, elasticity_groups.csv, elasticity.svg",
    .when = SASC_ON_SAVED_RUN,
    .needs = {.moments = true},
    .run = run_elasticity,
};
