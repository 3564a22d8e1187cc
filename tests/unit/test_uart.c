/*
 * The 16550A model (devices/uart.c) and console input routing (vm/console.c): registers,
 * DLAB, IIR priorities, THRE interrupt semantics, FIFO and trigger levels, loopback as Linux's
 * autoconfig probes it, the IRQ line with OUT2, input, the log ring, partial lines and the
 * Ctrl-A focus escape, and the Ctrl-A ':' command line posting window events.
 */
// unit-deps: devices/uart.c vm/console.c vm/console_cmd.c lib/log.c lib/format.c lib/spinlock.c lib/string.c
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/unit/unit.h"
#include "devices/devices.h"
#include "devices/uart.h"
#include "vm/console.h"
#include "vm/console_cmd.h"
#include "vm/vm.h"
#include "vm/platform.h"
#include "host/host.h"
#include "lib/log.h"
#include "lib/errno.h"
#include "vm/hc_internal.h"
#include "macrohard/hypercall.h"

/* ---- what the modules call, recorded ---- */

static char out[16384];
static size_t out_len;
static int irq_level = -1;
static int irq_rises, irq_calls;
static u32 irq_gsi;
static struct port_handler ports[4];
static int port_count;
static const u8 *host_in;
static size_t host_in_len;
static int host_reads;

/* One CPU here (lib/spinlock.c's recursive lock asks). */
u32 host_cpu_index(void) { return 0; }

/* lib/log.c writes here. */
void host_console_write(const char *s, size_t len)
{
	if (out_len + len < sizeof(out)) {
		memcpy(out + out_len, s, len);
		out_len += len;
		out[out_len] = 0;
	}
}

void irq_set_level(struct vm *vm, u32 gsi, bool high)
{
	(void)vm;
	irq_calls++;
	irq_gsi = gsi;
	if (high && irq_level != 1)
		irq_rises++;
	irq_level = high;
}

u64 host_pages_alloc(u64 count)
{
	void *p = aligned_alloc(4096, count * 4096);

	if (p)
		memset(p, 0, count * 4096);
	return (u64)(uintptr_t)p;
}

void host_pages_free(u64 addr, u64 count)
{
	(void)count;
	free((void *)(uintptr_t)addr);
}

int devices_register_ports(struct vm *vm, const struct port_handler *h)
{
	(void)vm;
	ports[port_count++] = *h;
	return 0;
}

size_t host_console_read(u8 *buf, size_t max)
{
	size_t n = host_in_len < max ? host_in_len : max;

	host_reads++;
	memcpy(buf, host_in, n);
	host_in += n;
	host_in_len -= n;
	return n;
}

struct vm *vm_list[VM_MAX];
u32 vm_list_count;

/* HC_DISPLAY's side (vm/hc_display.c), recorded: what was posted and to whom. */
struct rspinlock hc_lock;
static struct hc_display_event posted;
static struct vm *posted_to;
static int post_result, posts, shows;

int hc_display_post_event(struct vm *vm, const struct hc_display_event *ev)
{
	posts++;
	if (post_result >= 0) {
		posted = *ev;
		posted_to = vm;
	}
	return post_result;
}

void hc_display_show(struct vm *vm)
{
	shows++;
	log_printf(LOG_INFO, vm->name, "windows: 0\n");
}

/* ---- helpers ---- */

static struct vm vms[3];
static struct vm_devices devs[3];
static struct port_handler *cur;

static void use(int i)
{
	cur = &ports[i];
}

static u8 rd(u16 reg)
{
	u32 v = 0xffffffff;

	cur->in(cur->opaque, (u16)(0x3f8 + reg), 1, &v);
	return (u8)v;
}

static void wr(u16 reg, u8 v)
{
	cur->out(cur->opaque, (u16)(0x3f8 + reg), 1, v);
}

static void out_reset(void)
{
	out_len = 0;
	out[0] = 0;
}

static void make_vm(int i, const char *name)
{
	snprintf(vms[i].name, sizeof(vms[i].name), "%s", name);
	vms[i].dev = &devs[i];
	vms[i].state = VM_STATE_RUNNING;
	vm_list[i] = &vms[i];
	vm_list_count = (u32)i + 1;
	CHECK_INT("uart_create succeeds", uart_create(&vms[i], 0x3f8), 0);
}

