/*
 * The scheduler: every runnable vCPU of every running VM gets a time slice in
 * turn on this CPU.  A halted vCPU yields; one VM stopping never stops another.
 */
#include "vm/sched.h"
#include "vm/vm.h"
#include "host/host.h"
#include "arch/x86/cpu.h"
#include "lib/log.h"
#include "lib/string.h"
#include "vm/msr.h"
#include "devices/timer.h"
#include "vm/console.h"

#define SLICE_US 10000
/* Exits one slice may take before the scheduler looks around anyway. */
#define SLICE_MAX_EXITS 100000

static struct vcpu *fpu_owner;
static struct vcpu *running;	/* the vCPU of the slice in progress */
static bool has_tsc_aux;
static bool use_xsave;
static u64 host_xcr0_all;	/* every state component the CPU supports */

static void xsetbv(u32 index, u64 value)
{
	asm volatile("xsetbv" : : "c"(index), "a"((u32)value), "d"((u32)(value >> 32)));
}

static u64 xgetbv(u32 index)
{
	u32 lo, hi;

	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(index));
	return ((u64)hi << 32) | lo;
}

/*
 * XCR0 is not part of the VMCS/VMCB: the guest runs with whatever the register holds, and XSETBV
 * is supposed to exit (VT-x always; AMD-V with its intercept set).  QEMU's TCG SVM ignores the
 * XSETBV intercept, so there a guest's XSETBV changes the register directly (after the CPU's own
 * checks) and the hypervisor's copy goes stale; swapping vCPUs would then load the stale value
 * and the guest's next XRSTOR of its own image faults.  So after every exit the register, not
 * the copy, is the guest's XCR0.
 */
static void sched_sync_xcr0(struct vcpu *v)
{
	static bool reported;
	u64 cur;

	if (!use_xsave)
		return;
	cur = xgetbv(0);
	if (cur == v->xcr0)
		return;
	if (!reported) {
		reported = true;
		log_printf(LOG_INFO, v->vm->name, "vCPU %u: XSETBV (XCR0 0x%llx -> 0x%llx) ran without "
			   "an exit: this CPU does not intercept it; following the register\n", v->id,
			   (unsigned long long)v->xcr0, (unsigned long long)cur);
	}
	v->xcr0 = cur;
}

/*
 * The hypervisor itself never touches x87/SSE/AVX state (it is built with
 * -mgeneral-regs-only); vCPUs sharing this CPU swap theirs.  With XSAVE the
 * host enables CR4.OSXSAVE so guests can have any XCR0 the CPU supports.
 */
void sched_init(void)
{
	struct cpuid_regs r = cpuid(1, 0);

	has_tsc_aux = msr_has_tsc_aux();
	if (!(r.ecx & BIT(26)) || cpuid(0, 0).eax < 0xd || cpuid(0xd, 0).ecx > 4096)
		return;
	asm volatile("mov %%cr4, %%rax; or %0, %%rax; mov %%rax, %%cr4"
		     : : "i"(1 << 18) : "rax", "memory");
	r = cpuid(0xd, 0);
	host_xcr0_all = ((u64)r.edx << 32) | r.eax;
	use_xsave = true;
}

static void sched_fpu_switch(struct vcpu *next)
{
	if (fpu_owner == next)
		return;
	/* Per-vCPU register state the hardware keeps outside the VMCS/VMCB. */
	if (has_tsc_aux)
		wrmsr(0xc0000103, next->tsc_aux);
	if (use_xsave) {
		/*
		 * Save and restore with every component enabled, then load the vCPU's XCR0.
		 * XSAVE updates only the XSTATE_BV bits of the components XCR0 enables, and
		 * XRSTOR raises #GP when XSTATE_BV has a bit XCR0 lacks (SDM vol. 1, ch. 13): an
		 * image saved while a vCPU had XCR0 = 3 keeps XSTATE_BV[1] after a save with
		 * XCR0 = 1, so a vCPU that lowered its XCR0 would make the restore fault.
		 */
		xsetbv(0, host_xcr0_all);
		if (fpu_owner)
			asm volatile("xsave64 %0" : "=m"(*(u8(*)[4096])fpu_owner->fpu)
				     : "a"(~0U), "d"(~0U));
		asm volatile("xrstor64 %0" : : "m"(*(const u8(*)[4096])next->fpu),
			     "a"(~0U), "d"(~0U));
		xsetbv(0, next->xcr0);
	} else {
		if (fpu_owner)
			asm volatile("fxsave64 %0" : "=m"(*(u8(*)[512])fpu_owner->fpu));
		asm volatile("fxrstor64 %0" : : "m"(*(const u8(*)[512])next->fpu));
	}
	fpu_owner = next;
}

