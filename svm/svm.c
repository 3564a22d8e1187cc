/*
 * The AMD-V back-end: svm_ops (vm/vendor.h) on VMRUN with nested paging,
 * following APM vol. 2, chapter 15 (Secure Virtual Machine).
 */
#include "svm/svm.h"
#include "svm/svm_caps.h"
#include "vm/vm.h"
#include "arch/x86/cpu.h"
#include "host/host.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/string.h"

#define SVM_MAX_CPUS 256

/* CPUID 8000_000Ah EDX (APM vol. 3, E.4.9). */
#define SVM_FEATURE_NP BIT(0)
#define SVM_FEATURE_NRIP BIT(3)
#define SVM_FEATURE_VMCB_CLEAN BIT(5)
#define SVM_FEATURE_FLUSH_BY_ASID BIT(6)
#define SVM_FEATURE_DECODE_ASSISTS BIT(7)

/* CPUID 8000_0001h EDX. */
#define CPUID_EXT_PAGE1GB BIT(26)
#define CPUID_EXT_LM BIT(29)

/* EFER bits that are not MBZ (APM vol. 2, 3.1.7). */
#define EFER_DEFINED (X86_EFER_SCE | X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE |	\
		      X86_EFER_SVME | BIT(13) /* LMSLE */ | BIT(14) /* FFXSR */ |	\
		      BIT(15) /* TCE */ | BIT(17) /* MCOMMIT */ | BIT(18) /* INTWB */ |	\
		      BIT(20) /* UAIE */ | BIT(21) /* AIBRSE */)

/* What every CPU offers, read by the first svm_cpu_enable(). */
static struct {
	bool ready;
	u32 asids;
	bool nrip, clean_bits, flush_by_asid, decode_assists;
	bool tcg;		/* QEMU's TCG (CPUID 4000_0000h): see svm_vcpu_run */
	struct svm_check_env env;
} svm_host;

/* Per CPU: VM_HSAVE_PA (15.30.4) and, in the next page, the host's VMSAVE area. */
static u64 svm_cpu_pages[SVM_MAX_CPUS];
/* The same, allocated on the BSP by svm_cpu_prepare() for a CPU not yet enabled. */
static u64 svm_cpu_prepared[SVM_MAX_CPUS];

_Static_assert(sizeof(struct svm_vcpu) <= PAGE_SIZE, "struct svm_vcpu fits its page");

static u64 cr4_implemented(void)
{
	u32 max = cpuid(0, 0).eax;
	struct cpuid_regs l1 = cpuid(1, 0), l7 = { 0 };
	u64 cr4 = 0x7ff;	/* VME .. OSXMMEXCPT */

	if (max >= 7)
		l7 = cpuid(7, 0);
	if (l7.ecx & BIT(2))
		cr4 |= BIT(11);		/* UMIP */
	if (l7.ecx & BIT(16))
		cr4 |= X86_CR4_LA57;
	if (l7.ebx & BIT(0))
		cr4 |= BIT(16);		/* FSGSBASE */
	if (l1.ecx & BIT(17))
		cr4 |= BIT(17);		/* PCIDE */
	if (l1.ecx & BIT(26))
		cr4 |= BIT(18);		/* OSXSAVE */
	if (l7.ebx & BIT(7))
		cr4 |= X86_CR4_SMEP;
	if (l7.ebx & BIT(20))
		cr4 |= X86_CR4_SMAP;
	if (l7.ecx & BIT(3))
		cr4 |= X86_CR4_PKE;
	if (l7.ecx & BIT(7))
		cr4 |= BIT(23);		/* CET */
	return cr4;
}

