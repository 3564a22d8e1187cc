/* HC_DISPLAY (docs/hypercalls.md): seamless mode, the validated per-VM window table (printed on
 * the console when it changes) and the queue of host events for the VM's agent. */
#include "vm/hc_internal.h"
#include "vm/vm.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/string.h"
#include "macrohard/hypercall.h"

_Static_assert(sizeof(struct hc_window) == HC_WINDOW_SIZE, "hc_window size");
_Static_assert(sizeof(struct hc_display_event) == HC_DISPLAY_EVENT_SIZE, "hc_display_event size");

/* Indexed by vm->id (< VM_MAX). */
static struct disp_state {
	bool seamless;
	u32 count;
	struct hc_window win[HC_DISP_MAX_WINDOWS];
	struct hc_display_event ev[HC_DISP_EVENT_QUEUE];
	u32 ev_head, ev_count;
	u64 ev_refused;			/* host events refused because the queue was full */
} disp[VM_MAX];

/* The report in the scratch buffer, copied once from the guest, then validated. */
static struct hc_window disp_scratch[HC_DISP_MAX_WINDOWS];

static void disp_print(const struct vm *vm, const struct disp_state *d)
{
	log_printf(LOG_INFO, vm->name, "windows: %u\n", d->count);
	for (u32 z = 0; z < d->count; z++) {
		for (u32 i = 0; i < d->count; i++) {
			const struct hc_window *w = &d->win[i];

			if (w->z != z)
				continue;
			log_printf(LOG_INFO, vm->name, "window %u \"%s\" %ux%u%s%d%s%d z=%u\n", w->id,
				   w->title, w->w, w->h, w->x < 0 ? "" : "+", w->x, w->y < 0 ? "" : "+", w->y,
				   w->z);
		}
	}
}

static bool disp_window_valid(const struct hc_window *w, u32 count)
{
	size_t tlen = str_nlen(w->title, HC_DISP_TITLE_MAX);

	if (!w->id || w->flags & ~(u32)HC_WIN_FLAGS_ALL || w->reserved || w->z >= count)
		return false;
	if (w->x < HC_DISP_COORD_MIN || w->x > HC_DISP_COORD_MAX ||
	    w->y < HC_DISP_COORD_MIN || w->y > HC_DISP_COORD_MAX)
		return false;
	if (!w->w || !w->h || w->w > HC_DISP_SIZE_MAX || w->h > HC_DISP_SIZE_MAX)
		return false;
	if (tlen == HC_DISP_TITLE_MAX || !hc_utf8_valid((const u8 *)w->title, tlen))
		return false;
	/* Bytes after the NUL must be 0, so a report has one meaning. */
	for (size_t i = tlen; i < HC_DISP_TITLE_MAX; i++)
		if (w->title[i])
			return false;
	return true;
}

static s64 disp_report(struct vcpu *v, struct hc_call *c, struct disp_state *d)
{
	u64 count = c->arg[2];

	if (!d->seamless)
		return HC_ERR_NOT_PERMITTED;
	if (count > HC_DISP_MAX_WINDOWS)
		return HC_ERR_INVALID;
	if (count && hc_copy_in(v, c, c->arg[1], disp_scratch, count * sizeof(disp_scratch[0])))
		return HC_ERR_BAD_ADDRESS;
	for (u32 i = 0; i < count; i++) {
		if (!disp_window_valid(&disp_scratch[i], (u32)count))
			return HC_ERR_INVALID;
		for (u32 j = 0; j < i; j++)
			if (disp_scratch[j].id == disp_scratch[i].id || disp_scratch[j].z == disp_scratch[i].z)
				return HC_ERR_INVALID;
	}
	if (count == d->count && !memcmp(d->win, disp_scratch, count * sizeof(disp_scratch[0])))
		return count;
	memcpy(d->win, disp_scratch, count * sizeof(disp_scratch[0]));
	d->count = (u32)count;
	disp_print(v->vm, d);
	return count;
}

