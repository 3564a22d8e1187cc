/* Shared by the hypercall handlers (vm/hypercall.c, vm/hc_*.c): the decoded call and the
 * buffer copies with the caller's privilege. */
#ifndef VM_HC_INTERNAL_H
#define VM_HC_INTERNAL_H

#include "lib/types.h"
#include "lib/spinlock.h"

struct vcpu;
struct vm;
struct config;

/* The arguments as read once from the registers; out_* are written back only on request. */
struct hc_call {
	u64 nr, arg[4];		/* RAX; RBX, RCX, RDX, RSI */
	u8 cpl;
	s64 ret;		/* goes to RAX */
	u64 out_rbx;
	bool set_rbx;
};

/* Copies len bytes between the caller's buffer at gva and dst/src; 0 or HC_ERR_BAD_ADDRESS. */
s64 hc_copy_in(struct vcpu *v, const struct hc_call *c, u64 gva, void *dst, u64 len);
s64 hc_copy_out(struct vcpu *v, const struct hc_call *c, u64 gva, const void *src, u64 len);
/* True when buf[0..len) is well-formed UTF-8 (no overlongs, surrogates or code points > 10FFFF). */
bool hc_utf8_valid(const u8 *buf, u64 len);

s64 hc_ipc(struct vcpu *v, struct hc_call *c);
s64 hc_clipboard(struct vcpu *v, struct hc_call *c);
s64 hc_display(struct vcpu *v, struct hc_call *c);

/* Binds the configured channels to the started VMs (after vm_create_all started them). */
void hc_ipc_init(const struct config *cfg);
/* A VM stops: closes its channels, drops its clipboard ownership and window table. */
/* Held around every call and around the *_vm_stopped hooks (inside the VM's own lock). */
extern struct rspinlock hc_lock;
void hc_ipc_vm_stopped(struct vm *vm);
void hc_clipboard_vm_stopped(struct vm *vm);
void hc_display_vm_stopped(struct vm *vm);
/*
 * Queues a host event for the VM's agent (the console's window commands, later the
 * compositor), under hc_lock: 0 when queued, 1 when it replaced a queued configure request
 * for the same window, -EINVAL when the VM is not in seamless mode, -ENOENT when the window
 * is not in its table, -ENOSPC (counted) when the queue is full.
 */
struct hc_display_event;
int hc_display_post_event(struct vm *vm, const struct hc_display_event *ev);
/* Prints the VM's seamless state, event queue and window table on the console (hc_lock held). */
void hc_display_show(struct vm *vm);

#endif
