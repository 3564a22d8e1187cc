/*
 * The scheduler.  Every vCPU is pinned to one host CPU when its VM is created; each CPU
 * runs its own loop over its vCPUs, round-robin with time slices.  The BSP keeps the
 * firmware (its interrupts are taken between guest entries), serves the calls APs post
 * to it (host_bsp_call) and frees stopped VMs once every CPU has let go of their vCPUs.
 * A halted vCPU yields; one VM stopping never stops another.
 */
#include "vm/sched.h"
#include "vm/vm.h"
#include "host/host.h"
#include "arch/x86/cpu.h"
#include "arch/x86/lapic.h"
#include "arch/x86/xstate.h"
#include "lib/log.h"
#include "lib/string.h"
#include "vm/msr.h"
#include "vm/hc_internal.h"
#include "lib/errno.h"
#include "devices/timer.h"
#include "vm/console.h"
#include "devices/virtio/virtio_pci.h"

#define SLICE_US 10000
/* Exits one slice may take before the scheduler looks around anyway. */
#define SLICE_MAX_EXITS 100000
/* How long the BSP waits for an AP to enable virtualization, and for the APs at the end. */
#define AP_READY_WAIT_US 5000000ULL
#define AP_FINISH_WAIT_US 5000000ULL
/* An idle CPU looks around at least this often. */
#define IDLE_POLL_NS 1000000ULL

enum sched_cpu_state { CPU_ABSENT, CPU_STARTING, CPU_READY, CPU_IDLE_FAILED };

/* One host CPU's share.  Only that CPU touches its list, FPU owner and counters after sched_run. */
struct sched_cpu {
	u32 index;
	u32 state;		/* enum sched_cpu_state, written by the AP while it starts */
	struct vcpu *head;	/* pinned vCPUs, through vcpu->sched_next */
	u32 vcpus;
	struct vcpu *fpu_owner;
	struct vcpu *running;	/* the vCPU of the slice in progress */
	u64 slices, exits;
	bool timer;		/* its local APIC timer is ours and calibrated */
	u64 initial_xcr0;	/* XCR0 to give back to the firmware (APs) */
	/* vCPUs pinned to it while it runs (a restarted VM): the BSP adds, the CPU takes. */
	struct spinlock incoming_lock;
	struct vcpu *incoming;
};

static struct sched_cpu cpus[HOST_MAX_CPUS];
static u32 cpu_count;		/* CPUs that may run vCPUs: index 0 .. cpu_count-1 */
static u32 assign_next;
static u32 go;			/* set by sched_run: the APs start their loops */
static u32 done;		/* set by the BSP when every VM is freed: the APs finish */
static u32 selftest_ap_fault;	/* selftest = ap-exception, until an AP has taken it */
static bool has_tsc_aux;
static bool use_xsave;
static u64 host_xcr0_all;	/* every state component the CPU supports */

static void sched_take_incoming(struct sched_cpu *me);

static struct sched_cpu *sched_this_cpu(void)
{
	return &cpus[host_cpu_index() % HOST_MAX_CPUS];
}

static void xsetbv(u32 index, u64 value)
{
	asm volatile("xsetbv" : : "c"(index), "a"((u32)value), "d"((u32)(value >> 32)));
}

static u64 xgetbv0(void)
{
	u32 lo, hi;

	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((u64)hi << 32) | lo;
}

/*
 * XCR0 is not part of the VMCS/VMCB: the guest runs with whatever the register holds, and XSETBV
 * is supposed to exit (VT-x always; AMD-V with its intercept set).  QEMU's TCG SVM ignores the
 * XSETBV intercept, so there a guest's XSETBV changes the register directly (after the CPU's own
 * checks) and the hypervisor's copy goes stale; swapping vCPUs would then load the stale value
 * and the guest's next XRSTOR of its own image faults.  So after every exit the register, not
 * the copy, is the guest's XCR0 (on the CPU that ran it: XCR0 is per CPU).
 */
