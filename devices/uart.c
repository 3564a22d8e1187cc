/*
 * 16550A UART at 0x3F8: the guest's serial console (PC16550D data sheet; the registers and
 * probes Linux's 8250 driver uses).  Output goes to the hypervisor console line by line with
 * the VM's name in front and into a per-VM log ring; input comes from uart_input() into a
 * 16-byte receive FIFO; interrupts go out on ISA IRQ 4.  Every access holds the VM's lock: exits
 * on the vCPUs' CPUs, console input on the BSP (vm/console.c).
 */
#include "devices/devices.h"
#include "devices/irq.h"
#include "devices/uart.h"
#include "vm/platform.h"
#include "vm/vm.h"
#include "host/host.h"
#include "lib/errno.h"
#include "lib/log.h"

#define UART_LINE_MAX 200
#define UART_FIFO 16
#define UART_LOG_RING 4096

/* Register offsets from the base (data sheet table II). */
#define REG_RBR_THR 0	/* DLL with LCR.DLAB */
#define REG_IER 1	/* DLM with LCR.DLAB */
#define REG_IIR_FCR 2
#define REG_LCR 3
#define REG_MCR 4
#define REG_LSR 5
#define REG_MSR 6
#define REG_SCR 7

#define IER_RDI 0x01	/* received data available */
#define IER_THRI 0x02	/* transmitter holding register empty */
#define IER_RLSI 0x04	/* receiver line status */
#define IER_MSI 0x08	/* modem status */

#define IIR_NO_INT 0x01
#define IIR_MSI 0x00
#define IIR_THRI 0x02
#define IIR_RDI 0x04
#define IIR_RLSI 0x06
#define IIR_TIMEOUT 0x0c
#define IIR_FIFO_ON 0xc0

#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02
#define FCR_CLEAR_TX 0x04

#define LCR_DLAB 0x80

#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10

#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_PE 0x04
#define LSR_FE 0x08
#define LSR_BI 0x10
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define LSR_ERRORS (LSR_OE | LSR_PE | LSR_FE | LSR_BI)

#define MSR_DCTS 0x01
#define MSR_DDSR 0x02
#define MSR_TERI 0x04
#define MSR_DDCD 0x08
#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI 0x40
#define MSR_DCD 0x80

struct uart_state {
	struct vm *vm;
	u16 base;
	u8 ier, lcr, mcr, scr, dll, dlm, fcr;
	u8 lsr_errors;		/* OE/PE/FE/BI, latched until LSR is read */
	u8 msr;			/* modem inputs (bits 4-7) and their deltas (bits 0-3) */
	bool thr_ipending;	/* the THRE interrupt condition (cleared by IIR read or THR write) */
	bool irq_level;		/* what the IRQ line was last set to */
	u8 rx[UART_FIFO];
	u32 rx_head, rx_count;
	u8 rbr_last;		/* RBR reads this when the FIFO is empty */
	u32 line_len;
	char line[UART_LINE_MAX + 1];
	/* Interactive use (input has been typed): an idle partial line is shown, and the rest of
	 * that line then continues it on the console without a second prefix. */
	bool interactive;
	bool continued;		/* the console already shows the start of this line */
	u32 idle_len;		/* line_len at the last uart_flush_partial() call */
	/* The last UART_LOG_RING bytes of output, oldest first from log_head when full. */
	u32 log_head, log_len;
	char log[UART_LOG_RING];
};

/* Depth of the receive buffer: the FIFO, or the single holding register without FIFOs. */
static u32 uart_rx_depth(const struct uart_state *u)
{
	return (u->fcr & FCR_ENABLE) ? UART_FIFO : 1;
}

static u32 uart_rx_trigger(const struct uart_state *u)
{
	static const u8 levels[4] = { 1, 4, 8, 14 };

	return (u->fcr & FCR_ENABLE) ? levels[u->fcr >> 6] : 1;
}

/*
 * The highest-priority pending interrupt as IIR reports it (data sheet table IV): line status,
 * then received data (trigger level reached, or the character timeout for fewer bytes: input
 * arrives in bursts from the host console, so the timeout is taken as already elapsed), then
 * THR empty, then modem status.
 */
static u8 uart_iir_id(const struct uart_state *u)
{
	if ((u->ier & IER_RLSI) && (u->lsr_errors & LSR_ERRORS))
		return IIR_RLSI;
	if ((u->ier & IER_RDI) && u->rx_count)
		return u->rx_count >= uart_rx_trigger(u) ? IIR_RDI : IIR_TIMEOUT;
	if ((u->ier & IER_THRI) && u->thr_ipending)
		return IIR_THRI;
	if ((u->ier & IER_MSI) && (u->msr & 0x0f))
		return IIR_MSI;
	return IIR_NO_INT;
}

/*
 * On a PC the UART's interrupt output reaches IRQ 4 through OUT2, and in loopback mode the
 * output is disconnected.  Only changes are passed on, so the router sees clean edges.
 */
