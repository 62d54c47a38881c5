/*
 * interpret.h — a reference interpreter for IR functions, in the program's
 * precision. Slow and obviously right: the oracle against which generated
 * kernels and the reverse sweep are tested.
 */
#ifndef SASC_INTERPRET_H
#define SASC_INTERPRET_H

#include "compiler/ir/ir.h"

/* Evaluate `f` of `p` over `buffers` (one pointer per program buffer, laid
 * out as the buffer table says). Returns false with a message in `error` if
 * the function is malformed. */
bool ir_interpret(const ir_program *p, const ir_function *f, void *const *buffers,
                  char *error, size_t error_size);

#endif
