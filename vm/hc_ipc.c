/* HC_IPC (docs/hypercalls.md): message channels between two VMs, declared in the configuration,
 * each with a bounded queue per direction held in host pages. */
#include "vm/hc_internal.h"
#include "vm/vm.h"
#include "vm/vtimer.h"
#include "boot/config.h"
#include "host/host.h"
#include "lib/log.h"
#include "lib/string.h"
#include "macrohard/hypercall.h"

#define IPC_QUEUE_PAGES (HC_IPC_QUEUE_DEPTH * HC_IPC_MSG_MAX / PAGE_SIZE)

/* Messages travelling to one end: a ring of HC_IPC_QUEUE_DEPTH slots of HC_IPC_MSG_MAX bytes. */
struct ipc_queue {
	u8 *data;
	u32 len[HC_IPC_QUEUE_DEPTH];
	u32 head, count;
};

struct ipc_channel {
	char name[CFG_NAME_MAX];
	bool bidirectional;
	struct vm *end[2];		/* NULL once that VM has stopped */
	bool closed;			/* an end has stopped: sends fail for good */
	bool open[2];
	u8 notify[2];			/* vector raised at that end's vCPU 0 on arrival, or 0 */
	struct ipc_queue q[2];		/* q[e]: messages for end e */
};

static struct ipc_channel ipc_channels[CFG_MAX_CHANNELS];
static u32 ipc_channel_count;

static struct vm *ipc_find_vm(const char *name)
{
	for (u32 i = 0; i < vm_list_count; i++)
		if (vm_list[i] && vm_list[i]->state == VM_STATE_RUNNING && str_eq(vm_list[i]->name, name))
			return vm_list[i];
	return NULL;
}

void hc_ipc_init(const struct config *cfg)
{
	for (u32 i = 0; i < cfg->channel_count; i++) {
		const struct cfg_channel *cc = &cfg->channels[i];
		struct ipc_channel *ch = &ipc_channels[ipc_channel_count];
		struct vm *a, *b;
		u64 qa, qb;

		if (!cc->valid)
			continue;
		a = ipc_find_vm(cc->vm_a);
		b = ipc_find_vm(cc->vm_b);
		if (!a || !b || a == b) {
			log_printf(LOG_WARN, NULL, "channel %s: %s and %s are not both running, not created\n",
				   cc->name, cc->vm_a, cc->vm_b);
			continue;
		}
		qa = host_pages_alloc(IPC_QUEUE_PAGES);
		qb = host_pages_alloc(IPC_QUEUE_PAGES);
		if (!qa || !qb) {
			if (qa)
				host_pages_free(qa, IPC_QUEUE_PAGES);
			if (qb)
				host_pages_free(qb, IPC_QUEUE_PAGES);
			log_printf(LOG_WARN, NULL, "channel %s: out of memory, not created\n", cc->name);
			continue;
		}
		memset(ch, 0, sizeof(*ch));
		str_copy(ch->name, cc->name, sizeof(ch->name));
		ch->bidirectional = cc->bidirectional;
		ch->end[0] = a;
		ch->end[1] = b;
		ch->q[0].data = (u8 *)(uintptr_t)qa;
		ch->q[1].data = (u8 *)(uintptr_t)qb;
		ipc_channel_count++;
		log_printf(LOG_INFO, NULL, "channel %s: %s %s %s\n", ch->name, a->name,
			   ch->bidirectional ? "<->" : "->", b->name);
	}
}

void hc_ipc_vm_stopped(struct vm *vm)
{
	for (u32 i = 0; i < ipc_channel_count; i++) {
		struct ipc_channel *ch = &ipc_channels[i];

		for (int e = 0; e < 2; e++) {
			if (ch->end[e] != vm)
				continue;
			/* Messages for the stopped VM are dropped; those for its peer stay receivable. */
			ch->end[e] = NULL;
			ch->open[e] = false;
			ch->q[e].count = 0;
			ch->closed = true;
		}
	}
}

/* The caller's end of the channel behind handle, or -1. */
static int ipc_end(struct vm *vm, u64 handle, struct ipc_channel **out)
{
	struct ipc_channel *ch;

	if (handle >= ipc_channel_count)
		return -1;
	ch = &ipc_channels[handle];
	for (int e = 0; e < 2; e++) {
		if (ch->end[e] == vm && ch->open[e]) {
			*out = ch;
			return e;
		}
	}
	return -1;
}

