/*
 * Console input: routes what is typed on the hypervisor console to one VM's UART at a time,
 * with an escape (Ctrl-A, then a digit) that moves the focus between VMs.
 */
#include "vm/console.h"
#include "vm/vm.h"
#include "devices/uart.h"
#include "host/host.h"
#include "lib/log.h"
#include "lib/string.h"

static int focus = -1;		/* index into vm_list */
static bool escape;		/* Ctrl-A seen, waiting for the command byte */
static u8 pending[CONSOLE_PENDING];
static u32 pending_len;
static u64 last_poll_ns;
static bool polled;

static bool console_vm_running(int i)
{
	return i >= 0 && (u32)i < vm_list_count && vm_list[i] && vm_list[i]->state == VM_STATE_RUNNING;
}

/* Keeps the focus on a running VM: the first one when the focused VM has gone. */
int console_focus(void)
{
	if (console_vm_running(focus))
		return focus;
	pending_len = 0;	/* typed for a VM that is no longer there */
	focus = -1;
	for (u32 i = 0; i < vm_list_count; i++)
		if (console_vm_running((int)i)) {
			focus = (int)i;
			break;
		}
	return focus;
}

static void console_queue(u8 c)
{
	/* When the guest does not read, the newest keystrokes are the ones dropped. */
	if (pending_len < CONSOLE_PENDING)
		pending[pending_len++] = c;
}

static void console_switch(int index)
{
	if (!console_vm_running(index)) {
		log_info("console: no running VM %d (Ctrl-A then 1-%u)\n", index + 1,
			 vm_list_count < 9 ? vm_list_count : 9);
		return;
	}
	if (index != focus)
		pending_len = 0;	/* what was typed for the old focus stays with it */
	focus = index;
	log_info("console: input goes to [%s]\n", vm_list[index]->name);
}

/* Gives the focused VM as much of the queue as its receive FIFO takes. */
static bool console_feed(void)
{
	int f = console_focus();
	size_t n;

	if (f < 0 || !pending_len)
		return false;
	/* The UART model and the interrupt it raises are the VM's: under its lock. */
	rspin_lock(&vm_list[f]->lock);
	n = uart_input(vm_list[f], pending, pending_len);
	rspin_unlock(&vm_list[f]->lock);
	if (!n)
		return false;
	memmove(pending, pending + n, pending_len - n);
	pending_len -= (u32)n;
	return true;
}

bool console_input(const u8 *buf, size_t len)
{
	console_focus();
	for (size_t i = 0; i < len; i++) {
		u8 c = buf[i];

		if (escape) {
			escape = false;
			if (c >= '1' && c <= '9')
				console_switch(c - '1');
			else if (c == CONSOLE_ESCAPE)
				console_queue(c);
			/* Anything else after Ctrl-A is dropped with it. */
			continue;
		}
		if (c == CONSOLE_ESCAPE)
			escape = true;
		else
			console_queue(c);
	}
	return console_feed();
}

bool console_poll(u64 now_ns)
{
	u8 buf[64];
	size_t n;
	bool fed;
	int f;

	if (polled && now_ns - last_poll_ns < CONSOLE_POLL_NS)
		return false;
	polled = true;
	last_poll_ns = now_ns;
	/* Read no more than can be queued; the rest waits in the host UART. */
	n = host_console_read(buf, MIN(sizeof(buf), (size_t)(CONSOLE_PENDING - pending_len)));
	fed = n ? console_input(buf, n) : console_feed();
	f = console_focus();
	if (f >= 0) {
		rspin_lock(&vm_list[f]->lock);
		uart_flush_partial(vm_list[f]);
		rspin_unlock(&vm_list[f]->lock);
	}
	return fed;
}