static void sched_sync_xcr0(struct vcpu *v)
{
	static bool reported;
	u64 cur;

	if (!use_xsave)
		return;
	cur = xgetbv0();
	if (cur == v->xcr0)
		return;
	if (!__atomic_exchange_n(&reported, true, __ATOMIC_RELAXED))
		log_printf(LOG_INFO, v->vm->name, "vCPU %u: XSETBV (XCR0 0x%llx -> 0x%llx) ran without "
			   "an exit: this CPU does not intercept it; following the register\n", v->id,
			   (unsigned long long)v->xcr0, (unsigned long long)cur);
	v->xcr0 = cur;
}

/* Per CPU: with XSAVE, CR4.OSXSAVE on so guests can have any XCR0 the CPU supports. */
static void sched_cpu_setup(struct sched_cpu *me)
{
	me->index = host_cpu_index();
	if (use_xsave) {
		asm volatile("mov %%cr4, %%rax; or %0, %%rax; mov %%rax, %%cr4"
			     : : "i"(1 << 18) : "rax", "memory");
		me->initial_xcr0 = xgetbv0();
	}
	me->timer = host_cpu_owns_timer() && lapic_timer_calibrate();
}

/*
 * The hypervisor itself never touches x87/SSE/AVX state (it is built with
 * -mgeneral-regs-only); vCPUs sharing a CPU swap theirs.
 */
static void sched_fpu_switch(struct sched_cpu *me, struct vcpu *next)
{
	if (me->fpu_owner == next)
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
		/* The outgoing vCPU's XCR0 is current: sched_sync_xcr0 after its every exit. */
		xsetbv(0, host_xcr0_all);
		if (me->fpu_owner)
			asm volatile("xsave64 %0" : "=m"(*(u8(*)[4096])me->fpu_owner->fpu)
				     : "a"(~0U), "d"(~0U));
		asm volatile("xrstor64 %0" : : "m"(*(const u8(*)[4096])next->fpu),
			     "a"(~0U), "d"(~0U));
		xsetbv(0, next->xcr0);
	} else {
		if (me->fpu_owner)
			asm volatile("fxsave64 %0" : "=m"(*(u8(*)[512])me->fpu_owner->fpu));
		asm volatile("fxrstor64 %0" : : "m"(*(const u8(*)[512])next->fpu));
	}
	me->fpu_owner = next;
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

/*
 * Fires every due device timer and every due timer of this CPU's vCPUs; returns the
 * earliest remaining deadline (0 = none).  Called without any VM lock held.
 */
static u64 sched_poll_timers(struct sched_cpu *me)
{
	u64 now, next = 0;

	if (!vtimer_any_armed() && !dev_timer_any_armed())
		return 0;
	now = host_time_ns();
	if (dev_timer_any_armed())
		next = dev_timer_poll(now);
	for (struct vcpu *v = me->head; v; v = v->sched_next) {
		u64 d;

		if (v->vm->state != VM_STATE_RUNNING)
			continue;
		d = vtimer_poll(v, now);
		if (d && (!next || d < next))
			next = d;
	}
	return next;
}

struct vcpu *vcpu_current(void)
{
	return sched_this_cpu()->running;
}

void sched_kick(struct vcpu *v)
{
	if (v->cpu != host_cpu_index())
		host_cpu_kick(v->cpu);
}

