/*
 * npy.c — .npy writing and reading (format versions 1.0 to 3.0).
 */
#include "runtime/support/npy.h"
#include "runtime/support/elements.h"
#include "runtime/support/input_file.h"
#include "runtime/support/output.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
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

/* ---- reading: the header is a Python dict literal (numpy's format 1.0-3.0) ---- */

enum { NPY_MAX_DIMS = 32, NPY_MAX_HEADER = 1 << 20 };

typedef struct {
    char kind;            /* 'b' boolean, 'i' signed, 'u' unsigned, 'f' floating */
    int item_size;        /* bytes per element */
    bool big_endian;
    bool fortran_order;
    int ndim;
    uint64_t shape[NPY_MAX_DIMS];
} npy_layout;

/* A cursor over the header text; `reason` says what is wrong at the first error. */
typedef struct {
    const char *at, *end;
    char *reason;
    size_t reason_size;
} literal;

static bool literal_fail(literal *p, const char *what)
{
    snprintf(p->reason, p->reason_size, "%s", what);
    return false;
}

/* Python's whitespace between tokens (the header ends in spaces and '\n'). */
static void skip_space(literal *p)
{
    while (p->at < p->end && (*p->at == ' ' || *p->at == '\t' || *p->at == '\n' ||
                              *p->at == '\r' || *p->at == '\f' || *p->at == '\v'))
        p->at++;
}

static bool take(literal *p, char c)
{
    skip_space(p);
    if (p->at < p->end && *p->at == c) {
        p->at++;
        return true;
    }
    return false;
}

/* A string literal in single or double quotes, with backslash escapes of
 * the quote and the backslash (all numpy writes); at most size - 1 bytes. */
static bool parse_string(literal *p, char *out, size_t size)
{
    skip_space(p);
    if (p->at >= p->end || (*p->at != '\'' && *p->at != '"'))
        return literal_fail(p, "a key or value is not a string where one is expected");
    char quote = *p->at++;
    size_t n = 0;
    while (p->at < p->end && *p->at != quote) {
        char c = *p->at++;
        if (c == '\\' && p->at < p->end)
            c = *p->at++;
        if (c == '\n' || n + 1 >= size)
            return literal_fail(p, "a string in the header is malformed or too long");
        out[n++] = c;
    }
    if (p->at >= p->end)
        return literal_fail(p, "a string in the header is not terminated");
    p->at++;
    out[n] = '\0';
    return true;
}

static bool parse_bool(literal *p, bool *value)
{
    skip_space(p);
    size_t left = (size_t)(p->end - p->at);
    if (left >= 4 && memcmp(p->at, "True", 4) == 0) {
        *value = true;
        p->at += 4;
    } else if (left >= 5 && memcmp(p->at, "False", 5) == 0) {
        *value = false;
        p->at += 5;
    } else {
        return literal_fail(p, "'fortran_order' is neither True nor False");
    }
    if (p->at < p->end && (isalnum((unsigned char)*p->at) || *p->at == '_'))
        return literal_fail(p, "'fortran_order' is neither True nor False");
    return true;
}

/* A non-negative integer (Python 2 headers may end it in 'L'). */
static bool parse_dimension(literal *p, uint64_t *value)
{
    skip_space(p);
    if (p->at < p->end && *p->at == '+')
        p->at++;
    if (p->at >= p->end || !isdigit((unsigned char)*p->at))
        return literal_fail(p, "'shape' is not a tuple of non-negative integers");
    uint64_t v = 0;
    for (; p->at < p->end && isdigit((unsigned char)*p->at); p->at++) {
        if (v > (UINT64_MAX - 9) / 10)
            return literal_fail(p, "a dimension in 'shape' is too large");
        v = v * 10 + (uint64_t)(*p->at - '0');
    }
    if (p->at < p->end && (*p->at == 'L' || *p->at == 'l'))
        p->at++;
    *value = v;
    return true;
}

