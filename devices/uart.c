/*
 * 16550 UART at 0x3F8: the guest's serial console.  Output goes to the
 * hypervisor console line by line with the VM's name in front.  Interrupts
 * and input arrive with the guest platform; until then IER/IIR report none.
 */
#include "devices/devices.h"
#include "vm/vm.h"
#include "host/host.h"
#include "lib/errno.h"
#include "lib/log.h"

#define UART_LINE_MAX 200

#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define LCR_DLAB 0x80
#define MCR_LOOP 0x10

struct uart_state {
	struct vm *vm;
	u16 base;
	u8 ier, lcr, mcr, scr, dll, dlm, fcr;
	u32 line_len;
	char line[UART_LINE_MAX + 1];
};

static void uart_emit_line(struct uart_state *u)
{
	u->line[u->line_len] = 0;
	log_printf(LOG_INFO, u->vm->name, "%s\n", u->line);
	u->line_len = 0;
}

static void uart_put(struct uart_state *u, u8 c)
{
	if (c == '\n') {
		uart_emit_line(u);
		return;
	}
	if (c == '\r')
		return;
	/* Keep the hypervisor console readable: control bytes become '.'. */
	u->line[u->line_len++] = (c >= 0x20 && c < 0x7f) || c == '\t' ? (char)c : '.';
	if (u->line_len == UART_LINE_MAX)
		uart_emit_line(u);
}

static void uart_in(void *opaque, u16 port, u8 size, u32 *val)
{
	struct uart_state *u = opaque;

	(void)size;
	switch (port - u->base) {
	case 0:
		*val = (u->lcr & LCR_DLAB) ? u->dll : 0;	/* no input yet */
		break;
	case 1:
		*val = (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
		break;
	case 2:
		*val = 0x01 | ((u->fcr & 1) ? 0xc0 : 0);	/* no interrupt pending */
		break;
	case 3:
		*val = u->lcr;
		break;
	case 4:
		*val = u->mcr;
		break;
	case 5:
		*val = LSR_THRE | LSR_TEMT;	/* transmitter always ready */
		break;
	case 6:
		/* Modem status: in loopback the outputs come back, else carrier and ready. */
		*val = (u->mcr & MCR_LOOP) ? ((u->mcr & 0xf) << 4) : 0xb0;
		break;
	case 7:
		*val = u->scr;
		break;
	}
}

static void uart_out(void *opaque, u16 port, u8 size, u32 val)
{
	struct uart_state *u = opaque;

	(void)size;
	switch (port - u->base) {
	case 0:
		if (u->lcr & LCR_DLAB)
			u->dll = (u8)val;
		else if (!(u->mcr & MCR_LOOP))
			uart_put(u, (u8)val);
		break;
	case 1:
		if (u->lcr & LCR_DLAB)
			u->dlm = (u8)val;
		else
			u->ier = val & 0x0f;
		break;
	case 2:
		u->fcr = (u8)val;
		break;
	case 3:
		u->lcr = (u8)val;
		break;
	case 4:
		u->mcr = val & 0x1f;
		break;
	case 7:
		u->scr = (u8)val;
		break;
	}
}

int uart_create(struct vm *vm, u16 base)
{
	u64 page = host_pages_alloc(1);
	struct uart_state *u = (struct uart_state *)(uintptr_t)page;
	struct port_handler h = {
		.base = base, .count = 8, .name = "uart", .in = uart_in, .out = uart_out,
	};

	if (!page)
		return -ENOMEM;
	_Static_assert(sizeof(struct uart_state) <= PAGE_SIZE, "uart state fits a page");
	u->vm = vm;
	u->base = base;
	u->lcr = 0x03;
	u->dll = 1;
	h.opaque = u;
	vm->dev->uart = u;
	return devices_register_ports(vm, &h);
}

/* A partial last line is still shown when the VM stops. */
void uart_flush(struct vm *vm)
{
	struct uart_state *u = vm->dev ? vm->dev->uart : NULL;

	if (u && u->line_len)
		uart_emit_line(u);
}
