/*
 * failure.h — how compiler modules report a failure to their caller: they
 * return false and leave one sentence in the caller's error buffer.
 */
#ifndef SASC_FAILURE_H
#define SASC_FAILURE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static inline bool failf(char *error, size_t error_size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static inline bool failf(char *error, size_t error_size, const char *format, ...)
{
    if (error_size > 0) {
        va_list args;
        va_start(args, format);
        vsnprintf(error, error_size, format, args);
        va_end(args);
    }
    return false;
}

#endif
