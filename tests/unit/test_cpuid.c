/*
 * CPUID as the guest sees it (vm/cpuid.c) on the build machine's CPU: the TSC leaves 0x15/0x16
 * (crystal * numerator / denominator = the TSC within 0.01 %, inside Linux's 32-bit
 * arithmetic), the hypervisor leaves 0x40000000 and 0x40000010, the APIC bits of leaf 1,
 * TSC_ADJUST in leaf 7, and leaf 0xD sub-leaf 1 (XSAVEC only where the host's works, EBX the
 * compacted size for the vCPU's XCR0 from a constructed host layout, never XSAVES).
 */
// unit-deps: vm/cpuid.c arch/x86/xstate.c
#include "tests/unit/unit.h"
#include "vm/vm.h"
#include "vm/cpuid.h"
#include "vm/sched.h"
#include "vm/hypercall.h"
#include "host/host.h"
#include "arch/x86/cpu.h"
#include "arch/x86/xstate.h"

static u64 fake_tsc_hz = 2000000000ULL;
static struct vcpu_sregs sregs;

static struct xstate_layout fake_layout;
static bool fake_xsavec_ok;

const struct xstate_layout *xstate_host_layout(void) { return &fake_layout; }
bool xstate_xsavec_usable(void) { return fake_xsavec_ok; }
u64 host_tsc_hz(void) { return fake_tsc_hz; }
u64 hypercall_features(void) { return 0x1f; }
bool sched_xsave_usable(void) { return true; }
struct vcpu_sregs *vcpu_sregs(struct vcpu *v) { (void)v; return &sregs; }
int vcpu_skip_instruction(struct vcpu *v, const struct vm_exit *exit) { (void)v; (void)exit; return 0; }
void vm_stop_with_dump(struct vcpu *v, const struct vm_exit *exit, const char *why)
{
	(void)v; (void)exit; (void)why;
}

static struct cpuid_regs guest(struct vcpu *v, u32 leaf, u32 sub)
{
	struct vm_exit exit = { 0 };

	v->gpr[GPR_RAX] = leaf;
	v->gpr[GPR_RCX] = sub;
	vm_handle_cpuid(v, &exit);
	return (struct cpuid_regs){ .eax = (u32)v->gpr[GPR_RAX], .ebx = (u32)v->gpr[GPR_RBX],
				    .ecx = (u32)v->gpr[GPR_RCX], .edx = (u32)v->gpr[GPR_RDX] };
}

static void check_leaf15(u64 hz)
{
	u32 den, num, crystal;
	char name[96];
	double got, err;

	cpuid_tsc_leaf15(hz, &den, &num, &crystal);
	got = (double)crystal * num / den;
	err = (got - (double)hz) / (double)hz;
	snprintf(name, sizeof(name), "leaf 0x15 for %llu Hz: within 0.01 %%", (unsigned long long)hz);
	unit_check(den && num && (err < 0 ? -err : err) < 1e-4, name,
		   "crystal %u * %u / %u = %.0f", crystal, num, den, got);
	snprintf(name, sizeof(name), "leaf 0x15 for %llu Hz: crystal kHz * numerator fits 32 bits",
		 (unsigned long long)hz);
	unit_check((u64)(crystal / 1000) * num <= 0xffffffffULL, name, "num %u", num);
	snprintf(name, sizeof(name), "leaf 0x15 for %llu Hz: crystal is the APIC timer clock",
		 (unsigned long long)hz);
	unit_check(crystal == LAPIC_TIMER_HZ, name, "crystal %u", crystal);
}

