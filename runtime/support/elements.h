/*
 * elements.h — decoding the numeric elements of data files (IDX, .npy,
 * CIFAR-10) in either byte order, one decoder for every format.
 */
#ifndef SASC_ELEMENTS_H
#define SASC_ELEMENTS_H

#include <stdbool.h>
#include <stddef.h>

typedef enum { SASC_ELEMENT_BOOL, SASC_ELEMENT_U8, SASC_ELEMENT_I8, SASC_ELEMENT_U16,
               SASC_ELEMENT_I16, SASC_ELEMENT_U32, SASC_ELEMENT_I32, SASC_ELEMENT_U64,
               SASC_ELEMENT_I64, SASC_ELEMENT_F32, SASC_ELEMENT_F64 } sasc_element_type;

/* Bytes per element. */
int sasc_element_size(sasc_element_type type);

/* Whether the type holds integers (or booleans), which can be class labels. */
bool sasc_element_is_integer(sasc_element_type type);

/* Element `i` of `data`, stored big-endian when `big_endian`. */
double sasc_element_get(const unsigned char *data, size_t i, sasc_element_type type,
                        bool big_endian);

#endif
