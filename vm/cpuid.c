/*
 * CPUID as the guest sees it: the host's leaves, filtered — the hypervisor bit
 * set, VMX/SVM and what the VM cannot use hidden, topology from the VM's own
 * vCPUs — plus the MACROHARD leaves at 0x40000000.
 */
#include "vm/vm.h"
#include "vm/cpuid.h"
#include "vm/sched.h"
#include "vm/hypercall.h"
#include "macrohard/hypercall.h"
#include "arch/x86/cpu.h"

static void cpuid_filter(struct vcpu *v, u32 leaf, u32 sub, struct cpuid_regs *r)
{
	u32 max_basic = cpuid(0, 0).eax, max_ext = cpuid(0x80000000, 0).eax;

	if (leaf >= 0x40000000 && leaf < 0x50000000) {
		*r = (struct cpuid_regs){ 0 };
		if (leaf == CPUID_LEAF_HV_BASE) {
			r->eax = CPUID_LEAF_HV_FEATURES;
			r->ebx = CPUID_HV_SIG_EBX;
			r->ecx = CPUID_HV_SIG_ECX;
			r->edx = CPUID_HV_SIG_EDX;
		} else if (leaf == CPUID_LEAF_HV_FEATURES) {
			u64 f = hypercall_features();

			r->eax = (u32)f;
			r->ebx = (u32)(f >> 32);
			r->ecx = HC_ABI_VERSION;
		}
		return;
	}
	/* Out-of-range leaves return the highest basic leaf's data (SDM CPUID). */
	if (leaf < 0x80000000 ? leaf > max_basic : leaf > max_ext) {
		leaf = max_basic;
		sub = 0;
	}
	*r = cpuid(leaf, sub);
	switch (leaf) {
	case 0x1:
		r->ecx &= ~(BIT(5) | BIT(6) |	/* VMX, SMX: no nested virtualization */
			    BIT(3) |		/* MONITOR/MWAIT: intercepted */
			    BIT(7) | BIT(8) |	/* EIST, TM2: host power management */
			    BIT(18));		/* DCA */
		r->ecx |= BIT(31);		/* running under a hypervisor */
		/* OSXSAVE mirrors the guest's CR4, not the host's. */
		r->ecx &= ~BIT(27);
		if (vcpu_sregs(v)->cr4 & BIT(18))
			r->ecx |= BIT(27);
		if (!sched_xsave_usable())
			r->ecx &= ~(BIT(12) | BIT(26) | BIT(27) | BIT(28) | BIT(29));	/* FMA, XSAVE, AVX, F16C */
		/* Initial APIC ID and logical processor count of this VM (SDM CPUID leaf 1). */
		r->ebx = (r->ebx & 0x0000ffff) | (v->id << 24) | ((v->vm->vcpu_count & 0xff) << 16);
		r->edx &= ~(BIT(22) | BIT(29));	/* ACPI thermal, TM */
		break;
	case 0x5:	/* MONITOR/MWAIT leaf */
	case 0x6:	/* thermal and power management */
	case 0xa:	/* architectural performance monitoring: no vPMU */
		*r = (struct cpuid_regs){ 0 };
		break;
	case 0xd:
		if (!sched_xsave_usable())
			*r = (struct cpuid_regs){ 0 };
		if (sub == 1) {
			/*
			 * No XSAVES/XRSTORS and no supervisor state components: IA32_XSS is
			 * not offered (a guest would find its XSAVES area size inconsistent).
			 */
			r->eax &= ~BIT(3);
			r->ecx = 0;
			r->edx = 0;
		}
		break;
	case 0x7:
		if (sub == 0 && !sched_xsave_usable()) {
			/* AVX2, the AVX-512 family and AMX need XSAVE-managed state. */
			r->ebx &= ~(BIT(5) | BIT(16) | BIT(17) | BIT(21) | BIT(26) | BIT(27) | BIT(28) |
				    BIT(30) | BIT(31));
			r->ecx &= ~(BIT(1) | BIT(6) | BIT(9) | BIT(10) | BIT(11) | BIT(12) | BIT(14));
			r->edx &= ~(BIT(2) | BIT(3) | BIT(8) | BIT(22) | BIT(24) | BIT(25));
		}
		if (sub == 0) {
			r->ecx &= ~(BIT(5) |	/* WAITPKG (UMWAIT/TPAUSE) */
				    BIT(6));	/* ... */
			r->ebx &= ~(BIT(2));	/* SGX */
		}
		break;
	case 0xb:
	case 0x1f:
		/* Every vCPU a core of one package; the x2APIC ID is the vCPU index. */
		r->edx = v->id;
		break;
	case 0x80000001:
		r->ecx &= ~(BIT(2) |	/* SVM */
			    BIT(12));	/* SKINIT */
		break;
	case 0x8000000a:	/* SVM features: none */
		*r = (struct cpuid_regs){ 0 };
		break;
	}
}

void vm_handle_cpuid(struct vcpu *v, struct vm_exit *exit)
{
	struct cpuid_regs r;

	cpuid_filter(v, (u32)v->gpr[GPR_RAX], (u32)v->gpr[GPR_RCX], &r);
	if (vcpu_skip_instruction(v, exit)) {
		vm_stop_with_dump(v, exit, "cannot decode CPUID");
		return;
	}
	v->gpr[GPR_RAX] = r.eax;
	v->gpr[GPR_RBX] = r.ebx;
	v->gpr[GPR_RCX] = r.ecx;
	v->gpr[GPR_RDX] = r.edx;
}
