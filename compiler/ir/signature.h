/*
 * signature.h — a text that identifies what an ir_program compiles to.
 *
 * Two programs have equal signatures exactly when every field code
 * generation and the runtime's tables read is equal: the program's shape
 * fields, every buffer descriptor, group, layer and every node of every
 * function (doubles written exactly, as hexadecimal floats). `sasc sweep`
 * compiles each distinct signature once and runs every point of it on those
 * kernels. Comments (node annotations) are left out: they change nothing.
 *
 * signature.c asserts the sizes of the structures it serialises, so a
 * field added to one of them cannot be forgotten here silently.
 */
#ifndef SASC_SIGNATURE_H
#define SASC_SIGNATURE_H

#include "compiler/ir/ir.h"

/* The signature as a NUL-terminated string the caller frees; NULL when out of memory. */
char *ir_signature(const ir_program *p);

#endif