/* "(d0, d1, ...)": "()" is a scalar, "(n,)" one dimension. */
static bool parse_shape(literal *p, npy_layout *layout)
{
    if (!take(p, '('))
        return literal_fail(p, "'shape' is not a tuple");
    layout->ndim = 0;
    if (take(p, ')'))
        return true;
    for (;;) {
        if (layout->ndim == NPY_MAX_DIMS)
            return literal_fail(p, "'shape' has more than 32 dimensions");
        if (!parse_dimension(p, &layout->shape[layout->ndim++]))
            return false;
        bool comma = take(p, ',');
        if (take(p, ')'))
            return layout->ndim > 1 || comma ? true
                   : literal_fail(p, "'shape' is a number in parentheses, not a tuple");
        if (!comma)
            return literal_fail(p, "'shape' is not a tuple of non-negative integers");
    }
}

/* A simple dtype string: byte order, kind, item size ('<f4', '|u1', '|b1'). */
static bool parse_descr(literal *p, const char *descr, npy_layout *layout)
{
    size_t length = strlen(descr);
    char order = length == 3 ? descr[0] : '\0', kind = length == 3 ? descr[1] : '\0';
    int size = length == 3 && isdigit((unsigned char)descr[2]) ? descr[2] - '0' : 0;
    bool integer = kind == 'i' || kind == 'u';
    bool known = order != '\0' && strchr("<>|=", order) != NULL &&
                 ((integer && (size == 1 || size == 2 || size == 4 || size == 8)) ||
                  (kind == 'b' && size == 1) || (kind == 'f' && (size == 4 || size == 8)));
    if (!known) {
        char message[128];
        snprintf(message, sizeof message, "its dtype '%.32s' is not a boolean, integer, float32 "
                 "or float64 type", descr);
        return literal_fail(p, message);
    }
    layout->kind = kind;
    layout->item_size = size;
    layout->big_endian = order == '>';
    return true;
}

/* The value of one key of the dictionary; each of the three exactly once. */
static bool parse_entry(literal *p, npy_layout *layout, unsigned *seen)
{
    char key[32], descr[64];
    if (!parse_string(p, key, sizeof key) || !take(p, ':'))
        return p->reason[0] ? false : literal_fail(p, "a key of the header has no ':' after it");
    static const char *const keys[3] = {"descr", "fortran_order", "shape"};
    int k = 0;
    while (k < 3 && strcmp(key, keys[k]) != 0)
        k++;
    if (k == 3)
        return literal_fail(p, "the header has a key other than 'descr', 'fortran_order' and 'shape'");
    if (*seen & (1u << k))
        return literal_fail(p, "a key appears twice in the header");
    *seen |= 1u << k;
    switch (k) {
    case 0: return parse_string(p, descr, sizeof descr) && parse_descr(p, descr, layout);
    case 1: return parse_bool(p, &layout->fortran_order);
    default: return parse_shape(p, layout);
    }
}

static bool parse_dictionary(literal *p, npy_layout *layout)
{
    unsigned seen = 0;
    if (!take(p, '{'))
        return literal_fail(p, "the header is not a dictionary");
    while (!take(p, '}')) {
        if (!parse_entry(p, layout, &seen))
            return false;
        if (!take(p, ',')) {
            if (!take(p, '}'))
                return literal_fail(p, "the header dictionary is malformed");
            break;
        }
    }
    skip_space(p);
    if (p->at != p->end)
        return literal_fail(p, "the header has text after its dictionary");
    if (seen != 7)
        return literal_fail(p, "the header lacks one of 'descr', 'fortran_order' and 'shape'");
    return true;
}

/* Magic, version, header length and dictionary; `*data` is the first data byte. */
static bool parse_header(const unsigned char *bytes, size_t size, npy_layout *layout,
                         size_t *data, char *reason, size_t reason_size)
{
    if (size < 10 || memcmp(bytes, NPY_MAGIC, 6) != 0) {
        snprintf(reason, reason_size, "it does not start with numpy's magic string");
        return false;
    }
    int major = bytes[6];
    if (major < 1 || major > 3) {
        snprintf(reason, reason_size, "its format version %d.%d is not 1.0, 2.0 or 3.0", major,
                 bytes[7]);
        return false;
    }
    size_t prefix = major == 1 ? 10 : 12;
    if (size < prefix) {
        snprintf(reason, reason_size, "its header is cut short");
        return false;
    }
    size_t length = 0;
    for (size_t b = prefix - 1; b >= 8; b--)
        length = length << 8 | bytes[b];
    if (length > NPY_MAX_HEADER || length > size - prefix) {
        snprintf(reason, reason_size, length > NPY_MAX_HEADER ? "its header is longer than 1 MiB"
                 : "its header is cut short");
        return false;
    }
    literal p = {(const char *)bytes + prefix, (const char *)bytes + prefix + length, reason,
                 reason_size};
    reason[0] = '\0';
    if (!parse_dictionary(&p, layout))
        return false;
    *data = prefix + length;
    return true;
}

