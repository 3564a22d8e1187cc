/* The standalone console: a polled 16550 UART (COM1 at 115200 8N1 unless changed). */
#include "host/bare/bare.h"
#include "arch/x86/cpu.h"

#define UART_THR 0	/* transmit holding (DLAB=0) */
#define UART_DLL 0	/* divisor latch low (DLAB=1) */
#define UART_IER 1
#define UART_DLM 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_LSR_THRE 0x20	/* transmit holding register empty */
#define UART_LSR_TEMT 0x40	/* transmitter completely empty */
#define UART_CLOCK 115200	/* 1.8432 MHz / 16 */

/*
 * One character takes 87 us at 115200 baud; an iteration is at least one port
 * read (about 1 us on hardware).  The bound only matters for a UART that never
 * becomes ready; after one time-out the port is treated as gone.
 */
#define UART_WAIT_LOOPS 200000

static u16 console_port = 0x3F8;
static bool console_dead;

static bool uart_wait(u8 bits)
{
	u32 i;

	if (console_dead)
		return false;
	for (i = 0; i < UART_WAIT_LOOPS; i++) {
		if ((inb(console_port + UART_LSR) & bits) == bits)
			return true;
		cpu_relax();
	}
	console_dead = true;
	return false;
}

static void uart_init(u16 port, u32 baud)
{
	u32 divisor = baud ? UART_CLOCK / baud : 1;

	if (!divisor)
		divisor = 1;
	if (divisor > 0xFFFF)
		divisor = 0xFFFF;
	outb(port + UART_IER, 0);		/* polled: no interrupts */
	outb(port + UART_LCR, 0x80);		/* DLAB */
	outb(port + UART_DLL, divisor & 0xFF);
	outb(port + UART_DLM, divisor >> 8);
	outb(port + UART_LCR, 0x03);		/* 8 data bits, no parity, 1 stop bit */
	outb(port + UART_FCR, 0x07);		/* FIFOs on and cleared */
	outb(port + UART_MCR, 0x03);		/* DTR, RTS */
}

void bare_console_init(void)
{
	host_console_set_serial(0x3F8, 115200);
}

void host_console_set_serial(u16 port, u32 baud)
{
	bare_console_drain();
	console_port = port;
	console_dead = false;
	if (port)
		uart_init(port, baud);
}

static void uart_put(char c)
{
	uart_wait(UART_LSR_THRE);
	outb(console_port + UART_THR, (u8)c);
}

void host_console_write(const char *s, size_t len)
{
	size_t i;

	if (!console_port)
		return;
	for (i = 0; i < len; i++) {
		if (s[i] == '\n')
			uart_put('\r');
		uart_put(s[i]);
	}
}

void bare_console_drain(void)
{
	if (console_port)
		uart_wait(UART_LSR_THRE | UART_LSR_TEMT);
}