static s64 ipc_open(struct vcpu *v, struct hc_call *c)
{
	char name[HC_IPC_NAME_MAX + 1];
	u64 len = c->arg[2];

	if (len == 0 || len > HC_IPC_NAME_MAX)
		return HC_ERR_INVALID;
	if (hc_copy_in(v, c, c->arg[1], name, len))
		return HC_ERR_BAD_ADDRESS;
	name[len] = 0;
	if (str_len(name) != len)
		return HC_ERR_INVALID;
	for (u32 i = 0; i < ipc_channel_count; i++) {
		struct ipc_channel *ch = &ipc_channels[i];

		if (!str_eq(ch->name, name))
			continue;
		for (int e = 0; e < 2; e++) {
			if (ch->end[e] != v->vm)
				continue;
			if (ch->closed)
				return HC_ERR_CLOSED;
			ch->open[e] = true;
			c->out_rbx = (u64)e;
			c->set_rbx = true;
			return i;
		}
		return HC_ERR_NOT_PERMITTED;
	}
	return HC_ERR_NOT_FOUND;
}

static s64 ipc_send(struct vcpu *v, struct hc_call *c, struct ipc_channel *ch, int e)
{
	struct ipc_queue *q = &ch->q[!e];
	u64 len = c->arg[3];
	u32 slot;

	if (e == 1 && !ch->bidirectional)
		return HC_ERR_NOT_PERMITTED;
	if (ch->closed)
		return HC_ERR_CLOSED;
	if (len > HC_IPC_MSG_MAX)
		return HC_ERR_TOO_BIG;
	if (q->count == HC_IPC_QUEUE_DEPTH)
		return HC_ERR_WOULD_BLOCK;
	slot = (q->head + q->count) % HC_IPC_QUEUE_DEPTH;
	if (hc_copy_in(v, c, c->arg[2], q->data + (u64)slot * HC_IPC_MSG_MAX, len))
		return HC_ERR_BAD_ADDRESS;
	q->len[slot] = (u32)len;
	q->count++;
	/* Tell the receiving end, if it asked to be told (its vCPU 0; see SET_NOTIFY). */
	if (ch->notify[!e] && ch->open[!e] && ch->end[!e] &&
	    ch->end[!e]->state == VM_STATE_RUNNING)
		vcpu_raise_interrupt(ch->end[!e]->vcpus[0], ch->notify[!e]);
	return 0;
}

static s64 ipc_recv(struct vcpu *v, struct hc_call *c, struct ipc_channel *ch, int e)
{
	struct ipc_queue *q = &ch->q[e];
	u32 len;

	if (e == 0 && !ch->bidirectional)
		return HC_ERR_NOT_PERMITTED;
	if (!q->count)
		return ch->closed ? HC_ERR_CLOSED : HC_ERR_WOULD_BLOCK;
	len = q->len[q->head];
	if (c->arg[3] < len) {
		c->out_rbx = len;
		c->set_rbx = true;
		return HC_ERR_TOO_BIG;
	}
	if (hc_copy_out(v, c, c->arg[2], q->data + (u64)q->head * HC_IPC_MSG_MAX, len))
		return HC_ERR_BAD_ADDRESS;
	q->head = (q->head + 1) % HC_IPC_QUEUE_DEPTH;
	q->count--;
	return len;
}

s64 hc_ipc(struct vcpu *v, struct hc_call *c)
{
	struct ipc_channel *ch = NULL;
	int e;

	if (c->arg[0] == HC_IPC_OPEN)
		return ipc_open(v, c);
	if (c->arg[0] > HC_IPC_CLOSE)
		return HC_ERR_UNKNOWN_OP;
	e = ipc_end(v->vm, c->arg[1], &ch);
	if (e < 0)
		return HC_ERR_NOT_FOUND;
	switch (c->arg[0]) {
	case HC_IPC_SEND:
		return ipc_send(v, c, ch, e);
	case HC_IPC_RECV:
		return ipc_recv(v, c, ch, e);
	case HC_IPC_PENDING:
		return ch->q[e].count;
	case HC_IPC_SET_NOTIFY:
		if (c->arg[2] && (c->arg[2] < HC_IPC_VECTOR_MIN || c->arg[2] > HC_IPC_VECTOR_MAX))
			return HC_ERR_INVALID;
		ch->notify[e] = (u8)c->arg[2];
		return 0;
	default:
		ch->open[e] = false;
		ch->notify[e] = 0;
		return 0;
	}
}