static void test_registers(void)
{
	use(0);
	CHECK_INT("reset: IIR no interrupt, FIFOs off", rd(2), 0x01);
	CHECK_INT("reset: LSR THRE and TEMT", rd(5), 0x60);
	CHECK_INT("reset: LCR 8N1", rd(3), 0x03);
	CHECK_INT("reset: MCR 0", rd(4), 0x00);
	CHECK_INT("reset: MSR carrier, data set ready, clear to send", rd(6), 0xb0);
	wr(7, 0xa5);
	CHECK_INT("scratch register keeps a byte", rd(7), 0xa5);
	wr(1, 0xff);
	CHECK_INT("IER keeps only bits 0-3 (Linux's scratch test writes 0x0f)", rd(1), 0x0f);
	wr(1, 0x00);
	CHECK_INT("IER reads back 0", rd(1), 0x00);
	wr(3, 0x83);
	wr(0, 0x0c);
	wr(1, 0x00);
	CHECK_INT("DLAB: DLL reads back", rd(0), 0x0c);
	CHECK_INT("DLAB: DLM reads back", rd(1), 0x00);
	wr(3, 0x03);
	CHECK_INT("DLAB off: IER untouched by the DLM write", rd(1), 0x00);
	CHECK("DLAB write produced no output", out_len == 0);
	CHECK_INT("the IRQ line is COM1's ISA IRQ 4 (untouched so far)", irq_calls, 0);
	wr(4, 0xff);
	CHECK_INT("MCR keeps bits 0-4 (Linux's SuperIO probe sees 0 in 5-7)", rd(4), 0x1f);
	wr(4, 0x00);
	rd(6);
}

static void test_output(void)
{
	char ring[8192];
	size_t n;

	use(0);
	out_reset();
	for (const char *s = "hello\r\n"; *s; s++)
		wr(0, (u8)*s);
	CHECK("a line goes out with the VM prefix", !strcmp(out, "[a] hello\n"));
	wr(0, 0x07);
	wr(0, '\n');
	CHECK("control bytes are shown as '.'", strstr(out, "[a] .\n") != NULL);
	n = uart_log_read(&vms[0], ring, sizeof(ring));
	ring[n] = 0;
	CHECK("log ring holds the output", n == 8 && !memcmp(ring, "hello\n.\n", 8));
	for (int i = 0; i < 5000; i++)
		wr(0, (u8)('0' + i % 10));
	wr(0, '\n');
	n = uart_log_read(&vms[0], ring, sizeof(ring));
	CHECK_INT("log ring keeps the last 4 KiB", n, 4096);
	CHECK("log ring ends with the newest byte", ring[4095] == '\n' && ring[4094] == '9');
	/* 8 + 5001 bytes written: the oldest kept is byte 913, digit 905 of the run. */
	CHECK("log ring starts with the oldest kept byte", ring[0] == '0' + 905 % 10);
	n = uart_log_read(&vms[0], ring, 3);
	CHECK("log read of 3 bytes gives the newest 3", n == 3 && !memcmp(ring, "89\n", 3));
	out_reset();
}

static void test_thre(void)
{
	int rises;

	use(0);
	irq_level = -1;
	wr(1, 0x02);	/* THRE interrupt enabled, OUT2 still off */
	CHECK_INT("THRE pending once enabled with THR empty", rd(2), 0x02);
	CHECK("no IRQ without OUT2", irq_level != 1);
	wr(1, 0x00);
	wr(4, 0x08);	/* OUT2: the line reaches the PIC/IOAPIC */
	wr(1, 0x02);
	CHECK("IRQ 4 raised for THRE with OUT2", irq_level == 1 && irq_gsi == PLAT_IRQ_COM1);
	CHECK_INT("IIR reports THRE", rd(2), 0x02);
	CHECK_INT("reading IIR cleared THRE", rd(2), 0x01);
	CHECK("IRQ lowered after the IIR read", irq_level == 0);
	rises = irq_rises;
	wr(0, 'x');
	CHECK_INT("writing THR: THRE pending again once the byte left", rd(2), 0x02);
	CHECK_INT("writing THR makes a new edge", irq_rises, rises + 1);
	rises = irq_rises;
	wr(0, 'y');
	wr(0, 'z');
	CHECK_INT("each THR write is an edge (pending stayed set)", irq_rises, rises + 2);
	/* Linux's UART_BUG_THRE test: disable, re-enable, THRE must be reasserted. */
	rd(2);
	wr(1, 0x00);
	CHECK("disabling THRI lowers the line", irq_level == 0);
	wr(1, 0x02);
	CHECK_INT("re-enabling THRI reasserts THRE", rd(2), 0x02);
	wr(1, 0x00);
	wr(0, '\n');
	CHECK_INT("THRE does not show with THRI disabled", rd(2), 0x01);
	wr(4, 0x00);
	out_reset();
}