static void sched_run_slice(struct sched_cpu *me, struct vcpu *v)
{
	struct vm *vm = v->vm;
	struct vm_exit exit;
	u64 slice = host_tsc_hz() / 1000000 * SLICE_US, slice_end;
	u64 wakeups = __atomic_load_n(&vcpu_wakeups, __ATOMIC_RELAXED);

	sched_fpu_switch(me, v);
	slice_end = rdtsc() + slice;
	for (u32 n = 0; n < SLICE_MAX_EXITS; n++) {
		u64 next = sched_poll_timers(me);
		int err;

		/*
		 * Under the VM's lock: the INIT and start-up IPIs other vCPUs sent this one, and
		 * the interrupt to inject, which reads (and acknowledges in) the device models.
		 */
		rspin_lock(&vm->lock);
		if (vcpu_start_requested(v))
			vcpu_apply_start_requests(v);
		if (vm->state != VM_STATE_RUNNING || v->state != VCPU_RUNNABLE) {
			rspin_unlock(&vm->lock);
			return;
		}
		/* After an INIT and a start-up, the FPU image is the vCPU's state. */
		sched_fpu_switch(me, v);
		vcpu_deliver_interrupt(v);
		rspin_unlock(&vm->lock);

		/*
		 * Each entry ends at the slice's end or the next timer of any vCPU,
		 * whichever is first, so a timer is never late by more than the exit
		 * latency: the VMX preemption timer, or on AMD-V the host interrupt that
		 * makes the exit — the firmware's tick on the BSP, the local APIC timer
		 * armed here on CPUs whose timer is ours.
		 */
		v->deadline_tsc = slice_end;
		if (next) {
			u64 now = host_time_ns();
			u64 t = rdtsc() + (next > now ? sched_ns_to_tsc(next - now) : 0);

			if ((s64)(t - slice_end) < 0)
				v->deadline_tsc = t;
		}
		if (me->timer)
			lapic_timer_arm(v->deadline_tsc);
		err = vendor->vcpu_run(v, &exit);
		me->exits++;
		vcpu_trace(v, 'X', v->rip, exit.reason);
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
		sched_poll_timers(me);
		rspin_lock(&vm->lock);
		if (vm->state == VM_STATE_RUNNING)
			vm_handle_exit(v, &exit);
		rspin_unlock(&vm->lock);
		if (me->index == 0) {
			host_bsp_service();
			virtio_poll();
		}
		if (vm->state != VM_STATE_RUNNING || host_cpus_aborting())
			return;
		/* Typed input for the focused VM: the BSP's (the poll itself is rate-limited). */
		if (me->index == 0)
			console_poll(host_time_ns());
		/* An interrupt raised before HLT wakes the vCPU at once. */
		vcpu_wake_if_pending(v);
		if (v->state != VCPU_RUNNABLE)
			return;
		/* The slice is over, or a timer woke a halted vCPU: let the others run. */
		if ((s64)(rdtsc() - slice_end) >= 0 ||
		    __atomic_load_n(&vcpu_wakeups, __ATOMIC_RELAXED) != wakeups)
			return;
	}
}

/*
 * A VM whose vCPUs all wait for an interrupt that nothing can raise is stuck for good;
 * one with an armed timer is only waiting for it.  Its vCPUs may be on several CPUs.
 */
static void sched_check_stuck(struct vm *vm)
{
	rspin_lock(&vm->lock);
	for (u32 i = 0; i < vm->vcpu_count; i++) {
		struct vcpu *v = vm->vcpus[i];

		if (__atomic_load_n(&v->state, __ATOMIC_SEQ_CST) == VCPU_RUNNABLE ||
		    vcpu_start_requested(v))
			goto out;
		/*
		 * An NMI, or a vector it can take, already waits for it: not stuck, whatever a
		 * wake-up path missed; it is woken here.  (With IF = 0 a pending vector cannot
		 * wake it; vm_handle_hlt judged that case when it halted.)
		 */
		if (__atomic_load_n(&v->lapic.nmi_pending, __ATOMIC_SEQ_CST) ||
		    ((v->rflags & X86_RFLAGS_IF) && vcpu_interrupt_pending(v))) {
			vcpu_wake_if_pending(v);
			goto out;
		}
	}
	if (vm->state != VM_STATE_RUNNING || vtimer_vm_next(vm) || dev_timer_any_armed())
		goto out;
	vm_stop(vm, -1, "every vCPU is halted and nothing can wake it");
out:
	rspin_unlock(&vm->lock);
}

