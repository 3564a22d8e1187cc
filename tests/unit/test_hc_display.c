/*
 * HC_DISPLAY's host-event queue (vm/hc_display.c): events only for a VM in seamless mode and a
 * window in its table, configure requests for one window coalesce, a full queue refuses and
 * counts (never drops a queued event), POLL returns them in order.
 */
// unit-deps: vm/hc_display.c lib/string.c
#include <stdarg.h>
#include "tests/unit/unit.h"
#include "vm/hc_internal.h"
#include "vm/vm.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "macrohard/hypercall.h"

static char out[8192];

/* Guest buffers are host pointers here. */
s64 hc_copy_in(struct vcpu *v, const struct hc_call *c, u64 gva, void *dst, u64 len)
{
	(void)v;
	(void)c;
	memcpy(dst, (const void *)(uintptr_t)gva, len);
	return 0;
}

s64 hc_copy_out(struct vcpu *v, const struct hc_call *c, u64 gva, const void *src, u64 len)
{
	(void)v;
	(void)c;
	if (!gva)
		return HC_ERR_BAD_ADDRESS;
	memcpy((void *)(uintptr_t)gva, src, len);
	return 0;
}

bool hc_utf8_valid(const u8 *buf, u64 len)
{
	(void)buf;
	(void)len;
	return true;
}

void log_printf(enum log_level level, const char *vm, const char *fmt, ...)
{
	size_t n = strlen(out);
	va_list ap;

	(void)level;
	if (vm)
		n += (size_t)snprintf(out + n, sizeof(out) - n, "[%s] ", vm);
	va_start(ap, fmt);
	vsnprintf(out + n, sizeof(out) - n, fmt, ap);
	va_end(ap);
}

static struct vm vm;
static struct vcpu vcpu;

static s64 call(u64 op, u64 a1, u64 a2)
{
	struct hc_call c = { .nr = HC_DISPLAY, .arg = { op, a1, a2, 0 } };

	return hc_display(&vcpu, &c);
}

static struct hc_display_event ev(u32 type, u32 win, s32 x)
{
	return (struct hc_display_event){ .type = type, .window = win, .x = x, .w = 10, .h = 10 };
}

static int post(u32 type, u32 win, s32 x)
{
	struct hc_display_event e = ev(type, win, x);

	return hc_display_post_event(&vm, &e);
}

int main(void)
{
	static struct hc_window win[2] = {
		{ .id = 7, .flags = 1, .w = 100, .h = 100, .z = 0, .title = "a" },
		{ .id = 9, .flags = 1, .w = 100, .h = 100, .z = 1, .title = "b" },
	};
	struct hc_display_event got;
	int n, refused = 0;

	vm.id = 1;
	vm.seamless = true;
	snprintf(vm.name, sizeof(vm.name), "vm");
	vcpu.vm = &vm;

	unit_check(post(HC_DISP_EV_FOCUS, 7, 0) == -EINVAL, "post: refused before seamless mode", "false");
	unit_check(call(HC_DISP_SET_MODE, HC_DISP_MODE_SEAMLESS, 0) == 0, "set mode seamless", "false");
	unit_check(post(HC_DISP_EV_FOCUS, 7, 0) == -ENOENT, "post: refused for a window not reported",
		   "false");
	unit_check(call(HC_DISP_REPORT, (u64)(uintptr_t)win, 2) == 2, "report two windows", "false");
	unit_check(post(HC_DISP_EV_FOCUS, 7, 0) == 0, "post: focus window 7", "false");
	unit_check(post(HC_DISP_EV_FOCUS, 8, 0) == -ENOENT, "post: window 8 is not in the table", "false");
	unit_check(post(HC_DISP_EV_CONFIGURE, 9, 1) == 0, "post: configure window 9", "false");
	unit_check(post(HC_DISP_EV_CONFIGURE, 9, 2) == 1, "post: a second configure of 9 replaces it",
		   "false");
	unit_check(post(HC_DISP_EV_CONFIGURE, 7, 3) == 0, "post: configure of 7 is its own", "false");
	unit_check(call(HC_DISP_POLL, (u64)(uintptr_t)&got, sizeof(got)) == 2 &&
		   got.type == HC_DISP_EV_FOCUS && got.window == 7, "poll: focus 7 first, two left", "false");
	unit_check(call(HC_DISP_POLL, 0, sizeof(got)) == HC_ERR_BAD_ADDRESS,
		   "poll: a bad buffer leaves the event queued", "false");
	unit_check(call(HC_DISP_POLL, (u64)(uintptr_t)&got, sizeof(got)) == 1 &&
		   got.type == HC_DISP_EV_CONFIGURE && got.window == 9 && got.x == 2,
		   "poll: configure 9 with the newest geometry", "x %d", got.x);
	unit_check(call(HC_DISP_POLL, (u64)(uintptr_t)&got, sizeof(got)) == 0 && got.window == 7 &&
		   got.x == 3, "poll: then configure 7", "false");
	unit_check(call(HC_DISP_POLL, (u64)(uintptr_t)&got, sizeof(got)) == HC_ERR_WOULD_BLOCK,
		   "poll: empty -> would block", "false");

	/* Full: 32 queued, the 33rd refused and counted, the first still first. */
	for (n = 0; n < HC_DISP_EVENT_QUEUE; n++)
		if (post(HC_DISP_EV_RAISE, 7, n))
			break;
	unit_check(n == HC_DISP_EVENT_QUEUE, "post: the queue holds 32 events", "%d", n);
	for (int i = 0; i < 3; i++)
		refused += post(HC_DISP_EV_CLOSE, 9, 0) == -ENOSPC;
	unit_check(refused == 3, "post: a full queue refuses", "%d", refused);
	out[0] = 0;
	hc_display_show(&vm);
	unit_check(strstr(out, "[vm] seamless on, 32 host events queued, 3 refused") != NULL,
		   "show: queue and refused counts", "%s", out);
	unit_check(strstr(out, "[vm] window 7 \"a\"") != NULL, "show: the table", "%s", out);
	unit_check(call(HC_DISP_POLL, (u64)(uintptr_t)&got, sizeof(got)) == HC_DISP_EVENT_QUEUE - 1 &&
		   got.type == HC_DISP_EV_RAISE && got.x == 0, "poll: the oldest event was kept", "false");
	unit_check(call(HC_DISP_SET_MODE, HC_DISP_MODE_OFF, 0) == 0 &&
		   post(HC_DISP_EV_FOCUS, 7, 0) == -EINVAL, "mode off: no more events", "false");
	return unit_summary();
}