static int svm_host_init(void)
{
	struct svm_caps caps;
	u32 ext_max = cpuid(0x80000000, 0).eax;
	u32 ext_edx = cpuid(0x80000001, 0).edx;

	svm_caps_read(&caps);
	if (!svm_caps_usable(&caps)) {
		log_err("AMD-V: cannot be used: %s\n", !caps.svm ? "no SVM" :
			caps.svmdis ? "disabled in VM_CR (firmware setting)" :
			!(caps.features & SVM_FEATURE_NP) ? "no nested paging" : "no guest ASIDs");
		return -ENODEV;
	}
	svm_host.asids = caps.asids;
	svm_host.nrip = caps.features & SVM_FEATURE_NRIP;
	svm_host.clean_bits = caps.features & SVM_FEATURE_VMCB_CLEAN;
	svm_host.flush_by_asid = caps.features & SVM_FEATURE_FLUSH_BY_ASID;
	svm_host.decode_assists = caps.features & SVM_FEATURE_DECODE_ASSISTS;
	svm_host.env.phys_bits = ext_max >= 0x80000008 ? (u8)cpuid(0x80000008, 0).eax : 36;
	svm_host.env.long_mode = ext_edx & CPUID_EXT_LM;
	svm_host.env.npt = true;
	if (cpuid(1, 0).ecx & BIT(31)) {
		struct cpuid_regs h = cpuid(0x40000000, 0);

		svm_host.tcg = h.ebx == 0x54474354 && h.ecx == 0x43544743 && h.edx == 0x47435447;
	}
	svm_host.env.cr4_allowed = cr4_implemented();
	svm_host.env.efer_allowed = EFER_DEFINED;
	svm_ops.stage2_flags = STAGE2_ALLOW_2M | ((ext_edx & CPUID_EXT_PAGE1GB) ? STAGE2_ALLOW_1G : 0);
	svm_host.ready = true;
	log_info("AMD-V: %u ASIDs; NRIP-save %s, decode assists %s, VMCB clean bits %s, "
		 "flush by ASID %s, 1 GiB nested pages %s\n", caps.asids,
		 svm_host.nrip ? "yes" : "no", svm_host.decode_assists ? "yes" : "no",
		 svm_host.clean_bits ? "yes" : "no", svm_host.flush_by_asid ? "yes" : "no",
		 (svm_ops.stage2_flags & STAGE2_ALLOW_1G) ? "yes" : "no");
	if (svm_host.tcg)
		log_info("AMD-V: QEMU's TCG: each external interrupt injected is followed by an "
			 "exit, so that QEMU cannot deliver it twice\n");
	return 0;
}

/* 15.4: EFER.SVME on, and a host save area for VMRUN (VM_HSAVE_PA, 15.30.4). */
static int svm_cpu_enable(void)
{
	u32 cpu = host_cpu_index();
	struct svm_caps caps;
	u64 pages;
	int err;

	if (!svm_host.ready) {
		err = svm_host_init();
		if (err)
			return err;
	} else {
		svm_caps_read(&caps);
		if (!svm_caps_usable(&caps)) {
			log_err("AMD-V: CPU %u cannot use SVM\n", cpu);
			return -ENODEV;
		}
	}
	if (cpu >= SVM_MAX_CPUS)
		return -ENOSPC;
	if (svm_cpu_pages[cpu])
		return 0;
	pages = svm_cpu_prepared[cpu];
	svm_cpu_prepared[cpu] = 0;
	if (!pages)
		pages = host_pages_alloc(2);
	if (!pages)
		return -ENOMEM;
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | X86_EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, pages);
	svm_cpu_pages[cpu] = pages;
	log_debug("AMD-V: enabled on CPU %u, host save area %llx\n", cpu,
		  (unsigned long long)pages);
	return 0;
}

static int svm_cpu_prepare(u32 cpu)
{
	if (cpu >= SVM_MAX_CPUS)
		return -ENOSPC;
	if (!svm_cpu_pages[cpu] && !svm_cpu_prepared[cpu])
		svm_cpu_prepared[cpu] = host_pages_alloc(2);
	return svm_cpu_pages[cpu] || svm_cpu_prepared[cpu] ? 0 : -ENOMEM;
}

static void svm_cpu_disable(void)
{
	u32 cpu = host_cpu_index();

	if (cpu >= SVM_MAX_CPUS || !svm_cpu_pages[cpu])
		return;
	wrmsr(MSR_VM_HSAVE_PA, 0);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) & ~X86_EFER_SVME);
	host_pages_free(svm_cpu_pages[cpu], 2);
	svm_cpu_pages[cpu] = 0;
}