/*
 * This CPU lets go of a vCPU of a stopped VM: the back-end unbinds it (VMCLEAR), it
 * leaves the list, and the BSP may free it once every vCPU of the VM is released.
 */
static void sched_release(struct sched_cpu *me, struct vcpu *v)
{
	struct vcpu **p;

	if (vendor->vcpu_put)
		vendor->vcpu_put(v);
	if (me->fpu_owner == v)
		me->fpu_owner = NULL;
	for (p = &me->head; *p; p = &(*p)->sched_next) {
		if (*p == v) {
			*p = v->sched_next;
			break;
		}
	}
	v->sched_next = NULL;
	me->vcpus--;
	__atomic_store_n(&v->released, true, __ATOMIC_RELEASE);
	/* The BSP frees the VM once all its vCPUs are released: wake it if it is halted. */
	host_cpu_kick(0);
}

static bool sched_has_work(struct sched_cpu *me)
{
	if (host_cpus_aborting() || __atomic_load_n(&me->incoming, __ATOMIC_RELAXED) ||
	    (me->index && __atomic_load_n(&done, __ATOMIC_RELAXED)))
		return true;
	for (struct vcpu *v = me->head; v; v = v->sched_next)
		if (v->vm->state != VM_STATE_RUNNING || v->state == VCPU_RUNNABLE ||
		    vcpu_start_requested(v))
			return true;
	return false;
}

/*
 * On a CPU whose local APIC timer is ours: HLT until the earliest timer (at most one idle
 * poll), a kick (a wake-up, a stop, posted work) or the timer interrupt.  Checked with
 * interrupts off and slept with STI; HLT, so a kick between the two still wakes it.  A
 * halted CPU leaves the physical core (or an emulator's time) to the others.
 */
static bool sched_idle_halt(struct sched_cpu *me, u64 next, u64 start)
{
	u64 now, until = start + IDLE_POLL_NS;

	if (next && (s64)(next - until) < 0)
		until = next;
	cpu_cli();
	now = host_time_ns();
	if (sched_has_work(me) || (s64)(until - now) <= 0 ||
	    (me->index == 0 && (host_bsp_call_pending() || virtio_work_pending()))) {
		cpu_sti();
		return false;
	}
	lapic_timer_arm(rdtsc() + sched_ns_to_tsc(until - now));
	asm volatile("sti; hlt" ::: "memory");
	return true;
}

/*
 * The firmware-hosted BSP with no vCPU of its own: HLT until the firmware's next timer
 * tick or a kick (a call posted by an AP, a vCPU released), as the firmware's own idle
 * loop does.  It leaves the core, or an emulator's time, to the APs.
 */
static bool sched_idle_firmware(void)
{
	cpu_cli();
	if (host_bsp_call_pending() || virtio_work_pending() || host_cpus_aborting()) {
		cpu_sti();
		return false;
	}
	asm volatile("sti; hlt" ::: "memory");
	return true;
}

