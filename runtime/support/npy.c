/*
 * npy.c — .npy writing and reading (format versions 1.0 to 3.0).
 */
#include "runtime/support/npy.h"
#include "runtime/support/output.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { NPY_ALIGNMENT = 64, NPY_PREFIX_V1 = 10 };  /* magic(6) + version(2) + length(2) */
static const char NPY_MAGIC[6] = "\x93NUMPY";

size_t sasc_npy_header(char *out, size_t size, const char *descr, int rows, int cols)
{
    char dict[256];
    int dict_length = snprintf(dict, sizeof dict,
                               "{'descr': '%s', 'fortran_order': False, 'shape': (%d, %d), }",
                               descr, rows, cols);
    if (dict_length < 0 || (size_t)dict_length >= sizeof dict)
        return 0;
    size_t unpadded = NPY_PREFIX_V1 + (size_t)dict_length + 1;  /* + the final newline */
    size_t total = (unpadded + NPY_ALIGNMENT - 1) / NPY_ALIGNMENT * NPY_ALIGNMENT;
    size_t header_length = total - NPY_PREFIX_V1;
    if (total > size || header_length > 0xFFFF)
        return 0;
    memcpy(out, NPY_MAGIC, 6);
    out[6] = 1;
    out[7] = 0;
    out[8] = (char)(header_length & 0xFF);
    out[9] = (char)(header_length >> 8);
    memcpy(out + NPY_PREFIX_V1, dict, (size_t)dict_length);
    memset(out + NPY_PREFIX_V1 + dict_length, ' ', total - unpadded);
    out[total - 1] = '\n';
    return total;
}

/* ---- writing ---- */

/* Element i as little-endian bytes of the file's dtype, whatever the host's byte order. */
static void little_endian_element(const void *data, sasc_precision precision, size_t i,
                                  unsigned char *bytes)
{
    uint64_t bits = 0;
    if (precision == SASC_F64) {
        memcpy(&bits, (const double *)data + i, 8);
    } else {
        uint32_t narrow;
        memcpy(&narrow, (const float *)data + i, 4);
        bits = narrow;
    }
    for (int b = 0; b < (int)precision; b++)
        bytes[b] = (unsigned char)(bits >> (8 * b));
}

bool sasc_npy_write(const char *path, const void *data, sasc_precision precision,
                    int rows, int cols, char *error, size_t error_size)
{
    char header[512];
    size_t header_length = sasc_npy_header(header, sizeof header,
                                           precision == SASC_F64 ? "<f8" : "<f4", rows, cols);
    sasc_atomic_file f;
    if (header_length == 0) {
        snprintf(error, error_size, "cannot write %s: shape (%d, %d) is too large for a header",
                 path, rows, cols);
        return false;
    }
    if (!sasc_atomic_open(&f, path, error, error_size))
        return false;
    sasc_atomic_write(&f, header, header_length);
    size_t count = (size_t)rows * (size_t)cols;
    for (size_t i = 0; i < count; i++) {
        unsigned char bytes[8];
        little_endian_element(data, precision, i, bytes);
        sasc_atomic_write(&f, bytes, (size_t)precision);
    }
    return sasc_atomic_commit(&f, error, error_size);
}

/* ---- reading ---- */

typedef struct {
    char kind;            /* 'b' boolean, 'i' signed, 'u' unsigned, 'f' floating */
    int item_size;        /* bytes per element */
    bool big_endian;
    bool fortran_order;
    long rows, cols;
} npy_layout;

/* The text after 'key': in the header dictionary, or NULL. */
static const char *dict_value(const char *dict, const char *key)
{
    char quoted[32];
    snprintf(quoted, sizeof quoted, "'%s'", key);
    const char *at = strstr(dict, quoted);
    if (!at)
        return NULL;
    at += strlen(quoted);
    while (*at == ' ' || *at == ':')
        at++;
    return at;
}

static bool parse_descr(const char *value, npy_layout *layout)
{
    char order, kind;
    int size;
    if (!value || sscanf(value, "'%c%c%d'", &order, &kind, &size) != 3)
        return false;
    bool integer = kind == 'i' || kind == 'u' || kind == 'b';
    bool ok_size = integer ? (size == 1 || size == 2 || size == 4 || size == 8)
                           : (kind == 'f' && (size == 4 || size == 8));
    layout->kind = kind;
    layout->item_size = size;
    layout->big_endian = order == '>';
    return ok_size && strchr("<>|=", order) != NULL;
}

