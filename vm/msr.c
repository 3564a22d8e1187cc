/*
 * Intercepted RDMSR/WRMSR: the MSRs a guest may use are emulated here (or kept
 * in the VMCS/VMCB state); every other MSR raises #GP(0), as on a CPU without it.
 */
#include "vm/vm.h"
#include "vm/msr.h"
#include "arch/x86/cpu.h"
#include "lib/log.h"

#define MSR_TSC 0x10
#define MSR_TSC_ADJUST 0x3b
#define MSR_FEATURE_CONTROL 0x3a
#define MSR_BIOS_SIGN_ID 0x8b
#define MSR_MTRRCAP 0xfe
#define MSR_SYSENTER_CS 0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define MSR_MCG_CAP 0x179
#define MSR_MCG_STATUS 0x17a
#define MSR_MISC_ENABLE 0x1a0
#define MSR_MTRR_PHYS_FIRST 0x200
#define MSR_MTRR_PHYS_LAST 0x20f
#define MSR_MTRR_FIX64K 0x250
#define MSR_MTRR_FIX16K_80000 0x258
#define MSR_MTRR_FIX16K_A0000 0x259
#define MSR_MTRR_FIX4K_FIRST 0x268
#define MSR_MTRR_FIX4K_LAST 0x26f
#define MSR_PAT 0x277
#define MSR_MTRR_DEF_TYPE 0x2ff
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_SFMASK 0xc0000084
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102
#define MSR_TSC_AUX 0xc0000103
#define MSR_AMD_VM_CR 0xc0010114
#define MSR_AMD_SYSCFG 0xc0010010
#define MSR_AMD_NB_CFG 0xc001001f
#define MSR_AMD_HWCR 0xc0010015
#define HWCR_TSC_FREQ_SEL BIT(24)	/* the TSC counts at the P0 frequency */

#define MTRR_VAR_COUNT 8

/* TSC_AUX exists with RDTSCP (CPUID 0x80000001 EDX[27]) or RDPID (leaf 7 ECX[22]). */
bool msr_has_tsc_aux(void)
{
	return (cpuid(0x80000001, 0).edx & BIT(27)) ||
	       (cpuid(0, 0).eax >= 7 && (cpuid(7, 0).ecx & BIT(22)));
}

static bool msr_canonical(u64 v)
{
	return (u64)((s64)(v << 16) >> 16) == v;
}

static bool msr_pat_valid(u64 v)
{
	for (int i = 0; i < 8; i++) {
		u8 t = (v >> (i * 8)) & 0xff;

		if (t != 0 && t != 1 && t != 4 && t != 5 && t != 6 && t != 7)
			return false;
	}
	return true;
}

static int msr_fixed_index(u32 msr)
{
	if (msr == MSR_MTRR_FIX64K)
		return 0;
	if (msr == MSR_MTRR_FIX16K_80000 || msr == MSR_MTRR_FIX16K_A0000)
		return 1 + (msr - MSR_MTRR_FIX16K_80000);
	if (msr >= MSR_MTRR_FIX4K_FIRST && msr <= MSR_MTRR_FIX4K_LAST)
		return 3 + (msr - MSR_MTRR_FIX4K_FIRST);
	return -1;
}

static u64 *msr_sreg(struct vcpu_sregs *s, u32 msr)
{
	switch (msr) {
	case MSR_SYSENTER_CS: return &s->sysenter_cs;
	case MSR_SYSENTER_ESP: return &s->sysenter_esp;
	case MSR_SYSENTER_EIP: return &s->sysenter_eip;
	case MSR_STAR: return &s->star;
	case MSR_LSTAR: return &s->lstar;
	case MSR_CSTAR: return &s->cstar;
	case MSR_SFMASK: return &s->sfmask;
	case MSR_FS_BASE: return &s->seg[SEG_FS].base;
	case MSR_GS_BASE: return &s->seg[SEG_GS].base;
	case MSR_KERNEL_GS_BASE: return &s->kernel_gs_base;
	case MSR_PAT: return &s->pat;
	default: return NULL;
	}
}

/* Returns 0 and *val, or -1 for #GP. */
static bool msr_host_amd(void)
{
	return cpuid(0, 0).ebx == 0x68747541;	/* "Auth" */
}

