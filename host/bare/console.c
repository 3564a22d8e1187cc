/* The standalone console: the polled UART (COM1 at 115200 8N1 unless the config says otherwise). */
#include "host/bare/bare.h"
#include "arch/x86/uart.h"

static u16 console_port;

void bare_console_init(void)
{
	host_console_set_serial(0x3f8, 115200);
}

void host_console_set_serial(u16 port, u32 baud)
{
	bare_console_drain();
	console_port = uart_init(port, baud) ? port : 0;
}

void host_console_write(const char *s, size_t len)
{
	uart_write(console_port, s, len);
}

size_t host_console_read(u8 *buf, size_t max)
{
	size_t n = 0;
	int c;

	while (n < max && (c = uart_getc(console_port)) >= 0)
		buf[n++] = (u8)c;
	return n;
}

void bare_console_drain(void)
{
	uart_drain(console_port);
}