/* Shape "(r, c)" exactly two dimensions. */
static bool parse_shape(const char *value, npy_layout *layout)
{
    char *end;
    if (!value || *value != '(')
        return false;
    layout->rows = strtol(value + 1, &end, 10);
    if (*end != ',')
        return false;
    layout->cols = strtol(end + 1, &end, 10);
    while (*end == ' ' || *end == ',')
        end++;
    return *end == ')';
}

static bool parse_dict(const char *dict, npy_layout *layout)
{
    const char *fortran = dict_value(dict, "fortran_order");
    if (!fortran || (strncmp(fortran, "True", 4) != 0 && strncmp(fortran, "False", 5) != 0))
        return false;
    layout->fortran_order = fortran[0] == 'T';
    return parse_descr(dict_value(dict, "descr"), layout) &&
           parse_shape(dict_value(dict, "shape"), layout);
}

/* Read the header; leaves `file` at the first data byte. */
static bool read_header(FILE *file, npy_layout *layout)
{
    unsigned char prefix[8], length_bytes[4];
    if (fread(prefix, 1, 8, file) != 8 || memcmp(prefix, NPY_MAGIC, 6) != 0 ||
        prefix[6] < 1 || prefix[6] > 3)
        return false;
    int length_size = prefix[6] == 1 ? 2 : 4;
    if (fread(length_bytes, 1, (size_t)length_size, file) != (size_t)length_size)
        return false;
    size_t length = 0;
    for (int b = length_size - 1; b >= 0; b--)
        length = length << 8 | length_bytes[b];
    if (length > 1 << 20)
        return false;
    char *dict = malloc(length + 1);
    bool ok = dict && fread(dict, 1, length, file) == length;
    if (ok) {
        dict[length] = '\0';
        ok = parse_dict(dict, layout);
    }
    free(dict);
    return ok;
}

static double element_value(const unsigned char *bytes, const npy_layout *layout)
{
    uint64_t bits = 0;
    int n = layout->item_size;
    for (int b = 0; b < n; b++)
        bits |= (uint64_t)bytes[layout->big_endian ? n - 1 - b : b] << (8 * b);
    if (layout->kind == 'f') {
        if (n == 8) {
            double d;
            memcpy(&d, &bits, 8);
            return d;
        }
        uint32_t narrow = (uint32_t)bits;
        float f;
        memcpy(&f, &narrow, 4);
        return f;
    }
    if (layout->kind == 'i' && n < 8 && (bits >> (8 * n - 1)) & 1)
        bits |= ~UINT64_C(0) << (8 * n);  /* sign-extend */
    return layout->kind == 'i' ? (double)(int64_t)bits : (double)bits;
}

static bool read_elements(FILE *file, const npy_layout *layout, double *out)
{
    size_t rows = (size_t)layout->rows, cols = (size_t)layout->cols;
    unsigned char bytes[8];
    for (size_t k = 0; k < rows * cols; k++) {
        if (fread(bytes, 1, (size_t)layout->item_size, file) != (size_t)layout->item_size)
            return false;
        /* Fortran order stores column by column: element k is (k % rows, k / rows). */
        size_t index = layout->fortran_order ? (k % rows) * cols + k / rows : k;
        out[index] = element_value(bytes, layout);
    }
    return true;
}

bool sasc_npy_read(const char *path, int rows, int cols, double *out,
                   char *error, size_t error_size)
{
    FILE *file = fopen(path, "rb");
    if (!file) {
        snprintf(error, error_size, "cannot open %s: %s", path, strerror(errno));
        return false;
    }
    npy_layout layout;
    bool ok = read_header(file, &layout);
    if (!ok)
        snprintf(error, error_size, "%s is not a 2-D numeric .npy file", path);
    else if (layout.rows != rows || layout.cols != cols) {
        snprintf(error, error_size, "%s has shape (%ld, %ld) but (%d, %d) is needed",
                 path, layout.rows, layout.cols, rows, cols);
        ok = false;
    } else if (!read_elements(file, &layout, out)) {
        snprintf(error, error_size, "%s is truncated: it holds fewer than %d x %d elements",
                 path, rows, cols);
        ok = false;
    }
    fclose(file);
    return ok;
}
