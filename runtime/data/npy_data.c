/*
 * npy_data.c — the data source "npy": numpy arrays as sample sets.
 *
 * `data` names a directory holding x_train.npy, y_train.npy, x_test.npy and
 * y_test.npy, or a .npz archive holding those four arrays (the names Keras
 * uses in mnist.npz). x is N x (any shape of up to 4 dimensions) of any
 * numeric dtype, flattened per sample; y is N integers or booleans (class
 * labels) or N or N x T floats (targets, loss mse). The .npy header parser
 * is the one masks use (runtime/support/npy.c).
 */
#include "runtime/data/samples.h"
#include "runtime/support/input_file.h"
#include "runtime/support/npy.h"
#include "runtime/support/zip.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const split_name[SASC_SPLITS] = {"train", "test"};

static bool is_archive(const char *data)
{
    size_t n = strlen(data);
    return n > 4 && strcmp(data + n - 4, ".npz") == 0;
}

static bool npy_claims(const char *data)
{
    if (is_archive(data))
        return true;
    char path[4200];
    struct stat status;
    snprintf(path, sizeof path, "%s/x_train.npy", data);
    if (stat(path, &status) == 0)
        return true;
    snprintf(path, sizeof path, "%s/x_test.npy", data);
    return stat(path, &status) == 0;
}

/* The bytes of array `key` ("x_train"): a file of the directory, or a
 * member of the archive; `name` is how messages call it. */
static unsigned char *load_file(const char *data, const char *key, size_t *size, char *name,
                                size_t name_size, char *error, size_t error_size)
{
    char reason[256];
    if (!is_archive(data)) {
        snprintf(name, name_size, "%s/%s.npy", data, key);
        unsigned char *bytes = (unsigned char *)sasc_input_read_all(name, 0, size, reason,
                                                                    sizeof reason);
        if (!bytes)
            snprintf(error, error_size, "cannot read %s: %s", name, reason);
        return bytes;
    }
    size_t archive_size = 0;
    unsigned char *archive = (unsigned char *)sasc_input_read_all(data, 0, &archive_size, reason,
                                                                  sizeof reason);
    if (!archive) {
        snprintf(error, error_size, "cannot read %s: %s", data, reason);
        return NULL;
    }
    char member[64];
    snprintf(member, sizeof member, "%s.npy", key);
    snprintf(name, name_size, "%s(%s)", data, member);
    unsigned char *bytes = NULL;
    sasc_zip_result r = sasc_zip_extract(archive, archive_size, data, member, &bytes, size, error,
                                         error_size);
    free(archive);
    if (r == SASC_ZIP_ABSENT)
        snprintf(error, error_size, "%s has no array %s (it needs x_train, y_train, x_test and "
                 "y_test)", data, key);
    return r == SASC_ZIP_FOUND ? bytes : NULL;
}

/* x: the count and a sample shape of at most SASC_DATA_MAX_DIMS dimensions. */
static bool inputs_header(const sasc_npy_array *x, const char *name, sasc_samples *set,
                          char *error, size_t error_size)
{
    if (x->ndim < 1 || x->ndim > 1 + SASC_DATA_MAX_DIMS || x->shape[0] > LONG_MAX) {
        snprintf(error, error_size, "%s has shape %s: inputs need a count of samples and at most "
                 "%d more dimensions", name, x->shape_text, SASC_DATA_MAX_DIMS);
        return false;
    }
    snprintf(set->origin, sizeof set->origin, "%s", name);
    set->count = (long)x->shape[0];
    set->sample_dims = x->ndim > 1 ? x->ndim - 1 : 1;
    set->sample_shape[0] = 1;
    uint64_t features = 1;
    for (int d = 1; d < x->ndim; d++) {
        set->sample_shape[d - 1] = (long)x->shape[d];
        features *= x->shape[d];
    }
    if (features > INT32_MAX) {
        snprintf(error, error_size, "%s has samples of more than %d values", name, INT32_MAX);
        return false;
    }
    set->features = (int)features;
    set->byte_images = x->type == SASC_ELEMENT_U8;
    return true;
}

