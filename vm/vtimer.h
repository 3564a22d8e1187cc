/*
 * Pending external interrupts and virtual timers of a vCPU (vm/vtimer.c): vendor-neutral,
 * delivered by the scheduler before each entry; the guest platform's APIC will build on it.
 */
#ifndef VM_VTIMER_H
#define VM_VTIMER_H

#include "lib/types.h"

#define VTIMER_COUNT 4		/* timers per vCPU (HC_TIMER_COUNT) */

struct vtimer {
	u64 deadline_ns;	/* host_time_ns() at which it fires; 0 = disarmed */
	u64 period_ns;		/* 0 = one-shot */
	u8 vector;
};

/* Per-vCPU interrupt state, embedded in struct vcpu. */
struct vcpu_irq {
	u64 pending[4];		/* external-interrupt vectors 32..255 waiting for delivery */
	struct vtimer timers[VTIMER_COUNT];
};

struct vcpu;
struct vm;

/* Marks vector (32..255) pending; a vCPU halted with RFLAGS.IF = 1 becomes runnable. */
void vcpu_raise_interrupt(struct vcpu *vcpu, u8 vector);
bool vcpu_interrupt_pending(const struct vcpu *vcpu);
/* Before an entry: injects the highest pending vector if the guest can take it, else asks for a window. */
void vcpu_deliver_interrupt(struct vcpu *vcpu);
/* A halted vCPU with IF = 1 and a pending vector becomes runnable. */
void vcpu_wake_if_pending(struct vcpu *vcpu);
/* Counts vCPUs woken that way, so a time slice can end when another vCPU can run. */
extern u64 vcpu_wakeups;

/* Arms timer idx (delay or period ns from now); cancels it; true if it was armed. */
void vtimer_arm(struct vcpu *vcpu, u32 idx, u64 ns, bool periodic, u8 vector);
bool vtimer_cancel(struct vcpu *vcpu, u32 idx);
/* Fires the vCPU's timers due at now; returns its earliest remaining deadline (0 = none). */
u64 vtimer_poll(struct vcpu *vcpu, u64 now);
/* The earliest deadline of any timer of the VM, 0 when none is armed. */
u64 vtimer_vm_next(const struct vm *vm);
/* Whether any vCPU has an armed timer (the scheduler polls only then). */
bool vtimer_any_armed(void);
/* Cancels every timer of a vCPU that is going away. */
void vtimer_vcpu_release(struct vcpu *vcpu);

/* HC_TIMER (vm/hc_timer.c): arg = RBX, RCX, RDX, RSI as the caller passed them. */
s64 hc_timer_op(struct vcpu *vcpu, const u64 arg[4]);

#endif
