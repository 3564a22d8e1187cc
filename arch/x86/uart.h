/* Polled 16550 UART, used for the hypervisor's own console in both host modes. */
#ifndef ARCH_X86_UART_H
#define ARCH_X86_UART_H

#include "lib/types.h"

/* Programs 8N1 at baud (a divisor of 115200); returns false when no UART answers. */
bool uart_init(u16 port, u32 baud);
/* Writes len bytes, turning "\n" into "\r\n"; waits are bounded, so a dead port cannot hang. */
void uart_write(u16 port, const char *s, size_t len);
/* Waits (bounded) until everything written has left the transmitter. */
void uart_drain(u16 port);
/* The next received byte, or -1 when none is waiting (never waits). */
int uart_getc(u16 port);

#endif