/* Leaf 0xD sub-leaf 1 on a host laid out like a Skylake-SP (AVX-512, MPX, PKRU, PT). */
static void check_leaf_d1(struct vcpu *v)
{
	static const u32 sizes[][3] = {	/* component, size, standard offset */
		{ 2, 0x100, 0x240 }, { 3, 0x40, 0x3c0 }, { 4, 0x40, 0x400 }, { 5, 0x40, 0x440 },
		{ 6, 0x200, 0x480 }, { 7, 0x400, 0x680 }, { 8, 0x80, 0 }, { 9, 0x8, 0xa80 },
	};
	struct cpuid_regs leaf[XSTATE_COMPONENTS] = { { 0 } }, r;
	bool host_xsavec = cpuid(0, 0).eax >= 0xd && (cpuid(0xd, 1).eax & XSTATE_CPUID_XSAVEC);

	leaf[0] = (struct cpuid_regs){ .eax = 0x2ff, .ebx = 0xa88, .ecx = 0xa88 };
	leaf[1] = (struct cpuid_regs){ .eax = 0xf, .ebx = 0xa88, .ecx = 0x100 };
	for (u32 i = 0; i < ARRAY_SIZE(sizes); i++)
		leaf[sizes[i][0]] = (struct cpuid_regs){ .eax = sizes[i][1], .ebx = sizes[i][2],
							 .ecx = sizes[i][0] == 8 };
	xstate_layout_parse(&fake_layout, leaf);

	fake_xsavec_ok = true;
	v->xcr0 = 0xe7;		/* what Linux 6.1 enables there */
	r = guest(v, 0xd, 1);
	if (host_xsavec) {
		CHECK("leaf 0xD.1: XSAVEC offered where the host's works", r.eax & XSTATE_CPUID_XSAVEC);
		CHECK_U64("leaf 0xD.1: EBX is the compacted size for XCR0 0xe7", r.ebx, 2432);
		v->xcr0 = 0x7;
		r = guest(v, 0xd, 1);
		CHECK_U64("leaf 0xD.1: EBX follows the vCPU's XCR0 (0x7)", r.ebx, 832);
		v->xcr0 = 0x1;
		r = guest(v, 0xd, 1);
		CHECK_U64("leaf 0xD.1: EBX for x87 only is the legacy area and header", r.ebx, 576);
	} else {
		printf("SKIP: leaf 0xD.1 with XSAVEC (the build machine has no XSAVEC)\n");
	}
	CHECK("leaf 0xD.1: XSAVES never offered", !(r.eax & XSTATE_CPUID_XSAVES));
	CHECK_U64("leaf 0xD.1: no supervisor components (ECX, EDX)", r.ecx | r.edx, 0);

	fake_xsavec_ok = false;
	v->xcr0 = 0xe7;
	r = guest(v, 0xd, 1);
	CHECK("leaf 0xD.1: XSAVEC hidden where the host's is broken", !(r.eax & XSTATE_CPUID_XSAVEC));
	CHECK("leaf 0xD.1: XSAVES hidden there too", !(r.eax & XSTATE_CPUID_XSAVES));
	CHECK_U64("leaf 0xD.1: EBX 0 without XSAVEC and XSAVES", r.ebx, 0);
	v->xcr0 = 1;
}

int main(void)
{
	static struct vm vm = { .vcpu_count = 2 };
	static struct vcpu v = { .vm = &vm, .id = 1 };
	struct cpuid_regs r = cpuid(0, 0);
	bool intel = r.ebx == 0x756e6547;
	static const u64 rates[] = { 1000000000ULL, 2000000000ULL, 2194917000ULL, 3000000000ULL,
				     3999999999ULL, 5200000000ULL, 100000000ULL, 25000000ULL };

	for (u32 i = 0; i < ARRAY_SIZE(rates); i++)
		check_leaf15(rates[i]);

	r = guest(&v, 0x40000000, 0);
	CHECK_U64("0x40000000: max leaf 0x40000010", r.eax, 0x40000010);
	CHECK_U64("0x40000000: signature", r.ebx, CPUID_HV_SIG_EBX);
	r = guest(&v, 0x40000010, 0);
	CHECK_U64("0x40000010: TSC kHz", r.eax, 2000000);
	CHECK_U64("0x40000010: APIC timer kHz", r.ebx, LAPIC_TIMER_HZ / 1000);
	r = guest(&v, 0x40000011, 0);
	CHECK_U64("0x40000011: zeros", r.eax | r.ebx | r.ecx | r.edx, 0);
	r = guest(&v, 1, 0);
	CHECK("leaf 1: x2APIC and TSC-deadline offered", (r.ecx & BIT(21)) && (r.ecx & BIT(24)));
	CHECK("leaf 1: APIC present", r.edx & BIT(9));
	CHECK_U64("leaf 1: initial APIC ID", r.ebx >> 24, 1);
	r = guest(&v, 6, 0);
	CHECK("leaf 6: only ARAT (the APIC timer always runs)", r.eax == BIT(2) && !r.ebx && !r.ecx &&
	      !r.edx);
	r = guest(&v, 7, 0);
	CHECK("leaf 7: TSC_ADJUST offered (emulated per vCPU)", r.ebx & BIT(1));
	check_leaf_d1(&v);
	if (cpuid(0x80000000, 0).eax >= 0x80000007) {
		r = guest(&v, 0x80000007, 0);
		CHECK("leaf 0x80000007: invariant TSC", r.edx & BIT(8));
	}
	r = guest(&v, 0x80000001, 0);
	CHECK("leaf 0x80000001: SVM and the extended APIC space hidden", !(r.ecx & (BIT(2) | BIT(3))));
	r = guest(&v, 0, 0);
	if (intel) {
		u32 den, num, crystal;

		CHECK("Intel: max basic leaf at least 0x16", r.eax >= 0x16);
		cpuid_tsc_leaf15(fake_tsc_hz, &den, &num, &crystal);
		r = guest(&v, 0x15, 0);
		CHECK("Intel: leaf 0x15", r.eax == den && r.ebx == num && r.ecx == crystal);
		r = guest(&v, 0x16, 0);
		CHECK("Intel: leaf 0x16 base 2000 MHz, bus 25 MHz", r.eax == 2000 && r.ebx == 2000 &&
		      r.ecx == 25);
	} else {
		printf("SKIP: Intel TSC leaves (the build machine is not an Intel CPU)\n");
	}
	return unit_summary();
}
