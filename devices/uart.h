/*
 * The 16550A UART model (devices/uart.c) beyond creation (devices/devices.h): console input,
 * the per-VM output log ring, and freeing.
 */
#ifndef DEVICES_UART_H
#define DEVICES_UART_H

#include "lib/types.h"

struct vm;

/*
 * Puts up to len bytes into the VM's receive FIFO (16 bytes; 1 with the FIFOs off) and raises
 * the receive interrupt; returns how many it took (none in loopback mode, where the receiver
 * hears only the transmitter).  The caller keeps the rest for later: nothing overruns.
 */
size_t uart_input(struct vm *vm, const u8 *buf, size_t len);
/* How many bytes uart_input() would take now. */
size_t uart_input_space(struct vm *vm);

/* Copies the newest max bytes of the VM's output (up to 4 KiB kept), oldest first. */
size_t uart_log_read(struct vm *vm, char *buf, size_t max);

/* Shows a partial last line now (interactive consoles: a shell prompt has no newline). */
void uart_flush_partial(struct vm *vm);

/* Frees the model (devices_destroy). */
void uart_destroy(struct vm *vm);

#endif
