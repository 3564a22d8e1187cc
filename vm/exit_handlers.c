/* The common exit dispatcher: one handler per normalised exit kind, for both vendors. */
#include "vm/vm.h"
#include "vm/hypercall.h"
#include "lib/log.h"

static void vm_handle_hlt(struct vcpu *v, struct vm_exit *exit)
{
	if (vcpu_skip_instruction(v, exit)) {
		vm_stop_with_dump(v, exit, "cannot decode HLT");
		return;
	}
	/*
	 * With interrupts off only an NMI or INIT from another vCPU can wake it (Linux parks
	 * CPUs that way while one of them powers off); when no other vCPU can run, none will.
	 */
	if (!(v->rflags & X86_RFLAGS_IF) && !v->lapic.nmi_pending) {
		bool others = false;

		for (u32 i = 0; i < v->vm->vcpu_count; i++) {
			struct vcpu *o = v->vm->vcpus[i];

			if (o != v && (o->state == VCPU_RUNNABLE ||
				       (o->state == VCPU_HALTED && (o->rflags & X86_RFLAGS_IF))))
				others = true;
		}
		if (!others) {
			vm_stop(v->vm, -1, "halted with interrupts disabled (vCPU %u, RIP %llx)",
				v->id, (unsigned long long)v->rip);
			return;
		}
	}
	/* Other CPUs wake it with a compare-and-swap (vcpu_wake_if_pending). */
	vcpu_trace(v, 'H', v->rip, (u32)v->rflags);
	__atomic_store_n(&v->state, VCPU_HALTED, __ATOMIC_SEQ_CST);
}

static void vm_handle_exception(struct vcpu *v, struct vm_exit *exit)
{
	u8 vec = exit->exception.vector;

	switch (vec) {
	case EXC_MC:
		vm_stop_with_dump(v, exit, "machine check while the guest ran");
		return;
	case EXC_DB:
		/* VT-x leaves DR6 to the VMM (SDM 27.1): fold in what the exit reported. */
		if (exit->exception.aux) {
			struct vcpu_sregs *s = vcpu_sregs(v);

			s->dr6 = (s->dr6 & ~0xfULL) | (exit->exception.aux & 0x600f);
			vcpu_sregs_changed(v);
		}
		break;
	case EXC_UD:
		/* The other vendor's hypercall instruction works too (docs/hypercalls.md). */
		if (hypercall_handle_ud(v))
			return;
		break;
	case EXC_PF:
		vcpu_inject_page_fault(v, exit->exception.aux, exit->exception.error_code);
		return;
	default:
		break;
	}
	/* Intercepted only to stay in control (#UD, #AC, #DB): give it back to the guest. */
	vcpu_inject_exception(v, vec, exit->exception.has_error, exit->exception.error_code);
}

static void vm_skip(struct vcpu *v, struct vm_exit *exit)
{
	if (vcpu_skip_instruction(v, exit))
		vm_stop_with_dump(v, exit, "cannot decode the exiting instruction");
}

void vm_handle_exit(struct vcpu *v, struct vm_exit *exit)
{
	struct vm *vm = v->vm;

	if (exit->table_index < VM_EXIT_COUNTERS)
		vm->exit_counts[exit->table_index]++;
	if ((unsigned)exit->kind < VM_EXIT_KIND_COUNT)
		vm->kind_counts[exit->kind]++;
	v->exits++;

	switch (exit->kind) {
	case VM_EXIT_NONE:
	case VM_EXIT_INTR:
	case VM_EXIT_NMI:
	case VM_EXIT_PREEMPT:
		break;
	case VM_EXIT_CPUID:
		vm_handle_cpuid(v, exit);
		break;
	case VM_EXIT_MSR_READ:
	case VM_EXIT_MSR_WRITE:
		vm_handle_msr(v, exit);
		break;
	case VM_EXIT_IO:
		vm_handle_io(v, exit);
		break;
	case VM_EXIT_STAGE2:
		vm_handle_stage2(v, exit);
		break;
	case VM_EXIT_CR_ACCESS:
		vm_handle_cr(v, exit);
		break;
	case VM_EXIT_HLT:
		vm_handle_hlt(v, exit);
		break;
	case VM_EXIT_HYPERCALL:
		hypercall_handle(v, exit);
		break;
	case VM_EXIT_EXCEPTION:
		vm_handle_exception(v, exit);
		break;
	case VM_EXIT_INTR_WINDOW:
		/* Stop asking; the scheduler injects the pending vector before the next entry. */
		vendor->set_interrupt_window(v, false);
		break;
	case VM_EXIT_XSETBV:
		vm_handle_xsetbv(v, exit);
		break;
	case VM_EXIT_INVD:
	case VM_EXIT_INVLPG:
	case VM_EXIT_PAUSE:
		/* Caches and TLBs are the host's; PAUSE only gives the slice away. */
		vm_skip(v, exit);
		break;
	case VM_EXIT_INJECT:
		vcpu_inject_exception(v, exit->inject.vector, exit->inject.has_error,
				      exit->inject.error_code);
		break;
	case VM_EXIT_SHUTDOWN:
		vm_stop_with_dump(v, exit, "triple fault (shutdown)");
		break;
	case VM_EXIT_INVALID_STATE:
		log_printf(LOG_ERROR, vm->name, "VM entry failed: %s (code %d)%s%s\n",
			   exit->name ? exit->name : "?", exit->fail.code,
			   exit->fail.what ? ", violated check: " : "",
			   exit->fail.what ? exit->fail.what : "");
		vm_stop_with_dump(v, exit, "VM entry failed (invalid guest state)");
		break;
	case VM_EXIT_DR_ACCESS:
		vm_stop_with_dump(v, exit, "debug-register access (not intercepted by design)");
		break;
	case VM_EXIT_NMI_WINDOW:
		vm_stop_with_dump(v, exit, "NMI window (NMIs are not delivered yet)");
		break;
	case VM_EXIT_TASK_SWITCH:
		vm_stop_with_dump(v, exit, "hardware task switch (not supported)");
		break;
	case VM_EXIT_STOP:
		vm_stop_with_dump(v, exit, exit->name ? exit->name : "unexpected exit");
		break;
	case VM_EXIT_KIND_COUNT:
	default:
		vm_stop_with_dump(v, exit, "exit of unknown kind");
		break;
	}
}
