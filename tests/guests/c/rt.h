/*
 * The runtime of the C test guests (tests/guests/c/): serial output, kvm-unit-tests style
 * reporting ("PASS: name", "FAIL: name (detail)", "SKIP: name (why)", "SUMMARY: n passed,
 * m failed"), the CPL 3 round trip and interrupt handlers.  Freestanding, 64-bit.
 */
#ifndef RT_H
#define RT_H

#include <stddef.h>
#include <stdint.h>

/* Pages start.asm maps specially, for bad-pointer checks. */
#define RT_KERN_PAGE 0x300000UL		/* supervisor only */
#define RT_RO_PAGE 0x301000UL		/* user, read-only (CR0.WP is set) */
#define RT_UNMAPPED 0x302000UL		/* not present */

void rt_putc(char c);
void rt_puts(const char *s);
/* %s %c %d %u %x %ld %lu %lx %lld %llu %llx %% only. */
void rt_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One check: PASS when ok, else FAIL with the printf-style detail. */
int rt_check(int ok, const char *name, const char *detail, ...) __attribute__((format(printf, 3, 4)));
/* got == want, both printed on failure (as signed numbers). */
int rt_expect_eq(const char *name, int64_t got, int64_t want);
void rt_skip(const char *name, const char *why);
/* Prints the SUMMARY line, drains the UART and ends the VM (isa-debug-exit, 0 = all passed). */
void rt_exit(void) __attribute__((noreturn));

/* Runs fn(arg) at CPL 3 (IOPL 3, IF = 0) and returns what it returned. */
long rt_user_call(long (*fn)(void *), void *arg);
/* Routes vector (32-255) to rt_irq_handler[vector]. */
void rt_idt_set_irq(unsigned vector);
extern void (*volatile rt_irq_handler[256])(unsigned vector);
/* The CPL of the running code. */
unsigned rt_cpl(void);
uint64_t rt_rdtsc(void);

static inline void rt_sti(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void rt_cli(void) { __asm__ volatile("cli" ::: "memory"); }

void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

/* The test program's entry: called at CPL 0 with interrupts disabled. */
void test_main(void);

#endif