/* The element type of a parsed dtype. */
static sasc_element_type element_type(const npy_layout *layout)
{
    static const sasc_element_type integer[2][4] = {
        {SASC_ELEMENT_U8, SASC_ELEMENT_U16, SASC_ELEMENT_U32, SASC_ELEMENT_U64},
        {SASC_ELEMENT_I8, SASC_ELEMENT_I16, SASC_ELEMENT_I32, SASC_ELEMENT_I64}};
    int log2 = layout->item_size == 1 ? 0 : layout->item_size == 2 ? 1 : layout->item_size == 4 ? 2 : 3;
    switch (layout->kind) {
    case 'b': return SASC_ELEMENT_BOOL;
    case 'f': return layout->item_size == 8 ? SASC_ELEMENT_F64 : SASC_ELEMENT_F32;
    default: return integer[layout->kind == 'i'][log2];
    }
}

static double element_value(const unsigned char *bytes, const npy_layout *layout)
{
    return sasc_element_get(bytes, 0, element_type(layout), layout->big_endian);
}

/* "(2, 3)", "(12,)" or "()": the shape as numpy prints it. */
static void shape_text(const npy_layout *layout, char *out, size_t size)
{
    size_t n = (size_t)snprintf(out, size, "(");
    for (int d = 0; d < layout->ndim && n < size; d++)
        n += (size_t)snprintf(out + n, size - n, "%s%llu", d ? ", " : "",
                              (unsigned long long)layout->shape[d]);
    if (n < size)
        snprintf(out + n, size - n, layout->ndim == 1 ? ",)" : ")");
}

bool sasc_npy_decode(const unsigned char *bytes, size_t size, const char *name, int rows,
                     int cols, double *out, char *error, size_t error_size)
{
    npy_layout layout = {0};
    size_t data = 0;
    char reason[256];
    if (!parse_header(bytes, size, &layout, &data, reason, sizeof reason)) {
        snprintf(error, error_size, "%s is not a valid .npy file: %s", name, reason);
        return false;
    }
    if (layout.ndim != 2 || layout.shape[0] != (uint64_t)rows || layout.shape[1] != (uint64_t)cols) {
        char shape[128];
        shape_text(&layout, shape, sizeof shape);
        snprintf(error, error_size, "%s has shape %s but (%d, %d) is needed", name, shape, rows, cols);
        return false;
    }
    size_t count = (size_t)rows * (size_t)cols, need = count * (size_t)layout.item_size;
    if (size - data != need) {
        if (size - data < need)
            snprintf(error, error_size, "%s is truncated: it holds fewer than %d x %d elements",
                     name, rows, cols);
        else
            snprintf(error, error_size, "%s has %zu bytes after its %d x %d elements", name,
                     size - data - need, rows, cols);
        return false;
    }
    for (size_t k = 0; k < count; k++) {
        /* Fortran order stores column by column: element k is (k % rows, k / rows). */
        size_t index = layout.fortran_order ? (k % (size_t)rows) * (size_t)cols + k / (size_t)rows : k;
        out[index] = element_value(bytes + data + k * (size_t)layout.item_size, &layout);
    }
    return true;
}

bool sasc_npy_read(const char *path, int rows, int cols, double *out,
                   char *error, size_t error_size)
{
    /* The largest file that can hold rows x cols elements: a 1 MiB header and 8-byte items. */
    uint64_t limit = 12 + NPY_MAX_HEADER + (uint64_t)rows * (uint64_t)cols * 8;
    char reason[256];
    size_t size = 0;
    unsigned char *bytes = (unsigned char *)sasc_input_read_all(path, limit, &size, reason,
                                                                sizeof reason);
    if (!bytes) {
        snprintf(error, error_size, "cannot open %s: %s", path, reason);
        return false;
    }
    bool ok = sasc_npy_decode(bytes, size, path, rows, cols, out, error, error_size);
    free(bytes);
    return ok;
}

