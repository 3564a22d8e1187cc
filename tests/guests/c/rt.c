/* The C test guests' runtime (rt.h): COM1 output, PASS/FAIL/SUMMARY reporting, exception
 * reports, interrupt dispatch and the freestanding memory helpers the compiler may call. */
#include <stdarg.h>
#include "rt.h"

#define COM1 0x3f8
#define COM1_LSR 0x3fd
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define UART_POLL_LIMIT 1000000
#define DEBUG_EXIT_PORT 0xf4

static unsigned rt_passed, rt_failed, rt_skipped;
void (*volatile rt_irq_handler[256])(unsigned vector);

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

void rt_putc(char c)
{
	/* Bounded: a UART that never empties must not hang the test. */
	for (int i = 0; i < UART_POLL_LIMIT && !(inb(COM1_LSR) & LSR_THRE); i++)
		;
	outb(COM1, (uint8_t)c);
}

void rt_puts(const char *s)
{
	while (*s)
		rt_putc(*s++);
}

static void put_unsigned(unsigned long long v, unsigned base)
{
	char buf[24];
	int n = 0;

	do {
		buf[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (n)
		rt_putc(buf[--n]);
}

static void rt_vprintf(const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		int longs = 0;
		unsigned long long u;
		long long s;

		if (*fmt != '%') {
			rt_putc(*fmt);
			continue;
		}
		fmt++;
		while (*fmt == 'l') {
			longs++;
			fmt++;
		}
		switch (*fmt) {
		case 's':
			rt_puts(va_arg(ap, const char *));
			break;
		case 'c':
			rt_putc((char)va_arg(ap, int));
			break;
		case 'd':
			s = longs ? va_arg(ap, long long) : va_arg(ap, int);
			if (s < 0) {
				rt_putc('-');
				u = -(unsigned long long)s;
			} else {
				u = (unsigned long long)s;
			}
			put_unsigned(u, 10);
			break;
		case 'u':
		case 'x':
			u = longs ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned);
			if (*fmt == 'x')
				rt_puts("0x");
			put_unsigned(u, *fmt == 'x' ? 16 : 10);
			break;
		case '%':
			rt_putc('%');
			break;
		default:
			rt_putc('?');
			if (!*fmt)
				return;
			break;
		}
	}
}

void rt_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rt_vprintf(fmt, ap);
	va_end(ap);
}

int rt_check(int ok, const char *name, const char *detail, ...)
{
	va_list ap;

	if (ok) {
		rt_passed++;
		rt_printf("PASS: %s\n", name);
		return 1;
	}
	rt_failed++;
	rt_printf("FAIL: %s (", name);
	va_start(ap, detail);
	rt_vprintf(detail, ap);
	va_end(ap);
	rt_puts(")\n");
	return 0;
}

int rt_expect_eq(const char *name, int64_t got, int64_t want)
{
	return rt_check(got == want, name, "got %lld, expected %lld", (long long)got, (long long)want);
}

void rt_skip(const char *name, const char *why)
{
	rt_skipped++;
	rt_printf("SKIP: %s (%s)\n", name, why);
}

void rt_exit(void)
{
	rt_printf("SUMMARY: %u passed, %u failed\n", rt_passed, rt_failed);
	for (int i = 0; i < UART_POLL_LIMIT && !(inb(COM1_LSR) & LSR_TEMT); i++)
		;
	outb(DEBUG_EXIT_PORT, rt_failed ? 1 : 0);
	for (;;)
		__asm__ volatile("cli; hlt");
}

unsigned rt_cpl(void)
{
	uint16_t cs;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	return cs & 3;
}

uint64_t rt_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* The frame exc_common passes: vector, error code, then what the CPU pushed. */
struct rt_exc_frame {
	uint64_t vector, error, rip, cs, rflags, rsp, ss;
};

void rt_exception(const struct rt_exc_frame *f);
void rt_exception(const struct rt_exc_frame *f)
{
	uint64_t cr2;

	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	rt_failed++;
	rt_printf("FAIL: unexpected exception %lu at rip %lx (cs %lx, error %lx, cr2 %lx)\n",
		  (unsigned long)f->vector, (unsigned long)f->rip, (unsigned long)f->cs,
		  (unsigned long)f->error, (unsigned long)cr2);
	rt_exit();
}

void rt_irq(unsigned vector);
void rt_irq(unsigned vector)
{
	void (*h)(unsigned) = rt_irq_handler[vector & 0xff];

	if (h)
		h(vector);
}

void rt_main(void);
void rt_main(void)
{
	test_main();
	rt_exit();
}