/* Whether guests get XSAVE-managed state (else CPUID hides XSAVE and AVX). */
bool sched_xsave_usable(void)
{
	return use_xsave;
}

/*
 * XSETBV from the guest (SDM vol. 2, XSETBV, and vol. 3A, 2.6: the #GP conditions).  A value
 * that passes is loaded into the CPU's XCR0 as it is, so every rule the CPU enforces must be
 * checked here first, or the hypervisor's own XSETBV would fault.
 */
void vm_handle_xsetbv(struct vcpu *v, struct vm_exit *exit)
{
	u64 val = (v->gpr[GPR_RDX] << 32) | (u32)v->gpr[GPR_RAX];
	bool avx512 = val & (BIT(5) | BIT(6) | BIT(7));
	bool mpx_half = !(val & BIT(3)) != !(val & BIT(4));	/* BNDREGS, BNDCSR: both or none */
	bool amx_half = !(val & BIT(17)) != !(val & BIT(18));	/* TILECFG, TILEDATA: likewise */

	if (!use_xsave || !(vcpu_sregs(v)->cr4 & BIT(18))) {
		vcpu_inject_exception(v, EXC_UD, false, 0);
		return;
	}
	if ((u32)v->gpr[GPR_RCX] != 0 || !(val & 1) || (val & ~host_xcr0_all) ||
	    ((val & BIT(2)) && !(val & BIT(1))) ||
	    (avx512 && ((val & 0xe0) != 0xe0 || !(val & BIT(2)))) || mpx_half || amx_half) {
		vcpu_inject_exception(v, EXC_GP, true, 0);
		return;
	}
	if (vcpu_skip_instruction(v, exit)) {
		vm_stop_with_dump(v, exit, "cannot decode XSETBV");
		return;
	}
	v->xcr0 = val;
	xsetbv(0, val);
}

/* TSC ticks for ns nanoseconds, at most one slice (so the product fits 64 bits). */
static u64 sched_ns_to_tsc(u64 ns)
{
	return MIN(ns, SLICE_US * 1000ULL) * host_tsc_hz() / 1000000000ULL;
}

/* Fires every due timer of the running VMs; returns the earliest remaining deadline (0 = none). */
static u64 sched_poll_timers(void)
{
	u64 now, next = 0;

	if (!vtimer_any_armed() && !dev_timer_any_armed())
		return 0;
	now = host_time_ns();
	if (dev_timer_any_armed())
		next = dev_timer_poll(now);
	for (u32 i = 0; i < vm_list_count; i++) {
		struct vm *vm = vm_list[i];

		if (!vm || vm->state != VM_STATE_RUNNING)
			continue;
		for (u32 c = 0; c < vm->vcpu_count; c++) {
			u64 d = vtimer_poll(vm->vcpus[c], now);

			if (d && (!next || d < next))
				next = d;
		}
	}
	return next;
}

struct vcpu *vcpu_current(void)
{
	return running;
}

