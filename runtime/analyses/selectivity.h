/*
 * selectivity.h — the selectivity index (SLI) of every recurrent unit along
 * time (gbptt Eq. 15; Pehlevan & Sompolinsky 2014), gbptt Figs. 8 and 15.
 *
 * The response of unit i of a layer with hidden states at step t to a test
 * trial is r_i(t) = max(h_i(t), 0) (the rectified units of the papers), h(t)
 * read from the layer's STATE buffer (sasc_layer_desc.state_buffer) after
 * `predict`. r_{i,s}(t) is its mean over the test trials of
 * class s (the label: the digit, or the MSI trial's correct choice), and
 *   SLI_i(t) = (1 - mean_s(r)^2 / mean_s(r^2)) / (1 - 1/N_s)
 * over the N_s classes that have test trials: 0 when the unit responds
 * equally to every class, 1 when it responds to one class only. A unit silent
 * for every class (mean_s(r^2) = 0) has SLI 0.
 */
#ifndef SASC_SELECTIVITY_H
#define SASC_SELECTIVITY_H

#include "runtime/sasc_runtime.h"

#include <stdbool.h>
#include <stddef.h>

/* Eq. 15 for the n >= 2 responses r[0], r[stride], ..., r[(n-1) stride]. */
double sasc_selectivity_index(const double *r, size_t n, size_t stride);

/* Class-mean responses accumulated over test batches, for one choice of
 * classes (a "view": the labels, or e.g. the MSI trial's modality). */
typedef struct {
    const sasc_program *program;
    int layer;            /* the layer whose units these are */
    int state_buffer;     /* its STATE buffer, read after each predict */
    int steps, units;     /* steps t = 1 .. steps (block 0, h0, is not a response) */
    int classes;
    double *sum;          /* [classes][steps][units] sums of r */
    long *count;          /* [classes] test trials */
    const char *tag;      /* the layer's part of file names: "", or "_NAME" when a program has
                             several layers with states */
    const char *suffix;   /* the view's: selectivity<tag><suffix>.csv, responses<tag><suffix>.npy */
    const char *kind;     /* what the classes are, for titles ("class", "modality") */
    const char *const *class_names;   /* [classes] names, or NULL for "0", "1", ... */
} sasc_selectivity;

/* Prepare for layer `layer` of `program` with the labels as the classes
 * (suffix "", kind "class", no names); an error for a layer without a STATE
 * buffer. `tag` is kept, not copied. */
bool sasc_selectivity_init(sasc_selectivity *s, const sasc_program *program, int layer,
                           const char *tag, char *error, size_t error_size);
/* The same with `classes` classes of the caller's choosing; `tag`, `suffix`,
 * `kind` and `class_names` (which may be NULL) are kept, not copied. */
bool sasc_selectivity_init_view(sasc_selectivity *s, const sasc_program *program, int layer,
                                const char *tag, int classes, const char *suffix,
                                const char *kind, const char *const *class_names, char *error,
                                size_t error_size);
/* Add the first `rows` trials of the batch in `buffers` (a sasc_test_batch_fn,
 * `s` the context); labels outside 0 .. classes-1 are ignored. */
void sasc_selectivity_add(void *s, void *const *buffers, const int *labels, int rows);
/* The SLI [steps][units] and the class means [classes][steps][units] into
 * the caller's arrays; `used` gets N_s. False when fewer than 2 classes have
 * test trials. */
bool sasc_selectivity_compute(const sasc_selectivity *s, double *sli, double *means, int *used);
void sasc_selectivity_free(sasc_selectivity *s);

/* The SLI of `unit` averaged over the steps, and the unit for which that is
 * largest (the first of equals), for `sli` as computed above. */
double sasc_selectivity_unit_mean(const sasc_selectivity *s, const double *sli, int unit);
int sasc_selectivity_most_selective(const sasc_selectivity *s, const double *sli);

/* `unit`'s mean response per class (with test trials) against step, titled
 * `title`, as an SVG line plot at `path`. */
bool sasc_selectivity_plot_unit(const sasc_selectivity *s, int unit, const char *title,
                                const char *path, char *error, size_t error_size);

/* Compute and write selectivity.csv (step, unit, sli, then the mean
 * response per class: response_0, ... or response_NAME), selectivity.npy
 * [steps, units], responses.npy [classes * steps, units] (class-major),
 * selectivity.svg (the SLI along time: mean and standard deviation over the
 * units, and the most selective unit) and selectivity_unit.svg (that unit's
 * mean response per class); every name with the tag and the view's suffix
 * before the extension (selectivity_modality.csv, responses_h2.npy, ...),
 * a tagged view's titles naming the layer. */
bool sasc_selectivity_write(const sasc_selectivity *s, const char *out_dir, char *error,
                            size_t error_size);

#endif