static void svm_free(struct svm_vcpu *svm)
{
	host_pages_free(svm->msrpm_pa, SVM_MSRPM_SIZE / PAGE_SIZE);
	host_pages_free(svm->iopm_pa, SVM_IOPM_SIZE / PAGE_SIZE);
	host_pages_free(svm->vmcb_pa, 1);
	host_pages_free((u64)(uintptr_t)svm, 1);
}

static void svm_vcpu_destroy(struct vcpu *vcpu)
{
	if (!vcpu->arch)
		return;
	svm_free(vcpu->arch);
	vcpu->arch = NULL;
}

static void svm_set_sregs(struct vcpu *vcpu, const struct vcpu_sregs *sregs)
{
	struct svm_vcpu *svm = vcpu->arch;

	svm_vmcb_set_sregs(svm->vmcb, sregs, vcpu->rflags);
	/* Segments, CRs, EFER, G_PAT and V_TPR all changed: reload everything. */
	svm->vmcb->ctl.clean = 0;
	svm->snapshot_due = true;
}

static void svm_get_sregs(struct vcpu *vcpu, struct vcpu_sregs *sregs)
{
	struct svm_vcpu *svm = vcpu->arch;

	svm_vmcb_get_sregs(svm->vmcb, sregs);
}

static int svm_vcpu_create(struct vcpu *vcpu)
{
	struct svm_vcpu *svm;
	struct svm_control_params p;
	struct vmcb *vmcb;
	u64 page;

	if (!svm_host.ready)
		return -ENODEV;
	/* 15.16: ASID 0 is the host's; the CPU has asids of them in all. */
	if (vcpu->asid == 0 || vcpu->asid >= svm_host.asids) {
		log_printf(LOG_ERROR, vcpu->vm->name,
			   "vCPU %u: ASID %u is outside this CPU's guest ASIDs 1..%u\n", vcpu->id,
			   vcpu->asid, svm_host.asids - 1);
		return -ENOSPC;
	}
	page = host_pages_alloc(1);
	if (!page)
		return -ENOMEM;
	svm = (struct svm_vcpu *)(uintptr_t)page;
	svm->vmcb_pa = host_pages_alloc(1);
	svm->iopm_pa = host_pages_alloc(SVM_IOPM_SIZE / PAGE_SIZE);
	svm->msrpm_pa = host_pages_alloc(SVM_MSRPM_SIZE / PAGE_SIZE);
	if (!svm->vmcb_pa || !svm->iopm_pa || !svm->msrpm_pa) {
		svm_free(svm);
		return -ENOMEM;
	}
	vmcb = svm->vmcb = (struct vmcb *)(uintptr_t)svm->vmcb_pa;
	svm_iopm_init((u8 *)(uintptr_t)svm->iopm_pa);
	svm_msrpm_init((u8 *)(uintptr_t)svm->msrpm_pa);

	p = (struct svm_control_params){
		.iopm_pa = svm->iopm_pa,
		.msrpm_pa = svm->msrpm_pa,
		.asid = vcpu->asid,
		.n_cr3 = stage2_pointer(&vcpu->vm->stage2),
		.tsc_offset = vcpu->tsc_offset,
	};
	svm_vmcb_init_control(vmcb, &p);
	svm->tsc_offset = vcpu->tsc_offset;
	vcpu->arch = svm;
	svm_set_sregs(vcpu, &vcpu->sregs);
	vmcb->save.rip = vcpu->rip;
	vmcb->save.rflags = vcpu->rflags | X86_RFLAGS_FIXED;
	return 0;
}

/* Whether the CPU pushes the event's return address from NRIP (INTn, INT3, INTO). */
static bool event_is_soft(u64 ev)
{
	u8 type = SVM_EVENT_TYPE(ev), vector = SVM_EVENT_VECTOR(ev);

	return type == SVM_EVENT_TYPE_SOFT_INT ||
	       (type == SVM_EVENT_TYPE_EXCEPTION && (vector == EXC_BP || vector == EXC_OF));
}

