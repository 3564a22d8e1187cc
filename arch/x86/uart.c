/* Polled 16550 UART input and output (no interrupts: the hypervisor console must work anywhere). */
#include "arch/x86/uart.h"
#include "arch/x86/cpu.h"

#define UART_THR 0
#define UART_RBR 0
#define UART_DLL 0
#define UART_IER 1
#define UART_DLM 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_SCR 7
#define UART_LSR_DR 0x01
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40
#define UART_LCR_DLAB 0x80
#define UART_LCR_8N1 0x03

/* About 50 ms at the slowest plausible port access time; plenty for one byte at 1200 baud. */
#define UART_WAIT_LOOPS 100000

bool uart_init(u16 port, u32 baud)
{
	u16 divisor;

	if (!port || !baud || baud > 115200)
		return false;
	/* No UART decodes the port: the scratch register will not hold a value. */
	outb(port + UART_SCR, 0x5a);
	if (inb(port + UART_SCR) != 0x5a)
		return false;
	divisor = (u16)(115200 / baud);
	outb(port + UART_IER, 0);
	outb(port + UART_LCR, UART_LCR_DLAB);
	outb(port + UART_DLL, divisor & 0xff);
	outb(port + UART_DLM, divisor >> 8);
	outb(port + UART_LCR, UART_LCR_8N1);
	outb(port + UART_FCR, 0x07);	/* enable and clear FIFOs */
	outb(port + UART_MCR, 0x03);	/* DTR, RTS; OUT2 off: no interrupts */
	return true;
}

static void uart_wait(u16 port, u8 bit)
{
	for (int i = 0; i < UART_WAIT_LOOPS; i++) {
		if (inb(port + UART_LSR) & bit)
			return;
		cpu_relax();
	}
}

static void uart_putc(u16 port, char c)
{
	uart_wait(port, UART_LSR_THRE);
	outb(port + UART_THR, (u8)c);
}

void uart_write(u16 port, const char *s, size_t len)
{
	if (!port)
		return;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			uart_putc(port, '\r');
		uart_putc(port, s[i]);
	}
}

int uart_getc(u16 port)
{
	if (!port || !(inb(port + UART_LSR) & UART_LSR_DR))
		return -1;
	return inb(port + UART_RBR);
}

void uart_drain(u16 port)
{
	if (port)
		uart_wait(port, UART_LSR_TEMT);
}
