/*
 * The VMRUN consistency checks of APM vol. 2, 15.5.1 ("Canonicalization and
 * Consistency Checks") and 15.20 (event injection), done in software so that a
 * VMEXIT_INVALID can name the rule the VMCB broke.  Run after a failed VMRUN,
 * and before every VMRUN in debug mode.  Pure: unit-tested on the host.
 */
#include "svm/svm.h"

#define CR0_HIGH_MASK 0xffffffff00000000ULL
#define DR_HIGH_MASK 0xffffffff00000000ULL
#define CR3_MBZ_LONG 0xfff0000000000000ULL	/* 63:52; 51:MAXPHYADDR checked separately */

static bool cpu_long_mode(const struct vmcb_save *s)
{
	return (s->efer & X86_EFER_LME) && (s->cr0 & X86_CR0_PG);
}

static const char *check_event(const struct vmcb *vmcb)
{
	u64 ev = vmcb->ctl.eventinj;
	u8 vector = SVM_EVENT_VECTOR(ev);

	if (!(ev & SVM_EVENT_VALID))
		return NULL;
	switch (SVM_EVENT_TYPE(ev)) {
	case SVM_EVENT_TYPE_INTR:
	case SVM_EVENT_TYPE_NMI:
	case SVM_EVENT_TYPE_SOFT_INT:
		return NULL;
	case SVM_EVENT_TYPE_EXCEPTION:
		if (vector == EXC_NMI)
			return "EVENTINJ: exception type with vector 2 (NMI)";
		/* Vector 31 is reserved too; QEMU's TCG refuses it as well. */
		if (vector >= 31)
			return "EVENTINJ: exception vector 31 or above";
		/* 15.20: an event impossible in the guest's mode, e.g. #BR in 64-bit mode. */
		if (vector == EXC_BR && (vmcb->save.efer & X86_EFER_LMA) &&
		    (vmcb->save.cs.attrib & SVM_ATTR_L))
			return "EVENTINJ: #BR in 64-bit mode";
		return NULL;
	}
	return "EVENTINJ: reserved event type";
}

const char *svm_check_vmcb(const struct vmcb *vmcb, const struct svm_check_env *env)
{
	const struct vmcb_save *s = &vmcb->save;
	const struct vmcb_control *c = &vmcb->ctl;
	u64 phys_limit = env->phys_bits >= 64 ? ~0ULL : (1ULL << env->phys_bits);

	if (!(s->efer & X86_EFER_SVME))
		return "EFER.SVME is clear";
	if ((s->cr0 & X86_CR0_NW) && !(s->cr0 & X86_CR0_CD))
		return "CR0.NW set without CR0.CD";
	if (s->cr0 & CR0_HIGH_MASK)
		return "CR0 bits 63:32 not zero";
	if ((s->cr3 & CR3_MBZ_LONG) || (env->phys_bits < 52 && (s->cr3 >> env->phys_bits)))
		return "CR3 reserved bits set (above the physical address width)";
	if (s->cr4 & ~env->cr4_allowed)
		return "CR4 reserved bits set";
	if (s->dr6 & DR_HIGH_MASK)
		return "DR6 bits 63:32 not zero";
	if (s->dr7 & DR_HIGH_MASK)
		return "DR7 bits 63:32 not zero";
	if (s->efer & ~env->efer_allowed)
		return "EFER reserved (MBZ) bits set";
	if ((s->efer & (X86_EFER_LME | X86_EFER_LMA)) && !env->long_mode)
		return "EFER.LME or EFER.LMA set on a CPU without long mode";
	if (cpu_long_mode(s) && !(s->cr4 & X86_CR4_PAE))
		return "EFER.LME and CR0.PG set with CR4.PAE clear";
	if (cpu_long_mode(s) && !(s->cr0 & X86_CR0_PE))
		return "EFER.LME and CR0.PG set with CR0.PE clear";
	if (cpu_long_mode(s) && (s->cr4 & X86_CR4_PAE) && (s->cs.attrib & SVM_ATTR_L) &&
	    (s->cs.attrib & SVM_ATTR_DB))
		return "long mode with both CS.L and CS.D set";
	if (!(c->intercept_misc2 & SVM_INT2_VMRUN))
		return "VMRUN intercept clear";
	/* Bits 11:0 of both bases are ignored (15.10.1, 15.11). */
	if ((c->msrpm_base_pa & ~0xfffULL) + SVM_MSRPM_SIZE - 1 >= phys_limit)
		return "MSRPM extends beyond the physical address width";
	if ((c->iopm_base_pa & ~0xfffULL) + SVM_IOPM_SIZE - 1 >= phys_limit)
		return "IOPM extends beyond the physical address width";
	if (c->asid == 0)
		return "ASID 0 (the host's)";
	if ((c->np_control & SVM_NP_ENABLE) && !env->npt)
		return "NP_ENABLE set on a CPU without nested paging";
	if ((c->np_control & SVM_NP_ENABLE) && (c->n_cr3 & ~0xfffULL) >= phys_limit)
		return "N_CR3 beyond the physical address width";
	if ((c->vintr & SVM_VINTR_NMI_ENABLE) && !(c->intercept_misc1 & SVM_INT1_NMI))
		return "V_NMI_ENABLE without the NMI intercept";
	return check_event(vmcb);
}