/*
 * 15.7.2: an event whose delivery the #VMEXIT interrupted is reported in
 * EXITINTINFO and must be injected again.  EVENTINJ itself is done with
 * (delivered, or now in EXITINTINFO), so it is cleared first.
 */
static void svm_requeue_event(struct svm_vcpu *svm)
{
	struct vmcb_control *c = &svm->vmcb->ctl;
	u64 info = c->exitintinfo;
	bool ours = (svm->injected & SVM_EVENT_VALID) &&
		    ((svm->injected ^ info) & 0x7ff) == 0;

	c->eventinj = 0;
	if (!(info & SVM_EVENT_VALID))
		return;
	switch (SVM_EVENT_TYPE(info)) {
	case SVM_EVENT_TYPE_INTR:
	case SVM_EVENT_TYPE_NMI:
	case SVM_EVENT_TYPE_EXCEPTION:
		/*
		 * The guest's own INT3/INTO/INTn: RIP still points at the
		 * instruction, which simply runs again.  Events we injected had
		 * RIP moved past the instruction already and go in again.
		 */
		if (event_is_soft(info) && !ours)
			return;
		break;
	case SVM_EVENT_TYPE_SOFT_INT:
		if (!ours)
			return;
		break;
	default:
		return;
	}
	c->eventinj = info & (0x7ffULL | SVM_EVENT_EV | SVM_EVENT_VALID |
			      ((info & SVM_EVENT_EV) ? 0xffffffff00000000ULL : 0));
}

/* After a failed VMRUN: put back what went in, and name the check it broke. */
static void svm_vmrun_failed(struct vcpu *vcpu, struct svm_vcpu *svm, u64 vintr, u64 int_state,
			     struct vm_exit *exit)
{
	struct vmcb *vmcb = svm->vmcb;
	const char *what;
	bool rewritten;

	/* QEMU's TCG overwrites the save area and some control fields on a failed VMRUN. */
	rewritten = svm->snapshot_valid && memcmp(&vmcb->save, &svm->snapshot, sizeof(svm->snapshot));
	if (svm->snapshot_valid)
		vmcb->save = svm->snapshot;
	vmcb->save.rip = vcpu->rip;
	vmcb->save.rflags = vcpu->rflags | X86_RFLAGS_FIXED;
	vmcb->save.rsp = vcpu->gpr[GPR_RSP];
	vmcb->save.rax = vcpu->gpr[GPR_RAX];
	vmcb->ctl.eventinj = svm->injected;
	vmcb->ctl.vintr = vintr;
	vmcb->ctl.int_state = int_state;
	vmcb->ctl.clean = 0;
	what = svm->precheck ? svm->precheck : svm_check_vmcb(vmcb, &svm_host.env);
	exit->rip = vcpu->rip;
	exit->fail.code = (int)(u32)vmcb->ctl.exitcode;
	exit->fail.what = what ? what : "none of the software checks (see the VMCB dump)";
	log_printf(LOG_ERROR, vcpu->vm->name, "vCPU %u: VMRUN failed: %s%s\n", vcpu->id,
		   exit->fail.what, rewritten ? " (the CPU rewrote the save area; restored)" : "");
}

static void svm_set_interrupt_window(struct vcpu *vcpu, bool enable);

