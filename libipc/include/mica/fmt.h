/*
 * Freestanding formatted output, shared by the kernel and native servers:
 * %d %i %u %x %X %o %c %s %p %%, with flags '-' '0', a width, a precision
 * for %s, and the length modifiers l, ll, z. No floating point.
 */
#ifndef MICA_FMT_H
#define MICA_FMT_H

#include <stdarg.h>
#include <stddef.h>

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
