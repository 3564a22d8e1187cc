/*
 * Control-register exits (VT-x: CR0/CR4 bits the guest may not own, CR8 without
 * a TPR shadow; AMD-V needs none with nested paging): validate as the CPU would
 * (SDM vol. 2 MOV—Move to/from Control Registers, vol. 3 2.5), then update the state.
 */
#include "vm/vm.h"
#include "arch/x86/cpu.h"
#include "arch/x86/decode.h"

#define CR4_ALLOWED (X86_CR4_VME | X86_CR4_PVI | BIT(2) | BIT(3) | X86_CR4_PSE | X86_CR4_PAE | \
		     BIT(6) | X86_CR4_PGE | BIT(8) | BIT(9) | BIT(10) | BIT(11) | BIT(16) | \
		     BIT(17) | BIT(18) | X86_CR4_SMEP | X86_CR4_SMAP | X86_CR4_PKE | X86_CR4_LA57)

/* CR4 bits this CPU (and so the guest's CPUID) has: the rest are reserved and raise #GP. */
static u64 cr_cr4_supported(void)
{
	struct cpuid_regs l1 = cpuid(1, 0), l7 = cpuid(0, 0).eax >= 7 ? cpuid(7, 0) :
					     (struct cpuid_regs){ 0 };
	u64 m = CR4_ALLOWED;

	if (!(l7.ebx & BIT(0)))
		m &= ~BIT(16);		/* FSGSBASE */
	if (!(l1.ecx & BIT(17)))
		m &= ~BIT(17);		/* PCIDE */
	if (!(l1.ecx & BIT(26)))
		m &= ~BIT(18);		/* OSXSAVE */
	if (!(l7.ebx & BIT(7)))
		m &= ~X86_CR4_SMEP;
	if (!(l7.ebx & BIT(20)))
		m &= ~X86_CR4_SMAP;
	if (!(l7.ecx & BIT(3)))
		m &= ~X86_CR4_PKE;
	if (!(l7.ecx & BIT(16)))
		m &= ~X86_CR4_LA57;
	if (!(l7.ecx & BIT(2)))
		m &= ~BIT(11);		/* UMIP */
	return m;
}

/* Returns 0, or -1 when the write raises #GP(0). */
static int cr_write(struct vcpu *v, u8 cr, u64 val)
{
	struct vcpu_sregs *s = vcpu_sregs(v);
	bool long_mode = s->efer & X86_EFER_LMA;

	switch (cr) {
	case 0:
		if ((val >> 32) || ((val & X86_CR0_PG) && !(val & X86_CR0_PE)) ||
		    ((val & X86_CR0_NW) && !(val & X86_CR0_CD)))
			return -1;
		/* Enabling paging with LME needs PAE; leaving it from 64-bit code is illegal. */
		if ((val & X86_CR0_PG) && !(s->cr0 & X86_CR0_PG) && (s->efer & X86_EFER_LME) &&
		    !(s->cr4 & X86_CR4_PAE))
			return -1;
		if (!(val & X86_CR0_PG) && long_mode && (s->seg[SEG_CS].ar & SEG_AR_L))
			return -1;
		s->cr0 = val | X86_CR0_ET;
		if ((val & X86_CR0_PG) && (s->efer & X86_EFER_LME))
			s->efer |= X86_EFER_LMA;
		else
			s->efer &= ~X86_EFER_LMA;
		break;
	case 3:
		if (long_mode && (val >> 52))
			return -1;
		s->cr3 = long_mode ? val : (u32)val;
		break;
	case 4:
		if (val & ~cr_cr4_supported())
			return -1;
		if (long_mode && !(val & X86_CR4_PAE))
			return -1;
		if (long_mode && ((val ^ s->cr4) & X86_CR4_LA57))
			return -1;
		s->cr4 = val;
		break;
	case 8:
		if (val > 15)
			return -1;
		s->cr8 = val;
		lapic_set_cr8(v, (u8)val);	/* CR8 is TPR[7:4] (SDM 10.8.6) */
		break;
	default:
		return -1;
	}
	vcpu_sregs_changed(v);
	return 0;
}

/* The GPR operand of MOV to/from CR: given by the exit, else ModRM.rm of 0F 20/22. */
static int cr_operand(struct vcpu *v, struct vm_exit *exit)
{
	struct x86_insn insn;

	if (exit->cr.gpr >= 0)
		return exit->cr.gpr;
	if (vcpu_decode(v, &insn) || insn.map != X86_MAP_0F ||
	    (insn.opcode != 0x20 && insn.opcode != 0x22))
		return -1;
	return insn.rm;
}

void vm_handle_cr(struct vcpu *v, struct vm_exit *exit)
{
	struct vcpu_sregs *s = vcpu_sregs(v);
	u8 cr = exit->cr.cr;
	int gpr;
	u64 val;

	switch (exit->cr.type) {
	case VM_CR_CLTS:
		s->cr0 &= ~X86_CR0_TS;
		vcpu_sregs_changed(v);
		break;
	case VM_CR_LMSW:
		/* LMSW sets PE but never clears it, and touches only MP/EM/TS (SDM LMSW). */
		val = (s->cr0 & ~0xeULL) | (exit->cr.lmsw_value & 0xf) | (s->cr0 & X86_CR0_PE);
		if (cr_write(v, 0, val)) {
			vcpu_inject_exception(v, EXC_GP, true, 0);
			return;
		}
		break;
	case VM_CR_MOV:
		gpr = cr_operand(v, exit);
		if (gpr < 0 || gpr >= GPR_COUNT) {
			vm_stop_with_dump(v, exit, "cannot decode MOV to/from CR");
			return;
		}
		if (exit->cr.write) {
			val = v->gpr[gpr];
			if (vcpu_code_size(v) != 8)
				val = (u32)val;
			if (cr_write(v, cr, val)) {
				vcpu_inject_exception(v, EXC_GP, true, 0);
				return;
			}
		} else {
			switch (cr) {
			case 0: val = s->cr0; break;
			case 2: val = s->cr2; break;
			case 3: val = s->cr3; break;
			case 4: val = s->cr4; break;
			case 8: val = lapic_get_cr8(v); break;
			default:
				vcpu_inject_exception(v, EXC_UD, false, 0);
				return;
			}
			v->gpr[gpr] = vcpu_code_size(v) == 8 ? val : (u32)val;
		}
		break;
	default:
		vm_stop_with_dump(v, exit, "unknown control-register access type");
		return;
	}
	if (vcpu_skip_instruction(v, exit))
		vm_stop_with_dump(v, exit, "cannot decode the control-register instruction");
}