static int svm_vcpu_run(struct vcpu *vcpu, struct vm_exit *exit)
{
	struct svm_vcpu *svm = vcpu->arch;
	struct vmcb *vmcb = svm->vmcb;
	struct svm_exit_ctx ctx;
	u64 hsave, vintr, int_state;

	hsave = rdmsr(MSR_VM_HSAVE_PA);
	if (!hsave)
		return -ENODEV;		/* cpu_enable was not called on this CPU */
	/*
	 * Restarted by INIT and start-up IPI (vm.h: reset_pending): no event, interrupt shadow,
	 * NMI blocking or interrupt window of the old context survives; every register reloads.
	 */
	if (vcpu->reset_pending) {
		vmcb->ctl.eventinj = 0;
		vmcb->ctl.int_state = 0;
		svm_set_interrupt_window(vcpu, false);
		vcpu->sregs_dirty = true;
		vcpu->reset_pending = false;
	}
	if (vcpu->sregs_dirty) {
		svm_set_sregs(vcpu, &vcpu->sregs);
		vcpu->sregs_dirty = false;
	}
	/* Common code completed an instruction: its STI/MOV SS shadow is over (vendor.h). */
	if (vcpu->rip_dirty || vcpu->rip != vmcb->save.rip)
		vmcb->ctl.int_state &= ~SVM_INT_SHADOW;
	vmcb->save.rip = vcpu->rip;
	vmcb->save.rflags = vcpu->rflags | X86_RFLAGS_FIXED;
	vmcb->save.rsp = vcpu->gpr[GPR_RSP];
	vmcb->save.rax = vcpu->gpr[GPR_RAX];
	vcpu->rip_dirty = false;
	if (vcpu->tsc_offset != svm->tsc_offset) {
		vmcb->ctl.tsc_offset = svm->tsc_offset = vcpu->tsc_offset;
		vmcb->ctl.clean &= ~SVM_CLEAN_I;
	}
	/* 15.15.3: a VMCB that last ran on another CPU must be reloaded in full. */
	if (hsave != svm->last_hsave) {
		vmcb->ctl.clean = 0;
		svm->flush = true;
		svm->last_hsave = hsave;
	}
	if (svm->flush) {
		vmcb->ctl.tlb_control = svm_host.flush_by_asid ? SVM_TLB_CONTROL_FLUSH_ASID :
								 SVM_TLB_CONTROL_FLUSH_ALL;
		svm->flush = false;
	}
	if (!svm_host.clean_bits)
		vmcb->ctl.clean = 0;
	/* 15.20: soft events return to NRIP on CPUs that have it; RIP is already past them. */
	if (svm_host.nrip && (vmcb->ctl.eventinj & SVM_EVENT_VALID) && event_is_soft(vmcb->ctl.eventinj))
		vmcb->ctl.nrip = vmcb->save.rip;
	if (svm->snapshot_due) {
		svm->snapshot = vmcb->save;
		svm->snapshot_valid = true;
		svm->snapshot_due = false;
	}
	svm->precheck = NULL;
	if (log_enabled(LOG_DEBUG)) {
		svm->precheck = svm_check_vmcb(vmcb, &svm_host.env);
		if (svm->precheck)
			log_printf(LOG_WARN, vcpu->vm->name, "vCPU %u: VMRUN consistency check fails: %s\n",
				   vcpu->id, svm->precheck);
	}
	svm->injected = vmcb->ctl.eventinj;
	vintr = vmcb->ctl.vintr;
	int_state = vmcb->ctl.int_state;

	/*
	 * QEMU's TCG (7.2) delivers an external interrupt from EVENTINJ inside VMRUN but keeps
	 * its vector as the CPU's pending exception.  When QEMU next returns to its main loop
	 * (its instruction budget spent, another CPU's turn) before an intercept or another
	 * event has replaced it, it delivers the vector a second time, whatever the guest's IF.
	 * Linux then enters its interrupt code again a few instructions into the first entry,
	 * still on the entry stack with the user's GS, and dies of recursive page faults.  A
	 * host interrupt pending at VMRUN makes the INTR intercept exit right after the
	 * delivery, which drops the stale vector.  GIF holds the IPI until then.
	 */
	if (svm_host.tcg && (vmcb->ctl.eventinj & SVM_EVENT_VALID) &&
	    SVM_EVENT_TYPE(vmcb->ctl.eventinj) == SVM_EVENT_TYPE_INTR) {
		asm volatile("clgi" ::: "memory");
		host_cpu_kick_self();
	}

	svm_vmrun(svm->vmcb_pa, vcpu->gpr, hsave + PAGE_SIZE);

	vmcb->ctl.tlb_control = SVM_TLB_CONTROL_NOTHING;
	ctx = (struct svm_exit_ctx){
		.vmcb = vmcb,
		.gpr = vcpu->gpr,
		.nrip = svm_host.nrip,
		.decode_assists = svm_host.decode_assists,
	};
	svm_exit_decode(&ctx, exit);
	if (exit->kind == VM_EXIT_INVALID_STATE) {
		svm_vmrun_failed(vcpu, svm, vintr, int_state, exit);
		return 0;
	}
	vcpu->gpr[GPR_RAX] = vmcb->save.rax;
	vcpu->gpr[GPR_RSP] = vmcb->save.rsp;
	vcpu->rip = vmcb->save.rip;
	vcpu->rflags = vmcb->save.rflags;
	vcpu->sregs_valid = false;
	svm->snapshot_valid = false;
	vmcb->ctl.clean = svm_host.clean_bits ? SVM_CLEAN_ALL : 0;
	if (vmcb->ctl.exitintinfo & SVM_EVENT_VALID)
		vcpu_trace(vcpu, 'E', vcpu->rip, (u32)vmcb->ctl.exitintinfo);
	svm_requeue_event(svm);
	if (vmcb->ctl.eventinj & SVM_EVENT_VALID)
		vcpu_trace(vcpu, 'Q', vcpu->rip, (u32)vmcb->ctl.eventinj);
	if (vmcb->ctl.int_state & SVM_INT_SHADOW)
		vcpu_trace(vcpu, 'S', vcpu->rip, (u32)vmcb->ctl.int_state);

	switch (exit->reason) {
	case SVM_EXIT_INTR:
		/* The host's timer ends the time slice (vm.h: deadline_tsc). */
		if (vcpu->deadline_tsc && rdtsc() >= vcpu->deadline_tsc)
			exit->kind = VM_EXIT_PREEMPT;
		break;
	case SVM_EXIT_ICEBP:
		/*
		 * INT1 raises #DB as a trap after the instruction.  Without
		 * NRIP-save the length is taken as 1 (a prefixed F1 is legal but
		 * would run once more; only the guest is affected).
		 */
		vcpu->rip += exit->insn_len ? exit->insn_len : 1;
		if (!(vmcb->ctl.eventinj & SVM_EVENT_VALID))
			vmcb->ctl.eventinj = EXC_DB | ((u64)SVM_EVENT_TYPE_EXCEPTION << 8) |
					     SVM_EVENT_VALID;
		break;
	}
	return 0;
}

