/*
 * Host unit test for the VMCB contents (svm/svm_vmcb.c: segment attributes,
 * guest state, the permission maps) and the VMRUN consistency checker
 * (svm/svm_check.c), one broken rule at a time.
 */
// unit-deps: svm/svm_vmcb.c svm/svm_check.c vm/msr_passthrough.c lib/string.c lib/errno.c
#include <stdio.h>
#include <string.h>

#include "svm/svm.h"
#include "vm/msr_passthrough.h"
#include "lib/errno.h"
#include "tests/unit/unit.h"

static struct vmcb vmcb;

static void test_attributes(void)
{
	/* VMX access rights -> VMCB attributes: bits 7:0 stay, 15:12 move to 11:8. */
	CHECK_INT("real-mode data segment", svm_attr_from_ar(0x93), 0x093);
	CHECK_INT("64-bit code segment (L, G)", svm_attr_from_ar(0xa09b), 0xa9b);
	CHECK_INT("32-bit flat data (DB, G)", svm_attr_from_ar(0xc093), 0xc93);
	CHECK_INT("AVL moves too", svm_attr_from_ar(0x1093), 0x193);
	CHECK_INT("an unusable segment is not present", svm_attr_from_ar(0x10093), 0x013);
	CHECK_INT("back: 64-bit code", svm_ar_from_attr(0xa9b, false), 0xa09b);
	CHECK_INT("back: busy TSS", svm_ar_from_attr(0x08b, false), 0x8b);
	CHECK_INT("back: not present is unusable", svm_ar_from_attr(0x013, true),
		  0x13 | SEG_AR_UNUSABLE);
	CHECK_INT("back: CS/TR are never unusable", svm_ar_from_attr(0x00b, false), 0x0b);
	for (u32 ar = 0; ar < 0x10000; ar++) {
		u32 usable = ar & 0xf0ff;	/* bits 11:8 do not exist in either format */

		if (!(usable & SEG_AR_P))
			continue;
		if (svm_ar_from_attr(svm_attr_from_ar(usable), true) != usable) {
			unit_check(false, "every present access-rights value round-trips",
				   "ar %#x", usable);
			return;
		}
	}
	CHECK("every present access-rights value round-trips", true);
}

static void fill_long_mode(struct vcpu_sregs *s)
{
	memset(s, 0, sizeof(*s));
	for (int i = 0; i < SEG_COUNT; i++)
		s->seg[i] = (struct segment){ .selector = 0x10, .ar = 0xc093, .limit = 0xffffffff };
	s->seg[SEG_CS] = (struct segment){ .selector = 0x08, .ar = 0xa09b, .limit = 0xffffffff };
	s->seg[SEG_SS].ar = 0xc093 | (3u << 5);		/* DPL 3: CPL 3 */
	s->seg[SEG_FS].base = 0x7fff00001000ULL;
	s->seg[SEG_GS] = (struct segment){ .ar = SEG_AR_UNUSABLE };
	s->tr = (struct segment){ .selector = 0x28, .ar = 0x8b, .limit = 0x67, .base = 0x5000 };
	s->ldtr = (struct segment){ .ar = SEG_AR_UNUSABLE };
	s->gdtr = (struct dtable){ .base = 0x6000, .limit = 0x37 };
	s->idtr = (struct dtable){ .base = 0x7000, .limit = 0xfff };
	s->cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP;
	s->cr3 = 0x100000;
	s->cr4 = X86_CR4_PAE | X86_CR4_PGE;
	s->cr8 = 5;
	s->efer = X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE | X86_EFER_SCE;
	s->dr6 = 0xffff0ff0;
	s->dr7 = 0x400;
	s->pat = 0x0007040600070406ULL;
	s->lstar = 0xffffffff81000000ULL;
	s->star = 0x0023001000000000ULL;
	s->kernel_gs_base = 0xffff888000000000ULL;
	s->sysenter_eip = 0x1234;
}

static bool seg_eq(const struct segment *a, const struct segment *b)
{
	return a->selector == b->selector && a->ar == b->ar && a->limit == b->limit &&
	       a->base == b->base;
}