/* One CPU's loop: until it has no vCPU left (the BSP: until every VM is freed). */
static void sched_loop(struct sched_cpu *me)
{
	bool bsp = me->index == 0;

	for (;;) {
		struct vcpu *v, *next_v;
		bool ran = false;
		u64 next;

		if (bsp) {
			host_bsp_service();
			virtio_poll();
			/* Typed input goes to the focused VM from the BSP alone. */
			console_poll(host_time_ns());
		} else if (host_cpus_aborting()) {
			while (me->head)
				sched_release(me, me->head);
			break;
		}
		sched_take_incoming(me);
		sched_poll_timers(me);
		for (v = me->head; v; v = next_v) {
			struct vm *vm = v->vm;

			next_v = v->sched_next;
			if (vm->state == VM_STATE_STOPPED) {
				sched_release(me, v);
				continue;
			}
			if (vm->state == VM_STATE_RUNNING && vcpu_start_requested(v)) {
				rspin_lock(&vm->lock);
				if (vm->state == VM_STATE_RUNNING)
					vcpu_apply_start_requests(v);
				rspin_unlock(&vm->lock);
			}
			if (vm->state != VM_STATE_RUNNING || v->state != VCPU_RUNNABLE)
				continue;
			if (!v->slices++)
				log_info("sched: CPU %u runs [%s] vCPU %u\n", me->index, vm->name,
					 v->id);
			me->slices++;
			me->running = v;
			sched_run_slice(me, v);
			me->running = NULL;
			ran = true;
			if (!bsp && __atomic_exchange_n(&selftest_ap_fault, 0, __ATOMIC_SEQ_CST))
				asm volatile("ud2");
		}
		if (!ran) {
			u64 start = host_time_ns();
			bool halted = false;

			for (v = me->head; v; v = v->sched_next)
				if (v->vm->state == VM_STATE_RUNNING)
					sched_check_stuck(v->vm);
			/* Nothing to run: wait for a timer, a wake-up, a stop or posted work. */
			next = sched_poll_timers(me);
			/*
			 * After a HLT the loop goes round at once: whatever woke the CPU (a kick,
			 * posted work, a timer) is served there, and it halts again.  Spinning out
			 * the poll instead would keep an emulated CPU busy, and under QEMU's
			 * round-robin TCG hold back the CPU a completion was sent to.  Only a CPU
			 * that cannot halt here (the firmware-hosted BSP with vCPUs) polls.
			 */
			if (me->timer)
				halted = sched_idle_halt(me, next, start);
			else if (!me->head)
				halted = sched_idle_firmware();
			while (!halted && !sched_has_work(me) &&
			       (!next || (s64)(host_time_ns() - next) < 0) &&
			       host_time_ns() - start < IDLE_POLL_NS) {
				if (bsp) {
					host_bsp_service();
					virtio_poll();
					/* Typed input may raise the UART's interrupt. */
					if (console_poll(host_time_ns()))
						break;
				}
				cpu_relax();
			}
		}
		/*
		 * The BSP frees stopped VMs (and recreates restarting ones, handing their vCPUs
		 * to the APs); it finishes when every VM is gone, the APs when it says so.
		 */
		if (bsp)
			vm_reap_stopped();
		if (bsp ? !me->head && vm_all_reaped() :
			  !me->head && __atomic_load_n(&done, __ATOMIC_ACQUIRE))
			break;
	}
}

void sched_selftest_ap_exception(void)
{
	selftest_ap_fault = 1;
}

/*
 * A CPU that stops for good (a fault on an AP, host_cpu_park): the locks it held are
 * dropped, the VMs with vCPUs on it stop, its vCPUs are released here (VMCLEAR) and
 * virtualization is turned off, so the firmware gets a CPU it can INIT again.
 */
static void sched_cpu_lost(void)
{
	struct sched_cpu *me = sched_this_cpu();

	for (u32 i = 0; i < vm_list_count; i++)
		if (vm_list[i])
			rspin_drop_if_held(&vm_list[i]->lock);
	rspin_drop_if_held(&hc_lock);
	log_cpu_lost();
	me->running = NULL;
	for (struct vcpu *v = me->head; v; v = v->sched_next)
		vm_stop(v->vm, -1, "host CPU %u stopped after a fault", me->index);
	while (me->head)
		sched_release(me, me->head);
	if (me->timer)
		lapic_timer_stop();
	vendor->cpu_disable();
}