static void sched_run_slice(struct vcpu *v)
{
	struct vm *vm = v->vm;
	struct vm_exit exit;
	u64 slice = host_tsc_hz() / 1000000 * SLICE_US, slice_end;
	u64 wakeups = vcpu_wakeups;

	sched_fpu_switch(v);
	slice_end = rdtsc() + slice;
	for (u32 n = 0; n < SLICE_MAX_EXITS; n++) {
		u64 next = sched_poll_timers();
		int err;

		/*
		 * Each entry ends at the slice's end or the next timer of any vCPU,
		 * whichever is first, so a timer is never late by more than the exit
		 * latency (with the VMX preemption timer; AMD-V exits only on host
		 * interrupts, so there a busy guest sees its timers at the next exit).
		 */
		v->deadline_tsc = slice_end;
		if (next) {
			u64 now = host_time_ns();
			u64 t = rdtsc() + (next > now ? sched_ns_to_tsc(next - now) : 0);

			if ((s64)(t - slice_end) < 0)
				v->deadline_tsc = t;
		}
		vcpu_deliver_interrupt(v);
		err = vendor->vcpu_run(v, &exit);
		sched_sync_xcr0(v);

		/* The back-end has loaded whatever common code changed. */
		v->rip_dirty = false;
		v->sregs_dirty = false;
		v->sregs_valid = false;
		if (err) {
			vm_stop(vm, -1, "%s could not run vCPU %u (%d)", vendor->name, v->id, err);
			return;
		}
		/* Timers that expired while the guest ran fire before the exit is handled. */
		sched_poll_timers();
		vm_handle_exit(v, &exit);
		if (vm->state != VM_STATE_RUNNING)
			return;
		/* Typed input for the focused VM (the poll itself is rate-limited). */
		console_poll(host_time_ns());
		/* An interrupt raised before HLT wakes the vCPU at once. */
		vcpu_wake_if_pending(v);
		if (v->state != VCPU_RUNNABLE)
			return;
		/* The slice is over, or a timer woke a halted vCPU: let the others run. */
		if ((s64)(rdtsc() - slice_end) >= 0 || vcpu_wakeups != wakeups)
			return;
	}
}

/*
 * A VM whose vCPUs all wait for an interrupt that nothing can raise is stuck for good;
 * one with an armed timer is only waiting for it.
 */
static void sched_check_stuck(struct vm *vm)
{
	for (u32 i = 0; i < vm->vcpu_count; i++)
		if (vm->vcpus[i]->state == VCPU_RUNNABLE)
			return;
	if (vtimer_vm_next(vm) || dev_timer_any_armed())
		return;
	vm_stop(vm, -1, "every vCPU is halted and nothing can wake it");
}

void sched_run(void)
{
	for (;;) {
		bool any = false, ran = false;
		u64 next;

		sched_poll_timers();
		console_poll(host_time_ns());
		for (u32 i = 0; i < vm_list_count; i++) {
			struct vm *vm = vm_list[i];

			if (!vm || vm->state != VM_STATE_RUNNING)
				continue;
			any = true;
			for (u32 c = 0; c < vm->vcpu_count && vm->state == VM_STATE_RUNNING; c++) {
				struct vcpu *v = vm->vcpus[c];

				if (v->state != VCPU_RUNNABLE)
					continue;
				running = v;
				sched_run_slice(v);
				running = NULL;
				ran = true;
			}
		}
		if (!ran) {
			for (u32 i = 0; i < vm_list_count; i++)
				if (vm_list[i] && vm_list[i]->state == VM_STATE_RUNNING)
					sched_check_stuck(vm_list[i]);
			/*
			 * Every vCPU is halted: wait for the earliest timer instead of spinning the
			 * loop, or for typed input, which may raise the UART's interrupt.
			 */
			next = sched_poll_timers();
			while (next && (s64)(host_time_ns() - next) < 0) {
				if (console_poll(host_time_ns()))
					break;
				cpu_relax();
			}
		}
		if (fpu_owner && fpu_owner->vm->state == VM_STATE_STOPPED)
			fpu_owner = NULL;
		vm_reap_stopped();
		if (!any)
			break;
	}
	log_info("all VMs have stopped\n");
}

/* The FPU state after INIT: FCW 0x37F, MXCSR 0x1F80, XCR0 = x87 (SDM 10.1 / 13.3). */
void sched_vcpu_init_fpu(struct vcpu *v)
{
	/* A vCPU restarted by INIT may own the FPU: its live state is dropped, the image loaded. */
	if (fpu_owner == v)
		fpu_owner = NULL;
	memset(v->fpu, 0, sizeof(v->fpu));
	v->fpu[0] = 0x7f;
	v->fpu[1] = 0x03;
	v->fpu[24] = 0x80;
	v->fpu[25] = 0x1f;
	v->xcr0 = 1;
}
