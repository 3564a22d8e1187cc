/*
 * External-interrupt delivery and virtual timers, common to both vendors.  Timers have
 * absolute deadlines in host ns (host_time_ns, TSC-derived); the scheduler polls them
 * after every exit and each time round its loop, and bounds each entry by the earliest.
 */
#include "vm/vtimer.h"
#include "vm/vm.h"
#include "vm/sched.h"
#include "host/host.h"

u64 vcpu_wakeups;

/*
 * Any CPU may raise a vector on any vCPU (timers on its own CPU, IPC notifications from
 * another VM's): the pending bits and the halted-to-runnable step are atomic, and the
 * vCPU's CPU is kicked so a running guest exits and takes it.
 */
void vcpu_raise_interrupt(struct vcpu *v, u8 vector)
{
	if (vector < 32)
		return;
	__atomic_fetch_or(&v->irq.pending[vector / 64], 1ULL << (vector % 64), __ATOMIC_SEQ_CST);
	vcpu_wake_if_pending(v);
	sched_kick(v);
}

bool vcpu_interrupt_pending(const struct vcpu *v)
{
	return (v->irq.pending[0] | v->irq.pending[1] | v->irq.pending[2] | v->irq.pending[3]) != 0;
}

void vcpu_wake_if_pending(struct vcpu *v)
{
	enum vcpu_state halted = VCPU_HALTED;

	/*
	 * HLT completed at its exit (RIP is past it): waking only lets the vCPU run again.
	 * The fence pairs the HLT handler's store of HALTED with a raiser's store of the
	 * pending bit: one of the two sides sees the other's.
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (v->state == VCPU_HALTED && (v->rflags & X86_RFLAGS_IF) && vcpu_interrupt_pending(v) &&
	    __atomic_compare_exchange_n(&v->state, &halted, VCPU_RUNNABLE, false, __ATOMIC_SEQ_CST,
					__ATOMIC_SEQ_CST))
		__atomic_fetch_add(&vcpu_wakeups, 1, __ATOMIC_RELAXED);
}

static int vcpu_highest_pending(const struct vcpu *v)
{
	for (int w = 3; w >= 0; w--)
		if (v->irq.pending[w])
			return w * 64 + 63 - __builtin_clzll(v->irq.pending[w]);
	return -1;
}

void vcpu_deliver_interrupt(struct vcpu *v)
{
	int vec = vcpu_highest_pending(v);
	struct vcpu_event ev = { .type = VCPU_EVENT_EXT_INT };

	if (vec < 0)
		return;
	if (vendor->interrupt_allowed(v)) {
		ev.vector = (u8)vec;
		if (vendor->inject_event(v, &ev)) {
			__atomic_fetch_and(&v->irq.pending[vec / 64], ~(1ULL << (vec % 64)),
					   __ATOMIC_SEQ_CST);
			vendor->set_interrupt_window(v, false);
			return;
		}
	}
	vendor->set_interrupt_window(v, true);
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
