/*
 * elements.c — numeric elements of data files, in either byte order.
 */
#include "runtime/support/elements.h"

#include <stdint.h>
#include <string.h>

static const int sizes[] = {1, 1, 1, 2, 2, 4, 4, 8, 8, 4, 8};

int sasc_element_size(sasc_element_type type)
{
    return sizes[type];
}

bool sasc_element_is_integer(sasc_element_type type)
{
    return type != SASC_ELEMENT_F32 && type != SASC_ELEMENT_F64;
}

/* The element's bits as an unsigned number of its size. */
static uint64_t element_bits(const unsigned char *bytes, int n, bool big_endian)
{
    uint64_t bits = 0;
    for (int b = 0; b < n; b++)
        bits |= (uint64_t)bytes[big_endian ? n - 1 - b : b] << (8 * b);
    return bits;
}

double sasc_element_get(const unsigned char *data, size_t i, sasc_element_type type,
                        bool big_endian)
{
    int n = sizes[type];
    uint64_t bits = element_bits(data + i * (size_t)n, n, big_endian);
    switch (type) {
    case SASC_ELEMENT_F64: {
        double d;
        memcpy(&d, &bits, 8);
        return d;
    }
    case SASC_ELEMENT_F32: {
        uint32_t narrow = (uint32_t)bits;
        float f;
        memcpy(&f, &narrow, 4);
        return f;
    }
    case SASC_ELEMENT_BOOL:
        return bits != 0;
    case SASC_ELEMENT_I8: case SASC_ELEMENT_I16: case SASC_ELEMENT_I32: case SASC_ELEMENT_I64:
        if (n < 8 && (bits >> (8 * n - 1)) & 1)
            bits |= ~UINT64_C(0) << (8 * n);   /* sign-extend */
        return (double)(int64_t)bits;
    default:
        return (double)bits;
    }
}