static void test_fifo(void)
{
	u8 in[20];
	bool order = true;

	use(0);
	for (int i = 0; i < 20; i++)
		in[i] = (u8)('A' + i);
	CHECK_INT("FIFOs off: one byte of holding register", uart_input(&vms[0], in, 20), 1);
	CHECK_INT("LSR data ready", rd(5) & 0x01, 1);
	CHECK_INT("the byte reads back", rd(0), 'A');
	CHECK_INT("LSR data ready clear after the read", rd(5) & 0x01, 0);
	wr(2, 0x01);
	CHECK_INT("FIFOs on: IIR bits 6-7 set", rd(2), 0xc1);
	CHECK_INT("uart_input_space is the FIFO's 16", uart_input_space(&vms[0]), 16);
	CHECK_INT("FIFO takes 16 of 20 bytes", uart_input(&vms[0], in, 20), 16);
	CHECK_INT("no overrun from input: the caller keeps the rest", rd(5) & 0x02, 0);
	for (int i = 0; i < 16; i++)
		order &= rd(0) == 'A' + i;
	CHECK("16 bytes read back in order", order);
	CHECK_INT("FIFO empty after 16 reads", rd(5) & 0x01, 0);
	CHECK_INT("RBR with an empty FIFO repeats the last byte", rd(0), 'P');
	wr(2, 0x81);	/* trigger level 8 */
	wr(1, 0x01);
	uart_input(&vms[0], in, 4);
	CHECK_INT("below the trigger level: character timeout", rd(2), 0xcc);
	uart_input(&vms[0], in + 4, 4);
	CHECK_INT("at the trigger level: received data available", rd(2), 0xc4);
	wr(2, 0x83);
	CHECK_INT("FCR clear RX empties the FIFO", rd(5) & 0x01, 0);
	CHECK_INT("nothing pending after the clear", rd(2), 0xc1);
	uart_input(&vms[0], in, 3);
	wr(2, 0x00);
	CHECK_INT("turning FIFOs off clears them", rd(5) & 0x01, 0);
	CHECK_INT("FIFOs off: IIR bits 6-7 clear", rd(2), 0x01);
	uart_input(&vms[0], in, 1);
	CHECK_INT("FIFOs off: received data available", rd(2), 0x04);
	wr(4, 0x08);
	CHECK("RX data raises IRQ 4 with OUT2", irq_level == 1);
	rd(0);
	CHECK("reading RBR lowers IRQ 4", irq_level == 0);
	wr(1, 0x00);
	wr(4, 0x00);
}

static void test_loopback_and_priority(void)
{
	use(0);
	out_reset();
	/* Linux's autoconfig: MCR = LOOP | OUT2 | RTS, MSR high nibble must be 0x90. */
	wr(4, 0x1a);
	CHECK_INT("loopback MSR status is 0x90 for MCR 0x1a", rd(6) & 0xf0, 0x90);
	wr(4, 0x11);
	CHECK_INT("loopback DTR -> DSR", rd(6) & 0xf0, 0x20);
	wr(4, 0x14);
	CHECK_INT("loopback OUT1 -> RI", rd(6) & 0xf0, 0x40);
	rd(6);
	wr(4, 0x10);
	CHECK_INT("RI falling edge sets TERI", rd(6) & 0x0f, 0x04);
	CHECK_INT("reading MSR cleared the deltas", rd(6) & 0x0f, 0x00);
	wr(0, 'Q');
	CHECK("loopback: a transmitted byte is not printed", out_len == 0);
	CHECK_INT("loopback: the byte arrives at RBR", rd(0), 'Q');
	CHECK_INT("loopback: uart_input is ignored", uart_input(&vms[0], (const u8 *)"x", 1), 0);
	/* Priorities with every source pending (FIFOs off: one byte, then an overrun). */
	wr(1, 0x0f);
	wr(0, '1');
	wr(0, '2');	/* overrun */
	wr(4, 0x12);	/* RTS change: modem status delta */
	CHECK("loopback: the IRQ output is disconnected", irq_level != 1);
	CHECK_INT("priority 1: receiver line status", rd(2), 0x06);
	CHECK_INT("LSR shows the overrun and data", rd(5), 0x63);
	CHECK_INT("priority 2: received data", rd(2), 0x04);
	CHECK_INT("the first byte was kept", rd(0), '1');
	CHECK_INT("priority 3: THR empty", rd(2), 0x02);
	CHECK_INT("priority 4: modem status", rd(2), 0x00);
	rd(6);
	CHECK_INT("nothing left", rd(2), 0x01);
	wr(1, 0x00);
	wr(4, 0x00);
	rd(6);
	CHECK_INT("out of loopback: carrier, DSR, CTS again", rd(6), 0xb0);
}