bool sasc_npy_value_valid(double v, sasc_npy_range range)
{
    switch (range) {
    case SASC_NPY_PROBABILITY: return v >= 0 && v <= 1;   /* false for NaN */
    case SASC_NPY_VARIANCE: return v >= 0 && isfinite(v);
    case SASC_NPY_MASK: return v == 0 || v == 1;
    case SASC_NPY_FINITE: break;
    }
    return isfinite(v);
}

const char *sasc_npy_range_text(sasc_npy_range range)
{
    switch (range) {
    case SASC_NPY_PROBABILITY: return "a probability in [0, 1]";
    case SASC_NPY_VARIANCE: return "a variance: finite and >= 0";
    case SASC_NPY_MASK: return "exactly 0 or 1";
    case SASC_NPY_FINITE: break;
    }
    return "a finite number";
}

bool sasc_npy_check_values(const double *values, size_t count, sasc_npy_range range,
                           const char *name, char *error, size_t error_size)
{
    for (size_t k = 0; k < count; k++)
        if (!sasc_npy_value_valid(values[k], range)) {
            snprintf(error, error_size, "%s: element %zu is %g, but every element must be %s",
                     name, k, values[k], sasc_npy_range_text(range));
            return false;
        }
    return true;
}

sasc_npy_range sasc_npy_parameter_range(sasc_parameter parameter)
{
    return parameter == SASC_PI ? SASC_NPY_PROBABILITY
         : parameter == SASC_XI ? SASC_NPY_VARIANCE : SASC_NPY_FINITE;
}

/* ---- arrays of any shape (data sources) ---- */

bool sasc_npy_parse(const unsigned char *bytes, size_t size, const char *name,
                    sasc_npy_array *array, char *error, size_t error_size)
{
    npy_layout layout = {0};
    size_t data = 0;
    char reason[256];
    memset(array, 0, sizeof *array);
    if (!parse_header(bytes, size, &layout, &data, reason, sizeof reason)) {
        snprintf(error, error_size, "%s is not a valid .npy file: %s", name, reason);
        return false;
    }
    uint64_t elements = 1;
    for (int d = 0; d < layout.ndim; d++) {
        if (layout.shape[d] != 0 && elements > UINT64_MAX / 8 / layout.shape[d]) {
            snprintf(error, error_size, "%s declares more data than can be addressed", name);
            return false;
        }
        elements *= layout.shape[d];
    }
    uint64_t need = elements * (uint64_t)layout.item_size, held = size - data;
    shape_text(&layout, array->shape_text, sizeof array->shape_text);
    if (held != need) {
        if (held < need)
            snprintf(error, error_size, "%s is truncated: its shape %s needs %llu bytes of data, "
                     "it holds %llu", name, array->shape_text, (unsigned long long)need,
                     (unsigned long long)held);
        else
            snprintf(error, error_size, "%s has %llu bytes after the elements of its shape %s",
                     name, (unsigned long long)(held - need), array->shape_text);
        return false;
    }
    array->type = element_type(&layout);
    array->big_endian = layout.big_endian;
    array->fortran_order = layout.fortran_order;
    array->ndim = layout.ndim;
    memcpy(array->shape, layout.shape, sizeof array->shape);
    array->data = data;
    array->elements = elements;
    return true;
}

double sasc_npy_element(const unsigned char *bytes, const sasc_npy_array *array, uint64_t k)
{
    uint64_t at = k;
    if (array->fortran_order && array->ndim > 1) {
        /* k is in C order (the last index fastest); Fortran order stores the first fastest */
        uint64_t rest = k, stride = array->elements;
        at = 0;
        for (int d = array->ndim - 1; d >= 0; d--) {
            stride /= array->shape[d];          /* the product of shape[0 .. d - 1] */
            at += rest % array->shape[d] * stride;
            rest /= array->shape[d];
        }
    }
    return sasc_element_get(bytes + array->data, (size_t)at, array->type, array->big_endian);
}
