/*
 * Console input (vm/console.c): what is typed on the hypervisor console goes to the focused
 * VM's UART.  Ctrl-A then a digit n (1-9) focuses the n-th VM of the configuration; Ctrl-A
 * twice sends one Ctrl-A to the focused VM; Ctrl-A then ':' reads a command line up to Enter
 * (vm/console_cmd.h: window events for a VM's agent, its window table, help).
 */
#ifndef VM_CONSOLE_H
#define VM_CONSOLE_H

#include "lib/types.h"

#define CONSOLE_ESCAPE 0x01		/* Ctrl-A */
#define CONSOLE_POLL_NS 4000000ULL	/* the host console is read at most this often */
#define CONSOLE_PENDING 256		/* typed bytes waiting for room in the guest's FIFO */

/*
 * Reads the host console (at most every CONSOLE_POLL_NS) and feeds the focused VM's UART;
 * the scheduler calls it between exits and while idle.  Returns true when a VM was given
 * input (it may have raised an interrupt).
 */
bool console_poll(u64 now_ns);

/* Handles typed bytes (the escape, then queueing for the focused VM) and feeds what fits;
 * true when the VM took some. */
bool console_input(const u8 *buf, size_t len);

/* The focused VM's index in vm_list, or -1 when no VM is running. */
int console_focus(void);

#endif