static void uart_update_irq(struct uart_state *u)
{
	bool level = uart_iir_id(u) != IIR_NO_INT && (u->mcr & MCR_OUT2) && !(u->mcr & MCR_LOOP);

	if (level != u->irq_level) {
		u->irq_level = level;
		irq_set_level(u->vm, PLAT_IRQ_COM1, level);
	}
}

static void uart_log_put(struct uart_state *u, char c)
{
	if (u->log_len < UART_LOG_RING) {
		u->log[u->log_len++] = c;
		return;
	}
	u->log[u->log_head] = c;
	u->log_head = (u->log_head + 1) % UART_LOG_RING;
}

static void uart_emit_line(struct uart_state *u)
{
	u->line[u->line_len] = 0;
	log_vm_text(u->vm->name, u->line, u->continued, true);
	u->line_len = 0;
	u->idle_len = 0;
	u->continued = false;
}

static void uart_put(struct uart_state *u, u8 c)
{
	char shown = (c >= 0x20 && c < 0x7f) || c == '\t' ? (char)c : '.';

	if (c == '\n') {
		uart_log_put(u, '\n');
		uart_emit_line(u);
		return;
	}
	if (c == '\r')
		return;
	/* Keep the hypervisor console readable: control bytes become '.'. */
	uart_log_put(u, shown);
	u->line[u->line_len++] = shown;
	if (u->line_len == UART_LINE_MAX)
		uart_emit_line(u);
}

/* One byte into the receive buffer; false (and an overrun) when it is full. */
static bool uart_rx_push(struct uart_state *u, u8 c)
{
	if (u->rx_count >= uart_rx_depth(u)) {
		u->lsr_errors |= LSR_OE;
		return false;
	}
	u->rx[(u->rx_head + u->rx_count) % UART_FIFO] = c;
	u->rx_count++;
	return true;
}

static void uart_rx_clear(struct uart_state *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
}

/* The modem inputs: in loopback the outputs fed back (DTR->DSR, RTS->CTS, OUT1->RI,
 * OUT2->DCD), otherwise a terminal that is connected and ready (DCD, DSR, CTS). */
static u8 uart_modem_inputs(u8 mcr)
{
	if (!(mcr & MCR_LOOP))
		return MSR_DCD | MSR_DSR | MSR_CTS;
	return ((mcr & MCR_DTR) ? MSR_DSR : 0) | ((mcr & MCR_RTS) ? MSR_CTS : 0) |
	       ((mcr & MCR_OUT1) ? MSR_RI : 0) | ((mcr & MCR_OUT2) ? MSR_DCD : 0);
}

static void uart_set_mcr(struct uart_state *u, u8 mcr)
{
	u8 old = u->msr & 0xf0, now = uart_modem_inputs(mcr);
	u8 delta = 0;

	if ((old ^ now) & MSR_CTS)
		delta |= MSR_DCTS;
	if ((old ^ now) & MSR_DSR)
		delta |= MSR_DDSR;
	if ((old & MSR_RI) && !(now & MSR_RI))	/* trailing edge of ring indicator */
		delta |= MSR_TERI;
	if ((old ^ now) & MSR_DCD)
		delta |= MSR_DDCD;
	u->mcr = mcr;
	u->msr = now | (u->msr & 0x0f) | delta;
}

static void uart_write_thr(struct uart_state *u, u8 c)
{
	/*
	 * Writing THR clears the THRE interrupt; the byte leaves at once, so THR is empty again
	 * and the condition returns.  The line drops in between, so an edge-triggered IRQ sees a
	 * new edge for each byte, as it would when a real transmitter drains.
	 */
	u->thr_ipending = false;
	uart_update_irq(u);
	if (u->mcr & MCR_LOOP)
		uart_rx_push(u, c);
	else
		uart_put(u, c);
	u->thr_ipending = true;
}