/* 15.20: EVENTINJ; the error code only for vectors that push one, and not in real mode. */
static bool svm_inject_event(struct vcpu *vcpu, const struct vcpu_event *ev)
{
	struct svm_vcpu *svm = vcpu->arch;
	struct vmcb_control *c = &svm->vmcb->ctl;
	u64 cr0 = vcpu->sregs_dirty ? vcpu->sregs.cr0 : svm->vmcb->save.cr0;
	u8 vector = ev->vector;
	u64 type, e;

	if (c->eventinj & SVM_EVENT_VALID)
		return false;
	switch (ev->type) {
	case VCPU_EVENT_EXT_INT:
		type = SVM_EVENT_TYPE_INTR;
		break;
	case VCPU_EVENT_NMI:
		type = SVM_EVENT_TYPE_NMI;
		vector = EXC_NMI;
		break;
	case VCPU_EVENT_EXCEPTION:
		if (vector >= 32 || vector == EXC_NMI)
			return false;
		type = SVM_EVENT_TYPE_EXCEPTION;
		break;
	case VCPU_EVENT_SOFT_INT:
		if (ev->insn_len > VM_INSN_MAX)
			return false;
		type = SVM_EVENT_TYPE_SOFT_INT;
		/* The CPU pushes RIP (or NRIP): point it past the INTn. */
		vcpu->rip += ev->insn_len;
		vcpu->rip_dirty = true;
		break;
	default:
		return false;
	}
	e = vector | (type << 8) | SVM_EVENT_VALID;
	if (type == SVM_EVENT_TYPE_EXCEPTION && svm_vector_has_error(vector) && (cr0 & X86_CR0_PE))
		e |= SVM_EVENT_EV | ((u64)ev->error_code << 32);
	c->eventinj = e;
	return true;
}