/* What each AP runs (host_cpu_start): enable, report, wait for sched_run, then its loop. */
static void sched_ap_main(void *arg)
{
	struct sched_cpu *me = arg;
	int err = vendor->cpu_enable();

	if (err) {
		log_err("%s: cannot enable virtualization on CPU %u (%s); it stays idle\n",
			vendor->name, host_cpu_index(), err_name(err));
		__atomic_store_n(&me->state, CPU_IDLE_FAILED, __ATOMIC_RELEASE);
		return;
	}
	sched_cpu_setup(me);
	if (me->timer)
		log_info("%s: enabled on CPU %u (APIC ID %u); local APIC timer at %llu kHz\n",
			 vendor->name, me->index, host_cpu_apic_id(me->index),
			 (unsigned long long)lapic_timer_ticks_per_ms());
	else
		log_info("%s: enabled on CPU %u (APIC ID %u)\n", vendor->name, me->index,
			 host_cpu_apic_id(me->index));
	__atomic_store_n(&me->state, CPU_READY, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE) && !host_cpus_aborting())
		cpu_relax();
	/* Interrupts on: the kick IPI and the timer end a guest's turn and are taken at once. */
	cpu_sti();
	sched_loop(me);
	cpu_cli();
	if (me->timer)
		lapic_timer_stop();
	if (use_xsave)
		xsetbv(0, me->initial_xcr0);
	vendor->cpu_disable();
}

void sched_init(void)
{
	struct cpuid_regs r = cpuid(1, 0);
	u32 n = host_cpu_count(), ready = 1;
	u64 end;

	has_tsc_aux = msr_has_tsc_aux();
	if ((r.ecx & BIT(26)) && cpuid(0, 0).eax >= 0xd && cpuid(0xd, 0).ecx <= 4096) {
		r = cpuid(0xd, 0);
		host_xcr0_all = ((u64)r.edx << 32) | r.eax;
		use_xsave = true;
	}
	sched_cpu_setup(&cpus[0]);
	/* With CR4.OSXSAVE on: the layout guests are told of, and whether XSAVEC is offered. */
	if (use_xsave)
		xstate_init();
	cpus[0].state = CPU_READY;
	cpu_count = MIN(n, (u32)HOST_MAX_CPUS);
	host_cpu_set_lost_hook(sched_cpu_lost);
	for (u32 c = 1; c < cpu_count; c++) {
		int err = vendor->cpu_prepare ? vendor->cpu_prepare(c) : 0;

		cpus[c].index = c;
		if (!err) {
			cpus[c].state = CPU_STARTING;
			err = host_cpu_start(c, sched_ap_main, &cpus[c]);
		}
		if (err) {
			cpus[c].state = CPU_ABSENT;
			log_err("sched: CPU %u cannot be started (%s); it stays idle\n", c,
				err_name(err));
		}
	}
	end = host_time_ns() + AP_READY_WAIT_US * 1000;
	for (u32 c = 1; c < cpu_count; c++) {
		while (__atomic_load_n(&cpus[c].state, __ATOMIC_ACQUIRE) == CPU_STARTING &&
		       (s64)(host_time_ns() - end) < 0) {
			host_bsp_service();
			cpu_relax();
		}
		if (__atomic_load_n(&cpus[c].state, __ATOMIC_ACQUIRE) == CPU_READY)
			ready++;
		else if (cpus[c].state == CPU_STARTING)
			log_err("sched: CPU %u did not report; it stays idle\n", c);
	}
	log_info("sched: %u of %u CPU%s run vCPUs\n", ready, n, n == 1 ? "" : "s");
}

/* Appended, so each CPU runs its vCPUs in creation order. */
static void sched_append(struct sched_cpu *me, struct vcpu *v)
{
	struct vcpu **p = &me->head;

	while (*p)
		p = &(*p)->sched_next;
	v->sched_next = NULL;
	*p = v;
	me->vcpus++;
}

/* Takes the vCPUs the BSP handed over (oldest first: the hand-over list is newest first). */
static void sched_take_incoming(struct sched_cpu *me)
{
	struct vcpu *list, *rev = NULL;

	if (!__atomic_load_n(&me->incoming, __ATOMIC_RELAXED))
		return;
	spin_lock(&me->incoming_lock);
	list = me->incoming;
	me->incoming = NULL;
	spin_unlock(&me->incoming_lock);
	while (list) {
		struct vcpu *next = list->sched_next;

		list->sched_next = rev;
		rev = list;
		list = next;
	}
	while (rev) {
		struct vcpu *next = rev->sched_next;

		sched_append(me, rev);
		rev = next;
	}
}

