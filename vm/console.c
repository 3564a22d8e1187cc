/*
 * Console input: routes what is typed on the hypervisor console to one VM's UART at a time,
 * with an escape (Ctrl-A, then a digit) that moves the focus between VMs, and Ctrl-A ':'
 * for a command line (vm/console_cmd.h) that posts host window events to a VM's agent.
 */
#include "vm/console.h"
#include "vm/console_cmd.h"
#include "vm/hc_internal.h"
#include "vm/vm.h"
#include "lib/errno.h"
#include "macrohard/hypercall.h"
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
/* Ctrl-A ':' started a command line; it ends at Enter (Esc or Ctrl-C drop it). */
static bool cmd_mode;
static char cmd_line[CONSOLE_CMD_MAX + 1];
static u32 cmd_len;
static bool cmd_overlong;

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

static struct vm *console_find_vm(const char *name)
{
	for (u32 i = 0; i < vm_list_count; i++)
		if (vm_list[i] && str_eq(vm_list[i]->name, name))
			return vm_list[i];
	log_info("console: no VM named \"%s\"; nothing posted\n", name);
	return NULL;
}

static const char *const console_event_names[] = {
	[HC_DISP_EV_FOCUS] = "focus", [HC_DISP_EV_RAISE] = "raise",
	[HC_DISP_EV_CLOSE] = "close", [HC_DISP_EV_CONFIGURE] = "configure",
};

static void console_window_event(struct vm *vm, const struct console_cmd *cmd)
{
	struct hc_display_event ev = {
		.type = cmd->event, .window = cmd->window,
		.x = cmd->x, .y = cmd->y, .w = cmd->w, .h = cmd->h,
	};
	const char *what = console_event_names[cmd->event];
	int ret;

	if (vm->state != VM_STATE_RUNNING) {
		log_info("console: [%s] is not running; nothing posted\n", vm->name);
		return;
	}
	rspin_lock(&hc_lock);
	ret = hc_display_post_event(vm, &ev);
	rspin_unlock(&hc_lock);
	switch (ret) {
	case 0:
		log_info("console: [%s] window %u: %s request posted\n", vm->name, cmd->window, what);
		break;
	case 1:
		log_info("console: [%s] window %u: configure request replaces the queued one\n",
			 vm->name, cmd->window);
		break;
	case -EINVAL:
		log_info("console: [%s] is not in seamless mode; nothing posted\n", vm->name);
		break;
	case -ENOENT:
		log_info("console: [%s] has no window %u; nothing posted\n", vm->name, cmd->window);
		break;
	case -ENOSPC:
		log_info("console: [%s] host event queue is full; %s request refused\n", vm->name, what);
		break;
	default:
		log_info("console: [%s] window %u: error %d\n", vm->name, cmd->window, ret);
		break;
	}
}

/* Runs the command line typed after Ctrl-A ':'. */
static void console_run_command(void)
{
	struct console_cmd cmd;
	const char *err;
	struct vm *vm;

	if (cmd_overlong) {
		log_info("console: command longer than %u bytes; ignored\n", CONSOLE_CMD_MAX);
		return;
	}
	cmd_line[cmd_len] = 0;
	log_info("console: :%s\n", cmd_line);
	if (console_cmd_parse(cmd_line, &cmd, &err)) {
		log_info("console: %s; nothing posted\n", err);
		return;
	}
	switch (cmd.kind) {
	case CONSOLE_CMD_EMPTY:
		break;
	case CONSOLE_CMD_HELP:
		log_raw("%s", console_cmd_help);
		break;
	case CONSOLE_CMD_WINDOWS:
		vm = console_find_vm(cmd.vm);
		if (vm) {
			rspin_lock(&hc_lock);
			hc_display_show(vm);
			rspin_unlock(&hc_lock);
		}
		break;
	case CONSOLE_CMD_WINDOW:
		vm = console_find_vm(cmd.vm);
		if (vm)
			console_window_event(vm, &cmd);
		break;
	}
}

/* One byte of a command line: printable bytes collect, Enter runs, Esc or Ctrl-C cancels. */
static void console_command_byte(u8 c)
{
	if (c == '\r' || c == '\n') {
		cmd_mode = false;
		console_run_command();
	} else if (c == 0x1b || c == 0x03) {
		cmd_mode = false;
		log_info("console: command cancelled\n");
	} else if (c == 0x7f || c == 0x08) {
		if (cmd_len)
			cmd_len--;
	} else if (c >= 0x20 && c < 0x7f) {
		if (cmd_len < CONSOLE_CMD_MAX)
			cmd_line[cmd_len++] = (char)c;
		else
			cmd_overlong = true;
	}
	/* Other control bytes are dropped. */
}

bool console_input(const u8 *buf, size_t len)
{
	console_focus();
	for (size_t i = 0; i < len; i++) {
		u8 c = buf[i];

		if (cmd_mode) {
			console_command_byte(c);
			continue;
		}
		if (escape) {
			escape = false;
			if (c >= '1' && c <= '9')
				console_switch(c - '1');
			else if (c == ':') {
				cmd_mode = true;
				cmd_len = 0;
				cmd_overlong = false;
			}
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