static void feed(const char *s)
{
	host_in = (const u8 *)s;
	host_in_len = strlen(s);
}

static void test_console(void)
{
	static u64 t = 1000000000ULL;
	char got[64];
	size_t n;

	out_reset();
	use(0);
	while (rd(5) & 1)
		rd(0);
	wr(2, 0x01);
	use(1);
	wr(2, 0x01);
	CHECK_INT("focus starts on the first running VM", console_focus(), 0);
	feed("ab");
	CHECK("console_poll delivers typed bytes", console_poll(t));
	use(0);
	n = 0;
	while ((rd(5) & 1) && n < sizeof(got))
		got[n++] = (char)rd(0);
	CHECK("VM 1 received 'ab'", n == 2 && !memcmp(got, "ab", 2));
	feed("cd");
	CHECK("a poll 1 ms later does not read the host", !console_poll(t + 1000000) && host_in_len == 2);
	CHECK("a poll 4 ms later does", console_poll(t + CONSOLE_POLL_NS) && host_in_len == 0);
	while (rd(5) & 1)
		rd(0);
	console_input((const u8 *)"\x01" "2", 2);
	CHECK("Ctrl-A 2 focuses the second VM", console_focus() == 1);
	CHECK("the switch is announced", strstr(out, "console: input goes to [b]") != NULL);
	console_input((const u8 *)"xy\x01\x01", 4);
	use(1);
	n = 0;
	while ((rd(5) & 1) && n < sizeof(got))
		got[n++] = (char)rd(0);
	CHECK("VM 2 got 'xy' and one Ctrl-A for Ctrl-A Ctrl-A", n == 3 && !memcmp(got, "xy\x01", 3));
	use(0);
	CHECK_INT("VM 1 got nothing meanwhile", rd(5) & 1, 0);
	out_reset();
	console_input((const u8 *)"\x01" "7", 2);
	CHECK("Ctrl-A 7 without such a VM keeps the focus", console_focus() == 1);
	CHECK("and says so", strstr(out, "console: no running VM 7") != NULL);
	console_input((const u8 *)"\x01" "q", 2);
	CHECK("Ctrl-A and another byte are both dropped", console_focus() == 1 && !(rd(5) & 1));
	/* A full FIFO: the rest waits and is fed on later polls. */
	use(1);
	wr(2, 0x00);	/* FIFOs off: room for one byte */
	console_input((const u8 *)"123", 3);
	n = 0;
	for (int i = 0; i < 5; i++) {
		t += CONSOLE_POLL_NS;
		feed("");
		while ((rd(5) & 1) && n < sizeof(got))
			got[n++] = (char)rd(0);
		console_poll(t);
	}
	CHECK("bytes beyond the FIFO wait and arrive in order", n == 3 && !memcmp(got, "123", 3));
	vms[1].state = VM_STATE_STOPPED;
	CHECK("a stopped VM loses the focus to the first running one", console_focus() == 0);
	vms[1].state = VM_STATE_RUNNING;
}

static void type(const char *s)
{
	console_input((const u8 *)s, strlen(s));
}

