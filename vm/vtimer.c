/*
 * External-interrupt delivery and virtual timers, common to both vendors: NMIs, ExtINT from
 * the 8259, the local APIC's highest deliverable vector, and the direct HC_TIMER/HC_IPC
 * vectors of a guest without an enabled APIC.  Timers have
 * absolute deadlines in host ns (host_time_ns, TSC-derived); the scheduler polls them
 * after every exit and each time round its loop, and bounds each entry by the earliest.
 */
#include "vm/vtimer.h"
#include "vm/vm.h"
#include "vm/sched.h"
#include "devices/lapic.h"
#include "devices/pic.h"
#include "host/host.h"

u64 vcpu_wakeups;

/*
 * docs/hypercalls.md: once the guest has software-enabled its local APIC, hypervisor interrupts
 * (HC_TIMER, HC_IPC) are fixed edge interrupts through it and need an EOI; before, they are
 * injected directly from a pending set and need none.
 */
void vcpu_raise_interrupt(struct vcpu *v, u8 vector)
{
	if (vector < 32)
		return;
	if (lapic_sw_enabled(v)) {
		lapic_deliver(v, LAPIC_DM_FIXED, vector, false);
		return;
	}
	v->irq.pending[vector / 64] |= 1ULL << (vector % 64);
	vcpu_wake_if_pending(v);
}

static int vcpu_highest_pending(const struct vcpu *v)
{
	for (int w = 3; w >= 0; w--)
		if (v->irq.pending[w])
			return w * 64 + 63 - __builtin_clzll(v->irq.pending[w]);
	return -1;
}

/* An ExtINT waits: from the IOAPIC or an IPI, or the 8259's output on vCPU 0 (virtual wire). */
static bool vcpu_extint_ready(const struct vcpu *v)
{
	if (v->lapic.extint_pending)
		return true;
	return v->id == 0 && lapic_accepts_pic(v) && pic_output(v->vm);
}

bool vcpu_interrupt_pending(const struct vcpu *v)
{
	return vcpu_highest_pending(v) >= 0 || lapic_pending_vector(v) >= 0 ||
	       vcpu_extint_ready(v);
}

void vcpu_wake_if_pending(struct vcpu *v)
{
	/* HLT completed at its exit (RIP is past it): waking only lets the vCPU run again. */
	if (v->state == VCPU_HALTED &&
	    (((v->rflags & X86_RFLAGS_IF) && vcpu_interrupt_pending(v)) || v->lapic.nmi_pending)) {
		v->state = VCPU_RUNNABLE;
		vcpu_wakeups++;
		return;
	}
	/*
	 * A runnable vCPU that is waiting for its turn while an interrupt is pending for it
	 * (its timer tick, an IPI) ends the running vCPU's slice at its next exit, so that
	 * vCPUs sharing a CPU lose no ticks to a 10 ms slice of another vCPU.
	 */
	if (v->state == VCPU_RUNNABLE && v != vcpu_current() &&
	    (vcpu_interrupt_pending(v) || v->lapic.nmi_pending))
		vcpu_wakeups++;
}

void vcpu_deliver_interrupt(struct vcpu *v)
{
	struct vcpu_event ev = { .type = VCPU_EVENT_EXT_INT };
	int legacy, apic;

	if (v->lapic.nmi_pending) {
		struct vcpu_event nmi = { .type = VCPU_EVENT_NMI, .vector = EXC_NMI };

		/* Another event goes in first; the NMI follows at a later entry. */
		if (vendor->inject_event(v, &nmi)) {
			v->lapic.nmi_pending = false;
			vendor->set_interrupt_window(v, vcpu_interrupt_pending(v));
		} else {
			vendor->set_interrupt_window(v, true);
		}
		return;
	}
	if (!vcpu_interrupt_pending(v))
		return;
	if (!vendor->interrupt_allowed(v)) {
		vendor->set_interrupt_window(v, true);
		return;
	}
	legacy = vcpu_highest_pending(v);
	apic = lapic_pending_vector(v);
	if (vcpu_extint_ready(v)) {
		/* The 8259's interrupt-acknowledge cycle supplies the vector, at injection time. */
		v->lapic.extint_pending = false;
		ev.vector = pic_acknowledge(v->vm);
		legacy = apic = -1;
	} else if (apic > legacy) {
		ev.vector = (u8)apic;
	} else {
		ev.vector = (u8)legacy;
		apic = -1;
	}
	if (!vendor->inject_event(v, &ev)) {
		vendor->set_interrupt_window(v, true);
		return;
	}
	if (apic >= 0)
		lapic_ack(v, (u8)apic);
	else if (legacy >= 0)
		v->irq.pending[legacy / 64] &= ~(1ULL << (legacy % 64));
	vendor->set_interrupt_window(v, false);
}

/* Armed timers across every vCPU: with none, the scheduler skips polling on the exit path. */
static u32 vtimer_armed;

bool vtimer_any_armed(void)
{
	return vtimer_armed != 0;
}

void vtimer_arm(struct vcpu *v, u32 idx, u64 ns, bool periodic, u8 vector)
{
	struct vtimer *t = &v->irq.timers[idx];

	if (!t->deadline_ns)
		vtimer_armed++;
	t->vector = vector;
	t->period_ns = periodic ? ns : 0;
	t->deadline_ns = host_time_ns() + ns;
	if (!t->deadline_ns)
		t->deadline_ns = 1;
}

bool vtimer_cancel(struct vcpu *v, u32 idx)
{
	struct vtimer *t = &v->irq.timers[idx];
	bool armed = t->deadline_ns != 0;

	if (armed)
		vtimer_armed--;
	t->deadline_ns = 0;
	t->period_ns = 0;
	return armed;
}

u64 vtimer_poll(struct vcpu *v, u64 now)
{
	u64 next = 0;

	for (u32 i = 0; i < VTIMER_COUNT; i++) {
		struct vtimer *t = &v->irq.timers[i];

		if (!t->deadline_ns)
			continue;
		if (t->deadline_ns <= now) {
			vcpu_raise_interrupt(v, t->vector);
			if (t->period_ns) {
				/* From the previous deadline, so no drift; missed periods coalesce. */
				t->deadline_ns += t->period_ns;
				if (t->deadline_ns <= now)
					t->deadline_ns += ((now - t->deadline_ns) / t->period_ns + 1) *
							  t->period_ns;
			} else {
				t->deadline_ns = 0;
				vtimer_armed--;
				continue;
			}
		}
		if (!next || t->deadline_ns < next)
			next = t->deadline_ns;
	}
	return next;
}

u64 vtimer_vm_next(const struct vm *vm)
{
	u64 next = 0;

	for (u32 c = 0; c < vm->vcpu_count; c++)
		for (u32 i = 0; i < VTIMER_COUNT; i++) {
			u64 d = vm->vcpus[c]->irq.timers[i].deadline_ns;

			if (d && (!next || d < next))
				next = d;
		}
	return next;
}

void vtimer_vcpu_release(struct vcpu *v)
{
	for (u32 i = 0; i < VTIMER_COUNT; i++)
		vtimer_cancel(v, i);
}