static int msr_read(struct vcpu *v, u32 msr, u64 *val)
{
	struct vcpu_sregs *s = vcpu_sregs(v);
	u64 *reg = msr_sreg(s, msr);
	int fixed = msr_fixed_index(msr);

	if (reg) {
		*val = *reg;
		return 0;
	}
	/* APIC_BASE, TSC_DEADLINE and the x2APIC registers (devices/lapic.c). */
	if (lapic_msr_owned(msr))
		return lapic_msr_read(v, msr, val);
	if (fixed >= 0) {
		*val = v->mtrr_fixed[fixed];
		return 0;
	}
	if (msr >= MSR_MTRR_PHYS_FIRST && msr <= MSR_MTRR_PHYS_LAST) {
		*val = v->mtrr_var[msr - MSR_MTRR_PHYS_FIRST];
		return 0;
	}
	switch (msr) {
	case MSR_TSC:
		*val = rdtsc() + v->tsc_offset;
		return 0;
	case MSR_TSC_ADJUST:
		*val = v->tsc_adjust;
		return 0;
	case MSR_EFER:
		*val = s->efer;
		return 0;
	case MSR_TSC_AUX:
		if (!msr_has_tsc_aux())
			return -1;
		*val = v->tsc_aux;
		return 0;
	case MSR_FEATURE_CONTROL:
		*val = BIT(0);		/* locked, VMX off: no nested virtualization */
		return 0;
	case MSR_BIOS_SIGN_ID:
		*val = 0;
		return 0;
	case MSR_MTRRCAP:
		*val = MTRR_VAR_COUNT | BIT(8) | BIT(10);	/* fixed ranges, WC */
		return 0;
	case MSR_MTRR_DEF_TYPE:
		*val = v->mtrr_def_type;
		return 0;
	case MSR_MISC_ENABLE:
		*val = BIT(0);		/* fast strings */
		return 0;
	case MSR_MCG_CAP:
		/*
		 * CPUID keeps MCE/MCA (a kernel reads these two without a fixup), but the
		 * machine-check architecture has no error-reporting banks and no MCG_CTL.
		 */
		*val = 0;
		return 0;
	case MSR_MCG_STATUS:
		*val = 0;
		return 0;
	case MSR_AMD_VM_CR:
		if (!msr_host_amd())
			return -1;
		*val = BIT(3) | BIT(4);	/* SVM disabled and locked */
		return 0;
	case MSR_AMD_SYSCFG:
		/* No memory encryption, no DRAM modification bits (Linux reads it unchecked). */
		if (!msr_host_amd())
			return -1;
		*val = 0;
		return 0;
	case MSR_AMD_NB_CFG:
		if (!msr_host_amd())
			return -1;
		*val = v->vm->nb_cfg;
		return 0;
	case MSR_AMD_HWCR:
		/*
		 * Linux reads it unchecked on family 10h and later and warns of a firmware bug
		 * unless TscFreqSel is set; the guest's TSC is invariant, so it is.  No other
		 * hardware-configuration bit is offered.
		 */
		if (!msr_host_amd())
			return -1;
		*val = HWCR_TSC_FREQ_SEL;
		return 0;
	default:
		return -1;
	}
}

static int msr_write_efer(struct vcpu *v, u64 val)
{
	struct vcpu_sregs *s = vcpu_sregs(v);
	u64 allowed = X86_EFER_SCE | X86_EFER_LME | X86_EFER_LMA;

	if (cpuid(0x80000001, 0).edx & BIT(20))
		allowed |= X86_EFER_NXE;
	if (val & ~allowed)
		return -1;
	/* LME cannot change while paging is on (SDM 9.8.5); LMA is read-only. */
	if ((s->cr0 & X86_CR0_PG) && ((val ^ s->efer) & X86_EFER_LME))
		return -1;
	s->efer = (val & ~X86_EFER_LMA) | (s->efer & X86_EFER_LMA);
	vcpu_sregs_changed(v);
	return 0;
}