/*
 * Pinning: vCPUs are dealt round-robin over the APs that enabled virtualization, in the
 * order of their creation, so the vCPUs of one VM land on different CPUs.  The BSP runs
 * vCPUs only when no AP can: it keeps the firmware (whose interrupts it takes between
 * guest entries), serves the APs' posted calls and frees VMs, and with no vCPU of its own
 * it halts between those (docs/architecture.md, "Execution model").  A vCPU never moves.
 */
void sched_assign(struct vcpu *v)
{
	u32 c = 0;

	for (u32 tries = 0; cpu_count > 1 && tries < cpu_count - 1; tries++) {
		u32 cand = 1 + assign_next++ % (cpu_count - 1);

		if (cpus[cand].state == CPU_READY) {
			c = cand;
			break;
		}
	}
	v->cpu = c;
	v->released = false;
	v->sched_next = NULL;
	if (!__atomic_load_n(&go, __ATOMIC_ACQUIRE) || c == host_cpu_index()) {
		sched_append(&cpus[c], v);
	} else {
		/* The CPU owns its list while it runs: hand the vCPU over, and wake the CPU. */
		spin_lock(&cpus[c].incoming_lock);
		v->sched_next = cpus[c].incoming;
		cpus[c].incoming = v;
		spin_unlock(&cpus[c].incoming_lock);
		host_cpu_kick(c);
	}
	log_printf(LOG_INFO, v->vm->name, "vCPU %u pinned to CPU %u\n", v->id, c);
}

void sched_run(void)
{
	bool any = !vm_all_reaped();
	u64 flags = read_rflags();

	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	/*
	 * Interrupts on while vCPUs run (the firmware-hosted BSP has them on already): the
	 * standalone BSP takes its kicks and its own local APIC timer, which end a guest's
	 * turn, right after the exit they cause.
	 */
	cpu_sti();
	sched_loop(&cpus[0]);
	__atomic_store_n(&done, 1, __ATOMIC_RELEASE);
	for (u32 c = 1; c < cpu_count; c++)
		host_cpu_kick(c);
	if (cpus[0].timer)
		lapic_timer_stop();
	if (!(flags & X86_RFLAGS_IF))
		cpu_cli();
	host_cpus_wait_finished(AP_FINISH_WAIT_US);
	for (u32 c = 1; c < cpu_count; c++)
		if (host_cpu_running(c))
			log_err("sched: CPU %u did not finish\n", c);
	if (cpus[0].fpu_owner)
		cpus[0].fpu_owner = NULL;
	if (!any)
		return;
	for (u32 c = 0; c < cpu_count; c++)
		if (cpus[c].state == CPU_READY)
			log_info("sched: CPU %u ran %llu slices, %llu exits\n", c,
				 (unsigned long long)cpus[c].slices, (unsigned long long)cpus[c].exits);
	log_info("all VMs have stopped\n");
}

/* The FPU state after INIT: FCW 0x37F, MXCSR 0x1F80, XCR0 = x87 (SDM 10.1 / 13.3). */
void sched_vcpu_init_fpu(struct vcpu *v)
{
	struct sched_cpu *me = sched_this_cpu();

	/*
	 * A vCPU restarted by INIT may own its CPU's FPU: its live state is dropped, the image
	 * loaded.  INIT is applied on the vCPU's own CPU (vcpu_apply_start_requests).
	 */
	if (me->fpu_owner == v)
		me->fpu_owner = NULL;
	memset(v->fpu, 0, sizeof(v->fpu));
	v->fpu[0] = 0x7f;
	v->fpu[1] = 0x03;
	v->fpu[24] = 0x80;
	v->fpu[25] = 0x1f;
	v->xcr0 = 1;
}