/* Field by field: the structures have padding. */
static bool sregs_eq(const struct vcpu_sregs *a, const struct vcpu_sregs *b)
{
	for (int i = 0; i < SEG_COUNT; i++)
		if (!seg_eq(&a->seg[i], &b->seg[i]))
			return false;
	return seg_eq(&a->tr, &b->tr) && seg_eq(&a->ldtr, &b->ldtr) &&
	       a->gdtr.base == b->gdtr.base && a->gdtr.limit == b->gdtr.limit &&
	       a->idtr.base == b->idtr.base && a->idtr.limit == b->idtr.limit &&
	       a->cr0 == b->cr0 && a->cr2 == b->cr2 && a->cr3 == b->cr3 && a->cr4 == b->cr4 &&
	       a->cr8 == b->cr8 && a->efer == b->efer && a->dr6 == b->dr6 && a->dr7 == b->dr7 &&
	       a->pat == b->pat && a->sysenter_cs == b->sysenter_cs &&
	       a->sysenter_esp == b->sysenter_esp && a->sysenter_eip == b->sysenter_eip &&
	       a->star == b->star && a->lstar == b->lstar && a->cstar == b->cstar &&
	       a->sfmask == b->sfmask && a->kernel_gs_base == b->kernel_gs_base;
}

static void test_sregs(void)
{
	struct vcpu_sregs in, out;

	fill_long_mode(&in);
	memset(&vmcb, 0, sizeof(vmcb));
	vmcb.ctl.vintr = SVM_VINTR_MASKING;
	svm_vmcb_set_sregs(&vmcb, &in, X86_RFLAGS_FIXED);
	CHECK("EFER.SVME is forced on in the VMCB", vmcb.save.efer & X86_EFER_SVME);
	CHECK_INT("CPL comes from SS.DPL", vmcb.save.cpl, 3);
	CHECK_U64("CR8 goes to V_TPR", vmcb.ctl.vintr & SVM_VINTR_TPR_MASK, 5);
	CHECK("V_INTR_MASKING stays", vmcb.ctl.vintr & SVM_VINTR_MASKING);
	CHECK_INT("CS attributes", vmcb.save.cs.attrib, 0xa9b);
	CHECK_INT("unusable GS is not present", vmcb.save.gs.attrib & SVM_ATTR_P, 0);
	svm_vmcb_get_sregs(&vmcb, &out);
	CHECK("the guest does not see EFER.SVME", !(out.efer & X86_EFER_SVME));
	CHECK("everything round-trips", sregs_eq(&in, &out));

	in.efer |= X86_EFER_SVME;
	svm_vmcb_set_sregs(&vmcb, &in, X86_RFLAGS_FIXED);
	svm_vmcb_get_sregs(&vmcb, &out);
	CHECK("get_sregs strips SVME", !(out.efer & X86_EFER_SVME));

	vmcb.save.cpl = 0;	/* e.g. after SYSCALL with a stale SS.DPL */
	svm_vmcb_get_sregs(&vmcb, &out);
	CHECK_INT("SS.DPL follows the CPL field", SEG_AR_DPL(out.seg[SEG_SS].ar), 0);

	in.cr0 = X86_CR0_ET;	/* real mode */
	in.seg[SEG_SS].ar = 0x93 | (3u << 5);
	svm_vmcb_set_sregs(&vmcb, &in, X86_RFLAGS_FIXED);
	CHECK_INT("real mode runs at CPL 0", vmcb.save.cpl, 0);
	in.cr0 = X86_CR0_PE;
	svm_vmcb_set_sregs(&vmcb, &in, X86_RFLAGS_FIXED | X86_RFLAGS_VM);
	CHECK_INT("virtual-8086 mode runs at CPL 3", vmcb.save.cpl, 3);
}