static u8 uart_read(struct uart_state *u, u32 reg)
{
	u8 v = 0;

	switch (reg) {
	case REG_RBR_THR:
		if (u->lcr & LCR_DLAB)
			return u->dll;
		if (u->rx_count) {
			u->rbr_last = u->rx[u->rx_head];
			u->rx_head = (u->rx_head + 1) % UART_FIFO;
			u->rx_count--;
		}
		return u->rbr_last;
	case REG_IER:
		return (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
	case REG_IIR_FCR:
		v = uart_iir_id(u);
		/* Reading IIR while THRE is the reported source clears it (data sheet table IV). */
		if (v == IIR_THRI)
			u->thr_ipending = false;
		return v | ((u->fcr & FCR_ENABLE) ? IIR_FIFO_ON : 0);
	case REG_LCR:
		return u->lcr;
	case REG_MCR:
		return u->mcr;
	case REG_LSR:
		v = LSR_THRE | LSR_TEMT | u->lsr_errors | (u->rx_count ? LSR_DR : 0);
		u->lsr_errors = 0;
		return v;
	case REG_MSR:
		v = u->msr;
		u->msr &= 0xf0;
		return v;
	default:
		return u->scr;
	}
}

static void uart_write(struct uart_state *u, u32 reg, u8 v)
{
	switch (reg) {
	case REG_RBR_THR:
		if (u->lcr & LCR_DLAB)
			u->dll = v;
		else
			uart_write_thr(u, v);
		break;
	case REG_IER:
		if (u->lcr & LCR_DLAB) {
			u->dlm = v;
			break;
		}
		/* Enabling the THRE interrupt while THR is empty raises it (Linux's THRE test). */
		if ((v & IER_THRI) && !(u->ier & IER_THRI))
			u->thr_ipending = true;
		u->ier = v & 0x0f;
		break;
	case REG_IIR_FCR:
		/* Turning the FIFOs on or off clears them; the clear bits act only with FIFOs on. */
		if ((v ^ u->fcr) & FCR_ENABLE)
			uart_rx_clear(u);
		else if ((v & FCR_ENABLE) && (v & FCR_CLEAR_RX))
			uart_rx_clear(u);
		/* The transmitter has no FIFO to clear: every byte has already left. */
		u->fcr = v & (FCR_ENABLE | 0xc0);
		if (!(u->fcr & FCR_ENABLE))
			u->fcr = 0;
		break;
	case REG_LCR:
		u->lcr = v;
		break;
	case REG_MCR:
		uart_set_mcr(u, v & 0x1f);
		break;
	case REG_LSR:
	case REG_MSR:
		break;	/* read-only (factory test on some parts) */
	default:
		u->scr = v;
		break;
	}
}

static void uart_in(void *opaque, u16 port, u8 size, u32 *val)
{
	struct uart_state *u = opaque;

	(void)size;	/* wider accesses read the byte register; devices.c masks the width */
	*val = uart_read(u, (u32)(port - u->base) & 7);
	uart_update_irq(u);
}

static void uart_out(void *opaque, u16 port, u8 size, u32 val)
{
	struct uart_state *u = opaque;

	(void)size;
	uart_write(u, (u32)(port - u->base) & 7, (u8)val);
	uart_update_irq(u);
}

int uart_create(struct vm *vm, u16 base)
{
	u64 pages = (sizeof(struct uart_state) + PAGE_SIZE - 1) / PAGE_SIZE;
	struct uart_state *u = (struct uart_state *)(uintptr_t)host_pages_alloc(pages);
	struct port_handler h = {
		.base = base, .count = 8, .name = "uart", .in = uart_in, .out = uart_out,
	};

	if (!u)
		return -ENOMEM;
	u->vm = vm;
	u->base = base;
	u->lcr = 0x03;
	u->dll = 1;
	uart_set_mcr(u, 0);
	u->msr &= 0xf0;		/* no deltas at reset */
	h.opaque = u;
	vm->dev->uart = u;
	return devices_register_ports(vm, &h);
}

void uart_destroy(struct vm *vm)
{
	struct uart_state *u = vm->dev ? vm->dev->uart : NULL;

	if (!u)
		return;
	host_pages_free((u64)(uintptr_t)u, (sizeof(*u) + PAGE_SIZE - 1) / PAGE_SIZE);
	vm->dev->uart = NULL;
}

/* A partial last line is still shown when the VM stops. */
void uart_flush(struct vm *vm)
{
	struct uart_state *u = vm->dev ? vm->dev->uart : NULL;

	if (u && u->line_len)
		uart_emit_line(u);
}

size_t uart_input(struct vm *vm, const u8 *buf, size_t len)
{
	struct uart_state *u = vm->dev ? vm->dev->uart : NULL;
	size_t n = 0;

	if (!u)
		return 0;
	/* In loopback the receiver hears only the transmitter. */
	if (u->mcr & MCR_LOOP)
		return 0;
	while (n < len && u->rx_count < uart_rx_depth(u))
		uart_rx_push(u, buf[n++]);
	if (n)
		u->interactive = true;
	uart_update_irq(u);
	return n;
}

/* Called on every console poll for the focused VM: a partial line that has not grown since
 * the previous poll is shown (a shell prompt, the echo of what is being typed). */
void uart_flush_partial(struct vm *vm)
{
	struct uart_state *u = vm->dev ? vm->dev->uart : NULL;

	if (!u || !u->interactive || !u->line_len)
		return;
	if (u->line_len != u->idle_len) {
		u->idle_len = u->line_len;
		return;
	}
	u->line[u->line_len] = 0;
	log_vm_text(u->vm->name, u->line, u->continued, false);
	u->continued = true;
	u->line_len = 0;
	u->idle_len = 0;
}

size_t uart_input_space(struct vm *vm)
{
	struct uart_state *u = vm->dev ? vm->dev->uart : NULL;

	if (!u || (u->mcr & MCR_LOOP))
		return 0;
	return uart_rx_depth(u) - u->rx_count;
}

size_t uart_log_read(struct vm *vm, char *buf, size_t max)
{
	struct uart_state *u = vm->dev ? vm->dev->uart : NULL;
	size_t n = 0;

	if (!u)
		return 0;
	/* The newest max bytes, oldest first. */
	for (u32 i = u->log_len > max ? u->log_len - (u32)max : 0; i < u->log_len; i++)
		buf[n++] = u->log[(u->log_head + i) % UART_LOG_RING];
	return n;
}