static int msr_write(struct vcpu *v, u32 msr, u64 val)
{
	struct vcpu_sregs *s = vcpu_sregs(v);
	u64 *reg = msr_sreg(s, msr);
	int fixed = msr_fixed_index(msr);

	if (reg) {
		if (msr == MSR_PAT ? !msr_pat_valid(val) :
		    (msr >= MSR_STAR && !msr_canonical(val) && msr != MSR_STAR &&
		     msr != MSR_SFMASK))
			return -1;
		if (msr == MSR_SFMASK && (val >> 32))
			return -1;
		*reg = val;
		vcpu_sregs_changed(v);
		return 0;
	}
	if (lapic_msr_owned(msr))
		return lapic_msr_write(v, msr, val);
	if (fixed >= 0) {
		v->mtrr_fixed[fixed] = val;
		return 0;
	}
	if (msr >= MSR_MTRR_PHYS_FIRST && msr <= MSR_MTRR_PHYS_LAST) {
		v->mtrr_var[msr - MSR_MTRR_PHYS_FIRST] = val;
		return 0;
	}
	switch (msr) {
	case MSR_EFER:
		return msr_write_efer(v, val);
	case MSR_TSC_AUX:
		if (!msr_has_tsc_aux() || (val >> 32))
			return -1;
		v->tsc_aux = (u32)val;
		/* RDTSCP/RDPID read the CPU's register: this vCPU is the one running. */
		wrmsr(MSR_TSC_AUX, val);
		return 0;
	case MSR_MTRR_DEF_TYPE:
		if (val & ~0xcffULL)
			return -1;
		v->mtrr_def_type = val;
		return 0;
	case MSR_BIOS_SIGN_ID:
		return 0;	/* a microcode-revision query: nothing to update */
	case MSR_MISC_ENABLE:
		return 0;
	case MSR_MCG_STATUS:
		return val ? -1 : 0;	/* only clearing is allowed (SDM 15.3.1.2) */
	case MSR_AMD_SYSCFG:
		return msr_host_amd() && !val ? 0 : -1;
	case MSR_AMD_HWCR:
		return msr_host_amd() && val == HWCR_TSC_FREQ_SEL ? 0 : -1;
	case MSR_AMD_NB_CFG:
		/*
		 * Stored, per VM as on a real northbridge; bit 46 (CF8 extended configuration
		 * access) changes nothing since the PCI bus has no extended registers on 0xCF8.
		 */
		if (!msr_host_amd())
			return -1;
		v->vm->nb_cfg = val;
		return 0;
	case MSR_TSC: {
		/* SDM 17.17.3: what a write adds to the TSC it adds to IA32_TSC_ADJUST too. */
		u64 now = rdtsc();

		v->tsc_adjust += val - (now + v->tsc_offset);
		v->tsc_offset = val - now;
		vcpu_sregs_changed(v);
		return 0;
	}
	case MSR_TSC_ADJUST:
		/* ... and what a write adds to IA32_TSC_ADJUST it adds to this vCPU's TSC. */
		v->tsc_offset += val - v->tsc_adjust;
		v->tsc_adjust = val;
		vcpu_sregs_changed(v);
		return 0;
	default:
		return -1;
	}
}

void vm_handle_msr(struct vcpu *v, struct vm_exit *exit)
{
	u32 msr = (u32)v->gpr[GPR_RCX];
	u64 val;

	if (exit->kind == VM_EXIT_MSR_READ) {
		if (msr_read(v, msr, &val)) {
			log_printf(LOG_DEBUG, v->vm->name, "rdmsr 0x%x: #GP\n", msr);
			vcpu_inject_exception(v, EXC_GP, true, 0);
			return;
		}
		v->gpr[GPR_RAX] = (u32)val;
		v->gpr[GPR_RDX] = val >> 32;
	} else {
		val = (v->gpr[GPR_RDX] << 32) | (u32)v->gpr[GPR_RAX];
		if (msr_write(v, msr, val)) {
			log_printf(LOG_DEBUG, v->vm->name, "wrmsr 0x%x <- 0x%llx: #GP\n", msr,
				   (unsigned long long)val);
			vcpu_inject_exception(v, EXC_GP, true, 0);
			return;
		}
	}
	if (vcpu_skip_instruction(v, exit))
		vm_stop_with_dump(v, exit, "cannot decode RDMSR/WRMSR");
}