/* The shadow ends with the instruction, which common code may have completed. */
static bool svm_interrupt_shadow(struct vcpu *vcpu)
{
	const struct vmcb *vmcb = ((struct svm_vcpu *)vcpu->arch)->vmcb;

	return (vmcb->ctl.int_state & SVM_INT_SHADOW) && !vcpu->rip_dirty &&
	       vcpu->rip == vmcb->save.rip;
}

/* The guest's GIF is always set: CLGI is intercepted and raises #UD. */
static bool svm_interrupt_allowed(struct vcpu *vcpu)
{
	const struct vmcb *vmcb = ((struct svm_vcpu *)vcpu->arch)->vmcb;

	return (vcpu->rflags & X86_RFLAGS_IF) && !svm_interrupt_shadow(vcpu) &&
	       !(vmcb->ctl.eventinj & SVM_EVENT_VALID);
}

/*
 * 15.21.4: a virtual interrupt (V_IRQ, priority ignored) with the VINTR
 * intercept exits exactly when the guest becomes able to take it.  Both go
 * together: V_IRQ without the intercept would deliver vector V_INTR_VECTOR.
 */
static void svm_set_interrupt_window(struct vcpu *vcpu, bool enable)
{
	struct svm_vcpu *svm = vcpu->arch;
	struct vmcb_control *c = &svm->vmcb->ctl;

	c->vintr &= ~(SVM_VINTR_IRQ | SVM_VINTR_IGN_TPR | SVM_VINTR_PRIO_MASK |
		      (0xffULL << SVM_VINTR_VECTOR_SHIFT));
	c->intercept_misc1 &= ~SVM_INT1_VINTR;
	if (enable) {
		c->vintr |= SVM_VINTR_IRQ | SVM_VINTR_IGN_TPR;
		c->intercept_misc1 |= SVM_INT1_VINTR;
	}
	svm->window = enable;
	c->clean &= ~(SVM_CLEAN_I | SVM_CLEAN_TPR);
}

/*
 * 15.16.2: flush this vCPU's guest TLB entries at the next VMRUN.  TCG
 * flushes on every VMRUN and ignores this; hardware does not.
 */
static void svm_stage2_flush(struct vcpu *vcpu)
{
	struct svm_vcpu *svm = vcpu->arch;

	svm->flush = true;
	svm->vmcb->ctl.clean &= ~SVM_CLEAN_NP;
}

static void svm_dump(struct vcpu *vcpu)
{
	struct svm_vcpu *svm = vcpu->arch;

	log_raw("AMD-V vCPU %u: VMCB %llx, ASID %u, last host save area %llx, window %s\n",
		vcpu->id, (unsigned long long)svm->vmcb_pa, svm->vmcb->ctl.asid,
		(unsigned long long)svm->last_hsave, svm->window ? "requested" : "off");
	svm_dump_vmcb(svm->vmcb);
}

struct vendor_ops svm_ops = {
	.name = "AMD-V",
	.stage2_format = STAGE2_NPT,
	.stage2_flags = STAGE2_ALLOW_2M,	/* plus STAGE2_ALLOW_1G: svm_host_init() */
	.cpu_prepare = svm_cpu_prepare,
	.cpu_enable = svm_cpu_enable,
	.cpu_disable = svm_cpu_disable,
	.vcpu_create = svm_vcpu_create,
	.vcpu_destroy = svm_vcpu_destroy,
	.vcpu_run = svm_vcpu_run,
	.get_sregs = svm_get_sregs,
	.set_sregs = svm_set_sregs,
	.inject_event = svm_inject_event,
	.interrupt_allowed = svm_interrupt_allowed,
	.interrupt_shadow = svm_interrupt_shadow,
	.set_interrupt_window = svm_set_interrupt_window,
	.stage2_flush = svm_stage2_flush,
	.dump = svm_dump,
	.exit_table = svm_exit_table,
	.exit_table_size = SVM_EXIT_TABLE_SIZE,
};