/* y: N integer labels, or N or N x T float targets. */
static bool labels_header(const sasc_npy_array *y, const char *name, sasc_samples *set,
                          char *error, size_t error_size)
{
    bool integer = sasc_element_is_integer(y->type);
    if (y->ndim < 1 || y->ndim > (integer ? 1 : 2)) {
        snprintf(error, error_size, "%s has shape %s: labels are (N,) integers, targets (N,) or "
                 "(N, T) floats", name, y->shape_text);
        return false;
    }
    if (y->shape[0] != (uint64_t)set->count) {
        snprintf(error, error_size, "%s has %llu labels but %s has %ld samples", name,
                 (unsigned long long)y->shape[0], set->origin, set->count);
        return false;
    }
    if (y->ndim == 2 && (y->shape[1] == 0 || y->shape[1] > INT32_MAX)) {
        snprintf(error, error_size, "%s has shape %s: a sample needs 1 or more targets", name,
                 y->shape_text);
        return false;
    }
    snprintf(set->label_origin, sizeof set->label_origin, "%s", name);
    set->targets = integer ? SASC_TARGETS_CLASSES : SASC_TARGETS_VALUES;
    set->target_width = y->ndim == 2 ? (int)y->shape[1] : 1;
    return true;
}

static bool decode(const unsigned char *xb, const sasc_npy_array *x, const unsigned char *yb,
                   const sasc_npy_array *y, sasc_samples *set, char *error, size_t error_size)
{
    if (!sasc_samples_allocate(set, set->byte_images, error, error_size))
        return false;
    uint64_t inputs = (uint64_t)set->count * (uint64_t)set->features;
    for (uint64_t k = 0; k < inputs; k++) {
        double v = sasc_npy_element(xb, x, k);
        if (set->bytes)
            set->bytes[k] = (unsigned char)v;
        else
            set->values[k] = (float)v;
    }
    for (uint64_t k = 0; set->target_values && k < y->elements; k++)
        set->target_values[k] = (float)sasc_npy_element(yb, y, k);
    for (long i = 0; set->labels && i < set->count; i++) {
        double label = sasc_npy_element(yb, y, (uint64_t)i);
        if (label < 0 || label > INT_MAX) {
            snprintf(error, error_size, "%s: label %.0f of sample %ld is not a class number",
                     set->label_origin, label, i);
            sasc_samples_free(set);
            return false;
        }
        set->labels[i] = (int)label;
    }
    return true;
}

static bool npy_read(const sasc_data_request *request, sasc_split split, bool header_only,
                     sasc_samples *set, char *error, size_t error_size)
{
    char xkey[16], ykey[16], xname[sizeof set->origin], yname[sizeof set->origin];
    snprintf(xkey, sizeof xkey, "x_%s", split_name[split]);
    snprintf(ykey, sizeof ykey, "y_%s", split_name[split]);
    size_t xsize = 0, ysize = 0;
    unsigned char *xb = load_file(request->data, xkey, &xsize, xname, sizeof xname, error,
                                  error_size);
    unsigned char *yb = xb ? load_file(request->data, ykey, &ysize, yname, sizeof yname, error,
                                       error_size) : NULL;
    sasc_npy_array x, y;
    bool ok = xb && yb && sasc_npy_parse(xb, xsize, xname, &x, error, error_size) &&
              sasc_npy_parse(yb, ysize, yname, &y, error, error_size) &&
              inputs_header(&x, xname, set, error, error_size) &&
              labels_header(&y, yname, set, error, error_size) &&
              (header_only || decode(xb, &x, yb, &y, set, error, error_size));
    free(xb);
    free(yb);
    return ok;
}

SASC_SAMPLES_KIND(npy, npy_read, npy_claims,
                  "data = \"DIR\" holding x_train.npy, y_train.npy, x_test.npy, y_test.npy, or "
                  "data = \"FILE.npz\" holding those arrays: inputs of any numeric dtype and shape, "
                  "integer labels or float targets");