static void test_maps(void)
{
	static u8 msrpm[SVM_MSRPM_SIZE], iopm[SVM_IOPM_SIZE];
	unsigned open = 0;

	svm_iopm_init(iopm);
	for (size_t i = 0; i < sizeof(iopm); i++)
		open += iopm[i] != 0xff;
	CHECK_INT("the IOPM intercepts every port", open, 0);

	svm_msrpm_init(msrpm);
	for (size_t i = 0; i < vm_msr_passthrough_count; i++) {
		u32 m = vm_msr_passthrough[i];

		open += !svm_msrpm_intercepts(msrpm, m, false) && !svm_msrpm_intercepts(msrpm, m, true);
	}
	CHECK_INT("every pass-through MSR is open both ways", open, vm_msr_passthrough_count);
	CHECK_INT("ten pass-through MSRs", vm_msr_passthrough_count, 10);
	CHECK("EFER writes exit", svm_msrpm_intercepts(msrpm, 0xc0000080, true));
	CHECK("EFER reads exit", svm_msrpm_intercepts(msrpm, 0xc0000080, false));
	CHECK("APIC_BASE exits", svm_msrpm_intercepts(msrpm, 0x1b, true));
	CHECK("VM_HSAVE_PA exits", svm_msrpm_intercepts(msrpm, 0xc0010117, false));
	CHECK("TSC exits", svm_msrpm_intercepts(msrpm, 0x10, true));
	CHECK("an MSR outside the map always exits", svm_msrpm_intercepts(msrpm, 0x40000000, false));
	open = 0;
	for (u32 m = 0; m < 0x2000; m++)
		open += !svm_msrpm_intercepts(msrpm, m, false) + !svm_msrpm_intercepts(msrpm, m, true);
	for (u32 m = 0xc0000000; m < 0xc0002000; m++)
		open += !svm_msrpm_intercepts(msrpm, m, false) + !svm_msrpm_intercepts(msrpm, m, true);
	for (u32 m = 0xc0010000; m < 0xc0012000; m++)
		open += !svm_msrpm_intercepts(msrpm, m, false) + !svm_msrpm_intercepts(msrpm, m, true);
	CHECK_INT("nothing else is open", open, 2 * vm_msr_passthrough_count);

	/* 15.11: the bit positions of the three ranges. */
	memset(msrpm, 0xff, sizeof(msrpm));
	svm_msrpm_set(msrpm, 0x00000000, false, true);
	CHECK_INT("MSR 0: read bit 0 of byte 0", msrpm[0], 0xfe);
	svm_msrpm_set(msrpm, 0xc0000003, true, false);
	CHECK_INT("C000_0003h: write bit 7 of byte 800h", msrpm[0x800], 0x7f);
	svm_msrpm_set(msrpm, 0xc0011fff, false, false);
	CHECK_INT("C001_1FFFh: top bits of byte 17FFh", msrpm[0x17ff], 0x3f);
	CHECK_INT("outside the map: -EINVAL", svm_msrpm_set(msrpm, 0xc0012000, false, false),
		  -EINVAL);
}

static const struct svm_check_env env = {
	.phys_bits = 48, .long_mode = true, .npt = true,
	.cr4_allowed = 0x7ff | X86_CR4_LA57 | BIT(16) | BIT(17) | BIT(18) | X86_CR4_SMEP |
		       X86_CR4_SMAP,
	.efer_allowed = X86_EFER_SCE | X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE |
			X86_EFER_SVME,
};

static void good_vmcb(void)
{
	struct svm_control_params p = { .iopm_pa = 0x10000, .msrpm_pa = 0x20000, .asid = 3,
					.n_cr3 = 0x30000 };
	struct vcpu_sregs s;

	memset(&vmcb, 0, sizeof(vmcb));
	svm_vmcb_init_control(&vmcb, &p);
	fill_long_mode(&s);
	svm_vmcb_set_sregs(&vmcb, &s, X86_RFLAGS_FIXED);
}

#define BROKEN(what, change, expect) do {						\
	const char *found;								\
	good_vmcb();									\
	change;										\
	found = svm_check_vmcb(&vmcb, &env);						\
	CHECK_STR("check: " what, found ? found : "(passes)", expect);			\
} while (0)

