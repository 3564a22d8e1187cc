/* printf-style formatting into a buffer, freestanding. */
#ifndef LIB_FORMAT_H
#define LIB_FORMAT_H

#include <stdarg.h>
#include "lib/types.h"

/*
 * Supports %s %c %d %i %u %x %X %p %%, the l/ll/z length modifiers, a width
 * (or *), '-' and '0' flags, and a precision for %s (%.*s).  Always
 * terminates; returns the length the full output would have had.
 */
size_t fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
size_t fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
