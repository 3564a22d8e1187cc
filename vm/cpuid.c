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
#include "arch/x86/xstate.h"
#include "host/host.h"

/*
 * Leaf 0x15 for a TSC of tsc_hz (SDM vol. 2, CPUID): TSC = crystal * num / den with the local
 * APIC timer's clock as the crystal.  Linux computes crystal_kHz * num in 32 bits, so num stays
 * below 2^32 / crystal_kHz; den is as large as that allows, for the finest ratio.
 */
void cpuid_tsc_leaf15(u64 tsc_hz, u32 *den, u32 *num, u32 *crystal_hz)
{
	const u64 crystal = LAPIC_TIMER_HZ, num_max = 0xffffffffULL / (LAPIC_TIMER_HZ / 1000);
	u64 d = tsc_hz ? num_max * crystal / tsc_hz : 1, n;

	d = MIN(MAX(d, 1ULL), 0xffffffffULL);
	for (;;) {
		n = (tsc_hz * d + crystal / 2) / crystal;
		if (n <= num_max || d == 1)
			break;
		d--;
	}
	*den = (u32)d;
	*num = (u32)MIN(MAX(n, 1ULL), num_max);
	*crystal_hz = (u32)crystal;
}

static bool cpuid_host_intel(void)
{
	struct cpuid_regs r = cpuid(0, 0);

	return r.ebx == 0x756e6547 && r.edx == 0x49656e69 && r.ecx == 0x6c65746e;	/* GenuineIntel */
}

static void cpuid_filter(struct vcpu *v, u32 leaf, u32 sub, struct cpuid_regs *r)
{
	u32 max_basic = cpuid(0, 0).eax, max_ext = cpuid(0x80000000, 0).eax;
	bool intel = cpuid_host_intel();
	/* On Intel the TSC leaves 0x15 and 0x16 exist even where the host lacks them. */
	u32 guest_max = intel ? MAX(max_basic, 0x16u) : max_basic;

	if (leaf >= 0x40000000 && leaf < 0x50000000) {
		*r = (struct cpuid_regs){ 0 };
		if (leaf == CPUID_LEAF_HV_BASE) {
			r->eax = CPUID_LEAF_HV_TIMING;
			r->ebx = CPUID_HV_SIG_EBX;
			r->ecx = CPUID_HV_SIG_ECX;
			r->edx = CPUID_HV_SIG_EDX;
		} else if (leaf == CPUID_LEAF_HV_FEATURES) {
			u64 f = hypercall_features();

			r->eax = (u32)f;
			r->ebx = (u32)(f >> 32);
			r->ecx = HC_ABI_VERSION;
		} else if (leaf == CPUID_LEAF_HV_TIMING) {
			/* The VMware/KVM convention: TSC and local APIC timer frequencies in kHz. */
			r->eax = (u32)(host_tsc_hz() / 1000);
			r->ebx = (u32)(LAPIC_TIMER_HZ / 1000);
		}
		return;
	}
	/* Out-of-range leaves return the highest basic leaf's data (SDM CPUID). */
	if (leaf < 0x80000000 ? leaf > guest_max : leaf > max_ext) {
		leaf = guest_max;
		sub = 0;
	}
	if (intel && leaf == 0x15) {
		cpuid_tsc_leaf15(host_tsc_hz(), &r->eax, &r->ebx, &r->ecx);
		r->edx = 0;
		return;
	}
	if (intel && leaf == 0x16) {
		/* Base and maximum frequency: the TSC's; bus (reference) frequency: the crystal. */
		r->eax = r->ebx = (u32)((host_tsc_hz() + 500000) / 1000000);
		r->ecx = (u32)(LAPIC_TIMER_HZ / 1000000);
		r->edx = 0;
		return;
	}
	if (leaf > max_basic && leaf < 0x80000000) {
		*r = (struct cpuid_regs){ 0 };	/* a leaf only the guest has */
		return;
	}
	*r = cpuid(leaf, sub);
	switch (leaf) {
	case 0x0:
		r->eax = guest_max;
		break;
	case 0x1:
		r->ecx &= ~(BIT(5) | BIT(6) |	/* VMX, SMX: no nested virtualization */
			    BIT(3) |		/* MONITOR/MWAIT: intercepted */
			    BIT(7) | BIT(8) |	/* EIST, TM2: host power management */
			    BIT(18));		/* DCA */
		r->ecx |= BIT(31);		/* running under a hypervisor */
		/* The local APIC (devices/lapic.c): x2APIC and the TSC-deadline timer. */
		r->ecx |= BIT(21) | BIT(24);
		r->edx |= BIT(9);
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
	case 0xa:	/* architectural performance monitoring: no vPMU */
		*r = (struct cpuid_regs){ 0 };
		break;
	case 0x6:	/* thermal and power management: none, but the APIC timer always runs */
		*r = (struct cpuid_regs){ .eax = BIT(2) };	/* ARAT */
		break;
	case 0xd:
		if (!sched_xsave_usable())
			*r = (struct cpuid_regs){ 0 };
		if (sub == 1) {
			/*
			 * No XSAVES/XRSTORS and no supervisor state components: IA32_XSS is
			 * not offered (a guest would find its XSAVES area size inconsistent).
			 * XSAVEC only where it writes the layout this leaf describes
			 * (arch/x86/xstate.c: Bochs 2.7's does not).  EBX, the compacted size
			 * for XCR0 | IA32_XSS, is computed from that layout: Linux checks it
			 * against its own sum, and some CPUs (Bochs) report another number.
			 */
			r->eax &= ~XSTATE_CPUID_XSAVES;
			if (!xstate_xsavec_usable())
				r->eax &= ~XSTATE_CPUID_XSAVEC;
			r->ebx = (r->eax & (XSTATE_CPUID_XSAVEC | XSTATE_CPUID_XSAVES)) ?
				 xstate_compacted_size(xstate_host_layout(), v->xcr0) : 0;
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
			r->ebx &= ~BIT(2);	/* SGX */
			/* IA32_TSC_ADJUST, per vCPU (vm/msr.c): Linux's TSC sync check uses it. */
			r->ebx |= BIT(1);
		}
		break;
	case 0xb:
	case 0x1f:
		/* Every vCPU a core of one package; the x2APIC ID is the vCPU index. */
		r->edx = v->id;
		break;
	case 0x80000001:
		r->ecx &= ~(BIT(2) |	/* SVM */
			    BIT(3) |	/* AMD extended APIC space: not modelled */
			    BIT(12));	/* SKINIT */
		break;
	case 0x80000007:
		/*
		 * Invariant TSC: the guest TSC is the host's plus a constant offset, which the
		 * hypervisor's own clock already takes to run at a constant rate.  Without it Linux
		 * on AMD takes the TSCs of two or more vCPUs for unsynchronized.
		 */
		r->edx |= BIT(8);
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