static s64 disp_poll(struct vcpu *v, struct hc_call *c, struct disp_state *d)
{
	if (!d->seamless)
		return HC_ERR_NOT_PERMITTED;
	if (c->arg[2] < sizeof(struct hc_display_event)) {
		c->out_rbx = sizeof(struct hc_display_event);
		c->set_rbx = true;
		return HC_ERR_TOO_BIG;
	}
	if (!d->ev_count)
		return HC_ERR_WOULD_BLOCK;
	if (hc_copy_out(v, c, c->arg[1], &d->ev[d->ev_head], sizeof(d->ev[0])))
		return HC_ERR_BAD_ADDRESS;
	d->ev_head = (d->ev_head + 1) % HC_DISP_EVENT_QUEUE;
	d->ev_count--;
	return d->ev_count;
}

s64 hc_display(struct vcpu *v, struct hc_call *c)
{
	struct vm *vm = v->vm;
	struct disp_state *d = &disp[vm->id % VM_MAX];

	switch (c->arg[0]) {
	case HC_DISP_SET_MODE:
		if (!vm->seamless)
			return HC_ERR_NOT_PERMITTED;
		if (c->arg[1] > HC_DISP_MODE_SEAMLESS)
			return HC_ERR_INVALID;
		if (d->seamless && c->arg[1] == HC_DISP_MODE_OFF && d->count) {
			d->count = 0;
			disp_print(vm, d);
		}
		d->seamless = c->arg[1] == HC_DISP_MODE_SEAMLESS;
		if (!d->seamless)
			d->ev_count = 0;
		return 0;
	case HC_DISP_REPORT:
		return disp_report(v, c, d);
	case HC_DISP_POLL:
		return disp_poll(v, c, d);
	default:
		return HC_ERR_UNKNOWN_OP;
	}
}

static bool disp_has_window(const struct disp_state *d, u32 id)
{
	for (u32 i = 0; i < d->count; i++)
		if (d->win[i].id == id)
			return true;
	return false;
}

int hc_display_post_event(struct vm *vm, const struct hc_display_event *ev)
{
	struct disp_state *d = &disp[vm->id % VM_MAX];

	if (!d->seamless)
		return -EINVAL;
	if (!disp_has_window(d, ev->window))
		return -ENOENT;
	/*
	 * A configure request for a window that already has one queued replaces it: only the
	 * newest geometry matters, and dragging a window must not fill the queue.
	 */
	if (ev->type == HC_DISP_EV_CONFIGURE)
		for (u32 i = 0; i < d->ev_count; i++) {
			struct hc_display_event *q = &d->ev[(d->ev_head + i) % HC_DISP_EVENT_QUEUE];

			if (q->type == HC_DISP_EV_CONFIGURE && q->window == ev->window) {
				*q = *ev;
				return 1;
			}
		}
	/* A full queue refuses the new event (and counts it); queued ones are never dropped. */
	if (d->ev_count == HC_DISP_EVENT_QUEUE) {
		d->ev_refused++;
		return -ENOSPC;
	}
	d->ev[(d->ev_head + d->ev_count) % HC_DISP_EVENT_QUEUE] = *ev;
	d->ev_count++;
	return 0;
}

void hc_display_show(struct vm *vm)
{
	struct disp_state *d = &disp[vm->id % VM_MAX];

	log_printf(LOG_INFO, vm->name, "seamless %s, %u host events queued, %llu refused\n",
		   d->seamless ? "on" : "off", d->ev_count, (unsigned long long)d->ev_refused);
	disp_print(vm, d);
}

void hc_display_vm_stopped(struct vm *vm)
{
	struct disp_state *d = &disp[vm->id % VM_MAX];

	if (d->count)
		log_printf(LOG_INFO, vm->name, "windows: 0 (stopped)\n");
	memset(d, 0, sizeof(*d));
}
