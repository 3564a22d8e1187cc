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
 * Any CPU may raise a vector on any vCPU (timers on its own CPU, IPC notifications from
 * another VM's, whose lock the raiser may hold): the pending bit and the halted-to-runnable
 * step are atomic, and the vCPU's CPU is kicked so a running guest exits and takes it.
 *
 * docs/hypercalls.md: once the guest has software-enabled its local APIC, hypervisor interrupts
 * (HC_TIMER, HC_IPC) are fixed edge interrupts through it and need an EOI; before, they are
 * injected directly from the pending set and need none.  The move into the local APIC is made
 * by the vCPU's own CPU under its VM's lock (vcpu_deliver_interrupt), as no other VM's lock
 * may be taken here.
 */
void vcpu_raise_interrupt(struct vcpu *v, u8 vector)
{
	if (vector < 32)
		return;
	__atomic_fetch_or(&v->irq.pending[vector / 64], 1ULL << (vector % 64), __ATOMIC_SEQ_CST);
	vcpu_trace(v, 'R', v->rip, vector);
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
	enum vcpu_state halted = VCPU_HALTED;
	bool nmi = __atomic_load_n(&v->lapic.nmi_pending, __ATOMIC_RELAXED);

	/*
	 * HLT completed at its exit (RIP is past it): waking only lets the vCPU run again.
	 * The fence pairs the HLT handler's store of HALTED with a raiser's store of the
	 * pending bit: one of the two sides sees the other's.
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (v->state == VCPU_HALTED &&
	    (((v->rflags & X86_RFLAGS_IF) && vcpu_interrupt_pending(v)) || nmi)) {
		if (__atomic_compare_exchange_n(&v->state, &halted, VCPU_RUNNABLE, false,
						__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
			__atomic_fetch_add(&vcpu_wakeups, 1, __ATOMIC_RELAXED);
			vcpu_trace(v, 'W', v->rip, 0);
			sched_kick(v);
		}
		return;
	}
	/*
	 * A runnable vCPU that is waiting for its turn while an interrupt is pending for it
	 * (its timer tick, an IPI) ends the running vCPU's slice at its next exit, so that
	 * vCPUs sharing a CPU lose no ticks to a 10 ms slice of another vCPU.  One on another
	 * CPU is kicked: if it is in the guest, it exits and takes the interrupt.
	 */
	if (__atomic_load_n(&v->state, __ATOMIC_SEQ_CST) == VCPU_RUNNABLE && v != vcpu_current() &&
	    (vcpu_interrupt_pending(v) || nmi)) {
		__atomic_fetch_add(&vcpu_wakeups, 1, __ATOMIC_RELAXED);
		sched_kick(v);
	}
}

/* Vectors vcpu_raise_interrupt left pending go through a software-enabled local APIC. */
static void vcpu_move_raised_to_lapic(struct vcpu *v)
{
	if (!lapic_sw_enabled(v))
		return;
	for (int w = 0; w < 4; w++) {
		u64 bits = __atomic_exchange_n(&v->irq.pending[w], 0, __ATOMIC_SEQ_CST);

		while (bits) {
			int b = __builtin_ctzll(bits);

			bits &= bits - 1;
			lapic_deliver(v, LAPIC_DM_FIXED, (u8)(w * 64 + b), false);
		}
	}
}

void vcpu_deliver_interrupt(struct vcpu *v)
{
	struct vcpu_event ev = { .type = VCPU_EVENT_EXT_INT };
	int legacy, apic;

	vcpu_move_raised_to_lapic(v);
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
	if (!vendor->interrupt_allowed(v) &&
	    !(vcpu_complete_hlt_in_shadow(v) && vendor->interrupt_allowed(v))) {
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
	vcpu_trace(v, 'I', v->rip, ev.vector);
	if (apic >= 0)
		lapic_ack(v, (u8)apic);
	else if (legacy >= 0)
		__atomic_fetch_and(&v->irq.pending[legacy / 64], ~(1ULL << (legacy % 64)),
				   __ATOMIC_SEQ_CST);
	/*
	 * Another vector still pending (an HC_IPC notification behind a periodic HC_TIMER
	 * vector) is taken as soon as the guest can take it again, at the window exit after
	 * the handler's IRET.  Without the window it would wait for the next exit, which with
	 * a short timer period is the timer's next deadline: the higher timer vector wins
	 * again and the lower one starves.
	 */
	vendor->set_interrupt_window(v, vcpu_interrupt_pending(v));
}

/* Armed timers across every vCPU: with none, the scheduler skips polling on the exit path. */
static u32 vtimer_armed;

bool vtimer_any_armed(void)
{
	return __atomic_load_n(&vtimer_armed, __ATOMIC_RELAXED) != 0;
}

void vtimer_arm(struct vcpu *v, u32 idx, u64 ns, bool periodic, u8 vector)
{
	struct vtimer *t = &v->irq.timers[idx];

	if (!t->deadline_ns)
		__atomic_fetch_add(&vtimer_armed, 1, __ATOMIC_RELAXED);
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
		__atomic_fetch_sub(&vtimer_armed, 1, __ATOMIC_RELAXED);
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
				__atomic_fetch_sub(&vtimer_armed, 1, __ATOMIC_RELAXED);
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
