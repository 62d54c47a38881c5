/*
 * link.h — turning an emitted object into an executable or a static
 * library with the system's tools: the C compiler driver as linker (cc)
 * and ar. Both are found at run time and run without a shell.
 *
 * The runtime libraries (libsascrt.a, libsascmain.a) are looked for in
 * $SASC_RUNTIME_DIR, next to the sasc executable (the build tree), in
 * ../lib relative to it (an installed prefix, wherever it was moved), and in
 * the configured libdir.
 */
#ifndef SASC_LINK_H
#define SASC_LINK_H

#include <stdbool.h>
#include <stddef.h>

/* Link `object` with the runtime and its standalone main into `output`. */
bool link_executable(const char *object, const char *output, char *error, size_t error_size);

/* The runtime library plus `object` as the static library `output`. */
bool link_library(const char *object, const char *output, char *error, size_t error_size);

#endif
