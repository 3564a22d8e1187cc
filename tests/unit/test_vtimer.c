/*
 * Virtual timers and interrupt delivery (vm/vtimer.c) and HC_TIMER's argument checks
 * (vm/hc_timer.c) against a fake clock and a fake vendor back-end.
 */
// unit-deps: vm/vtimer.c vm/hc_timer.c devices/lapic.c devices/ioapic.c devices/pic.c devices/timer.c lib/spinlock.c vm/vcpu.c mm/gva.c mm/guest_mem.c arch/x86/decode.c arch/x86/decode_vex.c lib/string.c
#include "tests/unit/unit.h"
#include "tests/unit/intc_fakes.h"
#include "macrohard/hypercall.h"

static bool pending(const struct vcpu *v, u8 vec)
{
	return v->irq.pending[vec / 64] & (1ULL << (vec % 64));
}

int main(void)
{
	static struct vcpu v;
	u64 args[4];

	v.state = VCPU_RUNNABLE;
	v.rflags = X86_RFLAGS_IF;

	/* Periodic: fires at each deadline, re-armed from the previous deadline. */
	vtimer_arm(&v, 0, 1000000, true, 0x40);
	fake_now = 1000 + 999999;
	unit_check(vtimer_poll(&v, fake_now) == 1001000 && !pending(&v, 0x40),
		   "periodic: not before its deadline", "pending %d", pending(&v, 0x40));
	fake_now = 1001000 + 500;
	unit_check(vtimer_poll(&v, fake_now) == 2001000 && pending(&v, 0x40),
		   "periodic: fires and re-arms from the deadline, not from now", "false");
	/* Missed periods coalesce into one pending vector, the grid is kept. */
	v.irq.pending[1] = 0;
	fake_now = 1000 + 5500000;
	unit_check(vtimer_poll(&v, fake_now) == 6001000 && pending(&v, 0x40),
		   "periodic: missed periods coalesce, next deadline on the grid", "false");
	unit_check(vtimer_cancel(&v, 0) && !vtimer_cancel(&v, 0), "cancel: 1 if armed, then 0", "false");
	unit_check(vtimer_poll(&v, fake_now + 10000000) == 0, "cancel: nothing armed", "false");

	/* One-shot: fires once. */
	v.irq.pending[1] = 0;
	vtimer_arm(&v, 1, 10000, false, 0x41);
	fake_now += 10000;
	vtimer_poll(&v, fake_now);
	unit_check(pending(&v, 0x41) && !vtimer_vm_next(&(struct vm){ .vcpus = { &v }, .vcpu_count = 1 }),
		   "one-shot: fires and disarms", "false");

	/* Delivery: the highest vector first; a window when the guest cannot take it. */
	vcpu_raise_interrupt(&v, 0x80);
	fake_allowed = false;
	vcpu_deliver_interrupt(&v);
	unit_check(window && injected == -1, "deliver: window requested while blocked", "false");
	fake_allowed = true;
	vcpu_deliver_interrupt(&v);
	unit_check(injected == 0x80 && !pending(&v, 0x80) && pending(&v, 0x41),
		   "deliver: highest vector injected and cleared", "injected %d", injected);
	unit_check(window, "deliver: a window for the vector still pending behind it", "false");
	vcpu_deliver_interrupt(&v);
	unit_check(injected == 0x41 && !vcpu_interrupt_pending(&v), "deliver: then the next one", "false");
	unit_check(!window, "deliver: no window once nothing is pending", "false");
	vcpu_raise_interrupt(&v, 31);
	unit_check(!vcpu_interrupt_pending(&v), "raise: vectors below 32 ignored", "false");

	/*
	 * Stopped in an STI shadow with a vector pending: before a HLT, the HLT completes and
	 * the vector goes in at once (RIP past it); before anything else, a window is asked for.
	 */
	{
		static u8 ram[0x2000] __attribute__((aligned(4096)));
		static struct vm vm;

		guest_mem_init(&vm.mem);
		unit_check(!guest_mem_add(&vm.mem, 0, sizeof(ram), GUEST_RAM, (u64)(uintptr_t)ram,
					  "ram"), "shadow: guest RAM for the instruction bytes", "false");
		v.vm = &vm;
		ram[0x1000] = 0xf4;	/* hlt */
		ram[0x1100] = 0x90;	/* nop */
		fake_shadow = true;
		v.rip = 0x1000;
		v.rip_dirty = false;
		vcpu_raise_interrupt(&v, 0x60);
		vcpu_deliver_interrupt(&v);
		unit_check(injected == 0x60 && v.rip == 0x1001 && v.rip_dirty && !window,
			   "shadow before HLT: the HLT completes and the vector is injected",
			   "injected %d rip %llx window %d", injected, (unsigned long long)v.rip, window);
		v.rip = 0x1100;
		v.rip_dirty = false;
		injected = -1;
		vcpu_raise_interrupt(&v, 0x61);
		vcpu_deliver_interrupt(&v);
		unit_check(injected == -1 && v.rip == 0x1100 && window,
			   "shadow before another instruction: a window, RIP unchanged",
			   "injected %d rip %llx", injected, (unsigned long long)v.rip);
		v.rip = 0x1000;
		v.rflags = X86_RFLAGS_IF | X86_RFLAGS_TF;
		vcpu_deliver_interrupt(&v);
		unit_check(injected == -1 && v.rip == 0x1000 && window,
			   "shadow before HLT while single-stepping: a window, RIP unchanged",
			   "injected %d rip %llx", injected, (unsigned long long)v.rip);
		v.rflags = X86_RFLAGS_IF;
		fake_shadow = false;
		vcpu_deliver_interrupt(&v);
		unit_check(injected == 0x61 && v.rip == 0x1000, "no shadow: injected where it is",
			   "injected %d", injected);
		v.vm = NULL;
		window = false;
	}

	/* Wake-up: a halted vCPU with IF = 1 only. */
	v.state = VCPU_HALTED;
	v.rflags = 0;
	vcpu_raise_interrupt(&v, 0x50);
	unit_check(v.state == VCPU_HALTED, "wake: not with IF = 0", "false");
	v.rflags = X86_RFLAGS_IF;
	vcpu_wake_if_pending(&v);
	unit_check(v.state == VCPU_RUNNABLE, "wake: with IF = 1 and a pending vector", "false");

	/* HC_TIMER argument checks. */
#define OP(op, t, ns, rsi) (args[0] = (op), args[1] = (t), args[2] = (ns), args[3] = (rsi), \
			    hc_timer_op(&v, args))
	unit_check(OP(HC_TIMER_GET_TSC_FREQ, 0, 0, 0) == 2000000000LL, "op: tsc frequency", "false");
	unit_check(OP(HC_TIMER_GET_TIME, 0, 0, 0) == (s64)fake_now, "op: time", "false");
	unit_check(OP(HC_TIMER_ARM, HC_TIMER_COUNT, 1000000, 0x40) == HC_ERR_NOT_FOUND,
		   "op: timer out of range", "false");
	unit_check(OP(HC_TIMER_ARM, 0, 1000000, 31) == HC_ERR_INVALID, "op: vector 31", "false");
	unit_check(OP(HC_TIMER_ARM, 0, 1000000, 0x40 | 0x200) == HC_ERR_INVALID, "op: reserved bit", "false");
	unit_check(OP(HC_TIMER_ARM, 0, HC_TIMER_MIN_NS - 1, 0x40 | HC_TIMER_PERIODIC) == HC_ERR_INVALID,
		   "op: period too short", "false");
	unit_check(OP(HC_TIMER_ARM, 0, HC_TIMER_MAX_NS + 1, 0x40) == HC_ERR_INVALID, "op: too long", "false");
	unit_check(OP(HC_TIMER_ARM, 3, HC_TIMER_MIN_NS, 255 | HC_TIMER_PERIODIC) == 0 &&
		   v.irq.timers[3].period_ns == HC_TIMER_MIN_NS, "op: arm periodic at the bounds", "false");
	unit_check(OP(HC_TIMER_CANCEL, 3, 0, 0) == 1 && OP(HC_TIMER_CANCEL, 3, 0, 0) == 0,
		   "op: cancel", "false");
	unit_check(OP(4, 0, 0, 0) == HC_ERR_UNKNOWN_OP, "op: unknown sub-operation", "false");
	return unit_summary();
}