static void test_commands(void)
{
	u8 lsr;

	use(0);
	while (rd(5) & 1)
		rd(0);
	console_input((const u8 *)"\x01" "1", 2);
	out_reset();
	posts = 0;
	post_result = 0;
	type("\x01:window b 7 focus\r");
	CHECK("Ctrl-A ':' ... Enter posts a focus event to the named VM",
	      posts == 1 && posted_to == &vms[1] && posted.type == HC_DISP_EV_FOCUS && posted.window == 7);
	CHECK("the command is echoed and the post announced",
	      strstr(out, "console: :window b 7 focus\n") &&
	      strstr(out, "console: [b] window 7: focus request posted"));
	lsr = rd(5);
	CHECK("none of the command line reaches the focused VM", !(lsr & 1));
	type("\x01:window a 3 move -5 10 640 48x");
	type("\b0\r");
	CHECK("move posts a configure request (backspace edits the line)",
	      posts == 2 && posted_to == &vms[0] && posted.type == HC_DISP_EV_CONFIGURE &&
	      posted.window == 3 && posted.x == -5 && posted.y == 10 && posted.w == 640 && posted.h == 480);
	out_reset();
	type("\x01:window c 3 focus\n");
	CHECK("an unknown VM is refused with a message", posts == 2 && strstr(out, "no VM named \"c\""));
	out_reset();
	type("\x01:window a 3 move 0 0 0 10\n");
	CHECK("a bad size is refused with a message",
	      posts == 2 && strstr(out, "W and H must be numbers") && strstr(out, "nothing posted"));
	out_reset();
	post_result = -ENOENT;
	type("\x01:window a 99 close\r");
	CHECK("a window the VM has not reported: the refusal is shown",
	      posts == 3 && strstr(out, "[a] has no window 99; nothing posted"));
	out_reset();
	post_result = -ENOSPC;
	type("\x01:window a 3 raise\r");
	CHECK("a full queue: the refusal is shown", strstr(out, "queue is full; raise request refused"));
	out_reset();
	post_result = -EINVAL;
	type("\x01:window a 3 raise\r");
	CHECK("not in seamless mode: shown", strstr(out, "[a] is not in seamless mode"));
	post_result = 0;
	out_reset();
	type("\x01:window a 3 focus\x1b" "abc\r");
	CHECK("Esc cancels the command line", posts == 5 && strstr(out, "console: command cancelled"));
	use(0);
	CHECK("... and what follows goes to the VM again", rd(5) & 1 && rd(0) == 'a');
	while (rd(5) & 1)
		rd(0);
	out_reset();
	type("\x01:");
	for (int i = 0; i < CONSOLE_CMD_MAX + 10; i++)
		type("x");
	type("\r");
	CHECK("an overlong command line is ignored with a message",
	      posts == 5 && strstr(out, "command longer than"));
	out_reset();
	type("\x01:windows b\r\x01:help\r");
	CHECK("windows VM prints the table, help the commands",
	      shows == 1 && strstr(out, "[b] windows: 0") && strstr(out, "window VM ID move X Y W H"));
	out_reset();
	type("\x01:frobnicate\r");
	CHECK("an unknown command says so", strstr(out, "unknown command"));
}

static void test_partial(void)
{
	static u64 t = 5000000000ULL;

	use(0);
	out_reset();
	console_input((const u8 *)"\x01" "1", 2);
	out_reset();
	feed("");
	for (const char *s = "~ # "; *s; s++)
		wr(0, (u8)*s);
	console_poll(t);
	CHECK("a growing partial line is not shown yet", out_len == 0);
	console_poll(t + CONSOLE_POLL_NS);
	CHECK("an idle partial line is shown (the prompt)", !strcmp(out, "[a] ~ # "));
	for (const char *s = "ls\n"; *s; s++)
		wr(0, (u8)*s);
	CHECK("the rest of the line continues it without a prefix", !strcmp(out, "[a] ~ # ls\n"));
	for (const char *s = "next\n"; *s; s++)
		wr(0, (u8)*s);
	CHECK("the next line has its prefix again", !strcmp(out, "[a] ~ # ls\n[a] next\n"));

	/* Another message while the prompt is shown ends that line; the rest gets a prefix. */
	out_reset();
	for (const char *s = "SUMMARY: 11 pas"; *s; s++)
		wr(0, (u8)*s);
	console_poll(t + 2 * CONSOLE_POLL_NS);
	console_poll(t + 3 * CONSOLE_POLL_NS);
	CHECK("a second partial line is shown", !strcmp(out, "[a] SUMMARY: 11 pas"));
	log_printf(LOG_INFO, NULL, "console: input goes to [b]\n");
	for (const char *s = "sed\n"; *s; s++)
		wr(0, (u8)*s);
	CHECK("a host message ends the shown partial line, and its rest has the prefix again",
	      !strcmp(out, "[a] SUMMARY: 11 pas\nconsole: input goes to [b]\n[a] sed\n"));
}

int main(void)
{
	make_vm(0, "a");
	make_vm(1, "b");
	CHECK_INT("each UART claims 8 ports at 0x3f8", ports[0].base == 0x3f8 && ports[0].count == 8, 1);
	test_registers();
	test_output();
	test_thre();
	test_fifo();
	test_loopback_and_priority();
	test_console();
	test_commands();
	test_partial();
	uart_destroy(&vms[0]);
	uart_destroy(&vms[1]);
	CHECK("uart_destroy clears the device pointer", !devs[0].uart && !devs[1].uart);
	return unit_summary();
}
