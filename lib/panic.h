/* The hypervisor's last words: reason, CPU, register dump, then halt or return to firmware. */
#ifndef LIB_PANIC_H
#define LIB_PANIC_H

#include "arch/x86/exception.h"

void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
/* Reports a saved frame (a host exception) as a panic. */
void panic_frame(const char *reason, const struct exception_frame *f) __attribute__((noreturn));

#endif