static void test_checker(void)
{
	good_vmcb();
	CHECK("a good long-mode VMCB passes", svm_check_vmcb(&vmcb, &env) == NULL);
	vmcb.save.cr0 = X86_CR0_ET;
	vmcb.save.efer = X86_EFER_SVME;
	vmcb.save.cr4 = 0;
	vmcb.save.cs.attrib = 0x9b;
	CHECK("a real-mode VMCB passes", svm_check_vmcb(&vmcb, &env) == NULL);

	BROKEN("SVME", vmcb.save.efer &= ~X86_EFER_SVME, "EFER.SVME is clear");
	BROKEN("NW without CD", vmcb.save.cr0 |= X86_CR0_NW, "CR0.NW set without CR0.CD");
	BROKEN("CR0 high", vmcb.save.cr0 |= BIT(32), "CR0 bits 63:32 not zero");
	BROKEN("CR3 above MAXPHYADDR", vmcb.save.cr3 |= BIT(50),
	       "CR3 reserved bits set (above the physical address width)");
	BROKEN("CR3 bit 63", vmcb.save.cr3 |= BIT(63),
	       "CR3 reserved bits set (above the physical address width)");
	BROKEN("CR4 VMXE (reserved on AMD)", vmcb.save.cr4 |= X86_CR4_VMXE,
	       "CR4 reserved bits set");
	BROKEN("CR4 PKE not implemented", vmcb.save.cr4 |= X86_CR4_PKE, "CR4 reserved bits set");
	BROKEN("DR6 high", vmcb.save.dr6 |= BIT(40), "DR6 bits 63:32 not zero");
	BROKEN("DR7 high", vmcb.save.dr7 |= BIT(33), "DR7 bits 63:32 not zero");
	BROKEN("EFER reserved", vmcb.save.efer |= BIT(9), "EFER reserved (MBZ) bits set");
	BROKEN("long mode without PAE", vmcb.save.cr4 &= ~X86_CR4_PAE,
	       "EFER.LME and CR0.PG set with CR4.PAE clear");
	BROKEN("long mode without PE", vmcb.save.cr0 &= ~X86_CR0_PE,
	       "EFER.LME and CR0.PG set with CR0.PE clear");
	BROKEN("CS.L and CS.D", vmcb.save.cs.attrib |= SVM_ATTR_DB,
	       "long mode with both CS.L and CS.D set");
	BROKEN("no VMRUN intercept", vmcb.ctl.intercept_misc2 &= ~SVM_INT2_VMRUN,
	       "VMRUN intercept clear");
	BROKEN("ASID 0", vmcb.ctl.asid = 0, "ASID 0 (the host's)");
	BROKEN("MSRPM at the top", vmcb.ctl.msrpm_base_pa = (1ULL << 48) - PAGE_SIZE,
	       "MSRPM extends beyond the physical address width");
	BROKEN("IOPM at the top", vmcb.ctl.iopm_base_pa = (1ULL << 48) - 2 * PAGE_SIZE,
	       "IOPM extends beyond the physical address width");
	BROKEN("IOPM just fits", vmcb.ctl.iopm_base_pa = (1ULL << 48) - 3 * PAGE_SIZE, "(passes)");
	BROKEN("N_CR3 too high", vmcb.ctl.n_cr3 = 1ULL << 49,
	       "N_CR3 beyond the physical address width");
	BROKEN("vNMI without the NMI intercept",
	       (vmcb.ctl.vintr |= SVM_VINTR_NMI_ENABLE, vmcb.ctl.intercept_misc1 &= ~SVM_INT1_NMI),
	       "V_NMI_ENABLE without the NMI intercept");
	BROKEN("event type 1", vmcb.ctl.eventinj = SVM_EVENT_VALID | (1 << 8) | 32,
	       "EVENTINJ: reserved event type");
	BROKEN("exception vector 2",
	       vmcb.ctl.eventinj = SVM_EVENT_VALID | (SVM_EVENT_TYPE_EXCEPTION << 8) | 2,
	       "EVENTINJ: exception type with vector 2 (NMI)");
	BROKEN("exception vector 32",
	       vmcb.ctl.eventinj = SVM_EVENT_VALID | (SVM_EVENT_TYPE_EXCEPTION << 8) | 32,
	       "EVENTINJ: exception vector 31 or above");
	BROKEN("#BR in 64-bit mode",
	       vmcb.ctl.eventinj = SVM_EVENT_VALID | (SVM_EVENT_TYPE_EXCEPTION << 8) | EXC_BR,
	       "EVENTINJ: #BR in 64-bit mode");
	BROKEN("#GP with an error code is fine",
	       vmcb.ctl.eventinj = SVM_EVENT_VALID | SVM_EVENT_EV |
				   (SVM_EVENT_TYPE_EXCEPTION << 8) | EXC_GP, "(passes)");
	BROKEN("an invalid event is ignored", vmcb.ctl.eventinj = 7 << 8, "(passes)");
}

int main(void)
{
	test_attributes();
	test_sregs();
	test_maps();
	test_checker();
	return unit_summary();
}
